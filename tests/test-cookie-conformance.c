/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-cookie-conformance.c: Témoin's parser (tm-cookie) and session store against
 * the cases of tests/data/cookie-cases/ (see the README there): Set-Cookie lines
 * answer a request, then the Cookie header of later requests is compared with the
 * expected one, the way the IETF http-state tests and the web-platform-tests do. */
#define G_LOG_DOMAIN "temoin-test"

#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tm-cookie.h"
#include "tm-session-store.h"
#include "tm-test-utils.h"

typedef enum {
  STEP_FROM,
  STEP_SET_COOKIE,
  STEP_REJECT,
  STEP_ATTRS,
  STEP_SEND,
  STEP_EXPECT,
  STEP_EXPECT_COUNT,
} StepKind;

typedef struct {
  StepKind  kind;
  char     *arg;    /* expanded */
  guint     line;
} Step;

typedef struct {
  char      *file;  /* basename, for messages */
  char      *name;
  guint      line;
  GArray    *steps; /* Step */
} Case;

static void
step_clear (gpointer data)
{
  Step *step = data;

  g_free (step->arg);
}

static void
case_free (gpointer data)
{
  Case *c = data;

  g_free (c->file);
  g_free (c->name);
  g_array_unref (c->steps);
  g_free (c);
}

/* C escapes, then {{N*TEXT}} repetitions. */
static char *
expand (const char *raw,
        const char *file,
        guint       line)
{
  g_autofree char *unescaped = g_strcompress (raw);
  GString *out = g_string_new (NULL);
  const char *p = unescaped;

  for (;;)
    {
      const char *open = strstr (p, "{{");
      const char *star, *close;
      guint64 n;
      char *end;

      if (open == NULL)
        break;
      g_string_append_len (out, p, open - p);
      n = g_ascii_strtoull (open + 2, &end, 10);
      star = end;
      close = strstr (open, "}}");
      if (star == open + 2 || *star != '*' || close == NULL || n > 100000)
        g_error ("%s:%u: bad repetition in “%s” (write {{N*TEXT}})", file, line, raw);
      for (guint64 i = 0; i < n; i++)
        g_string_append_len (out, star + 1, close - star - 1);
      p = close + 2;
    }
  g_string_append (out, p);
  return g_string_free (out, FALSE);
}

static void
add_step (Case       *c,
          StepKind    kind,
          const char *arg,
          const char *file,
          guint       line)
{
  Step step = { kind, arg != NULL ? expand (arg, file, line) : NULL, line };

  if (c == NULL)
    g_error ("%s:%u: a step before the first `case` line", file, line);
  g_array_append_val (c->steps, step);
}

/* Parses one .cases file into @cases (element-type Case). */
static void
load_cases (const char *path,
            GPtrArray  *cases)
{
  g_autofree char *contents = NULL;
  g_autofree char *base = g_path_get_basename (path);
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  Case *current = NULL;

  if (!g_file_get_contents (path, &contents, NULL, &error))
    g_error ("Could not read %s: %s", path, error->message);
  *strrchr (base, '.') = '\0';
  lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      guint lineno = i + 1;

      if (line[0] == '\0' || line[0] == '#')
        continue;

      if (g_str_has_prefix (line, "case "))
        {
          current = g_new0 (Case, 1);
          current->file = g_strdup (base);
          current->name = g_strdup (line + strlen ("case "));
          current->line = lineno;
          current->steps = g_array_new (FALSE, TRUE, sizeof (Step));
          g_array_set_clear_func (current->steps, step_clear);
          g_ptr_array_add (cases, current);
        }
      else if (g_str_has_prefix (line, "from "))
        add_step (current, STEP_FROM, line + strlen ("from "), base, lineno);
      else if (g_str_equal (line, "set-cookie") || g_str_has_prefix (line, "set-cookie "))
        add_step (current, STEP_SET_COOKIE,
                  line[strlen ("set-cookie")] == '\0' ? "" : line + strlen ("set-cookie "),
                  base, lineno);
      else if (g_str_has_prefix (line, "series "))
        {
          char *end;
          guint64 n = g_ascii_strtoull (line + strlen ("series "), &end, 10);

          if (*end != ' ' || n == 0 || n > 10000)
            g_error ("%s:%u: write `series N TEMPLATE`", base, lineno);
          for (guint64 k = 0; k < n; k++)
            {
              g_autofree char *number = g_strdup_printf ("%" G_GUINT64_FORMAT, k);
              g_auto(GStrv) parts = g_strsplit (end + 1, "%d", -1);
              g_autofree char *one = g_strjoinv (number, parts);

              add_step (current, STEP_SET_COOKIE, one, base, lineno);
            }
        }
      else if (g_str_equal (line, "reject"))
        add_step (current, STEP_REJECT, NULL, base, lineno);
      else if (g_str_equal (line, "attrs") || g_str_has_prefix (line, "attrs "))
        add_step (current, STEP_ATTRS, line + strlen ("attrs"), base, lineno);
      else if (g_str_has_prefix (line, "send "))
        add_step (current, STEP_SEND, line + strlen ("send "), base, lineno);
      else if (g_str_equal (line, "expect") || g_str_has_prefix (line, "expect "))
        add_step (current, STEP_EXPECT,
                  line[strlen ("expect")] == '\0' ? "" : line + strlen ("expect "),
                  base, lineno);
      else if (g_str_has_prefix (line, "expect-count "))
        add_step (current, STEP_EXPECT_COUNT, line + strlen ("expect-count "), base, lineno);
      else
        g_error ("%s:%u: unknown line “%s” (see tests/data/cookie-cases/README)",
                 base, lineno, line);
    }
}

