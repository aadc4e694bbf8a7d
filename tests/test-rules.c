/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The user's rules: the CSV parser, imports of an Open Cookie Database file,
 * overrides and site exceptions, and their round trip between processes. */
#include "config.h"

#include <string.h>

#include "tm-classifier.h"
#include "tm-consent-store.h"
#include "tm-database.h"
#include "tm-policy.h"
#include "tm-rules.h"
#include "tm-test-utils.h"

static TmCsvRecord *
record_at (GPtrArray *records,
           guint      i)
{
  g_assert_cmpuint (i, <, records->len);
  return g_ptr_array_index (records, i);
}

static const char *
field (TmCsvRecord *record,
       guint        i)
{
  g_assert_nonnull (record->fields);
  g_assert_cmpuint (i, <, record->fields->len);
  return g_ptr_array_index (record->fields, i);
}

static void
test_csv_quoting (void)
{
  const char *text =
    "\xEF\xBB\xBF" "a,b,c\r\n"
    "\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n"
    "\r\n"
    "plain,,last\n"
    "\"broken\"oops,1,2\n"
    "after,the,error\n"
    "\"never closed,1\n2\n";
  g_autoptr(GPtrArray) records = tm_csv_parse (text, strlen (text));
  TmCsvRecord *r;

  g_assert_cmpuint (records->len, ==, 6);

  r = record_at (records, 0);
  g_assert_cmpuint (r->line, ==, 1);
  g_assert_cmpstr (field (r, 0), ==, "a");   /* the byte order mark is skipped */
  g_assert_cmpuint (r->fields->len, ==, 3);

  r = record_at (records, 1);
  g_assert_cmpuint (r->line, ==, 2);
  g_assert_cmpstr (field (r, 0), ==, "x, y");
  g_assert_cmpstr (field (r, 1), ==, "say \"hi\"");
  g_assert_cmpstr (field (r, 2), ==, "two\nlines");

  /* The blank line 4 is left out; empty fields are kept. */
  r = record_at (records, 2);
  g_assert_cmpuint (r->line, ==, 5);
  g_assert_cmpuint (r->fields->len, ==, 3);
  g_assert_cmpstr (field (r, 1), ==, "");
  g_assert_cmpstr (field (r, 2), ==, "last");

  r = record_at (records, 3);
  g_assert_cmpuint (r->line, ==, 6);
  g_assert_null (r->fields);
  g_assert_nonnull (r->error);

  /* Parsing goes on at the next line. */
  r = record_at (records, 4);
  g_assert_cmpuint (r->line, ==, 7);
  g_assert_cmpstr (field (r, 2), ==, "error");

  r = record_at (records, 5);
  g_assert_cmpuint (r->line, ==, 8);
  g_assert_null (r->fields);
  g_assert_nonnull (r->error);
}

/* A record with two faults reports the first and loses nothing (the second
 * message used to replace the first, which leaked). */
static void
test_csv_first_fault_is_kept (void)
{
  const char *text = "a\xff,\"b\"x\nok,\"c\"\n\xfe,\"never closed";
  g_autoptr(GPtrArray) records = tm_csv_parse (text, strlen (text));
  g_autoptr(GPtrArray) utf8_only = tm_csv_parse ("a\xff", 2);
  const char *not_utf8;
  TmCsvRecord *r;

  /* The message of a record whose only fault is its encoding, in any language. */
  g_assert_cmpuint (utf8_only->len, ==, 1);
  not_utf8 = record_at (utf8_only, 0)->error;
  g_assert_nonnull (not_utf8);

  g_assert_cmpuint (records->len, ==, 3);
  r = record_at (records, 0);
  g_assert_null (r->fields);
  g_assert_cmpstr (r->error, ==, not_utf8);
  r = record_at (records, 1);
  g_assert_cmpstr (field (r, 1), ==, "c");
  r = record_at (records, 2);
  g_assert_null (r->fields);
  g_assert_cmpstr (r->error, ==, not_utf8);
}

