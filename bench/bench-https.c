/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-https: a load client for a forward proxy, over plain HTTP (absolute-URI
 * requests) or over HTTPS (CONNECT, then TLS verified against --cafile, then
 * requests inside the tunnel). wrk cannot speak CONNECT; this can.
 *
 * It uses GnuTLS and plain sockets directly, not GIO: the client shares the
 * machine's two cores with the proxy and the origin, and GIO's TLS layer
 * (glib-networking) adds a GObject stream stack, locks and, for clients, TLS
 * session resumption of its own per connection. With GnuTLS every handshake is
 * a full one, as a browser's first visit, and the client costs as little CPU as
 * it can (it prints its own CPU time per request so that this can be checked).
 *
 * One thread per connection, blocking I/O with a timeout. Only requests that
 * finished before the end of the run count; figures go to one machine-readable
 * line on standard output (see --help). Exit status: 0 when at least one request
 * succeeded, 1 when none did, 2 on bad usage. */
#define G_LOG_DOMAIN "temoin-bench"

#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib.h>
#include <gnutls/gnutls.h>

#define BUFFER_SIZE   (64 * 1024)
#define MAX_HEAD      (32 * 1024)   /* status line and headers, at most */
#define ERRORS_SHOWN  3             /* messages printed per kind of error */

typedef enum {
  MODE_KEEPALIVE,
  MODE_HANDSHAKE,
} Mode;

typedef enum {
  ERR_CONNECT,   /* the TCP connection to the proxy */
  ERR_PROXY,     /* CONNECT not answered 2xx */
  ERR_TLS,       /* the TLS handshake, other than verification */
  ERR_VERIFY,    /* the server's certificate failed verification */
  ERR_IO,        /* a read or write failed, a timeout, a malformed response */
  ERR_STATUS,    /* a complete response whose status is not 200 */
  N_ERRORS
} ErrorKind;

static const char * const error_names[N_ERRORS] = {
  "connect", "proxy", "tls", "verify", "io", "status",
};

typedef struct {
  /* configuration, read-only once the workers run */
  char                            *label;
  Mode                             mode;
  gboolean                         https;
  char                            *host;          /* without brackets */
  int                              port;
  struct sockaddr_storage          proxy_addr;
  socklen_t                        proxy_addr_len;
  char                            *connect_head;  /* CONNECT request, https only */
  char                            *request;       /* the GET */
  gsize                            request_len;
  gnutls_certificate_credentials_t credentials;
  gnutls_priority_t                priority;      /* parsed once: not per handshake */
  int                              timeout_s;
  gint64                           start_us;
  gint64                           deadline_us;

  /* shared while running */
  gint                             budget;        /* iterations left; < 0: no limit */
  GMutex                           print_mutex;
  guint                            shown[N_ERRORS];
} Bench;

typedef struct {
  Bench   *bench;
  GThread *thread;
  GArray  *latencies;             /* guint32, µs, of the successful requests */
  guint64  body_bytes;
  guint64  errors[N_ERRORS];
  gint64   last_end_us;
} Worker;

typedef struct {
  int              fd;
  gnutls_session_t tls;           /* NULL: plain */
  char            *buf;
  gsize            start;
  gsize            end;
} Conn;

typedef struct {
  int      status;
  gboolean chunked;
  gint64   content_length;        /* -1: none */
  gboolean close;                 /* the server closes after this response */
} Head;

/* Errors */

static void
report_error (Worker     *w,
              ErrorKind   kind,
              const char *format,
              ...) G_GNUC_PRINTF (3, 4);

static void
report_error (Worker     *w,
              ErrorKind   kind,
              const char *format,
              ...)
{
  Bench *b = w->bench;
  va_list args;

  w->errors[kind]++;
  g_mutex_lock (&b->print_mutex);
  if (b->shown[kind] < ERRORS_SHOWN)
    {
      g_autofree char *message = NULL;

      va_start (args, format);
      message = g_strdup_vprintf (format, args);
      va_end (args);
      b->shown[kind]++;
      fprintf (stderr, "bench-https: %s: %s error: %s%s\n", b->label, error_names[kind],
               message, b->shown[kind] == ERRORS_SHOWN ? " (further ones only counted)" : "");
    }
  g_mutex_unlock (&b->print_mutex);
}

