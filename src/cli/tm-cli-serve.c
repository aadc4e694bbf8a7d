/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Placeholder until the proxy work lands: replaced by its owner. */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-cli.h"

int
tm_cli_serve (TmCliContext *ctx,
           int           argc,
           char        **argv)
{
  return tm_cli_fail ("'serve' is not available yet");
}
