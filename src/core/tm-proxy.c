/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-proxy.c: a libsoup forward proxy that applies the choice to every cookie.
 *
 * Shape: one SoupServer (the clients' side) and a few SoupSessions (the origins'
 * side, one per group of client connections) per worker; each worker has its
 * own GMainContext, the first one runs on the context of the thread that starts
 * the proxy. Everything the request path
 * shares between workers is either immutable once started (configuration) or
 * atomic (accepted categories, counters) or behind a short mutex (the map of
 * cookies clients must be told to drop, the log file).
 *
 * Limits (libsoup 3.2): request bodies are read whole by SoupServer before the
 * handler runs (responses stream); headers are bounded by libsoup itself
 * (100 KiB). SoupServer 3.2 has no timeouts and leaks connections that clients
 * close between two requests: each worker closes those, and clients idle or
 * slow for longer than the idle timeout, itself (see sweep_idle_cb()). */
#define G_LOG_DOMAIN "temoin-proxy"
#define _GNU_SOURCE   /* accept4() */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#ifndef POLLRDHUP
#define POLLRDHUP 0x2000   /* Linux: the peer shut its side (needs _GNU_SOURCE) */
#endif
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "tm-proxy.h"

#include "tm-classifier.h"
#include "tm-rules.h"
#include "tm-cookie.h"
#include "tm-json.h"
#include "tm-policy.h"
#include "tm-settings.h"
#include "tm-bypass.h"
#include "tm-ca.h"
#include "tm-tls-database.h"
#include "tm-data-dir.h"

#define CHUNK_SIZE           (64 * 1024)
#define CLIENT_TIMEOUT_S     60    /* a client this long idle or sending its request */
#define TUNNEL_TIMEOUT_S     300   /* an idle CONNECT tunnel */
/* From the 200 answering an inspected CONNECT to the end of the TLS handshake.
 * Clients send their ClientHello at once; glib-networking runs each handshake on
 * a thread of GIO's shared pool, so a client that goes silent must not hold one
 * (nor wait on the main loop) any longer than this. */
#define TLS_HANDSHAKE_TIMEOUT_S 10
#define TLS_RECORD_HANDSHAKE 0x16   /* the first byte of any ClientHello */
#define UPSTREAM_TIMEOUT_S   60
#define UPSTREAM_IDLE_S      60
#define MAX_CONNS            256
#define MAX_CONNS_PER_HOST   64
/* Measured at 32 connections on 2 cores (wrk and nginx on the same cores): two
 * workers answer ~10 % more requests than one, at ~35 % more CPU per request,
 * spent on GObject's process-wide signal lock (about 12 contended futex calls
 * per request: every libsoup signal emission takes it) and on eventfd wakeups
 * that GLib 2.74 writes whenever libsoup adds a socket source. */
#define MAX_WORKERS          4
/* Upstream sessions per worker, picked by the client's connection. libsoup 3.2
 * probes every idle connection of a session (a recv() each) before it picks one
 * for a request: small sessions keep that probe short (measured: 22 failed
 * recv() per request with one session per worker at 32 connections). */
#define SESSION_SHARDS       8
/* Bodies of a known length up to this size are read in one go when they are
 * already there, instead of chunk by chunk. */
#define SMALL_BODY_MAX       (64 * 1024)
#define RECENT_MAX           4096  /* entries of a worker's de-duplication caches */
#define RECENT_WINDOW_US     (2 * G_USEC_PER_SEC)
#define TM_STATUS_LOOP_DETECTED 508   /* RFC 5842; libsoup 3.2 has no name for it */

typedef struct _TmProxyWorker TmProxyWorker;

struct _TmProxyWorker {
  TmProxy      *proxy;          /* unowned: the proxy owns its workers */
  GMainContext *context;
  GMainLoop    *loop;           /* NULL for the first worker (caller's loop) */
  GThread      *thread;
  SoupServer   *server;
  SoupSession  *sessions[SESSION_SHARDS];   /* created when first needed */
  GHashTable   *resolve_sessions;   /* "host:port" -> SoupSession */
  GSocketClient *socket_client;
  GPtrArray    *sockets;        /* GSocket, listening */
  GPtrArray    *listeners;      /* TmListener: the accept watches of @sockets */
  /* Inspections under way (TmInspection): cancelled when the worker stops, which
   * then runs its context until each has ended and freed what it holds. */
  GHashTable   *inspections;
  GCancellable *tunnels;        /* cancelled when the worker stops: ends the tunnels */
  /* What this worker told the session store lately (key -> gint64 time in µs):
   * the same cookie set again, or the same decision made again, within
   * RECENT_WINDOW_US is not queued again. Under load that is most of them, and
   * the store's writes are the largest cost of a request. Worker-local: no lock. */
  GHashTable   *recent_puts;
  GHashTable   *recent_decisions;
  GString      *key;            /* scratch for the keys above: no allocation per lookup */
  /* Messages whose request is not read yet (idle keep-alive connections and slow
   * senders): SoupServerMessage (weak) -> gint64 monotonic µs of its start. */
  GHashTable   *waiting;
  /* Keep-alive connections between two requests: GSocket -> IdleSocket. */
  GHashTable   *idle;
  GSource      *sweep;
  GMutex        ready_mutex;
  GCond         ready_cond;
  gboolean      ready;
  gint          stopping;       /* atomic: set by tm_proxy_stop() */
};

struct _TmProxy {
  GObject          parent_instance;

  char            *data_dir;
  TmConsentStore  *consent_store;
  TmSessionStore  *session_store;
  TmClassifier    *classifier;

  /* Configuration. */
  int              port;            /* -1: the setting */
  GPtrArray       *listen;          /* GInetAddress */
  GPtrArray       *allow;           /* GInetAddressMask */
  GArray          *connect_ports;   /* guint16 */
  GHashTable      *resolve;         /* "host:port" (host lower case) -> address string */
  char            *log_path;
  TmProxyLogFormat log_format;
  guint            n_workers;

  /* Running state. */
  gboolean         running;
  GMainContext    *context;
  guint            bound_port;
  GPtrArray       *uris;            /* char *, NULL-terminated */
  GPtrArray       *workers;
  int              lock_fd;
  FILE            *log;
  GMutex           log_mutex;
  guint            log_flush_id;
  guint            notify_id;
  guint            tombstone_id;
  gulong           consent_changed_id;
  gulong           settings_changed_id;
  gulong           store_changed_id;
  gint64           tombstone_cursor;

  guint            accepted;        /* atomic: TmCategories */
  gint             sec_gpc;         /* atomic */

  /* HTTPS inspection (issue 5). */
  int              inspection_override;  /* -1: the setting decides; TRUE: forced on */
  gint             inspect;              /* atomic: inspect CONNECTs now */
  gboolean         warned_no_ca;
  TmCa            *ca;                   /* NULL without a data directory */
  GMutex           https_mutex;
  GStrv            bypass;               /* guarded by https_mutex: setting + extra */
  GPtrArray       *extra_bypass;         /* char *, normalized: --bypass */
  GTlsDatabase    *upstream_db;          /* NULL: the system store only */
  guint            handshake_timeout_s;
  guint            idle_timeout_s;

  guint64          n_requests;      /* atomic (__atomic builtins) */
  guint64          n_kept;
  guint64          n_blocked;
  guint64          notified_requests;
  guint64          notified_kept;
  guint64          notified_blocked;

  GMutex           pending_mutex;
  GHashTable      *pending;         /* site -> GPtrArray of TmCookie */
  gint             n_pending;       /* atomic: sites in @pending, checked lock-free */
};

enum {
  PROP_0,
  PROP_REQUESTS,
  PROP_COOKIES_KEPT,
  PROP_COOKIES_BLOCKED,
  PROP_RUNNING,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TmProxy, tm_proxy, G_TYPE_OBJECT)

G_DEFINE_QUARK (tm-proxy-error-quark, tm_proxy_error)

/* Hop-by-hop headers (RFC 9110 section 7.6.1), plus Proxy-Connection. */
static const char * const hop_by_hop[] = {
  "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate",
  "Proxy-Authorization", "TE", "Trailer", "Transfer-Encoding", "Upgrade",
};

/* One request going through. Reference counted: the handler, each pending async
 * call and the "finished" handler hold one. */
typedef struct {
  TmProxyWorker     *worker;
  TmProxy           *proxy;          /* strong */
  SoupServerMessage *msg;            /* strong */
  SoupMessage       *upstream;
  GCancellable      *cancellable;
  GInputStream      *body;
  GIOStream         *tunnel;         /* CONNECT: the upstream connection */
  char              *host;
  int                port;
  gboolean           https;
  char              *top_site;       /* lazily: the top-level site's host */
  gboolean           top_site_done;
  GPtrArray         *expiring;       /* Set-Cookie values to add to the response */
  gulong             finished_id;
  gulong             wrote_chunk_id;
  gulong             wrote_body_id;
  gboolean           finished;
  gboolean           reading;
  gboolean           eof;
} TmProxyRequest;

static inline guint64
counter_add (guint64 *counter,
             guint64  n)
{
  return __atomic_add_fetch (counter, n, __ATOMIC_RELAXED);
}

static inline guint64
counter_get (guint64 *counter)
{
  return __atomic_load_n (counter, __ATOMIC_RELAXED);
}

/* TRUE when @key was seen less than RECENT_WINDOW_US ago; remembers it if not.
 * Under load nearly every key was seen: the lookup allocates nothing, only a
 * new key is copied. */
static gboolean
recently_seen (GHashTable **table,
               const char  *key,
               gint64       now)
{
  gint64 *then;

  if (*table == NULL)
    *table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  then = g_hash_table_lookup (*table, key);
  if (then != NULL)
    {
      if (now - *then < RECENT_WINDOW_US)
        return TRUE;
      *then = now;
      return FALSE;
    }
  if (g_hash_table_size (*table) >= RECENT_MAX)
    g_hash_table_remove_all (*table);
  g_hash_table_insert (*table, g_strdup (key), g_memdup2 (&now, sizeof now));
  return FALSE;
}

/* The de-duplication key of a decision, built in @key (no printf, no
 * allocation once @key is large enough: this runs for every cookie). */
static const char *
decision_key (GString          *key,
              const char       *top,
              const char       *host,
              const char       *name,
              const char       *direction,
              const TmDecision *decision)
{
  static const char hex[] = "0123456789abcdef";
  guint categories = (guint) decision->classification.categories;

  g_string_truncate (key, 0);
  g_string_append (key, top != NULL ? top : "");
  g_string_append_c (key, '\n');
  g_string_append (key, host);
  g_string_append_c (key, '\n');
  g_string_append (key, name);
  g_string_append_c (key, '\n');
  g_string_append (key, direction);
  g_string_append_c (key, '\n');
  do
    {
      g_string_append_c (key, hex[categories & 0xf]);
      categories >>= 4;
    }
  while (categories != 0);
  g_string_append_c (key, decision->keep ? 'k' : 'b');
  return key->str;
}

/* Requests */

/* The worker accepts its clients itself and hands SoupServer a stream, for
 * which SoupServer knows no socket: the socket rides on the remote address
 * SoupServer keeps for the connection (an inspected connection's too). */
#define CLIENT_SOCKET_KEY "tm-client-socket"

/* The client's socket, for a decrypted connection too (nullable). */
static GSocket *
message_client_socket (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return G_IS_OBJECT (remote) ? g_object_get_data (G_OBJECT (remote), CLIENT_SOCKET_KEY) : NULL;
}

static void
proxy_request_clear (TmProxyRequest *req)
{
  if (req->msg != NULL)
    {
      g_clear_signal_handler (&req->finished_id, req->msg);
      g_clear_signal_handler (&req->wrote_chunk_id, req->msg);
      g_clear_signal_handler (&req->wrote_body_id, req->msg);
    }
  g_clear_object (&req->msg);
  g_clear_object (&req->upstream);
  g_clear_object (&req->cancellable);
  g_clear_object (&req->body);
  g_clear_object (&req->tunnel);
  g_clear_pointer (&req->host, g_free);
  g_clear_pointer (&req->top_site, g_free);
  g_clear_pointer (&req->expiring, g_ptr_array_unref);
  g_clear_object (&req->proxy);
}

static TmProxyRequest *
proxy_request_ref (TmProxyRequest *req)
{
  return g_rc_box_acquire (req);
}

static void
proxy_request_unref (TmProxyRequest *req)
{
  g_rc_box_release_full (req, (GDestroyNotify) proxy_request_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmProxyRequest, proxy_request_unref)

static const char *
proxy_request_get_top_site (TmProxyRequest *req)
{
  if (!req->top_site_done)
    {
      SoupMessageHeaders *h = soup_server_message_get_request_headers (req->msg);

      req->top_site =
        tm_context_top_site_from_request (req->host,
                                          soup_message_headers_get_one (h, "Sec-Fetch-Site"),
                                          soup_message_headers_get_one (h, "Sec-Fetch-Dest"),
                                          soup_message_headers_get_one (h, "Origin"),
                                          soup_message_headers_get_one (h, "Referer"));
      req->top_site_done = TRUE;
    }
  return req->top_site;
}

static void
proxy_request_fill_context (TmProxyRequest  *req,
                            TmCookieContext *context)
{
  const char *top = proxy_request_get_top_site (req);

  context->host = req->host;
  context->top_site = (top == NULL || g_strcmp0 (top, req->host) == 0) ? NULL : top;
}

/* Pages */

static void
set_html_response (SoupServerMessage *msg,
                   guint              status,
                   const char        *title,
                   const char        *body_html)
{
  g_autoptr(GString) page = g_string_new (NULL);
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  gsize len;

  g_string_append_printf (page,
                          "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
                          "<title>%s</title></head>\n<body>\n<h1>%s</h1>\n%s\n"
                          "<hr><p><small>%s</small></p>\n</body></html>\n",
                          title, title, body_html, _("Témoin’s cookie proxy"));
  soup_server_message_set_status (msg, status,
                                  status == TM_STATUS_LOOP_DETECTED ? "Loop Detected" : NULL);
  soup_message_headers_replace (h, "Cache-Control", "no-store");
  soup_message_headers_replace (h, "Via", "1.1 temoin");
  len = page->len;
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_TAKE,
                                    g_string_free (g_steal_pointer (&page), FALSE), len);
}

static void
set_error_page (SoupServerMessage *msg,
                guint              status,
                const char        *title,
                const char        *what,
                const char        *hint)
{
  g_autofree char *what_e = g_markup_escape_text (what, -1);
  g_autofree char *hint_e = g_markup_escape_text (hint != NULL ? hint : "", -1);
  g_autofree char *title_e = g_markup_escape_text (title, -1);
  g_autofree char *body = g_strdup_printf ("<p>%s</p>\n<p>%s</p>", what_e, hint_e);

  set_html_response (msg, status, title_e, body);
}

