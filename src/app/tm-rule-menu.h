/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-rule-menu.h: the "Treat as…" menu of a cookie row (an override for that
 * cookie name on its site, or a site exception), shared by the Preview and
 * Cookies pages, and the words the rows use for categories and decisions. */
#pragma once

#include <adwaita.h>

#include "tm-consent-store.h"
#include "tm-types.h"

G_BEGIN_DECLS

/* The action names a page installs with tm_rule_menu_install_actions(). */
#define TM_RULE_MENU_TREAT_AS   "rules.treat-as"     /* (sss): name, site, category */
#define TM_RULE_MENU_ALLOW_SITE "rules.allow-site"   /* s: site */

/* (transfer full): the menu of a row for cookie @name set by @host. */
GMenuModel *tm_rule_menu_new              (const char     *name,
                                           const char     *host);
/* A menu button offering tm_rule_menu_new(), with an accessible label. */
GtkWidget  *tm_rule_menu_button_new       (const char     *name,
                                           const char     *host);
/* Installs rules.treat-as and rules.allow-site on @widget_class: they store
 * the rule in the consent store of the widget's application and toast the
 * outcome on the window's toast overlay. */
void        tm_rule_menu_install_actions  (GtkWidgetClass *widget_class);
/* GTK 4.8 reads a labelled button's name twice to a screen reader: its accessible
 * label (the raw label with its underscore, or the one a .ui file gives) and then
 * its label widget's text. Keeps one: the accessible label when @keep_label (a
 * .ui file gave a better one), else the label's text. Call again after the
 * button's label changes. */
void        tm_button_fix_accessible_name (GtkButton      *button,
                                           gboolean        keep_label);
/* Names the row list of each AdwPreferencesGroup under @root after the group's
 * title: a screen reader would otherwise say "GtkListBox". */
void        tm_name_preferences_lists     (GtkWidget      *root);
/* Adds an AdwToast titled @title to the toast overlay above @widget (if any). */
void        tm_widget_show_toast          (GtkWidget      *widget,
                                           const char     *title);

G_END_DECLS
