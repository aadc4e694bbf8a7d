/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-application.h"
#include "tm-data-dir.h"
#include "tm-i18n.h"
#include "tm-window.h"

struct _TmApplication
{
  AdwApplication  parent_instance;

  char           *data_dir;
  GSettings      *settings;
  TmConsentStore *store;
  GError         *store_error;
};

G_DEFINE_FINAL_TYPE (TmApplication, tm_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, NULL,
    N_("Keep the choice and its history in DIR"), N_("DIR") },
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Show the version and exit"), NULL },
  { NULL }
};

static void
quit_action_cb (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
about_action_cb (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = GTK_APPLICATION (user_data);
  static const char *developers[] = { "The Témoin contributors", NULL };
  GtkWidget *about;

  about = g_object_new (ADW_TYPE_ABOUT_WINDOW,
                        "transient-for", gtk_application_get_active_window (app),
                        "destroy-with-parent", TRUE,
                        "application-icon", APP_ID,
                        "application-name", _("Témoin"),
                        "developer-name", _("The Témoin contributors"),
                        "version", PACKAGE_VERSION,
                        "website", PACKAGE_URL,
                        "issue-url", PACKAGE_URL "/issues",
                        "license-type", GTK_LICENSE_GPL_3_0,
                        "copyright", "© 2026 The Témoin contributors",
                        "developers", developers,
                        /* TRANSLATORS: your names, one per line */
                        "translator-credits", _("translator-credits"),
                        "comments", _("Read a site's cookie charter in your language, "
                                      "choose which cookies you accept, and keep that "
                                      "choice."),
                        NULL);
  gtk_window_present (GTK_WINDOW (about));
}

static void
shortcuts_action_cb (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (user_data));

  if (window != NULL)
    gtk_widget_activate_action (GTK_WIDGET (window), "win.show-help-overlay", NULL);
}

static void
language_change_state_cb (GSimpleAction *action,
                          GVariant      *value,
                          gpointer       user_data)
{
  tm_application_set_language (TM_APPLICATION (user_data), g_variant_get_string (value, NULL));
}

static const GActionEntry app_entries[] = {
  { "quit", quit_action_cb, NULL, NULL, NULL },
  { "about", about_action_cb, NULL, NULL, NULL },
  { "shortcuts", shortcuts_action_cb, NULL, NULL, NULL },
  { "language", NULL, "s", "'en'", language_change_state_cb },
};

/* The language shown: the saved one if still offered, else the system's. */
static const char *
choose_language (TmApplication *self)
{
  g_autofree char *saved = g_settings_get_string (self->settings, "language");

  if (saved[0] != '\0' && tm_i18n_is_offered (saved))
    return g_intern_string (saved);
  return tm_i18n_get_default_language ();
}

static void
message_response_quit_cb (AdwMessageDialog *dialog,
                          const char       *response,
                          gpointer          user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
tm_application_startup (GApplication *app)
{
  TmApplication *self = TM_APPLICATION (app);
  GAction *language_action;
  g_autofree char *data_dir = NULL;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *shortcuts_accels[] = { "<Control>question", NULL };

  G_APPLICATION_CLASS (tm_application_parent_class)->startup (app);

  self->settings = g_settings_new (APP_ID);
  tm_i18n_set_language (choose_language (self));

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_entries,
                                   G_N_ELEMENTS (app_entries), self);
  language_action = g_action_map_lookup_action (G_ACTION_MAP (self), "language");
  g_simple_action_set_state (G_SIMPLE_ACTION (language_action),
                             g_variant_new_string (tm_i18n_get_language ()));
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "app.shortcuts",
                                         shortcuts_accels);

  data_dir = tm_data_dir_resolve (self->data_dir, &self->store_error);
  if (data_dir != NULL)
    self->store = tm_consent_store_new (data_dir, &self->store_error);
}

