/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tm-session-store.h"
#include "tm-test-utils.h"

/* 2026-01-01T00:00:00Z and 2100-01-01T00:00:00Z. */
#define CREATED_2026 (G_GINT64_CONSTANT (1767225600) * G_USEC_PER_SEC)
#define EXPIRES_2100 G_GINT64_CONSTANT (4102444800)

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

static TmCookie *
make_cookie (const char   *name,
             const char   *value,
             const char   *domain,
             gboolean      host_only,
             const char   *path,
             gint64        expires,
             TmCategories  categories,
             gint64        created)
{
  TmCookie *cookie = tm_cookie_new ();

  g_free (cookie->name);
  g_free (cookie->value);
  g_free (cookie->domain);
  g_free (cookie->path);
  cookie->name = g_strdup (name);
  cookie->value = g_strdup (value);
  cookie->domain = g_strdup (domain);
  cookie->host_only = host_only;
  cookie->path = g_strdup (path);
  cookie->expires = expires;
  cookie->categories = categories;
  cookie->created = created;
  return cookie;
}

/* Seeds the store through the core API, as the proxy does, then closes it. */
static void
seed (Fixture   *f,
      TmCookie **cookies)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmSessionStore) store = tm_session_store_new (f->dir, &error);

  g_assert_no_error (error);
  for (guint i = 0; cookies[i] != NULL; i++)
    {
      tm_session_store_put (store, cookies[i]);
      tm_cookie_free (cookies[i]);
    }
  g_assert_true (tm_session_store_flush (store, &error));
  g_assert_no_error (error);
}

static void
seed_sample (Fixture *f)
{
  TmCookie *cookies[8];
  TmCategories stats_third = TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS) |
                             TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY);

  cookies[0] = make_cookie ("sessionid", "abc\"\xc3\xa9", "example.org", FALSE, "/",
                            EXPIRES_2100, TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY),
                            CREATED_2026);
  cookies[0]->secure = TRUE;
  cookies[0]->http_only = TRUE;
  cookies[0]->same_site = TM_SAME_SITE_LAX;
  cookies[1] = make_cookie ("_ga", "GA1.2.3", "www.example.org", TRUE, "/docs",
                            TM_COOKIE_SESSION, stats_third, CREATED_2026 + G_USEC_PER_SEC);
  cookies[2] = make_cookie ("pref", "p1", "example.org", FALSE, "/docs", EXPIRES_2100,
                            TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY),
                            CREATED_2026 + 2 * G_USEC_PER_SEC);
  cookies[3] = make_cookie ("old", "o", "example.org", FALSE, "/docs", EXPIRES_2100,
                            TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY), CREATED_2026 - 1);
  cookies[3]->same_site = TM_SAME_SITE_STRICT;
  cookies[4] = make_cookie ("lang", "fr", "example.com", FALSE, "/", EXPIRES_2100,
                            TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY), CREATED_2026);
  cookies[5] = make_cookie ("_pk_id", "x", "127.0.0.1", TRUE, "/", EXPIRES_2100,
                            TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS), CREATED_2026);
  cookies[5]->same_site = TM_SAME_SITE_NONE;
  cookies[5]->secure = TRUE;
  cookies[6] = NULL;
  seed (f, cookies);
}

/* Removes the whitespace outside strings: the layout of the JSON is not part of
 * the contract, its content is. */
