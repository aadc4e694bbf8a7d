/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-bypass.c: the hosts HTTPS inspection never touches, as the Proxy page
 * shows them, under Xvfb: the saved list with its defaults, adding a host (typed
 * as a person types it) and refusing what is not one, removing with Undo, the
 * defaults put back, what a screen reader is told, changes made by temoinctl
 * followed, and the group on the app's Proxy page bound to the app's store. */
#include "config.h"

#include <adwaita.h>

#include "tm-bypass-group.h"
#include "tm-main-view.h"
#include "tm-proxy-page.h"
#include "tm-settings.h"
#include "tm-test-ui.h"
#include "tm-test-utils.h"

typedef struct {
  char           *data_dir;
  TmConsentStore *store;
  GtkWindow      *window;
  GtkWidget      *overlay;
  TmBypassGroup  *group;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *scrolled = gtk_scrolled_window_new ();

  f->data_dir = tm_test_make_tmp_dir ();
  f->store = tm_consent_store_new (f->data_dir, &error);
  g_assert_no_error (error);

  f->group = TM_BYPASS_GROUP (tm_bypass_group_new ());
  tm_bypass_group_set_store (f->group, f->store);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scrolled), GTK_WIDGET (f->group));
  f->overlay = adw_toast_overlay_new ();
  adw_toast_overlay_set_child (ADW_TOAST_OVERLAY (f->overlay), scrolled);
  f->window = GTK_WINDOW (gtk_window_new ());
  gtk_window_set_default_size (f->window, 700, 900);
  gtk_window_set_child (f->window, f->overlay);
  gtk_window_present (f->window);
  g_assert_true (tm_test_ui_wait_for (tm_test_ui_is_mapped, f->group));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  gtk_window_destroy (f->window);
  tm_test_ui_drain ();
  g_clear_object (&f->store);
  tm_test_rmdir (f->data_dir);
  g_free (f->data_dir);
}

static char *
saved_list (Fixture *f)
{
  return tm_consent_store_get_setting (f->store, TM_SETTING_HTTPS_BYPASS);
}

static AdwActionRow *
entry_row (Fixture    *f,
           const char *entry)
{
  GtkWidget *row = tm_test_ui_find_widget (GTK_WIDGET (f->group), ADW_TYPE_ACTION_ROW,
                                           tm_test_ui_row_has_title, entry);

  return row != NULL ? ADW_ACTION_ROW (row) : NULL;
}

static gboolean
row_is_shown (Fixture    *f,
              const char *entry)
{
  AdwActionRow *row = entry_row (f, entry);

  return row != NULL && gtk_widget_get_mapped (GTK_WIDGET (row));
}

static gboolean
has_tooltip (GtkWidget     *widget,
             gconstpointer  tooltip)
{
  return g_strcmp0 (gtk_widget_get_tooltip_text (widget), tooltip) == 0;
}

static GtkWidget *
remove_button (Fixture    *f,
               const char *entry)
{
  AdwActionRow *row = entry_row (f, entry);
  GtkWidget *button;

  g_assert_nonnull (row);
  button = tm_test_ui_find_widget (GTK_WIDGET (row), GTK_TYPE_BUTTON, has_tooltip, "Remove");
  g_assert_nonnull (button);
  return button;
}

static AdwEntryRow *
add_row (Fixture *f)
{
  GtkWidget *row = tm_test_ui_find_widget (GTK_WIDGET (f->group), ADW_TYPE_ENTRY_ROW, NULL, NULL);

  g_assert_nonnull (row);
  return ADW_ENTRY_ROW (row);
}

/* The "Add" button at the end of the entry (the entry row has buttons of its own). */
static GtkWidget *
add_button (Fixture *f)
{
  GtkWidget *button = tm_test_ui_find_widget (GTK_WIDGET (add_row (f)), GTK_TYPE_BUTTON,
                                              has_tooltip, "Add");

  g_assert_nonnull (button);
  return button;
}

static GtkWidget *
restore_button (Fixture *f)
{
  GtkWidget *button = tm_test_ui_find_widget (GTK_WIDGET (f->group), GTK_TYPE_BUTTON,
                                              tm_test_ui_button_has_label,
                                              "Restore _Defaults");

  g_assert_nonnull (button);
  return button;
}

