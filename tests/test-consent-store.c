/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "tm-consent-store.h"
#include "tm-database.h"
#include "tm-json.h"
#include "tm-settings.h"
#include "tm-test-utils.h"

#define STATS TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS)
#define FIRST TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY)
#define THIRD TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY)
#define NECESSARY TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY)

typedef struct {
  char           *dir;
  char           *path;
  TmConsentStore *store;
} Fixture;

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fx->dir = tm_test_make_tmp_dir ();
  fx->path = g_build_filename (fx->dir, TM_CONSENT_STORE_FILENAME, NULL);
  fx->store = tm_consent_store_new (fx->dir, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  g_clear_object (&fx->store);
  tm_test_rmdir (fx->dir);
  g_free (fx->dir);
  g_free (fx->path);
}

static void
count_cb (gpointer  instance,
          guint    *count)
{
  (*count)++;
}

static void
assert_same_consent (TmConsent *a,
                     TmConsent *b)
{
  g_assert_cmpstr (tm_consent_get_id (a), ==, tm_consent_get_id (b));
  g_assert_true (g_date_time_equal (tm_consent_get_given_at (a), tm_consent_get_given_at (b)));
  g_assert_cmpstr (tm_consent_get_revision (a), ==, tm_consent_get_revision (b));
  g_assert_cmpstr (tm_consent_get_language (a), ==, tm_consent_get_language (b));
  g_assert_cmpint (tm_consent_get_method (a), ==, tm_consent_get_method (b));
  g_assert_cmpuint (tm_consent_get_categories (a), ==, tm_consent_get_categories (b));
}

