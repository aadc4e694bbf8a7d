/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-cli-serve.c: `temoinctl serve`, the proxy without the window. */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n-lib.h>
#include <glib-unix.h>

#include "tm-cli.h"
#include "tm-consent-store.h"
#include "tm-proxy.h"
#include "tm-session-store.h"

static gboolean
quit_cb (gpointer user_data)
{
  g_main_loop_quit (user_data);
  return G_SOURCE_CONTINUE;
}

int
tm_cli_serve (TmCliContext *ctx,
              int           argc,
              char        **argv)
{
  g_auto(GStrv) listen = NULL;
  g_auto(GStrv) allow = NULL;
  g_auto(GStrv) resolve = NULL;
  g_autofree char *connect_ports = NULL;
  g_autofree char *log_file = NULL;
  g_autofree char *log_format = NULL;
  g_autofree char *upstream_ca = NULL;
  g_auto(GStrv) bypass = NULL;
  gboolean https_inspection = FALSE;
  int port = -1;
  static const TmCliHelp help = {
    "serve",
    N_("[--listen ADDR]… [--port N] [--allow CIDR]… [--connect-ports P1,P2,…]\n"
       "[--resolve HOST:PORT:ADDR]… [--log FILE] [--log-format json|text]\n"
       "[--https-inspection] [--upstream-ca FILE] [--bypass HOST]…"),
    N_("Runs Témoin’s cookie proxy until interrupted (Ctrl+C or SIGTERM). The first "
       "line on standard output gives its address. Only one proxy per data directory "
       "listens at a time."),
    NULL,
    NULL,
  };
  GOptionEntry entries[] = {
    { "listen", 0, 0, G_OPTION_ARG_STRING_ARRAY, &listen,
      N_("Listen on ADDR instead of 127.0.0.1 and ::1 (repeatable)"), N_("ADDR") },
    { "port", 0, 0, G_OPTION_ARG_INT, &port,
      N_("Listen on port N (default: the proxy-port setting; 0 picks a free port)"),
      N_("N") },
    { "allow", 0, 0, G_OPTION_ARG_STRING_ARRAY, &allow,
      N_("Also serve clients from the network CIDR (repeatable)"), N_("CIDR") },
    { "connect-ports", 0, 0, G_OPTION_ARG_STRING, &connect_ports,
      N_("Ports CONNECT tunnels may reach (default: 443)"), N_("P1,P2,…") },
    { "resolve", 0, 0, G_OPTION_ARG_STRING_ARRAY, &resolve,
      N_("Connect to ADDR for HOST on PORT, as curl’s --resolve (repeatable)"),
      N_("HOST:PORT:ADDR") },
    { "log", 0, 0, G_OPTION_ARG_FILENAME, &log_file,
      N_("Write one line per cookie decision to FILE"), N_("FILE") },
    { "log-format", 0, 0, G_OPTION_ARG_STRING, &log_format,
      N_("Format of the log: json (default) or text"), N_("FORMAT") },
    { "https-inspection", 0, 0, G_OPTION_ARG_NONE, &https_inspection,
      N_("Inspect HTTPS for this run, whatever the https-inspection setting says "
         "(creates Témoin’s certificate authority if there is none)"), NULL },
    { "upstream-ca", 0, 0, G_OPTION_ARG_FILENAME, &upstream_ca,
      N_("Also trust the CA certificates of FILE (PEM) when checking HTTPS sites"),
      N_("FILE") },
    { "bypass", 0, 0, G_OPTION_ARG_STRING_ARRAY, &bypass,
      N_("Never inspect HOST, *.DOMAIN or IP address, besides the saved bypass list, "
         "for this run (repeatable)"), N_("HOST") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *data_dir = NULL;
  g_autoptr(TmConsentStore) consent_store = NULL;
  g_autoptr(TmSessionStore) session_store = NULL;
  g_autoptr(TmProxy) proxy = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  TmProxyLogFormat format = TM_PROXY_LOG_JSON;
  const char * const *uris;
  guint sigint_id, sigterm_id;
  int status;

  status = tm_cli_parse_options (&help, entries, FALSE, &argc, &argv);
  if (status >= 0)
    return status;
  status = TM_CLI_EXIT_OK;
  if (argc > 1)
    return tm_cli_usage_error ("serve", _("Unexpected argument '%s'."), argv[1]);
  if (port < -1 || port > 65535)
    return tm_cli_usage_error ("serve", _("The port must be from 0 to 65535, not %d."), port);
  if (log_format != NULL)
    {
      if (g_strcmp0 (log_format, "text") == 0)
        format = TM_PROXY_LOG_TEXT;
      else if (g_strcmp0 (log_format, "json") != 0)
        return tm_cli_usage_error ("serve", _("Unknown log format '%s': use json or text."),
                                   log_format);
    }

  data_dir = tm_cli_resolve_data_dir (ctx);
  if (data_dir == NULL)
    return TM_CLI_EXIT_FAILURE;

  {
    int pid = 0;
    g_autofree char *address = NULL;

    if (tm_proxy_lock_holder (data_dir, &pid, &address))
      return tm_cli_fail (_("Témoin’s proxy is already running for this data directory "
                            "(process %d, %s), in the app or as temoinctl serve. Stop it "
                            "first, or use it."), pid, address ? address : "?");
  }

  consent_store = tm_cli_open_consent_store (ctx);
  if (consent_store == NULL)
    return TM_CLI_EXIT_FAILURE;
  session_store = tm_session_store_new (data_dir, &error);
  if (session_store == NULL)
    return tm_cli_fail ("%s", error->message);

  proxy = tm_proxy_new (data_dir, consent_store, session_store);
  if (port >= 0)
    tm_proxy_set_port (proxy, port);
  for (guint i = 0; listen != NULL && listen[i] != NULL; i++)
    if (!tm_proxy_add_listen_address (proxy, listen[i], &error))
      return tm_cli_usage_error ("serve", "%s", error->message);
  for (guint i = 0; allow != NULL && allow[i] != NULL; i++)
    if (!tm_proxy_add_allow (proxy, allow[i], &error))
      return tm_cli_usage_error ("serve", "%s", error->message);
  for (guint i = 0; resolve != NULL && resolve[i] != NULL; i++)
    if (!tm_proxy_add_resolve (proxy, resolve[i], &error))
      return tm_cli_usage_error ("serve", "%s", error->message);
  if (connect_ports != NULL && !tm_proxy_set_connect_ports (proxy, connect_ports, &error))
    return tm_cli_usage_error ("serve", "%s", error->message);
  if (log_file != NULL && !tm_proxy_set_log_file (proxy, log_file, format, &error))
    return tm_cli_fail ("%s", error->message);
  for (guint i = 0; bypass != NULL && bypass[i] != NULL; i++)
    if (!tm_proxy_add_bypass (proxy, bypass[i], &error))
      return tm_cli_usage_error ("serve", "%s", error->message);
  if (upstream_ca != NULL && !tm_proxy_set_upstream_ca (proxy, upstream_ca, &error))
    return tm_cli_fail ("%s", error->message);
  if (https_inspection)
    tm_proxy_set_https_inspection (proxy, TRUE);

  /* A new proxy session: session cookies of the last one are gone from clients. */
  if (!tm_session_store_begin_session (session_store, &error))
    return tm_cli_fail ("%s", error->message);

  /* Handlers first: a signal right after the line below must stop us cleanly. */
  loop = g_main_loop_new (NULL, FALSE);
  sigint_id = g_unix_signal_add (SIGINT, quit_cb, loop);
  sigterm_id = g_unix_signal_add (SIGTERM, quit_cb, loop);

  if (!tm_proxy_start (proxy, &error))
    {
      g_source_remove (sigint_id);
      g_source_remove (sigterm_id);
      return tm_cli_fail ("%s", error->message);
    }

  uris = tm_proxy_get_uris (proxy);
  /* Never translated: scripts and tests read this line. */
  printf ("listening on %s\n", uris[0]);
  fflush (stdout);

  g_main_loop_run (loop);
  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);

  tm_proxy_stop (proxy);
  if (!tm_session_store_flush (session_store, &error) ||
      !tm_session_store_end_session (session_store, &error))
    status = tm_cli_fail (_("Could not save the cookie store: %s"), error->message);

  return status;
}
