/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `temoinctl ca show|export|regenerate|delete`: Témoin's local certificate
 * authority for HTTPS inspection (tm-ca.h). The key never leaves the data
 * directory: no command prints it. */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n-lib.h>

#include "tm-ca.h"
#include "tm-cli.h"
#include "tm-json.h"
#include "tm-settings.h"

static const char how_to_create[] =
  N_("Run 'temoinctl ca export' to create one, or turn HTTPS inspection on with "
     "'temoinctl settings set https-inspection on'.");

/* ISO 8601 UTC, to the second. (transfer full) */
static char *
format_date (GDateTime *date)
{
  return g_date_time_format (date, "%Y-%m-%dT%H:%M:%SZ");
}

/* Says on stderr why @error happened and what to do; returns the exit status. */
static int
fail_with (const GError *error)
{
  if (g_error_matches (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND))
    return tm_cli_fail ("%s %s", _("There is no certificate authority yet."),
                        _(how_to_create));
  return tm_cli_fail ("%s", error->message);
}

static int
ca_show (TmCliContext *ctx,
         int           argc,
         char        **argv)
{
  static const TmCliHelp help = {
    "ca show",
    N_("[--json]"),
    N_("Prints the name of Témoin's certificate authority, its SHA-256 fingerprint "
       "(compare it with what your browser shows) and its validity. Exits with "
       "status 1 when there is none yet."),
    NULL,
    NULL,
  };
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    TM_CLI_JSON_ENTRY (&json),
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = NULL;
  g_autoptr(GDateTime) not_before = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *from = NULL;
  g_autofree char *until = NULL;
  g_autofree char *path = NULL;
  int status;

  status = tm_cli_parse_arguments (&help, entries, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;

  /* Showing creates nothing. */
  dir = tm_cli_find_data_dir (ctx);
  if (dir == NULL)
    return TM_CLI_EXIT_FAILURE;
  ca = tm_ca_load (dir, &error);
  if (ca == NULL)
    return fail_with (error);

  subject = tm_ca_get_subject (ca);
  fingerprint = tm_ca_get_fingerprint (ca);
  if (subject == NULL || fingerprint == NULL ||
      !tm_ca_get_validity (ca, &not_before, &not_after))
    return tm_cli_fail ("%s %s", _("The certificate authority was deleted meanwhile."),
                        _(how_to_create));
  from = format_date (not_before);
  until = format_date (not_after);
  path = g_build_filename (dir, TM_CA_CERT_FILENAME, NULL);

  if (json)
    {
      TmJsonWriter *writer = tm_json_writer_new (TRUE);

      tm_json_writer_begin_object (writer);
      tm_json_writer_member (writer, "name");
      tm_json_writer_string (writer, subject);
      tm_json_writer_member (writer, "sha256");
      tm_json_writer_string (writer, fingerprint);
      tm_json_writer_member (writer, "not_before");
      tm_json_writer_string (writer, from);
      tm_json_writer_member (writer, "not_after");
      tm_json_writer_string (writer, until);
      tm_json_writer_member (writer, "certificate");
      tm_json_writer_string (writer, path);
      tm_json_writer_end_object (writer);
      tm_cli_print_json (writer);
      return TM_CLI_EXIT_OK;
    }

  /* Translators: the labels of `temoinctl ca show`, each followed by a value. */
  g_print ("%s %s\n", _("Name:"), subject);
  g_print ("%s %s\n", _("SHA-256 fingerprint:"), fingerprint);
  g_print ("%s %s\n", _("Valid from:"), from);
  g_print ("%s %s\n", _("Valid until:"), until);
  g_print ("%s %s\n", _("Certificate:"), path);
  return TM_CLI_EXIT_OK;
}

static int
ca_export (TmCliContext *ctx,
           int           argc,
           char        **argv)
{
  static const TmCliHelp help = {
    "ca export",
    "[--help]",   /* no arguments; not translated */
    N_("Prints the certificate of Témoin's certificate authority in PEM on standard "
       "output, creating the authority first if there is none. Install it in your "
       "browser to let it trust the proxy's HTTPS inspection. The private key is "
       "never printed."),
    NULL,
    NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *pem = NULL;
  gboolean existed;
  int status;

  status = tm_cli_parse_arguments (&help, NULL, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;

  dir = tm_cli_resolve_data_dir (ctx);
  if (dir == NULL)
    return TM_CLI_EXIT_FAILURE;

  {
    g_autoptr(TmCa) probe = tm_ca_load (dir, NULL);

    existed = probe != NULL;
  }
  ca = tm_ca_load_or_create (dir, &error);
  if (ca == NULL)
    return fail_with (error);
  pem = tm_ca_export_pem (ca, &error);
  if (pem == NULL)
    return fail_with (error);

  if (!existed)
    {
      g_autofree char *subject = tm_ca_get_subject (ca);
      g_autofree char *fingerprint = tm_ca_get_fingerprint (ca);

      g_printerr ("temoinctl: ");
      /* Translators: the first %s is the CA's name, the second its fingerprint. */
      g_printerr (_("Created the certificate authority “%s” (SHA-256 %s)."), subject,
                  fingerprint);
      g_printerr ("\n");
    }

  fputs (pem, stdout);
  fflush (stdout);
  return TM_CLI_EXIT_OK;
}

static int
ca_regenerate (TmCliContext *ctx,
               int           argc,
               char        **argv)
{
  static const TmCliHelp help = {
    "ca regenerate",
    "[--help]",   /* no arguments; not translated */
    N_("Replaces Témoin's certificate authority with a new key and certificate, and "
       "drops every certificate made with the old one. Browsers must then be given "
       "the new certificate ('temoinctl ca export'); remove the old one from them. A "
       "running proxy uses the new one within a second."),
    NULL,
    NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *subject = NULL;
  g_autofree char *fingerprint = NULL;
  int status;

  status = tm_cli_parse_arguments (&help, NULL, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;

  dir = tm_cli_resolve_data_dir (ctx);
  if (dir == NULL)
    return TM_CLI_EXIT_FAILURE;

  ca = tm_ca_new (dir);
  if (!tm_ca_regenerate (ca, &error))
    return fail_with (error);

  subject = tm_ca_get_subject (ca);
  fingerprint = tm_ca_get_fingerprint (ca);
  g_print ("%s %s\n", _("Name:"), subject);
  g_print ("%s %s\n", _("SHA-256 fingerprint:"), fingerprint);
  g_printerr ("temoinctl: %s\n",
              _("Install the new certificate ('temoinctl ca export') where you installed "
                "the old one, and remove the old one there."));
  return TM_CLI_EXIT_OK;
}

static int
ca_delete (TmCliContext *ctx,
           int           argc,
           char        **argv)
{
  static const TmCliHelp help = {
    "ca delete",
    "[--help]",   /* no arguments; not translated */
    N_("Deletes Témoin's certificate authority: its key, its certificate and every "
       "certificate made with it. HTTPS inspection is turned off too, since it needs "
       "one. Remove the certificate from the browsers that trust it as well. Exits "
       "with status 1 when there is none."),
    NULL,
    NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = NULL;
  g_autoptr(TmConsentStore) store = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *subject = NULL;
  int status;

  status = tm_cli_parse_arguments (&help, NULL, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;

  dir = tm_cli_resolve_data_dir (ctx);
  if (dir == NULL)
    return TM_CLI_EXIT_FAILURE;

  ca = tm_ca_new (dir);
  subject = tm_ca_get_subject (ca);   /* NULL when damaged: deleted all the same */
  if (!tm_ca_delete (ca, &error))
    {
      if (g_error_matches (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND))
        return tm_cli_fail ("%s", _("There is no certificate authority to delete."));
      return tm_cli_fail ("%s", error->message);
    }

  /* Inspecting without a CA would make a new one nobody trusts yet. */
  store = tm_cli_open_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;
  if (tm_consent_store_get_setting_bool (store, TM_SETTING_HTTPS_INSPECTION))
    {
      if (!tm_consent_store_set_setting (store, TM_SETTING_HTTPS_INSPECTION, "false", &error))
        return tm_cli_fail (_("The certificate authority was deleted, but HTTPS inspection "
                              "could not be turned off: %s. Run 'temoinctl settings set "
                              "https-inspection off'."), error->message);
      g_printerr ("temoinctl: %s\n", _("HTTPS inspection is now off."));
    }

  g_printerr ("temoinctl: ");
  if (subject != NULL)
    /* Translators: %s is the name of the deleted certificate authority. */
    g_printerr (_("Deleted. Remove “%s” from the browsers and systems that trust it."),
                subject);
  else
    g_printerr ("%s", _("Deleted. Remove Témoin's certificate from the browsers and "
                        "systems that trust it."));
  g_printerr ("\n");
  return TM_CLI_EXIT_OK;
}

static const TmCliCommandInfo ca_commands[] = {
  { "show", N_("Print the certificate authority's name, fingerprint and validity") },
  { "export", N_("Print its certificate (PEM), creating it if needed") },
  { "regenerate", N_("Replace it with a new one") },
  { "delete", N_("Delete it, with every certificate it made") },
  { NULL, NULL }
};

static const TmCliCommandFunc ca_funcs[] = {
  ca_show,
  ca_export,
  ca_regenerate,
  ca_delete,
};

/**
 * tm_cli_ca:
 * @ctx: the global options
 * @argc: the number of arguments
 * @argv: "ca" and its arguments
 *
 * `temoinctl ca show|export|regenerate|delete`.
 *
 * Returns: the exit status
 */
int
tm_cli_ca (TmCliContext *ctx,
           int           argc,
           char        **argv)
{
  static const TmCliHelp help = {
    "ca",
    N_("COMMAND [ARGUMENT…]"),
    N_("Témoin's local certificate authority, which lets the proxy apply your choice "
       "inside HTTPS once your browser trusts it. It is made for this computer only; "
       "its private key stays in the data directory."),
    ca_commands,
    NULL,
  };

  return tm_cli_run_group (ctx, &help, ca_funcs, argc, argv);
}
