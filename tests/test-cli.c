/* SPDX-License-Identifier: GPL-3.0-or-later */
/* temoinctl as a user and a script run it: the build's binary, spawned with
 * --data-dir in a private temporary directory, its stdout, stderr and exit status
 * checked. The locale variables are unset, as in CI. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include <glib/gstdio.h>

#include "tm-charter.h"
#include "tm-consent-store.h"
#include "tm-i18n.h"
#include "tm-settings.h"
#include "tm-test-utils.h"

#define ID_RE   "[0-9A-Za-z-]{8,}"
#define TIME_RE "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z"

typedef struct {
  char *dir;        /* the temporary directory, removed at the end */
  char *data_dir;   /* dir/data: what --data-dir names */
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->dir = tm_test_make_tmp_dir ();
  f->data_dir = g_build_filename (f->dir, "data", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tm_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->data_dir);
}

/* Runs a command that must succeed and returns its stdout. */
static char * G_GNUC_NULL_TERMINATED
run_ok (const char *data_dir,
        const char *first,
        ...)
{
  va_list args;
  char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  va_start (args, first);
  status = tm_test_temoinctl_va (data_dir, &out, &err, first, args);
  va_end (args);
  g_assert_cmpint (status, ==, 0);
  return out;
}

static void
assert_matches (const char *pattern,
                const char *text)
{
  if (!g_regex_match_simple (pattern, text, G_REGEX_DOTALL, 0))
    g_error ("\n%s\ndoes not match\n%s", text, pattern);
}

/* The whole `consent show --json` document, pretty-printed with 2 spaces and one
 * trailing newline. @method and @language are NULL for an unsaved choice;
 * @outdated is -1 when the member must be absent (history elements); @indent
 * shifts the whole object (history elements are indented by the array). */
static char *
consent_regex (const char   *method,
               const char   *language,
               int           outdated,
               TmCategories  categories,
               const char   *indent,
               gboolean      whole)
{
  g_autoptr(GString) re = g_string_new (whole ? "^" : "");
  g_autofree char *revision = g_regex_escape_string (tm_charter_get_revision (), -1);
  static const char *ids[] = { "necessary", "statistics", "first-party", "third-party" };

  g_string_append_printf (re, "\\{\\n%s  \"consent_id\": %s,\\n", indent,
                          method ? "\"" ID_RE "\"" : "null");
  g_string_append_printf (re, "%s  \"given_at\": %s,\\n", indent,
                          method ? "\"" TIME_RE "\"" : "null");
  /* The defaults apply under the current charter revision. */
  g_string_append_printf (re, "%s  \"revision\": \"%s\",\\n", indent, revision);
  if (method != NULL)
    g_string_append_printf (re, "%s  \"method\": \"%s\",\\n", indent, method);
  else
    g_string_append_printf (re, "%s  \"method\": null,\\n", indent);
  if (language != NULL)
    g_string_append_printf (re, "%s  \"language\": \"%s\",\\n", indent, language);
  else
    g_string_append_printf (re, "%s  \"language\": null,\\n", indent);
  if (outdated >= 0)
    g_string_append_printf (re, "%s  \"outdated\": %s,\\n", indent,
                            outdated ? "true" : "false");
  g_string_append_printf (re, "%s  \"categories\": \\{\\n", indent);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    g_string_append_printf (re, "%s    \"%s\": %s%s\\n", indent, ids[i],
                            (categories & TM_CATEGORY_BIT (i)) ? "true" : "false",
                            i + 1 < G_N_ELEMENTS (ids) ? "," : "");
  g_string_append_printf (re, "%s  \\}\\n%s\\}", indent, indent);
  if (whole)
    g_string_append (re, "\\n$");
  return g_string_free (g_steal_pointer (&re), FALSE);
}

static void
assert_consent_json (const char   *json,
                     const char   *method,
                     const char   *language,
                     gboolean      outdated,
                     TmCategories  categories)
{
  g_autofree char *re = consent_regex (method, language, outdated, categories, "", TRUE);

  assert_matches (re, json);
}

/* The "consent_id" of a `consent show --json` document. */
static char *
consent_id_of (const char *json)
{
  g_autoptr(GRegex) regex = g_regex_new ("\"consent_id\": \"(" ID_RE ")\"", 0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;

  g_assert_true (g_regex_match (regex, json, 0, &match));
  return g_match_info_fetch (match, 1);
}

#define STATS  TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS)
#define FIRST  TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY)
#define THIRD  TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY)
#define NECESSARY TM_CATEGORIES_DEFAULT

/* --- global options and help --- */

static void
test_version (void)
{
  g_autofree char *out = run_ok (NULL, "--version", NULL);

  g_assert_cmpstr (out, ==, "temoinctl " PACKAGE_VERSION "\n");
}

/* Run straight from the build tree with no variable set (as a checker might), the
 * CLI finds the build's catalogues: the French charter, and so the same revision. */
static void
test_uninstalled_finds_its_catalogues (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("TEMOIN_LOCALEDIR"));
  g_autofree char *out = NULL;

  g_unsetenv ("TEMOIN_LOCALEDIR");
  out = run_ok (NULL, "charter", "show", "--lang", "fr", NULL);
  g_assert_true (g_str_has_prefix (out, "Charte cookies\n"));
  g_setenv ("TEMOIN_LOCALEDIR", saved, TRUE);
}

static void
test_help_top_level (void)
{
  static const char *commands[] = { "consent", "charter", "settings", "serve", "cookies" };

  for (guint h = 0; h < 2; h++)
    {
      g_autofree char *out = run_ok (NULL, h ? "-h" : "--help", NULL);
      g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

      g_assert_true (g_str_has_prefix (out, "Usage: temoinctl "));
      g_assert_nonnull (strstr (out, "--data-dir"));
      g_assert_nonnull (strstr (out, "--version"));
      /* One line per command, with a summary after its name. */
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        {
          g_autofree char *re = g_strdup_printf ("^  %s +\\S", commands[i]);
          guint found = 0;

          for (guint l = 0; lines[l] != NULL; l++)
            if (g_regex_match_simple (re, lines[l], 0, 0))
              found++;
          g_assert_cmpuint (found, ==, 1);
        }
    }
}

