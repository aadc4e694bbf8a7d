/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-bypass.h"
#include "tm-bypass-group.h"
#include "tm-rule-menu.h"
#include "tm-settings.h"

struct _TmBypassGroup
{
  AdwPreferencesGroup  parent_instance;

  AdwEntryRow         *add_row;
  GtkButton           *add_button;
  GtkLabel            *error_label;
  GtkListBox          *list_box;
  GtkLabel            *empty_label;
  GtkButton           *defaults_button;

  TmConsentStore      *store;
  GStrv                shown;      /* the entries the list shows, as saved */
};

G_DEFINE_FINAL_TYPE (TmBypassGroup, tm_bypass_group, ADW_TYPE_PREFERENCES_GROUP)

static void
show_error (TmBypassGroup *self,
            const char    *message)
{
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), message != NULL);
  if (message != NULL)
    {
      gtk_label_set_label (self->error_label, message);
      gtk_widget_add_css_class (GTK_WIDGET (self->add_row), "error");
      gtk_accessible_update_property (GTK_ACCESSIBLE (self->add_row),
                                      GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
    }
  else
    {
      gtk_widget_remove_css_class (GTK_WIDGET (self->add_row), "error");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (self->add_row),
                                     GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}

static void
show_toast (TmBypassGroup *self,
            AdwToast      *toast)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
  else
    g_object_unref (toast);   /* adw_toast_new() gives a full reference */
}

static void
show_save_error (TmBypassGroup *self,
                 const GError  *error)
{
  g_autofree char *title =
    g_strdup_printf (_("Could not save the hosts never inspected: %s"), error->message);

  show_toast (self, adw_toast_new (title));
}

/* What an entry covers, in words. (transfer full) */
static char *
describe_entry (const char *entry)
{
  if (g_str_has_prefix (entry, "*."))
    /* TRANSLATORS: a host never inspected; %s is a domain such as bank.example. */
    return g_strdup_printf (_("%s and all its subdomains"), entry + 2);
  if (g_hostname_is_ip_address (entry))
    return g_strdup (_("This IP address only"));
  return g_strdup (_("This host only, not its subdomains"));
}

static gboolean
is_default (const char *entry)
{
  g_auto(GStrv) defaults = tm_bypass_parse (TM_SETTING_HTTPS_BYPASS_DEFAULT);

  return g_strv_contains ((const char * const *) defaults, entry);
}

static void remove_clicked_cb (TmBypassGroup *self,
                               GtkButton     *button);

static GtkWidget *
entry_row_new (TmBypassGroup *self,
               const char    *entry)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");
  g_autofree char *subtitle = describe_entry (entry);
  /* TRANSLATORS: accessible name of a button; %s is a host such as *.bank.example. */
  g_autofree char *label = g_strdup_printf (_("Remove %s from the hosts never inspected"),
                                            entry);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), entry);
  if (is_default (entry))
    {
      /* TRANSLATORS: the subtitle of a host that Témoin lists by default; %s says
       * what the entry covers, e.g. "apple.com and all its subdomains". */
      g_autofree char *with_default = g_strdup_printf (_("%s · listed by default"), subtitle);

      g_free (subtitle);
      subtitle = g_steal_pointer (&with_default);
    }
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Remove"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  g_object_set_data_full (G_OBJECT (button), "tm-entry", g_strdup (entry), g_free);
  g_signal_connect_object (button, "clicked", G_CALLBACK (remove_clicked_cb), self,
                           G_CONNECT_SWAPPED);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  g_object_set_data (G_OBJECT (row), "tm-remove-button", button);

  return row;
}

/* Some default host is not in @list. */
static gboolean
defaults_missing (const char * const *list)
{
  g_auto(GStrv) defaults = tm_bypass_parse (TM_SETTING_HTTPS_BYPASS_DEFAULT);

  for (guint i = 0; defaults[i] != NULL; i++)
    if (!g_strv_contains (list, defaults[i]))
      return TRUE;
  return FALSE;
}

