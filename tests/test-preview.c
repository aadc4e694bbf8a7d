/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The preview: the charter's site as a scenario under every choice, and real
 * URLs fetched from a local origin (redirect chains across two sites, cookies
 * sent on along the chain, a final 404, errors, cancel and timeout). */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "tm-charter.h"
#include "tm-consent-store.h"
#include "tm-preview.h"
#include "tm-rules.h"
#include "tm-test-utils.h"

#define N TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY)
#define S TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS)
#define F TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY)
#define T TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY)

/* Scenario */

typedef struct {
  const char   *what;
  TmCategories  accepted;
  gboolean      own_statistics_kept;   /* _ga, _gid, _pk_id.1.* on the charter's site */
  gboolean      ad_kept;               /* IDE from ad.doubleclick.net */
  gboolean      other_statistics_kept; /* a statistics cookie from another site */
} ScenarioRow;

static const ScenarioRow scenario_rows[] = {
  { "necessary-only", N, FALSE, FALSE, FALSE },
  { "statistics", N | S, TRUE, FALSE, FALSE },
  { "first-party", N | F, FALSE, FALSE, FALSE },
  { "third-party", N | T, FALSE, TRUE, FALSE },
  { "statistics-and-first-party", N | S | F, TRUE, FALSE, FALSE },
  { "statistics-and-third-party", N | S | T, TRUE, TRUE, TRUE },
  { "first-party-and-third-party", N | F | T, FALSE, TRUE, FALSE },
  { "everything", N | S | F | T, TRUE, TRUE, TRUE },
};

static void
test_scenario_row (gconstpointer data)
{
  const ScenarioRow *row = data;
  g_autoptr(TmClassifier) classifier = tm_classifier_new ();
  g_autoptr(GListModel) items = tm_preview_run_scenario (classifier, row->accepted);
  const char *host = tm_charter_get_host ();
  gsize n_charter;
  guint i;

  tm_charter_get_cookies (&n_charter);
  g_assert_cmpuint (n_charter, ==, 4);
  g_assert_cmpuint (g_list_model_get_n_items (items), ==, 4 + 3 + 2);

  /* The charter's four cookies: necessary, always kept, from the charter. */
  for (i = 0; i < 4; i++)
    {
      g_autoptr(TmPreviewItem) item = g_list_model_get_item (items, i);

      g_assert_cmpstr (tm_preview_item_get_site (item), ==, host);
      g_assert_cmphex (tm_preview_item_get_categories (item), ==, N);
      g_assert_true (tm_preview_item_get_keep (item));
      g_assert_cmpint (tm_preview_item_get_source (item), ==, TM_SOURCE_CHARTER);
    }
  /* The site's own statistics. */
  for (; i < 7; i++)
    {
      g_autoptr(TmPreviewItem) item = g_list_model_get_item (items, i);
      g_autofree char *reason = tm_preview_item_dup_reason (item, FALSE);

      g_assert_cmpstr (tm_preview_item_get_site (item), ==, host);
      g_assert_cmphex (tm_preview_item_get_categories (item), ==, S);
      g_assert_cmpint (tm_preview_item_get_keep (item), ==, row->own_statistics_kept);
      g_assert_cmpint (tm_preview_item_get_source (item), ==, TM_SOURCE_BUILTIN);
      if (g_str_equal (tm_preview_item_get_name (item), "_ga"))
        g_assert_cmpstr (reason, ==, row->own_statistics_kept
                         ? "statistics cookie (_ga, Google Analytics): accepted"
                         : "statistics cookie (_ga, Google Analytics): statistics are refused");
    }
  /* Another site's advertising cookie, embedded. */
  {
    g_autoptr(TmPreviewItem) item = g_list_model_get_item (items, 7);

    g_assert_cmpstr (tm_preview_item_get_name (item), ==, "IDE");
    g_assert_cmpstr (tm_preview_item_get_site (item), ==, "ad.doubleclick.net");
    g_assert_cmphex (tm_preview_item_get_categories (item), ==, T);
    g_assert_cmpint (tm_preview_item_get_keep (item), ==, row->ad_kept);
  }
  /* Another site's statistics cookie carries both categories. */
  {
    g_autoptr(TmPreviewItem) item = g_list_model_get_item (items, 8);

    g_assert_cmphex (tm_preview_item_get_categories (item), ==, S | T);
    g_assert_cmpint (tm_preview_item_get_keep (item), ==, row->other_statistics_kept);
  }
}

