/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tm-test-utils.h"

char *
tm_test_make_tmp_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("temoin-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
tm_test_rmdir (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (path == NULL)
    return;

  dir = g_dir_open (path, 0, NULL);
  if (dir == NULL)
    {
      g_unlink (path);
      return;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
        tm_test_rmdir (child);
      else
        g_unlink (child);
    }
  g_rmdir (path);
}

char *
tm_test_data_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", name, NULL);
}

int
tm_test_run_temoinctl (const char * const *argv,
                       char              **out_stdout,
                       char              **out_stderr)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *exe = g_getenv ("TEMOINCTL");
  int status = -1;

  g_assert_nonnull (exe);
  g_ptr_array_add (args, (char *) exe);
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (char *) argv[i]);
  g_ptr_array_add (args, NULL);

  g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                out_stdout, out_stderr, &status, &error);
  g_assert_no_error (error);

  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return -1;
}

int
tm_test_temoinctl_va (const char  *data_dir,
                      char       **out_stdout,
                      char       **out_stderr,
                      const char  *first,
                      va_list      args)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) argv = NULL;
  g_autofree char *joined = NULL;
  g_autofree char *valid = NULL;
  char *out = NULL;
  char *err = NULL;
  int status;

  if (data_dir != NULL)
    {
      g_strv_builder_add (builder, "--data-dir");
      g_strv_builder_add (builder, data_dir);
    }
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_strv_builder_add (builder, arg);
  argv = g_strv_builder_end (builder);

  status = tm_test_run_temoinctl ((const char * const *) argv, &out, &err);
  joined = g_strjoinv (" ", argv);
  /* The test log is TAP, read as UTF-8: bytes from a hostile argument are not. */
  valid = g_utf8_make_valid (joined, -1);
  g_test_message ("temoinctl %s → %d\nstdout: %s\nstderr: %s", valid, status, out, err);

  if (out_stdout != NULL)
    *out_stdout = out;
  else
    g_free (out);
  if (out_stderr != NULL)
    *out_stderr = err;
  else
    g_free (err);
  return status;
}

int
tm_test_temoinctl (const char  *data_dir,
                   char       **out_stdout,
                   char       **out_stderr,
                   const char  *first,
                   ...)
{
  va_list args;
  int status;

  va_start (args, first);
  status = tm_test_temoinctl_va (data_dir, out_stdout, out_stderr, first, args);
  va_end (args);
  return status;
}

/* libsoup 3.2's own listener keeps a reference to every socket it accepts
 * (fixed in 3.3), which LeakSanitizer reports in every test with an origin:
 * the tests accept their clients themselves, as the proxy does, and hand each
 * to the server as a stream. */
#define TEST_LISTENER_KEY "tm-test-listener"

typedef struct {
  SoupServer *server;    /* unowned: it owns this */
  GPtrArray  *sockets;   /* GSocket, listening */
  GPtrArray  *sources;   /* GSource, their accept watches */
  gboolean    https;
} TestListener;

static void
test_listener_free (TestListener *listener)
{
  for (guint i = 0; i < listener->sources->len; i++)
    g_source_destroy (g_ptr_array_index (listener->sources, i));
  g_ptr_array_unref (listener->sources);
  g_ptr_array_unref (listener->sockets);
  g_free (listener);
}