static void
refresh (TmBypassGroup *self)
{
  g_auto(GStrv) list = tm_bypass_load (self->store);
  GtkWidget *child;

  if (self->shown != NULL && g_strv_equal ((const char * const *) self->shown,
                                           (const char * const *) list))
    return;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list_box))) != NULL)
    gtk_list_box_remove (self->list_box, child);
  for (guint i = 0; list[i] != NULL; i++)
    gtk_list_box_append (self->list_box, entry_row_new (self, list[i]));

  gtk_widget_set_visible (GTK_WIDGET (self->list_box), list[0] != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->empty_label), list[0] == NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->defaults_button),
                          defaults_missing ((const char * const *) list));

  g_strfreev (self->shown);
  self->shown = g_steal_pointer (&list);
}

/* Focus the remove button of row @index, or the last row's, or the entry. */
static void
focus_near (TmBypassGroup *self,
            guint          index)
{
  GtkListBoxRow *row = gtk_list_box_get_row_at_index (self->list_box, (int) index);
  guint n = self->shown != NULL ? g_strv_length (self->shown) : 0;

  if (row == NULL && n > 0)
    row = gtk_list_box_get_row_at_index (self->list_box, (int) n - 1);
  if (row != NULL)
    gtk_widget_grab_focus (g_object_get_data (G_OBJECT (row), "tm-remove-button"));
  else
    gtk_widget_grab_focus (GTK_WIDGET (self->add_row));
}

static gboolean
add_entry (TmBypassGroup *self,
           const char    *entry,
           GError       **error)
{
  g_auto(GStrv) list = tm_bypass_load (self->store);
  g_autoptr(GStrvBuilder) builder = NULL;
  g_auto(GStrv) updated = NULL;

  if (g_strv_contains ((const char * const *) list, entry))
    return TRUE;
  builder = g_strv_builder_new ();
  g_strv_builder_addv (builder, (const char **) list);
  g_strv_builder_add (builder, entry);
  updated = g_strv_builder_end (builder);
  return tm_bypass_save (self->store, (const char * const *) updated, error);
}

static void
undo_remove_cb (AdwToast      *toast,
                TmBypassGroup *self)
{
  g_autoptr(GError) error = NULL;

  if (!add_entry (self, g_object_get_data (G_OBJECT (toast), "tm-entry"), &error))
    show_save_error (self, error);
  refresh (self);
}

static void
remove_clicked_cb (TmBypassGroup *self,
                   GtkButton     *button)
{
  g_autofree char *entry = g_strdup (g_object_get_data (G_OBJECT (button), "tm-entry"));
  g_auto(GStrv) list = tm_bypass_load (self->store);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  guint index = 0;
  AdwToast *toast;

  for (guint i = 0; list[i] != NULL; i++)
    {
      if (g_str_equal (list[i], entry))
        index = i;
      else
        g_strv_builder_add (builder, list[i]);
    }
  updated = g_strv_builder_end (builder);
  if (!tm_bypass_save (self->store, (const char * const *) updated, &error))
    {
      show_save_error (self, error);
      return;
    }
  refresh (self);
  focus_near (self, index);

  /* TRANSLATORS: a toast after a Remove button; %s is a host such as *.bank.example. */
  title = g_strdup_printf (_("%s removed from the hosts never inspected"), entry);
  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  g_object_set_data_full (G_OBJECT (toast), "tm-entry", g_steal_pointer (&entry), g_free);
  g_signal_connect_object (toast, "button-clicked", G_CALLBACK (undo_remove_cb), self, 0);
  show_toast (self, toast);
}

/**
 * tm_bypass_group_add:
 * @self: the group
 * @text: one entry as typed: a host, `*.domain` or an IP address
 *
 * Adds @text to the saved list, normalized; adding an entry already there is
 * fine. On failure the reason is shown under the entry, which keeps @text.
 *
 * Returns: whether the list holds @text now
 */
