/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tm-charter.h"
#include "tm-classifier.h"
#include "tm-consent-store.h"
#include "tm-rules.h"
#include "tm-test-utils.h"

#define N TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY)
#define S TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS)
#define F TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY)
#define T TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY)

#define CHARTER_HOST "do101mtl.opendatasoft.com"

typedef struct {
  const char   *what;
  const char   *name;
  const char   *host;
  const char   *top_site;
  TmCategories  categories;
  TmCategory    purpose;
  TmSource      source;
  gboolean      third_party;
  const char   *rule;
  const char   *label;
} ClassifyRow;

static const ClassifyRow classify_rows[] = {
  { "charter/sessionid-on-charter-host", "sessionid", CHARTER_HOST, NULL,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_CHARTER, FALSE, "sessionid", "Opendatasoft" },
  { "charter/host-compared-without-case-or-trailing-dot", "csrftoken",
    "DO101MTL.OpenDataSoft.com.", CHARTER_HOST,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_CHARTER, FALSE, "csrftoken", "Opendatasoft" },
  { "charter/consent-cookie", "cookies_preferences", CHARTER_HOST, CHARTER_HOST,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_CHARTER, FALSE, "cookies_preferences",
    "Opendatasoft" },
  { "charter/charter-cookie-in-another-site-is-also-third-party", "django_language",
    CHARTER_HOST, "site-a.test",
    N | T, TM_CATEGORY_NECESSARY, TM_SOURCE_CHARTER, TRUE, "django_language",
    "Opendatasoft" },
  { "charter/only-on-the-charter-host", "sessionid", "opendatasoft.com", NULL,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_BUILTIN, FALSE, "sessionid", "Django" },
  { "builtin/sessionid-elsewhere", "sessionid", "www.example.com", "example.com",
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_BUILTIN, FALSE, "sessionid", "Django" },
  { "builtin/php-session", "PHPSESSID", "shop.example", NULL,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_BUILTIN, FALSE, "PHPSESSID", "PHP" },
  { "builtin/ga-first-party", "_ga", "www.example.com", "example.com",
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, FALSE, "_ga", "Google Analytics" },
  { "builtin/ga-third-party", "_ga", "tracker.example", "site-a.test",
    S | T, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, TRUE, "_ga", "Google Analytics" },
  { "builtin/ga-container-prefix", "_ga_ABC123XYZ", "example.com", NULL,
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, FALSE, "_ga_*", "Google Analytics" },
  { "builtin/gat-prefix", "_gat_UA-1234-1", "example.com", NULL,
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, FALSE, "_gat_*", "Google Analytics" },
  { "builtin/exact-before-prefix", "__utmz", "example.com", NULL,
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, FALSE, "__utmz",
    "Google Analytics (Urchin)" },
  { "builtin/utm-prefix", "__utmx", "example.com", NULL,
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, FALSE, "__utm*",
    "Google Analytics (Urchin)" },
  { "builtin/longest-prefix-wins", "_pk_id.1.a4f3", "stats.example.org", "example.org",
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, FALSE, "_pk_id.*", "Matomo" },
  { "builtin/shorter-prefix", "_pk_cvar", "example.org", NULL,
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, FALSE, "_pk_*", "Matomo" },
  { "builtin/hotjar-session-prefix", "_hjSessionUser_12345", "example.org", NULL,
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, FALSE, "_hjSession*", "Hotjar" },
  { "builtin/hotjar-prefix", "_hjid", "example.org", NULL,
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, FALSE, "_hj*", "Hotjar" },
  { "builtin/load-balancer-prefix", "BIGipServerpool_web", "app.example.org", NULL,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_BUILTIN, FALSE, "BIGipServer*", "F5 BIG-IP" },
  { "builtin/classic-asp-prefix", "ASPSESSIONIDQQGGGNCG", "example.org", NULL,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_BUILTIN, FALSE, "ASPSESSIONID*", "Classic ASP" },
  { "builtin/wordpress-prefix", "wordpress_logged_in_0123abcd", "blog.example", NULL,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_BUILTIN, FALSE, "wordpress_logged_in_*",
    "WordPress" },
  { "builtin/consent-cookie", "OptanonConsent", "news.example", NULL,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_BUILTIN, FALSE, "OptanonConsent", "OneTrust" },
  { "builtin/csrf-without-label", "csrf_token", "news.example", NULL,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_BUILTIN, FALSE, "csrf_token", NULL },
  { "builtin/necessary-in-another-site-is-also-third-party", "__cf_bm", "cdn.example",
    "site-a.test", N | T, TM_CATEGORY_NECESSARY, TM_SOURCE_BUILTIN, TRUE, "__cf_bm",
    "Cloudflare" },
  { "builtin/ad-cookie-on-another-site", "IDE", "doubleclick.example", "site-a.test",
    T, TM_CATEGORY_THIRD_PARTY, TM_SOURCE_BUILTIN, TRUE, "IDE",
    "Google Marketing Platform" },
  { "builtin/ad-cookie-on-its-own-site", "IDE", "doubleclick.example", NULL,
    F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_BUILTIN, FALSE, "IDE",
    "Google Marketing Platform" },
  { "builtin/ad-cookie-first-party-on-subdomain", "_fbp", "www.shop.example",
    "shop.example", F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_BUILTIN, FALSE, "_fbp",
    "Meta Pixel" },
  { "builtin/ad-prefix-third-party", "_gcl_aw", "ads.example", "site-a.test",
    T, TM_CATEGORY_THIRD_PARTY, TM_SOURCE_BUILTIN, TRUE, "_gcl_*", "Google Ads" },
  { "builtin/names-are-case-sensitive", "_GA", "example.com", NULL,
    F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_CONTEXT, FALSE, NULL, NULL },
  { "context/unknown-first-party", "prefs_x", "a.test", NULL,
    F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_CONTEXT, FALSE, NULL, NULL },
  { "context/unknown-first-party-same-site", "prefs_x", "cdn.example.co.uk",
    "www.example.co.uk", F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_CONTEXT, FALSE, NULL, NULL },
  { "context/unknown-third-party", "uid", "b.test", "a.test",
    T, TM_CATEGORY_THIRD_PARTY, TM_SOURCE_CONTEXT, TRUE, NULL, NULL },
  { "context/unknown-other-site", "uid", "b.test", "",
    T, TM_CATEGORY_THIRD_PARTY, TM_SOURCE_CONTEXT, TRUE, NULL, NULL },
  { "context/nameless-cookie", "", "a.test", NULL,
    F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_CONTEXT, FALSE, NULL, NULL },
  { "context/private-suffix-separates-sites", "uid", "alice.github.io", "bob.github.io",
    T, TM_CATEGORY_THIRD_PARTY, TM_SOURCE_CONTEXT, TRUE, NULL, NULL },
  { "context/ip-same-host", "uid", "127.0.0.1", "127.0.0.1",
    F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_CONTEXT, FALSE, NULL, NULL },
  { "context/ip-vs-localhost-are-different-sites", "uid", "127.0.0.1", "localhost",
    T, TM_CATEGORY_THIRD_PARTY, TM_SOURCE_CONTEXT, TRUE, NULL, NULL },
  { "context/localhost-vs-ip-are-different-sites", "_ga", "localhost", "127.0.0.1",
    S | T, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, TRUE, "_ga", "Google Analytics" },
  { "context/localhost-same-host", "uid", "localhost", "LOCALHOST",
    F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_CONTEXT, FALSE, NULL, NULL },
  { "context/two-ips-are-different-sites", "uid", "127.0.0.1", "127.0.0.2",
    T, TM_CATEGORY_THIRD_PARTY, TM_SOURCE_CONTEXT, TRUE, NULL, NULL },
};