static void
set_info_page (TmProxy           *self,
               SoupServerMessage *msg)
{
  g_autoptr(GString) body = g_string_new (NULL);
  g_autofree char *intro = NULL;
  g_autofree char *how = NULL;
  const char *uri = self->uris->len > 1 ? g_ptr_array_index (self->uris, 0) : "";
  g_autofree char *uri_e = g_markup_escape_text (uri, -1);

  intro = g_markup_escape_text (_("This address is Témoin’s local proxy. It applies your "
                                  "cookie choice to the cookies that go through it."), -1);
  how = g_markup_escape_text (_("To use it, set it as the HTTP and HTTPS proxy of your "
                                "browser or program, for example:"), -1);
  g_string_append_printf (body, "<p>%s</p>\n<p>%s</p>\n", intro, how);
  g_string_append_printf (body, "<pre>http_proxy=%s\nhttps_proxy=%s</pre>", uri_e, uri_e);
  set_html_response (msg, SOUP_STATUS_OK, _("Témoin’s proxy"), body->str);
}

/* The decision log */

static void
append_iso_time (GString *out,
                 gint64   usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  if (dt == NULL)
    return;
  g_string_append_printf (out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                          g_date_time_get_year (dt), g_date_time_get_month (dt),
                          g_date_time_get_day_of_month (dt), g_date_time_get_hour (dt),
                          g_date_time_get_minute (dt), g_date_time_get_second (dt),
                          (int) ((usec % G_USEC_PER_SEC) / 1000));
}

static void
proxy_log_decision (TmProxy          *self,
                    TmProxyRequest   *req,
                    const char       *name,
                    const char       *direction,
                    const TmDecision *decision)
{
  g_autofree char *reason = NULL;
  g_autofree char *site = NULL;
  const char *top;
  const char *source;
  gboolean to_store;
  gint64 now;

  if (decision->keep)
    counter_add (&self->n_kept, 1);
  else
    counter_add (&self->n_blocked, 1);

  if (self->log == NULL && self->session_store == NULL)
    return;

  now = g_get_real_time ();
  top = proxy_request_get_top_site (req);
  to_store = self->session_store != NULL &&
             !recently_seen (&req->worker->recent_decisions,
                             decision_key (req->worker->key, top, req->host, name, direction,
                                           decision),
                             now);
  if (self->log == NULL && !to_store)
    return;

  reason = tm_decision_describe (decision, name, FALSE);
  site = tm_site_for_host (top != NULL && *top != '\0' ? top : req->host);
  source = tm_source_to_id (decision->classification.source);

  if (to_store)
    {
      TmDecisionRecord record = {
        .time = now,
        .site = site,
        .host = req->host,
        .name = (char *) name,
        .direction = (char *) direction,
        .reason = reason,
      };

      /* Categories, verdict, source, and what the reason is made of: the live
       * view says it again in the reader's language. */
      tm_decision_record_set_decision (&record, decision);
      tm_session_store_log_decision (self->session_store, &record);
    }

  if (self->log != NULL)
    {
      g_autoptr(GString) line = g_string_new (NULL);
      TmCategories cats = decision->classification.categories;

      if (self->log_format == TM_PROXY_LOG_JSON)
        {
          gboolean first = TRUE;

          g_string_append (line, "{\"time\":\"");
          append_iso_time (line, now);
          g_string_append (line, "\",\"site\":");
          tm_json_append_escaped (line, site);
          g_string_append (line, ",\"host\":");
          tm_json_append_escaped (line, req->host);
          g_string_append (line, ",\"name\":");
          tm_json_append_escaped (line, name);
          g_string_append_printf (line, ",\"direction\":\"%s\",\"categories\":[", direction);
          for (guint c = 0; c < TM_N_CATEGORIES; c++)
            if (cats & TM_CATEGORY_BIT (c))
              {
                g_string_append_printf (line, "%s\"%s\"", first ? "" : ",",
                                        tm_category_to_id (c));
                first = FALSE;
              }
          g_string_append_printf (line, "],\"decision\":\"%s\",\"reason\":",
                                  decision->keep ? "keep" : "block");
          tm_json_append_escaped (line, reason);
          g_string_append (line, ",\"source\":");
          tm_json_append_escaped (line, source);
          g_string_append (line, "}\n");
        }
      else
        {
          append_iso_time (line, now);
          g_string_append_printf (line, " %s %s site=%s host=%s name=%s categories=",
                                  decision->keep ? "keep" : "block", direction,
                                  site, req->host, name);
          for (guint c = 0, n = 0; c < TM_N_CATEGORIES; c++)
            if (cats & TM_CATEGORY_BIT (c))
              g_string_append_printf (line, "%s%s", n++ ? "," : "", tm_category_to_id (c));
          g_string_append_printf (line, " source=%s reason=%s\n", source, reason);
        }

      g_mutex_lock (&self->log_mutex);
      if (self->log != NULL)
        fwrite (line->str, 1, line->len, self->log);
      g_mutex_unlock (&self->log_mutex);
    }
}

static gboolean
log_flush_cb (gpointer user_data)
{
  TmProxy *self = user_data;

  g_mutex_lock (&self->log_mutex);
  if (self->log != NULL)
    fflush (self->log);
  g_mutex_unlock (&self->log_mutex);
  return G_SOURCE_CONTINUE;
}

/* Cookies */

static void
proxy_request_add_expiring (TmProxyRequest *req,
                            char           *header)
{
  if (req->expiring == NULL)
    req->expiring = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (req->expiring, header);
}

/* Where a Cookie pair ends in the header it was parsed from. */
static const char *
pair_end (const TmCookiePair *pair)
{
  return pair->value != NULL ? pair->value + pair->value_len : pair->name + pair->name_len;
}

/* Filters the client's Cookie header in place on @upstream_headers. Refused
 * pairs are answered with expiring Set-Cookie values (host-only and for the
 * registrable domain, Path=/: a proxy cannot know the path a script used). */
static void
filter_request_cookies (TmProxyRequest     *req,
                        const char         *header,
                        SoupMessageHeaders *upstream_headers)
{
  TmProxy *self = req->proxy;
  g_autoptr(GArray) pairs = tm_cookie_header_parse (header);
  g_autoptr(GString) kept = NULL;
  TmCategories accepted = g_atomic_int_get (&self->accepted);
  TmCookieContext context;
  gboolean all_kept = TRUE;
  g_autofree char *site = NULL;

  if (pairs == NULL || pairs->len == 0)
    {
      soup_message_headers_append (upstream_headers, "Cookie", header);
      return;
    }

  proxy_request_fill_context (req, &context);
  kept = g_string_new (NULL);

  for (guint i = 0; i < pairs->len; i++)
    {
      const TmCookiePair *pair = &g_array_index (pairs, TmCookiePair, i);
      g_autofree char *name = g_strndup (pair->name, pair->name_len);
      TmDecision decision;

      tm_policy_decide (self->classifier, accepted, name, &context, &decision);
      proxy_log_decision (self, req, name, "request", &decision);

      if (decision.keep)
        {
          /* Byte for byte as the client wrote it: the pair, after the separator
           * that preceded it (none before the first pair kept). */
          const char *end = pair_end (pair);

          if (kept->len > 0)
            {
              const char *sep = pair_end (&g_array_index (pairs, TmCookiePair, i - 1));

              g_string_append_len (kept, sep, pair->name - sep);
            }
          g_string_append_len (kept, pair->name, end - pair->name);
        }
      else
        {
          all_kept = FALSE;
          proxy_request_add_expiring (req, tm_cookie_expiring_header (name, req->host, TRUE,
                                                                      "/", req->https));
          if (!g_hostname_is_ip_address (req->host))
            {
              if (site == NULL)
                site = tm_site_for_host (req->host);
              proxy_request_add_expiring (req, tm_cookie_expiring_header (name, site, FALSE,
                                                                          "/", req->https));
            }
        }
    }

  if (all_kept)
    soup_message_headers_append (upstream_headers, "Cookie", header);
  else if (kept->len > 0)
    soup_message_headers_append (upstream_headers, "Cookie", kept->str);
}

/* Whether @host domain-matches @domain (RFC 6265bis 5.1.3). */
static gboolean
host_domain_matches (const char *host,
                     const char *domain,
                     gboolean    host_only)
{
  gsize hl, dl;

  if (g_ascii_strcasecmp (host, domain) == 0)
    return TRUE;
  if (host_only || g_hostname_is_ip_address (host))
    return FALSE;
  hl = strlen (host);
  dl = strlen (domain);
  return hl > dl && host[hl - dl - 1] == '.' &&
         g_ascii_strcasecmp (host + hl - dl, domain) == 0;
}

/* Adds to the response the expiring Set-Cookie values of purged cookies this
 * host may delete, and forgets them. */
static void
take_pending_purges (TmProxyRequest *req)
{
  TmProxy *self = req->proxy;
  g_autofree char *site = NULL;
  GPtrArray *list;

  if (g_atomic_int_get (&self->n_pending) == 0)
    return;

  site = tm_site_for_host (req->host);
  g_mutex_lock (&self->pending_mutex);
  list = g_hash_table_lookup (self->pending, site);
  if (list != NULL)
    {
      for (guint i = 0; i < list->len;)
        {
          TmCookie *c = g_ptr_array_index (list, i);

          if (host_domain_matches (req->host, c->domain, c->host_only))
            {
              proxy_request_add_expiring (req,
                                          tm_cookie_expiring_header (c->name, c->domain,
                                                                     c->host_only, c->path,
                                                                     c->secure));
              g_ptr_array_remove_index (list, i);
            }
          else
            i++;
        }
      if (list->len == 0)
        {
          g_hash_table_remove (self->pending, site);
          g_atomic_int_add (&self->n_pending, -1);
        }
    }
  g_mutex_unlock (&self->pending_mutex);
}

static void
add_pending_purges (TmProxy   *self,
                    GPtrArray *tombstones)
{
  g_mutex_lock (&self->pending_mutex);
  for (guint i = 0; i < tombstones->len; i++)
    {
      TmCookie *c = g_ptr_array_index (tombstones, i);
      g_autofree char *site = tm_site_for_host (c->domain);
      GPtrArray *list = g_hash_table_lookup (self->pending, site);

      if (list == NULL)
        {
          list = g_ptr_array_new_with_free_func ((GDestroyNotify) tm_cookie_free);
          g_hash_table_insert (self->pending, g_steal_pointer (&site), list);
          g_atomic_int_add (&self->n_pending, 1);
        }
      g_ptr_array_add (list, tm_cookie_copy (c));
    }
  g_mutex_unlock (&self->pending_mutex);
}

/* One Set-Cookie line of the origin's response: keep (and mirror) or drop. */
static gboolean
filter_response_cookie (TmProxyRequest *req,
                        const char     *value)
{
  TmProxy *self = req->proxy;
  g_autofree char *name = tm_cookie_parse_name (value);
  TmCookieContext context;
  TmDecision decision;
  GString *key = req->worker->key;

  proxy_request_fill_context (req, &context);
  tm_policy_decide (self->classifier, g_atomic_int_get (&self->accepted), name, &context,
                    &decision);
  proxy_log_decision (self, req, name, "response", &decision);

  if (decision.keep && self->session_store != NULL)
    {
      /* The scheme too: over plain HTTP the store may ignore the same line. */
      g_string_assign (key, req->https ? "s\n" : "\n");
      g_string_append (key, req->host);
      g_string_append_c (key, '\n');
      g_string_append (key, g_uri_get_path (soup_server_message_get_uri (req->msg)));
      g_string_append_c (key, '\n');
      g_string_append (key, value);
    }
  if (decision.keep && self->session_store != NULL &&
      !recently_seen (&req->worker->recent_puts, key->str, g_get_real_time ()))
    {
      GUri *uri = soup_server_message_get_uri (req->msg);
      g_autoptr(TmCookie) cookie = tm_cookie_parse (value, req->host, g_uri_get_path (uri),
                                                    req->https, g_get_real_time () / G_USEC_PER_SEC,
                                                    NULL);

      if (cookie != NULL)
        {
          cookie->categories = decision.classification.categories;
          tm_session_store_put_from (self->session_store, cookie, req->https);
        }
    }

  return decision.keep;
}

/* Forwarding */

static gboolean
is_hop_by_hop (const char *name,
               const char *connection)
{
  /* All of them start with one of these letters: most headers stop here. */
  if (strchr ("cCkKpPtTuU", name[0]) != NULL)
    for (guint i = 0; i < G_N_ELEMENTS (hop_by_hop); i++)
      if (g_ascii_strcasecmp (name, hop_by_hop[i]) == 0)
        return TRUE;
  /* Headers the Connection header (@connection, nullable) names are hop-by-hop too. */
  return connection != NULL && soup_header_contains (connection, name);
}

static void
proxy_request_error (TmProxyRequest *req,
                     const GError   *error)
{
  guint status = SOUP_STATUS_BAD_GATEWAY;
  g_autofree char *what = NULL;
  const char *hint;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    {
      status = SOUP_STATUS_GATEWAY_TIMEOUT;
      what = g_strdup_printf (_("%s did not answer in time."), req->host);
      hint = _("The site may be down or overloaded: try again later.");
    }
  else if (error->domain == G_RESOLVER_ERROR)
    {
      what = g_strdup_printf (_("The name %s could not be found (%s)."), req->host,
                              error->message);
      hint = _("Check the address for typing mistakes and your network connection.");
    }
  else if (error->domain == G_TLS_ERROR)
    {
      what = g_strdup_printf (_("A secure connection to %s could not be made (%s)."),
                              req->host, error->message);
      hint = _("The site’s certificate may be invalid: check the address.");
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      what = g_strdup_printf (_("%s refused the connection on port %d."), req->host,
                              req->port);
      hint = _("The site may be down, or nothing listens on that port.");
    }
  else
    {
      what = g_strdup_printf (_("%s could not be reached (%s)."), req->host, error->message);
      hint = _("Check the address and your network connection, then try again.");
    }

  set_error_page (req->msg, status,
                  status == SOUP_STATUS_GATEWAY_TIMEOUT ? _("Gateway timeout")
                                                        : _("Bad gateway"),
                  what, hint);
}

static void read_next_chunk (TmProxyRequest *req);

static void
read_chunk_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TmProxyRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  SoupMessageBody *body;

  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);
  req->reading = FALSE;
  if (req->finished)
    return;

  if (bytes == NULL)
    {
      /* Headers are gone already: the only honest signal left is to cut the
       * connection, so that the client does not take a truncated body as whole. */
      GSocket *socket = message_client_socket (req->msg);

      g_debug ("Reading the body from %s failed: %s", req->host, error->message);
      if (socket != NULL)
        g_socket_shutdown (socket, TRUE, TRUE, NULL);
      soup_server_message_unpause (req->msg);
      return;
    }

  body = soup_server_message_get_response_body (req->msg);
  if (g_bytes_get_size (bytes) == 0)
    {
      req->eof = TRUE;
      soup_message_body_complete (body);
    }
  else
    soup_message_body_append_bytes (body, bytes);
  soup_server_message_unpause (req->msg);
}

