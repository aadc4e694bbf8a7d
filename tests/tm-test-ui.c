/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-test"

#include "config.h"

#include "tm-i18n.h"
#include "tm-main-view.h"
#include "tm-test-ui.h"
#include "tm-test-utils.h"

void
tm_test_ui_init (int          *argc,
                 char       ***argv,
                 const char   *a11y)
{
  g_setenv ("GTK_A11Y", a11y, TRUE);
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", "disabled:", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", TRUE);
  tm_i18n_init ();
  gtk_disable_setlocale ();
  g_test_init (argc, argv, NULL);
  if (!gtk_init_check ())
    g_error ("cannot open a display: run this test under Xvfb (build-aux/with-display.sh)");
  adw_init ();
}

gboolean
tm_test_ui_wait_for (TmTestUiCondition cond,
                     gpointer          data)
{
  gint64 deadline = g_get_monotonic_time () + TM_TEST_UI_WAIT_SECONDS * G_USEC_PER_SEC;

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return TRUE;
}

void
tm_test_ui_drain (void)
{
  for (int i = 0; i < 100 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

gboolean
tm_test_ui_is_mapped (gpointer widget)
{
  return gtk_widget_get_mapped (GTK_WIDGET (widget));
}

void
tm_test_ui_reset_settings (const char *schema_id)
{
  g_autoptr(GSettings) settings = g_settings_new (schema_id);
  g_autoptr(GSettingsSchema) schema = NULL;
  g_auto(GStrv) keys = NULL;

  g_object_get (settings, "settings-schema", &schema, NULL);
  keys = g_settings_schema_list_keys (schema);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (settings, keys[i]);
}

void
tm_test_ui_reset_app_settings (const char *language)
{
  g_autoptr(GSettings) settings = NULL;

  tm_test_ui_reset_settings (APP_ID);
  settings = g_settings_new (APP_ID);
  g_settings_set_string (settings, "language", language);
}

void
tm_test_ui_start_app (TmApplication **app,
                      TmWindow      **window)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (*app);
  *app = tm_application_new ();
  g_application_register (G_APPLICATION (*app), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (tm_application_get_store (*app));
  g_application_activate (G_APPLICATION (*app));
  *window = TM_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (*app)));
  g_assert_true (TM_IS_WINDOW (*window));
  g_assert_true (tm_test_ui_wait_for (tm_test_ui_is_mapped, *window));
  tm_test_ui_drain ();
}

void
tm_test_ui_stop_app (TmApplication **app,
                     TmWindow      **window)
{
  GList *windows;

  while ((windows = gtk_application_get_windows (GTK_APPLICATION (*app))) != NULL)
    gtk_window_destroy (GTK_WINDOW (windows->data));
  *window = NULL;
  tm_test_ui_drain ();
  /* The app is not run here (g_application_run() would stop its proxy on quit, and
   * that path is tested on its own): stop it by hand. */
  tm_application_stop_proxy (*app);
  g_clear_object (app);
  tm_test_ui_drain ();
}

void
tm_test_ui_show_page (TmWindow   *window,
                      const char *name)
{
  tm_window_show_page (window, name);
  tm_test_ui_drain ();
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (
                     tm_main_view_get_stack (tm_window_get_main_view (window))),
                   ==, name);
}

void
tm_test_ui_app_setup (TmTestUiApp   *f,
                      gconstpointer  language)
{
  f->data_dir = tm_test_make_tmp_dir ();
  g_setenv ("TEMOIN_DATA_DIR", f->data_dir, TRUE);
  tm_test_ui_reset_app_settings (language != NULL ? language : "en");
}

void
tm_test_ui_app_teardown (TmTestUiApp   *f,
                         gconstpointer  data)
{
  if (f->app != NULL)
    tm_test_ui_app_stop (f);
  tm_test_rmdir (f->data_dir);
  g_clear_pointer (&f->data_dir, g_free);
}

