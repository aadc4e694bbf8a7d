/* SPDX-License-Identifier: GPL-3.0-or-later */
/* temoinctl in a hostile or broken environment: links in the data folder, a
 * folder shared with others, damaged rows, bytes that are not UTF-8 on the
 * command line, and a data folder on a full or read-only disk (each in a private
 * mount namespace, skipped only where the system refuses one). */
#define _GNU_SOURCE   /* unshare() */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tm-database.h"
#include "tm-session-store.h"
#include "tm-test-utils.h"

typedef struct {
  char *dir;        /* the test's own temporary folder */
  char *data_dir;   /* DIR/data, not created */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = tm_test_make_tmp_dir ();
  f->data_dir = g_build_filename (f->dir, "data", NULL);
  g_unsetenv ("TEMOIN_DATA_DIR");
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tm_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->data_dir);
}

static char * G_GNUC_NULL_TERMINATED
run_ok (const char *data_dir,
        const char *first,
        ...)
{
  va_list args;
  char *out = NULL;
  int status;

  va_start (args, first);
  status = tm_test_temoinctl_va (data_dir, &out, NULL, first, args);
  va_end (args);
  g_assert_cmpint (status, ==, 0);
  return out;
}

static guint
mode_of (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static char *
contents_of (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  /* Compared as text: a database holds NULs, so hex it. */
  {
    GString *hex = g_string_sized_new (len * 2);

    for (gsize i = 0; i < len; i++)
      g_string_append_printf (hex, "%02x", (guchar) contents[i]);
    g_free (contents);
    return g_string_free (hex, FALSE);
  }
}

static void
exec_sql (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

/* --- links --- */

/* Another program's file, which a link in the data folder points to. */
static char *
make_victim (Fixture    *f,
             const char *name,
             gboolean    database)
{
  char *path = g_build_filename (f->dir, name, NULL);

  if (database)
    exec_sql (path, "CREATE TABLE theirs (x); INSERT INTO theirs VALUES ('kept');");
  else
    g_assert_true (g_file_set_contents (path, "another program's file\n", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  return path;
}

static void
assert_refused_link (int         status,
                     const char *err,
                     const char *link)
{
  g_assert_cmpint (status, ==, 1);
  g_assert_true (g_str_has_prefix (err, "temoinctl: "));
  g_assert_nonnull (strstr (err, link));
  g_assert_nonnull (strstr (err, "is a symbolic link"));
}

/* A proxy.lock that is a link: the proxy would write its PID into the file it
 * points to, then empty it on stopping. It refuses to start instead. */
static void
test_link_proxy_lock (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *victim = make_victim (f, "victim.txt", FALSE);
  g_autofree char *before = contents_of (victim);
  g_autofree char *after = NULL;
  g_autofree char *lock = g_build_filename (f->data_dir, "proxy.lock", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(GError) error = NULL;
  const char *temoinctl = g_getenv ("TEMOINCTL");
  /* Before the fix the proxy served on: `timeout` ends the test. */
  const char *argv[] = { "timeout", "30", temoinctl, "--data-dir", f->data_dir, "serve",
                         "--port", "0", NULL };
  int status = -1;

  g_assert_cmpint (g_mkdir (f->data_dir, 0700), ==, 0);
  g_assert_cmpint (symlink (victim, lock), ==, 0);

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_test_message ("serve: %d\n%s", status, err);
  g_assert_true (WIFEXITED (status));
  assert_refused_link (WEXITSTATUS (status), err, lock);

  after = contents_of (victim);
  g_assert_cmpstr (after, ==, before);
  g_assert_cmpuint (mode_of (victim), ==, 0644);
}

/* A database, or its -wal or -shm, that is a link to another program's database:
 * Témoin's tables would be created in it and its mode changed. Reading and
 * writing commands alike refuse it, and leave the other file as it was. */
static void
test_link_databases (Fixture       *f,
                     gconstpointer  data)
{
  static const struct {
    const char *file;
    const char *command[5];
  } cases[] = {
    { "consent.sqlite", { "consent", "set", "--accept-all", NULL } },
    { "consent.sqlite", { "consent", "show", NULL } },
    { "consent.sqlite-wal", { "consent", "set", "--accept-all", NULL } },
    { "consent.sqlite-shm", { "settings", "set", "sec-gpc", "off", NULL } },
    { "cookies.sqlite", { "cookies", "purge", "--all", NULL } },
    { "cookies.sqlite", { "cookies", "list", NULL } },
    { "cookies.sqlite-wal", { "cookies", "list", "--json", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *victim = make_victim (f, "theirs.sqlite", TRUE);
      g_autofree char *before = contents_of (victim);
      g_autofree char *after = NULL;
      g_autofree char *link = g_build_filename (f->data_dir, cases[i].file, NULL);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) argv = NULL;
      g_autofree char *out = NULL, *err = NULL;
      int status;

      g_test_message ("%s, then temoinctl %s", cases[i].file, cases[i].command[0]);
      tm_test_rmdir (f->data_dir);
      g_assert_cmpint (g_mkdir (f->data_dir, 0700), ==, 0);
      g_assert_cmpint (symlink (victim, link), ==, 0);

      g_strv_builder_add_many (builder, "--data-dir", f->data_dir, NULL);
      g_strv_builder_addv (builder, (const char **) cases[i].command);
      argv = g_strv_builder_end (builder);
      status = tm_test_run_temoinctl ((const char * const *) argv, &out, &err);
      g_test_message ("→ %d\n%s", status, err);
      assert_refused_link (status, err, link);

      after = contents_of (victim);
      g_assert_cmpstr (after, ==, before);
      g_assert_cmpuint (mode_of (victim), ==, 0644);
      g_assert_cmpint (g_unlink (victim), ==, 0);
    }
}

/* A data folder reached through links (a symlinked ~/.local/share, or --data-dir
 * through a link) keeps working, though SQLite is told to follow no link. */
static void
test_link_in_parents_works (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *real_share = g_build_filename (f->dir, "real-share", NULL);
  g_autofree char *share = g_build_filename (f->dir, "share", NULL);
  g_autofree char *linked_data = g_build_filename (f->dir, "linked-data", NULL);
  g_autofree char *real_data = g_build_filename (real_share, "temoin", NULL);
  g_autofree char *db = g_build_filename (real_data, "consent.sqlite", NULL);
  g_autofree char *old_xdg = g_strdup (g_getenv ("XDG_DATA_HOME"));
  g_autofree char *set = NULL, *shown = NULL, *via_link = NULL, *history = NULL;

  g_assert_cmpint (g_mkdir (real_share, 0700), ==, 0);
  g_assert_cmpint (symlink (real_share, share), ==, 0);
  g_setenv ("XDG_DATA_HOME", share, TRUE);

  set = run_ok (NULL, "consent", "set", "--accept-all", "--json", NULL);
  shown = run_ok (NULL, "consent", "show", "--json", NULL);
  g_assert_cmpstr (shown, ==, set);
  g_assert_true (g_file_test (db, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpuint (mode_of (real_data), ==, 0700);

  g_assert_cmpint (symlink (real_data, linked_data), ==, 0);
  g_free (run_ok (linked_data, "settings", "set", "sec-gpc", "off", NULL));
  via_link = run_ok (linked_data, "consent", "show", "--json", NULL);
  g_assert_cmpstr (via_link, ==, set);
  history = run_ok (linked_data, "settings", "get", "sec-gpc", NULL);
  g_assert_cmpstr (history, ==, "false\n");

  if (old_xdg != NULL)
    g_setenv ("XDG_DATA_HOME", old_xdg, TRUE);
  else
    g_unsetenv ("XDG_DATA_HOME");
}

/* --- modes --- */

/* A shared 1777 folder named by --data-dir: reading creates nothing and changes
 * nothing; writing creates the database (0600) but leaves the folder's mode. Both
 * warn that others can read it. */
static void
test_shared_folder_kept (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *db = g_build_filename (f->data_dir, "consent.sqlite", NULL);
  g_autofree char *out = NULL, *err = NULL, *set_err = NULL;
  g_autoptr(GDir) dir = NULL;

  g_assert_cmpint (g_mkdir (f->data_dir, 0700), ==, 0);
  g_assert_cmpint (g_chmod (f->data_dir, 01777), ==, 0);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &out, &err, "consent", "show", NULL), ==, 0);
  g_assert_cmpuint (mode_of (f->data_dir), ==, 01777);
  dir = g_dir_open (f->data_dir, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
  g_assert_true (g_str_has_prefix (err, "temoinctl: Warning: "));
  g_assert_nonnull (strstr (err, "can be read or entered by other users (mode 1777)"));
  g_assert_nonnull (strstr (out, "No choice saved yet"));

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &out, &set_err, "consent", "set",
                                      "--accept-all", NULL),
                   ==, 0);
  g_assert_cmpuint (mode_of (f->data_dir), ==, 01777);
  g_assert_cmpuint (mode_of (db), ==, 0600);
  /* Said once per command, however many stores it opens. */
  g_assert_nonnull (strstr (set_err, "(mode 1777)"));
  g_assert_null (strstr (strstr (set_err, "(mode 1777)") + 1, "(mode 1777)"));
}

/* Reading commands on a folder that does not exist create neither it nor a
 * database, and say what applies. */
static void
test_reading_creates_nothing (Fixture       *f,
                              gconstpointer  data)
{
  static const char * const commands[][4] = {
    { "consent", "show", "--json", NULL },
    { "consent", "history", "--json", NULL },
    { "settings", "list", NULL, NULL },
    { "settings", "get", "sec-gpc", NULL },
    { "cookies", "list", "--json", NULL },
    { "rules", "list", "--json", NULL },
    { "bypass", "list", NULL, NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) argv = NULL;
      g_autofree char *out = NULL, *err = NULL;

      g_strv_builder_add_many (builder, "--data-dir", f->data_dir, NULL);
      g_strv_builder_addv (builder, (const char **) commands[i]);
      argv = g_strv_builder_end (builder);
      g_assert_cmpint (tm_test_run_temoinctl ((const char * const *) argv, &out, &err), ==, 0);
      g_assert_cmpstr (err, ==, "");
      g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
    }
}

/* --- damaged rows --- */

/* A saved choice whose values are out of range (edited by hand, a broken
 * program) is reported as damaged: never "(null)", a GLib critical or a crash,
 * and a damaged last choice never applies. */
static void
test_damaged_history_rows (Fixture       *f,
                           gconstpointer  data)
{
  static const char * const damages[] = {
    "UPDATE consents SET given_at_us = 9223372036854775807 WHERE id = 2",
    "UPDATE consents SET given_at_us = -9223372036854775807 WHERE id = 2",
    "UPDATE consents SET given_at_us = 'yesterday' WHERE id = 2",
    "UPDATE consents SET method = 'sometimes' WHERE id = 2",
    "UPDATE consents SET statistics = 7 WHERE id = 2",
    "UPDATE consents SET consent_id = x'ff00' WHERE id = 2",
    "UPDATE consents SET language = x'ff' WHERE id = 2",
  };
  g_autofree char *db = g_build_filename (f->data_dir, "consent.sqlite", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (damages); i++)
    {
      g_autofree char *first = NULL, *show = NULL, *show_err = NULL, *human = NULL;
      g_autofree char *human_err = NULL, *history = NULL, *history_err = NULL;
      g_autofree char *history_human = NULL;
      g_autofree char *sql = g_strdup_printf ("PRAGMA ignore_check_constraints = ON;"
                                              "PRAGMA writable_schema = ON; %s;",
                                              damages[i]);

      g_test_message ("%s", damages[i]);
      tm_test_rmdir (f->data_dir);
      first = run_ok (f->data_dir, "consent", "set", "statistics=on", "--json", NULL);
      g_free (run_ok (f->data_dir, "consent", "set", "--accept-all", NULL));
      exec_sql (db, sql);

      g_assert_cmpint (tm_test_temoinctl (f->data_dir, &show, &show_err, "consent", "show",
                                          "--json",
                                          NULL), ==, 0);
      g_assert_cmpint (tm_test_temoinctl (f->data_dir, &human, &human_err, "consent", "show",
                                          NULL), ==, 0);
      g_assert_cmpint (tm_test_temoinctl (f->data_dir, &history, &history_err, "consent", "history",
                                          "--json", NULL), ==, 0);
      g_assert_cmpint (tm_test_temoinctl (f->data_dir, &history_human, NULL, "consent", "history",
                                          NULL),
                       ==, 0);

      /* The damaged last choice does not apply: only necessary cookies do. */
      g_assert_nonnull (strstr (show, "\"consent_id\": null"));
      g_assert_nonnull (strstr (show, "\"statistics\": false"));
      g_assert_nonnull (strstr (show_err, "is damaged"));
      g_assert_nonnull (strstr (human_err, "is damaged"));
      /* The history keeps the good one, and says one was left out. */
      g_assert_nonnull (strstr (history_err, "1 saved choice in"));
      g_assert_nonnull (strstr (history_err, "is damaged"));
      g_assert_nonnull (strstr (history, "\"method\": \"custom\""));
      g_assert_null (strstr (history, "accept-all"));

      g_assert_null (strstr (human, "(null)"));
      g_assert_null (strstr (history_human, "(null)"));
      g_assert_nonnull (strstr (history_human, "Custom choice: necessary, statistics"));
      g_assert_null (strstr (show_err, "CRITICAL"));
      g_assert_null (strstr (human_err, "CRITICAL"));
      g_assert_null (strstr (history_err, "CRITICAL"));
    }
}

/* --- bytes that are not UTF-8 --- */

/* An argument echoed in a message is escaped: the message stays valid UTF-8 and
 * shows what was typed. */
static void
test_invalid_utf8_escaped (Fixture       *f,
                           gconstpointer  data)
{
  static const struct {
    const char *args[5];
    const char *shown;
  } cases[] = {
    { { "consent", "a\xf9", NULL }, "'a\\xf9'" },
    { { "consent", "set", "statistics=\xff\xfe", NULL }, "'\\xff\\xfe'" },
    { { "consent", "set", "st\xe9tistics=on", NULL }, "'st\\xe9tistics'" },
    { { "settings", "get", "\xc3", NULL }, "\\xc3" },
    { { "settings", "get", "a\x1b[31m", NULL }, "a\\x1b[31m" },
    { { "rules", "override", "a\x07", "example.org", "statistics", }, "a\\x07" },
    /* A backslash typed is shown doubled: \xNN always stands for one byte. */
    { { "settings", "get", "a\\xf9", NULL }, "a\\\\xf9" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) argv = NULL;
      g_autofree char *out = NULL, *err = NULL;
      int status;

      g_strv_builder_add_many (builder, "--data-dir", f->data_dir, NULL);
      for (guint j = 0; j < G_N_ELEMENTS (cases[i].args) && cases[i].args[j] != NULL; j++)
        g_strv_builder_add (builder, cases[i].args[j]);
      argv = g_strv_builder_end (builder);
      status = tm_test_run_temoinctl ((const char * const *) argv, &out, &err);
      g_test_message ("→ %d: %s", status, err);
      g_assert_cmpint (status, ==, 2);
      g_assert_true (g_utf8_validate (err, -1, NULL));
      g_assert_null (strchr (err, '\x1b'));
      g_assert_nonnull (strstr (err, cases[i].shown));
    }
  g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
}

/* A file name that is not UTF-8 is shown escaped too, in the lines that say what
 * an import did. */
static void
test_import_path_escaped (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *sample = tm_test_data_path ("cookie-db-sample.csv");
  g_autofree char *contents = NULL;
  g_autofree char *csv = g_build_filename (f->dir, "db-\xf9.csv", NULL);
  g_autofree char *with_bad_line = NULL;
  g_autofree char *out = NULL, *err = NULL;

  g_assert_true (g_file_get_contents (sample, &contents, NULL, NULL));
  with_bad_line = g_strconcat (contents, "\"unterminated\n", NULL);
  g_assert_true (g_file_set_contents (csv, with_bad_line, -1, NULL));

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &out, &err, "rules", "import", csv, NULL), ==,
                                      0);
  g_assert_true (g_utf8_validate (out, -1, NULL));
  g_assert_true (g_utf8_validate (err, -1, NULL));
  g_assert_nonnull (strstr (out, "db-\\xf9.csv"));
  g_assert_nonnull (strstr (err, "db-\\xf9.csv:"));
}

/* `rules override` takes a name only when a Set-Cookie header could carry it, by
 * the cookie parser's rules: bad usage (2) otherwise, and nothing is stored. */
static void
test_override_name_checked (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *long_name = g_strnfill (128 * 1024 - 1, 'n');
  g_autofree char *longest = g_strnfill (4096, 'n');
  g_autofree char *too_long = g_strnfill (4097, 'n');
  const char *bad[] = { "a\xf9", long_name, too_long, "a;b", "a=b", "a\nb", " a", "",
                        "\xc3\xa9t\xe9" };
  g_autofree char *rules = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char *argv[] = { "--data-dir", f->data_dir, "rules", "override", bad[i],
                             "example.org", "statistics", NULL };
      g_autofree char *out = NULL, *err = NULL;

      /* Not through run(): its log line would be 128 KiB long. */
      g_assert_cmpint (tm_test_run_temoinctl (argv, &out, &err), ==, 2);
      g_test_message ("name %u → %s", i, err);
      g_assert_cmpstr (out, ==, "");
      g_assert_true (g_utf8_validate (err, -1, NULL));
      /* A long name is not echoed back whole. */
      g_assert_cmpuint (strlen (err), <, 1000);
      g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
    }

  /* The longest a header can carry, and UTF-8 and a tab inside, are fine. */
  g_free (run_ok (f->data_dir, "rules", "override", longest, "example.org", "statistics",
                  NULL));
  g_free (run_ok (f->data_dir, "rules", "override", "caf\xc3\xa9\tx", "example.org",
                  "statistics", NULL));
  rules = run_ok (f->data_dir, "rules", "list", "--json", NULL);
  g_assert_nonnull (strstr (rules, longest));
  g_assert_nonnull (strstr (rules, "caf\xc3\xa9\\tx"));
}

/* --- another process's writes --- */

/* A writer holding the consent database in exclusive locking mode, with an
 * update committed to the -wal and not checkpointed. A reading command waits for
 * it, then fails with 1 and says so: it used to read the file `immutable`,
 * ignoring the -wal, and print the old value with 0. */
static void
test_busy_never_read_stale (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *db_path = g_build_filename (f->data_dir, "consent.sqlite", NULL);
  g_autofree char *out = NULL, *err = NULL;
  sqlite3 *db = NULL;
  int status;

  g_free (run_ok (f->data_dir, "settings", "set", "reask-interval-months", "3", NULL));

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, "PRAGMA locking_mode = EXCLUSIVE;"
                                     "UPDATE settings SET value = '6' "
                                     "WHERE key = 'reask-interval-months';",
                                 NULL, NULL, NULL), ==, SQLITE_OK);

  status = tm_test_temoinctl (f->data_dir, &out, &err, "settings", "get", "reask-interval-months",
                              NULL);
  g_test_message ("→ %d: %s%s", status, out, err);
  if (status == 0)
    g_assert_cmpstr (out, ==, "6\n");
  else
    {
      g_assert_cmpint (status, ==, 1);
      g_assert_nonnull (strstr (err, "Another program is writing to it: try again"));
      g_assert_null (strstr (out, "3"));
    }
  sqlite3_close (db);

  g_free (out);
  out = run_ok (f->data_dir, "settings", "get", "reask-interval-months", NULL);
  g_assert_cmpstr (out, ==, "6\n");
}

