/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-test-utils.h: helpers shared by the test programs. */
#pragma once

#include <gio/gio.h>
#include <libsoup/soup.h>

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
/* Runs `temoinctl [--data-dir DATA_DIR] FIRST…` (NULL-terminated; without the option
 * if @data_dir is NULL) and returns its exit status. Its output goes to @out_stdout
 * and @out_stderr, each dropped if NULL, and to the test log. */
int       tm_test_temoinctl     (const char  *data_dir,
                                 char       **out_stdout,
                                 char       **out_stderr,
                                 const char  *first,
                                 ...) G_GNUC_NULL_TERMINATED;
/* The same, with the arguments after @first in @args. */
int       tm_test_temoinctl_va  (const char  *data_dir,
                                 char       **out_stdout,
                                 char       **out_stderr,
                                 const char  *first,
                                 va_list      args);
/* Makes @server listen on a free loopback port (as soup_server_listen_local()
 * with @options would) and returns that port. The test accepts the clients
 * itself: libsoup 3.2's listener leaks a socket per client. */
guint     tm_test_server_listen (SoupServer             *server,
                                 SoupServerListenOptions options);
/* Stops accepting clients for a server of tm_test_server_listen(), then
 * soup_server_disconnect(). */
void      tm_test_server_disconnect (SoupServer         *server);

G_END_DECLS
