/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-pages.c: the Preview and Cookies pages as a person uses them, under
 * Xvfb: the scenario following unsaved switches, rules made from a row, a URL
 * previewed against a local server, the live view, deletions with their undo
 * delay, and the import of a cookie database. */
#include "config.h"

#include <adwaita.h>
#include <libsoup/soup.h>

#include "tm-application.h"
#include "tm-charter.h"
#include "tm-consent-store.h"
#include "tm-cookies-page.h"
#include "tm-i18n.h"
#include "tm-import-dialog.h"
#include "tm-preview-page.h"
#include "tm-rules.h"
#include "tm-session-store.h"
#include "tm-test-ui.h"
#include "tm-test-utils.h"
#include "tm-window.h"

typedef TmTestUiApp Fixture;

static TmMainView *
main_view (Fixture *f)
{
  return tm_window_get_main_view (f->window);
}

static TmPreviewPage *
preview_page (Fixture *f)
{
  return tm_main_view_get_preview_page (main_view (f));
}

static TmCookiesPage *
cookies_page (Fixture *f)
{
  return tm_main_view_get_cookies_page (main_view (f));
}

static TmSessionStore *
session_store (Fixture *f)
{
  TmSessionStore *store = tm_application_get_session_store (f->app, NULL);

  g_assert_nonnull (store);
  return store;
}

/* The row titled @title among the direct rows of @list, or NULL. */
static AdwActionRow *
find_row (GtkListBox *list,
          const char *title)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (ADW_IS_ACTION_ROW (child)
        && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)), title) == 0)
      return ADW_ACTION_ROW (child);
  return NULL;
}

static guint
count_rows (GtkListBox *list)
{
  guint n = 0;

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_LIST_BOX_ROW (child))
      n++;
  return n;
}

/* The words a person reads at the end of a decision row: "Kept" or "Blocked". */
static const char *
row_decision_words (AdwActionRow *row)
{
  GtkWidget *stack = GTK_WIDGET (row);
  GPtrArray *queue = g_ptr_array_new ();
  const char *words = NULL;

  g_ptr_array_add (queue, stack);
  for (guint i = 0; i < queue->len && words == NULL; i++)
    {
      GtkWidget *w = queue->pdata[i];

      if (GTK_IS_LABEL (w)
          && (g_str_equal (gtk_label_get_text (GTK_LABEL (w)), "Kept")
              || g_str_equal (gtk_label_get_text (GTK_LABEL (w)), "Blocked")))
        words = gtk_label_get_text (GTK_LABEL (w));
      for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
        g_ptr_array_add (queue, c);
    }
  g_ptr_array_unref (queue);
  return words;
}

/* The first widget of @type under @root. */
static GtkWidget *
find_descendant (GtkWidget *root,
                 GType      type)
{
  return tm_test_ui_find_widget (root, type, NULL, NULL);
}

/* ---------------------------------------------------------------------------- */

typedef struct {
  GtkListBox *list;
  const char *title;
  const char *words;      /* "Kept"/"Blocked", or NULL */
  const char *subtitle;   /* a substring of the subtitle, or NULL */
} RowWait;

static gboolean
row_reached (gpointer data)
{
  RowWait *w = data;
  AdwActionRow *row = find_row (w->list, w->title);

  if (row == NULL)
    return FALSE;
  if (w->words != NULL && g_strcmp0 (row_decision_words (row), w->words) != 0)
    return FALSE;
  if (w->subtitle != NULL && strstr (adw_action_row_get_subtitle (row), w->subtitle) == NULL)
    return FALSE;
  return TRUE;
}

static void
flip_statistics (Fixture *f)
{
  g_assert_true (tm_test_ui_flip_switch (
                   tm_choices_page_get_switch (tm_main_view_get_choices_page (main_view (f)),
                                               TM_CATEGORY_STATISTICS)));
}

static void
test_scenario_follows_unsaved_switches (Fixture       *f,
                                        gconstpointer  data)
{
  TmConsentStore *store;
  g_autoptr(TmConsent) saved = NULL;
  RowWait w = { NULL, "_ga", "Blocked", "statistics are refused" };
  const char *notice = "Showing your unsaved choices — nothing is saved until you press Save";

  tm_test_ui_app_start (f);
  store = tm_application_get_store (f->app);
  tm_test_ui_app_show_page (f, "preview");
  w.list = tm_preview_page_get_scenario_list (preview_page (f));
  /* The charter's own cookies and the statistics ones are listed. */
  g_assert_nonnull (find_row (w.list, "sessionid"));
  g_assert_nonnull (find_row (w.list, "cookies_preferences"));
  g_assert_cmpuint (count_rows (w.list), >=, 7);
  g_assert_true (row_reached (&w));
  g_assert_false (tm_test_ui_shows_label (GTK_WIDGET (f->window), notice));

  tm_test_ui_app_show_page (f, "choices");
  flip_statistics (f);
  tm_test_ui_app_show_page (f, "preview");
  w.words = "Kept";
  w.subtitle = NULL;
  g_assert_true (tm_test_ui_wait_for (row_reached, &w));
  g_assert_true (tm_test_ui_shows_label (GTK_WIDGET (f->window), notice));
  /* The sessionid row stays kept whatever the switches. */
  w.title = "sessionid";
  g_assert_true (row_reached (&w));

  /* Nothing was saved: the store still has the default choice. */
  saved = tm_consent_store_dup_current (store);
  g_assert_false (tm_consent_get_categories (saved) & TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS));

  /* Back off: blocked again. */
  tm_test_ui_app_show_page (f, "choices");
  flip_statistics (f);
  tm_test_ui_app_show_page (f, "preview");
  w.title = "_ga";
  w.words = "Blocked";
  g_assert_true (tm_test_ui_wait_for (row_reached, &w));
}

