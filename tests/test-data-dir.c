/* SPDX-License-Identifier: GPL-3.0-or-later */
#define _GNU_SOURCE   /* RTLD_NEXT */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tm-data-dir.h"
#include "tm-test-utils.h"

static guint
mode_of (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 0777;
}

/* Each test gets its own XDG_DATA_HOME and TEMOIN_DATA_DIR, restored after. */
typedef struct {
  char *tmp;
  char *xdg;
  char *env_dir;
  char *option_dir;
  char *old_xdg;
  char *old_env;
} Fixture;

static void
fixture_set_up (Fixture       *fx,
                gconstpointer  data)
{
  fx->tmp = tm_test_make_tmp_dir ();
  fx->xdg = g_build_filename (fx->tmp, "xdg", NULL);
  fx->env_dir = g_build_filename (fx->tmp, "from-env", NULL);
  fx->option_dir = g_build_filename (fx->tmp, "from-option", NULL);
  fx->old_xdg = g_strdup (g_getenv ("XDG_DATA_HOME"));
  fx->old_env = g_strdup (g_getenv ("TEMOIN_DATA_DIR"));
  /* A subprocess inherits its parent's environment, set below. */
  if (!g_test_subprocess ())
    {
      g_setenv ("XDG_DATA_HOME", fx->xdg, TRUE);
      g_unsetenv ("TEMOIN_DATA_DIR");
    }
}

static void
fixture_tear_down (Fixture       *fx,
                   gconstpointer  data)
{
  if (fx->old_xdg)
    g_setenv ("XDG_DATA_HOME", fx->old_xdg, TRUE);
  else
    g_unsetenv ("XDG_DATA_HOME");
  if (fx->old_env)
    g_setenv ("TEMOIN_DATA_DIR", fx->old_env, TRUE);
  else
    g_unsetenv ("TEMOIN_DATA_DIR");
  tm_test_rmdir (fx->tmp);
  g_free (fx->tmp);
  g_free (fx->xdg);
  g_free (fx->env_dir);
  g_free (fx->option_dir);
  g_free (fx->old_xdg);
  g_free (fx->old_env);
}

/* g_get_user_data_dir() reads XDG_DATA_HOME once per process: the XDG case runs
 * in a subprocess, with the fixture's environment. */
static void
test_xdg_default (Fixture       *fx,
                  gconstpointer  data)
{
  g_autofree char *expected = g_build_filename (fx->xdg, "temoin", NULL);
  g_autofree char *line = g_strconcat (expected, "\n", NULL);

  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = tm_data_dir_resolve (NULL, &error);

      g_assert_no_error (error);
      g_print ("%s\n", dir);
      return;
    }

  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout (line);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_DIR));
  g_assert_cmpuint (mode_of (expected), ==, 0700);
}

static void
test_empty_env_ignored (Fixture       *fx,
                        gconstpointer  data)
{
  g_autofree char *expected = g_build_filename (fx->xdg, "temoin", NULL);
  g_autofree char *line = g_strconcat (expected, "\n", NULL);

  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *dir = NULL;

      g_setenv ("TEMOIN_DATA_DIR", "", TRUE);
      dir = tm_data_dir_resolve ("", &error);
      g_assert_no_error (error);
      g_print ("%s\n", dir);
      return;
    }

  g_test_trap_subprocess (NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stdout (line);
}

static void
test_env_over_xdg (Fixture       *fx,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *xdg_temoin = g_build_filename (fx->xdg, "temoin", NULL);

  g_setenv ("TEMOIN_DATA_DIR", fx->env_dir, TRUE);
  dir = tm_data_dir_resolve (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, fx->env_dir);
  g_assert_cmpuint (mode_of (dir), ==, 0700);
  g_assert_false (g_file_test (xdg_temoin, G_FILE_TEST_EXISTS));
}