/* With the user's rules (set up in main()): overrides and a site exception win
 * over every other source; the imported database (tests/data/cookie-db-sample.csv)
 * comes after built-in knowledge and before context. */
static const ClassifyRow rules_rows[] = {
  { "user/override-beats-the-charter", "sessionid", CHARTER_HOST, NULL,
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_OVERRIDE, FALSE, "sessionid", "opendatasoft.com" },
  { "user/override-beats-builtin-and-adds-no-third-party", "IDE", "ad.doubleclick.net",
    "site-a.test", N, TM_CATEGORY_NECESSARY, TM_SOURCE_OVERRIDE, TRUE, "IDE",
    "doubleclick.net" },
  { "user/override-beats-the-database", "_sample_stats", "db.example", NULL,
    N | F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_OVERRIDE, FALSE, "_sample_stats",
    "db.example" },
  { "user/override-only-for-its-cookie-name", "other", "db.example", NULL,
    F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_CONTEXT, FALSE, NULL, NULL },
  { "user/exception-beats-builtin", "_ga", "www.broken.example", "broken.example",
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_EXCEPTION, FALSE, "broken.example",
    "broken.example" },
  { "user/exception-beats-the-charter", "csrftoken", CHARTER_HOST, "site-a.test",
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_EXCEPTION, TRUE, "opendatasoft.com",
    "opendatasoft.com" },
  { "user/exception-keeps-cookies-of-the-site-elsewhere", "uid", "sso.broken.example",
    "site-a.test", N, TM_CATEGORY_NECESSARY, TM_SOURCE_EXCEPTION, TRUE, "broken.example",
    "broken.example" },
  { "user/override-beats-exception", "tracker", "broken.example", NULL,
    T, TM_CATEGORY_THIRD_PARTY, TM_SOURCE_OVERRIDE, FALSE, "tracker", "broken.example" },
  { "database/analytics-is-statistics", "_sample_stats", "a.test", NULL,
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_DATABASE, FALSE, "_sample_stats",
    "Sample Stats" },
  { "database/analytics-of-another-site-is-also-third-party", "_wc_long_1", "b.test",
    "a.test", S | T, TM_CATEGORY_STATISTICS, TM_SOURCE_DATABASE, TRUE, "_wc_long_*",
    "Wide Stats" },
  { "database/marketing-first-party-by-context", "_wc_x", "a.test", NULL,
    F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_DATABASE, FALSE, "_wc_*", "Wide Ads" },
  { "database/marketing-third-party-by-context", "trk", "pixel.tracker.example",
    "site-a.test", T, TM_CATEGORY_THIRD_PARTY, TM_SOURCE_DATABASE, TRUE, "trk",
    "Tracker Ads" },
  { "database/domain-row-wins-on-its-domain-only", "trk", "a.test", NULL,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_DATABASE, FALSE, "trk", "Generic Framework" },
  { "database/personalization-is-first-party", "theme_pref", "shop.example", NULL,
    F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_DATABASE, FALSE, "theme_pref", "Shop Theme" },
  { "database/security-is-necessary", "__fw_check", "www.shield.example", NULL,
    N, TM_CATEGORY_NECESSARY, TM_SOURCE_DATABASE, FALSE, "__fw_check", "Firewall" },
  { "database/not-outside-its-domain", "__fw_check", "other.example", NULL,
    F, TM_CATEGORY_FIRST_PARTY, TM_SOURCE_CONTEXT, FALSE, NULL, NULL },
  { "database/after-builtin-knowledge", "_gid", "a.test", NULL,
    S, TM_CATEGORY_STATISTICS, TM_SOURCE_BUILTIN, FALSE, "_gid", "Google Analytics" },
};