/* Types @text into the entry as a person would, then presses Enter. */
static void
type_and_enter (Fixture    *f,
                const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (add_row (f)), text);
  tm_test_ui_drain ();
  g_signal_emit_by_name (add_row (f), "entry-activated");
  tm_test_ui_drain ();
}

static void
test_shows_the_saved_list (Fixture       *f,
                           gconstpointer  data)
{
  g_auto(GStrv) defaults = g_strsplit (TM_SETTING_HTTPS_BYPASS_DEFAULT, ",", -1);
  g_autofree char *apple = NULL;

  g_assert_cmpuint (g_strv_length (defaults), >, 0);
  for (guint i = 0; defaults[i] != NULL; i++)
    {
      AdwActionRow *row = entry_row (f, defaults[i]);

      g_assert_nonnull (row);
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (row)));
    }
  /* What an entry covers, in words, and that it is one of Témoin's. */
  g_assert_true (tm_test_ui_shows_text (GTK_WIDGET (f->group),
                                        "apple.com and all its subdomains · listed by default"));
  /* Nothing to restore while every default is there. */
  g_assert_false (gtk_widget_get_visible (restore_button (f)));
  g_assert_false (gtk_widget_is_sensitive (add_button (f)));
  apple = saved_list (f);
  g_assert_cmpstr (apple, ==, TM_SETTING_HTTPS_BYPASS_DEFAULT);
}

static void
test_add_normalizes_and_saves (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *list = NULL;
  g_autofree char *again = NULL;

  gtk_editable_set_text (GTK_EDITABLE (add_row (f)), "  WWW.Bank.Example.  ");
  tm_test_ui_drain ();
  g_assert_true (gtk_widget_is_sensitive (add_button (f)));
  tm_test_ui_click (add_button (f));
  tm_test_ui_drain ();

  list = saved_list (f);
  g_assert_nonnull (strstr (list, ",www.bank.example"));
  g_assert_true (row_is_shown (f, "www.bank.example"));
  g_assert_true (tm_test_ui_shows_text (GTK_WIDGET (f->group),
                                        "This host only, not its subdomains"));
  /* The entry is ready for the next one. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (add_row (f))), ==, "");

  /* A domain with its subdomains, an IPv6 address in brackets, Enter to add. */
  type_and_enter (f, "*.Credit.Example");
  type_and_enter (f, "[2001:DB8::1]");
  g_assert_true (row_is_shown (f, "*.credit.example"));
  g_assert_true (row_is_shown (f, "2001:db8::1"));
  g_assert_true (tm_test_ui_shows_text (GTK_WIDGET (f->group), "This IP address only"));

  /* Adding what is already there changes nothing. */
  g_free (list);
  list = saved_list (f);
  type_and_enter (f, "www.bank.example");
  again = saved_list (f);
  g_assert_cmpstr (again, ==, list);
  g_assert_null (tm_test_ui_find_widget (GTK_WIDGET (f->group), GTK_TYPE_LABEL,
                                         tm_test_ui_label_is_mapped_with_text,
                                         "is not a host name"));
}

static void
test_invalid_entry_explains (Fixture       *f,
                             gconstpointer  data)
{
  g_autofree char *before = saved_list (f);
  g_autofree char *after = NULL;
  GtkWidget *error_label;
  const char *message;

  type_and_enter (f, "bank with space");
  after = saved_list (f);
  g_assert_cmpstr (after, ==, before);
  /* The text stays, to be corrected; the reason is under it and says what to write. */
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (add_row (f))), ==, "bank with space");
  error_label = tm_test_ui_find_widget (GTK_WIDGET (f->group), GTK_TYPE_LABEL,
                                        tm_test_ui_label_is_mapped_with_text,
                                        "is not a host name");
  g_assert_nonnull (error_label);
  message = gtk_label_get_text (GTK_LABEL (error_label));
  g_assert_nonnull (strstr (message, "“bank with space”"));
  g_assert_nonnull (strstr (message, "*.bank.example"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (add_row (f)), "error"));
  /* A screen reader hears it on the entry. */
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (add_row (f)),
                                       GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message);

  /* Editing the text clears the complaint. */
  gtk_editable_set_text (GTK_EDITABLE (add_row (f)), "bank.example");
  tm_test_ui_drain ();
  g_assert_false (gtk_widget_get_visible (error_label));
  g_assert_false (gtk_widget_has_css_class (GTK_WIDGET (add_row (f)), "error"));
}

