/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-database.h: the SQLite plumbing both stores share: private files, WAL,
 * migrations by user_version, cached prepared statements, corrupt files moved
 * aside, and noticing other processes' writes. */
#pragma once

#include <gio/gio.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define TM_DATABASE_ERROR (tm_database_error_quark ())
typedef enum {
  TM_DATABASE_ERROR_FAILED,   /* the message carries SQLite's and says what to do */
  TM_DATABASE_ERROR_TOO_NEW,  /* schema from a newer Témoin: left untouched */
  TM_DATABASE_ERROR_MOVED_ASIDE, /* damaged, moved aside, and no new one could be
                                  * made: the message says where the old one went */
} TmDatabaseError;

#define TM_TYPE_DATABASE (tm_database_get_type ())
G_DECLARE_FINAL_TYPE (TmDatabase, tm_database, TM, DATABASE, GObject)

GQuark        tm_database_error_quark     (void);

/**
 * tm_database_open:
 * @path: the database file
 * @migrations: SQL scripts; @migrations[i] takes the schema from version i to i+1
 * @n_migrations: the current schema version
 *
 * Opens or creates @path (mode 0600, and its -wal/-shm; a symbolic link is
 * refused, never followed), in WAL mode with
 * foreign keys, `synchronous=NORMAL` and a busy timeout, then runs the missing
 * migrations in one transaction each. A file that is not a database, is corrupt
 * (`PRAGMA quick_check`) or cannot be read is renamed to
 * `PATH.corrupt-YYYYMMDDTHHMMSSZ` and a new database is created in its place; the
 * new name is tm_database_get_moved_aside().
 */
TmDatabase   *tm_database_open            (const char          *path,
                                           const char * const  *migrations,
                                           guint                n_migrations,
                                           GError             **error);
/* For the commands that only read: creates, moves and writes nothing (an empty
 * database in memory when the file is missing or damaged, the schema migrated in
 * memory, `immutable` where the -shm file cannot be made, no checkpoint on
 * closing), refuses every write. See the .c file. */
TmDatabase   *tm_database_open_read_only  (const char          *path,
                                           const char * const  *migrations,
                                           guint                n_migrations,
                                           GError             **error);
const char   *tm_database_get_path        (TmDatabase   *self);
const char   *tm_database_get_moved_aside (TmDatabase   *self);   /* nullable */
/* (nullable): for a reading command, what to tell the person (translated): the
 * file was damaged and read as empty, or recent changes may be missing. */
const char   *tm_database_get_read_warning (TmDatabase  *self);
sqlite3      *tm_database_get_handle      (TmDatabase   *self);

/* (transfer none): a cached statement for @sql, reset and with bindings cleared.
 * Reset it when done: a statement left mid-rows keeps a read transaction open, and
 * the connection then sees neither other processes' writes nor ::changed. */
sqlite3_stmt *tm_database_prepare         (TmDatabase   *self,
                                           const char   *sql,
                                           GError      **error);
gboolean      tm_database_exec            (TmDatabase   *self,
                                           const char   *sql,
                                           GError      **error);
/* `BEGIN IMMEDIATE` / `COMMIT` / `ROLLBACK`. */
gboolean      tm_database_begin           (TmDatabase   *self,
                                           GError      **error);
gboolean      tm_database_commit          (TmDatabase   *self,
                                           GError      **error);
void          tm_database_rollback        (TmDatabase   *self);
/* Sets @error from the connection's last SQLite error: "@what: <sqlite message>". */
void          tm_database_set_error       (TmDatabase   *self,
                                           GError      **error,
                                           const char   *what);

/**
 * tm_database_watch:
 * Starts noticing commits by other connections (a file monitor on the database
 * and its WAL, confirmed with `PRAGMA data_version`, with a slow timer as a
 * fallback), dispatched on the thread-default main context. Emits ::changed
 * (no arguments) once per noticed change, within about a second.
 */
void          tm_database_watch           (TmDatabase   *self);

G_END_DECLS
