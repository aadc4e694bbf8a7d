/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-window.h"
#include "tm-charter.h"
#include "tm-i18n.h"

struct _TmWindow
{
  AdwApplicationWindow  parent_instance;

  AdwToastOverlay      *toast_overlay;

  TmMainView           *main_view;
  TmConsentStore       *store;
  TmChoiceDraft        *draft;
  GSettings            *settings;
  GtkNativeDialog      *file_chooser;
};

G_DEFINE_FINAL_TYPE (TmWindow, tm_window, ADW_TYPE_APPLICATION_WINDOW)

static void
show_toast (TmWindow   *self,
            const char *title)
{
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (title));
}

static void
show_error (TmWindow   *self,
            const char *heading,
            const char *body)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (self), heading, body);

  adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (dialog), "close", _("_Close"));
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
save_choice (TmWindow        *self,
             TmCategories     categories,
             TmConsentMethod  method)
{
  g_autoptr(TmConsent) consent = NULL;
  g_autoptr(GError) error = NULL;

  consent = tm_consent_store_save (self->store, categories, method,
                                   tm_i18n_get_language (), tm_charter_get_revision (),
                                   &error);
  if (consent == NULL)
    {
      g_autofree char *body =
        g_strdup_printf (_("%s\n\nYour previous choice still applies. Check that the "
                           "disk is not full and that the data folder can be written, "
                           "then try again."), error->message);

      show_error (self, _("Could Not Save Your Choices"), body);
      return;
    }
  tm_choice_draft_reset (self->draft, tm_consent_get_categories (consent));
  show_toast (self, _("Choices saved"));
}

static void
save_action_cb (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  TmWindow *self = TM_WINDOW (widget);

  save_choice (self, tm_choice_draft_get_categories (self->draft), TM_CONSENT_METHOD_CUSTOM);
}

static void
accept_all_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  save_choice (TM_WINDOW (widget), TM_CATEGORIES_ALL, TM_CONSENT_METHOD_ACCEPT_ALL);
}

static void
reject_all_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  save_choice (TM_WINDOW (widget), TM_CATEGORIES_NONE, TM_CONSENT_METHOD_REJECT_ALL);
}

static void
export_response_cb (TmWindow             *self,
                    int                   response,
                    GtkFileChooserNative *chooser)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    {
      file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      json = tm_consent_store_export_history_json (self->store, &error);
      if (json != NULL)
        g_file_replace_contents (file, json, strlen (json), NULL, FALSE,
                                 G_FILE_CREATE_PRIVATE | G_FILE_CREATE_REPLACE_DESTINATION,
                                 NULL, NULL, &error);
      if (error != NULL)
        {
          g_autofree char *body =
            g_strdup_printf (_("%s\n\nChoose another folder, or free some space, "
                               "and try again."), error->message);

          show_error (self, _("Could Not Export the History"), body);
        }
      else
        show_toast (self, _("History exported"));
    }
  g_clear_object (&self->file_chooser);
}

static void
export_history_action_cb (GtkWidget  *widget,
                          const char *action_name,
                          GVariant   *parameter)
{
  TmWindow *self = TM_WINDOW (widget);
  GtkFileChooserNative *chooser;

  if (self->file_chooser != NULL)
    return;
  chooser = gtk_file_chooser_native_new (_("Export History"), GTK_WINDOW (self),
                                         GTK_FILE_CHOOSER_ACTION_SAVE,
                                         _("_Export"), _("_Cancel"));
  /* TRANSLATORS: the suggested file name of an exported history. */
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), _("temoin-history.json"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect_object (chooser, "response", G_CALLBACK (export_response_cb),
                           self, G_CONNECT_SWAPPED);
  self->file_chooser = GTK_NATIVE_DIALOG (chooser);
  gtk_native_dialog_show (self->file_chooser);
}

static void
erase_response_cb (TmWindow   *self,
                   const char *response)
{
  g_autoptr(GError) error = NULL;

  if (!g_str_equal (response, "erase"))
    return;
  if (!tm_consent_store_erase_history (self->store, &error))
    {
      g_autofree char *body =
        g_strdup_printf (_("%s\n\nNothing was erased. Check that the data folder can be "
                           "written, then try again."), error->message);

      show_error (self, _("Could Not Erase the History"), body);
      return;
    }
  tm_choice_draft_reset (self->draft, TM_CATEGORIES_DEFAULT);
  show_toast (self, _("History erased"));
}

