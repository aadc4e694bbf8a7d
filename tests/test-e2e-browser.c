/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-e2e-browser.c: a real browser (Debian's chromium, headless, persistent
 * profile) through `temoinctl serve` to a real origin, and what ends up in the
 * browser's own cookie jar.
 *
 * The origin is a SoupServer on 127.0.0.1, port 0, in its own thread. Its
 * /cookies.html sets the charter's four necessary cookies, `_ga` and a `_gid` scoped
 * to /stats/ (never loaded, so never sent back); /page.html sets nothing. Each load
 * is `chromium --dump-dom URL`: the browser exits by itself and flushes its jar to
 * its profile, which is read with SQLite. The origin also records every Cookie
 * header it receives, so the tests see both sides: what the browser holds and what
 * the server was sent. The harness is in tm-test-browser.c. */
#define G_LOG_DOMAIN "test-e2e-browser"

#include "config.h"

#include <libsoup/soup.h>

#include "tm-test-browser.h"

/* A generous deadline: a slow or loaded machine must not fail these tests. */
#define CHOICE_APPLY_TIMEOUT_S   30

/* The host the browser loads the origin by (the probe uses `localhost`). */
#define ORIGIN_HOST        "127.0.0.1"
/* The same plain page, for the test's own probes through the proxy. */
#define ORIGIN_PROBE_PAGE  "/probe.html"

/* What the origin sets: the charter's cookies, as Django sets them, and a Google
 * Analytics cookie. The language cookie is given an age: chromium drops session
 * cookies when a new browser session starts, and the scenarios that load a second
 * page (in a second browser session, same profile) check it is still there. */
static const char * const origin_set_cookies[] = {
  "sessionid=e2e0session0k2j4h5g6f7d8s9a0; Path=/; HttpOnly; SameSite=Lax; Max-Age=1209600",
  "csrftoken=e2e0csrf0Zx9Yw8Vu7Ts6Rq5Po4Nm3; Path=/; SameSite=Lax; Max-Age=31449600",
  "django_language=fr; Path=/; SameSite=Lax; Max-Age=31536000",
  "cookies_preferences=necessary%2Cstatistics; Path=/; SameSite=Lax; Max-Age=31536000",
  "_ga=GA1.1.1234567890.1700000000; Path=/; SameSite=Lax; Max-Age=63072000",
  /* Scoped to a path the tests never load: the browser never sends it back, so
   * only the proxy's purge on withdrawal can make the browser drop it. */
  "_gid=GA1.1.987654321.1700000000; Path=/stats/; SameSite=Lax; Max-Age=86400",
  NULL
};

static TmTestOrigin *origin;

static char *
origin_url (const char *host,
            const char *path)
{
  return g_strdup_printf ("http://%s:%u%s", host, tm_test_origin_get_port (origin), path);
}

/* ---- the probe --------------------------------------------------------------- */

/* Sends `Cookie: _ga=probe` through the proxy to the origin's plain page, named
 * `localhost` (another site than 127.0.0.1, so that the probe does not take the
 * place of the browser's next load on 127.0.0.1), and says whether the proxy
 * answered with an expiring Set-Cookie for `_ga`: that is, whether it refuses
 * statistics cookies right now. The origin's plain page sets no cookie, so any
 * `_ga` Set-Cookie in the answer comes from the proxy. */
static gboolean
proxy_expires_ga (const char *proxy_url)
{
  g_autoptr(GProxyResolver) resolver = g_simple_proxy_resolver_new (proxy_url, NULL);
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = origin_url ("localhost", ORIGIN_PROBE_PAGE);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autoslist(SoupCookie) cookies = NULL;
  gboolean expired = FALSE;

  session = soup_session_new_with_options ("proxy-resolver", resolver, "timeout", 20, NULL);
  msg = soup_message_new (SOUP_METHOD_GET, url);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Cookie",
                                "_ga=GA1.1.999.probe");
  body = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);

  cookies = soup_cookies_from_response (msg);
  for (GSList *l = cookies; l != NULL; l = l->next)
    {
      GDateTime *expires = soup_cookie_get_expires (l->data);

      if (g_strcmp0 (soup_cookie_get_name (l->data), "_ga") != 0)
        continue;
      /* Not an expiring cookie would be a proxy that hands out `_ga`: fail. */
      g_assert_nonnull (expires);
      g_assert_cmpint (g_date_time_compare (expires, now), <=, 0);
      expired = TRUE;
    }
  return expired;
}

/* ---- scenarios --------------------------------------------------------------- */

typedef TmTestScenario Scenario;

static void
scenario_setup (Scenario      *s,
                gconstpointer  data)
{
  tm_test_scenario_init (s);
  tm_test_origin_forget_requests (origin);
}

static void
scenario_teardown (Scenario      *s,
                   gconstpointer  data)
{
  tm_test_scenario_clear (s);
}

/* The control behind all the others: without any proxy the browser takes and
 * keeps all five cookies, and this test reads them from its jar. */