static void
read_next_chunk (TmProxyRequest *req)
{
  if (req->reading || req->eof || req->finished)
    return;
  req->reading = TRUE;
  g_input_stream_read_bytes_async (req->body, CHUNK_SIZE, G_PRIORITY_DEFAULT,
                                   req->cancellable, read_chunk_cb, proxy_request_ref (req));
}

static void
wrote_chunk_cb (SoupServerMessage *msg,
                gpointer           user_data)
{
  /* One chunk in flight at a time: the origin is read as fast as the client
   * takes the data, never faster (no whole body in memory). */
  read_next_chunk (user_data);
}

static void
copy_response_headers (TmProxyRequest *req)
{
  SoupMessageHeaders *from = soup_message_get_response_headers (req->upstream);
  SoupMessageHeaders *to = soup_server_message_get_response_headers (req->msg);
  const char *connection = soup_message_headers_get_list (from, "Connection");
  SoupMessageHeadersIter iter;
  const char *name, *value;
  g_autoptr(GString) via = NULL;

  soup_message_headers_iter_init (&iter, from);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (is_hop_by_hop (name, connection))
        continue;
      if (g_ascii_strcasecmp (name, "Set-Cookie") == 0)
        {
          if (filter_response_cookie (req, value))
            soup_message_headers_append (to, name, value);
        }
      else if (g_ascii_strcasecmp (name, "Date") == 0 ||
               g_ascii_strcasecmp (name, "Server") == 0)
        soup_message_headers_replace (to, name, value);
      else if (g_ascii_strcasecmp (name, "Via") == 0)
        {
          if (via == NULL)
            via = g_string_new (value);
          else
            g_string_append_printf (via, ", %s", value);
        }
      else
        soup_message_headers_append (to, name, value);
    }

  if (via == NULL)
    via = g_string_new (NULL);
  else
    g_string_append (via, ", ");
  g_string_append (via, "1.1 temoin");
  soup_message_headers_replace (to, "Via", via->str);

  take_pending_purges (req);
  if (req->expiring != NULL)
    for (guint i = 0; i < req->expiring->len; i++)
      soup_message_headers_append (to, "Set-Cookie", g_ptr_array_index (req->expiring, i));

  if (soup_message_headers_get_encoding (from) == SOUP_ENCODING_CONTENT_LENGTH)
    soup_message_headers_set_content_length (to,
                                             soup_message_headers_get_content_length (from));
  else if (soup_server_message_get_http_version (req->msg) == SOUP_HTTP_1_0)
    soup_message_headers_set_encoding (to, SOUP_ENCODING_EOF);
  else
    soup_message_headers_set_encoding (to, SOUP_ENCODING_CHUNKED);
}

/* Reads a small body of known length that is already there, without waiting:
 * TRUE when the response is settled (the body complete, or the origin failed and
 * the client's connection is cut). What was read before the stream would block
 * is appended; the caller then reads the rest. */
static gboolean
read_small_body_now (TmProxyRequest  *req,
                     SoupMessageBody *body,
                     goffset          length)
{
  GPollableInputStream *in;
  g_autofree char *buf = NULL;
  g_autoptr(GError) error = NULL;
  gsize got = 0;
  gboolean eof = FALSE;

  if (length < 0 || length > SMALL_BODY_MAX || !G_IS_POLLABLE_INPUT_STREAM (req->body))
    return FALSE;
  in = G_POLLABLE_INPUT_STREAM (req->body);
  if (!g_pollable_input_stream_can_poll (in))
    return FALSE;

  /* One byte more than announced: the last read must see the end. */
  buf = g_malloc ((gsize) length + 1);
  while (!eof)
    {
      gssize n = g_pollable_input_stream_read_nonblocking (in, buf + got,
                                                           (gsize) length + 1 - got,
                                                           NULL, &error);

      if (n < 0)
        break;
      if (n == 0)
        eof = TRUE;
      got += n;
      if (got > (gsize) length)
        break;   /* more than announced: let the chunked reads see it */
    }

  if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      /* As in read_chunk_cb(): a truncated body must not look whole. */
      GSocket *socket = message_client_socket (req->msg);

      g_debug ("Reading the body from %s failed: %s", req->host, error->message);
      if (socket != NULL)
        g_socket_shutdown (socket, TRUE, TRUE, NULL);
      return TRUE;
    }
  if (got > 0)
    soup_message_body_append_take (body, (guchar *) g_steal_pointer (&buf), got);
  if (eof)
    {
      req->eof = TRUE;
      soup_message_body_complete (body);
    }
  return eof;
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(TmProxyRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  SoupMessageBody *body;

  req->body = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (req->finished)
    return;

  if (req->body == NULL)
    {
      proxy_request_error (req, error);
      soup_server_message_unpause (req->msg);
      return;
    }

  soup_server_message_set_status (req->msg, soup_message_get_status (req->upstream),
                                  soup_message_get_reason_phrase (req->upstream));
  copy_response_headers (req);

  body = soup_server_message_get_response_body (req->msg);
  soup_message_body_set_accumulate (body, FALSE);

  /* The usual small page is already in the buffer: answer it in one go. */
  if (soup_message_headers_get_encoding (soup_message_get_response_headers (req->upstream)) ==
        SOUP_ENCODING_CONTENT_LENGTH &&
      read_small_body_now (req, body,
                           soup_message_headers_get_content_length (
                             soup_message_get_response_headers (req->upstream))))
    {
      soup_server_message_unpause (req->msg);
      return;
    }

  /* Read to the end even when the length is known: libsoup reuses the origin's
   * connection only after its body stream reached EOF (measured: skipping that
   * read doubled the CPU per request). */
  req->wrote_chunk_id = g_signal_connect (req->msg, "wrote-chunk",
                                          G_CALLBACK (wrote_chunk_cb), req);
  read_next_chunk (req);
}

static void
request_finished_cb (SoupServerMessage *msg,
                     gpointer           user_data)
{
  TmProxyRequest *req = user_data;

  /* The client is gone or fully answered: stop talking to the origin. */
  req->finished = TRUE;
  /* Nothing left to stop once the origin's body was read to its end. */
  if (!req->eof)
    g_cancellable_cancel (req->cancellable);
  g_clear_signal_handler (&req->finished_id, req->msg);
  g_clear_signal_handler (&req->wrote_chunk_id, req->msg);
  proxy_request_unref (req);
}

static void track_idle_socket (TmProxyWorker     *worker,
                               SoupServerMessage *msg);

/* The request a forwarded message carries (a reference), see server_cb(). */
static G_DEFINE_QUARK (tm-proxy-request, request)

/* SoupServer's "request-finished" and "request-aborted": one handler per
 * server instead of a "finished" handler connected and disconnected for every
 * message (GObject's signal lock is shared by the workers' threads). */
static void
server_request_done_cb (SoupServer        *server,
                        SoupServerMessage *msg,
                        gpointer           user_data)
{
  TmProxyRequest *req = g_object_steal_qdata (G_OBJECT (msg), request_quark ());

  if (req != NULL)
    request_finished_cb (msg, req);
  track_idle_socket (user_data, msg);
}

static SoupSession *new_upstream_session (TmProxy            *self,
                                          GSocketConnectable *remote);

static SoupSession *
worker_session_for (TmProxyWorker     *worker,
                    SoupServerMessage *msg,
                    const char        *host,
                    int                port)
{
  GSocket *socket;
  guint shard = 0;

  if (worker->resolve_sessions != NULL)
    {
      g_autofree char *key = g_strdup_printf ("%s:%d", host, port);
      SoupSession *session = g_hash_table_lookup (worker->resolve_sessions, key);

      if (session != NULL)
        return session;
    }

  /* One client connection always uses the same session, so its upstream
   * connection is found again at its next request. */
  socket = message_client_socket (msg);
  if (socket != NULL)
    shard = (guint) g_socket_get_fd (socket) % SESSION_SHARDS;
  if (worker->sessions[shard] == NULL)
    worker->sessions[shard] = new_upstream_session (worker->proxy, NULL);
  return worker->sessions[shard];
}

static void
forward_request (TmProxyRequest *req,
                 GUri           *uri)
{
  TmProxy *self = req->proxy;
  SoupServerMessage *msg = req->msg;
  SoupMessageHeaders *from = soup_server_message_get_request_headers (msg);
  const char *connection = soup_message_headers_get_list (from, "Connection");
  SoupMessageHeaders *to;
  SoupMessageHeadersIter iter;
  const char *name, *value;
  const char *content_type = NULL;
  g_autoptr(GString) via = NULL;
  g_autoptr(GBytes) body = NULL;
  SoupMessageBody *request_body;

  req->upstream = soup_message_new_from_uri (soup_server_message_get_method (msg), uri);
  soup_message_add_flags (req->upstream, SOUP_MESSAGE_NO_REDIRECT);
  to = soup_message_get_request_headers (req->upstream);

  soup_message_headers_iter_init (&iter, from);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      if (is_hop_by_hop (name, connection) ||
          g_ascii_strcasecmp (name, "Host") == 0 ||
          g_ascii_strcasecmp (name, "Content-Length") == 0 ||
          g_ascii_strcasecmp (name, "Expect") == 0)
        continue;
      if (g_ascii_strcasecmp (name, "Cookie") == 0)
        filter_request_cookies (req, value, to);
      else if (g_ascii_strcasecmp (name, "Content-Type") == 0)
        content_type = value;
      else if (g_ascii_strcasecmp (name, "Via") == 0)
        {
          if (via == NULL)
            via = g_string_new (value);
          else
            g_string_append_printf (via, ", %s", value);
        }
      else if (g_ascii_strcasecmp (name, "Sec-GPC") == 0)
        continue;   /* set below, once */
      else
        soup_message_headers_append (to, name, value);
    }

  if (via == NULL)
    via = g_string_new (NULL);
  else
    g_string_append (via, ", ");
  g_string_append (via, "1.1 temoin");
  soup_message_headers_append (to, "Via", via->str);

  value = soup_message_headers_get_one (from, "Sec-GPC");
  if (g_atomic_int_get (&self->sec_gpc) &&
      !(g_atomic_int_get (&self->accepted) & TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY)))
    soup_message_headers_append (to, "Sec-GPC", "1");
  else if (value != NULL)
    soup_message_headers_append (to, "Sec-GPC", value);

  request_body = soup_server_message_get_request_body (msg);
  if (request_body->length > 0 || content_type != NULL)
    {
      body = soup_message_body_flatten (request_body);
      soup_message_set_request_body_from_bytes (req->upstream, content_type, body);
    }

  soup_session_send_async (worker_session_for (req->worker, msg, req->host, req->port),
                           req->upstream, G_PRIORITY_DEFAULT, req->cancellable,
                           send_cb, proxy_request_ref (req));
}

/* CONNECT */

static void
splice_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_splice_finish (result, &error))
    g_debug ("Tunnel closed: %s", error->message);
}

static void
tunnel_wrote_body_cb (SoupServerMessage *msg,
                      gpointer           user_data)
{
  g_autoptr(TmProxyRequest) req = proxy_request_ref (user_data);
  g_autoptr(GIOStream) client = NULL;
  GSocket *socket = message_client_socket (msg);

  g_clear_signal_handler (&req->wrote_body_id, req->msg);
  if (socket != NULL)
    g_socket_set_timeout (socket, TUNNEL_TIMEOUT_S);
  client = soup_server_message_steal_connection (msg);
  if (client == NULL)
    return;
  /* SoupServer says nothing more of a stolen message: the request ends here,
   * and the tunnel holds nothing of it (nor of the proxy). */
  request_finished_cb (msg, req);   /* drops the handler's reference */
  if (req->tunnel == NULL)
    return;
  g_io_stream_splice_async (client, req->tunnel,
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 |
                            G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, req->worker->tunnels, splice_cb, NULL);
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(TmProxyRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn;

  conn = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (req->finished)
    {
      g_clear_object (&conn);
      return;
    }
  if (conn == NULL)
    {
      proxy_request_error (req, error);
      soup_server_message_unpause (req->msg);
      return;
    }

  req->tunnel = G_IO_STREAM (conn);
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, "Connection established");
  soup_message_headers_set_encoding (soup_server_message_get_response_headers (req->msg),
                                     SOUP_ENCODING_NONE);
  req->wrote_body_id = g_signal_connect (req->msg, "wrote-body",
                                         G_CALLBACK (tunnel_wrote_body_cb), req);
  soup_server_message_unpause (req->msg);
}

/* HTTPS inspection: the client's CONNECT is answered at once; its stream is
 * wrapped in TLS with a certificate of Témoin's CA for the host, and the
 * decrypted requests go to this worker's SoupServer like any other, marked by
 * the remote address they come from (INSPECTED_KEY), so that server_cb() sends
 * them upstream over verified HTTPS through the same cookie policy. */
#define INSPECTED_KEY "tm-inspected-target"

typedef struct {
  char     *host;
  int       port;
  gboolean  not_tls;   /* the client spoke plain HTTP inside the tunnel */
} TmInspectedTarget;

static void
inspected_target_free (TmInspectedTarget *target)
{
  g_free (target->host);
  g_free (target);
}

/* The CONNECT target of a decrypted request; NULL for plain HTTP. */
static TmInspectedTarget *
message_inspected_target (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return G_IS_OBJECT (remote) ? g_object_get_data (G_OBJECT (remote), INSPECTED_KEY) : NULL;
}

typedef struct {
  TmProxyWorker  *worker;
  TmProxy        *proxy;      /* strong */
  GIOStream      *client;
  GSocket        *socket;     /* the client's, to peek at its first byte */
  GIOStream      *tls;
  GSocketAddress *local;
  GSocketAddress *remote;     /* carries the TmInspectedTarget */
  char           *host;
  int             port;
  GCancellable   *cancellable;   /* cancelled when the handshake takes too long */
  GSource        *deadline;
} TmInspection;

static void
inspection_stop_deadline (TmInspection *ins)
{
  if (ins->deadline != NULL)
    {
      g_source_destroy (ins->deadline);
      g_clear_pointer (&ins->deadline, g_source_unref);
    }
}

static void
inspection_free (TmInspection *ins)
{
  if (ins->worker->inspections != NULL)
    g_hash_table_remove (ins->worker->inspections, ins);
  inspection_stop_deadline (ins);
  g_clear_object (&ins->cancellable);
  g_clear_object (&ins->socket);
  g_clear_object (&ins->proxy);
  g_clear_object (&ins->client);
  g_clear_object (&ins->tls);
  g_clear_object (&ins->local);
  g_clear_object (&ins->remote);
  g_free (ins->host);
  g_free (ins);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmInspection, inspection_free)

