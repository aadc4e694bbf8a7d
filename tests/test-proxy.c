/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-proxy.c: the real proxy between real clients (SoupSession, curl, raw
 * sockets) and a real SoupServer origin, all on loopback.
 *
 * The origin, the in-process proxy and their stores live on a thread of their
 * own ("the server thread", its own GMainContext); the test thread is the
 * client and blocks as clients do. `temoinctl serve` runs as a subprocess for
 * what belongs to the command line. */
#include "config.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "tm-consent-store.h"
#include "tm-proxy.h"
#include "tm-session-store.h"
#include "tm-test-proxy.h"
#include "tm-test-utils.h"

#define DEADLINE_S     30
#define BIG_SIZE       (64 * 1024 * 1024)
#define BIG_CHUNK      (1024 * 1024)
#define CHUNK_SIZE_FOR_TEST (64 * 1024)
#define SECRET_VALUE   "VALUE-must-never-be-logged-8c1f"

typedef struct {
  char           *dir;
  GThread        *thread;
  GMainContext   *context;
  GMainLoop      *loop;

  SoupServer     *origin;
  guint           origin_port;
  GSocketService *echo;            /* a TCP echo server for CONNECT */
  guint           echo_port;

  TmConsentStore *consent;
  TmSessionStore *sessions;
  TmProxy        *proxy;
  char           *proxy_uri;
  guint           proxy_port;

  /* Streaming: the origin writes the rest of the big body only once the client
   * said it has the first chunk. */
  gint            client_got_first;  /* atomic */
  gint            origin_done;       /* atomic */
} Fixture;

/* The origin */

static void
append_request_headers (SoupServerMessage *msg,
                        GString           *out)
{
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, soup_server_message_get_request_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    g_string_append_printf (out, "%s: %s\n", name, value);
}

static gboolean
big_more_cb (gpointer user_data)
{
  SoupServerMessage *msg = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (msg);
  Fixture *fx = g_object_get_data (G_OBJECT (msg), "fixture");
  gsize *sent = g_object_get_data (G_OBJECT (msg), "sent");

  if (!g_atomic_int_get (&fx->client_got_first))
    return G_SOURCE_CONTINUE;   /* wait for the client to see the first chunk */

  while (*sent < BIG_SIZE)
    {
      char *chunk = g_malloc (BIG_CHUNK);

      memset (chunk, 'a' + (*sent / BIG_CHUNK) % 26, BIG_CHUNK);
      soup_message_body_append (body, SOUP_MEMORY_TAKE, chunk, BIG_CHUNK);
      *sent += BIG_CHUNK;
      if (*sent % (8 * BIG_CHUNK) == 0)
        break;   /* a few MiB at a time */
    }
  if (*sent >= BIG_SIZE)
    {
      soup_message_body_complete (body);
      g_atomic_int_set (&fx->origin_done, TRUE);
    }
  soup_server_message_unpause (msg);
  return *sent >= BIG_SIZE ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static void
big_finished_cb (SoupServerMessage *msg,
                 gpointer           user_data)
{
  GSource *source = user_data;

  g_source_destroy (source);
}

static void
origin_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  Fixture *fx = user_data;
  SoupMessageHeaders *rh = soup_server_message_get_response_headers (msg);
  g_autoptr(GString) out = g_string_new (NULL);

  if (g_str_equal (path, "/headers"))
    {
      /* What the origin received, for the client to check. */
      append_request_headers (msg, out);
      soup_message_headers_append (rh, "Keep-Alive", "timeout=5");
      soup_message_headers_append (rh, "X-Hop", "1");
      soup_message_headers_append (rh, "Connection", "X-Hop");
      soup_message_headers_append (rh, "X-End-To-End", "yes");
    }
  else if (g_str_equal (path, "/echo"))
    {
      SoupMessageBody *body = soup_server_message_get_request_body (msg);
      g_autoptr(GBytes) bytes = soup_message_body_flatten (body);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (bytes, NULL),
                                        g_bytes_get_size (bytes));
      return;
    }
  else if (g_str_equal (path, "/port"))
    {
      /* The port of the connection this request came on (the proxy's side). */
      GSocketAddress *remote = soup_server_message_get_remote_address (msg);

      g_string_append_printf (out, "%u",
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)));
    }
  else if (g_str_equal (path, "/cookies"))
    {
      soup_message_headers_append (rh, "Set-Cookie",
                                   "_ga=GA1.1." SECRET_VALUE "; Max-Age=63072000; Path=/");
      soup_message_headers_append (rh, "Set-Cookie", "sessionid=s-" SECRET_VALUE
                                   "; HttpOnly; Path=/");
      g_string_append (out, "cookies\n");
    }
  else if (g_str_equal (path, "/tracker"))
    {
      /* Nothing known about this name: its context decides. */
      soup_message_headers_append (rh, "Set-Cookie", "widget_pref=blue; Path=/");
      g_string_append (out, "tracker\n");
    }
  else if (g_str_equal (path, "/paths"))
    {
      soup_message_headers_append (rh, "Set-Cookie",
                                   "pref=on-a; Path=/a; Expires=Fri, 01 Jan 2100 00:00:00 GMT");
      soup_message_headers_append (rh, "Set-Cookie",
                                   "pref=on-b; Path=/b; Expires=Fri, 01 Jan 2100 00:00:00 GMT");
      g_string_append (out, "paths\n");
    }
  else if (g_str_equal (path, "/big"))
    {
      SoupMessageBody *body = soup_server_message_get_response_body (msg);
      GSource *source;
      char *chunk = g_malloc (BIG_CHUNK);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_message_headers_set_encoding (rh, SOUP_ENCODING_CHUNKED);
      soup_message_body_set_accumulate (body, FALSE);
      memset (chunk, 'a', BIG_CHUNK);
      soup_message_body_append (body, SOUP_MEMORY_TAKE, chunk, BIG_CHUNK);
      g_object_set_data_full (G_OBJECT (msg), "sent", g_memdup2 (&(gsize) { BIG_CHUNK },
                                                               sizeof (gsize)), g_free);
      g_object_set_data (G_OBJECT (msg), "fixture", fx);
      source = g_timeout_source_new (5);
      g_source_set_callback (source, big_more_cb, g_object_ref (msg), g_object_unref);
      g_source_attach (source, fx->context);
      g_signal_connect_data (msg, "finished", G_CALLBACK (big_finished_cb), source,
                             (GClosureNotify) (void (*) (void)) g_source_unref, 0);
      return;
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
echo_incoming_cb (GSocketService    *service,
                  GSocketConnection *connection,
                  GObject           *source,
                  gpointer           user_data)
{
  /* Echo each line back, synchronously: tiny and good enough for a test. */
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (connection));
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (connection));
  char buf[256];
  gssize n;

  n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL);
  if (n > 0)
    g_output_stream_write_all (out, buf, n, NULL, NULL, NULL);
  return TRUE;
}

static gboolean
setup_origin_cb (gpointer data)
{
  Fixture *fx = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) echo_addr = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  fx->origin = soup_server_new (NULL, NULL);
  soup_server_add_handler (fx->origin, NULL, origin_cb, fx, NULL);
  fx->origin_port = tm_test_server_listen (fx->origin, SOUP_SERVER_LISTEN_IPV4_ONLY);

  fx->echo = g_threaded_socket_service_new (4);
  g_signal_connect (fx->echo, "run", G_CALLBACK (echo_incoming_cb), NULL);
  echo_addr = g_inet_socket_address_new (loopback, 0);
  g_socket_listener_add_address (G_SOCKET_LISTENER (fx->echo), echo_addr,
                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                 &effective, &error);
  g_assert_no_error (error);
  fx->echo_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  g_socket_service_start (fx->echo);

  tm_test_proxy_create (fx->dir, &fx->consent, &fx->sessions, &fx->proxy);
  return G_SOURCE_REMOVE;
}