/* The menu item of @button's menu whose action is @action and whose target's
 * last string is @last (the category, or the site). */
static GVariant *
menu_target (GtkMenuButton *button,
             const char    *action,
             const char    *label)
{
  GMenuModel *model = gtk_menu_button_get_menu_model (button);

  for (int s = 0; s < g_menu_model_get_n_items (model); s++)
    {
      g_autoptr(GMenuModel) section = g_menu_model_get_item_link (model, s, G_MENU_LINK_SECTION);

      for (int i = 0; section != NULL && i < g_menu_model_get_n_items (section); i++)
        {
          g_autofree char *item_action = NULL;
          g_autofree char *item_label = NULL;

          g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_ACTION, "s",
                                           &item_action);
          g_menu_model_get_item_attribute (section, i, G_MENU_ATTRIBUTE_LABEL, "s",
                                           &item_label);
          if (g_strcmp0 (item_action, action) == 0 && g_strcmp0 (item_label, label) == 0)
            return g_menu_model_get_item_attribute_value (section, i, G_MENU_ATTRIBUTE_TARGET,
                                                          NULL);
        }
    }
  return NULL;
}

static gboolean
rules_list_has (gpointer data)
{
  gpointer *args = data;

  return find_row (GTK_LIST_BOX (args[0]), args[1]) != NULL;
}

static void
test_override_from_a_row (Fixture       *f,
                          gconstpointer  data)
{
  AdwActionRow *row;
  GtkMenuButton *button;
  g_autoptr(GVariant) target = NULL;
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *site = NULL;
  g_autofree char *rule_title = NULL;
  GtkListBox *rules_list;
  TmRule *rule;
  RowWait w = { NULL, "_ga", "Kept", "override for _ga on" };

  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "preview");
  w.list = tm_preview_page_get_scenario_list (preview_page (f));
  row = find_row (w.list, "_ga");
  g_assert_nonnull (row);
  g_assert_cmpstr (row_decision_words (row), ==, "Blocked");
  button = GTK_MENU_BUTTON (find_descendant (GTK_WIDGET (row), GTK_TYPE_MENU_BUTTON));
  g_assert_nonnull (button);
  target = menu_target (button, "rules.treat-as", "Necessary");
  g_assert_nonnull (target);
  /* What choosing "Necessary" in that menu does. */
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (button), "rules.treat-as",
                                                     target));
  g_assert_true (tm_test_ui_wait_for (row_reached, &w));

  /* Stored, for the CLI and the proxy too. */
  rules = tm_rules_store_list (tm_application_get_store (f->app), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rules->len, ==, 1);
  rule = g_ptr_array_index (rules, 0);
  g_assert_cmpint (rule->kind, ==, TM_RULE_OVERRIDE);
  g_assert_cmpstr (rule->name, ==, "_ga");
  site = tm_site_for_host (tm_charter_get_host ());
  g_assert_cmpstr (rule->site, ==, site);
  g_assert_cmpuint (rule->categories, ==, TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY));

  /* Listed under "Your Rules" on the Cookies page, and removable there. */
  tm_test_ui_app_show_page (f, "cookies");
  rules_list = tm_cookies_page_get_rules_list (cookies_page (f));
  rule_title = g_strdup_printf ("_ga on %s", site);
  row = find_row (rules_list, rule_title);
  g_assert_nonnull (row);
  g_assert_cmpstr (adw_action_row_get_subtitle (row), ==, "Treated as Necessary");
  tm_test_ui_click (find_descendant (GTK_WIDGET (row), GTK_TYPE_BUTTON));
  {
    gpointer args[] = { rules_list, "No rules yet" };

    g_assert_true (tm_test_ui_wait_for (rules_list_has, args));
  }
  tm_test_ui_app_show_page (f, "preview");
  w.words = "Blocked";
  w.subtitle = "statistics are refused";
  g_assert_true (tm_test_ui_wait_for (row_reached, &w));
}

static gboolean
store_has_n_rules (gpointer data)
{
  Fixture *f = data;
  g_autoptr(GPtrArray) rules = tm_rules_store_list (tm_application_get_store (f->app), NULL);

  return rules != NULL && rules->len == GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (f->app),
                                                                               "wanted"));
}

static void
test_allow_site_from_a_row (Fixture       *f,
                            gconstpointer  data)
{
  AdwActionRow *row;
  GtkMenuButton *button;
  g_autoptr(GVariant) target = NULL;
  RowWait w = { NULL, "IDE", "Kept", "site exception: all cookies from doubleclick.net allowed" };

  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "preview");
  w.list = tm_preview_page_get_scenario_list (preview_page (f));
  row = find_row (w.list, "IDE");
  g_assert_nonnull (row);
  g_assert_cmpstr (row_decision_words (row), ==, "Blocked");
  button = GTK_MENU_BUTTON (find_descendant (GTK_WIDGET (row), GTK_TYPE_MENU_BUTTON));
  target = menu_target (button, "rules.allow-site", "Allow All Cookies from doubleclick.net");
  g_assert_nonnull (target);
  g_assert_true (gtk_widget_activate_action_variant (GTK_WIDGET (button), "rules.allow-site",
                                                     target));
  g_assert_true (tm_test_ui_wait_for (row_reached, &w));
  g_object_set_data (G_OBJECT (f->app), "wanted", GUINT_TO_POINTER (1));
  g_assert_true (store_has_n_rules (f));
}