static void
erase_history_action_cb (GtkWidget  *widget,
                         const char *action_name,
                         GVariant   *parameter)
{
  TmWindow *self = TM_WINDOW (widget);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Erase the History?"),
                                   _("Every saved choice is erased, the current one too. "
                                     "Optional cookies are then refused until you "
                                     "choose again. This cannot be undone."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "erase", _("_Erase"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "erase",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (erase_response_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
show_page_action_cb (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  tm_window_show_page (TM_WINDOW (widget), g_variant_get_string (parameter, NULL));
}

static void
history_changed_cb (TmWindow *self)
{
  GListModel *history = tm_consent_store_get_history (self->store);
  gboolean any = g_list_model_get_n_items (history) > 0;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.export-history", any);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.erase-history", any);
}

/* A choice saved elsewhere (temoinctl, another window): the switches follow it
 * unless the user is in the middle of changing them. */
static void
consent_changed_cb (TmWindow *self)
{
  g_autoptr(TmConsent) current = NULL;

  if (tm_choice_draft_get_dirty (self->draft))
    return;
  current = tm_consent_store_dup_current (self->store);
  tm_choice_draft_reset (self->draft, tm_consent_get_categories (current));
}

/* A page saved by another version of Témoin may not exist here: keep the default. */
static gboolean
get_page_mapping (GValue   *value,
                  GVariant *variant,
                  gpointer  user_data)
{
  const char *name = g_variant_get_string (variant, NULL);

  if (adw_view_stack_get_child_by_name (ADW_VIEW_STACK (user_data), name) == NULL)
    return FALSE;
  g_value_set_string (value, name);
  return TRUE;
}

static void
load_help_overlay (TmWindow *self)
{
  g_autoptr(GtkBuilder) builder =
    gtk_builder_new_from_resource ("/io/github/temoin/Temoin/gtk/help-overlay.ui");
  GObject *overlay = gtk_builder_get_object (builder, "help_overlay");

  /* Built again after a language change, like the rest of the window. */
  gtk_application_window_set_help_overlay (GTK_APPLICATION_WINDOW (self),
                                           GTK_SHORTCUTS_WINDOW (overlay));
}

static void
tm_window_dispose (GObject *object)
{
  TmWindow *self = TM_WINDOW (object);

  if (self->file_chooser != NULL)
    gtk_native_dialog_destroy (self->file_chooser);
  g_clear_object (&self->file_chooser);
  if (self->main_view != NULL)
    {
      g_settings_unbind (tm_main_view_get_stack (self->main_view), "visible-child-name");
      g_settings_unbind (tm_main_view_get_charter_page (self->main_view), "side-by-side");
      self->main_view = NULL;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), TM_TYPE_WINDOW);
  g_clear_object (&self->store);
  g_clear_object (&self->draft);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (tm_window_parent_class)->dispose (object);
}

/* GtkWindow:application is not a construct property: this runs once it is set. */
static void
tm_window_setup (TmWindow      *self,
                 TmApplication *app)
{
  g_autoptr(TmConsent) current = NULL;

  self->store = g_object_ref (tm_application_get_store (app));
  self->settings = g_object_ref (tm_application_get_settings (app));

  current = tm_consent_store_dup_current (self->store);
  tm_choice_draft_reset (self->draft, tm_consent_get_categories (current));

  g_settings_bind (self->settings, "window-width", self, "default-width",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-height", self, "default-height",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "window-maximized", self, "maximized",
                   G_SETTINGS_BIND_DEFAULT);

  g_signal_connect_object (self->store, "consent-changed", G_CALLBACK (consent_changed_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (tm_consent_store_get_history (self->store), "items-changed",
                           G_CALLBACK (history_changed_cb), self, G_CONNECT_SWAPPED);
  history_changed_cb (self);

  tm_window_rebuild (self, FALSE);

  /* A choice that must be made again comes first. A first start (nothing saved)
   * still begins with the charter: read, then choose. */
  if (tm_consent_is_saved (current)
      && tm_consent_store_is_outdated (self->store, current, tm_charter_get_revision (), NULL))
    tm_window_show_page (self, "choices");
}

static void
tm_window_class_init (TmWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tm_window_dispose;

  g_type_ensure (TM_TYPE_MAIN_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/temoin/Temoin/ui/tm-window.ui");
  gtk_widget_class_bind_template_child (widget_class, TmWindow, toast_overlay);

  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action_cb);
  gtk_widget_class_install_action (widget_class, "win.accept-all", NULL, accept_all_action_cb);
  gtk_widget_class_install_action (widget_class, "win.reject-all", NULL, reject_all_action_cb);
  gtk_widget_class_install_action (widget_class, "win.export-history", NULL,
                                   export_history_action_cb);
  gtk_widget_class_install_action (widget_class, "win.erase-history", NULL,
                                   erase_history_action_cb);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action_cb);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "win.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK,
                                       "win.show-page", "s", "charter");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK,
                                       "win.show-page", "s", "choices");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK,
                                       "win.show-page", "s", "preview");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_4, GDK_ALT_MASK,
                                       "win.show-page", "s", "cookies");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_5, GDK_ALT_MASK,
                                       "win.show-page", "s", "proxy");
}