/* The user's word wins in the scenario too: an exception for the charter's
 * site keeps its statistics under "necessary only"; an override makes the
 * embedded IDE necessary. */
static void
test_scenario_with_rules (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsentStore) store = tm_consent_store_new (dir, &error);
  g_autoptr(TmRules) rules = NULL;
  g_autoptr(TmClassifier) classifier = tm_classifier_new ();
  g_autoptr(GListModel) items = NULL;
  g_autoptr(TmPreviewItem) ga = NULL;
  g_autoptr(TmPreviewItem) ide = NULL;
  g_autofree char *reason = NULL;

  g_assert_no_error (error);
  g_assert_true (tm_rules_store_add_exception (store, "opendatasoft.com", &error));
  g_assert_true (tm_rules_store_set_override (store, "IDE", "doubleclick.net", N, &error));
  rules = tm_rules_new (store, &error);
  g_assert_no_error (error);
  tm_classifier_set_rules (classifier, rules);

  items = tm_preview_run_scenario (classifier, N);
  ga = g_list_model_get_item (items, 4);
  g_assert_cmpstr (tm_preview_item_get_name (ga), ==, "_ga");
  g_assert_true (tm_preview_item_get_keep (ga));
  g_assert_cmpint (tm_preview_item_get_source (ga), ==, TM_SOURCE_EXCEPTION);
  reason = tm_preview_item_dup_reason (ga, FALSE);
  g_assert_cmpstr (reason, ==, "site exception: all cookies from opendatasoft.com allowed");
  g_clear_pointer (&reason, g_free);

  ide = g_list_model_get_item (items, 7);
  g_assert_true (tm_preview_item_get_keep (ide));
  g_assert_cmphex (tm_preview_item_get_categories (ide), ==, N);
  reason = tm_preview_item_dup_reason (ide, FALSE);
  g_assert_cmpstr (reason, ==, "override for IDE on doubleclick.net: necessary");

  g_clear_object (&classifier);
  g_clear_object (&rules);
  g_clear_object (&store);
  tm_test_rmdir (dir);
}

/* URL previews against a local origin */

typedef struct {
  SoupServer  *server;
  guint        port;
  GHashTable  *cookies_seen;   /* "host/path" -> Cookie header ("" when none) */
  GPtrArray   *paused;         /* SoupServerMessage, never answered */
} Origin;

static void
origin_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  Origin *origin = user_data;
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  const char *host = g_uri_get_host (soup_server_message_get_uri (msg));
  const char *cookie = soup_message_headers_get_one (request, "Cookie");
  g_autofree char *b_url = g_strdup_printf ("http://site-b.test:%u/b", origin->port);
  g_autofree char *final_url = g_strdup_printf ("http://site-a.test:%u/final",
                                                origin->port);

  g_hash_table_insert (origin->cookies_seen, g_strdup_printf ("%s%s", host, path),
                       g_strdup (cookie != NULL ? cookie : ""));

  if (g_str_equal (path, "/start"))
    {
      soup_message_headers_append (response, "Set-Cookie", "a1=1; Path=/");
      soup_message_headers_append (response, "Set-Cookie", "_ga=GA1.1.42; Path=/");
      soup_message_headers_append (response, "Location", "/next");
      soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
    }
  else if (g_str_equal (path, "/next"))
    {
      soup_message_headers_append (response, "Set-Cookie", "sessionid=s3; Path=/; HttpOnly");
      soup_message_headers_append (response, "Location", b_url);
      soup_server_message_set_status (msg, SOUP_STATUS_SEE_OTHER, NULL);
    }
  else if (g_str_equal (path, "/b"))
    {
      soup_message_headers_append (response, "Set-Cookie", "IDE=ad; Path=/");
      soup_message_headers_append (response, "Set-Cookie", "b1=1; Path=/");
      soup_message_headers_append (response, "Location", final_url);
      soup_server_message_set_status (msg, SOUP_STATUS_TEMPORARY_REDIRECT, NULL);
    }
  else if (g_str_equal (path, "/final"))
    {
      soup_message_headers_append (response, "Set-Cookie", "last=1; Path=/");
      /* An Expires date has a comma: each header must stay whole. */
      soup_message_headers_append (response, "Set-Cookie",
                                   "late=1; Path=/; Expires=Wed, 21 Oct 2099 07:28:00 GMT");
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        "not here", 8);
    }
  else if (g_str_equal (path, "/loop"))
    {
      soup_message_headers_append (response, "Location", "/loop");
      soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
    }
  else if (g_str_equal (path, "/hang"))
    {
      soup_server_message_pause (msg);
      g_ptr_array_add (origin->paused, g_object_ref (msg));
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static void
origin_start (Origin *origin)
{
  g_autoptr(GError) error = NULL;

  origin->server = soup_server_new (NULL, NULL);
  origin->cookies_seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  origin->paused = g_ptr_array_new_with_free_func (g_object_unref);
  soup_server_add_handler (origin->server, NULL, origin_handler, origin, NULL);
  origin->port = tm_test_server_listen (origin->server, SOUP_SERVER_LISTEN_IPV4_ONLY);
}

static void
origin_stop (Origin *origin)
{
  tm_test_server_disconnect (origin->server);
  g_clear_object (&origin->server);
  g_clear_pointer (&origin->cookies_seen, g_hash_table_unref);
  g_clear_pointer (&origin->paused, g_ptr_array_unref);
}

typedef struct {
  GListModel *items;
  GError     *error;
  guint       status;
  char       *final_url;
  gboolean    done;
  GPtrArray  *progress;   /* "hop url" */
} Fetch;

static void
fetch_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Fetch *f = user_data;

  f->items = tm_preview_fetch_finish (TM_PREVIEW (source), result, &f->status,
                                      &f->final_url, &f->error);
  f->done = TRUE;
}

