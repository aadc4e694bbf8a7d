/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `temoinctl preview` and `temoinctl rules`, run as a user runs them. */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "tm-session-store.h"
#include "tm-test-utils.h"

typedef struct {
  char *dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = tm_test_make_tmp_dir ();
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tm_test_rmdir (f->dir);
  g_free (f->dir);
}

/* Runs temoinctl --data-dir DIR ARGS… and returns its exit status. */
static int
run (Fixture     *f,
     char       **out,
     char       **err,
     const char  *first,
     ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;
  va_list args;
  int status;

  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, f->dir);
  va_start (args, first);
  for (arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  status = tm_test_run_temoinctl ((const char * const *) argv->pdata, out, err);
  g_test_message ("temoinctl exited %d; stderr: %s", status, err && *err ? *err : "");
  return status;
}

/* In the pretty JSON array of `preview --json`, the value of @key in the object
 * whose "name" is @name. (transfer full) */
static char *
member_of (const char *json,
           const char *name,
           const char *key)
{
  g_autofree char *name_field = g_strdup_printf ("\"name\": \"%s\",", name);
  g_autofree char *key_field = g_strdup_printf ("\"%s\": \"", key);
  const char *object = strstr (json, name_field);
  const char *end, *value, *close;

  g_assert_nonnull (object);
  end = strstr (object, "\n  }");
  g_assert_nonnull (end);
  value = strstr (object, key_field);
  g_assert_true (value != NULL && value < end);
  value += strlen (key_field);
  close = strchr (value, '"');
  return g_strndup (value, close - value);
}

static void
assert_member (const char *json,
               const char *name,
               const char *key,
               const char *expected)
{
  g_autofree char *value = member_of (json, name, key);

  g_assert_cmpstr (value, ==, expected);
}

