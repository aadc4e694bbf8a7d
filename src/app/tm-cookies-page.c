/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-cookies-page.h"
#include "tm-classifier.h"
#include "tm-rule-menu.h"

/* A deletion offered for undo. It is done when its toast goes away (or at
 * once through tm_cookies_page_commit_pending()); Undo forgets it. Until then
 * the pages hide what it will delete. The list of pending deletions hangs on
 * the session store, so it outlives a page rebuilt for a language switch. */
typedef enum {
  PENDING_COOKIE,
  PENDING_SITE,
  PENDING_CATEGORY,
} PendingKind;

typedef struct {
  PendingKind     kind;
  TmSessionStore *store;
  TmCookie       *cookie;      /* PENDING_COOKIE */
  char           *site;        /* PENDING_SITE */
  TmCategories    categories;  /* PENDING_CATEGORY */
  AdwToast       *toast;       /* weak */
  gboolean        finished;    /* committed or undone */
} Pending;

#define PENDING_KEY "tm-cookies-page-pending"

struct _TmCookiesPage
{
  GtkWidget       parent_instance;

  GtkWidget      *scrolled_window;
  GtkSearchEntry *search_entry;
  GtkWidget      *category_button;
  GtkWidget      *forget_button;
  GtkStack       *state_stack;
  GtkSpinner     *loading_spinner;
  AdwStatusPage  *error_page;
  GtkListBox     *sites_list;
  GtkListBox     *rules_list;

  TmSessionStore *session_store;
  TmConsentStore *store;
  TmRules        *rules;
  GPtrArray      *cookies;        /* TmCookie, as last read */
  guint           load_source;
};

G_DEFINE_FINAL_TYPE (TmCookiesPage, tm_cookies_page, GTK_TYPE_WIDGET)

/* The pages alive, to show a deletion done or undone on each of them. */
static GList *pages;

static void refresh_cookies (TmCookiesPage *self);

static void
pending_free (Pending *pending)
{
  g_clear_weak_pointer (&pending->toast);
  g_clear_object (&pending->store);
  g_clear_pointer (&pending->cookie, tm_cookie_free);
  g_free (pending->site);
  g_free (pending);
}

static GPtrArray *
pending_list (TmSessionStore *store)
{
  GPtrArray *list = g_object_get_data (G_OBJECT (store), PENDING_KEY);

  if (list == NULL)
    {
      list = g_ptr_array_new ();
      g_object_set_data_full (G_OBJECT (store), PENDING_KEY, list,
                              (GDestroyNotify) g_ptr_array_unref);
    }
  return list;
}

static void
refresh_pages (TmSessionStore *store)
{
  for (GList *l = pages; l != NULL; l = l->next)
    {
      TmCookiesPage *page = l->data;

      if (page->session_store == store)
        refresh_cookies (page);
    }
}

/* Forgets @pending without doing it; freed when its toast lets go of it. */
static void
pending_finish (Pending *pending)
{
  pending->finished = TRUE;
  g_ptr_array_remove (pending_list (pending->store), pending);
}

