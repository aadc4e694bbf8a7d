/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "tm-catalog.h"
#include "tm-test-utils.h"

/* The French catalogue the build compiled from po/fr.po. */
static TmCatalog *
open_built_french (void)
{
  g_autoptr(GError) error = NULL;
  const char *localedir = g_getenv ("TEMOIN_LOCALEDIR");
  TmCatalog *catalog;

  g_assert_nonnull (localedir);
  catalog = tm_catalog_new_for_language (localedir, GETTEXT_PACKAGE, "fr", &error);
  g_assert_no_error (error);
  g_assert_nonnull (catalog);
  return catalog;
}

static GBytes *
read_built_french_mo (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("TEMOIN_LOCALEDIR"), "fr",
                                            "LC_MESSAGES", GETTEXT_PACKAGE ".mo", NULL);
  char *contents = NULL;
  gsize length = 0;

  g_file_get_contents (path, &contents, &length, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

/* Writes @data to a file in @dir and opens it as a catalogue. */
static TmCatalog *
open_written (const char    *dir,
              const guint8  *data,
              gsize          length,
              GError       **error)
{
  g_autofree char *path = g_build_filename (dir, "test.mo", NULL);
  FILE *file = g_fopen (path, "wb");

  /* Plain writes: g_file_set_contents() syncs to disk, far too slow for the
   * thousands of files these tests write. */
  g_assert_nonnull (file);
  g_assert_cmpuint (fwrite (data, 1, length, file), ==, length);
  g_assert_cmpint (fclose (file), ==, 0);
  return tm_catalog_new_from_file (path, error);
}

static TmCatalog *
open_bytes (const guint8  *data,
            gsize          length,
            GError       **error)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, length);

  return tm_catalog_new_from_bytes (bytes, error);
}

static void
test_catalog_built_french_translates (void)
{
  g_autoptr(TmCatalog) catalog = open_built_french ();

  g_assert_cmpstr (tm_catalog_get_language (catalog), ==, "fr");
  g_assert_cmpstr (tm_catalog_lookup (catalog, "Cookie charter"), ==, "Charte cookies");
  g_assert_cmpstr (tm_catalog_lookup (catalog, "Cookie name"), ==, "Nom du cookies");
  g_assert_cmpstr (tm_catalog_lookup (catalog, "Statistics"), ==, "Statistiques");
}

static void
test_catalog_unknown_msgid_is_itself (void)
{
  g_autoptr(TmCatalog) catalog = open_built_french ();
  const char *unknown = "No such message in any catalogue";

  g_assert_true (tm_catalog_lookup (catalog, unknown) == unknown);
  /* Below the first and above the last sorted original too. */
  g_assert_cmpstr (tm_catalog_lookup (catalog, "\001"), ==, "\001");
  g_assert_cmpstr (tm_catalog_lookup (catalog, "\377\377"), ==, "\377\377");
  /* No catalogue: English, the msgids. */
  g_assert_true (tm_catalog_lookup (NULL, unknown) == unknown);
}

static void
test_catalog_refcount_keeps_it_alive (void)
{
  TmCatalog *catalog = open_built_french ();
  TmCatalog *second = tm_catalog_ref (catalog);

  g_assert_true (second == catalog);
  tm_catalog_unref (catalog);
  g_assert_cmpstr (tm_catalog_lookup (second, "Cookie charter"), ==, "Charte cookies");
  tm_catalog_unref (second);
}

static void
test_catalog_missing_file_not_found (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmCatalog) catalog = NULL;

  catalog = tm_catalog_new_for_language (dir, GETTEXT_PACKAGE, "fr", &error);
  g_assert_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_NOT_FOUND);
  g_assert_null (catalog);
  g_clear_error (&error);

  /* A language code is never a path. */
  catalog = tm_catalog_new_for_language (dir, GETTEXT_PACKAGE, "../fr", &error);
  g_assert_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_NOT_FOUND);
  g_assert_null (catalog);
  tm_test_rmdir (dir);
}

