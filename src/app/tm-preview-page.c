/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-preview-page.h"
#include "tm-charter.h"
#include "tm-policy.h"
#include "tm-preview.h"
#include "tm-rule-menu.h"
#include "tm-rules.h"

/* The live view shows at most this many of the newest decisions. */
#define LIVE_LIMIT 200

struct _TmPreviewPage
{
  GtkWidget       parent_instance;

  GtkWidget      *scrolled_window;
  AdwPreferencesGroup *scenario_group;
  GtkWidget      *draft_notice;
  GtkListBox     *scenario_list;
  GtkEntry       *url_entry;
  GtkWidget      *fetch_button;
  GtkWidget      *progress_box;
  GtkSpinner     *spinner;
  GtkLabel       *progress_label;
  GtkWidget      *cancel_button;
  GtkWidget      *error_box;
  GtkLabel       *error_label;
  GtkLabel       *url_summary;
  GtkListBox     *url_list;
  GtkToggleButton *pause_button;
  GtkSearchEntry *live_search;
  GtkDropDown    *category_dropdown;
  GtkDropDown    *decision_dropdown;
  GtkLabel       *live_empty;
  GtkListBox     *live_list;

  TmConsentStore *store;
  TmClassifier   *classifier;
  TmSessionStore *session_store;
  TmChoiceDraft  *draft;
  TmPreview      *preview;
  GCancellable   *cancellable;
  GListModel     *url_items;      /* the last URL preview's TmPreviewItems */
  GPtrArray      *decisions;      /* TmDecisionRecord, newest first */
};

G_DEFINE_FINAL_TYPE (TmPreviewPage, tm_preview_page, GTK_TYPE_WIDGET)

static TmCategories
accepted_categories (TmPreviewPage *self)
{
  return tm_choice_draft_get_categories (self->draft)
         | TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);
}

static void
clear_list (GtkListBox *list)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (list))) != NULL)
    gtk_list_box_remove (list, child);
}

/* The kept/blocked mark: an icon AND words, so that colour is never the only cue. */
static GtkWidget *
decision_mark_new (gboolean keep)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  GtkWidget *icon = gtk_image_new_from_icon_name (keep ? "emblem-ok-symbolic"
                                                       : "action-unavailable-symbolic");
  GtkWidget *label = gtk_label_new (keep ? _("Kept") : _("Blocked"));

  gtk_widget_set_valign (box, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  keep ? _("Kept") : _("Blocked"), -1);
  gtk_accessible_update_state (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_STATE_HIDDEN, TRUE, -1);
  gtk_widget_add_css_class (box, keep ? "success" : "error");
  gtk_box_append (GTK_BOX (box), icon);
  gtk_box_append (GTK_BOX (box), label);
  return box;
}

/* One cookie and its decision: name; where and what; the reason; kept or blocked. */
static GtkWidget *
decision_row_new (const char   *name,
                  const char   *host,
                  const char   *where,
                  TmCategories  categories,
                  gboolean      keep,
                  const char   *reason,
                  gboolean      with_menu)
{
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *category_text = tm_categories_to_text (categories);
  g_autofree char *subtitle = NULL;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row),
                                 name[0] != '\0' ? name : _("(nameless cookie)"));
  /* TRANSLATORS: a cookie row's subtitle: where it comes from · its categories,
   * then the reason of the decision on a line of its own. */
  subtitle = g_strdup_printf (_("%s · %s\n%s"), where, category_text,
                              reason != NULL ? reason : "");
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), decision_mark_new (keep));
  if (with_menu && host != NULL && host[0] != '\0')
    adw_action_row_add_suffix (ADW_ACTION_ROW (row), tm_rule_menu_button_new (name, host));
  g_object_set_data (G_OBJECT (row), "tm-keep", GINT_TO_POINTER (keep));
  return row;
}

static void
refresh_scenario (TmPreviewPage *self)
{
  g_autoptr(GListModel) items = NULL;
  guint n;

  if (self->classifier == NULL)
    return;
  clear_list (self->scenario_list);
  items = tm_preview_run_scenario (self->classifier, accepted_categories (self));
  n = g_list_model_get_n_items (items);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TmPreviewItem) item = g_list_model_get_item (items, i);
      g_autofree char *reason = tm_preview_item_dup_reason (item, TRUE);
      const char *site = tm_preview_item_get_site (item);

      gtk_list_box_append (self->scenario_list,
                           decision_row_new (tm_preview_item_get_name (item), site, site,
                                             tm_preview_item_get_categories (item),
                                             tm_preview_item_get_keep (item), reason, TRUE));
    }
}

