/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-resolve-map.h: curl's --resolve HOST:PORT:ADDR as a small table: connections
 * to HOST on PORT go to ADDR (on the same port); other ports of HOST resolve as
 * usual. Shared by the preview (and meant for the proxy's --resolve too). */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TM_RESOLVE_MAP_ERROR (tm_resolve_map_error_quark ())
typedef enum {
  TM_RESOLVE_MAP_ERROR_INVALID,   /* not HOST:PORT:ADDR */
} TmResolveMapError;

typedef struct _TmResolveMap TmResolveMap;

GQuark        tm_resolve_map_error_quark (void);
TmResolveMap *tm_resolve_map_new         (void);
TmResolveMap *tm_resolve_map_ref         (TmResolveMap *self);
void          tm_resolve_map_unref       (TmResolveMap *self);
/* Adds "HOST:PORT:ADDR" (ADDR an IP address, brackets allowed around IPv6). */
gboolean      tm_resolve_map_add         (TmResolveMap *self,
                                          const char   *spec,
                                          GError      **error);
/* (nullable) (transfer none): the address @host:@port is mapped to. */
const char   *tm_resolve_map_lookup      (TmResolveMap *self,
                                          const char   *host,
                                          guint         port);
guint         tm_resolve_map_get_size    (TmResolveMap *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmResolveMap, tm_resolve_map_unref)

G_END_DECLS
