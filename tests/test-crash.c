/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Crash consistency: real `temoinctl` processes killed with SIGKILL while they
 * write, then the data directory checked as the next process finds it.
 *
 * - `temoinctl serve` is killed at a random moment while a client drives
 *   cookie-setting traffic through it at a browser's pace; both databases must
 *   pass `PRAGMA integrity_check`, the proxy must start again on the same data
 *   directory and serve, and every cookie whose response reached the client at
 *   least one second before the kill must be in the store (the writer commits
 *   every 100 ms: a second is ten batches of margin).
 * - `temoinctl consent set` is killed at random moments while it writes; every
 *   run that exited 0 must be in `consent history`, and the database must open
 *   clean.
 *
 * The moments come from a seeded generator: TEMOIN_CRASH_SEED=N replays a run,
 * TEMOIN_CRASH_ROUNDS=N sets the number of proxy rounds (20 by default; the
 * consent tests run five times as many). */
#define G_LOG_DOMAIN "temoin-test"

#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <sqlite3.h>

#include "tm-test-proxy.h"
#include "tm-test-utils.h"

/* A browser's pace: one request every 20 ms. */
#define REQUEST_INTERVAL_USEC (20 * G_TIME_SPAN_MILLISECOND)
/* A cookie answered this long before the kill must have been committed. */
#define DURABLE_AFTER_USEC    G_TIME_SPAN_SECOND
/* When in a round the proxy is killed, after the traffic starts. */
#define KILL_MIN_USEC         (1200 * G_TIME_SPAN_MILLISECOND)
#define KILL_MAX_USEC         (3500 * G_TIME_SPAN_MILLISECOND)

static guint32 seed;
static guint   rounds = 20;

/* A generator of its own per test, from the run's seed: each test replays alone. */
static GRand *
test_rand_new (void)
{
  g_test_message ("seed %" G_GUINT32_FORMAT " (replay with TEMOIN_CRASH_SEED=%" G_GUINT32_FORMAT
                  "), %u rounds", seed, seed, rounds);
  return g_rand_new_with_seed (seed);
}

/* The database files */

/* Opens @path without creating it and without disturbing it: closing the last
 * connection would otherwise checkpoint and delete the WAL, and the process that
 * comes next would not find the files as the killed one left them. */
static sqlite3 *
open_untouched (const char *path)
{
  sqlite3 *db = NULL;
  int rc;

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL);
  if (rc != SQLITE_OK)
    g_error ("Could not open %s: %s", path, db ? sqlite3_errmsg (db) : "no memory");
  sqlite3_db_config (db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
  sqlite3_busy_timeout (db, 10000);
  return db;
}

/* `PRAGMA integrity_check` on @path says "ok". */
static void
assert_integrity (const char *path)
{
  g_autoptr(GString) result = g_string_new (NULL);
  sqlite3 *db = open_untouched (path);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "PRAGMA integrity_check", -1, &stmt, NULL);
  g_assert_cmpint (rc, ==, SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_string_append_printf (result, "%s%s", result->len ? "\n" : "",
                            (const char *) sqlite3_column_text (stmt, 0));
  if (rc != SQLITE_DONE)
    g_test_message ("integrity_check of %s: %s", path, sqlite3_errmsg (db));
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  if (!g_str_equal (result->str, "ok"))
    g_test_message ("integrity_check of %s:\n%s", path, result->str);
  g_assert_cmpstr (result->str, ==, "ok");
}

/* No database of @dir was found damaged and moved aside (which would hide what
 * it held behind a new, empty one). A process killed before it made @dir left
 * nothing to check. */
static void
assert_nothing_moved_aside (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  if (d == NULL && !g_file_test (dir, G_FILE_TEST_EXISTS))
    return;
  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    if (strstr (name, ".corrupt-") != NULL)
      g_error ("%s/%s: a database was found damaged after a kill", dir, name);
}

