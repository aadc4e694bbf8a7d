/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-import-dialog.h"
#include "tm-rules.h"

/* At most this many skipped lines are named one by one in the dialog. */
#define MAX_LINES_LISTED 20

static GtkWidget *
show_dialog (GtkWindow  *parent,
             const char *heading,
             const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (parent, heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static char *
describe_problems (GPtrArray *problems)
{
  GString *lines = g_string_new (NULL);

  for (guint i = 0; problems != NULL && i < problems->len && i < MAX_LINES_LISTED; i++)
    {
      TmRulesImportProblem *problem = g_ptr_array_index (problems, i);

      if (lines->len > 0)
        g_string_append (lines, _(", "));
      g_string_append_printf (lines, "%u", problem->line);
    }
  if (problems != NULL && problems->len > MAX_LINES_LISTED)
    /* TRANSLATORS: ends a list of line numbers that was cut short. */
    g_string_append (lines, _("…"));
  return g_string_free (lines, FALSE);
}

GtkWidget *
tm_import_dialog_import (GtkWindow      *parent,
                         TmConsentStore *store,
                         const char     *path)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *body = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *heading = NULL;
  guint n_rows = 0;

  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);
  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), NULL);
  g_return_val_if_fail (path != NULL, NULL);

  basename = g_path_get_basename (path);
  if (!tm_rules_store_import_database (store, path, &n_rows, &problems, &error))
    {
      g_autofree char *lines = describe_problems (problems);

      if (problems != NULL && problems->len > 0)
        /* TRANSLATORS: %s: the error; %s: line numbers, e.g. "3, 7". */
        body = g_strdup_printf (_("%s\n\nSkipped lines: %s.\n\nChoose a file in the Open "
                                  "Cookie Database CSV format and try again."),
                                error->message, lines);
      else
        body = g_strdup_printf (_("%s\n\nChoose a file in the Open Cookie Database CSV "
                                  "format and try again."), error->message);
      /* TRANSLATORS: %s is a file name. */
      heading = g_strdup_printf (_("Could Not Import “%s”"), basename);
      return show_dialog (parent, heading, body);
    }

  if (problems != NULL && problems->len > 0)
    {
      g_autofree char *lines = describe_problems (problems);
      TmRulesImportProblem *first = g_ptr_array_index (problems, 0);

      g_autofree char *imported =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u cookie description was imported.",
                                      "%u cookie descriptions were imported.", n_rows),
                         n_rows);
      /* TRANSLATORS: the count of skipped lines, their numbers ("8, 9"), then the
       * first one's number and what was wrong with it. */
      g_autofree char *skipped =
        g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                      "%u malformed line was skipped: %s (line %u: %s).",
                                      "%u malformed lines were skipped: %s (line %u: %s).",
                                      problems->len),
                         problems->len, lines, first->line, first->message);

      body = g_strdup_printf ("%s %s", imported, skipped);
    }
  else
    body = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                         "%u cookie description was imported. Cookies "
                                         "that Témoin does not know are now classified "
                                         "with it.",
                                         "%u cookie descriptions were imported. Cookies "
                                         "that Témoin does not know are now classified "
                                         "with them.",
                                         n_rows),
                            n_rows);
  /* TRANSLATORS: %s is a file name. */
  heading = g_strdup_printf (_("Imported “%s”"), basename);
  return show_dialog (parent, heading, body);
}

static void
chooser_response_cb (GtkNativeDialog *chooser,
                     int              response,
                     TmConsentStore  *store)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      GtkWindow *parent = gtk_native_dialog_get_transient_for (chooser);

      if (path != NULL)
        tm_import_dialog_import (parent, store, path);
      else
        show_dialog (parent, _("Could Not Import the File"),
                     _("Only local files can be imported. Copy the file to this "
                       "computer and try again."));
    }
  gtk_native_dialog_destroy (chooser);
  g_object_unref (chooser);
}

void
tm_import_dialog_run (GtkWindow      *parent,
                      TmConsentStore *store)
{
  GtkFileChooserNative *chooser;
  g_autoptr(GtkFileFilter) csv = gtk_file_filter_new ();
  g_autoptr(GtkFileFilter) all = gtk_file_filter_new ();

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (TM_IS_CONSENT_STORE (store));

  chooser = gtk_file_chooser_native_new (_("Import Cookie Database"), parent,
                                         GTK_FILE_CHOOSER_ACTION_OPEN,
                                         _("_Import"), _("_Cancel"));
  gtk_file_filter_set_name (csv, _("Open Cookie Database (CSV)"));
  gtk_file_filter_add_pattern (csv, "*.csv");
  gtk_file_filter_add_pattern (csv, "*.CSV");
  gtk_file_filter_add_mime_type (csv, "text/csv");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), csv);
  gtk_file_filter_set_name (all, _("All Files"));
  gtk_file_filter_add_pattern (all, "*");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), all);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  /* The chooser holds itself and the store until it answers. */
  g_signal_connect_data (chooser, "response", G_CALLBACK (chooser_response_cb),
                         g_object_ref (store), (GClosureNotify) (void (*) (void)) g_object_unref,
                         0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}
