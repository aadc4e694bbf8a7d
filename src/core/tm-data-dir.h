/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-data-dir.h: where Témoin keeps its databases, and keeping them private. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * tm_data_dir_resolve:
 * @override_dir: (nullable): the `--data-dir` option, if given
 * @error: return location for a #GError
 *
 * The data directory: @override_dir, else `$TEMOIN_DATA_DIR`, else
 * `$XDG_DATA_HOME/temoin`. Creates it if needed and makes it mode 0700.
 *
 * Returns: (transfer full): the absolute path, or %NULL with @error set
 */
char     *tm_data_dir_resolve   (const char  *override_dir,
                                 GError     **error);

/* Makes @path (a file Témoin wrote) readable by its owner only (0600). */
gboolean  tm_file_make_private  (const char  *path,
                                 GError     **error);

G_END_DECLS
