/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tm-consent-store.h"
#include "tm-database.h"
#include "tm-json.h"
#include "tm-settings.h"

/* Schema version 1 (Témoin before 0.1): one bitmask for the categories, the method
 * as a number, the time as ISO 8601 text, and no language. */
#define SCHEMA_V1 \
  "CREATE TABLE consents (" \
  "  id INTEGER PRIMARY KEY AUTOINCREMENT," \
  "  consent_id TEXT NOT NULL UNIQUE," \
  "  given_at TEXT NOT NULL," \
  "  revision TEXT NOT NULL," \
  "  method INTEGER NOT NULL," \
  "  categories INTEGER NOT NULL" \
  ");" \
  "CREATE TABLE settings (" \
  "  key TEXT PRIMARY KEY," \
  "  value TEXT NOT NULL" \
  ");"

/* Schema version 2: one column per category (readable with the sqlite3 tool and
 * checked by SQLite), the method as its stable id, the time in Unix microseconds
 * (UTC), and the language the charter was shown in (unknown for older rows).
 * The old time keeps its milliseconds (SQLite's date functions go no finer); a
 * time SQLite cannot read becomes 0 (1970, so the choice is outdated and asked
 * again) rather than failing the NOT NULL check, which would leave the database
 * unopenable and every choice in it out of reach. */
#define SCHEMA_V2 \
  "CREATE TABLE consents_v2 (" \
  "  id INTEGER PRIMARY KEY AUTOINCREMENT," \
  "  consent_id TEXT NOT NULL UNIQUE," \
  "  given_at_us INTEGER NOT NULL," \
  "  revision TEXT NOT NULL," \
  "  language TEXT," \
  "  method TEXT NOT NULL CHECK (method IN ('custom', 'accept-all', 'reject-all'))," \
  "  necessary INTEGER NOT NULL DEFAULT 1 CHECK (necessary = 1)," \
  "  statistics INTEGER NOT NULL CHECK (statistics IN (0, 1))," \
  "  first_party INTEGER NOT NULL CHECK (first_party IN (0, 1))," \
  "  third_party INTEGER NOT NULL CHECK (third_party IN (0, 1))" \
  ");" \
  "INSERT INTO consents_v2 (id, consent_id, given_at_us, revision, language, method," \
  "                         necessary, statistics, first_party, third_party)" \
  "  SELECT id, consent_id," \
  "         coalesce (CAST (strftime ('%s', given_at) AS INTEGER) * 1000000" \
  "                   + CAST (substr (strftime ('%f', given_at), 4) AS INTEGER) * 1000," \
  "                   0)," \
  "         revision, NULL," \
  "         CASE method WHEN 1 THEN 'accept-all' WHEN 2 THEN 'reject-all'" \
  "                     ELSE 'custom' END," \
  "         1, (categories >> 1) & 1, (categories >> 2) & 1, (categories >> 3) & 1" \
  "  FROM consents ORDER BY id;" \
  "DROP TABLE consents;" \
  "ALTER TABLE consents_v2 RENAME TO consents;"

/* Schema version 3: the user's rules (tm-rules.h). Overrides set a cookie's
 * categories exactly for a site; exceptions allow every cookie of a site;
 * imported cookie databases keep their rows as read (the category as the file
 * names it: the mapping to ours is made when they are loaded). Every write to
 * the rules bumps rules_state.generation (triggers), so each process can tell
 * that the rules changed even when someone edits them with the sqlite3 tool.
 * A database's rows change only with its cookie_databases row, which is
 * rewritten on every import: no trigger per row. */
