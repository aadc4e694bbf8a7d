/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `temoinctl cookies list|purge`: the proxy's session store (cookies.sqlite). */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <stdio.h>

#include <glib/gi18n-lib.h>

#include "tm-classifier.h"
#include "tm-cli.h"
#include "tm-json.h"
#include "tm-session-store.h"

/* The latest instant ISO 8601 with four-digit years can write. */
#define MAX_ISO_SECONDS G_GINT64_CONSTANT (253402300799)

static TmSessionStore *
open_session_store (TmCliContext *ctx,
                    gboolean      read_only)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  TmSessionStore *store;
  const char *moved;
  const char *warning;
  guint handler;

  dir = read_only ? tm_cli_find_data_dir (ctx) : tm_cli_resolve_data_dir (ctx);
  if (dir == NULL)
    return NULL;

  /* The core's note about a damaged store moved aside is said below, translated. */
  handler = tm_cli_quiet_core_log_begin ();
  if (read_only)
    store = tm_session_store_new_read_only (dir, &error);
  else
    store = tm_session_store_new (dir, &error);
  tm_cli_quiet_core_log_end (handler);
  if (store == NULL)
    {
      if (read_only)
        tm_cli_fail ("%s", error->message);
      else
        tm_cli_fail_unchanged ("%s", error->message);
      return NULL;
    }

  moved = tm_session_store_get_moved_aside (store);
  if (moved != NULL)
    {
      g_autofree char *path = g_build_filename (dir, TM_SESSION_STORE_FILENAME, NULL);

      /* Escaped, as every message naming a file is. */
      tm_cli_fail (_("The cookie store %s was damaged: it was moved aside to %s and a "
                     "new, empty one was created."), path, moved);
    }
  warning = tm_session_store_get_read_warning (store);
  if (warning != NULL)
    tm_cli_warn (warning);
  return store;
}

