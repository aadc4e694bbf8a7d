/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tm-classifier.h"
#include "tm-i18n.h"
#include "tm-policy.h"
#include "tm-session-store.h"
#include "tm-test-utils.h"

/* 2100-01-01T00:00:00Z: after 2038, so a 32-bit expiry would come back wrong. */
#define EXPIRES_2100 G_GINT64_CONSTANT (4102444800)
#define SECRET_VALUE "s3cr3t-Vb9Q-do-not-store-twice"

static const char *self_path;

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

static void
put (TmSessionStore *store,
     TmCookie       *cookie)
{
  g_autoptr(TmCookie) owned = cookie;

  tm_session_store_put (store, owned);
}

static TmSessionStore *
open_store (const char *dir)
{
  g_autoptr(GError) error = NULL;
  TmSessionStore *store = tm_session_store_new (dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

static void
flush (TmSessionStore *store)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (tm_session_store_flush (store, &error));
  g_assert_no_error (error);
}

static GPtrArray *
list (TmSessionStore *store,
      const char     *site)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *cookies = tm_session_store_list (store, site, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cookies);
  return cookies;
}

static GPtrArray *
list_for_url (TmSessionStore *store,
              const char     *url)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *cookies = tm_session_store_list_for_url (store, url, &error);

  g_assert_no_error (error);
  g_assert_nonnull (cookies);
  return cookies;
}

/* "name@domain/path" of each cookie, joined by spaces. */
static char *
describe (GPtrArray *cookies)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < cookies->len; i++)
    {
      const TmCookie *c = g_ptr_array_index (cookies, i);

      g_string_append_printf (out, "%s%s@%s%s", i ? " " : "", c->name, c->domain, c->path);
    }
  return g_string_free (out, FALSE);
}

static const TmCookie *
find (GPtrArray  *cookies,
      const char *name,
      const char *path)
{
  for (guint i = 0; i < cookies->len; i++)
    {
      const TmCookie *c = g_ptr_array_index (cookies, i);

      if (g_str_equal (c->name, name) && g_str_equal (c->path, path))
        return c;
    }
  return NULL;
}

/* Runs @sql (one integer result) on the store's file with a connection of its own. */
static gint64
query_int (const char *dir,
           const char *sql)
{
  g_autofree char *path = g_build_filename (dir, TM_SESSION_STORE_FILENAME, NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static char *
query_text (const char *dir,
            const char *sql)
{
  g_autofree char *path = g_build_filename (dir, TM_SESSION_STORE_FILENAME, NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  char *value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static void
exec_sql (const char *dir,
          const char *sql)
{
  g_autofree char *path = g_build_filename (dir, TM_SESSION_STORE_FILENAME, NULL);
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 10000);
  sqlite3_exec (db, sql, NULL, NULL, &message);
  g_assert_null (message);
  sqlite3_close (db);
}

static gboolean
keep_waking_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Runs the main context until *@flag is set or a generous deadline passes. */
static gboolean
wait_for (const guint *counter)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  guint id = g_timeout_add (50, keep_waking_cb, NULL);

  while (*counter == 0 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  return *counter > 0;
}

static void
count_cb (gpointer  emitter,
          guint    *counter)
{
  (*counter)++;
}

/* Tests */

static void
test_round_trip_across_restart (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) cookies = NULL;
  TmCookie *c;
  const TmCookie *got;

  c = make_cookie ("id", "root", "example.org", FALSE, "/", EXPIRES_2100,
                   TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY), 1000);
  c->secure = TRUE;
  c->http_only = TRUE;
  c->same_site = TM_SAME_SITE_STRICT;
  put (store, c);
  /* Same name, another path: a different cookie. UTF-8, a tab and raw bytes. */
  c = make_cookie ("id", "caf\xc3\xa9\tsp ace=\xff\x01", "example.org", FALSE, "/docs",
                   TM_COOKIE_SESSION,
                   TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS) |
                   TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY), 2000);
  c->same_site = TM_SAME_SITE_NONE;
  c->partitioned = TRUE;
  c->secure = TRUE;
  put (store, c);
  c = make_cookie ("", "nameless", "www.example.org", TRUE, "/", EXPIRES_2100 + 1,
                   TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY), 3000);
  c->same_site = TM_SAME_SITE_LAX;
  put (store, c);
  flush (store);

  /* A proxy restart: a new store object and connections on the same file. */
  g_clear_object (&store);
  store = open_store (dir);
  cookies = list (store, NULL);
  g_assert_cmpuint (cookies->len, ==, 3);

  got = find (cookies, "id", "/");
  g_assert_nonnull (got);
  g_assert_cmpstr (got->value, ==, "root");
  g_assert_cmpstr (got->domain, ==, "example.org");
  g_assert_false (got->host_only);
  g_assert_cmpint (got->expires, ==, EXPIRES_2100);
  g_assert_true (got->secure);
  g_assert_true (got->http_only);
  g_assert_false (got->partitioned);
  g_assert_cmpint (got->same_site, ==, TM_SAME_SITE_STRICT);
  g_assert_cmpuint (got->categories, ==, TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY));
  g_assert_cmpint (got->created, ==, 1000);

  got = find (cookies, "id", "/docs");
  g_assert_nonnull (got);
  g_assert_cmpstr (got->value, ==, "caf\xc3\xa9\tsp ace=\xff\x01");
  g_assert_cmpint (got->expires, ==, TM_COOKIE_SESSION);
  g_assert_true (got->secure);
  g_assert_false (got->http_only);
  g_assert_true (got->partitioned);
  g_assert_cmpint (got->same_site, ==, TM_SAME_SITE_NONE);
  g_assert_cmpuint (got->categories, ==, TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS) |
                                         TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY));
  g_assert_cmpint (got->created, ==, 2000);

  got = find (cookies, "", "/");
  g_assert_nonnull (got);
  g_assert_cmpstr (got->value, ==, "nameless");
  g_assert_cmpstr (got->domain, ==, "www.example.org");
  g_assert_true (got->host_only);
  g_assert_cmpint (got->expires, ==, EXPIRES_2100 + 1);
  g_assert_cmpint (got->same_site, ==, TM_SAME_SITE_LAX);
  g_assert_cmpint (got->created, ==, 3000);

  /* The expiry is a real 64-bit integer in the file, not a truncated one. */
  g_assert_cmpint (query_int (dir, "SELECT MAX(expires) FROM cookies"), ==, EXPIRES_2100 + 1);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
test_replacement_replaces_only_itself (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) cookies = NULL;
  const TmCookie *got;

  put (store, make_cookie ("a", "root-1", "example.org", FALSE, "/", EXPIRES_2100, 1, 100));
  put (store, make_cookie ("a", "docs-1", "example.org", FALSE, "/docs", EXPIRES_2100, 1, 200));
  put (store, make_cookie ("a", "other-1", "example.com", FALSE, "/", EXPIRES_2100, 1, 250));
  flush (store);
  put (store, make_cookie ("a", "root-2", "example.org", FALSE, "/", TM_COOKIE_SESSION,
                           2, 300));
  flush (store);

  cookies = list (store, NULL);
  g_assert_cmpuint (cookies->len, ==, 3);
  got = find (cookies, "a", "/docs");
  g_assert_cmpstr (got->value, ==, "docs-1");
  g_assert_cmpint (got->created, ==, 200);
  for (guint i = 0; i < cookies->len; i++)
    {
      const TmCookie *c = g_ptr_array_index (cookies, i);

      if (g_str_equal (c->domain, "example.org") && g_str_equal (c->path, "/"))
        {
          g_assert_cmpstr (c->value, ==, "root-2");
          g_assert_false (c->host_only);
          g_assert_cmpint (c->expires, ==, TM_COOKIE_SESSION);
          g_assert_cmpuint (c->categories, ==, 2);
          /* RFC 6265bis: the replacement keeps the old creation time. */
          g_assert_cmpint (c->created, ==, 100);
        }
      else if (g_str_equal (c->domain, "example.com"))
        g_assert_cmpstr (c->value, ==, "other-1");
    }

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static TmCookie *
make_secure (TmCookie *cookie)
{
  cookie->secure = TRUE;
  return cookie;
}

