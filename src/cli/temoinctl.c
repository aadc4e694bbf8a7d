/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-i18n.h"

int
main (int   argc,
      char *argv[])
{
  tm_i18n_init ();
  return 0;
}
