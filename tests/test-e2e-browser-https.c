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
 * temoin_spki_hashes()). /cookies.html sets the charter's four
 * necessary cookies and `_ga`, all Secure; /page.html sets nothing. Each load is
 * `chromium --dump-dom URL`: the browser exits by itself and flushes its jar to
 * PROFILE/Default/Cookies, which is read with SQLite. The origin also records
 * every Cookie header it receives, so the tests see both sides. */
#define G_LOG_DOMAIN "test-e2e-browser-https"

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "tm-ca.h"
#include "tm-test-utils.h"

#define CHROMIUM_PATH "/usr/bin/chromium"

/* Generous deadlines: a slow or loaded machine must not fail these tests. */
#define PROXY_START_TIMEOUT_S    30
#define BROWSER_TIMEOUT_S        120
#define PROXY_STOP_TIMEOUT_S     15

#define ORIGIN_COOKIE_PAGE "/cookies.html"
#define ORIGIN_PLAIN_PAGE  "/page.html"
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

static const char * const necessary_names[] = {
  "sessionid", "csrftoken", "django_language", "cookies_preferences", NULL
};

/* ---- the origin -------------------------------------------------------------- */

typedef struct {
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  GMutex        mutex;
  GCond         cond;
  gboolean      ready;
  guint         port;
  /* The origin's certificate, for localhost, and the file of the CA it comes from. */
  GTlsCertificate *certificate;
  char         *ca_dir;
  char         *ca_file;
  /* "PATH\tCOOKIE-HEADER" for each request, in order; under @mutex. */
  GPtrArray    *requests;
} Origin;

static Origin origin;

static void
origin_handler_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  static const char body[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Témoin end-to-end origin</title></head>"
    "<body><h1>Widget 3000</h1><p>A page for the end-to-end test.</p></body></html>\n";
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  const char *cookie = soup_message_headers_get_one (request_headers, "Cookie");

  g_mutex_lock (&origin.mutex);
  g_ptr_array_add (origin.requests, g_strdup_printf ("%s\t%s", path, cookie ? cookie : ""));
  g_mutex_unlock (&origin.mutex);

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET &&
      soup_server_message_get_method (msg) != SOUP_METHOD_HEAD)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  if (g_str_equal (path, ORIGIN_COOKIE_PAGE))
    {
      for (guint i = 0; origin_set_cookies[i] != NULL; i++)
        soup_message_headers_append (response_headers, "Set-Cookie", origin_set_cookies[i]);
    }
  else if (!g_str_equal (path, ORIGIN_PLAIN_PAGE))
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  /* Every load must reach the origin (through the proxy), never a cache. */
  soup_message_headers_replace (response_headers, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC,
                                    body, strlen (body));
}