#define SCHEMA_V3 \
  "CREATE TABLE rule_overrides (" \
  "  site TEXT NOT NULL," \
  "  name TEXT NOT NULL," \
  "  necessary INTEGER NOT NULL CHECK (necessary IN (0, 1))," \
  "  statistics INTEGER NOT NULL CHECK (statistics IN (0, 1))," \
  "  first_party INTEGER NOT NULL CHECK (first_party IN (0, 1))," \
  "  third_party INTEGER NOT NULL CHECK (third_party IN (0, 1))," \
  "  created_us INTEGER NOT NULL," \
  "  PRIMARY KEY (site, name)" \
  ");" \
  "CREATE TABLE rule_exceptions (" \
  "  site TEXT PRIMARY KEY," \
  "  created_us INTEGER NOT NULL" \
  ");" \
  "CREATE TABLE cookie_databases (" \
  "  id INTEGER PRIMARY KEY AUTOINCREMENT," \
  "  path TEXT NOT NULL UNIQUE," \
  "  imported_at_us INTEGER NOT NULL," \
  "  n_rows INTEGER NOT NULL" \
  ");" \
  "CREATE TABLE cookie_database_rows (" \
  "  database_id INTEGER NOT NULL REFERENCES cookie_databases (id) ON DELETE CASCADE," \
  "  line INTEGER NOT NULL," \
  "  row_id TEXT," \
  "  platform TEXT," \
  "  category TEXT NOT NULL," \
  "  name TEXT NOT NULL," \
  "  domain TEXT," \
  "  wildcard INTEGER NOT NULL CHECK (wildcard IN (0, 1))," \
  "  description TEXT," \
  "  retention TEXT," \
  "  controller TEXT," \
  "  privacy_portal TEXT" \
  ");" \
  "CREATE INDEX cookie_database_rows_by_database ON cookie_database_rows (database_id);" \
  "CREATE TABLE rules_state (" \
  "  id INTEGER PRIMARY KEY CHECK (id = 1)," \
  "  generation INTEGER NOT NULL" \
  ");" \
  "INSERT INTO rules_state (id, generation) VALUES (1, 0);" \
  RULES_TRIGGERS ("rule_overrides") \
  RULES_TRIGGERS ("rule_exceptions") \
  RULES_TRIGGERS ("cookie_databases")

#define RULES_TRIGGER(table, op) \
  "CREATE TRIGGER " table "_" op " AFTER " op " ON " table " BEGIN" \
  "  UPDATE rules_state SET generation = generation + 1 WHERE id = 1;" \
  " END;"
#define RULES_TRIGGERS(table) \
  RULES_TRIGGER (table, "INSERT") RULES_TRIGGER (table, "UPDATE") \
  RULES_TRIGGER (table, "DELETE")

static const char * const migrations[] = { SCHEMA_V1, SCHEMA_V2, SCHEMA_V3 };

#define SELECT_CONSENT \
  "SELECT consent_id, given_at_us, revision, language, method," \
  " statistics, first_party, third_party FROM consents"

struct _TmConsentStore
{
  GObject      parent_instance;

  TmDatabase  *db;
  GListStore  *history;
  /* What this store last saw, to tell which signal another process's write needs. */
  gint64       n_consents;
  gint64       newest_rowid;
  GHashTable  *settings;   /* key -> value, as stored */
  gint64       rules_generation;
  /* Rows the last read of the history left out (consent_from_row()). */
  guint        n_damaged;
  /* Whether the last tm_consent_store_dup_current() found the newest row damaged. */
  gboolean     current_damaged;
};

enum {
  CONSENT_CHANGED,
  SETTINGS_CHANGED,
  RULES_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TmConsentStore, tm_consent_store, G_TYPE_OBJECT)

G_DEFINE_QUARK (tm-consent-store-error-quark, tm_consent_store_error)

/* Moves a TmDatabase error into this store's domain, keeping its message. */
static void
propagate_db_error (GError **error,
                    GError  *db_error)
{
  int code = TM_CONSENT_STORE_ERROR_FAILED;

  if (g_error_matches (db_error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_TOO_NEW))
    code = TM_CONSENT_STORE_ERROR_TOO_NEW;
  else if (g_error_matches (db_error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_MOVED_ASIDE))
    code = TM_CONSENT_STORE_ERROR_MOVED_ASIDE;
  g_set_error_literal (error, TM_CONSENT_STORE_ERROR, code, db_error->message);
  g_error_free (db_error);
}

static void
set_sqlite_error (TmConsentStore  *self,
                  GError         **error,
                  const char      *what)
{
  GError *db_error = NULL;

  tm_database_set_error (self->db, &db_error, what);
  propagate_db_error (error, db_error);
}

static gint64
date_time_to_usec (GDateTime *dt)
{
  return g_date_time_to_unix (dt) * G_USEC_PER_SEC + g_date_time_get_microsecond (dt);
}

static GDateTime *
date_time_from_usec (gint64 usec)
{
  gint64 seconds = usec / G_USEC_PER_SEC;
  gint64 rest = usec % G_USEC_PER_SEC;
  g_autoptr(GDateTime) whole = NULL;

  if (rest < 0)
    {
      seconds--;
      rest += G_USEC_PER_SEC;
    }
  whole = g_date_time_new_from_unix_utc (seconds);
  if (whole == NULL)
    return NULL;
  return g_date_time_add (whole, rest);
}