static void
tm_application_activate (GApplication *app)
{
  TmApplication *self = TM_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));
  GtkWidget *dialog;
  const char *moved_aside;

  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }

  if (self->store == NULL)
    {
      g_autofree char *body =
        g_strdup_printf (_("%s\n\nTémoin keeps your choice in its data folder. Check that "
                           "the folder exists and can be written (or start Témoin with "
                           "--data-dir DIR to use another one), then start it again."),
                         self->store_error != NULL ? self->store_error->message : "");

      dialog = adw_message_dialog_new (NULL, _("Could not open your choices"), body);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "quit", _("_Quit"));
      gtk_window_set_application (GTK_WINDOW (dialog), GTK_APPLICATION (self));
      g_signal_connect_object (dialog, "response", G_CALLBACK (message_response_quit_cb),
                               self, 0);
      gtk_window_present (GTK_WINDOW (dialog));
      return;
    }

  window = GTK_WINDOW (tm_window_new (self));
  gtk_window_present (window);

  moved_aside = tm_consent_store_get_moved_aside (self->store);
  if (moved_aside != NULL)
    {
      g_autofree char *body =
        g_strdup_printf (_("The file holding your choices could not be read. It was "
                           "kept as %s and a new, empty one was created: please make "
                           "your choice again."), moved_aside);

      dialog = adw_message_dialog_new (window, _("Your Choices Were Reset"), body);
      adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
      gtk_window_present (GTK_WINDOW (dialog));
    }
}

static int
tm_application_handle_local_options (GApplication *app,
                                     GVariantDict *options)
{
  TmApplication *self = TM_APPLICATION (app);
  const char *data_dir = NULL;

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("temoin %s\n", PACKAGE_VERSION);
      return 0;
    }
  if (g_variant_dict_lookup (options, "data-dir", "^&ay", &data_dir))
    tm_application_set_data_dir (self, data_dir);

  return G_APPLICATION_CLASS (tm_application_parent_class)->handle_local_options (app, options);
}

static void
tm_application_dispose (GObject *object)
{
  TmApplication *self = TM_APPLICATION (object);

  g_clear_object (&self->store);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tm_application_parent_class)->dispose (object);
}

static void
tm_application_finalize (GObject *object)
{
  TmApplication *self = TM_APPLICATION (object);

  g_free (self->data_dir);
  g_clear_error (&self->store_error);

  G_OBJECT_CLASS (tm_application_parent_class)->finalize (object);
}

static void
tm_application_class_init (TmApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = tm_application_dispose;
  object_class->finalize = tm_application_finalize;
  app_class->startup = tm_application_startup;
  app_class->activate = tm_application_activate;
  app_class->handle_local_options = tm_application_handle_local_options;
}

static void
tm_application_init (TmApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_summary (G_APPLICATION (self),
                                            _("Read a cookie charter and choose which "
                                              "cookies you accept."));
}

/**
 * tm_application_new:
 *
 * Returns: (transfer full): the application
 */
TmApplication *
tm_application_new (void)
{
  return g_object_new (TM_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/io/github/temoin/Temoin",
                       NULL);
}

TmConsentStore *
tm_application_get_store (TmApplication *self)
{
  g_return_val_if_fail (TM_IS_APPLICATION (self), NULL);

  return self->store;
}

GSettings *
tm_application_get_settings (TmApplication *self)
{
  g_return_val_if_fail (TM_IS_APPLICATION (self), NULL);

  return self->settings;
}

void
tm_application_set_data_dir (TmApplication *self,
                             const char    *data_dir)
{
  g_return_if_fail (TM_IS_APPLICATION (self));

  g_free (self->data_dir);
  self->data_dir = g_strdup (data_dir);
}

void
tm_application_set_language (TmApplication *self,
                             const char    *language)
{
  GAction *action;
  gboolean changed;

  g_return_if_fail (TM_IS_APPLICATION (self));
  g_return_if_fail (language != NULL);

  if (!tm_i18n_is_offered (language))
    {
      g_warning ("Language “%s” is not offered", language);
      return;
    }

  /* gettext first: the language buttons check it when the state changes. */
  changed = g_strcmp0 (tm_i18n_get_language (), language) != 0;
  if (changed)
    tm_i18n_set_language (language);
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "language");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (language));
  g_settings_set_string (self->settings, "language", language);
  if (!changed)
    return;

  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (TM_IS_WINDOW (l->data))
      tm_window_rebuild (TM_WINDOW (l->data), TRUE);
}
