/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-session-store.h: the proxy's own cookie store, `cookies.sqlite` in the data
 * directory (0600: it holds login tokens). Keyed by (name, domain, path), 64-bit
 * expiry, session cookies kept until the proxy's session ends, creation order
 * kept, WAL, writes batched into one transaction off the request path. */
#pragma once

#include <gio/gio.h>

#include "tm-cookie.h"
#include "tm-types.h"

G_BEGIN_DECLS

#define TM_SESSION_STORE_FILENAME "cookies.sqlite"

#define TM_TYPE_SESSION_STORE (tm_session_store_get_type ())
G_DECLARE_FINAL_TYPE (TmSessionStore, tm_session_store, TM, SESSION_STORE, GObject)

/* Opens or creates the store (see tm_database_open() for corrupt files). */
TmSessionStore *tm_session_store_new          (const char      *data_dir,
                                               GError         **error);
const char     *tm_session_store_get_moved_aside (TmSessionStore *self);  /* nullable */

/* A proxy session starts: session cookies of an earlier one are dropped. */
gboolean        tm_session_store_begin_session (TmSessionStore *self,
                                                GError        **error);

/**
 * tm_session_store_put:
 * Queues @cookie (copied; its categories set) to be written: it replaces only the
 * cookie with the same (name, domain, path); an expired one deletes it. Returns at
 * once; thread-safe. Queued writes are committed in one transaction within a
 * fraction of a second, on a thread of the store's own.
 */
void            tm_session_store_put          (TmSessionStore *self,
                                               const TmCookie *cookie);
/* Blocks until everything queued so far is committed (tests, shutdown). */
gboolean        tm_session_store_flush        (TmSessionStore *self,
                                               GError        **error);

/* (transfer full) (element-type TmCookie): the unexpired cookies, by site then
 * creation; @site (nullable) keeps a registrable domain and its subdomains (a host
 * for IP addresses). */
GPtrArray      *tm_session_store_list         (TmSessionStore *self,
                                               const char     *site,
                                               GError        **error);
/* (transfer full) (element-type TmCookie): exactly what a client would send to
 * @url, in the order it would send them (longer paths first, then older first). */
GPtrArray      *tm_session_store_list_for_url (TmSessionStore *self,
                                               const char     *url,
                                               GError        **error);

typedef enum {
  TM_PURGE_ALL,
  TM_PURGE_CATEGORY,  /* cookies carrying any of @categories */
  TM_PURGE_SITE,      /* @site and its subdomains */
} TmPurgeKind;

/**
 * tm_session_store_purge:
 * Deletes cookies and records a tombstone for each, so that a running proxy (in
 * any process) tells clients to drop their copies. Returns the number deleted, or
 * -1 with @error set.
 */
gint64          tm_session_store_purge        (TmSessionStore *self,
                                               TmPurgeKind     kind,
                                               TmCategories    categories,
                                               const char     *site,
                                               GError        **error);

/* (transfer full) (element-type TmCookie): tombstones recorded after @after_id
 * (name, domain, host_only, path, secure set), and the newest id in @last_id. */
GPtrArray      *tm_session_store_list_tombstones (TmSessionStore *self,
                                                  gint64          after_id,
                                                  gint64         *last_id,
                                                  GError        **error);

/* Signal ::changed (no arguments): the store changed, in this or another process. */

G_END_DECLS
