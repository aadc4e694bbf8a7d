/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The preview shows what the proxy does: one redirect chain across two sites,
 * walked as a browser navigates through `temoinctl serve`, and fetched by
 * tm-preview, under several choices; both keep and block the same cookies at
 * the same hops. */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <libsoup/soup.h>

#include "tm-preview.h"
#include "tm-test-utils.h"

#define N TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY)
#define S TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS)
#define F TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY)
#define T TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY)

/* The origin: site-a.test and site-b.test, both this process's server. */

typedef struct {
  SoupServer *server;
  guint       port;
} Origin;

static void
origin_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Origin *origin = user_data;
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);

  if (g_str_equal (path, "/start"))
    {
      /* Unknown (context) and statistics cookies of the typed site. */
      soup_message_headers_append (response, "Set-Cookie", "a1=1; Path=/");
      soup_message_headers_append (response, "Set-Cookie", "_ga=GA1.1.42; Path=/");
      soup_message_headers_append (response, "Location", "/next");
      soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
    }
  else if (g_str_equal (path, "/next"))
    {
      g_autofree char *b = g_strdup_printf ("http://site-b.test:%u/b", origin->port);

      soup_message_headers_append (response, "Set-Cookie", "sessionid=s3; Path=/; HttpOnly");
      soup_message_headers_append (response, "Location", b);
      soup_server_message_set_status (msg, SOUP_STATUS_SEE_OTHER, NULL);
    }
  else if (g_str_equal (path, "/b"))
    {
      g_autofree char *back = g_strdup_printf ("http://site-a.test:%u/final", origin->port);

      /* The other site's hop: advertising (first- or third-party by context),
       * unknown, statistics. */
      soup_message_headers_append (response, "Set-Cookie", "IDE=ad; Path=/");
      soup_message_headers_append (response, "Set-Cookie", "b1=1; Path=/");
      soup_message_headers_append (response, "Set-Cookie", "_pk_id.9.abcd=x; Path=/");
      soup_message_headers_append (response, "Location", back);
      soup_server_message_set_status (msg, SOUP_STATUS_TEMPORARY_REDIRECT, NULL);
    }
  else if (g_str_equal (path, "/final"))
    {
      soup_message_headers_append (response, "Set-Cookie", "last=1; Path=/");
      soup_message_headers_append (response, "Set-Cookie", "_gid=GA1.1.7; Path=/");
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "final\n", 6);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
origin_start (Origin *origin)
{
  origin->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (origin->server, NULL, origin_handler, origin, NULL);
  origin->port = tm_test_server_listen (origin->server, SOUP_SERVER_LISTEN_IPV4_ONLY);
}

static void
origin_stop (Origin *origin)
{
  tm_test_server_disconnect (origin->server);
  g_clear_object (&origin->server);
}

/* `temoinctl serve` */

typedef struct {
  GSubprocess      *process;
  GDataInputStream *out;
  char             *uri;
} Serve;

static Serve *
serve_start (const char *dir,
             guint       origin_port)
{
  g_autofree char *resolve_a = g_strdup_printf ("site-a.test:%u:127.0.0.1", origin_port);
  g_autofree char *resolve_b = g_strdup_printf ("site-b.test:%u:127.0.0.1", origin_port);
  g_autofree char *first_line = NULL;
  g_autoptr(GError) error = NULL;
  Serve *serve = g_new0 (Serve, 1);

  serve->process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error,
                                     g_getenv ("TEMOINCTL"), "--data-dir", dir, "serve",
                                     "--port", "0", "--resolve", resolve_a,
                                     "--resolve", resolve_b, NULL);
  g_assert_no_error (error);
  serve->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve->process));
  first_line = g_data_input_stream_read_line (serve->out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first_line);
  g_assert_true (g_str_has_prefix (first_line, "listening on http://127.0.0.1:"));
  serve->uri = g_strdup (first_line + strlen ("listening on "));
  return serve;
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
  g_free (serve->uri);
  g_free (serve);
}

/* A browser's navigation through the proxy */

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

/* Walks the chain from @url through the proxy at @proxy_uri, as a browser
 * follows the redirects of a top-level navigation (each hop a document, sent
 * without cookies), and returns "HOP NAME" for every Set-Cookie the proxy let
 * through, one a line, in order. The origin answers on this thread's main
 * context, so the client is asynchronous. */
static char *
walk_through_proxy (const char *proxy_uri,
                    const char *url)
{
  g_autoptr(GProxyResolver) resolver = g_simple_proxy_resolver_new (proxy_uri, NULL);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("proxy-resolver", resolver,
                                                                  "timeout", 30, NULL);
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  g_autofree char *first_host = g_strdup (g_uri_get_host (uri));
  GString *kept = g_string_new (NULL);
  gboolean cross_site = FALSE;

  for (guint hop = 0; hop <= TM_PREVIEW_MAX_REDIRECTS; hop++)
    {
      g_autoptr(SoupMessage) msg = soup_message_new_from_uri (SOUP_METHOD_GET, uri);
      g_autoptr(GAsyncResult) result = NULL;
      g_autoptr(GBytes) body = NULL;
      g_autoptr(GError) error = NULL;
      SoupMessageHeaders *request = soup_message_get_request_headers (msg);
      SoupMessageHeaders *response;
      SoupMessageHeadersIter iter;
      const char *name, *value, *location;
      guint status;

      /* What Chromium sends on each hop of a typed navigation. */
      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
      cross_site |= g_ascii_strcasecmp (g_uri_get_host (uri), first_host) != 0;
      soup_message_headers_replace (request, "Sec-Fetch-Dest", "document");
      soup_message_headers_replace (request, "Sec-Fetch-Mode", "navigate");
      soup_message_headers_replace (request, "Sec-Fetch-Site",
                                    hop == 0 ? "none"
                                    : cross_site ? "cross-site" : "same-origin");

      soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, send_cb,
                                        &result);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
      body = soup_session_send_and_read_finish (session, result, &error);
      g_assert_no_error (error);

      status = soup_message_get_status (msg);
      response = soup_message_get_response_headers (msg);
      soup_message_headers_iter_init (&iter, response);
      while (soup_message_headers_iter_next (&iter, &name, &value))
        {
          const char *eq = strchr (value, '=');

          if (g_ascii_strcasecmp (name, "Set-Cookie") != 0)
            continue;
          g_assert_nonnull (eq);
          g_string_append_printf (kept, "%u %.*s\n", hop, (int) (eq - value), value);
        }

      location = soup_message_headers_get_one (response, "Location");
      if (!SOUP_STATUS_IS_REDIRECTION (status) || location == NULL)
        {
          g_assert_cmpuint (status, ==, SOUP_STATUS_OK);
          return g_string_free (kept, FALSE);
        }
      {
        GUri *next = g_uri_parse_relative (uri, location, SOUP_HTTP_URI_FLAGS, &error);

        g_assert_no_error (error);
        g_uri_unref (uri);
        uri = next;
      }
    }
  g_assert_not_reached ();
}