/* Connections */

static void
conn_close (Conn *c)
{
  if (c->tls != NULL)
    {
      gnutls_deinit (c->tls);
      c->tls = NULL;
    }
  if (c->fd >= 0)
    {
      close (c->fd);
      c->fd = -1;
    }
  c->start = c->end = 0;
}

static gboolean
conn_write (Conn       *c,
            const char *data,
            gsize       len,
            char      **message)
{
  while (len > 0)
    {
      ssize_t n;

      if (c->tls != NULL)
        {
          n = gnutls_record_send (c->tls, data, len);
          if (n == GNUTLS_E_INTERRUPTED)
            continue;
          if (n < 0)
            {
              *message = g_strdup_printf ("writing: %s", gnutls_strerror ((int) n));
              return FALSE;
            }
        }
      else
        {
          n = send (c->fd, data, len, MSG_NOSIGNAL);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              *message = g_strdup_printf ("writing: %s", g_strerror (errno));
              return FALSE;
            }
        }
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

/* Reads more into the buffer (after moving what is left to its start). Returns
 * the number of bytes read, 0 at the end of the stream, -1 on error. */
static gssize
conn_fill (Conn  *c,
           char **message)
{
  gssize n;

  if (c->start > 0)
    {
      memmove (c->buf, c->buf + c->start, c->end - c->start);
      c->end -= c->start;
      c->start = 0;
    }
  if (c->end == BUFFER_SIZE)
    {
      *message = g_strdup ("a response line longer than the buffer");
      return -1;
    }
  for (;;)
    {
      if (c->tls != NULL)
        {
          n = gnutls_record_recv (c->tls, c->buf + c->end, BUFFER_SIZE - c->end);
          if (n == GNUTLS_E_INTERRUPTED)
            continue;
          /* A peer closing without close_notify ends a response read to the end. */
          if (n == GNUTLS_E_PREMATURE_TERMINATION)
            n = 0;
          if (n < 0)
            {
              *message = g_strdup_printf ("reading: %s", n == GNUTLS_E_AGAIN
                                            ? "timed out" : gnutls_strerror ((int) n));
              return -1;
            }
        }
      else
        {
          n = recv (c->fd, c->buf + c->end, BUFFER_SIZE - c->end, 0);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              *message = g_strdup_printf ("reading: %s", errno == EAGAIN || errno == EWOULDBLOCK
                                            ? "timed out" : g_strerror (errno));
              return -1;
            }
        }
      c->end += (gsize) n;
      return n;
    }
}

/* The next line (without CRLF), at most MAX_HEAD long; NULL on error or EOF. */
static char *
conn_read_line (Conn  *c,
                char **message)
{
  for (;;)
    {
      char *nl = memchr (c->buf + c->start, '\n', c->end - c->start);
      gssize n;

      if (nl != NULL)
        {
          gsize len = (gsize) (nl - (c->buf + c->start));
          char *line = g_strndup (c->buf + c->start, len);

          c->start += len + 1;
          if (len > 0 && line[len - 1] == '\r')
            line[len - 1] = '\0';
          return line;
        }
      if (c->end - c->start > MAX_HEAD)
        {
          *message = g_strdup ("a header line too long");
          return NULL;
        }
      n = conn_fill (c, message);
      if (n <= 0)
        {
          if (n == 0)
            *message = g_strdup ("the connection closed before the end of the response");
          return NULL;
        }
    }
}

