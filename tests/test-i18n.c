/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <locale.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tm-i18n.h"
#include "tm-test-utils.h"

/* Each case runs in a fresh process (g_test_trap_subprocess), because the locale,
 * LANGUAGE and tm_i18n's caches are process-wide. */

static void
clear_locale_environment (void)
{
  static const char *variables[] = {
    "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG", "LC_CTYPE",
  };

  for (guint i = 0; i < G_N_ELEMENTS (variables); i++)
    g_unsetenv (variables[i]);
}

static void
run_in_subprocess (void)
{
  g_test_trap_subprocess (NULL, 30 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* Copies the built French catalogue to DIR/LANG/LC_MESSAGES/temoin.mo. */
static void
install_catalog (const char *dir,
                 const char *lang)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *source = g_build_filename (g_getenv ("TEMOIN_LOCALEDIR"), "fr",
                                              "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *target_dir = g_build_filename (dir, lang, "LC_MESSAGES", NULL);
  g_autofree char *target = g_build_filename (target_dir, GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  g_file_get_contents (source, &contents, &length, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (target_dir, 0700), ==, 0);
  g_file_set_contents (target, contents, length, &error);
  g_assert_no_error (error);
}

typedef struct {
  const char *lang;       /* LANG, or NULL for unset */
  const char *language;   /* LANGUAGE, or NULL for unset */
  const char *expected;   /* the default language */
  const char *lc_ctype;   /* LC_CTYPE alone (a mixed locale), or NULL for unset */
} DefaultCase;

static const DefaultCase default_cases[] = {
  { NULL, NULL, "en" },
  { "C", NULL, "en" },
  { NULL, "fr", "fr" },
  { "fr_FR.UTF-8", NULL, "fr" },   /* usually not generated here: C.UTF-8 fallback */
  { "fr_CA.UTF-8", NULL, "fr" },
  { "de_DE.UTF-8", NULL, "en" },   /* not offered */
  { "en_US.UTF-8", "de:fr", "fr" },
  { "fr_FR.UTF-8", "en", "en" },
  /* Only LC_CTYPE set, as some CI machines do: LC_MESSAGES would stay "C". */
  { NULL, "fr", "fr", "C.UTF-8" },
};

static void
test_i18n_default_language (gconstpointer data)
{
  const DefaultCase *c = data;
  const char *expected_text;

  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  clear_locale_environment ();
  if (c->lang)
    g_setenv ("LANG", c->lang, TRUE);
  if (c->language)
    g_setenv ("LANGUAGE", c->language, TRUE);
  if (c->lc_ctype)
    g_setenv ("LC_CTYPE", c->lc_ctype, TRUE);

  tm_i18n_init ();

  g_test_message ("LANG=%s LANGUAGE=%s → locale %s, default %s", c->lang, c->language,
                  setlocale (LC_MESSAGES, NULL), tm_i18n_get_default_language ());
  g_assert_cmpstr (tm_i18n_get_default_language (), ==, c->expected);
  g_assert_cmpstr (tm_i18n_get_language (), ==, c->expected);
  /* Never the C locale, where glibc would ignore LANGUAGE. */
  g_assert_cmpstr (setlocale (LC_MESSAGES, NULL), !=, "C");
  /* Messages follow the default language at once, whatever the locale. */
  expected_text = g_str_equal (c->expected, "fr") ? "Charte cookies" : "Cookie charter";
  g_assert_cmpstr (_("Cookie charter"), ==, expected_text);
}

static void
test_i18n_set_language_switches_at_once (void)
{
  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  clear_locale_environment ();
  tm_i18n_init ();

  g_assert_cmpstr (_("Cookie charter"), ==, "Cookie charter");

  tm_i18n_set_language ("fr");
  g_assert_cmpstr (tm_i18n_get_language (), ==, "fr");
  g_assert_cmpstr (g_getenv ("LANGUAGE"), ==, "fr");
  g_assert_cmpstr (_("Cookie charter"), ==, "Charte cookies");
  g_assert_cmpstr (_("Statistics"), ==, "Statistiques");

  tm_i18n_set_language ("en");
  g_assert_cmpstr (tm_i18n_get_language (), ==, "en");
  g_assert_cmpstr (_("Cookie charter"), ==, "Cookie charter");
  g_assert_cmpstr (_("Statistics"), ==, "Statistics");

  tm_i18n_set_language ("fr");
  g_assert_cmpstr (_("Cookie charter"), ==, "Charte cookies");
  /* The default language is the system's, not the last one chosen. */
  g_assert_cmpstr (tm_i18n_get_default_language (), ==, "en");
}

static void
test_i18n_translate_whatever_current (void)
{
  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  clear_locale_environment ();
  tm_i18n_init ();

  tm_i18n_set_language ("en");
  g_assert_null (tm_i18n_get_catalog ("en"));
  g_assert_nonnull (tm_i18n_get_catalog ("fr"));
  g_assert_true (tm_i18n_get_catalog ("fr") == tm_i18n_get_catalog ("fr"));
  g_assert_cmpstr (tm_i18n_translate ("fr", "Cookie charter"), ==, "Charte cookies");
  g_assert_cmpstr (tm_i18n_translate ("en", "Cookie charter"), ==, "Cookie charter");
  g_assert_cmpstr (_("Cookie charter"), ==, "Cookie charter");

  tm_i18n_set_language ("fr");
  g_assert_cmpstr (tm_i18n_translate ("en", "Cookie charter"), ==, "Cookie charter");
  /* A language with no catalogue falls back to the msgids. */
  g_assert_null (tm_i18n_get_catalog ("xx"));
  g_assert_cmpstr (tm_i18n_translate ("xx", "Cookie charter"), ==, "Cookie charter");
}

static void
test_i18n_languages_offered (void)
{
  const char * const *languages;

  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  clear_locale_environment ();
  tm_i18n_init ();
  languages = tm_i18n_get_languages ();

  g_assert_cmpstr (tm_i18n_get_localedir (), ==, g_getenv ("TEMOIN_LOCALEDIR"));
  g_assert_nonnull (languages);
  g_assert_cmpstr (languages[0], ==, "en");
  g_assert_true (g_strv_contains (languages, "fr"));
  g_assert_true (tm_i18n_is_offered ("en"));
  g_assert_true (tm_i18n_is_offered ("fr"));
  g_assert_false (tm_i18n_is_offered ("xx"));
  for (guint i = 2; languages[i] != NULL; i++)
    g_assert_cmpstr (languages[i - 1], <, languages[i]);
  g_assert_true (tm_i18n_get_languages () == languages);
}

static void
test_i18n_new_catalogue_is_offered (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *stray = NULL;
  g_autofree char *other_domain = NULL;
  const char * const *languages;

  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  dir = tm_test_make_tmp_dir ();
  install_catalog (dir, "xx");
  install_catalog (dir, "pt");
  install_catalog (dir, "pt_BR");
  /* Not languages of ours: no catalogue, another domain's catalogue, a file. */
  stray = g_build_filename (dir, "yy", "LC_MESSAGES", NULL);
  g_assert_cmpint (g_mkdir_with_parents (stray, 0700), ==, 0);
  other_domain = g_build_filename (dir, "zz", "LC_MESSAGES", NULL);
  g_assert_cmpint (g_mkdir_with_parents (other_domain, 0700), ==, 0);
  g_free (other_domain);
  other_domain = g_build_filename (dir, "zz", "LC_MESSAGES", "other.mo", NULL);
  g_assert_true (g_file_set_contents (other_domain, "", 0, NULL));

  clear_locale_environment ();
  g_setenv ("TEMOIN_LOCALEDIR", dir, TRUE);
  g_setenv ("LANGUAGE", "xx", TRUE);
  tm_i18n_init ();

  languages = tm_i18n_get_languages ();
  g_assert_cmpuint (g_strv_length ((char **) languages), ==, 4);
  g_assert_cmpstr (languages[0], ==, "en");
  g_assert_cmpstr (languages[1], ==, "pt");
  g_assert_cmpstr (languages[2], ==, "pt_BR");
  g_assert_cmpstr (languages[3], ==, "xx");
  g_assert_cmpstr (tm_i18n_get_default_language (), ==, "xx");
  g_assert_cmpstr (tm_i18n_get_language_name ("xx"), ==, "xx");
  /* Our catalogue, under the new name, through gettext and directly. */
  g_assert_cmpstr (_("Cookie charter"), ==, "Charte cookies");
  g_assert_cmpstr (tm_i18n_translate ("xx", "Cookie charter"), ==, "Charte cookies");
  g_assert_cmpstr (tm_catalog_get_language (tm_i18n_get_catalog ("xx")), ==, "xx");

  tm_test_rmdir (dir);
}

typedef struct {
  const char *lang;
  const char *expected;
} RegionCase;

/* With "pt" and "pt_BR" offered, the most specific match wins. */
static const RegionCase region_cases[] = {
  { "pt_BR.UTF-8", "pt_BR" },
  { "pt_PT.UTF-8", "pt" },
  { "pt_BR", "pt_BR" },
};

static void
test_i18n_region_preferred (gconstpointer data)
{
  const RegionCase *c = data;
  g_autofree char *dir = NULL;

  if (!g_test_subprocess ())
    {
      run_in_subprocess ();
      return;
    }

  dir = tm_test_make_tmp_dir ();
  install_catalog (dir, "pt");
  install_catalog (dir, "pt_BR");
  clear_locale_environment ();
  g_setenv ("TEMOIN_LOCALEDIR", dir, TRUE);
  g_setenv ("LANG", c->lang, TRUE);
  tm_i18n_init ();

  g_assert_cmpstr (tm_i18n_get_default_language (), ==, c->expected);
  tm_test_rmdir (dir);
}

static void
test_i18n_language_names (void)
{
  g_assert_cmpstr (tm_i18n_get_language_name ("en"), ==, "English");
  g_assert_cmpstr (tm_i18n_get_language_name ("fr"), ==, "Français");
  g_assert_cmpstr (tm_i18n_get_language_name ("de"), ==, "Deutsch");
  g_assert_cmpstr (tm_i18n_get_language_name ("pt"), ==, "Português");
  g_assert_cmpstr (tm_i18n_get_language_name ("pt_BR"), ==, "Português do Brasil");
  g_assert_cmpstr (tm_i18n_get_language_name ("qq"), ==, "qq");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (default_cases); i++)
    {
      const DefaultCase *c = &default_cases[i];
      g_autofree char *path = g_strdup_printf ("/i18n/default-language/LANG=%s,LANGUAGE=%s%s%s",
                                               c->lang ? c->lang : "unset",
                                               c->language ? c->language : "unset",
                                               c->lc_ctype ? ",LC_CTYPE=" : "",
                                               c->lc_ctype ? c->lc_ctype : "");

      g_test_add_data_func (path, c, test_i18n_default_language);
    }
  for (guint i = 0; i < G_N_ELEMENTS (region_cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/i18n/default-language/prefers-region/%s",
                                               region_cases[i].lang);

      g_test_add_data_func (path, &region_cases[i], test_i18n_region_preferred);
    }
  g_test_add_func ("/i18n/set-language/switches-messages-at-once",
                   test_i18n_set_language_switches_at_once);
  g_test_add_func ("/i18n/translate/ignores-the-current-language",
                   test_i18n_translate_whatever_current);
  g_test_add_func ("/i18n/languages/english-first-and-french", test_i18n_languages_offered);
  g_test_add_func ("/i18n/languages/new-catalogue-is-offered",
                   test_i18n_new_catalogue_is_offered);
  g_test_add_func ("/i18n/language-names/are-endonyms", test_i18n_language_names);

  return g_test_run ();
}
