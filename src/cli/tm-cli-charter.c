/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `temoinctl charter show [--lang LANG]`: the cookie charter as plain text, in
 * any offered language whatever the process locale (read from the catalogue). */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n-lib.h>

#include "tm-charter.h"
#include "tm-cli.h"
#include "tm-i18n.h"

static int
charter_show (TmCliContext *ctx,
              int           argc,
              char        **argv)
{
  static const TmCliHelp help = {
    "charter show",
    N_("[--lang LANG]"),
    N_("Prints the cookie charter as plain text: paragraphs separated by blank lines, "
       "then the table of cookies, its cells separated by tabs. The French text is "
       "the binding original."),
    NULL,
    NULL,
  };
  g_autofree char *lang = NULL;
  GOptionEntry entries[] = {
    { "lang", 0, 0, G_OPTION_ARG_STRING, &lang,
      N_("Print the charter in LANG (for example fr or en); by default in the "
         "system's language when it is offered, else in English"), N_("LANG") },
    G_OPTION_ENTRY_NULL
  };
  g_autofree char *text = NULL;
  const char *language;
  int status;

  status = tm_cli_parse_arguments (&help, entries, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;

  language = lang != NULL ? lang : tm_i18n_get_default_language ();
  if (!tm_i18n_is_offered (language))
    {
      g_autofree char *offered = g_strjoinv (", ", (char **) tm_i18n_get_languages ());

      /* Translators: the first %s is a language code, the second a list of them. */
      return tm_cli_usage_error (help.command,
                                 _("The language '%s' is not offered. Offered "
                                   "languages: %s."), language, offered);
    }

  text = tm_charter_render_text (tm_i18n_get_catalog (language));
  fputs (text, stdout);
  if (!g_str_has_suffix (text, "\n"))
    fputc ('\n', stdout);
  return TM_CLI_EXIT_OK;
}

static const TmCliCommandInfo charter_commands[] = {
  { "show", N_("Print the charter as plain text") },
  { NULL, NULL }
};

static const TmCliCommandFunc charter_funcs[] = {
  charter_show,
};

/**
 * tm_cli_charter:
 * @ctx: the global options
 * @argc: the number of arguments
 * @argv: "charter" and its arguments
 *
 * `temoinctl charter show`.
 *
 * Returns: the exit status
 */
int
tm_cli_charter (TmCliContext *ctx,
                int           argc,
                char        **argv)
{
  static const TmCliHelp help = {
    "charter",
    N_("COMMAND [ARGUMENT…]"),
    N_("The cookie charter of the portal do101mtl.opendatasoft.com, in French (the "
       "binding original) and in every offered translation."),
    charter_commands,
    NULL,
  };

  return tm_cli_run_group (ctx, &help, charter_funcs, argc, argv);
}
