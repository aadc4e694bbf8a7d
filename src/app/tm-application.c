/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-application.h"
#include "tm-window.h"

struct _TmApplication
{
  AdwApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (TmApplication, tm_application, ADW_TYPE_APPLICATION)

static void
tm_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (tm_window_new (TM_APPLICATION (app)));
  gtk_window_present (window);
}

static void
tm_application_class_init (TmApplicationClass *klass)
{
  G_APPLICATION_CLASS (klass)->activate = tm_application_activate;
}

static void
tm_application_init (TmApplication *self)
{
}

TmApplication *
tm_application_new (void)
{
  return g_object_new (TM_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", "/io/github/temoin/Temoin",
                       NULL);
}