/* The names in cookies.sqlite of @dir. */
static GHashTable *
stored_cookie_names (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "cookies.sqlite", NULL);
  GHashTable *names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  sqlite3 *db = open_untouched (path);
  sqlite3_stmt *stmt = NULL;
  int rc;

  rc = sqlite3_prepare_v2 (db, "SELECT name FROM cookies", -1, &stmt, NULL);
  g_assert_cmpint (rc, ==, SQLITE_OK);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_hash_table_add (names, g_strdup ((const char *) sqlite3_column_text (stmt, 0)));
  g_assert_cmpint (rc, ==, SQLITE_DONE);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return names;
}

/* Every match of @pattern's first group in @text. */
static GHashTable *
collect_matches (const char *pattern,
                 const char *text)
{
  g_autoptr(GRegex) re = g_regex_new (pattern, 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  GHashTable *found = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  g_regex_match (re, text, 0, &match);
  while (g_match_info_matches (match))
    {
      g_hash_table_add (found, g_match_info_fetch (match, 1));
      g_match_info_next (match, NULL);
    }
  return found;
}

/* The median of @n durations (sorts @times). */
static gint64
median (gint64 *times,
        guint   n)
{
  for (guint i = 1; i < n; i++)
    for (guint j = i; j > 0 && times[j - 1] > times[j]; j--)
      {
        gint64 t = times[j];

        times[j] = times[j - 1];
        times[j - 1] = t;
      }
  return times[n / 2];
}

/* The origin: /set/NAME answers with a persistent cookie NAME (a session cookie
 * would rightly be dropped when the proxy starts again), anything else with
 * nothing. */

typedef struct {
  GMainContext *context;
  GMainLoop    *loop;
  GThread      *thread;
  SoupServer   *server;
  guint         port;
} Origin;

static void
origin_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  if (g_str_has_prefix (path, "/set/"))
    {
      g_autofree char *line = g_strdup_printf ("%s=1; Max-Age=86400; Path=/", path + 5);

      soup_message_headers_append (soup_server_message_get_response_headers (msg),
                                   "Set-Cookie", line);
    }
  /* No body: SoupServer writes a body apart from the head, without TCP_NODELAY,
   * and Nagle would hold it until the proxy's delayed ACK (40 ms a request). */
  soup_server_message_set_status (msg, SOUP_STATUS_NO_CONTENT, NULL);
}

static gboolean
origin_listen_cb (gpointer data)
{
  Origin *origin = data;

  origin->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (origin->server, NULL, origin_handler, origin, NULL);
  origin->port = tm_test_server_listen (origin->server, SOUP_SERVER_LISTEN_IPV4_ONLY);
  return G_SOURCE_REMOVE;
}

static gboolean
origin_close_cb (gpointer data)
{
  Origin *origin = data;

  tm_test_server_disconnect (origin->server);
  g_clear_object (&origin->server);
  return G_SOURCE_REMOVE;
}

/* In a thread of its own: the test's thread blocks in its client. */
static Origin *
origin_start (void)
{
  Origin *origin = g_new0 (Origin, 1);

  origin->context = g_main_context_new ();
  origin->loop = g_main_loop_new (origin->context, FALSE);
  origin->thread = tm_test_server_thread_new (origin->context, origin->loop);
  tm_test_run_in_context (origin->context, origin_listen_cb, origin);
  return origin;
}

static void
origin_stop (Origin *origin)
{
  tm_test_run_in_context (origin->context, origin_close_cb, origin);
  tm_test_server_thread_join (origin->thread, origin->loop, origin->context);
  g_free (origin);
}

/* `temoinctl serve` */

typedef struct {
  GSubprocess      *process;
  GDataInputStream *out;
  char             *err_path;
  char             *uri;
} Serve;

static void
print_file (const char *what,
            const char *path)
{
  g_autofree char *contents = NULL;

  if (g_file_get_contents (path, &contents, NULL, NULL))
    g_test_message ("%s (%s):\n%s", what, path, contents);
}

/* Runs the proxy on @dir; its standard error goes to @err_path (read when it
 * fails: a proxy that cannot start again says why there). */