static gboolean
start_proxy_cb (gpointer data)
{
  Fixture *fx = data;

  fx->proxy_uri = tm_test_proxy_start_in_thread (fx->proxy);
  fx->proxy_port = tm_proxy_get_port (fx->proxy);
  return G_SOURCE_REMOVE;
}

static gboolean
teardown_cb (gpointer data)
{
  Fixture *fx = data;

  tm_test_proxy_destroy (&fx->consent, &fx->sessions, &fx->proxy);
  tm_test_server_disconnect (fx->origin);
  g_clear_object (&fx->origin);
  g_socket_service_stop (fx->echo);
  g_socket_listener_close (G_SOCKET_LISTENER (fx->echo));
  g_clear_object (&fx->echo);
  return G_SOURCE_REMOVE;
}

/* Sets up everything but starts nothing the test wants to configure first. */
static Fixture *
fixture_new (void)
{
  Fixture *fx = g_new0 (Fixture, 1);

  fx->dir = tm_test_make_tmp_dir ();
  fx->context = g_main_context_new ();
  fx->loop = g_main_loop_new (fx->context, FALSE);
  fx->thread = tm_test_server_thread_new (fx->context, fx->loop);
  tm_test_run_in_context (fx->context, setup_origin_cb, fx);
  return fx;
}

static void
fixture_start (Fixture *fx)
{
  tm_test_run_in_context (fx->context, start_proxy_cb, fx);
  g_assert_nonnull (fx->proxy_uri);
}

static void
fixture_free (Fixture *fx)
{
  tm_test_run_in_context (fx->context, teardown_cb, fx);
  tm_test_server_thread_join (fx->thread, fx->loop, fx->context);
  tm_test_rmdir (fx->dir);
  g_free (fx->dir);
  g_free (fx->proxy_uri);
  g_free (fx);
}

/* The client side */

static SoupSession *
proxied_session (Fixture *fx)
{
  g_autoptr(GProxyResolver) resolver = g_simple_proxy_resolver_new (fx->proxy_uri, NULL);

  return soup_session_new_with_options ("proxy-resolver", resolver,
                                        "timeout", DEADLINE_S,
                                        NULL);
}

static char *
origin_url (Fixture    *fx,
            const char *host,
            const char *path)
{
  return g_strdup_printf ("http://%s:%u%s", host, fx->origin_port, path);
}

/* GET (or @method with @body) through the proxy; returns the body as a string. */
static char *
fetch (SoupSession  *session,
       const char   *method,
       const char   *url,
       const char  **request_headers,   /* name, value, ..., NULL */
       GBytes       *body,
       SoupMessage **out_msg)
{
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) response = NULL;

  g_assert_nonnull (msg);
  for (guint i = 0; request_headers != NULL && request_headers[i] != NULL; i += 2)
    soup_message_headers_append (soup_message_get_request_headers (msg),
                                 request_headers[i], request_headers[i + 1]);
  if (body != NULL)
    soup_message_set_request_body_from_bytes (msg, "application/octet-stream", body);
  response = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  if (out_msg != NULL)
    *out_msg = g_object_ref (msg);
  return g_strndup (g_bytes_get_data (response, NULL), g_bytes_get_size (response));
}

/* Every Set-Cookie value of @msg's response, joined by "\n". */
static char *
set_cookies_of (SoupMessage *msg)
{
  g_autoptr(GString) out = g_string_new (NULL);
  SoupMessageHeadersIter iter;
  const char *name, *value;

  soup_message_headers_iter_init (&iter, soup_message_get_response_headers (msg));
  while (soup_message_headers_iter_next (&iter, &name, &value))
    if (g_ascii_strcasecmp (name, "Set-Cookie") == 0)
      g_string_append_printf (out, "%s\n", value);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* GETs @url through the proxy; returns its Set-Cookie lines (set_cookies_of()). */
static char *
get_set_cookies (SoupSession *session,
                 const char  *url)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *body = fetch (session, "GET", url, NULL, NULL, &msg);

  return set_cookies_of (msg);
}

/* Whether the Set-Cookie lines @cookies (one a line) expire @name. */
static gboolean
tells_to_drop (const char *cookies,
               const char *name)
{
  g_auto(GStrv) lines = g_strsplit (cookies, "\n", -1);
  g_autofree char *prefix = g_strconcat (name, "=;", NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      {
        g_assert_nonnull (strstr (lines[i], "Max-Age=0"));
        return TRUE;
      }
  return FALSE;
}

static char *
find_curl (void)
{
  char *curl = g_find_program_in_path ("curl");

  g_assert_nonnull (curl);  /* a dependency of the tests (make deps) */
  return curl;
}

/* Runs curl through the proxy; returns stdout, @out_status the exit status. */
static char *
run_curl (Fixture            *fx,
          const char * const *args,
          int                *out_status)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  char *out = NULL;
  int status = -1;

  g_ptr_array_add (argv, find_curl ());
  g_ptr_array_add (argv, g_strdup ("-sS"));
  g_ptr_array_add (argv, g_strdup ("--max-time"));
  g_ptr_array_add (argv, g_strdup_printf ("%d", DEADLINE_S));
  g_ptr_array_add (argv, g_strdup ("-x"));
  g_ptr_array_add (argv, g_strdup (fx->proxy_uri));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                &out, NULL, &status, &error);
  g_assert_no_error (error);
  if (out_status != NULL)
    *out_status = WIFEXITED (status) ? WEXITSTATUS (status) : -1;
  return out;
}

/* Tests: forwarding */

static void
test_forward_get_and_post (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *echoed = NULL;
  g_autoptr(GBytes) payload = NULL;
  guint8 *data;
  gsize size = 300 * 1024 + 7;

  fixture_start (fx);
  session = proxied_session (fx);

  url = origin_url (fx, "127.0.0.1", "/headers");
  body = fetch (session, "GET", url, NULL, NULL, &msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  /* The origin saw the request through the proxy ... */
  g_assert_nonnull (strstr (body, "Via: 1.1 temoin"));
  /* ... and the client sees the proxy on the way back, without hop-by-hop headers. */
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "Via"), ==, "1.1 temoin");
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                 "X-End-To-End"), ==, "yes");
  g_assert_null (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                               "X-Hop"));
  g_assert_null (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                               "Keep-Alive"));
  g_clear_object (&msg);

  data = g_malloc (size);
  for (gsize i = 0; i < size; i++)
    data[i] = (guint8) (1 + (i * 31 + (i >> 8)) % 255);   /* no NUL: fetch() gives a string */
  payload = g_bytes_new_take (data, size);
  g_free (url);
  url = origin_url (fx, "127.0.0.1", "/echo");
  echoed = fetch (session, "POST", url, NULL, payload, &msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpuint (soup_message_headers_get_content_length (
                      soup_message_get_response_headers (msg)), ==, size);
  g_assert_true (memcmp (echoed, g_bytes_get_data (payload, NULL), size) == 0);

  g_assert_cmpuint (tm_proxy_get_requests (fx->proxy), >=, 2);
  fixture_free (fx);
}