/* ---------------------------------------------------------------------------- */

static TmCookie *
make_cookie (const char   *name,
             const char   *domain,
             TmCategories  categories,
             gint64        expires)
{
  TmCookie *cookie = tm_cookie_new ();

  cookie->name = g_strdup (name);
  cookie->value = g_strdup ("secret-value");
  cookie->domain = g_strdup (domain);
  cookie->host_only = TRUE;
  cookie->path = g_strdup ("/");
  cookie->expires = expires;
  cookie->secure = TRUE;
  cookie->http_only = TRUE;
  cookie->same_site = TM_SAME_SITE_LAX;
  cookie->created = g_get_real_time ();
  cookie->categories = categories;
  return cookie;
}

static void
seed_cookies (TmSessionStore *store)
{
  gint64 next_year = g_get_real_time () / G_USEC_PER_SEC + 365 * 24 * 3600;
  struct {
    const char   *name;
    const char   *domain;
    TmCategories  categories;
    gint64        expires;
  } rows[] = {
    { "sessionid", "www.example.com", TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY),
      TM_COOKIE_SESSION },
    { "_ga", "www.example.com", TM_CATEGORY_BIT (TM_CATEGORY_STATISTICS), next_year },
    { "lang", "shop.example.com", TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY), next_year },
    { "IDE", "ad.tracker.test", TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY), next_year },
  };
  g_autoptr(GError) error = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autoptr(TmCookie) cookie = make_cookie (rows[i].name, rows[i].domain,
                                                rows[i].categories, rows[i].expires);

      tm_session_store_put (store, cookie);
    }
  tm_session_store_flush (store, &error);
  g_assert_no_error (error);
}

static guint
store_count (TmSessionStore *store,
             const char     *site)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) cookies = tm_session_store_list (store, site, &error);

  g_assert_no_error (error);
  return cookies->len;
}

static AdwExpanderRow *
find_site_row (Fixture    *f,
               const char *site)
{
  GtkListBox *list = tm_cookies_page_get_sites_list (cookies_page (f));

  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (list));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (ADW_IS_EXPANDER_ROW (child)
        && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (child)), site) == 0)
      return ADW_EXPANDER_ROW (child);
  return NULL;
}

static gboolean
site_row_shown (gpointer data)
{
  gpointer *args = data;

  return find_site_row (args[0], args[1]) != NULL;
}

static gboolean
site_row_gone (gpointer data)
{
  return !site_row_shown (data);
}

static gboolean
state_is (gpointer data)
{
  gpointer *args = data;

  return g_strcmp0 (tm_cookies_page_get_state (cookies_page (args[0])), args[1]) == 0;
}

static gboolean
store_site_empty (gpointer data)
{
  gpointer *args = data;

  return store_count (session_store (args[0]), args[1]) == 0;
}

/* The button on screen under @root labelled @label. */
static GtkWidget *
find_button_with_label (GtkWidget  *root,
                        const char *label)
{
  return tm_test_ui_find_widget (root, GTK_TYPE_BUTTON, tm_test_ui_button_is_mapped_with_label,
                                 label);
}

static gboolean
button_has_tooltip (GtkWidget     *button,
                    gconstpointer  tooltip)
{
  return g_strcmp0 (gtk_widget_get_tooltip_text (button), tooltip) == 0;
}

/* The button under @root whose tooltip (also its accessible name) is @tooltip. */
static GtkWidget *
find_button_with_tooltip (GtkWidget  *root,
                          const char *tooltip)
{
  return tm_test_ui_find_widget (root, GTK_TYPE_BUTTON, button_has_tooltip, tooltip);
}

static void
test_cookies_empty_state (Fixture       *f,
                          gconstpointer  data)
{
  gpointer args[] = { f, "empty" };

  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "cookies");
  g_assert_true (tm_test_ui_wait_for (state_is, args));
  g_assert_true (tm_test_ui_shows_label (GTK_WIDGET (f->window), "No Cookies Yet"));
}

