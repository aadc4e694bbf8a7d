/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-proxy-https.c: HTTPS inspection end to end. A local HTTPS origin with a
 * certificate from a test CA made at test time, the real proxy in process, and
 * curl as the client, trusting Témoin's CA (inspected) or the origin's own
 * (bypassed, or inspection off). */
#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "tm-ca.h"
#include "tm-consent-store.h"
#include "tm-cookie.h"
#include "tm-proxy.h"
#include "tm-session-store.h"
#include "tm-settings.h"
#include "tm-test-proxy.h"
#include "tm-test-utils.h"

#define DEADLINE_S 30

typedef struct {
  char           *tmp;
  char           *data_dir;
  char           *origin_ca_file;   /* the test CA the origin's certificate comes from */
  char           *temoin_ca_file;   /* Témoin's CA, as `ca export` gives it */
  GThread        *thread;
  GMainContext   *context;
  GMainLoop      *loop;

  SoupServer     *origin;
  guint           origin_port;
  TmConsentStore *consent;
  TmSessionStore *sessions;
  TmProxy        *proxy;
  char           *proxy_uri;
} Fixture;

static void
origin_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SoupMessageHeaders *rh = soup_server_message_get_response_headers (msg);
  g_autoptr(GString) out = g_string_new (NULL);

  if (g_str_equal (path, "/cookies"))
    {
      soup_message_headers_append (rh, "Set-Cookie", "_ga=GA1.1.42; Max-Age=63072000; Path=/");
      soup_message_headers_append (rh, "Set-Cookie", "sessionid=s-42; HttpOnly; Secure; Path=/");
      g_string_append (out, "cookies\n");
    }
  else if (g_str_equal (path, "/headers"))
    {
      const char *cookie = soup_message_headers_get_one (
        soup_server_message_get_request_headers (msg), "Cookie");

      g_string_append_printf (out, "Cookie: %s\n", cookie != NULL ? cookie : "(none)");
    }
  else
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, out->str, out->len);
}

static gboolean
setup_cb (gpointer data)
{
  Fixture *fx = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *origin_ca_dir = g_build_filename (fx->tmp, "origin-ca", NULL);
  g_autoptr(TmCa) origin_ca = tm_ca_load_or_create (origin_ca_dir, &error);
  g_autoptr(GTlsCertificate) origin_cert = NULL;
  g_autofree char *pem = NULL;

  /* The origin's certificate, for localhost, from a CA of its own. */
  g_assert_no_error (error);
  origin_cert = tm_ca_get_leaf (origin_ca, "localhost", &error);
  g_assert_no_error (error);
  pem = tm_ca_export_pem (origin_ca, &error);
  g_assert_no_error (error);
  fx->origin_ca_file = g_build_filename (fx->tmp, "origin-ca.pem", NULL);
  g_assert_true (g_file_set_contents (fx->origin_ca_file, pem, -1, NULL));

  fx->origin = soup_server_new ("tls-certificate", origin_cert, NULL);
  soup_server_add_handler (fx->origin, NULL, origin_cb, fx, NULL);
  fx->origin_port = tm_test_server_listen (fx->origin,
                                          SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS);

  tm_test_proxy_create (fx->data_dir, &fx->consent, &fx->sessions, &fx->proxy);
  {
    g_autofree char *ports = g_strdup_printf ("443,%u", fx->origin_port);

    g_assert_true (tm_proxy_set_connect_ports (fx->proxy, ports, &error));
  }
  /* No --resolve: libsoup would then check the origin's certificate against the
   * address it resolves to, not the host name. */
  return G_SOURCE_REMOVE;
}

static gboolean
start_cb (gpointer data)
{
  Fixture *fx = data;

  fx->proxy_uri = tm_test_proxy_start_in_thread (fx->proxy);
  return G_SOURCE_REMOVE;
}

static gboolean
teardown_cb (gpointer data)
{
  Fixture *fx = data;

  tm_test_proxy_destroy (&fx->consent, &fx->sessions, &fx->proxy);
  tm_test_server_disconnect (fx->origin);
  g_clear_object (&fx->origin);
  return G_SOURCE_REMOVE;
}

