/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-session-store.h: the proxy's own cookie store, `cookies.sqlite` in the data
 * directory (0600: it holds login tokens). Keyed by (name, domain, host_only, path)
 * (schema 3), 64-bit expiry, session cookies kept until the proxy's session ends,
 * creation order kept, WAL, writes batched into one transaction off the request
 * path. */
#pragma once

#include <gio/gio.h>

#include "tm-cookie.h"
#include "tm-policy.h"
#include "tm-types.h"

G_BEGIN_DECLS

#define TM_SESSION_STORE_FILENAME "cookies.sqlite"

/* The decision table keeps only this many of the newest rows. */
#define TM_SESSION_STORE_MAX_DECISIONS 1000

#define TM_SESSION_STORE_ERROR (tm_session_store_error_quark ())
typedef enum {
  TM_SESSION_STORE_ERROR_FAILED,       /* the message says what to do */
  TM_SESSION_STORE_ERROR_INVALID_URL,  /* tm_session_store_list_for_url(): not an http(s) URL */
} TmSessionStoreError;

GQuark          tm_session_store_error_quark  (void);

/**
 * TmDecisionRecord:
 * @id: set by the store (tm_session_store_list_decisions()); ignored when logging
 * @time: Unix microseconds
 * @site: (nullable): the top-level site
 * @host: (nullable): the host the cookie was set by or sent to
 * @name: the cookie's name ("" for a nameless cookie); never its value
 * @direction: "response" (Set-Cookie) or "request" (Cookie)
 * @categories: the categories the cookie carries
 * @keep: whether it was kept
 * @reason: (nullable): why, as the policy says it (never translated)
 * @source: (nullable): the classifier's rule source (tm_source_to_id())
 *
 * One row of the bounded decision table the app reads for its live view.
 */
typedef struct {
  gint64        id;
  gint64        time;
  char         *site;
  char         *host;
  char         *name;
  char         *direction;
  TmCategories  categories;
  gboolean      keep;
  char         *reason;
  char         *source;
  /* Added (schema 2): what tm_decision_describe() reads, so that the reason can be
   * said again in the reader's language (tm_decision_record_describe()). Rows
   * logged before have @classified FALSE and keep only their English @reason. */
  gboolean      classified;
  TmCategory    purpose;      /* the classification's purpose */
  gboolean      third_party;
  TmCategories  refused;      /* carried but not accepted; 0 when kept */
  char         *rule;         /* (nullable): the name or pattern that matched */
  char         *label;        /* (nullable): what it is, e.g. "Google Analytics" */
  char         *top_site;     /* (nullable): NULL at the top level, "" when unknown */
} TmDecisionRecord;

TmDecisionRecord *tm_decision_record_copy (const TmDecisionRecord *record);
void              tm_decision_record_free (TmDecisionRecord       *record);

/**
 * tm_decision_record_set_decision:
 * Fills @record's categories, keep, source and the classification fields from
 * @decision (the strings borrowed from it: for a record on the stack that is then
 * given to tm_session_store_log_decision(), which copies it).
 */
void              tm_decision_record_set_decision (TmDecisionRecord *record,
                                                   const TmDecision *decision);
/**
 * tm_decision_record_describe:
 * The reason of @record as tm_decision_describe() says it for the same decision:
 * @translated FALSE for the stable English, TRUE for the current language. A row
 * logged before the classification was kept gives its stored @reason.
 * Returns: (transfer full) (nullable): NULL only for such a row without a reason
 */
char             *tm_decision_record_describe (const TmDecisionRecord *record,
                                               gboolean                translated);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmDecisionRecord, tm_decision_record_free)

#define TM_TYPE_SESSION_STORE (tm_session_store_get_type ())
G_DECLARE_FINAL_TYPE (TmSessionStore, tm_session_store, TM, SESSION_STORE, GObject)

/* Opens or creates the store (see tm_database_open() for corrupt files). */
TmSessionStore *tm_session_store_new          (const char      *data_dir,
                                               GError         **error);