static void
test_delete_site (Fixture       *f,
                  gconstpointer  data)
{
  TmSessionStore *store;
  gpointer example[] = { f, "example.com" };
  gpointer tracker[] = { f, "tracker.test" };
  gpointer list_state[] = { f, "list" };
  gpointer empty_state[] = { f, "empty" };
  AdwExpanderRow *row;

  tm_test_ui_app_start (f);
  store = session_store (f);
  seed_cookies (store);
  tm_test_ui_app_show_page (f, "cookies");
  g_assert_true (tm_test_ui_wait_for (site_row_shown, example));
  g_assert_true (tm_test_ui_wait_for (state_is, list_state));
  row = find_site_row (f, "example.com");
  g_assert_cmpstr (adw_expander_row_get_subtitle (row), ==, "3 cookies");
  g_assert_nonnull (find_site_row (f, "tracker.test"));
  /* Values are never shown. */
  g_assert_false (tm_test_ui_shows_label (GTK_WIDGET (f->window), "secret-value"));

  /* Search: only the matching site is left; then no result at all. */
  gtk_editable_set_text (GTK_EDITABLE (find_descendant (GTK_WIDGET (cookies_page (f)),
                                                        GTK_TYPE_SEARCH_ENTRY)), "IDE");
  g_assert_true (tm_test_ui_wait_for (site_row_gone, example));
  g_assert_nonnull (find_site_row (f, "tracker.test"));
  gtk_editable_set_text (GTK_EDITABLE (find_descendant (GTK_WIDGET (cookies_page (f)),
                                                        GTK_TYPE_SEARCH_ENTRY)), "nothing-such");
  {
    gpointer none[] = { f, "no-results" };

    g_assert_true (tm_test_ui_wait_for (state_is, none));
  }
  gtk_editable_set_text (GTK_EDITABLE (find_descendant (GTK_WIDGET (cookies_page (f)),
                                                        GTK_TYPE_SEARCH_ENTRY)), "");
  g_assert_true (tm_test_ui_wait_for (site_row_shown, example));

  /* Delete example.com: its rows go at once, the store keeps them while Undo is
   * offered, and loses them on a forced commit. */
  row = find_site_row (f, "example.com");
  tm_test_ui_click (find_button_with_tooltip (GTK_WIDGET (row),
                                              "Delete the cookies of example.com"));
  g_assert_null (find_site_row (f, "example.com"));
  g_assert_cmpuint (store_count (store, "example.com"), ==, 3);
  tm_cookies_page_commit_pending (store);
  g_assert_cmpuint (store_count (store, "example.com"), ==, 0);
  g_assert_cmpuint (store_count (store, "tracker.test"), ==, 1);
  tm_test_ui_drain ();
  g_assert_null (find_site_row (f, "example.com"));
  g_assert_nonnull (find_site_row (f, "tracker.test"));

  /* Delete tracker.test and let the toast time out on its own. */
  row = find_site_row (f, "tracker.test");
  tm_test_ui_click (find_button_with_tooltip (GTK_WIDGET (row),
                                              "Delete the cookies of tracker.test"));
  g_assert_cmpuint (store_count (store, "tracker.test"), ==, 1);
  g_assert_true (tm_test_ui_wait_for (store_site_empty, tracker));
  g_assert_true (tm_test_ui_wait_for (state_is, empty_state));
}

static void
test_delete_undone (Fixture       *f,
                    gconstpointer  data)
{
  TmSessionStore *store;
  gpointer example[] = { f, "example.com" };
  AdwToastOverlay *overlay;
  AdwExpanderRow *row;
  GtkWidget *undo;

  tm_test_ui_app_start (f);
  store = session_store (f);
  seed_cookies (store);
  tm_test_ui_app_show_page (f, "cookies");
  g_assert_true (tm_test_ui_wait_for (site_row_shown, example));
  row = find_site_row (f, "example.com");
  tm_test_ui_click (find_button_with_tooltip (GTK_WIDGET (row),
                                              "Delete the cookies of example.com"));
  g_assert_null (find_site_row (f, "example.com"));

  /* The toast's Undo button, as a person clicks it. */
  overlay = ADW_TOAST_OVERLAY (gtk_widget_get_ancestor (GTK_WIDGET (cookies_page (f)),
                                                        ADW_TYPE_TOAST_OVERLAY));
  undo = NULL;
  for (int i = 0; i < 200 && undo == NULL; i++)
    {
      undo = find_button_with_label (GTK_WIDGET (overlay), "_Undo");
      g_main_context_iteration (NULL, FALSE);
    }
  g_assert_nonnull (undo);
  g_signal_emit_by_name (undo, "clicked");
  g_assert_true (tm_test_ui_wait_for (site_row_shown, example));
  /* Even after the toast's time and a commit, nothing was deleted. */
  tm_cookies_page_commit_pending (store);
  g_assert_cmpuint (store_count (store, "example.com"), ==, 3);
}

/* ---------------------------------------------------------------------------- */

/* A local origin: / sets sessionid and redirects to /next, which sets _ga and
 * redirects to localhost (another site for the preview), which sets IDE. */
static void
origin_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  GUri *uri = soup_server_message_get_uri (msg);
  guint port = (guint) g_uri_get_port (uri);

  if (g_str_equal (path, "/"))
    {
      g_autofree char *next = g_strdup_printf ("http://127.0.0.1:%u/next", port);

      soup_message_headers_append (headers, "Set-Cookie", "sessionid=abc; Path=/; HttpOnly");
      soup_message_headers_append (headers, "Location", next);
      soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
    }
  else if (g_str_equal (path, "/next"))
    {
      g_autofree char *other = g_strdup_printf ("http://localhost:%u/pixel", port);

      soup_message_headers_append (headers, "Set-Cookie", "_ga=GA1.1.1; Path=/");
      soup_message_headers_append (headers, "Location", other);
      soup_server_message_set_status (msg, SOUP_STATUS_FOUND, NULL);
    }
  else
    {
      soup_message_headers_append (headers, "Set-Cookie", "IDE=xyz; Path=/");
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "gone", 4);
    }
}

static GtkWidget *
find_label_containing (GtkWidget  *root,
                       const char *text)
{
  return tm_test_ui_find_widget (root, GTK_TYPE_LABEL, tm_test_ui_label_has_text, text);
}

static void
collect_label_cb (GtkLabel   *label,
                  GParamSpec *pspec,
                  GPtrArray  *texts)
{
  g_ptr_array_add (texts, g_strdup (gtk_label_get_text (label)));
}

static gboolean
not_fetching (gpointer data)
{
  return !tm_preview_page_get_fetching (data);
}