/* The cookies of the last URL preview, decided again under the current switches
 * and rules (the fetch itself is not repeated). */
static void
refresh_url_results (TmPreviewPage *self)
{
  guint n;

  clear_list (self->url_list);
  if (self->url_items == NULL)
    return;
  n = g_list_model_get_n_items (self->url_items);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(TmPreviewItem) item = g_list_model_get_item (self->url_items, i);
      const TmDecision *first = tm_preview_item_get_decision (item);
      const char *name = tm_preview_item_get_name (item);
      TmCookieContext context = { first->classification.host, first->classification.top_site };
      g_autofree char *where = NULL;
      g_autofree char *reason = NULL;
      TmDecision decision;

      tm_policy_decide (self->classifier, accepted_categories (self), name, &context,
                        &decision);
      reason = tm_decision_describe (&decision, name, TRUE);
      if (!tm_preview_item_get_valid (item))
        {
          g_autofree char *ignored =
            g_strdup_printf (_("%s (a browser would ignore this cookie)"), reason);

          g_free (reason);
          reason = g_steal_pointer (&ignored);
        }
      /* TRANSLATORS: where a cookie of a URL preview was met: hop number, host. */
      where = g_strdup_printf (_("hop %u: %s"), tm_preview_item_get_hop (item) + 1,
                               tm_preview_item_get_site (item));
      gtk_list_box_append (self->url_list,
                           decision_row_new (name, tm_preview_item_get_site (item), where,
                                             decision.classification.categories,
                                             decision.keep, reason, TRUE));
    }
}

static gboolean
record_matches (TmPreviewPage          *self,
                const TmDecisionRecord *record)
{
  const char *filter = gtk_editable_get_text (GTK_EDITABLE (self->live_search));
  guint category = gtk_drop_down_get_selected (self->category_dropdown);
  guint decision = gtk_drop_down_get_selected (self->decision_dropdown);

  if (filter[0] != '\0')
    {
      g_autofree char *needle = g_utf8_casefold (filter, -1);
      g_autofree char *site = g_utf8_casefold (record->site != NULL ? record->site : "", -1);
      g_autofree char *host = g_utf8_casefold (record->host != NULL ? record->host : "", -1);

      if (strstr (site, needle) == NULL && strstr (host, needle) == NULL)
        return FALSE;
    }
  /* Item 0 of each drop-down is "all". */
  if (category > 0 && category <= TM_N_CATEGORIES
      && !(record->categories & TM_CATEGORY_BIT (category - 1)))
    return FALSE;
  if (decision == 1 && !record->keep)
    return FALSE;
  if (decision == 2 && record->keep)
    return FALSE;
  return TRUE;
}

static void
refresh_live_rows (TmPreviewPage *self)
{
  guint shown = 0;

  clear_list (self->live_list);
  for (guint i = 0; self->decisions != NULL && i < self->decisions->len; i++)
    {
      const TmDecisionRecord *record = g_ptr_array_index (self->decisions, i);
      g_autoptr(GDateTime) time = NULL;
      g_autofree char *clock = NULL;
      g_autofree char *where = NULL;
      g_autofree char *reason = NULL;
      const char *host = record->host != NULL ? record->host : "";

      if (!record_matches (self, record))
        continue;
      time = g_date_time_new_from_unix_local (record->time / G_USEC_PER_SEC);
      clock = time != NULL ? g_date_time_format (time, "%X") : g_strdup ("");
      gboolean sent = g_strcmp0 (record->direction, "request") == 0;

      if (record->site == NULL || record->site[0] == '\0' || g_str_equal (record->site, host))
        where = sent ? /* TRANSLATORS: a live decision: time, host the cookie was sent to. */
                       g_strdup_printf (_("%s, sent to %s"), clock, host)
                     : /* TRANSLATORS: a live decision: time, host that set the cookie. */
                       g_strdup_printf (_("%s, set by %s"), clock, host);
      else if (sent)
        /* TRANSLATORS: a live decision: time, host the cookie was sent to, the
         * site visited. */
        where = g_strdup_printf (_("%s, sent to %s on %s"), clock, host, record->site);
      else
        /* TRANSLATORS: a live decision: time, host that set the cookie, the site
         * visited. */
        where = g_strdup_printf (_("%s, set by %s on %s"), clock, host, record->site);
      /* The reason in the reader's language (the stored one is stable English). */
      reason = tm_decision_record_describe (record, TRUE);
      gtk_list_box_append (self->live_list,
                           decision_row_new (record->name, host, where, record->categories,
                                             record->keep, reason, TRUE));
      shown++;
    }

  gtk_widget_set_visible (GTK_WIDGET (self->live_list), shown > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->live_empty), shown == 0);
  if (self->session_store == NULL)
    gtk_label_set_text (self->live_empty, _("The cookie store could not be opened: the "
                                            "proxy’s decisions cannot be shown."));
  else if (self->decisions == NULL || self->decisions->len == 0)
    gtk_label_set_text (self->live_empty, _("No decisions yet. Turn the proxy on and point "
                                            "a browser at it: its cookies appear here as "
                                            "they are kept or blocked."));
  else
    gtk_label_set_text (self->live_empty, _("No decision matches the filters."));
}

