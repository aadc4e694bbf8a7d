/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Real TLS handshakes on loopback: a server presenting a leaf minted by TmCa
 * (as the proxy will to browsers), a client verifying it with TmTlsDatabase (as
 * the proxy will verify upstream servers). */
#include "config.h"

#include <string.h>

#include "tm-ca.h"
#include "tm-tls-database.h"
#include "tm-test-utils.h"

#define IO_TIMEOUT_SECONDS 20

typedef struct {
  char *tmp;
  TmCa *ca;
  char *ca_file;     /* the CA certificate, as `ca export` writes it */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *pem = NULL;

  f->tmp = tm_test_make_tmp_dir ();
  dir = g_build_filename (f->tmp, "data", NULL);
  f->ca = tm_ca_load_or_create (dir, &error);
  g_assert_no_error (error);
  pem = tm_ca_export_pem (f->ca, &error);
  g_assert_no_error (error);
  f->ca_file = g_build_filename (f->tmp, "ca.pem", NULL);
  g_assert_true (g_file_set_contents (f->ca_file, pem, -1, NULL));
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->ca);
  tm_test_rmdir (f->tmp);
  g_free (f->tmp);
  g_free (f->ca_file);
}

typedef struct {
  GSocketListener *listener;
  GTlsCertificate *certificate;
  gboolean         handshake_ok;
} Server;

/* Accepts one connection, handshakes with @certificate and says "hello". */
static gpointer
server_thread (gpointer user_data)
{
  Server *server = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) tls = NULL;

  connection = g_socket_listener_accept (server->listener, NULL, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (g_socket_connection_get_socket (connection), IO_TIMEOUT_SECONDS);

  tls = g_tls_server_connection_new (G_IO_STREAM (connection), server->certificate, &error);
  g_assert_no_error (error);
  server->handshake_ok = g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, NULL);
  if (server->handshake_ok)
    {
      g_output_stream_write_all (g_io_stream_get_output_stream (tls), "hello", 5, NULL, NULL,
                                 NULL);
      g_io_stream_close (tls, NULL, NULL);
    }
  return NULL;
}

/* Connects to a server presenting @leaf, verifying it with @database for
 * @host. Returns whether the client accepted it (and read the greeting). */
static gboolean
handshake (GTlsCertificate  *leaf,
           GTlsDatabase     *database,
           const char       *host,
           GError          **error)
{
  g_autoptr(GSocketListener) listener = g_socket_listener_new ();
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;
  g_autoptr(GError) local_error = NULL;
  Server server = { listener, leaf, FALSE };
  GThread *thread;
  char buffer[6] = { 0 };
  gsize got = 0;
  gboolean ok;

  g_assert_true (g_socket_listener_add_address (listener, address, G_SOCKET_TYPE_STREAM,
                                                G_SOCKET_PROTOCOL_TCP, NULL, &bound,
                                                &local_error));
  g_assert_no_error (local_error);
  thread = g_thread_new ("tls-server", server_thread, &server);

  g_socket_client_set_timeout (client, IO_TIMEOUT_SECONDS);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (bound), NULL,
                                        &local_error);
  g_assert_no_error (local_error);
  identity = g_network_address_new (host, 443);
  tls = g_tls_client_connection_new (G_IO_STREAM (connection), identity, &local_error);
  g_assert_no_error (local_error);
  g_tls_connection_set_database (G_TLS_CONNECTION (tls), database);

  ok = g_tls_connection_handshake (G_TLS_CONNECTION (tls), NULL, error);
  if (ok)
    {
      g_assert_true (g_input_stream_read_all (g_io_stream_get_input_stream (tls), buffer, 5,
                                              &got, NULL, &local_error));
      g_assert_no_error (local_error);
      g_assert_cmpstr (buffer, ==, "hello");
    }
  g_io_stream_close (tls, NULL, NULL);
  g_thread_join (thread);
  /* A server that handshook with a client that refused it is fine; the reverse
   * is not. */
  if (ok)
    g_assert_true (server.handshake_ok);
  return ok;
}

static void
test_extra_anchor_trusted (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = tm_tls_database_new (f->ca_file, &error);
  g_autoptr(GTlsCertificate) leaf = tm_ca_get_leaf (f->ca, "localhost", &error);
  g_autoptr(GTlsCertificate) ip_leaf = tm_ca_get_leaf (f->ca, "127.0.0.1", &error);

  g_assert_no_error (error);
  g_assert_true (handshake (leaf, database, "localhost", &error));
  g_assert_no_error (error);
  g_assert_true (handshake (ip_leaf, database, "127.0.0.1", &error));
  g_assert_no_error (error);
}

static void
test_system_store_alone_refuses (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = tm_tls_database_new (NULL, &error);
  g_autoptr(GTlsCertificate) leaf = tm_ca_get_leaf (f->ca, "localhost", &error);

  g_assert_no_error (error);
  /* The positive control of the test above, without the extra anchor. */
  g_assert_false (handshake (leaf, database, "localhost", &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

static void
test_extra_anchor_checks_identity (Fixture       *f,
                                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = tm_tls_database_new (f->ca_file, &error);
  g_autoptr(GTlsCertificate) leaf = tm_ca_get_leaf (f->ca, "other.example.test", &error);

  g_assert_no_error (error);
  g_assert_false (handshake (leaf, database, "localhost", &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

static void
test_other_anchor_refuses (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *other_dir = g_build_filename (f->tmp, "other", NULL);
  g_autofree char *other_file = g_build_filename (f->tmp, "other.pem", NULL);
  g_autoptr(TmCa) other = tm_ca_load_or_create (other_dir, &error);
  g_autofree char *other_pem = tm_ca_export_pem (other, &error);
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GTlsCertificate) leaf = tm_ca_get_leaf (f->ca, "localhost", &error);

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (other_file, other_pem, -1, NULL));
  database = tm_tls_database_new (other_file, &error);
  g_assert_no_error (error);
  g_assert_false (handshake (leaf, database, "localhost", &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
}

static void
test_unreadable_anchor_file (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *missing = g_build_filename (f->tmp, "missing.pem", NULL);
  g_autoptr(GTlsDatabase) database = tm_tls_database_new (missing, &error);

  g_assert_null (database);
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, missing));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/tls-database/extra-anchor/minted-leaf-is-trusted", test_extra_anchor_trusted);
  ADD ("/tls-database/system-store-alone/refuses-the-local-ca",
       test_system_store_alone_refuses);
  ADD ("/tls-database/extra-anchor/still-checks-the-host-name",
       test_extra_anchor_checks_identity);
  ADD ("/tls-database/extra-anchor/another-ca-is-refused", test_other_anchor_refuses);
  ADD ("/tls-database/extra-anchor/unreadable-file-is-an-error", test_unreadable_anchor_file);

#undef ADD

  return g_test_run ();
}