static void
test_scenario_json (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* Nothing saved: the defaults refuse statistics. */
  g_assert_cmpint (run (f, &out, &err, "preview", "--scenario", "--json", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "["));
  assert_member (out, "sessionid", "decision", "keep");
  assert_member (out, "sessionid", "source", "charter");
  assert_member (out, "sessionid", "site", "do101mtl.opendatasoft.com");
  assert_member (out, "_ga", "decision", "block");
  assert_member (out, "_ga", "source", "builtin");
  assert_member (out, "_ga", "reason",
                 "statistics cookie (_ga, Google Analytics): statistics are refused");
  assert_member (out, "IDE", "site", "ad.doubleclick.net");
  assert_member (out, "IDE", "decision", "block");
  g_assert_nonnull (strstr (out, "\"categories\": [\n      \"third-party\"\n    ]"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --with overlays the saved choice for the preview only. */
  g_assert_cmpint (run (f, &out, &err, "preview", "--scenario", "--json",
                        "--with", "statistics=on", "--with", "third-party=on", NULL), ==, 0);
  assert_member (out, "_ga", "decision", "keep");
  assert_member (out, "_ga", "reason", "statistics cookie (_ga, Google Analytics): accepted");
  assert_member (out, "IDE", "decision", "keep");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* It saved nothing. */
  g_assert_cmpint (run (f, &out, &err, "consent", "show", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"consent_id\": null"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A saved choice applies, and --with turns one category off again. */
  g_assert_cmpint (run (f, &out, &err, "consent", "set", "statistics=on", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "preview", "--scenario", "--json", NULL), ==, 0);
  assert_member (out, "_gid", "decision", "keep");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "preview", "--json", "--with", "statistics=off",
                        "--scenario", NULL), ==, 0);
  assert_member (out, "_gid", "decision", "block");
}

static void
test_scenario_human (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (f, &out, &err, "preview", "--scenario", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "do101mtl.opendatasoft.com"));
  g_assert_nonnull (strstr (out, "statistics cookie (_ga, Google Analytics): statistics "
                                 "are refused"));
  g_assert_null (strstr (out, "\"decision\""));
}

static void
test_preview_usage (Fixture       *f,
                    gconstpointer  data)
{
  static const char *bad[][6] = {
    { "preview", "--scenario", "--with", "necessary=off", NULL },
    { "preview", "--scenario", "--with", "bogus=on", NULL },
    { "preview", "--scenario", "--with", "statistics=maybe", NULL },
    { "preview", "--scenario", "--with", "statistics", NULL },
    { "preview", "--scenario", "http://a.test/", NULL },
    { "preview", NULL },
    { "preview", "--resolve", "nonsense", "http://a.test/", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autoptr(GPtrArray) argv = g_ptr_array_new ();

      g_ptr_array_add (argv, (char *) "--data-dir");
      g_ptr_array_add (argv, f->dir);
      for (guint j = 0; bad[i][j] != NULL; j++)
        g_ptr_array_add (argv, (char *) bad[i][j]);
      g_ptr_array_add (argv, NULL);
      g_assert_cmpint (tm_test_run_temoinctl ((const char * const *) argv->pdata, &out,
                                              &err), ==, 2);
      g_assert_true (g_str_has_prefix (err, "temoinctl: "));
      g_assert_cmpstr (out, ==, "");
    }

  {
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;

    g_assert_cmpint (run (f, &out, &err, "preview", "--help", NULL), ==, 0);
    g_assert_nonnull (strstr (out, "--scenario"));
    g_assert_nonnull (strstr (out, "--resolve"));
  }
}

static void
test_preview_url_errors (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                         &error);
  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  bound = g_socket_get_local_address (socket, &error);
  url = g_strdup_printf ("http://127.0.0.1:%u/",
                         g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  g_socket_close (socket, NULL);

  g_assert_cmpint (run (f, &out, &err, "preview", url, NULL), ==, 1);
  g_assert_nonnull (strstr (err, url));
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Not a web address: a bad command line, said before any store is opened. */
  g_assert_cmpint (run (f, &out, &err, "preview", "ftp://example.com/", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "ftp://example.com/"));
  g_assert_true (g_str_has_suffix (err, "Try 'temoinctl preview --help'.\n"));
}

/* The origin is served by this process while temoinctl runs: the child is
 * waited for without blocking the main loop. */
static void
origin_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  guint port = GPOINTER_TO_UINT (user_data);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  const char *sent = soup_message_headers_get_one (request, "Cookie");

  /* The proxy's session store holds a cookie for this site: never sent. */
  if (sent != NULL && strstr (sent, "from_store") != NULL)
    soup_message_headers_append (response, "Set-Cookie", "store_leaked=1; Path=/");

  if (g_str_equal (path, "/start"))
    {
      g_autofree char *b = g_strdup_printf ("http://site-b.test:%u/b", port);

      soup_message_headers_append (response, "Set-Cookie", "_ga=GA1.1.1; Path=/");
      soup_message_headers_append (response, "Set-Cookie", "pref=1; Path=/");
      soup_message_headers_append (response, "Location", b);
      soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
    }
  else if (g_str_equal (path, "/b"))
    {
      g_autofree char *back = g_strdup_printf ("http://site-a.test:%u/missing", port);

      soup_message_headers_append (response, "Set-Cookie", "IDE=x; Path=/");
      soup_message_headers_append (response, "Location", back);
      soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
    }
  else
    {
      /* The chain's own cookie comes back; the last page is a 404. */
      const char *cookie = soup_message_headers_get_one (request, "Cookie");

      soup_message_headers_append (response, "Set-Cookie",
                                   cookie != NULL && strstr (cookie, "pref=1") != NULL
                                   ? "sent_back_yes=1; Path=/" : "sent_back_no=1; Path=/");
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
    }
}

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static void
test_preview_url (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GBytes) out_bytes = NULL;
  g_autoptr(GBytes) err_bytes = NULL;
  g_autofree char *url = NULL;
  g_autofree char *resolve_a = NULL;
  g_autofree char *resolve_b = NULL;
  g_autofree char *out = NULL;
  guint port;
  const char *p_ga, *p_pref, *p_ide, *p_sent;

  port = tm_test_server_listen (server, SOUP_SERVER_LISTEN_IPV4_ONLY);
  soup_server_add_handler (server, NULL, origin_handler, GUINT_TO_POINTER (port), NULL);

  {
    g_autoptr(TmSessionStore) session = tm_session_store_new (f->dir, &error);
    TmCookie *cookie = tm_cookie_new ();

    g_assert_no_error (error);
    g_free (cookie->name);
    g_free (cookie->value);
    g_free (cookie->domain);
    g_free (cookie->path);
    cookie->name = g_strdup ("from_store");
    cookie->value = g_strdup ("1");
    cookie->domain = g_strdup ("site-a.test");
    cookie->host_only = TRUE;
    cookie->path = g_strdup ("/");
    cookie->expires = TM_COOKIE_SESSION;
    cookie->categories = TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);
    cookie->created = g_get_real_time ();
    tm_session_store_put (session, cookie);
    tm_cookie_free (cookie);
    g_assert_true (tm_session_store_flush (session, &error));
    g_assert_no_error (error);
  }

  url = g_strdup_printf ("http://site-a.test:%u/start", port);
  resolve_a = g_strdup_printf ("site-a.test:%u:127.0.0.1", port);
  resolve_b = g_strdup_printf ("site-b.test:%u:127.0.0.1", port);
  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error, g_getenv ("TEMOINCTL"), "--data-dir", f->dir,
                            "preview", url, "--resolve", resolve_a, "--resolve", resolve_b,
                            "--with", "first-party=on", "--json", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_async (child, NULL, NULL, communicate_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_subprocess_communicate_finish (child, result, &out_bytes, &err_bytes,
                                                  &error));
  g_assert_no_error (error);
  g_test_message ("stderr: %s", (const char *) g_bytes_get_data (err_bytes, NULL));

  /* A final 404 is still a page obtained. */
  g_assert_cmpint (g_subprocess_get_exit_status (child), ==, 0);
  out = g_strndup (g_bytes_get_data (out_bytes, NULL), g_bytes_get_size (out_bytes));

  /* In the order the cookies were met, along the whole chain. */
  p_ga = strstr (out, "\"name\": \"_ga\"");
  p_pref = strstr (out, "\"name\": \"pref\"");
  p_ide = strstr (out, "\"name\": \"IDE\"");
  p_sent = strstr (out, "\"name\": \"sent_back_");
  g_assert_true (p_ga != NULL && p_pref > p_ga && p_ide > p_pref && p_sent > p_ide);

  assert_member (out, "_ga", "decision", "block");
  assert_member (out, "_ga", "source", "builtin");
  assert_member (out, "pref", "decision", "keep");
  assert_member (out, "pref", "source", "context");
  /* The redirect hop on site-b.test is a top-level navigation, as in a browser
   * and in the proxy: its advertising cookie is first-party there, kept under
   * first-party=on although third-party cookies are refused. */
  assert_member (out, "IDE", "site", "site-b.test");
  assert_member (out, "IDE", "decision", "keep");
  assert_member (out, "IDE", "reason", "first-party cookie (IDE, Google Marketing Platform): "
                 "accepted");
  /* The kept cookie of the chain was sent back to its site; none of the store. */
  g_assert_nonnull (strstr (out, "\"name\": \"sent_back_yes\""));
  g_assert_null (strstr (out, "store_leaked"));
  tm_test_server_disconnect (server);
}

