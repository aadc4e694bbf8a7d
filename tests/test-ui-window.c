/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-window.c: the app's window as a person sees it, under Xvfb: the charter
 * in French and English, the language switch at run time, the switches, and saved
 * choices surviving a restart. */
#include "config.h"

#include <adwaita.h>

#include "tm-application.h"
#include "tm-charter.h"
#include "tm-consent-store.h"
#include "tm-i18n.h"
#include "tm-test-ui.h"
#include "tm-test-utils.h"
#include "tm-window.h"

typedef TmTestUiApp Fixture;

/* Collapses runs of white space (no-break spaces too) and makes apostrophes plain,
 * so that typographic apostrophes and line wrapping do not count as differences. */
static char *
normalize (const char *text)
{
  GString *out = g_string_new (NULL);
  gboolean in_space = TRUE;

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (g_unichar_isspace (c) || c == 0x00A0 || c == 0x202F || c == 0x2009)
        {
          if (!in_space)
            g_string_append_c (out, ' ');
          in_space = TRUE;
          continue;
        }
      in_space = FALSE;
      if (c == 0x2019 || c == 0x2018)
        c = '\'';
      g_string_append_unichar (out, c);
    }
  if (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}

/* The visible text of every label under @widget (mapped ones only with
 * @mapped_only), normalized. */
static void
collect_texts (GtkWidget  *widget,
               gboolean    mapped_only,
               GPtrArray  *texts)
{
  if (mapped_only && !gtk_widget_get_mapped (widget))
    return;
  if (GTK_IS_LABEL (widget))
    g_ptr_array_add (texts, normalize (gtk_label_get_text (GTK_LABEL (widget))));
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    collect_texts (child, mapped_only, texts);
}

static GPtrArray *
window_texts (Fixture  *f,
              gboolean  mapped_only)
{
  GPtrArray *texts = g_ptr_array_new_with_free_func (g_free);

  collect_texts (GTK_WIDGET (f->window), mapped_only, texts);
  return texts;
}

static gboolean
texts_contain (GPtrArray  *texts,
               const char *wanted)
{
  g_autofree char *norm = normalize (wanted);

  for (guint i = 0; i < texts->len; i++)
    if (g_str_equal (texts->pdata[i], norm))
      return TRUE;
  return FALSE;
}

static gboolean
texts_contain_substring (GPtrArray  *texts,
                         const char *wanted)
{
  g_autofree char *norm = normalize (wanted);

  for (guint i = 0; i < texts->len; i++)
    if (strstr (texts->pdata[i], norm) != NULL)
      return TRUE;
  return FALSE;
}

/* Flips a switch as the keyboard does (it animates, then changes). */
static void
flip (GtkSwitch *sw)
{
  g_assert_true (tm_test_ui_flip_switch (sw));
}

static GtkButton *
find_button (Fixture    *f,
             const char *label)
{
  GtkWidget *button = tm_test_ui_find_widget (GTK_WIDGET (f->window), GTK_TYPE_BUTTON,
                                              tm_test_ui_button_has_label, label);

  if (button == NULL)
    g_error ("no button labelled “%s” in the window", label);
  return GTK_BUTTON (button);
}

/* The switch a person finds in the row titled with @category's title. */
static GtkSwitch *
find_category_switch (Fixture    *f,
                      TmCategory  category)
{
  GtkWidget *row = tm_test_ui_find_widget (GTK_WIDGET (f->window), ADW_TYPE_ACTION_ROW,
                                           tm_test_ui_row_has_title,
                                           tm_category_get_title (category));
  GtkWidget *sw;

  g_assert_nonnull (row);
  sw = tm_test_ui_find_widget (row, GTK_TYPE_SWITCH, NULL, NULL);
  g_assert_nonnull (sw);
  return GTK_SWITCH (sw);
}

/* The lines of tests/data/charter-fr.txt (the seed): paragraphs, then table rows
 * whose cells are tab-separated. */
