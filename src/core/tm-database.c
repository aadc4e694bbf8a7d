/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "tm-data-dir.h"
#include "tm-database.h"

#define BUSY_TIMEOUT_MS 5000
/* The fallback check when no file monitor event arrives (no inotify, or a
 * writer on another machine sharing the folder): a shared-memory read in WAL. */
#define WATCH_INTERVAL_SECONDS 1

struct _TmDatabase
{
  GObject       parent_instance;

  char         *path;
  char         *moved_aside;
  sqlite3      *db;
  /* tm_database_open_read_only(): never written, not watched. */
  gboolean      read_only;
  /* Translated: what a reading command should tell the person (a damaged file
   * left as it is, changes that may be missing), or %NULL. */
  char         *read_warning;
  /* SQL text -> sqlite3_stmt *, finalized with the connection. */
  GHashTable   *statements;

  /* tm_database_watch() */
  GFileMonitor *db_monitor;
  GFileMonitor *wal_monitor;
  GSource      *timer;
  gint64        data_version;
};

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TmDatabase, tm_database, G_TYPE_OBJECT)

G_DEFINE_QUARK (tm-database-error-quark, tm_database_error)

typedef enum {
  OPEN_OK,
  OPEN_BAD_FILE,   /* not a database, corrupt or unreadable: move it aside */
  OPEN_FAILED,     /* @error is set */
} OpenResult;

static void
stmt_free (gpointer data)
{
  sqlite3_finalize (data);
}

static char *
sibling_path (const char *path,
              const char *suffix)
{
  return g_strconcat (path, suffix, NULL);
}

/* The files SQLite keeps beside a database. */
static const char * const sibling_suffixes[] = { "-wal", "-shm", "-journal" };

/* Whether @path's -wal file holds something: frames a writer committed that may
 * not be in the database file yet (a writer killed before its checkpoint). */
static gboolean
wal_has_frames (const char *path)
{
  g_autofree char *wal = sibling_path (path, "-wal");
  GStatBuf st;

  return g_lstat (wal, &st) == 0 && st.st_size > 0;
}

static void
close_connection (TmDatabase *self)
{
  g_hash_table_remove_all (self->statements);
  if (self->db != NULL)
    {
      /* A reader closing last would otherwise checkpoint the frames a killed
       * writer left, rewriting the database file, and delete the -wal: a
       * command that only reads writes nothing. With no frame there is nothing
       * to copy, and closing removes the -wal and -shm it made, as a writer's
       * does. */
      if (self->read_only && self->path != NULL && wal_has_frames (self->path))
        sqlite3_db_config (self->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
      sqlite3_close_v2 (self->db);
      self->db = NULL;
    }
}

static void
stop_watching (TmDatabase *self)
{
  if (self->db_monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->db_monitor, self);
      g_file_monitor_cancel (self->db_monitor);
      g_clear_object (&self->db_monitor);
    }
  if (self->wal_monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->wal_monitor, self);
      g_file_monitor_cancel (self->wal_monitor);
      g_clear_object (&self->wal_monitor);
    }
  if (self->timer != NULL)
    {
      g_source_destroy (self->timer);
      g_clear_pointer (&self->timer, g_source_unref);
    }
}

static void
tm_database_dispose (GObject *object)
{
  TmDatabase *self = TM_DATABASE (object);

  stop_watching (self);

  G_OBJECT_CLASS (tm_database_parent_class)->dispose (object);
}

static void
tm_database_finalize (GObject *object)
{
  TmDatabase *self = TM_DATABASE (object);

  close_connection (self);
  g_hash_table_unref (self->statements);
  g_free (self->path);
  g_free (self->moved_aside);
  g_free (self->read_warning);

  G_OBJECT_CLASS (tm_database_parent_class)->finalize (object);
}

