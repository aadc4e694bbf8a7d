/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "tm-cookie.h"

G_DEFINE_QUARK (tm-cookie-error-quark, tm_cookie_error)

/**
 * tm_cookie_new:
 * A blank host-only session cookie created now. Its strings are all %NULL, for
 * the caller to fill (g_strdup()); a %NULL path counts as "/".
 * Returns: (transfer full)
 */
TmCookie *
tm_cookie_new (void)
{
  TmCookie *cookie = g_new0 (TmCookie, 1);

  cookie->host_only = TRUE;
  cookie->expires = TM_COOKIE_SESSION;
  cookie->same_site = TM_SAME_SITE_UNSET;
  cookie->created = g_get_real_time ();
  return cookie;
}

/**
 * tm_cookie_copy:
 * Returns: (transfer full): a deep copy of @cookie
 */
TmCookie *
tm_cookie_copy (const TmCookie *cookie)
{
  TmCookie *copy;

  g_return_val_if_fail (cookie != NULL, NULL);

  copy = g_memdup2 (cookie, sizeof *cookie);
  copy->name = g_strdup (cookie->name);
  copy->value = g_strdup (cookie->value);
  copy->domain = g_strdup (cookie->domain);
  copy->path = g_strdup (cookie->path);
  return copy;
}

/**
 * tm_cookie_free:
 * @cookie: (nullable): a cookie
 */
void
tm_cookie_free (TmCookie *cookie)
{
  if (cookie == NULL)
    return;
  g_free (cookie->name);
  g_free (cookie->value);
  g_free (cookie->domain);
  g_free (cookie->path);
  g_free (cookie);
}

/**
 * tm_cookie_is_expired:
 * @now: Unix seconds
 * Returns: whether @cookie's expiry is at or before @now (never for a session cookie).
 */
gboolean
tm_cookie_is_expired (const TmCookie *cookie,
                      gint64          now)
{
  g_return_val_if_fail (cookie != NULL, TRUE);

  if (cookie->expires == TM_COOKIE_SESSION)
    return FALSE;
  return cookie->expires <= now;
}

static gboolean
host_is_ip (const char *host)
{
  gsize len;

  if (g_hostname_is_ip_address (host))
    return TRUE;
  /* "[::1]" as some callers write an IPv6 literal. */
  len = strlen (host);
  if (len > 2 && host[0] == '[' && host[len - 1] == ']')
    {
      g_autofree char *inner = g_strndup (host + 1, len - 2);
      return g_hostname_is_ip_address (inner);
    }
  return FALSE;
}

/* RFC 6265bis 5.1.3: @host is @domain or a subdomain of it, and not an IP. Both are
 * compared case-insensitively; a trailing dot on @host is ignored. */
static gboolean
domain_match (const char *host,
              gsize       host_len,
              const char *domain)
{
  gsize domain_len = strlen (domain);

  if (host_len == domain_len)
    return g_ascii_strncasecmp (host, domain, host_len) == 0;
  if (host_len > domain_len
      && host[host_len - domain_len - 1] == '.'
      && g_ascii_strncasecmp (host + host_len - domain_len, domain, domain_len) == 0)
    {
      g_autofree char *h = g_strndup (host, host_len);
      return !host_is_ip (h);
    }
  return FALSE;
}

/* RFC 6265bis 5.1.4 path-match. */
static gboolean
path_match (const char *request_path,
            const char *cookie_path)
{
  gsize len = strlen (cookie_path);

  if (strncmp (request_path, cookie_path, len) != 0)
    return FALSE;
  if (request_path[len] == '\0')
    return TRUE;
  if (len > 0 && cookie_path[len - 1] == '/')
    return TRUE;
  return request_path[len] == '/';
}

/**
 * tm_cookie_matches:
 * @host: the request's host
 * @path: (nullable): the request's path ("/" when %NULL or empty)
 * @secure: whether the request goes over a secure channel
 *
 * Whether a user agent sends @cookie with this request: exact host for a host-only
 * cookie, else RFC 6265bis domain-match; path-match; Secure cookies only when
 * @secure. Expiry is not looked at (see tm_cookie_is_expired()).
 */
