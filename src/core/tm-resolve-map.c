/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tm-resolve-map.h"

struct _TmResolveMap
{
  gatomicrefcount  ref_count;
  GHashTable      *entries;   /* "host:port" (host lower case) -> address */
};

G_DEFINE_QUARK (tm-resolve-map-error-quark, tm_resolve_map_error)

/**
 * tm_resolve_map_new:
 * Returns: (transfer full): an empty map
 */
TmResolveMap *
tm_resolve_map_new (void)
{
  TmResolveMap *self = g_new0 (TmResolveMap, 1);

  g_atomic_ref_count_init (&self->ref_count);
  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

/**
 * tm_resolve_map_ref:
 * @self: a map
 *
 * Returns: (transfer full): @self
 */
TmResolveMap *
tm_resolve_map_ref (TmResolveMap *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * tm_resolve_map_unref:
 * @self: (transfer full): a map
 *
 * Drops a reference.
 */
void
tm_resolve_map_unref (TmResolveMap *self)
{
  g_return_if_fail (self != NULL);
  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_hash_table_unref (self->entries);
      g_free (self);
    }
}

/**
 * tm_resolve_map_add:
 * @self: a map
 * @spec: "HOST:PORT:ADDR", as curl's --resolve takes it
 * @error: return location for a #GError
 *
 * Returns: %TRUE when @spec was understood and added
 */
gboolean
tm_resolve_map_add (TmResolveMap  *self,
                    const char    *spec,
                    GError       **error)
{
  const char *first, *last;
  g_autofree char *host = NULL;
  g_autofree char *port_s = NULL;
  g_autofree char *addr = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  guint64 port;
  gsize len;

  g_return_val_if_fail (self != NULL, FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  first = strchr (spec, ':');
  last = first != NULL ? strchr (first + 1, ':') : NULL;
  if (first == NULL || last == NULL || first == spec)
    goto invalid;
  host = g_ascii_strdown (spec, first - spec);
  port_s = g_strndup (first + 1, last - first - 1);
  addr = g_strdup (last + 1);
  len = strlen (addr);
  if (len >= 2 && addr[0] == '[' && addr[len - 1] == ']')
    {
      char *inner = g_strndup (addr + 1, len - 2);

      g_free (addr);
      addr = inner;
    }
  inet = g_inet_address_new_from_string (addr);
  if (inet == NULL || !g_ascii_string_to_unsigned (port_s, 10, 1, 65535, &port, NULL))
    goto invalid;

  g_hash_table_insert (self->entries, g_strdup_printf ("%s:%u", host, (guint) port),
                       g_steal_pointer (&addr));
  return TRUE;

invalid:
  g_set_error (error, TM_RESOLVE_MAP_ERROR, TM_RESOLVE_MAP_ERROR_INVALID,
               _("“%s” is not HOST:PORT:ADDRESS (for example "
                 "site-a.test:8080:127.0.0.1)."), spec);
  return FALSE;
}

/**
 * tm_resolve_map_lookup:
 * @self: a map
 * @host: a host name (any case)
 * @port: a port
 *
 * Returns: (nullable) (transfer none): the address @host on @port goes to, or
 *   %NULL when it resolves as usual
 */
const char *
tm_resolve_map_lookup (TmResolveMap *self,
                       const char   *host,
                       guint         port)
{
  g_autofree char *key = NULL;
  g_autofree char *lower = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (host != NULL, NULL);

  if (g_hash_table_size (self->entries) == 0)
    return NULL;
  lower = g_ascii_strdown (host, -1);
  key = g_strdup_printf ("%s:%u", lower, port);
  return g_hash_table_lookup (self->entries, key);
}

/**
 * tm_resolve_map_get_size:
 * @self: a map
 *
 * Returns: how many HOST:PORT are mapped
 */
guint
tm_resolve_map_get_size (TmResolveMap *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return g_hash_table_size (self->entries);
}