/* Column @column of @stmt as text, or %NULL when it is not valid UTF-8 text. */
static const char *
column_text (sqlite3_stmt *stmt,
             int           column)
{
  const char *text;

  if (sqlite3_column_type (stmt, column) != SQLITE_TEXT)
    return NULL;
  text = (const char *) sqlite3_column_text (stmt, column);
  if (text == NULL || !g_utf8_validate (text, sqlite3_column_bytes (stmt, column), NULL)
      || strlen (text) != (gsize) sqlite3_column_bytes (stmt, column))
    return NULL;
  return text;
}

/* Column @column of @stmt as a 0 or 1 integer, else -1. */
static int
column_flag (sqlite3_stmt *stmt,
             int           column)
{
  gint64 value;

  if (sqlite3_column_type (stmt, column) != SQLITE_INTEGER)
    return -1;
  value = sqlite3_column_int64 (stmt, column);
  return value == 0 || value == 1 ? (int) value : -1;
}

/* Builds a TmConsent from a row of SELECT_CONSENT, or %NULL for a damaged row:
 * a value SQLite's checks let through (edited by hand, or written by a broken
 * program) that Témoin cannot read back as it wrote it. A time out of GDateTime's
 * range, say, would print as "(null)"; a damaged choice never applies. */
static TmConsent *
consent_from_row (sqlite3_stmt *stmt)
{
  g_autoptr(GDateTime) given_at = NULL;
  TmConsentMethod method = TM_CONSENT_METHOD_CUSTOM;
  const char *consent_id = column_text (stmt, 0);
  const char *revision = column_text (stmt, 2);
  const char *language = column_text (stmt, 3);
  const char *method_id = column_text (stmt, 4);
  TmCategories categories = TM_CATEGORIES_DEFAULT;
  int flags[3];

  if (sqlite3_column_type (stmt, 1) == SQLITE_INTEGER)
    given_at = date_time_from_usec (sqlite3_column_int64 (stmt, 1));
  for (int i = 0; i < 3; i++)
    flags[i] = column_flag (stmt, 5 + i);

  if (consent_id == NULL || consent_id[0] == '\0' || given_at == NULL || revision == NULL
      || (language == NULL && sqlite3_column_type (stmt, 3) != SQLITE_NULL)
      || method_id == NULL || !tm_consent_method_from_id (method_id, &method)
      || flags[0] < 0 || flags[1] < 0 || flags[2] < 0)
    return NULL;

  if (flags[0])
    categories |= TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS);
  if (flags[1])
    categories |= TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY);
  if (flags[2])
    categories |= TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY);

  return tm_consent_new (consent_id,
                         given_at,
                         revision,
                         language,
                         method,
                         categories);
}

static GPtrArray *
read_history (TmConsentStore  *self,
              GError         **error)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func (g_object_unref);
  GError *db_error = NULL;
  sqlite3_stmt *stmt;
  int rc;

  stmt = tm_database_prepare (self->db, SELECT_CONSENT " ORDER BY id DESC", &db_error);
  if (stmt == NULL)
    {
      propagate_db_error (error, db_error);
      return NULL;
    }
  self->n_damaged = 0;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TmConsent *consent = consent_from_row (stmt);

      if (consent != NULL)
        g_ptr_array_add (items, consent);
      else
        self->n_damaged++;
    }
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, _("Could not read the history of choices"));
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&items);
}

/* Reads the number of saved choices and the newest one's row id. */
static gboolean
read_consent_state (TmConsentStore *self,
                    gint64         *out_count,
                    gint64         *out_newest)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  gboolean ok = FALSE;

  stmt = tm_database_prepare (self->db,
                              "SELECT count(*), coalesce(max(id), 0) FROM consents",
                              &error);
  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return FALSE;
    }
  if (sqlite3_step (stmt) == SQLITE_ROW)
    {
      *out_count = sqlite3_column_int64 (stmt, 0);
      *out_newest = sqlite3_column_int64 (stmt, 1);
      ok = TRUE;
    }
  sqlite3_reset (stmt);
  return ok;
}

static GHashTable *
read_settings (TmConsentStore *self)
{
  g_autoptr(GHashTable) settings = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                          g_free, g_free);
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;

  stmt = tm_database_prepare (self->db, "SELECT key, value FROM settings", &error);
  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return NULL;
    }
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_hash_table_insert (settings,
                         g_strdup ((const char *) sqlite3_column_text (stmt, 0)),
                         g_strdup ((const char *) sqlite3_column_text (stmt, 1)));
  sqlite3_reset (stmt);
  return g_steal_pointer (&settings);
}