static void
progress_cb (TmPreview  *preview,
             guint       hop,
             const char *url,
             Fetch      *f)
{
  g_ptr_array_add (f->progress, g_strdup_printf ("%u %s", hop, url));
}

static gboolean
cancel_cb (gpointer user_data)
{
  g_cancellable_cancel (user_data);
  return G_SOURCE_REMOVE;
}

static void
fetch_clear (Fetch *f)
{
  g_clear_object (&f->items);
  g_clear_error (&f->error);
  g_clear_pointer (&f->final_url, g_free);
  g_clear_pointer (&f->progress, g_ptr_array_unref);
}

/* Runs a fetch to its end (the test's own timeout bounds it). */
static void
run_fetch (TmPreview    *preview,
           const char   *url,
           TmCategories  accepted,
           GCancellable *cancellable,
           Fetch        *f)
{
  gulong id;

  memset (f, 0, sizeof *f);
  f->progress = g_ptr_array_new_with_free_func (g_free);
  id = g_signal_connect (preview, "progress", G_CALLBACK (progress_cb), f);
  tm_preview_fetch_async (preview, url, accepted, cancellable, fetch_cb, f);
  while (!f->done)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (preview, id);
}

static TmPreview *
preview_for (Origin *origin)
{
  g_autoptr(TmClassifier) classifier = tm_classifier_new ();
  TmPreview *preview = tm_preview_new (classifier);
  g_autofree char *a = g_strdup_printf ("site-a.test:%u:127.0.0.1", origin->port);
  g_autofree char *b = g_strdup_printf ("site-b.test:%u:127.0.0.1", origin->port);
  g_autoptr(GError) error = NULL;

  g_assert_true (tm_preview_add_resolve (preview, a, &error));
  g_assert_true (tm_preview_add_resolve (preview, b, &error));
  g_assert_no_error (error);
  return preview;
}

static const char *
seen (Origin     *origin,
      const char *key)
{
  const char *value = g_hash_table_lookup (origin->cookies_seen, key);

  g_assert_nonnull (value);
  return value;
}

typedef struct {
  const char   *name;
  const char   *site;
  TmCategories  categories;
  gboolean      keep;
  guint         hop;
} ExpectedItem;