static TmInspection *
inspection_new (TmProxyWorker *worker)
{
  TmInspection *ins = g_new0 (TmInspection, 1);

  ins->worker = worker;
  ins->cancellable = g_cancellable_new ();
  g_hash_table_add (worker->inspections, ins);
  return ins;
}

static gboolean
host_is_bypassed (TmProxy    *self,
                  const char *host)
{
  gboolean bypassed;

  g_mutex_lock (&self->https_mutex);
  bypassed = tm_bypass_matches ((const char * const *) self->bypass, host);
  g_mutex_unlock (&self->https_mutex);
  return bypassed;
}

static gboolean
should_inspect (TmProxy    *self,
                const char *host)
{
  /* A CA deleted meanwhile (noticed within a second) means blind tunnels. */
  return g_atomic_int_get (&self->inspect) && self->ca != NULL &&
         !host_is_bypassed (self, host) && tm_ca_is_loaded (self->ca);
}

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(TmInspection) ins = user_data;
  g_autoptr(GError) error = NULL;

  inspection_stop_deadline (ins);
  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      /* Typically a client that does not trust Témoin's CA yet, or one that
       * stalled past the deadline (cancelled). */
      g_debug ("TLS handshake with the client for %s failed: %s", ins->host, error->message);
      g_io_stream_close_async (ins->tls, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      return;
    }
  if (ins->worker->server == NULL ||
      !soup_server_accept_iostream (ins->worker->server, ins->tls, ins->local, ins->remote,
                                    &error))
    {
      g_debug ("Could not serve the decrypted stream for %s: %s", ins->host,
               error != NULL ? error->message : "stopping");
      g_io_stream_close_async (ins->tls, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
    }
}

static void
mint_leaf_thread (GTask        *task,
                  gpointer      source_object,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  TmInspection *ins = task_data;
  GError *error = NULL;
  GTlsCertificate *leaf = tm_ca_get_leaf (ins->proxy->ca, ins->host, &error);

  if (leaf == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, leaf, g_object_unref);
}

static void
fallback_connect_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(TmInspection) ins = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) upstream = NULL;

  upstream = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (upstream == NULL)
    {
      g_debug ("Tunnel to %s failed: %s", ins->host, error->message);
      g_io_stream_close_async (ins->client, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      return;
    }
  g_io_stream_splice_async (ins->client, G_IO_STREAM (upstream),
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 |
                            G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, ins->worker->tunnels, splice_cb, NULL);
}

/* No certificate for the host (the CA was deleted meanwhile): the client already
 * has its 200, so the tunnel goes on blind, as without inspection. */
static void
fall_back_to_tunnel (TmInspection *ins)
{
  g_autofree char *key = g_strdup_printf ("%s:%d", ins->host, ins->port);
  const char *mapped = g_hash_table_lookup (ins->proxy->resolve, key);
  g_autoptr(GSocketConnectable) target = NULL;

  target = g_network_address_new (mapped != NULL ? mapped : ins->host, ins->port);
  g_socket_client_connect_async (ins->worker->socket_client, target, ins->cancellable,
                                 fallback_connect_cb, ins);
}

/* g_tls_server_connection_new() leaves the connection's database unset, and
 * glib-networking 2.74 then loads and parses the whole system trust store into
 * each connection's credentials: ~15 ms of CPU on the worker's main loop and
 * ~4 MB per connection (bench/README.md). A server that asks for no client
 * certificate verifies nothing: no database. */
static GIOStream *
tls_server_connection_new (GIOStream        *base,
                           GTlsCertificate  *leaf,
                           GError          **error)
{
  GType type = g_tls_backend_get_server_connection_type (g_tls_backend_get_default ());

  return g_initable_new (type, NULL, error,
                         "base-io-stream", base,
                         "certificate", leaf,
                         "database", NULL,
                         NULL);
}

static void
leaf_ready_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(TmInspection) ins = user_data;
  g_autoptr(GTlsCertificate) leaf = NULL;
  g_autoptr(GError) error = NULL;
  static const char * const alpn[] = { "http/1.1", NULL };
  GCancellable *cancellable;
  GIOStream *tls;

  leaf = g_task_propagate_pointer (G_TASK (result), &error);
  if (leaf == NULL)
    {
      g_debug ("Not inspecting %s: %s", ins->host, error->message);
      fall_back_to_tunnel (g_steal_pointer (&ins));
      return;
    }
  ins->tls = tls_server_connection_new (ins->client, leaf, &error);
  if (ins->tls == NULL)
    {
      g_warning ("Not inspecting %s: %s", ins->host, error->message);
      g_io_stream_close_async (ins->client, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      return;
    }
  /* The decrypted side is served by SoupServer: HTTP/1.1 only. */
  g_tls_connection_set_advertised_protocols (G_TLS_CONNECTION (ins->tls), alpn);
  tls = ins->tls;
  /* The deadline's cancellable ends a handshake the client leaves half done. */
  cancellable = ins->cancellable;
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    cancellable, handshake_cb, g_steal_pointer (&ins));
}

static gboolean
inspection_deadline_cb (gpointer user_data)
{
  GCancellable *cancellable = user_data;

  g_cancellable_cancel (cancellable);
  return G_SOURCE_REMOVE;
}

static void
mint_leaf (TmInspection *ins)
{
  GTask *task;

  /* Minting may sign and write a file: not on the main loop. */
  task = g_task_new (NULL, NULL, leaf_ready_cb, ins);
  g_task_set_task_data (task, ins, NULL);
  g_task_run_in_thread (task, mint_leaf_thread);
  g_object_unref (task);
}

/* The client spoke plain HTTP where TLS was expected: SoupServer reads that
 * request, and server_cb() answers it with an error page. */
static void
serve_not_tls (TmInspection *taken)
{
  g_autoptr(TmInspection) ins = taken;
  g_autoptr(GError) error = NULL;
  TmInspectedTarget *target = g_object_get_data (G_OBJECT (ins->remote), INSPECTED_KEY);

  inspection_stop_deadline (ins);
  target->not_tls = TRUE;
  if (ins->worker->server == NULL ||
      !soup_server_accept_iostream (ins->worker->server, ins->client, ins->local, ins->remote,
                                    &error))
    {
      g_debug ("Could not answer the plain request for %s: %s", ins->host,
               error != NULL ? error->message : "stopping");
      g_io_stream_close_async (ins->client, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
    }
}

/* The client's first bytes are there (or the deadline passed): a TLS record
 * starts the handshake, anything else is not TLS. Waiting for them here, on the
 * main loop, keeps a silent client from holding one of GIO's pool threads,
 * where glib-networking runs handshakes. */
static gboolean
client_readable_cb (GObject  *stream,
                    gpointer  user_data)
{
  TmInspection **slot = user_data;
  TmInspection *ins = g_steal_pointer (slot);
  guint8 first = TLS_RECORD_HANDSHAKE;
  gssize n = -1;

  if (g_cancellable_is_cancelled (ins->cancellable))
    {
      g_debug ("The client for %s sent nothing within %u s of the tunnel’s opening",
               ins->host, ins->proxy->handshake_timeout_s);
      g_io_stream_close_async (ins->client, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      inspection_free (ins);
      return G_SOURCE_REMOVE;
    }

  /* Peeked on the socket, so that the handshake still reads it. When libsoup
   * already buffered it with the CONNECT request, the socket has nothing left
   * (EAGAIN): such a client sent it at once, as TLS clients do. */
  if (ins->socket != NULL)
    {
      do
        n = recv (g_socket_get_fd (ins->socket), &first, 1, MSG_PEEK | MSG_DONTWAIT);
      while (n < 0 && errno == EINTR);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK))
        {
          g_debug ("The client for %s went away before its handshake", ins->host);
          g_io_stream_close_async (ins->client, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
          inspection_free (ins);
          return G_SOURCE_REMOVE;
        }
    }

  if (first == TLS_RECORD_HANDSHAKE)
    mint_leaf (ins);
  else if (g_ascii_isupper (first))
    serve_not_tls (ins);   /* a request line: GET, POST… */
  else
    {
      g_debug ("The client for %s sent something else than TLS (0x%02x)", ins->host, first);
      g_io_stream_close_async (ins->client, G_PRIORITY_DEFAULT, NULL, NULL, NULL);
      inspection_free (ins);
    }
  return G_SOURCE_REMOVE;
}

/* The wait ended without its callback (the worker stopped): the client goes. */
static void
client_wait_free (gpointer data)
{
  TmInspection **slot = data;

  if (*slot != NULL)
    g_io_stream_close ((*slot)->client, NULL, NULL);
  g_clear_pointer (slot, inspection_free);
  g_free (slot);
}

static void
inspect_wrote_body_cb (SoupServerMessage *msg,
                       gpointer           user_data)
{
  g_autoptr(TmProxyRequest) req = proxy_request_ref (user_data);
  g_autoptr(TmInspection) ins = inspection_new (req->worker);
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  GSocketAddress *local = soup_server_message_get_local_address (msg);
  GSocket *socket = message_client_socket (msg);
  TmInspectedTarget *target;
  GInputStream *input;

  g_clear_signal_handler (&req->wrote_body_id, req->msg);
  ins->proxy = g_object_ref (req->proxy);
  ins->host = g_strdup (req->host);
  ins->port = req->port;
  ins->local = local != NULL ? g_object_ref (local) : NULL;
  /* A remote address of its own, to recognize this stream's requests. */
  if (G_IS_INET_SOCKET_ADDRESS (remote))
    ins->remote = g_inet_socket_address_new (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)),
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)));
  else
    {
      g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

      ins->remote = g_inet_socket_address_new (loopback, 0);
    }
  target = g_new0 (TmInspectedTarget, 1);
  target->host = g_strdup (req->host);
  target->port = req->port;
  g_object_set_data_full (G_OBJECT (ins->remote), INSPECTED_KEY, target,
                          (GDestroyNotify) inspected_target_free);
  if (socket != NULL)   /* for the idle sweep */
    g_object_set_data_full (G_OBJECT (ins->remote), CLIENT_SOCKET_KEY, g_object_ref (socket),
                            g_object_unref);

  ins->socket = socket != NULL ? g_object_ref (socket) : NULL;
  ins->client = soup_server_message_steal_connection (msg);
  if (ins->client == NULL)
    return;
  /* SoupServer says nothing more of a stolen message: the CONNECT ends here. */
  request_finished_cb (msg, req);   /* drops the handler's reference */

  ins->deadline = g_timeout_source_new_seconds (ins->proxy->handshake_timeout_s);
  g_source_set_callback (ins->deadline, inspection_deadline_cb,
                         g_object_ref (ins->cancellable), g_object_unref);
  g_source_set_static_name (ins->deadline, "[temoin] TLS handshake deadline");
  g_source_attach (ins->deadline, ins->worker->context);

  input = g_io_stream_get_input_stream (ins->client);
  if (G_IS_POLLABLE_INPUT_STREAM (input) &&
      g_pollable_input_stream_can_poll (G_POLLABLE_INPUT_STREAM (input)))
    {
      GSource *source;
      TmInspection **slot = g_new0 (TmInspection *, 1);

      /* Fires when the client sent something, or when the deadline cancels. */
      source = g_pollable_input_stream_create_source (G_POLLABLE_INPUT_STREAM (input),
                                                      ins->cancellable);
      *slot = g_steal_pointer (&ins);
      g_source_set_callback (source, (GSourceFunc) (void (*) (void)) client_readable_cb,
                             slot, client_wait_free);
      g_source_set_static_name (source, "[temoin] waiting for a ClientHello");
      g_source_attach (source, req->worker->context);
      g_source_unref (source);
    }
  else
    mint_leaf (g_steal_pointer (&ins));
}

static void
inspect_request (TmProxyRequest *req)
{
  soup_server_message_set_status (req->msg, SOUP_STATUS_OK, "Connection established");
  soup_message_headers_set_encoding (soup_server_message_get_response_headers (req->msg),
                                     SOUP_ENCODING_NONE);
  req->wrote_body_id = g_signal_connect (req->msg, "wrote-body",
                                         G_CALLBACK (inspect_wrote_body_cb), req);
}

static gboolean
connect_port_allowed (TmProxy *self,
                      int      port)
{
  for (guint i = 0; i < self->connect_ports->len; i++)
    if (g_array_index (self->connect_ports, guint16, i) == port)
      return TRUE;
  return FALSE;
}

static void
tunnel_request (TmProxyRequest *req)
{
  TmProxy *self = req->proxy;
  g_autofree char *key = NULL;
  const char *mapped;
  g_autoptr(GSocketConnectable) target = NULL;

  if (!connect_port_allowed (self, req->port))
    {
      g_autofree char *what = g_strdup_printf (_("Tunnels to port %d are not allowed."),
                                               req->port);

      set_error_page (req->msg, SOUP_STATUS_FORBIDDEN, _("Forbidden"), what,
                      _("Only the ports given with --connect-ports can be reached "
                        "(443 by default)."));
      return;
    }

  if (should_inspect (self, req->host))
    {
      inspect_request (req);
      return;
    }

  key = g_strdup_printf ("%s:%d", req->host, req->port);
  mapped = g_hash_table_lookup (self->resolve, key);
  target = g_network_address_new (mapped != NULL ? mapped : req->host, req->port);
  soup_server_message_pause (req->msg);
  g_socket_client_connect_async (req->worker->socket_client, target, req->cancellable,
                                 connect_cb, proxy_request_ref (req));
}

/* The handler */

static gboolean
host_is_self (TmProxy    *self,
              const char *host,
              int         port)
{
  g_autoptr(GInetAddress) addr = NULL;

  if ((guint) port != self->bound_port)
    return FALSE;
  if (g_ascii_strcasecmp (host, "localhost") == 0)
    return TRUE;
  addr = g_inet_address_new_from_string (host);
  if (addr == NULL)
    return FALSE;
  if (g_inet_address_get_is_loopback (addr) || g_inet_address_get_is_any (addr))
    return TRUE;
  for (guint i = 0; i < self->listen->len; i++)
    if (g_inet_address_equal (addr, g_ptr_array_index (self->listen, i)))
      return TRUE;
  return FALSE;
}