/* Bodies of a known length the proxy reads in one go (up to 64 KiB) or chunk by
 * chunk: both arrive whole, and the origin's connection is given back only once
 * the body was read to its end, so one client's requests share one. */
static void
test_forward_keeps_origin_connection (void)
{
  static const gsize sizes[] = { 0, 1, 4096, 64 * 1024 - 1, 64 * 1024, 64 * 1024 + 1,
                                 200 * 1024 };
  Fixture *fx = fixture_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *url = NULL;
  g_autofree char *echo_url = NULL;
  g_autofree char *first = NULL;
  g_autofree char *head = NULL;

  fixture_start (fx);
  session = proxied_session (fx);
  url = origin_url (fx, "127.0.0.1", "/port");
  first = fetch (session, "GET", url, NULL, NULL, NULL);
  g_assert_cmpuint (g_ascii_strtoull (first, NULL, 10), >, 0);
  {
    /* The client may open a second connection to the proxy, which can land on
     * the other worker: a few origin connections are fine, one per request is
     * what a body left unread would cause. */
    g_autoptr(GHashTable) ports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

    g_hash_table_add (ports, g_strdup (first));
    for (guint i = 0; i < 20; i++)
      g_hash_table_add (ports, fetch (session, "GET", url, NULL, NULL, NULL));
    g_assert_cmpuint (g_hash_table_size (ports), <=, 4);
  }

  /* HEAD: the length of the body it would have, and no body. */
  head = fetch (session, "HEAD", url, NULL, NULL, &msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_cmpuint (soup_message_headers_get_content_length (
                      soup_message_get_response_headers (msg)), ==, strlen (first));
  g_assert_true (head == NULL || *head == '\0');
  g_clear_object (&msg);

  echo_url = origin_url (fx, "127.0.0.1", "/echo");
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      guint8 *data = g_malloc (sizes[i] + 1);
      g_autoptr(GBytes) payload = NULL;
      g_autofree char *echoed = NULL;

      for (gsize j = 0; j < sizes[i]; j++)
        data[j] = (guint8) (1 + (j * 7 + i) % 255);   /* no NUL: fetch() gives a string */
      payload = g_bytes_new_take (data, sizes[i]);
      echoed = fetch (session, "POST", echo_url, NULL, payload, &msg);
      g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
      g_assert_cmpuint (soup_message_headers_get_content_length (
                          soup_message_get_response_headers (msg)), ==, sizes[i]);
      g_assert_cmpuint (echoed != NULL ? strlen (echoed) : 0, ==, sizes[i]);
      g_assert_true (sizes[i] == 0 ||
                     memcmp (echoed, g_bytes_get_data (payload, NULL), sizes[i]) == 0);
      g_clear_object (&msg);
    }

  fixture_free (fx);
}

static void
test_forward_hop_by_hop_with_curl (void)
{
  Fixture *fx = fixture_new ();
  g_autofree char *url = NULL;
  g_autofree char *out = NULL;
  int status;

  fixture_start (fx);
  url = origin_url (fx, "127.0.0.1", "/headers");
  {
    const char *args[] = {
      "-H", "Connection: X-Private", "-H", "X-Private: 1", "-H", "TE: trailers",
      "-H", "Proxy-Authorization: Basic dXNlcjpwYXNz", "-H", "X-Kept: 1", url, NULL,
    };

    out = run_curl (fx, args, &status);
  }
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "X-Kept: 1"));
  g_assert_nonnull (strstr (out, "Via: 1.1 temoin"));
  g_assert_null (strstr (out, "X-Private"));
  g_assert_null (strstr (out, "Proxy-Authorization"));
  g_assert_null (strstr (out, "TE: "));
  g_assert_null (strstr (out, "Proxy-Connection"));
  fixture_free (fx);
}

static void
test_error_closed_port_is_502 (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) addr = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  guint port;

  fixture_start (fx);
  /* A port nothing listens on: bound, then closed. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         NULL);
  addr = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, addr, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  session = proxied_session (fx);
  url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  body = fetch (session, "GET", url, NULL, NULL, &msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_BAD_GATEWAY);
  g_assert_nonnull (strstr (body, "127.0.0.1"));
  g_assert_nonnull (strstr (body, "refused"));
  fixture_free (fx);
}

static void
test_loop_is_refused (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupSession) direct = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;

  fixture_start (fx);
  session = proxied_session (fx);

  /* An absolute request aimed at the proxy itself. */
  url = g_strdup_printf ("http://127.0.0.1:%u/some/page", fx->proxy_port);
  body = fetch (session, "GET", url, NULL, NULL, &msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 508);
  g_clear_object (&msg);
  g_clear_pointer (&body, g_free);

  /* A request that already went through Témoin (e.g. via another name). */
  g_free (url);
  url = origin_url (fx, "127.0.0.1", "/headers");
  {
    const char *headers[] = { "Via", "1.1 temoin", NULL };

    body = fetch (session, "GET", url, headers, NULL, &msg);
  }
  g_assert_cmpuint (soup_message_get_status (msg), ==, 508);
  g_clear_object (&msg);
  g_clear_pointer (&body, g_free);

  /* Asking the proxy directly for its front page says what it is. */
  direct = soup_session_new ();
  g_free (url);
  url = g_strdup (fx->proxy_uri);
  body = fetch (direct, "GET", url, NULL, NULL, &msg);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);
  g_assert_nonnull (strstr (body, "proxy"));
  g_assert_nonnull (strstr (body, fx->proxy_uri));
  fixture_free (fx);
}