/* In the child, before exec: it dies with the test (an assertion that fails
 * aborts the test before its SIGKILL, and the proxy would run on for ever).
 * Bound to the spawning thread: serve is only spawned from the main one. */
static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static Serve *
serve_spawn (const char *dir,
             const char *err_path)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  Serve *serve = g_new0 (Serve, 1);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_set_stderr_file_path (launcher, err_path);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  serve->err_path = g_strdup (err_path);
  serve->process = g_subprocess_launcher_spawn (launcher, &error, g_getenv ("TEMOINCTL"),
                                                "--data-dir", dir, "serve", "--port", "0",
                                                NULL);
  g_assert_no_error (error);
  serve->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve->process));
  return serve;
}

/* serve_spawn(), then waits for the line that says it listens. */
static Serve *
serve_start (const char *dir,
             const char *err_path)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first_line = NULL;
  Serve *serve = serve_spawn (dir, err_path);

  first_line = g_data_input_stream_read_line (serve->out, NULL, NULL, &error);
  g_assert_no_error (error);
  if (first_line == NULL || !g_str_has_prefix (first_line, "listening on http://"))
    {
      print_file ("the proxy did not start; its standard error", err_path);
      g_error ("temoinctl serve did not start on %s: first line %s", dir,
               first_line ? first_line : "(none)");
    }
  serve->uri = g_strdup (first_line + strlen ("listening on "));
  return serve;
}

static void
serve_free (Serve *serve)
{
  g_object_unref (serve->out);
  g_object_unref (serve->process);
  g_free (serve->err_path);
  g_free (serve->uri);
  g_free (serve);
}

/* Waits for @serve, killed with SIGKILL, and frees it. */
static void
serve_reap_killed (Serve *serve)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_wait (serve->process, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_signaled (serve->process))
    print_file ("the proxy ended before it was killed; its standard error", serve->err_path);
  g_assert_true (g_subprocess_get_if_signaled (serve->process));
  g_assert_cmpint (g_subprocess_get_term_sig (serve->process), ==, SIGKILL);
  serve_free (serve);
}

/* Stops @serve as a person does (SIGTERM): it must exit 0. */
static void
serve_stop (Serve *serve)
{
  g_autoptr(GError) error = NULL;

  g_subprocess_send_signal (serve->process, SIGTERM);
  g_subprocess_wait (serve->process, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (serve->process) ||
      g_subprocess_get_exit_status (serve->process) != 0)
    print_file ("the proxy did not stop cleanly; its standard error", serve->err_path);
  g_assert_true (g_subprocess_get_if_exited (serve->process));
  g_assert_cmpint (g_subprocess_get_exit_status (serve->process), ==, 0);
  serve_free (serve);
}

static SoupSession *
proxied_session (Serve *serve)
{
  g_autoptr(GProxyResolver) resolver = g_simple_proxy_resolver_new (serve->uri, NULL);

  return soup_session_new_with_options ("proxy-resolver", resolver, "timeout", 30, NULL);
}

/* GET @path of @origin through the proxy; NULL with @error set when it failed.
 * Returns the response headers. */
static SoupMessageHeaders *
get_through (SoupSession *session,
             Origin      *origin,
             const char  *path,
             GError     **error)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", origin->port, path);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr(GBytes) body = NULL;

  body = soup_session_send_and_read (session, msg, NULL, error);
  if (body == NULL)
    return NULL;
  if (soup_message_get_status (msg) != SOUP_STATUS_NO_CONTENT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: HTTP %u %s", url,
                   soup_message_get_status (msg), soup_message_get_reason_phrase (msg));
      return NULL;
    }
  return soup_message_headers_ref (soup_message_get_response_headers (msg));
}

/* The proxy serves: a request through it succeeds. */
static void
assert_serves (Serve  *serve,
               Origin *origin)
{
  g_autoptr(SoupSession) session = proxied_session (serve);
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = get_through (session, origin, "/ping", &error);

  g_assert_no_error (error);
  g_assert_nonnull (headers);
  soup_message_headers_unref (headers);
}

/* The killer: a thread that sends SIGKILL at a set time, whatever the client is
 * in the middle of. */