static char *
compact_json (const char *json)
{
  GString *out = g_string_new (NULL);
  gboolean in_string = FALSE;

  for (const char *p = json; *p; p++)
    {
      if (in_string)
        {
          g_string_append_c (out, *p);
          if (*p == '\\' && p[1])
            g_string_append_c (out, *++p);
          else if (*p == '"')
            in_string = FALSE;
        }
      else if (*p == '"')
        {
          in_string = TRUE;
          g_string_append_c (out, *p);
        }
      else if (!g_ascii_isspace (*p))
        g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

/* The "name" members of a compact JSON array, joined by spaces. */
static char *
names_of (const char *compact)
{
  GString *out = g_string_new (NULL);
  const char *p = compact;

  while ((p = strstr (p, "\"name\":\"")) != NULL)
    {
      const char *end;

      p += strlen ("\"name\":\"");
      end = strchr (p, '"');
      g_assert_nonnull (end);
      g_string_append_printf (out, "%s%.*s", out->len ? " " : "", (int) (end - p), p);
      p = end;
    }
  return g_string_free (out, FALSE);
}

static void
test_list_json_shape (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL, *compact = NULL, *names = NULL;

  seed_sample (f);
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--site",
                                      "example.org", "--json",
                                      NULL), ==, 0);
  compact = compact_json (out);
  /* By creation within the site; every field; no leading dot; ISO 8601 UTC. */
  g_assert_cmpstr (compact,
    ==, "[{\"name\":\"old\",\"value\":\"o\",\"domain\":\"example.org\",\"host_only\":false,"
    "\"path\":\"/docs\",\"expires\":\"2100-01-01T00:00:00Z\",\"secure\":false,"
    "\"http_only\":false,\"same_site\":\"strict\",\"categories\":[\"necessary\"],"
    "\"created\":\"2025-12-31T23:59:59Z\"},"
    "{\"name\":\"sessionid\",\"value\":\"abc\\\"\xc3\xa9\",\"domain\":\"example.org\","
    "\"host_only\":false,\"path\":\"/\",\"expires\":\"2100-01-01T00:00:00Z\","
    "\"secure\":true,\"http_only\":true,\"same_site\":\"lax\","
    "\"categories\":[\"necessary\"],\"created\":\"2026-01-01T00:00:00Z\"},"
    "{\"name\":\"_ga\",\"value\":\"GA1.2.3\",\"domain\":\"www.example.org\","
    "\"host_only\":true,\"path\":\"/docs\",\"expires\":null,\"secure\":false,"
    "\"http_only\":false,\"same_site\":null,"
    "\"categories\":[\"statistics\",\"third-party\"],\"created\":\"2026-01-01T00:00:01Z\"},"
    "{\"name\":\"pref\",\"value\":\"p1\",\"domain\":\"example.org\",\"host_only\":false,"
    "\"path\":\"/docs\",\"expires\":\"2100-01-01T00:00:00Z\",\"secure\":false,"
    "\"http_only\":false,\"same_site\":null,\"categories\":[\"first-party\"],"
    "\"created\":\"2026-01-01T00:00:02Z\"}]");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Everything: ordered by site, then creation. */
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--json", NULL),
                   ==, 0);
  g_clear_pointer (&compact, g_free);
  compact = compact_json (out);
  names = names_of (compact);
  g_assert_cmpstr (names, ==, "_pk_id lang old sessionid _ga pref");
}

static void
test_list_empty (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL, *compact = NULL;

  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--json", NULL),
                   ==, 0);
  compact = compact_json (out);
  g_assert_cmpstr (compact, ==, "[]");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The human form says so on stderr, and prints nothing a script would parse. */
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, !=, "");
}

static void
test_list_url_order (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL, *compact = NULL, *names = NULL;

  seed_sample (f);
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--json",
                                      "--url", "https://www.example.org/docs/page", NULL), ==, 0);
  compact = compact_json (out);
  names = names_of (compact);
  /* Longer paths first, then older first; example.com's and 127.0.0.1's not sent. */
  g_assert_cmpstr (names, ==, "old _ga pref sessionid");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&compact, g_free);
  g_clear_pointer (&names, g_free);

  /* --site narrows --url further. */
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--json", "--site",
                                      "example.com",
                                      "--url", "https://www.example.org/docs/page", NULL), ==, 0);
  compact = compact_json (out);
  g_assert_cmpstr (compact, ==, "[]");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&compact, g_free);

  /* The host-only _ga is not sent to the apex; no /docs cookie to "/". */
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--json",
                                      "--url", "https://example.org/", NULL), ==, 0);
  compact = compact_json (out);
  names = names_of (compact);
  g_assert_cmpstr (names, ==, "sessionid");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&compact, g_free);
  g_clear_pointer (&names, g_free);

  /* Secure cookies only over https. */
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--json",
                                      "--url", "http://127.0.0.1:8080/", NULL), ==, 0);
  compact = compact_json (out);
  g_assert_cmpstr (compact, ==, "[]");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&compact, g_free);
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--json",
                                      "--url", "https://127.0.0.1:8443/x", NULL), ==, 0);
  compact = compact_json (out);
  names = names_of (compact);
  g_assert_cmpstr (names, ==, "_pk_id");
}