/* A writer killed before its checkpoint leaves its frames in the -wal. A
 * reading command shows them, and leaves the database file as it was and the
 * -wal in place: closing last, it used to checkpoint them into the file. */
static void
test_reader_writes_nothing (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *db_path = g_build_filename (f->data_dir, "consent.sqlite", NULL);
  g_autofree char *wal = g_build_filename (f->data_dir, "consent.sqlite-wal", NULL);
  g_autofree char *before = NULL, *after = NULL, *wal_before = NULL, *wal_after = NULL;
  g_autofree char *out = NULL;
  int status = 0;
  pid_t pid;

  g_free (run_ok (f->data_dir, "settings", "set", "reask-interval-months", "3", NULL));
  before = contents_of (db_path);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));

  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      sqlite3 *db = NULL;

      if (sqlite3_open (db_path, &db) != SQLITE_OK
          || sqlite3_exec (db, "UPDATE settings SET value = '6' "
                               "WHERE key = 'reask-interval-months';",
                           NULL, NULL, NULL) != SQLITE_OK)
        _exit (1);
      /* Killed, as it were: no close, no checkpoint. */
      _exit (0);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  wal_before = contents_of (wal);
  g_assert_cmpstr (wal_before, !=, "");

  out = run_ok (f->data_dir, "settings", "get", "reask-interval-months", NULL);
  g_assert_cmpstr (out, ==, "6\n");
  g_free (out);
  out = run_ok (f->data_dir, "consent", "history", "--json", NULL);

  after = contents_of (db_path);
  g_assert_true (g_str_equal (after, before));
  g_assert_true (g_file_test (wal, G_FILE_TEST_IS_REGULAR));
  wal_after = contents_of (wal);
  g_assert_true (g_str_equal (wal_after, wal_before));
}