typedef struct {
  GSubprocess *process;
  gint64       at;          /* monotonic time to kill at */
  gint64       killed_at;   /* monotonic time of the kill, read after the join */
  gint         killing;     /* atomic: set just before the signal */
} Killer;

static gpointer
killer_thread (gpointer data)
{
  Killer *killer = data;
  gint64 now;

  while ((now = g_get_monotonic_time ()) < killer->at)
    g_usleep (killer->at - now);
  killer->killed_at = g_get_monotonic_time ();
  /* Before the signal: an error the client sees after this is the kill's. */
  g_atomic_int_set (&killer->killing, 1);
  g_subprocess_send_signal (killer->process, SIGKILL);
  return NULL;
}

typedef struct {
  char   *name;
  gint64  arrived;   /* monotonic time the client had the whole response */
} Arrival;

static void
arrival_clear (gpointer data)
{
  Arrival *arrival = data;

  g_free (arrival->name);
}

/* Requests a new cookie every 20 ms through @serve until @killer kills it, and
 * records when each kept cookie's response reached the client. */
static GArray *
drive_until_killed (Serve  *serve,
                    Origin *origin,
                    Killer *killer,
                    guint   round,
                    gint64 *out_slowest)
{
  g_autoptr(SoupSession) session = proxied_session (serve);
  GArray *arrivals = g_array_new (FALSE, FALSE, sizeof (Arrival));
  gint64 start = g_get_monotonic_time ();

  g_array_set_clear_func (arrivals, arrival_clear);
  for (guint i = 0; !g_atomic_int_get (&killer->killing); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = NULL;
      g_autofree char *expected = NULL;
      SoupMessageHeaders *headers;
      Arrival arrival;
      gint64 due = start + (gint64) i * REQUEST_INTERVAL_USEC;
      gint64 now = g_get_monotonic_time ();
      const char *set_cookie;

      if (due > now)
        g_usleep (due - now);
      /* SESS…: Drupal's session cookie, necessary, so kept under the default choice. */
      arrival.name = g_strdup_printf ("SESScrash%03u_%05u", round, i);
      path = g_strdup_printf ("/set/%s", arrival.name);
      now = g_get_monotonic_time ();
      headers = get_through (session, origin, path, &error);
      arrival.arrived = g_get_monotonic_time ();
      *out_slowest = MAX (*out_slowest, arrival.arrived - now);
      if (headers == NULL)
        {
          g_free (arrival.name);
          if (g_atomic_int_get (&killer->killing))
            break;
          g_assert_no_error (error);
        }

      /* The proxy passed the Set-Cookie on: it kept the cookie. */
      expected = g_strdup_printf ("%s=1", arrival.name);
      set_cookie = soup_message_headers_get_list (headers, "Set-Cookie");
      if (set_cookie == NULL || !g_str_has_prefix (set_cookie, expected))
        g_error ("The proxy did not pass %s on (Set-Cookie: %s)", expected,
                 set_cookie ? set_cookie : "none");
      soup_message_headers_unref (headers);
      g_array_append_val (arrivals, arrival);
    }
  return arrivals;
}