/* Re-reads the history into the list model and remembers what it saw. */
static void
reload_history (TmConsentStore *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) items = NULL;
  gboolean own_transaction = sqlite3_get_autocommit (tm_database_get_handle (self->db));
  gint64 count = 0, newest = 0;
  gboolean have_state;

  /* The rows and their count from one snapshot: read apart, a save by another
   * process in between would be counted without being in the model, and never
   * noticed afterwards. A deferred transaction takes no lock in WAL mode. */
  if (own_transaction && !tm_database_exec (self->db, "BEGIN DEFERRED", &error))
    {
      g_warning ("%s", error->message);
      return;
    }
  items = read_history (self, &error);
  have_state = items != NULL && read_consent_state (self, &count, &newest);
  if (own_transaction && !tm_database_exec (self->db, "COMMIT", NULL))
    tm_database_rollback (self->db);

  if (items == NULL)
    {
      g_warning ("%s", error->message);
      return;
    }
  g_list_store_splice (self->history, 0, g_list_model_get_n_items (G_LIST_MODEL (self->history)),
                       items->pdata, items->len);
  if (have_state)
    {
      self->n_consents = count;
      self->newest_rowid = newest;
    }
}

/* Compares the settings now stored with the last snapshot; emits per changed key. */
static void
check_settings (TmConsentStore *self)
{
  g_autoptr(GHashTable) now = read_settings (self);
  g_autoptr(GHashTable) old = NULL;
  g_autoptr(GPtrArray) changed = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key, value;

  if (now == NULL)
    return;

  g_hash_table_iter_init (&iter, now);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (g_strcmp0 (g_hash_table_lookup (self->settings, key), value) != 0)
      g_ptr_array_add (changed, g_strdup (key));
  g_hash_table_iter_init (&iter, self->settings);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (now, key))
      g_ptr_array_add (changed, g_strdup (key));

  old = g_steal_pointer (&self->settings);
  self->settings = g_steal_pointer (&now);

  for (guint i = 0; i < changed->len; i++)
    g_signal_emit (self, signals[SETTINGS_CHANGED], 0, g_ptr_array_index (changed, i));
}

/* The rules' generation counter (schema v3 triggers); -1 when unreadable. */
static gint64
read_rules_generation (TmConsentStore *self)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt;
  gint64 generation = -1;

  stmt = tm_database_prepare (self->db,
                              "SELECT generation FROM rules_state WHERE id = 1", &error);
  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return -1;
    }
  if (sqlite3_step (stmt) == SQLITE_ROW)
    generation = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return generation;
}

static void
check_rules (TmConsentStore *self)
{
  gint64 generation = read_rules_generation (self);

  if (generation >= 0 && generation != self->rules_generation)
    {
      self->rules_generation = generation;
      g_signal_emit (self, signals[RULES_CHANGED], 0);
    }
}

static void
database_changed_cb (TmDatabase     *db,
                     TmConsentStore *self)
{
  gint64 count = 0, newest = 0;

  if (read_consent_state (self, &count, &newest)
      && (count != self->n_consents || newest != self->newest_rowid))
    {
      reload_history (self);
      g_signal_emit (self, signals[CONSENT_CHANGED], 0);
    }

  check_settings (self);
  check_rules (self);
}

static void
tm_consent_store_dispose (GObject *object)
{
  TmConsentStore *self = TM_CONSENT_STORE (object);

  if (self->db != NULL)
    g_signal_handlers_disconnect_by_data (self->db, self);
  g_clear_object (&self->db);
  g_clear_object (&self->history);
  g_clear_pointer (&self->settings, g_hash_table_unref);

  G_OBJECT_CLASS (tm_consent_store_parent_class)->dispose (object);
}