static void
test_allow_matching (void)
{
  struct {
    const char *client;
    const char *allow;   /* comma-separated, or NULL */
    gboolean    allowed;
  } rows[] = {
    { "127.0.0.1", NULL, TRUE },
    { "127.4.5.6", NULL, TRUE },
    { "::1", NULL, TRUE },
    { "192.168.1.20", NULL, FALSE },
    { "192.168.1.20", "192.168.1.0/24", TRUE },
    { "192.168.2.20", "192.168.1.0/24", FALSE },
    { "10.0.0.5", "192.168.1.0/24,10.0.0.0/8", TRUE },
    { "2001:db8::5", "2001:db8::/32", TRUE },
    { "2001:db9::5", "2001:db8::/32", FALSE },
    { "192.168.1.20", "2001:db8::/32", FALSE },
    { "203.0.113.9", "203.0.113.9", TRUE },
    { "::ffff:127.0.0.1", NULL, TRUE },
    { "::ffff:192.168.1.20", NULL, FALSE },
    { "::ffff:192.168.1.20", "192.168.1.0/24", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(GInetAddress) client = g_inet_address_new_from_string (rows[i].client);
      g_autoptr(GPtrArray) allow = g_ptr_array_new_with_free_func (g_object_unref);
      g_auto(GStrv) cidrs = rows[i].allow ? g_strsplit (rows[i].allow, ",", -1) : NULL;

      for (guint j = 0; cidrs != NULL && cidrs[j] != NULL; j++)
        {
          g_autoptr(GError) error = NULL;
          GInetAddressMask *mask = g_inet_address_mask_new_from_string (cidrs[j], &error);

          g_assert_no_error (error);
          g_ptr_array_add (allow, mask);
        }
      g_test_message ("row %u: %s with %s", i, rows[i].client, rows[i].allow);
      g_assert_cmpint (tm_proxy_client_is_allowed (client, allow), ==, rows[i].allowed);
    }

  /* And the proxy refuses a bad rule clearly. */
  {
    g_autoptr(TmProxy) proxy = tm_proxy_new (NULL, NULL, NULL);
    g_autoptr(GError) error = NULL;

    g_assert_false (tm_proxy_add_allow (proxy, "192.168.1.0/99", &error));
    g_assert_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_false (tm_proxy_add_resolve (proxy, "site-a.test:80", &error));
    g_assert_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_true (tm_proxy_add_resolve (proxy, "site-a.test:80:127.0.0.1", &error));
    g_assert_false (tm_proxy_set_connect_ports (proxy, "443,x", &error));
    g_assert_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_streaming_large_body (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *buf = g_malloc (CHUNK_SIZE_FOR_TEST);
  gsize total = 0;
  gssize n;

  fixture_start (fx);
  session = proxied_session (fx);
  url = origin_url (fx, "127.0.0.1", "/big");
  msg = soup_message_new ("GET", url);
  in = soup_session_send (session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, SOUP_STATUS_OK);

  /* The origin holds back everything after its first MiB until we have read
   * it: a proxy that buffers whole bodies never gets here (the client's
   * timeout then fails the read). */
  while (total < BIG_CHUNK)
    {
      n = g_input_stream_read (in, buf, CHUNK_SIZE_FOR_TEST, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      total += n;
    }
  g_assert_false (g_atomic_int_get (&fx->origin_done));
  g_atomic_int_set (&fx->client_got_first, TRUE);

  while ((n = g_input_stream_read (in, buf, CHUNK_SIZE_FOR_TEST, NULL, &error)) > 0)
    total += n;
  g_assert_no_error (error);
  g_assert_cmpuint (total, ==, BIG_SIZE);
  g_assert_true (g_atomic_int_get (&fx->origin_done));
  fixture_free (fx);
}

/* CONNECT */

/* A CONNECT to @port through the proxy; its status line. The tunnel stays open
 * in @out_conn when given. */
static char *
raw_connect (Fixture            *fx,
             guint               port,
             gboolean            then_echo,
             GSocketConnection **out_conn)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autofree char *request = NULL;
  g_autofree char *status_line = NULL;
  GOutputStream *out;
  char *line;

  g_socket_client_set_timeout (client, DEADLINE_S);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", fx->proxy_port, NULL, &error);
  g_assert_no_error (error);
  out = g_io_stream_get_output_stream (G_IO_STREAM (conn));
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (conn)));
  g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  g_data_input_stream_set_newline_type (in, G_DATA_STREAM_NEWLINE_TYPE_CR_LF);
  request = g_strdup_printf ("CONNECT 127.0.0.1:%u HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n\r\n",
                             port, port);
  g_output_stream_write_all (out, request, strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);
  status_line = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (status_line);
  /* Skip the rest of the head. */
  while ((line = g_data_input_stream_read_line (in, NULL, NULL, &error)) != NULL && *line)
    g_free (line);
  g_free (line);

  if (then_echo)
    {
      g_autofree char *echoed = NULL;

      g_output_stream_write_all (out, "ping through the tunnel\r\n", 25, NULL, NULL, &error);
      g_assert_no_error (error);
      echoed = g_data_input_stream_read_line (in, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (echoed, ==, "ping through the tunnel");
    }
  if (out_conn != NULL)
    *out_conn = g_steal_pointer (&conn);
  return g_steal_pointer (&status_line);
}

static gboolean
stop_proxy_cb (gpointer data)
{
  Fixture *fx = data;

  tm_proxy_stop (fx->proxy);
  return G_SOURCE_REMOVE;
}

static void
test_connect_tunnel (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *ports = NULL;
  g_autofree char *ok = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *rest = NULL;
  g_autoptr(GSocketConnection) open = NULL;

  ports = g_strdup_printf ("%u", fx->echo_port);
  g_assert_true (tm_proxy_set_connect_ports (fx->proxy, ports, &error));
  g_assert_no_error (error);
  fixture_start (fx);

  ok = raw_connect (fx, fx->echo_port, TRUE, &open);
  g_assert_true (g_str_has_prefix (ok, "HTTP/1.1 200"));
  /* The origin's HTTP port is not an allowed CONNECT port. */
  refused = raw_connect (fx, fx->origin_port, FALSE, NULL);
  g_assert_true (g_str_has_prefix (refused, "HTTP/1.1 403"));

  /* A proxy that stops ends its tunnels. */
  tm_test_run_in_context (fx->context, stop_proxy_cb, fx);
  rest = tm_test_read_until_closed (open);
  g_assert_cmpstr (rest, ==, "");
  fixture_free (fx);
}

/* Idle and slow clients */

static GSocketConnection *
connect_to_proxy (Fixture *fx)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GError) error = NULL;
  GSocketConnection *conn;

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", fx->proxy_port, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (conn), DEADLINE_S);
  return conn;
}

/* A keep-alive client that goes quiet after its answer, and one that never
 * finishes its request, are both closed after the idle timeout. (A GSocket
 * timeout on SoupServer's connections kept them open for good.) */
static void
test_idle_and_slow_clients_are_closed (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(GSocketConnection) idle = NULL;
  g_autoptr(GSocketConnection) slow = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *request = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *nothing = NULL;

  tm_proxy_set_idle_timeout (fx->proxy, 2);
  fixture_start (fx);

  idle = connect_to_proxy (fx);
  request = g_strdup_printf ("GET http://127.0.0.1:%u/cookies HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n\r\n", fx->origin_port, fx->origin_port);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (idle)), request,
                             strlen (request), NULL, NULL, &error);
  g_assert_no_error (error);

  slow = connect_to_proxy (fx);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (slow)), "GET http:",
                             strlen ("GET http:"), NULL, NULL, &error);
  g_assert_no_error (error);

  /* The whole answer (a keep-alive one), then the end of the connection. */
  answer = tm_test_read_until_closed (idle);
  g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200 "));
  g_assert_true (g_str_has_suffix (answer, "cookies\n"));
  nothing = tm_test_read_until_closed (slow);
  g_assert_false (g_str_has_prefix (nothing, "HTTP/1.1 200"));
  fixture_free (fx);
}

/* Reads one answer whose body ends with @suffix from @in. */
static char *
read_answer (GInputStream *in,
             const char   *suffix)
{
  g_autoptr(GString) answer = g_string_new (NULL);
  char buf[4096];

  while (!g_str_has_suffix (answer->str, suffix))
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_input_stream_read (in, buf, sizeof buf, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      g_string_append_len (answer, buf, n);
    }
  return g_string_free (g_steal_pointer (&answer), FALSE);
}

/* A keep-alive client's connection carries its next request too: the proxy
 * does not close it after an answer (SoupServer 3.2 does that to connections it
 * did not accept itself, unless it has a listener of its own). */
static void
test_keep_alive_connection_serves_several_requests (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(GSocketConnection) conn = NULL;
  g_autofree char *request = NULL;
  GInputStream *in;

  fixture_start (fx);
  request = g_strdup_printf ("GET http://127.0.0.1:%u/cookies HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n\r\n", fx->origin_port, fx->origin_port);
  conn = connect_to_proxy (fx);
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *answer = NULL;

      g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                 request, strlen (request), NULL, NULL, &error);
      g_assert_no_error (error);
      answer = read_answer (in, "cookies\n");
      g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200 "));
      g_assert_null (strstr (answer, "Connection: close"));
    }
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  fixture_free (fx);
}

