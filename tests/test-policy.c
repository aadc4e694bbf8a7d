/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tm-policy.h"
#include "tm-test-utils.h"

#define N TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY)
#define S TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS)
#define F TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY)
#define T TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY)

/* A representative cookie set, each with what it carries whatever the choice, and
 * for each of the 8 choices of the three switchable categories whether it is kept.
 * Choice i accepts statistics when bit 0 of i is set, first-party when bit 1,
 * third-party when bit 2 (necessary always): "K" kept, "-" blocked. */
typedef struct {
  const char   *what;
  const char   *name;
  const char   *host;
  const char   *top_site;
  TmCategories  carried;
  TmSource      source;
  const char   *kept_by_choice;   /* 8 characters */
} PolicyRow;

static const PolicyRow policy_rows[] = {
  { "necessary-charter-cookie", "sessionid", "do101mtl.opendatasoft.com", NULL,
    N, TM_SOURCE_CHARTER, "KKKKKKKK" },
  { "necessary-builtin-cookie", "PHPSESSID", "shop.example", "shop.example",
    N, TM_SOURCE_BUILTIN, "KKKKKKKK" },
  { "necessary-cookie-of-another-site", "csrftoken", "do101mtl.opendatasoft.com",
    "site-a.test", N | T, TM_SOURCE_CHARTER, "----KKKK" },
  { "statistics-first-party", "_ga", "www.site-a.test", "site-a.test",
    S, TM_SOURCE_BUILTIN, "-K-K-K-K" },
  { "statistics-third-party", "_ga", "tracker.example", "site-a.test",
    S | T, TM_SOURCE_BUILTIN, "-----K-K" },
  { "advertising-first-party", "_fbp", "site-a.test", NULL,
    F, TM_SOURCE_BUILTIN, "--KK--KK" },
  { "advertising-third-party", "IDE", "doubleclick.example", "site-a.test",
    T, TM_SOURCE_BUILTIN, "----KKKK" },
  { "unknown-first-party", "prefs", "site-a.test", "site-a.test",
    F, TM_SOURCE_CONTEXT, "--KK--KK" },
  { "unknown-third-party", "uid", "site-b.test", "site-a.test",
    T, TM_SOURCE_CONTEXT, "----KKKK" },
  { "unknown-third-party-other-site-unknown", "uid", "site-b.test", "",
    T, TM_SOURCE_CONTEXT, "----KKKK" },
};

static TmClassifier *classifier;

static TmCategories
choice (guint i)
{
  TmCategories accepted = 0;   /* necessary is added by the policy itself */

  if (i & 1)
    accepted |= S;
  if (i & 2)
    accepted |= F;
  if (i & 4)
    accepted |= T;
  return accepted;
}

static void
test_policy_row (gconstpointer data)
{
  const PolicyRow *row = data;
  TmCookieContext context = { row->host, row->top_site };

  g_assert_cmpuint (strlen (row->kept_by_choice), ==, 8);
  for (guint i = 0; i < 8; i++)
    {
      TmDecision decision;
      gboolean kept = row->kept_by_choice[i] == 'K';

      memset (&decision, 0xaa, sizeof decision);
      tm_policy_decide (classifier, choice (i), row->name, &context, &decision);
      g_test_message ("choice %u", i);
      g_assert_cmphex (decision.classification.categories, ==, row->carried);
      g_assert_cmpint (decision.classification.source, ==, row->source);
      g_assert_cmpint (decision.keep, ==, kept);
      /* Refused is exactly what is carried and not accepted. */
      g_assert_cmphex (decision.refused, ==, kept ? 0 : row->carried & ~choice (i) & ~N);
      g_assert_cmphex (decision.refused & N, ==, 0);
    }
}

/* The words of the reason, in English for JSON and logs: one row per form. */
typedef struct {
  const char   *name;
  const char   *host;
  const char   *top_site;
  TmCategories  accepted;
  gboolean      keep;
  const char   *reason;
} ReasonRow;