static Fixture *
fixture_new (void)
{
  Fixture *fx = g_new0 (Fixture, 1);

  fx->tmp = tm_test_make_tmp_dir ();
  fx->data_dir = g_build_filename (fx->tmp, "data", NULL);
  g_assert_cmpint (g_mkdir (fx->data_dir, 0700), ==, 0);
  fx->context = g_main_context_new ();
  fx->loop = g_main_loop_new (fx->context, FALSE);
  fx->thread = tm_test_server_thread_new (fx->context, fx->loop);
  tm_test_run_in_context (fx->context, setup_cb, fx);
  return fx;
}

static void
fixture_start (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = NULL;
  g_autofree char *pem = NULL;

  tm_test_run_in_context (fx->context, start_cb, fx);
  g_assert_nonnull (fx->proxy_uri);

  /* What a user installs in the browser; exists once inspection was on. */
  ca = tm_ca_load (fx->data_dir, NULL);
  if (ca != NULL)
    {
      pem = tm_ca_export_pem (ca, &error);
      g_assert_no_error (error);
      fx->temoin_ca_file = g_build_filename (fx->tmp, "temoin-ca.pem", NULL);
      g_assert_true (g_file_set_contents (fx->temoin_ca_file, pem, -1, NULL));
    }
}

static void
fixture_free (Fixture *fx)
{
  tm_test_run_in_context (fx->context, teardown_cb, fx);
  tm_test_server_thread_join (fx->thread, fx->loop, fx->context);
  tm_test_rmdir (fx->tmp);
  g_free (fx->tmp);
  g_free (fx->data_dir);
  g_free (fx->origin_ca_file);
  g_free (fx->temoin_ca_file);
  g_free (fx->proxy_uri);
  g_free (fx);
}

typedef struct {
  Fixture    *fx;
  const char *key;
  const char *value;
} StoreCall;

static gboolean
set_setting_cb (gpointer data)
{
  StoreCall *call = data;
  g_autoptr(GError) error = NULL;

  g_assert_true (tm_consent_store_set_setting (call->fx->consent, call->key, call->value,
                                               &error));
  g_assert_no_error (error);
  return G_SOURCE_REMOVE;
}

static void
set_setting (Fixture    *fx,
             const char *key,
             const char *value)
{
  StoreCall call = { fx, key, value };

  tm_test_run_in_context (fx->context, set_setting_cb, &call);
}

/* curl -x PROXY --cacert CA -D - URL [-H HEADER]: the response headers and body
 * on stdout; @out_status the exit status (0: TLS and HTTP went fine). */
static char *
curl (Fixture    *fx,
      const char *cacert,
      const char *path,
      const char *header,
      int        *out_status)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status = -1;

  g_ptr_array_add (argv, g_strdup ("curl"));
  g_ptr_array_add (argv, g_strdup ("-sS"));
  g_ptr_array_add (argv, g_strdup ("--max-time"));
  g_ptr_array_add (argv, g_strdup_printf ("%d", DEADLINE_S));
  g_ptr_array_add (argv, g_strdup ("-x"));
  g_ptr_array_add (argv, g_strdup (fx->proxy_uri));
  g_ptr_array_add (argv, g_strdup ("--cacert"));
  g_ptr_array_add (argv, g_strdup (cacert));
  g_ptr_array_add (argv, g_strdup ("-D"));
  g_ptr_array_add (argv, g_strdup ("-"));
  if (header != NULL)
    {
      g_ptr_array_add (argv, g_strdup ("-H"));
      g_ptr_array_add (argv, g_strdup (header));
    }
  g_ptr_array_add (argv, g_strdup_printf ("https://localhost:%u%s", fx->origin_port, path));
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL,
                G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &out, NULL,
                &status, &error);
  g_assert_no_error (error);
  *out_status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  return out;
}

static gboolean
has_line_starting (const char *text,
                   const char *prefix)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], prefix, strlen (prefix)) == 0)
      return TRUE;
  return FALSE;
}