static gboolean
test_listener_accept_cb (GSocket      *socket,
                         GIOCondition  condition,
                         gpointer      user_data)
{
  TestListener *listener = user_data;
  g_autoptr(GSocket) client = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GIOStream) stream = NULL;

  client = g_socket_accept (socket, NULL, NULL);
  if (client == NULL)
    return G_SOURCE_CONTINUE;
  local = g_socket_get_local_address (client, NULL);
  remote = g_socket_get_remote_address (client, NULL);
  if (local == NULL || remote == NULL)
    return G_SOURCE_CONTINUE;
  /* As libsoup's listener does: a body written after its head must not wait
   * for the client's delayed ACK (Nagle, about 40 ms a response). */
  g_socket_set_option (client, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  stream = G_IO_STREAM (g_socket_connection_factory_create_connection (client));
  if (listener->https)
    {
      g_autoptr(GTlsCertificate) certificate = NULL;
      GIOStream *tls;

      g_object_get (listener->server, "tls-certificate", &certificate, NULL);
      tls = g_tls_server_connection_new (stream, certificate, NULL);
      if (tls == NULL)
        return G_SOURCE_CONTINUE;
      g_object_unref (stream);
      stream = tls;
    }
  soup_server_accept_iostream (listener->server, stream, local, remote, NULL);
  return G_SOURCE_CONTINUE;
}

static GSocket *
test_listen_on (GInetAddress *address,
                guint         port)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) where = g_inet_socket_address_new (address, port);

  socket = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, NULL);
  if (socket == NULL || !g_socket_bind (socket, where, TRUE, NULL) ||
      !g_socket_listen (socket, NULL))
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  return g_steal_pointer (&socket);
}

/* SoupServer 3.2 closes a keep-alive connection after each response unless it
 * has a listener of its own: one end of a socket pair whose other end is closed
 * never accepts anything. */
static void
test_anchor_server (SoupServer *server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) anchor = NULL;
  int fds[2];

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  close (fds[1]);
  anchor = g_socket_new_from_fd (fds[0], &error);
  g_assert_no_error (error);
  soup_server_listen_socket (server, anchor, 0, &error);
  g_assert_no_error (error);
}

guint
tm_test_server_listen (SoupServer             *server,
                       SoupServerListenOptions options)
{
  TestListener *listener = g_new0 (TestListener, 1);
  g_autoptr(GInetAddress) v4 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GInetAddress) v6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  GSocket *socket;
  guint port = 0;

  g_assert_null (g_object_get_data (G_OBJECT (server), TEST_LISTENER_KEY));
  listener->server = server;
  listener->https = (options & SOUP_SERVER_LISTEN_HTTPS) != 0;
  listener->sockets = g_ptr_array_new_with_free_func (g_object_unref);
  listener->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);

  if (!(options & SOUP_SERVER_LISTEN_IPV6_ONLY))
    {
      socket = test_listen_on (v4, 0);
      g_assert_nonnull (socket);
      g_ptr_array_add (listener->sockets, socket);
    }
  if (!(options & SOUP_SERVER_LISTEN_IPV4_ONLY))
    {
      /* On the IPv4 socket's port; a machine without IPv6 has only that one. */
      if (listener->sockets->len > 0)
        {
          g_autoptr(GSocketAddress) bound = g_socket_get_local_address (
            g_ptr_array_index (listener->sockets, 0), NULL);

          port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
        }
      socket = test_listen_on (v6, port);
      if (socket != NULL)
        g_ptr_array_add (listener->sockets, socket);
      g_assert_cmpuint (listener->sockets->len, >, 0);
    }
  {
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address (
      g_ptr_array_index (listener->sockets, 0), NULL);

    port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  }

  for (guint i = 0; i < listener->sockets->len; i++)
    {
      GSource *source = g_socket_create_source (g_ptr_array_index (listener->sockets, i),
                                                G_IO_IN, NULL);

      g_source_set_callback (source, (GSourceFunc) (void (*) (void)) test_listener_accept_cb,
                             listener, NULL);
      g_source_attach (source, g_main_context_get_thread_default ());
      g_ptr_array_add (listener->sources, source);
    }
  test_anchor_server (server);
  g_object_set_data_full (G_OBJECT (server), TEST_LISTENER_KEY, listener,
                          (GDestroyNotify) test_listener_free);
  return port;
}

void
tm_test_server_disconnect (SoupServer *server)
{
  g_object_set_data (G_OBJECT (server), TEST_LISTENER_KEY, NULL);
  soup_server_disconnect (server);
}