static char **
read_french_charter (void)
{
  g_autofree char *path = tm_test_data_path ("charter-fr.txt");
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return g_strsplit (contents, "\n", -1);
}

static void
test_window_opens (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GPtrArray) texts = NULL;

  tm_test_ui_app_start (f);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (f->window)));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (f->window)), ==, "Témoin");
  /* One toggle button per offered language, labelled with its code. */
  for (const char * const *l = tm_i18n_get_languages (); *l != NULL; l++)
    {
      g_autofree char *code = g_ascii_strup (*l, -1);
      GtkWidget *button = tm_test_ui_find_widget (GTK_WIDGET (f->window), GTK_TYPE_TOGGLE_BUTTON,
                                                  tm_test_ui_button_has_label, code);

      g_assert_nonnull (button);
      g_assert_cmpstr (gtk_widget_get_tooltip_text (button), ==,
                       tm_i18n_get_language_name (*l));
      g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (button))
                     == g_str_equal (*l, "en"));
    }
  texts = window_texts (f, TRUE);
  g_assert_true (texts_contain (texts, "Cookie charter"));
}

static void
assert_french_charter_shown (Fixture *f)
{
  g_auto(GStrv) lines = read_french_charter ();
  g_autoptr(GPtrArray) texts = NULL;
  guint n_checked = 0;

  tm_test_ui_app_show_page (f, "charter");
  texts = window_texts (f, TRUE);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = NULL;
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));

      if (line[0] == '\0')
        continue;
      cells = g_strsplit (lines[i], "\t", -1);
      for (guint j = 0; cells[j] != NULL; j++)
        {
          g_autofree char *cell = g_strstrip (g_strdup (cells[j]));

          if (cell[0] == '\0')
            continue;
          if (!texts_contain (texts, cell))
            g_error ("the French charter text “%s” is not shown verbatim", cell);
          n_checked++;
        }
    }
  g_assert_cmpuint (n_checked, >=, 30);
}

static void
test_charter_in_french (Fixture       *f,
                        gconstpointer  data)
{
  tm_test_ui_app_start (f);
  g_assert_cmpstr (tm_i18n_get_language (), ==, "fr");
  assert_french_charter_shown (f);
}

/* The English rendering of the charter, as tm_charter_render_text() gives it. */
static void
assert_english_charter_shown (Fixture *f)
{
  g_autofree char *english = tm_charter_render_text (NULL);
  g_auto(GStrv) lines = g_strsplit (english, "\n", -1);
  g_autoptr(GPtrArray) texts = NULL;

  tm_test_ui_app_show_page (f, "charter");
  texts = window_texts (f, TRUE);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) cells = g_strsplit (lines[i], "\t", -1);

      for (guint j = 0; cells[j] != NULL; j++)
        {
          g_autofree char *cell = g_strstrip (g_strdup (cells[j]));

          if (cell[0] != '\0' && !texts_contain (texts, cell))
            g_error ("the English charter text “%s” is not shown", cell);
        }
    }
}

/* No French charter paragraph and no French translation of the UI's own strings
 * anywhere in the window, on any page. */
static void
assert_no_french_left (Fixture *f)
{
  g_auto(GStrv) lines = read_french_charter ();
  g_autoptr(GPtrArray) texts = window_texts (f, FALSE);
  static const char *ui_msgids[] = {
    "Charter", "Choices", "Read Side by Side", "Cookies You Accept", "Reject All",
    "Accept All", "Save Choices", "Saved Choice", "History", "Necessary", "Statistics",
    "Always on: the site cannot work without them. The charter says they need no consent.",
  };

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *line = g_strstrip (g_strdup (lines[i]));

      /* Table rows hold names that are the same in both languages. */
      if (line[0] == '\0' || strchr (lines[i], '\t') != NULL)
        continue;
      if (texts_contain_substring (texts, line))
        g_error ("French text “%s” is still shown after switching to English", line);
    }
  for (guint i = 0; i < G_N_ELEMENTS (ui_msgids); i++)
    {
      const char *french = tm_i18n_translate ("fr", ui_msgids[i]);

      if (!g_str_equal (french, ui_msgids[i]) && texts_contain (texts, french))
        g_error ("French “%s” is still shown after switching to English", french);
      if (!texts_contain_substring (texts, ui_msgids[i]))
        g_error ("“%s” is not shown in English", ui_msgids[i]);
    }
}