static void
test_remove_and_undo (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *list = NULL;
  GtkWidget *undo;
  GtkWidget *next;

  next = remove_button (f, "*.debian.org");
  tm_test_ui_click (remove_button (f, "*.apple.com"));
  tm_test_ui_drain ();

  list = saved_list (f);
  g_assert_null (strstr (list, "apple.com"));
  g_assert_nonnull (strstr (list, "*.debian.org"));
  g_assert_null (entry_row (f, "*.apple.com"));
  /* Focus moves to the next row's button, not to the top of the window. */
  next = remove_button (f, "*.debian.org");
  g_assert_true (gtk_widget_has_focus (next));
  /* A default is missing: it can be put back. */
  g_assert_true (gtk_widget_get_visible (restore_button (f)));

  /* The toast offers Undo, which puts it back. */
  g_assert_true (tm_test_ui_shows_text (f->overlay,
                                        "*.apple.com removed from the hosts never inspected"));
  undo = tm_test_ui_find_widget (f->overlay, GTK_TYPE_BUTTON, tm_test_ui_button_has_label,
                                 "_Undo");
  g_assert_nonnull (undo);
  tm_test_ui_click (undo);
  tm_test_ui_drain ();
  g_free (list);
  list = saved_list (f);
  g_assert_cmpstr (list, ==, TM_SETTING_HTTPS_BYPASS_DEFAULT);
  g_assert_true (row_is_shown (f, "*.apple.com"));
  g_assert_false (gtk_widget_get_visible (restore_button (f)));
}

static void
test_removing_everything (Fixture       *f,
                          gconstpointer  data)
{
  g_autofree char *list = NULL;
  AdwActionRow *row;

  while ((row = ADW_ACTION_ROW (tm_test_ui_find_widget (GTK_WIDGET (f->group),
                                                        ADW_TYPE_ACTION_ROW, NULL, NULL)))
         != NULL)
    {
      tm_test_ui_click (tm_test_ui_find_widget (GTK_WIDGET (row), GTK_TYPE_BUTTON,
                                                   has_tooltip, "Remove"));
      tm_test_ui_drain ();
    }
  list = saved_list (f);
  /* An empty list is kept as such: not read back as the defaults. */
  g_assert_cmpstr (list, ==, "");
  g_assert_true (tm_test_ui_shows_text (GTK_WIDGET (f->group), "No host is exempt"));
  g_assert_true (gtk_widget_has_focus (GTK_WIDGET (add_row (f)))
                 || gtk_widget_is_ancestor (gtk_window_get_focus (f->window),
                                            GTK_WIDGET (add_row (f))));
}

static void
test_restore_defaults_keeps_own_entries (Fixture       *f,
                                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;

  g_assert_true (tm_consent_store_set_setting (f->store, TM_SETTING_HTTPS_BYPASS,
                                               "bank.example,*.signal.org", &error));
  g_assert_no_error (error);
  tm_test_ui_drain ();
  g_assert_true (row_is_shown (f, "bank.example"));
  g_assert_null (entry_row (f, "*.apple.com"));
  g_assert_true (gtk_widget_get_visible (restore_button (f)));

  tm_test_ui_click (restore_button (f));
  tm_test_ui_drain ();
  list = saved_list (f);
  g_assert_true (g_str_has_prefix (list, "*.apple.com,"));
  g_assert_nonnull (strstr (list, ",bank.example"));
  g_assert_true (row_is_shown (f, "*.apple.com"));
  g_assert_true (row_is_shown (f, "bank.example"));
  g_assert_false (gtk_widget_get_visible (restore_button (f)));
}

static void
test_named_for_screen_readers (Fixture       *f,
                               gconstpointer  data)
{
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (remove_button (f, "*.signal.org")),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Remove *.signal.org from the hosts never inspected");
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (add_button (f)),
                                       GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Add the host to the hosts never inspected");
  g_assert_cmpstr (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (add_row (f))), ==,
                   "Host to never inspect");
}