static void
test_list_site (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL, *compact = NULL, *names = NULL;

  seed_sample (f);
  /* A subdomain names the same site: its registrable domain. */
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--json",
                                      "--site", "shop.example.com", NULL), ==, 0);
  compact = compact_json (out);
  names = names_of (compact);
  g_assert_cmpstr (names, ==, "lang");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&compact, g_free);
  g_clear_pointer (&names, g_free);

  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--json",
                                      "--site", "127.0.0.1", NULL), ==, 0);
  compact = compact_json (out);
  names = names_of (compact);
  g_assert_cmpstr (names, ==, "_pk_id");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* The table: names and sites, never values. */
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "sessionid"));
  g_assert_nonnull (strstr (out, "example.com"));
  g_assert_null (strstr (out, "GA1.2.3"));
  g_assert_null (strstr (out, "abc\""));
}

/* A filter that matches nothing does not claim the store is empty. */
static void
test_list_filter_matches_nothing (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL;

  seed_sample (f);
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--site",
                                      "nomatch.net", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "No stored cookie belongs to the site nomatch.net.\n");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--url",
                                      "http://nomatch.net/",
                                      NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "No stored cookie would be sent to http://nomatch.net/.\n");
}

/* A damaged cookies.sqlite is left as it is by a command that only reads (read
 * as empty), and moved aside by one that writes; the user is told once, by
 * temoinctl, in their language: the core's untranslated log line stays out of
 * stderr. */
static void
test_damaged_store_told_once (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *db = g_build_filename (f->dir, TM_SESSION_STORE_FILENAME, NULL);
  g_autofree char *out = NULL, *err = NULL, *purge_err = NULL, *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_auto(GStrv) purge_lines = NULL;

  g_assert_true (g_file_set_contents (db, "this is not an SQLite database", -1, NULL));
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--json", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "[]\n");
  lines = g_strsplit (err, "\n", -1);
  /* One line, then the empty string after the final newline. */
  g_assert_cmpuint (g_strv_length (lines), ==, 2);
  g_assert_true (g_str_has_prefix (lines[0], "temoinctl: Warning: The database "));
  g_assert_nonnull (strstr (lines[0], "is damaged: it was left as it is"));
  g_assert_null (strstr (lines[0], ".corrupt-"));
  g_assert_cmpstr (lines[1], ==, "");
  g_assert_null (strstr (err, "temoin-core"));
  g_assert_true (g_file_get_contents (db, &contents, NULL, NULL));
  g_assert_cmpstr (contents, ==, "this is not an SQLite database");

  g_clear_pointer (&out, g_free);
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &purge_err, "cookies", "purge", "--all",
                                      NULL), ==, 0);
  purge_lines = g_strsplit (purge_err, "\n", -1);
  g_assert_true (g_str_has_prefix (purge_lines[0], "temoinctl: The cookie store "));
  g_assert_nonnull (strstr (purge_lines[0], ".corrupt-"));
  g_assert_null (strstr (purge_err, "temoin-core"));
}

static char *
list_names (Fixture *f)
{
  g_autofree char *out = NULL, *err = NULL, *compact = NULL;

  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "list", "--json", NULL),
                   ==, 0);
  compact = compact_json (out);
  return names_of (compact);
}

static void
test_purge_variants (Fixture       *f,
                     gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL, *names = NULL;

  seed_sample (f);

  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "purge", "--category",
                                      "statistics", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "2\n");
  g_assert_cmpstr (err, !=, "");
  names = list_names (f);
  g_assert_cmpstr (names, ==, "lang old sessionid pref");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&names, g_free);

  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "purge", "--site",
                                      "www.example.com", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "1\n");
  names = list_names (f);
  g_assert_cmpstr (names, ==, "old sessionid pref");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_clear_pointer (&names, g_free);

  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "purge", "--all", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "3\n");
  names = list_names (f);
  g_assert_cmpstr (names, ==, "");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* Nothing left to delete is not an error. */
  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "purge", "--all", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "0\n");
}

