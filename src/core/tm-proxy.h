/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-proxy.h: the local forward proxy (SoupServer + SoupSession) that applies the
 * choice to every cookie it sees. Owned by the proxy work (issue 3). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

G_END_DECLS