static const ReasonRow reason_rows[] = {
  { "_ga", "www.site-a.test", "site-a.test", F | T, FALSE,
    "statistics cookie (_ga, Google Analytics): statistics are refused" },
  { "_ga", "www.site-a.test", NULL, S, TRUE,
    "statistics cookie (_ga, Google Analytics): accepted" },
  { "sessionid", "do101mtl.opendatasoft.com", NULL, 0, TRUE,
    "necessary cookie (sessionid, Opendatasoft charter): always accepted" },
  { "csrf_token", "site-a.test", NULL, 0, TRUE,
    "necessary cookie (csrf_token, a common cookie name): always accepted" },
  { "IDE", "doubleclick.example", "site-a.test", S | F, FALSE,
    "third-party cookie (IDE on doubleclick.example, Google Marketing Platform, "
    "site visited: site-a.test): third-party cookies are refused" },
  { "_ga", "tracker.example", "site-a.test", F, FALSE,
    "statistics cookie (_ga on tracker.example, Google Analytics, site visited: "
    "site-a.test): statistics and third-party cookies are refused" },
  { "_ga", "tracker.example", "site-a.test", T, FALSE,
    "statistics cookie (_ga on tracker.example, Google Analytics, site visited: "
    "site-a.test): statistics are refused" },
  { "_ga", "tracker.example", "site-a.test", S, FALSE,
    "statistics cookie (_ga on tracker.example, Google Analytics, site visited: "
    "site-a.test): third-party cookies are refused" },
  { "csrftoken", "do101mtl.opendatasoft.com", "site-a.test", S | F, FALSE,
    "necessary cookie (csrftoken on do101mtl.opendatasoft.com, Opendatasoft charter, "
    "site visited: site-a.test): third-party cookies are refused" },
  { "prefs", "site-a.test", NULL, S | T, FALSE,
    "first-party cookie (prefs, unknown to Témoin, set by the site itself): "
    "first-party cookies are refused" },
  { "prefs", "site-a.test", NULL, F, TRUE,
    "first-party cookie (prefs, unknown to Témoin, set by the site itself): accepted" },
  { "uid", "site-b.test", "site-a.test", S | F, FALSE,
    "third-party cookie (uid on site-b.test, unknown to Témoin, site visited: "
    "site-a.test): third-party cookies are refused" },
  { "uid", "site-b.test", "", T, TRUE,
    "third-party cookie (uid on site-b.test, unknown to Témoin, site visited: unknown): "
    "accepted" },
  { "", "site-a.test", NULL, 0, FALSE,
    "first-party cookie (nameless, unknown to Témoin, set by the site itself): "
    "first-party cookies are refused" },
};

static void
test_reasons (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (reason_rows); i++)
    {
      const ReasonRow *row = &reason_rows[i];
      TmCookieContext context = { row->host, row->top_site };
      TmDecision decision;
      g_autofree char *reason = NULL;

      tm_policy_decide (classifier, row->accepted, row->name, &context, &decision);
      g_assert_cmpint (decision.keep, ==, row->keep);
      reason = tm_decision_describe (&decision, row->name, FALSE);
      g_assert_cmpstr (reason, ==, row->reason);
    }
}

/* Refusals only the user's overrides can produce (several categories at once):
 * every combination has its own words, after the override's own. */
