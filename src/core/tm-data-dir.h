/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-data-dir.h: where Témoin keeps its databases, and keeping them private. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  TM_DATA_DIR_NONE   = 0,
  TM_DATA_DIR_CREATE = 1 << 0,   /* create it (mode 0700) when missing */
} TmDataDirFlags;

/**
 * tm_data_dir_resolve_full:
 * @override_dir: (nullable): the `--data-dir` option, if given
 * @flags: %TM_DATA_DIR_CREATE for the commands that write
 * @out_warning: (out) (optional): a translated warning when others can read it
 * @error: return location for a #GError
 *
 * The data directory: @override_dir, else `$TEMOIN_DATA_DIR`, else
 * `$XDG_DATA_HOME/temoin`, without symbolic links (realpath()). Only a
 * directory created here is made mode 0700; an existing one keeps its mode.
 * Without %TM_DATA_DIR_CREATE nothing is created.
 *
 * Returns: (transfer full): the absolute path, or %NULL with @error set
 */
char     *tm_data_dir_resolve_full (const char      *override_dir,
                                    TmDataDirFlags   flags,
                                    char           **out_warning,
                                    GError         **error);
/* tm_data_dir_resolve_full() with %TM_DATA_DIR_CREATE; the warning is logged. */
char     *tm_data_dir_resolve   (const char  *override_dir,
                                 GError     **error);

/* Makes @path (a file Témoin wrote) readable by its owner only (0600); refuses a
 * symbolic link. */
gboolean  tm_file_make_private  (const char  *path,
                                 GError     **error);
/* %FALSE with @error set (G_FILE_ERROR_LOOP, a message saying what to do) when
 * @path, a file of the data directory, is a symbolic link. */
gboolean  tm_file_check_not_link (const char  *path,
                                  GError     **error);
void      tm_file_set_link_error (GError     **error,
                                  const char  *path);
/* %FALSE with @error set when @path (missing is fine) or what @fd opened (with
 * O_NOFOLLOW) is not a regular file owned by this user: a link, another kind of
 * file, or a file another user put in a shared data folder. */
gboolean  tm_file_check_own     (const char  *path,
                                 GError     **error);
gboolean  tm_file_check_own_fd  (int          fd,
                                 const char  *path,
                                 GError     **error);

G_END_DECLS