/* For the commands that only read (`cookies list`): creates and writes nothing,
 * works on a read-only or full disk; only the listing functions may be used. */
TmSessionStore *tm_session_store_new_read_only (const char     *data_dir,
                                                GError        **error);
const char     *tm_session_store_get_moved_aside (TmSessionStore *self);  /* nullable */
/* (nullable): opened read-only, what to tell the person (translated): the file
 * was damaged and read as empty, or recent changes may be missing. */
const char     *tm_session_store_get_read_warning (TmSessionStore *self);

/* A proxy session starts: session cookies of an earlier one are dropped. */
gboolean        tm_session_store_begin_session (TmSessionStore *self,
                                                GError        **error);

/**
 * tm_session_store_put:
 * Queues @cookie (copied; its categories set) to be written: it replaces only the
 * cookie with the same (name, domain, host_only, path); an expired one deletes it.
 * Returns at once; thread-safe. Queued writes are committed in one transaction
 * within a fraction of a second, on a thread of the store's own. The cookie is
 * taken as set over a secure channel: see tm_session_store_put_from().
 */
void            tm_session_store_put          (TmSessionStore *self,
                                               const TmCookie *cookie);
/**
 * tm_session_store_put_from:
 * Like tm_session_store_put(), saying whether @cookie was set over a secure
 * channel (https). When @secure_origin is %FALSE, a Secure @cookie is ignored, and
 * so is one that would replace or shadow a stored Secure cookie (same name, either
 * domain domain-matching the other, @cookie's path path-matching the stored one's:
 * RFC 6265bis 5.7, "leave secure cookies alone"), as browsers do. Thread-safe.
 */
void            tm_session_store_put_from     (TmSessionStore *self,
                                               const TmCookie *cookie,
                                               gboolean        secure_origin);
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
 * @url, in the order it would send them (longer paths first, then older first).
 * The path is matched as sent: percent-encoding is not decoded ("/f%6Fo" does not
 * match Path=/foo); dot segments are removed, as a client does. */
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

/**
 * tm_session_store_delete:
 * Deletes exactly @cookie (its name, domain, host_only and path) and records a
 * tombstone for it, like tm_session_store_purge(), so that a running proxy tells
 * clients to drop their copy. Deleting a cookie that is not stored is not an error.
 * Returns: %FALSE with @error set when the store could not be changed
 */
gboolean        tm_session_store_delete       (TmSessionStore *self,
                                               const TmCookie *cookie,
                                               GError        **error);

/* (transfer full) (element-type TmCookie): tombstones recorded after @after_id
 * (name, domain, host_only, path, secure set), and the newest id in @last_id. */
GPtrArray      *tm_session_store_list_tombstones (TmSessionStore *self,
                                                  gint64          after_id,
                                                  gint64         *last_id,
                                                  GError        **error);

/* A proxy session ends cleanly: its session cookies are dropped. */
gboolean        tm_session_store_end_session  (TmSessionStore *self,
                                               GError        **error);

/**
 * tm_session_store_log_decision:
 * Queues @record (copied, @id ignored) for the decision table, batched with the
 * cookie writes; the table keeps the newest %TM_SESSION_STORE_MAX_DECISIONS rows.
 * Returns at once; thread-safe.
 */
void            tm_session_store_log_decision (TmSessionStore         *self,
                                               const TmDecisionRecord *record);
/* (transfer full) (element-type TmDecisionRecord): decisions with an id above
 * @after_id, newest first, at most @limit (0: no limit). */
GPtrArray      *tm_session_store_list_decisions (TmSessionStore *self,
                                                 gint64          after_id,
                                                 guint           limit,
                                                 GError        **error);

/* How many batches the store's writer thread has committed (tests, statistics). */
guint64         tm_session_store_get_n_commits (TmSessionStore *self);

/* Signal ::changed (no arguments): the cookies changed, in this or another process
 * (emitted on the main context the store was created in, after the commit).
 * Signal ::decisions-changed (no arguments): rows were added to the decision table. */

G_END_DECLS