/* Every truncation of a real catalogue cuts at least the NUL after its last string. */
static void
test_catalog_truncated_rejected (void)
{
  g_autoptr(GBytes) bytes = read_built_french_mo ();
  g_autofree char *dir = tm_test_make_tmp_dir ();
  gsize size;
  const guint8 *data = g_bytes_get_data (bytes, &size);

  g_assert_cmpuint (size, >, 28);
  for (gsize length = 0; length < size; length++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TmCatalog) catalog = open_bytes (data, length, &error);

      g_assert_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_INVALID);
      g_assert_null (catalog);
    }

  /* And as a file on disk, cut in the middle. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TmCatalog) catalog = open_written (dir, data, size / 2, &error);

    g_assert_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_INVALID);
    g_assert_null (catalog);
  }

  /* The whole file is the control. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(TmCatalog) catalog = open_written (dir, data, size, &error);

    g_assert_no_error (error);
    g_assert_cmpstr (tm_catalog_lookup (catalog, "Cookie charter"), ==, "Charte cookies");
  }
  tm_test_rmdir (dir);
}

static void
put_u32 (guint8   *buf,
         gsize     offset,
         guint32   value,
         gboolean  big_endian)
{
  value = big_endian ? GUINT32_TO_BE (value) : GUINT32_TO_LE (value);
  memcpy (buf + offset, &value, 4);
}

/* A small .mo built by hand, in either byte order: a header, a plain entry, an
 * entry with a context and a plural entry; originals sorted as msgfmt does. */
static GByteArray *
build_mo (gboolean big_endian)
{
  static const struct { const char *orig; gsize orig_len; const char *tr; gsize tr_len; }
  entries[] = {
    /* A length of 0 stands for strlen(). */
    { "", 0, "Language: de\nContent-Type: text/plain; charset=UTF-8\n", 0 },
    { "apple", 5, "Apfel", 5 },
    { "fruit\004orange", 12, "Apfelsine", 9 },
    { "tree\0trees", 10, "Baum\0Bäume", 11 },
  };
  const guint32 n = G_N_ELEMENTS (entries);
  GByteArray *mo = g_byte_array_new ();
  guint32 strings = 28 + n * 16;
  guint8 header[28] = { 0 };

  g_byte_array_set_size (mo, strings);
  memset (mo->data, 0, mo->len);
  put_u32 (header, 0, 0x950412de, big_endian);
  put_u32 (header, 4, 0, big_endian);
  put_u32 (header, 8, n, big_endian);
  put_u32 (header, 12, 28, big_endian);
  put_u32 (header, 16, 28 + n * 8, big_endian);
  put_u32 (header, 20, 0, big_endian);
  put_u32 (header, 24, 0, big_endian);
  memcpy (mo->data, header, 28);

  for (guint32 pass = 0; pass < 2; pass++)
    for (guint32 i = 0; i < n; i++)
      {
        const char *s = pass == 0 ? entries[i].orig : entries[i].tr;
        gsize len = pass == 0 ? entries[i].orig_len : entries[i].tr_len;

        if (len == 0)
          len = strlen (s);
        guint32 table = pass == 0 ? 28 : 28 + n * 8;

        put_u32 (mo->data, table + i * 8, len, big_endian);
        put_u32 (mo->data, table + i * 8 + 4, mo->len, big_endian);
        g_byte_array_append (mo, (const guint8 *) s, len);
        g_byte_array_append (mo, (const guint8 *) "", 1);
      }
  return mo;
}

static void
test_catalog_both_byte_orders (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();

  for (int big_endian = 0; big_endian < 2; big_endian++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GByteArray) mo = build_mo (big_endian);
      g_autoptr(TmCatalog) catalog = open_written (dir, mo->data, mo->len, &error);

      g_test_message ("%s endian", big_endian ? "big" : "little");
      g_assert_no_error (error);
      g_assert_cmpstr (tm_catalog_get_language (catalog), ==, "de");
      g_assert_cmpstr (tm_catalog_lookup (catalog, "apple"), ==, "Apfel");
      g_assert_cmpstr (tm_catalog_lookup (catalog, "fruit\004orange"), ==, "Apfelsine");
      g_assert_cmpstr (tm_catalog_lookup (catalog, "orange"), ==, "orange");
      g_assert_cmpstr (tm_catalog_lookup (catalog, "tree"), ==, "Baum");
      g_assert_cmpstr (tm_catalog_lookup (catalog, "trees"), ==, "trees");
      g_assert_cmpstr (tm_catalog_lookup (catalog, "pear"), ==, "pear");
    }
  tm_test_rmdir (dir);
}