static void
tm_database_class_init (TmDatabaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tm_database_dispose;
  object_class->finalize = tm_database_finalize;

  /**
   * TmDatabase::changed:
   *
   * Another connection (another process, or another #TmDatabase on the same
   * file) committed a change. Only emitted after tm_database_watch(); never for
   * this connection's own commits.
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
tm_database_init (TmDatabase *self)
{
  self->statements = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, stmt_free);
  self->data_version = -1;
}

/* Creates @path with mode 0600 before SQLite does (SQLite would honour the umask,
 * which is often 022), and makes an existing file private. SQLite gives the -wal
 * and -shm files the mode of the database file.
 *
 * An existing file is never opened here: closing a descriptor drops every POSIX
 * lock this process holds on the file, those of SQLite connections already open on
 * it included (a second TmDatabase on the same path, as the session store's writer
 * thread opens). Another process closing its connection then believes it is the
 * last one, checkpoints and deletes the -wal file, and the writes of this process
 * go to the deleted file: lost. */
static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  GStatBuf st;
  int saved_errno;
  int fd;

  if (g_lstat (path, &st) == 0)
    {
      if (S_ISLNK (st.st_mode))
        {
          tm_file_set_link_error (error, path);
          return FALSE;
        }
      if (S_ISREG (st.st_mode))
        return tm_file_make_private (path, error);
      saved_errno = S_ISDIR (st.st_mode) ? EISDIR : EINVAL;
    }
  else
    {
      fd = g_open (path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd >= 0)
        {
          /* Ours alone: no connection can hold a lock on it yet. */
          close (fd);
          return tm_file_make_private (path, error);
        }
      saved_errno = errno;
      /* Created in the meantime by another thread or process: only make it private. */
      if (saved_errno == EEXIST)
        return tm_file_make_private (path, error);
    }

  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("Could not create the database “%s”: %s. Check that its folder "
                 "is writable."),
               path, g_strerror (saved_errno));
  return FALSE;
}

/* The database and the files beside it are regular files of this user's. A
 * link would have Témoin's tables written into another program's file (SQLite
 * 3.40 opens the database, -wal and -shm with O_NOFOLLOW, so it would fail
 * anyway, but with a message that says nothing useful). Another user's file,
 * put first in a shared folder, would get the cookies written where they can
 * read them, or their frames read as Témoin's: as root, making it private would
 * not stop that. Checked before opening and after the first read, which opens
 * the -wal and -shm: a file made in between by someone else is caught then. */
static gboolean
check_files (const char  *path,
             GError     **error)
{
  if (!tm_file_check_own (path, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (sibling_suffixes); i++)
    {
      g_autofree char *file = sibling_path (path, sibling_suffixes[i]);

      if (!tm_file_check_own (file, error))
        return FALSE;
    }
  return TRUE;
}

static void
make_siblings_private (const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (sibling_suffixes); i++)
    {
      g_autofree char *sibling = sibling_path (path, sibling_suffixes[i]);

      if (g_file_test (sibling, G_FILE_TEST_EXISTS)
          || g_file_test (sibling, G_FILE_TEST_IS_SYMLINK))
        {
          g_autoptr(GError) error = NULL;

          if (!tm_file_make_private (sibling, &error))
            g_warning ("%s", error->message);
        }
    }
}

static gboolean
is_bad_file_code (int rc)
{
  rc &= 0xff;
  return rc == SQLITE_NOTADB || rc == SQLITE_CORRUPT;
}

/* Reads one integer with a one-shot statement (before the cache is trusted). */
static int
query_int (sqlite3    *db,
           const char *sql,
           gint64     *out_value)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *out_value = sqlite3_column_int64 (stmt, 0);
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  return rc;
}

static int
quick_check (sqlite3  *db,
             gboolean *out_ok)
{
  sqlite3_stmt *stmt = NULL;
  int rc;

  *out_ok = FALSE;
  rc = sqlite3_prepare_v2 (db, "PRAGMA quick_check", -1, &stmt, NULL);
  if (rc != SQLITE_OK)
    return rc;
  *out_ok = TRUE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *result = (const char *) sqlite3_column_text (stmt, 0);

      /* A row breaking a CHECK or NOT NULL constraint (edited by hand) is a
       * damaged row, which the stores skip and report: moving the whole file
       * aside for it would hide every good row behind a new, empty database. */
      if (g_strcmp0 (result, "ok") != 0
          && !g_str_has_prefix (result != NULL ? result : "", "CHECK constraint failed")
          && !g_str_has_prefix (result != NULL ? result : "", "NULL value in "))
        *out_ok = FALSE;
    }
  if (rc == SQLITE_DONE)
    rc = SQLITE_OK;
  sqlite3_finalize (stmt);
  return rc;
}

/* What a person can do about a failed SQLite call: SQLite's own message ("database
 * is locked", "unable to open database file") says what went wrong, never what to
 * do next. */
static const char *
hint_for_code (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return _("Another program is writing to it: try again in a moment.");
    case SQLITE_FULL:
      return _("The disk is full: free some space, then try again.");
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
    case SQLITE_AUTH:
      return _("Check that the file and its folder are yours and writable, then try "
               "again.");
    case SQLITE_IOERR:
      return _("The disk could not be read or written: check it, then try again.");
    case SQLITE_NOMEM:
      return _("The computer is short of memory: close some programs, then try again.");
    default:
      return _("Try again; if it keeps failing, report the problem with this message.");
    }
}

/* Whether the database of @db lies on a file system mounted read-only, where
 * SQLite says no more than "unable to open database file" or "attempt to write a
 * readonly database", and no change of permissions would help. */
