/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tm-data-dir.h"

/* A folder others can read or enter: said, never changed (it may be shared on
 * purpose, like a 1777 scratch folder). Returns the translated warning or %NULL. */
static char *
check_private (const char *dir)
{
  GStatBuf st;

  if (g_stat (dir, &st) != 0 || (st.st_mode & 0077) == 0)
    return NULL;
  return g_strdup_printf (_("The data folder “%s” can be read or entered by other users "
                            "(mode %04o), and what it holds says what you agreed to. "
                            "Make it private with “chmod 700 %s”, or choose another "
                            "folder with --data-dir."),
                          dir, (unsigned) (st.st_mode & 07777), dir);
}

static void
set_errno_error (GError     **error,
                 int          saved_errno,
                 const char  *dir)
{
  if (saved_errno == ENOTDIR || saved_errno == EEXIST)
    g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOTDIR,
                 _("The data folder “%s” is not a folder. Move that file away, or "
                   "choose another folder with --data-dir."),
                 dir);
  else
    g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                 _("Could not create the data folder “%s”: %s. Check that its parent "
                   "folder is writable, or choose another one with --data-dir."),
                 dir, g_strerror (saved_errno));
}

/* Creates @dir, mode 0700, and the parents it lacks. Only a folder made here is
 * made private: an existing one is the person's, and keeps its mode. */
static gboolean
create_dir (const char  *dir,
            GError     **error)
{
  g_autofree char *parent = g_path_get_dirname (dir);

  if (g_mkdir_with_parents (parent, 0700) != 0)
    {
      set_errno_error (error, errno, dir);
      return FALSE;
    }
  if (g_mkdir (dir, 0700) != 0)
    {
      int saved_errno = errno;

      /* Made by another process in the meantime: its own, already private. */
      if (saved_errno == EEXIST && g_file_test (dir, G_FILE_TEST_IS_DIR))
        return TRUE;
      set_errno_error (error, saved_errno, dir);
      return FALSE;
    }
  /* The umask may only have taken bits away: this makes it exactly 0700. */
  if (g_chmod (dir, 0700) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not make the data folder “%s” private: %s. Check that "
                     "you own it."),
                   dir, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/**
 * tm_data_dir_resolve_full:
 * @override_dir: (nullable): the `--data-dir` option, if given
 * @flags: %TM_DATA_DIR_CREATE to create it when it is missing
 * @out_warning: (out) (optional) (nullable): a translated warning for the person,
 *   when the folder can be read by others
 * @error: return location for a #GError
 *
 * The data directory: @override_dir, else `$TEMOIN_DATA_DIR` (ignored when
 * empty), else `$XDG_DATA_HOME/temoin`. A relative path is taken from the
 * current directory.
 *
 * With %TM_DATA_DIR_CREATE, a missing directory is created with its parents,
 * mode 0700. An existing one keeps its mode (it may be shared on purpose):
 * @out_warning says when others can read or enter it. The path returned has no
 * symbolic link in it (realpath()): a data folder reached through a symlinked
 * `~/.local/share` keeps working where links are refused (SQLite's
 * `SQLITE_OPEN_NOFOLLOW` refuses a link anywhere in the path), and a link put
 * in the folder itself is still seen as one.
 *
 * Without it, nothing is created: a missing directory is returned as its
 * absolute path (reading commands then find nothing stored).
 *
 * Returns: (transfer full): the absolute path, or %NULL with @error set
 *   (%G_FILE_ERROR)
 */
char *
tm_data_dir_resolve_full (const char      *override_dir,
                          TmDataDirFlags   flags,
                          char           **out_warning,
                          GError         **error)
{
  g_autofree char *dir = NULL;
  g_autofree char *real = NULL;
  const char *env;
  GStatBuf st;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_warning != NULL)
    *out_warning = NULL;

  env = g_getenv ("TEMOIN_DATA_DIR");
  if (override_dir != NULL && override_dir[0] != '\0')
    dir = g_canonicalize_filename (override_dir, NULL);
  else if (env != NULL && env[0] != '\0')
    dir = g_canonicalize_filename (env, NULL);
  else
    dir = g_build_filename (g_get_user_data_dir (), "temoin", NULL);

  if (g_stat (dir, &st) != 0)
    {
      int saved_errno = errno;

      if (saved_errno != ENOENT)
        {
          set_errno_error (error, saved_errno, dir);
          return NULL;
        }
      if (!(flags & TM_DATA_DIR_CREATE))
        return g_steal_pointer (&dir);
      if (!create_dir (dir, error))
        return NULL;
    }
  else if (!S_ISDIR (st.st_mode))
    {
      /* g_mkdir_with_parents() would fail too, and its message would send the
       * person looking at the parent's permissions. */
      set_errno_error (error, ENOTDIR, dir);
      return NULL;
    }
  else if (out_warning != NULL)
    *out_warning = check_private (dir);

  real = realpath (dir, NULL);
  if (real == NULL)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not find the data folder “%s”: %s. Check that you can "
                     "enter it and its parents, or choose another one with --data-dir."),
                   dir, g_strerror (saved_errno));
      return NULL;
    }
  return g_steal_pointer (&real);
}

/**
 * tm_data_dir_resolve:
 * @override_dir: (nullable): the `--data-dir` option, if given
 * @error: return location for a #GError
 *
 * tm_data_dir_resolve_full() with %TM_DATA_DIR_CREATE: the data directory,
 * created (mode 0700) if missing. The warning about a folder others can read
 * is logged, once per process (the app resolves it for each store it opens).
 *
 * Returns: (transfer full): the absolute path, or %NULL with @error set
 *   (%G_FILE_ERROR)
 */