static void
put_insecure (TmSessionStore *store,
              TmCookie       *cookie)
{
  g_autoptr(TmCookie) owned = cookie;

  tm_session_store_put_from (store, owned, FALSE);
}

/* RFC 6265bis 5.7 steps 10 and 16, decided when the batch is written. */
static void
test_insecure_origin_leaves_secure_cookies_alone (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) cookies = NULL;
  g_autofree char *s = NULL;
  g_autofree char *sql = NULL;
  TmCategories nec = TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);
  const TmCookie *c;

  /* Queued in one batch, in this order: the Secure one is already there when the
   * plain one comes. tm_session_store_put() means a secure origin. */
  put (store, make_secure (make_cookie ("s", "secure", "www.example.org", TRUE, "/",
                                        EXPIRES_2100, nec, 1)));
  put_insecure (store, make_cookie ("s", "plain", "www.example.org", TRUE, "/",
                                    EXPIRES_2100, nec, 2));
  put_insecure (store, make_cookie ("s", "deeper", "www.example.org", TRUE, "/a",
                                    EXPIRES_2100, nec, 3));
  put_insecure (store, make_cookie ("s", "parent", "example.org", FALSE, "/",
                                    EXPIRES_2100, nec, 4));
  put_insecure (store, make_cookie ("s", "", "www.example.org", TRUE, "/", 0, nec, 5));
  /* A Secure cookie over plain HTTP is ignored whatever is stored. */
  put_insecure (store, make_secure (make_cookie ("t", "secure", "www.example.org", TRUE,
                                                 "/", EXPIRES_2100, nec, 6)));
  /* Not in the way of the Secure "s": another name, an unrelated host. */
  put_insecure (store, make_cookie ("u", "plain", "www.example.org", TRUE, "/",
                                    EXPIRES_2100, nec, 7));
  put_insecure (store, make_cookie ("s", "sibling", "other.example.org", TRUE, "/",
                                    EXPIRES_2100, nec, 8));
  flush (store);

  cookies = list (store, NULL);
  s = describe (cookies);
  g_assert_cmpstr (s, ==, "s@www.example.org/ u@www.example.org/ s@other.example.org/");
  c = find (cookies, "s", "/");
  g_assert_cmpstr (c->value, ==, "secure");
  g_assert_true (c->secure);
  g_clear_pointer (&cookies, g_ptr_array_unref);
  g_clear_pointer (&s, g_free);

  /* The path test is one-way: a plain cookie on a shorter path is set beside a
   * Secure one on a longer path. */
  put (store, make_secure (make_cookie ("p", "secure", "www.example.org", TRUE, "/deep",
                                        EXPIRES_2100, nec, 10)));
  put_insecure (store, make_cookie ("p", "plain", "www.example.org", TRUE, "/",
                                    EXPIRES_2100, nec, 11));
  flush (store);
  cookies = list_for_url (store, "https://www.example.org/deep");
  s = describe (cookies);
  g_assert_cmpstr (s, ==, "p@www.example.org/deep s@www.example.org/ u@www.example.org/ "
                          "p@www.example.org/");
  g_clear_pointer (&cookies, g_ptr_array_unref);
  g_clear_pointer (&s, g_free);

  /* An expired Secure cookie not yet trimmed is not in the way. */
  sql = g_strdup_printf ("INSERT INTO cookies (name, value, domain, host_only, path, expires,"
                         " secure, http_only, partitioned, categories, created, last_access)"
                         " VALUES ('x', 'old', 'www.example.org', 1, '/', %" G_GINT64_FORMAT
                         ", 1, 0, 0, 1, 20, 20)", g_get_real_time () / G_USEC_PER_SEC - 60);
  exec_sql (dir, sql);
  put_insecure (store, make_cookie ("x", "plain", "www.example.org", TRUE, "/",
                                    EXPIRES_2100, nec, 21));
  flush (store);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM cookies WHERE name = 'x'"), ==, 1);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM cookies WHERE name = 'x' "
                                   "AND CAST (value AS TEXT) = 'plain' AND secure = 0"), ==, 1);

  /* Over a secure channel, a plain cookie replaces the Secure one. */
  put (store, make_cookie ("s", "plain", "www.example.org", TRUE, "/", EXPIRES_2100, nec, 30));
  flush (store);
  cookies = list_for_url (store, "http://www.example.org/");
  c = find (cookies, "s", "/");
  g_assert_nonnull (c);
  g_assert_cmpstr (c->value, ==, "plain");
  g_assert_false (c->secure);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

/* The path is matched as the client sends it. */
static void
test_list_for_url_path_as_sent (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  TmCategories nec = TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);
  const struct {
    const char *url;
    const char *sent;
  } cases[] = {
    { "http://example.org/foo/bar", "foo@example.org/foo/bar root@example.org/" },
    { "http://example.org/f%6Fo/bar", "root@example.org/" },
    { "http://example.org/foo%2Fbar", "root@example.org/" },
    { "http://example.org/foo/%62ar", "root@example.org/" },
    { "http://example.org/x/../foo/bar/", "foo@example.org/foo/bar root@example.org/" },
    { "http://example.org/foo/bar/..", "root@example.org/" },
    { "http://example.org/foo/./bar", "foo@example.org/foo/bar root@example.org/" },
    { "http://example.org/foo/bar/.", "foo@example.org/foo/bar root@example.org/" },
    { "http://example.org/../../foo/bar", "foo@example.org/foo/bar root@example.org/" },
    { "http://example.org/foo/bar?q=/x#/y", "foo@example.org/foo/bar root@example.org/" },
    { "http://example.org:8080/foo/bar", "foo@example.org/foo/bar root@example.org/" },
    { "http://example.org", "root@example.org/" },
    { "http://example.org?foo/bar", "root@example.org/" },
    { "http://user@example.org/foo/bar", "foo@example.org/foo/bar root@example.org/" },
  };

  put (store, make_cookie ("root", "1", "example.org", TRUE, "/", EXPIRES_2100, nec, 1));
  put (store, make_cookie ("foo", "1", "example.org", TRUE, "/foo/bar", EXPIRES_2100, nec, 2));
  flush (store);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) cookies = list_for_url (store, cases[i].url);
      g_autofree char *s = describe (cookies);

      g_test_message ("%s", cases[i].url);
      g_assert_cmpstr (s, ==, cases[i].sent);
    }

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
test_expired_cookies_are_dropped (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) cookies = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *sql = NULL;

  put (store, make_cookie ("keep", "1", "example.org", FALSE, "/", now + 3600, 1, 1));
  put (store, make_cookie ("gone", "1", "example.org", FALSE, "/", now + 3600, 1, 2));
  put (store, make_cookie ("old", "1", "example.org", FALSE, "/", now - 10, 1, 3));
  flush (store);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM cookies"), ==, 2);

  /* An expired Set-Cookie deletes the stored cookie. */
  put (store, make_cookie ("gone", "", "example.org", FALSE, "/", now - 1, 1, 4));
  flush (store);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM cookies WHERE name = 'gone'"), ==, 0);

  /* A row that expired while stored is not listed, and the next batch trims it. */
  sql = g_strdup_printf ("INSERT INTO cookies (name, value, domain, host_only, path, expires,"
                         " secure, http_only, partitioned, categories, created, last_access)"
                         " VALUES ('stale', X'31', 'example.org', 0, '/', %" G_GINT64_FORMAT
                         ", 0, 0, 0, 1, 5, 5)", now - 100);
  exec_sql (dir, sql);
  cookies = list (store, NULL);
  g_assert_cmpuint (cookies->len, ==, 1);
  g_assert_cmpstr (((TmCookie *) cookies->pdata[0])->name, ==, "keep");
  put (store, make_cookie ("next", "1", "example.org", FALSE, "/", now + 3600, 1, 6));
  flush (store);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM cookies WHERE name = 'stale'"), ==, 0);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM cookies"), ==, 2);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
