/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `temoinctl rules …`: the user's overrides, site exceptions and imported
 * cookie databases (tm-rules.h), kept in the consent store. */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n-lib.h>

#include "tm-cli.h"
#include "tm-rules.h"

/* Turns a TmRulesError into an exit status after a message on stderr. */
static int
fail_with (const char *command,
           GError     *error)
{
  if (g_error_matches (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID)
      && !g_str_equal (command, "rules import"))
    return tm_cli_usage_error (command, "%s", error->message);
  if (g_error_matches (error, TM_RULES_ERROR, TM_RULES_ERROR_NOT_FOUND))
    return tm_cli_fail ("%s %s", error->message,
                        _("Run 'temoinctl rules list' to see your rules."));
  /* Every caller writes. */
  return tm_cli_fail_unchanged ("%s", error->message);
}

/* What every rules subcommand that takes plain arguments does first: its options
 * (--help), exactly @n_args arguments, then the store. Returns -1 to go on, else the
 * exit status. */
static int
prepare (TmCliContext      *ctx,
         const TmCliHelp   *help,
         int                n_args,
         int               *argc,
         char            ***argv,
         TmConsentStore   **out_store)
{
  int status;

  status = tm_cli_parse_arguments (help, NULL, n_args, n_args, NULL, argc, argv);
  if (status >= 0)
    return status;

  *out_store = tm_cli_open_consent_store (ctx);
  if (*out_store == NULL)
    return TM_CLI_EXIT_FAILURE;
  return -1;
}

