/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-main-view.h"
#include "tm-i18n.h"

struct _TmMainView
{
  GtkWidget      parent_instance;

  GtkWidget     *box;
  AdwViewStack  *stack;
  GtkBox        *language_box;
  GtkWidget     *switcher_title;
  GtkWidget     *switcher_bar;
  TmCharterPage *charter_page;
  TmChoicesPage *choices_page;
  TmPreviewPage *preview_page;
  TmCookiesPage *cookies_page;
  TmProxyPage   *proxy_page;
};

G_DEFINE_FINAL_TYPE (TmMainView, tm_main_view, GTK_TYPE_WIDGET)

/* Clicking the button of the language already shown would untoggle it while the
 * language stays: keep it pressed, as the state of app.language says. */
static void
language_button_toggled_cb (GtkToggleButton *button)
{
  const char *code = g_object_get_data (G_OBJECT (button), "tm-language");

  if (!gtk_toggle_button_get_active (button)
      && g_strcmp0 (code, tm_i18n_get_language ()) == 0)
    gtk_toggle_button_set_active (button, TRUE);
}

/* One linked toggle button per offered language, so that a new po/xx.po shows up
 * with no code change. The buttons are bound to the stateful app.language. */
static void
build_language_buttons (TmMainView *self)
{
  const char * const *languages = tm_i18n_get_languages ();

  gtk_accessible_update_property (GTK_ACCESSIBLE (self->language_box),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Language"), -1);
  for (gsize i = 0; languages != NULL && languages[i] != NULL; i++)
    {
      const char *name = tm_i18n_get_language_name (languages[i]);
      g_autofree char *code = g_ascii_strup (languages[i], -1);
      GtkWidget *button = gtk_toggle_button_new_with_label (code);

      gtk_widget_set_tooltip_text (button, name);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button),
                                      GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
      gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "app.language");
      gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "s", languages[i]);
      g_object_set_data_full (G_OBJECT (button), "tm-language",
                              g_strdup (languages[i]), g_free);
      g_signal_connect (button, "toggled", G_CALLBACK (language_button_toggled_cb), NULL);
      gtk_box_append (self->language_box, button);
    }
}

/* libadwaita 1.2 leaves its view switchers unnamed, and GTK then names them after
 * their type ("AdwViewSwitcher"): a screen reader entering the page tabs says
 * that. Name them as the shortcuts window names the pages. */
static void
name_view_switchers (GtkWidget *widget)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      if (ADW_IS_VIEW_SWITCHER (child))
        gtk_accessible_update_property (GTK_ACCESSIBLE (child),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, _("Pages"), -1);
      else
        name_view_switchers (child);
    }
}

static void
tm_main_view_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TM_TYPE_MAIN_VIEW);

  G_OBJECT_CLASS (tm_main_view_parent_class)->dispose (object);
}

static void
tm_main_view_class_init (TmMainViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tm_main_view_dispose;

  g_type_ensure (TM_TYPE_CHARTER_PAGE);
  g_type_ensure (TM_TYPE_CHOICES_PAGE);
  g_type_ensure (TM_TYPE_PREVIEW_PAGE);
  g_type_ensure (TM_TYPE_COOKIES_PAGE);
  g_type_ensure (TM_TYPE_PROXY_PAGE);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/temoin/Temoin/ui/tm-main-view.ui");
  gtk_widget_class_bind_template_child (widget_class, TmMainView, box);
  gtk_widget_class_bind_template_child (widget_class, TmMainView, stack);
  gtk_widget_class_bind_template_child (widget_class, TmMainView, language_box);
  gtk_widget_class_bind_template_child (widget_class, TmMainView, switcher_title);
  gtk_widget_class_bind_template_child (widget_class, TmMainView, switcher_bar);
  gtk_widget_class_bind_template_child (widget_class, TmMainView, charter_page);
  gtk_widget_class_bind_template_child (widget_class, TmMainView, choices_page);
  gtk_widget_class_bind_template_child (widget_class, TmMainView, preview_page);
  gtk_widget_class_bind_template_child (widget_class, TmMainView, cookies_page);
  gtk_widget_class_bind_template_child (widget_class, TmMainView, proxy_page);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tm_main_view_init (TmMainView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  build_language_buttons (self);
  name_view_switchers (GTK_WIDGET (self->switcher_title));
  name_view_switchers (GTK_WIDGET (self->switcher_bar));
}

/**
 * tm_main_view_new:
 * @store: the consent store
 * @draft: the window's unsaved switch states
 *
 * Builds the window's content in the current language.
 *
 * Returns: (transfer floating): a new #TmMainView
 */
TmMainView *
tm_main_view_new (TmConsentStore *store,
                  TmChoiceDraft  *draft)
{
  TmMainView *self;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), NULL);
  g_return_val_if_fail (TM_IS_CHOICE_DRAFT (draft), NULL);

  self = g_object_new (TM_TYPE_MAIN_VIEW, NULL);
  tm_choices_page_set_model (self->choices_page, store, draft);
  return self;
}

AdwViewStack *
tm_main_view_get_stack (TmMainView *self)
{
  g_return_val_if_fail (TM_IS_MAIN_VIEW (self), NULL);

  return self->stack;
}

TmCharterPage *
tm_main_view_get_charter_page (TmMainView *self)
{
  g_return_val_if_fail (TM_IS_MAIN_VIEW (self), NULL);

  return self->charter_page;
}

TmChoicesPage *
tm_main_view_get_choices_page (TmMainView *self)
{
  g_return_val_if_fail (TM_IS_MAIN_VIEW (self), NULL);

  return self->choices_page;
}

TmPreviewPage *
tm_main_view_get_preview_page (TmMainView *self)
{
  g_return_val_if_fail (TM_IS_MAIN_VIEW (self), NULL);

  return self->preview_page;
}

TmCookiesPage *
tm_main_view_get_cookies_page (TmMainView *self)
{
  g_return_val_if_fail (TM_IS_MAIN_VIEW (self), NULL);

  return self->cookies_page;
}

TmProxyPage *
tm_main_view_get_proxy_page (TmMainView *self)
{
  g_return_val_if_fail (TM_IS_MAIN_VIEW (self), NULL);

  return self->proxy_page;
}

GtkWidget *
tm_main_view_get_language_button (TmMainView *self,
                                  const char *language)
{
  g_return_val_if_fail (TM_IS_MAIN_VIEW (self), NULL);
  g_return_val_if_fail (language != NULL, NULL);

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (self->language_box));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      const char *code = g_object_get_data (G_OBJECT (child), "tm-language");

      if (g_strcmp0 (code, language) == 0)
        return child;
    }
  return NULL;
}
