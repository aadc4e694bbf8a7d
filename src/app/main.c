/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <gtk/gtk.h>

#include "tm-application.h"
#include "tm-i18n.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(TmApplication) app = NULL;

  tm_i18n_init ();
  gtk_disable_setlocale ();

  app = tm_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