static gboolean
keep_waking_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
count_cb (TmSessionStore *store,
          guint          *counter)
{
  (*counter)++;
}

/* What a running proxy relies on: a purge by temoinctl, another process, reaches
 * an open store as ::changed and as tombstones. */
static void
test_purge_reaches_running_store (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(TmSessionStore) store = NULL;
  g_autoptr(GPtrArray) dead = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;
  gint64 deadline, last = 0;
  guint changed = 0, id;

  seed_sample (f);
  store = tm_session_store_new (f->dir, &error);
  g_assert_no_error (error);
  dead = tm_session_store_list_tombstones (store, 0, &last, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dead->len, ==, 0);
  g_clear_pointer (&dead, g_ptr_array_unref);
  g_signal_connect (store, "changed", G_CALLBACK (count_cb), &changed);

  g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, "cookies", "purge", "--site",
                                      "example.org", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "4\n");

  /* Poll with a generous deadline: the store notices within about a second. */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  id = g_timeout_add (50, keep_waking_cb, NULL);
  while (changed == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  g_assert_cmpuint (changed, >, 0);

  dead = tm_session_store_list_tombstones (store, last, &last, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (dead->len, ==, 4);
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  const char *cases[][6] = {
    { "cookies", NULL },
    { "cookies", "eat", NULL },
    { "cookies", "purge", NULL },
    { "cookies", "purge", "--all", "--site", "example.org", NULL },
    { "cookies", "purge", "--category", "tasty", NULL },
    { "cookies", "purge", "--site", "", NULL },
    { "cookies", "purge", "--all", "extra", NULL },
    { "cookies", "list", "--url", "not a url", NULL },
    { "cookies", "list", "--url", "ftp://example.org/", NULL },
    { "cookies", "list", "--bogus", NULL },
    { "cookies", "list", "extra", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) args = g_ptr_array_new ();
      g_autofree char *out = NULL, *err = NULL;
      int status;

      g_ptr_array_add (args, (char *) "--data-dir");
      g_ptr_array_add (args, f->dir);
      for (guint j = 0; cases[i][j] != NULL; j++)
        g_ptr_array_add (args, (char *) cases[i][j]);
      g_ptr_array_add (args, NULL);

      status = tm_test_run_temoinctl ((const char * const *) args->pdata, &out, &err);
      g_test_message ("case %u: exit %d, stderr: %s", i, status, err);
      g_assert_cmpint (status, ==, 2);
      g_assert_cmpstr (out, ==, "");
      g_assert_true (g_str_has_prefix (err, "temoinctl: "));
    }
}

static void
test_help (Fixture       *f,
           gconstpointer  data)
{
  const char *levels[][4] = {
    { "cookies", "--help", NULL },
    { "cookies", "list", "--help", NULL },
    { "cookies", "purge", "-h", NULL },
  };
  const char *expected[] = { "temoinctl cookies", "temoinctl cookies list",
                             "temoinctl cookies purge" };

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      g_autofree char *out = NULL, *err = NULL;

      g_assert_cmpint (tm_test_temoinctl (f->dir, &out, &err, levels[i][0], levels[i][1],
                                          levels[i][2], NULL),
                       ==, 0);
      g_assert_nonnull (strstr (out, expected[i]));
      g_assert_cmpstr (err, ==, "");
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/cli/cookies/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("list/json-has-every-field-by-site-then-creation", test_list_json_shape);
  ADD ("list/empty-store-is-an-empty-array", test_list_empty);
  ADD ("list/url-gives-what-a-browser-sends-in-order", test_list_url_order);
  ADD ("list/site-matches-registrable-domain-and-table-hides-values", test_list_site);
  ADD ("list/a-filter-that-matches-nothing-says-so", test_list_filter_matches_nothing);
  ADD ("list/a-damaged-store-is-told-once", test_damaged_store_told_once);
  ADD ("purge/category-site-all-print-how-many", test_purge_variants);
  ADD ("purge/a-running-store-is-told", test_purge_reaches_running_store);
  ADD ("usage/bad-command-lines-exit-2", test_usage_errors);
  ADD ("help/every-level-prints-usage-and-exits-0", test_help);

  return g_test_run ();
}
