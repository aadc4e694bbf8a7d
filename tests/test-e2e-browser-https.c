/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-e2e-browser-https.c: a real browser (Debian's chromium, headless,
 * persistent profile) through `temoinctl serve --https-inspection` to a real HTTPS
 * origin, and what ends up in the browser's own cookie jar.
 *
 * The origin is a TLS SoupServer on 127.0.0.1, port 0, in its own thread, with a
 * certificate for `localhost` from a test CA made at test time; the proxy is told
 * to trust that CA (--upstream-ca) and to intercept CONNECT to the origin's port
 * (--connect-ports). The browser trusts Témoin's CA, and nothing else it does not
 * already trust, through --ignore-certificate-errors-spki-list with the base64
 * SHA-256 of the SubjectPublicKeyInfo of the CA and of its leaves (see
 * temoin_spki_hashes()). /cookies.html sets the charter's four necessary cookies
 * and `_ga`, all Secure; /page.html sets nothing. Each load is `chromium --dump-dom
 * URL`: the browser exits by itself and flushes its jar to its profile, which is
 * read with SQLite. The origin also records every Cookie header it receives, so the
 * tests see both sides. The harness is in tm-test-browser.c. */
#define G_LOG_DOMAIN "test-e2e-browser-https"

#include "config.h"

#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "tm-ca.h"
#include "tm-test-browser.h"
#include "tm-test-utils.h"

/* The host the browser and the origin's certificate name. */
#define ORIGIN_HOST        "localhost"

/* What the origin sets: the charter's cookies, as Django sets them over HTTPS, and
 * a Google Analytics cookie. Each has an age: chromium drops session cookies when
 * a new browser session starts. */
static const char * const origin_set_cookies[] = {
  "sessionid=e2e0session0k2j4h5g6f7d8s9a0; Path=/; HttpOnly; SameSite=Lax; Secure; "
    "Max-Age=1209600",
  "csrftoken=e2e0csrf0Zx9Yw8Vu7Ts6Rq5Po4Nm3; Path=/; SameSite=Lax; Secure; Max-Age=31449600",
  "django_language=fr; Path=/; SameSite=Lax; Secure; Max-Age=31536000",
  "cookies_preferences=necessary%2Cstatistics; Path=/; SameSite=Lax; Secure; "
    "Max-Age=31536000",
  "_ga=GA1.1.1234567890.1700000000; Path=/; SameSite=Lax; Secure; Max-Age=63072000",
  NULL
};

/* ---- the origin and the proxy ------------------------------------------------ */

static TmTestOrigin *origin;
/* The origin's own CA, made at test time, and its certificate file. */
static char *origin_ca_dir;
static char *origin_ca_file;

static void
origin_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autofree char *pem = NULL;

  /* A CA of the origin's own, made now; the proxy is told to trust it. */
  origin_ca_dir = tm_test_make_tmp_dir ();
  ca = tm_ca_load_or_create (origin_ca_dir, &error);
  g_assert_no_error (error);
  certificate = tm_ca_get_leaf (ca, ORIGIN_HOST, &error);
  g_assert_no_error (error);
  pem = tm_ca_export_pem (ca, &error);
  g_assert_no_error (error);
  origin_ca_file = g_build_filename (origin_ca_dir, "origin-ca.pem", NULL);
  g_assert_true (g_file_set_contents (origin_ca_file, pem, -1, NULL));

  origin = tm_test_origin_start (origin_set_cookies, NULL, certificate);
}

static void
origin_stop (void)
{
  g_clear_pointer (&origin, tm_test_origin_stop);
  tm_test_rmdir (origin_ca_dir);
  g_clear_pointer (&origin_ca_dir, g_free);
  g_clear_pointer (&origin_ca_file, g_free);
}

static char *
origin_url (const char *path)
{
  return g_strdup_printf ("https://%s:%u%s", ORIGIN_HOST, tm_test_origin_get_port (origin),
                          path);
}

/* `temoinctl serve` inspecting HTTPS to the origin's port, trusting its CA. */
static void
proxy_start (TmTestProxy *proxy,
             const char  *scratch,
             const char  *data_dir)
{
  g_autofree char *connect_ports = g_strdup_printf ("%u", tm_test_origin_get_port (origin));
  const char * const args[] = {
    "--https-inspection", "--connect-ports", connect_ports, "--upstream-ca", origin_ca_file,
    NULL
  };

  tm_test_proxy_start (proxy, scratch, data_dir, args);
}

/* ---- what the browser trusts ------------------------------------------------- */

/* The base64 SHA-256 of the SubjectPublicKeyInfo of the certificate @pem: what
 * chromium's --ignore-certificate-errors-spki-list takes. */
