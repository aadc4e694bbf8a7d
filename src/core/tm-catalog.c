/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tm-catalog.h"

/* The GNU .mo format (gettext manual, "The Format of GNU MO Files"):
 *
 *   0  magic 0x950412de, in the byte order of the file
 *   4  file format revision (major 0 or 1)
 *   8  N, the number of strings
 *  12  O, offset of the table of original strings
 *  16  T, offset of the table of translated strings
 *  20  S, size of the hash table
 *  24  H, offset of the hash table
 *
 * Each table holds N (length, offset) pairs of 32-bit words; every string is
 * followed by a NUL that its length does not count. The originals are sorted
 * (strcmp), so a binary search finds them: the hash table is not needed. */

#define MO_MAGIC         0x950412deu
#define MO_MAGIC_SWAPPED 0xde120495u
#define MO_HEADER_SIZE   28

struct _TmCatalog
{
  gatomicrefcount  ref_count;
  GBytes          *bytes;
  const guint8    *data;
  gsize            size;
  gboolean         swapped;
  guint32          n_strings;
  guint32          originals;     /* offset of the originals' table */
  guint32          translations;  /* offset of the translations' table */
  char            *language;
};

G_DEFINE_QUARK (tm-catalog-error-quark, tm_catalog_error)

static guint32
read_u32 (TmCatalog *self,
          gsize      offset)
{
  guint32 value;

  g_assert (offset + 4 <= self->size);
  memcpy (&value, self->data + offset, 4);
  return self->swapped ? GUINT32_SWAP_LE_BE (value) : value;
}

/* The string of entry @index of the table at @table (already validated). */
static const char *
get_string (TmCatalog *self,
            guint32    table,
            guint32    index,
            guint32   *out_length)
{
  gsize entry = (gsize) table + (gsize) index * 8;

  if (out_length)
    *out_length = read_u32 (self, entry);
  return (const char *) self->data + read_u32 (self, entry + 4);
}

/* Plural forms are NUL-separated: each one must be UTF-8. */
static gboolean
validate_utf8_segments (const char *s,
                        gsize       length)
{
  const char *end = s + length;

  while (s < end)
    {
      gsize segment = strnlen (s, end - s);

      if (!g_utf8_validate_len (s, segment, NULL))
        return FALSE;
      s += segment + 1;
    }
  return TRUE;
}

static gboolean
validate_table (TmCatalog   *self,
                guint32      table,
                const char  *path,
                GError     **error)
{
  if ((guint64) table + (guint64) self->n_strings * 8 > self->size)
    {
      g_set_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_INVALID,
                   _("The translation catalogue “%s” is damaged (its string table lies "
                     "beyond the end of the file). Reinstall or rebuild the translations."),
                   path);
      return FALSE;
    }

  for (guint32 i = 0; i < self->n_strings; i++)
    {
      guint32 length = read_u32 (self, (gsize) table + (gsize) i * 8);
      guint32 offset = read_u32 (self, (gsize) table + (gsize) i * 8 + 4);

      /* The string and its terminating NUL must lie inside the file. */
      if ((guint64) offset + (guint64) length + 1 > self->size
          || self->data[(gsize) offset + length] != '\0'
          || !validate_utf8_segments ((const char *) self->data + offset, length))
        {
          g_set_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_INVALID,
                       _("The translation catalogue “%s” is damaged (string %u is out of "
                         "bounds or not UTF-8). Reinstall or rebuild the translations."),
                       path, i);
          return FALSE;
        }
    }
  return TRUE;
}

/* "Language: fr" in the header entry (the translation of the empty msgid). */
static char *
parse_header_language (TmCatalog *self)
{
  const char *header = tm_catalog_lookup (self, "");
  const char *line;

  if (header == NULL || *header == '\0')
    return NULL;

  for (line = header; line != NULL && *line != '\0'; )
    {
      const char *end = strchr (line, '\n');
      gsize len = end ? (gsize) (end - line) : strlen (line);

      if (len > 9 && strncmp (line, "Language:", 9) == 0)
        {
          g_autofree char *value = g_strndup (line + 9, len - 9);

          g_strstrip (value);
          return *value ? g_steal_pointer (&value) : NULL;
        }
      line = end ? end + 1 : NULL;
    }
  return NULL;
}

static TmCatalog *
catalog_new_from_bytes (GBytes      *bytes,
                        const char  *path,
                        GError     **error)
{
  g_autoptr(TmCatalog) self = g_new0 (TmCatalog, 1);
  guint32 magic;
  guint32 revision;

  g_atomic_ref_count_init (&self->ref_count);
  self->bytes = g_bytes_ref (bytes);
  self->data = g_bytes_get_data (bytes, &self->size);

  if (self->size < MO_HEADER_SIZE)
    {
      g_set_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_INVALID,
                   _("“%s” is not a translation catalogue (the file is too short). "
                     "Reinstall or rebuild the translations."), path);
      return NULL;
    }

  memcpy (&magic, self->data, 4);
  if (magic == MO_MAGIC)
    self->swapped = FALSE;
  else if (magic == MO_MAGIC_SWAPPED)
    self->swapped = TRUE;
  else
    {
      g_set_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_INVALID,
                   _("“%s” is not a translation catalogue (no .mo signature). "
                     "Reinstall or rebuild the translations."), path);
      return NULL;
    }

  revision = read_u32 (self, 4);
  if ((revision >> 16) > 1)
    {
      g_set_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_INVALID,
                   _("The translation catalogue “%s” has an unsupported format revision "
                     "(%u). Rebuild it with msgfmt."), path, revision >> 16);
      return NULL;
    }

  self->n_strings = read_u32 (self, 8);
  self->originals = read_u32 (self, 12);
  self->translations = read_u32 (self, 16);

  if (!validate_table (self, self->originals, path, error)
      || !validate_table (self, self->translations, path, error))
    return NULL;

  self->language = parse_header_language (self);
  return g_steal_pointer (&self);
}

