/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tm-data-dir.h"
#include "tm-database.h"
#include "tm-test-utils.h"

static const char * const migrations[] = {
  "CREATE TABLE log (step INTEGER NOT NULL);"
  "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL);",
  "INSERT INTO log (step) VALUES (1);",
  "INSERT INTO log (step) VALUES (2);",
};

static gint64
query_int (TmDatabase *db,
           const char *sql)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = tm_database_prepare (db, sql, &error);
  gint64 value;

  g_assert_no_error (error);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  return value;
}

static char *
query_steps (TmDatabase *db)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  sqlite3_stmt *stmt = tm_database_prepare (db, "SELECT step FROM log ORDER BY rowid", &error);

  g_assert_no_error (error);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    g_string_append_printf (out, "%s%d", out->len ? "," : "", sqlite3_column_int (stmt, 0));
  sqlite3_reset (stmt);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
insert_item (TmDatabase *db,
             const char *name)
{
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *stmt = tm_database_prepare (db, "INSERT INTO items (name) VALUES (?)", &error);

  g_assert_no_error (error);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
  sqlite3_reset (stmt);
}

static guint
count_entries (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d) != NULL)
    n++;
  return n;
}

static void
test_migrations_in_order (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "test.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *steps = NULL;
  TmDatabase *db;

  /* Version 2 first, as an older Témoin would leave it. */
  db = tm_database_open (path, migrations, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 2);
  steps = query_steps (db);
  g_assert_cmpstr (steps, ==, "1");
  g_assert_null (tm_database_get_moved_aside (db));
  {
    sqlite3_stmt *stmt = tm_database_prepare (db, "PRAGMA journal_mode", &error);

    g_assert_no_error (error);
    g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
    g_assert_cmpstr ((const char *) sqlite3_column_text (stmt, 0), ==, "wal");
    sqlite3_reset (stmt);
  }
  g_assert_cmpint (query_int (db, "PRAGMA synchronous"), ==, 1);  /* NORMAL */
  g_object_unref (db);

  /* Then only the missing one runs. */
  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 3);
  g_clear_pointer (&steps, g_free);
  steps = query_steps (db);
  g_assert_cmpstr (steps, ==, "1,2");
  g_assert_cmpint (query_int (db, "PRAGMA foreign_keys"), ==, 1);
  g_object_unref (db);

  /* Opening at the current version runs nothing again. */
  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  g_clear_pointer (&steps, g_free);
  steps = query_steps (db);
  g_assert_cmpstr (steps, ==, "1,2");
  g_object_unref (db);

  tm_test_rmdir (dir);
}

static void
test_migration_failure_rolls_back (void)
{
  static const char * const broken[] = {
    "CREATE TABLE log (step INTEGER NOT NULL);",
    "INSERT INTO log (step) VALUES (1); INSERT INTO nowhere VALUES (2);",
  };
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "test.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *steps = NULL;
  TmDatabase *db;

  db = tm_database_open (path, broken, 2, &error);
  g_assert_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_FAILED);
  g_assert_null (db);
  g_assert_nonnull (strstr (error->message, "no such table: nowhere"));
  g_clear_error (&error);

  /* Version 1 was committed; the broken step left nothing behind. */
  db = tm_database_open (path, broken, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM log"), ==, 0);
  g_object_unref (db);

  tm_test_rmdir (dir);
}

static void
test_too_new_untouched (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "test.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  gsize before_len, after_len;
  TmDatabase *db;

  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  insert_item (db, "kept");
  g_object_unref (db);  /* the last connection checkpoints the WAL into the file */

  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));
  g_assert_cmpuint (count_entries (dir), ==, 1);

  db = tm_database_open (path, migrations, 2, &error);
  g_assert_null (db);
  g_assert_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_TOO_NEW);
  g_assert_nonnull (strstr (error->message, "newer"));

  g_assert_true (g_file_get_contents (path, &after, &after_len, NULL));
  g_assert_cmpmem (before, before_len, after, after_len);
  /* Not moved aside either. */
  g_assert_cmpuint (count_entries (dir), ==, 1);

  tm_test_rmdir (dir);
}