static void
reload_decisions (TmPreviewPage *self)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *decisions;

  if (self->session_store == NULL)
    {
      refresh_live_rows (self);
      return;
    }
  decisions = tm_session_store_list_decisions (self->session_store, 0, LIVE_LIMIT, &error);
  if (decisions == NULL)
    {
      g_warning ("Could not read the proxy’s decisions: %s", error->message);
      return;
    }
  g_clear_pointer (&self->decisions, g_ptr_array_unref);
  self->decisions = decisions;
  refresh_live_rows (self);
}

static void
decisions_changed_cb (TmPreviewPage *self)
{
  if (!gtk_toggle_button_get_active (self->pause_button))
    reload_decisions (self);
}

static void
pause_toggled_cb (TmPreviewPage *self)
{
  if (!gtk_toggle_button_get_active (self->pause_button))
    reload_decisions (self);
}

static void
live_filter_changed_cb (TmPreviewPage *self)
{
  refresh_live_rows (self);
}

/* The switches or the rules changed: every decision shown is made again. */
static void
decide_again (TmPreviewPage *self)
{
  refresh_scenario (self);
  refresh_url_results (self);
}

static void
draft_dirty_cb (TmPreviewPage *self)
{
  gtk_widget_set_visible (self->draft_notice, tm_choice_draft_get_dirty (self->draft));
}

static void
set_fetching (TmPreviewPage *self,
              gboolean       fetching)
{
  /* Cancel is about to hide: keyboard focus goes back to the address. */
  if (!fetching && gtk_widget_has_focus (self->cancel_button))
    gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
  gtk_widget_set_visible (self->progress_box, fetching);
  gtk_spinner_set_spinning (self->spinner, fetching);
  gtk_widget_set_sensitive (self->fetch_button,
                            !fetching
                            && gtk_entry_get_text_length (self->url_entry) > 0);
}

static void
show_url_error (TmPreviewPage *self,
                const GError  *error)
{
  const char *what;
  g_autofree char *text = NULL;

  if (error->domain == TM_PREVIEW_ERROR && error->code == TM_PREVIEW_ERROR_INVALID_URL)
    what = _("Type a whole address starting with http:// or https://, such as "
             "https://example.com/.");
  else if (error->domain == TM_PREVIEW_ERROR && error->code == TM_PREVIEW_ERROR_TLS)
    what = _("The site’s secure connection could not be trusted, so Témoin did not read "
             "its cookies. Check the address, or try again later.");
  else if (error->domain == TM_PREVIEW_ERROR && error->code == TM_PREVIEW_ERROR_TIMED_OUT)
    what = _("The site took too long to answer. Check your connection and try again.");
  else if (error->domain == TM_PREVIEW_ERROR
           && error->code == TM_PREVIEW_ERROR_TOO_MANY_REDIRECTS)
    what = _("The page keeps sending Témoin elsewhere. Try the address it ends at.");
  else
    what = _("The site could not be reached. Check the address and your connection, "
             "then try again.");
  text = g_strdup_printf ("%s\n%s", error->message, what);
  gtk_label_set_text (self->error_label, text);
  gtk_widget_set_visible (self->error_box, TRUE);
}