static void
test_url_preview (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autofree char *url = NULL;
  GtkListBox *list;
  GtkEntry *entry;
  GtkWidget *fetch;
  RowWait w = { NULL, "_ga", "Kept", "hop 2: 127.0.0.1" };
  g_autoptr(GPtrArray) progress_texts = g_ptr_array_new_with_free_func (g_free);
  GtkWidget *progress;

  soup_server_add_handler (server, NULL, origin_cb, NULL, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/",
                         tm_test_server_listen (server, SOUP_SERVER_LISTEN_IPV4_ONLY));

  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "preview");
  list = tm_preview_page_get_url_list (preview_page (f));
  entry = GTK_ENTRY (find_descendant (GTK_WIDGET (preview_page (f)), GTK_TYPE_ENTRY));
  fetch = find_button_with_label (GTK_WIDGET (preview_page (f)), "_Preview");
  g_assert_nonnull (fetch);
  g_assert_false (gtk_widget_get_sensitive (fetch));

  /* A bad URL says so, and fetches nothing. */
  gtk_editable_set_text (GTK_EDITABLE (entry), "ftp://example.com/");
  tm_test_ui_click (fetch);
  g_assert_true (tm_test_ui_wait_for (not_fetching, preview_page (f)));
  g_assert_true (tm_test_ui_shows_text (GTK_WIDGET (f->window),
                                        "Type a whole address starting with "
                                        "http:// or https://"));
  g_assert_cmpuint (count_rows (list), ==, 0);

  /* The local origin: three hops, the last on another site, a final 404. */
  gtk_editable_set_text (GTK_EDITABLE (entry), url);
  /* Clicked, without running the main loop: the fetch has just started. */
  g_signal_emit_by_name (fetch, "clicked");
  g_assert_true (tm_preview_page_get_fetching (preview_page (f)));
  progress = find_label_containing (GTK_WIDGET (preview_page (f)),
                                    "Fetching hop 1: http://127.0.0.1:");
  g_assert_nonnull (progress);
  g_signal_connect (progress, "notify::label", G_CALLBACK (collect_label_cb), progress_texts);
  g_assert_nonnull (find_button_with_label (GTK_WIDGET (preview_page (f)), "_Cancel"));
  g_assert_true (tm_test_ui_wait_for (not_fetching, preview_page (f)));
  g_signal_handlers_disconnect_by_func (progress, collect_label_cb, progress_texts);
  {
    gboolean third_hop_shown = FALSE;

    for (guint i = 0; i < progress_texts->len; i++)
      if (g_str_has_prefix (progress_texts->pdata[i], "Fetching hop 3: http://localhost:"))
        third_hop_shown = TRUE;
    g_assert_true (third_hop_shown);
  }
  g_assert_false (tm_test_ui_shows_text (GTK_WIDGET (f->window), "Fetching hop"));
  g_assert_false (tm_test_ui_shows_text (GTK_WIDGET (f->window), "Type a whole address"));
  g_assert_true (tm_test_ui_shows_text (GTK_WIDGET (f->window),
                                        "answered with status 404; 3 cookies"));
  g_assert_cmpuint (count_rows (list), ==, 3);
  w.list = list;
  w.title = "sessionid";
  w.words = "Kept";
  w.subtitle = "hop 1: 127.0.0.1";
  g_assert_true (row_reached (&w));
  w.title = "_ga";
  w.words = "Blocked";
  w.subtitle = "statistics are refused";
  g_assert_true (row_reached (&w));
  w.title = "IDE";
  w.subtitle = "hop 3: localhost";
  g_assert_true (row_reached (&w));
  /* A redirect hop of a navigation is its own top level, as in the proxy and in a
   * browser: the cookie localhost sets there is first-party to localhost. */
  g_assert_true (strstr (adw_action_row_get_subtitle (find_row (list, "IDE")), "First-party")
                 != NULL);

  /* The results follow the switches too, without fetching again. */
  tm_test_ui_app_show_page (f, "choices");
  flip_statistics (f);
  tm_test_ui_app_show_page (f, "preview");
  w.title = "_ga";
  w.words = "Kept";
  w.subtitle = NULL;
  g_assert_true (tm_test_ui_wait_for (row_reached, &w));
}

static void
slow_cb (SoupServer        *server,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           user_data)
{
  /* Never answered: only Cancel ends the fetch. */
  soup_server_message_pause (msg);
}

static void
test_url_preview_cancel (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autofree char *url = NULL;

  soup_server_add_handler (server, NULL, slow_cb, NULL, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/slow",
                         tm_test_server_listen (server, SOUP_SERVER_LISTEN_IPV4_ONLY));

  tm_test_ui_app_start (f);
  tm_test_ui_app_show_page (f, "preview");
  tm_preview_page_fetch (preview_page (f), url);
  g_assert_true (tm_preview_page_get_fetching (preview_page (f)));
  /* Let the request reach the server, then cancel as a person does. */
  for (int i = 0; i < 50; i++)
    g_main_context_iteration (NULL, FALSE);
  tm_test_ui_click (find_button_with_label (GTK_WIDGET (preview_page (f)), "_Cancel"));
  g_assert_true (tm_test_ui_wait_for (not_fetching, preview_page (f)));
  g_assert_false (tm_test_ui_shows_text (GTK_WIDGET (f->window), "Fetching hop"));
  g_assert_cmpuint (count_rows (tm_preview_page_get_url_list (preview_page (f))), ==, 0);
  /* The Preview button is usable again. */
  g_assert_true (gtk_widget_get_sensitive (find_button_with_label (GTK_WIDGET (preview_page (f)),
                                                                   "_Preview")));
}

static gboolean
live_has_rows (gpointer data)
{
  gpointer *args = data;

  return count_rows (tm_preview_page_get_live_list (preview_page (args[0])))
         == GPOINTER_TO_UINT (args[1]);
}