static void
test_switch_to_english (Fixture       *f,
                        gconstpointer  data)
{
  GtkWidget *en_button;

  tm_test_ui_app_start (f);
  assert_french_charter_shown (f);
  tm_test_ui_app_show_page (f, "choices");
  /* An unsaved edit must survive the switch. */
  flip (find_category_switch (f, TM_CATEGORY_THIRD_PARTY));
  g_assert_true (gtk_switch_get_active (find_category_switch (f, TM_CATEGORY_THIRD_PARTY)));

  en_button = tm_test_ui_find_widget (GTK_WIDGET (f->window), GTK_TYPE_TOGGLE_BUTTON,
                                      tm_test_ui_button_has_label, "EN");
  g_assert_nonnull (en_button);
  tm_test_ui_click (en_button);

  g_assert_cmpstr (tm_i18n_get_language (), ==, "en");
  /* The page, the unsaved switch and the keyboard focus are where they were. */
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (
                     tm_main_view_get_stack (tm_window_get_main_view (f->window))),
                   ==, "choices");
  g_assert_true (gtk_switch_get_active (find_category_switch (f, TM_CATEGORY_THIRD_PARTY)));
  g_assert_true (tm_choice_draft_get_dirty (tm_window_get_draft (f->window)));
  en_button = tm_test_ui_find_widget (GTK_WIDGET (f->window), GTK_TYPE_TOGGLE_BUTTON,
                                      tm_test_ui_button_has_label, "EN");
  g_assert_true (gtk_window_get_focus (GTK_WINDOW (f->window)) == en_button);
  g_assert_true (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (en_button)));
  g_assert_false (gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (
    tm_test_ui_find_widget (GTK_WIDGET (f->window), GTK_TYPE_TOGGLE_BUTTON,
                            tm_test_ui_button_has_label, "FR"))));

  assert_english_charter_shown (f);
  assert_no_french_left (f);

  /* The choice of language is remembered for the next start. */
  tm_test_ui_app_stop (f);
  tm_test_ui_app_start (f);
  g_assert_cmpstr (tm_i18n_get_language (), ==, "en");
  assert_english_charter_shown (f);
}

static void
test_side_by_side (Fixture       *f,
                   gconstpointer  data)
{
  GtkWidget *toggle;
  g_autoptr(GPtrArray) texts = NULL;

  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "charter");
  texts = window_texts (f, TRUE);
  g_assert_false (texts_contain (texts, "French original"));
  g_clear_pointer (&texts, g_ptr_array_unref);

  toggle = tm_test_ui_find_widget (GTK_WIDGET (f->window), GTK_TYPE_TOGGLE_BUTTON,
                                   tm_test_ui_button_has_label, "Read Side by Side");
  g_assert_nonnull (toggle);
  tm_test_ui_click (toggle);

  /* French original on one side, English on the other. */
  texts = window_texts (f, TRUE);
  g_assert_true (texts_contain (texts, "French original"));
  assert_french_charter_shown (f);
  assert_english_charter_shown (f);
}

static void
test_switches_sensitivity (Fixture       *f,
                           gconstpointer  data)
{
  GtkSwitch *necessary;

  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "choices");
  necessary = find_category_switch (f, TM_CATEGORY_NECESSARY);
  g_assert_true (gtk_switch_get_active (necessary));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (necessary)));
  /* Activating it changes nothing. */
  gtk_widget_activate (GTK_WIDGET (necessary));
  g_assert_true (gtk_switch_get_active (necessary));

  for (TmCategory c = TM_CATEGORY_STATISTICS; c < TM_N_CATEGORIES; c++)
    {
      GtkSwitch *sw = find_category_switch (f, c);

      g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (sw)));
      /* Silence is refusal: off when nothing was saved. */
      g_assert_false (gtk_switch_get_active (sw));
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (sw)));
    }
}