static gboolean
on_read_only_mount (sqlite3 *db)
{
  const char *path = db != NULL ? sqlite3_db_filename (db, "main") : NULL;
  g_autofree char *dir = NULL;
  struct statvfs st;

  if (path == NULL || path[0] == '\0')
    return FALSE;
  dir = g_path_get_dirname (path);
  return statvfs (dir, &st) == 0 && (st.f_flag & ST_RDONLY) != 0;
}

/* The SQLite codes a file system that cannot be written gives. */
static gboolean
failed_for_want_of_writing (int rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR:
    case SQLITE_FULL:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
set_error_from_db (GError     **error,
                   sqlite3     *db,
                   const char  *what)
{
  int rc = db != NULL ? sqlite3_extended_errcode (db) : SQLITE_NOMEM;
  int system_errno = db != NULL ? sqlite3_system_errno (db) : 0;

  /* SQLite reports a full disk met while growing its shared memory file as an
   * I/O error, and a read-only mount as a read-only database: the errno says
   * which. */
  if (system_errno == ENOSPC || system_errno == EDQUOT)
    rc = SQLITE_FULL;

  /* Only for the failures a read-only mount causes: a busy or damaged database,
   * or an SQL error, says what it is wherever it lies. */
  if (failed_for_want_of_writing (rc) && (system_errno == EROFS || on_read_only_mount (db)))
    {
      g_set_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_FAILED,
                   /* Translators: what failed ("Could not save the choice"), then
                    * SQLite's message (in English, e.g. "disk I/O error") */
                   _("%s: %s. The disk holding it is mounted read-only: mount it "
                     "writable, or choose another folder with --data-dir."),
                   what, sqlite3_errmsg (db));
      return;
    }

  g_set_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_FAILED,
               /* Translators: what failed ("Could not save the choice"), SQLite's
                * message (in English, e.g. "database is locked"), then what to do */
               _("%s: %s. %s"),
               what, db != NULL ? sqlite3_errmsg (db) : g_strerror (ENOMEM),
               hint_for_code (rc));
}

static gboolean
run_migrations (TmDatabase          *self,
                gint64               version,
                const char * const  *migrations,
                guint                n_migrations,
                GError             **error)
{
  for (guint i = (guint) version; i < n_migrations; i++)
    {
      g_autofree char *set_version = NULL;
      gint64 current = 0;
      int rc;

      if (!tm_database_begin (self, error))
        return FALSE;

      /* Another process may have migrated between our read and our lock. */
      rc = query_int (self->db, "PRAGMA user_version", &current);
      if (rc != SQLITE_OK)
        {
          tm_database_set_error (self, error, _("Could not upgrade the database"));
          tm_database_rollback (self);
          return FALSE;
        }
      if (current > (gint64) i)
        {
          tm_database_rollback (self);
          continue;
        }

      set_version = g_strdup_printf ("PRAGMA user_version = %u", i + 1);
      if (sqlite3_exec (self->db, migrations[i], NULL, NULL, NULL) != SQLITE_OK
          || sqlite3_exec (self->db, set_version, NULL, NULL, NULL) != SQLITE_OK)
        {
          g_autofree char *what =
            g_strdup_printf (_("Could not upgrade the database to version %u"), i + 1);

          tm_database_set_error (self, error, what);
          tm_database_rollback (self);
          return FALSE;
        }

      if (!tm_database_commit (self, error))
        return FALSE;
    }

  return TRUE;
}