static void
test_normalize_site (void)
{
  static const struct {
    const char *site;
    const char *normalized;   /* NULL: refused */
  } cases[] = {
    { "Example.COM", "example.com" },
    { " .www.example.com. ", "www.example.com" },
    { "bücher.example", "xn--bcher-kva.example" },
    { "192.0.2.1", "192.0.2.1" },
    { "2001:DB8::1", "2001:db8::1" },
    { "", NULL },
    { "exa mple.com", NULL },
    { "a..b", NULL },
    /* Not UTF-8: GLib's IDN code read past the end of these, and could accept
     * "a\xc3" as the punycode of whatever followed it in memory. */
    { "a\xc3", NULL },
    { "a\xf9", NULL },
    { "b\xc3\xa9\xe2\x82", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *site = tm_rules_normalize_site (cases[i].site, &error);

      g_test_message ("site %" G_GSIZE_FORMAT, i);
      if (cases[i].normalized != NULL)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (site, ==, cases[i].normalized);
        }
      else
        {
          g_assert_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID);
          g_assert_null (site);
        }
    }
}

static void
test_category_mapping (void)
{
  static const struct {
    const char     *category;
    TmRulesPurpose  purpose;
  } rows[] = {
    { "Analytics", TM_RULES_PURPOSE_STATISTICS },
    { "Marketing", TM_RULES_PURPOSE_BY_CONTEXT },
    { "Functional", TM_RULES_PURPOSE_NECESSARY },
    { "Security", TM_RULES_PURPOSE_NECESSARY },
    { "Necessary", TM_RULES_PURPOSE_NECESSARY },
    { "Personalization", TM_RULES_PURPOSE_FIRST_PARTY },
    { "analytics", TM_RULES_PURPOSE_STATISTICS },
  };

  for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      TmRulesPurpose purpose = 99;

      g_assert_true (tm_rules_purpose_from_category (rows[i].category, &purpose));
      g_assert_cmpint (purpose, ==, rows[i].purpose);
    }
  g_assert_false (tm_rules_purpose_from_category ("Tasty", NULL));
}

typedef struct {
  char           *dir;
  TmConsentStore *store;
  TmRules        *rules;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->dir = tm_test_make_tmp_dir ();
  f->store = tm_consent_store_new (f->dir, &error);
  g_assert_no_error (error);
  f->rules = tm_rules_new (f->store, &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->rules);
  g_clear_object (&f->store);
  tm_test_rmdir (f->dir);
  g_free (f->dir);
}