static void
test_help_every_level (Fixture       *f,
                       gconstpointer  data)
{
  /* Each level, and the words its --help must mention (subcommands, options). */
  static const struct {
    const char *args[3];
    const char *mentions[4];
  } levels[] = {
    { { "consent" }, { "show", "set", "history" } },
    { { "consent", "show" }, { "--json" } },
    { { "consent", "set" }, { "--accept-all", "--reject-all", "third-party", "--json" } },
    { { "consent", "history" }, { "--json", "--erase", "--yes" } },
    { { "charter" }, { "show" } },
    { { "charter", "show" }, { "--lang" } },
    { { "settings" }, { "get", "set", "list" } },
    { { "settings", "get" }, { "KEY" } },
    { { "settings", "set" }, { "KEY", "VALUE" } },
    { { "settings", "list" }, { "--json" } },
  };
  g_autofree char *file = g_build_filename (f->dir, "file", NULL);
  g_autofree char *unusable = g_build_filename (file, "data", NULL);

  /* Help never opens the store: it works even with an unusable data dir. */
  g_assert_true (g_file_set_contents (file, "x", -1, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    for (guint h = 0; h < 2; h++)
      {
        const char *help = h ? "-h" : "--help";
        g_autofree char *out = NULL;
        g_autofree char *err = NULL;
        g_autofree char *prefix = NULL;
        int status;

        if (levels[i].args[1] == NULL)
          status = tm_test_temoinctl (unusable, &out, &err, levels[i].args[0], help, NULL);
        else
          status = tm_test_temoinctl (unusable, &out, &err, levels[i].args[0], levels[i].args[1],
                                      help,
                                      NULL);
        g_assert_cmpint (status, ==, 0);
        g_assert_cmpstr (err, ==, "");

        prefix = g_strjoin (" ", "Usage: temoinctl", levels[i].args[0], levels[i].args[1],
                            NULL);
        g_assert_true (g_str_has_prefix (out, prefix));
        g_assert_nonnull (strstr (out, "--help"));
        for (guint m = 0; m < G_N_ELEMENTS (levels[i].mentions) && levels[i].mentions[m]; m++)
          g_assert_nonnull (strstr (out, levels[i].mentions[m]));
      }
}

/* A usage error: status 2, nothing on stdout, and the hint naming @command. */
static void
assert_usage_error (int         status,
                    const char *out,
                    const char *err,
                    const char *command)
{
  g_autofree char *hint = g_strdup_printf ("Try '%s --help'.\n", command);

  g_assert_cmpint (status, ==, 2);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "temoinctl: "));
  g_assert_true (g_str_has_suffix (err, hint));
}