/* ISO 8601 UTC, to the second: "2100-01-01T00:00:00Z". (transfer full) */
static char *
format_iso8601 (gint64 unix_seconds)
{
  g_autoptr(GDateTime) dt = NULL;

  dt = g_date_time_new_from_unix_utc (CLAMP (unix_seconds, 0, MAX_ISO_SECONDS));
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

static const char *
same_site_to_json (TmSameSite same_site)
{
  switch (same_site)
    {
    case TM_SAME_SITE_STRICT: return "strict";
    case TM_SAME_SITE_LAX:    return "lax";
    case TM_SAME_SITE_NONE:   return "none";
    case TM_SAME_SITE_UNSET:
    default:                  return NULL;
    }
}

static void
print_cookies_json (GPtrArray *cookies)
{
  TmJsonWriter *w = tm_json_writer_new (TRUE);

  tm_json_writer_begin_array (w);
  for (guint i = 0; i < cookies->len; i++)
    {
      const TmCookie *c = g_ptr_array_index (cookies, i);
      g_autofree char *created = format_iso8601 (c->created / G_USEC_PER_SEC);

      tm_json_writer_begin_object (w);
      tm_json_writer_member (w, "name");
      tm_json_writer_string (w, c->name);
      tm_json_writer_member (w, "value");
      tm_json_writer_string (w, c->value ? c->value : "");
      tm_json_writer_member (w, "domain");
      tm_json_writer_string (w, c->domain[0] == '.' ? c->domain + 1 : c->domain);
      tm_json_writer_member (w, "host_only");
      tm_json_writer_boolean (w, c->host_only);
      tm_json_writer_member (w, "path");
      tm_json_writer_string (w, c->path);
      tm_json_writer_member (w, "expires");
      if (c->expires == TM_COOKIE_SESSION)
        tm_json_writer_null (w);
      else
        {
          g_autofree char *expires = format_iso8601 (c->expires);

          tm_json_writer_string (w, expires);
        }
      tm_json_writer_member (w, "secure");
      tm_json_writer_boolean (w, c->secure);
      tm_json_writer_member (w, "http_only");
      tm_json_writer_boolean (w, c->http_only);
      tm_json_writer_member (w, "same_site");
      tm_json_writer_string (w, same_site_to_json (c->same_site));
      tm_json_writer_member (w, "categories");
      tm_json_writer_begin_array (w);
      for (TmCategory cat = 0; cat < TM_N_CATEGORIES; cat++)
        if (c->categories & TM_CATEGORY_BIT (cat))
          tm_json_writer_string (w, tm_category_to_id (cat));
      tm_json_writer_end_array (w);
      tm_json_writer_member (w, "created");
      tm_json_writer_string (w, created);
      tm_json_writer_end_object (w);
    }
  tm_json_writer_end_array (w);
  tm_cli_print_json (w);
}

enum {
  COL_NAME,
  COL_DOMAIN,
  COL_PATH,
  COL_EXPIRES,
  COL_ATTRIBUTES,
  COL_CATEGORIES,
  N_COLS
};

static void
append_padded (GString    *out,
               const char *text,
               glong       width,
               gboolean    last)
{
  g_string_append (out, text);
  if (last)
    return;
  for (glong i = g_utf8_strlen (text, -1); i < width + 2; i++)
    g_string_append_c (out, ' ');
}

/* The human table: one heading per site, then a row per cookie. Values are left
 * out (they are login tokens, and --json has them). */
static char *
cookies_to_table (GPtrArray *cookies)
{
  const char *headings[N_COLS] = {
    _("Name"), _("Domain"), _("Path"), _("Expires"), _("Attributes"), _("Categories"),
  };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GPtrArray) sites = g_ptr_array_new_with_free_func (g_free);
  GString *out = g_string_new (NULL);
  glong widths[N_COLS];
  const char *last_site = NULL;

  for (guint c = 0; c < N_COLS; c++)
    widths[c] = g_utf8_strlen (headings[c], -1);

  for (guint i = 0; i < cookies->len; i++)
    {
      const TmCookie *cookie = g_ptr_array_index (cookies, i);
      g_autoptr(GString) attributes = g_string_new (NULL);
      g_autofree char *categories = tm_categories_to_text (cookie->categories);
      char **row = g_new0 (char *, N_COLS + 1);

      if (cookie->expires == TM_COOKIE_SESSION)
        row[COL_EXPIRES] = g_strdup (_("end of session"));
      else
        {
          g_autoptr(GDateTime) dt =
            g_date_time_new_from_unix_utc (CLAMP (cookie->expires, 0, MAX_ISO_SECONDS));

          row[COL_EXPIRES] = g_date_time_format (dt, "%Y-%m-%d %H:%M UTC");
        }

      /* Attribute names as in Set-Cookie: protocol words, not translated. */
      if (cookie->host_only)
        g_string_append (attributes, "HostOnly ");
      if (cookie->secure)
        g_string_append (attributes, "Secure ");
      if (cookie->http_only)
        g_string_append (attributes, "HttpOnly ");
      if (cookie->partitioned)
        g_string_append (attributes, "Partitioned ");
      switch (cookie->same_site)
        {
        case TM_SAME_SITE_STRICT: g_string_append (attributes, "SameSite=Strict "); break;
        case TM_SAME_SITE_LAX:    g_string_append (attributes, "SameSite=Lax "); break;
        case TM_SAME_SITE_NONE:   g_string_append (attributes, "SameSite=None "); break;
        case TM_SAME_SITE_UNSET:
        default:                  break;
        }
      if (attributes->len > 0)
        g_string_truncate (attributes, attributes->len - 1);
      else
        g_string_append (attributes, "-");


      row[COL_NAME] = tm_cli_text_cell (cookie->name[0] ? cookie->name : "\"\"");
      row[COL_DOMAIN] = tm_cli_text_cell (cookie->domain);
      row[COL_PATH] = tm_cli_text_cell (cookie->path);
      row[COL_ATTRIBUTES] = g_strdup (attributes->str);
      row[COL_CATEGORIES] = g_strdup (categories[0] != '\0' ? categories : "-");
      for (guint c = 0; c < N_COLS; c++)
        widths[c] = MAX (widths[c], g_utf8_strlen (row[c], -1));
      g_ptr_array_add (rows, row);
      g_ptr_array_add (sites, tm_site_for_host (cookie->domain));
    }

  for (guint c = 0; c < N_COLS; c++)
    append_padded (out, headings[c], widths[c], c == N_COLS - 1);
  g_string_append_c (out, '\n');

  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);
      const char *site = g_ptr_array_index (sites, i);

      if (g_strcmp0 (site, last_site) != 0)
        {
          g_autofree char *heading = tm_cli_text_cell (site);

          g_string_append_printf (out, "\n%s\n", heading);
          last_site = site;
        }
      for (guint c = 0; c < N_COLS; c++)
        append_padded (out, row[c], widths[c], c == N_COLS - 1);
      g_string_append_c (out, '\n');
    }
  return g_string_free (out, FALSE);
}

static const TmCliHelp list_help = {
  "cookies list",
  N_("[--url URL] [--site SITE] [--json]"),
  N_("Lists the unexpired cookies the proxy keeps, by site. With --url, only those a "
     "browser would send to URL, in the order it would send them. The table leaves "
     "out the values; --json includes them."),
  NULL,
  NULL,
};