void
tm_test_ui_app_start (TmTestUiApp *f)
{
  tm_test_ui_start_app (&f->app, &f->window);
}

void
tm_test_ui_app_stop (TmTestUiApp *f)
{
  tm_test_ui_stop_app (&f->app, &f->window);
}

void
tm_test_ui_app_show_page (TmTestUiApp *f,
                          const char  *name)
{
  tm_test_ui_show_page (f->window, name);
}

GtkWidget *
tm_test_ui_find_widget (GtkWidget     *root,
                        GType          type,
                        TmTestUiMatch  match,
                        gconstpointer  data)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type) && (match == NULL || match (root, data)))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = tm_test_ui_find_widget (child, type, match, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}

gboolean
tm_test_ui_row_has_title (GtkWidget     *row,
                          gconstpointer  title)
{
  return g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)), title) == 0;
}

gboolean
tm_test_ui_button_has_label (GtkWidget     *button,
                             gconstpointer  label)
{
  return g_strcmp0 (gtk_button_get_label (GTK_BUTTON (button)), label) == 0;
}

gboolean
tm_test_ui_button_is_mapped_with_label (GtkWidget     *button,
                                        gconstpointer  label)
{
  return gtk_widget_get_mapped (button) && tm_test_ui_button_has_label (button, label);
}

gboolean
tm_test_ui_label_has_text (GtkWidget     *label,
                           gconstpointer  text)
{
  return strstr (gtk_label_get_text (GTK_LABEL (label)), text) != NULL;
}

gboolean
tm_test_ui_label_is_mapped_with_text (GtkWidget     *label,
                                      gconstpointer  text)
{
  return gtk_widget_get_mapped (label) && tm_test_ui_label_has_text (label, text);
}

static gboolean
label_is_mapped_reading (GtkWidget     *label,
                         gconstpointer  text)
{
  return gtk_widget_get_mapped (label)
         && g_str_equal (gtk_label_get_text (GTK_LABEL (label)), text);
}

/* A widget is mapped only under a mapped parent: one search finds both. */
gboolean
tm_test_ui_shows_label (GtkWidget  *root,
                        const char *text)
{
  return tm_test_ui_find_widget (root, GTK_TYPE_LABEL, label_is_mapped_reading, text) != NULL;
}

gboolean
tm_test_ui_shows_text (GtkWidget  *root,
                       const char *text)
{
  return tm_test_ui_find_widget (root, GTK_TYPE_LABEL, tm_test_ui_label_is_mapped_with_text,
                                 text) != NULL;
}

GtkWindow *
tm_test_ui_find_toplevel (GType       type,
                          const char *heading)
{
  GListModel *toplevels = gtk_window_get_toplevels ();

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) window = g_list_model_get_item (toplevels, i);

      if (!G_TYPE_CHECK_INSTANCE_TYPE (window, type)
          || !gtk_widget_get_mapped (GTK_WIDGET (window)))
        continue;
      if (heading != NULL
          && (!ADW_IS_MESSAGE_DIALOG (window)
              || g_strcmp0 (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (window)),
                            heading) != 0))
        continue;
      return GTK_WINDOW (window);
    }
  return NULL;
}

void
tm_test_ui_click (gpointer button)
{
  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (button)));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (button)));
  g_signal_emit_by_name (button, "clicked");
  tm_test_ui_drain ();
}

typedef struct {
  GtkSwitch *sw;
  gboolean   wanted;
} SwitchWait;

static gboolean
switch_reached (gpointer data)
{
  SwitchWait *w = data;

  return gtk_switch_get_active (w->sw) == w->wanted;
}

gboolean
tm_test_ui_flip_switch (GtkSwitch *sw)
{
  SwitchWait w = { sw, !gtk_switch_get_active (sw) };
  gboolean reached;

  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (sw)));
  gtk_widget_activate (GTK_WIDGET (sw));
  tm_test_ui_drain ();
  reached = tm_test_ui_wait_for (switch_reached, &w);
  tm_test_ui_drain ();
  return reached;
}