test_session_cookies_live_until_session_ends (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) cookies = NULL;
  g_autoptr(GError) error = NULL;

  put (store, make_cookie ("session", "1", "example.org", FALSE, "/", TM_COOKIE_SESSION, 1, 1));
  put (store, make_cookie ("persistent", "1", "example.org", FALSE, "/", EXPIRES_2100, 1, 2));
  flush (store);
  g_clear_object (&store);

  /* Reopening is not a new proxy session: the session cookie is still there. */
  store = open_store (dir);
  cookies = list (store, NULL);
  g_assert_cmpuint (cookies->len, ==, 2);
  g_clear_pointer (&cookies, g_ptr_array_unref);

  g_assert_true (tm_session_store_begin_session (store, &error));
  g_assert_no_error (error);
  cookies = list (store, NULL);
  g_assert_cmpuint (cookies->len, ==, 1);
  g_assert_cmpstr (((TmCookie *) cookies->pdata[0])->name, ==, "persistent");
  g_clear_pointer (&cookies, g_ptr_array_unref);

  /* end_session commits what is queued first, then drops the session cookies. */
  put (store, make_cookie ("session2", "1", "example.org", FALSE, "/", TM_COOKIE_SESSION, 1, 3));
  g_assert_true (tm_session_store_end_session (store, &error));
  g_assert_no_error (error);
  cookies = list (store, NULL);
  g_assert_cmpuint (cookies->len, ==, 1);
  g_assert_cmpstr (((TmCookie *) cookies->pdata[0])->name, ==, "persistent");

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
test_list_for_url_order_and_matching (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) http = NULL;
  g_autoptr(GPtrArray) https = NULL;
  g_autoptr(GPtrArray) apex = NULL;
  g_autoptr(GPtrArray) root = NULL;
  g_autofree char *http_s = NULL, *https_s = NULL, *apex_s = NULL, *root_s = NULL;
  g_autoptr(GError) error = NULL;
  TmCookie *c;

  /* Written in an order different from creation order, on purpose. */
  put (store, make_cookie ("b", "1", "example.org", FALSE, "/docs", EXPIRES_2100, 1, 300));
  put (store, make_cookie ("c", "1", "www.example.org", TRUE, "/docs", EXPIRES_2100, 1, 200));
  put (store, make_cookie ("a", "1", "example.org", FALSE, "/", EXPIRES_2100, 1, 100));
  c = make_cookie ("d", "1", "example.org", FALSE, "/", EXPIRES_2100, 1, 50);
  c->secure = TRUE;
  put (store, c);
  put (store, make_cookie ("e", "1", "other.example.org", TRUE, "/", EXPIRES_2100, 1, 10));
  put (store, make_cookie ("f", "1", "example.org", FALSE, "/docsx", EXPIRES_2100, 1, 20));
  put (store, make_cookie ("g", "1", "example.org", TRUE, "/", EXPIRES_2100, 1, 30));
  put (store, make_cookie ("h", "1", "ample.org", FALSE, "/", EXPIRES_2100, 1, 40));
  put (store, make_cookie ("i", "1", "example.org", FALSE, "/docs/page/deeper", EXPIRES_2100,
                           1, 60));
  flush (store);

  http = list_for_url (store, "http://www.example.org/docs/page?x=1");
  http_s = describe (http);
  /* Longer paths first; equal paths by creation; no Secure over http; a host-only
   * cookie only for its host; path-match on "/" boundaries. */
  g_assert_cmpstr (http_s, ==, "c@www.example.org/docs b@example.org/docs a@example.org/");

  https = list_for_url (store, "https://WWW.Example.org/docs/page");
  https_s = describe (https);
  g_assert_cmpstr (https_s, ==,
                   "c@www.example.org/docs b@example.org/docs d@example.org/ a@example.org/");

  apex = list_for_url (store, "https://example.org/docs/");
  apex_s = describe (apex);
  g_assert_cmpstr (apex_s, ==, "b@example.org/docs g@example.org/ d@example.org/ "
                               "a@example.org/");

  /* No path: the default path "/". */
  root = list_for_url (store, "http://example.org");
  root_s = describe (root);
  g_assert_cmpstr (root_s, ==, "g@example.org/ a@example.org/");

  g_assert_null (tm_session_store_list_for_url (store, "not a url", &error));
  g_assert_error (error, TM_SESSION_STORE_ERROR, TM_SESSION_STORE_ERROR_INVALID_URL);
  g_clear_error (&error);
  g_assert_null (tm_session_store_list_for_url (store, "ftp://example.org/", &error));
  g_assert_error (error, TM_SESSION_STORE_ERROR, TM_SESSION_STORE_ERROR_INVALID_URL);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
test_list_site_filter (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) all = NULL;
  g_autoptr(GPtrArray) org = NULL;
  g_autoptr(GPtrArray) www = NULL;
  g_autoptr(GPtrArray) ip = NULL;
  g_autoptr(GPtrArray) uk = NULL;
  g_autoptr(GPtrArray) local = NULL;
  g_autofree char *all_s = NULL, *org_s = NULL, *www_s = NULL, *ip_s = NULL;
  g_autofree char *uk_s = NULL, *local_s = NULL;

  put (store, make_cookie ("w", "1", "www.example.org", TRUE, "/", EXPIRES_2100, 1, 50));
  put (store, make_cookie ("o", "1", "example.org", FALSE, "/", EXPIRES_2100, 1, 10));
  put (store, make_cookie ("com", "1", "example.com", FALSE, "/", EXPIRES_2100, 1, 5));
  put (store, make_cookie ("ip", "1", "127.0.0.1", TRUE, "/", EXPIRES_2100, 1, 1));
  put (store, make_cookie ("ip2", "1", "127.0.0.2", TRUE, "/", EXPIRES_2100, 1, 2));
  put (store, make_cookie ("lh", "1", "localhost", TRUE, "/", EXPIRES_2100, 1, 3));
  put (store, make_cookie ("uk", "1", "shop.example.co.uk", TRUE, "/", EXPIRES_2100, 1, 4));
  put (store, make_cookie ("uk2", "1", "other.co.uk", TRUE, "/", EXPIRES_2100, 1, 0));
  flush (store);

  all = list (store, NULL);
  all_s = describe (all);
  /* By site, then by creation. */
  g_assert_cmpstr (all_s, ==,
                   "ip@127.0.0.1/ ip2@127.0.0.2/ uk@shop.example.co.uk/ com@example.com/ "
                   "o@example.org/ w@www.example.org/ lh@localhost/ uk2@other.co.uk/");

  org = list (store, "example.org");
  org_s = describe (org);
  g_assert_cmpstr (org_s, ==, "o@example.org/ w@www.example.org/");
  www = list (store, "WWW.example.org");
  www_s = describe (www);
  g_assert_cmpstr (www_s, ==, org_s);
  ip = list (store, "127.0.0.1");
  ip_s = describe (ip);
  g_assert_cmpstr (ip_s, ==, "ip@127.0.0.1/");
  uk = list (store, "example.co.uk");
  uk_s = describe (uk);
  g_assert_cmpstr (uk_s, ==, "uk@shop.example.co.uk/");
  local = list (store, "localhost");
  local_s = describe (local);
  g_assert_cmpstr (local_s, ==, "lh@localhost/");

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static gint64
purge (TmSessionStore *store,
       TmPurgeKind     kind,
       TmCategories    categories,
       const char     *site)
{
  g_autoptr(GError) error = NULL;
  gint64 n = tm_session_store_purge (store, kind, categories, site, &error);

  g_assert_no_error (error);
  return n;
}

static GPtrArray *
tombstones (TmSessionStore *store,
            gint64          after,
            gint64         *last)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *dead = tm_session_store_list_tombstones (store, after, last, &error);

  g_assert_no_error (error);
  g_assert_nonnull (dead);
  return dead;
}