static void
test_browser_holds_every_cookie_without_proxy (Scenario      *s,
                                               gconstpointer  data)
{
  g_autofree char *cookie_url = origin_url (ORIGIN_HOST, TM_TEST_ORIGIN_COOKIE_PAGE);
  g_autofree char *plain_url = origin_url (ORIGIN_HOST, TM_TEST_ORIGIN_PLAIN_PAGE);
  g_autoptr(GHashTable) jar = NULL;

  tm_test_browser_load (s->scratch, s->profile, NULL, NULL, cookie_url);
  jar = tm_test_browser_jar (s->profile);
  tm_test_jar_assert_holds_necessary (jar, ORIGIN_HOST);
  tm_test_jar_assert_holds (jar, ORIGIN_HOST, "_ga");
  tm_test_jar_assert_holds (jar, ORIGIN_HOST, "_gid");

  /* A second browser session with the same profile sends them back, all but
   * `_gid`, whose path does not match. */
  tm_test_browser_load (s->scratch, s->profile, NULL, NULL, plain_url);
  for (guint i = 0; tm_test_necessary_names[i] != NULL; i++)
    tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, tm_test_necessary_names[i],
                                TRUE);
  tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, "_ga", TRUE);
  tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, "_gid", FALSE);
}

/* (a) Everything accepted: the proxy hands the browser all five cookies, and a
 * second browser session still holds them and sends them. */
static void
test_browser_holds_every_cookie_when_all_accepted (Scenario      *s,
                                                   gconstpointer  data)
{
  g_autofree char *cookie_url = origin_url (ORIGIN_HOST, TM_TEST_ORIGIN_COOKIE_PAGE);
  g_autofree char *plain_url = origin_url (ORIGIN_HOST, TM_TEST_ORIGIN_PLAIN_PAGE);
  g_autoptr(GHashTable) jar = NULL;
  g_autoptr(GHashTable) jar_after = NULL;
  TmTestProxy proxy = { NULL };

  tm_test_consent_set (s->data_dir, "--accept-all");
  tm_test_proxy_start (&proxy, s->scratch, s->data_dir, NULL);

  tm_test_browser_load (s->scratch, s->profile, proxy.url, NULL, cookie_url);
  jar = tm_test_browser_jar (s->profile);
  tm_test_jar_assert_holds_necessary (jar, ORIGIN_HOST);
  tm_test_jar_assert_holds (jar, ORIGIN_HOST, "_ga");
  tm_test_jar_assert_holds (jar, ORIGIN_HOST, "_gid");

  tm_test_browser_load (s->scratch, s->profile, proxy.url, NULL, plain_url);
  jar_after = tm_test_browser_jar (s->profile);
  tm_test_jar_assert_holds_necessary (jar_after, ORIGIN_HOST);
  tm_test_jar_assert_holds (jar_after, ORIGIN_HOST, "_ga");
  tm_test_jar_assert_holds (jar_after, ORIGIN_HOST, "_gid");
  tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, "sessionid", TRUE);
  tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, "_ga", TRUE);

  tm_test_proxy_stop (&proxy);
}

/* (b) Statistics refused: the browser never holds `_ga` (and the origin is never
 * sent one), but holds the four necessary cookies. */
static void
test_browser_never_holds_ga_when_statistics_refused (Scenario      *s,
                                                     gconstpointer  data)
{
  g_autofree char *cookie_url = origin_url (ORIGIN_HOST, TM_TEST_ORIGIN_COOKIE_PAGE);
  g_autofree char *plain_url = origin_url (ORIGIN_HOST, TM_TEST_ORIGIN_PLAIN_PAGE);
  g_autoptr(GHashTable) jar = NULL;
  g_autoptr(GHashTable) jar_after = NULL;
  TmTestProxy proxy = { NULL };

  tm_test_consent_set (s->data_dir, "statistics=off");
  tm_test_proxy_start (&proxy, s->scratch, s->data_dir, NULL);

  tm_test_browser_load (s->scratch, s->profile, proxy.url, NULL, cookie_url);
  jar = tm_test_browser_jar (s->profile);
  tm_test_jar_assert_holds_necessary (jar, ORIGIN_HOST);
  tm_test_jar_assert_lacks (jar, ORIGIN_HOST, "_ga");
  tm_test_jar_assert_lacks (jar, ORIGIN_HOST, "_gid");

  tm_test_browser_load (s->scratch, s->profile, proxy.url, NULL, plain_url);
  jar_after = tm_test_browser_jar (s->profile);
  tm_test_jar_assert_holds_necessary (jar_after, ORIGIN_HOST);
  tm_test_jar_assert_lacks (jar_after, ORIGIN_HOST, "_ga");
  tm_test_jar_assert_lacks (jar_after, ORIGIN_HOST, "_gid");

  tm_test_origin_assert_sent (origin, NULL, "_ga", FALSE);
  tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, "sessionid", TRUE);

  tm_test_proxy_stop (&proxy);
}

