/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The origin is a SoupServer in its own thread, so that the test's main context can
 * block on chromium and temoinctl while it answers. Each load is `chromium
 * --dump-dom URL`: the browser exits by itself and flushes its jar to
 * PROFILE/Default/Cookies, which is read with SQLite (names and hosts are plain
 * text there). */
#define G_LOG_DOMAIN "temoin-test"

#include "config.h"

#include <signal.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "tm-test-browser.h"
#include "tm-test-utils.h"

/* What the origin's pages show, to tell them from an error page. */
#define ORIGIN_PAGE_MARK "Widget 3000"

const char * const tm_test_necessary_names[] = {
  "sessionid", "csrftoken", "django_language", "cookies_preferences", NULL
};

gboolean
tm_test_browser_missing (void)
{
  if (g_file_test (TM_TEST_CHROMIUM_PATH, G_FILE_TEST_IS_EXECUTABLE))
    return FALSE;
  g_print ("1..0 # SKIP chromium not installed (make deps installs it)\n");
  return TRUE;
}

/* ---- the origin -------------------------------------------------------------- */

struct _TmTestOrigin {
  GThread            *thread;
  GMainContext       *context;
  GMainLoop          *loop;
  SoupServer         *server;
  GTlsCertificate    *certificate;
  const char * const *set_cookies;
  char               *probe_page;
  GMutex              mutex;
  GCond               cond;
  gboolean            ready;
  guint               port;
  /* "PATH\tCOOKIE-HEADER" for each request, in order; under @mutex. */
  GPtrArray          *requests;
};

static void
origin_handler_cb (SoupServer        *server,
                   SoupServerMessage *msg,
                   const char        *path,
                   GHashTable        *query,
                   gpointer           user_data)
{
  static const char body[] =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Témoin end-to-end origin</title></head>"
    "<body><h1>" ORIGIN_PAGE_MARK "</h1><p>A page for the end-to-end test.</p></body></html>\n";
  TmTestOrigin *origin = user_data;
  SoupMessageHeaders *request_headers = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response_headers = soup_server_message_get_response_headers (msg);
  const char *cookie = soup_message_headers_get_one (request_headers, "Cookie");

  g_mutex_lock (&origin->mutex);
  g_ptr_array_add (origin->requests, g_strdup_printf ("%s\t%s", path, cookie ? cookie : ""));
  g_mutex_unlock (&origin->mutex);

  if (soup_server_message_get_method (msg) != SOUP_METHOD_GET &&
      soup_server_message_get_method (msg) != SOUP_METHOD_HEAD)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, NULL);
      return;
    }

  if (g_str_equal (path, TM_TEST_ORIGIN_COOKIE_PAGE))
    {
      for (guint i = 0; origin->set_cookies[i] != NULL; i++)
        soup_message_headers_append (response_headers, "Set-Cookie", origin->set_cookies[i]);
    }
  else if (!g_str_equal (path, TM_TEST_ORIGIN_PLAIN_PAGE)
           && g_strcmp0 (path, origin->probe_page) != 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  /* Every load must reach the origin (through the proxy), never a cache. */
  soup_message_headers_replace (response_headers, "Cache-Control", "no-store");
  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/html; charset=utf-8", SOUP_MEMORY_STATIC,
                                    body, strlen (body));
}

static gpointer
origin_thread_func (gpointer data)
{
  TmTestOrigin *origin = data;
  SoupServerListenOptions options = SOUP_SERVER_LISTEN_IPV4_ONLY;
  guint port;

  g_main_context_push_thread_default (origin->context);

  origin->server = soup_server_new ("server-header", "temoin-e2e-origin ",
                                    "tls-certificate", origin->certificate, NULL);
  soup_server_add_handler (origin->server, NULL, origin_handler_cb, origin, NULL);
  if (origin->certificate != NULL)
    options |= SOUP_SERVER_LISTEN_HTTPS;
  port = tm_test_server_listen (origin->server, options);

  g_mutex_lock (&origin->mutex);
  origin->port = port;
  origin->ready = TRUE;
  g_cond_signal (&origin->cond);
  g_mutex_unlock (&origin->mutex);

  g_main_loop_run (origin->loop);

  tm_test_server_disconnect (origin->server);
  g_clear_object (&origin->server);
  g_main_context_pop_thread_default (origin->context);
  return NULL;
}

