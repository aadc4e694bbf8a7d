/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `temoinctl preview (URL | --scenario)`: what a choice (saved, or changed with
 * --with) does to the cookies of the charter's site or of a real URL. */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "tm-charter.h"
#include "tm-classifier.h"
#include "tm-cli.h"
#include "tm-json.h"
#include "tm-preview.h"
#include "tm-rules.h"

static void
write_item_json (TmJsonWriter  *w,
                 TmPreviewItem *item)
{
  g_autofree char *reason = tm_preview_item_dup_reason (item, FALSE);
  TmCategories categories = tm_preview_item_get_categories (item);

  tm_json_writer_begin_object (w);
  tm_json_writer_member (w, "name");
  tm_json_writer_string (w, tm_preview_item_get_name (item));
  tm_json_writer_member (w, "site");
  tm_json_writer_string (w, tm_preview_item_get_site (item));
  tm_json_writer_member (w, "categories");
  tm_json_writer_begin_array (w);
  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    if (categories & TM_CATEGORY_BIT (c))
      tm_json_writer_string (w, tm_category_to_id (c));
  tm_json_writer_end_array (w);
  tm_json_writer_member (w, "decision");
  tm_json_writer_string (w, tm_preview_item_get_keep (item) ? "keep" : "block");
  tm_json_writer_member (w, "reason");
  tm_json_writer_string (w, reason);
  tm_json_writer_member (w, "source");
  tm_json_writer_string (w, tm_source_to_id (tm_preview_item_get_source (item)));
  tm_json_writer_end_object (w);
}

static void
print_json (GListModel *items)
{
  TmJsonWriter *w = tm_json_writer_new (TRUE);

  tm_json_writer_begin_array (w);
  for (guint i = 0; i < g_list_model_get_n_items (items); i++)
    {
      g_autoptr(TmPreviewItem) item = g_list_model_get_item (items, i);

      write_item_json (w, item);
    }
  tm_json_writer_end_array (w);
  tm_cli_print_json (w);
}

enum {
  COL_NAME,
  COL_SITE,
  COL_CATEGORIES,
  COL_DECISION,
  N_COLS
};

static void
append_padded (GString    *out,
               const char *text,
               glong       width)
{
  g_string_append (out, text);
  for (glong i = g_utf8_strlen (text, -1); i < width + 2; i++)
    g_string_append_c (out, ' ');
}

/* A table of the short columns, the reason on its own indented line below each
 * row: reasons are long sentences. */
static void
print_table (GListModel *items)
{
  const char *headings[N_COLS] = {
    /* Translators: column headings of `temoinctl preview` */
    _("Cookie"), _("Site"), _("Categories"), _("Decision"),
  };
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  g_autoptr(GString) out = g_string_new (NULL);
  glong widths[N_COLS];
  guint n = g_list_model_get_n_items (items);

  if (n == 0)
    {
      g_print ("%s\n", _("No cookie was set."));
      return;
    }

  for (guint c = 0; c < N_COLS; c++)
    widths[c] = g_utf8_strlen (headings[c], -1);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TmPreviewItem) item = g_list_model_get_item (items, i);
      g_autofree char *categories = tm_categories_to_text (tm_preview_item_get_categories (item));
      const char *name = tm_preview_item_get_name (item);
      char **row = g_new0 (char *, N_COLS + 2);

      row[COL_NAME] = tm_cli_text_cell (name[0] != '\0' ? name : "\"\"");
      row[COL_SITE] = tm_cli_text_cell (tm_preview_item_get_site (item));
      row[COL_CATEGORIES] = g_steal_pointer (&categories);
      /* Translators: a decision of `temoinctl preview` */
      row[COL_DECISION] = g_strdup (tm_preview_item_get_keep (item) ? _("kept")
                                    /* Translators: a decision of `temoinctl preview` */
                                    : _("blocked"));
      row[N_COLS] = tm_preview_item_dup_reason (item, TRUE);
      for (guint c = 0; c < N_COLS; c++)
        widths[c] = MAX (widths[c], g_utf8_strlen (row[c], -1));
      g_ptr_array_add (rows, row);
    }

  for (guint c = 0; c < N_COLS; c++)
    append_padded (out, headings[c], widths[c]);
  g_string_truncate (out, strlen (g_strchomp (out->str)));
  g_string_append_c (out, '\n');
  for (guint i = 0; i < rows->len; i++)
    {
      char **row = g_ptr_array_index (rows, i);
      gsize start = out->len;

      for (guint c = 0; c < N_COLS; c++)
        append_padded (out, row[c], widths[c]);
      while (out->len > start && out->str[out->len - 1] == ' ')
        g_string_truncate (out, out->len - 1);
      g_string_append_printf (out, "\n    %s\n", row[N_COLS]);
    }
  fputs (out->str, stdout);
}