typedef struct {
  const char *what;
  gsize       offset;   /* which 32-bit word of the hand-made file to overwrite */
  guint32     value;
} Corruption;

static void
test_catalog_hostile_rejected (void)
{
  /* Offsets as laid out by build_mo(): 4 entries, tables at 28 and 60. */
  static const Corruption corruptions[] = {
    { "bad magic", 0, 0x12345678 },
    { "future major revision", 4, 0x00020000 },
    { "huge count", 8, 0x20000000 },
    { "count past the tables", 8, 200 },
    { "originals table past the end", 12, 0xfffffff0 },
    { "translations table past the end", 16, 0x7fffffff },
    { "string length past the end", 28 + 8, 0xffffffff },
    { "string offset past the end", 28 + 12, 0xfffffffe },
    { "string not NUL-terminated", 60 + 8, 4 },
  };
  g_autofree char *dir = tm_test_make_tmp_dir ();

  for (guint i = 0; i < G_N_ELEMENTS (corruptions); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GByteArray) mo = build_mo (FALSE);
      g_autoptr(TmCatalog) catalog = NULL;

      g_test_message ("%s", corruptions[i].what);
      put_u32 (mo->data, corruptions[i].offset, corruptions[i].value, FALSE);
      catalog = open_written (dir, mo->data, mo->len, &error);
      g_assert_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_INVALID);
      g_assert_null (catalog);
    }

  /* Invalid UTF-8 in a translation. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GByteArray) mo = build_mo (FALSE);
    g_autoptr(TmCatalog) catalog = NULL;
    guint8 *apfel = NULL;

    for (guint i = 0; i + 6 <= mo->len && apfel == NULL; i++)
      if (memcmp (mo->data + i, "Apfel", 6) == 0)
        apfel = mo->data + i;
    g_assert_nonnull (apfel);
    apfel[1] = 0xff;
    catalog = open_written (dir, mo->data, mo->len, &error);
    g_assert_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_INVALID);
    g_assert_null (catalog);
  }
  tm_test_rmdir (dir);
}

static void
test_catalog_garbage_rejected (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();

  /* Random bytes, with and without a valid signature: never a crash. */
  for (guint round = 0; round < 2000; round++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TmCatalog) catalog = NULL;
      gsize length = g_test_rand_int_range (0, 512);
      g_autofree guint8 *data = g_malloc (length + 4);

      for (gsize i = 0; i < length; i++)
        data[i] = g_test_rand_int_range (0, 256);
      if (round % 2 == 0 && length >= 4)
        put_u32 (data, 0, 0x950412de, FALSE);
      catalog = open_bytes (data, length, &error);
      /* A random file could in theory describe zero strings; then it is empty. */
      if (catalog != NULL)
        g_assert_cmpstr (tm_catalog_lookup (catalog, "x"), ==, "x");
      else
        g_assert_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_INVALID);
    }

  /* Text is not a catalogue. */
  {
    g_autoptr(GError) error = NULL;
    const char *text = "msgid \"apple\"\nmsgstr \"Apfel\"\n";
    g_autoptr(TmCatalog) catalog = open_written (dir, (const guint8 *) text,
                                                 strlen (text), &error);

    g_assert_error (error, TM_CATALOG_ERROR, TM_CATALOG_ERROR_INVALID);
    g_assert_null (catalog);
  }
  tm_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/catalog/built-french/translates-known-msgid",
                   test_catalog_built_french_translates);
  g_test_add_func ("/catalog/built-french/returns-unknown-msgid-itself",
                   test_catalog_unknown_msgid_is_itself);
  g_test_add_func ("/catalog/refcount/keeps-it-alive", test_catalog_refcount_keeps_it_alive);
  g_test_add_func ("/catalog/missing-file/is-not-found", test_catalog_missing_file_not_found);
  g_test_add_func ("/catalog/truncated-file/is-rejected", test_catalog_truncated_rejected);
  g_test_add_func ("/catalog/byte-order/both-are-read", test_catalog_both_byte_orders);
  g_test_add_func ("/catalog/hostile-file/is-rejected", test_catalog_hostile_rejected);
  g_test_add_func ("/catalog/garbage/is-rejected", test_catalog_garbage_rejected);

  return g_test_run ();
}