static void
test_url_redirect_chain (void)
{
  Origin origin = { 0 };
  g_autoptr(TmPreview) preview = NULL;
  g_autofree char *url = NULL;
  g_autofree char *final = NULL;
  Fetch f;
  const ExpectedItem all[] = {
    { "a1", "site-a.test", F, TRUE, 0 },
    { "_ga", "site-a.test", S, TRUE, 0 },
    { "sessionid", "site-a.test", N, TRUE, 1 },
    /* Each hop is a top-level navigation: first-party to its own site. */
    { "IDE", "site-b.test", F, TRUE, 2 },
    { "b1", "site-b.test", F, TRUE, 2 },
    { "last", "site-a.test", F, TRUE, 3 },
    { "late", "site-a.test", F, TRUE, 3 },
  };

  origin_start (&origin);
  preview = preview_for (&origin);
  url = g_strdup_printf ("http://site-a.test:%u/start", origin.port);
  final = g_strdup_printf ("http://site-a.test:%u/final", origin.port);

  run_fetch (preview, url, TM_CATEGORIES_ALL, NULL, &f);
  g_assert_no_error (f.error);
  /* A final 404 still gives the cookies of the whole chain. */
  g_assert_cmpuint (f.status, ==, 404);
  g_assert_cmpstr (f.final_url, ==, final);
  g_assert_cmpuint (f.progress->len, ==, 4);
  {
    g_autofree char *first = g_strdup_printf ("0 %s", url);
    g_autofree char *last = g_strdup_printf ("3 %s", final);

    g_assert_cmpstr (g_ptr_array_index (f.progress, 0), ==, first);
    g_assert_cmpstr (g_ptr_array_index (f.progress, 3), ==, last);
  }
  g_assert_cmpuint (g_list_model_get_n_items (f.items), ==, G_N_ELEMENTS (all));
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autoptr(TmPreviewItem) item = g_list_model_get_item (f.items, i);

      g_test_message ("item %u: %s", i, all[i].name);
      g_assert_cmpstr (tm_preview_item_get_name (item), ==, all[i].name);
      g_assert_cmpstr (tm_preview_item_get_site (item), ==, all[i].site);
      g_assert_cmphex (tm_preview_item_get_categories (item), ==, all[i].categories);
      g_assert_cmpint (tm_preview_item_get_keep (item), ==, all[i].keep);
      g_assert_cmpuint (tm_preview_item_get_hop (item), ==, all[i].hop);
      g_assert_true (tm_preview_item_get_valid (item));
    }

  /* Nothing is sent but what the chain itself set, where it applies. */
  g_assert_cmpstr (seen (&origin, "site-a.test/start"), ==, "");
  g_assert_cmpstr (seen (&origin, "site-a.test/next"), ==, "a1=1; _ga=GA1.1.42");
  g_assert_cmpstr (seen (&origin, "site-b.test/b"), ==, "");
  g_assert_cmpstr (seen (&origin, "site-a.test/final"), ==,
                   "a1=1; _ga=GA1.1.42; sessionid=s3");
  fetch_clear (&f);

  /* Under "necessary only", the blocked cookies are neither kept nor sent on:
   * what a browser behind Témoin would hold. */
  g_hash_table_remove_all (origin.cookies_seen);
  run_fetch (preview, url, N, NULL, &f);
  g_assert_no_error (f.error);
  g_assert_cmpuint (g_list_model_get_n_items (f.items), ==, G_N_ELEMENTS (all));
  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      g_autoptr(TmPreviewItem) item = g_list_model_get_item (f.items, i);

      g_assert_cmpint (tm_preview_item_get_keep (item), ==, all[i].categories == N);
    }
  g_assert_cmpstr (seen (&origin, "site-a.test/next"), ==, "");
  g_assert_cmpstr (seen (&origin, "site-a.test/final"), ==, "sessionid=s3");
  fetch_clear (&f);

  g_clear_object (&preview);
  origin_stop (&origin);
}

static void
test_url_too_many_redirects (void)
{
  Origin origin = { 0 };
  g_autoptr(TmPreview) preview = NULL;
  g_autofree char *url = NULL;
  Fetch f;

  origin_start (&origin);
  preview = preview_for (&origin);
  url = g_strdup_printf ("http://site-a.test:%u/loop", origin.port);
  run_fetch (preview, url, TM_CATEGORIES_ALL, NULL, &f);
  g_assert_error (f.error, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_TOO_MANY_REDIRECTS);
  g_assert_null (f.items);
  /* The typed URL and 20 redirects were requested, not one more. */
  g_assert_cmpuint (f.progress->len, ==, TM_PREVIEW_MAX_REDIRECTS + 1);
  fetch_clear (&f);
  g_clear_object (&preview);
  origin_stop (&origin);
}