static int
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
test_inspected_cookies_filtered (void)
{
  Fixture *fx = fixture_new ();
  g_autofree char *out = NULL;
  g_autofree char *key_path = NULL;
  g_autofree char *leaf_key_path = NULL;
  g_autoptr(GPtrArray) cookies = NULL;
  gboolean mirrored = FALSE;
  g_autoptr(GError) error = NULL;
  int status = -1;

  set_setting (fx, TM_SETTING_HTTPS_INSPECTION, "true");
  g_assert_true (tm_proxy_set_upstream_ca (fx->proxy, fx->origin_ca_file, &error));
  g_assert_no_error (error);
  fixture_start (fx);
  g_assert_nonnull (fx->temoin_ca_file);

  /* Necessary only (nothing saved yet): _ga is removed inside HTTPS. */
  out = curl (fx, fx->temoin_ca_file, "/cookies", NULL, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (has_line_starting (out, "Set-Cookie: sessionid=s-42"));
  g_assert_false (has_line_starting (out, "Set-Cookie: _ga="));
  g_assert_nonnull (strstr (out, "cookies\n"));
  g_clear_pointer (&out, g_free);

  /* And from requests. */
  out = curl (fx, fx->temoin_ca_file, "/headers", "Cookie: sessionid=abc; _ga=GA1.2.3",
              &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "Cookie: sessionid=abc\n"));
  g_assert_null (strstr (out, "GA1.2.3"));
  g_clear_pointer (&out, g_free);

  /* Positive control: everything accepted, both pass. */
  tm_test_save_consent (fx->context, fx->consent, TM_CATEGORIES_ALL);
  out = curl (fx, fx->temoin_ca_file, "/cookies", NULL, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (has_line_starting (out, "Set-Cookie: _ga=GA1.1.42"));
  g_assert_true (has_line_starting (out, "Set-Cookie: sessionid=s-42"));
  g_clear_pointer (&out, g_free);
  out = curl (fx, fx->temoin_ca_file, "/headers", "Cookie: sessionid=abc; _ga=GA1.2.3",
              &status);
  g_assert_nonnull (strstr (out, "Cookie: sessionid=abc; _ga=GA1.2.3\n"));

  /* The session store mirrors the cookies kept, from HTTPS too. */
  cookies = tm_test_list_cookies (fx->context, fx->sessions);
  for (guint i = 0; i < cookies->len; i++)
    mirrored |= g_str_equal (((TmCookie *) g_ptr_array_index (cookies, i))->name, "_ga");
  g_assert_true (mirrored);

  /* Every private key written is the owner's alone. */
  key_path = g_build_filename (fx->data_dir, TM_CA_KEY_FILENAME, NULL);
  leaf_key_path = g_build_filename (fx->data_dir, TM_CA_CERTS_DIRNAME, "leaf-key.pem", NULL);
  g_assert_cmpint (file_mode (key_path), ==, 0600);
  g_assert_cmpint (file_mode (leaf_key_path), ==, 0600);
  fixture_free (fx);
}

static void
test_untrusted_upstream_error_page (void)
{
  Fixture *fx = fixture_new ();
  g_autofree char *out = NULL;
  int status = -1;

  /* The origin's CA is not given with --upstream-ca: its certificate is refused. */
  tm_proxy_set_https_inspection (fx->proxy, TRUE);
  fixture_start (fx);
  out = curl (fx, fx->temoin_ca_file, "/cookies", NULL, &status);
  g_assert_cmpint (status, ==, 0);   /* the client's side of TLS is fine */
  /* After curl's own "200 Connection established". */
  g_assert_nonnull (strstr (out, "\nHTTP/1.1 502 "));
  g_assert_nonnull (strstr (out, "secure connection"));
  g_assert_null (strstr (out, "cookies\n"));
  fixture_free (fx);
}

static void
test_bypassed_host_tunnelled (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *refused = NULL;
  int status = -1;

  tm_proxy_set_https_inspection (fx->proxy, TRUE);
  g_assert_true (tm_proxy_add_bypass (fx->proxy, "LOCALHOST.", &error));
  g_assert_no_error (error);
  fixture_start (fx);

  /* The client sees the origin's own certificate, and cookies pass untouched
   * even though _ga is refused. */
  out = curl (fx, fx->origin_ca_file, "/cookies", NULL, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (has_line_starting (out, "Set-Cookie: _ga=GA1.1.42"));
  /* Témoin's CA does not vouch for it: no certificate of ours was shown. */
  refused = curl (fx, fx->temoin_ca_file, "/cookies", NULL, &status);
  g_assert_cmpint (status, ==, 60);   /* curl: peer certificate cannot be authenticated */
  fixture_free (fx);
}

static void
test_off_by_default_is_blind_tunnel (void)
{
  Fixture *fx = fixture_new ();
  g_autofree char *out = NULL;
  g_autofree char *ca_path = NULL;
  int status = -1;

  fixture_start (fx);
  out = curl (fx, fx->origin_ca_file, "/cookies", NULL, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (has_line_starting (out, "Set-Cookie: _ga=GA1.1.42"));
  /* No CA is made while inspection is off. */
  ca_path = g_build_filename (fx->data_dir, TM_CA_CERT_FILENAME, NULL);
  g_assert_false (g_file_test (ca_path, G_FILE_TEST_EXISTS));
  fixture_free (fx);
}

static void
test_setting_followed_live (void)
{
  Fixture *fx = fixture_new ();
  g_autofree char *before = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline;
  int status = -1;

  g_assert_true (tm_proxy_set_upstream_ca (fx->proxy, fx->origin_ca_file, &error));
  g_assert_no_error (error);
  fixture_start (fx);
  before = curl (fx, fx->origin_ca_file, "/cookies", NULL, &status);
  g_assert_cmpint (status, ==, 0);

  /* Turned on while running (as `temoinctl settings set` in another process
   * would): the proxy starts inspecting without a restart. */
  set_setting (fx, TM_SETTING_HTTPS_INSPECTION, "on");
  deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr(TmCa) ca = tm_ca_load (fx->data_dir, NULL);
      g_autofree char *out = NULL;

      if (ca != NULL)
        {
          g_autofree char *pem = tm_ca_export_pem (ca, NULL);

          g_free (fx->temoin_ca_file);
          fx->temoin_ca_file = g_build_filename (fx->tmp, "temoin-ca.pem", NULL);
          g_assert_true (g_file_set_contents (fx->temoin_ca_file, pem, -1, NULL));
          out = curl (fx, fx->temoin_ca_file, "/cookies", NULL, &status);
          if (status == 0 && !has_line_starting (out, "Set-Cookie: _ga="))
            break;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }
  fixture_free (fx);
}

/* Writes Témoin's CA as it is now for curl; FALSE when there is none. */
static gboolean
export_temoin_ca (Fixture *fx)
{
  g_autoptr(TmCa) ca = tm_ca_load (fx->data_dir, NULL);
  g_autofree char *pem = NULL;

  if (ca == NULL)
    return FALSE;
  pem = tm_ca_export_pem (ca, NULL);
  g_assert_nonnull (pem);
  g_assert_true (g_file_set_contents (fx->temoin_ca_file, pem, -1, NULL));
  return TRUE;
}

static void
test_ca_regenerated_and_deleted_while_running (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) other = NULL;
  g_autofree char *out = NULL;
  gint64 deadline;
  int status = -1;

  tm_proxy_set_https_inspection (fx->proxy, TRUE);
  g_assert_true (tm_proxy_set_upstream_ca (fx->proxy, fx->origin_ca_file, &error));
  fixture_start (fx);
  out = curl (fx, fx->temoin_ca_file, "/cookies", NULL, &status);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);

  /* Regenerated by another process (`temoinctl ca regenerate`): the proxy's
   * certificates come from the new CA within a second or so. */
  other = tm_ca_new (fx->data_dir);
  g_assert_true (tm_ca_regenerate (other, &error));
  g_assert_no_error (error);
  g_assert_true (export_temoin_ca (fx));
  deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  for (;;)
    {
      out = curl (fx, fx->temoin_ca_file, "/cookies", NULL, &status);
      g_clear_pointer (&out, g_free);
      if (status == 0)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }

  /* Deleted: CONNECT becomes a blind tunnel (the origin's own certificate). */
  g_assert_true (tm_ca_delete (other, &error));
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  for (;;)
    {
      out = curl (fx, fx->origin_ca_file, "/cookies", NULL, &status);
      if (status == 0)
        break;
      g_clear_pointer (&out, g_free);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (100 * 1000);
    }
  g_assert_true (has_line_starting (out, "Set-Cookie: _ga=GA1.1.42"));
  fixture_free (fx);
}

/* A raw client: connects to the proxy, sends CONNECT for the origin and reads
 * the proxy's answer up to the blank line. Reads time out after DEADLINE_S. */
static GSocketConnection *
open_tunnel (Fixture *fx,
             char   **out_head)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GUri) uri = g_uri_parse (fx->proxy_uri, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) head = g_string_new (NULL);
  g_autofree char *request = NULL;
  GInputStream *in;
  char c;

  conn = g_socket_client_connect_to_host (client, g_uri_get_host (uri), g_uri_get_port (uri),
                                          NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (conn), DEADLINE_S);
  request = g_strdup_printf ("CONNECT localhost:%u HTTP/1.1\r\nHost: localhost:%u\r\n\r\n",
                             fx->origin_port, fx->origin_port);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  while (!g_str_has_suffix (head->str, "\r\n\r\n"))
    {
      g_assert_cmpint (g_input_stream_read (in, &c, 1, NULL, &error), ==, 1);
      g_assert_no_error (error);
      g_string_append_c (head, c);
    }
  *out_head = g_string_free (g_steal_pointer (&head), FALSE);
  return g_steal_pointer (&conn);
}