typedef struct {
  TmPreviewPage *self;
  GCancellable  *cancellable;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_object_unref (data->self);
  g_object_unref (data->cancellable);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (FetchData, fetch_data_free)

static void
fetch_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(FetchData) data = user_data;
  TmPreviewPage *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *final_url = NULL;
  g_autofree char *summary = NULL;
  GListModel *items;
  guint status = 0;
  guint n;

  items = tm_preview_fetch_finish (TM_PREVIEW (source), result, &status, &final_url, &error);
  /* A page disposed meanwhile (language switch, window closed), or a fetch
   * replaced by a newer one, shows nothing. */
  if (self->preview == NULL || self->cancellable != data->cancellable)
    {
      g_clear_object (&items);
      return;
    }
  g_clear_object (&self->cancellable);
  set_fetching (self, FALSE);
  if (items == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_url_error (self, error);
      return;
    }

  g_clear_object (&self->url_items);
  self->url_items = items;
  n = g_list_model_get_n_items (items);
  if (n == 0)
    /* TRANSLATORS: %s is the URL the redirects ended at, %u its HTTP status. */
    summary = g_strdup_printf (_("%s answered with status %u and set no cookie."),
                               final_url != NULL ? final_url : "", status);
  else
    summary = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                            "%s answered with status %u; %u cookie was "
                                            "set along the way.",
                                            "%s answered with status %u; %u cookies were "
                                            "set along the way.", n),
                               final_url != NULL ? final_url : "", status, n);
  gtk_label_set_text (self->url_summary, summary);
  gtk_widget_set_visible (GTK_WIDGET (self->url_summary), TRUE);
  gtk_widget_set_visible (GTK_WIDGET (self->url_list), n > 0);
  refresh_url_results (self);
}

static void
progress_cb (TmPreviewPage *self,
             guint          hop,
             const char    *url)
{
  /* TRANSLATORS: %u is the hop number (1 for the typed address), %s its URL. */
  g_autofree char *text = g_strdup_printf (_("Fetching hop %u: %s"), hop + 1, url);

  gtk_label_set_text (self->progress_label, text);
}

void
tm_preview_page_fetch (TmPreviewPage *self,
                       const char    *url)
{
  g_return_if_fail (TM_IS_PREVIEW_PAGE (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (self->preview != NULL);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->url_entry)), url) != 0)
    gtk_editable_set_text (GTK_EDITABLE (self->url_entry), url);
  gtk_widget_set_visible (self->error_box, FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->url_summary), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->url_list), FALSE);
  g_clear_object (&self->url_items);
  clear_list (self->url_list);
  {
    g_autofree char *text = g_strdup_printf (_("Fetching hop %u: %s"), 1, url);

    gtk_label_set_text (self->progress_label, text);
  }
  set_fetching (self, TRUE);
  gtk_widget_grab_focus (self->cancel_button);
  {
    FetchData *data = g_new0 (FetchData, 1);

    data->self = g_object_ref (self);
    data->cancellable = g_object_ref (self->cancellable);
    tm_preview_fetch_async (self->preview, url, accepted_categories (self),
                            self->cancellable, fetch_done_cb, data);
  }
}

static void
url_entry_activate_cb (TmPreviewPage *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->url_entry));
  g_autofree char *url = g_strstrip (g_strdup (text));

  if (url[0] != '\0' && self->cancellable == NULL)
    tm_preview_page_fetch (self, url);
}

static void
url_entry_changed_cb (TmPreviewPage *self)
{
  set_fetching (self, self->cancellable != NULL);
}

static void
fetch_button_clicked_cb (TmPreviewPage *self)
{
  url_entry_activate_cb (self);
}

static void
cancel_button_clicked_cb (TmPreviewPage *self)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  gtk_widget_grab_focus (GTK_WIDGET (self->url_entry));
}

static void
tm_preview_page_dispose (GObject *object)
{
  TmPreviewPage *self = TM_PREVIEW_PAGE (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), TM_TYPE_PREVIEW_PAGE);
  g_clear_object (&self->preview);
  g_clear_object (&self->url_items);
  g_clear_pointer (&self->decisions, g_ptr_array_unref);
  g_clear_object (&self->store);
  g_clear_object (&self->classifier);
  g_clear_object (&self->session_store);
  g_clear_object (&self->draft);

  G_OBJECT_CLASS (tm_preview_page_parent_class)->dispose (object);
}

static void
tm_preview_page_class_init (TmPreviewPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tm_preview_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/temoin/Temoin/ui/tm-preview-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, scenario_group);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, draft_notice);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, scenario_list);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, url_entry);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, fetch_button);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, progress_box);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, spinner);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, progress_label);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, cancel_button);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, error_box);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, error_label);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, url_summary);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, url_list);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, pause_button);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, live_search);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, category_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, decision_dropdown);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, live_empty);
  gtk_widget_class_bind_template_child (widget_class, TmPreviewPage, live_list);
  gtk_widget_class_bind_template_callback (widget_class, url_entry_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, url_entry_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, fetch_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, cancel_button_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, pause_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, live_filter_changed_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);

  tm_rule_menu_install_actions (widget_class);
}