/* One attempt at opening self->path. OPEN_BAD_FILE leaves the connection closed. */
static OpenResult
try_open (TmDatabase          *self,
          const char * const  *migrations,
          guint                n_migrations,
          GError             **error)
{
  const char *what = _("Could not open the database");
  gint64 version = 0;
  gboolean ok = FALSE;
  int rc;

  if (!check_files (self->path, error) || !create_private_file (self->path, error))
    return OPEN_FAILED;

  rc = sqlite3_open_v2 (self->path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
                        | SQLITE_OPEN_NOFOLLOW,
                        NULL);
  if (rc != SQLITE_OK)
    {
      /* Opening reads nothing yet: a damaged file fails at the first read below.
       * A failure here (no descriptor left, no memory, no permission) says nothing
       * about the file, which must not be moved aside for it: that would hide the
       * person's saved choice behind a fresh, empty database. */
      if (is_bad_file_code (rc))
        {
          close_connection (self);
          return OPEN_BAD_FILE;
        }
      set_error_from_db (error, self->db, what);
      close_connection (self);
      return OPEN_FAILED;
    }

  sqlite3_extended_result_codes (self->db, TRUE);
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);

  /* The first read: a file that is not a database fails here. Read only, so a
   * database from a newer Témoin is refused untouched. */
  rc = query_int (self->db, "PRAGMA user_version", &version);
  if (rc == SQLITE_OK)
    rc = quick_check (self->db, &ok);
  if (is_bad_file_code (rc) || (rc == SQLITE_OK && !ok))
    {
      close_connection (self);
      return OPEN_BAD_FILE;
    }
  if (rc != SQLITE_OK)
    {
      set_error_from_db (error, self->db, what);
      close_connection (self);
      return OPEN_FAILED;
    }
  if (!check_files (self->path, error))
    {
      close_connection (self);
      return OPEN_FAILED;
    }

  if (version > (gint64) n_migrations)
    {
      g_set_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_TOO_NEW,
                   _("The database “%s” was made by a newer version of Témoin (schema "
                     "%d, this version knows up to %u). It was left untouched: update "
                     "Témoin, or use another data folder."),
                   self->path, (int) MIN (version, G_MAXINT), n_migrations);
      close_connection (self);
      return OPEN_FAILED;
    }

  rc = sqlite3_exec (self->db,
                     "PRAGMA journal_mode = WAL;"
                     "PRAGMA foreign_keys = ON;"
                     "PRAGMA synchronous = NORMAL;",
                     NULL, NULL, NULL);
  if (is_bad_file_code (rc))
    {
      close_connection (self);
      return OPEN_BAD_FILE;
    }
  if (rc != SQLITE_OK)
    {
      set_error_from_db (error, self->db, what);
      close_connection (self);
      return OPEN_FAILED;
    }

  if (!run_migrations (self, version, migrations, n_migrations, error))
    {
      close_connection (self);
      return OPEN_FAILED;
    }

  make_siblings_private (self->path);

  return OPEN_OK;
}

/* Renames the bad file (and its -wal/-shm) to PATH.corrupt-YYYYMMDDTHHMMSSZ[-N]. */
static gboolean
move_aside (TmDatabase  *self,
            GError     **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%dT%H%M%SZ");
  g_autofree char *base = g_strdup_printf ("%s.corrupt-%s", self->path, stamp);
  g_autofree char *target = g_strdup (base);

  for (guint n = 1; g_file_test (target, G_FILE_TEST_EXISTS); n++)
    {
      g_free (target);
      target = g_strdup_printf ("%s-%u", base, n);
    }

  if (g_rename (self->path, target) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_FAILED,
                   _("The database “%s” is damaged and could not be moved aside: %s. "
                     "Move it away yourself and start again."),
                   self->path, g_strerror (saved_errno));
      return FALSE;
    }

  for (guint i = 0; i < G_N_ELEMENTS (sibling_suffixes); i++)
    {
      g_autofree char *from = sibling_path (self->path, sibling_suffixes[i]);
      g_autofree char *to = sibling_path (target, sibling_suffixes[i]);

      if (g_file_test (from, G_FILE_TEST_EXISTS) && g_rename (from, to) != 0)
        g_warning ("Could not move %s aside to %s: %s", from, to, g_strerror (errno));
    }

  g_message ("The database %s was damaged; it was moved to %s", self->path, target);
  g_free (self->moved_aside);
  self->moved_aside = g_steal_pointer (&target);
  return TRUE;
}

/**
 * tm_database_open:
 * @path: the database file
 * @migrations: (array length=n_migrations): SQL scripts; @migrations[i] takes the
 *   schema from version i to i+1
 * @n_migrations: the current schema version
 * @error: return location for a #GError
 *
 * Opens or creates @path (mode 0600, and its -wal/-shm), in WAL mode with
 * foreign keys, `synchronous=NORMAL` and a busy timeout, then runs the missing
 * migrations in one transaction each. A file that is not a database, is corrupt
 * (`PRAGMA quick_check`) or cannot be read is renamed to
 * `PATH.corrupt-YYYYMMDDTHHMMSSZ` and a new database is created in its place; the
 * new name is tm_database_get_moved_aside(). A schema newer than @n_migrations
 * is refused with %TM_DATABASE_ERROR_TOO_NEW and left untouched.
 *
 * Returns: (transfer full): the database, or %NULL with @error set
 */