static char *
spki_hash (const char *pem)
{
  gnutls_x509_crt_t crt = NULL;
  gnutls_pubkey_t pubkey = NULL;
  gnutls_datum_t pem_datum = { (unsigned char *) pem, strlen (pem) };
  gnutls_datum_t spki = { NULL, 0 };
  g_autoptr(GChecksum) checksum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 digest[32];
  gsize digest_len = sizeof digest;
  int rc;

  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, GNUTLS_E_SUCCESS);
  rc = gnutls_x509_crt_import (crt, &pem_datum, GNUTLS_X509_FMT_PEM);
  if (rc != GNUTLS_E_SUCCESS)
    g_error ("cannot read a certificate: %s", gnutls_strerror (rc));
  g_assert_cmpint (gnutls_pubkey_init (&pubkey), ==, GNUTLS_E_SUCCESS);
  rc = gnutls_pubkey_import_x509 (pubkey, crt, 0);
  if (rc == GNUTLS_E_SUCCESS)
    rc = gnutls_pubkey_export2 (pubkey, GNUTLS_X509_FMT_DER, &spki);
  if (rc != GNUTLS_E_SUCCESS)
    g_error ("cannot export the public key of a certificate: %s", gnutls_strerror (rc));

  g_checksum_update (checksum, spki.data, spki.size);
  g_checksum_get_digest (checksum, digest, &digest_len);
  g_assert_cmpuint (digest_len, ==, sizeof digest);

  gnutls_free (spki.data);
  gnutls_pubkey_deinit (pubkey);
  gnutls_x509_crt_deinit (crt);
  return g_base64_encode (digest, digest_len);
}

/* What the browser is told to trust, for --ignore-certificate-errors-spki-list:
 * the SPKI hash of Témoin's CA, as `temoinctl ca export` prints it (creating it),
 * and that of the leaf the CA issues for the origin's host. Chromium matches the
 * list against the certificates the server sends, and the proxy sends its leaf
 * alone, without the CA: the CA's hash by itself is not enough. The leaves of a
 * CA share one key (kept in the data directory), so the leaf minted here has the
 * key of the leaf the proxy presents; the test checks the CA vouches for it. */
static char *
temoin_spki_hashes (const char *data_dir)
{
  const char *argv[] = { "--data-dir", data_dir, "ca", "export", NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = tm_test_run_temoinctl (argv, &out, &err);
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = NULL;
  g_autoptr(GTlsCertificate) ca_cert = NULL;
  g_autoptr(GTlsCertificate) leaf = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autofree char *leaf_pem = NULL;
  g_autofree char *ca_hash = NULL;
  g_autofree char *leaf_hash = NULL;

  if (status != 0)
    g_error ("temoinctl ca export exited with %d: %s", status, err);
  ca_cert = g_tls_certificate_new_from_pem (out, -1, &error);
  g_assert_no_error (error);

  ca = tm_ca_load (data_dir, &error);
  g_assert_no_error (error);
  leaf = tm_ca_get_leaf (ca, ORIGIN_HOST, &error);
  g_assert_no_error (error);
  identity = g_network_address_new (ORIGIN_HOST, tm_test_origin_get_port (origin));
  g_assert_cmpint (g_tls_certificate_verify (leaf, identity, ca_cert), ==, 0);
  g_object_get (leaf, "certificate-pem", &leaf_pem, NULL);

  ca_hash = spki_hash (out);
  leaf_hash = spki_hash (leaf_pem);
  return g_strdup_printf ("%s,%s", ca_hash, leaf_hash);
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

/* The positive control: everything accepted, the inspecting proxy hands the
 * browser all five cookies over HTTPS, and a second browser session still holds
 * them and sends them to the origin. */
static void
test_browser_holds_every_cookie_when_all_accepted (Scenario      *s,
                                                   gconstpointer  data)
{
  g_autofree char *cookie_url = origin_url (TM_TEST_ORIGIN_COOKIE_PAGE);
  g_autofree char *plain_url = origin_url (TM_TEST_ORIGIN_PLAIN_PAGE);
  g_autofree char *spki_hashes = NULL;
  g_autoptr(GHashTable) jar = NULL;
  g_autoptr(GHashTable) jar_after = NULL;
  TmTestProxy proxy = { NULL };

  tm_test_consent_set (s->data_dir, "--accept-all");
  spki_hashes = temoin_spki_hashes (s->data_dir);
  proxy_start (&proxy, s->scratch, s->data_dir);

  tm_test_browser_load (s->scratch, s->profile, proxy.url, spki_hashes, cookie_url);
  jar = tm_test_browser_jar (s->profile);
  tm_test_jar_assert_holds_necessary (jar, ORIGIN_HOST);
  tm_test_jar_assert_holds (jar, ORIGIN_HOST, "_ga");

  tm_test_browser_load (s->scratch, s->profile, proxy.url, spki_hashes, plain_url);
  jar_after = tm_test_browser_jar (s->profile);
  tm_test_jar_assert_holds_necessary (jar_after, ORIGIN_HOST);
  tm_test_jar_assert_holds (jar_after, ORIGIN_HOST, "_ga");
  for (guint i = 0; tm_test_necessary_names[i] != NULL; i++)
    tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, tm_test_necessary_names[i],
                                TRUE);
  tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, "_ga", TRUE);

  tm_test_proxy_stop (&proxy);
}