static void
tm_consent_store_class_init (TmConsentStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tm_consent_store_dispose;

  /**
   * TmConsentStore::consent-changed:
   *
   * The saved choice or its history changed, by this store or another process.
   */
  signals[CONSENT_CHANGED] =
    g_signal_new ("consent-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * TmConsentStore::settings-changed:
   * @key: (nullable): the setting that changed, or %NULL when unknown
   *
   * A setting changed, by this store or another process.
   */
  signals[SETTINGS_CHANGED] =
    g_signal_new ("settings-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * TmConsentStore::rules-changed:
   *
   * The user's rules (overrides, site exceptions, imported cookie databases)
   * changed, by this process (tm_consent_store_notify_rules_changed()) or
   * another one. See #TmRules.
   */
  signals[RULES_CHANGED] =
    g_signal_new ("rules-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
tm_consent_store_init (TmConsentStore *self)
{
  self->history = g_list_store_new (TM_TYPE_CONSENT);
  self->settings = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* tm_consent_store_new() and tm_consent_store_new_read_only(). */
static TmConsentStore *
store_new (const char  *data_dir,
           gboolean     read_only,
           GError     **error)
{
  g_autoptr(TmConsentStore) self = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GHashTable) settings = NULL;
  GError *db_error = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (TM_TYPE_CONSENT_STORE, NULL);
  path = g_build_filename (data_dir, TM_CONSENT_STORE_FILENAME, NULL);
  if (read_only)
    self->db = tm_database_open_read_only (path, migrations, G_N_ELEMENTS (migrations),
                                           &db_error);
  else
    self->db = tm_database_open (path, migrations, G_N_ELEMENTS (migrations), &db_error);
  if (self->db == NULL)
    {
      propagate_db_error (error, db_error);
      return NULL;
    }

  /* Watch first, then read: a write landing in between is then noticed as a
   * change rather than lost. */
  g_signal_connect (self->db, "changed", G_CALLBACK (database_changed_cb), self);
  tm_database_watch (self->db);

  reload_history (self);
  settings = read_settings (self);
  if (settings != NULL)
    {
      g_hash_table_unref (self->settings);
      self->settings = g_steal_pointer (&settings);
    }
  self->rules_generation = read_rules_generation (self);

  return g_steal_pointer (&self);
}

/**
 * tm_consent_store_new:
 * @data_dir: an existing directory (see tm_data_dir_resolve())
 * @error: return location for a #GError
 *
 * Opens (creating or migrating) `consent.sqlite` in @data_dir, mode 0600.
 * A file that is corrupt or unreadable is renamed aside with a timestamp
 * (`consent.sqlite.corrupt-20261129T100000Z`) and a new one is created: see
 * tm_consent_store_get_moved_aside().
 *
 * The store watches the database for writes by other processes, dispatched on
 * the thread-default main context at construction, and emits ::consent-changed /
 * ::settings-changed within about a second. Its own writes emit them at once.
 *
 * Returns: (transfer full): the store, or %NULL with @error set
 *   (%TM_CONSENT_STORE_ERROR_TOO_NEW for a database from a newer Témoin)
 */
TmConsentStore *
tm_consent_store_new (const char  *data_dir,
                      GError     **error)
{
  return store_new (data_dir, FALSE, error);
}

/**
 * tm_consent_store_new_read_only:
 * @data_dir: the data directory, which may be missing
 * @error: return location for a #GError
 *
 * Opens `consent.sqlite` for the commands that only read (see
 * tm_database_open_read_only()): nothing is created or written, a missing file
 * reads as no choice saved and default settings, and a read-only or full disk is
 * no obstacle. Every write fails. The store does not watch for other processes'
 * writes.
 *
 * Returns: (transfer full): the store, or %NULL with @error set
 */
TmConsentStore *
tm_consent_store_new_read_only (const char  *data_dir,
                                GError     **error)
{
  return store_new (data_dir, TRUE, error);
}

/**
 * tm_consent_store_get_path:
 * @self: a #TmConsentStore
 *
 * Returns: the absolute path of `consent.sqlite`
 */
const char *
tm_consent_store_get_path (TmConsentStore *self)
{
  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), NULL);
  return tm_database_get_path (self->db);
}

/**
 * tm_consent_store_get_moved_aside:
 * @self: a #TmConsentStore
 *
 * Returns: (nullable): where a corrupt database was moved to while opening, to
 *   tell the user, or %NULL
 */
const char *
tm_consent_store_get_moved_aside (TmConsentStore *self)
{
  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), NULL);
  return tm_database_get_moved_aside (self->db);
}

/**
 * tm_consent_store_get_read_warning:
 * @self: a #TmConsentStore
 *
 * Returns: (nullable): for a store opened with tm_consent_store_new_read_only(),
 *   what to tell the person (tm_database_get_read_warning()), or %NULL
 */
const char *
tm_consent_store_get_read_warning (TmConsentStore *self)
{
  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), NULL);
  return tm_database_get_read_warning (self->db);
}

/**
 * tm_consent_store_dup_current:
 * @self: a #TmConsentStore
 *
 * The last saved choice, read now (so another process's save counts even before
 * ::consent-changed), or the defaults when none was saved or it cannot be read.
 * A damaged last choice (tm_consent_store_is_current_damaged()) never applies:
 * the defaults do, as nothing is ever switched on that the person cannot see.
 *
 * Returns: (transfer full): the current choice, never %NULL
 */