static void
test_purge_with_tombstones (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) dead = NULL;
  g_autoptr(GPtrArray) left = NULL;
  g_autofree char *dead_s = NULL, *left_s = NULL;
  TmCategories stats = TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS);
  TmCategories third = TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY);
  TmCategories necessary = TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);
  gint64 last = -1, last2 = -1;
  TmCookie *c;

  c = make_cookie ("_ga", "1", "example.org", FALSE, "/", EXPIRES_2100, stats, 1);
  c->secure = TRUE;
  c->http_only = TRUE;
  put (store, c);
  put (store, make_cookie ("_pk_id", "1", "www.example.org", TRUE, "/x", EXPIRES_2100,
                           stats | third, 2));
  put (store, make_cookie ("ad", "1", "ads.example.net", FALSE, "/", EXPIRES_2100, third, 3));
  put (store, make_cookie ("sessionid", "1", "example.org", FALSE, "/", TM_COOKIE_SESSION,
                           necessary, 4));
  put (store, make_cookie ("lang", "1", "example.com", FALSE, "/", EXPIRES_2100, necessary, 5));
  put (store, make_cookie ("csrftoken", "1", "sub.example.com", TRUE, "/", EXPIRES_2100,
                           necessary, 6));
  flush (store);

  dead = tombstones (store, 0, &last);
  g_assert_cmpuint (dead->len, ==, 0);
  g_assert_cmpint (last, ==, 0);
  g_clear_pointer (&dead, g_ptr_array_unref);

  g_assert_cmpint (purge (store, TM_PURGE_CATEGORY, stats, NULL), ==, 2);
  dead = tombstones (store, 0, &last);
  dead_s = describe (dead);
  g_assert_cmpstr (dead_s, ==, "_ga@example.org/ _pk_id@www.example.org/x");
  g_assert_true (((TmCookie *) dead->pdata[0])->secure);
  g_assert_true (((TmCookie *) dead->pdata[0])->http_only);
  g_assert_false (((TmCookie *) dead->pdata[0])->host_only);
  g_assert_true (((TmCookie *) dead->pdata[1])->host_only);
  g_assert_false (((TmCookie *) dead->pdata[1])->secure);
  g_assert_cmpint (last, >, 0);
  g_clear_pointer (&dead, g_ptr_array_unref);
  g_clear_pointer (&dead_s, g_free);

  /* Nothing new after the cursor. */
  dead = tombstones (store, last, &last2);
  g_assert_cmpuint (dead->len, ==, 0);
  g_assert_cmpint (last2, ==, last);
  g_clear_pointer (&dead, g_ptr_array_unref);

  /* A category nothing carries any more. */
  g_assert_cmpint (purge (store, TM_PURGE_CATEGORY, stats, NULL), ==, 0);

  g_assert_cmpint (purge (store, TM_PURGE_SITE, 0, "www.example.com"), ==, 2);
  dead = tombstones (store, last, &last2);
  dead_s = describe (dead);
  g_assert_cmpstr (dead_s, ==, "lang@example.com/ csrftoken@sub.example.com/");
  g_assert_cmpint (last2, >, last);
  g_clear_pointer (&dead, g_ptr_array_unref);

  left = list (store, NULL);
  left_s = describe (left);
  g_assert_cmpstr (left_s, ==, "ad@ads.example.net/ sessionid@example.org/");

  g_assert_cmpint (purge (store, TM_PURGE_ALL, 0, NULL), ==, 2);
  g_assert_cmpint (purge (store, TM_PURGE_ALL, 0, NULL), ==, 0);
  dead = tombstones (store, 0, &last);
  g_assert_cmpuint (dead->len, ==, 6);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM cookies"), ==, 0);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static gboolean
delete_cookie (TmSessionStore *store,
               const char     *name,
               const char     *domain,
               gboolean        host_only,
               const char     *path,
               GError        **error)
{
  g_autoptr(TmCookie) cookie = make_cookie (name, "", domain, host_only, path,
                                            TM_COOKIE_SESSION, 0, 0);

  return tm_session_store_delete (store, cookie, error);
}

static void
test_delete_one_cookie_leaves_a_tombstone (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(TmSessionStore) other = open_store (dir);
  g_autoptr(GPtrArray) dead = NULL;
  g_autoptr(GPtrArray) left = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *left_s = NULL;
  TmCategories stats = TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS);
  gint64 last = -1, last2 = -1;
  guint changed = 0;
  TmCookie *c;

  g_signal_connect (other, "changed", G_CALLBACK (count_cb), &changed);

  c = make_cookie ("_ga", "1", "example.org", FALSE, "/", EXPIRES_2100, stats, 1);
  c->secure = TRUE;
  put (store, c);
  put (store, make_cookie ("_ga", "2", "example.org", FALSE, "/x", EXPIRES_2100, stats, 2));
  put (store, make_cookie ("_ga", "3", "www.example.org", TRUE, "/", EXPIRES_2100, stats, 3));
  put (store, make_cookie ("_gid", "4", "example.org", FALSE, "/", EXPIRES_2100, stats, 4));
  flush (store);
  g_assert_true (wait_for (&changed));
  changed = 0;

  /* Not that cookie: the same name, domain and path, but host-only. */
  g_assert_true (delete_cookie (store, "_ga", "example.org", TRUE, "/", &error));
  g_assert_no_error (error);
  dead = tombstones (store, 0, &last);
  g_assert_cmpuint (dead->len, ==, 0);
  g_clear_pointer (&dead, g_ptr_array_unref);

  /* Exactly that one: the same name on another path or host stays. */
  g_assert_true (delete_cookie (store, "_ga", "example.org", FALSE, "/", &error));
  g_assert_no_error (error);
  dead = tombstones (store, 0, &last);
  g_assert_cmpuint (dead->len, ==, 1);
  c = g_ptr_array_index (dead, 0);
  g_assert_cmpstr (c->name, ==, "_ga");
  g_assert_cmpstr (c->domain, ==, "example.org");
  g_assert_cmpstr (c->path, ==, "/");
  g_assert_false (c->host_only);
  g_assert_true (c->secure);
  g_assert_cmpint (last, >, 0);
  g_clear_pointer (&dead, g_ptr_array_unref);
  left = list (store, NULL);
  left_s = describe (left);
  g_assert_cmpstr (left_s, ==, "_ga@example.org/x _ga@www.example.org/ _gid@example.org/");
  g_clear_pointer (&left, g_ptr_array_unref);
  g_clear_pointer (&left_s, g_free);

  /* Another connection (the proxy's, another process's) is told. */
  g_assert_true (wait_for (&changed));

  /* Deleting it again, or a cookie never stored, changes nothing and is fine. */
  g_assert_true (delete_cookie (store, "_ga", "example.org", FALSE, "/", &error));
  g_assert_no_error (error);
  g_assert_true (delete_cookie (store, "nobody", "example.net", FALSE, "/", &error));
  g_assert_no_error (error);
  dead = tombstones (store, last, &last2);
  g_assert_cmpuint (dead->len, ==, 0);
  g_assert_cmpint (last2, ==, last);
  g_clear_pointer (&dead, g_ptr_array_unref);

  /* A cookie still queued is committed first, then deleted: it does not come back. */
  put (store, make_cookie ("queued", "5", "example.org", FALSE, "/", EXPIRES_2100, stats, 5));
  g_assert_true (delete_cookie (store, "queued", "example.org", FALSE, "/", &error));
  g_assert_no_error (error);
  flush (store);
  left = list (store, NULL);
  g_assert_null (find (left, "queued", "/"));
  g_clear_pointer (&left, g_ptr_array_unref);
  dead = tombstones (store, last, &last2);
  g_assert_cmpuint (dead->len, ==, 1);
  g_assert_cmpstr (((TmCookie *) dead->pdata[0])->name, ==, "queued");
  g_clear_pointer (&dead, g_ptr_array_unref);

  /* A failure says so, and leaves neither a deletion nor a tombstone behind. */
  exec_sql (dir, "CREATE TRIGGER no_delete BEFORE DELETE ON cookies "
                 "BEGIN SELECT RAISE (ABORT, 'deletion refused by the test'); END;");
  g_assert_false (delete_cookie (store, "_gid", "example.org", FALSE, "/", &error));
  g_assert_error (error, TM_SESSION_STORE_ERROR, TM_SESSION_STORE_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "_gid"));
  g_assert_nonnull (strstr (error->message, "deletion refused by the test"));
  g_clear_error (&error);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM cookies WHERE name = '_gid'"), ==, 1);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM tombstones WHERE name = '_gid'"),
                   ==, 0);

  g_clear_object (&other);
  g_clear_object (&store);
  tm_test_rmdir (dir);
}