TmTestOrigin *
tm_test_origin_start (const char * const *set_cookies,
                      const char         *probe_page,
                      GTlsCertificate    *certificate)
{
  TmTestOrigin *origin = g_new0 (TmTestOrigin, 1);

  origin->set_cookies = set_cookies;
  origin->probe_page = g_strdup (probe_page);
  origin->certificate = certificate != NULL ? g_object_ref (certificate) : NULL;
  g_mutex_init (&origin->mutex);
  g_cond_init (&origin->cond);
  origin->requests = g_ptr_array_new_with_free_func (g_free);
  origin->context = g_main_context_new ();
  origin->loop = g_main_loop_new (origin->context, FALSE);
  origin->thread = g_thread_new ("e2e-origin", origin_thread_func, origin);

  g_mutex_lock (&origin->mutex);
  while (!origin->ready)
    g_cond_wait (&origin->cond, &origin->mutex);
  g_mutex_unlock (&origin->mutex);
  return origin;
}

static gboolean
origin_quit_cb (gpointer data)
{
  TmTestOrigin *origin = data;

  g_main_loop_quit (origin->loop);
  return G_SOURCE_REMOVE;
}

void
tm_test_origin_stop (TmTestOrigin *origin)
{
  g_main_context_invoke (origin->context, origin_quit_cb, origin);
  g_thread_join (origin->thread);
  g_clear_pointer (&origin->loop, g_main_loop_unref);
  g_clear_pointer (&origin->context, g_main_context_unref);
  g_clear_pointer (&origin->requests, g_ptr_array_unref);
  g_clear_object (&origin->certificate);
  g_free (origin->probe_page);
  g_mutex_clear (&origin->mutex);
  g_cond_clear (&origin->cond);
  g_free (origin);
}

guint
tm_test_origin_get_port (TmTestOrigin *origin)
{
  return origin->port;
}

void
tm_test_origin_forget_requests (TmTestOrigin *origin)
{
  g_mutex_lock (&origin->mutex);
  g_ptr_array_set_size (origin->requests, 0);
  g_mutex_unlock (&origin->mutex);
}

/* TRUE if the Cookie header @header has a pair named @name. */
static gboolean
cookie_header_has (const char *header,
                   const char *name)
{
  g_auto(GStrv) pairs = g_strsplit (header, ";", -1);

  for (guint i = 0; pairs[i] != NULL; i++)
    {
      const char *pair = g_strstrip (pairs[i]);
      const char *eq = strchr (pair, '=');
      gsize len = eq ? (gsize) (eq - pair) : strlen (pair);

      if (len == strlen (name) && strncmp (pair, name, len) == 0)
        return TRUE;
    }
  return FALSE;
}

void
tm_test_origin_assert_sent (TmTestOrigin *origin,
                            const char   *path,
                            const char   *name,
                            gboolean      present)
{
  guint checked = 0;

  g_mutex_lock (&origin->mutex);
  for (guint i = 0; i < origin->requests->len; i++)
    {
      const char *entry = origin->requests->pdata[i];
      const char *tab = strchr (entry, '\t');
      g_autofree char *entry_path = g_strndup (entry, tab - entry);

      if (path != NULL ? !g_str_equal (entry_path, path)
                       : g_strcmp0 (entry_path, origin->probe_page) == 0)
        continue;
      checked++;
      if (cookie_header_has (tab + 1, name) != present)
        g_error ("the origin received %s with the Cookie header \"%s\": %s should %sbe there",
                 entry_path, tab + 1, name, present ? "" : "not ");
    }
  g_mutex_unlock (&origin->mutex);
  if (checked == 0)
    g_error ("the origin never received a request for %s", path ? path : "any page");
}