static void
pending_commit (Pending *pending)
{
  g_autoptr(GError) error = NULL;
  gint64 n = 0;

  if (pending->finished)
    return;
  pending_finish (pending);
  switch (pending->kind)
    {
    case PENDING_COOKIE:
      /* With a tombstone: a running proxy tells browsers to drop their copy. */
      if (!tm_session_store_delete (pending->store, pending->cookie, &error))
        n = -1;
      break;
    case PENDING_SITE:
      n = tm_session_store_purge (pending->store, TM_PURGE_SITE, 0, pending->site, &error);
      break;
    case PENDING_CATEGORY:
      n = tm_session_store_purge (pending->store, TM_PURGE_CATEGORY, pending->categories,
                                  NULL, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (n < 0)
    {
      GtkWidget *widget = NULL;

      g_warning ("Could not delete cookies: %s", error->message);
      for (GList *l = pages; l != NULL && widget == NULL; l = l->next)
        if (TM_COOKIES_PAGE (l->data)->session_store == pending->store)
          widget = l->data;
      if (widget != NULL)
        {
          g_autofree char *title =
            g_strdup_printf (_("Could not delete the cookies: %s"), error->message);

          tm_widget_show_toast (widget, title);
        }
    }
  refresh_pages (pending->store);
}

static gboolean
pending_hides (TmSessionStore *store,
               const TmCookie *cookie,
               const char     *site)
{
  GPtrArray *list = pending_list (store);

  for (guint i = 0; i < list->len; i++)
    {
      Pending *pending = g_ptr_array_index (list, i);

      switch (pending->kind)
        {
        case PENDING_COOKIE:
          /* The store's identity of a cookie (a host-only twin is another). */
          if (g_str_equal (pending->cookie->name, cookie->name)
              && g_str_equal (pending->cookie->domain, cookie->domain)
              && !pending->cookie->host_only == !cookie->host_only
              && g_str_equal (pending->cookie->path, cookie->path))
            return TRUE;
          break;
        case PENDING_SITE:
          if (g_str_equal (pending->site, site))
            return TRUE;
          break;
        case PENDING_CATEGORY:
          if (cookie->categories & pending->categories)
            return TRUE;
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return FALSE;
}

void
tm_cookies_page_commit_pending (TmSessionStore *session_store)
{
  GPtrArray *list;

  g_return_if_fail (TM_IS_SESSION_STORE (session_store));

  list = pending_list (session_store);
  while (list->len > 0)
    {
      Pending *pending = g_ptr_array_index (list, 0);

      pending_commit (pending);
      if (pending->toast != NULL)
        adw_toast_dismiss (pending->toast);
    }
}

static void
toast_undo_cb (Pending *pending)
{
  if (pending->finished)
    return;
  pending_finish (pending);
  refresh_pages (pending->store);
}

static void
toast_dismissed_cb (Pending *pending)
{
  pending_commit (pending);
}

/* The toast is gone without being dismissed (its window closed): delete now. */
static void
toast_released_cb (gpointer  data,
                   GClosure *closure)
{
  Pending *pending = data;

  pending_commit (pending);
  pending_free (pending);
}

/* Hides what @pending deletes now and offers Undo; deletes when the toast ends. */
static void
offer_undo (TmCookiesPage *self,
            Pending       *pending,
            const char    *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);
  AdwToast *toast;

  pending->store = g_object_ref (self->session_store);
  g_ptr_array_add (pending_list (self->session_store), pending);
  refresh_pages (self->session_store);
  if (overlay == NULL)
    {
      /* Nowhere to offer Undo: delete at once. */
      pending_commit (pending);
      pending_free (pending);
      return;
    }

  toast = adw_toast_new (title);
  adw_toast_set_button_label (toast, _("_Undo"));
  adw_toast_set_timeout (toast, TM_COOKIES_PAGE_UNDO_SECONDS);
  adw_toast_set_priority (toast, ADW_TOAST_PRIORITY_HIGH);
  g_set_weak_pointer (&pending->toast, toast);
  g_signal_connect_swapped (toast, "button-clicked", G_CALLBACK (toast_undo_cb), pending);
  /* The toast owns the pending deletion: it is done, at the latest, when the
   * toast goes away. */
  g_signal_connect_data (toast, "dismissed", G_CALLBACK (toast_dismissed_cb), pending,
                         toast_released_cb,
                         G_CONNECT_SWAPPED);
  adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), toast);
}

static void
delete_cookie_clicked_cb (GtkWidget     *button,
                          TmCookiesPage *self)
{
  const TmCookie *cookie = g_object_get_data (G_OBJECT (button), "tm-cookie");
  Pending *pending = g_new0 (Pending, 1);
  g_autofree char *title = NULL;

  pending->kind = PENDING_COOKIE;
  pending->cookie = tm_cookie_copy (cookie);
  /* TRANSLATORS: a toast; %s is a cookie name. */
  title = g_strdup_printf (_("Cookie “%s” deleted"), cookie->name);
  offer_undo (self, pending, title);
}

static void
delete_site (TmCookiesPage *self,
             const char    *site)
{
  Pending *pending = g_new0 (Pending, 1);
  g_autofree char *title = NULL;

  pending->kind = PENDING_SITE;
  pending->site = g_strdup (site);
  /* TRANSLATORS: a toast; %s is a site. */
  title = g_strdup_printf (_("Cookies of %s deleted"), site);
  offer_undo (self, pending, title);
}

static void
delete_site_clicked_cb (GtkWidget     *button,
                        TmCookiesPage *self)
{
  delete_site (self, g_object_get_data (G_OBJECT (button), "tm-site"));
}

static void
delete_category_action_cb (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  TmCookiesPage *self = TM_COOKIES_PAGE (widget);
  TmCategory category;
  Pending *pending;
  g_autofree char *title = NULL;

  if (self->session_store == NULL
      || !tm_category_from_id (g_variant_get_string (parameter, NULL), &category))
    return;
  pending = g_new0 (Pending, 1);
  pending->kind = PENDING_CATEGORY;
  pending->categories = TM_CATEGORY_BIT (category);
  /* TRANSLATORS: a toast; %s is a category title. */
  title = g_strdup_printf (_("%s cookies deleted"), tm_category_get_title (category));
  offer_undo (self, pending, title);
}

static void
forget_response_cb (TmCookiesPage *self,
                    const char    *response)
{
  g_autoptr(GError) error = NULL;
  gint64 n;

  if (!g_str_equal (response, "forget") || self->session_store == NULL)
    return;
  /* Pending deletions are part of "all". */
  tm_cookies_page_commit_pending (self->session_store);
  n = tm_session_store_purge (self->session_store, TM_PURGE_ALL, 0, NULL, &error);
  if (n < 0)
    {
      g_autofree char *title =
        g_strdup_printf (_("Could not forget the cookies: %s"), error->message);

      tm_widget_show_toast (GTK_WIDGET (self), title);
      return;
    }
  tm_widget_show_toast (GTK_WIDGET (self), _("All cookies forgotten"));
  refresh_pages (self->session_store);
}

static void
forget_all_action_cb (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  TmCookiesPage *self = TM_COOKIES_PAGE (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                   _("Forget All Cookies?"),
                                   _("Every cookie the proxy kept is deleted, and browsers "
                                     "using the proxy are told to delete their copies the "
                                     "next time they visit each site. You may have to log "
                                     "in again. This cannot be undone."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "forget", _("_Forget All"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "forget",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (forget_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static char *
describe_cookie (const TmCookie *cookie)
{
  g_autofree char *categories = tm_categories_to_text (cookie->categories);
  g_autofree char *expiry = NULL;
  GString *flags = g_string_new (NULL);
  g_autofree char *flag_text = NULL;

  if (cookie->expires == TM_COOKIE_SESSION)
    expiry = g_strdup (_("Session"));
  else
    {
      g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc (cookie->expires);
      g_autoptr(GDateTime) local = utc != NULL ? g_date_time_to_local (utc) : NULL;
      /* TRANSLATORS: a cookie's expiry date (see g_date_time_format()). */
      g_autofree char *date = local != NULL ? g_date_time_format (local, _("%Y-%m-%d"))
                                            : NULL;

      /* TRANSLATORS: %s is a date. */
      expiry = g_strdup_printf (_("Expires %s"), date != NULL ? date : "?");
    }
  if (cookie->secure)
    g_string_append (flags, "Secure");
  if (cookie->http_only)
    g_string_append_printf (flags, "%sHttpOnly", flags->len > 0 ? ", " : "");
  switch (cookie->same_site)
    {
    case TM_SAME_SITE_STRICT:
      g_string_append_printf (flags, "%sSameSite=Strict", flags->len > 0 ? ", " : "");
      break;
    case TM_SAME_SITE_LAX:
      g_string_append_printf (flags, "%sSameSite=Lax", flags->len > 0 ? ", " : "");
      break;
    case TM_SAME_SITE_NONE:
      g_string_append_printf (flags, "%sSameSite=None", flags->len > 0 ? ", " : "");
      break;
    case TM_SAME_SITE_UNSET:
    default:
      break;
    }
  flag_text = g_string_free (flags, FALSE);
  if (categories[0] == '\0')
    {
      g_free (categories);
      categories = g_strdup (_("Not classified"));
    }
  /* TRANSLATORS: a cookie's details: domain and path · categories · expiry,
   * then its attributes (Secure, HttpOnly, SameSite) when it has any. */
  if (flag_text[0] != '\0')
    return g_strdup_printf (_("%s%s · %s · %s\n%s"), cookie->domain, cookie->path,
                            categories, expiry, flag_text);
  return g_strdup_printf (_("%s%s · %s · %s"), cookie->domain, cookie->path,
                          categories, expiry);
}

static GtkWidget *
delete_button_new (const char *accessible_label)
{
  GtkWidget *button = gtk_button_new_from_icon_name ("user-trash-symbolic");

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, accessible_label);
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  accessible_label, -1);
  return button;
}

static GtkWidget *
cookie_row_new (TmCookiesPage  *self,
                const TmCookie *cookie)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = describe_cookie (cookie);
  g_autofree char *label = NULL;
  GtkWidget *button;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 cookie->name[0] != '\0' ? cookie->name
                                                         : _("(nameless cookie)"));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row),
                             tm_rule_menu_button_new (cookie->name, cookie->domain));
  /* TRANSLATORS: accessible name of a delete button; %s is a cookie name. */
  label = g_strdup_printf (_("Delete cookie %s"), cookie->name);
  button = delete_button_new (label);
  g_object_set_data_full (G_OBJECT (button), "tm-cookie", tm_cookie_copy (cookie),
                          (GDestroyNotify) tm_cookie_free);
  g_signal_connect (button, "clicked", G_CALLBACK (delete_cookie_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

static gboolean
text_matches (const char *text,
              const char *needle)
{
  g_autofree char *folded = g_utf8_casefold (text, -1);

  return strstr (folded, needle) != NULL;
}

/* Shows the cookies as last read, without the ones pending deletion, filtered by
 * the search. */
static void
refresh_cookies (TmCookiesPage *self)
{
  const char *search = gtk_editable_get_text (GTK_EDITABLE (self->search_entry));
  g_autofree char *needle = g_utf8_casefold (search, -1);
  GtkWidget *child;
  GtkWidget *expander = NULL;
  g_autofree char *current_site = NULL;
  guint n_site = 0, n_shown = 0, n_all = 0;

  if (self->session_store == NULL || self->cookies == NULL)
    return;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->sites_list))) != NULL)
    gtk_list_box_remove (self->sites_list, child);

  /* The store lists cookies by site, so a site's cookies are consecutive. */
  for (guint i = 0; i < self->cookies->len; i++)
    {
      const TmCookie *cookie = g_ptr_array_index (self->cookies, i);
      g_autofree char *site = tm_site_for_host (cookie->domain);

      if (pending_hides (self->session_store, cookie, site))
        continue;
      n_all++;
      if (needle[0] != '\0' && !text_matches (cookie->name, needle)
          && !text_matches (cookie->domain, needle) && !text_matches (site, needle))
        continue;
      if (expander == NULL || g_strcmp0 (site, current_site) != 0)
        {
          g_autofree char *label = NULL;
          GtkWidget *button;

          if (expander != NULL)
            {
              g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                                     "%u cookie",
                                                                     "%u cookies",
                                                                     n_site), n_site);

              adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), count);
            }
          expander = adw_expander_row_new ();
          adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (expander), FALSE);
          adw_preferences_row_set_title (ADW_PREFERENCES_ROW (expander), site);
          g_object_set_data_full (G_OBJECT (expander), "tm-site", g_strdup (site), g_free);
          /* TRANSLATORS: accessible name of a delete button; %s is a site. */
          label = g_strdup_printf (_("Delete the cookies of %s"), site);
          button = delete_button_new (label);
          g_object_set_data_full (G_OBJECT (button), "tm-site", g_strdup (site), g_free);
          g_signal_connect (button, "clicked", G_CALLBACK (delete_site_clicked_cb), self);
          adw_expander_row_add_action (ADW_EXPANDER_ROW (expander), button);
          gtk_list_box_append (self->sites_list, expander);
          g_free (current_site);
          current_site = g_strdup (site);
          n_site = 0;
        }
      adw_expander_row_add_row (ADW_EXPANDER_ROW (expander), cookie_row_new (self, cookie));
      n_site++;
      n_shown++;
    }
  if (expander != NULL)
    {
      g_autofree char *count = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u cookie",
                                                             "%u cookies", n_site), n_site);

      adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (expander), count);
    }

  gtk_spinner_set_spinning (self->loading_spinner, FALSE);
  if (n_all == 0)
    gtk_stack_set_visible_child_name (self->state_stack, "empty");
  else if (n_shown == 0)
    gtk_stack_set_visible_child_name (self->state_stack, "no-results");
  else
    gtk_stack_set_visible_child_name (self->state_stack, "list");
  gtk_widget_set_sensitive (self->category_button, n_all > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "cookies.forget-all", n_all > 0);
}

