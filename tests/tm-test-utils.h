/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-test-utils.h: helpers shared by the test programs. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* A new private temporary directory (g_dir_make_tmp); removed by tm_test_rmdir(). */
char     *tm_test_make_tmp_dir (void);
/* Removes @path and everything below it. */
void      tm_test_rmdir        (const char *path);
/* The path of a file in tests/data/. */
char     *tm_test_data_path    (const char *name);
/* Runs `temoinctl ARGS…` (the build's) and collects its output and exit status. */
int       tm_test_run_temoinctl (const char * const *argv,
                                 char              **out_stdout,
                                 char              **out_stderr);

G_END_DECLS