TmConsent *
tm_consent_store_dup_current (TmConsentStore *self)
{
  g_autoptr(GError) error = NULL;
  TmConsent *consent = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), NULL);

  stmt = tm_database_prepare (self->db, SELECT_CONSENT " ORDER BY id DESC LIMIT 1", &error);
  if (stmt == NULL)
    {
      g_warning ("%s", error->message);
      return tm_consent_new_default ();
    }
  rc = sqlite3_step (stmt);
  self->current_damaged = FALSE;
  if (rc == SQLITE_ROW)
    {
      consent = consent_from_row (stmt);
      self->current_damaged = consent == NULL;
    }
  else if (rc != SQLITE_DONE)
    g_warning ("Could not read the saved choice: %s",
               sqlite3_errmsg (tm_database_get_handle (self->db)));
  sqlite3_reset (stmt);

  return consent != NULL ? consent : tm_consent_new_default ();
}

/**
 * tm_consent_store_is_current_damaged:
 * @self: a #TmConsentStore
 *
 * Returns: whether the last tm_consent_store_dup_current() found the last saved
 *   choice damaged (a value out of range), and gave the defaults instead
 */
gboolean
tm_consent_store_is_current_damaged (TmConsentStore *self)
{
  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), FALSE);
  return self->current_damaged;
}

/**
 * tm_consent_store_get_n_damaged:
 * @self: a #TmConsentStore
 *
 * Returns: how many saved choices the last read of the history
 *   (tm_consent_store_list_history(), the model) left out as damaged
 */
guint
tm_consent_store_get_n_damaged (TmConsentStore *self)
{
  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), 0);
  return self->n_damaged;
}

/**
 * tm_consent_store_save:
 * @self: a #TmConsentStore
 * @categories: the accepted categories; necessary is forced on
 * @method: how the choice was given
 * @language: (nullable): the language the charter was shown in
 * @revision: the charter revision (tm_charter_get_revision())
 * @error: return location for a #GError
 *
 * Appends a choice to the history, with a new random consent id and the current
 * UTC time, and emits ::consent-changed.
 *
 * Returns: (transfer full): the saved choice, or %NULL with @error set
 */
TmConsent *
tm_consent_store_save (TmConsentStore  *self,
                       TmCategories     categories,
                       TmConsentMethod  method,
                       const char      *language,
                       const char      *revision,
                       GError         **error)
{
  g_autoptr(GDateTime) now = NULL;
  g_autofree char *consent_id = NULL;
  g_autoptr(TmConsent) consent = NULL;
  GError *db_error = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), NULL);
  g_return_val_if_fail (method <= TM_CONSENT_METHOD_REJECT_ALL, NULL);
  g_return_val_if_fail (revision != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  now = g_date_time_new_now_utc ();
  consent_id = g_uuid_string_random ();
  consent = tm_consent_new (consent_id, now, revision, language, method, categories);

  stmt = tm_database_prepare (self->db,
                              "INSERT INTO consents (consent_id, given_at_us, revision,"
                              " language, method, necessary, statistics, first_party,"
                              " third_party) VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?)",
                              &db_error);
  if (stmt == NULL)
    {
      propagate_db_error (error, db_error);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, consent_id, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, date_time_to_usec (now));
  sqlite3_bind_text (stmt, 3, revision, -1, SQLITE_TRANSIENT);
  if (language != NULL)
    sqlite3_bind_text (stmt, 4, language, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 4);
  sqlite3_bind_text (stmt, 5, tm_consent_method_to_id (method), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 6, tm_consent_accepts (consent, TM_CATEGORY_STATISTICS));
  sqlite3_bind_int (stmt, 7, tm_consent_accepts (consent, TM_CATEGORY_FIRST_PARTY));
  sqlite3_bind_int (stmt, 8, tm_consent_accepts (consent, TM_CATEGORY_THIRD_PARTY));

  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, _("Could not save the choice"));
      sqlite3_reset (stmt);
      return NULL;
    }
  sqlite3_reset (stmt);

  {
    gint64 rowid = sqlite3_last_insert_rowid (tm_database_get_handle (self->db));
    gint64 count = 0, newest = 0;

    /* The usual case: the model only lacks this row. Otherwise another process
     * wrote meanwhile and the whole history is read again. */
    if (read_consent_state (self, &count, &newest)
        && count == self->n_consents + 1 && newest == rowid
        && self->newest_rowid < rowid)
      {
        g_list_store_insert (self->history, 0, consent);
        self->n_consents = count;
        self->newest_rowid = newest;
      }
    else
      reload_history (self);
  }
  g_signal_emit (self, signals[CONSENT_CHANGED], 0);

  return g_steal_pointer (&consent);
}

