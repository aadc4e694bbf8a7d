/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-proxy.h: the local forward proxy (SoupServer + SoupSession) that applies the
 * choice to every cookie it sees. Owned by the proxy work (issue 3). */
#pragma once

#include <gio/gio.h>

#include "tm-classifier.h"
#include "tm-consent-store.h"
#include "tm-session-store.h"

G_BEGIN_DECLS

/* The lock file in the data directory: only one proxy per data directory listens. */
#define TM_PROXY_LOCK_FILENAME "proxy.lock"
/* The port used when neither the setting nor the caller says otherwise. */
#define TM_PROXY_DEFAULT_PORT 7733

#define TM_PROXY_ERROR (tm_proxy_error_quark ())
typedef enum {
  TM_PROXY_ERROR_FAILED,           /* the message says what failed and what to do */
  TM_PROXY_ERROR_INVALID_ARGUMENT, /* a bad --listen/--allow/--resolve/... value */
  TM_PROXY_ERROR_PORT_IN_USE,      /* another program listens on the port */
  TM_PROXY_ERROR_ALREADY_RUNNING,  /* another Témoin proxy holds the data directory */
} TmProxyError;

typedef enum {
  TM_PROXY_LOG_JSON,   /* one JSON object per line */
  TM_PROXY_LOG_TEXT,   /* one readable line per decision */
} TmProxyLogFormat;

#define TM_TYPE_PROXY (tm_proxy_get_type ())
G_DECLARE_FINAL_TYPE (TmProxy, tm_proxy, TM, PROXY, GObject)

GQuark      tm_proxy_error_quark          (void);

/**
 * tm_proxy_new:
 * @data_dir: (nullable): the data directory, for the lock file; %NULL: no lock
 * @consent_store: (nullable): where the choice and settings come from; %NULL:
 *   necessary cookies only, no live changes
 * @session_store: (nullable): where accepted cookies are mirrored; %NULL: none
 *
 * A stopped proxy. Configure it, then tm_proxy_start(). It runs on the
 * thread-default main context of the thread that calls tm_proxy_start().
 * Returns: (transfer full): the proxy
 */
TmProxy    *tm_proxy_new                  (const char       *data_dir,
                                           TmConsentStore   *consent_store,
                                           TmSessionStore   *session_store);

/* Configuration, before tm_proxy_start(). */
/* The port; 0 picks a free one. Default: the consent store's proxy-port setting. */
void        tm_proxy_set_port             (TmProxy          *self,
                                           guint             port);
/* Adds an address (no port) to listen on; replaces the 127.0.0.1 + ::1 defaults. */
gboolean    tm_proxy_add_listen_address   (TmProxy          *self,
                                           const char       *address,
                                           GError          **error);
/* Admits non-loopback clients in @cidr ("192.168.1.0/24", "2001:db8::/32", an address). */
gboolean    tm_proxy_add_allow            (TmProxy          *self,
                                           const char       *cidr,
                                           GError          **error);
/* Parses "443,8443" and replaces the ports CONNECT may reach (default 443). */
gboolean    tm_proxy_set_connect_ports    (TmProxy          *self,
                                           const char       *ports,
                                           GError          **error);
/* "HOST:PORT:ADDR" as curl's --resolve: connections to HOST on PORT go to ADDR
 * (on the same PORT); other ports of HOST resolve as usual. */
gboolean    tm_proxy_add_resolve          (TmProxy          *self,
                                           const char       *spec,
                                           GError          **error);
/* Writes one line per cookie decision to @path (appended). */
gboolean    tm_proxy_set_log_file         (TmProxy          *self,
                                           const char       *path,
                                           TmProxyLogFormat  format,
                                           GError          **error);
/* Replaces the classifier (default: tm_classifier_new()). */
void        tm_proxy_set_classifier       (TmProxy          *self,
                                           TmClassifier     *classifier);

/* HTTPS inspection (tm-ca.h, tm-bypass.h). By default the consent store's
 * https-inspection and https-bypass settings decide, followed live; inspection
 * needs a data directory (the CA lives there). */
/* Inspects HTTPS for this run whatever the setting says (serve --https-inspection). */
void        tm_proxy_set_https_inspection (TmProxy          *self,
                                           gboolean          inspect);
/* Trusts the CA certificates of @path (PEM) upstream, besides the system store. */
gboolean    tm_proxy_set_upstream_ca      (TmProxy          *self,
                                           const char       *path,
                                           GError          **error);
/* Adds a host, "*.domain" or IP address to the bypass list for this run. */
gboolean    tm_proxy_add_bypass           (TmProxy          *self,
                                           const char       *entry,
                                           GError          **error);
/* How long an inspected CONNECT's client has, from the 200, to send its
 * ClientHello and finish the TLS handshake (default 10 s); it is then closed.
 * Set it before tm_proxy_start(). */
void        tm_proxy_set_tls_handshake_timeout (TmProxy     *self,
                                                guint        seconds);
/* How long a client connection may wait idle, or take to send its request,
 * before it is closed (default 60 s). Set it before tm_proxy_start(). */
void        tm_proxy_set_idle_timeout     (TmProxy          *self,
                                           guint             seconds);

/**
 * tm_proxy_start:
 * Takes the data directory's lock, binds every address and starts serving.
 * Errors: %TM_PROXY_ERROR_PORT_IN_USE, %TM_PROXY_ERROR_ALREADY_RUNNING, or
 * %TM_PROXY_ERROR_FAILED, with a message for people.
 */
gboolean    tm_proxy_start                (TmProxy          *self,
                                           GError          **error);
/* Stops listening, flushes the log, releases the lock. Safe to call twice. */
void        tm_proxy_stop                 (TmProxy          *self);
gboolean    tm_proxy_is_running           (TmProxy          *self);

/* The port really listened on (after start), 0 before. */
guint       tm_proxy_get_port             (TmProxy          *self);
/* (transfer none): "http://127.0.0.1:7733/" ("http://[::1]:7733/" for IPv6), one
 * per listening address, first the first one given; empty before start. */
const char * const *tm_proxy_get_uris     (TmProxy          *self);

/* Counters (also properties "requests", "cookies-kept", "cookies-blocked";
 * their notify is emitted at most about twice a second). */
guint64     tm_proxy_get_requests         (TmProxy          *self);
guint64     tm_proxy_get_cookies_kept     (TmProxy          *self);
guint64     tm_proxy_get_cookies_blocked  (TmProxy          *self);

/* Whether a client at @address may use the proxy: loopback always, others only
 * when one of @allow (element-type GInetAddressMask, nullable) matches. */
gboolean    tm_proxy_client_is_allowed    (GInetAddress     *address,
                                           GPtrArray        *allow);

/**
 * tm_proxy_lock_holder:
 * @data_dir: the data directory
 * @out_pid: (out) (optional): the holder's process id
 * @out_address: (out) (optional) (transfer full): the URI it listens on
 *
 * Whether another proxy (temoinctl serve or the app's) holds @data_dir's lock
 * right now, so that a second one can say which one is running.
 */
gboolean    tm_proxy_lock_holder          (const char       *data_dir,
                                           int              *out_pid,
                                           char            **out_address);

G_END_DECLS
