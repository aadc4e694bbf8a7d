/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-tls-database.h: a GTlsDatabase that trusts the system store plus extra
 * anchors (`serve --upstream-ca FILE`), for the proxy's upstream TLS. GIO has no
 * such database ready-made. A chain is accepted when the system store accepts
 * it, or, when the system store does not know its CA, when the extra anchors
 * accept it; identity, expiry and every other check apply either way. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TM_TYPE_TLS_DATABASE (tm_tls_database_get_type ())
G_DECLARE_FINAL_TYPE (TmTlsDatabase, tm_tls_database, TM, TLS_DATABASE, GTlsDatabase)

GTlsDatabase *tm_tls_database_new (const char  *extra_anchors_file,
                                   GError     **error);

G_END_DECLS