/* Keep-alive clients that close their connection after their answer leave no
 * descriptor behind (libsoup 3.2's SoupServer alone leaves them in CLOSE_WAIT). */
static void
test_closed_keep_alive_clients_leave_no_descriptor (void)
{
  Fixture *fx = fixture_new ();
  g_autofree char *request = NULL;
  guint before = 0, after = 0;

  fixture_start (fx);
  request = g_strdup_printf ("GET http://127.0.0.1:%u/cookies HTTP/1.1\r\n"
                             "Host: 127.0.0.1:%u\r\n\r\n", fx->origin_port, fx->origin_port);
  /* One first, so that the upstream connection and the store exist already. */
  for (guint round = 0; round < 2; round++)
    {
      for (guint i = 0; i < (round == 0 ? 1 : 20); i++)
        {
          g_autoptr(GSocketConnection) conn = connect_to_proxy (fx);
          g_autoptr(GError) error = NULL;
          GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
          g_autofree char *answer = NULL;

          g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)),
                                     request, strlen (request), NULL, NULL, &error);
          g_assert_no_error (error);
          /* The whole keep-alive answer, then the client closes. */
          answer = read_answer (in, "cookies\n");
          g_assert_true (g_str_has_prefix (answer, "HTTP/1.1 200 "));
          g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
        }
      if (round == 0)
        {
          g_usleep (200 * 1000);
          before = tm_test_count_close_wait (fx->proxy_port);
        }
    }

  after = tm_test_wait_close_wait (fx->proxy_port, before, DEADLINE_S);
  g_test_message ("closed by the client only: %u before, %u after 20 closed clients",
                  before, after);
  g_assert_cmpuint (after, <=, before);
  fixture_free (fx);
}

/* The counter the test above relies on sees a socket in CLOSE_WAIT: a server
 * that accepts and never closes, a client that leaves. Without this, a counter
 * that never counts would let that test pass whatever the proxy does. */
static void
test_close_wait_counter_sees_half_closed_socket (void)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) kept = NULL, leaving = NULL;
  g_autoptr(GError) error = NULL;
  guint port, seen = 0;
  gint64 deadline;

  port = g_socket_listener_add_any_inet_port (listener, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tm_test_count_close_wait (port), ==, 0);

  leaving = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  kept = g_socket_listener_accept (listener, NULL, NULL, &error);
  g_assert_no_error (error);
  g_io_stream_close (G_IO_STREAM (leaving), NULL, &error);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && (seen = tm_test_count_close_wait (port)) == 0)
    g_usleep (20 * 1000);
  g_assert_cmpuint (seen, ==, 1);

  g_io_stream_close (G_IO_STREAM (kept), NULL, NULL);
  g_assert_cmpuint (tm_test_count_close_wait (port), ==, 0);
}

static gboolean
start_stop_cb (gpointer data)
{
  Fixture *fx = data;

  for (guint i = 0; i < 40; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (tm_proxy_start (fx->proxy, &error));
      g_assert_no_error (error);
      tm_proxy_stop (fx->proxy);
    }
  return G_SOURCE_REMOVE;
}

/* Stopping right after starting returns (a worker thread told to stop before
 * its loop ran used to wait for ever, and `serve` with it). */
static void
test_stop_right_after_start (void)
{
  Fixture *fx;

  g_setenv ("TEMOIN_PROXY_WORKERS", "3", TRUE);
  fx = fixture_new ();
  g_unsetenv ("TEMOIN_PROXY_WORKERS");
  tm_test_run_in_context (fx->context, start_stop_cb, fx);
  fixture_free (fx);
}

/* Load */

typedef struct {
  Fixture *fx;
  guint    ok;
} ClientRun;

static gpointer
client_thread (gpointer data)
{
  ClientRun *run = data;
  g_autoptr(SoupSession) session = proxied_session (run->fx);
  g_autofree char *url = origin_url (run->fx, "127.0.0.1", "/cookies");

  for (guint i = 0; i < 8; i++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
      g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);

      if (body != NULL && soup_message_get_status (msg) == SOUP_STATUS_OK &&
          g_bytes_get_size (body) == strlen ("cookies\n"))
        run->ok++;
    }
  return NULL;
}

static void
test_concurrent_clients (void)
{
  Fixture *fx = fixture_new ();
  ClientRun runs[32];
  GThread *threads[32];
  guint ok = 0;

  fixture_start (fx);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      runs[i] = (ClientRun) { fx, 0 };
      threads[i] = g_thread_new ("client", client_thread, &runs[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      g_thread_join (threads[i]);
      ok += runs[i].ok;
    }
  g_assert_cmpuint (ok, ==, 32 * 8);
  g_assert_cmpuint (tm_proxy_get_requests (fx->proxy), >=, 32 * 8);
  /* Each response had two cookies: every one of them was decided. */
  g_assert_cmpuint (tm_proxy_get_cookies_kept (fx->proxy) +
                    tm_proxy_get_cookies_blocked (fx->proxy), ==, 32 * 8 * 2);
  fixture_free (fx);
}

/* Cookies */

static void
test_cookies_response_filtered (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *cookies = NULL;

  /* Nothing saved: necessary only. */
  fixture_start (fx);
  session = proxied_session (fx);
  url = origin_url (fx, "127.0.0.1", "/cookies");
  body = fetch (session, "GET", url, NULL, NULL, &msg);
  cookies = set_cookies_of (msg);
  g_assert_nonnull (strstr (cookies, "sessionid=s-" SECRET_VALUE "; HttpOnly; Path=/\n"));
  g_assert_null (strstr (cookies, "_ga="));
  g_clear_object (&msg);
  g_clear_pointer (&cookies, g_free);
  g_clear_pointer (&body, g_free);

  /* Everything accepted: both pass, untouched. */
  tm_test_save_consent (fx->context, fx->consent, TM_CATEGORIES_ALL);
  body = fetch (session, "GET", url, NULL, NULL, &msg);
  cookies = set_cookies_of (msg);
  g_assert_nonnull (strstr (cookies, "_ga=GA1.1." SECRET_VALUE "; Max-Age=63072000; Path=/\n"));
  g_assert_nonnull (strstr (cookies, "sessionid=s-" SECRET_VALUE "; HttpOnly; Path=/\n"));
  fixture_free (fx);
}

static void
test_cookies_request_filtered (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;
  g_autofree char *cookies = NULL;
  const char *headers[] = {
    "Cookie", "sessionid=abc;  _ga=GA1.2.3; csrftoken=\"q t\"", NULL,
  };

  fixture_start (fx);
  session = proxied_session (fx);
  url = origin_url (fx, "127.0.0.1", "/headers");

  /* Everything accepted: the header reaches the origin byte for byte. */
  tm_test_save_consent (fx->context, fx->consent, TM_CATEGORIES_ALL);
  body = fetch (session, "GET", url, headers, NULL, &msg);
  g_assert_nonnull (strstr (body, "Cookie: sessionid=abc;  _ga=GA1.2.3; csrftoken=\"q t\"\n"));
  cookies = set_cookies_of (msg);
  g_assert_cmpstr (cookies, ==, "");
  g_clear_object (&msg);
  g_clear_pointer (&body, g_free);
  g_clear_pointer (&cookies, g_free);

  /* Statistics refused: _ga is stripped and the client told to drop it. */
  tm_test_save_consent (fx->context, fx->consent,
                        TM_CATEGORIES_ALL & ~TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS));
  body = fetch (session, "GET", url, headers, NULL, &msg);
  g_assert_nonnull (strstr (body, "Cookie: sessionid=abc; csrftoken=\"q t\"\n"));
  g_assert_null (strstr (body, "_ga"));
  cookies = set_cookies_of (msg);
  g_assert_true (tells_to_drop (cookies, "_ga"));
  g_assert_null (strstr (cookies, "sessionid"));
  fixture_free (fx);
}