/* --- another user's files --- */

/* A file of the data folder that another user made first (a shared folder):
 * Témoin would write the cookies where they can read them, or read their frames
 * as its own. Refused, reading and writing alike, with what to do. Only root can
 * give a file away; and as root, making it private would not stop anything. */
static void
test_others_files_refused (Fixture       *f,
                           gconstpointer  data)
{
  static const struct {
    const char *file;
    const char *command[5];
  } cases[] = {
    { "consent.sqlite-wal", { "consent", "set", "--accept-all", NULL } },
    { "consent.sqlite-wal", { "consent", "show", NULL } },
    { "consent.sqlite-shm", { "settings", "set", "sec-gpc", "off", NULL } },
    { "consent.sqlite", { "consent", "history", NULL } },
    { "cookies.sqlite-wal", { "cookies", "purge", "--all", NULL } },
    { "cookies.sqlite-wal", { "cookies", "list", "--json", NULL } },
  };

  if (geteuid () != 0)
    {
      g_test_skip ("giving a file to another user needs root (CI runs as root)");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *planted = g_build_filename (f->data_dir, cases[i].file, NULL);
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) argv = NULL;
      g_autofree char *out = NULL, *err = NULL;
      int status;

      g_test_message ("%s, then temoinctl %s %s", cases[i].file, cases[i].command[0],
                      cases[i].command[1]);
      tm_test_rmdir (f->data_dir);
      g_free (run_ok (f->data_dir, "consent", "set", "statistics=on", NULL));
      g_free (run_ok (f->data_dir, "cookies", "purge", "--all", NULL));
      g_assert_true (g_file_set_contents (planted, "", 0, NULL));
      g_assert_cmpint (chmod (planted, 0666), ==, 0);
      g_assert_cmpint (chown (planted, 65534, 65534), ==, 0);

      g_strv_builder_add_many (builder, "--data-dir", f->data_dir, NULL);
      g_strv_builder_addv (builder, (const char **) cases[i].command);
      argv = g_strv_builder_end (builder);
      status = tm_test_run_temoinctl ((const char * const *) argv, &out, &err);
      g_test_message ("→ %d\n%s", status, err);
      g_assert_cmpint (status, ==, 1);
      g_assert_true (g_str_has_prefix (err, "temoinctl: "));
      g_assert_nonnull (strstr (err, planted));
      g_assert_nonnull (strstr (err, "belongs to another user (user ID 65534)"));
      /* Left as it was: nothing written through it. */
      g_assert_cmpuint (mode_of (planted), ==, 0666);
      {
        g_autofree char *contents = contents_of (planted);

        g_assert_cmpstr (contents, ==, "");
      }
    }
}

