/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-rule-menu.h"
#include "tm-application.h"
#include "tm-classifier.h"
#include "tm-rules.h"

void
tm_widget_show_toast (GtkWidget  *widget,
                      const char *title)
{
  GtkWidget *overlay;

  g_return_if_fail (GTK_IS_WIDGET (widget));

  overlay = gtk_widget_get_ancestor (widget, ADW_TYPE_TOAST_OVERLAY);
  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
}

void
tm_button_fix_accessible_name (GtkButton *button,
                               gboolean   keep_label)
{
  g_return_if_fail (GTK_IS_BUTTON (button));

  if (keep_label)
    gtk_accessible_reset_relation (GTK_ACCESSIBLE (button),
                                   GTK_ACCESSIBLE_RELATION_LABELLED_BY);
  else
    gtk_accessible_reset_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL);
}

static GtkWidget *
first_list_box (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = GTK_IS_LIST_BOX (child) ? child : first_list_box (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

static void
name_all_lists (GtkWidget  *widget,
                const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_LIST_BOX (child) && title != NULL && title[0] != '\0')
        gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        title, -1);
      name_all_lists (child, title);
    }
}

void
tm_name_preferences_lists (GtkWidget *root)
{
  g_return_if_fail (GTK_IS_WIDGET (root));

  for (GtkWidget *child = gtk_widget_get_first_child (root);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *title;
      GtkWidget *list;

      if (ADW_IS_EXPANDER_ROW (child))
        {
          /* Its header's list and the list of the rows it unfolds. */
          title = adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child));
          name_all_lists (child, title);
          continue;
        }
      if (!ADW_IS_PREFERENCES_GROUP (child))
        {
          tm_name_preferences_lists (child);
          continue;
        }
      /* The group's own list comes first; lists the group holds keep their names. */
      title = adw_preferences_group_get_title (ADW_PREFERENCES_GROUP (child));
      list = first_list_box (child);
      /* A group without a title, around one expander row: the row's title. */
      if (list != NULL && (title == NULL || title[0] == '\0')
          && ADW_IS_PREFERENCES_ROW (gtk_widget_get_first_child (list)))
        title = adw_preferences_row_get_title (
                  ADW_PREFERENCES_ROW (gtk_widget_get_first_child (list)));
      if (list != NULL && title != NULL && title[0] != '\0')
        gtk_accessible_update_property (GTK_ACCESSIBLE (list), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                        title, -1);
      tm_name_preferences_lists (child);   /* expander rows */
    }
}

GMenuModel *
tm_rule_menu_new (const char *name,
                  const char *host)
{
  g_autofree char *site = NULL;
  g_autoptr(GMenu) treat_as = g_menu_new ();
  g_autoptr(GMenu) allow = g_menu_new ();
  GMenu *menu = g_menu_new ();
  g_autofree char *allow_label = NULL;
  g_autofree char *section_label = NULL;

  g_return_val_if_fail (name != NULL && host != NULL, NULL);

  /* A rule names a site: the registrable domain covers the host's siblings. */
  site = tm_site_for_host (host);
  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    {
      g_autoptr(GMenuItem) item = g_menu_item_new (tm_category_get_title (c), NULL);

      g_menu_item_set_action_and_target (item, TM_RULE_MENU_TREAT_AS, "(sss)", name, site,
                                         tm_category_to_id (c));
      g_menu_append_item (treat_as, item);
    }
  /* TRANSLATORS: a menu section; %s is a cookie name. */
  section_label = g_strdup_printf (_("Treat “%s” on This Site As"), name);
  g_menu_append_section (menu, section_label, G_MENU_MODEL (treat_as));

  /* TRANSLATORS: %s is a site, e.g. "example.com". */
  allow_label = g_strdup_printf (_("Allow All Cookies from %s"), site);
  {
    g_autoptr(GMenuItem) item = g_menu_item_new (allow_label, NULL);

    g_menu_item_set_action_and_target (item, TM_RULE_MENU_ALLOW_SITE, "s", site);
    g_menu_append_item (allow, item);
  }
  g_menu_append_section (menu, NULL, G_MENU_MODEL (allow));
  return G_MENU_MODEL (menu);
}

GtkWidget *
tm_rule_menu_button_new (const char *name,
                         const char *host)
{
  g_autoptr(GMenuModel) model = tm_rule_menu_new (name, host);
  GtkWidget *button = gtk_menu_button_new ();
  g_autofree char *label = NULL;

  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (button), "view-more-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (button), model);
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  /* TRANSLATORS: a row's menu button, for its tooltip and screen readers; %s is a
   * cookie name. */
  label = g_strdup_printf (_("Rules for %s"), name);
  /* The tooltip says what the screen reader says (and Orca reads it once): the
   * menu holds more than "Treat As". */
  gtk_widget_set_tooltip_text (button, label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  return button;
}

/* The consent store of the application the widget's window belongs to. */
static TmConsentStore *
store_for_widget (GtkWidget *widget)
{
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkApplication *app = GTK_IS_WINDOW (root) ? gtk_window_get_application (GTK_WINDOW (root))
                                             : NULL;

  return TM_IS_APPLICATION (app) ? tm_application_get_store (TM_APPLICATION (app)) : NULL;
}

static void
report (GtkWidget  *widget,
        GError     *error,
        const char *done)
{
  if (error != NULL)
    {
      g_autofree char *title =
        g_strdup_printf (_("Could not save the rule: %s"), error->message);

      tm_widget_show_toast (widget, title);
      return;
    }
  tm_widget_show_toast (widget, done);
}

static void
treat_as_action_cb (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  TmConsentStore *store = store_for_widget (widget);
  const char *name, *site, *category_id;
  TmCategory category;
  g_autoptr(GError) error = NULL;
  g_autofree char *done = NULL;

  g_variant_get (parameter, "(&s&s&s)", &name, &site, &category_id);
  if (store == NULL || !tm_category_from_id (category_id, &category))
    return;
  tm_rules_store_set_override (store, name, site, TM_CATEGORY_BIT (category), &error);
  /* TRANSLATORS: a toast: cookie name, site, category title. */
  done = g_strdup_printf (_("%s on %s is now treated as %s"), name, site,
                          tm_category_get_title (category));
  report (widget, error, done);
}

static void
allow_site_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TmConsentStore *store = store_for_widget (widget);
  const char *site = g_variant_get_string (parameter, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *done = NULL;

  if (store == NULL)
    return;
  tm_rules_store_add_exception (store, site, &error);
  /* TRANSLATORS: a toast; %s is a site. */
  done = g_strdup_printf (_("All cookies from %s are now allowed"), site);
  report (widget, error, done);
}

void
tm_rule_menu_install_actions (GtkWidgetClass *widget_class)
{
  g_return_if_fail (GTK_IS_WIDGET_CLASS (widget_class));

  gtk_widget_class_install_action (widget_class, TM_RULE_MENU_TREAT_AS, "(sss)",
                                   treat_as_action_cb);
  gtk_widget_class_install_action (widget_class, TM_RULE_MENU_ALLOW_SITE, "s",
                                   allow_site_action_cb);
}
