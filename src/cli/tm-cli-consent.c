/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `temoinctl consent show|set|history`: the choice of cookies, over the same
 * store as the app. JSON output is stable and never translated; the readable
 * summaries are. */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n-lib.h>

#include "tm-charter.h"
#include "tm-cli.h"
#include "tm-consent-store.h"
#include "tm-consent.h"
#include "tm-i18n.h"
#include "tm-json.h"
#include "tm-settings.h"

static const char *
method_label (TmConsentMethod method)
{
  switch (method)
    {
    case TM_CONSENT_METHOD_ACCEPT_ALL:
      /* Translators: how a choice was given (the "Accept all" button). */
      return _("Accept all");
    case TM_CONSENT_METHOD_REJECT_ALL:
      /* Translators: how a choice was given (the "Reject all" button). */
      return _("Reject all");
    case TM_CONSENT_METHOD_CUSTOM:
    default:
      /* Translators: how a choice was given: category by category. */
      return _("Custom choice");
    }
}

/* "2026-11-29 10:00:00 UTC": unambiguous in every language. */
static char *
format_time (GDateTime *time)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (time);

  return g_date_time_format (utc, "%Y-%m-%d %H:%M:%S UTC");
}

/* Appends @text and pads it with spaces to @width characters. */
static void
append_padded (GString    *out,
               const char *text,
               glong       width)
{
  g_string_append (out, text);
  for (glong i = g_utf8_strlen (text, -1); i < width; i++)
    g_string_append_c (out, ' ');
}

static void
print_consent_json (TmConsent *consent,
                    gboolean   outdated)
{
  TmJsonWriter *writer = tm_json_writer_new (TRUE);

  tm_consent_write_json (consent, writer, TRUE, outdated);
  tm_cli_print_json (writer);
}

static void
print_consent_human (TmConsentStore *store,
                     TmConsent      *consent,
                     gboolean        outdated)
{
  g_autoptr(GString) out = g_string_new (NULL);
  const char *current_revision = tm_charter_get_revision ();
  glong width = 0;

  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    width = MAX (width, g_utf8_strlen (tm_category_get_title (c), -1));

  g_string_append_printf (out, "%s\n", _("Your choice of cookies:"));
  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    {
      /* The id is what `consent set` takes. */
      g_string_append (out, "  ");
      append_padded (out, tm_category_get_title (c), width + 2);
      append_padded (out, tm_category_to_id (c), 13);
      if (c == TM_CATEGORY_NECESSARY)
        g_string_append (out, _("accepted (always: sites cannot work without them)"));
      else if (tm_consent_accepts (consent, c))
        g_string_append (out, _("accepted"));
      else
        g_string_append (out, _("refused"));
      g_string_append_c (out, '\n');
    }
  g_string_append_c (out, '\n');

  if (!tm_consent_is_saved (consent))
    {
      g_string_append_printf (out, "%s\n",
                              _("No choice saved yet: only necessary cookies are accepted."));
      g_string_append_printf (out, "%s\n",
                              _("Choose with 'temoinctl consent set' or in the Témoin app."));
    }
  else
    {
      g_autofree char *when = format_time (tm_consent_get_given_at (consent));

      /* Translators: %s is a date and time, as in "2026-11-29 10:00:00 UTC". */
      g_string_append_printf (out, _("Saved: %s"), when);
      g_string_append_c (out, '\n');
      /* Translators: %s is how the choice was given: "Accept all", "Reject all" or
       * "Custom choice". */
      g_string_append_printf (out, _("Given with: %s"),
                              method_label (tm_consent_get_method (consent)));
      g_string_append_c (out, '\n');
      /* Translators: %s is a language code, as in "fr". */
      g_string_append_printf (out, _("Language of the charter shown: %s"),
                              tm_consent_get_language (consent));
      g_string_append_c (out, '\n');
      /* Translators: %s is the charter's revision, a long hexadecimal hash. */
      g_string_append_printf (out, _("Charter revision: %s"),
                              tm_consent_get_revision (consent));
      g_string_append_c (out, '\n');
      /* Translators: %s is a long hexadecimal identifier. */
      g_string_append_printf (out, _("Consent id: %s"), tm_consent_get_id (consent));
      g_string_append_c (out, '\n');

      if (outdated)
        {
          g_string_append_c (out, '\n');
          if (g_strcmp0 (tm_consent_get_revision (consent), current_revision) != 0)
            g_string_append_printf (out, "%s\n",
                                    _("This choice is outdated: the charter changed since "
                                      "it was given."));
          else
            {
              gint64 months = tm_consent_store_get_setting_int (store,
                                                                TM_SETTING_REASK_INTERVAL);

              g_string_append_printf (out,
                                      g_dngettext (GETTEXT_PACKAGE,
                                                   "This choice is outdated: it is older "
                                                   "than %d month.",
                                                   "This choice is outdated: it is older "
                                                   "than %d months.",
                                                   (gulong) months),
                                      (int) months);
              g_string_append_c (out, '\n');
            }
          g_string_append_printf (out, "%s\n",
                                  _("It keeps applying until you choose again: run "
                                    "'temoinctl consent set' or open the Témoin app."));
        }
    }

  fputs (out->str, stdout);
}