static void
test_rules_round_trip (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *csv = tm_test_data_path ("cookie-db-sample.csv");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  /* The import reports its malformed lines as FILE:LINE and imports the rest. */
  g_assert_cmpint (run (f, &out, &err, "rules", "import", csv, NULL), ==, 0);
  g_assert_nonnull (strstr (err, "cookie-db-sample.csv:8: "));
  g_assert_nonnull (strstr (err, "cookie-db-sample.csv:9: "));
  g_assert_nonnull (strstr (out, "8"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (f, &out, &err, "rules", "override", "_ga", "OpenDataSoft.com",
                        "necessary", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "allow-site", "ad.doubleclick.net", NULL),
                   ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (run (f, &out, &err, "rules", "list", "--json", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "\"name\": \"_ga\",\n      \"site\": \"opendatasoft.com\""));
  g_assert_nonnull (strstr (out, "\"site\": \"ad.doubleclick.net\""));
  g_assert_nonnull (strstr (out, "cookie-db-sample.csv\",\n      \"rows\": 8"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Both win over everything else, and say so. */
  g_assert_cmpint (run (f, &out, &err, "preview", "--scenario", "--json", NULL), ==, 0);
  assert_member (out, "_ga", "decision", "keep");
  assert_member (out, "_ga", "source", "override");
  assert_member (out, "_ga", "reason", "override for _ga on opendatasoft.com: necessary");
  assert_member (out, "IDE", "decision", "keep");
  assert_member (out, "IDE", "source", "exception");
  assert_member (out, "IDE", "reason",
                 "site exception: all cookies from ad.doubleclick.net allowed");
  assert_member (out, "_gid", "decision", "block");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Removing them; a second removal is a failure, not a usage error. */
  g_assert_cmpint (run (f, &out, &err, "rules", "remove", "_ga", "opendatasoft.com", NULL),
                   ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "remove", "_ga", "opendatasoft.com", NULL),
                   ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "remove-site", "ad.doubleclick.net", NULL),
                   ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "forget-database", csv, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "list", "--json", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "{\n  \"overrides\": [],\n  \"exceptions\": [],\n"
                            "  \"databases\": []\n}\n");
}

static void
test_rules_errors (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *bad = tm_test_data_path ("cookie-db-bad-header.csv");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run (f, &out, &err, "rules", "import", bad, NULL), ==, 1);
  g_assert_nonnull (strstr (err, "Platform"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "override", "x", "a.test", "tasty", NULL),
                   ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "override", "x", "not a site", "necessary",
                        NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "allow-site", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "frobnicate", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "forget-database", bad, NULL), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "forget-database"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run (f, &out, &err, "rules", "import", "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Analytics"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/cli/preview/scenario/json-follows-saved-choice-and-with", test_scenario_json);
  ADD ("/cli/preview/scenario/human-table-has-reasons", test_scenario_human);
  ADD ("/cli/preview/usage-errors-exit-2", test_preview_usage);
  ADD ("/cli/preview/url/unreachable-or-bad-url-exits-1", test_preview_url_errors);
  ADD ("/cli/preview/url/redirect-chain-with-final-404-exits-0", test_preview_url);
  ADD ("/cli/rules/import-override-exception-list-and-remove", test_rules_round_trip);
  ADD ("/cli/rules/errors-and-help", test_rules_errors);
#undef ADD

  return g_test_run ();
}