static void
test_garbage_moved_aside (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "consent.sqlite", NULL);
  g_autofree char *pattern = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *expected_name = NULL;
  g_autofree char *escaped = NULL;
  g_autoptr(GByteArray) garbage = g_byte_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *kept = NULL;
  gsize kept_len;
  TmDatabase *db;

  for (guint i = 0; i < 8192; i++)
    {
      guint8 byte = g_random_int_range (0, 256);
      g_byte_array_append (garbage, &byte, 1);
    }
  g_assert_true (g_file_set_contents (path, (const char *) garbage->data, garbage->len, NULL));

  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  g_assert_nonnull (db);

  moved = g_strdup (tm_database_get_moved_aside (db));
  g_assert_nonnull (moved);
  escaped = g_regex_escape_string (path, -1);
  pattern = g_strdup_printf ("^%s\\.corrupt-[0-9]{8}T[0-9]{6}Z$", escaped);
  g_assert_true (g_regex_match_simple (pattern, moved, 0, 0));

  /* Nothing lost: the old bytes are all in the moved file. */
  g_assert_true (g_file_get_contents (moved, &kept, &kept_len, NULL));
  g_assert_cmpmem (kept, kept_len, garbage->data, garbage->len);

  /* And the new database works. */
  insert_item (db, "fresh");
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM items"), ==, 1);
  g_assert_cmpint (query_int (db, "PRAGMA user_version"), ==, 3);
  g_object_unref (db);

  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  g_assert_null (tm_database_get_moved_aside (db));
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM items"), ==, 1);
  g_object_unref (db);

  tm_test_rmdir (dir);
}

/* A real database with a damaged page: the header is fine, quick_check is not. */
static void
test_damaged_page_moved_aside (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "test.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *kept = NULL;
  gsize len, kept_len;
  TmDatabase *db;

  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  g_assert_true (tm_database_begin (db, &error));
  for (guint i = 0; i < 2000; i++)
    {
      g_autofree char *name = g_strdup_printf ("item number %u, long enough to fill pages", i);
      insert_item (db, name);
    }
  g_assert_true (tm_database_commit (db, &error));
  g_object_unref (db);  /* checkpoints everything into the file */

  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_cmpuint (len, >, 3 * 4096);
  /* Scribble over the b-tree header of the pages after the schema page. */
  for (gsize off = 4096; off + 4096 <= len; off += 4096)
    memset (contents + off, 0x5a, 64);
  g_assert_true (g_file_set_contents (path, contents, len, NULL));

  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tm_database_get_moved_aside (db));
  g_assert_true (g_file_get_contents (tm_database_get_moved_aside (db), &kept, &kept_len, NULL));
  g_assert_cmpmem (kept, kept_len, contents, len);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM items"), ==, 0);
  g_object_unref (db);

  tm_test_rmdir (dir);
}

static void
test_moved_aside_name_collision (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "consent.sqlite", NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr(GError) error = NULL;
  g_autofree char *pattern = NULL;
  g_autofree char *escaped = NULL;
  TmDatabase *db;

  /* Take the names of the next few seconds, so the database has to add "-1". */
  for (int s = -1; s < 5; s++)
    {
      g_autoptr(GDateTime) t = g_date_time_add_seconds (now, s);
      g_autofree char *stamp = g_date_time_format (t, "%Y%m%dT%H%M%SZ");
      g_autofree char *taken = g_strdup_printf ("%s.corrupt-%s", path, stamp);

      g_assert_true (g_file_set_contents (taken, "older", -1, NULL));
    }
  g_assert_true (g_file_set_contents (path, "this is not a database, not at all, no", -1,
                                      NULL));

  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  escaped = g_regex_escape_string (path, -1);
  pattern = g_strdup_printf ("^%s\\.corrupt-[0-9]{8}T[0-9]{6}Z-1$", escaped);
  g_assert_true (g_regex_match_simple (pattern, tm_database_get_moved_aside (db), 0, 0));
  g_object_unref (db);

  tm_test_rmdir (dir);
}

static void
assert_mode (const char *path,
             guint       mode)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 0777, ==, mode);
}

static void
test_files_private (void)
{
  g_autofree char *tmp = tm_test_make_tmp_dir ();
  g_autofree char *data = g_build_filename (tmp, "nested", "temoin", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *wal = NULL;
  g_autofree char *shm = NULL;
  g_autoptr(GError) error = NULL;
  mode_t old_umask = umask (022);
  TmDatabase *db;

  dir = tm_data_dir_resolve (data, &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "test.sqlite", NULL);
  wal = g_strconcat (path, "-wal", NULL);
  shm = g_strconcat (path, "-shm", NULL);

  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  insert_item (db, "private");

  assert_mode (dir, 0700);
  assert_mode (path, 0600);
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (shm, G_FILE_TEST_EXISTS));
  assert_mode (wal, 0600);
  assert_mode (shm, 0600);
  g_object_unref (db);

  /* A file left world-readable is made private again on open. */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  assert_mode (path, 0600);
  g_object_unref (db);

  umask (old_umask);
  tm_test_rmdir (tmp);
}