/**
 * tm_catalog_new_from_file:
 * @mo_path: the path of a compiled catalogue (`.mo`)
 * @error: return location for a #GError
 *
 * Reads a compiled gettext catalogue. Every offset and length in it is checked
 * against the file's size, so a truncated or hostile file is an error
 * (%TM_CATALOG_ERROR_INVALID), never a crash. A missing file is
 * %TM_CATALOG_ERROR_NOT_FOUND.
 *
 * Returns: (transfer full) (nullable): the catalogue, or %NULL on error
 */
TmCatalog *
tm_catalog_new_from_file (const char  *mo_path,
                          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_return_val_if_fail (mo_path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* Read, not mapped: a catalogue replaced or truncated while in use must not
   * turn into a SIGBUS. They are a few kilobytes. */
  if (!g_file_get_contents (mo_path, &contents, &length, &local_error))
    {
      int code = g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)
                 ? TM_CATALOG_ERROR_NOT_FOUND : TM_CATALOG_ERROR_INVALID;

      g_set_error (error, TM_CATALOG_ERROR, code,
                   _("Could not read the translation catalogue: %s"),
                   local_error->message);
      return NULL;
    }

  bytes = g_bytes_new_take (contents, length);
  return catalog_new_from_bytes (bytes, mo_path, error);
}

/**
 * tm_catalog_new_from_bytes:
 * @bytes: the contents of a compiled catalogue
 * @error: return location for a #GError
 *
 * Like tm_catalog_new_from_file(), for a catalogue already in memory. The
 * catalogue keeps a reference to @bytes.
 *
 * Returns: (transfer full) (nullable): the catalogue, or %NULL on error
 */
TmCatalog *
tm_catalog_new_from_bytes (GBytes  *bytes,
                           GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return catalog_new_from_bytes (bytes, _("(in memory)"), error);
}

/**
 * tm_catalog_new_for_language:
 * @localedir: a locale directory (`/usr/share/locale`, or the build's `po/`)
 * @domain: the text domain, usually `GETTEXT_PACKAGE`
 * @language: a language code such as `fr` or `pt_BR`
 * @error: return location for a #GError
 *
 * Opens `LOCALEDIR/LANGUAGE/LC_MESSAGES/DOMAIN.mo`.
 *
 * Returns: (transfer full) (nullable): the catalogue, or %NULL on error
 */
TmCatalog *
tm_catalog_new_for_language (const char  *localedir,
                             const char  *domain,
                             const char  *language,
                             GError     **error)
{
  g_autofree char *basename = NULL;
  g_autofree char *path = NULL;
  TmCatalog *self;

  g_return_val_if_fail (localedir != NULL, NULL);
  g_return_val_if_fail (domain != NULL, NULL);
  g_return_val_if_fail (language != NULL && *language != '\0', NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* A language code is never a path. */
  if (strchr (language, G_DIR_SEPARATOR) != NULL || g_str_equal (language, "..")
      || g_str_equal (language, "."))
    {
      g_set_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_NOT_FOUND,
                   _("“%s” is not a language code."), language);
      return NULL;
    }

  basename = g_strconcat (domain, ".mo", NULL);
  path = g_build_filename (localedir, language, "LC_MESSAGES", basename, NULL);
  self = tm_catalog_new_from_file (path, error);
  if (self != NULL)
    {
      /* The directory names the language, whatever the header says. */
      g_free (self->language);
      self->language = g_strdup (language);
    }
  return self;
}

/**
 * tm_catalog_ref:
 * @self: a #TmCatalog
 *
 * Returns: (transfer full): @self
 */
TmCatalog *
tm_catalog_ref (TmCatalog *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

/**
 * tm_catalog_unref:
 * @self: (transfer full): a #TmCatalog
 */
void
tm_catalog_unref (TmCatalog *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      g_clear_pointer (&self->bytes, g_bytes_unref);
      g_clear_pointer (&self->language, g_free);
      g_free (self);
    }
}

/**
 * tm_catalog_get_language:
 * @self: a #TmCatalog
 *
 * Returns: (nullable): the catalogue's language: the directory it was found in
 *   (tm_catalog_new_for_language()), else its header's `Language:` field
 */
const char *
tm_catalog_get_language (TmCatalog *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->language;
}

/**
 * tm_catalog_lookup:
 * @self: (nullable): a #TmCatalog
 * @msgid: an untranslated string; `"context\004msgid"` for one with a context
 *
 * Plural entries give their first (singular) form.
 *
 * Returns: the translation of @msgid, or @msgid itself when there is none or
 *   @self is %NULL (English, the language of the msgids)
 */
const char *
tm_catalog_lookup (TmCatalog  *self,
                   const char *msgid)
{
  guint32 low = 0;
  guint32 high;

  g_return_val_if_fail (msgid != NULL, NULL);

  if (self == NULL)
    return msgid;

  high = self->n_strings;
  while (low < high)
    {
      guint32 mid = low + (high - low) / 2;
      /* Validated NUL-terminated; for a plural entry strcmp stops at the end of
       * the singular, which is the key. */
      int cmp = strcmp (msgid, get_string (self, self->originals, mid, NULL));

      if (cmp == 0)
        {
          guint32 length;
          const char *translation = get_string (self, self->translations, mid, &length);

          return length > 0 ? translation : msgid;
        }
      if (cmp < 0)
        high = mid;
      else
        low = mid + 1;
    }
  return msgid;
}