static void
tm_window_init (TmWindow *self)
{
  self->draft = tm_choice_draft_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * tm_window_new:
 * @application: the application, whose consent store is open
 *
 * Returns: (transfer none): a new window, owned by @application
 */
TmWindow *
tm_window_new (TmApplication *application)
{
  TmWindow *self;

  g_return_val_if_fail (TM_IS_APPLICATION (application), NULL);
  g_return_val_if_fail (tm_application_get_store (application) != NULL, NULL);

  self = g_object_new (TM_TYPE_WINDOW, "application", application, NULL);
  tm_window_setup (self, application);
  return self;
}

void
tm_window_rebuild (TmWindow *self,
                   gboolean  focus_language)
{
  g_autofree char *visible_page = NULL;
  TmMainView *view;

  g_return_if_fail (TM_IS_WINDOW (self));

  if (self->main_view != NULL)
    {
      AdwViewStack *old_stack = tm_main_view_get_stack (self->main_view);

      visible_page = g_strdup (adw_view_stack_get_visible_child_name (old_stack));
      /* Unbind first: tearing the old stack down changes its visible page. */
      g_settings_unbind (old_stack, "visible-child-name");
      g_settings_unbind (tm_main_view_get_charter_page (self->main_view), "side-by-side");
    }

  view = tm_main_view_new (self->store, self->draft);
  {
    TmApplication *app = TM_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
    g_autoptr(GError) session_error = NULL;
    TmSessionStore *session_store = tm_application_get_session_store (app, &session_error);

    tm_preview_page_set_model (tm_main_view_get_preview_page (view), self->store,
                               tm_application_get_classifier (app), session_store,
                               self->draft);
    tm_cookies_page_set_model (tm_main_view_get_cookies_page (view), session_store,
                               session_error, self->store, tm_application_get_rules (app));
  }
  tm_proxy_page_set_application (tm_main_view_get_proxy_page (view),
                                 TM_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));
  g_settings_bind (self->settings, "side-by-side",
                   tm_main_view_get_charter_page (view), "side-by-side",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "last-page",
                                tm_main_view_get_stack (view), "visible-child-name",
                                G_SETTINGS_BIND_DEFAULT | G_SETTINGS_BIND_NO_SENSITIVITY,
                                get_page_mapping, NULL,
                                tm_main_view_get_stack (view), NULL);
  self->main_view = view;
  adw_toast_overlay_set_child (self->toast_overlay, GTK_WIDGET (view));
  if (visible_page != NULL)
    tm_window_show_page (self, visible_page);

  gtk_window_set_title (GTK_WINDOW (self), _("Témoin"));
  load_help_overlay (self);

  if (focus_language)
    {
      GtkWidget *button = tm_main_view_get_language_button (view, tm_i18n_get_language ());

      if (button != NULL)
        gtk_widget_grab_focus (button);
    }
}

TmMainView *
tm_window_get_main_view (TmWindow *self)
{
  g_return_val_if_fail (TM_IS_WINDOW (self), NULL);

  return self->main_view;
}

TmChoiceDraft *
tm_window_get_draft (TmWindow *self)
{
  g_return_val_if_fail (TM_IS_WINDOW (self), NULL);

  return self->draft;
}

void
tm_window_show_page (TmWindow   *self,
                     const char *page_name)
{
  AdwViewStack *stack;

  g_return_if_fail (TM_IS_WINDOW (self));
  g_return_if_fail (page_name != NULL);

  stack = tm_main_view_get_stack (self->main_view);
  if (adw_view_stack_get_child_by_name (stack, page_name) != NULL)
    adw_view_stack_set_visible_child_name (stack, page_name);
}