/* RFC 6265bis 5.7: the host-only flag is part of a cookie's identity. */
static void
test_host_only_twins (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) cookies = NULL;
  g_autoptr(GPtrArray) dead = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *s = NULL;
  TmCategories stats = TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS);
  gint64 last = -1;
  const TmCookie *c;

  put (store, make_cookie ("a", "domain-1", "example.org", FALSE, "/", EXPIRES_2100, stats, 100));
  put (store, make_cookie ("a", "host-1", "example.org", TRUE, "/", EXPIRES_2100, stats, 200));
  flush (store);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM cookies"), ==, 2);

  /* Each replaces only itself and keeps its creation time. */
  put (store, make_cookie ("a", "host-2", "example.org", TRUE, "/", EXPIRES_2100, stats, 300));
  flush (store);
  cookies = list_for_url (store, "http://example.org/");
  g_assert_cmpuint (cookies->len, ==, 2);
  c = g_ptr_array_index (cookies, 0);
  g_assert_cmpstr (c->value, ==, "domain-1");
  g_assert_false (c->host_only);
  c = g_ptr_array_index (cookies, 1);
  g_assert_cmpstr (c->value, ==, "host-2");
  g_assert_true (c->host_only);
  g_assert_cmpint (c->created, ==, 200);
  g_clear_pointer (&cookies, g_ptr_array_unref);

  /* Only the Domain cookie goes to a subdomain. */
  cookies = list_for_url (store, "http://www.example.org/");
  s = describe (cookies);
  g_assert_cmpstr (s, ==, "a@example.org/");
  g_assert_false (((const TmCookie *) g_ptr_array_index (cookies, 0))->host_only);
  g_clear_pointer (&cookies, g_ptr_array_unref);
  g_clear_pointer (&s, g_free);

  /* tm_session_store_delete() takes exactly the one it is given. */
  g_assert_true (delete_cookie (store, "a", "example.org", TRUE, "/", &error));
  g_assert_no_error (error);
  dead = tombstones (store, 0, &last);
  g_assert_cmpuint (dead->len, ==, 1);
  g_assert_true (((const TmCookie *) g_ptr_array_index (dead, 0))->host_only);
  g_clear_pointer (&dead, g_ptr_array_unref);
  cookies = list (store, NULL);
  g_assert_cmpuint (cookies->len, ==, 1);
  g_assert_cmpstr (((const TmCookie *) g_ptr_array_index (cookies, 0))->value, ==, "domain-1");
  g_clear_pointer (&cookies, g_ptr_array_unref);

  /* A purge buries both, each tombstone with its own flag. */
  put (store, make_cookie ("a", "host-3", "example.org", TRUE, "/", EXPIRES_2100, stats, 400));
  g_assert_cmpint (tm_session_store_purge (store, TM_PURGE_SITE, 0, "example.org", &error),
                   ==, 2);
  g_assert_no_error (error);
  dead = tombstones (store, last, &last);
  g_assert_cmpuint (dead->len, ==, 2);
  g_assert_cmpint (((const TmCookie *) g_ptr_array_index (dead, 0))->host_only +
                   ((const TmCookie *) g_ptr_array_index (dead, 1))->host_only, ==, 1);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM cookies"), ==, 0);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
test_files_are_private (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  const char *suffixes[] = { "", "-wal", "-shm" };
  guint checked = 0;

  put (store, make_cookie ("id", "1", "example.org", FALSE, "/", EXPIRES_2100, 1, 1));
  flush (store);

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strconcat (dir, "/" TM_SESSION_STORE_FILENAME, suffixes[i],
                                           NULL);
      GStatBuf st;

      if (g_stat (path, &st) != 0)
        continue;
      g_assert_cmpint (st.st_mode & 0777, ==, 0600);
      checked++;
    }
  /* The store is open in WAL mode: the database and its WAL both exist. */
  g_assert_cmpuint (checked, >=, 2);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
test_second_store_sees_writes (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) a = open_store (dir);
  g_autoptr(TmSessionStore) b = open_store (dir);
  g_autoptr(GPtrArray) seen = NULL;
  guint a_changed = 0, b_changed = 0;

  g_signal_connect (a, "changed", G_CALLBACK (count_cb), &a_changed);
  g_signal_connect (b, "changed", G_CALLBACK (count_cb), &b_changed);

  put (a, make_cookie ("id", "1", "example.org", FALSE, "/", EXPIRES_2100, 1, 1));
  flush (a);
  /* The writer's own commit, signalled on this main context... */
  g_assert_true (wait_for (&a_changed));
  /* ...and noticed by another connection. */
  g_assert_true (wait_for (&b_changed));
  seen = list (b, NULL);
  g_assert_cmpuint (seen->len, ==, 1);

  /* And the other way round, with a purge. */
  a_changed = 0;
  g_assert_cmpint (purge (b, TM_PURGE_ALL, 0, NULL), ==, 1);
  g_assert_true (wait_for (&a_changed));
  g_clear_pointer (&seen, g_ptr_array_unref);
  seen = list (a, NULL);
  g_assert_cmpuint (seen->len, ==, 0);

  g_clear_object (&a);
  g_clear_object (&b);
  tm_test_rmdir (dir);
}

/* The app reads while the proxy writes: with WAL, an open write transaction in
 * another connection neither blocks a read nor shows it uncommitted rows. */
static void
test_readers_not_blocked_by_writer (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, TM_SESSION_STORE_FILENAME, NULL);
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) during = NULL;
  g_autoptr(GPtrArray) after = NULL;
  sqlite3 *writer = NULL;
  char *message = NULL;

  put (store, make_cookie ("committed", "1", "example.org", FALSE, "/", EXPIRES_2100, 1, 1));
  flush (store);

  g_assert_cmpint (sqlite3_open_v2 (path, &writer, SQLITE_OPEN_READWRITE, NULL), ==, SQLITE_OK);
  sqlite3_exec (writer, "BEGIN IMMEDIATE; INSERT INTO cookies (name, value, domain, host_only,"
                " path, expires, secure, http_only, partitioned, categories, created,"
                " last_access) VALUES ('pending', X'31', 'example.org', 0, '/', NULL, 0, 0, 0,"
                " 1, 2, 2)", NULL, NULL, &message);
  g_assert_null (message);

  /* A busy reader would fail here (list asserts no error). */
  during = list (store, NULL);
  g_assert_cmpuint (during->len, ==, 1);
  g_assert_cmpstr (((TmCookie *) during->pdata[0])->name, ==, "committed");

  sqlite3_exec (writer, "COMMIT", NULL, NULL, &message);
  g_assert_null (message);
  sqlite3_close (writer);
  after = list (store, NULL);
  g_assert_cmpuint (after->len, ==, 2);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
test_batching_ten_thousand_puts (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) cookies = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) tm_cookie_free);
  guint64 commits;
  gint64 start, queued, committed;

  for (guint i = 0; i < 10000; i++)
    {
      g_autofree char *name = g_strdup_printf ("c%05u", i);

      g_ptr_array_add (batch, make_cookie (name, "v", "example.org", FALSE, "/", EXPIRES_2100,
                                           1, i + 1));
    }
  start = g_get_monotonic_time ();
  for (guint i = 0; i < batch->len; i++)
    tm_session_store_put (store, g_ptr_array_index (batch, i));
  queued = g_get_monotonic_time ();
  flush (store);
  committed = g_get_monotonic_time ();
  /* Reported, never asserted: what a put costs the request path. */
  g_test_message ("put: %.2f us each; flush of the rest: %.1f ms",
                  (double) (queued - start) / batch->len, (committed - queued) / 1000.0);

  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM cookies"), ==, 10000);
  cookies = list (store, "example.org");
  g_assert_cmpuint (cookies->len, ==, 10000);
  g_assert_cmpstr (((TmCookie *) cookies->pdata[9999])->name, ==, "c09999");

  /* Batched: a handful of transactions, not one per cookie (the exact number
   * depends on how fast the puts came, which a test must not assume). */
  commits = tm_session_store_get_n_commits (store);
  g_test_message ("10000 puts committed in %" G_GUINT64_FORMAT " transaction(s)", commits);
  g_assert_cmpuint (commits, >=, 1);
  g_assert_cmpuint (commits, <, 100);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