static void
log_decision (TmSessionStore *store,
              const char     *name,
              const char     *host,
              TmCategory      category,
              gboolean        keep)
{
  TmDecisionRecord record = { 0 };

  record.time = g_get_real_time ();
  record.site = (char *) host;
  record.host = (char *) host;
  record.name = (char *) name;
  record.direction = (char *) "response";
  record.categories = TM_CATEGORY_BIT (category);
  record.keep = keep;
  record.reason = (char *) (keep ? "kept" : "refused");
  record.source = (char *) "builtin";
  tm_session_store_log_decision (store, &record);
}

/* The drop-downs under @widget, depth first, into @out (at most @max); returns how
 * many, counting from @n. */
static guint
collect_drop_downs (GtkWidget    *widget,
                    GtkDropDown **out,
                    guint         max,
                    guint         n)
{
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL && n < max;
       child = gtk_widget_get_next_sibling (child))
    {
      if (GTK_IS_DROP_DOWN (child))
        out[n++] = GTK_DROP_DOWN (child);
      else
        n = collect_drop_downs (child, out, max, n);
    }
  return n;
}

static void
test_live_view (Fixture       *f,
                gconstpointer  data)
{
  TmSessionStore *store;
  GtkListBox *live;
  GtkDropDown *dropdowns[2] = { NULL, NULL };
  GtkSearchEntry *search;
  GtkToggleButton *pause;
  gpointer two[] = { f, GUINT_TO_POINTER (2) };
  gpointer three[] = { f, GUINT_TO_POINTER (3) };
  gpointer one[] = { f, GUINT_TO_POINTER (1) };
  g_autoptr(GError) error = NULL;
  GtkWidget *page;
  int n = 0;

  tm_test_ui_app_start (f);
  store = session_store (f);
  tm_test_ui_app_show_page (f, "preview");
  page = GTK_WIDGET (preview_page (f));
  live = tm_preview_page_get_live_list (preview_page (f));
  g_assert_cmpuint (count_rows (live), ==, 0);
  g_assert_true (tm_test_ui_shows_text (GTK_WIDGET (f->window), "No decisions yet"));

  log_decision (store, "_ga", "www.example.com", TM_CATEGORY_STATISTICS, FALSE);
  log_decision (store, "sessionid", "shop.test", TM_CATEGORY_NECESSARY, TRUE);
  tm_session_store_flush (store, &error);
  g_assert_no_error (error);
  g_assert_true (tm_test_ui_wait_for (live_has_rows, two));
  /* Newest first. */
  g_assert_cmpstr (adw_preferences_row_get_title (
                     ADW_PREFERENCES_ROW (gtk_widget_get_first_child (GTK_WIDGET (live)))),
                   ==, "sessionid");

  /* Filters: by site, by category, by decision. */
  search = GTK_SEARCH_ENTRY (find_descendant (page, GTK_TYPE_SEARCH_ENTRY));
  gtk_editable_set_text (GTK_EDITABLE (search), "example");
  g_assert_true (tm_test_ui_wait_for (live_has_rows, one));
  g_assert_nonnull (find_row (live, "_ga"));
  gtk_editable_set_text (GTK_EDITABLE (search), "");
  g_assert_true (tm_test_ui_wait_for (live_has_rows, two));
  /* The two drop-downs, in reading order: category, then decision. */
  n = collect_drop_downs (page, dropdowns, G_N_ELEMENTS (dropdowns), 0);
  g_assert_cmpuint (n, ==, 2);
  g_assert_nonnull (dropdowns[0]);
  g_assert_nonnull (dropdowns[1]);
  gtk_drop_down_set_selected (dropdowns[0], 1 + TM_CATEGORY_NECESSARY);
  g_assert_true (tm_test_ui_wait_for (live_has_rows, one));
  g_assert_nonnull (find_row (live, "sessionid"));
  gtk_drop_down_set_selected (dropdowns[0], 0);
  gtk_drop_down_set_selected (dropdowns[1], 2);   /* blocked */
  g_assert_true (tm_test_ui_wait_for (live_has_rows, one));
  g_assert_nonnull (find_row (live, "_ga"));
  gtk_drop_down_set_selected (dropdowns[1], 0);
  g_assert_true (tm_test_ui_wait_for (live_has_rows, two));

  /* Paused: a new decision waits until the pause ends. */
  pause = GTK_TOGGLE_BUTTON (find_button_with_label (page, "P_ause"));
  g_assert_nonnull (pause);
  gtk_toggle_button_set_active (pause, TRUE);
  log_decision (store, "IDE", "ad.tracker.test", TM_CATEGORY_THIRD_PARTY, FALSE);
  tm_session_store_flush (store, &error);
  g_assert_no_error (error);
  for (int i = 0; i < 100; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (count_rows (live), ==, 2);
  gtk_toggle_button_set_active (pause, FALSE);
  g_assert_true (tm_test_ui_wait_for (live_has_rows, three));
  g_assert_cmpstr (adw_preferences_row_get_title (
                     ADW_PREFERENCES_ROW (gtk_widget_get_first_child (GTK_WIDGET (live)))),
                   ==, "IDE");
}

static void
test_delete_category (Fixture       *f,
                      gconstpointer  data)
{
  TmSessionStore *store;
  gpointer example[] = { f, "example.com" };

  tm_test_ui_app_start (f);
  store = session_store (f);
  seed_cookies (store);
  tm_test_ui_app_show_page (f, "cookies");
  g_assert_true (tm_test_ui_wait_for (site_row_shown, example));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (cookies_page (f)),
                                             "cookies.delete-category", "s", "statistics"));
  tm_test_ui_drain ();
  g_assert_cmpstr (adw_expander_row_get_subtitle (find_site_row (f, "example.com")), ==,
                   "2 cookies");
  tm_cookies_page_commit_pending (store);
  g_assert_cmpuint (store_count (store, "example.com"), ==, 2);
  g_assert_cmpuint (store_count (store, NULL), ==, 3);
}