static TmClassifier *classifier;
static TmClassifier *ruled_classifier;

static void
check_row (TmClassifier      *with,
           const ClassifyRow *row)
{
  TmCookieContext context = { row->host, row->top_site };
  TmClassification out;

  memset (&out, 0xaa, sizeof out);
  tm_classifier_classify (with, row->name, &context, &out);

  g_assert_cmphex (out.categories, ==, row->categories);
  g_assert_cmpint (out.purpose, ==, row->purpose);
  g_assert_cmpstr (tm_source_to_id (out.source), ==, tm_source_to_id (row->source));
  g_assert_cmpint (out.third_party, ==, row->third_party);
  g_assert_cmpstr (out.rule, ==, row->rule);
  g_assert_cmpstr (out.label, ==, row->label);
  g_assert_true (out.host == row->host);
  g_assert_true (out.top_site == row->top_site);
}

static void
test_classify_row (gconstpointer data)
{
  check_row (classifier, data);
}

static void
test_classify_rules_row (gconstpointer data)
{
  check_row (ruled_classifier, data);
}

/* Sets up ruled_classifier: a store in a temporary folder with the rules the
 * rows above expect. */
static TmConsentStore *
make_rules_store (const char *dir)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsentStore) store = tm_consent_store_new (dir, &error);
  g_autofree char *csv = tm_test_data_path ("cookie-db-sample.csv");
  g_autoptr(TmRules) rules = NULL;

  g_assert_no_error (error);
  g_assert_true (tm_rules_store_set_override (store, "sessionid", "opendatasoft.com", S,
                                              &error));
  g_assert_true (tm_rules_store_set_override (store, "IDE", "doubleclick.net", N, &error));
  g_assert_true (tm_rules_store_set_override (store, "_sample_stats", "db.example", N | F,
                                              &error));
  g_assert_true (tm_rules_store_set_override (store, "tracker", "broken.example", T,
                                              &error));
  g_assert_true (tm_rules_store_add_exception (store, "broken.example", &error));
  g_assert_true (tm_rules_store_add_exception (store, "opendatasoft.com", &error));
  g_assert_true (tm_rules_store_import_database (store, csv, NULL, NULL, &error));
  g_assert_no_error (error);

  rules = tm_rules_new (store, &error);
  g_assert_no_error (error);
  ruled_classifier = tm_classifier_new ();
  tm_classifier_set_rules (ruled_classifier, rules);
  g_assert_true (tm_classifier_get_rules (ruled_classifier) == rules);
  return g_steal_pointer (&store);
}