void
tm_cookies_page_reload (TmCookiesPage *self)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *cookies;

  g_return_if_fail (TM_IS_COOKIES_PAGE (self));

  if (self->session_store == NULL)
    return;
  cookies = tm_session_store_list (self->session_store, NULL, &error);
  if (cookies == NULL)
    {
      g_autofree char *description =
        g_strdup_printf (_("%s\n\nCheck that the data folder can be read, then open this "
                           "page again."), error->message);

      adw_status_page_set_description (self->error_page, description);
      gtk_stack_set_visible_child_name (self->state_stack, "error");
      return;
    }
  g_clear_pointer (&self->cookies, g_ptr_array_unref);
  self->cookies = cookies;
  refresh_cookies (self);
}

static gboolean
load_idle_cb (gpointer data)
{
  TmCookiesPage *self = data;

  self->load_source = 0;
  tm_cookies_page_reload (self);
  return G_SOURCE_REMOVE;
}

static void
session_store_changed_cb (TmCookiesPage *self)
{
  tm_cookies_page_reload (self);
}

static void
search_changed_cb (TmCookiesPage *self)
{
  refresh_cookies (self);
}

static void
remove_rule_clicked_cb (GtkWidget     *button,
                        TmCookiesPage *self)
{
  const TmRule *rule = g_object_get_data (G_OBJECT (button), "tm-rule");
  g_autoptr(GError) error = NULL;
  gboolean ok = FALSE;

  switch (rule->kind)
    {
    case TM_RULE_OVERRIDE:
      ok = tm_rules_store_remove_override (self->store, rule->name, rule->site, &error);
      break;
    case TM_RULE_EXCEPTION:
      ok = tm_rules_store_remove_exception (self->store, rule->site, &error);
      break;
    case TM_RULE_DATABASE:
      ok = tm_rules_store_forget_database (self->store, rule->path, &error);
      break;
    default:
      g_assert_not_reached ();
    }
  if (!ok)
    {
      g_autofree char *title =
        g_strdup_printf (_("Could not remove the rule: %s"), error->message);

      tm_widget_show_toast (GTK_WIDGET (self), title);
    }
}