static char *
cases_dir_default (void)
{
  return tm_test_data_path ("cookie-cases");
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  /* g_ptr_array_sort() passes pointers to the elements. */
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static GPtrArray *
load_all (const char *dir)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) d = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *cases = g_ptr_array_new_with_free_func (case_free);
  const char *name;

  d = g_dir_open (dir, 0, &error);
  if (d == NULL)
    g_error ("Could not open the cases directory %s: %s", dir, error->message);
  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".cases"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  if (names->len == 0)
    g_error ("No *.cases file in %s", dir);

  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);

      load_cases (path, cases);
    }
  return cases;
}

/* The request a URL stands for. */
typedef struct {
  char     *host;
  char     *path;
  gboolean  https;
} Request;

static void
request_clear (Request *r)
{
  g_clear_pointer (&r->host, g_free);
  g_clear_pointer (&r->path, g_free);
}

static void
request_parse (const Case *c,
               const Step *step,
               Request    *out)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) error = NULL;

  request_clear (out);
  uri = g_uri_parse (step->arg, G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_NON_DNS, &error);
  if (uri == NULL)
    g_error ("%s:%u: “%s” is not a URL: %s", c->file, step->line, step->arg, error->message);
  out->https = g_strcmp0 (g_uri_get_scheme (uri), "https") == 0;
  out->host = g_strdup (g_uri_get_host (uri));
  out->path = g_strdup (g_uri_get_path (uri));
  if (g_uri_get_query (uri) != NULL)
    {
      /* tm_cookie_parse() must ignore the query when it computes a default-path. */
      char *with_query = g_strconcat (out->path, "?", g_uri_get_query (uri), NULL);

      g_free (out->path);
      out->path = with_query;
    }
}

/* RFC 6265bis 5.8.3: "name=value" (or the value alone) joined by "; ". */
static char *
serialise (GPtrArray *cookies)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < cookies->len; i++)
    {
      const TmCookie *cookie = g_ptr_array_index (cookies, i);

      if (i > 0)
        g_string_append (out, "; ");
      if (cookie->name[0] != '\0')
        {
          g_string_append (out, cookie->name);
          g_string_append_c (out, '=');
        }
      g_string_append (out, cookie->value);
    }
  return g_string_free (out, FALSE);
}

/* A readable form of a byte string (long values shortened) for messages. */
static char *
show (const char *s)
{
  g_autofree char *escaped = g_strescape (s, NULL);

  if (strlen (escaped) > 200)
    return g_strdup_printf ("%.90s…%s (%zu bytes)", escaped,
                            escaped + strlen (escaped) - 90, strlen (s));
  return g_steal_pointer (&escaped);
}