static int
cookies_list (TmCliContext *ctx,
              int           argc,
              char        **argv)
{
  g_autofree char *url = NULL;
  g_autofree char *site = NULL;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url,
      N_("Only the cookies a browser would send to URL"), N_("URL") },
    { "site", 0, 0, G_OPTION_ARG_STRING, &site,
      N_("Only the cookies of SITE (a registrable domain and its subdomains, or a "
         "host for IP addresses)"), N_("SITE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print JSON for scripts, values included"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(TmSessionStore) store = NULL;
  g_autoptr(GPtrArray) cookies = NULL;
  g_autoptr(GError) error = NULL;
  int status;

  status = tm_cli_parse_arguments (&list_help, entries, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;
  if (site != NULL && *site == '\0')
    return tm_cli_usage_error (list_help.command, "%s",
                               _("The site given to --site is empty."));

  store = open_session_store (ctx, TRUE);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;

  if (url != NULL)
    cookies = tm_session_store_list_for_url (store, url, &error);
  else
    cookies = tm_session_store_list (store, site, &error);
  if (cookies == NULL)
    {
      if (g_error_matches (error, TM_SESSION_STORE_ERROR, TM_SESSION_STORE_ERROR_INVALID_URL))
        return tm_cli_usage_error (list_help.command, "%s", error->message);
      return tm_cli_fail ("%s", error->message);
    }

  /* Both: what would be sent to URL, of that site only. */
  if (url != NULL && site != NULL)
    {
      g_autofree char *wanted = tm_site_for_host (site);

      for (guint i = cookies->len; i > 0; i--)
        {
          const TmCookie *c = g_ptr_array_index (cookies, i - 1);
          g_autofree char *cookie_site = tm_site_for_host (c->domain);

          if (g_ascii_strcasecmp (cookie_site, wanted) != 0)
            g_ptr_array_remove_index (cookies, i - 1);
        }
    }

  if (json)
    print_cookies_json (cookies);
  else if (cookies->len == 0)
    {
      /* With a filter, the store may well hold cookies: only none matched. */
      g_autofree char *shown = tm_cli_escape (url != NULL ? url : site);

      if (url != NULL)
        g_printerr (_("No stored cookie would be sent to %s."), shown);
      else if (site != NULL)
        g_printerr (_("No stored cookie belongs to the site %s."), shown);
      else
        g_printerr ("%s", _("No cookies are stored."));
      g_printerr ("\n");
    }
  else
    {
      g_autofree char *table = cookies_to_table (cookies);

      fputs (table, stdout);
    }
  return TM_CLI_EXIT_OK;
}

static const TmCliHelp purge_help = {
  "cookies purge",
  N_("--all\n--category CATEGORY\n--site SITE"),
  N_("Deletes cookies from the proxy's store and prints how many were deleted on "
     "standard output (0 is not an error). A running proxy then tells browsers to "
     "delete their copies."),
  NULL,
  N_("Categories: necessary, statistics, first-party, third-party."),
};

static int
cookies_purge (TmCliContext *ctx,
               int           argc,
               char        **argv)
{
  gboolean all = FALSE;
  g_autofree char *category = NULL;
  g_autofree char *site = NULL;
  GOptionEntry entries[] = {
    { "all", 0, 0, G_OPTION_ARG_NONE, &all, N_("Delete every cookie"), NULL },
    { "category", 0, 0, G_OPTION_ARG_STRING, &category,
      N_("Delete the cookies that carry CATEGORY"), N_("CATEGORY") },
    { "site", 0, 0, G_OPTION_ARG_STRING, &site,
      N_("Delete the cookies of SITE and its subdomains"), N_("SITE") },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(TmSessionStore) store = NULL;
  g_autoptr(GError) error = NULL;
  TmCategory cat = TM_CATEGORY_NECESSARY;
  TmPurgeKind kind;
  gint64 n;
  int status;

  status = tm_cli_parse_arguments (&purge_help, entries, 0, 0, NULL, &argc, &argv);
  if (status >= 0)
    return status;
  if ((all ? 1 : 0) + (category != NULL ? 1 : 0) + (site != NULL ? 1 : 0) != 1)
    return tm_cli_usage_error (purge_help.command, "%s",
                               _("Give exactly one of --all, --category and --site."));
  if (category != NULL)
    {
      status = tm_cli_parse_category (purge_help.command, category, &cat);
      if (status >= 0)
        return status;
    }
  if (site != NULL && *site == '\0')
    return tm_cli_usage_error (purge_help.command, "%s",
                               _("The site given to --site is empty."));

  kind = all ? TM_PURGE_ALL : category != NULL ? TM_PURGE_CATEGORY : TM_PURGE_SITE;

  store = open_session_store (ctx, FALSE);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;

  n = tm_session_store_purge (store, kind, TM_CATEGORY_BIT (cat), site, &error);
  if (n < 0)
    return tm_cli_fail_unchanged ("%s", error->message);

  g_print ("%" G_GINT64_FORMAT "\n", n);
  g_printerr (g_dngettext (GETTEXT_PACKAGE, "Deleted %lu cookie.", "Deleted %lu cookies.",
                           (gulong) n), (gulong) n);
  g_printerr ("\n");
  return TM_CLI_EXIT_OK;
}

static const TmCliCommandInfo subcommands[] = {
  { "list", N_("List the cookies the proxy keeps") },
  { "purge", N_("Delete cookies, by category, by site or all of them") },
  { NULL, NULL }
};

static const TmCliCommandFunc subcommand_funcs[] = {
  cookies_list,
  cookies_purge,
};

static const TmCliHelp cookies_help = {
  "cookies",
  N_("COMMAND [ARGUMENT…]"),
  N_("The cookies the proxy let through, kept in cookies.sqlite in the data directory."),
  subcommands,
  NULL,
};

int
tm_cli_cookies (TmCliContext *ctx,
                int           argc,
                char        **argv)
{
  return tm_cli_run_group (ctx, &cookies_help, subcommand_funcs, argc, argv);
}