TmDatabase *
tm_database_open (const char          *path,
                  const char * const  *migrations,
                  guint                n_migrations,
                  GError             **error)
{
  g_autoptr(TmDatabase) self = NULL;
  OpenResult result;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (migrations != NULL || n_migrations == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (TM_TYPE_DATABASE, NULL);
  self->path = g_canonicalize_filename (path, NULL);

  result = try_open (self, migrations, n_migrations, error);
  if (result == OPEN_BAD_FILE)
    {
      g_autoptr(GError) local_error = NULL;

      if (!move_aside (self, error))
        return NULL;
      result = try_open (self, migrations, n_migrations, &local_error);
      if (result != OPEN_OK)
        {
          /* Something did change: the caller must not say that nothing did. */
          g_set_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_MOVED_ASIDE,
                       _("The database “%s” was damaged: it was moved aside to “%s”, "
                         "but a new one could not be made (%s). Check that the disk is "
                         "not full and the folder is writable, then try again."),
                       self->path, self->moved_aside,
                       local_error != NULL ? local_error->message : _("not a database"));
          return NULL;
        }
    }
  if (result == OPEN_FAILED)
    return NULL;

  return g_steal_pointer (&self);
}

/* Reading */

/* The end of every read-only opening: SQLite refuses any write from now on. */
static OpenResult
finish_read_only (TmDatabase  *self,
                  GError     **error)
{
  if (sqlite3_exec (self->db, "PRAGMA query_only = ON", NULL, NULL, NULL) != SQLITE_OK)
    {
      set_error_from_db (error, self->db, _("Could not open the database"));
      close_connection (self);
      return OPEN_FAILED;
    }
  return OPEN_OK;
}

/* An empty database in memory with the current schema: what a reading command
 * sees when nothing is stored yet, without creating the file. */
static OpenResult
open_empty (TmDatabase          *self,
            const char * const  *migrations,
            guint                n_migrations,
            GError             **error)
{
  if (sqlite3_open_v2 (":memory:", &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                       NULL) != SQLITE_OK)
    {
      set_error_from_db (error, self->db, _("Could not open the database"));
      close_connection (self);
      return OPEN_FAILED;
    }
  sqlite3_extended_result_codes (self->db, TRUE);
  if (!run_migrations (self, 0, migrations, n_migrations, error))
    {
      close_connection (self);
      return OPEN_FAILED;
    }
  return finish_read_only (self, error);
}

/* Copies the file's database into memory and brings its schema up to date there:
 * a database from an older Témoin is read without writing the file. */
static OpenResult
migrate_in_memory (TmDatabase          *self,
                   gint64               version,
                   const char * const  *migrations,
                   guint                n_migrations,
                   GError             **error)
{
  sqlite3 *memory = NULL;
  sqlite3_backup *backup;
  int rc;

  rc = sqlite3_open_v2 (":memory:", &memory, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                        NULL);
  backup = rc == SQLITE_OK ? sqlite3_backup_init (memory, "main", self->db, "main") : NULL;
  if (backup == NULL)
    {
      set_error_from_db (error, memory, _("Could not read the database"));
      sqlite3_close_v2 (memory);
      close_connection (self);
      return OPEN_FAILED;
    }
  sqlite3_backup_step (backup, -1);
  rc = sqlite3_backup_finish (backup);
  close_connection (self);
  self->db = memory;
  if (rc != SQLITE_OK)
    {
      set_error_from_db (error, self->db, _("Could not read the database"));
      close_connection (self);
      return OPEN_FAILED;
    }
  sqlite3_extended_result_codes (self->db, TRUE);
  if (!run_migrations (self, version, migrations, n_migrations, error))
    {
      close_connection (self);
      return OPEN_FAILED;
    }
  return finish_read_only (self, error);
}

typedef enum {
  READ_OK,
  READ_BAD_FILE,   /* not a database, or corrupt */
  READ_RETRY,      /* failed because its folder cannot be written: try another way */
  READ_FAILED,     /* @error is set */
} ReadResult;

typedef enum {
  /* Read-write without creating, never written (query_only): closing with no
   * frame in the -wal removes the -wal and -shm a reader makes, as a writer's
   * closing does (a read-only connection leaves them behind). */
  READ_MODE_WRITABLE,
  /* SQLITE_OPEN_READONLY: reads the -wal through an existing -shm, even on a
   * read-only mount. */
  READ_MODE_READ_ONLY,
  /* SQLite's `immutable=1`: needs neither -wal nor -shm, and ignores them. */
  READ_MODE_IMMUTABLE,
} ReadMode;

/* Whether @path's folder cannot be written (a read-only mount, a full disk, no
 * permission), @rc being what SQLite said when the reader needed to write there:
 * then a way of reading that writes less is worth trying. Never for a busy
 * database, a damaged one or an I/O error on a writable disk: reading it
 * `immutable` would ignore the -wal, and show old data as if it were current. */
static gboolean
folder_not_writable (sqlite3    *db,
                     const char *path,
                     int         rc)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int system_errno = db != NULL ? sqlite3_system_errno (db) : 0;
  struct statvfs st;

  if (!failed_for_want_of_writing (rc))
    return FALSE;
  if (system_errno == EROFS || system_errno == ENOSPC || system_errno == EDQUOT)
    return TRUE;
  if (statvfs (dir, &st) == 0 && (st.f_flag & ST_RDONLY) != 0)
    return TRUE;
  return access (dir, W_OK) != 0;
}

