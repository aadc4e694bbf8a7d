/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-window.h"

struct _TmWindow
{
  AdwApplicationWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (TmWindow, tm_window, ADW_TYPE_APPLICATION_WINDOW)

static void
tm_window_class_init (TmWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/temoin/Temoin/ui/tm-window.ui");
}

static void
tm_window_init (TmWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

TmWindow *
tm_window_new (TmApplication *application)
{
  return g_object_new (TM_TYPE_WINDOW, "application", application, NULL);
}