static void
test_statement_cache_and_errors (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "test.sqlite", NULL);
  g_autofree char *sql = g_strdup ("SELECT count(*) FROM items");
  g_autoptr(GError) error = NULL;
  sqlite3_stmt *first, *second;
  TmDatabase *db;

  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);

  /* Cached by the text, not the pointer. */
  first = tm_database_prepare (db, "SELECT count(*) FROM items", &error);
  g_assert_no_error (error);
  second = tm_database_prepare (db, sql, &error);
  g_assert_no_error (error);
  g_assert_true (first == second);

  g_assert_null (tm_database_prepare (db, "SELEKT nothing", &error));
  g_assert_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "syntax error"));
  g_clear_error (&error);

  /* A failed transaction rolls back. */
  g_assert_true (tm_database_begin (db, &error));
  insert_item (db, "gone");
  tm_database_rollback (db);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM items"), ==, 0);

  g_assert_false (tm_database_exec (db, "INSERT INTO nowhere VALUES (1)", &error));
  g_assert_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, ": no such table: nowhere"));

  g_object_unref (db);
  tm_test_rmdir (dir);
}

static void
changed_cb (TmDatabase *db,
            guint      *count)
{
  (*count)++;
}

/* Runs the thread-default main context until *@count reaches @target or the
 * generous deadline passes. */
static void
wait_for_count (guint *count,
                guint  target,
                gint64 seconds)
{
  gint64 deadline = g_get_monotonic_time () + seconds * G_USEC_PER_SEC;

  while (*count < target && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (10 * 1000);
    }
}

static void
spin (gint64 ms)
{
  gint64 end = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < end)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
}

static void
test_two_connections (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "test.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  TmDatabase *a, *b;
  guint changed_a = 0, changed_b = 0;

  a = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  b = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);

  g_signal_connect (a, "changed", G_CALLBACK (changed_cb), &changed_a);
  g_signal_connect (b, "changed", G_CALLBACK (changed_cb), &changed_b);
  tm_database_watch (a);
  tm_database_watch (b);

  /* b's own write is not a change for b; a sees it. */
  insert_item (b, "from b");
  wait_for_count (&changed_a, 1, 10);
  g_assert_cmpuint (changed_a, ==, 1);
  g_assert_cmpint (query_int (a, "SELECT count(*) FROM items"), ==, 1);

  insert_item (a, "from a");
  wait_for_count (&changed_b, 1, 10);
  g_assert_cmpuint (changed_b, ==, 1);
  g_assert_cmpint (query_int (b, "SELECT count(*) FROM items"), ==, 2);

  /* Each commit is one change, however many file events it caused, and a
   * connection's own commit never counts: give the timer a few more ticks. */
  spin (2500);
  g_assert_cmpuint (changed_a, ==, 1);
  g_assert_cmpuint (changed_b, ==, 1);

  g_object_unref (a);
  g_object_unref (b);
  tm_test_rmdir (dir);
}

/* What another process does: `temoinctl cookies list` or the sqlite3 shell opening
 * the database, reading, closing. Prints the number of items. */
static void
read_as_other_process (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT COUNT(*) FROM items", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_print ("items=%d\n", sqlite3_column_int (stmt, 0));
  sqlite3_finalize (stmt);
  /* The last connection to close checkpoints and deletes the -wal file. */
  g_assert_cmpint (sqlite3_close (db), ==, SQLITE_OK);
}

/* Opening the same database a second time in a process (the session store's writer
 * thread does) must not drop the POSIX locks of the first connection: else another
 * process that closes its connection believes it is the last, deletes the -wal file,
 * and the first connection's later writes go to the deleted file and are lost. */