/* Discards @len bytes, or everything up to the end of the stream when @len < 0. */
static gboolean
conn_skip (Conn    *c,
           gint64   len,
           guint64 *counted,
           char   **message)
{
  while (len != 0)
    {
      gsize have = c->end - c->start;
      gsize take = len < 0 ? have : MIN (have, (guint64) len);
      gssize n;

      c->start += take;
      *counted += take;
      if (len > 0)
        len -= (gint64) take;
      if (len == 0)
        break;
      n = conn_fill (c, message);
      if (n < 0)
        return FALSE;
      if (n == 0)
        {
          if (len < 0)
            return TRUE;
          *message = g_strdup ("the connection closed in the middle of a body");
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
read_head (Conn  *c,
           Head  *head,
           char **message)
{
  g_autofree char *status_line = conn_read_line (c, message);
  guint headers = 0;

  if (status_line == NULL)
    return FALSE;
  if (!g_str_has_prefix (status_line, "HTTP/1.") || strlen (status_line) < 12 ||
      !g_ascii_isdigit (status_line[9]))
    {
      *message = g_strdup_printf ("not an HTTP/1 status line: %.60s", status_line);
      return FALSE;
    }
  head->status = atoi (status_line + 9);
  head->chunked = FALSE;
  head->content_length = -1;
  head->close = g_str_has_prefix (status_line, "HTTP/1.0");

  for (;;)
    {
      g_autofree char *line = conn_read_line (c, message);
      char *colon, *value;

      if (line == NULL)
        return FALSE;
      if (line[0] == '\0')
        return TRUE;
      if (++headers > 200)
        {
          *message = g_strdup ("too many headers");
          return FALSE;
        }
      colon = strchr (line, ':');
      if (colon == NULL)
        continue;
      *colon = '\0';
      value = g_strstrip (colon + 1);
      if (g_ascii_strcasecmp (line, "Content-Length") == 0)
        head->content_length = g_ascii_strtoll (value, NULL, 10);
      else if (g_ascii_strcasecmp (line, "Transfer-Encoding") == 0)
        head->chunked = g_ascii_strcasecmp (value, "chunked") == 0 ||
                        g_str_has_suffix (value, "chunked");
      else if (g_ascii_strcasecmp (line, "Connection") == 0 ||
               g_ascii_strcasecmp (line, "Proxy-Connection") == 0)
        {
          if (g_ascii_strncasecmp (value, "close", 5) == 0)
            head->close = TRUE;
        }
    }
}

/* The body after @head: chunked, Content-Length, or up to the end of the stream. */
static gboolean
read_body (Conn       *c,
           const Head *head,
           guint64    *body_bytes,
           char      **message)
{
  if (head->status == 204 || head->status == 304 || (head->status >= 100 && head->status < 200))
    return TRUE;
  if (head->chunked)
    {
      for (;;)
        {
          g_autofree char *size_line = conn_read_line (c, message);
          char *end = NULL;
          guint64 size;

          if (size_line == NULL)
            return FALSE;
          size = g_ascii_strtoull (size_line, &end, 16);
          if (end == size_line)
            {
              *message = g_strdup_printf ("a bad chunk size: %.30s", size_line);
              return FALSE;
            }
          if (size == 0)
            break;
          if (!conn_skip (c, (gint64) size, body_bytes, message))
            return FALSE;
          {
            g_autofree char *crlf = conn_read_line (c, message);   /* after the data */

            if (crlf == NULL)
              return FALSE;
          }
        }
      for (;;)   /* trailers, up to an empty line */
        {
          g_autofree char *line = conn_read_line (c, message);

          if (line == NULL)
            return FALSE;
          if (line[0] == '\0')
            return TRUE;
        }
    }
  if (head->content_length >= 0)
    return conn_skip (c, head->content_length, body_bytes, message);
  if (!head->close)
    {
      *message = g_strdup ("a response without length on a kept-alive connection");
      return FALSE;
    }
  return conn_skip (c, -1, body_bytes, message);
}

static void
set_socket_options (int fd,
                    int timeout_s)
{
  struct timeval tv = { .tv_sec = timeout_s, .tv_usec = 0 };
  int one = 1;

  setsockopt (fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static gboolean
is_ip_address (const char *host)
{
  struct in6_addr addr;

  return inet_pton (AF_INET, host, &addr) == 1 || inet_pton (AF_INET6, host, &addr) == 1;
}

/* A new connection to the proxy; for https, the tunnel and the TLS handshake. */
static gboolean
conn_open (Worker *w,
           Conn   *c)
{
  Bench *b = w->bench;
  g_autofree char *message = NULL;
  Head head;
  guint64 ignored = 0;
  int ret;

  c->fd = socket (b->proxy_addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    {
      report_error (w, ERR_CONNECT, "socket: %s", g_strerror (errno));
      return FALSE;
    }
  set_socket_options (c->fd, b->timeout_s);
  while ((ret = connect (c->fd, (struct sockaddr *) &b->proxy_addr, b->proxy_addr_len)) < 0 &&
         errno == EINTR)
    ;
  if (ret < 0)
    {
      report_error (w, ERR_CONNECT, "connecting to the proxy: %s", g_strerror (errno));
      goto fail;
    }
  if (!b->https)
    return TRUE;

  if (!conn_write (c, b->connect_head, strlen (b->connect_head), &message) ||
      !read_head (c, &head, &message))
    {
      report_error (w, ERR_IO, "CONNECT: %s", message);
      goto fail;
    }
  if (head.status < 200 || head.status >= 300)
    {
      /* Read the error page, to show what the proxy said. */
      read_body (c, &head, &ignored, &message);
      report_error (w, ERR_PROXY, "CONNECT answered %d", head.status);
      goto fail;
    }
  if (c->end != c->start)
    {
      report_error (w, ERR_PROXY, "bytes after the CONNECT answer, before the handshake");
      goto fail;
    }

  gnutls_init (&c->tls, GNUTLS_CLIENT);
  gnutls_priority_set (c->tls, b->priority);
  gnutls_credentials_set (c->tls, GNUTLS_CRD_CERTIFICATE, b->credentials);
  if (!is_ip_address (b->host))
    gnutls_server_name_set (c->tls, GNUTLS_NAME_DNS, b->host, strlen (b->host));
  /* The server's identity is always checked: chain to --cafile and host name. */
  gnutls_session_set_verify_cert (c->tls, b->host, 0);
  {
    gnutls_datum_t alpn = { (unsigned char *) "http/1.1", 8 };

    gnutls_alpn_set_protocols (c->tls, &alpn, 1, 0);
  }
  gnutls_transport_set_int (c->tls, c->fd);
  do
    ret = gnutls_handshake (c->tls);
  while (ret == GNUTLS_E_INTERRUPTED || ret == GNUTLS_E_WARNING_ALERT_RECEIVED);
  if (ret == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
    {
      unsigned int status = gnutls_session_get_verify_cert_status (c->tls);
      gnutls_datum_t out = { NULL, 0 };

      gnutls_certificate_verification_status_print (status, GNUTLS_CRT_X509, &out, 0);
      report_error (w, ERR_VERIFY, "%s: %s", b->host,
                    out.data != NULL ? (char *) out.data : gnutls_strerror (ret));
      gnutls_free (out.data);
      goto fail;
    }
  if (ret < 0)
    {
      report_error (w, ERR_TLS, "handshake with %s: %s", b->host,
                    ret == GNUTLS_E_AGAIN ? "timed out" : gnutls_strerror (ret));
      goto fail;
    }
  return TRUE;

fail:
  conn_close (c);
  return FALSE;
}

/* Workers */

static gboolean
take_iteration (Bench *b)
{
  int left;

  if (g_get_monotonic_time () >= b->deadline_us)
    return FALSE;
  do
    {
      left = g_atomic_int_get (&b->budget);
      if (left == 0)
        return FALSE;
      if (left < 0)
        return TRUE;
    }
  while (!g_atomic_int_compare_and_exchange (&b->budget, left, left - 1));
  return TRUE;
}

static gpointer
worker_run (gpointer data)
{
  Worker *w = data;
  Bench *b = w->bench;
  g_autofree char *buf = g_malloc (BUFFER_SIZE);
  Conn c = { .fd = -1, .tls = NULL, .buf = buf, .start = 0, .end = 0 };

  while (take_iteration (b))
    {
      g_autofree char *message = NULL;
      gint64 t0 = g_get_monotonic_time ();
      gint64 t1;
      guint64 bytes = 0;
      Head head;

      if (c.fd < 0 && !conn_open (w, &c))
        {
          /* Do not spin on a proxy that refuses: a short pause. */
          g_usleep (10 * 1000);
          continue;
        }
      if (!conn_write (&c, b->request, b->request_len, &message) ||
          !read_head (&c, &head, &message) || !read_body (&c, &head, &bytes, &message))
        {
          report_error (w, ERR_IO, "%s", message);
          conn_close (&c);
          continue;
        }
      t1 = g_get_monotonic_time ();
      if (b->mode == MODE_HANDSHAKE || head.close)
        conn_close (&c);
      if (t1 > b->deadline_us)   /* finished after the end: not counted */
        break;
      w->last_end_us = t1;
      if (head.status != 200)
        {
          report_error (w, ERR_STATUS, "HTTP status %d", head.status);
          continue;
        }
      {
        guint32 us = (guint32) MIN (t1 - t0, (gint64) G_MAXUINT32);

        g_array_append_val (w->latencies, us);
      }
      w->body_bytes += bytes;
    }
  conn_close (&c);
  return NULL;
}

/* Set-up */

static gboolean
parse_proxy (Bench       *b,
             const char  *proxy,
             GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (proxy, G_URI_FLAGS_NONE, error);
  g_autofree char *port = NULL;
  struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
  struct addrinfo *res = NULL;
  int ret;

  if (uri == NULL)
    return FALSE;
  if (g_strcmp0 (g_uri_get_scheme (uri), "http") != 0 || g_uri_get_host (uri) == NULL)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--proxy: want http://HOST:PORT, got %s", proxy);
      return FALSE;
    }
  port = g_strdup_printf ("%d", g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : 80);
  ret = getaddrinfo (g_uri_get_host (uri), port, &hints, &res);
  if (ret != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--proxy: cannot resolve %s: %s", g_uri_get_host (uri), gai_strerror (ret));
      return FALSE;
    }
  memcpy (&b->proxy_addr, res->ai_addr, res->ai_addrlen);
  b->proxy_addr_len = res->ai_addrlen;
  freeaddrinfo (res);
  return TRUE;
}

static gboolean
parse_url (Bench       *b,
           const char  *url,
           gboolean     close,
           GError     **error)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED, error);
  const char *scheme, *path, *query;
  g_autofree char *host_port = NULL;
  g_autofree char *host_header = NULL;
  g_autofree char *target = NULL;
  int default_port;

  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  if (g_strcmp0 (scheme, "http") != 0 && g_strcmp0 (scheme, "https") != 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--url: want an http:// or https:// URL, got %s", url);
      return FALSE;
    }
  if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "--url: no host in %s", url);
      return FALSE;
    }
  b->https = g_strcmp0 (scheme, "https") == 0;
  default_port = b->https ? 443 : 80;
  b->host = g_strdup (g_uri_get_host (uri));
  b->port = g_uri_get_port (uri) > 0 ? g_uri_get_port (uri) : default_port;

  host_port = g_strdup_printf (strchr (b->host, ':') != NULL ? "[%s]:%d" : "%s:%d",
                               b->host, b->port);
  host_header = b->port == default_port
                  ? g_strdup_printf (strchr (b->host, ':') != NULL ? "[%s]" : "%s", b->host)
                  : g_strdup (host_port);
  path = *g_uri_get_path (uri) != '\0' ? g_uri_get_path (uri) : "/";
  query = g_uri_get_query (uri);
  target = g_strconcat (b->https ? "" : "http://", b->https ? "" : host_header, path,
                        query != NULL ? "?" : "", query != NULL ? query : "", NULL);

  if (b->https)
    b->connect_head = g_strdup_printf ("CONNECT %s HTTP/1.1\r\nHost: %s\r\n"
                                       "User-Agent: bench-https\r\n\r\n", host_port, host_port);
  b->request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: bench-https\r\n"
                                "Accept: */*\r\n%s\r\n", target, host_header,
                                close ? "Connection: close\r\n" : "");
  b->request_len = strlen (b->request);
  return TRUE;
}

static int
compare_u32 (gconstpointer a,
             gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;

  return x < y ? -1 : x > y;
}

static guint32
percentile (GArray *sorted,
            double  p)
{
  gsize i;

  if (sorted->len == 0)
    return 0;
  /* nearest rank */
  i = (gsize) (p / 100.0 * sorted->len + 0.999999);
  i = CLAMP (i, 1, sorted->len);
  return g_array_index (sorted, guint32, i - 1);
}

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *proxy = NULL;
  g_autofree char *url = NULL;
  g_autofree char *cafile = NULL;
  g_autofree char *mode = NULL;
  g_autofree char *label = NULL;
  int connections = 1;
  double duration = 10;
  int requests = 0;
  int timeout_s = 10;
  const GOptionEntry entries[] = {
    { "proxy", 0, 0, G_OPTION_ARG_STRING, &proxy,
      "The proxy (required)", "http://HOST:PORT" },
    { "url", 0, 0, G_OPTION_ARG_STRING, &url,
      "What to fetch through it (required): http:// for absolute-URI requests, https:// "
      "for CONNECT and TLS", "URL" },
    { "cafile", 0, 0, G_OPTION_ARG_FILENAME, &cafile,
      "Trust only the CA certificates of FILE (PEM) for https:// (default: the system's)",
      "FILE" },
    { "connections", 'c', 0, G_OPTION_ARG_INT, &connections,
      "Concurrent connections, one thread each (default: 1)", "N" },
    { "duration", 'd', 0, G_OPTION_ARG_DOUBLE, &duration,
      "Length of the run in seconds (default: 10)", "SECS" },
    { "mode", 'm', 0, G_OPTION_ARG_STRING, &mode,
      "keepalive: one connection per worker, requests one after the other (default); "
      "handshake: a new connection (and TLS handshake) for each request", "MODE" },
    { "requests", 'n', 0, G_OPTION_ARG_INT, &requests,
      "Stop after N requests in all, or at the end of the duration (default: no limit)",
      "N" },
    { "timeout", 0, 0, G_OPTION_ARG_INT, &timeout_s,
      "Give up on a read or write after SECS seconds (default: 10)", "SECS" },
    { "label", 'l', 0, G_OPTION_ARG_STRING, &label,
      "Name of this run in the result line (default: the mode)", "LABEL" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) all = NULL;
  g_autofree Worker *workers = NULL;
  Bench b = { 0 };
  guint64 body_bytes = 0;
  guint64 errors[N_ERRORS] = { 0 };
  guint64 total_errors = 0;
  gint64 end_us = 0;
  double elapsed, cpu0, cpu1;
  int ret;

  context = g_option_context_new ("- load a forward proxy over HTTP or HTTPS (CONNECT)");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_description (context,
    "Prints one line:\n"
    "  HTTPS label=L mode=M scheme=S conns=N seconds=T requests=R rate=R/T mb_per_s=M\n"
    "        errors=E p50_us= p99_us= max_us= client_cpu_us_per_req=\n"
    "        err_connect= err_proxy= err_tls= err_verify= err_io= err_status=\n"
    "rate is successful requests (200, whole body read) per second: in handshake mode,\n"
    "new connections (TLS handshakes for https://) per second. mb_per_s is response\n"
    "body bytes (10^6) per second. Latencies are per request, connection set-up\n"
    "included when the request needed one. The first errors of each kind are printed\n"
    "on standard error; a certificate that fails verification is an error, never\n"
    "skipped. Exit status: 0 if a request succeeded, 1 if none did, 2 on bad usage.\n"
    "\n"
    "Example: bench-https --proxy http://127.0.0.1:7733 --cafile temoin-ca.pem \\\n"
    "           --url https://localhost:8443/page.html -c 32 -d 10 --mode handshake");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      fprintf (stderr, "bench-https: %s (see --help)\n", error->message);
      return 2;
    }
  if (argc > 1 || proxy == NULL || url == NULL)
    {
      fprintf (stderr, "bench-https: %s (see --help)\n",
               argc > 1 ? "unexpected arguments" : "--proxy and --url are required");
      return 2;
    }
  if (mode == NULL || strcmp (mode, "keepalive") == 0)
    b.mode = MODE_KEEPALIVE;
  else if (strcmp (mode, "handshake") == 0)
    b.mode = MODE_HANDSHAKE;
  else
    {
      fprintf (stderr, "bench-https: --mode: handshake or keepalive, not %s\n", mode);
      return 2;
    }
  if (connections < 1 || connections > 4096 || duration <= 0 || requests < 0 || timeout_s < 1)
    {
      fprintf (stderr, "bench-https: --connections (1-4096), --duration and --timeout must be "
               "positive, --requests not negative\n");
      return 2;
    }
  if (!parse_proxy (&b, proxy, &error) ||
      !parse_url (&b, url, b.mode == MODE_HANDSHAKE, &error))
    {
      fprintf (stderr, "bench-https: %s\n", error->message);
      return 2;
    }
  b.label = g_strdup (label != NULL ? label : b.mode == MODE_HANDSHAKE ? "handshake"
                                                                           : "keepalive");
  b.timeout_s = timeout_s;
  b.budget = requests > 0 ? requests : -1;
  g_mutex_init (&b.print_mutex);

  if (b.https)
    {
      gnutls_global_init ();
      gnutls_certificate_allocate_credentials (&b.credentials);
      if (cafile != NULL)
        ret = gnutls_certificate_set_x509_trust_file (b.credentials, cafile,
                                                      GNUTLS_X509_FMT_PEM);
      else
        ret = gnutls_certificate_set_x509_system_trust (b.credentials);
      if (ret <= 0)
        {
          fprintf (stderr, "bench-https: no CA certificate could be read from %s%s%s; give "
                   "a PEM file with --cafile\n", cafile != NULL ? cafile : "the system store",
                   ret < 0 ? ": " : "", ret < 0 ? gnutls_strerror (ret) : "");
          return 2;
        }
      /* The library's defaults (and the system's policy), as a browser would. */
      ret = gnutls_priority_init (&b.priority, NULL, NULL);
      if (ret < 0)
        {
          fprintf (stderr, "bench-https: the default TLS priorities: %s\n", gnutls_strerror (ret));
          return 2;
        }
    }
  else if (cafile != NULL)
    fprintf (stderr, "bench-https: --cafile is not used for an http:// URL\n");

  /* A peer that closes while we write must be an error, not a signal. */
  signal (SIGPIPE, SIG_IGN);

  workers = g_new0 (Worker, connections);
  cpu0 = cpu_seconds ();
  b.start_us = g_get_monotonic_time ();
  b.deadline_us = b.start_us + (gint64) (duration * G_USEC_PER_SEC);
  for (int i = 0; i < connections; i++)
    {
      workers[i].bench = &b;
      workers[i].latencies = g_array_sized_new (FALSE, FALSE, sizeof (guint32), 4096);
      workers[i].thread = g_thread_new ("bench-https", worker_run, &workers[i]);
    }

  all = g_array_new (FALSE, FALSE, sizeof (guint32));
  for (int i = 0; i < connections; i++)
    {
      Worker *w = &workers[i];

      g_thread_join (w->thread);
      g_array_append_vals (all, w->latencies->data, w->latencies->len);
      body_bytes += w->body_bytes;
      for (int k = 0; k < N_ERRORS; k++)
        errors[k] += w->errors[k];
      end_us = MAX (end_us, w->last_end_us);
      g_array_unref (w->latencies);
    }
  cpu1 = cpu_seconds ();

  /* A run with a request budget may end before its deadline. */
  elapsed = (requests > 0 && end_us > b.start_us ? MIN (end_us, b.deadline_us)
                                                  : b.deadline_us) - b.start_us;
  elapsed /= G_USEC_PER_SEC;
  for (int k = 0; k < N_ERRORS; k++)
    total_errors += errors[k];
  g_array_sort (all, compare_u32);

  printf ("HTTPS label=%s mode=%s scheme=%s conns=%d seconds=%.3f requests=%u rate=%.1f "
          "mb_per_s=%.3f errors=%" G_GUINT64_FORMAT " p50_us=%u p99_us=%u max_us=%u "
          "client_cpu_us_per_req=%.1f",
          b.label, b.mode == MODE_HANDSHAKE ? "handshake" : "keepalive",
          b.https ? "https" : "http", connections, elapsed, all->len, all->len / elapsed,
          body_bytes / elapsed / 1e6, total_errors, percentile (all, 50), percentile (all, 99),
          all->len > 0 ? g_array_index (all, guint32, all->len - 1) : 0,
          all->len > 0 ? (cpu1 - cpu0) * 1e6 / all->len : 0.0);
  for (int k = 0; k < N_ERRORS; k++)
    printf (" err_%s=%" G_GUINT64_FORMAT, error_names[k], errors[k]);
  printf ("\n");
  fflush (stdout);

  if (b.credentials != NULL)
    {
      gnutls_priority_deinit (b.priority);
      gnutls_certificate_free_credentials (b.credentials);
      gnutls_global_deinit ();
    }
  g_mutex_clear (&b.print_mutex);
  g_free (b.label);
  g_free (b.host);
  g_free (b.connect_head);
  g_free (b.request);
  return all->len > 0 ? 0 : 1;
}