/* The child of the kill test: flushes a first batch, says so, then keeps writing
 * and flushing until it is killed. */
static int
write_until_killed (const char *dir)
{
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autofree char *value = g_strnfill (200, 'x');

  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *name = g_strdup_printf ("flushed-%03u", i);

      put (store, make_cookie (name, value, "example.org", FALSE, "/", EXPIRES_2100, 1, i + 1));
    }
  flush (store);
  printf ("flushed\n");
  fflush (stdout);

  for (guint batch = 0; ; batch++)
    {
      for (guint i = 0; i < 200; i++)
        {
          g_autofree char *name = g_strdup_printf ("later-%u-%u", batch, i);

          put (store, make_cookie (name, value, "example.org", FALSE, "/", EXPIRES_2100, 1,
                                   1000 + batch * 200 + i));
        }
      flush (store);
      printf ("batch %u\n", batch);
      fflush (stdout);
    }
  return 0;
}

static void
test_kill_keeps_flushed_cookies (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TmSessionStore) store = NULL;
  g_autoptr(GPtrArray) cookies = NULL;
  g_autofree char *integrity = NULL;
  const char *argv[] = { self_path, "--write-until-killed", dir, NULL };
  char line[256];
  guint batches = 0, flushed = 0, later = 0;
  GPid pid;
  int out_fd, status;
  FILE *out;

  g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL,
                            &pid, NULL, &out_fd, NULL, &error);
  g_assert_no_error (error);
  out = fdopen (out_fd, "r");
  g_assert_nonnull (out);

  g_assert_nonnull (fgets (line, sizeof line, out));
  g_assert_cmpstr (line, ==, "flushed\n");
  /* Let it commit a few more batches, then kill it while it writes. */
  while (batches < 5 && fgets (line, sizeof line, out) != NULL)
    batches++;
  g_assert_cmpuint (batches, ==, 5);
  kill (pid, SIGKILL);
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_assert_true (WIFSIGNALED (status) && WTERMSIG (status) == SIGKILL);
  fclose (out);
  g_spawn_close_pid (pid);

  /* The file is intact and every flushed cookie survived. */
  integrity = query_text (dir, "PRAGMA integrity_check");
  g_assert_cmpstr (integrity, ==, "ok");
  store = open_store (dir);
  g_assert_null (tm_session_store_get_moved_aside (store));
  cookies = list (store, NULL);
  for (guint i = 0; i < cookies->len; i++)
    {
      const TmCookie *c = g_ptr_array_index (cookies, i);

      if (g_str_has_prefix (c->name, "flushed-"))
        flushed++;
      else if (g_str_has_prefix (c->name, "later-"))
        later++;
    }
  g_assert_cmpuint (flushed, ==, 500);
  /* The batches it reported as committed are there too. */
  g_assert_cmpuint (later, >=, 5 * 200);
  g_test_message ("killed after %u cookies of later batches were committed", later);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

/* What a proxy under load does: the same few cookies set again and again with
 * new values, a decision now and then, one small commit after another. The
 * files must stay small: the table keeps one row per cookie, and the WAL is
 * checkpointed and cut back instead of staying at its high-water mark. */
static void
test_wal_stays_small_under_load (void)
{
  static const char * const names[] = {
    "sessionid", "csrftoken", "django_language", "cookies_preferences", "_ga", "IDE",
  };
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *db_path = g_build_filename (dir, "cookies.sqlite", NULL);
  g_autofree char *wal_path = g_build_filename (dir, "cookies.sqlite-wal", NULL);
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) cookies = NULL;
  GStatBuf db_st, wal_st;

  for (guint commit = 0; commit < 1500; commit++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          g_autofree char *value = g_strdup_printf ("%s-%u-%u", SECRET_VALUE, commit, i);

          put (store, make_cookie (names[i], value, "example.org", TRUE, "/", EXPIRES_2100,
                                   TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY), 0));
        }
      if (commit % 10 == 0)
        {
          TmDecisionRecord record = {
            .time = 1000 + commit,
            .site = (char *) "example.org",
            .host = (char *) "example.org",
            .name = (char *) names[commit % G_N_ELEMENTS (names)],
            .direction = (char *) "response",
            .categories = TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY),
            .keep = TRUE,
            .reason = (char *) "a necessary cookie",
            .source = (char *) "builtin",
          };

          tm_session_store_log_decision (store, &record);
        }
      flush (store);
    }

  cookies = list (store, NULL);
  g_assert_cmpuint (cookies->len, ==, G_N_ELEMENTS (names));
  g_assert_cmpint (g_stat (db_path, &db_st), ==, 0);
  g_assert_cmpint (g_stat (wal_path, &wal_st), ==, 0);
  g_test_message ("after 1500 commits: database %" G_GINT64_FORMAT " bytes, WAL %"
                  G_GINT64_FORMAT " bytes", (gint64) db_st.st_size, (gint64) wal_st.st_size);
  g_assert_cmpint (db_st.st_size, <, 256 * 1024);
  /* 1 MiB once cut back, plus at most 256 pages written since the last
   * checkpoint; SQLite's defaults leave it at 4 MiB. */
  g_assert_cmpint (wal_st.st_size, <=, 2 * 1024 * 1024);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static gboolean
file_contains (const char *path,
               const char *needle)
{
  g_autofree char *contents = NULL;
  gsize len = 0, n = strlen (needle);

  if (!g_file_get_contents (path, &contents, &len, NULL))
    return FALSE;
  for (gsize i = 0; i + n <= len; i++)
    if (memcmp (contents + i, needle, n) == 0)
      return TRUE;
  return FALSE;
}

static void
test_decisions_bounded_without_values (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *db_path = g_build_filename (dir, TM_SESSION_STORE_FILENAME, NULL);
  g_autoptr(TmSessionStore) store = open_store (dir);
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) newer = NULL;
  g_autoptr(GError) error = NULL;
  const TmDecisionRecord *first, *last;
  guint decisions_changed = 0;

  g_signal_connect (store, "decisions-changed", G_CALLBACK (count_cb), &decisions_changed);

  put (store, make_cookie ("_ga", SECRET_VALUE, "example.org", FALSE, "/", EXPIRES_2100,
                           TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS), 1));
  for (guint i = 0; i < 1500; i++)
    {
      g_autofree char *name = g_strdup_printf ("n%04u", i);
      TmDecisionRecord record = {
        .id = 999999,
        .time = 1000 + i,
        .site = (char *) "example.org",
        .host = (char *) "www.example.org",
        .name = name,
        .direction = (char *) (i % 2 ? "request" : "response"),
        .categories = TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS),
        .keep = i % 3 == 0,
        .reason = (char *) "statistics refused",
        .source = (char *) "builtin",
      };

      tm_session_store_log_decision (store, &record);
    }
  flush (store);
  g_assert_true (wait_for (&decisions_changed));

  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM decisions"), ==,
                   TM_SESSION_STORE_MAX_DECISIONS);
  records = tm_session_store_list_decisions (store, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, TM_SESSION_STORE_MAX_DECISIONS);
  first = g_ptr_array_index (records, 0);
  last = g_ptr_array_index (records, records->len - 1);
  /* Newest first; the oldest 500 were trimmed. */
  g_assert_cmpstr (first->name, ==, "n1499");
  g_assert_cmpstr (last->name, ==, "n0500");
  g_assert_cmpint (first->time, ==, 2499);
  g_assert_cmpstr (first->direction, ==, "request");
  g_assert_false (first->keep);
  g_assert_cmpstr (first->site, ==, "example.org");
  g_assert_cmpstr (first->host, ==, "www.example.org");
  g_assert_cmpstr (first->reason, ==, "statistics refused");
  g_assert_cmpstr (first->source, ==, "builtin");
  g_assert_cmpuint (first->categories, ==, TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS));
  g_assert_cmpint (first->id, >, last->id);
  g_assert_false (((TmDecisionRecord *) records->pdata[1])->keep);  /* n1498 */
  g_assert_true (((TmDecisionRecord *) records->pdata[2])->keep);   /* n1497 */

  newer = tm_session_store_list_decisions (store, first->id - 10, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (newer->len, ==, 3);
  g_assert_cmpint (((TmDecisionRecord *) newer->pdata[0])->id, ==, first->id);

  /* The value lives in the cookies table only: once the cookie is deleted and the
   * file compacted, it is nowhere on disk (neither decisions nor tombstones). */
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM decisions WHERE "
                                   "instr(name || site || host || reason || source, "
                                   "'" SECRET_VALUE "') > 0"), ==, 0);
  g_assert_cmpint (purge (store, TM_PURGE_ALL, 0, NULL), ==, 1);
  g_clear_object (&store);
  exec_sql (dir, "PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);");
  g_assert_true (file_contains (db_path, "n1499"));
  g_assert_false (file_contains (db_path, SECRET_VALUE));

  tm_test_rmdir (dir);
}