typedef struct {
  GMainLoop   *loop;
  GListModel  *items;
  GError      *error;
  guint        status;
  char        *final_url;
} FetchResult;

static void
fetch_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  FetchResult *r = user_data;

  r->items = tm_preview_fetch_finish (TM_PREVIEW (source), result, &r->status,
                                      &r->final_url, &r->error);
  g_main_loop_quit (r->loop);
}

/* Fetches @url with @preview; fills @r. */
static void
fetch (TmPreview    *preview,
       const char   *url,
       TmCategories  accepted,
       FetchResult  *r)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  r->loop = loop;
  tm_preview_fetch_async (preview, url, accepted, NULL, fetch_cb, r);
  g_main_loop_run (loop);
  r->loop = NULL;
}

/* Whether tm_preview_fetch_async() takes @url (http or https, with a host), as
 * tm-preview.c checks it before any network access. */
static gboolean
url_is_web_address (const char *url)
{
  g_autoptr(GUri) uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  const char *scheme;

  if (uri == NULL)
    return FALSE;
  scheme = g_uri_get_scheme (uri);
  return (g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
         && g_uri_get_host (uri) != NULL && g_uri_get_host (uri)[0] != '\0';
}

int
tm_cli_preview (TmCliContext *ctx,
                int           argc,
                char        **argv)
{
  static const TmCliHelp help = {
    "preview",
    /* Every option is listed below: the usage lines fit in 80 columns. */
    N_("[--with CATEGORY=on|off]… [OPTION…] URL\n"
       "[--with CATEGORY=on|off]… [--json] --scenario"),
    N_("Shows which cookies a site sets and which of them your choice keeps or "
       "blocks, and why, without saving anything. With a URL, Témoin visits it as a "
       "browser would (following up to 20 redirects, 30 seconds at most); with "
       "--scenario, it previews the charter's own site with typical statistics and "
       "embedded third-party cookies."),
    NULL,
    N_("--with changes the saved choice for this preview only. Categories: "
       "statistics, first-party, third-party (necessary is always on).\n"
       "Exit status: 0 when the page or the scenario was obtained, whatever its HTTP "
       "status; 1 when the URL could not be fetched; 2 on a bad command line."),
  };
  gboolean scenario = FALSE;
  gboolean json = FALSE;
  g_auto(GStrv) with = NULL;
  g_auto(GStrv) resolve = NULL;
  GOptionEntry entries[] = {
    { "scenario", 0, 0, G_OPTION_ARG_NONE, &scenario,
      N_("Preview the charter's site instead of a URL"), NULL },
    { "with", 0, 0, G_OPTION_ARG_STRING_ARRAY, &with,
      N_("Accept (on) or refuse (off) a category for this preview"),
      N_("CATEGORY=on|off") },
    { "resolve", 0, 0, G_OPTION_ARG_STRING_ARRAY, &resolve,
      N_("Connect to ADDR for HOST on PORT, as curl does"), N_("HOST:PORT:ADDR") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      N_("Print the cookies as JSON"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(TmConsent) current = NULL;
  g_autoptr(TmClassifier) classifier = NULL;
  g_autoptr(TmRules) rules = NULL;
  g_autoptr(GListModel) items = NULL;
  g_autoptr(TmPreview) preview = NULL;
  g_autoptr(GError) error = NULL;
  TmCategories set_on = 0, set_off = 0, accepted;
  int status;

  g_return_val_if_fail (ctx != NULL, TM_CLI_EXIT_FAILURE);

  /* Whether a URL is wanted depends on --scenario: the options come first. */
  status = tm_cli_parse_options (&help, entries, FALSE, &argc, &argv);
  if (status >= 0)
    return status;

  if (scenario && argc > 1)
    return tm_cli_usage_error (help.command, "%s",
                               _("Give either a URL or --scenario, not both."));
  if (!scenario && argc < 2)
    return tm_cli_usage_error (help.command, "%s",
                               _("Give a URL to preview, or --scenario."));
  if (argc > 2)
    return tm_cli_usage_error (help.command, _("Unexpected argument '%s'."), argv[2]);
  if (scenario && resolve != NULL)
    return tm_cli_usage_error (help.command, "%s",
                               _("--resolve applies to a URL, not to --scenario."));

  status = tm_cli_parse_category_switches (help.command, (const char * const *) with,
                                           with != NULL ? (int) g_strv_length (with) : 0,
                                           &set_on, &set_off);
  if (status >= 0)
    return status;

  /* The command line is checked before the store is opened: the resolve rules, and
   * an address that is not a web address (the core's own words say why). */
  classifier = tm_classifier_new ();
  if (!scenario)
    {
      preview = tm_preview_new (classifier);
      for (guint i = 0; resolve != NULL && resolve[i] != NULL; i++)
        if (!tm_preview_add_resolve (preview, resolve[i], &error))
          return tm_cli_usage_error (help.command, "%s", error->message);
      if (!url_is_web_address (argv[1]))
        {
          FetchResult r = { NULL, NULL, NULL, 0, NULL };

          fetch (preview, argv[1], TM_CATEGORIES_DEFAULT, &r);
          g_clear_object (&r.items);
          g_free (r.final_url);
          if (r.error != NULL)
            {
              g_autoptr(GError) url_error = r.error;

              return tm_cli_usage_error (help.command, "%s", url_error->message);
            }
        }
    }

  /* A preview changes nothing. */
  store = tm_cli_read_consent_store (ctx);
  if (store == NULL)
    return TM_CLI_EXIT_FAILURE;
  current = tm_consent_store_dup_current (store);
  accepted = ((tm_consent_get_categories (current) | set_on) & ~set_off)
             | TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);

  rules = tm_rules_new (store, &error);
  if (rules == NULL)
    return tm_cli_fail (_("Cannot read your cookie rules: %s"), error->message);
  tm_classifier_set_rules (classifier, rules);

  if (scenario)
    items = tm_preview_run_scenario (classifier, accepted);
  else
    {
      FetchResult r = { NULL, NULL, NULL, 0, NULL };

      fetch (preview, argv[1], accepted, &r);
      if (r.items == NULL)
        {
          g_autoptr(GError) fetch_error = r.error;

          return tm_cli_fail ("%s", fetch_error->message);
        }
      items = r.items;
      if (!json)
        {
          /* Translators: the first line of a URL preview: the last URL of the
           * redirect chain and its HTTP status, e.g. "https://example.com/: HTTP 200" */
          g_print (_("%s: HTTP %u"), r.final_url, r.status);
          g_print ("\n");
        }
      g_free (r.final_url);
    }

  if (json)
    print_json (items);
  else
    {
      g_autofree char *choice = tm_categories_to_text (accepted);

      if (scenario)
        {
          /* Translators: the first line of `temoinctl preview --scenario`; %s is
           * the charter's site */
          g_print (_("Scenario: a visit to %s"), tm_charter_get_host ());
          g_print ("\n");
        }
      if (set_on | set_off)
        /* Translators: %s lists the categories accepted in a preview */
        g_print (_("Accepted for this preview (not saved): %s"), choice);
      else
        /* Translators: %s lists the categories accepted in a preview */
        g_print (_("Accepted by your saved choice: %s"), choice);
      g_print ("\n\n");
      print_table (items);
    }
  return TM_CLI_EXIT_OK;
}