/* Runs a statement on the file with a connection of its own, as another tool would. */
static void
exec_on_file (const char *path,
              const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static gint64
int_from_file (const char *path,
               const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
test_round_trip (Fixture       *fx,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) before = g_date_time_new_now_utc ();
  g_autoptr(GDateTime) after = NULL;
  g_autoptr(TmConsent) saved = NULL;
  g_autoptr(TmConsent) current = NULL;
  g_autoptr(TmConsent) reopened = NULL;
  guint changes = 0;

  g_signal_connect (fx->store, "consent-changed", G_CALLBACK (count_cb), &changes);

  saved = tm_consent_store_save (fx->store, STATS | THIRD, TM_CONSENT_METHOD_CUSTOM, "fr",
                                 "rev-1", &error);
  g_assert_no_error (error);
  after = g_date_time_new_now_utc ();
  /* Its own write is announced at once. */
  g_assert_cmpuint (changes, ==, 1);

  g_assert_true (tm_consent_is_saved (saved));
  g_assert_true (g_uuid_string_is_valid (tm_consent_get_id (saved)));
  g_assert_cmpstr (tm_consent_get_revision (saved), ==, "rev-1");
  g_assert_cmpstr (tm_consent_get_language (saved), ==, "fr");
  g_assert_cmpint (tm_consent_get_method (saved), ==, TM_CONSENT_METHOD_CUSTOM);
  g_assert_cmpuint (tm_consent_get_categories (saved), ==, NECESSARY | STATS | THIRD);
  g_assert_true (tm_consent_accepts (saved, TM_CATEGORY_STATISTICS));
  g_assert_false (tm_consent_accepts (saved, TM_CATEGORY_FIRST_PARTY));
  g_assert_true (tm_consent_accepts (saved, TM_CATEGORY_THIRD_PARTY));
  g_assert_cmpint (g_date_time_compare (before, tm_consent_get_given_at (saved)), <=, 0);
  g_assert_cmpint (g_date_time_compare (tm_consent_get_given_at (saved), after), <=, 0);
  g_assert_cmpint (g_date_time_get_utc_offset (tm_consent_get_given_at (saved)), ==, 0);

  current = tm_consent_store_dup_current (fx->store);
  assert_same_consent (saved, current);

  /* From the file, by a new store. */
  g_clear_object (&fx->store);
  fx->store = tm_consent_store_new (fx->dir, &error);
  g_assert_no_error (error);
  reopened = tm_consent_store_dup_current (fx->store);
  assert_same_consent (saved, reopened);

  /* Every method comes back as given. */
  for (TmConsentMethod m = TM_CONSENT_METHOD_CUSTOM; m <= TM_CONSENT_METHOD_REJECT_ALL; m++)
    {
      g_autoptr(TmConsent) c = tm_consent_store_save (fx->store, FIRST, m, NULL, "rev-2",
                                                      &error);
      g_autoptr(TmConsent) back = NULL;

      g_assert_no_error (error);
      back = tm_consent_store_dup_current (fx->store);
      assert_same_consent (c, back);
      g_assert_null (tm_consent_get_language (back));
    }
}

static void
test_defaults (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(TmConsent) current = tm_consent_store_dup_current (fx->store);
  g_autoptr(TmJsonWriter) writer = tm_json_writer_new (FALSE);
  g_autofree char *json = NULL;

  g_assert_false (tm_consent_is_saved (current));
  g_assert_null (tm_consent_get_id (current));
  g_assert_null (tm_consent_get_given_at (current));
  g_assert_null (tm_consent_get_language (current));
  g_assert_cmpuint (tm_consent_get_categories (current), ==, TM_CATEGORIES_DEFAULT);
  g_assert_true (tm_consent_store_is_outdated (fx->store, current, "rev-1", NULL));
  g_assert_cmpuint (g_list_model_get_n_items (tm_consent_store_get_history (fx->store)), ==, 0);

  tm_consent_write_json (current, writer, TRUE, TRUE);
  json = tm_json_writer_free_to_string (g_steal_pointer (&writer));
  g_assert_cmpstr (json, ==,
                   "{\"consent_id\":null,\"given_at\":null,\"revision\":null,\"method\":null,"
                   "\"language\":null,\"outdated\":true,\"categories\":{\"necessary\":true,"
                   "\"statistics\":false,\"first-party\":false,\"third-party\":false}}");
}

static void
test_necessary_forced_on (Fixture       *fx,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsent) saved = NULL;
  g_autoptr(TmConsent) back = NULL;
  g_autoptr(TmConsent) built = NULL;

  saved = tm_consent_store_save (fx->store, TM_CATEGORIES_NONE, TM_CONSENT_METHOD_REJECT_ALL,
                                 "en", "rev-1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tm_consent_get_categories (saved), ==, NECESSARY);
  back = tm_consent_store_dup_current (fx->store);
  g_assert_true (tm_consent_accepts (back, TM_CATEGORY_NECESSARY));
  g_assert_cmpuint (tm_consent_get_categories (back), ==, NECESSARY);
  g_assert_cmpint (int_from_file (fx->path, "SELECT necessary FROM consents"), ==, 1);

  built = tm_consent_new ("x", NULL, NULL, NULL, TM_CONSENT_METHOD_CUSTOM, STATS);
  g_assert_true (tm_consent_accepts (built, TM_CATEGORY_NECESSARY));
}

static void
test_history_newest_first (Fixture       *fx,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  GListModel *model = tm_consent_store_get_history (fx->store);
  TmConsent *saved[3];
  TmConsentMethod methods[3] = {
    TM_CONSENT_METHOD_ACCEPT_ALL, TM_CONSENT_METHOD_REJECT_ALL, TM_CONSENT_METHOD_CUSTOM,
  };

  for (guint i = 0; i < 3; i++)
    {
      saved[i] = tm_consent_store_save (fx->store, i == 0 ? TM_CATEGORIES_ALL : STATS,
                                        methods[i], "fr", "rev-1", &error);
      g_assert_no_error (error);
      /* The model follows each save. */
      g_assert_cmpuint (g_list_model_get_n_items (model), ==, i + 1);
    }
  g_assert_cmpstr (tm_consent_get_id (saved[0]), !=, tm_consent_get_id (saved[1]));
  g_assert_cmpstr (tm_consent_get_id (saved[1]), !=, tm_consent_get_id (saved[2]));

  list = tm_consent_store_list_history (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(TmConsent) item = g_list_model_get_item (model, i);

      assert_same_consent (g_ptr_array_index (list, i), saved[2 - i]);
      assert_same_consent (item, saved[2 - i]);
    }

  for (guint i = 0; i < 3; i++)
    g_object_unref (saved[i]);
}

static void
test_erase (Fixture       *fx,
            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(TmConsent) current = NULL;
  g_autofree char *json = NULL;
  guint changes = 0;

  for (guint i = 0; i < 2; i++)
    g_object_unref (tm_consent_store_save (fx->store, STATS, TM_CONSENT_METHOD_CUSTOM, "fr",
                                           "rev-1", &error));
  g_assert_no_error (error);
  g_signal_connect (fx->store, "consent-changed", G_CALLBACK (count_cb), &changes);

  g_assert_true (tm_consent_store_erase_history (fx->store, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (changes, ==, 1);

  list = tm_consent_store_list_history (fx->store, &error);
  g_assert_cmpuint (list->len, ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (tm_consent_store_get_history (fx->store)), ==, 0);
  g_assert_cmpint (int_from_file (fx->path, "SELECT count(*) FROM consents"), ==, 0);
  current = tm_consent_store_dup_current (fx->store);
  g_assert_false (tm_consent_is_saved (current));
  g_assert_true (tm_consent_store_is_outdated (fx->store, current, "rev-1", NULL));

  json = tm_consent_store_export_history_json (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json, ==, "[]");
}

static void
test_export_json (Fixture       *fx,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  /* A known row set, written as another process would. 1795000000 s is
   * 2026-11-18T11:06:40Z. */
  exec_on_file (fx->path,
                "INSERT INTO consents (consent_id, given_at_us, revision, language, method,"
                " necessary, statistics, first_party, third_party) VALUES"
                " ('11111111-1111-4111-8111-111111111111', 1795000000000000, 'r\"1', 'fr',"
                "  'accept-all', 1, 1, 1, 1),"
                " ('22222222-2222-4222-8222-222222222222', 1795000000999999, 'r2', NULL,"
                "  'custom', 1, 0, 1, 0);");

  json = tm_consent_store_export_history_json (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json, ==,
                   "[\n"
                   "  {\n"
                   "    \"consent_id\": \"22222222-2222-4222-8222-222222222222\",\n"
                   "    \"given_at\": \"2026-11-18T11:06:40Z\",\n"
                   "    \"revision\": \"r2\",\n"
                   "    \"method\": \"custom\",\n"
                   "    \"language\": null,\n"
                   "    \"categories\": {\n"
                   "      \"necessary\": true,\n"
                   "      \"statistics\": false,\n"
                   "      \"first-party\": true,\n"
                   "      \"third-party\": false\n"
                   "    }\n"
                   "  },\n"
                   "  {\n"
                   "    \"consent_id\": \"11111111-1111-4111-8111-111111111111\",\n"
                   "    \"given_at\": \"2026-11-18T11:06:40Z\",\n"
                   "    \"revision\": \"r\\\"1\",\n"
                   "    \"method\": \"accept-all\",\n"
                   "    \"language\": \"fr\",\n"
                   "    \"categories\": {\n"
                   "      \"necessary\": true,\n"
                   "      \"statistics\": true,\n"
                   "      \"first-party\": true,\n"
                   "      \"third-party\": true\n"
                   "    }\n"
                   "  }\n"
                   "]");
}

static void
test_outdated (Fixture       *fx,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsent) saved = NULL;
  g_autoptr(GDateTime) plus5 = NULL;
  g_autoptr(GDateTime) plus6 = NULL;
  g_autoptr(GDateTime) plus7 = NULL;
  GDateTime *given_at;

  saved = tm_consent_store_save (fx->store, STATS, TM_CONSENT_METHOD_CUSTOM, "fr", "rev-1",
                                 &error);
  g_assert_no_error (error);
  given_at = tm_consent_get_given_at (saved);
  plus5 = g_date_time_add_months (given_at, 5);
  plus6 = g_date_time_add_months (given_at, 6);
  plus7 = g_date_time_add_months (given_at, 7);

  /* Fresh and under the same charter: not outdated. */
  g_assert_false (tm_consent_store_is_outdated (fx->store, saved, "rev-1", NULL));
  g_assert_false (tm_consent_store_is_outdated (fx->store, saved, "rev-1", plus5));
  /* Another charter revision. */
  g_assert_true (tm_consent_store_is_outdated (fx->store, saved, "rev-2", NULL));
  /* Older than the default six months. */
  g_assert_true (tm_consent_store_is_outdated (fx->store, saved, "rev-1", plus6));
  g_assert_true (tm_consent_store_is_outdated (fx->store, saved, "rev-1", plus7));

  /* The interval is the setting's. */
  g_assert_true (tm_consent_store_set_setting (fx->store, TM_SETTING_REASK_INTERVAL, "12",
                                               &error));
  g_assert_false (tm_consent_store_is_outdated (fx->store, saved, "rev-1", plus7));
  g_assert_true (tm_consent_store_set_setting (fx->store, TM_SETTING_REASK_INTERVAL, "1",
                                               &error));
  g_assert_true (tm_consent_store_is_outdated (fx->store, saved, "rev-1", plus5));
}

static void
test_migration_from_v1 (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, TM_CONSENT_STORE_FILENAME, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(TmConsent) added = NULL;
  g_autoptr(GDateTime) expected_0 = g_date_time_new_utc (2026, 6, 2, 9, 0, 5);
  g_autoptr(GDateTime) expected_1 = g_date_time_new_utc (2026, 5, 1, 8, 30, 0);
  TmConsent *c;

  /* The schema of version 1, as an older Témoin wrote it. */
  exec_on_file (path,
                "CREATE TABLE consents ("
                "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
                "  consent_id TEXT NOT NULL UNIQUE,"
                "  given_at TEXT NOT NULL,"
                "  revision TEXT NOT NULL,"
                "  method INTEGER NOT NULL,"
                "  categories INTEGER NOT NULL);"
                "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "INSERT INTO consents (consent_id, given_at, revision, method, categories)"
                "  VALUES ('old-1', '2026-05-01T08:30:00Z', 'rev-a', 1, 15),"
                "         ('old-2', '2026-06-02T09:00:05Z', 'rev-b', 0, 5);"
                "INSERT INTO settings VALUES ('reask-interval-months', '3');"
                "PRAGMA user_version = 1;");

  store = tm_consent_store_new (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (int_from_file (path, "PRAGMA user_version"), ==, 3);

  list = tm_consent_store_list_history (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);

  c = g_ptr_array_index (list, 0);
  g_assert_cmpstr (tm_consent_get_id (c), ==, "old-2");
  g_assert_true (g_date_time_equal (tm_consent_get_given_at (c), expected_0));
  g_assert_cmpstr (tm_consent_get_revision (c), ==, "rev-b");
  g_assert_null (tm_consent_get_language (c));   /* version 1 did not record it */
  g_assert_cmpint (tm_consent_get_method (c), ==, TM_CONSENT_METHOD_CUSTOM);
  g_assert_cmpuint (tm_consent_get_categories (c), ==, NECESSARY | FIRST);

  c = g_ptr_array_index (list, 1);
  g_assert_cmpstr (tm_consent_get_id (c), ==, "old-1");
  g_assert_true (g_date_time_equal (tm_consent_get_given_at (c), expected_1));
  g_assert_cmpstr (tm_consent_get_revision (c), ==, "rev-a");
  g_assert_cmpint (tm_consent_get_method (c), ==, TM_CONSENT_METHOD_ACCEPT_ALL);
  g_assert_cmpuint (tm_consent_get_categories (c), ==, TM_CATEGORIES_ALL);

  g_assert_cmpint (tm_consent_store_get_setting_int (store, TM_SETTING_REASK_INTERVAL), ==, 3);

  /* New saves come after the migrated rows. */
  added = tm_consent_store_save (store, STATS, TM_CONSENT_METHOD_CUSTOM, "en", "rev-c", &error);
  g_assert_no_error (error);
  g_clear_pointer (&list, g_ptr_array_unref);
  list = tm_consent_store_list_history (store, &error);
  g_assert_cmpuint (list->len, ==, 3);
  g_assert_cmpstr (tm_consent_get_id (g_ptr_array_index (list, 0)), ==,
                   tm_consent_get_id (added));
  g_assert_cmpint (int_from_file (path, "SELECT max(id) FROM consents"), ==, 3);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
test_too_new (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, TM_CONSENT_STORE_FILENAME, NULL);
  g_autoptr(GError) error = NULL;
  TmConsentStore *store;

  exec_on_file (path, "CREATE TABLE future (x); PRAGMA user_version = 4;");
  store = tm_consent_store_new (dir, &error);
  g_assert_null (store);
  g_assert_error (error, TM_CONSENT_STORE_ERROR, TM_CONSENT_STORE_ERROR_TOO_NEW);
  g_assert_cmpint (int_from_file (path, "PRAGMA user_version"), ==, 4);

  tm_test_rmdir (dir);
}

static void
test_corrupt (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, TM_CONSENT_STORE_FILENAME, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(TmConsent) saved = NULL;
  g_autofree char *kept = NULL;
  const char *moved;
  GStatBuf st;

  g_assert_true (g_file_set_contents (path, "SQLite format 2\nnot really", -1, NULL));
  store = tm_consent_store_new (dir, &error);
  g_assert_no_error (error);

  moved = tm_consent_store_get_moved_aside (store);
  g_assert_nonnull (moved);
  g_assert_true (g_str_has_prefix (moved, path));
  g_assert_nonnull (strstr (moved, ".corrupt-"));
  g_assert_true (g_file_get_contents (moved, &kept, NULL, NULL));
  g_assert_cmpstr (kept, ==, "SQLite format 2\nnot really");
  g_assert_cmpstr (tm_consent_store_get_path (store), ==, path);

  saved = tm_consent_store_save (store, STATS, TM_CONSENT_METHOD_CUSTOM, "fr", "r", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, 0600);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
wait_for (guint *count,
          guint  target)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (*count < target && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
}

static void
test_other_store_notices (Fixture       *fx,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsentStore) other = tm_consent_store_new (fx->dir, &error);
  g_autoptr(TmConsent) saved = NULL;
  g_autoptr(TmConsent) seen = NULL;
  g_autoptr(TmConsent) item = NULL;
  GListModel *model;
  guint changes = 0, settings_changes = 0;

  g_assert_no_error (error);
  model = tm_consent_store_get_history (other);
  g_signal_connect (other, "consent-changed", G_CALLBACK (count_cb), &changes);
  g_signal_connect (other, "settings-changed", G_CALLBACK (count_cb), &settings_changes);

  saved = tm_consent_store_save (fx->store, THIRD, TM_CONSENT_METHOD_CUSTOM, "fr", "rev-1",
                                 &error);
  g_assert_no_error (error);
  wait_for (&changes, 1);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (settings_changes, ==, 0);

  seen = tm_consent_store_dup_current (other);
  assert_same_consent (saved, seen);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  item = g_list_model_get_item (model, 0);
  assert_same_consent (saved, item);

  g_assert_true (tm_consent_store_erase_history (fx->store, &error));
  wait_for (&changes, 2);
  g_assert_cmpuint (changes, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
}

static void
record_key_cb (TmConsentStore *store,
               const char     *key,
               GPtrArray      *keys)
{
  g_ptr_array_add (keys, g_strdup (key));
}

/* Another program (here a bare SQLite connection) writes to the file. */
static void
test_foreign_write_noticed (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(TmConsent) current = NULL;
  guint changes = 0;

  g_signal_connect (fx->store, "settings-changed", G_CALLBACK (record_key_cb), keys);
  g_signal_connect (fx->store, "consent-changed", G_CALLBACK (count_cb), &changes);

  exec_on_file (fx->path, "INSERT INTO settings VALUES ('sec-gpc', 'false');");
  wait_for (&keys->len, 1);
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (keys, 0), ==, TM_SETTING_SEC_GPC);
  g_assert_cmpuint (changes, ==, 0);

  exec_on_file (fx->path,
                "INSERT INTO consents (consent_id, given_at_us, revision, language, method,"
                " statistics, first_party, third_party) VALUES"
                " ('from-elsewhere', 1795000000000000, 'r', 'en', 'reject-all', 0, 0, 0);");
  wait_for (&changes, 1);
  g_assert_cmpuint (changes, ==, 1);
  g_assert_cmpuint (keys->len, ==, 1);
  current = tm_consent_store_dup_current (fx->store);
  g_assert_cmpstr (tm_consent_get_id (current), ==, "from-elsewhere");
  g_assert_cmpint (tm_consent_get_method (current), ==, TM_CONSENT_METHOD_REJECT_ALL);
}

/* While another program holds the write lock past the busy timeout, a save fails
 * and says why; nothing half-written is left. */
static void
test_locked (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsent) saved = NULL;
  g_autoptr(GPtrArray) list = NULL;
  sqlite3 *other = NULL;

  g_assert_cmpint (sqlite3_open (fx->path, &other), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (other, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);

  saved = tm_consent_store_save (fx->store, STATS, TM_CONSENT_METHOD_CUSTOM, "fr", "r", &error);
  g_assert_null (saved);
  g_assert_error (error, TM_CONSENT_STORE_ERROR, TM_CONSENT_STORE_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==, "Could not save the choice: database is locked. "
                   "Another program is writing to it: try again in a moment.");
  g_clear_error (&error);
  g_assert_cmpuint (g_list_model_get_n_items (tm_consent_store_get_history (fx->store)), ==, 0);

  sqlite3_exec (other, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (other);

  saved = tm_consent_store_save (fx->store, STATS, TM_CONSENT_METHOD_CUSTOM, "fr", "r", &error);
  g_assert_no_error (error);
  list = tm_consent_store_list_history (fx->store, &error);
  g_assert_cmpuint (list->len, ==, 1);
}

/* Another process saving between the two reads of a history reload. */
typedef struct {
  TmConsentStore *other;
  gboolean        armed;
  guint           fired;
  char           *saved_id;
} Interleave;

#define COUNT_SQL "SELECT count(*), coalesce(max(id), 0) FROM consents"

/* SQLITE_TRACE_STMT: called as a statement starts running, before it reads. */
static int
save_before_count_cb (unsigned int  type,
                      void         *user_data,
                      void         *statement,
                      void         *unused)
{
  Interleave *il = user_data;
  const char *sql = sqlite3_sql (statement);
  g_autoptr(TmConsent) saved = NULL;
  g_autoptr(GError) error = NULL;

  if (!il->armed || sql == NULL || !g_str_has_prefix (sql, COUNT_SQL))
    return 0;
  il->armed = FALSE;
  saved = tm_consent_store_save (il->other, STATS, TM_CONSENT_METHOD_CUSTOM, "en", "rev-1",
                                 &error);
  g_assert_no_error (error);
  il->saved_id = g_strdup (tm_consent_get_id (saved));
  il->fired++;
  return 0;
}

/* A save by another process landing between the history's rows and their count
 * (made to land there by a statement trace) is not lost: both are read in one
 * snapshot, so the row is missing from the count too, and the next look at the
 * database brings it in. Read apart, the count included it and the model never
 * did. */
static void
test_reload_is_one_snapshot (Fixture       *fx,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsent) mine = NULL;
  g_autoptr(GPtrArray) list = NULL;
  sqlite3 *handle = tm_database_get_handle (tm_consent_store_get_database (fx->store));
  GListModel *history = tm_consent_store_get_history (fx->store);
  Interleave il = { 0 };
  gboolean found = FALSE;

  il.other = tm_consent_store_new (fx->dir, &error);
  g_assert_no_error (error);

  g_assert_cmpint (sqlite3_trace_v2 (handle, SQLITE_TRACE_STMT, save_before_count_cb, &il),
                   ==, SQLITE_OK);
  il.armed = TRUE;
  g_assert_true (tm_consent_store_erase_history (fx->store, &error));
  g_assert_no_error (error);
  sqlite3_trace_v2 (handle, 0, NULL, NULL);
  /* The other save did land between the two reads. */
  g_assert_cmpuint (il.fired, ==, 1);

  /* The next save of this store sees two rows where it knew of none: it reads
   * the whole history again, the other process's choice included. */
  mine = tm_consent_store_save (fx->store, FIRST, TM_CONSENT_METHOD_CUSTOM, "en", "rev-1",
                                &error);
  g_assert_no_error (error);
  list = tm_consent_store_list_history (fx->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpuint (g_list_model_get_n_items (history), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(TmConsent) item = g_list_model_get_item (history, i);

      assert_same_consent (item, g_ptr_array_index (list, i));
      found |= g_strcmp0 (tm_consent_get_id (item), il.saved_id) == 0;
    }
  g_assert_true (found);

  g_clear_object (&il.other);
  g_free (il.saved_id);
}

/* Version 1 kept the time as text: its milliseconds and its UTC offset survive
 * the migration, and a time SQLite cannot read neither loses the row nor blocks
 * the upgrade (which would leave every saved choice out of reach). */
static void
test_migration_from_v1_odd_times (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, TM_CONSENT_STORE_FILENAME, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GDateTime) expected = g_date_time_new_utc (2026, 5, 1, 6, 30, 0.25);
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 5, 2, 0, 0, 0);
  TmConsent *c;

  exec_on_file (path,
                "CREATE TABLE consents ("
                "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
                "  consent_id TEXT NOT NULL UNIQUE,"
                "  given_at TEXT NOT NULL,"
                "  revision TEXT NOT NULL,"
                "  method INTEGER NOT NULL,"
                "  categories INTEGER NOT NULL);"
                "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                "INSERT INTO consents (consent_id, given_at, revision, method, categories)"
                "  VALUES ('precise', '2026-05-01T08:30:00.250+02:00', 'rev-a', 0, 3),"
                "         ('unreadable', 'yesterday', 'rev-a', 2, 1);"
                "PRAGMA user_version = 1;");

  store = tm_consent_store_new (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (int_from_file (path, "PRAGMA user_version"), ==, 3);

  list = tm_consent_store_list_history (store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);

  c = g_ptr_array_index (list, 0);
  g_assert_cmpstr (tm_consent_get_id (c), ==, "unreadable");
  g_assert_cmpint (g_date_time_to_unix (tm_consent_get_given_at (c)), ==, 0);
  g_assert_cmpint (tm_consent_get_method (c), ==, TM_CONSENT_METHOD_REJECT_ALL);
  g_assert_true (tm_consent_store_is_outdated (store, c, "rev-a", now));

  c = g_ptr_array_index (list, 1);
  g_assert_cmpstr (tm_consent_get_id (c), ==, "precise");
  g_assert_true (g_date_time_equal (tm_consent_get_given_at (c), expected));
  g_assert_cmpuint (tm_consent_get_categories (c), ==, NECESSARY | STATS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/consent-store/save/round-trips-every-field", test_round_trip);
  ADD ("/consent-store/current/defaults-when-nothing-saved", test_defaults);
  ADD ("/consent-store/save/necessary-is-forced-on", test_necessary_forced_on);
  ADD ("/consent-store/history/newest-first", test_history_newest_first);
  ADD ("/consent-store/history/erase-removes-every-choice", test_erase);
  ADD ("/consent-store/history/export-is-exact-json", test_export_json);
  ADD ("/consent-store/outdated/by-revision-and-age", test_outdated);
  ADD ("/consent-store/watch/other-store-save-emits-consent-changed",
       test_other_store_notices);
  ADD ("/consent-store/watch/foreign-write-emits-the-right-signal", test_foreign_write_noticed);
  ADD ("/consent-store/save/locked-database-says-why", test_locked);
  ADD ("/consent-store/watch/save-between-history-and-count-is-not-lost",
       test_reload_is_one_snapshot);

#undef ADD

  g_test_add_func ("/consent-store/migration/from-version-1", test_migration_from_v1);
  g_test_add_func ("/consent-store/migration/from-version-1-keeps-odd-times",
                   test_migration_from_v1_odd_times);
  g_test_add_func ("/consent-store/schema/too-new-is-refused", test_too_new);
  g_test_add_func ("/consent-store/corrupt/moved-aside-and-told", test_corrupt);

  return g_test_run ();
}