static void
test_second_open_keeps_locks (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(TmDatabase) first = NULL;
  g_autoptr(TmDatabase) second = NULL;

  /* The subprocesses below run this test again: they only read. */
  if (g_test_subprocess ())
    {
      read_as_other_process (g_getenv ("TM_TEST_SHARED_DATABASE"));
      return;
    }

  dir = tm_test_make_tmp_dir ();
  path = g_build_filename (dir, "shared.sqlite", NULL);
  first = tm_database_open (path, migrations, G_N_ELEMENTS (migrations), &error);
  g_assert_no_error (error);
  insert_item (first, "one");
  second = tm_database_open (path, migrations, G_N_ELEMENTS (migrations), &error);
  g_assert_no_error (error);

  g_setenv ("TM_TEST_SHARED_DATABASE", path, TRUE);
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, 0);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*items=1*");

  /* Written by the first connection after the other process closed its own. */
  insert_item (first, "two");
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, 0);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout ("*items=2*");
  g_assert_cmpint (query_int (second, "SELECT COUNT(*) FROM items"), ==, 2);

  g_unsetenv ("TM_TEST_SHARED_DATABASE");
  g_clear_object (&second);
  g_clear_object (&first);
  tm_test_rmdir (dir);
}

/* Running out of file descriptors (or memory) while opening says nothing about the
 * file: it must stay where it is, with the person's data, and the error must say
 * what to do. Before, any failure of sqlite3_open_v2() moved the file aside as if
 * it were corrupt, and the next start began from an empty database. */
static void
test_open_failure_keeps_file (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "test.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) fds = g_array_new (FALSE, FALSE, sizeof (int));
  struct rlimit saved, low;
  TmDatabase *db;
  guint entries;

  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  insert_item (db, "kept");
  g_object_unref (db);
  entries = count_entries (dir);

  /* Use up every descriptor the process may have. */
  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  low = saved;
  if (low.rlim_cur == RLIM_INFINITY || low.rlim_cur > 256)
    low.rlim_cur = 256;
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);
  for (;;)
    {
      int fd = dup (STDERR_FILENO);

      if (fd < 0)
        {
          g_assert_cmpint (errno, ==, EMFILE);
          break;
        }
      g_array_append_val (fds, fd);
    }

  db = tm_database_open (path, migrations, 3, &error);

  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);

  g_assert_null (db);
  g_assert_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "unable to open database file"));
  g_assert_nonnull (strstr (error->message, "Check that the file and its folder"));
  g_clear_error (&error);

  /* Nothing was moved aside: the same files, and the data is still there. */
  g_assert_cmpuint (count_entries (dir), ==, entries);
  db = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  g_assert_null (tm_database_get_moved_aside (db));
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM items WHERE name = 'kept'"), ==, 1);
  g_object_unref (db);
  tm_test_rmdir (dir);
}

/* A busy database: the message says what failed, SQLite's reason, and what to do. */
static void
test_busy_error_says_what_to_do (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, "test.sqlite", NULL);
  g_autoptr(GError) error = NULL;
  TmDatabase *a, *b;

  a = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  b = tm_database_open (path, migrations, 3, &error);
  g_assert_no_error (error);
  sqlite3_busy_timeout (tm_database_get_handle (b), 50);

  g_assert_true (tm_database_begin (a, &error));
  g_assert_no_error (error);
  g_assert_false (tm_database_begin (b, &error));
  g_assert_error (error, TM_DATABASE_ERROR, TM_DATABASE_ERROR_FAILED);
  g_assert_cmpstr (error->message, ==,
                   "Could not start writing to the database: database is locked. "
                   "Another program is writing to it: try again in a moment.");
  g_clear_error (&error);
  tm_database_rollback (a);

  g_object_unref (b);
  g_object_unref (a);
  tm_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/database/migrations/run-in-order-once", test_migrations_in_order);
  g_test_add_func ("/database/migrations/failure-rolls-back", test_migration_failure_rolls_back);
  g_test_add_func ("/database/schema/too-new-is-refused-untouched", test_too_new_untouched);
  g_test_add_func ("/database/corrupt/garbage-is-moved-aside", test_garbage_moved_aside);
  g_test_add_func ("/database/corrupt/damaged-page-is-moved-aside",
                   test_damaged_page_moved_aside);
  g_test_add_func ("/database/corrupt/name-collision-adds-a-number",
                   test_moved_aside_name_collision);
  g_test_add_func ("/database/files/are-private", test_files_private);
  g_test_add_func ("/database/files/second-open-keeps-the-first-connection-locks",
                   test_second_open_keeps_locks);
  g_test_add_func ("/database/statements/are-cached-and-errors-say-why",
                   test_statement_cache_and_errors);
  g_test_add_func ("/database/watch/other-connection-write-is-noticed",
                   test_two_connections);
  g_test_add_func ("/database/open/failure-keeps-the-file-where-it-is",
                   test_open_failure_keeps_file);
  g_test_add_func ("/database/errors/busy-says-what-to-do", test_busy_error_says_what_to_do);

  return g_test_run ();
}
