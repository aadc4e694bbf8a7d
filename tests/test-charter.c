/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>

#include "tm-charter.h"
#include "tm-i18n.h"
#include "tm-test-utils.h"

static TmCatalog *
open_built_french (void)
{
  g_autoptr(GError) error = NULL;
  TmCatalog *catalog = tm_catalog_new_for_language (g_getenv ("TEMOIN_LOCALEDIR"),
                                                    GETTEXT_PACKAGE, "fr", &error);

  g_assert_no_error (error);
  return catalog;
}

/* The seed's non-empty lines, in order. */
static GPtrArray *
read_seed_lines (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = tm_test_data_path ("charter-fr.txt");
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *result = g_ptr_array_new_with_free_func (g_free);

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_ptr_array_add (result, g_strdup (lines[i]));
  return result;
}

static gboolean
strv_contains_line (GStrv       lines,
                    const char *line)
{
  return g_strv_contains ((const char * const *) lines, line);
}

static void
test_charter_categories_described (void)
{
  gsize n_blocks;
  const TmCharterBlock *blocks = tm_charter_get_blocks (&n_blocks);
  guint described = 0;

  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    {
      const char *description = tm_charter_get_category_description (c);
      gboolean found = FALSE;

      g_assert_nonnull (description);
      for (gsize i = 0; i < n_blocks; i++)
        if (blocks[i].msgid == description)
          {
            g_assert_cmpint (blocks[i].category, ==, c);
            g_assert_cmpint (blocks[i].kind, ==, TM_CHARTER_BLOCK_PARAGRAPH);
            found = TRUE;
          }
      g_assert_true (found);
      for (TmCategory other = 0; other < c; other++)
        g_assert_true (tm_charter_get_category_description (other) != description);
    }

  for (gsize i = 0; i < n_blocks; i++)
    if (blocks[i].category >= 0)
      described++;
  g_assert_cmpuint (described, ==, TM_N_CATEGORIES);
}

static void
test_charter_french_descriptions (void)
{
  g_autoptr(TmCatalog) fr = open_built_french ();
  g_autoptr(GPtrArray) seed = read_seed_lines ();
  const char *expected[TM_N_CATEGORIES] = {
    "Les cookies « nécessaires »", "Les cookies « statistiques »",
    "Les cookies « internes »", "Les cookies dits « tiers »",
  };

  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    {
      const char *text = tm_catalog_lookup (fr, tm_charter_get_category_description (c));

      g_assert_true (g_str_has_prefix (text, expected[c]));
      g_assert_true (g_ptr_array_find_with_equal_func (seed, text, g_str_equal, NULL));
    }
}

static void
test_charter_cookie_rows (void)
{
  static const char *names[] = {
    "sessionid", "django_language", "csrftoken", "cookies_preferences",
  };
  gsize n_cookies, n_columns;
  const TmCharterCookie *cookies = tm_charter_get_cookies (&n_cookies);
  const char * const *columns = tm_charter_get_columns (&n_columns);

  g_assert_cmpuint (n_columns, ==, 4);
  g_assert_cmpstr (columns[0], ==, "Provider name");
  g_assert_cmpstr (columns[2], ==, "Cookie name");
  g_assert_cmpuint (n_cookies, ==, G_N_ELEMENTS (names));
  for (gsize i = 0; i < n_cookies; i++)
    {
      g_assert_cmpstr (cookies[i].cookie, ==, names[i]);
      g_assert_cmpstr (cookies[i].provider, ==, "Opendatasoft");
      g_assert_nonnull (cookies[i].service);
      g_assert_nonnull (cookies[i].purpose);
      g_assert_cmpint (cookies[i].category, ==, TM_CATEGORY_NECESSARY);
    }
  g_assert_cmpstr (tm_charter_get_host (), ==, "do101mtl.opendatasoft.com");
  g_assert_cmpstr (tm_charter_get_url (), ==, "https://do101mtl.opendatasoft.com");
}