static void
import_sample (Fixture *f)
{
  g_autofree char *path = tm_test_data_path ("cookie-db-sample.csv");
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  TmRulesImportProblem *problem;
  guint n_rows = 0;

  g_assert_true (tm_rules_store_import_database (f->store, path, &n_rows, &problems,
                                                 &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, 8);

  /* Line 8: an unknown category; line 9: too few fields (the quoted newline of
   * line 5 counts). */
  g_assert_cmpuint (problems->len, ==, 2);
  problem = g_ptr_array_index (problems, 0);
  g_assert_cmpuint (problem->line, ==, 8);
  g_assert_nonnull (strstr (problem->message, "Tasty"));
  problem = g_ptr_array_index (problems, 1);
  g_assert_cmpuint (problem->line, ==, 9);
}

static void
assert_db (TmRules        *rules,
           const char     *host,
           const char     *name,
           TmRulesPurpose  purpose,
           const char     *pattern,
           const char     *platform)
{
  TmRulesDatabaseMatch m;

  g_test_message ("%s on %s", name, host);
  g_assert_true (tm_rules_lookup_database (rules, host, name, &m));
  g_assert_cmpint (m.purpose, ==, purpose);
  g_assert_cmpstr (m.pattern, ==, pattern);
  g_assert_cmpstr (m.platform, ==, platform);
}

static void
test_import_sample (Fixture       *f,
                    gconstpointer  data)
{
  TmRulesDatabaseMatch m;

  import_sample (f);
  /* The store's own write reloads the rules at once. */
  g_assert_cmpuint (tm_rules_get_n_database_rows (f->rules), ==, 8);

  assert_db (f->rules, "www.site.example", "_sample_stats", TM_RULES_PURPOSE_STATISTICS,
             "_sample_stats", "Sample Stats");
  /* The longest wildcard prefix wins. */
  assert_db (f->rules, "site.example", "_wc_abc", TM_RULES_PURPOSE_BY_CONTEXT, "_wc_*",
             "Wide Ads");
  assert_db (f->rules, "site.example", "_wc_long_abc", TM_RULES_PURPOSE_STATISTICS,
             "_wc_long_*", "Wide Stats");
  /* A row with a domain applies there (and to subdomains) only, before rows
   * without one. */
  assert_db (f->rules, "tracker.example", "trk", TM_RULES_PURPOSE_BY_CONTEXT, "trk",
             "Tracker Ads");
  assert_db (f->rules, "pixel.tracker.example", "trk", TM_RULES_PURPOSE_BY_CONTEXT, "trk",
             "Tracker Ads");
  assert_db (f->rules, "nottracker.example", "trk", TM_RULES_PURPOSE_NECESSARY, "trk",
             "Generic Framework");
  assert_db (f->rules, "SHIELD.example.", "__fw_check", TM_RULES_PURPOSE_NECESSARY,
             "__fw_check", "Firewall");
  g_assert_false (tm_rules_lookup_database (f->rules, "other.example", "__fw_check", &m));
  assert_db (f->rules, "shop.example", "theme_pref", TM_RULES_PURPOSE_FIRST_PARTY,
             "theme_pref", "Shop Theme");
  /* Malformed lines were skipped; names are case-sensitive. */
  g_assert_false (tm_rules_lookup_database (f->rules, "a.example", "cake", &m));
  g_assert_false (tm_rules_lookup_database (f->rules, "a.example", "short", &m));
  g_assert_false (tm_rules_lookup_database (f->rules, "a.example", "_SAMPLE_STATS", &m));
}

static void
test_import_again_replaces (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tm_test_data_path ("cookie-db-sample.csv");
  TmRule *rule;

  import_sample (f);
  import_sample (f);
  g_assert_cmpuint (tm_rules_get_n_database_rows (f->rules), ==, 8);

  list = tm_rules_store_list (f->store, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 1);
  rule = g_ptr_array_index (list, 0);
  g_assert_cmpint (rule->kind, ==, TM_RULE_DATABASE);
  g_assert_cmpint (rule->n_rows, ==, 8);

  g_assert_true (tm_rules_store_forget_database (f->store, path, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (tm_rules_get_n_database_rows (f->rules), ==, 0);
  g_assert_false (tm_rules_store_forget_database (f->store, path, &error));
  g_assert_error (error, TM_RULES_ERROR, TM_RULES_ERROR_NOT_FOUND);
}

static void
test_import_bad_files (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *bad = tm_test_data_path ("cookie-db-bad-header.csv");
  g_autofree char *missing = g_build_filename (f->dir, "missing.csv", NULL);
  g_autofree char *only_bad = g_build_filename (f->dir, "only-bad.csv", NULL);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_false (tm_rules_store_import_database (f->store, bad, NULL, NULL, &error));
  g_assert_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "“Platform”"));
  g_clear_error (&error);

  g_assert_false (tm_rules_store_import_database (f->store, missing, NULL, NULL, &error));
  g_assert_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID);
  g_clear_error (&error);

  /* A good header and no usable line: nothing imported, every line reported. */
  g_assert_true (g_file_set_contents (only_bad,
                                      "ID,Platform,Category,Cookie / Data Key name,"
                                      "Domain,Wildcard match\n"
                                      "1,P,Nope,x,,0\n"
                                      "2,P,Analytics,,,0\n"
                                      "broken\n", -1, NULL));
  g_assert_false (tm_rules_store_import_database (f->store, only_bad, NULL, &problems,
                                                  &error));
  g_assert_error (error, TM_RULES_ERROR, TM_RULES_ERROR_EMPTY);
  g_assert_cmpuint (problems->len, ==, 3);
  g_assert_cmpuint (((TmRulesImportProblem *) g_ptr_array_index (problems, 1))->line, ==, 3);
  /* One field is singular in the message (the C locale here: English). */
  g_assert_cmpuint (((TmRulesImportProblem *) g_ptr_array_index (problems, 2))->line, ==, 4);
  g_assert_cmpstr (((TmRulesImportProblem *) g_ptr_array_index (problems, 2))->message, ==,
                   "1 field where the header has 6");
  g_assert_cmpuint (tm_rules_get_n_database_rows (f->rules), ==, 0);
}