/* Whether @cookie has the boolean attribute @flag ("secure", "host-only"…);
 * FALSE in @known when @flag is not one of them. */
static gboolean
cookie_flag (const TmCookie *cookie,
             const char     *flag,
             gboolean       *known)
{
  *known = TRUE;
  if (g_str_equal (flag, "secure"))
    return cookie->secure;
  if (g_str_equal (flag, "httponly"))
    return cookie->http_only;
  if (g_str_equal (flag, "partitioned"))
    return cookie->partitioned;
  if (g_str_equal (flag, "host-only"))
    return cookie->host_only;
  *known = FALSE;
  return FALSE;
}

/* The runner's own tests read the failure here instead of failing. */
static gboolean self_testing;
static char *last_failure;

/* A case that does not hold fails its test and stops; the next cases still run. */
#define CASE_FAIL(...) G_STMT_START {                  \
    g_free (last_failure);                             \
    last_failure = g_strdup_printf (__VA_ARGS__);      \
    if (!self_testing)                                 \
      g_test_fail_printf ("%s", last_failure);         \
    return FALSE;                                      \
  } G_STMT_END

static gboolean
check_attrs (const Case     *c,
             const Step     *step,
             const TmCookie *cookie,
             gint64          now)
{
  static const char * const same_site_names[] = { "unset", "strict", "lax", "none" };
  g_auto(GStrv) words = g_strsplit_set (step->arg, " ", -1);

  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *w = words[i];
      const char *flag = w[0] == '!' ? w + 1 : w;
      gboolean known, value;

      if (w[0] == '\0')
        continue;

      value = cookie_flag (cookie, flag, &known);
      if (known)
        {
          if (value != (w[0] != '!'))
            CASE_FAIL ("%s:%u: %s: %s is %s", c->file, step->line, c->name, flag,
                     value ? "set" : "not set");
        }
      else if (g_str_equal (w, "session") || g_str_equal (w, "persistent")
               || g_str_equal (w, "expired"))
        {
          gboolean ok;

          if (g_str_equal (w, "session"))
            ok = cookie->expires == TM_COOKIE_SESSION;
          else if (g_str_equal (w, "persistent"))
            ok = cookie->expires != TM_COOKIE_SESSION && cookie->expires > now;
          else
            ok = tm_cookie_is_expired (cookie, now);
          if (!ok)
            CASE_FAIL ("%s:%u: %s: the cookie is not %s (expiry %" G_GINT64_FORMAT ")",
                     c->file, step->line, c->name, w, cookie->expires);
        }
      else if (g_str_has_prefix (w, "domain="))
        {
          if (g_strcmp0 (cookie->domain, w + strlen ("domain=")) != 0)
            CASE_FAIL ("%s:%u: %s: domain is “%s”, expected “%s”", c->file, step->line,
                     c->name, cookie->domain, w + strlen ("domain="));
        }
      else if (g_str_has_prefix (w, "path="))
        {
          if (g_strcmp0 (cookie->path, w + strlen ("path=")) != 0)
            {
              g_autofree char *got = show (cookie->path);
              g_autofree char *want = show (w + strlen ("path="));

              CASE_FAIL ("%s:%u: %s: path is “%s”, expected “%s”", c->file, step->line,
                       c->name, got, want);
            }
        }
      else if (g_str_has_prefix (w, "samesite="))
        {
          g_assert_cmpint (cookie->same_site, <, G_N_ELEMENTS (same_site_names));
          if (!g_str_equal (same_site_names[cookie->same_site], w + strlen ("samesite=")))
            CASE_FAIL ("%s:%u: %s: SameSite is %s, expected %s", c->file, step->line, c->name,
                     same_site_names[cookie->same_site], w + strlen ("samesite="));
        }
      else if (g_str_has_prefix (w, "expires="))
        {
          gint64 want = g_ascii_strtoll (w + strlen ("expires="), NULL, 10);

          if (cookie->expires != want)
            CASE_FAIL ("%s:%u: %s: expiry is %" G_GINT64_FORMAT ", expected %" G_GINT64_FORMAT,
                     c->file, step->line, c->name, cookie->expires, want);
        }
      else
        g_error ("%s:%u: unknown attribute check “%s”", c->file, step->line, w);
    }
  return TRUE;
}