static gpointer
origin_thread_func (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoslist(GUri) uris = NULL;

  g_main_context_push_thread_default (origin.context);

  origin.server = soup_server_new ("server-header", "temoin-e2e-origin ",
                                   "tls-certificate", origin.certificate, NULL);
  soup_server_add_handler (origin.server, NULL, origin_handler_cb, NULL, NULL);
  soup_server_listen_local (origin.server, 0,
                            SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (origin.server);
  g_assert_nonnull (uris);

  g_mutex_lock (&origin.mutex);
  origin.port = g_uri_get_port (uris->data);
  origin.ready = TRUE;
  g_cond_signal (&origin.cond);
  g_mutex_unlock (&origin.mutex);

  g_main_loop_run (origin.loop);

  soup_server_disconnect (origin.server);
  g_clear_object (&origin.server);
  g_main_context_pop_thread_default (origin.context);
  return NULL;
}

static void
origin_start (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = NULL;
  g_autofree char *pem = NULL;

  /* A CA of the origin's own, made now; the proxy is told to trust it. */
  origin.ca_dir = tm_test_make_tmp_dir ();
  ca = tm_ca_load_or_create (origin.ca_dir, &error);
  g_assert_no_error (error);
  origin.certificate = tm_ca_get_leaf (ca, ORIGIN_HOST, &error);
  g_assert_no_error (error);
  pem = tm_ca_export_pem (ca, &error);
  g_assert_no_error (error);
  origin.ca_file = g_build_filename (origin.ca_dir, "origin-ca.pem", NULL);
  g_assert_true (g_file_set_contents (origin.ca_file, pem, -1, NULL));

  g_mutex_init (&origin.mutex);
  g_cond_init (&origin.cond);
  origin.requests = g_ptr_array_new_with_free_func (g_free);
  origin.context = g_main_context_new ();
  origin.loop = g_main_loop_new (origin.context, FALSE);
  origin.thread = g_thread_new ("e2e-origin", origin_thread_func, NULL);

  g_mutex_lock (&origin.mutex);
  while (!origin.ready)
    g_cond_wait (&origin.cond, &origin.mutex);
  g_mutex_unlock (&origin.mutex);
}

static gboolean
origin_quit_cb (gpointer data)
{
  g_main_loop_quit (origin.loop);
  return G_SOURCE_REMOVE;
}

static void
origin_stop (void)
{
  g_main_context_invoke (origin.context, origin_quit_cb, NULL);
  g_thread_join (origin.thread);
  g_clear_pointer (&origin.loop, g_main_loop_unref);
  g_clear_pointer (&origin.context, g_main_context_unref);
  g_clear_pointer (&origin.requests, g_ptr_array_unref);
  g_mutex_clear (&origin.mutex);
  g_cond_clear (&origin.cond);
  g_clear_object (&origin.certificate);
  tm_test_rmdir (origin.ca_dir);
  g_clear_pointer (&origin.ca_dir, g_free);
  g_clear_pointer (&origin.ca_file, g_free);
}

static void
origin_forget_requests (void)
{
  g_mutex_lock (&origin.mutex);
  g_ptr_array_set_size (origin.requests, 0);
  g_mutex_unlock (&origin.mutex);
}

static char *
origin_url (const char *path)
{
  return g_strdup_printf ("https://%s:%u%s", ORIGIN_HOST, origin.port, path);
}

/* TRUE if the Cookie header @header has a pair named @name. */
static gboolean cookie_header_has (const char *header,
                                   const char *name);

/* Fails unless every Cookie header the origin received for @path (every page
 * if NULL) has (or, when @present is FALSE, lacks) @name. */
static void
assert_origin_sent (const char *path,
                    const char *name,
                    gboolean    present)
{
  guint checked = 0;

  g_mutex_lock (&origin.mutex);
  for (guint i = 0; i < origin.requests->len; i++)
    {
      const char *entry = origin.requests->pdata[i];
      const char *tab = strchr (entry, '\t');
      g_autofree char *entry_path = g_strndup (entry, tab - entry);

      if (path != NULL && !g_str_equal (entry_path, path))
        continue;
      checked++;
      if (cookie_header_has (tab + 1, name) != present)
        g_error ("the origin received %s with the Cookie header \"%s\": %s should %sbe there",
                 entry_path, tab + 1, name, present ? "" : "not ");
    }
  g_mutex_unlock (&origin.mutex);
  if (checked == 0)
    g_error ("the origin never received a request for %s", path ? path : "any page");
}


static gboolean
cookie_header_has (const char *header,
                   const char *name)
{
  g_auto(GStrv) pairs = g_strsplit (header, ";", -1);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *pair = g_strstrip (pairs[i]);
      const char *eq = strchr (pair, '=');
      gsize len = eq ? (gsize) (eq - pair) : strlen (pair);

      if (len == strlen (name) && strncmp (pair, name, len) == 0)
        return TRUE;
    }
  return FALSE;
}

/* ---- subprocesses ------------------------------------------------------------ */

/* Children die with the test process, even when an assertion aborts it. */
static void
die_with_parent_cb (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocessLauncher *
launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent_cb, NULL, NULL);
  return launcher;
}

typedef struct {
  gboolean done;
} WaitData;

static void
subprocess_wait_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  WaitData *data = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  data->done = TRUE;
}

