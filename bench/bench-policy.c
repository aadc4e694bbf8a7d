/* SPDX-License-Identifier: GPL-3.0-or-later */
/* bench-policy: policy decisions per second over a realistic mix of cookies and
 * contexts (warm site cache), and Set-Cookie / Cookie parsing rates.
 *
 * Usage: bench-policy [DECISIONS] [PARSES]   (defaults: 5000000 and 1000000)
 * Prints `decisions_per_second=N` (one thread) first, for bench/run.sh. */
#define G_LOG_DOMAIN "temoin-bench"

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tm-cookie.h"
#include "tm-policy.h"

/* Names as a proxy sees them on ordinary sites: the charter's, analytics,
 * advertising and many a site's own unknown cookies. */
static const char *names[] = {
  "sessionid", "csrftoken", "django_language", "cookies_preferences",
  "_ga", "_gid", "_ga_3F2K9QX7LM", "_gat_UA-12345-1", "_pk_id.1.a4f3", "_hjSessionUser_1",
  "IDE", "_fbp", "test_cookie", "_gcl_au", "MUID", "__gads",
  "PHPSESSID", "XSRF-TOKEN", "AWSALB", "BIGipServerpool_web", "OptanonConsent",
  "cart_id", "theme", "uid", "visitor", "ab_test_group", "recently_viewed", "",
};

static const TmCookieContext contexts[] = {
  { "do101mtl.opendatasoft.com", NULL },                /* the charter's portal */
  { "do101mtl.opendatasoft.com", "do101mtl.opendatasoft.com" },
  { "www.site-a.test", "site-a.test" },                 /* first-party, subdomain */
  { "cdn.example.co.uk", "www.example.co.uk" },
  { "tracker.example", "site-a.test" },                 /* third-party */
  { "doubleclick.example", "news.example.com" },
  { "stats.provider.example", "" },                     /* other site unknown */
  { "127.0.0.1", "localhost" },                         /* loopback pair */
  { "localhost", NULL },
};

static const struct {
  const char *line;
  const char *host;
} set_cookies[] = {
  { "sessionid=8z7x6c5v4b3n2m1; expires=Fri, 01 Jan 2100 00:00:00 GMT; HttpOnly; "
    "Max-Age=1209600; Path=/; SameSite=Lax; Secure", "do101mtl.opendatasoft.com" },
  { "csrftoken=AbCdEfGhIjKlMnOpQrStUvWxYz012345; expires=Sat, 30 Nov 2027 09:00:00 GMT; "
    "Max-Age=31449600; Path=/; SameSite=Lax", "do101mtl.opendatasoft.com" },
  { "_ga=GA1.2.1234567890.1700000000; Domain=.site-a.test; Path=/; "
    "Expires=Tue, 30 Dec 2025 10:00:00 GMT", "www.site-a.test" },
  { "IDE=AHWqTUm2b3c4d5e6f7g8h9; Domain=doubleclick.example; Path=/; "
    "Expires=Sun, 29 Nov 2027 10:00:00 GMT; Secure; HttpOnly; SameSite=None",
    "ad.doubleclick.example" },
  { "__Host-id=caf\xc3\xa9\tlatte; Secure; Path=/; Partitioned; SameSite=None",
    "www.site-a.test" },
  { "pref=dark", "www.site-a.test" },
  { "django_language=fr; Path=/; Max-Age=31536000; SameSite=Lax",
    "do101mtl.opendatasoft.com" },
};

static const char *cookie_header =
  "sessionid=8z7x6c5v4b3n2m1; csrftoken=AbCdEfGhIjKlMnOpQrStUvWxYz012345; "
  "_ga=GA1.2.1234567890.1700000000; _gid=GA1.2.987654321.1700000000; "
  "django_language=fr; cookies_preferences=statistics; theme=dark";

typedef struct {
  TmClassifier *classifier;
  guint64       n;
  guint64       kept;
  gint64        elapsed;  /* µs of wall-clock time */
  gint64        cpu;      /* µs of this thread's CPU time */
} Run;

/* This thread's CPU time in µs: unlike the wall clock, it does not count the
 * time other processes take from a busy machine. */
static gint64
thread_cpu_time (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gpointer
decide_many (gpointer data)
{
  Run *run = data;
  const gsize n_names = G_N_ELEMENTS (names), n_contexts = G_N_ELEMENTS (contexts);
  /* Statistics accepted, first- and third-party refused: every branch is taken. */
  TmCategories accepted = TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS);
  gint64 start = g_get_monotonic_time ();
  gint64 cpu_start = thread_cpu_time ();
  guint64 kept = 0;

  for (guint64 i = 0; i < run->n; i++)
    {
      TmDecision decision;

      /* Coprime strides so every name meets every context. */
      tm_policy_decide (run->classifier, accepted, names[i % n_names],
                        &contexts[(i / n_names) % n_contexts], &decision);
      kept += decision.keep;
    }
  run->elapsed = g_get_monotonic_time () - start;
  run->cpu = thread_cpu_time () - cpu_start;
  run->kept = kept;
  return NULL;
}