/* ---- subprocesses ------------------------------------------------------------ */

/* Children die with the test process, even when an assertion aborts it. */
static void
die_with_parent_cb (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

GSubprocessLauncher *
tm_test_launcher_new (GSubprocessFlags flags)
{
  static const char * const unset[] = {
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
  };
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_child_setup (launcher, die_with_parent_cb, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (unset); i++)
    g_subprocess_launcher_unsetenv (launcher, unset[i]);
  return launcher;
}

typedef struct {
  gboolean done;
} WaitData;

static void
subprocess_wait_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  WaitData *data = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  data->done = TRUE;
}

gboolean
tm_test_subprocess_wait (GSubprocess *process,
                         guint        timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + timeout_s * G_USEC_PER_SEC;
  WaitData data = { FALSE };

  g_subprocess_wait_async (process, NULL, subprocess_wait_cb, &data);
  while (!data.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  if (!data.done)
    {
      /* Let the pending wait complete before @data goes out of scope. */
      g_subprocess_force_exit (process);
      while (!data.done)
        g_main_context_iteration (NULL, TRUE);
      return FALSE;
    }
  return TRUE;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
tm_test_poll_pause (void)
{
  guint id = g_timeout_add (100, wake_cb, NULL);

  g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

char *
tm_test_read_file_or_empty (const char *path)
{
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

/* ---- temoinctl ----------------------------------------------------------------- */

void
tm_test_consent_set (const char *data_dir,
                     const char *setting)
{
  const char *argv[] = { "--data-dir", data_dir, "consent", "set", setting, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = tm_test_run_temoinctl (argv, &out, &err);

  if (status != 0)
    g_error ("temoinctl consent set %s exited with %d: %s", setting, status, err);
}

void
tm_test_proxy_start (TmTestProxy        *proxy,
                     const char         *scratch,
                     const char         *data_dir,
                     const char * const *extra_args)
{
  g_autoptr(GSubprocessLauncher) launcher = tm_test_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *temoinctl = g_getenv ("TEMOINCTL");
  gint64 deadline = g_get_monotonic_time () + TM_TEST_PROXY_START_TIMEOUT_S * G_USEC_PER_SEC;
  WaitData exited = { FALSE };

  g_assert_nonnull (temoinctl);
  proxy->out_path = g_build_filename (scratch, "proxy.out", NULL);
  proxy->err_path = g_build_filename (scratch, "proxy.err", NULL);
  g_subprocess_launcher_set_stdout_file_path (launcher, proxy->out_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, proxy->err_path);
  g_ptr_array_add (args, (char *) temoinctl);
  g_ptr_array_add (args, (char *) "--data-dir");
  g_ptr_array_add (args, (char *) data_dir);
  g_ptr_array_add (args, (char *) "serve");
  g_ptr_array_add (args, (char *) "--port");
  g_ptr_array_add (args, (char *) "0");
  for (guint i = 0; extra_args != NULL && extra_args[i] != NULL; i++)
    g_ptr_array_add (args, (char *) extra_args[i]);
  g_ptr_array_add (args, NULL);
  proxy->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata,
                                                 &error);
  g_assert_no_error (error);

  /* Its first line on stdout: `listening on http://ADDR:PORT/`. */
  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *out = tm_test_read_file_or_empty (proxy->out_path);
      char *newline = strchr (out, '\n');

      if (newline != NULL)
        {
          const char *prefix = "listening on http://";

          *newline = '\0';
          if (!g_str_has_prefix (out, prefix) || !g_str_has_suffix (out, "/"))
            g_error ("unexpected first line from temoinctl serve: \"%s\"", out);
          out[strlen (out) - 1] = '\0';
          proxy->url = g_strdup (out + strlen ("listening on "));
          g_test_message ("proxy: %s", proxy->url);
          return;
        }
      if (g_subprocess_get_identifier (proxy->process) == NULL)
        break;
      tm_test_poll_pause ();
    }

  /* It exited, or never said where it listens. */
  if (g_subprocess_get_identifier (proxy->process) != NULL)
    {
      g_autofree char *err = NULL;

      g_subprocess_force_exit (proxy->process);
      g_subprocess_wait_async (proxy->process, NULL, subprocess_wait_cb, &exited);
      while (!exited.done)
        g_main_context_iteration (NULL, TRUE);
      err = tm_test_read_file_or_empty (proxy->err_path);
      g_error ("temoinctl serve did not print its `listening on` line within %d s; stderr: %s",
               TM_TEST_PROXY_START_TIMEOUT_S, err);
    }
  else
    {
      g_autofree char *err = tm_test_read_file_or_empty (proxy->err_path);

      g_error ("temoinctl serve exited before printing its `listening on` line; stderr: %s",
               err);
    }
}

void
tm_test_proxy_stop (TmTestProxy *proxy)
{
  gboolean stopped;

  g_subprocess_send_signal (proxy->process, SIGTERM);
  stopped = tm_test_subprocess_wait (proxy->process, TM_TEST_PROXY_STOP_TIMEOUT_S);
  if (!stopped)
    g_error ("temoinctl serve did not stop within %d s of SIGTERM",
             TM_TEST_PROXY_STOP_TIMEOUT_S);
  if (!g_subprocess_get_if_exited (proxy->process) ||
      g_subprocess_get_exit_status (proxy->process) != 0)
    {
      g_autofree char *err = tm_test_read_file_or_empty (proxy->err_path);

      g_error ("temoinctl serve did not exit cleanly on SIGTERM; stderr: %s", err);
    }

  g_clear_object (&proxy->process);
  g_clear_pointer (&proxy->url, g_free);
  g_clear_pointer (&proxy->out_path, g_free);
  g_clear_pointer (&proxy->err_path, g_free);
}

/* ---- the browser ----------------------------------------------------------------- */

char *
tm_test_browser_stderr_summary (const char *err)
{
  g_auto(GStrv) lines = g_strsplit (err, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (*lines[i] == '\0' || strstr (lines[i], "dbus") != NULL)
        continue;
      g_string_append_printf (out, "%s%.300s", out->len ? " | " : "", lines[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* Loads @url as tm_test_browser_load() says, and returns what the browser showed
 * (the DOM) and said on stderr. Fails if it did not exit by itself, cleanly. */
static void
browser_run (const char  *scratch,
             const char  *profile,
             const char  *proxy_url,
             const char  *spki_hashes,
             const char  *url,
             char       **out_dom,
             char       **out_err)
{
  g_autoptr(GSubprocessLauncher) launcher = tm_test_launcher_new (G_SUBPROCESS_FLAGS_NONE);
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) browser = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *home = g_build_filename (scratch, "home", NULL);
  g_autofree char *dom_path = g_build_filename (scratch, "browser-dom.html", NULL);
  g_autofree char *err_path = g_build_filename (scratch, "browser.err", NULL);

  g_assert_cmpint (g_mkdir_with_parents (home, 0700), ==, 0);
  /* Chromium writes outside its profile (~/.pki, caches): keep that in @scratch. */
  g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
  g_subprocess_launcher_set_stdout_file_path (launcher, dom_path);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_path);

  g_ptr_array_add (args, g_strdup (TM_TEST_CHROMIUM_PATH));
  g_ptr_array_add (args, g_strdup ("--headless=new"));
  g_ptr_array_add (args, g_strdup ("--no-sandbox"));
  g_ptr_array_add (args, g_strdup ("--disable-gpu"));
  g_ptr_array_add (args, g_strdup ("--disable-background-networking"));
  g_ptr_array_add (args, g_strdup ("--disable-component-update"));
  g_ptr_array_add (args, g_strdup ("--disable-sync"));
  g_ptr_array_add (args, g_strdup ("--no-first-run"));
  g_ptr_array_add (args, g_strdup ("--disable-quic"));
  g_ptr_array_add (args, g_strdup ("--password-store=basic"));
  g_ptr_array_add (args, g_strdup ("--use-mock-keychain"));
  if (proxy_url != NULL)
    {
      g_ptr_array_add (args, g_strdup_printf ("--proxy-server=%s", proxy_url));
      /* Without this rule chromium goes straight to loopback origins. */
      g_ptr_array_add (args, g_strdup ("--proxy-bypass-list=<-loopback>"));
    }
  else
    {
      g_ptr_array_add (args, g_strdup ("--no-proxy-server"));
    }
  if (spki_hashes != NULL)
    g_ptr_array_add (args, g_strdup_printf ("--ignore-certificate-errors-spki-list=%s",
                                            spki_hashes));
  g_ptr_array_add (args, g_strdup_printf ("--user-data-dir=%s", profile));
  g_ptr_array_add (args, g_strdup ("--dump-dom"));
  g_ptr_array_add (args, g_strdup (url));
  g_ptr_array_add (args, NULL);

  g_test_message ("browser: load %s%s%s", url, proxy_url ? " through " : " directly",
                  proxy_url ? proxy_url : "");
  browser = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata,
                                          &error);
  g_assert_no_error (error);

  if (!tm_test_subprocess_wait (browser, TM_TEST_BROWSER_TIMEOUT_S))
    {
      g_autofree char *err = tm_test_read_file_or_empty (err_path);

      g_error ("chromium did not finish loading %s within %d s; stderr: %s",
               url, TM_TEST_BROWSER_TIMEOUT_S, err);
    }
  if (!g_subprocess_get_if_exited (browser) || g_subprocess_get_exit_status (browser) != 0)
    {
      g_autofree char *err = tm_test_read_file_or_empty (err_path);

      g_error ("chromium failed loading %s; stderr: %s", url, err);
    }
  *out_dom = tm_test_read_file_or_empty (dom_path);
  *out_err = tm_test_read_file_or_empty (err_path);
}

char *
tm_test_browser_dump_dom (const char  *scratch,
                          const char  *profile,
                          const char  *proxy_url,
                          const char  *spki_hashes,
                          const char  *url,
                          char       **out_err)
{
  char *dom = NULL;
  g_autofree char *err = NULL;

  browser_run (scratch, profile, proxy_url, spki_hashes, url, &dom, &err);
  if (out_err != NULL)
    *out_err = g_steal_pointer (&err);
  return dom;
}

void
tm_test_browser_load (const char *scratch,
                      const char *profile,
                      const char *proxy_url,
                      const char *spki_hashes,
                      const char *url)
{
  g_autofree char *dom = NULL;
  g_autofree char *err = NULL;

  browser_run (scratch, profile, proxy_url, spki_hashes, url, &dom, &err);
  /* The page really arrived (not an error page from the proxy or the browser). */
  if (strstr (dom, ORIGIN_PAGE_MARK) == NULL)
    {
      g_autofree char *summary = tm_test_browser_stderr_summary (err);

      g_error ("chromium did not show the origin's page for %s; it showed: %.400s; "
               "stderr: %s", url, dom, summary);
    }
}

char *
tm_test_browser_load_refused (const char *scratch,
                              const char *profile,
                              const char *proxy_url,
                              const char *spki_hashes,
                              const char *url)
{
  g_autofree char *dom = NULL;
  char *err = NULL;

  browser_run (scratch, profile, proxy_url, spki_hashes, url, &dom, &err);
  if (strstr (dom, ORIGIN_PAGE_MARK) != NULL)
    g_error ("chromium showed the origin's page for %s, which it should have refused", url);
  return err;
}

GHashTable *
tm_test_browser_jar (const char *profile)
{
  const char *candidates[] = { "Default/Network/Cookies", "Default/Cookies" };
  g_autofree char *db_path = NULL;
  GHashTable *jar = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  int rc;

  for (guint i = 0; i < G_N_ELEMENTS (candidates) && db_path == NULL; i++)
    {
      g_autofree char *path = g_build_filename (profile, candidates[i], NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        db_path = g_steal_pointer (&path);
    }
  if (db_path == NULL)
    g_error ("the browser profile %s has no Cookies database", profile);

  rc = sqlite3_open_v2 (db_path, &db, SQLITE_OPEN_READONLY, NULL);
  if (rc != SQLITE_OK)
    g_error ("cannot open %s: %s", db_path, sqlite3_errstr (rc));
  rc = sqlite3_prepare_v2 (db, "SELECT host_key, name, is_httponly FROM cookies", -1,
                           &stmt, NULL);
  if (rc != SQLITE_OK)
    g_error ("cannot read the cookies of %s: %s", db_path, sqlite3_errmsg (db));
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *host = (const char *) sqlite3_column_text (stmt, 0);
      const char *name = (const char *) sqlite3_column_text (stmt, 1);
      int http_only = sqlite3_column_int (stmt, 2);

      g_hash_table_insert (jar, g_strdup_printf ("%s\t%s", host, name),
                           GINT_TO_POINTER (1 + (http_only != 0)));
    }
  if (rc != SQLITE_DONE)
    g_error ("cannot read the cookies of %s: %s", db_path, sqlite3_errmsg (db));
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return jar;
}

static char *
jar_describe (GHashTable *jar)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree gpointer *keys = g_hash_table_get_keys_as_array (jar, NULL);

  for (guint i = 0; keys[i] != NULL; i++)
    {
      g_autofree char *key = g_strdup (keys[i]);

      g_strdelimit (key, "\t", ' ');
      g_string_append_printf (out, "%s[%s]", out->len ? ", " : "", key);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static gboolean
jar_holds (GHashTable *jar,
           const char *host,
           const char *name)
{
  g_autofree char *key = g_strdup_printf ("%s\t%s", host, name);

  return g_hash_table_contains (jar, key);
}

void
tm_test_jar_assert_holds (GHashTable *jar,
                          const char *host,
                          const char *name)
{
  if (!jar_holds (jar, host, name))
    {
      g_autofree char *all = jar_describe (jar);

      g_error ("the browser does not hold %s for %s; it holds: %s", name, host, all);
    }
}

void
tm_test_jar_assert_lacks (GHashTable *jar,
                          const char *host,
                          const char *name)
{
  if (jar_holds (jar, host, name))
    {
      g_autofree char *all = jar_describe (jar);

      g_error ("the browser holds %s for %s; it holds: %s", name, host, all);
    }
}

void
tm_test_jar_assert_holds_necessary (GHashTable *jar,
                                    const char *host)
{
  g_autofree char *session_key = g_strdup_printf ("%s\tsessionid", host);

  for (guint i = 0; tm_test_necessary_names[i] != NULL; i++)
    tm_test_jar_assert_holds (jar, host, tm_test_necessary_names[i]);
  g_assert_cmpint (GPOINTER_TO_INT (g_hash_table_lookup (jar, session_key)), ==, 2);
}

/* ---- scenarios --------------------------------------------------------------- */

void
tm_test_scenario_init (TmTestScenario *s)
{
  s->scratch = tm_test_make_tmp_dir ();
  s->data_dir = g_build_filename (s->scratch, "data", NULL);
  s->profile = g_build_filename (s->scratch, "profile", NULL);
  g_assert_cmpint (g_mkdir_with_parents (s->data_dir, 0700), ==, 0);
}

void
tm_test_scenario_clear (TmTestScenario *s)
{
  tm_test_rmdir (s->scratch);
  g_clear_pointer (&s->scratch, g_free);
  g_clear_pointer (&s->data_dir, g_free);
  g_clear_pointer (&s->profile, g_free);
}