/* The charter's own table is used whole, for its host: each of its cookies
 * comes back with the charter as the source and the charter's category. */
static void
test_classify_every_charter_cookie (void)
{
  const TmCharterCookie *cookies;
  gsize n = 0;
  TmCookieContext context = { tm_charter_get_host (), NULL };

  cookies = tm_charter_get_cookies (&n);
  g_assert_cmpuint (n, >=, 4);
  for (gsize i = 0; i < n; i++)
    {
      TmClassification out;

      tm_classifier_classify (classifier, cookies[i].cookie, &context, &out);
      g_assert_cmpint (out.source, ==, TM_SOURCE_CHARTER);
      g_assert_cmpint (out.purpose, ==, cookies[i].category);
      g_assert_cmpstr (out.rule, ==, cookies[i].cookie);
    }
}

static void
test_site_for_host (void)
{
  static const struct {
    const char *host;
    const char *site;
  } rows[] = {
    { "www.example.com", "example.com" },
    { "WWW.Example.COM.", "example.com" },
    { "a.b.example.co.uk", "example.co.uk" },
    { "www.site-a.test", "site-a.test" },
    { "a.b.site-a.test", "site-a.test" },
    { "printer.lan", "printer.lan" },
    { "www.ex\xc3\xa4mple.test", "xn--exmple-cua.test" },
    { "site-a.test", "site-a.test" },
    { CHARTER_HOST, "opendatasoft.com" },
    { "alice.github.io", "alice.github.io" },
    { "github.io", "github.io" },
    { "co.uk", "co.uk" },
    { "127.0.0.1", "127.0.0.1" },
    { "::1", "::1" },
    /* One address, one site, however it is written. */
    { "[::1]", "::1" },
    { "0:0:0:0:0:0:0:1", "::1" },
    { "[2001:DB8:0::1]", "2001:db8::1" },
    { "127.0.0.1.", "127.0.0.1" },
    { "localhost", "localhost" },
    { "LocalHost", "localhost" },
    { "intranet", "intranet" },
    /* Not UTF-8 (a request's host is bytes): its own site, read within bounds. */
    { "WWW.ex\xc3", "www.ex\xc3" },
    { "a\xf9", "a\xf9" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *site = tm_site_for_host (rows[i].host);
      g_assert_cmpstr (site, ==, rows[i].site);
    }
}

static void
test_site_is_same (void)
{
  static const struct {
    const char *a;
    const char *b;
    gboolean    same;
  } rows[] = {
    { "www.example.com", "example.com", TRUE },
    { "cdn.example.com", "WWW.EXAMPLE.COM.", TRUE },
    { "example.com", "example.org", FALSE },
    { "example.co.uk", "other.co.uk", FALSE },
    { "www.site-a.test", "site-a.test", TRUE },
    { "site-a.test", "site-b.test", FALSE },
    { "alice.github.io", "bob.github.io", FALSE },
    { "127.0.0.1", "127.0.0.1", TRUE },
    { "127.0.0.1", "localhost", FALSE },
    { "localhost", "localhost", TRUE },
    { "127.0.0.1", "127.0.0.2", FALSE },
    { "::1", "[0:0::1]", TRUE },
    { "2001:db8::1", "2001:DB8:0:0::1", TRUE },
    { "::1", "127.0.0.1", FALSE },
    { "", "", FALSE },
    { "a.test", "", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_test_message ("%s vs %s", rows[i].a, rows[i].b);
      g_assert_cmpint (tm_site_is_same (rows[i].a, rows[i].b), ==, rows[i].same);
      g_assert_cmpint (tm_site_is_same (rows[i].b, rows[i].a), ==, rows[i].same);
    }
}

#define CACHE_HOSTS 20000

static gpointer
site_worker (gpointer data)
{
  guint offset = GPOINTER_TO_UINT (data);

  for (guint i = 0; i < CACHE_HOSTS; i++)
    {
      guint k = (i + offset) % CACHE_HOSTS;
      g_autofree char *a = g_strdup_printf ("www.s%u.example", k);
      g_autofree char *b = g_strdup_printf ("cdn.s%u.example", k);
      g_autofree char *c = g_strdup_printf ("cdn.s%u.example", k + 1);
      g_autofree char *site = tm_site_for_host (a);
      g_autofree char *expected = g_strdup_printf ("s%u.example", k);

      if (!tm_site_is_same (a, b) || tm_site_is_same (a, c) || !g_str_equal (site, expected))
        return GUINT_TO_POINTER (k + 1);
    }
  return NULL;
}

/* More hosts than the cache holds, from two threads at once: every answer stays
 * right while entries are evicted under the other thread's feet. */
static void
test_site_cache_bounded_and_thread_safe (void)
{
  GThread *one = g_thread_new ("sites-1", site_worker, GUINT_TO_POINTER (0));
  GThread *two = g_thread_new ("sites-2", site_worker, GUINT_TO_POINTER (CACHE_HOSTS / 2));

  g_assert_null (g_thread_join (one));
  g_assert_null (g_thread_join (two));
}

static void
test_top_site_from_request (void)
{
  static const struct {
    const char *host;
    const char *site;      /* Sec-Fetch-Site */
    const char *dest;      /* Sec-Fetch-Dest */
    const char *origin;
    const char *referer;
    const char *expected;
  } rows[] = {
    /* A top-level navigation is its own top level, even from another site. */
    { "b.test", "cross-site", "document", "https://a.test", "https://a.test/x", "b.test" },
    { "b.test", "same-origin", "empty", NULL, NULL, "b.test" },
    { "b.test", "same-site", "image", "https://www.b.test", NULL, "b.test" },
    { "b.test", "none", "empty", NULL, NULL, "b.test" },
    { "tracker.example", "cross-site", "script", "https://site-a.test", NULL,
      "site-a.test" },
    { "tracker.example", "cross-site", "image", NULL, "https://Site-A.test:8443/p?q=1",
      "site-a.test" },
    { "tracker.example", "cross-site", "image", "null", "http://site-a.test/", "site-a.test" },
    { "tracker.example", "cross-site", "image", "null", NULL, "" },
    { "tracker.example", "cross-site", "image", NULL, NULL, "" },
    { "tracker.example", "cross-site", "image", "not a url", "also not", "" },
    { "tracker.example", "CROSS-SITE", "iframe", "http://127.0.0.1:8080", NULL,
      "127.0.0.1" },
    /* No Sec-Fetch headers (older clients, curl): Origin, then Referer, then itself. */
    { "b.test", NULL, NULL, "http://a.test:8080", "http://c.test/", "a.test" },
    { "b.test", NULL, NULL, NULL, "http://c.test/page", "c.test" },
    { "b.test", NULL, NULL, "null", "http://[::1]:8080/", "::1" },
    { "b.test", NULL, NULL, NULL, NULL, "b.test" },
    { "b.test", "bogus", NULL, NULL, NULL, "b.test" },
    { "b.test", "bogus", NULL, NULL, "http://c.test/", "c.test" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *top = tm_context_top_site_from_request (rows[i].host, rows[i].site,
                                                               rows[i].dest, rows[i].origin,
                                                               rows[i].referer);
      g_test_message ("row %u", i);
      g_assert_cmpstr (top, ==, rows[i].expected);
    }
}

static void
test_source_ids (void)
{
  g_assert_cmpstr (tm_source_to_id (TM_SOURCE_OVERRIDE), ==, "override");
  g_assert_cmpstr (tm_source_to_id (TM_SOURCE_EXCEPTION), ==, "exception");
  g_assert_cmpstr (tm_source_to_id (TM_SOURCE_CHARTER), ==, "charter");
  g_assert_cmpstr (tm_source_to_id (TM_SOURCE_BUILTIN), ==, "builtin");
  g_assert_cmpstr (tm_source_to_id (TM_SOURCE_DATABASE), ==, "database");
  g_assert_cmpstr (tm_source_to_id (TM_SOURCE_CONTEXT), ==, "context");
}

int
main (int argc, char *argv[])
{
  g_autofree char *dir = NULL;
  g_autoptr(TmConsentStore) store = NULL;
  int ret;

  g_test_init (&argc, &argv, NULL);

  classifier = tm_classifier_new ();
  dir = tm_test_make_tmp_dir ();
  store = make_rules_store (dir);

  for (guint i = 0; i < G_N_ELEMENTS (classify_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/classifier/%s", classify_rows[i].what);
      g_test_add_data_func (path, &classify_rows[i], test_classify_row);
    }
  for (guint i = 0; i < G_N_ELEMENTS (rules_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/classifier/%s", rules_rows[i].what);
      g_test_add_data_func (path, &rules_rows[i], test_classify_rules_row);
    }
  g_test_add_func ("/classifier/charter/every-charter-cookie-is-classified-by-it",
                   test_classify_every_charter_cookie);
  g_test_add_func ("/classifier/source/ids-are-stable", test_source_ids);
  g_test_add_func ("/site/for-host/is-the-registrable-domain-or-the-host", test_site_for_host);
  g_test_add_func ("/site/is-same/compares-registrable-domains", test_site_is_same);
  g_test_add_func ("/site/cache/stays-right-beyond-its-bound-across-threads",
                   test_site_cache_bounded_and_thread_safe);
  g_test_add_func ("/context/top-site/from-sec-fetch-origin-and-referer",
                   test_top_site_from_request);

  ret = g_test_run ();
  g_object_unref (classifier);
  g_object_unref (ruled_classifier);
  g_clear_object (&store);
  tm_test_rmdir (dir);
  return ret;
}