/* The lock files and the certificate authority's files: another user's copy is
 * refused too (a planted key would become the key of the CA this user's
 * browsers trust; a planted lock would keep the proxy from starting). */
static void
test_others_lock_and_ca_files_refused (Fixture       *f,
                                       gconstpointer  data)
{
  static const struct {
    const char *file;
    gboolean    ca_first;   /* the file is a real one of a CA made beforehand */
    const char *command[5];
  } cases[] = {
    { "proxy.lock", FALSE, { "serve", "--port", "0", NULL } },
    { ".ca.lock", FALSE, { "ca", "export", NULL } },
    { "ca-key.pem", TRUE, { "ca", "show", NULL } },
    { "ca-cert.pem", TRUE, { "ca", "export", NULL } },
  };

  if (geteuid () != 0)
    {
      g_test_skip ("giving a file to another user needs root (CI runs as root)");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *planted = g_build_filename (f->data_dir, cases[i].file, NULL);
      g_autofree char *before = NULL, *after = NULL;
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) argv = NULL;
      g_autofree char *out = NULL, *err = NULL;
      int status;

      g_test_message ("%s, then temoinctl %s %s", cases[i].file, cases[i].command[0],
                      cases[i].command[1]);
      tm_test_rmdir (f->data_dir);
      g_free (run_ok (f->data_dir, "consent", "set", "statistics=on", NULL));
      if (cases[i].ca_first)
        g_free (run_ok (f->data_dir, "ca", "export", NULL));
      else
        g_assert_true (g_file_set_contents (planted, "", 0, NULL));
      g_assert_cmpint (chown (planted, 65534, 65534), ==, 0);
      before = contents_of (planted);

      g_strv_builder_add_many (builder, "--data-dir", f->data_dir, NULL);
      g_strv_builder_addv (builder, (const char **) cases[i].command);
      argv = g_strv_builder_end (builder);
      status = tm_test_run_temoinctl ((const char * const *) argv, &out, &err);
      g_test_message ("→ %d\n%s", status, err);
      g_assert_cmpint (status, ==, 1);
      g_assert_nonnull (strstr (err, planted));
      g_assert_nonnull (strstr (err, "belongs to another user (user ID 65534)"));
      g_assert_cmpstr (out, ==, "");   /* no certificate printed */
      after = contents_of (planted);
      g_assert_cmpstr (after, ==, before);
    }
}