static void
print_consent (TmConsentStore *store,
               TmConsent      *consent,
               gboolean        json)
{
  gboolean outdated = tm_consent_store_is_outdated (store, consent,
                                                    tm_charter_get_revision (), NULL);

  if (json && !tm_consent_is_saved (consent))
    {
      /* The defaults apply under the current charter: the JSON leaves only
       * consent_id, given_at, method and language null. */
      g_autoptr(TmConsent) defaults = NULL;

      defaults = tm_consent_new (NULL, NULL, tm_charter_get_revision (), NULL,
                                 tm_consent_get_method (consent),
                                 tm_consent_get_categories (consent));
      print_consent_json (defaults, outdated);
    }
  else if (json)
    print_consent_json (consent, outdated);
  else
    print_consent_human (store, consent, outdated);
}

static int
consent_show (TmCliContext *ctx,
              int           argc,
              char        **argv)
{
  static const TmCliHelp help = {
    "consent show",
    N_("[--json]"),
    N_("Prints the choice of cookies that applies now: each category accepted or "
       "refused, when and how it was given, and whether it is outdated. With no "
       "saved choice, the defaults apply: only necessary cookies."),
    NULL,
    NULL,
  };
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    TM_CLI_JSON_ENTRY (&json),
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(TmConsent) consent = NULL;
  int status;

  status = tm_cli_parse_arguments (&help, entries, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;

  store = tm_cli_read_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;

  consent = tm_consent_store_dup_current (store);
  if (tm_consent_store_is_current_damaged (store))
    {
      g_printerr ("temoinctl: ");
      g_printerr (_("The last choice saved in %s is damaged (a value out of range) and "
                    "cannot be read: only necessary cookies are accepted until you "
                    "choose again with 'temoinctl consent set'."),
                  tm_consent_store_get_path (store));
      g_printerr ("\n");
    }
  print_consent (store, consent, json);
  return TM_CLI_EXIT_OK;
}

static int
consent_set (TmCliContext *ctx,
             int           argc,
             char        **argv)
{
  static const TmCliHelp help = {
    "consent set",
    N_("[--json] CATEGORY=on|off…\n"
       "[--json] --accept-all\n"
       "[--json] --reject-all"),
    N_("Saves a new choice of cookies and prints it as 'temoinctl consent show' does. "
       "Categories not named keep their saved value. Every save is added to the "
       "history."),
    NULL,
    N_("Categories: necessary (always on), statistics, first-party, third-party.\n"
       "Values: on or off (yes/no, true/false and 1/0 work too)."),
  };
  gboolean json = FALSE;
  gboolean accept_all = FALSE;
  gboolean reject_all = FALSE;
  GOptionEntry entries[] = {
    { "accept-all", 0, 0, G_OPTION_ARG_NONE, &accept_all,
      N_("Accept every category"), NULL },
    { "reject-all", 0, 0, G_OPTION_ARG_NONE, &reject_all,
      N_("Refuse every category but the necessary one"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the new choice as JSON"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(TmConsent) current = NULL;
  g_autoptr(TmConsent) saved = NULL;
  g_autoptr(GError) error = NULL;
  TmConsentMethod method;
  TmCategories set_on = 0, set_off = 0;
  TmCategories categories;
  int status;

  status = tm_cli_parse_options (&help, entries, FALSE, &argc, &argv);
  if (status >= 0)
    return status;

  if (accept_all && reject_all)
    return tm_cli_usage_error (help.command, "%s",
                               _("--accept-all and --reject-all cannot be combined."));
  if ((accept_all || reject_all) && argc > 1)
    return tm_cli_usage_error (help.command,
                               _("--accept-all and --reject-all cannot be combined with "
                                 "CATEGORY=on|off (here '%s')."), argv[1]);
  if (!accept_all && !reject_all && argc < 2)
    return tm_cli_usage_error (help.command, "%s",
                               _("Say what to save: CATEGORY=on|off…, --accept-all or "
                                 "--reject-all."));

  /* Check every pair before touching the store: a bad one saves nothing. */
  status = tm_cli_parse_category_switches (help.command, (const char * const *) argv + 1,
                                           argc - 1, &set_on, &set_off);
  if (status >= 0)
    return status;

  store = tm_cli_open_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;

  if (accept_all)
    {
      method = TM_CONSENT_METHOD_ACCEPT_ALL;
      categories = TM_CATEGORIES_ALL;
    }
  else if (reject_all)
    {
      method = TM_CONSENT_METHOD_REJECT_ALL;
      categories = TM_CATEGORIES_DEFAULT;
    }
  else
    {
      current = tm_consent_store_dup_current (store);
      method = TM_CONSENT_METHOD_CUSTOM;
      categories = (tm_consent_get_categories (current) | set_on) & ~set_off;
    }
  categories |= TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);

  saved = tm_consent_store_save (store, categories, method, tm_i18n_get_language (),
                                 tm_charter_get_revision (), &error);
  if (saved == NULL)
    return tm_cli_fail_unchanged (_("Cannot save the choice in %s: %s"),
                        tm_consent_store_get_path (store), error->message);

  print_consent (store, saved, json);
  return TM_CLI_EXIT_OK;
}

static void
print_history_json (GPtrArray *history)
{
  TmJsonWriter *writer = tm_json_writer_new (TRUE);

  tm_json_writer_begin_array (writer);
  for (guint i = 0; i < history->len; i++)
    tm_consent_write_json (g_ptr_array_index (history, i), writer, FALSE, FALSE);
  tm_json_writer_end_array (writer);
  tm_cli_print_json (writer);
}

static void
print_history_human (GPtrArray *history,
                     guint      n_damaged)
{
  g_autoptr(GString) out = g_string_new (NULL);

  /* Damaged choices were saved: they are told about after the list. */
  if (history->len == 0 && n_damaged == 0)
    {
      g_print ("%s\n", _("No choice saved yet."));
      return;
    }

  for (guint i = 0; i < history->len; i++)
    {
      TmConsent *consent = g_ptr_array_index (history, i);
      g_autofree char *when = format_time (tm_consent_get_given_at (consent));
      g_autoptr(GString) accepted = g_string_new (NULL);
      g_autofree char *revision = g_strndup (tm_consent_get_revision (consent), 12);

      for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
        if (tm_consent_accepts (consent, c))
          g_string_append_printf (accepted, "%s%s", accepted->len ? ", " : "",
                                  tm_category_to_id (c));

      /* Translators: one line of `temoinctl consent history`: the date, how the
       * choice was given, the categories accepted (their ids), the language, the
       * start of the charter revision and the consent id. */
      g_string_append_printf (out, _("%s  %s: %s (language %s, revision %s, id %s)"),
                              when, method_label (tm_consent_get_method (consent)),
                              accepted->str, tm_consent_get_language (consent),
                              revision, tm_consent_get_id (consent));
      g_string_append_c (out, '\n');
    }
  fputs (out->str, stdout);
}

static int
consent_history (TmCliContext *ctx,
                 int           argc,
                 char        **argv)
{
  static const TmCliHelp help = {
    "consent history",
    N_("[--json]\n"
       "--erase --yes"),
    N_("Lists every saved choice, newest first, or erases them all. After erasing, "
       "the defaults apply again (only necessary cookies) until a new choice is saved."),
    NULL,
    NULL,
  };
  gboolean json = FALSE;
  gboolean erase = FALSE;
  gboolean yes = FALSE;
  GOptionEntry entries[] = {
    TM_CLI_JSON_ENTRY (&json),
    { "erase", 0, 0, G_OPTION_ARG_NONE, &erase,
      N_("Erase the whole history (needs --yes)"), NULL },
    { "yes", 0, 0, G_OPTION_ARG_NONE, &yes,
      N_("Confirm --erase"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  status = tm_cli_parse_arguments (&help, entries, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;

  if (yes && !erase)
    return tm_cli_usage_error (help.command, "%s", _("--yes only confirms --erase."));
  if (erase && json)
    return tm_cli_usage_error (help.command, "%s",
                               _("--erase cannot be combined with --json."));
  /* No prompt: scripts and CI have no terminal to answer it. */
  if (erase && !yes)
    return tm_cli_usage_error (help.command, "%s",
                               _("Erasing the history cannot be undone: add --yes to "
                                 "confirm."));

  /* Only erasing writes. */
  store = erase ? tm_cli_open_consent_store (ctx) : tm_cli_read_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;

  if (erase)
    {
      if (!tm_consent_store_erase_history (store, &error))
        return tm_cli_fail_unchanged (_("Cannot erase the history in %s: %s"),
                            tm_consent_store_get_path (store), error->message);
      g_printerr ("%s\n", _("The history of your choices was erased: only necessary "
                            "cookies are accepted until you choose again."));
      return TM_CLI_EXIT_OK;
    }

  history = tm_consent_store_list_history (store, &error);
  if (history == NULL)
    return tm_cli_fail (_("Cannot read the history in %s: %s"),
                        tm_consent_store_get_path (store), error->message);

  if (json)
    print_history_json (history);
  else
    print_history_human (history, tm_consent_store_get_n_damaged (store));

  if (tm_consent_store_get_n_damaged (store) > 0)
    {
      guint n = tm_consent_store_get_n_damaged (store);

      g_printerr ("temoinctl: ");
      g_printerr (g_dngettext (GETTEXT_PACKAGE,
                               "%u saved choice in %s is damaged (a value out of range) "
                               "and was left out.",
                               "%u saved choices in %s are damaged (a value out of range) "
                               "and were left out.", n),
                  n, tm_consent_store_get_path (store));
      g_printerr ("\n");
    }
  return TM_CLI_EXIT_OK;
}

static const TmCliCommandInfo consent_commands[] = {
  { "show", N_("Print the choice that applies now") },
  { "set", N_("Save a new choice") },
  { "history", N_("List or erase the saved choices") },
  { NULL, NULL }
};

static const TmCliCommandFunc consent_funcs[] = {
  consent_show,
  consent_set,
  consent_history,
};

/**
 * tm_cli_consent:
 * @ctx: the global options
 * @argc: the number of arguments
 * @argv: "consent" and its arguments
 *
 * `temoinctl consent show|set|history`.
 *
 * Returns: the exit status
 */
int
tm_cli_consent (TmCliContext *ctx,
                int           argc,
                char        **argv)
{
  static const TmCliHelp help = {
    "consent",
    N_("COMMAND [ARGUMENT…]"),
    N_("Your choice of cookies, stored with the app's: the proxy applies it."),
    consent_commands,
    NULL,
  };

  return tm_cli_run_group (ctx, &help, consent_funcs, argc, argv);
}