static void
assert_switches (Fixture      *f,
                 TmCategories  expected)
{
  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    if (gtk_switch_get_active (find_category_switch (f, c))
        != ((expected & TM_CATEGORY_BIT (c)) != 0))
      g_error ("the %s switch is %s, expected %s", tm_category_to_id (c),
               gtk_switch_get_active (find_category_switch (f, c)) ? "on" : "off",
               (expected & TM_CATEGORY_BIT (c)) ? "on" : "off");
}

static void
assert_saved (Fixture         *f,
              TmCategories     categories,
              TmConsentMethod  method)
{
  g_autoptr(TmConsent) current = tm_consent_store_dup_current (tm_application_get_store (f->app));

  g_assert_true (tm_consent_is_saved (current));
  g_assert_cmpuint (tm_consent_get_categories (current), ==, categories);
  g_assert_cmpint (tm_consent_get_method (current), ==, method);
  g_assert_cmpstr (tm_consent_get_language (current), ==, "en");
  g_assert_cmpstr (tm_consent_get_revision (current), ==, tm_charter_get_revision ());
}

static void
restart (Fixture *f)
{
  tm_test_ui_app_stop (f);
  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "choices");
}

static void
test_choices_persist (Fixture       *f,
                      gconstpointer  data)
{
  const TmCategories necessary = TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);
  const TmCategories custom = necessary | TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS);
  GListModel *history;

  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "choices");

  tm_test_ui_click (find_button (f, "Accept All"));
  assert_saved (f, TM_CATEGORIES_ALL, TM_CONSENT_METHOD_ACCEPT_ALL);
  {
    /* A toast confirms it. */
    g_autoptr(GPtrArray) texts = window_texts (f, TRUE);

    g_assert_true (texts_contain (texts, "Choices saved"));
  }
  assert_switches (f, TM_CATEGORIES_ALL);
  restart (f);
  assert_switches (f, TM_CATEGORIES_ALL);

  tm_test_ui_click (find_button (f, "Reject All"));
  assert_saved (f, necessary, TM_CONSENT_METHOD_REJECT_ALL);
  assert_switches (f, necessary);
  restart (f);
  assert_switches (f, necessary);

  flip (find_category_switch (f, TM_CATEGORY_STATISTICS));
  assert_switches (f, custom);
  tm_test_ui_click (find_button (f, "Save Choices"));
  assert_saved (f, custom, TM_CONSENT_METHOD_CUSTOM);
  restart (f);
  assert_switches (f, custom);

  /* Ctrl+S saves too (win.save). */
  flip (find_category_switch (f, TM_CATEGORY_FIRST_PARTY));
  gtk_widget_activate_action (GTK_WIDGET (f->window), "win.save", NULL);
  tm_test_ui_drain ();
  assert_saved (f, custom | TM_CATEGORY_BIT (TM_CATEGORY_FIRST_PARTY),
                TM_CONSENT_METHOD_CUSTOM);

  /* Four saves, the history lists them newest first, one row each. */
  history = tm_consent_store_get_history (tm_application_get_store (f->app));
  g_assert_cmpuint (g_list_model_get_n_items (history), ==, 4);
  {
    g_autoptr(GPtrArray) texts = window_texts (f, TRUE);
    guint n_rows = 0;

    for (guint i = 0; i < texts->len; i++)
      if (g_str_has_prefix (texts->pdata[i], "Accepted: "))
        n_rows++;
    g_assert_cmpuint (n_rows, ==, 4);
  }
}

static void save_before_start (Fixture    *f,
                               const char *revision);