/* --- a full or read-only disk --- */

typedef struct {
  const char *args[6];
} Command;

/* What the commands that only read print. */
static const Command reading[] = {
  { { "consent", "show", "--json", NULL } },
  { { "consent", "history", "--json", NULL } },
  { { "settings", "list", "--json", NULL } },
  { { "cookies", "list", "--json", NULL } },
  { { "rules", "list", "--json", NULL } },
  { { "bypass", "list", "--json", NULL } },
};

static const Command writing[] = {
  { { "consent", "set", "--accept-all", NULL } },
  { { "consent", "history", "--erase", "--yes", NULL } },
  { { "settings", "set", "reask-interval-months", "12", NULL } },
  { { "rules", "allow-site", "other.example", NULL } },
  { { "rules", "override", "_pk_id", "shop.example", "necessary", NULL } },
  { { "rules", "remove-site", "shop.example", NULL } },
  { { "bypass", "add", "bank.example", NULL } },
  { { "cookies", "purge", "--all", NULL } },
};

static int
run_command (const char     *data_dir,
             const Command  *command,
             char          **out,
             char          **err)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;

  g_strv_builder_add_many (builder, "--data-dir", data_dir, NULL);
  for (guint j = 0; j < G_N_ELEMENTS (command->args) && command->args[j] != NULL; j++)
    g_strv_builder_add (builder, command->args[j]);
  argv = g_strv_builder_end (builder);
  return tm_test_run_temoinctl ((const char * const *) argv, out, err);
}