static int
rules_import (TmCliContext *ctx,
              int           argc,
              char        **argv)
{
  static const TmCliHelp help = {
    "rules import",
    N_("FILE.csv"),
    N_("Imports a cookie database in the Open Cookie Database CSV format. Its rows "
       "are consulted after Témoin's own knowledge. Importing the same file again "
       "replaces its rows. Malformed lines are reported with their line numbers and "
       "skipped."),
    NULL,
    N_("Categories map as follows: Analytics to statistics; Marketing to first-party "
       "or third-party by context; Functional, Security and Necessary to necessary; "
       "Personalization to first-party.\n"
       "Exit status: 0 when at least one row was imported, else 1."),
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *absolute = NULL;
  g_autofree char *path = NULL;
  guint n_rows = 0;
  gboolean ok;
  int status;

  status = prepare (ctx, &help, 1, &argc, &argv, &store);
  if (status >= 0)
    return status;

  absolute = g_canonicalize_filename (argv[1], NULL);
  /* Shown escaped: a file name need not be UTF-8. */
  path = tm_cli_escape (absolute);
  ok = tm_rules_store_import_database (store, argv[1], &n_rows, &problems, &error);
  /* As compilers report them: FILE:LINE: message. */
  for (guint i = 0; problems != NULL && i < problems->len; i++)
    {
      TmRulesImportProblem *problem = g_ptr_array_index (problems, i);

      g_printerr ("%s:%u: ", path, problem->line);
      /* Translators: a malformed line of an imported file, then what is wrong */
      g_printerr (_("line skipped: %s"), problem->message);
      g_printerr ("\n");
    }
  if (!ok)
    return tm_cli_fail_unchanged ("%s", error->message);

  g_print (g_dngettext (GETTEXT_PACKAGE, "Imported %u cookie description from %s.",
                        "Imported %u cookie descriptions from %s.", n_rows),
           n_rows, path);
  g_print ("\n");
  return TM_CLI_EXIT_OK;
}

static char *
categories_text (TmCategories categories,
                 gboolean     ids)
{
  GString *out = g_string_new (NULL);

  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    if (categories & TM_CATEGORY_BIT (c))
      g_string_append_printf (out, "%s%s", out->len ? (ids ? "," : ", ") : "",
                              ids ? tm_category_to_id (c) : tm_category_get_title (c));
  return g_string_free (out, FALSE);
}

static char *
format_usec (gint64 usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  return dt != NULL ? g_date_time_format (dt, "%Y-%m-%d %H:%M UTC") : g_strdup ("?");
}

static int
rules_list (TmCliContext *ctx,
            int           argc,
            char        **argv)
{
  static const TmCliHelp help = {
    "rules list",
    N_("[--json]"),
    N_("Lists your overrides, site exceptions and imported cookie databases."),
    NULL,
    NULL,
  };
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the rules as JSON"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  guint counts[3] = { 0, 0, 0 };
  int status;

  status = tm_cli_parse_arguments (&help, entries, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;

  store = tm_cli_read_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;

  if (json)
    {
      g_autofree char *text = tm_rules_store_export_json (store, TRUE, &error);

      if (text == NULL)
        return tm_cli_fail ("%s", error->message);
      g_print ("%s\n", text);
      return TM_CLI_EXIT_OK;
    }

  rules = tm_rules_store_list (store, &error);
  if (rules == NULL)
    return tm_cli_fail ("%s", error->message);

  for (guint i = 0; i < rules->len; i++)
    counts[((TmRule *) g_ptr_array_index (rules, i))->kind]++;

  for (TmRuleKind kind = TM_RULE_OVERRIDE; kind <= TM_RULE_DATABASE; kind++)
    {
      const char *titles[] = {
        /* Translators: headings of `temoinctl rules list` */
        N_("Overrides:"), N_("Site exceptions:"), N_("Imported cookie databases:"),
      };
      /* One sentence per heading, so that each can take its own grammatical gender. */
      const char *empty[] = {
        /* Translators: under the heading "Overrides:" of `temoinctl rules list` */
        N_("No overrides"),
        /* Translators: under the heading "Site exceptions:" */
        N_("No site exceptions"),
        /* Translators: under the heading "Imported cookie databases:" */
        N_("No imported cookie databases"),
      };

      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append_printf (out, "%s\n", _(titles[kind]));
      if (counts[kind] == 0)
        g_string_append_printf (out, "  %s\n", _(empty[kind]));
      for (guint i = 0; i < rules->len; i++)
        {
          TmRule *rule = g_ptr_array_index (rules, i);
          g_autofree char *when = format_usec (rule->created_us);
          g_autofree char *cats = NULL;

          if (rule->kind != kind)
            continue;
          switch (kind)
            {
            case TM_RULE_OVERRIDE:
              cats = categories_text (rule->categories, FALSE);
              g_string_append (out, "  ");
              /* Translators: a cookie's name, a site and categories */
              g_string_append_printf (out, _("%s on %s: %s"), rule->name, rule->site, cats);
              g_string_append_printf (out, "  (%s)\n", when);
              break;
            case TM_RULE_EXCEPTION:
              /* Translators: a site whose every cookie is allowed */
              g_string_append (out, "  ");
              g_string_append_printf (out, _("%s: all cookies allowed"), rule->site);
              g_string_append_printf (out, "  (%s)\n", when);
              break;
            case TM_RULE_DATABASE:
            default:
              g_string_append (out, "  ");
              /* %u, not G_GINT64_FORMAT: xgettext cannot read a macro inside a msgid. */
              g_string_append_printf (out, g_dngettext (GETTEXT_PACKAGE,
                                                        "%s: %u row, imported %s",
                                                        "%s: %u rows, imported %s",
                                                        rule->n_rows),
                                      rule->path, (guint) MIN (rule->n_rows, G_MAXUINT),
                                      when);
              g_string_append_c (out, '\n');
              break;
            }
        }
    }
  fputs (out->str, stdout);
  return TM_CLI_EXIT_OK;
}

static int
rules_override (TmCliContext *ctx,
                int           argc,
                char        **argv)
{
  static const TmCliHelp help = {
    "rules override",
    N_("NAME SITE CATEGORY[,CATEGORY]"),
    N_("Says what the cookie NAME is on SITE (and its subdomains): its categories are "
       "then exactly those given, whatever else Témoin knows."),
    NULL,
    N_("Categories: necessary, statistics, first-party, third-party."),
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autofree char *site = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) names = NULL;
  g_autofree char *cats = NULL;
  TmCategories categories = 0;
  int status;

  status = tm_cli_parse_arguments (&help, NULL, 3, 3, NULL, &argc, &argv);
  if (status >= 0)
    return status;

  names = g_strsplit (argv[3], ",", -1);
  for (guint i = 0; names[i] != NULL; i++)
    {
      TmCategory category;

      g_strstrip (names[i]);
      status = tm_cli_parse_category (help.command, names[i], &category);
      if (status >= 0)
        return status;
      categories |= TM_CATEGORY_BIT (category);
    }
  /* A bad command line is found before the store is even opened. */
  if (!tm_rules_check_cookie_name (argv[1], &error))
    return fail_with (help.command, error);

  store = tm_cli_open_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;
  if (!tm_rules_store_set_override (store, argv[1], argv[2], categories, &error))
    return fail_with (help.command, error);

  cats = categories_text (categories, TRUE);
  site = tm_rules_normalize_site (argv[2], NULL);
  /* Translators: a cookie's name, a site, then category ids */
  g_print (_("Override saved: %s on %s is %s."), argv[1], site, cats);
  g_print ("\n");
  return TM_CLI_EXIT_OK;
}

static int
rules_allow_site (TmCliContext *ctx,
                  int           argc,
                  char        **argv)
{
  static const TmCliHelp help = {
    "rules allow-site",
    N_("SITE"),
    N_("Allows every cookie of SITE and its subdomains, whatever your choice and "
       "wherever they are used: for a site that does not work without them."),
    NULL,
    NULL,
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autofree char *site = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  status = prepare (ctx, &help, 1, &argc, &argv, &store);
  if (status >= 0)
    return status;
  if (!tm_rules_store_add_exception (store, argv[1], &error))
    return fail_with (help.command, error);
  site = tm_rules_normalize_site (argv[1], NULL);
  /* Translators: %s is a site */
  g_print (_("All cookies from %s are now allowed."), site);
  g_print ("\n");
  return TM_CLI_EXIT_OK;
}

static int
rules_remove (TmCliContext *ctx,
              int           argc,
              char        **argv)
{
  static const TmCliHelp help = {
    "rules remove",
    N_("NAME SITE"),
    N_("Removes your override for the cookie NAME on SITE."),
    NULL,
    NULL,
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autofree char *site = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  status = prepare (ctx, &help, 2, &argc, &argv, &store);
  if (status >= 0)
    return status;
  if (!tm_rules_store_remove_override (store, argv[1], argv[2], &error))
    return fail_with (help.command, error);
  site = tm_rules_normalize_site (argv[2], NULL);
  /* Translators: a cookie's name, then a site */
  g_print (_("Override removed: %s on %s."), argv[1], site);
  g_print ("\n");
  return TM_CLI_EXIT_OK;
}

static int
rules_remove_site (TmCliContext *ctx,
                   int           argc,
                   char        **argv)
{
  static const TmCliHelp help = {
    "rules remove-site",
    N_("SITE"),
    N_("Removes the exception that allows every cookie of SITE."),
    NULL,
    NULL,
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autofree char *site = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  status = prepare (ctx, &help, 1, &argc, &argv, &store);
  if (status >= 0)
    return status;
  if (!tm_rules_store_remove_exception (store, argv[1], &error))
    return fail_with (help.command, error);
  site = tm_rules_normalize_site (argv[1], NULL);
  /* Translators: %s is a site */
  g_print (_("Exception removed: cookies on %s follow your choice again."), site);
  g_print ("\n");
  return TM_CLI_EXIT_OK;
}

static int
rules_forget_database (TmCliContext *ctx,
                       int           argc,
                       char        **argv)
{
  static const TmCliHelp help = {
    "rules forget-database",
    N_("FILE"),
    N_("Forgets a cookie database imported from FILE (the file itself is left "
       "alone)."),
    NULL,
    NULL,
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  status = prepare (ctx, &help, 1, &argc, &argv, &store);
  if (status >= 0)
    return status;
  if (!tm_rules_store_forget_database (store, argv[1], &error))
    return fail_with (help.command, error);
  /* Translators: %s is a file */
  g_print (_("The cookie database imported from %s is forgotten."), argv[1]);
  g_print ("\n");
  return TM_CLI_EXIT_OK;
}

static const TmCliCommandInfo rules_commands[] = {
  { "import", N_("Import a cookie database (Open Cookie Database CSV)") },
  { "list", N_("List overrides, site exceptions and imported databases") },
  { "override", N_("Set the categories of a cookie on a site") },
  { "allow-site", N_("Allow every cookie of a site") },
  { "remove", N_("Remove an override") },
  { "remove-site", N_("Remove a site exception") },
  { "forget-database", N_("Forget an imported cookie database") },
  { NULL, NULL }
};

static const TmCliCommandFunc rules_funcs[] = {
  rules_import,
  rules_list,
  rules_override,
  rules_allow_site,
  rules_remove,
  rules_remove_site,
  rules_forget_database,
};

int
tm_cli_rules (TmCliContext *ctx,
              int           argc,
              char        **argv)
{
  static const TmCliHelp help = {
    "rules",
    N_("COMMAND [ARGUMENT…]"),
    N_("Your own word about cookies: overrides and site exceptions come before "
       "everything Témoin knows; imported cookie databases come after its built-in "
       "knowledge."),
    rules_commands,
    NULL,
  };

  return tm_cli_run_group (ctx, &help, rules_funcs, argc, argv);
}