/**
 * tm_consent_store_get_history:
 * @self: a #TmConsentStore
 *
 * Returns: (transfer none): every saved choice, newest first, as #TmConsent
 *   items; kept up to date with this store's and other processes' writes
 */
GListModel *
tm_consent_store_get_history (TmConsentStore *self)
{
  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), NULL);
  return G_LIST_MODEL (self->history);
}

/**
 * tm_consent_store_list_history:
 * @self: a #TmConsentStore
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TmConsent): every saved choice, newest
 *   first, read now; or %NULL with @error set
 */
GPtrArray *
tm_consent_store_list_history (TmConsentStore  *self,
                               GError         **error)
{
  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return read_history (self, error);
}

/**
 * tm_consent_store_export_history_json:
 * @self: a #TmConsentStore
 * @error: return location for a #GError
 *
 * The history, newest first, as the pretty-printed JSON array of
 * `temoinctl consent history --json`: each element shaped like `consent show`
 * without "outdated"; `[]` when empty.
 *
 * Returns: (transfer full): the JSON text, or %NULL with @error set
 */
char *
tm_consent_store_export_history_json (TmConsentStore  *self,
                                      GError         **error)
{
  g_autoptr(GPtrArray) items = NULL;
  TmJsonWriter *writer;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  items = read_history (self, error);
  if (items == NULL)
    return NULL;

  writer = tm_json_writer_new (TRUE);
  tm_json_writer_begin_array (writer);
  for (guint i = 0; i < items->len; i++)
    tm_consent_write_json (g_ptr_array_index (items, i), writer, FALSE, FALSE);
  tm_json_writer_end_array (writer);
  return tm_json_writer_free_to_string (writer);
}

/**
 * tm_consent_store_erase_history:
 * @self: a #TmConsentStore
 * @error: return location for a #GError
 *
 * Erases every saved choice: the defaults apply again (and the choice is
 * outdated). Emits ::consent-changed.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
tm_consent_store_erase_history (TmConsentStore  *self,
                                GError         **error)
{
  GError *db_error = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  stmt = tm_database_prepare (self->db, "DELETE FROM consents", &db_error);
  if (stmt == NULL)
    {
      propagate_db_error (error, db_error);
      return FALSE;
    }
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, _("Could not erase the history of choices"));
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);

  reload_history (self);
  g_signal_emit (self, signals[CONSENT_CHANGED], 0);
  return TRUE;
}

/**
 * tm_consent_store_is_outdated:
 * @self: a #TmConsentStore
 * @consent: a choice
 * @current_revision: tm_charter_get_revision()
 * @now: (nullable): the time to judge at, %NULL for now
 *
 * An outdated choice keeps applying; the user is asked again.
 *
 * Returns: %TRUE when @consent was not saved, was given under another charter
 *   revision, or is older than the re-ask interval setting
 */
gboolean
tm_consent_store_is_outdated (TmConsentStore *self,
                              TmConsent      *consent,
                              const char     *current_revision,
                              GDateTime      *now)
{
  g_autoptr(GDateTime) now_utc = NULL;
  g_autoptr(GDateTime) expires = NULL;
  GDateTime *given_at;
  gint64 months;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), TRUE);
  g_return_val_if_fail (TM_IS_CONSENT (consent), TRUE);

  if (!tm_consent_is_saved (consent))
    return TRUE;
  if (g_strcmp0 (tm_consent_get_revision (consent), current_revision) != 0)
    return TRUE;

  given_at = tm_consent_get_given_at (consent);
  if (given_at == NULL)
    return TRUE;

  months = tm_consent_store_get_setting_int (self, TM_SETTING_REASK_INTERVAL);
  expires = g_date_time_add_months (given_at, (int) months);
  now_utc = now != NULL ? g_date_time_ref (now) : g_date_time_new_now_utc ();

  return expires == NULL || g_date_time_compare (expires, now_utc) <= 0;
}

/* (nullable): the stored value of @key, NULL when unset. */
static char *
read_setting (TmConsentStore  *self,
              const char      *key,
              GError         **error)
{
  GError *db_error = NULL;
  sqlite3_stmt *stmt;
  char *value = NULL;
  int rc;

  stmt = tm_database_prepare (self->db, "SELECT value FROM settings WHERE key = ?",
                              &db_error);
  if (stmt == NULL)
    {
      propagate_db_error (error, db_error);
      return NULL;
    }
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  else if (rc != SQLITE_DONE)
    set_sqlite_error (self, error, _("Could not read the settings"));
  sqlite3_reset (stmt);
  return value;
}

