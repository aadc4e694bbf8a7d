/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tm-application.h"
#include "tm-data-dir.h"
#include "tm-i18n.h"
#include "tm-import-dialog.h"
#include "tm-rules.h"
#include "tm-cookies-page.h"
#include "tm-window.h"
#include "tm-desktop-proxy.h"

struct _TmApplication
{
  AdwApplication  parent_instance;

  char           *data_dir;
  GSettings      *settings;
  TmConsentStore *store;
  GError         *store_error;
  TmSessionStore *session_store;
  GError         *session_store_error;
  TmRules        *rules;
  TmClassifier   *classifier;

  /* The Proxy page's in-app proxy: here, so that it outlives a language rebuild. */
  char           *proxy_data_dir;
  TmProxy        *proxy;
  TmDesktopProxy *desktop_proxy;   /* nullable: no GNOME proxy schemas */
  char           *desktop_restored_message;
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

static void
import_database_action_cb (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  TmApplication *self = TM_APPLICATION (user_data);

  if (self->store != NULL)
    tm_import_dialog_run (gtk_application_get_active_window (GTK_APPLICATION (self)),
                          self->store);
}

static const GActionEntry app_entries[] = {
  { "import-database", import_database_action_cb, NULL, NULL, NULL },
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

/* The in-app proxy (stopped), and the desktop's proxy settings put back if an
 * earlier run ended without restoring them (a crash) and no proxy runs now. */
static void
setup_proxy (TmApplication *self,
             const char    *data_dir)
{
  g_autoptr(GError) error = NULL;
  gboolean restored = FALSE;

  if (self->store == NULL)
    return;
  self->proxy_data_dir = g_strdup (data_dir);
  self->proxy = tm_proxy_new (data_dir, self->store, self->session_store);
  if (self->classifier != NULL)
    tm_proxy_set_classifier (self->proxy, self->classifier);

  self->desktop_proxy = tm_desktop_proxy_new_for_desktop (data_dir);
  if (self->desktop_proxy == NULL || !tm_desktop_proxy_get_applied (self->desktop_proxy)
      || tm_proxy_lock_holder (data_dir, NULL, NULL))
    return;
  if (!tm_desktop_proxy_restore (self->desktop_proxy, &restored, &error))
    self->desktop_restored_message = g_strdup (error->message);
  else if (restored)
    self->desktop_restored_message =
      g_strdup (_("The desktop’s proxy settings were restored: Témoin had stopped "
                  "without restoring them"));
}

static void
tm_application_shutdown (GApplication *app)
{
  tm_application_stop_proxy (TM_APPLICATION (app));

  G_APPLICATION_CLASS (tm_application_parent_class)->shutdown (app);
}

static void
tm_application_startup (GApplication *app)
{
  TmApplication *self = TM_APPLICATION (app);
  GAction *language_action;
  g_autofree char *data_dir = NULL;
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *shortcuts_accels[] = { "<Control>question", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };

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
  /* GtkWindow's own action: dialogs and the About window close with it too. */
  gtk_application_set_accels_for_action (GTK_APPLICATION (self), "window.close",
                                         close_accels);

  data_dir = tm_data_dir_resolve (self->data_dir, &self->store_error);
  if (data_dir != NULL)
    self->store = tm_consent_store_new (data_dir, &self->store_error);
  if (data_dir != NULL)
    self->session_store = tm_session_store_new (data_dir, &self->session_store_error);

  /* The Preview page decides with the user's rules; without them it still works. */
  self->classifier = tm_classifier_new ();
  if (self->store != NULL)
    {
      g_autoptr(GError) error = NULL;

      self->rules = tm_rules_new (self->store, &error);
      if (self->rules == NULL)
        g_warning ("Could not load the rules: %s", error->message);
      tm_classifier_set_rules (self->classifier, self->rules);
    }

  setup_proxy (self, data_dir);
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
      const char *message = self->store_error != NULL ? self->store_error->message : "";
      g_autofree char *body = NULL;

      /* The data folder's own messages already say what to do: not twice. */
      if (strstr (message, "--data-dir") != NULL)
        body = g_strdup_printf (_("%s\n\nThen start Témoin again."), message);
      else
        body = g_strdup_printf (_("%s\n\nTémoin keeps your choice in its data folder. "
                                  "Check that the folder exists and can be written (or "
                                  "start Témoin with --data-dir DIR to use another one), "
                                  "then start it again."), message);

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
  if (self->desktop_restored_message != NULL)
    {
      GtkWidget *content = adw_application_window_get_content (ADW_APPLICATION_WINDOW (window));

      if (ADW_IS_TOAST_OVERLAY (content))
        adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (content),
                                     adw_toast_new (self->desktop_restored_message));
    }

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

  if (self->proxy != NULL)
    tm_application_stop_proxy (self);
  g_clear_object (&self->proxy);
  g_clear_object (&self->desktop_proxy);
  /* Deletions still undoable in a toast are done now. */
  if (self->session_store != NULL)
    tm_cookies_page_commit_pending (self->session_store);
  g_clear_object (&self->session_store);
  g_clear_object (&self->classifier);
  g_clear_object (&self->rules);
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
  g_clear_error (&self->session_store_error);
  g_free (self->proxy_data_dir);
  g_free (self->desktop_restored_message);

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
  app_class->shutdown = tm_application_shutdown;
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

/**
 * tm_application_get_session_store:
 * @self: the application
 * @error: (nullable): where to copy why the store could not be opened
 *
 * Returns: (transfer none) (nullable): the proxy's cookie session store in the
 *   data folder, or %NULL before startup or when it could not be opened
 */
TmSessionStore *
tm_application_get_session_store (TmApplication  *self,
                                  GError        **error)
{
  g_return_val_if_fail (TM_IS_APPLICATION (self), NULL);

  if (self->session_store == NULL && self->session_store_error != NULL && error != NULL)
    *error = g_error_copy (self->session_store_error);
  return self->session_store;
}

/**
 * tm_application_get_classifier:
 * @self: the application
 *
 * Returns: (transfer none) (nullable): the classifier with the user's rules,
 *   %NULL before startup
 */
TmClassifier *
tm_application_get_classifier (TmApplication *self)
{
  g_return_val_if_fail (TM_IS_APPLICATION (self), NULL);

  return self->classifier;
}

/**
 * tm_application_get_rules:
 * @self: the application
 *
 * Returns: (transfer none) (nullable): the user's rules, following the store
 */
TmRules *
tm_application_get_rules (TmApplication *self)
{
  g_return_val_if_fail (TM_IS_APPLICATION (self), NULL);

  return self->rules;
}

/**
 * tm_application_get_proxy:
 * @self: the application
 *
 * Returns: (transfer none) (nullable): the in-app proxy, running or not; %NULL
 *   before startup or without a store
 */
TmProxy *
tm_application_get_proxy (TmApplication *self)
{
  g_return_val_if_fail (TM_IS_APPLICATION (self), NULL);

  return self->proxy;
}

/**
 * tm_application_get_desktop_proxy:
 * @self: the application
 *
 * Returns: (transfer none) (nullable): GNOME's proxy settings, %NULL when their
 *   schemas are not installed
 */
TmDesktopProxy *
tm_application_get_desktop_proxy (TmApplication *self)
{
  g_return_val_if_fail (TM_IS_APPLICATION (self), NULL);

  return self->desktop_proxy;
}

/**
 * tm_application_get_data_dir:
 * @self: the application
 *
 * Returns: (transfer none) (nullable): the data directory in use, once the store
 *   is open
 */
const char *
tm_application_get_data_dir (TmApplication *self)
{
  g_return_val_if_fail (TM_IS_APPLICATION (self), NULL);

  return self->proxy_data_dir;
}

/**
 * tm_application_get_desktop_restored_message:
 * @self: the application
 *
 * Returns: (transfer none) (nullable): what was said at startup about the
 *   desktop's proxy settings restored after a crash, %NULL when nothing was
 */
const char *
tm_application_get_desktop_restored_message (TmApplication *self)
{
  g_return_val_if_fail (TM_IS_APPLICATION (self), NULL);

  return self->desktop_restored_message;
}

/**
 * tm_application_start_proxy:
 * @self: the application
 * @error: return location for a #GError
 *
 * Starts the in-app proxy on the proxy-port setting, as a new proxy session.
 *
 * Returns: %TRUE when it runs; %FALSE with @error set (%TM_PROXY_ERROR_PORT_IN_USE,
 *   %TM_PROXY_ERROR_ALREADY_RUNNING, ...)
 */
gboolean
tm_application_start_proxy (TmApplication  *self,
                            GError        **error)
{
  g_return_val_if_fail (TM_IS_APPLICATION (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->proxy == NULL)
    {
      g_set_error_literal (error, TM_PROXY_ERROR, TM_PROXY_ERROR_FAILED,
                           _("The proxy cannot start without Témoin’s data folder."));
      return FALSE;
    }
  if (tm_proxy_is_running (self->proxy))
    return TRUE;
  if (tm_proxy_lock_holder (self->proxy_data_dir, NULL, NULL))
    return tm_proxy_start (self->proxy, error);   /* fails, saying which one runs */
  if (self->session_store != NULL
      && !tm_session_store_begin_session (self->session_store, error))
    return FALSE;
  return tm_proxy_start (self->proxy, error);
}

/**
 * tm_application_stop_proxy:
 * @self: the application
 *
 * Puts the desktop's proxy settings back if they point at the in-app proxy, then
 * stops it and ends its session in the cookie store. Safe to call twice.
 */
void
tm_application_stop_proxy (TmApplication *self)
{
  g_autoptr(GError) error = NULL;

  g_return_if_fail (TM_IS_APPLICATION (self));

  if (self->desktop_proxy != NULL && tm_desktop_proxy_get_applied (self->desktop_proxy)
      && !tm_desktop_proxy_restore (self->desktop_proxy, NULL, &error))
    {
      g_warning ("%s", error->message);
      g_clear_error (&error);
    }
  if (self->proxy == NULL || !tm_proxy_is_running (self->proxy))
    return;
  tm_proxy_stop (self->proxy);
  if (self->session_store != NULL
      && (!tm_session_store_flush (self->session_store, &error)
          || !tm_session_store_end_session (self->session_store, &error)))
    g_warning ("Could not save the cookie store: %s", error->message);
}