char *
tm_data_dir_resolve (const char  *override_dir,
                     GError     **error)
{
  g_autofree char *warning = NULL;
  static gsize warned = 0;
  char *dir;

  dir = tm_data_dir_resolve_full (override_dir, TM_DATA_DIR_CREATE, &warning, error);
  if (warning != NULL && g_once_init_enter (&warned))
    {
      g_message ("%s", warning);
      g_once_init_leave (&warned, 1);
    }
  return dir;
}

/**
 * tm_file_set_link_error:
 * @error: return location for a #GError
 * @path: a file of the data directory that is a symbolic link
 *
 * Sets @error (%G_FILE_ERROR_LOOP) to the message refusing @path.
 */
void
tm_file_set_link_error (GError     **error,
                        const char  *path)
{
  g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_LOOP,
               _("“%s” is a symbolic link. Témoin does not follow links in its data "
                 "folder: another program’s file would be written through it. Remove "
                 "the link (put the file itself there if it is Témoin’s), or choose "
                 "another folder with --data-dir."),
               path);
}

/**
 * tm_file_check_not_link:
 * @path: a file of the data directory
 * @error: return location for a #GError
 *
 * Returns: %TRUE when @path is missing or not a symbolic link, %FALSE with
 *   @error set (tm_file_set_link_error()) when it is one
 */
gboolean
tm_file_check_not_link (const char  *path,
                        GError     **error)
{
  GStatBuf st;

  g_return_val_if_fail (path != NULL, FALSE);

  if (g_lstat (path, &st) == 0 && S_ISLNK (st.st_mode))
    {
      tm_file_set_link_error (error, path);
      return FALSE;
    }
  return TRUE;
}

/* Refuses what @st describes, the file @path of the data directory, unless it is
 * a regular file of this user's. A file another user put there first (a shared
 * 1777 folder) would have Témoin's cookies written where they can read them, or
 * their frames read as Témoin's; as root, making it private would not stop that. */
static gboolean
check_own_stat (const char     *path,
                const GStatBuf *st,
                GError        **error)
{
  if (S_ISLNK (st->st_mode))
    {
      tm_file_set_link_error (error, path);
      return FALSE;
    }
  if (!S_ISREG (st->st_mode))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   _("“%s” is not a regular file. Témoin keeps only its own files in its "
                     "data folder: remove it, or choose another folder with --data-dir."),
                   path);
      return FALSE;
    }
  if (st->st_uid != geteuid ())
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_PERM,
                   _("“%s” belongs to another user (user ID %u): what Témoin writes "
                     "through it could be read or changed by them. Remove it if you did "
                     "not put it there (or take it back with chown if it is yours), or "
                     "choose another folder with --data-dir."),
                   path, (unsigned) st->st_uid);
      return FALSE;
    }
  return TRUE;
}

/**
 * tm_file_check_own:
 * @path: a file of the data directory
 * @error: return location for a #GError
 *
 * Returns: %TRUE when @path is missing, or a regular file owned by this user;
 *   %FALSE with @error set (%G_FILE_ERROR_LOOP for a symbolic link,
 *   %G_FILE_ERROR_INVAL for another kind of file, %G_FILE_ERROR_PERM for
 *   another user's file), the message saying what to do
 */
gboolean
tm_file_check_own (const char  *path,
                   GError     **error)
{
  GStatBuf st;

  g_return_val_if_fail (path != NULL, FALSE);

  if (g_lstat (path, &st) != 0)
    return TRUE;
  return check_own_stat (path, &st, error);
}

/**
 * tm_file_check_own_fd:
 * @fd: a descriptor of @path, opened with `O_NOFOLLOW`
 * @path: the file's name, for the message
 * @error: return location for a #GError
 *
 * tm_file_check_own() for a file already open: what was opened is what is
 * checked, whatever the name points to by now.
 *
 * Returns: %TRUE when it is a regular file of this user's, else %FALSE with
 *   @error set
 */
gboolean
tm_file_check_own_fd (int          fd,
                      const char  *path,
                      GError     **error)
{
  GStatBuf st;

  g_return_val_if_fail (fd >= 0, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (fstat (fd, &st) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   _("Could not check “%s”: %s."), path, g_strerror (saved_errno));
      return FALSE;
    }
  return check_own_stat (path, &st, error);
}

/**
 * tm_file_make_private:
 * @path: a file Témoin wrote
 * @error: return location for a #GError
 *
 * Makes @path readable and writable by its owner only (mode 0600). A symbolic
 * link is refused, never followed, even one put in its place while this runs; a
 * file already private is left alone (so a read-only disk is no error).
 *
 * Returns: %TRUE on success, %FALSE with @error set (%G_FILE_ERROR)
 */
gboolean
tm_file_make_private (const char  *path,
                      GError     **error)
{
  GStatBuf st;
  int saved_errno;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (g_lstat (path, &st) == 0)
    {
      if (S_ISLNK (st.st_mode))
        {
          tm_file_set_link_error (error, path);
          return FALSE;
        }
      if ((st.st_mode & 07777) == 0600)
        return TRUE;
    }

  /* Not lstat() then chmod(): the file could be swapped for a link in between,
   * and chmod() would follow it. glibc does this through an O_PATH descriptor,
   * whose closing drops none of the POSIX locks SQLite holds on the file. */
  if (fchmodat (AT_FDCWD, path, 0600, AT_SYMLINK_NOFOLLOW) == 0)
    return TRUE;
  saved_errno = errno;
  if (g_lstat (path, &st) == 0 && S_ISLNK (st.st_mode))
    {
      tm_file_set_link_error (error, path);
      return FALSE;
    }
  g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
               _("Could not make “%s” private: %s. Check that you own it."),
               path, g_strerror (saved_errno));
  return FALSE;
}