static void
test_charter_french_matches_seed (void)
{
  g_autoptr(TmCatalog) fr = open_built_french ();
  g_autoptr(GPtrArray) seed = read_seed_lines ();
  g_autofree char *text = tm_charter_render_text (fr);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GPtrArray) rendered = g_ptr_array_new ();
  gsize n_blocks;

  tm_charter_get_blocks (&n_blocks);
  g_assert_true (g_str_has_suffix (text, "\n"));

  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      g_ptr_array_add (rendered, lines[i]);

  /* Every seed line is a block or a table row of the rendering, and the reverse. */
  for (guint i = 0; i < seed->len; i++)
    if (!strv_contains_line (lines, g_ptr_array_index (seed, i)))
      g_error ("Seed line missing from the French rendering: %s",
               (char *) g_ptr_array_index (seed, i));
  for (guint i = 0; i < rendered->len; i++)
    if (!g_ptr_array_find_with_equal_func (seed, g_ptr_array_index (rendered, i),
                                           g_str_equal, NULL))
      g_error ("French rendering line not in the seed: %s",
               (char *) g_ptr_array_index (rendered, i));

  /* And in the same order: blocks, then the header row and four rows. */
  g_assert_cmpuint (rendered->len, ==, seed->len);
  g_assert_cmpuint (rendered->len, ==, n_blocks + 1 + 4);
  for (guint i = 0; i < seed->len; i++)
    g_assert_cmpstr (g_ptr_array_index (rendered, i), ==, g_ptr_array_index (seed, i));

  /* Blocks are separated by a blank line; the table's rows are not. */
  g_assert_true (g_str_has_prefix (text, "Charte cookies\n\nAfin de vous proposer"));
  g_assert_nonnull (strstr (text, "fonctionnels\n\nNom du prestataire\tService et "
                                  "emplacement\tNom du cookies\tFinalités\nOpendatasoft\t"));
}

static void
test_charter_english_has_no_french (void)
{
  g_autoptr(GPtrArray) seed = read_seed_lines ();
  g_autofree char *text = tm_charter_render_text (NULL);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  static const char *french_words[] = {
    "cookies nécessaires", "Nom du", "Finalités", "Qu'est", "Charte", "navigateur",
    "Se souvenir", "plateforme",
  };

  g_assert_true (g_str_has_prefix (text, "Cookie charter\n\n"));
  for (guint i = 0; i < seed->len; i++)
    g_assert_false (strv_contains_line (lines, g_ptr_array_index (seed, i)));
  for (guint i = 0; i < G_N_ELEMENTS (french_words); i++)
    g_assert_null (strstr (text, french_words[i]));
  /* The address survives translation, with its angle brackets. */
  g_assert_nonnull (strstr (text, "<https://do101mtl.opendatasoft.com>"));
  g_assert_nonnull (strstr (text, "\tsessionid\t"));
}

static gboolean
is_sha256_hex (const char *s)
{
  if (strlen (s) != 64)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isdigit (*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

static void
test_charter_revision_stable (void)
{
  g_autoptr(TmCatalog) fr = open_built_french ();
  g_autofree char *revision = tm_charter_compute_revision (fr);
  g_autofree char *again = tm_charter_compute_revision (fr);
  g_autofree char *french_text = tm_charter_render_text (fr);
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                             french_text, -1);

  g_assert_true (is_sha256_hex (revision));
  g_assert_cmpstr (revision, ==, again);
  g_assert_cmpstr (revision, ==, expected);
  /* The installed (here: built) French catalogue is the one tm_i18n finds. */
  g_assert_cmpstr (tm_charter_get_revision (), ==, revision);
  g_assert_true (tm_charter_get_revision () == tm_charter_get_revision ());
}

static void
test_charter_revision_untranslated (void)
{
  g_autoptr(TmCatalog) fr = open_built_french ();
  g_autofree char *french = tm_charter_compute_revision (fr);
  g_autofree char *untranslated = tm_charter_compute_revision (NULL);
  g_autofree char *english = tm_charter_render_text (NULL);
  g_autofree char *prefixed = g_strconcat ("untranslated:", english, NULL);
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_SHA256,
                                                             prefixed, -1);

  g_assert_true (is_sha256_hex (untranslated));
  g_assert_cmpstr (untranslated, ==, expected);
  g_assert_cmpstr (untranslated, !=, french);
}