/* Every widget Tab reaches, going round the window twice. */
static GHashTable *
tab_chain (Fixture *f)
{
  GHashTable *reached = g_hash_table_new (NULL, NULL);

  gtk_window_set_focus (GTK_WINDOW (f->window), NULL);
  for (int i = 0; i < 400; i++)
    {
      GtkWidget *focus;

      if (!gtk_widget_child_focus (GTK_WIDGET (f->window), GTK_DIR_TAB_FORWARD))
        gtk_window_set_focus (GTK_WINDOW (f->window), NULL);
      focus = gtk_window_get_focus (GTK_WINDOW (f->window));
      if (focus != NULL)
        g_hash_table_add (reached, focus);
    }
  return reached;
}

static void
assert_reached (GHashTable *reached,
                gpointer    widget,
                const char *what)
{
  GHashTableIter iter;
  gpointer focus;

  g_assert_nonnull (widget);
  g_hash_table_iter_init (&iter, reached);
  while (g_hash_table_iter_next (&iter, &focus, NULL))
    {
      /* The widget, a part of it (a menu button's inner button), or the row that
       * carries it (a row whose activatable widget is a switch). */
      if (focus == widget || gtk_widget_is_ancestor (focus, widget))
        return;
      if (GTK_IS_LIST_BOX_ROW (focus) && gtk_widget_is_ancestor (widget, focus))
        return;
    }
  g_error ("%s cannot be reached with the Tab key", what);
}

static void
test_keyboard_reaches_every_control (Fixture       *f,
                                     gconstpointer  data)
{
  g_autoptr(GHashTable) reached = NULL;
  static const char *buttons[] = {
    "Reject All", "Accept All", "Save Choices", "Export…", "Erase…",
  };

  save_before_start (f, tm_charter_get_revision ());
  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "choices");
  reached = tab_chain (f);
  for (const char * const *l = tm_i18n_get_languages (); *l != NULL; l++)
    {
      g_autofree char *code = g_ascii_strup (*l, -1);

      assert_reached (reached, tm_test_ui_find_widget (GTK_WIDGET (f->window),
                                                       GTK_TYPE_TOGGLE_BUTTON,
                                                       tm_test_ui_button_has_label, code), code);
    }
  assert_reached (reached, tm_test_ui_find_widget (GTK_WIDGET (f->window), GTK_TYPE_MENU_BUTTON,
                                                   NULL, NULL), "the main menu");
  for (TmCategory c = TM_CATEGORY_STATISTICS; c < TM_N_CATEGORIES; c++)
    assert_reached (reached, find_category_switch (f, c), tm_category_to_id (c));
  for (guint i = 0; i < G_N_ELEMENTS (buttons); i++)
    assert_reached (reached, find_button (f, buttons[i]), buttons[i]);
  g_clear_pointer (&reached, g_hash_table_unref);

  tm_test_ui_app_show_page (f, "charter");
  reached = tab_chain (f);
  assert_reached (reached, tm_test_ui_find_widget (GTK_WIDGET (f->window), GTK_TYPE_TOGGLE_BUTTON,
                                                   tm_test_ui_button_has_label,
                                                   "Read Side by Side"),
                  "Read Side by Side");
  /* Each cookie row takes the focus, so a screen reader reads it. */
  {
    TmCharterPage *page = tm_main_view_get_charter_page (tm_window_get_main_view (f->window));
    GtkWidget *row = tm_test_ui_find_widget (GTK_WIDGET (page), GTK_TYPE_LIST_BOX_ROW, NULL, NULL);
    guint n_rows = 0;

    for (; row != NULL; row = gtk_widget_get_next_sibling (row))
      if (GTK_IS_LIST_BOX_ROW (row))
        {
          assert_reached (reached, row, "a cookie row");
          n_rows++;
        }
    g_assert_cmpuint (n_rows, ==, 4);
  }
}

static gboolean
switches_all_on (gpointer data)
{
  Fixture *f = data;

  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    if (!gtk_switch_get_active (find_category_switch (f, c)))
      return FALSE;
  return TRUE;
}