static void
server_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  TmProxyWorker *worker = user_data;
  TmProxy *self = worker->proxy;
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  const char *method = soup_server_message_get_method (msg);
  const char *via;
  g_autoptr(TmProxyRequest) req = NULL;
  g_autoptr(GUri) inspected_uri = NULL;
  TmInspectedTarget *inspected = message_inspected_target (msg);
  int port;

  counter_add (&self->n_requests, 1);

  if (inspected != NULL)
    {
      /* Decrypted from a CONNECT: the target is the tunnel's, whatever the
       * request line or Host says. */
      if (inspected->not_tls)
        {
          g_autofree char *what = NULL;

          /* Translators: %s:%d is a host and port, e.g. example.org:443 */
          what = g_strdup_printf (_("The program opened a tunnel to %s:%d for an encrypted "
                                    "connection, then sent an unencrypted request in it."),
                                  inspected->host, inspected->port);
          soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                        "Connection", "close");
          set_error_page (msg, SOUP_STATUS_BAD_REQUEST, _("Bad request"), what,
                          _("Send https:// addresses through the tunnel, and http:// "
                            "ones to the proxy directly."));
          return;
        }
      if (method == SOUP_METHOD_CONNECT)
        {
          set_error_page (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, _("Method not allowed"),
                          _("A tunnel cannot be opened inside another one."), NULL);
          return;
        }
      inspected_uri = g_uri_build (G_URI_FLAGS_ENCODED, "https", NULL, inspected->host,
                                   inspected->port == 443 ? -1 : inspected->port,
                                   g_uri_get_path (uri), g_uri_get_query (uri), NULL);
      uri = inspected_uri;
    }

  if (G_IS_INET_SOCKET_ADDRESS (remote) &&
      !tm_proxy_client_is_allowed (
        g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)), self->allow))
    {
      set_error_page (msg, SOUP_STATUS_FORBIDDEN, _("Forbidden"),
                      _("This proxy only serves this computer."),
                      _("To let other machines use it, start it with --allow and their "
                        "network, for example --allow 192.168.1.0/24."));
      return;
    }

  port = g_uri_get_port (uri);
  if (port <= 0)
    port = g_strcmp0 (g_uri_get_scheme (uri), "https") == 0 ? 443 : 80;

  via = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Via");
  if (via != NULL && strstr (via, "temoin") != NULL)
    {
      set_error_page (msg, TM_STATUS_LOOP_DETECTED, _("Loop detected"),
                      _("This request already went through Témoin’s proxy."),
                      _("The proxy would be sending it to itself: check the proxy "
                        "settings of the program that sent it."));
      return;
    }

  if (host_is_self (self, g_uri_get_host (uri), port))
    {
      /* Origin-form requests to the proxy itself and absolute ones aimed at it
       * look the same to SoupServer: the front page is the only thing served. */
      if ((method == SOUP_METHOD_GET || method == SOUP_METHOD_HEAD) &&
          g_strcmp0 (g_uri_get_path (uri), "/") == 0 && g_uri_get_query (uri) == NULL)
        set_info_page (self, msg);
      else
        set_error_page (msg, TM_STATUS_LOOP_DETECTED, _("Loop detected"),
                        _("This request is aimed at Témoin’s proxy itself."),
                        _("Send requests for other sites through the proxy, not to it."));
      return;
    }

  req = g_rc_box_new0 (TmProxyRequest);
  req->worker = worker;
  req->proxy = g_object_ref (self);
  req->msg = g_object_ref (msg);
  req->cancellable = g_cancellable_new ();
  req->host = g_ascii_strdown (g_uri_get_host (uri), -1);
  req->port = port;
  req->https = g_strcmp0 (g_uri_get_scheme (uri), "https") == 0;
  if (method == SOUP_METHOD_CONNECT)
    {
      /* The connection is stolen at the end: SoupServer reports nothing then. */
      req->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (request_finished_cb),
                                           proxy_request_ref (req));
      tunnel_request (req);
      return;
    }

  g_object_set_qdata (G_OBJECT (msg), request_quark (), proxy_request_ref (req));
  soup_server_message_pause (msg);
  forward_request (req, uri);
}

/* Idle and slow clients. SoupServer 3.2 has no timeout of its own, and a GSocket
 * timeout on its connections does not help: measured with libsoup 3.2.3, a
 * connection whose socket has one never times out while it waits for the next
 * request. So each worker remembers the messages still waiting for their
 * request, and a sweep shuts the socket of those waiting too long: SoupServer
 * reads the end and closes. Connections between two requests are watched
 * apart (IdleSocket below). */

static void
waiting_message_gone_cb (gpointer  data,
                         GObject  *where_the_object_was)
{
  TmProxyWorker *worker = data;

  g_hash_table_remove (worker->waiting, where_the_object_was);
}

static void
forget_waiting (TmProxyWorker     *worker,
                SoupServerMessage *msg)
{
  if (g_hash_table_remove (worker->waiting, msg))
    g_object_weak_unref (G_OBJECT (msg), waiting_message_gone_cb, worker);
}

static void
request_started_cb (SoupServer        *server,
                    SoupServerMessage *msg,
                    gpointer           user_data)
{
  TmProxyWorker *worker = user_data;
  gint64 *since = g_new (gint64, 1);

  *since = g_get_monotonic_time ();
  g_hash_table_insert (worker->waiting, msg, since);
  g_object_weak_ref (G_OBJECT (msg), waiting_message_gone_cb, worker);
}

static void
request_read_cb (SoupServer        *server,
                 SoupServerMessage *msg,
                 gpointer           user_data)
{
  TmProxyWorker *worker = user_data;
  GSocket *socket = message_client_socket (msg);

  forget_waiting (worker, msg);
  if (socket != NULL)
    g_hash_table_remove (worker->idle, socket);
}

/* Measured with libsoup 3.2.3 (a bare SoupServer too): when a keep-alive client
 * closes its connection between two requests, SoupServer reads the end of the
 * stream but never closes its socket, which then stays in CLOSE_WAIT for good.
 * So the proxy watches each connection between two requests, and closes the
 * socket itself when the client has gone (or was idle too long, see
 * sweep_idle_cb()). */
typedef struct {
  GSocket  *socket;
  gint64    since;
  GSource  *watch;
  gboolean  tls;   /* decrypted: the bytes on the socket are TLS records */
  guint     pending;   /* wake-ups with bytes SoupServer has not read yet */
} IdleSocket;

static void
idle_socket_free (IdleSocket *idle)
{
  if (idle->watch != NULL)
    {
      g_source_destroy (idle->watch);
      g_source_unref (idle->watch);
    }
  g_object_unref (idle->socket);
  g_free (idle);
}

static gboolean
idle_socket_cb (GSocket      *socket,
                GIOCondition  condition,
                gpointer      user_data)
{
  TmProxyWorker *worker = user_data;
  IdleSocket *idle = g_hash_table_lookup (worker->idle, socket);
  struct pollfd pfd = { .events = POLLIN | POLLRDHUP };
  char byte;
  gssize n;

  if (idle != NULL && !g_socket_is_closed (socket))
    {
      pfd.fd = g_socket_get_fd (socket);
      if (poll (&pfd, 1, 0) < 0)
        pfd.revents = 0;
      do
        n = recv (pfd.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      while (n < 0 && errno == EINTR);
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return G_SOURCE_CONTINUE;   /* SoupServer read it first */
      /* The end of the stream; or, for TLS, the client's close_notify followed by
       * the end (a client between two requests has nothing else to send then). */
      if (n <= 0 || (idle->tls && (pfd.revents & (POLLRDHUP | POLLHUP)) != 0))
        {
          g_debug ("A client closed its idle connection: closing ours");
          g_socket_close (socket, NULL);
        }
      /* Otherwise the next request, SoupServer's to read; or, for TLS, maybe a
       * close_notify whose end of stream is still on its way: watched a little
       * longer (SoupServer reads it in the meantime), never for good. */
      else if (idle->tls && ++idle->pending < 64)
        return G_SOURCE_CONTINUE;
    }
  g_hash_table_remove (worker->idle, socket);   /* destroys this source */
  return G_SOURCE_REMOVE;
}

static void
track_idle_socket (TmProxyWorker     *worker,
                   SoupServerMessage *msg)
{
  GSocket *socket = message_client_socket (msg);
  IdleSocket *idle;

  if (worker->idle == NULL || socket == NULL || g_socket_is_closed (socket) ||
      g_hash_table_contains (worker->idle, socket))
    return;
  idle = g_new0 (IdleSocket, 1);
  idle->socket = g_object_ref (socket);
  idle->since = g_get_monotonic_time ();
  idle->tls = message_inspected_target (msg) != NULL &&
              !message_inspected_target (msg)->not_tls;
  idle->watch = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (idle->watch, (GSourceFunc) (void (*) (void)) idle_socket_cb, worker,
                         NULL);
  g_source_set_static_name (idle->watch, "[temoin] idle client connection");
  g_source_attach (idle->watch, worker->context);
  g_hash_table_insert (worker->idle, socket, idle);
}

static gboolean
sweep_idle_cb (gpointer user_data)
{
  TmProxyWorker *worker = user_data;
  gint64 limit = g_get_monotonic_time () -
                 (gint64) worker->proxy->idle_timeout_s * G_USEC_PER_SEC;
  g_autoptr(GPtrArray) expired = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, worker->waiting);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (*(gint64 *) value < limit)
      g_ptr_array_add (expired, key);

  for (guint i = 0; i < expired->len; i++)
    {
      SoupServerMessage *msg = g_ptr_array_index (expired, i);
      GSocket *socket = message_client_socket (msg);

      forget_waiting (worker, msg);
      if (socket != NULL)
        {
          g_debug ("Closing a client connection whose request did not come within %u s",
                   worker->proxy->idle_timeout_s);
          g_socket_shutdown (socket, TRUE, TRUE, NULL);
        }
    }

  /* Between two requests: the watch then reads the end and closes the socket. */
  g_hash_table_iter_init (&iter, worker->idle);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (((IdleSocket *) value)->since < limit)
      {
        g_debug ("Closing a client connection idle for %u s", worker->proxy->idle_timeout_s);
        g_socket_shutdown (key, TRUE, TRUE, NULL);
      }
  return G_SOURCE_CONTINUE;
}

/* Workers */

static SoupSession *
new_upstream_session (TmProxy            *self,
                      GSocketConnectable *remote)
{
  SoupSession *session;

  session = g_object_new (SOUP_TYPE_SESSION,
                          "max-conns", MAX_CONNS,
                          "max-conns-per-host", MAX_CONNS_PER_HOST,
                          "timeout", UPSTREAM_TIMEOUT_S,
                          "idle-timeout", UPSTREAM_IDLE_S,
                          "remote-connectable", remote,
                          /* Straight to the origin: with "use for the whole
                           * desktop" on, the desktop's resolver would send us
                           * back to ourselves. */
                          "proxy-resolver", NULL,
                          NULL);
  /* Bodies pass as they are: no decoding (it would keep the gzip label on
   * decoded data), no authentication dialogue of our own. */
  soup_session_remove_feature_by_type (session, SOUP_TYPE_CONTENT_DECODER);
  /* Upstream certificates are verified, against the system store plus the
   * anchors of --upstream-ca: a failure is an error page, never a downgrade. */
  if (self->upstream_db != NULL)
    soup_session_set_tls_database (session, self->upstream_db);
  soup_session_remove_feature_by_type (session, SOUP_TYPE_AUTH_MANAGER);
  return session;
}

static void
worker_clear_sessions (TmProxyWorker *worker)
{
  for (guint i = 0; i < SESSION_SHARDS; i++)
    if (worker->sessions[i] != NULL)
      {
        soup_session_abort (worker->sessions[i]);
        g_clear_object (&worker->sessions[i]);
      }
}

/* Accepting clients. libsoup 3.2's own listener keeps a reference to every
 * socket it accepts (a GSocket lost per connection; fixed in libsoup 3.3) and
 * stops listening for good after one failed accept(), when the process is out
 * of descriptors. Each worker accepts its clients itself, backs off while
 * accept() fails (the clients wait in the kernel's backlog meanwhile), and hands
 * each connection to its SoupServer as a stream. */
#define ACCEPT_BATCH           32     /* clients accepted per wake-up at most */
#define ACCEPT_BACKOFF_MIN_MS  50
#define ACCEPT_BACKOFF_MAX_MS  1000
/* How long a stopping worker waits for its inspections under way to end. */
#define STOP_DRAIN_MS          5000

typedef struct {
  TmProxyWorker *worker;
  GSocket       *socket;       /* listening, non-blocking */
  GSource       *source;       /* the accept watch, or the back-off timer */
  guint          backoff_ms;   /* 0 while accept() works */
} TmListener;

static void listener_watch (TmListener *listener);

static void
listener_free (TmListener *listener)
{
  if (listener->source != NULL)
    {
      g_source_destroy (listener->source);
      g_source_unref (listener->source);
    }
  g_object_unref (listener->socket);
  g_free (listener);
}

static void
serve_client (TmProxyWorker *worker,
              GSocket       *client)
{
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GSocketConnection) stream = NULL;
  g_autoptr(GError) error = NULL;

  local = g_socket_get_local_address (client, &error);
  if (local != NULL)
    remote = g_socket_get_remote_address (client, &error);
  if (remote == NULL)
    {
      g_debug ("A client left before it was served: %s", error->message);
      g_socket_close (client, NULL);
      return;
    }
  g_socket_set_option (client, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  g_object_set_data_full (G_OBJECT (remote), CLIENT_SOCKET_KEY, g_object_ref (client),
                          g_object_unref);
  stream = g_socket_connection_factory_create_connection (client);
  soup_server_accept_iostream (worker->server, G_IO_STREAM (stream), local, remote, NULL);
}

static gboolean
listener_back_off_cb (gpointer user_data)
{
  TmListener *listener = user_data;

  g_clear_pointer (&listener->source, g_source_unref);
  listener_watch (listener);
  return G_SOURCE_REMOVE;
}