static void
test_cookies_first_and_third_party (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *spec_a = NULL;
  g_autofree char *spec_b = NULL;
  g_autofree char *url = NULL;
  g_autofree char *referer = NULL;

  spec_a = g_strdup_printf ("site-a.test:%u:127.0.0.1", fx->origin_port);
  spec_b = g_strdup_printf ("site-b.test:%u:127.0.0.1", fx->origin_port);
  g_assert_true (tm_proxy_add_resolve (fx->proxy, spec_a, &error));
  g_assert_true (tm_proxy_add_resolve (fx->proxy, spec_b, &error));
  g_assert_no_error (error);
  fixture_start (fx);
  session = proxied_session (fx);
  url = origin_url (fx, "site-b.test", "/tracker");
  referer = origin_url (fx, "site-a.test", "/page");

  /* Third party refused, first party accepted. */
  tm_test_save_consent (fx->context, fx->consent,
                        TM_CATEGORIES_ALL & ~TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY));
  {
    const char *embedded[] = {
      "Sec-Fetch-Site", "cross-site", "Sec-Fetch-Dest", "image", "Referer", referer, NULL,
    };
    const char *top_level[] = {
      "Sec-Fetch-Site", "none", "Sec-Fetch-Dest", "document", NULL,
    };
    g_autoptr(SoupMessage) msg = NULL;
    g_autofree char *body = fetch (session, "GET", url, embedded, NULL, &msg);
    g_autofree char *cookies = set_cookies_of (msg);

    g_assert_cmpstr (body, ==, "tracker\n");
    g_assert_null (strstr (cookies, "widget_pref"));
    g_clear_object (&msg);
    g_free (body);
    g_free (cookies);

    body = fetch (session, "GET", url, top_level, NULL, &msg);
    cookies = set_cookies_of (msg);
    g_assert_nonnull (strstr (cookies, "widget_pref=blue; Path=/"));
  }
  fixture_free (fx);
}

static void
test_sec_gpc_only_when_third_party_refused (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *url = NULL;
  g_autofree char *body = NULL;

  fixture_start (fx);
  session = proxied_session (fx);
  url = origin_url (fx, "127.0.0.1", "/headers");

  tm_test_save_consent (fx->context, fx->consent,
                        TM_CATEGORIES_ALL & ~TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY));
  body = fetch (session, "GET", url, NULL, NULL, NULL);
  g_assert_nonnull (strstr (body, "Sec-GPC: 1\n"));
  g_free (body);

  tm_test_save_consent (fx->context, fx->consent, TM_CATEGORIES_ALL);
  body = fetch (session, "GET", url, NULL, NULL, NULL);
  g_assert_null (strstr (body, "Sec-GPC"));
  fixture_free (fx);
}

static gboolean
store_has (Fixture    *fx,
           const char *name)
{
  g_autoptr(GPtrArray) cookies = tm_test_list_cookies (fx->context, fx->sessions);
  gboolean found = FALSE;

  for (guint i = 0; i < cookies->len; i++)
    found |= g_str_equal (((TmCookie *) g_ptr_array_index (cookies, i))->name, name);
  return found;
}

/* Starts @fx with everything accepted and GETs @url (the origin's /cookies) once,
 * so that the store mirrors _ga and sessionid; @page is the origin's /headers,
 * which sets nothing. Returns the client session. */
static SoupSession *
start_with_ga_stored (Fixture  *fx,
                      char    **url,
                      char    **page)
{
  SoupSession *session;
  g_autofree char *cookies = NULL;

  fixture_start (fx);
  session = proxied_session (fx);
  *url = origin_url (fx, "127.0.0.1", "/cookies");
  *page = origin_url (fx, "127.0.0.1", "/headers");

  tm_test_save_consent (fx->context, fx->consent, TM_CATEGORIES_ALL);
  cookies = get_set_cookies (session, *url);
  g_assert_nonnull (strstr (cookies, "_ga=GA1.1."));
  g_assert_true (store_has (fx, "_ga"));
  g_assert_true (store_has (fx, "sessionid"));
  return session;
}

static void
test_live_withdrawal_from_another_process (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autofree char *url = NULL;
  g_autofree char *page = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *cookies = NULL;
  gint64 deadline;
  gboolean applied = FALSE, expired = FALSE;

  session = start_with_ga_stored (fx, &url, &page);

  /* Another process withdraws statistics. */
  {
    const char *argv[] = { "--data-dir", fx->dir, "consent", "set", "statistics=off", NULL };

    g_assert_cmpint (tm_test_run_temoinctl (argv, &out, &err), ==, 0);
  }

  /* The running proxy applies it: new _ga lines are removed, and the next
   * response from the site (either of the two below, whichever comes first
   * after the proxy noticed) tells the client to drop the _ga it holds. */
  deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && !(applied && expired))
    {
      g_autofree char *from_page = get_set_cookies (session, page);
      g_autofree char *from_url = NULL;

      expired |= tells_to_drop (from_page, "_ga");
      from_url = get_set_cookies (session, url);
      expired |= tells_to_drop (from_url, "_ga");
      if (strstr (from_url, "_ga=GA") == NULL)
        applied = TRUE;
      if (!(applied && expired))
        g_usleep (50 * 1000);
    }
  g_assert_true (applied);
  g_assert_true (expired);
  g_assert_false (store_has (fx, "_ga"));
  g_assert_true (store_has (fx, "sessionid"));

  /* Told once, then forgotten. */
  cookies = get_set_cookies (session, page);
  g_assert_null (strstr (cookies, "_ga"));
  fixture_free (fx);
}

/* The Cookies page deletes one cookie with its own store (as the app does, on
 * another connection): the running proxy tells the client to drop that one. */
static void
test_live_single_deletion_expires_that_cookie (void)
{
  Fixture *fx = fixture_new ();
  g_autoptr(SoupSession) session = NULL;
  g_autoptr(TmSessionStore) app_store = NULL;
  g_autoptr(GPtrArray) stored = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *page = NULL;
  const TmCookie *ga = NULL;
  g_autofree char *cookies = NULL;
  gint64 deadline;
  gboolean expired = FALSE;

  session = start_with_ga_stored (fx, &url, &page);

  /* Nothing to tell the client yet: a page carries no expiring _ga. */
  cookies = get_set_cookies (session, page);
  g_assert_null (strstr (cookies, "_ga"));

  app_store = tm_session_store_new (fx->dir, &error);
  g_assert_no_error (error);
  stored = tm_session_store_list (app_store, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < stored->len; i++)
    if (g_str_equal (((TmCookie *) stored->pdata[i])->name, "_ga"))
      ga = stored->pdata[i];
  g_assert_nonnull (ga);
  g_assert_true (tm_session_store_delete (app_store, ga, &error));
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + DEADLINE_S * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && !expired)
    {
      g_autofree char *from_page = get_set_cookies (session, page);

      if (tells_to_drop (from_page, "_ga"))
        {
          g_assert_null (strstr (from_page, "sessionid"));
          expired = TRUE;
        }
      else
        g_usleep (50 * 1000);
    }
  g_assert_true (expired);
  g_assert_false (store_has (fx, "_ga"));
  g_assert_true (store_has (fx, "sessionid"));

  /* Told once, then forgotten. */
  g_free (cookies);
  cookies = get_set_cookies (session, page);
  g_assert_null (strstr (cookies, "_ga"));
  g_clear_object (&app_store);
  fixture_free (fx);
}