static void
test_option_over_env (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;

  g_setenv ("TEMOIN_DATA_DIR", fx->env_dir, TRUE);
  dir = tm_data_dir_resolve (fx->option_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, fx->option_dir);
  g_assert_cmpuint (mode_of (dir), ==, 0700);
  g_assert_false (g_file_test (fx->env_dir, G_FILE_TEST_EXISTS));
}

static void
test_relative_made_absolute (Fixture       *fx,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *old_cwd = g_get_current_dir ();
  g_autofree char *dir = NULL;
  g_autofree char *expected = g_build_filename (fx->tmp, "rel", "deeper", NULL);

  g_assert_cmpint (g_chdir (fx->tmp), ==, 0);
  dir = tm_data_dir_resolve ("rel/./deeper", &error);
  g_assert_cmpint (g_chdir (old_cwd), ==, 0);

  g_assert_no_error (error);
  g_assert_true (g_path_is_absolute (dir));
  g_assert_cmpstr (dir, ==, expected);
  g_assert_true (g_file_test (expected, G_FILE_TEST_IS_DIR));
}

/* An existing folder is the person's: a shared one (1777, named by --data-dir)
 * is said to be readable by others, never changed. Files Témoin wrote are made
 * private. */
static void
test_existing_kept_and_warned (Fixture       *fx,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *warning = NULL;
  g_autofree char *file = g_build_filename (fx->option_dir, "consent.sqlite", NULL);

  g_assert_cmpint (g_mkdir (fx->option_dir, 0755), ==, 0);
  g_assert_cmpint (g_chmod (fx->option_dir, 01777), ==, 0);
  dir = tm_data_dir_resolve_full (fx->option_dir, TM_DATA_DIR_CREATE, &warning, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, fx->option_dir);
  g_assert_cmpuint (mode_of (dir), ==, 0777);
  g_assert_nonnull (warning);
  g_assert_nonnull (strstr (warning, fx->option_dir));
  g_assert_nonnull (strstr (warning, "1777"));
  g_clear_pointer (&dir, g_free);
  g_clear_pointer (&warning, g_free);

  /* A private one draws no warning. */
  g_assert_cmpint (g_chmod (fx->option_dir, 0700), ==, 0);
  dir = tm_data_dir_resolve_full (fx->option_dir, TM_DATA_DIR_CREATE, &warning, &error);
  g_assert_no_error (error);
  g_assert_null (warning);

  g_assert_true (g_file_set_contents (file, "x", -1, NULL));
  g_assert_cmpint (g_chmod (file, 0644), ==, 0);
  g_assert_true (tm_file_make_private (file, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mode_of (file), ==, 0600);
}

/* tm_data_dir_resolve() logs the warning about a shared folder once, however
 * often it is called (the app calls it for each store). */
static void
test_shared_warned_once (Fixture       *fx,
                         gconstpointer  data)
{
  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      g_test_trap_assert_stderr ("*can be read or entered by other users*");
      g_test_trap_assert_stderr_unmatched ("*other users*other users*");
      return;
    }
  /* The child has a fixture, and a folder, of its own. */
  g_assert_cmpint (g_mkdir (fx->option_dir, 0700), ==, 0);
  g_assert_cmpint (g_chmod (fx->option_dir, 0755), ==, 0);
  for (guint i = 0; i < 3; i++)
    g_free (tm_data_dir_resolve (fx->option_dir, NULL));
}