static gboolean
listener_accept_cb (GSocket      *socket,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  TmListener *listener = user_data;

  for (guint i = 0; i < ACCEPT_BATCH; i++)
    {
      /* accept4() itself, not g_socket_accept(): GIO turns the errno that says
       * whether to wait (EMFILE) or go on (ECONNABORTED) into one error code. */
      int fd = accept4 (g_socket_get_fd (socket), NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
      int saved_errno = errno;

      if (fd >= 0)
        {
          g_autoptr(GSocket) client = g_socket_new_from_fd (fd, NULL);

          listener->backoff_ms = 0;
          if (client != NULL)
            serve_client (listener->worker, client);
          else
            close (fd);
          continue;
        }
      if (saved_errno == EAGAIN || saved_errno == EWOULDBLOCK)
        return G_SOURCE_CONTINUE;
      /* That client is gone (or a firewall refused it): the next may be there. */
      if (saved_errno == EINTR || saved_errno == ECONNABORTED || saved_errno == EPROTO ||
          saved_errno == EPERM)
        continue;

      /* Out of descriptors or memory: wait, then accept again. */
      if (listener->backoff_ms == 0)
        g_warning ("Could not accept a client connection: %s. Trying again until it works.",
                   g_strerror (saved_errno));
      listener->backoff_ms = CLAMP (listener->backoff_ms * 2, ACCEPT_BACKOFF_MIN_MS,
                                    ACCEPT_BACKOFF_MAX_MS);
      g_clear_pointer (&listener->source, g_source_unref);
      listener->source = g_timeout_source_new (listener->backoff_ms);
      g_source_set_callback (listener->source, listener_back_off_cb, listener, NULL);
      g_source_set_static_name (listener->source, "[temoin] accept back-off");
      g_source_attach (listener->source, listener->worker->context);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
listener_watch (TmListener *listener)
{
  listener->source = g_socket_create_source (listener->socket, G_IO_IN, NULL);
  g_source_set_callback (listener->source,
                         (GSourceFunc) (void (*) (void)) listener_accept_cb, listener, NULL);
  g_source_set_static_name (listener->source, "[temoin] accepting clients");
  g_source_attach (listener->source, listener->worker->context);
}

/* SoupServer 3.2 closes a keep-alive connection after each response unless it
 * has a listener of its own (request_finished() in soup-server.c): it gets one
 * that never accepts anything, one end of a socket pair whose other end is
 * closed (libsoup drops its watch at the first failed accept(), at once). */
static gboolean
worker_anchor_server (TmProxyWorker  *worker,
                      GError        **error)
{
  g_autoptr(GSocket) anchor = NULL;
  int fds[2];

  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   "socketpair: %s", g_strerror (saved));
      return FALSE;
    }
  close (fds[1]);
  anchor = g_socket_new_from_fd (fds[0], error);
  if (anchor == NULL)
    {
      close (fds[0]);
      return FALSE;
    }
  return soup_server_listen_socket (worker->server, anchor, 0, error);
}

static void
worker_listen (TmProxyWorker *worker)
{
  worker->listeners = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_free);
  for (guint i = 0; i < worker->sockets->len; i++)
    {
      TmListener *listener = g_new0 (TmListener, 1);

      listener->worker = worker;
      listener->socket = g_object_ref (g_ptr_array_index (worker->sockets, i));
      g_socket_set_blocking (listener->socket, FALSE);
      g_ptr_array_add (worker->listeners, listener);
      listener_watch (listener);
    }
}

static gboolean
drain_deadline_cb (gpointer user_data)
{
  gboolean *passed = user_data;

  *passed = TRUE;
  return G_SOURCE_REMOVE;
}

/* On the worker's own context, once no request comes any more: the
 * inspections under way are cancelled, and the context runs until each has
 * ended and freed what it holds (a client stream, a reference on the proxy). */
static void
worker_drain_inspections (TmProxyWorker *worker)
{
  g_autoptr(GPtrArray) live = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer ins;
  GSource *deadline;
  gboolean passed = FALSE;

  if (worker->inspections == NULL || g_hash_table_size (worker->inspections) == 0)
    return;
  /* Not while iterating: a cancellation may end an inspection at once. */
  g_hash_table_iter_init (&iter, worker->inspections);
  while (g_hash_table_iter_next (&iter, &ins, NULL))
    g_ptr_array_add (live, ins);
  for (guint i = 0; i < live->len; i++)
    if (g_hash_table_contains (worker->inspections, g_ptr_array_index (live, i)))
      g_cancellable_cancel (((TmInspection *) g_ptr_array_index (live, i))->cancellable);

  deadline = g_timeout_source_new (STOP_DRAIN_MS);
  g_source_set_callback (deadline, drain_deadline_cb, &passed, NULL);
  g_source_attach (deadline, worker->context);
  while (g_hash_table_size (worker->inspections) > 0 && !passed)
    g_main_context_iteration (worker->context, TRUE);
  g_source_destroy (deadline);
  g_source_unref (deadline);
  if (g_hash_table_size (worker->inspections) > 0)
    g_warning ("%u HTTPS inspections did not end within %u ms of the proxy’s stop",
               g_hash_table_size (worker->inspections), STOP_DRAIN_MS);
}

/* On the worker's own context: no new client, the tunnels and the inspections
 * under way ended, the server and the upstream sessions closed. */
static void
worker_shut_down (TmProxyWorker *worker)
{
  g_clear_pointer (&worker->listeners, g_ptr_array_unref);
  if (worker->tunnels != NULL)
    g_cancellable_cancel (worker->tunnels);
  worker_drain_inspections (worker);
  if (worker->server != NULL)
    soup_server_disconnect (worker->server);
  worker_clear_sessions (worker);
  g_clear_object (&worker->server);
  g_clear_pointer (&worker->resolve_sessions, g_hash_table_unref);
  /* Let pending cancellations run before the context goes. */
  while (g_main_context_iteration (worker->context, FALSE))
    ;
}

static void
worker_free (TmProxyWorker *worker)
{
  if (worker->sweep != NULL)
    {
      g_source_destroy (worker->sweep);
      g_clear_pointer (&worker->sweep, g_source_unref);
    }
  g_clear_pointer (&worker->idle, g_hash_table_unref);
  g_clear_pointer (&worker->listeners, g_ptr_array_unref);
  if (worker->server != NULL)
    soup_server_disconnect (worker->server);
  worker_clear_sessions (worker);
  g_clear_object (&worker->server);
  g_clear_pointer (&worker->inspections, g_hash_table_unref);
  g_clear_object (&worker->tunnels);
  if (worker->waiting != NULL)
    {
      GHashTableIter iter;
      gpointer msg;

      g_hash_table_iter_init (&iter, worker->waiting);
      while (g_hash_table_iter_next (&iter, &msg, NULL))
        g_object_weak_unref (msg, waiting_message_gone_cb, worker);
      g_clear_pointer (&worker->waiting, g_hash_table_unref);
    }
  g_clear_pointer (&worker->resolve_sessions, g_hash_table_unref);
  g_clear_object (&worker->socket_client);
  g_clear_pointer (&worker->sockets, g_ptr_array_unref);
  g_clear_pointer (&worker->recent_puts, g_hash_table_unref);
  g_clear_pointer (&worker->recent_decisions, g_hash_table_unref);
  if (worker->key != NULL)
    g_string_free (worker->key, TRUE);
  g_clear_pointer (&worker->loop, g_main_loop_unref);
  g_clear_pointer (&worker->context, g_main_context_unref);
  g_mutex_clear (&worker->ready_mutex);
  g_cond_clear (&worker->ready_cond);
  g_free (worker);
}

/* Called on the worker's own context. */
static gboolean
worker_setup (TmProxyWorker  *worker,
              GError        **error)
{
  TmProxy *self = worker->proxy;
  GHashTableIter iter;
  gpointer key, value;

  worker->server = g_object_new (SOUP_TYPE_SERVER, "raw-paths", TRUE, NULL);
  soup_server_add_handler (worker->server, NULL, server_cb, worker, NULL);
  worker->waiting = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  worker->inspections = g_hash_table_new (NULL, NULL);
  worker->tunnels = g_cancellable_new ();
  worker->idle = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) idle_socket_free);
  g_signal_connect (worker->server, "request-started", G_CALLBACK (request_started_cb),
                    worker);
  g_signal_connect (worker->server, "request-read", G_CALLBACK (request_read_cb), worker);
  worker->sweep = g_timeout_source_new_seconds (MAX (1, self->idle_timeout_s / 4));
  g_source_set_callback (worker->sweep, sweep_idle_cb, worker, NULL);
  g_source_set_static_name (worker->sweep, "[temoin] idle client sweep");
  g_source_attach (worker->sweep, worker->context);
  g_signal_connect (worker->server, "request-finished", G_CALLBACK (server_request_done_cb),
                    worker);
  g_signal_connect (worker->server, "request-aborted", G_CALLBACK (server_request_done_cb),
                    worker);

  worker->socket_client = g_socket_client_new ();
  g_socket_client_set_timeout (worker->socket_client, UPSTREAM_TIMEOUT_S);

  if (g_hash_table_size (self->resolve) > 0)
    {
      worker->resolve_sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                        g_object_unref);
      g_hash_table_iter_init (&iter, self->resolve);
      while (g_hash_table_iter_next (&iter, &key, &value))
        {
          const char *colon = strrchr (key, ':');
          guint64 port = g_ascii_strtoull (colon + 1, NULL, 10);
          g_autoptr(GSocketConnectable) remote = g_network_address_new (value, port);

          g_hash_table_insert (worker->resolve_sessions, g_strdup (key),
                               new_upstream_session (self, remote));
        }
    }

  if (!worker_anchor_server (worker, error))
    return FALSE;
  worker_listen (worker);
  return TRUE;
}

static gpointer
worker_thread (gpointer data)
{
  TmProxyWorker *worker = data;
  g_autoptr(GError) error = NULL;

  g_main_context_push_thread_default (worker->context);
  if (!worker_setup (worker, &error))
    g_warning ("A proxy worker could not start: %s", error->message);

  g_mutex_lock (&worker->ready_mutex);
  worker->ready = TRUE;
  g_cond_signal (&worker->ready_cond);
  g_mutex_unlock (&worker->ready_mutex);

  /* Not g_main_loop_run(): a g_main_loop_quit() that comes before it starts is
   * lost, and tm_proxy_stop() right after tm_proxy_start() then waited for ever
   * (seen in the serve tests). A flag set before the wake-up cannot be missed. */
  while (!g_atomic_int_get (&worker->stopping))
    g_main_context_iteration (worker->context, TRUE);

  worker_shut_down (worker);
  g_main_context_pop_thread_default (worker->context);
  return NULL;
}

/* Live choice */

/* Follows the https-inspection and https-bypass settings (and this run's
 * overrides). Turning inspection on creates the CA when there is none. */
static void
reload_https_settings (TmProxy *self)
{
  gboolean inspect = self->inspection_override > 0;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) parsed = NULL;
  GStrv old;

  if (self->consent_store != NULL)
    {
      inspect = inspect ||
                tm_consent_store_get_setting_bool (self->consent_store,
                                                   TM_SETTING_HTTPS_INSPECTION);
      parsed = tm_bypass_load (self->consent_store);
    }
  else
    parsed = tm_bypass_parse (TM_SETTING_HTTPS_BYPASS_DEFAULT);

  g_strv_builder_addv (builder, (const char **) parsed);
  for (guint i = 0; i < self->extra_bypass->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->extra_bypass, i));
  g_mutex_lock (&self->https_mutex);
  old = self->bypass;
  self->bypass = g_strv_builder_end (builder);
  g_mutex_unlock (&self->https_mutex);
  g_strfreev (old);

  if (inspect && self->ca == NULL)
    {
      if (!self->warned_no_ca)
        g_warning ("HTTPS inspection needs a data directory for its certificate "
                   "authority: CONNECT stays a blind tunnel");
      self->warned_no_ca = TRUE;
      inspect = FALSE;
    }
  if (inspect && !tm_ca_is_loaded (self->ca))
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TmCa) created = tm_ca_load_or_create (self->data_dir, &error);

      if (created == NULL || !tm_ca_reload (self->ca, &error))
        {
          g_warning ("HTTPS inspection is off: %s", error->message);
          inspect = FALSE;
        }
    }
  g_atomic_int_set (&self->inspect, inspect);
}

static void
reload_settings (TmProxy *self)
{
  reload_https_settings (self);
  if (self->consent_store == NULL)
    {
      g_atomic_int_set (&self->sec_gpc, TRUE);
      return;
    }
  g_atomic_int_set (&self->sec_gpc,
                    tm_consent_store_get_setting_bool (self->consent_store,
                                                       TM_SETTING_SEC_GPC));
}

static void
consent_changed_cb (TmProxy *self)
{
  g_autoptr(TmConsent) consent = tm_consent_store_dup_current (self->consent_store);
  TmCategories now = tm_consent_get_categories (consent);
  TmCategories before = g_atomic_int_get (&self->accepted);
  TmCategories withdrawn = before & ~now;

  g_atomic_int_set (&self->accepted, now);
  if (withdrawn != 0 && self->session_store != NULL)
    {
      g_autoptr(GError) error = NULL;

      /* Its tombstones reach clients through store_changed_cb(). */
      if (tm_session_store_purge (self->session_store, TM_PURGE_CATEGORY, withdrawn, NULL,
                                  &error) < 0)
        g_warning ("Could not delete the cookies of withdrawn categories: %s",
                   error->message);
    }
}

static void
settings_changed_cb (TmProxy *self)
{
  reload_settings (self);
}

static void
read_tombstones (TmProxy *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tombstones = NULL;
  gint64 last = self->tombstone_cursor;

  tombstones = tm_session_store_list_tombstones (self->session_store, self->tombstone_cursor,
                                                 &last, &error);
  if (tombstones == NULL)
    {
      g_warning ("Could not read the deleted cookies: %s", error->message);
      return;
    }
  if (last > self->tombstone_cursor)
    self->tombstone_cursor = last;
  if (tombstones->len > 0)
    add_pending_purges (self, tombstones);
}

static gboolean
tombstones_timeout_cb (gpointer user_data)
{
  TmProxy *self = user_data;

  self->tombstone_id = 0;
  read_tombstones (self);
  return G_SOURCE_REMOVE;
}

static void
store_changed_cb (TmProxy *self)
{
  /* Commits come in bursts: look once per burst. */
  if (self->tombstone_id == 0)
    {
      GSource *source = g_timeout_source_new (100);

      g_source_set_callback (source, tombstones_timeout_cb, self, NULL);
      self->tombstone_id = g_source_attach (source, self->context);
      g_source_unref (source);
    }
}

static gboolean
notify_cb (gpointer user_data)
{
  TmProxy *self = user_data;
  guint64 v;

  if ((v = counter_get (&self->n_requests)) != self->notified_requests)
    {
      self->notified_requests = v;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_REQUESTS]);
    }
  if ((v = counter_get (&self->n_kept)) != self->notified_kept)
    {
      self->notified_kept = v;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COOKIES_KEPT]);
    }
  if ((v = counter_get (&self->n_blocked)) != self->notified_blocked)
    {
      self->notified_blocked = v;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_COOKIES_BLOCKED]);
    }
  return G_SOURCE_CONTINUE;
}

/* Lock */

static char *
lock_path (const char *data_dir)
{
  return g_build_filename (data_dir, TM_PROXY_LOCK_FILENAME, NULL);
}

static gboolean
read_lock_file (int    fd,
                int   *out_pid,
                char **out_address)
{
  char buf[512];
  ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
  g_auto(GStrv) lines = NULL;

  if (n < 0)
    n = 0;
  buf[n] = '\0';
  lines = g_strsplit (buf, "\n", 3);
  if (out_pid != NULL)
    *out_pid = lines[0] != NULL ? (int) g_ascii_strtoll (lines[0], NULL, 10) : 0;
  if (out_address != NULL)
    *out_address = (lines[0] != NULL && lines[1] != NULL) ? g_strdup (lines[1]) : NULL;
  return TRUE;
}

gboolean
tm_proxy_lock_holder (const char  *data_dir,
                      int         *out_pid,
                      char       **out_address)
{
  g_autofree char *path = NULL;
  int fd;
  gboolean held;

  g_return_val_if_fail (data_dir != NULL, FALSE);

  if (out_pid != NULL)
    *out_pid = 0;
  if (out_address != NULL)
    *out_address = NULL;

  path = lock_path (data_dir);
  fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0)
    return FALSE;
  /* Another user's file says nothing of this user's proxy. */
  if (!tm_file_check_own_fd (fd, path, NULL))
    {
      close (fd);
      return FALSE;
    }
  held = flock (fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
  if (held)
    read_lock_file (fd, out_pid, out_address);
  close (fd);
  return held;
}

