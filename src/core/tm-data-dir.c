/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tm-data-dir.h"

/**
 * tm_data_dir_resolve:
 * @override_dir: (nullable): the `--data-dir` option, if given
 * @error: return location for a #GError
 *
 * The data directory: @override_dir, else `$TEMOIN_DATA_DIR` (ignored when
 * empty), else `$XDG_DATA_HOME/temoin`. A relative path is taken from the
 * current directory. Creates the directory with its parents if needed and makes
 * it mode 0700, also when it already existed: what it holds says what a person
 * agreed to.
 *
 * Returns: (transfer full): the absolute path, or %NULL with @error set
 *   (%G_FILE_ERROR)
 */
char *
tm_data_dir_resolve (const char  *override_dir,
                     GError     **error)
{
  g_autofree char *dir = NULL;
  const char *env;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  env = g_getenv ("TEMOIN_DATA_DIR");
  if (override_dir != NULL && override_dir[0] != '\0')
    dir = g_canonicalize_filename (override_dir, NULL);
  else if (env != NULL && env[0] != '\0')
    dir = g_canonicalize_filename (env, NULL);
  else
    dir = g_build_filename (g_get_user_data_dir (), "temoin", NULL);

  /* Checked first: g_mkdir_with_parents() fails on a file in the way too, and its
   * message would send the person looking at the parent's permissions. */
  if (g_file_test (dir, G_FILE_TEST_EXISTS) && !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
                   _("The data folder “%s” is not a folder. Move that file away, or "
                     "choose another folder with --data-dir."),
                   dir);
      return NULL;
    }

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not create the data folder “%s”: %s. Check that its parent "
                     "folder is writable, or choose another one with --data-dir."),
                   dir, g_strerror (saved_errno));
      return NULL;
    }

  if (g_chmod (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not make the data folder “%s” private: %s. Check that you "
                     "own it."),
                   dir, g_strerror (saved_errno));
      return NULL;
    }

  return g_steal_pointer (&dir);
}

/**
 * tm_file_make_private:
 * @path: a file Témoin wrote
 * @error: return location for a #GError
 *
 * Makes @path readable and writable by its owner only (mode 0600).
 *
 * Returns: %TRUE on success, %FALSE with @error set (%G_FILE_ERROR)
 */
gboolean
tm_file_make_private (const char  *path,
                      GError     **error)
{
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_chmod (path, 0600) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not make “%s” private: %s. Check that you own it."),
                   path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}