/* A choice saved by another process (here another connection) shows up. */
static void
test_follows_other_process (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(TmConsentStore) other = NULL;
  g_autoptr(TmConsent) saved = NULL;
  g_autoptr(GError) error = NULL;

  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "choices");
  assert_switches (f, TM_CATEGORIES_DEFAULT);

  other = tm_consent_store_new (f->data_dir, &error);
  g_assert_no_error (error);
  saved = tm_consent_store_save (other, TM_CATEGORIES_ALL, TM_CONSENT_METHOD_ACCEPT_ALL,
                                 "en", tm_charter_get_revision (), &error);
  g_assert_no_error (error);
  g_assert_true (tm_test_ui_wait_for (switches_all_on, f));
}

static void
save_before_start (Fixture    *f,
                   const char *revision)
{
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(TmConsent) saved = NULL;
  g_autoptr(GError) error = NULL;

  store = tm_consent_store_new (f->data_dir, &error);
  g_assert_no_error (error);
  saved = tm_consent_store_save (store, TM_CATEGORIES_ALL, TM_CONSENT_METHOD_ACCEPT_ALL,
                                 "en", revision, &error);
  g_assert_no_error (error);
}

static void
test_outdated_notice (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GPtrArray) texts = NULL;

  /* Saved under another wording of the charter. */
  save_before_start (f, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
  tm_test_ui_app_start (f);
  /* It opens on the Choices page, and says so. */
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (
                     tm_main_view_get_stack (tm_window_get_main_view (f->window))),
                   ==, "choices");
  texts = window_texts (f, TRUE);
  g_assert_true (texts_contain (texts, "Please choose again"));
  g_assert_true (texts_contain_substring (texts, "your last choice keeps applying"));
  /* Until then the last choice applies. */
  assert_switches (f, TM_CATEGORIES_ALL);
}

static void
test_current_has_no_notice (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GPtrArray) texts = NULL;

  save_before_start (f, tm_charter_get_revision ());
  tm_test_ui_app_start (f);
  g_assert_cmpstr (adw_view_stack_get_visible_child_name (
                     tm_main_view_get_stack (tm_window_get_main_view (f->window))),
                   ==, "charter");
  tm_test_ui_app_show_page (f, "choices");
  texts = window_texts (f, TRUE);
  g_assert_false (texts_contain (texts, "Please choose again"));
  g_assert_true (texts_contain (texts, "Current"));
}

static GtkWindow *
find_about_window (void)
{
  return tm_test_ui_find_toplevel (ADW_TYPE_ABOUT_WINDOW, NULL);
}

static gboolean
has_about_window (gpointer data)
{
  return find_about_window () != NULL;
}

static void
test_about (Fixture       *f,
            gconstpointer  data)
{
  tm_test_ui_app_start (f);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "about", NULL);
  g_assert_true (tm_test_ui_wait_for (has_about_window, NULL));
  g_assert_cmpstr (adw_about_window_get_version (ADW_ABOUT_WINDOW (find_about_window ())),
                   ==, PACKAGE_VERSION);
  g_assert_true (gtk_window_get_transient_for (find_about_window ()) == GTK_WINDOW (f->window));
  gtk_window_destroy (find_about_window ());
}

/* The first mapped toplevel of @type (and, for message dialogs, with @heading). */
typedef struct {
  GType       type;
  const char *heading;
} ToplevelQuery;

static GtkWindow *
find_toplevel (const ToplevelQuery *q)
{
  return tm_test_ui_find_toplevel (q->type, q->heading);
}

static gboolean
toplevel_shown (gpointer data)
{
  return find_toplevel (data) != NULL;
}

static void
test_shortcuts_window (Fixture       *f,
                       gconstpointer  data)
{
  ToplevelQuery q = { GTK_TYPE_SHORTCUTS_WINDOW, NULL };

  tm_test_ui_app_start (f);
  g_action_group_activate_action (G_ACTION_GROUP (f->app), "shortcuts", NULL);
  g_assert_true (tm_test_ui_wait_for (toplevel_shown, &q));
  gtk_window_destroy (find_toplevel (&q));
}