/* Opens the existing file for reading, as @mode says, and checks it. */
static ReadResult
open_file_for_reading (TmDatabase  *self,
                       ReadMode     mode,
                       gint64      *out_version,
                       GError     **error)
{
  static const char * const parameters[] = {
    [READ_MODE_WRITABLE] = "?mode=rw",
    [READ_MODE_READ_ONLY] = "?mode=ro",
    [READ_MODE_IMMUTABLE] = "?mode=ro&immutable=1",
  };
  g_autofree char *escaped = g_uri_escape_string (self->path, "/", FALSE);
  g_autofree char *uri = g_strconcat ("file:", escaped, parameters[mode], NULL);
  int flags = SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW
              | (mode == READ_MODE_WRITABLE ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
  gboolean ok = FALSE;
  int rc;

  rc = sqlite3_open_v2 (uri, &self->db, flags, NULL);
  if (rc == SQLITE_OK)
    {
      sqlite3_extended_result_codes (self->db, TRUE);
      sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
      rc = query_int (self->db, "PRAGMA user_version", out_version);
      if (rc == SQLITE_OK)
        rc = quick_check (self->db, &ok);
    }
  if (is_bad_file_code (rc) || (rc == SQLITE_OK && !ok))
    {
      close_connection (self);
      return READ_BAD_FILE;
    }
  if (rc != SQLITE_OK)
    {
      if (mode != READ_MODE_IMMUTABLE && folder_not_writable (self->db, self->path, rc))
        {
          close_connection (self);
          return READ_RETRY;
        }
      set_error_from_db (error, self->db, _("Could not open the database"));
      close_connection (self);
      return READ_FAILED;
    }
  if (!check_files (self->path, error))
    {
      close_connection (self);
      return READ_FAILED;
    }
  return READ_OK;
}

/* Read-write first; where the folder cannot be written, read-only, then
 * immutable. Immutable ignores the -wal: when that holds frames, the person is
 * told that recent changes may be missing. */
static ReadResult
open_existing_for_reading (TmDatabase  *self,
                           gint64      *out_version,
                           GError     **error)
{
  ReadResult result;
  gboolean frames;

  result = open_file_for_reading (self, READ_MODE_WRITABLE, out_version, error);
  if (result != READ_RETRY)
    return result;

  frames = wal_has_frames (self->path);
  if (frames)
    {
      result = open_file_for_reading (self, READ_MODE_READ_ONLY, out_version, error);
      if (result != READ_RETRY)
        return result;
    }

  result = open_file_for_reading (self, READ_MODE_IMMUTABLE, out_version, error);
  if (result == READ_OK && frames)
    {
      g_free (self->read_warning);
      self->read_warning =
        g_strdup_printf (_("The latest changes to “%s” may not be shown: they are still "
                           "in “%s-wal”, which cannot be read without writing to its "
                           "folder. Make the folder writable (or the disk less full) "
                           "to see them."),
                         self->path, self->path);
    }
  return result;
}

static OpenResult
try_open_read_only (TmDatabase          *self,
                    const char * const  *migrations,
                    guint                n_migrations,
                    GError             **error)
{
  ReadResult result;
  gint64 version = 0;
  GStatBuf st;

  if (!check_files (self->path, error))
    return OPEN_FAILED;
  if (g_stat (self->path, &st) != 0 && errno == ENOENT)
    return open_empty (self, migrations, n_migrations, error);

  result = open_existing_for_reading (self, &version, error);
  if (result == READ_BAD_FILE)
    return OPEN_BAD_FILE;
  if (result != READ_OK)
    return OPEN_FAILED;

  if (version > (gint64) n_migrations)
    {
      g_set_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_TOO_NEW,
                   _("The database “%s” was made by a newer version of Témoin (schema "
                     "%d, this version knows up to %u). It was left untouched: update "
                     "Témoin, or use another data folder."),
                   self->path, (int) MIN (version, G_MAXINT), n_migrations);
      close_connection (self);
      return OPEN_FAILED;
    }
  if (version < (gint64) n_migrations)
    return migrate_in_memory (self, version, migrations, n_migrations, error);
  return finish_read_only (self, error);
}