static guint
count_threads (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/task", 0, NULL);
  guint n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

#define N_SILENT 24

/* Clients that open an inspected tunnel and then say nothing, or only the first
 * bytes of a ClientHello: none may hold a thread while it is silent (GIO's pool
 * runs every handshake: a few silent clients would stall everyone's), and each
 * is closed after the handshake timeout, not the 60 s of an idle connection. */
static void
test_silent_clients_hold_no_thread_and_are_closed (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(GPtrArray) silent = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  guint before, during;
  int status = -1;

  tm_proxy_set_https_inspection (fx->proxy, TRUE);
  g_assert_true (tm_proxy_set_upstream_ca (fx->proxy, fx->origin_ca_file, &error));
  g_assert_no_error (error);
  tm_proxy_set_tls_handshake_timeout (fx->proxy, 2);
  fixture_start (fx);
  out = curl (fx, fx->temoin_ca_file, "/cookies", NULL, &status);
  g_assert_cmpint (status, ==, 0);
  g_clear_pointer (&out, g_free);
  before = count_threads ();

  for (guint i = 0; i < N_SILENT; i++)
    {
      g_autofree char *head = NULL;

      g_ptr_array_add (silent, open_tunnel (fx, &head));
      g_assert_true (g_str_has_prefix (head, "HTTP/1.1 200 "));
    }
  /* Meanwhile, others are served as usual. */
  out = curl (fx, fx->temoin_ca_file, "/cookies", NULL, &status);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "cookies\n"));
  during = count_threads ();
  g_test_message ("threads: %u before, %u with %u silent clients", before, during, N_SILENT);
  g_assert_cmpuint (during, <, before + N_SILENT / 3);

  for (guint i = 0; i < silent->len; i++)
    {
      g_autofree char *rest = tm_test_read_until_closed (silent->pdata[i]);

      g_assert_cmpstr (rest, ==, "");
    }

  /* A ClientHello begun and left unfinished is cut off too. */
  for (guint i = 0; i < 4; i++)
    {
      g_autofree char *head = NULL;
      g_autofree char *rest = NULL;
      g_autoptr(GSocketConnection) conn = open_tunnel (fx, &head);

      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                 "\x16\x03\x01", 3, NULL, NULL, &error);
      g_assert_no_error (error);
      rest = tm_test_read_until_closed (conn);
      g_assert_false (g_str_has_prefix (rest, "HTTP/"));
    }
  fixture_free (fx);
}