/* The Domain column of the real database names several domains ("a or b (3rd
 * party)") or templates ("ads-[account].adhese.com"): each domain counts. */
static void
test_import_domain_forms (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *path = g_build_filename (f->dir, "forms.csv", NULL);
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  TmRulesDatabaseMatch m;
  guint n_rows = 0;

  g_assert_true (g_file_set_contents (path,
                                      "ID,Platform,Category,Cookie / Data Key name,Domain,"
                                      "Wildcard match\n"
                                      "1,Two,Analytics,two,one.example or two.example "
                                      "(3rd party),0\n"
                                      "2,Tpl,Marketing,tpl,ads-[account].adhese.example,0\n"
                                      "3,Bad,Marketing,bad,not a domain!,0\n", -1, NULL));
  g_assert_true (tm_rules_store_import_database (f->store, path, &n_rows, &problems,
                                                 &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n_rows, ==, 2);
  g_assert_cmpuint (problems->len, ==, 1);
  g_assert_cmpuint (((TmRulesImportProblem *) g_ptr_array_index (problems, 0))->line, ==, 4);

  g_assert_true (tm_rules_lookup_database (f->rules, "www.one.example", "two", &m));
  g_assert_true (tm_rules_lookup_database (f->rules, "two.example", "two", &m));
  g_assert_false (tm_rules_lookup_database (f->rules, "three.example", "two", &m));
  g_assert_true (tm_rules_lookup_database (f->rules, "ads-42.adhese.example", "tpl", &m));
  g_assert_cmpstr (m.domain, ==, "adhese.example");
}

static void
test_overrides_and_exceptions (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  TmCategories categories = 0;
  const char *site = NULL;

  g_assert_true (tm_rules_store_set_override (f->store, "sessionid", "Example.COM.",
                                              TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS),
                                              &error));
  g_assert_no_error (error);
  g_assert_true (tm_rules_store_set_override (f->store, "sessionid", "shop.example.com",
                                              TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY),
                                              &error));
  g_assert_no_error (error);

  /* The longest matching site wins; subdomains are covered; names are exact. */
  g_assert_true (tm_rules_lookup_override (f->rules, "www.example.com", "sessionid",
                                           &categories, &site, NULL));
  g_assert_cmpuint (categories, ==, TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS));
  g_assert_cmpstr (site, ==, "example.com");
  g_assert_true (tm_rules_lookup_override (f->rules, "a.shop.example.com", "sessionid",
                                           &categories, &site, NULL));
  g_assert_cmpuint (categories, ==, TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY));
  g_assert_cmpstr (site, ==, "shop.example.com");
  g_assert_false (tm_rules_lookup_override (f->rules, "badexample.com", "sessionid",
                                            NULL, NULL, NULL));
  g_assert_false (tm_rules_lookup_override (f->rules, "example.com", "SessionID",
                                            NULL, NULL, NULL));

  g_assert_true (tm_rules_store_add_exception (f->store, "broken.example", &error));
  g_assert_no_error (error);
  g_assert_true (tm_rules_site_is_excepted (f->rules, "login.broken.example", &site));
  g_assert_cmpstr (site, ==, "broken.example");
  g_assert_false (tm_rules_site_is_excepted (f->rules, "example", NULL));
  g_assert_false (tm_rules_site_is_excepted (f->rules, "notbroken.example", NULL));

  g_assert_true (tm_rules_store_remove_exception (f->store, "broken.example", &error));
  g_assert_false (tm_rules_site_is_excepted (f->rules, "login.broken.example", NULL));
  g_assert_false (tm_rules_store_remove_exception (f->store, "broken.example", &error));
  g_assert_error (error, TM_RULES_ERROR, TM_RULES_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (tm_rules_store_remove_override (f->store, "sessionid", "example.com",
                                                 &error));
  g_assert_cmpuint (tm_rules_get_n_overrides (f->rules), ==, 1);

  /* Refused input. */
  g_assert_false (tm_rules_store_set_override (f->store, "x", "exa mple.com",
                                               TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY),
                                               &error));
  g_assert_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tm_rules_store_set_override (f->store, "x", "example.com", 0, &error));
  g_assert_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_false (tm_rules_store_set_override (f->store, "a=b", "example.com",
                                               TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY),
                                               &error));
  g_assert_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID);
}