gboolean
tm_bypass_group_add (TmBypassGroup *self,
                     const char    *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *stripped = NULL;
  g_autofree char *entry = NULL;

  g_return_val_if_fail (TM_IS_BYPASS_GROUP (self), FALSE);
  g_return_val_if_fail (text != NULL, FALSE);
  g_return_val_if_fail (self->store != NULL, FALSE);

  stripped = g_strstrip (g_strdup (text));
  if (stripped[0] == '\0')
    return FALSE;
  entry = tm_bypass_normalize_entry (stripped, &error);
  if (entry == NULL)
    {
      show_error (self, error->message);
      return FALSE;
    }
  if (!add_entry (self, entry, &error))
    {
      g_autofree char *message =
        g_strdup_printf (_("Could not save the hosts never inspected: %s"), error->message);

      show_error (self, message);
      return FALSE;
    }
  show_error (self, NULL);
  refresh (self);
  return TRUE;
}

static void
add_activated_cb (TmBypassGroup *self)
{
  if (tm_bypass_group_add (self, gtk_editable_get_text (GTK_EDITABLE (self->add_row))))
    gtk_editable_set_text (GTK_EDITABLE (self->add_row), "");
}

static void
add_text_changed_cb (TmBypassGroup *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->add_row));
  g_autofree char *stripped = g_strstrip (g_strdup (text));

  gtk_widget_set_sensitive (GTK_WIDGET (self->add_button), stripped[0] != '\0');
  show_error (self, NULL);
}

static void
defaults_clicked_cb (TmBypassGroup *self)
{
  g_auto(GStrv) list = tm_bypass_load (self->store);
  g_auto(GStrv) defaults = tm_bypass_parse (TM_SETTING_HTTPS_BYPASS_DEFAULT);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) updated = NULL;
  g_autoptr(GError) error = NULL;

  g_strv_builder_addv (builder, (const char **) list);
  for (guint i = 0; defaults[i] != NULL; i++)
    if (!g_strv_contains ((const char * const *) list, defaults[i]))
      g_strv_builder_add (builder, defaults[i]);
  updated = g_strv_builder_end (builder);
  if (!tm_bypass_save (self->store, (const char * const *) updated, &error))
    {
      show_save_error (self, error);
      return;
    }
  refresh (self);
  gtk_widget_grab_focus (GTK_WIDGET (self->add_row));
  show_toast (self, adw_toast_new (_("Default hosts restored")));
}

static void
settings_changed_cb (TmBypassGroup *self,
                     const char    *key)
{
  if (key == NULL || g_str_equal (key, TM_SETTING_HTTPS_BYPASS))
    refresh (self);
}

static void
tm_bypass_group_finalize (GObject *object)
{
  TmBypassGroup *self = TM_BYPASS_GROUP (object);

  g_clear_object (&self->store);
  g_clear_pointer (&self->shown, g_strfreev);

  G_OBJECT_CLASS (tm_bypass_group_parent_class)->finalize (object);
}

static void
tm_bypass_group_class_init (TmBypassGroupClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = tm_bypass_group_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/temoin/Temoin/ui/tm-bypass-group.ui");
  gtk_widget_class_bind_template_child (widget_class, TmBypassGroup, add_row);
  gtk_widget_class_bind_template_child (widget_class, TmBypassGroup, add_button);
  gtk_widget_class_bind_template_child (widget_class, TmBypassGroup, error_label);
  gtk_widget_class_bind_template_child (widget_class, TmBypassGroup, list_box);
  gtk_widget_class_bind_template_child (widget_class, TmBypassGroup, empty_label);
  gtk_widget_class_bind_template_child (widget_class, TmBypassGroup, defaults_button);
  gtk_widget_class_bind_template_callback (widget_class, add_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, add_text_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, defaults_clicked_cb);
}

static void
tm_bypass_group_init (TmBypassGroup *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  tm_button_fix_accessible_name (self->defaults_button, FALSE);
}

GtkWidget *
tm_bypass_group_new (void)
{
  return g_object_new (TM_TYPE_BYPASS_GROUP, NULL);
}

void
tm_bypass_group_set_store (TmBypassGroup  *self,
                           TmConsentStore *store)
{
  g_return_if_fail (TM_IS_BYPASS_GROUP (self));
  g_return_if_fail (TM_IS_CONSENT_STORE (store));
  g_return_if_fail (self->store == NULL);

  self->store = g_object_ref (store);
  g_signal_connect_object (store, "settings-changed", G_CALLBACK (settings_changed_cb), self,
                           G_CONNECT_SWAPPED);
  refresh (self);
}
