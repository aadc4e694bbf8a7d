/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include "tm-i18n.h"

/* Stub until the i18n work lands. */
void
tm_i18n_init (void)
{
}