static void
test_erase_history (Fixture       *f,
                    gconstpointer  data)
{
  ToplevelQuery q = { ADW_TYPE_MESSAGE_DIALOG, "Erase the History?" };
  g_autoptr(TmConsent) current = NULL;
  GtkWindow *dialog;

  save_before_start (f, tm_charter_get_revision ());
  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "choices");
  assert_switches (f, TM_CATEGORIES_ALL);

  /* Cancelling keeps everything. */
  tm_test_ui_click (find_button (f, "Erase…"));
  g_assert_true (tm_test_ui_wait_for (toplevel_shown, &q));
  dialog = find_toplevel (&q);
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (f->window));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  gtk_window_destroy (dialog);
  tm_test_ui_drain ();
  g_assert_cmpuint (g_list_model_get_n_items (
    tm_consent_store_get_history (tm_application_get_store (f->app))), ==, 1);

  tm_test_ui_click (find_button (f, "Erase…"));
  g_assert_true (tm_test_ui_wait_for (toplevel_shown, &q));
  dialog = find_toplevel (&q);
  g_assert_cmpint (adw_message_dialog_get_response_appearance (ADW_MESSAGE_DIALOG (dialog),
                                                               "erase"),
                   ==, ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "erase");
  gtk_window_destroy (dialog);
  tm_test_ui_drain ();

  g_assert_cmpuint (g_list_model_get_n_items (
    tm_consent_store_get_history (tm_application_get_store (f->app))), ==, 0);
  current = tm_consent_store_dup_current (tm_application_get_store (f->app));
  g_assert_false (tm_consent_is_saved (current));
  /* Optional cookies are refused again, and nothing is left to erase. */
  assert_switches (f, TM_CATEGORIES_DEFAULT);
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (find_button (f, "Erase…"))));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (find_button (f, "Export…"))));
}

static gboolean
file_exists (gpointer path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Export… asks where, then writes the history as JSON (what temoinctl prints). */
static void
test_export_history (Fixture       *f,
                     gconstpointer  data)
{
  ToplevelQuery q = { GTK_TYPE_FILE_CHOOSER_DIALOG, NULL };
  g_autofree char *out_dir = tm_test_make_tmp_dir ();
  g_autofree char *out_path = g_build_filename (out_dir, "history.json", NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (out_dir);
  g_autofree char *contents = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GError) error = NULL;
  GtkWindow *chooser;

  save_before_start (f, tm_charter_get_revision ());
  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "choices");
  tm_test_ui_click (find_button (f, "Export…"));
  /* Without a portal, GtkFileChooserNative shows GTK's own dialog. */
  g_assert_true (tm_test_ui_wait_for (toplevel_shown, &q));
  chooser = find_toplevel (&q);
  gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), folder, &error);
  g_assert_no_error (error);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), "history.json");
  gtk_dialog_response (GTK_DIALOG (chooser), GTK_RESPONSE_ACCEPT);
  g_assert_true (tm_test_ui_wait_for (file_exists, out_path));
  tm_test_ui_drain ();

  g_file_get_contents (out_path, &contents, NULL, &error);
  g_assert_no_error (error);
  expected = tm_consent_store_export_history_json (tm_application_get_store (f->app), &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, expected);
  g_assert_nonnull (strstr (contents, "\"accept-all\""));
  tm_test_rmdir (out_dir);
}