/* Decisions the proxy could log, as (cookie name, host, top site). */
static const struct {
  const char *name;
  const char *host;
  const char *top_site;   /* NULL: the host is the top level; "": unknown */
  TmCategories accepted;
} decision_cases[] = {
  { "_ga", "tracker.example", "site-a.test", TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY) },
  { "_ga", "www.example.org", NULL, TM_CATEGORIES_ALL },
  { "sessionid", "data.example.org", NULL, TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY) },
  { "widget_pref", "www.example.org", NULL, TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS) },
  { "widget_pref", "cdn.example.net", "", TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY) },
  { "", "www.example.org", NULL, TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY) },
};

static void
log_decision_cases (TmSessionStore *store,
                    TmClassifier   *classifier)
{
  for (guint i = 0; i < G_N_ELEMENTS (decision_cases); i++)
    {
      TmCookieContext context = { decision_cases[i].host, decision_cases[i].top_site };
      g_autofree char *reason = NULL;
      TmDecision decision;
      TmDecisionRecord record = {
        .time = 1000 + i,
        .site = (char *) "example.org",
        .host = (char *) decision_cases[i].host,
        .name = (char *) decision_cases[i].name,
        .direction = (char *) "response",
      };

      tm_policy_decide (classifier, decision_cases[i].accepted, decision_cases[i].name,
                        &context, &decision);
      reason = tm_decision_describe (&decision, decision_cases[i].name, FALSE);
      record.reason = reason;
      tm_decision_record_set_decision (&record, &decision);
      tm_session_store_log_decision (store, &record);
    }
}

/* Runs in a subprocess: it switches the process's language. */
static void
test_decision_records_describe_themselves (void)
{
  g_autofree char *dir = NULL;
  g_autoptr(TmSessionStore) store = NULL;
  g_autoptr(TmClassifier) classifier = NULL;
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) error = NULL;
  guint n_different = 0;

  if (!g_test_subprocess ())
    {
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
      return;
    }

  g_unsetenv ("LC_ALL");
  g_unsetenv ("LC_MESSAGES");
  g_setenv ("LANG", "C.UTF-8", TRUE);
  g_unsetenv ("LANGUAGE");
  tm_i18n_init ();
  tm_i18n_set_language ("en");

  dir = tm_test_make_tmp_dir ();
  store = open_store (dir);
  classifier = tm_classifier_new ();
  log_decision_cases (store, classifier);
  flush (store);

  records = tm_session_store_list_decisions (store, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, G_N_ELEMENTS (decision_cases));

  for (guint lang = 0; lang < 2; lang++)
    {
      tm_i18n_set_language (lang == 0 ? "en" : "fr");
      for (guint i = 0; i < records->len; i++)
        {
          /* Newest first. */
          const TmDecisionRecord *record = g_ptr_array_index (records, records->len - 1 - i);
          TmCookieContext context = { decision_cases[i].host, decision_cases[i].top_site };
          g_autofree char *english = NULL, *translated = NULL;
          g_autofree char *said = NULL, *said_translated = NULL;
          TmDecision decision;

          tm_policy_decide (classifier, decision_cases[i].accepted, decision_cases[i].name,
                            &context, &decision);
          english = tm_decision_describe (&decision, decision_cases[i].name, FALSE);
          translated = tm_decision_describe (&decision, decision_cases[i].name, TRUE);

          g_assert_true (record->classified);
          g_assert_cmpstr (record->top_site, ==, decision_cases[i].top_site);
          said = tm_decision_record_describe (record, FALSE);
          said_translated = tm_decision_record_describe (record, TRUE);
          g_test_message ("%s: %s | %s", lang == 0 ? "en" : "fr", said, said_translated);
          g_assert_cmpstr (said, ==, english);
          g_assert_cmpstr (said, ==, record->reason);
          g_assert_cmpstr (said_translated, ==, translated);
          if (lang == 1 && g_strcmp0 (said_translated, said) != 0)
            n_different++;
          if (lang == 0)
            g_assert_cmpstr (said_translated, ==, said);
        }
    }
  /* The French catalogue was really used, for every row. */
  g_assert_cmpuint (n_different, ==, G_N_ELEMENTS (decision_cases));
  {
    const TmDecisionRecord *ga = g_ptr_array_index (records, records->len - 1);
    g_autofree char *fr = tm_decision_record_describe (ga, TRUE);

    /* po/fr.po's words, whatever their exact punctuation. */
    g_assert_true (g_str_has_prefix (fr, "cookie statistique (_ga sur tracker.example, "
                                         "Google Analytics, site "));
  }

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

/* The schema-1 file of an earlier Témoin, as it created it, with one decision. */
static const char schema_v1[] =
  "CREATE TABLE cookies (name TEXT NOT NULL, value BLOB NOT NULL, domain TEXT NOT NULL,"
  "  host_only INTEGER NOT NULL, path TEXT NOT NULL, expires INTEGER,"
  "  secure INTEGER NOT NULL, http_only INTEGER NOT NULL,"
  "  same_site TEXT CHECK (same_site IN ('strict', 'lax', 'none')),"
  "  partitioned INTEGER NOT NULL, categories INTEGER NOT NULL, created INTEGER NOT NULL,"
  "  last_access INTEGER NOT NULL, UNIQUE (name, domain, path));"
  "CREATE INDEX cookies_by_domain ON cookies (domain);"
  "CREATE INDEX cookies_by_expiry ON cookies (expires) WHERE expires IS NOT NULL;"
  "CREATE TABLE tombstones (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
  "  domain TEXT NOT NULL, host_only INTEGER NOT NULL, path TEXT NOT NULL,"
  "  secure INTEGER NOT NULL, http_only INTEGER NOT NULL, deleted_at INTEGER NOT NULL);"
  "CREATE TABLE decisions (id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,"
  "  site TEXT, host TEXT, name TEXT NOT NULL,"
  "  direction TEXT NOT NULL CHECK (direction IN ('response', 'request')),"
  "  categories INTEGER NOT NULL,"
  "  decision TEXT NOT NULL CHECK (decision IN ('keep', 'block')), reason TEXT, source TEXT);"
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
  "INSERT INTO meta (key, value) VALUES ('cookies', 1), ('decisions', 1);"
  "INSERT INTO cookies VALUES ('_ga', X'31', 'example.org', 0, '/', 4102444800, 0, 0, NULL,"
  "  0, 2, 1, 1);"
  "INSERT INTO cookies (rowid, name, value, domain, host_only, path, expires, secure,"
  "  http_only, same_site, partitioned, categories, created, last_access) VALUES"
  "  (9, 'early', X'32', 'www.example.org', 1, '/', NULL, 1, 1, 'lax', 0, 1, 1, 1),"
  "  (3, 'late', X'33', 'example.org', 0, '/a', 4102444800, 0, 0, NULL, 0, 1, 2, 2);"
  "INSERT INTO decisions (time, site, host, name, direction, categories, decision, reason,"
  "  source) VALUES (5, 'example.org', 'www.example.org', '_ga', 'response', 2, 'block',"
  "  'statistics cookie (_ga, Google Analytics): statistics are refused', 'builtin');"
  "PRAGMA user_version = 1;";