gboolean
tm_cookie_matches (const TmCookie *cookie,
                   const char     *host,
                   const char     *path,
                   gboolean        secure)
{
  gsize host_len;

  g_return_val_if_fail (cookie != NULL, FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  if (cookie->secure && !secure)
    return FALSE;
  if (cookie->domain == NULL)
    return FALSE;

  host_len = strlen (host);
  if (host_len > 1 && host[host_len - 1] == '.')
    host_len--;

  if (cookie->host_only)
    {
      if (strlen (cookie->domain) != host_len
          || g_ascii_strncasecmp (cookie->domain, host, host_len) != 0)
        return FALSE;
    }
  else if (!domain_match (host, host_len, cookie->domain))
    return FALSE;

  if (path == NULL || path[0] != '/')
    path = "/";
  return path_match (path, cookie->path != NULL ? cookie->path : "/");
}

/* Where the cookie-date of a far future ends up: 9999-12-31T23:59:59Z, the last
 * second GDateTime (and ISO 8601 with four digits) can represent. */
#define EXPIRES_MAX G_GINT64_CONSTANT (253402300799)
/* Max-Age <= 0: "the earliest representable date and time"; 1970 keeps it
 * printable, and it is in the past for any @now we see. */
#define EXPIRES_EARLIEST G_GINT64_CONSTANT (0)

#define MAX_NAME_VALUE TM_COOKIE_MAX_NAME_VALUE
#define MAX_ATTRIBUTE_VALUE 1024

static inline gboolean
is_wsp (char c)
{
  return c == ' ' || c == '\t';
}

/* CTLs other than HTAB. */
static inline gboolean
is_forbidden_ctl (guchar c)
{
  return (c <= 0x08) || (c >= 0x0A && c <= 0x1F) || c == 0x7F;
}

/* Trims SP and HTAB at both ends of [*start, *end). */
static inline void
trim_wsp (const char **start,
          const char **end)
{
  while (*start < *end && is_wsp (**start))
    (*start)++;
  while (*end > *start && is_wsp ((*end)[-1]))
    (*end)--;
}

/* RFC 6265bis 5.1.1: cookie-date delimiters. */
static inline gboolean
is_date_delimiter (guchar c)
{
  return c == 0x09 || (c >= 0x20 && c <= 0x2F) || (c >= 0x3B && c <= 0x40)
         || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}

/* 1*max DIGIT then, if anything follows, a non-digit. Returns digits read, or 0. */
static gsize
read_digits (const char *s,
             gsize       len,
             gsize       min,
             gsize       max,
             int        *out)
{
  gsize n = 0;
  int v = 0;

  while (n < len && g_ascii_isdigit (s[n]))
    {
      if (n == max)
        return 0;
      v = v * 10 + (s[n] - '0');
      n++;
    }
  if (n < min)
    return 0;
  *out = v;
  return n;
}

static gboolean
parse_time_token (const char *s,
                  gsize       len,
                  int        *h,
                  int        *m,
                  int        *sec)
{
  gsize n, pos = 0;

  if ((n = read_digits (s, len, 1, 2, h)) == 0)
    return FALSE;
  pos += n;
  if (pos >= len || s[pos] != ':')
    return FALSE;
  pos++;
  if ((n = read_digits (s + pos, len - pos, 1, 2, m)) == 0)
    return FALSE;
  pos += n;
  if (pos >= len || s[pos] != ':')
    return FALSE;
  pos++;
  if ((n = read_digits (s + pos, len - pos, 1, 2, sec)) == 0)
    return FALSE;
  /* Whatever follows starts with a non-digit (read_digits stopped on it). */
  return TRUE;
}

static int
parse_month_token (const char *s,
                   gsize       len)
{
  static const char months[12][4] = {
    "jan", "feb", "mar", "apr", "may", "jun",
    "jul", "aug", "sep", "oct", "nov", "dec",
  };

  if (len < 3)
    return 0;
  for (int i = 0; i < 12; i++)
    if (g_ascii_strncasecmp (s, months[i], 3) == 0)
      return i + 1;
  return 0;
}

/* RFC 6265bis 5.1.1: the cookie-date algorithm. Returns FALSE when the date is
 * invalid (the Expires attribute is then ignored). */
static gboolean
parse_cookie_date (const char *s,
                   gsize       len,
                   gint64     *out)
{
  gboolean found_time = FALSE, found_day = FALSE, found_month = FALSE, found_year = FALSE;
  int hour = 0, minute = 0, second = 0, day = 0, month = 0, year = 0;
  gsize pos = 0;
  g_autoptr(GDateTime) dt = NULL;

  while (pos < len)
    {
      gsize start, tlen;
      int v;

      while (pos < len && is_date_delimiter (s[pos]))
        pos++;
      start = pos;
      while (pos < len && !is_date_delimiter (s[pos]))
        pos++;
      tlen = pos - start;
      if (tlen == 0)
        continue;

      if (!found_time && parse_time_token (s + start, tlen, &hour, &minute, &second))
        found_time = TRUE;
      else if (!found_day && read_digits (s + start, tlen, 1, 2, &v) > 0)
        {
          found_day = TRUE;
          day = v;
        }
      else if (!found_month && (v = parse_month_token (s + start, tlen)) > 0)
        {
          found_month = TRUE;
          month = v;
        }
      else if (!found_year && read_digits (s + start, tlen, 2, 4, &v) > 0)
        {
          found_year = TRUE;
          year = v;
        }
    }

  if (!found_time || !found_day || !found_month || !found_year)
    return FALSE;
  if (year >= 70 && year <= 99)
    year += 1900;
  else if (year >= 0 && year <= 69)
    year += 2000;
  if (day < 1 || day > 31 || year < 1601 || hour > 23 || minute > 59 || second > 59)
    return FALSE;

  /* NULL for a day that does not exist in that month (31 April). */
  dt = g_date_time_new_utc (year, month, day, hour, minute, second);
  if (dt == NULL)
    return FALSE;
  *out = g_date_time_to_unix (dt);
  return TRUE;
}

/* Max-Age: first character a digit or '-', the rest digits. */
static gboolean
parse_max_age (const char *s,
               gsize       len,
               gint64      now,
               gint64     *out)
{
  gboolean negative = FALSE;
  gint64 delta = 0;
  gsize i = 0;

  if (len == 0)
    return FALSE;
  if (s[0] == '-')
    {
      negative = TRUE;
      i = 1;
      if (len == 1)
        return FALSE;
    }
  for (; i < len; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      if (delta < EXPIRES_MAX)   /* saturate: more digits only clamp further */
        delta = delta * 10 + (s[i] - '0');
    }

  if (negative || delta == 0)
    *out = EXPIRES_EARLIEST;
  else if (now >= EXPIRES_MAX || delta >= EXPIRES_MAX - now)
    *out = EXPIRES_MAX;
  else
    *out = now + delta;
  return TRUE;
}

/* Lower case, ASCII (punycode for IDNs). NULL when not a host name. */
static char *
canonicalise_host (const char *host,
                   gsize       len)
{
  g_autofree char *raw = g_strndup (host, len);

  if (len > 1 && raw[len - 1] == '.')
    raw[len - 1] = '\0';
  if (!g_str_is_ascii (raw))
    {
      g_autofree char *ascii = NULL;

      if (!g_utf8_validate (raw, -1, NULL))
        return NULL;
      ascii = g_hostname_to_ascii (raw);
      if (ascii == NULL)
        return NULL;
      return g_ascii_strdown (ascii, -1);
    }
  return g_ascii_strdown (raw, -1);
}

/* A public suffix per libsoup's list, or a single label that is not an IP: the
 * list's implicit "*" rule makes an unknown top-level domain ("test") one too. */
static gboolean
is_public_suffix (const char *domain)
{
  if (soup_tld_domain_is_public_suffix (domain))
    return TRUE;
  return strchr (domain, '.') == NULL && !host_is_ip (domain);
}

/* RFC 6265bis 5.1.4 default-path. */
static char *
default_path (const char *request_path)
{
  const char *last;

  if (request_path == NULL || request_path[0] != '/')
    return g_strdup ("/");
  /* Only the path: a query has no business here. */
  last = NULL;
  for (const char *p = request_path; *p != '\0' && *p != '?' && *p != '#'; p++)
    if (*p == '/')
      last = p;
  if (last == request_path)
    return g_strdup ("/");
  return g_strndup (request_path, last - request_path);
}

static inline gboolean
attr_is (const char *name,
         gsize       name_len,
         const char *literal)
{
  gsize len = strlen (literal);

  return name_len == len && g_ascii_strncasecmp (name, literal, len) == 0;
}

static inline gboolean
has_prefix_nocase (const char *s,
                   gsize       len,
                   const char *prefix)
{
  gsize plen = strlen (prefix);

  return len >= plen && g_ascii_strncasecmp (s, prefix, plen) == 0;
}

/* The name-value-pair of @header (up to the first ';'), split and trimmed. */
static void
split_name_value (const char  *header,
                  const char  *pair_end,
                  const char **name,
                  gsize       *name_len,
                  const char **value,
                  gsize       *value_len)
{
  const char *eq = memchr (header, '=', pair_end - header);
  const char *ns, *ne, *vs, *ve;

  if (eq == NULL)
    {
      ns = ne = header;
      vs = header;
      ve = pair_end;
    }
  else
    {
      ns = header;
      ne = eq;
      vs = eq + 1;
      ve = pair_end;
    }
  trim_wsp (&ns, &ne);
  trim_wsp (&vs, &ve);
  *name = ns;
  *name_len = ne - ns;
  *value = vs;
  *value_len = ve - vs;
}

static TmCookie *
invalid (GError     **error,
         const char  *format,
         ...) G_GNUC_PRINTF (2, 3);

static TmCookie *
invalid (GError     **error,
         const char  *format,
         ...)
{
  va_list args;

  if (error != NULL)
    {
      g_autofree char *message = NULL;

      va_start (args, format);
      message = g_strdup_vprintf (format, args);
      va_end (args);
      g_set_error_literal (error, TM_COOKIE_ERROR, TM_COOKIE_ERROR_INVALID, message);
    }
  return NULL;
}

/* See tm-cookie.h. The error's message is the reason in English, for logs: it
 * completes "Set-Cookie ignored: …" and may quote the Domain and host, never the
 * value. */
TmCookie *
tm_cookie_parse (const char  *header,
                 const char  *request_host,
                 const char  *request_path,
                 gboolean     secure_origin,
                 gint64       now,
                 GError     **error)
{
  g_autoptr(TmCookie) cookie = NULL;
  g_autofree char *host = NULL;
  g_autofree char *domain_attr = NULL;
  g_autofree char *path_attr = NULL;
  const char *pair_end, *name, *value, *p;
  gsize name_len, value_len;
  gboolean have_expires = FALSE, have_max_age = FALSE, have_path = FALSE;
  gboolean bad_domain = FALSE, domain_trailing_dot = FALSE, host_trailing_dot;
  gint64 expires = 0, max_age = 0;

  g_return_val_if_fail (header != NULL, NULL);
  g_return_val_if_fail (request_host != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Step 1: a control character (other than HTAB) anywhere voids the line. */
  for (p = header; *p != '\0'; p++)
    if (is_forbidden_ctl ((guchar) *p))
      return invalid (error, "contains a control character (0x%02x)", (guchar) *p);

  pair_end = strchr (header, ';');
  if (pair_end == NULL)
    pair_end = p;
  split_name_value (header, pair_end, &name, &name_len, &value, &value_len);

  if (name_len + value_len > MAX_NAME_VALUE)
    return invalid (error, "name and value are longer than %d bytes", MAX_NAME_VALUE);
  if (name_len == 0 && value_len == 0)
    return invalid (error, "has neither a name nor a value");

  cookie = tm_cookie_new ();
  cookie->name = g_strndup (name, name_len);
  cookie->value = g_strndup (value, value_len);

  /* The attributes: the last of each kind wins. */
  p = pair_end;
  while (*p == ';')
    {
      const char *av = p + 1, *av_end, *eq, *an, *an_end, *vv, *vv_end;
      gsize vlen;

      av_end = strchr (av, ';');
      if (av_end == NULL)
        av_end = av + strlen (av);
      p = av_end;

      eq = memchr (av, '=', av_end - av);
      an = av;
      an_end = eq != NULL ? eq : av_end;
      vv = eq != NULL ? eq + 1 : av_end;
      vv_end = av_end;
      trim_wsp (&an, &an_end);
      trim_wsp (&vv, &vv_end);
      vlen = vv_end - vv;
      if (vlen > MAX_ATTRIBUTE_VALUE)
        continue;

      if (attr_is (an, an_end - an, "expires"))
        {
          gint64 t;

          if (parse_cookie_date (vv, vlen, &t))
            {
              have_expires = TRUE;
              expires = t;
            }
        }
      else if (attr_is (an, an_end - an, "max-age"))
        {
          gint64 t;

          if (parse_max_age (vv, vlen, now, &t))
            {
              have_max_age = TRUE;
              max_age = t;
            }
        }
      else if (attr_is (an, an_end - an, "domain"))
        {
          if (vlen > 0 && vv[0] == '.')
            {
              vv++;
              vlen--;
            }
          if (vlen > 0)
            {
              g_free (domain_attr);
              domain_attr = canonicalise_host (vv, vlen);
              /* Not a host name (an IDN that does not convert, bad UTF-8). */
              bad_domain = domain_attr == NULL;
              /* canonicalise_host() drops it, but "a.test." only domain-matches a
               * host written with the trailing dot too. */
              domain_trailing_dot = vlen > 1 && vv[vlen - 1] == '.';
            }
        }
      else if (attr_is (an, an_end - an, "path"))
        {
          g_clear_pointer (&path_attr, g_free);
          have_path = TRUE;
          if (vlen > 0 && vv[0] == '/')
            path_attr = g_strndup (vv, vlen);
        }
      else if (attr_is (an, an_end - an, "secure"))
        cookie->secure = TRUE;
      else if (attr_is (an, an_end - an, "httponly"))
        cookie->http_only = TRUE;
      else if (attr_is (an, an_end - an, "samesite"))
        {
          if (attr_is (vv, vlen, "strict"))
            cookie->same_site = TM_SAME_SITE_STRICT;
          else if (attr_is (vv, vlen, "lax"))
            cookie->same_site = TM_SAME_SITE_LAX;
          else if (attr_is (vv, vlen, "none"))
            cookie->same_site = TM_SAME_SITE_NONE;
          else
            cookie->same_site = TM_SAME_SITE_UNSET;
        }
      else if (attr_is (an, an_end - an, "partitioned"))
        cookie->partitioned = TRUE;
    }

  if (have_max_age)
    cookie->expires = max_age;
  else if (have_expires)
    cookie->expires = expires;

  /* The storage model (RFC 6265bis 5.7). */
  host = canonicalise_host (request_host, strlen (request_host));
  if (host == NULL || host[0] == '\0')
    return invalid (error, "the request host “%s” is not a host name", request_host);

  if (bad_domain)
    return invalid (error, "its Domain is not a valid host name");
  /* RFC 6265bis 5.1.3 compares the strings as they are: "example.com." neither
   * matches nor is matched by "example.com" (libsoup and the browsers agree). */
  host_trailing_dot = strlen (request_host) > 1
                      && request_host[strlen (request_host) - 1] == '.';
  if (domain_attr != NULL && domain_trailing_dot != host_trailing_dot)
    return invalid (error, "its Domain “%s%s” does not match the host “%s”",
                    domain_attr, domain_trailing_dot ? "." : "", request_host);
  if (domain_attr != NULL
      && !g_str_equal (domain_attr, host)
      && is_public_suffix (domain_attr))
    return invalid (error, "its Domain “%s” is a public suffix", domain_attr);

  if (domain_attr != NULL && !g_str_equal (domain_attr, host))
    {
      if (!domain_match (host, strlen (host), domain_attr))
        return invalid (error, "its Domain “%s” does not match the host “%s”",
                        domain_attr, host);
      cookie->host_only = FALSE;
      cookie->domain = g_steal_pointer (&domain_attr);
    }
  else if (domain_attr != NULL && !is_public_suffix (domain_attr))
    {
      /* Domain equal to the host: still a domain cookie (sent to subdomains). */
      cookie->host_only = FALSE;
      cookie->domain = g_steal_pointer (&domain_attr);
    }
  else
    {
      cookie->host_only = TRUE;
      cookie->domain = g_steal_pointer (&host);
    }

  cookie->path = path_attr != NULL ? g_steal_pointer (&path_attr)
                                   : default_path (request_path);

  if (cookie->secure && !secure_origin)
    return invalid (error, "it is Secure but was set over an insecure connection");

  if (cookie->name[0] == '\0'
      && (has_prefix_nocase (cookie->value, value_len, "__Secure-")
          || has_prefix_nocase (cookie->value, value_len, "__Host-")))
    return invalid (error, "it has no name and its value looks like a prefixed name");
  if (has_prefix_nocase (cookie->name, name_len, "__Secure-") && !cookie->secure)
    return invalid (error, "a __Secure- cookie must be Secure");
  if (has_prefix_nocase (cookie->name, name_len, "__Host-")
      && (!cookie->secure || !cookie->host_only || !have_path
          || !g_str_equal (cookie->path, "/")))
    return invalid (error, "a __Host- cookie must be Secure, without Domain, with Path=/");

  /* RFC 6265bis 5.7: SameSite=None requires Secure (Chromium does the same). */
  if (cookie->same_site == TM_SAME_SITE_NONE && !cookie->secure)
    return invalid (error, "a SameSite=None cookie must be Secure");
  if (cookie->partitioned && !cookie->secure)
    return invalid (error, "a Partitioned cookie must be Secure");

  cookie->created = g_get_real_time ();
  return g_steal_pointer (&cookie);
}

/**
 * tm_cookie_check_name:
 * @name: a cookie name, as a person typed it (`temoinctl rules override`)
 *
 * Whether @name is one tm_cookie_parse() could have read from a Set-Cookie
 * header, by the same rules: not empty, within MAX_NAME_VALUE bytes, no control
 * character but HTAB (step 1), no ';' (which ends the pair) or '=' (which ends
 * the name), no SP or HTAB at either end (trimmed). And valid UTF-8: names
 * reach the proxy through libsoup, which makes header values valid UTF-8, so a
 * name that is not could never match.
 *
 * Returns: %TM_COOKIE_NAME_OK, or what is wrong with it
 */
TmCookieNameProblem
tm_cookie_check_name (const char *name)
{
  gsize len;

  g_return_val_if_fail (name != NULL, TM_COOKIE_NAME_EMPTY);

  len = strlen (name);
  if (len == 0)
    return TM_COOKIE_NAME_EMPTY;
  if (len > MAX_NAME_VALUE)
    return TM_COOKIE_NAME_TOO_LONG;
  if (!g_utf8_validate (name, len, NULL))
    return TM_COOKIE_NAME_NOT_UTF8;
  for (const char *p = name; *p != '\0'; p++)
    if (is_forbidden_ctl ((guchar) *p) || *p == ';' || *p == '=')
      return TM_COOKIE_NAME_FORBIDDEN_CHAR;
  if (is_wsp (name[0]) || is_wsp (name[len - 1]))
    return TM_COOKIE_NAME_SPACE_AT_END;
  return TM_COOKIE_NAME_OK;
}

/**
 * tm_cookie_parse_name:
 * @header: one Set-Cookie field value
 *
 * The cookie-name as RFC 6265bis reads it: before the first '=' of the part
 * before the first ';', trimmed of SP and HTAB; "" when that part has no '='.
 * Nothing is validated.
 * Returns: (transfer full)
 */
char *
tm_cookie_parse_name (const char *header)
{
  const char *pair_end, *name, *value;
  gsize name_len, value_len;

  g_return_val_if_fail (header != NULL, NULL);

  pair_end = strchr (header, ';');
  if (pair_end == NULL)
    pair_end = header + strlen (header);
  split_name_value (header, pair_end, &name, &name_len, &value, &value_len);
  return g_strndup (name, name_len);
}

/**
 * tm_cookie_expiring_header:
 * @name: the cookie's name
 * @domain: (nullable): its domain; only written when not @host_only
 * @host_only: whether the cookie has no Domain attribute
 * @path: (nullable): its path ("/" when %NULL)
 * @secure: whether to add Secure (always added for `__Secure-`/`__Host-` names)
 *
 * A nameless cookie cannot be expired this way ("=" alone is ignored by user
 * agents): its value would be needed, and the caller gets "=; Expires=…" anyway.
 * Returns: (transfer full): a Set-Cookie field value
 */
char *
tm_cookie_expiring_header (const char *name,
                           const char *domain,
                           gboolean    host_only,
                           const char *path,
                           gboolean    secure)
{
  GString *out;
  gsize name_len;
  gboolean host_prefix;

  g_return_val_if_fail (name != NULL, NULL);

  name_len = strlen (name);
  host_prefix = has_prefix_nocase (name, name_len, "__Host-");
  if (host_prefix || has_prefix_nocase (name, name_len, "__Secure-"))
    secure = TRUE;
  if (host_prefix)
    {
      host_only = TRUE;
      path = "/";
    }
  if (path == NULL || path[0] != '/')
    path = "/";

  out = g_string_sized_new (96 + name_len);
  g_string_append (out, name);
  /* Expires before Max-Age: libsoup 3.2, the cookie parser of GNOME's browser
   * among others, loses a date when Expires follows Max-Age (it leaks one per
   * cookie). The order means nothing to RFC 6265: Max-Age wins either way. */
  g_string_append (out, "=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=");
  g_string_append (out, path);
  if (!host_only && domain != NULL && domain[0] != '\0')
    {
      g_string_append (out, "; Domain=");
      g_string_append (out, domain);
    }
  if (secure)
    g_string_append (out, "; Secure");
  return g_string_free (out, FALSE);
}

/**
 * tm_cookie_header_parse:
 * @header: a Cookie request field value
 *
 * Splits @header on ';' into #TmCookiePair slices of @header: each piece is
 * trimmed of SP and HTAB, empty pieces are skipped, a piece without '=' is a
 * nameless cookie (name_len 0, the piece is its value).
 * Returns: (transfer full) (element-type TmCookiePair)
 */
GArray *
tm_cookie_header_parse (const char *header)
{
  GArray *pairs;
  const char *p;

  g_return_val_if_fail (header != NULL, NULL);

  pairs = g_array_sized_new (FALSE, FALSE, sizeof (TmCookiePair), 8);
  p = header;
  for (;;)
    {
      const char *start = p, *end, *eq;
      TmCookiePair pair;

      while (*p != '\0' && *p != ';')
        p++;
      end = p;
      trim_wsp (&start, &end);
      if (end > start)
        {
          eq = memchr (start, '=', end - start);
          if (eq == NULL)
            {
              pair.name = start;
              pair.name_len = 0;
              pair.value = start;
              pair.value_len = end - start;
            }
          else
            {
              const char *ne = eq, *vs = eq + 1, *ns = start, *ve = end;

              trim_wsp (&ns, &ne);
              trim_wsp (&vs, &ve);
              pair.name = ns;
              pair.name_len = ne - ns;
              pair.value = vs;
              pair.value_len = ve - vs;
            }
          g_array_append_val (pairs, pair);
        }
      if (*p == '\0')
        break;
      p++;
    }
  return pairs;
}