static void
test_serve_killed (void)
{
  g_autoptr(GRand) rand = test_rand_new ();
  g_autofree char *root = tm_test_make_tmp_dir ();
  g_autofree char *dir = g_build_filename (root, "data", NULL);
  g_autofree char *consent_path = g_build_filename (dir, "consent.sqlite", NULL);
  g_autofree char *cookies_path = g_build_filename (dir, "cookies.sqlite", NULL);
  g_autoptr(GPtrArray) durable = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) listed = NULL;
  g_autofree char *out = NULL;
  Origin *origin = origin_start ();
  gint64 worst_lag = 0;
  guint n_requests = 0, n_recent_lost = 0, n_recent = 0;
  gint64 driven = 0;
  Serve *serve;

  for (guint round = 0; round < rounds; round++)
    {
      g_autofree char *err_path = g_strdup_printf ("%s/serve-%u.err", root, round);
      g_autoptr(GArray) arrivals = NULL;
      g_autoptr(GHashTable) stored = NULL;
      GThread *thread;
      Killer killer = { 0 };
      gint64 start, slowest = 0;

      /* From the second round on, this is the start on what a kill left. */
      serve = serve_start (dir, err_path);
      assert_serves (serve, origin);

      start = g_get_monotonic_time ();
      killer.process = serve->process;
      killer.at = start + g_rand_int_range (rand, KILL_MIN_USEC, KILL_MAX_USEC);
      thread = g_thread_new ("killer", killer_thread, &killer);
      arrivals = drive_until_killed (serve, origin, &killer, round, &slowest);
      g_thread_join (thread);
      serve_reap_killed (serve);
      driven += killer.killed_at - start;

      assert_integrity (consent_path);
      assert_integrity (cookies_path);
      assert_nothing_moved_aside (dir);

      stored = stored_cookie_names (dir);
      for (guint i = 0; i < arrivals->len; i++)
        {
          Arrival *a = &g_array_index (arrivals, Arrival, i);
          gboolean found = g_hash_table_contains (stored, a->name);
          gint64 age = killer.killed_at - a->arrived;

          n_requests++;
          if (age >= DURABLE_AFTER_USEC)
            {
              if (!found)
                g_error ("Round %u: %s reached the client %" G_GINT64_FORMAT " ms before "
                         "the kill, and is not in the store", round, a->name,
                         age / G_TIME_SPAN_MILLISECOND);
              g_ptr_array_add (durable, g_strdup (a->name));
            }
          else
            {
              n_recent++;
              if (!found)
                {
                  n_recent_lost++;
                  worst_lag = MAX (worst_lag, age);
                }
            }
        }
      g_test_message ("round %u: killed after %" G_GINT64_FORMAT " ms, %u cookies answered, "
                      "the slowest in %" G_GINT64_FORMAT " ms", round,
                      (killer.killed_at - start) / G_TIME_SPAN_MILLISECOND, arrivals->len,
                      slowest / G_TIME_SPAN_MILLISECOND);
    }

  /* The last start: it serves, every durable cookie is listed, and it stops cleanly. */
  serve = serve_start (dir, "/dev/null");
  assert_serves (serve, origin);
  g_assert_cmpint (tm_test_run_temoinctl ((const char *[]) { "--data-dir", dir, "cookies",
                                                             "list", "--json", NULL },
                                          &out, NULL), ==, 0);
  listed = collect_matches ("\"name\": \"([^\"]*)\"", out);
  for (guint i = 0; i < durable->len; i++)
    if (!g_hash_table_contains (listed, durable->pdata[i]))
      g_error ("%s is missing from `temoinctl cookies list`", (char *) durable->pdata[i]);
  serve_stop (serve);
  assert_integrity (consent_path);
  assert_integrity (cookies_path);

  g_test_message ("%u rounds, %u cookies answered (%.1f a second), %u checked durable; "
                  "of the %u answered less than a second before a kill, %u were not "
                  "stored, the oldest %" G_GINT64_FORMAT " ms before it",
                  rounds, n_requests, n_requests / (driven / (double) G_USEC_PER_SEC),
                  durable->len, n_recent, n_recent_lost, worst_lag / G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (durable->len, >, 0);

  origin_stop (origin);
  tm_test_rmdir (root);
}

/* `temoinctl serve` killed while it starts: while it opens and migrates both
 * databases, deletes the last session's cookies, takes its lock and binds. A
 * cookie stored before must survive every kill, and the proxy must start again. */