static GtkWidget *
rule_row_new (TmCookiesPage *self,
              TmRule        *rule)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  g_autofree char *label = NULL;
  GtkWidget *button;

  switch (rule->kind)
    {
    case TM_RULE_OVERRIDE:
      {
        g_autofree char *categories = tm_categories_to_text (rule->categories);

        /* TRANSLATORS: an override: cookie name on site. */
        title = g_strdup_printf (_("%s on %s"), rule->name, rule->site);
        /* TRANSLATORS: %s: categories, e.g. "Necessary". */
        subtitle = g_strdup_printf (_("Treated as %s"), categories);
      }
      break;
    case TM_RULE_EXCEPTION:
      title = g_strdup (rule->site);
      subtitle = g_strdup (_("All cookies from this site are allowed"));
      break;
    case TM_RULE_DATABASE:
      title = g_path_get_basename (rule->path);
      subtitle = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                               "Cookie database, %u description",
                                               "Cookie database, %u descriptions",
                                               (gulong) rule->n_rows),
                                  (guint) rule->n_rows);
      break;
    default:
      g_assert_not_reached ();
    }
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  /* TRANSLATORS: accessible name of a button removing a rule; %s: the rule's title. */
  label = g_strdup_printf (_("Remove the rule %s"), title);
  button = gtk_button_new_from_icon_name ("list-remove-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Remove"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  label, -1);
  g_object_set_data_full (G_OBJECT (button), "tm-rule", rule, (GDestroyNotify) tm_rule_free);
  g_signal_connect (button, "clicked", G_CALLBACK (remove_rule_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  return row;
}

static void
refresh_rules (TmCookiesPage *self)
{
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(GError) error = NULL;
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->rules_list))) != NULL)
    gtk_list_box_remove (self->rules_list, child);
  if (self->store == NULL)
    return;

  rules = tm_rules_store_list (self->store, &error);
  if (rules == NULL)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                     _("Your rules could not be read"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), error->message);
      gtk_list_box_append (self->rules_list, row);
      return;
    }
  /* The rows take the rules over. */
  g_ptr_array_set_free_func (rules, NULL);
  for (guint i = 0; i < rules->len; i++)
    gtk_list_box_append (self->rules_list, rule_row_new (self, g_ptr_array_index (rules, i)));
  if (rules->len == 0)
    {
      GtkWidget *row = adw_action_row_new ();

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _("No rules yet"));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   _("When a site breaks, open a cookie’s menu and choose "
                                     "what it is for, or allow all cookies of its site."));
      gtk_list_box_append (self->rules_list, row);
    }
}

