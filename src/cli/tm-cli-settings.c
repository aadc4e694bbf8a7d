/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `temoinctl settings get|set|list`: the settings every face shares, kept in the
 * consent database (never in GSettings), validated by tm_settings_normalize(). */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n-lib.h>

#include "tm-cli.h"
#include "tm-consent-store.h"
#include "tm-json.h"
#include "tm-settings.h"

static char *
list_keys (void)
{
  g_autoptr(GString) keys = g_string_new (NULL);
  const TmSettingInfo *infos;
  gsize n;

  infos = tm_settings_list (&n);
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (keys, "%s%s", i > 0 ? ", " : "", infos[i].key);
  return g_string_free (g_steal_pointer (&keys), FALSE);
}

static int
unknown_key (const char *command,
             const char *key)
{
  g_autofree char *keys = list_keys ();

  /* Translators: the first %s is what the user typed, the second a list of keys. */
  return tm_cli_usage_error (command, _("Unknown setting '%s'. The settings are: %s."),
                             key, keys);
}

static const char settings_footer[] =
  N_("Run 'temoinctl settings list' to see every setting and its value.");

static int
settings_get (TmCliContext *ctx,
              int           argc,
              char        **argv)
{
  static const TmCliHelp help = {
    "settings get",
    N_("KEY"),
    N_("Prints the value of a setting (its default when it was never set)."),
    NULL,
    settings_footer,
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autofree char *value = NULL;
  int status;

  status = tm_cli_parse_arguments (&help, NULL, 1, 1, _("Say which setting to print."),
                                   &argc, &argv);
  if (status >= 0)
    return status;
  if (tm_settings_lookup (argv[1]) == NULL)
    return unknown_key (help.command, argv[1]);

  store = tm_cli_read_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;

  value = tm_consent_store_get_setting (store, argv[1]);
  g_print ("%s\n", value);
  return TM_CLI_EXIT_OK;
}

static int
settings_set (TmCliContext *ctx,
              int           argc,
              char        **argv)
{
  static const TmCliHelp help = {
    "settings set",
    N_("KEY VALUE"),
    N_("Changes a setting for the app, temoinctl and the proxy at once. Numbers are "
       "written in decimal, switches as on or off (true/false, yes/no and 1/0 work "
       "too). A value starting with '-' goes after '--'."),
    NULL,
    settings_footer,
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = NULL;
  int status;

  status = tm_cli_parse_arguments (&help, NULL, 2, 2,
                                   _("Say which setting to change and its new value."),
                                   &argc, &argv);
  if (status >= 0)
    return status;
  if (tm_settings_lookup (argv[1]) == NULL)
    return unknown_key (help.command, argv[1]);

  /* Bad values are a usage error, found before the database is even opened. */
  normalized = tm_settings_normalize (argv[1], argv[2], &error);
  if (normalized == NULL)
    return tm_cli_usage_error (help.command, "%s", error->message);

  store = tm_cli_open_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;

  if (!tm_consent_store_set_setting (store, argv[1], normalized, &error))
    {
      if (error->domain == TM_SETTINGS_ERROR)
        return tm_cli_usage_error (help.command, "%s", error->message);
      return tm_cli_fail_unchanged (_("Cannot save the setting in %s: %s"),
                          tm_consent_store_get_path (store), error->message);
    }
  return TM_CLI_EXIT_OK;
}

static int
settings_list (TmCliContext *ctx,
               int           argc,
               char        **argv)
{
  static const TmCliHelp help = {
    "settings list",
    N_("[--json]"),
    N_("Prints every setting as KEY = VALUE, marking those at their default value. "
       "In JSON, numbers are numbers and switches are true or false."),
    NULL,
    NULL,
  };
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    TM_CLI_JSON_ENTRY (&json),
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  TmJsonWriter *writer = NULL;
  const TmSettingInfo *infos;
  gsize n;
  int status;

  status = tm_cli_parse_arguments (&help, entries, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;

  store = tm_cli_read_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;

  infos = tm_settings_list (&n);
  if (json)
    {
      writer = tm_json_writer_new (TRUE);
      tm_json_writer_begin_object (writer);
    }

  for (gsize i = 0; i < n; i++)
    {
      const TmSettingInfo *info = &infos[i];
      g_autofree char *value = tm_consent_store_get_setting (store, info->key);

      if (json)
        {
          tm_json_writer_member (writer, info->key);
          switch (info->type)
            {
            case TM_SETTING_TYPE_INT:
              tm_json_writer_int (writer, g_ascii_strtoll (value, NULL, 10));
              break;
            case TM_SETTING_TYPE_BOOLEAN:
              tm_json_writer_boolean (writer, g_str_equal (value, "true"));
              break;
            case TM_SETTING_TYPE_STRING:
            default:
              tm_json_writer_string (writer, value);
              break;
            }
        }
      else
        {
          g_string_append_printf (out, "%s = %s", info->key, value);
          if (g_strcmp0 (value, info->default_value) == 0)
            {
              g_string_append_c (out, ' ');
              /* Translators: after "KEY = VALUE" when VALUE is the default. */
              g_string_append (out, _("(default)"));
            }
          g_string_append_c (out, '\n');
        }
    }

  if (json)
    {
      tm_json_writer_end_object (writer);
      tm_cli_print_json (writer);
    }
  else
    fputs (out->str, stdout);
  return TM_CLI_EXIT_OK;
}

static const TmCliCommandInfo settings_commands[] = {
  { "get", N_("Print the value of a setting") },
  { "set", N_("Change a setting") },
  { "list", N_("Print every setting and its value") },
  { NULL, NULL }
};

static const TmCliCommandFunc settings_funcs[] = {
  settings_get,
  settings_set,
  settings_list,
};

/**
 * tm_cli_settings:
 * @ctx: the global options
 * @argc: the number of arguments
 * @argv: "settings" and its arguments
 *
 * `temoinctl settings get|set|list`.
 *
 * Returns: the exit status
 */
int
tm_cli_settings (TmCliContext *ctx,
                 int           argc,
                 char        **argv)
{
  static const TmCliHelp help = {
    "settings",
    N_("COMMAND [ARGUMENT…]"),
    N_("The settings shared by the app, temoinctl and the proxy, kept with your "
       "choice of cookies."),
    settings_commands,
    NULL,
  };

  return tm_cli_run_group (ctx, &help, settings_funcs, argc, argv);
}