static void
changed_cb (TmRules *rules,
            guint   *count)
{
  (*count)++;
}

static gboolean
deadline_cb (gpointer user_data)
{
  gboolean *expired = user_data;

  *expired = TRUE;
  return G_SOURCE_REMOVE;
}

/* Another process (temoinctl) writes the rules: this store notices, and its
 * TmRules reloads, without anyone asking. */
static void
test_other_process (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char *argv[] = { "--data-dir", f->dir, "rules", "allow-site", "far.example", NULL };
  gboolean expired = FALSE;
  guint changed = 0;
  guint timer;
  int status;

  g_signal_connect (f->rules, "changed", G_CALLBACK (changed_cb), &changed);

  status = tm_test_run_temoinctl (argv, &out, &err);
  g_assert_cmpint (status, ==, 0);

  /* Generous: a missed file event falls back on a one-second timer. */
  timer = g_timeout_add_seconds (20, deadline_cb, &expired);
  while (!tm_rules_site_is_excepted (f->rules, "www.far.example", NULL) && !expired)
    g_main_context_iteration (NULL, TRUE);
  if (!expired)
    g_source_remove (timer);
  g_assert_false (expired);
  g_assert_cmpuint (changed, >=, 1);

  /* And a second store of this process sees them too, from the file. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TmConsentStore) second = tm_consent_store_new (f->dir, &error);
    g_autoptr(TmRules) rules = NULL;

    g_assert_no_error (error);
    rules = tm_rules_new (second, &error);
    g_assert_no_error (error);
    g_assert_true (tm_rules_site_is_excepted (rules, "far.example", NULL));
  }
}

static void
test_json (Fixture       *f,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;

  g_assert_true (tm_rules_store_set_override (f->store, "sid", "example.com",
                                              TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY)
                                              | TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS),
                                              &error));
  g_assert_true (tm_rules_store_add_exception (f->store, "broken.example", &error));
  import_sample (f);
  json = tm_rules_store_export_json (f->store, FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (json, "\"overrides\":[{\"name\":\"sid\",\"site\":\"example.com\","
                                  "\"categories\":[\"necessary\",\"statistics\"]"));
  g_assert_nonnull (strstr (json, "\"exceptions\":[{\"site\":\"broken.example\""));
  g_assert_nonnull (strstr (json, "cookie-db-sample.csv\",\"rows\":8"));
}

typedef struct {
  TmRules  *rules;
  gint      stop;          /* atomic */
  gint      final_seen;    /* atomic: readers that saw the last reload */
  gint      bad;           /* atomic: lookups that returned something never set */
  guint     final_bits;
} ReaderData;

static gpointer
reader_thread (gpointer user_data)
{
  ReaderData *d = user_data;
  const TmCategories a = TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS);
  const TmCategories b = TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);

  while (!g_atomic_int_get (&d->stop))
    {
      TmCategories categories = 0;
      const char *site = NULL;

      if (tm_rules_lookup_override (d->rules, "www.example.com", "sid", &categories, &site,
                                    NULL) &&
          ((categories != a && categories != b) || g_strcmp0 (site, "example.com") != 0))
        g_atomic_int_inc (&d->bad);
    }
  /* The writer stopped after its last reload: this thread must see it now. */
  {
    TmCategories categories = 0;

    if (tm_rules_lookup_override (d->rules, "www.example.com", "sid", &categories, NULL,
                                  NULL) &&
        categories == d->final_bits)
      g_atomic_int_inc (&d->final_seen);
  }
  return NULL;
}

/* Lookups take no lock: other threads keep using the rules while they are
 * reloaded many times, and see the last reload once it is done. */