static void
test_corrupt_database_is_reported (Fixture       *f,
                                   gconstpointer  data)
{
  ToplevelQuery q = { ADW_TYPE_MESSAGE_DIALOG, "Your Choices Were Reset" };
  g_autofree char *path = g_build_filename (f->data_dir, TM_CONSENT_STORE_FILENAME, NULL);
  g_autoptr(GError) error = NULL;
  const char *moved_aside;
  GtkWindow *dialog;

  g_file_set_contents (path, "this is not an SQLite database, not at all", -1, &error);
  g_assert_no_error (error);
  tm_test_ui_app_start (f);
  moved_aside = tm_consent_store_get_moved_aside (tm_application_get_store (f->app));
  g_assert_nonnull (moved_aside);
  g_assert_true (g_file_test (moved_aside, G_FILE_TEST_EXISTS));

  /* The dialog says where the old file went. */
  g_assert_true (tm_test_ui_wait_for (toplevel_shown, &q));
  dialog = find_toplevel (&q);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            moved_aside));
  gtk_window_destroy (dialog);
}

static void
test_unusable_data_dir_is_reported (Fixture       *f,
                                    gconstpointer  data)
{
  ToplevelQuery q = { ADW_TYPE_MESSAGE_DIALOG, "Could not open your choices" };
  g_autofree char *file = g_build_filename (f->data_dir, "a-file", NULL);
  g_autoptr(GError) error = NULL;
  GtkWindow *dialog;

  /* A data folder that is a file cannot hold the database. */
  g_file_set_contents (file, "", -1, &error);
  g_assert_no_error (error);
  f->app = tm_application_new ();
  tm_application_set_data_dir (f->app, file);
  g_application_register (G_APPLICATION (f->app), NULL, &error);
  g_assert_no_error (error);
  g_assert_null (tm_application_get_store (f->app));
  g_application_activate (G_APPLICATION (f->app));

  g_assert_true (tm_test_ui_wait_for (toplevel_shown, &q));
  dialog = find_toplevel (&q);
  g_assert_nonnull (strstr (adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog)),
                            "--data-dir"));
  /* No main window without a store. */
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (f->app)); l; l = l->next)
    g_assert_false (TM_IS_WINDOW (l->data));
  gtk_window_destroy (dialog);
}

int
main (int   argc,
      char *argv[])
{
  /* No session bus here: no accessibility bus. */
  tm_test_ui_init (&argc, &argv, "none");

  TM_TEST_UI_ADD ("/ui/window/opens", NULL, test_window_opens);
  TM_TEST_UI_ADD ("/ui/charter/french-shows-the-seed-verbatim", "fr", test_charter_in_french);
  TM_TEST_UI_ADD ("/ui/language/switching-to-english-leaves-no-french", "fr",
                  test_switch_to_english);
  TM_TEST_UI_ADD ("/ui/charter/side-by-side-shows-french-and-english", "en", test_side_by_side);
  TM_TEST_UI_ADD ("/ui/choices/necessary-is-locked-on-others-off", "en", test_switches_sensitivity);
  TM_TEST_UI_ADD ("/ui/choices/saves-survive-a-restart", "en", test_choices_persist);
  TM_TEST_UI_ADD ("/ui/choices/follow-a-choice-saved-elsewhere", "en", test_follows_other_process);
  TM_TEST_UI_ADD ("/ui/choices/outdated-choice-shows-the-notice", "en", test_outdated_notice);
  TM_TEST_UI_ADD ("/ui/choices/current-choice-shows-no-notice", "en", test_current_has_no_notice);
  TM_TEST_UI_ADD ("/ui/keyboard/tab-reaches-every-control", "en",
                  test_keyboard_reaches_every_control);
  TM_TEST_UI_ADD ("/ui/choices/erase-asks-then-erases-everything", "en", test_erase_history);
  TM_TEST_UI_ADD ("/ui/choices/export-writes-the-history-as-json", "en", test_export_history);
  TM_TEST_UI_ADD ("/ui/store/corrupt-database-is-moved-aside-and-reported", "en",
                  test_corrupt_database_is_reported);
  TM_TEST_UI_ADD ("/ui/store/unusable-data-folder-is-reported", "en",
                  test_unusable_data_dir_is_reported);
  TM_TEST_UI_ADD ("/ui/about/opens", "en", test_about);
  TM_TEST_UI_ADD ("/ui/shortcuts/window-opens", "en", test_shortcuts_window);

  return g_test_run ();
}
