/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `temoinctl bypass list|add|remove`: the hosts HTTPS inspection never touches,
 * kept in the https-bypass setting (tm-bypass.h). */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-bypass.h"
#include "tm-cli.h"
#include "tm-json.h"
#include "tm-settings.h"

static const char entry_forms[] =
  N_("An entry is a host name (bank.example), a domain with all its subdomains "
     "(*.bank.example) or an IP address (192.0.2.1, ::1).");

static int
write_list (TmConsentStore      *store,
            const char * const  *entries)
{
  g_autoptr(GError) error = NULL;

  if (!tm_bypass_save (store, entries, &error))
    return tm_cli_fail_unchanged (_("Cannot save the bypass list in %s: %s"),
                        tm_consent_store_get_path (store), error->message);
  return TM_CLI_EXIT_OK;
}

static int
bypass_list (TmCliContext *ctx,
             int           argc,
             char        **argv)
{
  static const TmCliHelp help = {
    "bypass list",
    N_("[--json]"),
    N_("Prints the hosts whose HTTPS is never inspected, one a line, sorted."),
    NULL,
    entry_forms,
  };
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    TM_CLI_JSON_ENTRY (&json),
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_auto(GStrv) list = NULL;
  int status;

  status = tm_cli_parse_arguments (&help, entries, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;

  store = tm_cli_read_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;
  list = tm_bypass_load (store);

  if (json)
    {
      TmJsonWriter *writer = tm_json_writer_new (TRUE);

      tm_json_writer_begin_array (writer);
      for (guint i = 0; list[i] != NULL; i++)
        tm_json_writer_string (writer, list[i]);
      tm_json_writer_end_array (writer);
      tm_cli_print_json (writer);
    }
  else
    for (guint i = 0; list[i] != NULL; i++)
      g_print ("%s\n", list[i]);
  return TM_CLI_EXIT_OK;
}

/* The options, then the HOST arguments, normalized; a usage error names the first
 * invalid one. */
static GPtrArray *
parse_hosts (const TmCliHelp  *help,
             int               argc,
             char            **argv,
             int              *status)
{
  g_autoptr(GPtrArray) hosts = g_ptr_array_new_with_free_func (g_free);

  *status = tm_cli_parse_arguments (help, NULL, 1, -1, _("Say which host."), &argc, &argv);
  if (*status >= 0)
    return NULL;
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;
      char *entry = tm_bypass_normalize_entry (argv[i], &error);

      if (entry == NULL)
        {
          *status = tm_cli_usage_error (help->command, "%s", error->message);
          return NULL;
        }
      g_ptr_array_add (hosts, entry);
    }
  return g_steal_pointer (&hosts);
}

static int
bypass_add (TmCliContext *ctx,
            int           argc,
            char        **argv)
{
  static const TmCliHelp help = {
    "bypass add",
    N_("HOST…"),
    N_("Adds hosts that the proxy must tunnel without inspecting their HTTPS, such as "
       "your bank or an application that pins its certificates. Adding a host that is "
       "already there changes nothing."),
    NULL,
    entry_forms,
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(GPtrArray) hosts = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;
  g_auto(GStrv) updated = NULL;
  int status;

  hosts = parse_hosts (&help, argc, argv, &status);
  if (hosts == NULL)
    return status;

  store = tm_cli_open_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;
  list = tm_bypass_load (store);
  g_strv_builder_addv (builder, (const char **) list);
  for (guint i = 0; i < hosts->len; i++)
    g_strv_builder_add (builder, hosts->pdata[i]);
  updated = g_strv_builder_end (builder);
  return write_list (store, (const char * const *) updated);
}

static int
bypass_remove (TmCliContext *ctx,
               int           argc,
               char        **argv)
{
  static const TmCliHelp help = {
    "bypass remove",
    N_("HOST…"),
    N_("Removes entries from the bypass list, exactly as 'temoinctl bypass list' shows "
       "them. Exits with status 1, changing nothing, when one is not on the list."),
    NULL,
    entry_forms,
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(GPtrArray) hosts = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) list = NULL;
  g_auto(GStrv) updated = NULL;
  int status;

  hosts = parse_hosts (&help, argc, argv, &status);
  if (hosts == NULL)
    return status;

  store = tm_cli_open_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;
  list = tm_bypass_load (store);

  for (guint i = 0; i < hosts->len; i++)
    if (!g_strv_contains ((const char * const *) list, hosts->pdata[i]))
      {
        const char *host = hosts->pdata[i];

        if (tm_bypass_matches ((const char * const *) list, host))
          return tm_cli_fail (_("“%s” is not on the bypass list itself, but another "
                                "entry covers it. Run 'temoinctl bypass list' to see "
                                "the entries."), host);
        return tm_cli_fail (_("“%s” is not on the bypass list. Run 'temoinctl bypass "
                              "list' to see the entries."), host);
      }

  for (guint i = 0; list[i] != NULL; i++)
    {
      gboolean removed = FALSE;

      for (guint j = 0; j < hosts->len && !removed; j++)
        removed = g_str_equal (list[i], hosts->pdata[j]);
      if (!removed)
        g_strv_builder_add (builder, list[i]);
    }
  updated = g_strv_builder_end (builder);
  return write_list (store, (const char * const *) updated);
}

static const TmCliCommandInfo bypass_commands[] = {
  { "list", N_("Print the hosts whose HTTPS is never inspected") },
  { "add", N_("Add hosts to the list") },
  { "remove", N_("Remove hosts from the list") },
  { NULL, NULL }
};

static const TmCliCommandFunc bypass_funcs[] = {
  bypass_list,
  bypass_add,
  bypass_remove,
};

/**
 * tm_cli_bypass:
 * @ctx: the global options
 * @argc: the number of arguments
 * @argv: "bypass" and its arguments
 *
 * `temoinctl bypass list|add|remove`.
 *
 * Returns: the exit status
 */
int
tm_cli_bypass (TmCliContext *ctx,
               int           argc,
               char        **argv)
{
  static const TmCliHelp help = {
    "bypass",
    N_("COMMAND [ARGUMENT…]"),
    N_("The hosts that HTTPS inspection leaves alone: the proxy tunnels them without "
       "looking inside, so their cookies are not filtered. The list starts with "
       "services that refuse any certificate but their own."),
    bypass_commands,
    entry_forms,
  };

  return tm_cli_run_group (ctx, &help, bypass_funcs, argc, argv);
}