/* Runs @c's steps against @store; FALSE (the test marked failed) at the first
 * expectation that does not hold. */
static gboolean
run_steps (const Case     *c,
           TmSessionStore *store,
           Request        *from,
           Request        *to)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCookie) last = NULL;
  g_autofree char *last_header = NULL;
  gboolean have_last = FALSE, sent = FALSE, have_from = FALSE;
  g_autofree char *got = NULL;
  g_autoptr(GPtrArray) sent_cookies = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; i < c->steps->len; i++)
    {
      const Step *step = &g_array_index (c->steps, Step, i);

      switch (step->kind)
        {
        case STEP_FROM:
          request_parse (c, step, from);
          have_from = TRUE;
          break;

        case STEP_SET_COOKIE:
          if (!have_from)
            g_error ("%s:%u: `set-cookie` before `from`", c->file, step->line);
          g_clear_pointer (&last, tm_cookie_free);
          g_clear_error (&error);
          g_free (last_header);
          last_header = g_strdup (step->arg);
          last = tm_cookie_parse (step->arg, from->host, from->path, from->https, now,
                                  &error);
          have_last = TRUE;
          g_assert_true ((last == NULL) == (error != NULL));
          if (last != NULL)
            {
              /* The proxy mirrors with categories set; the store requires it.
               * It says the scheme, as the proxy does. */
              last->categories = TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);
              tm_session_store_put_from (store, last, from->https);
            }
          break;

        case STEP_REJECT:
          if (!have_last)
            g_error ("%s:%u: `reject` without a `set-cookie` before it", c->file, step->line);
          if (last != NULL)
            {
              g_autofree char *h = show (last_header);

              CASE_FAIL ("%s:%u: %s: “%s” should be ignored, the parser kept it", c->file,
                         step->line, c->name, h);
            }
          g_assert_error (error, TM_COOKIE_ERROR, TM_COOKIE_ERROR_INVALID);
          g_test_message ("%s: ignored as expected: %s", c->name, error->message);
          break;

        case STEP_ATTRS:
          if (!have_last)
            g_error ("%s:%u: `attrs` without a `set-cookie` before it", c->file, step->line);
          if (last == NULL)
            {
              g_autofree char *h = show (last_header);

              CASE_FAIL ("%s:%u: %s: “%s” should parse, the parser ignored it: %s",
                         c->file, step->line, c->name, h, error->message);
            }
          if (!check_attrs (c, step, last, now))
            return FALSE;
          break;

        case STEP_SEND:
          {
            g_autoptr(GError) store_error = NULL;

            request_parse (c, step, to);
            g_assert_true (tm_session_store_flush (store, &store_error));
            g_assert_no_error (store_error);
            g_clear_pointer (&sent_cookies, g_ptr_array_unref);
            sent_cookies = tm_session_store_list_for_url (store, step->arg, &store_error);
            g_assert_no_error (store_error);
            g_assert_nonnull (sent_cookies);
            sent = TRUE;
          }
          break;

        case STEP_EXPECT:
          if (!sent)
            g_error ("%s:%u: `expect` without a `send` before it", c->file, step->line);
          g_free (got);
          got = serialise (sent_cookies);
          if (!g_str_equal (got, step->arg))
            {
              g_autofree char *g = show (got);
              g_autofree char *w = show (step->arg);

              CASE_FAIL ("%s:%u: %s: Cookie header is “%s”, expected “%s”", c->file,
                         step->line, c->name, g, w);
            }
          break;

        case STEP_EXPECT_COUNT:
          if (!sent)
            g_error ("%s:%u: `expect-count` without a `send` before it", c->file, step->line);
          if (sent_cookies->len != (guint) g_ascii_strtoull (step->arg, NULL, 10))
            CASE_FAIL ("%s:%u: %s: %u cookies sent, expected %s", c->file, step->line,
                       c->name, sent_cookies->len, step->arg);
          break;
        }
    }
  return TRUE;
}

static void
run_case (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;
  Request from = { NULL }, to = { NULL };

  store = tm_session_store_new (dir, &error);
  g_assert_no_error (error);
  g_assert_true (tm_session_store_begin_session (store, &error));
  g_assert_no_error (error);

  run_steps (c, store, &from, &to);

  request_clear (&from);
  request_clear (&to);
  g_clear_object (&store);
  tm_test_rmdir (dir);
}