static void
test_forget_all (Fixture       *f,
                 gconstpointer  data)
{
  TmSessionStore *store;
  gpointer example[] = { f, "example.com" };
  gpointer empty_state[] = { f, "empty" };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) tombstones = NULL;
  AdwMessageDialog *dialog = NULL;
  gint64 last_id = 0;

  tm_test_ui_app_start (f);
  store = session_store (f);
  seed_cookies (store);
  tm_test_ui_app_show_page (f, "cookies");
  g_assert_true (tm_test_ui_wait_for (site_row_shown, example));
  tm_test_ui_click (find_button_with_label (GTK_WIDGET (cookies_page (f)), "_Forget All Cookies…"));
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      dialog = l->data;
  g_assert_nonnull (dialog);
  g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, "Forget All Cookies?");
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  /* Cancel first: nothing happens. */
  adw_message_dialog_response (dialog, "cancel");
  tm_test_ui_drain ();
  g_assert_cmpuint (store_count (store, NULL), ==, 4);

  tm_test_ui_click (find_button_with_label (GTK_WIDGET (cookies_page (f)), "_Forget All Cookies…"));
  dialog = NULL;
  for (GList *l = gtk_window_list_toplevels (); l != NULL; l = g_list_delete_link (l, l))
    if (ADW_IS_MESSAGE_DIALOG (l->data) && gtk_widget_get_visible (l->data))
      dialog = l->data;
  g_assert_nonnull (dialog);
  adw_message_dialog_response (dialog, "forget");
  tm_test_ui_drain ();
  g_assert_cmpuint (store_count (store, NULL), ==, 0);
  /* Tombstones tell a running proxy to make browsers drop their copies. */
  tombstones = tm_session_store_list_tombstones (store, 0, &last_id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tombstones->len, ==, 4);
  g_assert_true (tm_test_ui_wait_for (state_is, empty_state));
}

static void
test_import_database (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *path = tm_test_data_path ("cookie-db-sample.csv");
  g_autofree char *bad = tm_test_data_path ("cookie-db-bad-header.csv");
  GtkWidget *dialog;
  GtkListBox *rules_list;
  const char *body;
  gpointer args[2];

  tm_test_ui_app_start (f);
  g_assert_nonnull (g_action_map_lookup_action (G_ACTION_MAP (f->app), "import-database"));
  dialog = tm_import_dialog_import (GTK_WINDOW (f->window), tm_application_get_store (f->app),
                                    path);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Imported “cookie-db-sample.csv”");
  body = adw_message_dialog_get_body (ADW_MESSAGE_DIALOG (dialog));
  /* Lines 8 (unknown category) and 9 (too few fields) are skipped: the header is
   * line 1 and record a4 spans lines 5 and 6 (a newline inside quotes). */
  g_test_message ("%s", body);
  g_assert_nonnull (strstr (body, "8 cookie descriptions were imported"));
  g_assert_nonnull (strstr (body, "2 malformed lines were skipped: 8, 9 (line 8: "));
  gtk_window_destroy (GTK_WINDOW (dialog));

  tm_test_ui_app_show_page (f, "cookies");
  rules_list = tm_cookies_page_get_rules_list (cookies_page (f));
  args[0] = rules_list;
  args[1] = "cookie-db-sample.csv";
  g_assert_true (tm_test_ui_wait_for (rules_list_has, args));

  dialog = tm_import_dialog_import (GTK_WINDOW (f->window), tm_application_get_store (f->app),
                                    bad);
  g_assert_cmpstr (adw_message_dialog_get_heading (ADW_MESSAGE_DIALOG (dialog)), ==,
                   "Could Not Import “cookie-db-bad-header.csv”");
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
test_language_switch_keeps_state (Fixture       *f,
                                  gconstpointer  data)
{
  TmSessionStore *store;
  gpointer example[] = { f, "example.com" };
  gpointer tracker[] = { f, "tracker.test" };
  AdwActionRow *row;
  AdwExpanderRow *site_row;

  tm_test_ui_app_start (f);
  store = session_store (f);
  seed_cookies (store);
  tm_test_ui_app_show_page (f, "choices");
  flip_statistics (f);
  tm_test_ui_app_show_page (f, "cookies");
  g_assert_true (tm_test_ui_wait_for (site_row_shown, example));
  site_row = find_site_row (f, "example.com");
  tm_test_ui_click (find_button_with_tooltip (GTK_WIDGET (site_row),
                                              "Delete the cookies of example.com"));

  /* The pages are rebuilt in French. */
  tm_application_set_language (f->app, "fr");
  tm_test_ui_drain ();
  g_assert_cmpstr (tm_i18n_get_language (), ==, "fr");

  /* The deletion still waits for its toast, and its rows stay hidden. */
  g_assert_true (tm_test_ui_wait_for (site_row_shown, tracker));
  g_assert_null (find_site_row (f, "example.com"));
  g_assert_cmpuint (store_count (store, "example.com"), ==, 3);
  tm_cookies_page_commit_pending (store);
  g_assert_cmpuint (store_count (store, "example.com"), ==, 0);

  /* The new Preview page follows the same unsaved switches. */
  tm_test_ui_app_show_page (f, "preview");
  row = find_row (tm_preview_page_get_scenario_list (preview_page (f)), "_ga");
  g_assert_nonnull (row);
  g_assert_true (GPOINTER_TO_INT (g_object_get_data (G_OBJECT (row), "tm-keep")));
}

/* ---------------------------------------------------------------------------- */
/* Screenshots for docs/: only when TEMOIN_SCREENSHOT_DIR is set (not a test). */

static void
save_window_png (Fixture    *f,
                 const char *name)
{
  const char *dir = g_getenv ("TEMOIN_SCREENSHOT_DIR");
  g_autofree char *file = g_strdup_printf ("%s-%s.png", name, tm_i18n_get_language ());
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (GTK_WIDGET (f->window));
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width = gtk_widget_get_width (GTK_WIDGET (f->window));
  int height = gtk_widget_get_height (GTK_WIDGET (f->window));

  /* Let the window lay out and draw the page it now shows. */
  for (int i = 0; i < 30; i++)
    {
      tm_test_ui_drain ();
      g_usleep (10000);
    }
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (f->window)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("saved %s", path);
}

static void
take_screenshots (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autofree char *site = tm_site_for_host (tm_charter_get_host ());
  TmSessionStore *store;
  g_autofree char *url = NULL;
  AdwExpanderRow *row;
  gpointer example[] = { f, "example.com" };

  g_settings_set_int (settings, "window-width", 960);
  g_settings_set_int (settings, "window-height", 1040);
  soup_server_add_handler (server, NULL, origin_cb, NULL, NULL);
  url = g_strdup_printf ("http://127.0.0.1:%u/",
                         tm_test_server_listen (server, SOUP_SERVER_LISTEN_IPV4_ONLY));

  tm_test_ui_app_start (f);
  store = session_store (f);
  seed_cookies (store);
  log_decision (store, "_ga", "www.example.com", TM_CATEGORY_STATISTICS, FALSE);
  log_decision (store, "sessionid", "shop.test", TM_CATEGORY_NECESSARY, TRUE);
  tm_session_store_flush (store, NULL);
  tm_rules_store_set_override (tm_application_get_store (f->app), "_pk_id.1.8f2c", site,
                               TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY), NULL);
  tm_rules_store_add_exception (tm_application_get_store (f->app), "tracker.test", NULL);

  tm_test_ui_app_show_page (f, "choices");
  flip_statistics (f);
  tm_test_ui_app_show_page (f, "preview");
  tm_preview_page_fetch (preview_page (f), url);
  g_assert_true (tm_test_ui_wait_for (not_fetching, preview_page (f)));
  save_window_png (f, "screenshot-preview");
  {
    GtkScrolledWindow *scrolled =
      GTK_SCROLLED_WINDOW (find_descendant (GTK_WIDGET (preview_page (f)),
                                            GTK_TYPE_SCROLLED_WINDOW));
    GtkAdjustment *adjustment = gtk_scrolled_window_get_vadjustment (scrolled);

    gtk_adjustment_set_value (adjustment, gtk_adjustment_get_upper (adjustment));
    save_window_png (f, "screenshot-preview-bottom");
  }

  tm_test_ui_app_show_page (f, "cookies");
  g_assert_true (tm_test_ui_wait_for (site_row_shown, example));
  row = find_site_row (f, "example.com");
  adw_expander_row_set_expanded (row, TRUE);
  save_window_png (f, "screenshot-cookies");
}

