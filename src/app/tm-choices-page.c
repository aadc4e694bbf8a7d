/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-choices-page.h"
#include "tm-charter.h"
#include "tm-i18n.h"

struct _TmChoicesPage
{
  GtkWidget            parent_instance;

  GtkWidget           *scrolled_window;
  GtkWidget           *outdated_notice;
  GtkLabel            *outdated_title;
  GtkLabel            *outdated_label;
  AdwPreferencesGroup *categories_group;
  AdwActionRow        *state_when_row;
  AdwActionRow        *state_method_row;
  AdwActionRow        *state_revision_row;
  AdwActionRow        *state_status_row;
  GtkListBox          *history_list;

  GtkSwitch           *switches[TM_N_CATEGORIES];

  TmConsentStore      *store;
  TmChoiceDraft       *draft;
  gboolean             syncing;
  gboolean             outdated;
};

G_DEFINE_FINAL_TYPE (TmChoicesPage, tm_choices_page, GTK_TYPE_WIDGET)

static const char *
method_to_string (TmConsentMethod method)
{
  switch (method)
    {
    case TM_CONSENT_METHOD_ACCEPT_ALL:
      return _("Accepted all");
    case TM_CONSENT_METHOD_REJECT_ALL:
      return _("Rejected all");
    case TM_CONSENT_METHOD_CUSTOM:
    default:
      return _("Chose category by category");
    }
}

static char *
format_when (GDateTime *given_at)
{
  g_autoptr(GDateTime) local = g_date_time_to_local (given_at);

  /* TRANSLATORS: when a choice was saved, in local time (see g_date_time_format()). */
  return g_date_time_format (local, _("%Y-%m-%d at %H:%M"));
}

static char *
format_categories (TmCategories categories)
{
  g_autoptr(GString) str = g_string_new (NULL);

  for (guint c = 0; c < TM_N_CATEGORIES; c++)
    if (categories & TM_CATEGORY_BIT (c))
      {
        if (str->len > 0)
          /* TRANSLATORS: separates the categories in a list of them. */
          g_string_append (str, _(", "));
        g_string_append (str, tm_category_get_title (c));
      }
  return g_string_free (g_steal_pointer (&str), FALSE);
}

static char *
short_revision (const char *revision)
{
  return revision != NULL ? g_strndup (revision, 8) : g_strdup (_("none"));
}

static GtkWidget *
create_history_row_cb (gpointer item,
                       gpointer user_data)
{
  TmConsent *consent = TM_CONSENT (item);
  GDateTime *given_at = tm_consent_get_given_at (consent);
  const char *language = tm_consent_get_language (consent);
  g_autofree char *when = given_at != NULL ? format_when (given_at) : g_strdup ("");
  g_autofree char *accepted = format_categories (tm_consent_get_categories (consent));
  g_autofree char *revision = short_revision (tm_consent_get_revision (consent));
  g_autofree char *title = NULL;
  g_autofree char *subtitle = NULL;
  GtkWidget *row;

  /* TRANSLATORS: a saved choice in the history: "DATE — HOW IT WAS GIVEN". */
  title = g_strdup_printf (_("%s — %s"), when,
                           method_to_string (tm_consent_get_method (consent)));
  /* TRANSLATORS: the categories accepted, the language shown, the charter revision. */
  subtitle = g_strdup_printf (_("Accepted: %s\nLanguage: %s · Charter revision: %s"),
                              accepted,
                              language != NULL ? tm_i18n_get_language_name (language) : "",
                              revision);
  row = adw_action_row_new ();
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  return row;
}

static void
sync_switches (TmChoicesPage *self)
{
  TmCategories categories = tm_choice_draft_get_categories (self->draft);

  self->syncing = TRUE;
  for (guint c = 0; c < TM_N_CATEGORIES; c++)
    gtk_switch_set_active (self->switches[c], (categories & TM_CATEGORY_BIT (c)) != 0);
  self->syncing = FALSE;
}

static void
refresh_state (TmChoicesPage *self)
{
  g_autoptr(TmConsent) current = tm_consent_store_dup_current (self->store);
  gboolean saved = tm_consent_is_saved (current);
  const char *revision = tm_charter_get_revision ();

  self->outdated = tm_consent_store_is_outdated (self->store, current, revision, NULL);

  if (saved)
    {
      g_autofree char *when = format_when (tm_consent_get_given_at (current));
      g_autofree char *short_rev = short_revision (tm_consent_get_revision (current));

      adw_action_row_set_subtitle (self->state_when_row, when);
      adw_action_row_set_subtitle (self->state_method_row,
                                   method_to_string (tm_consent_get_method (current)));
      adw_action_row_set_subtitle (self->state_revision_row, short_rev);
      adw_action_row_set_subtitle (self->state_status_row,
                                   self->outdated
                                   ? _("Outdated: please choose again")
                                   : _("Current"));
      gtk_label_set_label (self->outdated_title, _("Please choose again"));
      gtk_label_set_label (self->outdated_label,
                           _("The charter changed since your last choice, or that choice "
                             "is too old. Choose again below. Until you do, your last "
                             "choice keeps applying."));
    }
  else
    {
      adw_action_row_set_subtitle (self->state_when_row, _("Never"));
      adw_action_row_set_subtitle (self->state_method_row, _("Nothing chosen yet"));
      adw_action_row_set_subtitle (self->state_revision_row, _("none"));
      adw_action_row_set_subtitle (self->state_status_row,
                                   _("No choice saved: only necessary cookies are accepted"));
      gtk_label_set_label (self->outdated_title, _("No choice saved yet"));
      gtk_label_set_label (self->outdated_label,
                           _("Until you choose, only necessary cookies are accepted."));
    }
  gtk_widget_set_visible (self->outdated_notice, self->outdated);
}

