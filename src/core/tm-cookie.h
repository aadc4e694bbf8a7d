/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-cookie.h: cookies as RFC 6265bis defines them, parsed by us (libsoup 3.2's
 * parser stops at a tab or a byte >= 0x80 and knows no Partitioned). */
#pragma once

#include <glib.h>

#include "tm-types.h"

G_BEGIN_DECLS

typedef enum {
  TM_SAME_SITE_UNSET,
  TM_SAME_SITE_STRICT,
  TM_SAME_SITE_LAX,
  TM_SAME_SITE_NONE,
} TmSameSite;

/* Expiry of a session cookie. */
#define TM_COOKIE_SESSION G_MININT64

typedef struct {
  char         *name;
  char         *value;
  char         *domain;      /* lower case, no leading dot; the request host when host_only */
  gboolean      host_only;
  char         *path;
  gint64        expires;     /* Unix seconds (UTC), 64-bit; TM_COOKIE_SESSION */
  gboolean      secure;
  gboolean      http_only;
  gboolean      partitioned;
  TmSameSite    same_site;
  gint64        created;     /* Unix microseconds; keeps creation order */
  TmCategories  categories;  /* as classified, 0 when not yet */
} TmCookie;

#define TM_COOKIE_ERROR (tm_cookie_error_quark ())
typedef enum {
  TM_COOKIE_ERROR_INVALID,   /* the user agent must ignore this Set-Cookie */
} TmCookieError;

GQuark      tm_cookie_error_quark   (void);

TmCookie   *tm_cookie_new           (void);
TmCookie   *tm_cookie_copy          (const TmCookie *cookie);
void        tm_cookie_free          (TmCookie       *cookie);

/**
 * tm_cookie_parse:
 * @header: one Set-Cookie field value
 * @request_host: the host of the request the response answers
 * @request_path: its path (for the default-path)
 * @secure_origin: whether the request was over HTTPS (for Secure and prefixes)
 * @now: Unix seconds, for Max-Age and Expires
 *
 * Parses @header following RFC 6265bis section 5.6 (tabs and UTF-8 kept,
 * Max-Age over Expires, SameSite, Partitioned, `__Host-`/`__Secure-` prefixes,
 * domain checked against @request_host, a trailing dot included; SameSite=None
 * and Partitioned need Secure).
 * Returns: (transfer full) (nullable): the cookie, or %NULL with @error set when a
 * user agent must ignore it.
 */
TmCookie   *tm_cookie_parse         (const char     *header,
                                     const char     *request_host,
                                     const char     *request_path,
                                     gboolean        secure_origin,
                                     gint64          now,
                                     GError        **error);

/* The most a cookie's name and value may hold together, in bytes (RFC 6265bis
 * 5.6 step 6: browsers ignore a longer Set-Cookie). */
#define TM_COOKIE_MAX_NAME_VALUE 4096

/* What is wrong with a cookie name a person typed (tm_cookie_check_name()). */
typedef enum {
  TM_COOKIE_NAME_OK,
  TM_COOKIE_NAME_EMPTY,
  TM_COOKIE_NAME_TOO_LONG,        /* over TM_COOKIE_MAX_NAME_VALUE bytes */
  TM_COOKIE_NAME_NOT_UTF8,
  TM_COOKIE_NAME_FORBIDDEN_CHAR,  /* a control character, ';' or '=' */
  TM_COOKIE_NAME_SPACE_AT_END,    /* a space or tab at either end */
} TmCookieNameProblem;

/* Whether @name is a name a Set-Cookie header can carry, as tm_cookie_parse()
 * reads one; see the .c file. */
TmCookieNameProblem tm_cookie_check_name (const char *name);

/* The cookie-name of a Set-Cookie value as RFC 6265bis reads it, even when the
 * cookie itself is invalid ("" for a nameless cookie). (transfer full) */
char       *tm_cookie_parse_name    (const char     *header);

gboolean    tm_cookie_is_expired    (const TmCookie *cookie,
                                     gint64          now);
/* RFC 6265bis domain-match and path-match against a request. */
gboolean    tm_cookie_matches       (const TmCookie *cookie,
                                     const char     *host,
                                     const char     *path,
                                     gboolean        secure);

/**
 * tm_cookie_expiring_header:
 * A Set-Cookie value that makes a client delete the cookie (@name, @domain,
 * @path): empty value, `Max-Age=0`, an Expires in 1970, Domain only when not
 * @host_only, and Secure/Path=/ as the `__Host-`/`__Secure-` prefixes demand.
 */
char       *tm_cookie_expiring_header (const char   *name,
                                       const char   *domain,
                                       gboolean      host_only,
                                       const char   *path,
                                       gboolean      secure);

/* One name=value pair of a Cookie request header, as slices of that header. */
typedef struct {
  const char *name;
  gsize       name_len;
  const char *value;
  gsize       value_len;
} TmCookiePair;

/* Splits a Cookie header into pairs (slices valid while @header lives). */
GArray     *tm_cookie_header_parse  (const char     *header);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmCookie, tm_cookie_free)

G_END_DECLS