/* Everything the reading commands print, one after the other. */
static char *
read_everything (const char *data_dir)
{
  GString *all = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (reading); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      int status = run_command (data_dir, &reading[i], &out, &err);

      g_test_message ("%s %s → %d\n%s", reading[i].args[0], reading[i].args[1], status, err);
      g_assert_cmpint (status, ==, 0);
      g_assert_cmpstr (err, ==, "");
      g_string_append (all, out);
    }
  return g_string_free (all, FALSE);
}

/* A choice, settings, rules and cookies, as a person and the proxy leave them. */
static void
store_something (const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmSessionStore) store = NULL;
  TmCookie *cookie = tm_cookie_new ();

  g_free (cookie->name);
  g_free (cookie->value);
  g_free (cookie->domain);
  g_free (cookie->path);

  g_free (run_ok (data_dir, "consent", "set", "statistics=on", NULL));
  g_free (run_ok (data_dir, "settings", "set", "reask-interval-months", "3", NULL));
  g_free (run_ok (data_dir, "rules", "allow-site", "shop.example", NULL));
  g_free (run_ok (data_dir, "rules", "override", "_ga", "news.example", "necessary", NULL));
  g_free (run_ok (data_dir, "bypass", "add", "mybank.example", NULL));

  store = tm_session_store_new (data_dir, &error);
  g_assert_no_error (error);
  cookie->name = g_strdup ("sid");
  cookie->value = g_strdup ("v");
  cookie->domain = g_strdup ("shop.example");
  cookie->path = g_strdup ("/");
  cookie->expires = G_GINT64_CONSTANT (4102444800);   /* 2100 */
  cookie->created = g_get_real_time ();
  cookie->categories = 1;
  tm_session_store_put (store, cookie);
  tm_cookie_free (cookie);
  g_assert_true (tm_session_store_flush (store, &error));
  g_assert_no_error (error);
}

typedef enum {
  DISK_FULL,
  DISK_READ_ONLY,
} Breakage;

/* Fills the file system of @dir until it has no byte left. */
static void
fill_disk (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "filler", NULL);
  char block[4096];
  int fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

  memset (block, 'x', sizeof block);
  g_assert_cmpint (fd, >=, 0);
  for (;;)
    {
      ssize_t n = write (fd, block, sizeof block);

      if (n < 0)
        {
          g_assert_cmpint (errno, ==, ENOSPC);
          break;
        }
    }
  /* The last partial block, byte by byte. */
  while (write (fd, block, 1) == 1)
    ;
  close (fd);
}

/* A mount namespace of this process's own (mounts made in it are seen by its
 * children only, and vanish with it), where @mnt becomes a small tmpfs. */