static void
test_lookups_during_reloads (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmRules) empty = NULL;
  ReaderData d = { .rules = f->rules };
  GThread *threads[2];
  TmCategories bits = 0;

  for (guint i = 0; i < 60; i++)
    {
      bits = TM_CATEGORY_BIT (i % 2 == 0 ? TM_CATEGORY_STATISTICS : TM_CATEGORY_NECESSARY);
      g_assert_true (tm_rules_store_set_override (f->store, "sid", "example.com", bits,
                                                  &error));
      g_assert_no_error (error);
      g_assert_true (tm_rules_reload (f->rules, &error));
      g_assert_no_error (error);
      if (i == 0)
        for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
          threads[t] = g_thread_new ("rules-reader", reader_thread, &d);
    }
  d.final_bits = bits;
  g_atomic_int_set (&d.stop, 1);
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
  g_assert_cmpint (g_atomic_int_get (&d.bad), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&d.final_seen), ==, G_N_ELEMENTS (threads));

  /* Two rules objects used in turn by one thread never answer for each other. */
  empty = tm_rules_new (NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (tm_rules_lookup_override (f->rules, "example.com", "sid", NULL, NULL,
                                               NULL));
      g_assert_false (tm_rules_lookup_override (empty, "example.com", "sid", NULL, NULL,
                                                NULL));
      g_assert_cmpuint (tm_rules_get_n_overrides (f->rules), ==, 1);
      g_assert_cmpuint (tm_rules_get_n_overrides (empty), ==, 0);
    }
}

/* An override without a category (the schema allows it; the sqlite3 tool can
 * write it) would make the policy keep the cookie whatever the choice: it is
 * ignored, and the cookie is decided as if there were no override. */
static void
test_override_without_category_is_ignored (Fixture       *f,
                                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmClassifier) classifier = tm_classifier_new ();
  TmCookieContext context = { "www.example.com", NULL };
  sqlite3 *db = tm_database_get_handle (tm_consent_store_get_database (f->store));
  TmDecision decision;

  g_assert_cmpint (sqlite3_exec (db, "INSERT INTO rule_overrides (site, name, necessary,"
                                 " statistics, first_party, third_party, created_us)"
                                 " VALUES ('example.com', '_ga', 0, 0, 0, 0, 0)",
                                 NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_true (tm_rules_reload (f->rules, &error));
  g_assert_no_error (error);

  g_assert_false (tm_rules_lookup_override (f->rules, "www.example.com", "_ga",
                                            NULL, NULL, NULL));
  g_assert_cmpuint (tm_rules_get_n_overrides (f->rules), ==, 0);

  tm_classifier_set_rules (classifier, f->rules);
  tm_policy_decide (classifier, TM_CATEGORIES_DEFAULT, "_ga", &context, &decision);
  g_assert_false (decision.keep);
  g_assert_cmpint (decision.classification.source, ==, TM_SOURCE_BUILTIN);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rules/csv/quoting-escapes-and-line-numbers", test_csv_quoting);
  g_test_add_func ("/rules/csv/first-fault-of-a-record-is-kept", test_csv_first_fault_is_kept);
  g_test_add_func ("/rules/sites/normalized-or-refused", test_normalize_site);
  g_test_add_func ("/rules/database/category-mapping", test_category_mapping);
  g_test_add ("/rules/database/import-with-wildcards-domains-and-bad-lines", Fixture, NULL,
              fixture_set_up, test_import_sample, fixture_tear_down);
  g_test_add ("/rules/database/import-again-replaces-its-rows", Fixture, NULL,
              fixture_set_up, test_import_again_replaces, fixture_tear_down);
  g_test_add ("/rules/database/bad-files-change-nothing", Fixture, NULL,
              fixture_set_up, test_import_bad_files, fixture_tear_down);
  g_test_add ("/rules/database/domain-lists-and-templates", Fixture, NULL,
              fixture_set_up, test_import_domain_forms, fixture_tear_down);
  g_test_add ("/rules/overrides/without-a-category-are-ignored", Fixture, NULL,
              fixture_set_up, test_override_without_category_is_ignored, fixture_tear_down);
  g_test_add ("/rules/overrides-and-exceptions/match-sites-and-subdomains", Fixture, NULL,
              fixture_set_up, test_overrides_and_exceptions, fixture_tear_down);
  g_test_add ("/rules/store/another-process-writes-are-seen", Fixture, NULL,
              fixture_set_up, test_other_process, fixture_tear_down);
  g_test_add ("/rules/threads/lookups-see-every-reload-without-a-lock", Fixture, NULL,
              fixture_set_up, test_lookups_during_reloads, fixture_tear_down);
  g_test_add ("/rules/store/json-lists-everything", Fixture, NULL,
              fixture_set_up, test_json, fixture_tear_down);

  return g_test_run ();
}
