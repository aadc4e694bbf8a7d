/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A compiled gettext catalogue (.mo), as read from LOCALEDIR or a file: the input
 * is the whole file. An accepted catalogue is looked up (binary search on its
 * originals, the header's Language). */
#include "config.h"

#include "fuzz-common.h"
#include "tm-catalog.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char * const msgids[] = {
    "", "Cookie Consent", "Necessary", "Statistics", "%u cookie", "Témoin", "zzzz", NULL
  };
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCatalog) catalog = tm_catalog_new_from_bytes (bytes, &error);

  g_assert ((catalog == NULL) == (error != NULL));
  if (catalog == NULL)
    return 0;
  tm_catalog_get_language (catalog);
  for (gsize i = 0; msgids[i] != NULL; i++)
    {
      const char *translation = tm_catalog_lookup (catalog, msgids[i]);

      g_assert_nonnull (translation);
      g_assert (g_utf8_validate (translation, -1, NULL));
    }
  return 0;
}