/* A command that only reads creates nothing: the folder is named, not made. */
static void
test_missing_not_created (Fixture       *fx,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *warning = NULL;

  dir = tm_data_dir_resolve_full (fx->option_dir, TM_DATA_DIR_NONE, &warning, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, fx->option_dir);
  g_assert_null (warning);
  g_assert_false (g_file_test (fx->option_dir, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (fx->xdg, G_FILE_TEST_EXISTS));
}

/* A data folder reached through a symlinked parent (a symlinked ~/.local/share,
 * or --data-dir through a link) is returned without links: SQLite's NOFOLLOW
 * refuses a link anywhere in the path. */
static void
test_symlinked_parent_resolved (Fixture       *fx,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *real_share = g_build_filename (fx->tmp, "real-share", NULL);
  g_autofree char *expected = g_build_filename (real_share, "temoin", NULL);
  g_autofree char *linked = g_build_filename (fx->tmp, "linked", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *again = NULL;

  g_assert_cmpint (g_mkdir (real_share, 0700), ==, 0);
  g_assert_cmpint (symlink (real_share, fx->xdg), ==, 0);
  dir = tm_data_dir_resolve (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (dir, ==, expected);
  g_assert_cmpuint (mode_of (expected), ==, 0700);

  g_assert_cmpint (symlink (expected, linked), ==, 0);
  again = tm_data_dir_resolve (linked, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, expected);
}

/* A link in the folder is refused, never followed: its target keeps its mode. */
static void
test_link_not_made_private (Fixture       *fx,
                            gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_build_filename (fx->tmp, "someone-elses", NULL);
  g_autofree char *link = g_build_filename (fx->tmp, "consent.sqlite", NULL);

  g_assert_true (g_file_set_contents (target, "x", -1, NULL));
  g_assert_cmpint (g_chmod (target, 0644), ==, 0);
  g_assert_cmpint (symlink (target, link), ==, 0);

  g_assert_false (tm_file_make_private (link, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_LOOP);
  g_assert_nonnull (strstr (error->message, link));
  g_assert_nonnull (strstr (error->message, "symbolic link"));
  g_assert_cmpuint (mode_of (target), ==, 0644);
  g_clear_error (&error);

  g_assert_false (tm_file_check_not_link (link, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_LOOP);
  g_clear_error (&error);
  g_assert_true (tm_file_check_not_link (target, &error));
  g_assert_no_error (error);
}

/* The file lstat() is to swap for a link to swap_target once it has looked at
 * it: what another user could do, in a shared folder, between a check and a
 * change of mode. */
static const char *swap_path;
static const char *swap_target;

/* Interposed on the C library's: the core, linked into this program, calls this
 * one (lstat64 is what <sys/stat.h> names lstat() with 64-bit file offsets). */
int
lstat (const char  *path,
       struct stat *buf)
{
  static int (*real_lstat) (const char *, struct stat *);
  int result;

  if (real_lstat == NULL)
    real_lstat = (int (*) (const char *, struct stat *)) dlsym (RTLD_NEXT, "lstat64");
  result = real_lstat (path, buf);
  if (swap_path != NULL && g_str_equal (path, swap_path))
    {
      g_autofree char *link = g_strconcat (swap_path, ".link", NULL);

      g_assert_cmpint (symlink (swap_target, link), ==, 0);
      g_assert_cmpint (g_rename (link, swap_path), ==, 0);
      swap_path = NULL;
    }
  return result;
}

/* A file swapped for a link between the check and the change of mode: the
 * link's target keeps its mode (lstat() then chmod() used to follow it). */
static void
test_link_swapped_in (Fixture       *fx,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = g_build_filename (fx->tmp, "someone-elses", NULL);
  g_autofree char *path = g_build_filename (fx->tmp, "consent.sqlite", NULL);
  GStatBuf st;

  g_assert_true (g_file_set_contents (target, "x", -1, NULL));
  g_assert_cmpint (g_chmod (target, 0644), ==, 0);
  g_assert_true (g_file_set_contents (path, "x", -1, NULL));
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);

  /* The interposer is in use: it swaps on the first look. */
  swap_path = path;
  swap_target = target;
  g_assert_false (tm_file_make_private (path, &error));
  g_assert_null (swap_path);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_LOOP);
  g_assert_cmpint (g_lstat (path, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  g_assert_cmpuint (mode_of (target), ==, 0644);
}

/* Another user's file, or one that is not a regular file, is refused; a
 * missing one is fine (Témoin creates it). */
static void
test_check_own (Fixture       *fx,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *mine = g_build_filename (fx->tmp, "consent.sqlite", NULL);
  g_autofree char *missing = g_build_filename (fx->tmp, "consent.sqlite-wal", NULL);
  g_autofree char *link = g_build_filename (fx->tmp, "consent.sqlite-shm", NULL);
  int fd;

  g_assert_true (g_file_set_contents (mine, "x", -1, NULL));
  g_assert_cmpint (symlink (mine, link), ==, 0);

  g_assert_true (tm_file_check_own (mine, &error));
  g_assert_no_error (error);
  g_assert_true (tm_file_check_own (missing, &error));
  g_assert_no_error (error);
  g_assert_false (tm_file_check_own (link, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_LOOP);
  g_clear_error (&error);
  g_assert_false (tm_file_check_own (fx->tmp, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
  g_assert_nonnull (strstr (error->message, "is not a regular file"));
  g_clear_error (&error);

  fd = g_open (mine, O_RDONLY | O_NOFOLLOW, 0);
  g_assert_cmpint (fd, >=, 0);
  g_assert_true (tm_file_check_own_fd (fd, mine, &error));
  g_assert_no_error (error);

  if (geteuid () != 0)
    {
      close (fd);
      g_test_skip ("giving a file to another user needs root (CI runs as root)");
      return;
    }
  g_assert_cmpint (chown (mine, 65534, 65534), ==, 0);
  g_assert_false (tm_file_check_own (mine, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM);
  g_assert_nonnull (strstr (error->message, "belongs to another user (user ID 65534)"));
  g_clear_error (&error);
  g_assert_false (tm_file_check_own_fd (fd, mine, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM);
  close (fd);
}

static void
test_errors (Fixture       *fx,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *file = g_build_filename (fx->tmp, "a-file", NULL);
  g_autofree char *below = g_build_filename (file, "below", NULL);
  g_autofree char *missing = g_build_filename (fx->tmp, "missing", NULL);
  char *dir;

  g_assert_true (g_file_set_contents (file, "x", -1, NULL));

  dir = tm_data_dir_resolve (file, &error);
  g_assert_null (dir);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR);
  g_assert_nonnull (strstr (error->message, "--data-dir"));
  /* A file in the way is named as such, not as a permission problem. */
  g_assert_nonnull (strstr (error->message, "is not a folder. Move that file away"));
  g_clear_error (&error);

  dir = tm_data_dir_resolve (below, &error);
  g_assert_null (dir);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, below));
  g_clear_error (&error);

  g_assert_false (tm_file_make_private (missing, &error));
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/data-dir/default/is-xdg-data-home-temoin", test_xdg_default);
  ADD ("/data-dir/environment/empty-is-ignored", test_empty_env_ignored);
  ADD ("/data-dir/environment/wins-over-xdg", test_env_over_xdg);
  ADD ("/data-dir/option/wins-over-environment", test_option_over_env);
  ADD ("/data-dir/option/relative-is-made-absolute", test_relative_made_absolute);
  ADD ("/data-dir/modes/existing-dir-kept-and-warned", test_existing_kept_and_warned);
  ADD ("/data-dir/reading/missing-not-created", test_missing_not_created);
  ADD ("/data-dir/modes/shared-warned-once", test_shared_warned_once);
  ADD ("/data-dir/links/symlinked-parent-resolved", test_symlinked_parent_resolved);
  ADD ("/data-dir/links/link-not-made-private", test_link_not_made_private);
  ADD ("/data-dir/links/link-swapped-in-not-followed", test_link_swapped_in);
  ADD ("/data-dir/owner/others-files-refused", test_check_own);
  ADD ("/data-dir/errors/say-what-failed", test_errors);

#undef ADD

  return g_test_run ();
}