/* Stops the proxy; then nothing but the fixture may hold it (an inspection
 * under way held a reference for ever). */
static gboolean
stop_and_check_released_cb (gpointer data)
{
  Fixture *fx = data;

  tm_proxy_stop (fx->proxy);
  g_assert_cmpuint (G_OBJECT (fx->proxy)->ref_count, ==, 1);
  return G_SOURCE_REMOVE;
}

/* The proxy stops while inspected clients are at every step of their start: a
 * tunnel open and silent, a ClientHello begun, a handshake done and no request
 * yet, plain HTTP begun inside the tunnel. Each ends, and frees what it holds:
 * nothing but the fixture holds the proxy once it stopped, and the sanitized
 * run checks that nothing leaked (an inspection under way used to keep its
 * client stream and the proxy for ever). */
static void
test_stop_while_inspections_under_way (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  static const char * const starts[] = {
    "",                              /* silent */
    "\x16\x03\x01",                    /* a ClientHello begun */
    "GET / HTTP/1.1\r\nHost: loc",     /* plain HTTP, unfinished */
  };

  tm_proxy_set_https_inspection (fx->proxy, TRUE);
  g_assert_true (tm_proxy_set_upstream_ca (fx->proxy, fx->origin_ca_file, &error));
  g_assert_no_error (error);
  fixture_start (fx);

  for (guint i = 0; i < G_N_ELEMENTS (starts) * 3; i++)
    {
      const char *start = starts[i % G_N_ELEMENTS (starts)];
      g_autofree char *head = NULL;
      GSocketConnection *conn = open_tunnel (fx, &head);

      g_assert_true (g_str_has_prefix (head, "HTTP/1.1 200 "));
      if (start[0] != '\0')
        g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                   start, strlen (start), NULL, NULL, &error);
      g_assert_no_error (error);
      g_ptr_array_add (clients, conn);
    }
  /* Let the proxy see those first bytes before it stops. */
  g_usleep (G_USEC_PER_SEC / 5);
  tm_test_run_in_context (fx->context, stop_and_check_released_cb, fx);
  fixture_free (fx);
}