static void
test_url_closed_port (void)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(TmClassifier) classifier = tm_classifier_new ();
  g_autoptr(TmPreview) preview = tm_preview_new (classifier);
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  guint port;
  Fetch f;

  /* A port that was free a moment ago and that nobody listens on. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  g_socket_close (socket, NULL);

  url = g_strdup_printf ("http://127.0.0.1:%u/", port);
  run_fetch (preview, url, TM_CATEGORIES_ALL, NULL, &f);
  g_assert_error (f.error, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_NETWORK);
  g_assert_nonnull (strstr (f.error->message, url));
  g_assert_null (f.items);
  fetch_clear (&f);
}

static void
test_url_cancel_and_timeout (void)
{
  Origin origin = { 0 };
  g_autoptr(TmPreview) preview = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *url = NULL;
  Fetch f;

  origin_start (&origin);
  preview = preview_for (&origin);
  url = g_strdup_printf ("http://site-a.test:%u/hang", origin.port);

  /* The origin never answers: Cancel ends the fetch. */
  g_timeout_add (200, cancel_cb, cancellable);
  run_fetch (preview, url, TM_CATEGORIES_ALL, cancellable, &f);
  g_assert_error (f.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  fetch_clear (&f);

  /* And without Cancel, the deadline does. */
  tm_preview_set_timeout (preview, 1);
  run_fetch (preview, url, TM_CATEGORIES_ALL, NULL, &f);
  g_assert_error (f.error, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_TIMED_OUT);
  g_assert_nonnull (strstr (f.error->message, url));
  fetch_clear (&f);

  g_clear_object (&preview);
  origin_stop (&origin);
}

static void
ok_handler (SoupServer        *server,
            SoupServerMessage *msg,
            const char        *path,
            GHashTable        *query,
            gpointer           user_data)
{
  soup_message_headers_append (soup_server_message_get_response_headers (msg),
                               "Set-Cookie", "over_tls=1");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
}

/* An origin whose certificate nobody vouches for (a self-signed one, made for
 * this test: tests/data/preview-self-signed.pem) is a TLS failure, said so. */
static void
test_url_tls_failure (void)
{
  g_autofree char *pem = tm_test_data_path ("preview-self-signed.pem");
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_file (pem, &error);
  g_autoptr(SoupServer) server = NULL;
  g_autoptr(TmClassifier) classifier = tm_classifier_new ();
  g_autoptr(TmPreview) preview = tm_preview_new (classifier);
  g_autofree char *resolve = NULL;
  g_autofree char *url = NULL;
  guint port;
  Fetch f;

  g_assert_no_error (error);
  server = soup_server_new ("tls-certificate", certificate, NULL);
  soup_server_add_handler (server, NULL, ok_handler, NULL, NULL);
  port = tm_test_server_listen (server, SOUP_SERVER_LISTEN_IPV4_ONLY | SOUP_SERVER_LISTEN_HTTPS);

  resolve = g_strdup_printf ("site-a.test:%u:127.0.0.1", port);
  g_assert_true (tm_preview_add_resolve (preview, resolve, &error));
  url = g_strdup_printf ("https://site-a.test:%u/final", port);
  run_fetch (preview, url, TM_CATEGORIES_ALL, NULL, &f);
  g_assert_error (f.error, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_TLS);
  g_assert_nonnull (strstr (f.error->message, "site-a.test"));
  fetch_clear (&f);
  tm_test_server_disconnect (server);
}

static void
test_url_refused_addresses (void)
{
  static const char *bad[] = {
    "ftp://example.com/", "not a url", "http://", "file:///etc/passwd", "example.com",
  };
  g_autoptr(TmClassifier) classifier = tm_classifier_new ();
  g_autoptr(TmPreview) preview = tm_preview_new (classifier);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      Fetch f;

      g_test_message ("%s", bad[i]);
      run_fetch (preview, bad[i], TM_CATEGORIES_ALL, NULL, &f);
      g_assert_error (f.error, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_INVALID_URL);
      g_assert_cmpuint (f.progress->len, ==, 0);
      fetch_clear (&f);
    }

  g_assert_false (tm_preview_add_resolve (preview, "site-a.test:80", &error));
  g_assert_nonnull (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (scenario_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/preview/scenario/%s",
                                               scenario_rows[i].what);
      g_test_add_data_func (path, &scenario_rows[i], test_scenario_row);
    }
  g_test_add_func ("/preview/scenario/the-users-word-wins", test_scenario_with_rules);
  g_test_add_func ("/preview/url/redirect-chain-across-two-sites-sends-only-its-cookies",
                   test_url_redirect_chain);
  g_test_add_func ("/preview/url/more-than-twenty-redirects-is-an-error",
                   test_url_too_many_redirects);
  g_test_add_func ("/preview/url/closed-port-says-so", test_url_closed_port);
  g_test_add_func ("/preview/url/cancel-and-timeout-end-a-hanging-fetch",
                   test_url_cancel_and_timeout);
  g_test_add_func ("/preview/url/untrusted-certificate-is-a-tls-failure",
                   test_url_tls_failure);
  g_test_add_func ("/preview/url/only-http-and-https", test_url_refused_addresses);

  return g_test_run ();
}