static void
test_serve_killed_starting (void)
{
  g_autoptr(GRand) rand = test_rand_new ();
  g_autofree char *root = tm_test_make_tmp_dir ();
  g_autofree char *dir = g_build_filename (root, "data", NULL);
  g_autofree char *consent_path = g_build_filename (dir, "consent.sqlite", NULL);
  g_autofree char *cookies_path = g_build_filename (dir, "cookies.sqlite", NULL);
  g_autofree char *err_path = g_build_filename (root, "serve.err", NULL);
  Origin *origin = origin_start ();
  guint n_rounds = rounds * 2, n_before_line = 0;
  gint64 starts[3], usual;
  Serve *serve;

  /* One cookie stored by a clean run; how long a start takes (the median of
   * three), on the way. */
  for (guint i = 0; i < G_N_ELEMENTS (starts); i++)
    {
      gint64 start = g_get_monotonic_time ();

      serve = serve_start (dir, err_path);
      starts[i] = g_get_monotonic_time () - start;
      if (i == 0)
        {
          g_autoptr(SoupSession) session = proxied_session (serve);
          g_autoptr(GError) error = NULL;
          SoupMessageHeaders *headers;

          headers = get_through (session, origin, "/set/SESSkept", &error);
          g_assert_no_error (error);
          soup_message_headers_unref (headers);
        }
      serve_stop (serve);
    }
  usual = median (starts, G_N_ELEMENTS (starts));

  for (guint round = 0; round < n_rounds; round++)
    {
      gint64 delay = g_rand_int_range (rand, 0, (gint32) MAX (usual * 5 / 4, 1000));
      g_autoptr(GHashTable) stored = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *line = NULL;

      serve = serve_spawn (dir, err_path);
      g_usleep (delay);
      g_subprocess_send_signal (serve->process, SIGKILL);
      /* Whether it got as far as saying it listens (the pipe ends at its death). */
      line = g_data_input_stream_read_line (serve->out, NULL, NULL, &error);
      g_assert_no_error (error);
      if (line == NULL)
        n_before_line++;
      serve_reap_killed (serve);

      assert_integrity (consent_path);
      assert_integrity (cookies_path);
      assert_nothing_moved_aside (dir);
      stored = stored_cookie_names (dir);
      if (!g_hash_table_contains (stored, "SESSkept"))
        g_error ("Round %u: killed %" G_GINT64_FORMAT " µs into its start, the proxy lost "
                 "a cookie stored before", round, delay);

      serve = serve_start (dir, err_path);
      assert_serves (serve, origin);
      serve_stop (serve);
    }
  g_test_message ("a start takes %" G_GINT64_FORMAT " ms; %u kills, %u of them before the "
                  "proxy said it listened", usual / G_TIME_SPAN_MILLISECOND, n_rounds,
                  n_before_line);
  /* The kills must land inside the start too, or this proves little. */
  g_assert_cmpuint (n_before_line, >, 0);

  origin_stop (origin);
  tm_test_rmdir (root);
}

/* `temoinctl consent set` */

/* Random arguments of `consent set`: --accept-all, --reject-all, or some
 * categories switched on or off. */
static GStrv
random_choice (GRand *rand)
{
  static const char * const categories[] = { "statistics", "first-party", "third-party" };
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  guint kind = (guint) g_rand_int_range (rand, 0, 4);

  if (kind == 0)
    g_strv_builder_add (builder, "--accept-all");
  else if (kind == 1)
    g_strv_builder_add (builder, "--reject-all");
  else
    {
      guint mask = (guint) g_rand_int_range (rand, 1, 1 << G_N_ELEMENTS (categories));

      for (guint i = 0; i < G_N_ELEMENTS (categories); i++)
        if (mask & (1u << i))
          {
            g_autofree char *pair = g_strdup_printf ("%s=%s", categories[i],
                                                     g_rand_boolean (rand) ? "on" : "off");

            g_strv_builder_add (builder, pair);
          }
    }
  return g_strv_builder_end (builder);
}

typedef struct {
  guint n_exited;    /* exited 0 */
  guint n_killed;
} ConsentStats;

/* Runs `temoinctl --data-dir @dir consent set --json CHOICE` and kills it after
 * @delay µs (unless it ended before; never when @delay is negative). Returns the
 * consent id it printed if it exited 0, NULL if the kill came first. */