typedef struct {
  Fixture    *f;
  const char *entry;
  gboolean    shown;
} RowWait;

static gboolean
row_shown_is (gpointer data)
{
  RowWait *w = data;

  return row_is_shown (w->f, w->entry) == w->shown;
}

static void
test_follows_temoinctl (Fixture       *f,
                        gconstpointer  data)
{
  const char *add[] = { "--data-dir", f->data_dir, "bypass", "add", "*.Bank.Example", NULL };
  const char *remove[] = { "--data-dir", f->data_dir, "bypass", "remove", "*.apple.com",
                           NULL };
  RowWait w = { f, "*.bank.example", TRUE };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (tm_test_run_temoinctl (add, &out, &err), ==, 0);
  g_assert_true (tm_test_ui_wait_for (row_shown_is, &w));

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (tm_test_run_temoinctl (remove, &out, &err), ==, 0);
  w.entry = "*.apple.com";
  w.shown = FALSE;
  g_assert_true (tm_test_ui_wait_for (row_shown_is, &w));
  g_assert_true (gtk_widget_get_visible (restore_button (f)));
}

/* The group on the app's Proxy page edits the app's own store. */
static void
test_on_the_proxy_page (Fixture       *f,
                        gconstpointer  data)
{
  TmApplication *app = NULL;
  TmWindow *window = NULL;
  TmProxyPage *page;
  GtkWidget *group;
  g_autofree char *list = NULL;

  g_setenv ("TEMOIN_DATA_DIR", f->data_dir, TRUE);
  tm_test_ui_reset_app_settings ("en");
  tm_test_ui_start_app (&app, &window);
  tm_test_ui_show_page (window, "proxy");
  page = tm_main_view_get_proxy_page (tm_window_get_main_view (window));
  group = tm_test_ui_find_widget (GTK_WIDGET (page), TM_TYPE_BYPASS_GROUP, NULL, NULL);
  g_assert_nonnull (group);
  g_assert_true (tm_bypass_group_add (TM_BYPASS_GROUP (group), "intranet.example"));
  list = tm_consent_store_get_setting (tm_application_get_store (app), TM_SETTING_HTTPS_BYPASS);
  g_assert_nonnull (strstr (list, ",intranet.example"));
  tm_test_ui_stop_app (&app, &window);
}

int
main (int   argc,
      char *argv[])
{
  /* The test accessibility backend keeps what a screen reader would be told. */
  tm_test_ui_init (&argc, &argv, "test");

  g_test_add ("/ui/bypass/shows-the-saved-list-and-what-each-entry-covers", Fixture, NULL,
              fixture_setup, test_shows_the_saved_list, fixture_teardown);
  g_test_add ("/ui/bypass/add-normalizes-and-saves", Fixture, NULL,
              fixture_setup, test_add_normalizes_and_saves, fixture_teardown);
  g_test_add ("/ui/bypass/an-invalid-entry-says-why-and-saves-nothing", Fixture, NULL,
              fixture_setup, test_invalid_entry_explains, fixture_teardown);
  g_test_add ("/ui/bypass/remove-keeps-focus-and-undo-brings-it-back", Fixture, NULL,
              fixture_setup, test_remove_and_undo, fixture_teardown);
  g_test_add ("/ui/bypass/removing-every-entry-keeps-an-empty-list", Fixture, NULL,
              fixture_setup, test_removing_everything, fixture_teardown);
  g_test_add ("/ui/bypass/restore-defaults-keeps-the-users-own-entries", Fixture, NULL,
              fixture_setup, test_restore_defaults_keeps_own_entries, fixture_teardown);
  g_test_add ("/ui/bypass/buttons-are-named-for-screen-readers", Fixture, NULL,
              fixture_setup, test_named_for_screen_readers, fixture_teardown);
  g_test_add ("/ui/bypass/follows-temoinctl-bypass", Fixture, NULL,
              fixture_setup, test_follows_temoinctl, fixture_teardown);
  g_test_add ("/ui/bypass/is-on-the-proxy-page-bound-to-the-apps-store", Fixture, NULL,
              fixture_setup, test_on_the_proxy_page, fixture_teardown);

  return g_test_run ();
}