/* The withdrawal flow: everything accepted, the browser takes every cookie;
 * statistics are then refused from another process while the proxy runs; once
 * the proxy applies it, the browser loads the plain page (same profile, a new
 * browser session). Returns the browser's jar after that load. */
static GHashTable *
run_withdrawal (Scenario *s)
{
  g_autofree char *cookie_url = origin_url (ORIGIN_HOST, TM_TEST_ORIGIN_COOKIE_PAGE);
  g_autofree char *plain_url = origin_url (ORIGIN_HOST, TM_TEST_ORIGIN_PLAIN_PAGE);
  g_autoptr(GHashTable) jar = NULL;
  GHashTable *jar_after;
  TmTestProxy proxy = { NULL };
  gint64 deadline;
  gboolean applied = FALSE;

  tm_test_consent_set (s->data_dir, "--accept-all");
  tm_test_proxy_start (&proxy, s->scratch, s->data_dir, NULL);

  tm_test_browser_load (s->scratch, s->profile, proxy.url, NULL, cookie_url);
  jar = tm_test_browser_jar (s->profile);
  tm_test_jar_assert_holds_necessary (jar, ORIGIN_HOST);
  tm_test_jar_assert_holds (jar, ORIGIN_HOST, "_ga");
  tm_test_jar_assert_holds (jar, ORIGIN_HOST, "_gid");
  /* While statistics are accepted the probe's `_ga` passes untouched. */
  g_assert_false (proxy_expires_ga (proxy.url));

  tm_test_consent_set (s->data_dir, "statistics=off");
  deadline = g_get_monotonic_time () + CHOICE_APPLY_TIMEOUT_S * G_USEC_PER_SEC;
  while (!(applied = proxy_expires_ga (proxy.url)) && g_get_monotonic_time () < deadline)
    tm_test_poll_pause ();
  if (!applied)
    g_error ("the running proxy did not apply the withdrawal of statistics within %d s",
             CHOICE_APPLY_TIMEOUT_S);

  tm_test_browser_load (s->scratch, s->profile, proxy.url, NULL, plain_url);
  jar_after = tm_test_browser_jar (s->profile);

  tm_test_proxy_stop (&proxy);
  return jar_after;
}

/* (c) Withdrawal: on the next load the browser drops `_ga` and keeps the
 * necessary cookies; the `_ga` it sends with that load never reaches the origin. */
static void
test_browser_drops_ga_after_statistics_withdrawn (Scenario      *s,
                                                  gconstpointer  data)
{
  g_autoptr(GHashTable) jar_after = run_withdrawal (s);

  tm_test_jar_assert_holds_necessary (jar_after, ORIGIN_HOST);
  tm_test_jar_assert_lacks (jar_after, ORIGIN_HOST, "_ga");

  tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, "_ga", FALSE);
  tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, "sessionid", TRUE);
}

/* (c') The same withdrawal, for a statistics cookie the browser does not send
 * with that load (its path does not match): only the proxy's purge, an expiring
 * Set-Cookie on the next response from the site, can make the browser drop it. */
static void
test_browser_drops_unsent_cookie_after_statistics_withdrawn (Scenario      *s,
                                                             gconstpointer  data)
{
  g_autoptr(GHashTable) jar_after = run_withdrawal (s);

  tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, "_gid", FALSE);
  tm_test_jar_assert_holds_necessary (jar_after, ORIGIN_HOST);
  tm_test_jar_assert_lacks (jar_after, ORIGIN_HOST, "_gid");
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (tm_test_browser_missing ())
    return 0;

  g_test_init (&argc, &argv, NULL);

  origin = tm_test_origin_start (origin_set_cookies, ORIGIN_PROBE_PAGE, NULL);

  g_test_add ("/e2e/browser/without-proxy/holds-every-cookie", Scenario, NULL,
              scenario_setup, test_browser_holds_every_cookie_without_proxy,
              scenario_teardown);
  g_test_add ("/e2e/browser/all-accepted/holds-every-cookie", Scenario, NULL,
              scenario_setup, test_browser_holds_every_cookie_when_all_accepted,
              scenario_teardown);
  g_test_add ("/e2e/browser/statistics-refused/never-holds-ga", Scenario, NULL,
              scenario_setup, test_browser_never_holds_ga_when_statistics_refused,
              scenario_teardown);
  g_test_add ("/e2e/browser/statistics-withdrawn/drops-ga-on-next-load", Scenario, NULL,
              scenario_setup, test_browser_drops_ga_after_statistics_withdrawn,
              scenario_teardown);
  g_test_add ("/e2e/browser/statistics-withdrawn/drops-unsent-cookie-on-next-load", Scenario,
              NULL, scenario_setup, test_browser_drops_unsent_cookie_after_statistics_withdrawn,
              scenario_teardown);

  ret = g_test_run ();
  tm_test_origin_stop (origin);
  return ret;
}