static void
test_reasons_for_every_refusal (void)
{
  static const struct {
    TmCategories refused;
    const char  *categories;
    const char  *verdict;
  } rows[] = {
    { S, "statistics", "statistics are refused" },
    { F, "first-party", "first-party cookies are refused" },
    { T, "third-party", "third-party cookies are refused" },
    { S | F, "statistics, first-party", "statistics and first-party cookies are refused" },
    { S | T, "statistics, third-party", "statistics and third-party cookies are refused" },
    { F | T, "first-party, third-party", "first-party and third-party cookies are refused" },
    { S | F | T, "statistics, first-party, third-party",
      "statistics, first-party and third-party cookies are refused" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      TmDecision decision = { 0 };
      g_autofree char *reason = NULL;
      g_autofree char *expected = NULL;

      decision.keep = FALSE;
      decision.refused = rows[i].refused;
      decision.classification.categories = rows[i].refused;
      decision.classification.purpose = TM_CATEGORY_FIRST_PARTY;
      decision.classification.source = TM_SOURCE_OVERRIDE;
      decision.classification.host = "a.test";
      decision.classification.label = "a.test";   /* the override's site */
      reason = tm_decision_describe (&decision, "x", FALSE);
      expected = g_strdup_printf ("override for x on a.test: %s; %s", rows[i].categories,
                                  rows[i].verdict);
      g_assert_cmpstr (reason, ==, expected);
    }
}

/* With a catalogue for the current language, TRUE goes through gettext and
 * FALSE stays the stable English; the catalogue here is made by the test. */
static void
test_translated_reason_uses_the_catalogue (void)
{
  static const char po[] =
    "msgid \"\"\nmsgstr \"\"\n\"Content-Type: text/plain; charset=UTF-8\\n\"\n\n"
    "msgid \"%s (%s): %s\"\nmsgstr \"%s (%s) : %s\"\n\n"
    "msgid \"statistics cookie\"\nmsgstr \"cookie statistique\"\n\n"
    "msgid \"%s on %s\"\nmsgstr \"%s sur %s\"\n\n"
    "msgid \"%s, %s, site visited: %s\"\nmsgstr \"%s, %s, site visité : %s\"\n\n"
    "msgid \"statistics and third-party cookies are refused\"\n"
    "msgstr \"les statistiques et les cookies tiers sont refusés\"\n";
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *msgdir = g_build_filename (dir, "fr", "LC_MESSAGES", NULL);
  g_autofree char *po_path = g_build_filename (dir, "test.po", NULL);
  g_autofree char *mo_path = NULL;
  g_autofree char *msgfmt = g_find_program_in_path ("msgfmt");
  g_autofree char *english = NULL;
  g_autofree char *translated = NULL;
  g_autoptr(GError) error = NULL;
  TmCookieContext context = { "tracker.example", "site-a.test" };
  TmDecision decision;
  int status = -1;

  g_assert_nonnull (msgfmt);
  g_assert_cmpint (g_mkdir_with_parents (msgdir, 0700), ==, 0);
  g_file_set_contents (po_path, po, -1, &error);
  g_assert_no_error (error);
  mo_path = g_strdup_printf ("%s/%s.mo", msgdir, GETTEXT_PACKAGE);
  {
    const char *argv[] = { msgfmt, "-o", mo_path, po_path, NULL };
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL,
                  &status, &error);
  }
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  g_assert_nonnull (setlocale (LC_ALL, "C.UTF-8"));
  g_setenv ("LANGUAGE", "fr", TRUE);
  bindtextdomain (GETTEXT_PACKAGE, dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");

  tm_policy_decide (classifier, F, "_ga", &context, &decision);
  english = tm_decision_describe (&decision, "_ga", FALSE);
  translated = tm_decision_describe (&decision, "_ga", TRUE);
  g_assert_cmpstr (english, ==,
                   "statistics cookie (_ga on tracker.example, Google Analytics, site "
                   "visited: site-a.test): statistics and third-party cookies are refused");
  g_assert_cmpstr (translated, ==,
                   "cookie statistique (_ga sur tracker.example, Google Analytics, site "
                   "visité : site-a.test) : les statistiques et les cookies tiers sont "
                   "refusés");

  g_setenv ("LANGUAGE", "C", TRUE);
  tm_test_rmdir (dir);
}

int
main (int argc, char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  classifier = tm_classifier_new ();

  for (guint i = 0; i < G_N_ELEMENTS (policy_rows); i++)
    {
      g_autofree char *path = g_strdup_printf ("/policy/every-choice/%s",
                                               policy_rows[i].what);
      g_test_add_data_func (path, &policy_rows[i], test_policy_row);
    }
  g_test_add_func ("/policy/reason/says-what-why-and-the-verdict", test_reasons);
  g_test_add_func ("/policy/reason/names-every-refused-combination",
                   test_reasons_for_every_refusal);
  g_test_add_func ("/policy/reason/translated-uses-the-catalogue-english-does-not",
                   test_translated_reason_uses_the_catalogue);

  ret = g_test_run ();
  g_object_unref (classifier);
  return ret;
}