static void
test_usage_errors (Fixture       *f,
                   gconstpointer  data)
{
  static const struct {
    const char *args[4];
    const char *command;
  } cases[] = {
    { { NULL }, "temoinctl" },
    { { "frobnicate" }, "temoinctl" },
    { { "--bogus", "consent", "show" }, "temoinctl" },
    { { "consent" }, "temoinctl consent" },
    { { "consent", "frobnicate" }, "temoinctl consent" },
    /* Global options go before the command only. */
    { { "consent", "--data-dir", "/tmp", "show" }, "temoinctl consent" },
    { { "consent", "show", "--bogus" }, "temoinctl consent show" },
    { { "consent", "show", "extra" }, "temoinctl consent show" },
    { { "consent", "history", "extra" }, "temoinctl consent history" },
    { { "charter" }, "temoinctl charter" },
    { { "charter", "show", "extra" }, "temoinctl charter show" },
    { { "charter", "print" }, "temoinctl charter" },
    { { "settings" }, "temoinctl settings" },
    { { "settings", "get" }, "temoinctl settings get" },
    { { "settings", "set", "proxy-port" }, "temoinctl settings set" },
    { { "settings", "list", "extra" }, "temoinctl settings list" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      const char * const *a = cases[i].args;
      int status;

      status = tm_test_temoinctl (f->data_dir, &out, &err, a[0], a[0] ? a[1] : NULL,
                                  a[0] && a[1] ? a[2] : NULL, a[0] && a[1] && a[2] ? a[3] : NULL,
                                  NULL);
      assert_usage_error (status, out, err, cases[i].command);
    }
  /* None of that created a database. */
  g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
}

/* Runs temoinctl with the arguments of @args (at most 6, NULL-terminated). */
static int
run_args (const char         *data_dir,
          char              **out,
          char              **err,
          const char * const *args)
{
  return tm_test_temoinctl (data_dir, out, err, args[0], args[0] ? args[1] : NULL,
                            args[0] && args[1] ? args[2] : NULL,
                            args[0] && args[1] && args[2] ? args[3] : NULL,
                            args[0] && args[1] && args[2] && args[3] ? args[4] : NULL,
                            args[0] && args[1] && args[2] && args[3] && args[4] ? args[5] : NULL,
                            NULL);
}

/* Every command and subcommand but those test_help_every_level() covers: --help
 * works without a usable data directory, starts with the real command line, and
 * fits in 80 columns. (`serve` is left out of the width check: its usage lines
 * are longer; see the report.) */
static void
test_help_every_subcommand (Fixture       *f,
                            gconstpointer  data)
{
  static const char *levels[][3] = {
    { "cookies" }, { "cookies", "list" }, { "cookies", "purge" },
    { "preview" },
    { "rules" }, { "rules", "import" }, { "rules", "list" }, { "rules", "override" },
    { "rules", "allow-site" }, { "rules", "remove" }, { "rules", "remove-site" },
    { "rules", "forget-database" },
    { "ca" }, { "ca", "show" }, { "ca", "export" }, { "ca", "regenerate" },
    { "ca", "delete" },
    { "bypass" }, { "bypass", "list" }, { "bypass", "add" }, { "bypass", "remove" },
    { "consent" }, { "consent", "show" }, { "consent", "set" }, { "consent", "history" },
    { "charter" }, { "charter", "show" },
    { "settings" }, { "settings", "get" }, { "settings", "set" }, { "settings", "list" },
    { NULL },
  };
  g_autofree char *file = g_build_filename (f->dir, "file", NULL);
  g_autofree char *unusable = g_build_filename (file, "data", NULL);

  g_assert_true (g_file_set_contents (file, "x", -1, NULL));

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    {
      const char *args[4] = { levels[i][0], levels[i][0] ? levels[i][1] : NULL, NULL, NULL };
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *prefix = NULL;
      g_auto(GStrv) lines = NULL;
      int status;

      args[args[0] == NULL ? 0 : args[1] == NULL ? 1 : 2] = "--help";
      status = run_args (unusable, &out, &err, args);
      g_assert_cmpint (status, ==, 0);
      g_assert_cmpstr (err, ==, "");
      prefix = g_strjoin (" ", "Usage: temoinctl", levels[i][0], levels[i][1], NULL);
      g_assert_true (g_str_has_prefix (out, prefix));
      g_assert_nonnull (strstr (out, "-h, --help"));
      lines = g_strsplit (out, "\n", -1);
      for (guint l = 0; lines[l] != NULL; l++)
        if (g_utf8_strlen (lines[l], -1) > 80)
          g_error ("temoinctl %s --help: line longer than 80 columns:\n%s",
                   prefix + strlen ("Usage: temoinctl "), lines[l]);
    }
}

/* Each subcommand checks its arguments before it touches the data directory:
 * status 2, the message, and the hint naming the subcommand. */
static void
test_usage_errors_every_subcommand (Fixture       *f,
                                    gconstpointer  data)
{
  static const struct {
    const char *args[6];
    const char *command;
    const char *message;
  } cases[] = {
    { { "cookies" }, "cookies", "A command is missing." },
    { { "cookies", "eat" }, "cookies", "Unknown command 'eat'." },
    { { "cookies", "list", "extra" }, "cookies list", "Unexpected argument 'extra'." },
    { { "cookies", "list", "--site", "" }, "cookies list",
      "The site given to --site is empty." },
    { { "cookies", "list", "--bogus" }, "cookies list", "Unknown option --bogus" },
    { { "cookies", "purge" }, "cookies purge",
      "Give exactly one of --all, --category and --site." },
    { { "cookies", "purge", "--all", "--site", "a.example" }, "cookies purge",
      "Give exactly one of --all, --category and --site." },
    { { "cookies", "purge", "--all", "extra" }, "cookies purge",
      "Unexpected argument 'extra'." },
    { { "cookies", "purge", "--site", "" }, "cookies purge",
      "The site given to --site is empty." },
    { { "preview" }, "preview", "Give a URL to preview, or --scenario." },
    { { "preview", "--scenario", "http://a.example/" }, "preview",
      "Give either a URL or --scenario, not both." },
    { { "preview", "http://a.example/", "extra" }, "preview",
      "Unexpected argument 'extra'." },
    { { "preview", "--scenario", "--resolve", "a.example:80:127.0.0.1" }, "preview",
      "--resolve applies to a URL, not to --scenario." },
    { { "preview", "--scenario", "--with", "statistics" }, "preview",
      "'statistics' is not of the form CATEGORY=on|off." },
    { { "preview", "--scenario", "--with", "statistics=maybe" }, "preview",
      "Unknown value 'maybe' for statistics: use on or off." },
    { { "preview", "--scenario", "--with", "necessary=off" }, "preview",
      "Necessary cookies cannot be refused: sites need them to work, and they require "
      "no consent." },
    { { "preview", "--with", "statistics=on", "--with", "statistics=off", "--scenario" },
      "preview", "The category statistics is given twice." },
    { { "rules" }, "rules", "A command is missing." },
    { { "rules", "import" }, "rules import", "An argument is missing." },
    { { "rules", "import", "a.csv", "b.csv" }, "rules import",
      "Unexpected argument 'b.csv'." },
    { { "rules", "list", "extra" }, "rules list", "Unexpected argument 'extra'." },
    { { "rules", "override", "_ga", "a.example" }, "rules override",
      "An argument is missing." },
    { { "rules", "override", "_ga", "a.example", "statistics", "extra" }, "rules override",
      "Unexpected argument 'extra'." },
    { { "rules", "allow-site" }, "rules allow-site", "An argument is missing." },
    { { "rules", "remove", "_ga" }, "rules remove", "An argument is missing." },
    { { "rules", "remove-site", "a", "b" }, "rules remove-site",
      "Unexpected argument 'b'." },
    { { "rules", "forget-database" }, "rules forget-database", "An argument is missing." },
    { { "ca" }, "ca", "A command is missing." },
    { { "ca", "show", "extra" }, "ca show", "Unexpected argument 'extra'." },
    { { "ca", "export", "extra" }, "ca export", "Unexpected argument 'extra'." },
    { { "ca", "regenerate", "extra" }, "ca regenerate", "Unexpected argument 'extra'." },
    { { "ca", "delete", "extra" }, "ca delete", "Unexpected argument 'extra'." },
    { { "bypass" }, "bypass", "A command is missing." },
    { { "bypass", "list", "extra" }, "bypass list", "Unexpected argument 'extra'." },
    { { "bypass", "add" }, "bypass add", "Say which host." },
    { { "bypass", "remove" }, "bypass remove", "Say which host." },
    { { "settings", "get", "proxy-port", "extra" }, "settings get",
      "Unexpected argument 'extra'." },
    { { "settings", "set", "proxy-port", "8000", "extra" }, "settings set",
      "Unexpected argument 'extra'." },
    { { "consent", "set", "statistics=on", "statistics=off" }, "consent set",
      "The category statistics is given twice." },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *command = g_strconcat ("temoinctl ", cases[i].command, NULL);
      g_autofree char *expected = NULL;
      int status;

      status = run_args (f->data_dir, &out, &err, cases[i].args);
      assert_usage_error (status, out, err, command);
      expected = g_strdup_printf ("temoinctl: %s\nTry '%s --help'.\n", cases[i].message,
                                  command);
      g_assert_cmpstr (err, ==, expected);
    }
  /* None of that created the data directory. */
  g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
}

/* An unknown category is said the same way by every command that takes one. */
static void
test_unknown_category_said_alike (Fixture       *f,
                                  gconstpointer  data)
{
  static const struct {
    const char *args[6];
    const char *command;
  } cases[] = {
    { { "consent", "set", "cakes=on" }, "consent set" },
    { { "preview", "--scenario", "--with", "cakes=on" }, "preview" },
    { { "rules", "override", "_ga", "a.example", "statistics,cakes" }, "rules override" },
    { { "cookies", "purge", "--category", "cakes" }, "cookies purge" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *expected = NULL;
      int status;

      status = run_args (f->data_dir, &out, &err, cases[i].args);
      expected = g_strdup_printf ("temoinctl: Unknown category 'cakes'. The categories are "
                                  "necessary, statistics, first-party and third-party.\n"
                                  "Try 'temoinctl %s --help'.\n", cases[i].command);
      g_assert_cmpint (status, ==, 2);
      g_assert_cmpstr (out, ==, "");
      g_assert_cmpstr (err, ==, expected);
    }
  g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
}

/* An address that is not a web address is a bad command line, as for
 * `cookies list --url`; only a fetch that fails is status 1. */
static void
test_preview_bad_url_is_usage (Fixture       *f,
                               gconstpointer  data)
{
  static const char *urls[] = { "notaurl", "ftp://a.example/", "http://", "" };

  for (guint i = 0; i < G_N_ELEMENTS (urls); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status;

      status = tm_test_temoinctl (f->data_dir, &out, &err, "preview", urls[i], NULL);
      assert_usage_error (status, out, err, "temoinctl preview");
      /* The core's words: what was typed, and what a web address is. */
      g_assert_true (g_str_has_prefix (err, "temoinctl: “"));
      g_assert_nonnull (strstr (err, urls[i]));
      g_assert_nonnull (strstr (err, "http"));
    }
  g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
}

/* `rules list` says under each heading that it is empty, in words a translator
 * can give each its own gender. */
static void
test_rules_list_empty (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *out = run_ok (f->data_dir, "rules", "list", NULL);

  g_assert_cmpstr (out, ==,
                   "Overrides:\n  No overrides\n\n"
                   "Site exceptions:\n  No site exceptions\n\n"
                   "Imported cookie databases:\n  No imported cookie databases\n");
}

/* A rule that is not there: status 1, and where to look. */
static void
test_rules_remove_absent_says_where_to_look (Fixture       *f,
                                             gconstpointer  data)
{
  static const char *cases[][4] = {
    { "rules", "remove", "_ga", "a.example" },
    { "rules", "remove-site", "a.example", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status;

      status = tm_test_temoinctl (f->data_dir, &out, &err, cases[i][0], cases[i][1], cases[i][2],
                                  cases[i][3], NULL);
      g_assert_cmpint (status, ==, 1);
      g_assert_cmpstr (out, ==, "");
      g_assert_true (g_str_has_prefix (err, "temoinctl: "));
      g_assert_nonnull (strstr (err, "a.example"));
      g_assert_true (g_str_has_suffix (err, "Run 'temoinctl rules list' to see your rules.\n"));
    }
}

/* A global option after the command is bad usage, and the message says where it
 * goes instead of only calling it unknown. */
static void
test_global_option_after_command (Fixture       *f,
                                  gconstpointer  data)
{
  static const struct {
    const char *args[4];
    const char *option;
    const char *example;
  } cases[] = {
    { { "consent", "show", "--data-dir", "/tmp" }, "--data-dir",
      "'temoinctl --data-dir DIR consent show'" },
    { { "consent", "--data-dir", "/tmp", "show" }, "--data-dir",
      "'temoinctl --data-dir DIR consent'" },
    { { "settings", "list", "--json", "--data-dir=/tmp" }, "--data-dir",
      "'temoinctl --data-dir DIR settings list'" },
    { { "charter", "show", "--version", NULL }, "--version", "'temoinctl --version'" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL, *err = NULL, *expected = NULL;
      const char * const *a = cases[i].args;
      int status;

      status = tm_test_temoinctl (NULL, &out, &err, a[0], a[1], a[2], a[3], NULL);
      g_assert_cmpint (status, ==, 2);
      g_assert_cmpstr (out, ==, "");
      expected = g_strdup_printf ("temoinctl: %s is a global option: give it before the "
                                  "command, as in %s.\n", cases[i].option,
                                  cases[i].example);
      g_assert_true (g_str_has_prefix (err, expected));
    }
  /* Nothing was created in the directory named too late. */
  g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
}

/* --- consent --- */

static void
test_consent_show_defaults (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *json = run_ok (f->data_dir, "consent", "show", "--json", NULL);
  g_autofree char *human = run_ok (f->data_dir, "consent", "show", NULL);
  g_autofree char *db = g_build_filename (f->data_dir, "consent.sqlite", NULL);

  assert_consent_json (json, NULL, NULL, TRUE, NECESSARY);

  /* The readable summary says nothing was saved and what to do. */
  g_assert_nonnull (strstr (human, "No choice saved yet"));
  g_assert_nonnull (strstr (human, "temoinctl consent set"));
  assert_matches ("Statistics +statistics +refused", human);
  assert_matches ("Necessary +necessary +accepted", human);

  /* Showing creates nothing: neither the store nor its folder. */
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (f->data_dir, G_FILE_TEST_EXISTS));
}

static void
test_consent_show_outdated (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(TmConsent) saved = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL, *human = NULL, *again = NULL;

  /* A choice given under an older charter, as the app would have saved it. */
  g_assert_cmpint (g_mkdir_with_parents (f->data_dir, 0700), ==, 0);
  store = tm_consent_store_new (f->data_dir, &error);
  g_assert_no_error (error);
  saved = tm_consent_store_save (store, NECESSARY | STATS, TM_CONSENT_METHOD_CUSTOM, "fr",
                                 "an-older-revision", &error);
  g_assert_no_error (error);
  g_clear_object (&store);

  json = run_ok (f->data_dir, "consent", "show", "--json", NULL);
  assert_matches ("^\\{\n  \"consent_id\": \"" ID_RE "\",\n"
                  "  \"given_at\": \"" TIME_RE "\",\n"
                  "  \"revision\": \"an-older-revision\",\n"
                  "  \"method\": \"custom\",\n"
                  "  \"language\": \"fr\",\n"
                  "  \"outdated\": true,\n"
                  "  \"categories\": \\{\n"
                  "    \"necessary\": true,\n"
                  "    \"statistics\": true,\n"
                  "    \"first-party\": false,\n"
                  "    \"third-party\": false\n"
                  "  \\}\n\\}\n$", json);

  /* It keeps applying; the summary says so and what to do. */
  human = run_ok (f->data_dir, "consent", "show", NULL);
  assert_matches ("Statistics +statistics +accepted", human);
  g_assert_nonnull (strstr (human, "outdated"));
  g_assert_nonnull (strstr (human, "temoinctl consent set"));

  /* Choosing again under the current charter makes it current. */
  again = run_ok (f->data_dir, "consent", "set", "--json", "first-party=off", NULL);
  assert_consent_json (again, "custom", "en", FALSE, NECESSARY | STATS);
}

static void
test_consent_set_pairs (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *out1 = NULL, *out2 = NULL, *out3 = NULL, *out4 = NULL, *show = NULL;
  g_autofree char *id3 = NULL, *id4 = NULL;

  out1 = run_ok (f->data_dir, "consent", "set", "--json", "statistics=on", NULL);
  assert_consent_json (out1, "custom", "en", FALSE, NECESSARY | STATS);

  /* Categories not named keep their saved value. */
  out2 = run_ok (f->data_dir, "consent", "set", "third-party=yes", "--json", NULL);
  assert_consent_json (out2, "custom", "en", FALSE, NECESSARY | STATS | THIRD);

  out3 = run_ok (f->data_dir, "consent", "set", "--json", "statistics=off",
                 "first-party=ON", NULL);
  assert_consent_json (out3, "custom", "en", FALSE, NECESSARY | FIRST | THIRD);

  /* necessary=on is accepted and changes nothing (but is a new save). */
  out4 = run_ok (f->data_dir, "consent", "set", "--json", "necessary=on", NULL);
  assert_consent_json (out4, "custom", "en", FALSE, NECESSARY | FIRST | THIRD);
  id3 = consent_id_of (out3);
  id4 = consent_id_of (out4);
  g_assert_cmpstr (id3, !=, id4);

  /* `consent show --json` prints what `set` printed. */
  show = run_ok (f->data_dir, "consent", "show", "--json", NULL);
  g_assert_cmpstr (show, ==, out4);
}

static void
test_consent_set_accept_reject_all (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *accept = NULL, *reject = NULL, *human = NULL, *show = NULL;

  accept = run_ok (f->data_dir, "consent", "set", "--accept-all", "--json", NULL);
  assert_consent_json (accept, "accept-all", "en", FALSE, TM_CATEGORIES_ALL);
  show = run_ok (f->data_dir, "consent", "show", "--json", NULL);
  g_assert_cmpstr (show, ==, accept);

  reject = run_ok (f->data_dir, "consent", "set", "--reject-all", "--json", NULL);
  assert_consent_json (reject, "reject-all", "en", FALSE, NECESSARY);

  /* Without --json, set prints the readable summary, as show does. */
  human = run_ok (f->data_dir, "consent", "set", "--accept-all", NULL);
  g_assert_nonnull (strstr (human, "Accept all"));
  assert_matches ("Third-party +third-party +accepted", human);
  g_assert_null (strstr (human, "outdated"));
  g_assert_null (strstr (human, "{"));
}

static void
test_consent_set_bad_input (Fixture       *f,
                            gconstpointer  data)
{
  static const char *cases[][3] = {
    { NULL },                                 /* nothing to save */
    { "necessary=off" },
    { "cookies=on" },                         /* unknown category */
    { "statistics=maybe" },                   /* unknown value */
    { "statistics" },                         /* not CATEGORY=VALUE */
    { "statistics=" },
    { "=on" },
    { "statistics=on", "statistics=off" },    /* twice */
    { "--accept-all", "--reject-all" },
    { "--accept-all", "statistics=on" },
    { "--reject-all", "third-party=off" },
    { "--bogus" },
  };
  g_autofree char *before = NULL, *after = NULL, *history = NULL;

  before = run_ok (f->data_dir, "consent", "set", "--json", "first-party=on", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      int status;

      status = tm_test_temoinctl (f->data_dir, &out, &err, "consent", "set", cases[i][0],
                                  cases[i][0] ? cases[i][1] : NULL, NULL);
      assert_usage_error (status, out, err, "temoinctl consent set");
    }

  /* A bad command line saves nothing. */
  after = run_ok (f->data_dir, "consent", "show", "--json", NULL);
  g_assert_cmpstr (after, ==, before);
  history = run_ok (f->data_dir, "consent", "history", "--json", NULL);
  g_assert_true (g_str_has_prefix (history, "[\n  {\n"));
  g_assert_null (strstr (history, "},"));
}

static void
test_consent_history (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *empty = NULL, *empty_human = NULL;
  g_autofree char *s1 = NULL, *s2 = NULL, *s3 = NULL, *history = NULL, *human = NULL;
  g_autofree char *id1 = NULL, *id2 = NULL, *id3 = NULL;
  g_autoptr(GString) re = g_string_new ("^\\[\\n");
  g_auto(GStrv) lines = NULL;
  const char *p1, *p2, *p3;

  empty = run_ok (f->data_dir, "consent", "history", "--json", NULL);
  g_assert_cmpstr (empty, ==, "[]\n");
  empty_human = run_ok (f->data_dir, "consent", "history", NULL);
  g_assert_cmpstr (empty_human, ==, "No choice saved yet.\n");

  s1 = run_ok (f->data_dir, "consent", "set", "--json", "statistics=on", NULL);
  s2 = run_ok (f->data_dir, "consent", "set", "--json", "--accept-all", NULL);
  s3 = run_ok (f->data_dir, "consent", "set", "--json", "--reject-all", NULL);
  id1 = consent_id_of (s1);
  id2 = consent_id_of (s2);
  id3 = consent_id_of (s3);

  /* Newest first; each element shaped like `consent show` without "outdated". */
  history = run_ok (f->data_dir, "consent", "history", "--json", NULL);
  {
    g_autofree char *e3 = consent_regex ("reject-all", "en", -1, NECESSARY, "  ", FALSE);
    g_autofree char *e2 = consent_regex ("accept-all", "en", -1, TM_CATEGORIES_ALL, "  ",
                                         FALSE);
    g_autofree char *e1 = consent_regex ("custom", "en", -1, NECESSARY | STATS, "  ", FALSE);

    g_string_append_printf (re, "  %s,\\n  %s,\\n  %s\\n\\]\\n$", e3, e2, e1);
    assert_matches (re->str, history);
  }
  p3 = strstr (history, id3);
  p2 = strstr (history, id2);
  p1 = strstr (history, id1);
  g_assert_true (p3 != NULL && p2 != NULL && p1 != NULL);
  g_assert_true (p3 < p2 && p2 < p1);
  g_assert_null (strstr (history, "outdated"));

  /* Readable: one line per save, newest first. */
  human = run_ok (f->data_dir, "consent", "history", NULL);
  lines = g_strsplit (human, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 4);
  g_assert_cmpstr (lines[3], ==, "");
  g_assert_nonnull (strstr (lines[0], "Reject all"));
  g_assert_nonnull (strstr (lines[0], id3));
  g_assert_nonnull (strstr (lines[1], "Accept all"));
  g_assert_nonnull (strstr (lines[1], "third-party"));
  g_assert_nonnull (strstr (lines[2], id1));
  g_assert_nonnull (strstr (lines[2], "statistics"));
  g_assert_null (strstr (lines[2], "third-party"));
}

static void
test_consent_history_erase (Fixture       *f,
                            gconstpointer  data)
{
  g_autofree char *saved = NULL, *history = NULL, *after = NULL, *show = NULL;
  g_autofree char *out = NULL, *err = NULL;
  int status;

  saved = run_ok (f->data_dir, "consent", "set", "--accept-all", "--json", NULL);

  /* No prompt: --erase without --yes is a usage error that says to add --yes. */
  status = tm_test_temoinctl (f->data_dir, &out, &err, "consent", "history", "--erase", NULL);
  assert_usage_error (status, out, err, "temoinctl consent history");
  g_assert_nonnull (strstr (err, "--yes"));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  status = tm_test_temoinctl (f->data_dir, &out, &err, "consent", "history", "--yes", NULL);
  assert_usage_error (status, out, err, "temoinctl consent history");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  history = run_ok (f->data_dir, "consent", "history", "--json", NULL);
  g_assert_cmpstr (history, !=, "[]\n");

  status = tm_test_temoinctl (f->data_dir, &out, &err, "consent", "history", "--erase", "--yes",
                              NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, !=, "");

  after = run_ok (f->data_dir, "consent", "history", "--json", NULL);
  g_assert_cmpstr (after, ==, "[]\n");
  /* The defaults apply again, outdated. */
  show = run_ok (f->data_dir, "consent", "show", "--json", NULL);
  assert_consent_json (show, NULL, NULL, TRUE, NECESSARY);
}

/* --- charter --- */

/* The non-empty lines of @text, with typographic apostrophes made straight (the
 * issue allows them) and trailing spaces dropped. */
static GPtrArray *
non_empty_lines (const char *text)
{
  g_autoptr(GRegex) apostrophe = g_regex_new ("’", 0, 0, NULL);
  g_autofree char *straight = g_regex_replace_literal (apostrophe, text, -1, 0, "'", 0,
                                                       NULL);
  g_auto(GStrv) lines = g_strsplit (straight, "\n", -1);
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      if (*lines[i] != '\0')
        g_ptr_array_add (result, g_strdup (lines[i]));
    }
  return result;
}

static char *
read_seed (void)
{
  g_autofree char *path = tm_test_data_path ("charter-fr.txt");
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static void
test_charter_show_french (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *seed = read_seed ();
  g_autofree char *out = run_ok (f->data_dir, "charter", "show", "--lang", "fr", NULL);
  g_autoptr(GPtrArray) expected = non_empty_lines (seed);
  g_autoptr(GPtrArray) shown = non_empty_lines (out);

  g_assert_cmpuint (expected->len, >, 10);
  for (guint i = 0; i < MIN (expected->len, shown->len); i++)
    g_assert_cmpstr (g_ptr_array_index (shown, i), ==, g_ptr_array_index (expected, i));
  g_assert_cmpuint (shown->len, ==, expected->len);
  g_assert_true (g_str_has_suffix (out, "\n"));
}

static void
test_charter_show_english (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *seed = read_seed ();
  g_autofree char *out = run_ok (f->data_dir, "charter", "show", "--lang", "en", NULL);
  g_autofree char *by_default = run_ok (f->data_dir, "charter", "show", NULL);
  g_autoptr(GPtrArray) french = non_empty_lines (seed);
  g_autoptr(GPtrArray) shown = non_empty_lines (out);

  g_assert_cmpuint (shown->len, ==, french->len);
  for (guint i = 0; i < french->len; i++)
    for (guint j = 0; j < shown->len; j++)
      g_assert_cmpstr (g_ptr_array_index (shown, j), !=, g_ptr_array_index (french, i));
  g_assert_nonnull (strstr (out, "Cookie charter"));
  /* Table rows: four tab-separated cells. */
  assert_matches ("\nOpendatasoft\t[^\t\n]+\tsessionid\t[^\t\n]+\n", out);

  /* With no locale set at all (as in CI), the default language is English. */
  g_assert_cmpstr (by_default, ==, out);
}

static void
test_charter_show_bad_language (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL;
  int status;

  status = tm_test_temoinctl (f->data_dir, &out, &err, "charter", "show", "--lang", "xx", NULL);
  assert_usage_error (status, out, err, "temoinctl charter show");
  /* It lists the offered languages. */
  assert_matches ("'xx'.*\\ben\\b.*\\bfr\\b", err);
}

/* --- settings --- */

static void
test_settings_list_defaults (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *json = run_ok (f->data_dir, "settings", "list", "--json", NULL);
  g_autofree char *human = run_ok (f->data_dir, "settings", "list", NULL);
  g_autoptr(GString) re = g_string_new ("^\\{\\n");
  g_autoptr(GString) expected_human = g_string_new (NULL);
  const TmSettingInfo *infos;
  gsize n;

  infos = tm_settings_list (&n);
  g_assert_cmpuint (n, >=, 3);
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *value = NULL;
      g_autofree char *escaped = NULL;

      /* Typed JSON: numbers and booleans bare, strings quoted. */
      if (infos[i].type == TM_SETTING_TYPE_STRING)
        value = g_strdup_printf ("\"%s\"", infos[i].default_value);
      else
        value = g_strdup (infos[i].default_value);
      escaped = g_regex_escape_string (value, -1);
      g_string_append_printf (re, "  \"%s\": %s%s\\n", infos[i].key, escaped,
                              i + 1 < n ? "," : "");
      g_string_append_printf (expected_human, "%s = %s (default)\n", infos[i].key,
                              infos[i].default_value);

      if (infos[i].type == TM_SETTING_TYPE_BOOLEAN)
        g_assert_true (g_str_equal (infos[i].default_value, "true") ||
                       g_str_equal (infos[i].default_value, "false"));
      else if (infos[i].type == TM_SETTING_TYPE_INT)
        assert_matches ("^-?[0-9]+$", infos[i].default_value);
    }
  g_string_append (re, "\\}\\n$");
  assert_matches (re->str, json);
  g_assert_cmpstr (human, ==, expected_human->str);
}

static void
test_settings_round_trip (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *set1 = NULL, *set2 = NULL, *get1 = NULL, *get2 = NULL;
  g_autofree char *json = NULL, *human = NULL;

  set1 = run_ok (f->data_dir, "settings", "set", TM_SETTING_REASK_INTERVAL, "3", NULL);
  set2 = run_ok (f->data_dir, "settings", "set", TM_SETTING_SEC_GPC, "off", NULL);
  /* "--" ends the options: a value that starts with "-" reaches the check of
   * values, which gives its reason. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *normalized = tm_settings_normalize (TM_SETTING_REASK_INTERVAL, "-1",
                                                         &error);
    g_autofree char *expected = NULL;
    g_autofree char *out = NULL, *err = NULL;
    int status;

    g_assert_null (normalized);
    g_assert_error (error, TM_SETTINGS_ERROR, TM_SETTINGS_ERROR_INVALID_VALUE);
    expected = g_strdup_printf ("temoinctl: %s\n", error->message);
    status = tm_test_temoinctl (f->data_dir, &out, &err, "settings", "set",
                                TM_SETTING_REASK_INTERVAL,
                                "--", "-1", NULL);
    assert_usage_error (status, out, err, "temoinctl settings set");
    g_assert_true (g_str_has_prefix (err, expected));
  }
  g_free (run_ok (f->data_dir, "settings", "set", TM_SETTING_PROXY_PORT, "--", "8119", NULL));
  get1 = run_ok (f->data_dir, "settings", "get", TM_SETTING_PROXY_PORT, NULL);
  g_assert_cmpstr (get1, ==, "8119\n");
  g_free (get1);
  get1 = run_ok (f->data_dir, "settings", "get", TM_SETTING_REASK_INTERVAL, NULL);
  get2 = run_ok (f->data_dir, "settings", "get", TM_SETTING_SEC_GPC, NULL);
  g_assert_cmpstr (set1, ==, "");
  g_assert_cmpstr (get1, ==, "3\n");
  /* Normalized: "off" reads back as "false". */
  g_assert_cmpstr (get2, ==, "false\n");

  json = run_ok (f->data_dir, "settings", "list", "--json", NULL);
  assert_matches ("\n  \"" TM_SETTING_REASK_INTERVAL "\": 3,?\n", json);
  assert_matches ("\n  \"" TM_SETTING_SEC_GPC "\": false,?\n", json);

  human = run_ok (f->data_dir, "settings", "list", NULL);
  assert_matches ("(^|\n)" TM_SETTING_REASK_INTERVAL " = 3\n", human);

  g_free (set1);
  set1 = run_ok (f->data_dir, "settings", "set", TM_SETTING_SEC_GPC, "YES", NULL);
  g_free (get2);
  get2 = run_ok (f->data_dir, "settings", "get", TM_SETTING_SEC_GPC, NULL);
  g_assert_cmpstr (get2, ==, "true\n");
}

static void
test_settings_bad_input (Fixture       *f,
                         gconstpointer  data)
{
  static const char *cases[][3] = {
    { "get", "no-such-setting" },
    { "set", "no-such-setting", "1" },
    { "set", TM_SETTING_REASK_INTERVAL, "soon" },
    { "set", TM_SETTING_REASK_INTERVAL, "99999999999999999999" },
    { "set", TM_SETTING_PROXY_PORT, "70000" },
    { "set", TM_SETTING_SEC_GPC, "maybe" },
  };
  g_autofree char *before = run_ok (f->data_dir, "settings", "list", "--json", NULL);
  g_autofree char *after = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_autofree char *command = g_strconcat ("temoinctl settings ", cases[i][0], NULL);
      int status;

      status = tm_test_temoinctl (f->data_dir, &out, &err, "settings", cases[i][0], cases[i][1],
                                  cases[i][2], NULL);
      assert_usage_error (status, out, err, command);
      /* The first line gives the reason: an unknown key is named. */
      g_assert_cmpuint (strcspn (err, "\n"), >, strlen ("temoinctl: ") + 10);
      if (g_str_has_prefix (cases[i][1], "no-such"))
        g_assert_nonnull (strstr (err, cases[i][1]));
    }

  after = run_ok (f->data_dir, "settings", "list", "--json", NULL);
  g_assert_cmpstr (after, ==, before);
}

/* --- the data directory and the database --- */

static void
test_data_dir_environment (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *env_dir = g_build_filename (f->dir, "env", NULL);
  g_autofree char *opt_dir = g_build_filename (f->dir, "opt", NULL);
  g_autofree char *env_db = g_build_filename (env_dir, "consent.sqlite", NULL);
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  GStatBuf st;

  g_setenv ("TEMOIN_DATA_DIR", env_dir, TRUE);

  /* TEMOIN_DATA_DIR is used when there is no --data-dir… */
  a = run_ok (NULL, "consent", "set", "--accept-all", "--json", NULL);
  g_assert_true (g_file_test (env_db, G_FILE_TEST_IS_REGULAR));
  g_assert_cmpint (g_stat (env_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (env_db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* …and --data-dir wins over it. */
  b = run_ok (opt_dir, "consent", "set", "--reject-all", "--json", NULL);
  c = run_ok (NULL, "consent", "show", "--json", NULL);
  d = run_ok (opt_dir, "consent", "show", "--json", NULL);
  g_unsetenv ("TEMOIN_DATA_DIR");

  assert_consent_json (c, "accept-all", "en", FALSE, TM_CATEGORIES_ALL);
  g_assert_cmpstr (c, ==, a);
  assert_consent_json (d, "reject-all", "en", FALSE, NECESSARY);
  g_assert_cmpstr (d, ==, b);
}

static void
test_data_dir_uncreatable (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *file = g_build_filename (f->dir, "file", NULL);
  g_autofree char *under_file = g_build_filename (file, "data", NULL);
  g_autofree char *out = NULL, *err = NULL;
  int status;

  g_assert_true (g_file_set_contents (file, "not a directory", -1, NULL));

  status = tm_test_temoinctl (under_file, &out, &err, "consent", "show", "--json", NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "temoinctl: "));
  /* It names the directory and says what to do. */
  g_assert_nonnull (strstr (err, under_file));
  g_assert_nonnull (strstr (err, "--data-dir"));
  g_assert_null (strstr (err, "--help"));
}

static void
test_database_unusable (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *db = g_build_filename (f->data_dir, "consent.sqlite", NULL);
  g_autofree char *out = NULL, *err = NULL;
  int status;

  /* Nothing to move aside: a folder where the database should be. */
  g_assert_cmpint (g_mkdir_with_parents (db, 0700), ==, 0);

  status = tm_test_temoinctl (f->data_dir, &out, &err, "consent", "set", "--accept-all", NULL);
  g_assert_cmpint (status, ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_true (g_str_has_prefix (err, "temoinctl: "));
  g_assert_nonnull (strstr (err, db));
  g_assert_nonnull (strstr (err, "--data-dir"));
  g_assert_true (g_file_test (db, G_FILE_TEST_IS_DIR));
}

static void
test_corrupt_database_moved_aside (Fixture       *f,
                                   gconstpointer  data)
{
  g_autofree char *db = g_build_filename (f->data_dir, "consent.sqlite", NULL);
  g_autofree char *out = NULL, *err = NULL, *again_err = NULL, *again = NULL;
  g_autoptr(GString) garbage = g_string_new (NULL);
  g_autoptr(GDir) dir = NULL;
  g_autofree char *moved = NULL;
  g_autofree char *moved_contents = NULL;
  const char *name;
  int status;

  g_assert_cmpint (g_mkdir_with_parents (f->data_dir, 0700), ==, 0);
  for (guint i = 0; i < 512; i++)
    g_string_append (garbage, "this is not an SQLite database. ");
  g_assert_true (g_file_set_contents (db, garbage->str, garbage->len, NULL));

  /* A command that only reads leaves it as it is (it may be on a read-only
   * disk, and must not say a new one was made), reads it as empty and says so. */
  status = tm_test_temoinctl (f->data_dir, &out, &err, "consent", "show", "--json", NULL);
  g_assert_cmpint (status, ==, 0);
  assert_consent_json (out, NULL, NULL, TRUE, NECESSARY);
  g_assert_nonnull (strstr (err, "is damaged: it was left as it is, and read as empty"));
  g_assert_null (strstr (err, "moved aside"));
  g_assert_true (g_file_get_contents (db, &moved_contents, NULL, NULL));
  g_assert_cmpstr (moved_contents, ==, garbage->str);
  g_clear_pointer (&moved_contents, g_free);
  dir = g_dir_open (f->data_dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_assert_null (strstr (name, ".corrupt-"));
  g_clear_pointer (&dir, g_dir_close);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* A command that writes moves it aside. */
  status = tm_test_temoinctl (f->data_dir, &out, &err, "settings", "set", "sec-gpc", "off", NULL);
  g_assert_cmpint (status, ==, 0);

  /* The old file is kept beside the new one, and stderr says where. */
  dir = g_dir_open (f->data_dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_prefix (name, "consent.sqlite.") && !g_str_has_suffix (name, "-wal") &&
        !g_str_has_suffix (name, "-shm"))
      {
        g_assert_null (moved);
        moved = g_build_filename (f->data_dir, name, NULL);
      }
  g_assert_nonnull (moved);
  g_assert_true (g_file_get_contents (moved, &moved_contents, NULL, NULL));
  g_assert_cmpstr (moved_contents, ==, garbage->str);
  g_assert_true (g_str_has_prefix (err, "temoinctl: "));
  g_assert_nonnull (strstr (err, moved));

  /* The new database works, and nothing is said the next time. */
  g_free (run_ok (f->data_dir, "consent", "set", "--accept-all", NULL));
  status = tm_test_temoinctl (f->data_dir, &again, &again_err, "consent", "show", "--json", NULL);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (again_err, ==, "");
  assert_consent_json (again, "accept-all", "en", FALSE, TM_CATEGORIES_ALL);
}

/* --- translations --- */

static void
test_french (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *out = NULL, *err = NULL, *saved = NULL, *charter = NULL;
  g_autofree char *french = NULL;
  int status;

  g_setenv ("LANGUAGE", "fr", TRUE);
  status = tm_test_temoinctl (f->data_dir, &out, &err, "frobnicate", NULL);
  saved = run_ok (f->data_dir, "consent", "set", "--json", "statistics=on", NULL);
  charter = run_ok (f->data_dir, "charter", "show", NULL);
  g_unsetenv ("LANGUAGE");
  french = run_ok (f->data_dir, "charter", "show", "--lang", "fr", NULL);

  /* A usage error in French is still one, worded as po/fr.po says. */
  g_assert_cmpint (status, ==, 2);
  g_assert_cmpstr (out, ==, "");
  {
    const char *unknown = tm_i18n_translate ("fr", "Unknown command '%s'.");
    const char *try = tm_i18n_translate ("fr", "Try '%s --help'.");
    g_autofree char *expected = NULL;
    g_autofree char *line1 = NULL, *line2 = NULL;

    g_assert_cmpstr (unknown, !=, "Unknown command '%s'.");
    g_assert_cmpstr (try, !=, "Try '%s --help'.");
    line1 = g_strdup_printf (unknown, "frobnicate");
    line2 = g_strdup_printf (try, "temoinctl");
    expected = g_strdup_printf ("temoinctl: %s\n%s\n", line1, line2);
    g_assert_cmpstr (err, ==, expected);
  }

  /* The language shown is saved with the choice, and is the charter's default. */
  assert_consent_json (saved, "custom", "fr", FALSE, NECESSARY | STATS);
  g_assert_cmpstr (charter, ==, french);
}

int
main (int   argc,
      char *argv[])
{
  /* As in CI: no locale at all, and no data directory but --data-dir's. */
  g_unsetenv ("LANG");
  g_unsetenv ("LANGUAGE");
  g_unsetenv ("LC_ALL");
  g_unsetenv ("LC_MESSAGES");
  g_unsetenv ("TEMOIN_DATA_DIR");

  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ((path), Fixture, NULL, fixture_set_up, (func), fixture_tear_down)

  g_test_add_func ("/cli/version/prints-the-package-version", test_version);
  g_test_add_func ("/cli/i18n/uninstalled-finds-its-catalogues",
                   test_uninstalled_finds_its_catalogues);
  g_test_add_func ("/cli/help/lists-every-command", test_help_top_level);
  ADD ("/cli/help/works-on-every-level", test_help_every_level);
  ADD ("/cli/usage/bad-command-lines-exit-2", test_usage_errors);
  ADD ("/cli/help/every-subcommand-fits-80-columns", test_help_every_subcommand);
  ADD ("/cli/usage/every-subcommand-checks-its-arguments",
       test_usage_errors_every_subcommand);
  ADD ("/cli/usage/unknown-category-said-alike", test_unknown_category_said_alike);
  ADD ("/cli/preview/bad-url-is-bad-usage", test_preview_bad_url_is_usage);
  ADD ("/cli/rules/list/empty-headings", test_rules_list_empty);
  ADD ("/cli/rules/remove-absent-says-where-to-look",
       test_rules_remove_absent_says_where_to_look);
  ADD ("/cli/usage/global-option-after-command-says-where-it-goes",
       test_global_option_after_command);
  ADD ("/cli/consent/show/defaults-before-any-save", test_consent_show_defaults);
  ADD ("/cli/consent/show/outdated-after-charter-change", test_consent_show_outdated);
  ADD ("/cli/consent/set/pairs-keep-unnamed-categories", test_consent_set_pairs);
  ADD ("/cli/consent/set/accept-all-and-reject-all", test_consent_set_accept_reject_all);
  ADD ("/cli/consent/set/bad-input-exits-2-and-saves-nothing", test_consent_set_bad_input);
  ADD ("/cli/consent/history/newest-first", test_consent_history);
  ADD ("/cli/consent/history/erase-needs-yes", test_consent_history_erase);
  ADD ("/cli/charter/show/french-is-the-seed", test_charter_show_french);
  ADD ("/cli/charter/show/english-has-no-french", test_charter_show_english);
  ADD ("/cli/charter/show/unknown-language-exits-2", test_charter_show_bad_language);
  ADD ("/cli/settings/list/defaults-typed", test_settings_list_defaults);
  ADD ("/cli/settings/set/round-trip", test_settings_round_trip);
  ADD ("/cli/settings/bad-key-or-value-exits-2", test_settings_bad_input);
  ADD ("/cli/data-dir/environment-and-option", test_data_dir_environment);
  ADD ("/cli/data-dir/uncreatable-exits-1", test_data_dir_uncreatable);
  ADD ("/cli/store/unusable-database-exits-1", test_database_unusable);
  ADD ("/cli/store/corrupt-database-moved-aside", test_corrupt_database_moved_aside);
  ADD ("/cli/i18n/french", test_french);

#undef ADD

  return g_test_run ();
}