/* Waits until @process ends or @timeout_s pass; FALSE on timeout. */
static gboolean
subprocess_wait_with_deadline (GSubprocess *process,
                               guint        timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  WaitData data = { FALSE };

  g_subprocess_wait_async (process, NULL, subprocess_wait_cb, &data);
  while (!data.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (!data.done)
    {
      /* Let the pending wait complete before @data goes out of scope. */
      g_subprocess_force_exit (process);
      while (!data.done)
        g_main_context_iteration (NULL, TRUE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Sleeps about 100 ms while letting the main context run. */
static void
poll_pause (void)
{
  guint id = g_timeout_add (100, wake_cb, NULL);

  g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

static char *
read_file_or_empty (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

/* ---- temoinctl ----------------------------------------------------------------- */

static void
consent_set (const char *data_dir,
             const char *setting)
{
  const char *argv[] = { "--data-dir", data_dir, "consent", "set", setting, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = tm_test_run_temoinctl (argv, &out, &err);

  if (status != 0)
    g_error ("temoinctl consent set %s exited with %d: %s", setting, status, err);
}

typedef struct {
  GSubprocess *process;
  char        *url;        /* http://ADDR:PORT, from the `listening on` line */
  char        *out_path;
  char        *err_path;
} Proxy;

static void
proxy_start (Proxy      *proxy,
             const char *scratch,
             const char *data_dir)
{
  g_autofree char *connect_ports = g_strdup_printf ("%u", origin.port);
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GError) error = NULL;
  const char *temoinctl = g_getenv ("TEMOINCTL");
  gint64 deadline = g_get_monotonic_time () + PROXY_START_TIMEOUT_S * G_USEC_PER_SEC;
  WaitData exited = { FALSE };

  g_assert_nonnull (temoinctl);
  proxy->out_path = g_build_filename (scratch, "proxy.out", NULL);
  proxy->err_path = g_build_filename (scratch, "proxy.err", NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, proxy->out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, proxy->err_path);
  proxy->process = g_subprocess_launcher_spawn (launcher, &error, temoinctl,
                                                "--data-dir", data_dir,
                                                "serve", "--port", "0",
                                                "--https-inspection",
                                                "--connect-ports", connect_ports,
                                                "--upstream-ca", origin.ca_file, NULL);
  g_assert_no_error (error);

  /* Its first line on stdout: `listening on http://ADDR:PORT/`. */
  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *out = read_file_or_empty (proxy->out_path);
      char *newline = strchr (out, '\n');

      if (newline != NULL)
        {
          const char *prefix = "listening on http://";

          *newline = '\0';
          if (!g_str_has_prefix (out, prefix) || !g_str_has_suffix (out, "/"))
            g_error ("unexpected first line from temoinctl serve: \"%s\"", out);
          out[strlen (out) - 1] = '\0';
          proxy->url = g_strdup (out + strlen ("listening on "));
          g_test_message ("proxy: %s", proxy->url);
          return;
        }
      if (g_subprocess_get_identifier (proxy->process) == NULL)
        break;
      poll_pause ();
    }

  /* It exited, or never said where it listens. */
  if (g_subprocess_get_identifier (proxy->process) != NULL)
    {
      g_autofree char *err = NULL;

      g_subprocess_force_exit (proxy->process);
      g_subprocess_wait_async (proxy->process, NULL, subprocess_wait_cb, &exited);
      while (!exited.done)
        g_main_context_iteration (NULL, TRUE);
      err = read_file_or_empty (proxy->err_path);
      g_error ("temoinctl serve did not print its `listening on` line within %d s; stderr: %s",
               PROXY_START_TIMEOUT_S, err);
    }
  else
    {
      g_autofree char *err = read_file_or_empty (proxy->err_path);

      g_error ("temoinctl serve exited before printing its `listening on` line; stderr: %s",
               err);
    }
}

/* Stops the proxy with SIGTERM, as a user's service manager would, and checks
 * that it stops cleanly. */
static void
proxy_stop (Proxy *proxy)
{
  gboolean stopped;

  g_subprocess_send_signal (proxy->process, SIGTERM);
  stopped = subprocess_wait_with_deadline (proxy->process, PROXY_STOP_TIMEOUT_S);
  if (!stopped)
    g_error ("temoinctl serve did not stop within %d s of SIGTERM", PROXY_STOP_TIMEOUT_S);
  if (!g_subprocess_get_if_exited (proxy->process) ||
      g_subprocess_get_exit_status (proxy->process) != 0)
    {
      g_autofree char *err = read_file_or_empty (proxy->err_path);

      g_error ("temoinctl serve did not exit cleanly on SIGTERM; stderr: %s", err);
    }

  g_clear_object (&proxy->process);
  g_clear_pointer (&proxy->url, g_free);
  g_clear_pointer (&proxy->out_path, g_free);
  g_clear_pointer (&proxy->err_path, g_free);
}

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
  identity = g_network_address_new (ORIGIN_HOST, origin.port);
  g_assert_cmpint (g_tls_certificate_verify (leaf, identity, ca_cert), ==, 0);
  g_object_get (leaf, "certificate-pem", &leaf_pem, NULL);

  ca_hash = spki_hash (out);
  leaf_hash = spki_hash (leaf_pem);
  return g_strdup_printf ("%s,%s", ca_hash, leaf_hash);
}

/* Chromium's stderr on one line (TAP), without its noise about the D-Bus it has
 * not here. */
static char *
stderr_summary (const char *err)
{
  g_auto(GStrv) lines = g_strsplit (err, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (*lines[i] == '\0' || strstr (lines[i], "dbus") != NULL)
        continue;
      g_string_append_printf (out, "%s%.300s", out->len ? " | " : "", lines[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Loads @url in chromium with the persistent profile @profile through @proxy_url,
 * trusting the certificates whose SPKI hashes are in @spki_hash (a comma-separated
 * list; none if NULL), and waits for the
 * browser to exit by itself. With @expect_page FALSE the load must not show the
 * origin's page. */
static void
browser_load (const char *scratch,
              const char *profile,
              const char *proxy_url,
              const char *spki_hash,
              const char *url,
              gboolean    expect_page)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) browser = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_build_filename (scratch, "home", NULL);
  g_autofree char *dom_path = g_build_filename (scratch, "browser-dom.html", NULL);
  g_autofree char *err_path = g_build_filename (scratch, "browser.err", NULL);
  g_autofree char *dom = NULL;

  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  /* Chromium writes outside its profile (~/.pki, caches): keep that in @scratch. */
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, dom_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_path);

  g_ptr_array_add (args, g_strdup (CHROMIUM_PATH));
  g_ptr_array_add (args, g_strdup ("--headless=new"));
  g_ptr_array_add (args, g_strdup ("--no-sandbox"));
  g_ptr_array_add (args, g_strdup ("--disable-gpu"));
  g_ptr_array_add (args, g_strdup ("--disable-background-networking"));
  g_ptr_array_add (args, g_strdup ("--disable-component-update"));
  g_ptr_array_add (args, g_strdup ("--disable-sync"));
  g_ptr_array_add (args, g_strdup ("--no-first-run"));
  g_ptr_array_add (args, g_strdup ("--disable-quic"));
  g_ptr_array_add (args, g_strdup ("--password-store=basic"));
  g_ptr_array_add (args, g_strdup ("--use-mock-keychain"));
  g_ptr_array_add (args, g_strdup_printf ("--proxy-server=%s", proxy_url));
  /* Without this rule chromium goes straight to loopback origins. */
  g_ptr_array_add (args, g_strdup ("--proxy-bypass-list=<-loopback>"));
  if (spki_hash != NULL)
    g_ptr_array_add (args, g_strdup_printf ("--ignore-certificate-errors-spki-list=%s",
                                            spki_hash));
  g_ptr_array_add (args, g_strdup_printf ("--user-data-dir=%s", profile));
  g_ptr_array_add (args, g_strdup ("--dump-dom"));
  g_ptr_array_add (args, g_strdup (url));
  g_ptr_array_add (args, NULL);

  g_test_message ("browser: load %s through %s", url, proxy_url);
  browser = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata,
                                          &error);
  g_assert_no_error (error);

  if (!subprocess_wait_with_deadline (browser, BROWSER_TIMEOUT_S))
    {
      g_autofree char *err = read_file_or_empty (err_path);

      g_error ("chromium did not finish loading %s within %d s; stderr: %s",
               url, BROWSER_TIMEOUT_S, err);
    }
  if (!g_subprocess_get_if_exited (browser) || g_subprocess_get_exit_status (browser) != 0)
    {
      g_autofree char *err = read_file_or_empty (err_path);

      g_error ("chromium failed loading %s; stderr: %s", url, err);
    }

  /* The page really arrived (not an error page from the proxy or the browser). */
  dom = read_file_or_empty (dom_path);
  if (expect_page && strstr (dom, "Widget 3000") == NULL)
    {
      g_autofree char *err = read_file_or_empty (err_path);
      g_autofree char *summary = stderr_summary (err);

      g_error ("chromium did not show the origin's page for %s; it showed: %.400s; "
               "stderr: %s", url, dom, summary);
    }
  if (!expect_page)
    {
      g_autofree char *err = read_file_or_empty (err_path);
      g_autofree char *summary = stderr_summary (err);

      if (strstr (dom, "Widget 3000") != NULL)
        g_error ("chromium showed the origin's page for %s without trusting Témoin's CA",
                 url);
      /* Refused for the certificate, not for some other failure. */
      if (strstr (err, "ERR_CERT_AUTHORITY_INVALID") == NULL)
        g_error ("chromium did not refuse the certificate for %s; stderr: %s", url, summary);
    }
}

/* The browser's jar, read from the profile after the browser exited: a table
 * from "HOST\tNAME" to GINT_TO_POINTER (1 + is_httponly). */
static GHashTable *
browser_jar (const char *profile)
{
  const char *candidates[] = { "Default/Network/Cookies", "Default/Cookies" };
  g_autofree char *db_path = NULL;
  GHashTable *jar = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  for (guint i = 0; i < G_N_ELEMENTS (candidates) && db_path == NULL; i++)
    {
      g_autofree char *path = g_build_filename (profile, candidates[i], NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        db_path = g_steal_pointer (&path);
    }
  if (db_path == NULL)
    g_error ("the browser profile %s has no Cookies database", profile);

  rc = sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK)
    g_error ("cannot open %s: %s", db_path, sqlite3_errstr (rc));
  rc = sqlite3_prepare_v2 (db, "SELECT host_key, name, is_httponly FROM cookies", -1,
                           &stmt, NULL);
  if (rc != SQLITE_OK)
    g_error ("cannot read the cookies of %s: %s", db_path, sqlite3_errmsg (db));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *host = (const char *) sqlite3_column_text (stmt, 0);
      const char *name = (const char *) sqlite3_column_text (stmt, 1);
      int http_only = sqlite3_column_int (stmt, 2);

      g_hash_table_insert (jar, g_strdup_printf ("%s\t%s", host, name),
                           GINT_TO_POINTER (1 + (http_only != 0)));
    }
  if (rc != SQLITE_DONE)
    g_error ("cannot read the cookies of %s: %s", db_path, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return jar;
}

static char *
jar_describe (GHashTable *jar)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (jar, NULL);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *key = g_strdup (keys[i]);

      g_strdelimit (key, "\t", ' ');
      g_string_append_printf (out, "%s[%s]", out->len ? ", " : "", key);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
jar_holds (GHashTable *jar,
           const char *name)
{
  g_autofree char *key = g_strdup_printf ("%s\t%s", ORIGIN_HOST, name);

  return g_hash_table_contains (jar, key);
}

static void
assert_jar_holds (GHashTable *jar,
                  const char *name)
{
  if (!jar_holds (jar, name))
    {
      g_autofree char *all = jar_describe (jar);

      g_error ("the browser does not hold %s for %s; it holds: %s", name, ORIGIN_HOST, all);
    }
}

static void
assert_jar_lacks (GHashTable *jar,
                  const char *name)
{
  if (jar_holds (jar, name))
    {
      g_autofree char *all = jar_describe (jar);

      g_error ("the browser holds %s for %s; it holds: %s", name, ORIGIN_HOST, all);
    }
}

/* The four necessary cookies are there, and sessionid kept its HttpOnly. */
static void
assert_jar_holds_necessary (GHashTable *jar)
{
  for (guint i = 0; necessary_names[i] != NULL; i++)
    assert_jar_holds (jar, necessary_names[i]);
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (jar, ORIGIN_HOST "\tsessionid")),
                   ==, 2);
}

/* ---- scenarios --------------------------------------------------------------- */

typedef struct {
  char *scratch;
  char *data_dir;
  char *profile;
} Scenario;

static void
scenario_setup (Scenario      *s,
                gconstpointer  data)
{
  s->scratch = tm_test_make_tmp_dir ();
  s->data_dir = g_build_filename (s->scratch, "data", NULL);
  s->profile = g_build_filename (s->scratch, "profile", NULL);
  g_assert_cmpint (g_mkdir_with_parents (s->data_dir, 0700), ==, 0);
  origin_forget_requests ();
}

static void
scenario_teardown (Scenario      *s,
                   gconstpointer  data)
{
  tm_test_rmdir (s->scratch);
  g_free (s->scratch);
  g_free (s->data_dir);
  g_free (s->profile);
}

/* The positive control: everything accepted, the inspecting proxy hands the
 * browser all five cookies over HTTPS, and a second browser session still holds
 * them and sends them to the origin. */
static void
test_browser_holds_every_cookie_when_all_accepted (Scenario      *s,
                                                   gconstpointer  data)
{
  g_autofree char *cookie_url = origin_url (ORIGIN_COOKIE_PAGE);
  g_autofree char *plain_url = origin_url (ORIGIN_PLAIN_PAGE);
  g_autofree char *spki_hashes = NULL;
  g_autoptr(GHashTable) jar = NULL;
  g_autoptr(GHashTable) jar_after = NULL;
  Proxy proxy = { NULL };

  consent_set (s->data_dir, "--accept-all");
  spki_hashes = temoin_spki_hashes (s->data_dir);
  proxy_start (&proxy, s->scratch, s->data_dir);

  browser_load (s->scratch, s->profile, proxy.url, spki_hashes, cookie_url, TRUE);
  jar = browser_jar (s->profile);
  assert_jar_holds_necessary (jar);
  assert_jar_holds (jar, "_ga");

  browser_load (s->scratch, s->profile, proxy.url, spki_hashes, plain_url, TRUE);
  jar_after = browser_jar (s->profile);
  assert_jar_holds_necessary (jar_after);
  assert_jar_holds (jar_after, "_ga");
  for (guint i = 0; necessary_names[i] != NULL; i++)
    assert_origin_sent (ORIGIN_PLAIN_PAGE, necessary_names[i], TRUE);
  assert_origin_sent (ORIGIN_PLAIN_PAGE, "_ga", TRUE);

  proxy_stop (&proxy);
}

/* Statistics refused: over HTTPS too the browser never holds `_ga` (and the
 * origin is never sent one), but holds the four necessary cookies. */
static void
test_browser_never_holds_ga_when_statistics_refused (Scenario      *s,
                                                     gconstpointer  data)
{
  g_autofree char *cookie_url = origin_url (ORIGIN_COOKIE_PAGE);
  g_autofree char *plain_url = origin_url (ORIGIN_PLAIN_PAGE);
  g_autofree char *spki_hashes = NULL;
  g_autoptr(GHashTable) jar = NULL;
  g_autoptr(GHashTable) jar_after = NULL;
  Proxy proxy = { NULL };

  consent_set (s->data_dir, "statistics=off");
  spki_hashes = temoin_spki_hashes (s->data_dir);
  proxy_start (&proxy, s->scratch, s->data_dir);

  browser_load (s->scratch, s->profile, proxy.url, spki_hashes, cookie_url, TRUE);
  jar = browser_jar (s->profile);
  assert_jar_holds_necessary (jar);
  assert_jar_lacks (jar, "_ga");

  browser_load (s->scratch, s->profile, proxy.url, spki_hashes, plain_url, TRUE);
  jar_after = browser_jar (s->profile);
  assert_jar_holds_necessary (jar_after);
  assert_jar_lacks (jar_after, "_ga");

  assert_origin_sent (NULL, "_ga", FALSE);
  for (guint i = 0; necessary_names[i] != NULL; i++)
    assert_origin_sent (ORIGIN_PLAIN_PAGE, necessary_names[i], TRUE);

  proxy_stop (&proxy);
}

/* The control for the two above: without being told to trust Témoin's
 * certificates, the browser refuses the proxy's certificate and never shows the
 * page, so the trust list is what lets it through, not a lax browser. */
static void
test_browser_refuses_untrusted_interception (Scenario      *s,
                                             gconstpointer  data)
{
  g_autofree char *cookie_url = origin_url (ORIGIN_COOKIE_PAGE);
  g_autofree char *spki_hashes = NULL;
  Proxy proxy = { NULL };

  consent_set (s->data_dir, "--accept-all");
  /* The same CA and leaf key as above, made the same way, but not given. */
  spki_hashes = temoin_spki_hashes (s->data_dir);
  g_assert_nonnull (spki_hashes);
  proxy_start (&proxy, s->scratch, s->data_dir);

  browser_load (s->scratch, s->profile, proxy.url, NULL, cookie_url, FALSE);

  proxy_stop (&proxy);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  if (!g_file_test (CHROMIUM_PATH, G_FILE_TEST_IS_EXECUTABLE))
    {
      /* Under TAP, 77 is an error: say SKIP in the plan instead. */
      g_print ("1..0 # SKIP chromium not installed (make deps installs it)\n");
      return 0;
    }

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