/**
 * tm_consent_store_get_setting:
 * @self: a #TmConsentStore
 * @key: a setting name (tm-settings.h)
 *
 * Returns: (transfer full) (nullable): the value in normalized form, its default
 *   when unset (or unreadable), %NULL when @key is unknown
 */
char *
tm_consent_store_get_setting (TmConsentStore *self,
                              const char     *key)
{
  g_autoptr(GError) error = NULL;
  const TmSettingInfo *info;
  g_autofree char *stored = NULL;
  char *normalized;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  info = tm_settings_lookup (key);
  if (info == NULL)
    return NULL;

  stored = read_setting (self, key, &error);
  if (error != NULL)
    g_warning ("%s", error->message);
  if (stored == NULL)
    return g_strdup (info->default_value);

  /* A value written by hand (or by a future version) that is no longer valid
   * falls back to the default rather than breaking every face. */
  normalized = tm_settings_normalize (key, stored, NULL);
  return normalized != NULL ? normalized : g_strdup (info->default_value);
}

/**
 * tm_consent_store_get_setting_int:
 * @self: a #TmConsentStore
 * @key: an integer setting
 *
 * Returns: its value, or its default when unset; 0 for an unknown key
 */
gint64
tm_consent_store_get_setting_int (TmConsentStore *self,
                                  const char     *key)
{
  g_autofree char *value = tm_consent_store_get_setting (self, key);

  return value != NULL ? g_ascii_strtoll (value, NULL, 10) : 0;
}

/**
 * tm_consent_store_get_setting_bool:
 * @self: a #TmConsentStore
 * @key: a boolean setting
 *
 * Returns: its value, or its default when unset; %FALSE for an unknown key
 */
gboolean
tm_consent_store_get_setting_bool (TmConsentStore *self,
                                   const char     *key)
{
  g_autofree char *value = tm_consent_store_get_setting (self, key);

  return g_strcmp0 (value, "true") == 0;
}

/**
 * tm_consent_store_set_setting:
 * @self: a #TmConsentStore
 * @key: a setting name (tm-settings.h)
 * @value: the new value, as a person typed it
 * @error: return location for a #GError
 *
 * Validates @value with tm_settings_normalize() and stores its normalized form;
 * writes and emits ::settings-changed only when the stored value changes.
 *
 * Returns: %TRUE on success; %FALSE with @error set: %TM_SETTINGS_ERROR for an
 *   unknown key or invalid value, %TM_CONSENT_STORE_ERROR when it cannot be saved
 */
gboolean
tm_consent_store_set_setting (TmConsentStore  *self,
                              const char      *key,
                              const char      *value,
                              GError         **error)
{
  g_autofree char *normalized = NULL;
  g_autofree char *stored = NULL;
  GError *local_error = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  normalized = tm_settings_normalize (key, value, error);
  if (normalized == NULL)
    return FALSE;

  stored = read_setting (self, key, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  if (g_strcmp0 (stored, normalized) == 0)
    return TRUE;

  stmt = tm_database_prepare (self->db,
                              "INSERT INTO settings (key, value) VALUES (?, ?)"
                              " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                              &local_error);
  if (stmt == NULL)
    {
      propagate_db_error (error, local_error);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, normalized, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (self, error, _("Could not save the setting"));
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);

  g_hash_table_insert (self->settings, g_strdup (key), g_strdup (normalized));
  g_signal_emit (self, signals[SETTINGS_CHANGED], 0, key);
  return TRUE;
}

/**
 * tm_consent_store_get_database:
 * @self: a #TmConsentStore
 *
 * The connection to `consent.sqlite`, for the parts of the core that keep their
 * own tables in it (the user's rules, tm-rules.h). Use it on the thread that
 * made the store.
 *
 * Returns: (transfer none): the database
 */
TmDatabase *
tm_consent_store_get_database (TmConsentStore *self)
{
  g_return_val_if_fail (TM_IS_CONSENT_STORE (self), NULL);
  return self->db;
}

/**
 * tm_consent_store_notify_rules_changed:
 * @self: a #TmConsentStore
 *
 * Tells the store that this process has just written the rules' tables: it
 * emits ::rules-changed at once (another process's writes are noticed by the
 * store itself).
 */
void
tm_consent_store_notify_rules_changed (TmConsentStore *self)
{
  gint64 generation;

  g_return_if_fail (TM_IS_CONSENT_STORE (self));

  generation = read_rules_generation (self);
  if (generation >= 0)
    self->rules_generation = generation;
  g_signal_emit (self, signals[RULES_CHANGED], 0);
}