static void
tm_cookies_page_dispose (GObject *object)
{
  TmCookiesPage *self = TM_COOKIES_PAGE (object);

  pages = g_list_remove (pages, self);
  g_clear_handle_id (&self->load_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), TM_TYPE_COOKIES_PAGE);
  g_clear_pointer (&self->cookies, g_ptr_array_unref);
  g_clear_object (&self->session_store);
  g_clear_object (&self->store);
  g_clear_object (&self->rules);

  G_OBJECT_CLASS (tm_cookies_page_parent_class)->dispose (object);
}

static void
tm_cookies_page_class_init (TmCookiesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tm_cookies_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/temoin/Temoin/ui/tm-cookies-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TmCookiesPage, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, TmCookiesPage, search_entry);
  gtk_widget_class_bind_template_child (widget_class, TmCookiesPage, category_button);
  gtk_widget_class_bind_template_child (widget_class, TmCookiesPage, forget_button);
  gtk_widget_class_bind_template_child (widget_class, TmCookiesPage, state_stack);
  gtk_widget_class_bind_template_child (widget_class, TmCookiesPage, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, TmCookiesPage, error_page);
  gtk_widget_class_bind_template_child (widget_class, TmCookiesPage, sites_list);
  gtk_widget_class_bind_template_child (widget_class, TmCookiesPage, rules_list);
  gtk_widget_class_bind_template_callback (widget_class, search_changed_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  gtk_widget_class_install_action (widget_class, "cookies.delete-category", "s",
                                   delete_category_action_cb);
  gtk_widget_class_install_action (widget_class, "cookies.forget-all", NULL,
                                   forget_all_action_cb);
  tm_rule_menu_install_actions (widget_class);
}

