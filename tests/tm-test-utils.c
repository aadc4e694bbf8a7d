/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <glib/gstdio.h>

#include "tm-test-utils.h"

char *
tm_test_make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("temoin-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
tm_test_rmdir (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        tm_test_rmdir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

char *
tm_test_data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", name, NULL);
}

int
tm_test_run_temoinctl (const char * const *argv,
                       char              **out_stdout,
                       char              **out_stderr)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *exe = g_getenv ("TEMOINCTL");
  int status = -1;

  g_assert_nonnull (exe);
  g_ptr_array_add (args, (char *) exe);
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (char *) argv[i]);
  g_ptr_array_add (args, NULL);

  g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                out_stdout, out_stderr, &status, &error);
  g_assert_no_error (error);

  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return -1;
}

int
tm_test_temoinctl_va (const char  *data_dir,
                      char       **out_stdout,
                      char       **out_stderr,
                      const char  *first,
                      va_list      args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autofree char *joined = NULL;
  char *out = NULL;
  char *err = NULL;
  int status;

  if (data_dir != NULL)
    {
      g_strv_builder_add (builder, "--data-dir");
      g_strv_builder_add (builder, data_dir);
    }
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_strv_builder_add (builder, arg);
  argv = g_strv_builder_end (builder);

  status = tm_test_run_temoinctl ((const char * const *) argv, &out, &err);
  joined = g_strjoinv (" ", argv);
  g_test_message ("temoinctl %s → %d\nstdout: %s\nstderr: %s", joined, status, out, err);

  if (out_stdout != NULL)
    *out_stdout = out;
  else
    g_free (out);
  if (out_stderr != NULL)
    *out_stderr = err;
  else
    g_free (err);
  return status;
}

int
tm_test_temoinctl (const char  *data_dir,
                   char       **out_stdout,
                   char       **out_stderr,
                   const char  *first,
                   ...)
{
  va_list args;
  int status;

  va_start (args, first);
  status = tm_test_temoinctl_va (data_dir, out_stdout, out_stderr, first, args);
  va_end (args);
  return status;
}

guint
tm_test_server_listen (SoupServer             *server,
                       SoupServerListenOptions options)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;
  guint port;

  soup_server_listen_local (server, 0, options, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  g_assert_nonnull (uris);
  port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return port;
}