/* temoinctl serve */

typedef struct {
  GSubprocess      *process;
  GDataInputStream *out;
  char             *first_line;
  char             *uri;
} Serve;

/* In the child, before exec: at most @user_data descriptors. */
static void
limit_descriptors (gpointer user_data)
{
  struct rlimit limit = { GPOINTER_TO_UINT (user_data), GPOINTER_TO_UINT (user_data) };

  setrlimit (RLIMIT_NOFILE, &limit);
}

/* `temoinctl serve` with @extra, with at most @max_fds descriptors (0: as many
 * as the test has). */
static Serve *
serve_start_full (const char         *dir,
                  const char * const *extra,
                  guint               max_fds)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  Serve *serve = g_new0 (Serve, 1);

  g_ptr_array_add (argv, (char *) g_getenv ("TEMOINCTL"));
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, (char *) dir);
  g_ptr_array_add (argv, "serve");
  for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra[i]);
  g_ptr_array_add (argv, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  if (max_fds > 0)
    g_subprocess_launcher_set_child_setup (launcher, limit_descriptors,
                                           GUINT_TO_POINTER (max_fds), NULL);
  serve->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                 &error);
  g_assert_no_error (error);
  serve->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve->process));
  serve->first_line = g_data_input_stream_read_line (serve->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (serve->first_line);
  if (g_str_has_prefix (serve->first_line, "listening on "))
    serve->uri = g_strdup (serve->first_line + strlen ("listening on "));
  return serve;
}

static Serve *
serve_start (const char         *dir,
             const char * const *extra)
{
  return serve_start_full (dir, extra, 0);
}

static void
serve_stop (Serve *serve)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (serve->process, SIGTERM);
  g_subprocess_wait (serve->process, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (serve->process));
  g_assert_cmpint (g_subprocess_get_exit_status (serve->process), ==, 0);
  g_object_unref (serve->out);
  g_object_unref (serve->process);
  g_free (serve->first_line);
  g_free (serve->uri);
  g_free (serve);
}

static void
test_serve_first_line_and_busy_port (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *dir2 = tm_test_make_tmp_dir ();
  g_autoptr(GRegex) re = g_regex_new ("^listening on http://127\\.0\\.0\\.1:([0-9]+)/$", 0, 0,
                                      NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *port = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Serve *serve;

  serve = serve_start (dir, (const char *[]) { "--port", "0", NULL });
  g_assert_true (g_regex_match (re, serve->first_line, 0, &match));
  port = g_match_info_fetch (match, 1);
  g_assert_cmpint (atoi (port), >, 0);

  /* The same data directory: the second one says which proxy runs. */
  {
    const char *argv[] = { "--data-dir", dir, "serve", "--port", "0", NULL };

    g_assert_cmpint (tm_test_run_temoinctl (argv, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "already running"));
    g_assert_nonnull (strstr (err, serve->uri));
    g_assert_cmpstr (out, ==, "");
  }
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  {
    int pid = 0;
    g_autofree char *address = NULL;

    g_assert_true (tm_proxy_lock_holder (dir, &pid, &address));
    g_assert_cmpint (pid, >, 0);
    g_assert_cmpstr (address, ==, serve->uri);
  }

  /* Another data directory, the same port: busy. */
  {
    const char *argv[] = { "--data-dir", dir2, "serve", "--port", port, NULL };

    g_assert_cmpint (tm_test_run_temoinctl (argv, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "is in use"));
  }

  serve_stop (serve);
  g_assert_false (tm_proxy_lock_holder (dir, NULL, NULL));
  tm_test_rmdir (dir);
  tm_test_rmdir (dir2);
}

/* More clients at once than the proxy has descriptors: it accepts again once
 * they leave (libsoup 3.2's own listener stopped for good at the first failed
 * accept(), and the proxy then answered nobody until it was restarted). */
static void
test_serve_survives_running_out_of_descriptors (void)
{
  Fixture *fx = fixture_new ();   /* for its origin only; its proxy is not started */
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(GPtrArray) held = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GUri) proxy_uri = NULL;
  g_autofree char *url = NULL;
  Serve *serve;

  serve = serve_start_full (dir, (const char *[]) { "--port", "0", NULL }, 64);
  g_assert_nonnull (serve->uri);
  proxy_uri = g_uri_parse (serve->uri, G_URI_FLAGS_NONE, NULL);
  for (guint i = 0; i < 150; i++)
    {
      g_autoptr(GError) error = NULL;
      GSocketConnection *conn =
        g_socket_client_connect_to_host (client, "127.0.0.1", g_uri_get_port (proxy_uri),
                                         NULL, &error);

      g_assert_no_error (error);   /* the kernel's backlog takes them all */
      g_ptr_array_add (held, conn);
    }
  g_usleep (G_USEC_PER_SEC / 2);   /* the proxy runs out of descriptors meanwhile */
  g_ptr_array_set_size (held, 0);  /* then they all leave */

  g_free (fx->proxy_uri);
  fx->proxy_uri = g_strdup (serve->uri);
  url = origin_url (fx, "127.0.0.1", "/cookies");
  for (guint i = 0; i < 3; i++)
    {
      g_autoptr(SoupSession) session = proxied_session (fx);
      g_autofree char *body = fetch (session, "GET", url, NULL, NULL, NULL);

      g_assert_nonnull (body);
    }
  serve_stop (serve);
  tm_test_rmdir (dir);
  fixture_free (fx);
}