static int
enter_namespace (const char *mnt)
{
  if (unshare (CLONE_NEWNS) != 0 ||
      mount (NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount ("tmpfs", mnt, "tmpfs", 0, "size=2m,mode=0700") != 0)
    return errno;
  return 0;
}

/* Whether the system gives this test a mount namespace and a tmpfs in it, tried
 * in a throwaway child; else why not. */
static char *
namespace_refused (void)
{
  g_autofree char *tmp = tm_test_make_tmp_dir ();
  int status = 0;
  pid_t pid;

  if (geteuid () != 0)
    return g_strdup ("mounting a file system needs root (CI runs as root)");
  pid = fork ();
  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    _exit (enter_namespace (tmp));
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  tm_test_rmdir (tmp);
  if (WIFEXITED (status) && WEXITSTATUS (status) == 0)
    return NULL;
  return g_strdup_printf ("the system refuses a private mount namespace: %s",
                          WIFEXITED (status) ? g_strerror (WEXITSTATUS (status))
                                             : "the probe crashed");
}

static void
check_broken_disk (Fixture  *f,
                   Breakage  breakage)
{
  g_autofree char *mnt = g_build_filename (f->dir, "mnt", NULL);
  g_autofree char *data_dir = g_build_filename (mnt, "data", NULL);
  g_autofree char *consent_db = g_build_filename (data_dir, "consent.sqlite", NULL);
  g_autofree char *cookies_db = g_build_filename (data_dir, "cookies.sqlite", NULL);
  g_autofree char *before = NULL, *after = NULL, *broken = NULL;
  g_autofree char *consent_bytes = NULL, *cookies_bytes = NULL;
  g_autofree char *consent_after = NULL, *cookies_after = NULL;
  const char *hint = breakage == DISK_FULL ? "The disk is full" : "mounted read-only";

  g_assert_cmpint (g_mkdir (mnt, 0700), ==, 0);
  g_assert_cmpint (enter_namespace (mnt), ==, 0);

  store_something (data_dir);
  before = read_everything (data_dir);
  g_assert_nonnull (strstr (before, "\"statistics\": true"));
  g_assert_nonnull (strstr (before, "\"sid\""));
  consent_bytes = contents_of (consent_db);
  cookies_bytes = contents_of (cookies_db);

  if (breakage == DISK_FULL)
    fill_disk (mnt);
  else
    g_assert_cmpint (mount (NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), ==, 0);

  /* Reading works, and reads the same. */
  broken = read_everything (data_dir);
  g_assert_cmpstr (broken, ==, before);

  /* Writing fails, says why and what is still stored. */
  for (guint i = 0; i < G_N_ELEMENTS (writing); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      int status = run_command (data_dir, &writing[i], &out, &err);

      g_test_message ("%s %s → %d\n%s", writing[i].args[0], writing[i].args[1], status, err);
      g_assert_cmpint (status, ==, 1);
      g_assert_true (g_str_has_prefix (err, "temoinctl: "));
      g_assert_nonnull (strstr (err, hint));
      g_assert_nonnull (strstr (err, "Nothing was changed: what was stored before is "
                                     "still there."));
    }

  /* What was stored is still there, unchanged, byte for byte. */
  after = read_everything (data_dir);
  g_assert_cmpstr (after, ==, before);
  consent_after = contents_of (consent_db);
  cookies_after = contents_of (cookies_db);
  g_assert_true (g_str_equal (consent_after, consent_bytes));
  g_assert_true (g_str_equal (cookies_after, cookies_bytes));

  /* The fixture then removes its folder, not the mount's files. */
  g_assert_cmpint (umount2 (mnt, MNT_DETACH), ==, 0);
}

/* Runs @path in a subprocess (which calls check_broken_disk() in a namespace of
 * its own), or skips when the system refuses one. */
static void
run_in_namespace (const char *path)
{
  g_autofree char *refused = namespace_refused ();

  if (refused != NULL)
    {
      g_test_skip (refused);
      return;
    }
  g_test_trap_subprocess (path, 300 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

static void
test_full_disk (Fixture       *f,
                gconstpointer  data)
{
  if (!g_test_subprocess ())
    {
      run_in_namespace ("/hostile/disk/full");
      return;
    }
  check_broken_disk (f, DISK_FULL);
}

static void
test_read_only_disk (Fixture       *f,
                     gconstpointer  data)
{
  if (!g_test_subprocess ())
    {
      run_in_namespace ("/hostile/disk/read-only");
      return;
    }
  check_broken_disk (f, DISK_READ_ONLY);
}

/* A writer killed after committing @value, its frames left in the -wal. */
static void
kill_writer_after (const char *db_path,
                   const char *value)
{
  int status = 0;
  pid_t pid = fork ();

  g_assert_cmpint (pid, >=, 0);
  if (pid == 0)
    {
      g_autofree char *sql = g_strdup_printf ("UPDATE settings SET value = '%s' "
                                              "WHERE key = 'reask-interval-months';",
                                              value);
      sqlite3 *db = NULL;

      if (sqlite3_open (db_path, &db) != SQLITE_OK
          || sqlite3_exec (db, sql, NULL, NULL, NULL) != SQLITE_OK)
        _exit (1);
      _exit (0);
    }
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
}

/* On a read-only mount: a killed writer's frames are read through the -shm it
 * left; without that -shm, the file is read as it is and the person is told
 * the latest changes may be missing. A damaged database reads as empty. An SQL
 * error is not blamed on the mount. */
static void
check_read_only_readers (Fixture *f)
{
  static const char * const migrations[] = { "CREATE TABLE t (x);" };
  g_autofree char *mnt = g_build_filename (f->dir, "mnt", NULL);
  g_autofree char *data_dir = g_build_filename (mnt, "data", NULL);
  g_autofree char *other_dir = g_build_filename (mnt, "other", NULL);
  g_autofree char *consent_db = g_build_filename (data_dir, "consent.sqlite", NULL);
  g_autofree char *shm = g_build_filename (data_dir, "consent.sqlite-shm", NULL);
  g_autofree char *cookies_db = g_build_filename (other_dir, "cookies.sqlite", NULL);
  g_autofree char *mine = g_build_filename (other_dir, "mine.sqlite", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(TmDatabase) db = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (mnt, 0700), ==, 0);
  g_assert_cmpint (enter_namespace (mnt), ==, 0);

  g_free (run_ok (data_dir, "settings", "set", "reask-interval-months", "3", NULL));
  kill_writer_after (consent_db, "6");
  g_assert_cmpint (g_mkdir (other_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (cookies_db, "this is not an SQLite database", -1,
                                      NULL));
  exec_sql (mine, "PRAGMA journal_mode = WAL; CREATE TABLE t (x); PRAGMA user_version = 1;");
  g_assert_cmpint (mount (NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), ==, 0);

  g_assert_cmpint (tm_test_temoinctl (data_dir, &out, &err, "settings", "get",
                                      "reask-interval-months",
                                      NULL), ==, 0);
  g_assert_cmpstr (out, ==, "6\n");
  g_assert_cmpstr (err, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Without the -shm (removed before the mount turned read-only). */
  g_assert_cmpint (mount (NULL, mnt, NULL, MS_REMOUNT, NULL), ==, 0);
  g_assert_cmpint (g_unlink (shm), ==, 0);
  g_assert_cmpint (mount (NULL, mnt, NULL, MS_REMOUNT | MS_RDONLY, NULL), ==, 0);
  g_assert_cmpint (tm_test_temoinctl (data_dir, &out, &err, "settings", "get",
                                      "reask-interval-months",
                                      NULL), ==, 0);
  g_assert_cmpstr (out, ==, "3\n");
  g_assert_nonnull (strstr (err, "Warning: The latest changes to"));
  g_assert_nonnull (strstr (err, "may not be shown"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A damaged database: read as empty, not a failure to move it. */
  g_assert_cmpint (tm_test_temoinctl (other_dir, &out, &err, "cookies", "list", "--json", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "[]\n");
  g_assert_nonnull (strstr (err, "is damaged: it was left as it is"));

  /* An SQL error says what it is. */
  db = tm_database_open_read_only (mine, migrations, G_N_ELEMENTS (migrations), &error);
  g_assert_no_error (error);
  g_assert_null (tm_database_prepare (db, "SELECT x FROM nowhere", &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "no such table"));
  g_assert_null (strstr (error->message, "mounted read-only"));
  g_clear_object (&db);

  g_assert_cmpint (umount2 (mnt, MNT_DETACH), ==, 0);
}

/* On a full disk, a damaged database that a writing command moved aside before
 * failing to make a new one: it says where the old one went, and not that
 * nothing was changed. */
static void
check_full_disk_damaged (Fixture *f)
{
  g_autofree char *mnt = g_build_filename (f->dir, "mnt", NULL);
  g_autofree char *data_dir = g_build_filename (mnt, "data", NULL);
  g_autofree char *consent_db = g_build_filename (data_dir, "consent.sqlite", NULL);
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (g_mkdir (mnt, 0700), ==, 0);
  g_assert_cmpint (enter_namespace (mnt), ==, 0);
  g_assert_cmpint (g_mkdir (data_dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (consent_db, "this is not an SQLite database", -1,
                                      NULL));
  fill_disk (mnt);

  g_assert_cmpint (tm_test_temoinctl (data_dir, &out, &err, "consent", "set", "--accept-all",
                                      NULL), ==, 1);
  g_assert_nonnull (strstr (err, "was damaged: it was moved aside to"));
  g_assert_null (strstr (err, "Nothing was changed"));

  g_assert_cmpint (umount2 (mnt, MNT_DETACH), ==, 0);
}

static void
test_read_only_readers (Fixture       *f,
                        gconstpointer  data)
{
  if (!g_test_subprocess ())
    {
      run_in_namespace ("/hostile/disk/read-only-readers");
      return;
    }
  check_read_only_readers (f);
}

static void
test_full_disk_damaged (Fixture       *f,
                        gconstpointer  data)
{
  if (!g_test_subprocess ())
    {
      run_in_namespace ("/hostile/disk/full-damaged-moved-aside");
      return;
    }
  check_full_disk_damaged (f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/hostile/links/proxy-lock-refused", test_link_proxy_lock);
  ADD ("/hostile/links/databases-refused", test_link_databases);
  ADD ("/hostile/links/in-parents-work", test_link_in_parents_works);
  ADD ("/hostile/modes/shared-folder-kept", test_shared_folder_kept);
  ADD ("/hostile/modes/reading-creates-nothing", test_reading_creates_nothing);
  ADD ("/hostile/damaged/history-rows", test_damaged_history_rows);
  ADD ("/hostile/utf8/arguments-escaped", test_invalid_utf8_escaped);
  ADD ("/hostile/utf8/override-name-checked", test_override_name_checked);
  ADD ("/hostile/utf8/import-path-escaped", test_import_path_escaped);
  ADD ("/hostile/writers/busy-never-read-stale", test_busy_never_read_stale);
  ADD ("/hostile/writers/reader-writes-nothing", test_reader_writes_nothing);
  ADD ("/hostile/owner/others-files-refused", test_others_files_refused);
  ADD ("/hostile/owner/others-lock-and-ca-files-refused", test_others_lock_and_ca_files_refused);
  ADD ("/hostile/disk/full", test_full_disk);
  ADD ("/hostile/disk/read-only", test_read_only_disk);
  ADD ("/hostile/disk/read-only-readers", test_read_only_readers);
  ADD ("/hostile/disk/full-damaged-moved-aside", test_full_disk_damaged);

#undef ADD

  return g_test_run ();
}
