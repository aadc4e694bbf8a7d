/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <gtk/gtk.h>

#include "tm-application.h"
#include "tm-i18n.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TmApplication) app = NULL;

  /* Before GTK: the locale (C.UTF-8 fallback) and the text domain; GTK must not
   * set the locale again or run-time language switching stops working. */
  tm_i18n_init ();
  gtk_disable_setlocale ();

  app = tm_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