/* Statistics refused: over HTTPS too the browser never holds `_ga` (and the
 * origin is never sent one), but holds the four necessary cookies. */
static void
test_browser_never_holds_ga_when_statistics_refused (Scenario      *s,
                                                     gconstpointer  data)
{
  g_autofree char *cookie_url = origin_url (TM_TEST_ORIGIN_COOKIE_PAGE);
  g_autofree char *plain_url = origin_url (TM_TEST_ORIGIN_PLAIN_PAGE);
  g_autofree char *spki_hashes = NULL;
  g_autoptr(GHashTable) jar = NULL;
  g_autoptr(GHashTable) jar_after = NULL;
  TmTestProxy proxy = { NULL };

  tm_test_consent_set (s->data_dir, "statistics=off");
  spki_hashes = temoin_spki_hashes (s->data_dir);
  proxy_start (&proxy, s->scratch, s->data_dir);

  tm_test_browser_load (s->scratch, s->profile, proxy.url, spki_hashes, cookie_url);
  jar = tm_test_browser_jar (s->profile);
  tm_test_jar_assert_holds_necessary (jar, ORIGIN_HOST);
  tm_test_jar_assert_lacks (jar, ORIGIN_HOST, "_ga");

  tm_test_browser_load (s->scratch, s->profile, proxy.url, spki_hashes, plain_url);
  jar_after = tm_test_browser_jar (s->profile);
  tm_test_jar_assert_holds_necessary (jar_after, ORIGIN_HOST);
  tm_test_jar_assert_lacks (jar_after, ORIGIN_HOST, "_ga");

  tm_test_origin_assert_sent (origin, NULL, "_ga", FALSE);
  for (guint i = 0; tm_test_necessary_names[i] != NULL; i++)
    tm_test_origin_assert_sent (origin, TM_TEST_ORIGIN_PLAIN_PAGE, tm_test_necessary_names[i],
                                TRUE);

  tm_test_proxy_stop (&proxy);
}

/* The control for the two above: without being told to trust Témoin's
 * certificates, the browser refuses the proxy's certificate and never shows the
 * page, so the trust list is what lets it through, not a lax browser. */
static void
test_browser_refuses_untrusted_interception (Scenario      *s,
                                             gconstpointer  data)
{
  g_autofree char *cookie_url = origin_url (TM_TEST_ORIGIN_COOKIE_PAGE);
  g_autofree char *spki_hashes = NULL;
  g_autofree char *err = NULL;
  TmTestProxy proxy = { NULL };

  tm_test_consent_set (s->data_dir, "--accept-all");
  /* The same CA and leaf key as above, made the same way, but not given. */
  spki_hashes = temoin_spki_hashes (s->data_dir);
  g_assert_nonnull (spki_hashes);
  proxy_start (&proxy, s->scratch, s->data_dir);

  err = tm_test_browser_load_refused (s->scratch, s->profile, proxy.url, NULL, cookie_url);
  /* Refused for the certificate, not for some other failure. */
  if (strstr (err, "ERR_CERT_AUTHORITY_INVALID") == NULL)
    {
      g_autofree char *summary = tm_test_browser_stderr_summary (err);

      g_error ("chromium did not refuse the certificate for %s; stderr: %s", cookie_url,
               summary);
    }

  tm_test_proxy_stop (&proxy);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (tm_test_browser_missing ())
    return 0;

  g_test_init (&argc, &argv, NULL);

  origin_start ();

  g_test_add ("/e2e/browser-https/all-accepted/holds-every-cookie", Scenario, NULL,
              scenario_setup, test_browser_holds_every_cookie_when_all_accepted,
              scenario_teardown);
  g_test_add ("/e2e/browser-https/statistics-refused/never-holds-ga", Scenario, NULL,
              scenario_setup, test_browser_never_holds_ga_when_statistics_refused,
              scenario_teardown);
  g_test_add ("/e2e/browser-https/untrusted/page-not-shown", Scenario, NULL,
              scenario_setup, test_browser_refuses_untrusted_interception,
              scenario_teardown);

  ret = g_test_run ();
  origin_stop ();
  return ret;
}