static gboolean
take_lock (TmProxy  *self,
           GError  **error)
{
  g_autofree char *path = lock_path (self->data_dir);
  int fd;

  /* O_NOFOLLOW: through a link, another program's file would get the PID written
   * into it, then be emptied when the proxy stops. */
  fd = g_open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == ELOOP)
    {
      g_autoptr(GError) link_error = NULL;

      tm_file_set_link_error (&link_error, path);
      g_set_error_literal (error, TM_PROXY_ERROR, TM_PROXY_ERROR_FAILED,
                           link_error->message);
      return FALSE;
    }
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_FAILED,
                   _("Could not create the proxy’s lock file %s: %s. Check that the data "
                     "directory is writable."), path, g_strerror (saved));
      return FALSE;
    }
  /* In a shared folder, another user's lock file would let them keep the proxy
   * from starting, or name another address as its. */
  {
    g_autoptr(GError) own_error = NULL;

    if (!tm_file_check_own_fd (fd, path, &own_error))
      {
        close (fd);
        g_set_error_literal (error, TM_PROXY_ERROR, TM_PROXY_ERROR_FAILED,
                             own_error->message);
        return FALSE;
      }
  }
  if (flock (fd, LOCK_EX | LOCK_NB) < 0)
    {
      int pid = 0;
      g_autofree char *address = NULL;

      read_lock_file (fd, &pid, &address);
      close (fd);
      g_set_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_ALREADY_RUNNING,
                   _("Témoin’s proxy is already running for this data directory (process "
                     "%d, %s), in the app or as temoinctl serve. Stop it first, or use it."),
                   pid, address != NULL ? address : _("address unknown"));
      return FALSE;
    }
  self->lock_fd = fd;
  return TRUE;
}

static void
write_lock (TmProxy *self)
{
  g_autofree char *contents = NULL;

  if (self->lock_fd < 0)
    return;
  contents = g_strdup_printf ("%d\n%s\n", (int) getpid (),
                              (const char *) g_ptr_array_index (self->uris, 0));
  if (ftruncate (self->lock_fd, 0) < 0 ||
      pwrite (self->lock_fd, contents, strlen (contents), 0) < 0)
    g_debug ("Could not write the lock file: %s", g_strerror (errno));
}

static void
release_lock (TmProxy *self)
{
  if (self->lock_fd < 0)
    return;
  if (ftruncate (self->lock_fd, 0) < 0)
    g_debug ("Could not empty the lock file: %s", g_strerror (errno));
  close (self->lock_fd);   /* drops the flock */
  self->lock_fd = -1;
}

/* Sockets */

static GSocket *
bind_socket (GInetAddress  *address,
             guint          port,
             gboolean       reuse_port,
             GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) sa = NULL;
  struct sockaddr_storage native;
  gssize len;

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;
  sa = g_inet_socket_address_new (address, port);
  /* Not g_socket_bind(): it turns SO_REUSEPORT off on TCP sockets. */
  if (!g_socket_set_option (socket, SOL_SOCKET, SO_REUSEADDR, 1, error) ||
      (reuse_port && !g_socket_set_option (socket, SOL_SOCKET, SO_REUSEPORT, 1, error)))
    return NULL;
  len = g_socket_address_get_native_size (sa);
  if (!g_socket_address_to_native (sa, &native, sizeof native, error))
    return NULL;
  if (bind (g_socket_get_fd (socket), (struct sockaddr *) &native, len) < 0)
    {
      int saved = errno;

      g_set_error_literal (error, G_IO_ERROR, g_io_error_from_errno (saved),
                           g_strerror (saved));
      return NULL;
    }
  g_socket_set_listen_backlog (socket, 1024);
  if (!g_socket_listen (socket, error))
    return NULL;
  return g_steal_pointer (&socket);
}

static char *
uri_for (GInetAddress *address,
         guint         port)
{
  g_autofree char *s = g_inet_address_to_string (address);

  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("http://[%s]:%u/", s, port);
  return g_strdup_printf ("http://%s:%u/", s, port);
}

/* Binds one socket per worker for every address, all on one port (SO_REUSEPORT
 * lets the kernel spread connections over the workers). A probe bound without
 * SO_REUSEPORT first makes a busy port fail, even if its holder used it too. */
static gboolean
bind_all (TmProxy  *self,
          GError  **error)
{
  gboolean defaults = self->listen->len == 0;
  guint port = self->port >= 0 ? (guint) self->port : TM_PROXY_DEFAULT_PORT;

  if (self->port < 0 && self->consent_store != NULL)
    port = tm_consent_store_get_setting_int (self->consent_store, TM_SETTING_PROXY_PORT);

  if (defaults)
    {
      g_ptr_array_add (self->listen, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4));
      g_ptr_array_add (self->listen, g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6));
    }

  for (guint i = 0; i < self->listen->len;)
    {
      GInetAddress *address = g_ptr_array_index (self->listen, i);
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GSocket) probe = NULL;
      g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
      gboolean ok = TRUE;

      probe = bind_socket (address, port, FALSE, &local_error);
      if (probe != NULL && port == 0)
        {
          g_autoptr(GSocketAddress) local = g_socket_get_local_address (probe, NULL);

          port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
        }
      if (probe != NULL)
        {
          g_socket_close (probe, NULL);
          for (guint w = 0; w < self->n_workers && ok; w++)
            {
              GSocket *s = bind_socket (address, port, self->n_workers > 1, &local_error);

              if (s == NULL)
                ok = FALSE;
              else
                g_ptr_array_add (sockets, s);
            }
        }
      else
        ok = FALSE;

      if (!ok)
        {
          g_autofree char *shown = g_inet_address_to_string (address);

          /* ::1 is optional among the defaults (IPv6 may be off). */
          if (defaults && i == 1)
            {
              g_debug ("Not listening on %s: %s", shown, local_error->message);
              g_ptr_array_remove_index (self->listen, i);
              continue;
            }
          if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
            g_set_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_PORT_IN_USE,
                         _("Port %u is in use: is Témoin’s proxy already running (in the app "
                           "or as temoinctl serve)? Stop it or pick another port with "
                           "--port."), port);
          else
            g_set_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_FAILED,
                         _("Could not listen on %s port %u: %s. Check the --listen "
                           "address."), shown, port, local_error->message);
          return FALSE;
        }

      for (guint w = 0; w < self->n_workers; w++)
        g_ptr_array_add (((TmProxyWorker *) g_ptr_array_index (self->workers, w))->sockets,
                         g_object_ref (g_ptr_array_index (sockets, w)));
      g_ptr_array_add (self->uris, uri_for (address, port));
      i++;
    }

  self->bound_port = port;
  g_ptr_array_add (self->uris, NULL);
  return TRUE;
}

/* GObject */

static void
tm_proxy_finalize (GObject *object)
{
  TmProxy *self = TM_PROXY (object);

  tm_proxy_stop (self);
  g_clear_pointer (&self->data_dir, g_free);
  g_clear_object (&self->consent_store);
  g_clear_object (&self->session_store);
  g_clear_object (&self->classifier);
  g_clear_pointer (&self->listen, g_ptr_array_unref);
  g_clear_pointer (&self->allow, g_ptr_array_unref);
  g_clear_pointer (&self->connect_ports, g_array_unref);
  g_clear_pointer (&self->resolve, g_hash_table_unref);
  g_clear_pointer (&self->log_path, g_free);
  g_clear_pointer (&self->uris, g_ptr_array_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_mutex_clear (&self->log_mutex);
  g_mutex_clear (&self->pending_mutex);
  g_clear_object (&self->ca);
  g_clear_pointer (&self->bypass, g_strfreev);
  g_clear_pointer (&self->extra_bypass, g_ptr_array_unref);
  g_clear_object (&self->upstream_db);
  g_mutex_clear (&self->https_mutex);

  G_OBJECT_CLASS (tm_proxy_parent_class)->finalize (object);
}

static void
tm_proxy_get_property (GObject    *object,
                       guint       prop_id,
                       GValue     *value,
                       GParamSpec *pspec)
{
  TmProxy *self = TM_PROXY (object);

  switch (prop_id)
    {
    case PROP_REQUESTS:
      g_value_set_uint64 (value, tm_proxy_get_requests (self));
      break;
    case PROP_COOKIES_KEPT:
      g_value_set_uint64 (value, tm_proxy_get_cookies_kept (self));
      break;
    case PROP_COOKIES_BLOCKED:
      g_value_set_uint64 (value, tm_proxy_get_cookies_blocked (self));
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, self->running);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tm_proxy_class_init (TmProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tm_proxy_finalize;
  object_class->get_property = tm_proxy_get_property;

  /**
   * TmProxy:requests:
   * Requests received since the proxy started (notified at most twice a second).
   */
  properties[PROP_REQUESTS] =
    g_param_spec_uint64 ("requests", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * TmProxy:cookies-kept:
   * Cookie decisions that kept a cookie (both directions).
   */
  properties[PROP_COOKIES_KEPT] =
    g_param_spec_uint64 ("cookies-kept", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * TmProxy:cookies-blocked:
   * Cookie decisions that removed a cookie (both directions).
   */
  properties[PROP_COOKIES_BLOCKED] =
    g_param_spec_uint64 ("cookies-blocked", NULL, NULL, 0, G_MAXUINT64, 0,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * TmProxy:running:
   * Whether the proxy listens.
   */
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tm_proxy_init (TmProxy *self)
{
  guint16 https = 443;

  self->port = -1;
  self->lock_fd = -1;
  self->listen = g_ptr_array_new_with_free_func (g_object_unref);
  self->allow = g_ptr_array_new_with_free_func (g_object_unref);
  self->connect_ports = g_array_new (FALSE, FALSE, sizeof (guint16));
  g_array_append_val (self->connect_ports, https);
  self->resolve = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->uris = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->uris, NULL);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) g_ptr_array_unref);
  self->accepted = TM_CATEGORIES_DEFAULT;
  self->sec_gpc = TRUE;
  self->n_workers = 1;
  self->handshake_timeout_s = TLS_HANDSHAKE_TIMEOUT_S;
  self->idle_timeout_s = CLIENT_TIMEOUT_S;
  g_mutex_init (&self->log_mutex);
  g_mutex_init (&self->pending_mutex);
  self->inspection_override = -1;
  self->extra_bypass = g_ptr_array_new_with_free_func (g_free);
  self->bypass = tm_bypass_parse (TM_SETTING_HTTPS_BYPASS_DEFAULT);
  g_mutex_init (&self->https_mutex);
}

/* Public API */

/**
 * tm_proxy_new:
 * @data_dir: (nullable): the data directory, for the lock file; %NULL: no lock
 * @consent_store: (nullable): where the choice and settings come from
 * @session_store: (nullable): where accepted cookies are mirrored
 *
 * Returns: (transfer full): a stopped proxy
 */
TmProxy *
tm_proxy_new (const char     *data_dir,
              TmConsentStore *consent_store,
              TmSessionStore *session_store)
{
  TmProxy *self;
  const char *workers;

  g_return_val_if_fail (consent_store == NULL || TM_IS_CONSENT_STORE (consent_store), NULL);
  g_return_val_if_fail (session_store == NULL || TM_IS_SESSION_STORE (session_store), NULL);

  self = g_object_new (TM_TYPE_PROXY, NULL);
  self->data_dir = g_strdup (data_dir);
  if (data_dir != NULL)
    self->ca = tm_ca_new (data_dir);
  g_set_object (&self->consent_store, consent_store);
  g_set_object (&self->session_store, session_store);
  self->classifier = tm_classifier_new ();

  /* The user's word (overrides, site exceptions, imported databases) comes from
   * the same store as the choice, so the proxy decides as the preview does. */
  if (consent_store != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TmRules) rules = tm_rules_new (consent_store, &error);

      if (rules != NULL)
        tm_classifier_set_rules (self->classifier, rules);
      else
        g_warning ("Your cookie rules could not be read, only built-in knowledge applies: %s",
                   error->message);
    }

  /* One worker per core (capped); TEMOIN_PROXY_WORKERS overrides for benchmarks. */
  workers = g_getenv ("TEMOIN_PROXY_WORKERS");
  if (workers != NULL && g_ascii_strtoull (workers, NULL, 10) > 0)
    self->n_workers = MIN (g_ascii_strtoull (workers, NULL, 10), 16);
  else
    self->n_workers = CLAMP (g_get_num_processors (), 1, MAX_WORKERS);
  return self;
}

/**
 * tm_proxy_set_port:
 * @port: the TCP port, 0 for a free one
 */
void
tm_proxy_set_port (TmProxy *self,
                   guint    port)
{
  g_return_if_fail (TM_IS_PROXY (self));
  g_return_if_fail (port <= 65535);
  g_return_if_fail (!self->running);

  self->port = port;
}

gboolean
tm_proxy_add_listen_address (TmProxy     *self,
                             const char  *address,
                             GError     **error)
{
  GInetAddress *addr;

  g_return_val_if_fail (TM_IS_PROXY (self), FALSE);
  g_return_val_if_fail (address != NULL, FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  addr = g_inet_address_new_from_string (address);
  if (addr == NULL)
    {
      g_set_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not an IP address (give one without a port, such as "
                     "127.0.0.1 or ::1)."), address);
      return FALSE;
    }
  g_ptr_array_add (self->listen, addr);
  return TRUE;
}

gboolean
tm_proxy_add_allow (TmProxy     *self,
                    const char  *cidr,
                    GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  GInetAddressMask *mask;

  g_return_val_if_fail (TM_IS_PROXY (self), FALSE);
  g_return_val_if_fail (cidr != NULL, FALSE);

  mask = g_inet_address_mask_new_from_string (cidr, &local_error);
  if (mask == NULL)
    {
      g_set_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_INVALID_ARGUMENT,
                   _("“%s” is not a network (give an address or ADDRESS/BITS, such as "
                     "192.168.1.0/24)."), cidr);
      return FALSE;
    }
  g_ptr_array_add (self->allow, mask);
  return TRUE;
}

/**
 * tm_proxy_set_tls_handshake_timeout:
 * @self: a #TmProxy, not started
 * @seconds: at least 1
 *
 * Bounds the time an inspected CONNECT's client has, from the 200, to send its
 * ClientHello and complete the TLS handshake; past it the connection is closed.
 */
void
tm_proxy_set_tls_handshake_timeout (TmProxy *self,
                                    guint    seconds)
{
  g_return_if_fail (TM_IS_PROXY (self));
  g_return_if_fail (seconds >= 1);
  g_return_if_fail (!self->running);

  self->handshake_timeout_s = seconds;
}

/**
 * tm_proxy_set_idle_timeout:
 * @self: a #TmProxy, not started
 * @seconds: at least 1
 *
 * Bounds how long a client connection may stay idle between requests, or take
 * to send a request, before the proxy closes it.
 */
void
tm_proxy_set_idle_timeout (TmProxy *self,
                           guint    seconds)
{
  g_return_if_fail (TM_IS_PROXY (self));
  g_return_if_fail (seconds >= 1);
  g_return_if_fail (!self->running);

  self->idle_timeout_s = seconds;
}

gboolean
tm_proxy_set_connect_ports (TmProxy     *self,
                            const char  *ports,
                            GError     **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GArray) list = g_array_new (FALSE, FALSE, sizeof (guint16));

  g_return_val_if_fail (TM_IS_PROXY (self), FALSE);
  g_return_val_if_fail (ports != NULL, FALSE);

  parts = g_strsplit (ports, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      guint64 port;
      g_autofree char *p = g_strstrip (g_strdup (parts[i]));

      if (!g_ascii_string_to_unsigned (p, 10, 1, 65535, &port, NULL))
        {
          g_set_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_INVALID_ARGUMENT,
                       _("“%s” is not a list of ports (give numbers from 1 to 65535 "
                         "separated by commas, such as 443,8443)."), ports);
          return FALSE;
        }
      {
        guint16 p16 = port;

        g_array_append_val (list, p16);
      }
    }
  g_clear_pointer (&self->connect_ports, g_array_unref);
  self->connect_ports = g_steal_pointer (&list);
  return TRUE;
}