static guint
proxy_port (Fixture *fx)
{
  g_autoptr(GUri) uri = g_uri_parse (fx->proxy_uri, G_URI_FLAGS_NONE, NULL);

  return g_uri_get_port (uri);
}

/* curl closes its inspected connection (close_notify, then the end) after each
 * run: nothing of it stays open in the proxy. */
static void
test_closed_inspected_clients_leave_no_descriptor (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(GError) error = NULL;
  guint before, after = 0;
  int status = -1;

  tm_proxy_set_https_inspection (fx->proxy, TRUE);
  g_assert_true (tm_proxy_set_upstream_ca (fx->proxy, fx->origin_ca_file, &error));
  g_assert_no_error (error);
  fixture_start (fx);
  g_free (curl (fx, fx->temoin_ca_file, "/cookies", NULL, &status));
  g_assert_cmpint (status, ==, 0);
  g_usleep (200 * 1000);
  before = tm_test_count_close_wait (proxy_port (fx));
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *out = curl (fx, fx->temoin_ca_file, "/cookies", NULL, &status);

      g_assert_cmpint (status, ==, 0);
    }
  after = tm_test_wait_close_wait (proxy_port (fx), before, DEADLINE_S);
  g_test_message ("closed by the client only: %u before, %u after 12 inspected clients",
                  before, after);
  g_assert_cmpuint (after, <=, before);
  fixture_free (fx);
}

/* A client that sends plain HTTP where TLS belongs is told so, in HTTP. */
static void
test_plain_http_inside_tunnel_is_answered (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *head = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *request = NULL;

  tm_proxy_set_https_inspection (fx->proxy, TRUE);
  fixture_start (fx);
  conn = open_tunnel (fx, &head);
  g_assert_true (g_str_has_prefix (head, "HTTP/1.1 200 "));
  request = g_strdup_printf ("GET /cookies HTTP/1.1\r\nHost: localhost:%u\r\n\r\n",
                             fx->origin_port);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  answer = tm_test_read_until_closed (conn);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 400 "));
  g_assert_nonnull (strstr (answer, "unencrypted"));
  g_assert_null (strstr (answer, "Set-Cookie"));
  fixture_free (fx);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proxy-https/inspected/cookies-filtered-both-ways-and-mirrored",
                   test_inspected_cookies_filtered);
  g_test_add_func ("/proxy-https/upstream/untrusted-certificate-gets-error-page",
                   test_untrusted_upstream_error_page);
  g_test_add_func ("/proxy-https/bypass/host-tunnelled-untouched",
                   test_bypassed_host_tunnelled);
  g_test_add_func ("/proxy-https/off-by-default/blind-tunnel-and-no-ca",
                   test_off_by_default_is_blind_tunnel);
  g_test_add_func ("/proxy-https/setting/turned-on-while-running",
                   test_setting_followed_live);
  g_test_add_func ("/proxy-https/ca/regenerated-or-deleted-while-running",
                   test_ca_regenerated_and_deleted_while_running);
  g_test_add_func ("/proxy-https/timeouts/silent-clients-hold-no-thread-and-are-closed",
                   test_silent_clients_hold_no_thread_and_are_closed);
  g_test_add_func ("/proxy-https/timeouts/closed-inspected-clients-leave-no-descriptor",
                   test_closed_inspected_clients_leave_no_descriptor);
  g_test_add_func ("/proxy-https/stop/inspections-under-way-end-and-free-all",
                   test_stop_while_inspections_under_way);
  g_test_add_func ("/proxy-https/connect/plain-http-inside-the-tunnel-is-answered-400",
                   test_plain_http_inside_tunnel_is_answered);

  return g_test_run ();
}
