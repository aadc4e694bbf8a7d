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
  g_autofree char *build_root = tm_i18n_find_build_root ();

  /* Run straight from a build tree (not through `make run`), the app still finds
   * its schema there; installed, GSettings finds it as usual. */
  if (build_root != NULL && g_getenv ("GSETTINGS_SCHEMA_DIR") == NULL)
    {
      g_autofree char *schemas = g_build_filename (build_root, "data", NULL);

      g_setenv ("GSETTINGS_SCHEMA_DIR", schemas, FALSE);
    }

  /* Before GTK: the locale (C.UTF-8 fallback) and the text domain; GTK must not
   * set the locale again or run-time language switching stops working. */
  tm_i18n_init ();
  gtk_disable_setlocale ();

  app = tm_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