/**
 * tm_database_open_read_only:
 * @path: the database file
 * @migrations: (array length=n_migrations): as for tm_database_open()
 * @n_migrations: the current schema version
 * @error: return location for a #GError
 *
 * Opens @path for reading only, for the commands that only read: nothing is
 * created, moved or written (a reader closing last does not checkpoint the -wal
 * into the file), and a folder where nothing can be written (a read-only mount,
 * a full disk) is no obstacle (SQLite's `immutable` mode when its -shm file
 * cannot be made; tm_database_get_read_warning() then says when recent changes
 * may be missing). A busy database is an error, never read as it was before.
 * A missing file reads as an empty database; an older schema is brought up to
 * date in memory, never in the file. A damaged file is left as it is and reads
 * as empty, with a warning. Every write fails (`PRAGMA query_only`), and
 * tm_database_watch() does nothing.
 *
 * Returns: (transfer full): the database, or %NULL with @error set
 */
TmDatabase *
tm_database_open_read_only (const char          *path,
                            const char * const  *migrations,
                            guint                n_migrations,
                            GError             **error)
{
  g_autoptr(TmDatabase) self = NULL;
  OpenResult result;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (migrations != NULL || n_migrations == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (TM_TYPE_DATABASE, NULL);
  self->path = g_canonicalize_filename (path, NULL);
  self->read_only = TRUE;

  result = try_open_read_only (self, migrations, n_migrations, error);
  if (result == OPEN_BAD_FILE)
    {
      /* Moving it aside is a writing command's job: a reader may be on a
       * read-only mount, and must not say a new database was made. */
      g_free (self->read_warning);
      self->read_warning =
        g_strdup_printf (_("The database “%s” is damaged: it was left as it is, and "
                           "read as empty. A command that saves something moves it "
                           "aside and starts a new one; or move it away yourself."),
                         self->path);
      result = open_empty (self, migrations, n_migrations, error);
    }
  if (result != OPEN_OK)
    return NULL;

  return g_steal_pointer (&self);
}

/**
 * tm_database_get_read_warning:
 * @self: a #TmDatabase
 *
 * Returns: (nullable): for a database opened with tm_database_open_read_only(),
 *   what the person should be told (translated): the file is damaged and was
 *   read as empty, or recent changes may be missing; else %NULL
 */
const char *
tm_database_get_read_warning (TmDatabase *self)
{
  g_return_val_if_fail (TM_IS_DATABASE (self), NULL);
  return self->read_warning;
}

/**
 * tm_database_get_path:
 * @self: a #TmDatabase
 *
 * Returns: the absolute path of the database file
 */
const char *
tm_database_get_path (TmDatabase *self)
{
  g_return_val_if_fail (TM_IS_DATABASE (self), NULL);
  return self->path;
}

/**
 * tm_database_get_moved_aside:
 * @self: a #TmDatabase
 *
 * Returns: (nullable): where a damaged file was moved while opening, or %NULL
 */
const char *
tm_database_get_moved_aside (TmDatabase *self)
{
  g_return_val_if_fail (TM_IS_DATABASE (self), NULL);
  return self->moved_aside;
}

/**
 * tm_database_get_handle:
 * @self: a #TmDatabase
 *
 * Returns: (transfer none): the SQLite connection, owned by @self
 */
sqlite3 *
tm_database_get_handle (TmDatabase *self)
{
  g_return_val_if_fail (TM_IS_DATABASE (self), NULL);
  return self->db;
}

/**
 * tm_database_prepare:
 * @self: a #TmDatabase
 * @sql: one SQL statement
 * @error: return location for a #GError
 *
 * A prepared statement for @sql, cached by its text for the life of @self, reset
 * and with its bindings cleared. Reset it (sqlite3_reset()) when done with it: a
 * statement left in the middle of its rows keeps a read transaction open, and the
 * connection would not see other processes' writes until then.
 *
 * Returns: (transfer none): the statement, or %NULL with @error set
 */
sqlite3_stmt *
tm_database_prepare (TmDatabase  *self,
                     const char  *sql,
                     GError     **error)
{
  sqlite3_stmt *stmt;

  g_return_val_if_fail (TM_IS_DATABASE (self), NULL);
  g_return_val_if_fail (sql != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = g_hash_table_lookup (self->statements, sql);
  if (stmt != NULL)
    {
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
      return stmt;
    }

  if (sqlite3_prepare_v3 (self->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL)
      != SQLITE_OK)
    {
      tm_database_set_error (self, error, _("Could not prepare a database query"));
      return NULL;
    }

  g_hash_table_insert (self->statements, g_strdup (sql), stmt);
  return stmt;
}

/**
 * tm_database_exec:
 * @self: a #TmDatabase
 * @sql: SQL statements without parameters
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
tm_database_exec (TmDatabase  *self,
                  const char  *sql,
                  GError     **error)
{
  g_return_val_if_fail (TM_IS_DATABASE (self), FALSE);
  g_return_val_if_fail (sql != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    {
      tm_database_set_error (self, error, _("Could not update the database"));
      return FALSE;
    }
  return TRUE;
}

/**
 * tm_database_begin:
 * @self: a #TmDatabase
 * @error: return location for a #GError
 *
 * Starts a write transaction (`BEGIN IMMEDIATE`, waiting up to the busy timeout
 * for other writers).
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
tm_database_begin (TmDatabase  *self,
                   GError     **error)
{
  g_return_val_if_fail (TM_IS_DATABASE (self), FALSE);

  if (sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
    {
      tm_database_set_error (self, error, _("Could not start writing to the database"));
      return FALSE;
    }
  return TRUE;
}

/**
 * tm_database_commit:
 * @self: a #TmDatabase
 * @error: return location for a #GError
 *
 * Commits the transaction; on failure it is rolled back.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
tm_database_commit (TmDatabase  *self,
                    GError     **error)
{
  g_return_val_if_fail (TM_IS_DATABASE (self), FALSE);

  if (sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    {
      tm_database_set_error (self, error, _("Could not save to the database"));
      tm_database_rollback (self);
      return FALSE;
    }
  return TRUE;
}

/**
 * tm_database_rollback:
 * @self: a #TmDatabase
 *
 * Abandons the current transaction, if any.
 */
void
tm_database_rollback (TmDatabase *self)
{
  g_return_if_fail (TM_IS_DATABASE (self));

  if (!sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

/**
 * tm_database_set_error:
 * @self: a #TmDatabase
 * @error: return location for a #GError
 * @what: what failed, translated ("Could not save the choice")
 *
 * Sets @error (%TM_DATABASE_ERROR_FAILED) to "@what: <SQLite's message>", from
 * the connection's last error.
 */
void
tm_database_set_error (TmDatabase  *self,
                       GError     **error,
                       const char  *what)
{
  g_return_if_fail (TM_IS_DATABASE (self));
  g_return_if_fail (what != NULL);

  set_error_from_db (error, self->db, what);
}

/* Reads `PRAGMA data_version`, which changes when another connection commits. */
static gint64
read_data_version (TmDatabase *self)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  gint64 version = -1;

  stmt = tm_database_prepare (self, "PRAGMA data_version", &error);
  if (stmt == NULL)
    {
      g_debug ("%s", error->message);
      return -1;
    }
  if (sqlite3_step (stmt) == SQLITE_ROW)
    version = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return version;
}

static void
check_for_change (TmDatabase *self)
{
  gint64 version = read_data_version (self);

  if (version < 0 || version == self->data_version)
    return;

  self->data_version = version;
  g_signal_emit (self, signals[CHANGED], 0);
}

static void
file_changed_cb (GFileMonitor      *monitor,
                 GFile             *file,
                 GFile             *other_file,
                 GFileMonitorEvent  event,
                 gpointer           user_data)
{
  check_for_change (TM_DATABASE (user_data));
}

static gboolean
timer_cb (gpointer user_data)
{
  check_for_change (TM_DATABASE (user_data));
  return G_SOURCE_CONTINUE;
}

static GFileMonitor *
monitor_file (TmDatabase *self,
              const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  GFileMonitor *monitor;

  monitor = g_file_monitor_file (file, G_FILE_MONITOR_NONE, NULL, &error);
  if (monitor == NULL)
    {
      /* The timer still notices changes. */
      g_debug ("Could not watch %s: %s", path, error->message);
      return NULL;
    }
  g_signal_connect (monitor, "changed", G_CALLBACK (file_changed_cb), self);
  return monitor;
}

/**
 * tm_database_watch:
 * @self: a #TmDatabase
 *
 * Starts noticing commits by other connections (a file monitor on the database
 * and its WAL, confirmed with `PRAGMA data_version`, with a slow timer as a
 * fallback), dispatched on the thread-default main context. Emits ::changed
 * (no arguments) once per noticed change, within about a second. Calling it
 * again does nothing.
 */
void
tm_database_watch (TmDatabase *self)
{
  g_autofree char *wal_path = NULL;
  g_autoptr(GMainContext) context = NULL;

  g_return_if_fail (TM_IS_DATABASE (self));

  /* Read once by a command that only reads: nothing to follow. */
  if (self->timer != NULL || self->read_only)
    return;

  self->data_version = read_data_version (self);

  wal_path = sibling_path (self->path, "-wal");
  self->db_monitor = monitor_file (self, self->path);
  self->wal_monitor = monitor_file (self, wal_path);

  context = g_main_context_ref_thread_default ();
  self->timer = g_timeout_source_new_seconds (WATCH_INTERVAL_SECONDS);
  g_source_set_callback (self->timer, timer_cb, self, NULL);
  g_source_set_static_name (self->timer, "[temoin] database watch");
  g_source_attach (self->timer, context);
}