static char *
consent_set_killed_after (GRand        *rand,
                          const char   *dir,
                          gint64        delay,
                          ConsentStats *stats)
{
  g_auto(GStrv) choice = random_choice (rand);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GHashTable) ids = NULL;
  GHashTableIter iter;
  gpointer id;

  g_ptr_array_add (argv, (char *) g_getenv ("TEMOINCTL"));
  g_ptr_array_add (argv, "--data-dir");
  g_ptr_array_add (argv, (char *) dir);
  g_ptr_array_add (argv, "consent");
  g_ptr_array_add (argv, "set");
  g_ptr_array_add (argv, "--json");
  for (guint i = 0; choice[i] != NULL; i++)
    g_ptr_array_add (argv, choice[i]);
  g_ptr_array_add (argv, NULL);

  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  if (delay >= 0)
    {
      g_usleep (delay);
      /* A process that already ended is a zombie until waited for: no one else
       * gets its id, and the signal does nothing. */
      g_subprocess_send_signal (process, SIGKILL);
    }
  g_subprocess_communicate_utf8 (process, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);

  if (g_subprocess_get_if_signaled (process))
    {
      g_assert_cmpint (g_subprocess_get_term_sig (process), ==, SIGKILL);
      stats->n_killed++;
      return NULL;
    }
  if (g_subprocess_get_exit_status (process) != 0)
    g_error ("temoinctl consent set exited %d after a kill before it on %s: %s",
             g_subprocess_get_exit_status (process), dir, err);
  stats->n_exited++;
  ids = collect_matches ("\"consent_id\": \"([^\"]+)\"", out);
  g_assert_cmpuint (g_hash_table_size (ids), ==, 1);
  g_hash_table_iter_init (&iter, ids);
  g_hash_table_iter_next (&iter, &id, NULL);
  return g_strdup (id);
}

/* The database of @dir opens clean after a kill: integrity_check, and a
 * following `consent show` works. */
static void
assert_consent_opens_clean (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "consent.sqlite", NULL);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  /* Killed before it created anything: nothing to check but `consent show`. */
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    assert_integrity (path);
  assert_nothing_moved_aside (dir);
  status = tm_test_run_temoinctl ((const char *[]) { "--data-dir", dir, "consent", "show",
                                                     "--json", NULL }, &out, &err);
  if (status != 0)
    g_test_message ("consent show on %s after a kill: %s", dir, err);
  g_assert_cmpint (status, ==, 0);
  g_assert_nonnull (strstr (out, "\"consent_id\""));
  assert_nothing_moved_aside (dir);
}

/* Every id of @exited is in `consent history` of @dir, and the history has no
 * more entries than runs that could have saved. */
static void
assert_history_holds (const char *dir,
                      GPtrArray  *exited,
                      guint       n_runs,
                      guint      *out_n_history)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GHashTable) history = NULL;
  int status;

  status = tm_test_run_temoinctl ((const char *[]) { "--data-dir", dir, "consent",
                                                     "history", "--json", NULL }, &out, &err);
  if (status != 0)
    g_test_message ("consent history on %s: %s", dir, err);
  g_assert_cmpint (status, ==, 0);
  history = collect_matches ("\"consent_id\": \"([^\"]+)\"", out);
  for (guint i = 0; i < exited->len; i++)
    if (!g_hash_table_contains (history, exited->pdata[i]))
      g_error ("consent set printed %s and exited 0, and %s is not in the history of %s",
               (char *) exited->pdata[i], (char *) exited->pdata[i], dir);
  g_assert_cmpuint (g_hash_table_size (history), <=, n_runs);
  *out_n_history = g_hash_table_size (history);
}

/* How long an unkilled `consent set` takes on @dir (the median of five): kills
 * are spread over that, and a little after. */
static gint64
measure_consent_set (GRand      *rand,
                     const char *dir,
                     GPtrArray  *exited)
{
  gint64 times[5];
  ConsentStats ignored = { 0 };

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      gint64 start = g_get_monotonic_time ();
      char *id = consent_set_killed_after (rand, dir, -1, &ignored);

      times[i] = g_get_monotonic_time () - start;
      g_assert_nonnull (id);
      g_ptr_array_add (exited, id);
    }
  return median (times, G_N_ELEMENTS (times));
}