/* GTK 4.8 does not pass a drop-down's accessible name on to the button inside
 * it, which is what a screen reader lands on: name that button too. */
static void
name_drop_down_button (GtkDropDown *drop_down,
                       const char  *name)
{
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (drop_down));
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    if (GTK_IS_TOGGLE_BUTTON (child))
      gtk_accessible_update_property (GTK_ACCESSIBLE (child), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      name, -1);
}

static void
tm_preview_page_init (TmPreviewPage *self)
{
  g_autoptr(GtkStringList) categories = gtk_string_list_new (NULL);
  g_autoptr(GtkStringList) decisions = gtk_string_list_new (NULL);
  g_autofree char *title = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  tm_button_fix_accessible_name (GTK_BUTTON (self->fetch_button), FALSE);
  tm_button_fix_accessible_name (GTK_BUTTON (self->pause_button), FALSE);

  gtk_string_list_append (categories, _("All Categories"));
  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    gtk_string_list_append (categories, tm_category_get_title (c));
  gtk_drop_down_set_model (self->category_dropdown, G_LIST_MODEL (categories));
  gtk_string_list_append (decisions, _("Kept and Blocked"));
  gtk_string_list_append (decisions, _("Kept"));
  gtk_string_list_append (decisions, _("Blocked"));
  gtk_drop_down_set_model (self->decision_dropdown, G_LIST_MODEL (decisions));
  name_drop_down_button (self->category_dropdown, _("Filter by category"));
  name_drop_down_button (self->decision_dropdown, _("Filter by decision"));
  g_signal_connect_swapped (self->category_dropdown, "notify::selected",
                            G_CALLBACK (live_filter_changed_cb), self);
  g_signal_connect_swapped (self->decision_dropdown, "notify::selected",
                            G_CALLBACK (live_filter_changed_cb), self);

  /* TRANSLATORS: %s is the charter's site, e.g. "data.example.org". */
  title = g_strdup_printf (_("What your switches do on %s, to its own cookies, typical "
                             "statistics cookies and cookies of sites embedded in it."),
                           tm_charter_get_host ());
  adw_preferences_group_set_description (self->scenario_group, title);
}

void
tm_preview_page_set_model (TmPreviewPage  *self,
                           TmConsentStore *store,
                           TmClassifier   *classifier,
                           TmSessionStore *session_store,
                           TmChoiceDraft  *draft)
{
  TmRules *rules;

  g_return_if_fail (TM_IS_PREVIEW_PAGE (self));
  g_return_if_fail (TM_IS_CONSENT_STORE (store));
  g_return_if_fail (TM_IS_CLASSIFIER (classifier));
  g_return_if_fail (session_store == NULL || TM_IS_SESSION_STORE (session_store));
  g_return_if_fail (TM_IS_CHOICE_DRAFT (draft));
  g_return_if_fail (self->draft == NULL);

  self->store = g_object_ref (store);
  self->classifier = g_object_ref (classifier);
  self->session_store = session_store != NULL ? g_object_ref (session_store) : NULL;
  self->draft = g_object_ref (draft);
  self->preview = tm_preview_new (classifier);
  g_signal_connect_object (self->preview, "progress", G_CALLBACK (progress_cb), self,
                           G_CONNECT_SWAPPED);

  g_signal_connect_object (draft, "notify::categories", G_CALLBACK (decide_again), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (draft, "notify::dirty", G_CALLBACK (draft_dirty_cb), self,
                           G_CONNECT_SWAPPED);
  rules = tm_classifier_get_rules (classifier);
  if (rules != NULL)
    g_signal_connect_object (rules, "changed", G_CALLBACK (decide_again), self,
                             G_CONNECT_SWAPPED);
  if (session_store != NULL)
    g_signal_connect_object (session_store, "decisions-changed",
                             G_CALLBACK (decisions_changed_cb), self, G_CONNECT_SWAPPED);

  draft_dirty_cb (self);
  refresh_scenario (self);
  reload_decisions (self);
}

gboolean
tm_preview_page_get_fetching (TmPreviewPage *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_PAGE (self), FALSE);

  return self->cancellable != NULL;
}

GtkListBox *
tm_preview_page_get_scenario_list (TmPreviewPage *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_PAGE (self), NULL);

  return self->scenario_list;
}

GtkListBox *
tm_preview_page_get_url_list (TmPreviewPage *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_PAGE (self), NULL);

  return self->url_list;
}

GtkListBox *
tm_preview_page_get_live_list (TmPreviewPage *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_PAGE (self), NULL);

  return self->live_list;
}