static void
tm_cookies_page_init (TmCookiesPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  tm_button_fix_accessible_name (GTK_BUTTON (self->forget_button), FALSE);
  pages = g_list_prepend (pages, self);
  gtk_stack_set_visible_child_name (self->state_stack, "loading");
  gtk_spinner_set_spinning (self->loading_spinner, TRUE);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "cookies.forget-all", FALSE);
}

void
tm_cookies_page_set_model (TmCookiesPage  *self,
                           TmSessionStore *session_store,
                           const GError   *session_error,
                           TmConsentStore *store,
                           TmRules        *rules)
{
  g_return_if_fail (TM_IS_COOKIES_PAGE (self));
  g_return_if_fail (session_store == NULL || TM_IS_SESSION_STORE (session_store));
  g_return_if_fail (TM_IS_CONSENT_STORE (store));
  g_return_if_fail (rules == NULL || TM_IS_RULES (rules));
  g_return_if_fail (self->store == NULL);

  self->store = g_object_ref (store);
  self->rules = rules != NULL ? g_object_ref (rules) : NULL;
  if (rules != NULL)
    g_signal_connect_object (rules, "changed", G_CALLBACK (refresh_rules), self,
                             G_CONNECT_SWAPPED);
  refresh_rules (self);

  if (session_store == NULL)
    {
      g_autofree char *description =
        g_strdup_printf (_("%s\n\nCheck that the data folder exists and can be written, "
                           "then start Témoin again."),
                         session_error != NULL ? session_error->message : "");

      adw_status_page_set_description (self->error_page, description);
      gtk_stack_set_visible_child_name (self->state_stack, "error");
      gtk_widget_set_sensitive (self->category_button, FALSE);
      return;
    }
  self->session_store = g_object_ref (session_store);
  g_signal_connect_object (session_store, "changed", G_CALLBACK (session_store_changed_cb),
                           self, G_CONNECT_SWAPPED);
  /* Read once the page is on screen: the spinner shows meanwhile. */
  self->load_source = g_idle_add (load_idle_cb, self);
}

const char *
tm_cookies_page_get_state (TmCookiesPage *self)
{
  g_return_val_if_fail (TM_IS_COOKIES_PAGE (self), NULL);

  return gtk_stack_get_visible_child_name (self->state_stack);
}

GtkListBox *
tm_cookies_page_get_sites_list (TmCookiesPage *self)
{
  g_return_val_if_fail (TM_IS_COOKIES_PAGE (self), NULL);

  return self->sites_list;
}

GtkListBox *
tm_cookies_page_get_rules_list (TmCookiesPage *self)
{
  g_return_val_if_fail (TM_IS_COOKIES_PAGE (self), NULL);

  return self->rules_list;
}
