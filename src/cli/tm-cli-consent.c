/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-cli.h"