static double
decisions_with_threads (TmClassifier *classifier,
                        guint64       n,
                        guint         n_threads)
{
  Run runs[8];
  GThread *threads[8];
  gint64 start = g_get_monotonic_time ();
  gint64 elapsed;

  g_assert (n_threads <= G_N_ELEMENTS (runs));
  for (guint t = 0; t < n_threads; t++)
    {
      runs[t] = (Run) { classifier, n / n_threads, 0, 0, 0 };
      threads[t] = g_thread_new ("decide", decide_many, &runs[t]);
    }
  for (guint t = 0; t < n_threads; t++)
    g_thread_join (threads[t]);
  elapsed = MAX (g_get_monotonic_time () - start, 1);
  return (double) (n / n_threads * n_threads) / (elapsed / 1e6);
}

int
main (int argc, char *argv[])
{
  g_autoptr(TmClassifier) classifier = tm_classifier_new ();
  guint64 n_decisions = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : 5000000;
  guint64 n_parses = argc > 2 ? g_ascii_strtoull (argv[2], NULL, 10) : 1000000;
  Run warm = { classifier, 100000, 0, 0, 0 };
  Run one = { classifier, n_decisions, 0, 0, 0 };
  double per_second, two_threads;
  gint64 start, elapsed, cpu, now = g_get_real_time () / G_USEC_PER_SEC;
  guint64 parsed = 0, pairs = 0;

  if (n_decisions < 1000 || n_parses < 1000)
    {
      fprintf (stderr, "Usage: %s [DECISIONS] [PARSES] (each at least 1000)\n", argv[0]);
      return 2;
    }

  decide_many (&warm);   /* warm the site cache */
  decide_many (&one);
  per_second = one.n / (MAX (one.elapsed, 1) / 1e6);
  two_threads = decisions_with_threads (classifier, n_decisions, 2);

  printf ("decisions_per_second=%.0f\n", per_second);
  printf ("policy: %" G_GUINT64_FORMAT " decisions in %.3f s: %.2f M decisions/s "
          "(one thread; %" G_GUINT64_FORMAT " kept); two threads: %.2f M/s\n",
          one.n, one.elapsed / 1e6, per_second / 1e6, one.kept, two_threads / 1e6);
  printf ("policy CPU cost: %.0f ns per decision (%.2f M decisions per CPU second)\n",
          one.cpu * 1e3 / one.n, one.n / (MAX (one.cpu, 1) / 1e6) / 1e6);

  start = g_get_monotonic_time ();
  cpu = thread_cpu_time ();
  for (guint64 i = 0; i < n_parses; i++)
    {
      guint k = i % G_N_ELEMENTS (set_cookies);
      g_autoptr(TmCookie) cookie = NULL;

      cookie = tm_cookie_parse (set_cookies[k].line, set_cookies[k].host, "/path/page",
                                TRUE, now, NULL);
      parsed += cookie != NULL;
    }
  elapsed = MAX (g_get_monotonic_time () - start, 1);
  cpu = MAX (thread_cpu_time () - cpu, 1);
  printf ("set-cookie: %" G_GUINT64_FORMAT " lines in %.3f s: %.2f M lines/s "
          "(%" G_GUINT64_FORMAT " valid; %.0f ns of CPU per line)\n",
          n_parses, elapsed / 1e6, n_parses / (elapsed / 1e6) / 1e6, parsed,
          cpu * 1e3 / n_parses);

  start = g_get_monotonic_time ();
  cpu = thread_cpu_time ();
  for (guint64 i = 0; i < n_parses; i++)
    {
      g_autoptr(GArray) split = tm_cookie_header_parse (cookie_header);
      pairs += split->len;
    }
  elapsed = MAX (g_get_monotonic_time () - start, 1);
  cpu = MAX (thread_cpu_time () - cpu, 1);
  printf ("cookie header: %" G_GUINT64_FORMAT " headers (%" G_GUINT64_FORMAT " pairs) "
          "in %.3f s: %.2f M headers/s (%.0f ns of CPU per header)\n",
          n_parses, pairs, elapsed / 1e6, n_parses / (elapsed / 1e6) / 1e6,
          cpu * 1e3 / n_parses);
  return 0;
}