/* The runner itself must be able to fail: it runs a case whose expectation is
 * wrong and reads the failure it reports. */
static void
run_self_test (const Step *steps,
               guint       n_steps,
               const char *expected_failure)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;
  Request from = { NULL }, to = { NULL };
  Case c = { (char *) "self-test", (char *) "wrong-expectation", 1, NULL };

  c.steps = g_array_new (FALSE, TRUE, sizeof (Step));
  for (guint i = 0; i < n_steps; i++)
    {
      Step step = steps[i];

      step.arg = g_strdup (step.arg);
      g_array_append_val (c.steps, step);
    }
  g_array_set_clear_func (c.steps, step_clear);
  store = tm_session_store_new (dir, &error);
  g_assert_no_error (error);

  g_clear_pointer (&last_failure, g_free);
  self_testing = TRUE;
  g_assert_false (run_steps (&c, store, &from, &to));
  self_testing = FALSE;
  g_assert_nonnull (last_failure);
  g_assert_true (g_pattern_match_simple (expected_failure, last_failure));

  request_clear (&from);
  request_clear (&to);
  g_array_unref (c.steps);
  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
test_runner_catches_mismatch (void)
{
  const Step steps[] = {
    { STEP_FROM, (char *) "http://home.example.org/", 1 },
    { STEP_SET_COOKIE, (char *) "a=1", 2 },
    { STEP_SEND, (char *) "http://home.example.org/", 3 },
    { STEP_EXPECT, (char *) "a=2", 4 },
  };

  run_self_test (steps, G_N_ELEMENTS (steps), "*Cookie header is “a=1”, expected “a=2”*");
}

static void
test_runner_catches_wrong_reject (void)
{
  const Step steps[] = {
    { STEP_FROM, (char *) "http://home.example.org/", 1 },
    { STEP_SET_COOKIE, (char *) "a=1", 2 },
    { STEP_REJECT, NULL, 3 },
  };

  run_self_test (steps, G_N_ELEMENTS (steps), "*“a=1” should be ignored, the parser kept it*");
}

static void
test_runner_catches_wrong_attribute (void)
{
  const Step steps[] = {
    { STEP_FROM, (char *) "https://home.example.org/", 1 },
    { STEP_SET_COOKIE, (char *) "a=1; Secure", 2 },
    { STEP_ATTRS, (char *) " !secure", 3 },
  };

  run_self_test (steps, G_N_ELEMENTS (steps), "*secure is set*");
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *cases_dir = NULL;
  g_autoptr(GPtrArray) cases = NULL;
  g_autoptr(GPtrArray) kept_argv = g_ptr_array_new ();

  /* --cases-dir DIR runs another directory (pending/) instead of the default. */
  for (int i = 0; i < argc; i++)
    {
      if (g_str_equal (argv[i], "--cases-dir") && i + 1 < argc)
        cases_dir = g_strdup (argv[++i]);
      else
        g_ptr_array_add (kept_argv, argv[i]);
    }
  g_ptr_array_add (kept_argv, NULL);
  argc = kept_argv->len - 1;
  argv = (char **) kept_argv->pdata;

  g_test_init (&argc, &argv, NULL);
  if (cases_dir == NULL)
    cases_dir = cases_dir_default ();
  cases = load_all (cases_dir);

  g_test_add_func ("/cookie-conformance/runner/catches-a-wrong-cookie-header",
                   test_runner_catches_mismatch);
  g_test_add_func ("/cookie-conformance/runner/catches-a-wrong-reject",
                   test_runner_catches_wrong_reject);
  g_test_add_func ("/cookie-conformance/runner/catches-a-wrong-attribute",
                   test_runner_catches_wrong_attribute);
  for (guint i = 0; i < cases->len; i++)
    {
      const Case *c = g_ptr_array_index (cases, i);
      g_autofree char *test_path = g_strdup_printf ("/cookie-conformance/%s/%s",
                                                    c->file, c->name);

      g_test_add_data_func (test_path, c, run_case);
    }
  return g_test_run ();
}