int
main (int   argc,
      char *argv[])
{
  tm_test_ui_init (&argc, &argv, "none");

  TM_TEST_UI_ADD ("/ui/preview/scenario-follows-unsaved-switches", "en",
                  test_scenario_follows_unsaved_switches);
  TM_TEST_UI_ADD ("/ui/preview/override-from-a-row-shows-in-the-reason", "en",
                  test_override_from_a_row);
  TM_TEST_UI_ADD ("/ui/preview/allow-site-from-a-row-shows-in-the-reason", "en",
                  test_allow_site_from_a_row);
  TM_TEST_UI_ADD ("/ui/preview/url-lists-the-cookies-of-a-local-server", "en", test_url_preview);
  TM_TEST_UI_ADD ("/ui/preview/url-fetch-can-be-cancelled", "en", test_url_preview_cancel);
  TM_TEST_UI_ADD ("/ui/preview/live-view-filters-and-pauses", "en", test_live_view);
  TM_TEST_UI_ADD ("/ui/cookies/deleting-a-category-removes-its-cookies", "en",
                  test_delete_category);
  TM_TEST_UI_ADD ("/ui/cookies/forget-all-asks-then-purges-with-tombstones", "en", test_forget_all);
  TM_TEST_UI_ADD ("/ui/pages/language-switch-keeps-switches-and-pending-deletions", "en",
                  test_language_switch_keeps_state);
  TM_TEST_UI_ADD ("/ui/import/reports-imported-rows-and-skipped-lines", "en", test_import_database);
  TM_TEST_UI_ADD ("/ui/cookies/empty-store-shows-no-cookies-yet", "en", test_cookies_empty_state);
  TM_TEST_UI_ADD ("/ui/cookies/deleting-a-site-removes-its-rows-from-the-store", "en",
                  test_delete_site);
  TM_TEST_UI_ADD ("/ui/cookies/undo-keeps-a-deleted-site", "en", test_delete_undone);

  if (g_getenv ("TEMOIN_SCREENSHOT_DIR") != NULL)
    {
      TM_TEST_UI_ADD ("/ui/screenshots/en", "en", take_screenshots);
      TM_TEST_UI_ADD ("/ui/screenshots/fr", "fr", take_screenshots);
    }

  return g_test_run ();
}
