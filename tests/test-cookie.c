/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "tm-cookie.h"

/* 2023-11-14T22:13:20Z: every Max-Age below counts from here. */
#define NOW G_GINT64_CONSTANT (1700000000)
#define SESSION TM_COOKIE_SESSION
#define LAST_SECOND G_GINT64_CONSTANT (253402300799)   /* 9999-12-31T23:59:59Z */

typedef struct {
  const char *what;
  const char *header;
  const char *host;
  const char *path;
  gboolean    https;
  /* Expected: NULL name means the cookie must be ignored. */
  const char *name;
  const char *value;
  const char *domain;
  gboolean    host_only;
  const char *cookie_path;
  gint64      expires;
  gboolean    secure;
  gboolean    http_only;
  gboolean    partitioned;
  TmSameSite  same_site;
} ParseRow;

#define REJECT NULL, NULL, NULL, FALSE, NULL, 0, FALSE, FALSE, FALSE, 0

static const ParseRow parse_rows[] = {
  { "utf8-value-keeps-later-attributes", "n=caf\xc3\xa9 \xe2\x9c\x93; Secure; HttpOnly",
    "a.test", "/", TRUE,
    "n", "caf\xc3\xa9 \xe2\x9c\x93", "a.test", TRUE, "/", SESSION, TRUE, TRUE, FALSE, 0 },
  { "tab-in-value-kept", "n=a\tb; Secure; HttpOnly", "a.test", "/", TRUE,
    "n", "a\tb", "a.test", TRUE, "/", SESSION, TRUE, TRUE, FALSE, 0 },
  { "quoted-value-keeps-quotes", "n=\"a b\"; Path=/p", "a.test", "/", FALSE,
    "n", "\"a b\"", "a.test", TRUE, "/p", SESSION, FALSE, FALSE, FALSE, 0 },
  { "whitespace-trimmed", " \tname \t= \tv a l\t ;  secure ; HTTPONLY", "a.test", "/", TRUE,
    "name", "v a l", "a.test", TRUE, "/", SESSION, TRUE, TRUE, FALSE, 0 },
  { "value-may-contain-equals", "n=a=b==", "a.test", "/", FALSE,
    "n", "a=b==", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "max-age-before-expires-wins", "n=v; Max-Age=60; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
    "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", NOW + 60, FALSE, FALSE, FALSE, 0 },
  { "max-age-after-expires-wins", "n=v; Expires=Fri, 01 Jan 2100 00:00:00 GMT; Max-Age=60",
    "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", NOW + 60, FALSE, FALSE, FALSE, 0 },
  { "expires-2100-is-64-bit", "n=v; Expires=Fri, 01 Jan 2100 00:00:00 GMT", "a.test", "/",
    FALSE, "n", "v", "a.test", TRUE, "/", G_GINT64_CONSTANT (4102444800),
    FALSE, FALSE, FALSE, 0 },
  { "expires-two-digit-year-94", "n=v; expires=Sun, 06-Nov-94 08:49:37 GMT", "a.test", "/",
    FALSE, "n", "v", "a.test", TRUE, "/", 784111777, FALSE, FALSE, FALSE, 0 },
  { "expires-two-digit-year-69-is-2069", "n=v; Expires=Thu, 01 Jan 69 00:00:00 GMT",
    "a.test", "/", FALSE, "n", "v", "a.test", TRUE, "/", G_GINT64_CONSTANT (3124224000),
    FALSE, FALSE, FALSE, 0 },
  { "expires-asctime-order", "n=v; Expires=Sun Nov  6 08:49:37 1994", "a.test", "/",
    FALSE, "n", "v", "a.test", TRUE, "/", 784111777, FALSE, FALSE, FALSE, 0 },
  { "expires-invalid-ignored", "n=v; Expires=tomorrow", "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "expires-31-april-ignored", "n=v; Expires=31 Apr 2030 10:00:00", "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "expires-hour-24-ignored", "n=v; Expires=1 Apr 2030 24:00:00", "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "max-age-zero-is-earliest", "n=v; Max-Age=0", "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", 0, FALSE, FALSE, FALSE, 0 },
  { "max-age-negative-is-earliest", "n=v; Max-Age=-5", "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", 0, FALSE, FALSE, FALSE, 0 },
  { "max-age-overflow-clamped", "n=v; Max-Age=99999999999999999999999999", "a.test", "/",
    FALSE, "n", "v", "a.test", TRUE, "/", LAST_SECOND, FALSE, FALSE, FALSE, 0 },
  { "max-age-not-digits-ignored", "n=v; Max-Age=1a", "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "max-age-plus-sign-ignored", "n=v; Max-Age=+5; Expires=Fri, 01 Jan 2100 00:00:00 GMT",
    "a.test", "/", FALSE, "n", "v", "a.test", TRUE, "/", G_GINT64_CONSTANT (4102444800),
    FALSE, FALSE, FALSE, 0 },
  { "max-age-last-wins", "n=v; Max-Age=10; Max-Age=20", "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", NOW + 20, FALSE, FALSE, FALSE, 0 },
  { "same-site-strict", "n=v; SameSite=Strict", "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, TM_SAME_SITE_STRICT },
  { "same-site-lax-any-case", "n=v; samesite=lAX", "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, TM_SAME_SITE_LAX },
  { "same-site-none", "n=v; SameSite=None; Secure", "a.test", "/", TRUE,
    "n", "v", "a.test", TRUE, "/", SESSION, TRUE, FALSE, FALSE, TM_SAME_SITE_NONE },
  { "same-site-unknown-is-unset", "n=v; SameSite=Lax; SameSite=Sometimes", "a.test", "/",
    FALSE, "n", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, TM_SAME_SITE_UNSET },
  { "same-site-last-wins", "n=v; SameSite=Lax; SameSite=Strict", "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, TM_SAME_SITE_STRICT },
  { "partitioned-secure", "__Host-p=1; Secure; Path=/; Partitioned; SameSite=None",
    "a.test", "/", TRUE,
    "__Host-p", "1", "a.test", TRUE, "/", SESSION, TRUE, FALSE, TRUE, TM_SAME_SITE_NONE },
  { "partitioned-without-secure-rejected", "p=1; Partitioned", "a.test", "/", FALSE, REJECT },
  { "host-prefix-accepted", "__Host-id=1; Secure; Path=/", "a.test", "/x/y", TRUE,
    "__Host-id", "1", "a.test", TRUE, "/", SESSION, TRUE, FALSE, FALSE, 0 },
  { "host-prefix-with-domain-rejected", "__Host-id=1; Secure; Path=/; Domain=a.test",
    "a.test", "/", TRUE, REJECT },
  { "host-prefix-without-path-rejected", "__Host-id=1; Secure", "a.test", "/", TRUE, REJECT },
  { "host-prefix-other-path-rejected", "__Host-id=1; Secure; Path=/x", "a.test", "/", TRUE,
    REJECT },
  { "host-prefix-any-case-without-secure-rejected", "__host-id=1; Path=/", "a.test", "/",
    TRUE, REJECT },
  { "secure-prefix-accepted", "__Secure-id=1; Secure; Domain=a.test", "www.a.test", "/",
    TRUE, "__Secure-id", "1", "a.test", FALSE, "/", SESSION, TRUE, FALSE, FALSE, 0 },
  { "secure-prefix-without-secure-rejected", "__SECURE-id=1", "a.test", "/", TRUE, REJECT },
  { "nameless-prefix-lookalike-rejected", "__Host-id", "a.test", "/", TRUE, REJECT },
  { "secure-from-insecure-origin-rejected", "n=v; Secure", "a.test", "/", FALSE, REJECT },
  { "domain-leading-dot-stripped-and-lowered", "n=v; Domain=.Example.COM",
    "www.example.com", "/", FALSE,
    "n", "v", "example.com", FALSE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "domain-equal-to-host", "n=v; Domain=example.com", "example.com", "/", FALSE,
    "n", "v", "example.com", FALSE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "domain-empty-ignored", "n=v; Domain=", "www.example.com", "/", FALSE,
    "n", "v", "www.example.com", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "domain-last-wins", "n=v; Domain=other.test; Domain=example.com", "www.example.com", "/",
    FALSE, "n", "v", "example.com", FALSE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "domain-mismatch-rejected", "n=v; Domain=other.test", "www.example.com", "/", FALSE,
    REJECT },
  { "domain-subdomain-of-host-rejected", "n=v; Domain=sub.example.com", "example.com", "/",
    FALSE, REJECT },
  { "domain-suffix-without-dot-rejected", "n=v; Domain=ample.com", "example.com", "/",
    FALSE, REJECT },
  { "domain-public-suffix-rejected", "n=v; Domain=co.uk", "www.bbc.co.uk", "/", FALSE,
    REJECT },
  { "domain-public-suffix-equal-to-host-is-host-only", "n=v; Domain=github.io", "github.io",
    "/", FALSE, "n", "v", "github.io", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "domain-unknown-tld-rejected", "n=v; Domain=test", "site-a.test", "/", FALSE, REJECT },
  { "domain-unknown-tld-site-accepted", "n=v; Domain=site-a.test", "www.site-a.test", "/",
    FALSE, "n", "v", "site-a.test", FALSE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "domain-localhost-is-host-only", "n=v; Domain=localhost", "localhost", "/", FALSE,
    "n", "v", "localhost", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "domain-on-ip-must-be-exact", "n=v; Domain=0.0.1", "127.0.0.1", "/", FALSE, REJECT },
  { "domain-idn-to-ascii", "n=v; Domain=EX\xc3\xa4mple.test", "www.ex\xc3\xa4mple.test", "/",
    FALSE, "n", "v", "xn--exmple-cua.test", FALSE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "domain-not-a-host-name-rejected", "n=v; Domain=\xff\xfe.test", "a.test", "/", FALSE,
    REJECT },
  { "domain-later-valid-wins-over-bad", "n=v; Domain=\xff.test; Domain=a.test", "a.test",
    "/", FALSE, "n", "v", "a.test", FALSE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "host-lowered", "n=v", "WWW.Example.COM.", "/", FALSE,
    "n", "v", "www.example.com", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "path-default-from-request", "n=v", "a.test", "/a/b/c?q=/x", FALSE,
    "n", "v", "a.test", TRUE, "/a/b", SESSION, FALSE, FALSE, FALSE, 0 },
  { "path-default-top-level", "n=v", "a.test", "/a", FALSE,
    "n", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "path-default-without-request-path", "n=v", "a.test", NULL, FALSE,
    "n", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "path-relative-is-default", "n=v; Path=rel", "a.test", "/d/e", FALSE,
    "n", "v", "a.test", TRUE, "/d", SESSION, FALSE, FALSE, FALSE, 0 },
  { "nameless-cookie", "justavalue; Path=/", "a.test", "/", FALSE,
    "", "justavalue", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "empty-name-with-equals", "=v", "a.test", "/", FALSE,
    "", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
  { "empty-name-and-value-rejected", " = ; Path=/", "a.test", "/", FALSE, REJECT },
  { "empty-line-rejected", "", "a.test", "/", FALSE, REJECT },
  { "ctl-in-value-rejected", "n=a\x01" "b", "a.test", "/", FALSE, REJECT },
  { "ctl-in-attribute-rejected", "n=v; Path=/\x7f", "a.test", "/", FALSE, REJECT },
  { "newline-rejected", "n=v\nSet-Cookie: x=y", "a.test", "/", FALSE, REJECT },
  { "unknown-attribute-ignored", "n=v; Priority=High; Foo", "a.test", "/", FALSE,
    "n", "v", "a.test", TRUE, "/", SESSION, FALSE, FALSE, FALSE, 0 },
};

static void
test_parse_row (gconstpointer data)
{
  const ParseRow *row = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCookie) cookie = NULL;
  gint64 before = g_get_real_time ();

  cookie = tm_cookie_parse (row->header, row->host, row->path, row->https, NOW, &error);
  if (row->name == NULL)
    {
      g_assert_null (cookie);
      g_assert_error (error, TM_COOKIE_ERROR, TM_COOKIE_ERROR_INVALID);
      g_assert_cmpstr (error->message, !=, "");
      return;
    }

  g_assert_no_error (error);
  g_assert_nonnull (cookie);
  g_assert_cmpstr (cookie->name, ==, row->name);
  g_assert_cmpstr (cookie->value, ==, row->value);
  g_assert_cmpstr (cookie->domain, ==, row->domain);
  g_assert_cmpint (cookie->host_only, ==, row->host_only);
  g_assert_cmpstr (cookie->path, ==, row->cookie_path);
  g_assert_cmpint (cookie->expires, ==, row->expires);
  g_assert_cmpint (cookie->secure, ==, row->secure);
  g_assert_cmpint (cookie->http_only, ==, row->http_only);
  g_assert_cmpint (cookie->partitioned, ==, row->partitioned);
  g_assert_cmpint (cookie->same_site, ==, row->same_site);
  g_assert_cmpint (cookie->created, >=, before);
  g_assert_cmpint (cookie->categories, ==, 0);
}

static void
test_parse_size_limits (void)
{
  g_autoptr(GString) line = g_string_new ("n=");
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCookie) ok = NULL;
  g_autoptr(TmCookie) too_long = NULL;
  g_autoptr(TmCookie) long_path = NULL;
  g_autofree char *path_line = NULL;
  g_autofree char *long_attr = g_strnfill (1024, 'p');
  g_autofree char *longer_attr = g_strnfill (1025, 'p');
  g_autoptr(TmCookie) path_1024 = NULL;

  /* Name (1) + value (4095) = 4096 bytes: the limit itself is allowed. */
  for (int i = 0; i < 4095; i++)
    g_string_append_c (line, 'x');
  ok = tm_cookie_parse (line->str, "a.test", "/", FALSE, NOW, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (ok->value), ==, 4095);

  g_string_append_c (line, 'x');
  too_long = tm_cookie_parse (line->str, "a.test", "/", FALSE, NOW, &error);
  g_assert_null (too_long);
  g_assert_error (error, TM_COOKIE_ERROR, TM_COOKIE_ERROR_INVALID);
  g_clear_error (&error);

  /* An attribute value over 1024 bytes is ignored, not the cookie. */
  path_line = g_strdup_printf ("n=v; Path=/%s", longer_attr + 1);
  long_path = tm_cookie_parse (path_line, "a.test", "/d/e", FALSE, NOW, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (long_path->path, ==, "/d");
  g_free (path_line);
  path_line = g_strdup_printf ("n=v; Path=/%s", long_attr + 1);
  path_1024 = tm_cookie_parse (path_line, "a.test", "/d/e", FALSE, NOW, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (strlen (path_1024->path), ==, 1024);
}

/* The proof the issue asks for: libsoup 3.2's own parser drops Secure and
 * HttpOnly after a tab or a byte >= 0x80; ours keeps them. */
static void
test_parse_keeps_what_libsoup_drops (void)
{
  static const char *lines[] = {
    "n=caf\xc3\xa9; Secure; HttpOnly",
    "n=a\tb; Secure; HttpOnly",
  };
  g_autoptr(GUri) origin = g_uri_parse ("https://a.test/", G_URI_FLAGS_NONE, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (lines); i++)
    {
      SoupCookie *theirs = soup_cookie_parse (lines[i], origin);
      g_autoptr(TmCookie) ours = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("line %u", i);
      /* libsoup keeps a cookie but loses its attributes. */
      g_assert_nonnull (theirs);
      g_assert_false (soup_cookie_get_secure (theirs));
      g_assert_false (soup_cookie_get_http_only (theirs));
      soup_cookie_free (theirs);

      ours = tm_cookie_parse (lines[i], "a.test", "/", TRUE, NOW, &error);
      g_assert_no_error (error);
      g_assert_true (ours->secure);
      g_assert_true (ours->http_only);
    }

  /* And libsoup 3.2 knows no Partitioned: written back, the attribute is gone. */
  {
    const char *line = "p=1; Secure; Path=/; Partitioned";
    SoupCookie *theirs = soup_cookie_parse (line, origin);
    g_autofree char *header = NULL;
    g_autofree char *written = NULL;
    g_autoptr(TmCookie) ours = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_nonnull (theirs);
    header = soup_cookie_to_set_cookie_header (theirs);
    written = g_ascii_strdown (header, -1);
    g_assert_null (strstr (written, "partitioned"));
    g_assert_nonnull (strstr (written, "secure"));   /* it did read the others */
    soup_cookie_free (theirs);

    ours = tm_cookie_parse (line, "a.test", "/", TRUE, NOW, &error);
    g_assert_no_error (error);
    g_assert_true (ours->partitioned);
  }
}

static void
test_parse_name (void)
{
  static const struct {
    const char *header;
    const char *name;
  } rows[] = {
    { "sid=1; Secure", "sid" },
    { "  _ga \t= GA1.2; Path=/", "_ga" },
    { "justavalue; Path=/", "" },
    { "bad\x01name=1", "bad\x01name" },       /* invalid cookie, name still read */
    { "__Host-x=1", "__Host-x" },
    { "a=b=c", "a" },
    { "", "" },
    { "; n=v", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *name = tm_cookie_parse_name (rows[i].header);
      g_assert_cmpstr (name, ==, rows[i].name);
    }
}

static TmCookie *
make_cookie (const char *domain,
             gboolean    host_only,
             const char *path,
             gboolean    secure)
{
  TmCookie *cookie = tm_cookie_new ();

  cookie->name = g_strdup ("n");
  cookie->value = g_strdup ("v");
  cookie->domain = g_strdup (domain);
  cookie->host_only = host_only;
  cookie->path = g_strdup (path);
  cookie->secure = secure;
  return cookie;
}

static void
test_matches (void)
{
  static const struct {
    const char *domain;
    gboolean    host_only;
    const char *cookie_path;
    gboolean    secure_cookie;
    const char *host;
    const char *path;
    gboolean    secure;
    gboolean    expected;
  } rows[] = {
    { "example.com", TRUE, "/", FALSE, "example.com", "/", FALSE, TRUE },
    { "example.com", TRUE, "/", FALSE, "EXAMPLE.com.", "/x", FALSE, TRUE },
    { "example.com", TRUE, "/", FALSE, "www.example.com", "/", FALSE, FALSE },
    { "example.com", FALSE, "/", FALSE, "www.example.com", "/", FALSE, TRUE },
    { "example.com", FALSE, "/", FALSE, "a.b.example.com", "/", FALSE, TRUE },
    { "example.com", FALSE, "/", FALSE, "badexample.com", "/", FALSE, FALSE },
    { "example.com", FALSE, "/", FALSE, "example.org", "/", FALSE, FALSE },
    { "0.0.1", FALSE, "/", FALSE, "127.0.0.1", "/", FALSE, FALSE },
    { "127.0.0.1", FALSE, "/", FALSE, "127.0.0.1", "/", FALSE, TRUE },
    { "a.test", TRUE, "/docs", FALSE, "a.test", "/docs", FALSE, TRUE },
    { "a.test", TRUE, "/docs", FALSE, "a.test", "/docs/x", FALSE, TRUE },
    { "a.test", TRUE, "/docs", FALSE, "a.test", "/docsx", FALSE, FALSE },
    { "a.test", TRUE, "/docs/", FALSE, "a.test", "/docs/x", FALSE, TRUE },
    { "a.test", TRUE, "/docs/", FALSE, "a.test", "/docs", FALSE, FALSE },
    { "a.test", TRUE, "/docs", FALSE, "a.test", "/", FALSE, FALSE },
    { "a.test", TRUE, "/", FALSE, "a.test", NULL, FALSE, TRUE },
    { "a.test", TRUE, "/", TRUE, "a.test", "/", FALSE, FALSE },
    { "a.test", TRUE, "/", TRUE, "a.test", "/", TRUE, TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(TmCookie) cookie = make_cookie (rows[i].domain, rows[i].host_only,
                                                rows[i].cookie_path, rows[i].secure_cookie);

      g_test_message ("row %u: %s%s for %s%s", i, rows[i].domain, rows[i].cookie_path,
                      rows[i].host, rows[i].path ? rows[i].path : "(null)");
      g_assert_cmpint (tm_cookie_matches (cookie, rows[i].host, rows[i].path,
                                          rows[i].secure), ==, rows[i].expected);
    }
}

static void
test_expiry_and_copy (void)
{
  g_autoptr(TmCookie) cookie = make_cookie ("a.test", TRUE, "/p", TRUE);
  g_autoptr(TmCookie) copy = NULL;
  g_autoptr(TmCookie) blank = tm_cookie_new ();

  /* A blank cookie is a host-only session cookie; a NULL path counts as "/". */
  g_assert_cmpint (blank->expires, ==, TM_COOKIE_SESSION);
  g_assert_true (blank->host_only);
  g_assert_null (blank->path);
  blank->domain = g_strdup ("a.test");
  g_assert_true (tm_cookie_matches (blank, "a.test", "/any/where", FALSE));

  g_assert_cmpint (cookie->expires, ==, TM_COOKIE_SESSION);
  g_assert_false (tm_cookie_is_expired (cookie, G_MAXINT64));

  cookie->expires = NOW;
  g_assert_true (tm_cookie_is_expired (cookie, NOW));
  g_assert_false (tm_cookie_is_expired (cookie, NOW - 1));

  cookie->expires = G_GINT64_CONSTANT (4102444800);  /* 2100, past 2038 */
  g_assert_false (tm_cookie_is_expired (cookie, NOW));
  cookie->same_site = TM_SAME_SITE_LAX;
  cookie->partitioned = TRUE;
  cookie->categories = TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS);

  copy = tm_cookie_copy (cookie);
  g_assert_true (copy->name != cookie->name);
  g_assert_cmpstr (copy->name, ==, "n");
  g_assert_cmpstr (copy->value, ==, "v");
  g_assert_cmpstr (copy->domain, ==, "a.test");
  g_assert_cmpstr (copy->path, ==, "/p");
  g_assert_cmpint (copy->expires, ==, cookie->expires);
  g_assert_cmpint (copy->created, ==, cookie->created);
  g_assert_true (copy->secure && copy->partitioned && copy->host_only);
  g_assert_cmpint (copy->same_site, ==, TM_SAME_SITE_LAX);
  g_assert_cmpint (copy->categories, ==, cookie->categories);
}

static void
test_expiring_header (void)
{
  static const struct {
    const char *name;
    const char *domain;
    gboolean    host_only;
    const char *path;
    gboolean    secure;
    const char *expected;
    const char *host;   /* a request host that would receive it */
  } rows[] = {
    { "_ga", "example.com", FALSE, "/", FALSE,
      "_ga=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Domain=example.com",
      "www.example.com" },
    { "sid", "a.test", TRUE, "/app", FALSE,
      "sid=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/app", "a.test" },
    { "s", "a.test", TRUE, "/", TRUE,
      "s=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Secure", "a.test" },
    { "__Secure-x", "a.test", FALSE, "/p", FALSE,
      "__Secure-x=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/p; "
      "Domain=a.test; Secure", "a.test" },
    { "__Host-x", "a.test", FALSE, "/p", FALSE,
      "__Host-x=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/; Secure",
      "a.test" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *header = tm_cookie_expiring_header (rows[i].name, rows[i].domain,
                                                           rows[i].host_only, rows[i].path,
                                                           rows[i].secure);
      g_autoptr(TmCookie) parsed = NULL;
      g_autoptr(GError) error = NULL;

      g_assert_cmpstr (header, ==, rows[i].expected);

      /* What a client makes of it: the same cookie, already expired. */
      parsed = tm_cookie_parse (header, rows[i].host, rows[i].path, TRUE, NOW, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (parsed->name, ==, rows[i].name);
      g_assert_cmpstr (parsed->value, ==, "");
      g_assert_true (tm_cookie_is_expired (parsed, NOW));

      /* And libsoup's parser (GNOME Web's), which leaks a date when Max-Age
       * comes before Expires: LeakSanitizer fails the sanitized run then. */
      {
        g_autofree char *url = g_strdup_printf ("https://%s/", rows[i].host);
        g_autoptr(GUri) origin = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
        g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
        SoupCookie *theirs = soup_cookie_parse (header, origin);

        g_assert_nonnull (theirs);
        g_assert_nonnull (soup_cookie_get_expires (theirs));
        g_assert_cmpint (g_date_time_compare (soup_cookie_get_expires (theirs), now), <, 0);
        soup_cookie_free (theirs);
      }
    }
}

static void
test_header_split (void)
{
  static const struct {
    const char *header;
    const char *expected;   /* pairs as name=value joined by '|', nameless as =value */
  } rows[] = {
    { "a=1; b=2", "a=1|b=2" },
    { "a=1;b=2;  c=3  ", "a=1|b=2|c=3" },
    { " \ta = 1 \t;;; b=", "a=1|b=" },
    { "solo", "=solo" },
    { "x=caf\xc3\xa9; y=\"q v\"", "x=caf\xc3\xa9|y=\"q v\"" },
    { "a=b=c", "a=b=c" },
    { "", "" },
    { " ; ; ", "" },
    { "=v", "=v" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GArray) pairs = tm_cookie_header_parse (rows[i].header);
      g_autoptr(GString) got = g_string_new (NULL);

      for (guint j = 0; j < pairs->len; j++)
        {
          TmCookiePair *pair = &g_array_index (pairs, TmCookiePair, j);

          if (j > 0)
            g_string_append_c (got, '|');
          g_string_append_len (got, pair->name, pair->name_len);
          g_string_append_c (got, '=');
          g_string_append_len (got, pair->value, pair->value_len);
          /* Slices of the header itself. */
          g_assert_true (pair->value >= rows[i].header);
          g_assert_true (pair->value + pair->value_len
                         <= rows[i].header + strlen (rows[i].header));
        }
      g_assert_cmpstr (got->str, ==, rows[i].expected);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (parse_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/cookie/parse/%s", parse_rows[i].what);
      g_test_add_data_func (path, &parse_rows[i], test_parse_row);
    }
  g_test_add_func ("/cookie/parse/size-limits-are-4096-and-1024", test_parse_size_limits);
  g_test_add_func ("/cookie/parse/keeps-attributes-libsoup-drops",
                   test_parse_keeps_what_libsoup_drops);
  g_test_add_func ("/cookie/parse-name/reads-names-of-invalid-lines-too", test_parse_name);
  g_test_add_func ("/cookie/matches/domain-path-and-secure", test_matches);
  g_test_add_func ("/cookie/expiry/is-64-bit-and-copies-deeply", test_expiry_and_copy);
  g_test_add_func ("/cookie/expiring-header/deletes-the-same-cookie", test_expiring_header);
  g_test_add_func ("/cookie/header/splits-into-trimmed-pairs", test_header_split);

  return g_test_run ();
}