gboolean
tm_proxy_add_resolve (TmProxy     *self,
                      const char  *spec,
                      GError     **error)
{
  const char *first, *last;
  g_autofree char *host = NULL;
  g_autofree char *port_s = NULL;
  g_autofree char *addr = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  guint64 port;

  g_return_val_if_fail (TM_IS_PROXY (self), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  first = strchr (spec, ':');
  last = first != NULL ? strchr (first + 1, ':') : NULL;
  if (first == NULL || last == NULL || first == spec)
    goto invalid;
  host = g_ascii_strdown (spec, first - spec);
  port_s = g_strndup (first + 1, last - first - 1);
  addr = g_strdup (last + 1);
  /* Brackets are allowed around an IPv6 address, as curl allows them. */
  if (addr[0] == '[' && addr[strlen (addr) - 1] == ']')
    {
      char *inner = g_strndup (addr + 1, strlen (addr) - 2);

      g_free (addr);
      addr = inner;
    }
  inet = g_inet_address_new_from_string (addr);
  if (inet == NULL || !g_ascii_string_to_unsigned (port_s, 10, 1, 65535, &port, NULL))
    goto invalid;

  g_hash_table_insert (self->resolve, g_strdup_printf ("%s:%u", host, (guint) port),
                       g_steal_pointer (&addr));
  return TRUE;

invalid:
  g_set_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_INVALID_ARGUMENT,
               _("“%s” is not HOST:PORT:ADDRESS (for example "
                 "site-a.test:8080:127.0.0.1)."), spec);
  return FALSE;
}

gboolean
tm_proxy_set_log_file (TmProxy           *self,
                       const char        *path,
                       TmProxyLogFormat   format,
                       GError           **error)
{
  FILE *file;

  g_return_val_if_fail (TM_IS_PROXY (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  file = g_fopen (path, "ae");
  if (file == NULL)
    {
      int saved = errno;

      g_set_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_INVALID_ARGUMENT,
                   _("Could not open the log file %s: %s. Check the path and its "
                     "permissions."), path, g_strerror (saved));
      return FALSE;
    }
  g_mutex_lock (&self->log_mutex);
  if (self->log != NULL)
    fclose (self->log);
  self->log = file;
  self->log_format = format;
  g_mutex_unlock (&self->log_mutex);
  g_free (self->log_path);
  self->log_path = g_strdup (path);
  return TRUE;
}

void
tm_proxy_set_classifier (TmProxy      *self,
                         TmClassifier *classifier)
{
  g_return_if_fail (TM_IS_PROXY (self));
  g_return_if_fail (TM_IS_CLASSIFIER (classifier));
  g_return_if_fail (!self->running);

  g_set_object (&self->classifier, classifier);
}

/**
 * tm_proxy_set_https_inspection:
 * @self: a #TmProxy
 * @inspect: %TRUE to inspect HTTPS for this run whatever the setting says
 *   (`serve --https-inspection`); %FALSE to follow the setting again
 *
 * Inspection needs the data directory given to tm_proxy_new(): it creates the
 * certificate authority there when there is none.
 */
void
tm_proxy_set_https_inspection (TmProxy  *self,
                               gboolean  inspect)
{
  g_return_if_fail (TM_IS_PROXY (self));

  self->inspection_override = inspect ? TRUE : -1;
  if (self->running)
    reload_https_settings (self);
}

/**
 * tm_proxy_set_upstream_ca:
 * @self: a #TmProxy
 * @path: a PEM file of CA certificates
 * @error: return location for a #GError
 *
 * Trusts the certificate authorities of @path for upstream HTTPS, besides the
 * system store (`serve --upstream-ca`). Before tm_proxy_start().
 *
 * Returns: %TRUE on success, %FALSE with @error set when @path cannot be read
 */
gboolean
tm_proxy_set_upstream_ca (TmProxy     *self,
                          const char  *path,
                          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *absolute = NULL;
  GTlsDatabase *database;

  g_return_val_if_fail (TM_IS_PROXY (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (!self->running, FALSE);

  /* GTlsFileDatabase wants an absolute path (`serve --upstream-ca ca.pem`). */
  absolute = g_canonicalize_filename (path, NULL);
  database = tm_tls_database_new (absolute, &local_error);
  if (database == NULL)
    {
      g_set_error_literal (error, TM_PROXY_ERROR, TM_PROXY_ERROR_INVALID_ARGUMENT,
                           local_error->message);
      return FALSE;
    }
  g_clear_object (&self->upstream_db);
  self->upstream_db = database;
  return TRUE;
}

/**
 * tm_proxy_add_bypass:
 * @self: a #TmProxy
 * @entry: a host, "*.domain" or IP address
 * @error: return location for a #GError
 *
 * Tunnels @entry blind for this run, besides the https-bypass setting
 * (`serve --bypass`).
 *
 * Returns: %TRUE on success, %FALSE with @error set when @entry is invalid
 */
gboolean
tm_proxy_add_bypass (TmProxy     *self,
                     const char  *entry,
                     GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  char *normalized;

  g_return_val_if_fail (TM_IS_PROXY (self), FALSE);
  g_return_val_if_fail (entry != NULL, FALSE);

  normalized = tm_bypass_normalize_entry (entry, &local_error);
  if (normalized == NULL)
    {
      g_set_error_literal (error, TM_PROXY_ERROR, TM_PROXY_ERROR_INVALID_ARGUMENT,
                           local_error->message);
      return FALSE;
    }
  g_ptr_array_add (self->extra_bypass, normalized);
  if (self->running)
    reload_https_settings (self);
  return TRUE;
}

gboolean
tm_proxy_start (TmProxy  *self,
                GError  **error)
{
  g_return_val_if_fail (TM_IS_PROXY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->running)
    return TRUE;

  if (self->data_dir != NULL && !take_lock (self, error))
    return FALSE;

#ifdef __GLIBC__
  /* Every request allocates and frees a few hundred KiB in bursts; with glibc's
   * default threshold (128 KiB) the heap is shrunk and grown again all the time
   * (brk and madvise calls, and TLB shootdowns between the threads). */
  mallopt (M_TRIM_THRESHOLD, 4 * 1024 * 1024);
#endif

  self->context = g_main_context_ref_thread_default ();
  self->workers = g_ptr_array_new_with_free_func ((GDestroyNotify) worker_free);
  for (guint w = 0; w < self->n_workers; w++)
    {
      TmProxyWorker *worker = g_new0 (TmProxyWorker, 1);

      worker->proxy = self;
      worker->sockets = g_ptr_array_new_with_free_func (g_object_unref);
      worker->key = g_string_sized_new (256);
      g_mutex_init (&worker->ready_mutex);
      g_cond_init (&worker->ready_cond);
      g_ptr_array_add (self->workers, worker);
    }

  g_ptr_array_set_size (self->uris, 0);
  if (!bind_all (self, error))
    goto failed;

  if (self->consent_store != NULL)
    {
      g_autoptr(TmConsent) consent = tm_consent_store_dup_current (self->consent_store);

      g_atomic_int_set (&self->accepted, tm_consent_get_categories (consent));
      self->consent_changed_id =
        g_signal_connect_swapped (self->consent_store, "consent-changed",
                                  G_CALLBACK (consent_changed_cb), self);
      self->settings_changed_id =
        g_signal_connect_swapped (self->consent_store, "settings-changed",
                                  G_CALLBACK (settings_changed_cb), self);
    }
  reload_settings (self);

  if (self->session_store != NULL)
    {
      g_autoptr(GPtrArray) old = NULL;
      gint64 last = 0;

      /* Purges before this start were for clients of an earlier session. */
      old = tm_session_store_list_tombstones (self->session_store, 0, &last, NULL);
      self->tombstone_cursor = last;
      self->store_changed_id =
        g_signal_connect_swapped (self->session_store, "changed",
                                  G_CALLBACK (store_changed_cb), self);
    }

  /* The first worker on the caller's context, the others on threads. */
  {
    TmProxyWorker *first = g_ptr_array_index (self->workers, 0);

    first->context = g_main_context_ref (self->context);
    if (!worker_setup (first, error))
      goto failed;
  }
  for (guint w = 1; w < self->n_workers; w++)
    {
      TmProxyWorker *worker = g_ptr_array_index (self->workers, w);

      worker->context = g_main_context_new ();
      worker->loop = g_main_loop_new (worker->context, FALSE);
      worker->thread = g_thread_new ("tm-proxy-worker", worker_thread, worker);
      g_mutex_lock (&worker->ready_mutex);
      while (!worker->ready)
        g_cond_wait (&worker->ready_cond, &worker->ready_mutex);
      g_mutex_unlock (&worker->ready_mutex);
    }

  {
    GSource *source = g_timeout_source_new (500);

    g_source_set_callback (source, notify_cb, self, NULL);
    self->notify_id = g_source_attach (source, self->context);
    g_source_unref (source);

    source = g_timeout_source_new_seconds (1);
    g_source_set_callback (source, log_flush_cb, self, NULL);
    self->log_flush_id = g_source_attach (source, self->context);
    g_source_unref (source);
  }

  write_lock (self);
  self->running = TRUE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  return TRUE;

failed:
  g_clear_signal_handler (&self->consent_changed_id, self->consent_store);
  g_clear_signal_handler (&self->settings_changed_id, self->consent_store);
  g_clear_signal_handler (&self->store_changed_id, self->session_store);
  g_clear_pointer (&self->workers, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_ptr_array_set_size (self->uris, 0);
  g_ptr_array_add (self->uris, NULL);
  release_lock (self);
  return FALSE;
}

static void
remove_source (GMainContext *context,
               guint        *id)
{
  GSource *source;

  if (*id == 0)
    return;
  source = g_main_context_find_source_by_id (context, *id);
  if (source != NULL)
    g_source_destroy (source);
  *id = 0;
}

void
tm_proxy_stop (TmProxy *self)
{
  g_return_if_fail (TM_IS_PROXY (self));

  if (!self->running)
    return;

  for (guint w = 1; w < self->workers->len; w++)
    {
      TmProxyWorker *worker = g_ptr_array_index (self->workers, w);

      g_atomic_int_set (&worker->stopping, TRUE);
      g_main_context_wakeup (worker->context);
      g_thread_join (worker->thread);
    }
  /* The first worker runs on the caller's context, this one. */
  worker_shut_down (g_ptr_array_index (self->workers, 0));
  g_clear_pointer (&self->workers, g_ptr_array_unref);

  g_clear_signal_handler (&self->consent_changed_id, self->consent_store);
  g_clear_signal_handler (&self->settings_changed_id, self->consent_store);
  g_clear_signal_handler (&self->store_changed_id, self->session_store);
  remove_source (self->context, &self->notify_id);
  remove_source (self->context, &self->log_flush_id);
  remove_source (self->context, &self->tombstone_id);
  g_clear_pointer (&self->context, g_main_context_unref);

  g_mutex_lock (&self->log_mutex);
  if (self->log != NULL)
    fflush (self->log);
  g_mutex_unlock (&self->log_mutex);

  release_lock (self);
  g_ptr_array_set_size (self->uris, 0);
  g_ptr_array_add (self->uris, NULL);
  self->bound_port = 0;
  self->running = FALSE;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
}

gboolean
tm_proxy_is_running (TmProxy *self)
{
  g_return_val_if_fail (TM_IS_PROXY (self), FALSE);
  return self->running;
}

guint
tm_proxy_get_port (TmProxy *self)
{
  g_return_val_if_fail (TM_IS_PROXY (self), 0);
  return self->bound_port;
}

const char * const *
tm_proxy_get_uris (TmProxy *self)
{
  g_return_val_if_fail (TM_IS_PROXY (self), NULL);
  return (const char * const *) self->uris->pdata;
}

guint64
tm_proxy_get_requests (TmProxy *self)
{
  g_return_val_if_fail (TM_IS_PROXY (self), 0);
  return counter_get (&self->n_requests);
}

guint64
tm_proxy_get_cookies_kept (TmProxy *self)
{
  g_return_val_if_fail (TM_IS_PROXY (self), 0);
  return counter_get (&self->n_kept);
}

guint64
tm_proxy_get_cookies_blocked (TmProxy *self)
{
  g_return_val_if_fail (TM_IS_PROXY (self), 0);
  return counter_get (&self->n_blocked);
}

gboolean
tm_proxy_client_is_allowed (GInetAddress *address,
                            GPtrArray    *allow)
{
  g_autoptr(GInetAddress) mapped = NULL;

  g_return_val_if_fail (G_IS_INET_ADDRESS (address), FALSE);

  /* A dual-stack socket (--listen ::) sees IPv4 clients as ::ffff:a.b.c.d. */
  if (g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6)
    {
      const guint8 *b = g_inet_address_to_bytes (address);
      static const guint8 prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

      if (memcmp (b, prefix, sizeof prefix) == 0)
        address = mapped = g_inet_address_new_from_bytes (b + 12, G_SOCKET_FAMILY_IPV4);
    }

  if (g_inet_address_get_is_loopback (address))
    return TRUE;
  if (allow == NULL)
    return FALSE;
  for (guint i = 0; i < allow->len; i++)
    {
      GInetAddressMask *mask = g_ptr_array_index (allow, i);

      if (g_inet_address_mask_matches (mask, address))
        return TRUE;
    }
  return FALSE;
}