static void
test_consent_set_killed (void)
{
  g_autoptr(GRand) rand = test_rand_new ();
  g_autofree char *root = tm_test_make_tmp_dir ();
  g_autofree char *dir = g_build_filename (root, "data", NULL);
  g_autoptr(GPtrArray) exited = g_ptr_array_new_with_free_func (g_free);
  ConsentStats stats = { 0 };
  guint n_rounds = rounds * 5;
  guint n_history;
  gint64 usual;

  usual = measure_consent_set (rand, dir, exited);
  for (guint round = 0; round < n_rounds; round++)
    {
      gint64 delay = g_rand_int_range (rand, 0, (gint32) MAX (usual * 2, 1000));
      char *id = consent_set_killed_after (rand, dir, delay, &stats);

      if (id != NULL)
        g_ptr_array_add (exited, id);
      assert_consent_opens_clean (dir);
    }
  assert_history_holds (dir, exited, exited->len + stats.n_killed, &n_history);
  g_test_message ("consent set takes %" G_GINT64_FORMAT " ms unkilled; %u runs: %u exited 0, "
                  "%u killed (%u of those had saved)", usual / G_TIME_SPAN_MILLISECOND,
                  n_rounds, stats.n_exited, stats.n_killed,
                  n_history - (guint) exited->len);
  /* The kills must land on both sides of the end, or this proves little. */
  g_assert_cmpuint (stats.n_exited, >, 0);
  g_assert_cmpuint (stats.n_killed, >, 0);
  tm_test_rmdir (root);
}

/* The same, each run on a data directory that does not exist yet: the kill lands
 * while the directory and the database are created and migrated. */
static void
test_consent_set_killed_creating (void)
{
  g_autoptr(GRand) rand = test_rand_new ();
  g_autofree char *root = tm_test_make_tmp_dir ();
  g_autofree char *measured = g_build_filename (root, "measured", NULL);
  g_autoptr(GPtrArray) ignored = g_ptr_array_new_with_free_func (g_free);
  ConsentStats stats = { 0 };
  guint n_rounds = rounds * 2;
  gint64 usual;

  usual = measure_consent_set (rand, measured, ignored);
  for (guint round = 0; round < n_rounds; round++)
    {
      g_autofree char *dir = g_strdup_printf ("%s/data-%u", root, round);
      g_autoptr(GPtrArray) exited = g_ptr_array_new_with_free_func (g_free);
      gint64 delay = g_rand_int_range (rand, 0, (gint32) MAX (usual * 2, 1000));
      char *id = consent_set_killed_after (rand, dir, delay, &stats);
      guint n_history;

      if (id != NULL)
        g_ptr_array_add (exited, id);
      assert_consent_opens_clean (dir);
      assert_history_holds (dir, exited, 1, &n_history);
    }
  g_test_message ("%u runs on new data directories: %u exited 0, %u killed", n_rounds,
                  stats.n_exited, stats.n_killed);
  g_assert_cmpuint (stats.n_killed, >, 0);
  tm_test_rmdir (root);
}

int
main (int   argc,
      char *argv[])
{
  const char *env;

  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("TEMOINCTL") == NULL)
    g_error ("TEMOINCTL is not set: run this test with `meson test --suite crash`");

  env = g_getenv ("TEMOIN_CRASH_SEED");
  seed = env != NULL ? (guint32) g_ascii_strtoull (env, NULL, 10) : g_random_int ();
  env = g_getenv ("TEMOIN_CRASH_ROUNDS");
  if (env != NULL)
    rounds = (guint) CLAMP (g_ascii_strtoull (env, NULL, 10), 1, 10000);

  g_test_add_func ("/crash/serve-killed", test_serve_killed);
  g_test_add_func ("/crash/serve-killed-starting", test_serve_killed_starting);
  g_test_add_func ("/crash/consent-set-killed", test_consent_set_killed);
  g_test_add_func ("/crash/consent-set-killed-creating", test_consent_set_killed_creating);
  return g_test_run ();
}