/* Compiles @po_text with msgfmt into DIR/fr/LC_MESSAGES and opens it. */
static TmCatalog *
compile_catalog (const char *dir,
                 const char *po_text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *msgfmt = g_find_program_in_path ("msgfmt");
  g_autofree char *po = g_build_filename (dir, "fr.po", NULL);
  g_autofree char *mo_dir = g_build_filename (dir, "fr", "LC_MESSAGES", NULL);
  g_autofree char *mo = g_build_filename (mo_dir, GETTEXT_PACKAGE ".mo", NULL);
  g_autofree char *err = NULL;
  const char *argv[] = { msgfmt, "--check", "-o", mo, po, NULL };
  int status = -1;
  TmCatalog *catalog;

  g_assert_nonnull (msgfmt);
  g_assert_cmpint (g_mkdir_with_parents (mo_dir, 0700), ==, 0);
  g_file_set_contents (po, po_text, -1, &error);
  g_assert_no_error (error);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
                NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("msgfmt failed: %s", err);

  catalog = tm_catalog_new_from_file (mo, &error);
  g_assert_no_error (error);
  return catalog;
}

static void
replace_once (GString    *text,
              const char *from,
              const char *to)
{
  const char *at = strstr (text->str, from);

  g_assert_nonnull (at);
  g_assert_null (strstr (at + 1, from));
  g_string_erase (text, at - text->str, strlen (from));
  g_string_insert (text, at - text->str, to);
}

static void
test_charter_revision_follows_french_text (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *po_path = g_test_build_filename (G_TEST_DIST, "..", "po", "fr.po", NULL);
  g_autofree char *po_text = NULL;
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autofree char *same_dir = g_build_filename (dir, "same", NULL);
  g_autofree char *changed_dir = g_build_filename (dir, "changed", NULL);
  g_autoptr(TmCatalog) built = open_built_french ();
  g_autoptr(TmCatalog) same = NULL;
  g_autoptr(TmCatalog) changed = NULL;
  g_autofree char *built_revision = NULL;
  g_autofree char *same_revision = NULL;
  g_autofree char *changed_revision = NULL;
  g_autoptr(GString) modified = NULL;

  g_file_get_contents (po_path, &po_text, NULL, &error);
  g_assert_no_error (error);

  /* Control: the same po compiled here gives the same revision. */
  same = compile_catalog (same_dir, po_text);
  built_revision = tm_charter_compute_revision (built);
  same_revision = tm_charter_compute_revision (same);
  g_assert_cmpstr (same_revision, ==, built_revision);

  /* One word of one table cell changes the binding text. */
  modified = g_string_new (po_text);
  replace_once (modified, "msgstr \"Se souvenir de la langue du visiteur\"",
                "msgstr \"Se souvenir de la langue de la visiteuse\"");
  changed = compile_catalog (changed_dir, modified->str);
  changed_revision = tm_charter_compute_revision (changed);
  g_assert_true (is_sha256_hex (changed_revision));
  g_assert_cmpstr (changed_revision, !=, built_revision);

  tm_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/charter/categories/each-has-its-paragraph",
                   test_charter_categories_described);
  g_test_add_func ("/charter/categories/described-in-the-seed-words",
                   test_charter_french_descriptions);
  g_test_add_func ("/charter/cookies/four-rows-from-the-table", test_charter_cookie_rows);
  g_test_add_func ("/charter/french/matches-the-seed-exactly",
                   test_charter_french_matches_seed);
  g_test_add_func ("/charter/english/has-no-french-paragraph",
                   test_charter_english_has_no_french);
  g_test_add_func ("/charter/revision/is-stable-sha256", test_charter_revision_stable);
  g_test_add_func ("/charter/revision/differs-without-french",
                   test_charter_revision_untranslated);
  g_test_add_func ("/charter/revision/changes-with-the-french-text",
                   test_charter_revision_follows_french_text);

  return g_test_run ();
}