static void
switch_active_cb (TmChoicesPage *self,
                  GParamSpec    *pspec,
                  GtkSwitch     *sw)
{
  TmCategory category = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (sw), "tm-category"));

  if (self->syncing)
    return;
  tm_choice_draft_set_category (self->draft, category, gtk_switch_get_active (sw));
  tm_choice_draft_set_dirty (self->draft, TRUE);
}

static void
build_category_rows (TmChoicesPage *self)
{
  for (guint c = 0; c < TM_N_CATEGORIES; c++)
    {
      const char *title = tm_category_get_title (c);
      g_autofree char *subtitle = NULL;
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *sw = gtk_switch_new ();

      if (c == TM_CATEGORY_NECESSARY)
        subtitle = g_strdup_printf ("%s\n\n%s",
                                    _(tm_charter_get_category_description (c)),
                                    _("Always on: the site cannot work without them. "
                                      "The charter says they need no consent."));
      else
        subtitle = g_strdup (_(tm_charter_get_category_description (c)));

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

      gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
      /* The row names its activatable switch (a labelled-by relation); naming it
       * again would make screen readers say the title twice. The locked switch is
       * not activatable, so it is named here. */
      if (c == TM_CATEGORY_NECESSARY)
        gtk_accessible_update_property (GTK_ACCESSIBLE (sw),
                                        GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
      g_object_set_data (G_OBJECT (sw), "tm-category", GUINT_TO_POINTER (c));
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
      if (c == TM_CATEGORY_NECESSARY)
        {
          gtk_switch_set_active (GTK_SWITCH (sw), TRUE);
          gtk_widget_set_sensitive (sw, FALSE);
        }
      else
        {
          adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
          g_signal_connect_object (sw, "notify::active", G_CALLBACK (switch_active_cb),
                                   self, G_CONNECT_SWAPPED);
        }
      self->switches[c] = GTK_SWITCH (sw);
      adw_preferences_group_add (self->categories_group, row);
    }
}

static void
tm_choices_page_dispose (GObject *object)
{
  TmChoicesPage *self = TM_CHOICES_PAGE (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), TM_TYPE_CHOICES_PAGE);
  g_clear_object (&self->store);
  g_clear_object (&self->draft);

  G_OBJECT_CLASS (tm_choices_page_parent_class)->dispose (object);
}

static void
tm_choices_page_class_init (TmChoicesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tm_choices_page_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/temoin/Temoin/ui/tm-choices-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TmChoicesPage, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, TmChoicesPage, outdated_notice);
  gtk_widget_class_bind_template_child (widget_class, TmChoicesPage, outdated_title);
  gtk_widget_class_bind_template_child (widget_class, TmChoicesPage, outdated_label);
  gtk_widget_class_bind_template_child (widget_class, TmChoicesPage, categories_group);
  gtk_widget_class_bind_template_child (widget_class, TmChoicesPage, state_when_row);
  gtk_widget_class_bind_template_child (widget_class, TmChoicesPage, state_method_row);
  gtk_widget_class_bind_template_child (widget_class, TmChoicesPage, state_revision_row);
  gtk_widget_class_bind_template_child (widget_class, TmChoicesPage, state_status_row);
  gtk_widget_class_bind_template_child (widget_class, TmChoicesPage, history_list);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tm_choices_page_init (TmChoicesPage *self)
{
  GtkWidget *placeholder;

  gtk_widget_init_template (GTK_WIDGET (self));

  build_category_rows (self);

  placeholder = gtk_label_new (_("No choice saved yet"));
  gtk_widget_add_css_class (placeholder, "dim-label");
  gtk_widget_set_margin_top (placeholder, 18);
  gtk_widget_set_margin_bottom (placeholder, 18);
  gtk_list_box_set_placeholder (self->history_list, placeholder);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->history_list),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("History"), -1);
}

void
tm_choices_page_set_model (TmChoicesPage  *self,
                           TmConsentStore *store,
                           TmChoiceDraft  *draft)
{
  g_return_if_fail (TM_IS_CHOICES_PAGE (self));
  g_return_if_fail (TM_IS_CONSENT_STORE (store));
  g_return_if_fail (TM_IS_CHOICE_DRAFT (draft));
  g_return_if_fail (self->store == NULL);

  self->store = g_object_ref (store);
  self->draft = g_object_ref (draft);

  g_signal_connect_object (draft, "notify::categories", G_CALLBACK (sync_switches),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "consent-changed", G_CALLBACK (refresh_state),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (store, "settings-changed", G_CALLBACK (refresh_state),
                           self, G_CONNECT_SWAPPED);
  gtk_list_box_bind_model (self->history_list, tm_consent_store_get_history (store),
                           create_history_row_cb, self, NULL);
  sync_switches (self);
  refresh_state (self);
}

GtkSwitch *
tm_choices_page_get_switch (TmChoicesPage *self,
                            TmCategory     category)
{
  g_return_val_if_fail (TM_IS_CHOICES_PAGE (self), NULL);
  g_return_val_if_fail (category < TM_N_CATEGORIES, NULL);

  return self->switches[category];
}

gboolean
tm_choices_page_get_outdated (TmChoicesPage *self)
{
  g_return_val_if_fail (TM_IS_CHOICES_PAGE (self), FALSE);

  return self->outdated;
}