/* The same chain through tm-preview */

typedef struct {
  GListModel *items;
  GError     *error;
  gboolean    done;
} Fetch;

static void
fetch_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fetch *f = user_data;

  f->items = tm_preview_fetch_finish (TM_PREVIEW (source), result, NULL, NULL, &f->error);
  f->done = TRUE;
}

/* "HOP NAME" for every cookie the preview keeps, one a line, in order. */
static char *
walk_through_preview (guint         origin_port,
                      const char   *url,
                      TmCategories  accepted)
{
  g_autoptr(TmClassifier) classifier = tm_classifier_new ();
  g_autoptr(TmPreview) preview = tm_preview_new (classifier);
  g_autofree char *resolve_a = g_strdup_printf ("site-a.test:%u:127.0.0.1", origin_port);
  g_autofree char *resolve_b = g_strdup_printf ("site-b.test:%u:127.0.0.1", origin_port);
  g_autoptr(GError) error = NULL;
  GString *kept = g_string_new (NULL);
  Fetch f = { 0 };
  guint n;

  g_assert_true (tm_preview_add_resolve (preview, resolve_a, &error));
  g_assert_true (tm_preview_add_resolve (preview, resolve_b, &error));
  g_assert_no_error (error);

  tm_preview_fetch_async (preview, url, accepted, NULL, fetch_cb, &f);
  while (!f.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (f.error);

  n = g_list_model_get_n_items (f.items);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TmPreviewItem) item = g_list_model_get_item (f.items, i);

      if (tm_preview_item_get_keep (item))
        g_string_append_printf (kept, "%u %s\n", tm_preview_item_get_hop (item),
                                tm_preview_item_get_name (item));
    }
  g_object_unref (f.items);
  return g_string_free (kept, FALSE);
}

/* The test */

typedef struct {
  const char   *what;
  TmCategories  accepted;
  const char   *kept;   /* what both must keep: "HOP NAME" lines */
} Choice;

/* Hop 0 site-a.test/start, 1 site-a.test/next, 2 site-b.test/b, 3 site-a.test/final.
 * Each hop is a top-level navigation: site-b.test's cookies are first-party to
 * site-b.test, whatever the choice says of third-party cookies. */
static const Choice choices[] = {
  { "necessary-only", N, "1 sessionid\n" },
  { "statistics", N | S, "0 _ga\n1 sessionid\n2 _pk_id.9.abcd\n3 _gid\n" },
  { "first-party", N | F, "0 a1\n1 sessionid\n2 IDE\n2 b1\n3 last\n" },
  { "third-party", N | T, "1 sessionid\n" },
  { "everything", N | S | F | T,
    "0 a1\n0 _ga\n1 sessionid\n2 IDE\n2 b1\n2 _pk_id.9.abcd\n3 last\n3 _gid\n" },
};

static void
test_same_decisions (gconstpointer data)
{
  const Choice *choice = data;
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *url = NULL;
  g_autofree char *by_proxy = NULL;
  g_autofree char *by_preview = NULL;
  Origin origin = { 0 };
  Serve *serve;

  g_assert_cmpint (tm_test_temoinctl (dir, NULL, NULL, "consent", "set",
                                      choice->accepted & S ? "statistics=on"
                                                           : "statistics=off",
                                      choice->accepted & F ? "first-party=on"
                                                           : "first-party=off",
                                      choice->accepted & T ? "third-party=on"
                                                           : "third-party=off",
                                      NULL), ==, 0);
  origin_start (&origin);
  url = g_strdup_printf ("http://site-a.test:%u/start", origin.port);

  serve = serve_start (dir, origin.port);
  by_proxy = walk_through_proxy (serve->uri, url);
  serve_stop (serve);
  by_preview = walk_through_preview (origin.port, url, choice->accepted);

  g_test_message ("kept by the proxy:\n%skept by the preview:\n%s", by_proxy, by_preview);
  g_assert_cmpstr (by_preview, ==, by_proxy);
  /* And it is the behaviour a browser has, not an agreement on a mistake. */
  g_assert_cmpstr (by_proxy, ==, choice->kept);

  origin_stop (&origin);
  tm_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (choices); i++)
    {
      g_autofree char *path =
        g_strdup_printf ("/preview-proxy/redirect-chain/same-cookies-kept/%s",
                         choices[i].what);

      g_test_add_data_func (path, &choices[i], test_same_decisions);
    }

  return g_test_run ();
}