static void
test_serve_store_round_trip_and_log (void)
{
  Fixture *fx = fixture_new ();   /* for its origin only; its proxy is not started */
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *log = g_build_filename (dir, "decisions.log", NULL);
  g_autofree char *url = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(TmSessionStore) store = NULL;
  g_autoptr(GPtrArray) cookies = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  Serve *serve;
  guint n_a = 0, n_b = 0;

  {
    const char *argv[] = { "--data-dir", dir, "consent", "set", "statistics=on",
                           "first-party=on", "third-party=on", NULL };

    g_assert_cmpint (tm_test_run_temoinctl (argv, &out, &err), ==, 0);
  }

  serve = serve_start (dir, (const char *[]) { "--port", "0", "--log", log, NULL });
  g_assert_nonnull (serve->uri);
  g_free (fx->proxy_uri);
  fx->proxy_uri = g_strdup (serve->uri);
  url = origin_url (fx, "127.0.0.1", "/paths");
  {
    g_autoptr(SoupSession) session = proxied_session (fx);
    g_autoptr(SoupMessage) msg = NULL;
    g_autofree char *body = fetch (session, "GET", url, NULL, NULL, &msg);
    g_autofree char *set = set_cookies_of (msg);
    g_autofree char *cookies_url = origin_url (fx, "127.0.0.1", "/cookies");
    g_autofree char *body2 = fetch (session, "GET", cookies_url, NULL, NULL, NULL);

    g_assert_nonnull (strstr (set, "pref=on-a"));
    g_assert_nonnull (strstr (set, "pref=on-b"));
  }
  serve_stop (serve);

  /* A restart keeps them (and stops cleanly again). */
  serve = serve_start (dir, (const char *[]) { "--port", "0", NULL });
  serve_stop (serve);

  store = tm_session_store_new (dir, &error);
  g_assert_no_error (error);
  cookies = tm_session_store_list (store, "127.0.0.1", &error);
  g_assert_no_error (error);
  for (guint i = 0; i < cookies->len; i++)
    {
      TmCookie *c = g_ptr_array_index (cookies, i);

      if (!g_str_equal (c->name, "pref"))
        continue;
      g_assert_cmpint (c->expires, ==, G_GINT64_CONSTANT (4102444800));
      if (g_str_equal (c->path, "/a") && g_str_equal (c->value, "on-a"))
        n_a++;
      if (g_str_equal (c->path, "/b") && g_str_equal (c->value, "on-b"))
        n_b++;
    }
  g_assert_cmpuint (n_a, ==, 1);
  g_assert_cmpuint (n_b, ==, 1);

  /* The log: one JSON object per decision, names but never values. */
  g_assert_true (g_file_get_contents (log, &contents, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (strstr (contents, SECRET_VALUE));
  g_assert_null (strstr (contents, "on-a"));
  lines = g_strsplit (contents, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 5);   /* 4 decisions + the final "" */
  for (guint i = 0; i < 4; i++)
    {
      g_assert_true (g_str_has_prefix (lines[i], "{\"time\":\""));
      g_assert_true (g_str_has_suffix (lines[i], "}"));
      g_assert_nonnull (strstr (lines[i], "\"direction\":\"response\""));
      g_assert_nonnull (strstr (lines[i], "\"decision\":\"keep\""));
      g_assert_nonnull (strstr (lines[i], "\"site\":\"127.0.0.1\""));
    }
  g_assert_nonnull (strstr (contents, "\"name\":\"_ga\""));
  g_assert_nonnull (strstr (contents, "\"categories\":[\"statistics\"]"));

  g_clear_object (&store);
  tm_test_rmdir (dir);
  fixture_free (fx);
}

static guint
free_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) addr = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         NULL);
  addr = g_inet_socket_address_new (loopback, 0);
  g_assert_true (g_socket_bind (socket, addr, FALSE, NULL));
  bound = g_socket_get_local_address (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static void
test_serve_port_setting_and_text_log (void)
{
  Fixture *fx = fixture_new ();   /* for its origin only */
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *log = g_build_filename (dir, "decisions.txt", NULL);
  g_autofree char *port = g_strdup_printf ("%u", free_port ());
  g_autofree char *expected = g_strdup_printf ("listening on http://127.0.0.1:%s/", port);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *url = NULL;
  Serve *serve;

  {
    const char *argv[] = { "--data-dir", dir, "settings", "set", "proxy-port", port, NULL };

    g_assert_cmpint (tm_test_run_temoinctl (argv, &out, &err), ==, 0);
  }
  serve = serve_start (dir, (const char *[]) { "--log", log, "--log-format", "text", NULL });
  g_assert_cmpstr (serve->first_line, ==, expected);
  g_free (fx->proxy_uri);
  fx->proxy_uri = g_strdup (serve->uri);
  url = origin_url (fx, "127.0.0.1", "/headers");
  {
    g_autoptr(SoupSession) session = proxied_session (fx);
    const char *headers[] = { "Cookie", "_ga=" SECRET_VALUE, NULL };
    g_autofree char *body = fetch (session, "GET", url, headers, NULL, NULL);

    /* Nothing saved: statistics refused, the pair never reaches the origin. */
    g_assert_null (strstr (body, SECRET_VALUE));
  }
  serve_stop (serve);

  g_assert_true (g_file_get_contents (log, &contents, NULL, NULL));
  g_assert_null (strstr (contents, SECRET_VALUE));
  g_assert_nonnull (strstr (contents, " block request site=127.0.0.1 host=127.0.0.1 name=_ga "
                                      "categories=statistics "));
  g_assert_true (g_str_has_suffix (contents, "\n"));
  tm_test_rmdir (dir);
  fixture_free (fx);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/proxy/forward/get-and-post-bodies", test_forward_get_and_post);
  g_test_add_func ("/proxy/forward/one-origin-connection-per-client-and-whole-bodies",
                   test_forward_keeps_origin_connection);
  g_test_add_func ("/proxy/forward/hop-by-hop-dropped-for-curl",
                   test_forward_hop_by_hop_with_curl);
  g_test_add_func ("/proxy/forward/closed-port-is-502", test_error_closed_port_is_502);
  g_test_add_func ("/proxy/forward/loop-refused", test_loop_is_refused);
  g_test_add_func ("/proxy/forward/streams-large-body", test_streaming_large_body);
  g_test_add_func ("/proxy/forward/32-concurrent-clients", test_concurrent_clients);
  g_test_add_func ("/proxy/access/allow-rules-match", test_allow_matching);
  g_test_add_func ("/proxy/connect/tunnels-allowed-port-only-and-ended-by-stop", test_connect_tunnel);
  g_test_add_func ("/proxy/timeouts/idle-and-slow-clients-are-closed",
                   test_idle_and_slow_clients_are_closed);
  g_test_add_func ("/proxy/timeouts/closed-keep-alive-clients-leave-no-descriptor",
                   test_closed_keep_alive_clients_leave_no_descriptor);
  g_test_add_func ("/proxy/timeouts/keep-alive-connection-serves-several-requests",
                   test_keep_alive_connection_serves_several_requests);
  g_test_add_func ("/proxy/timeouts/close-wait-counter-sees-a-half-closed-socket",
                   test_close_wait_counter_sees_half_closed_socket);
  g_test_add_func ("/proxy/workers/stop-right-after-start-returns",
                   test_stop_right_after_start);
  g_test_add_func ("/proxy/cookies/response-filtered-by-choice", test_cookies_response_filtered);
  g_test_add_func ("/proxy/cookies/refused-request-cookie-stripped-and-expired",
                   test_cookies_request_filtered);
  g_test_add_func ("/proxy/cookies/third-party-refused-first-party-kept",
                   test_cookies_first_and_third_party);
  g_test_add_func ("/proxy/cookies/sec-gpc-only-when-third-party-refused",
                   test_sec_gpc_only_when_third_party_refused);
  g_test_add_func ("/proxy/live/withdrawal-from-another-process-purges",
                   test_live_withdrawal_from_another_process);
  g_test_add_func ("/proxy/live/single-deletion-expires-that-cookie-in-the-client",
                   test_live_single_deletion_expires_that_cookie);
  g_test_add_func ("/proxy/serve/survives-running-out-of-descriptors",
                   test_serve_survives_running_out_of_descriptors);
  g_test_add_func ("/proxy/serve/first-line-lock-and-busy-port",
                   test_serve_first_line_and_busy_port);
  g_test_add_func ("/proxy/serve/store-survives-restart-and-log-has-no-values",
                   test_serve_store_round_trip_and_log);
  g_test_add_func ("/proxy/serve/port-from-setting-and-text-log",
                   test_serve_port_setting_and_text_log);

  return g_test_run ();
}
