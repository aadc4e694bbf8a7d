/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-test-proxy.h: the fixture pieces of the tests that run the proxy in process
 * (test-proxy, test-proxy-https): a server thread with its own main context, where
 * the origin, the stores and the proxy live, and what the tests ask of it. */
#pragma once

#include <gio/gio.h>

#include "tm-consent-store.h"
#include "tm-proxy.h"
#include "tm-session-store.h"

G_BEGIN_DECLS

/* The thread that runs @loop (of @context) until it quits. */
GThread   *tm_test_server_thread_new  (GMainContext *context,
                                       GMainLoop    *loop);
/* Quits @loop, joins @thread and drops the loop and the context. */
void       tm_test_server_thread_join (GThread      *thread,
                                       GMainLoop    *loop,
                                       GMainContext *context);
/* Runs @func (its return value ignored) in @context's thread and waits for it. */
void       tm_test_run_in_context     (GMainContext *context,
                                       GSourceFunc   func,
                                       gpointer      data);

/* In the server thread: the stores of @data_dir and a proxy on them, on port 0,
 * not started. */
void       tm_test_proxy_create       (const char      *data_dir,
                                       TmConsentStore **out_consent,
                                       TmSessionStore **out_sessions,
                                       TmProxy        **out_proxy);
/* In the server thread: starts @proxy and returns its first URI. */
char      *tm_test_proxy_start_in_thread (TmProxy *proxy);
/* In the server thread: stops the proxy, flushes the session store and drops all
 * three. */
void       tm_test_proxy_destroy      (TmConsentStore **consent,
                                       TmSessionStore **sessions,
                                       TmProxy        **proxy);

/* From the test's thread: saves a consent to @categories in @consent, which lives
 * in @context's thread. */
void       tm_test_save_consent       (GMainContext   *context,
                                       TmConsentStore *consent,
                                       TmCategories    categories);
/* From the test's thread: flushes @sessions and lists its cookies (TmCookie). */
GPtrArray *tm_test_list_cookies       (GMainContext   *context,
                                       TmSessionStore *sessions);

/* Reads until the peer closes @conn (or resets it); fails when a read fails
 * otherwise, a timeout included. Returns what was read. */
char      *tm_test_read_until_closed  (GSocketConnection *conn);
/* Connections to local @port that the client closed and this side did not (TCP
 * state CLOSE_WAIT in /proc/net/tcp and tcp6). */
guint      tm_test_count_close_wait   (guint port);
/* Waits up to @timeout_s seconds for that count to fall to @at_most or below;
 * returns the last count. */
guint      tm_test_wait_close_wait    (guint port,
                                       guint at_most,
                                       guint timeout_s);

G_END_DECLS