static void
test_schema_1_is_migrated (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, TM_SESSION_STORE_FILENAME, NULL);
  g_autoptr(TmSessionStore) store = NULL;
  g_autoptr(TmClassifier) classifier = tm_classifier_new ();
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GPtrArray) cookies = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *old_reason = NULL;
  g_autofree char *cookies_s = NULL;
  sqlite3 *db = NULL;
  const TmDecisionRecord *old, *fresh;
  const TmCookie *early;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, schema_v1, NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (db);
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);

  store = open_store (dir);
  g_assert_null (tm_session_store_get_moved_aside (store));
  g_assert_cmpint (query_int (dir, "PRAGMA user_version"), ==, 3);
  /* Schema 3 rebuilt the cookie table: every row, every field, the rowids that
   * break ties in creation order, and the indexes are kept. */
  cookies = list (store, NULL);
  cookies_s = describe (cookies);
  g_assert_cmpstr (cookies_s, ==, "_ga@example.org/ early@www.example.org/ late@example.org/a");
  early = find (cookies, "early", "/");
  g_assert_cmpstr (early->value, ==, "2");
  g_assert_true (early->host_only);
  g_assert_cmpint (early->expires, ==, TM_COOKIE_SESSION);
  g_assert_true (early->secure);
  g_assert_true (early->http_only);
  g_assert_cmpint (early->same_site, ==, TM_SAME_SITE_LAX);
  g_assert_cmpint (early->created, ==, 1);
  g_assert_cmpint (query_int (dir, "SELECT rowid FROM cookies WHERE name = 'early'"), ==, 9);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' "
                                   "AND tbl_name = 'cookies' AND name IN "
                                   "('cookies_by_domain', 'cookies_by_expiry')"), ==, 2);
  g_clear_pointer (&cookies, g_ptr_array_unref);
  /* The new identity: a host-only twin of the Domain cookie "_ga" is a cookie of its own. */
  put (store, make_cookie ("_ga", "twin", "example.org", TRUE, "/", EXPIRES_2100, 2, 5));
  flush (store);
  cookies = list_for_url (store, "http://example.org/");
  g_clear_pointer (&cookies_s, g_free);
  cookies_s = describe (cookies);
  g_assert_cmpstr (cookies_s, ==, "_ga@example.org/ _ga@example.org/");

  log_decision_cases (store, classifier);
  flush (store);
  records = tm_session_store_list_decisions (store, 0, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (records->len, ==, 1 + G_N_ELEMENTS (decision_cases));

  /* The old row only knows its English reason, and says it. */
  old = g_ptr_array_index (records, records->len - 1);
  g_assert_false (old->classified);
  g_assert_null (old->rule);
  g_assert_null (old->label);
  old_reason = tm_decision_record_describe (old, TRUE);
  g_assert_cmpstr (old_reason, ==, "statistics cookie (_ga, Google Analytics): "
                                   "statistics are refused");

  /* New rows carry the classification. */
  fresh = g_ptr_array_index (records, records->len - 2);
  g_assert_true (fresh->classified);
  g_assert_cmpstr (fresh->name, ==, "_ga");
  g_assert_cmpint (fresh->purpose, ==, TM_CATEGORY_STATISTICS);
  g_assert_true (fresh->third_party);
  g_assert_cmpstr (fresh->rule, ==, "_ga");
  g_assert_cmpstr (fresh->label, ==, "Google Analytics");
  g_assert_cmpstr (fresh->top_site, ==, "site-a.test");
  g_assert_cmpuint (fresh->refused, ==, TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS) |
                                        TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY));

  /* Reopening runs nothing again. */
  g_clear_object (&store);
  store = open_store (dir);
  g_assert_cmpint (query_int (dir, "PRAGMA user_version"), ==, 3);
  g_assert_cmpint (query_int (dir, "SELECT COUNT(*) FROM decisions"), ==,
                   1 + G_N_ELEMENTS (decision_cases));

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
test_corrupt_file_is_moved_aside (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *path = g_build_filename (dir, TM_SESSION_STORE_FILENAME, NULL);
  g_autoptr(TmSessionStore) store = NULL;
  g_autoptr(GPtrArray) cookies = NULL;
  g_autoptr(GError) error = NULL;
  const char *moved;

  g_assert_true (g_file_set_contents (path, "this is not a database, just some text that is "
                                      "long enough to look like a header page", -1, &error));
  g_assert_no_error (error);

  store = open_store (dir);
  moved = tm_session_store_get_moved_aside (store);
  g_assert_nonnull (moved);
  g_assert_true (g_file_test (moved, G_FILE_TEST_EXISTS));
  put (store, make_cookie ("id", "1", "example.org", FALSE, "/", EXPIRES_2100, 1, 1));
  flush (store);
  cookies = list (store, NULL);
  g_assert_cmpuint (cookies->len, ==, 1);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  if (argc == 3 && g_str_equal (argv[1], "--write-until-killed"))
    return write_until_killed (argv[2]);

  self_path = argv[0];
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/session-store/round-trip/every-field-survives-a-restart",
                   test_round_trip_across_restart);
  g_test_add_func ("/session-store/put/replacement-replaces-only-itself-and-keeps-created",
                   test_replacement_replaces_only_itself);
  g_test_add_func ("/session-store/put/host-only-and-domain-cookies-are-two-cookies",
                   test_host_only_twins);
  g_test_add_func ("/session-store/put/insecure-origin-leaves-secure-cookies-alone",
                   test_insecure_origin_leaves_secure_cookies_alone);
  g_test_add_func ("/session-store/list-for-url/path-matched-as-sent",
                   test_list_for_url_path_as_sent);
  g_test_add_func ("/session-store/expiry/expired-cookies-are-dropped",
                   test_expired_cookies_are_dropped);
  g_test_add_func ("/session-store/session/session-cookies-live-until-the-session-ends",
                   test_session_cookies_live_until_session_ends);
  g_test_add_func ("/session-store/list-for-url/longer-paths-first-then-older-first",
                   test_list_for_url_order_and_matching);
  g_test_add_func ("/session-store/list/site-means-registrable-domain-or-host",
                   test_list_site_filter);
  g_test_add_func ("/session-store/purge/by-category-site-and-all-leaves-tombstones",
                   test_purge_with_tombstones);
  g_test_add_func ("/session-store/delete/exactly-one-cookie-with-a-tombstone",
                   test_delete_one_cookie_leaves_a_tombstone);
  g_test_add_func ("/session-store/files/are-private", test_files_are_private);
  g_test_add_func ("/session-store/watch/a-second-store-sees-writes-and-is-told",
                   test_second_store_sees_writes);
  g_test_add_func ("/session-store/wal/readers-are-not-blocked-by-a-writer",
                   test_readers_not_blocked_by_writer);
  g_test_add_func ("/session-store/batching/ten-thousand-puts-take-few-transactions",
                   test_batching_ten_thousand_puts);
  g_test_add_func ("/session-store/kill/flushed-cookies-survive-sigkill",
                   test_kill_keeps_flushed_cookies);
  g_test_add_func ("/session-store/decisions/bounded-newest-first-and-never-values",
                   test_decisions_bounded_without_values);
  g_test_add_func ("/session-store/wal/stays-small-under-a-stream-of-commits",
                   test_wal_stays_small_under_load);
  g_test_add_func ("/session-store/decisions/describe-themselves-in-english-and-french",
                   test_decision_records_describe_themselves);
  g_test_add_func ("/session-store/open/schema-1-is-migrated-old-rows-and-cookies-kept",
                   test_schema_1_is_migrated);
  g_test_add_func ("/session-store/open/corrupt-file-is-moved-aside",
                   test_corrupt_file_is_moved_aside);

  return g_test_run ();
}
