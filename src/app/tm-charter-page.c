/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-charter-page.h"
#include "tm-charter.h"
#include "tm-i18n.h"

struct _TmCharterPage
{
  GtkWidget  parent_instance;

  GtkWidget *scrolled_window;
  AdwClamp  *clamp;
  GtkWidget *side_by_side_button;
  GtkBox    *columns_box;

  char      *language;
  gboolean   side_by_side;
};

enum {
  PROP_0,
  PROP_SIDE_BY_SIDE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TmCharterPage, tm_charter_page, GTK_TYPE_WIDGET)

/* The same msgids as tm_category_get_title(), which only answers in the current
 * language: the side-by-side view needs them in any language. */
static const char *category_titles[TM_N_CATEGORIES] = {
  N_("Necessary"), N_("Statistics"), N_("First-party"), N_("Third-party"),
};

static GtkWidget *
new_text_label (const char *text,
                const char *style_class)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_wrap (GTK_LABEL (label), TRUE);
  gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_set_hexpand (label, TRUE);
  if (style_class != NULL)
    gtk_widget_add_css_class (label, style_class);
  return label;
}

/* A heading that quotes the portal's address as "<https://…>": the address becomes
 * a link and the text stays verbatim (gtk_label_get_text() gives it back). */
static GtkWidget *
new_heading_label (const char *text)
{
  const char *start = strstr (text, "<https://");
  const char *end = start != NULL ? strchr (start, '>') : NULL;
  g_autofree char *before = NULL;
  g_autofree char *url = NULL;
  g_autofree char *markup = NULL;
  GtkWidget *label;

  label = new_text_label (text, "title-3");
  gtk_accessible_update_property (GTK_ACCESSIBLE (label),
                                  GTK_ACCESSIBLE_PROPERTY_LEVEL, 2, -1);
  if (end == NULL)
    return label;

  before = g_strndup (text, start - text);
  url = g_strndup (start + 1, end - start - 1);
  markup = g_markup_printf_escaped ("%s&lt;<a href=\"%s\">%s</a>&gt;%s",
                                    before, url, url, end + 1);
  gtk_label_set_markup (GTK_LABEL (label), markup);
  return label;
}

static void
add_cell (GtkGrid    *grid,
          int         row,
          const char *title,
          const char *value,
          const char *value_class)
{
  GtkWidget *title_label = gtk_label_new (title);
  GtkWidget *value_label = new_text_label (value, value_class);

  gtk_label_set_xalign (GTK_LABEL (title_label), 0.0);
  gtk_label_set_wrap (GTK_LABEL (title_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (title_label), 16);
  /* The first lines of title and value share a baseline. */
  gtk_widget_set_valign (title_label, GTK_ALIGN_BASELINE);
  gtk_widget_set_valign (value_label, GTK_ALIGN_BASELINE);
  gtk_widget_add_css_class (title_label, "dim-label");
  gtk_widget_add_css_class (title_label, "caption-heading");
  gtk_grid_attach (grid, title_label, 0, row, 1, 1);
  gtk_grid_attach (grid, value_label, 1, row, 1, 1);
}

static GtkWidget *
new_cookie_row (const TmCharterCookie *cookie,
                const char            *language)
{
  const char * const *columns;
  gsize n_columns = 0;
  const char *provider, *service, *purpose, *category;
  const char *category_column;
  g_autofree char *description = NULL;
  GtkWidget *row, *grid;

  columns = tm_charter_get_columns (&n_columns);
  g_assert (n_columns == 4);

  provider = tm_i18n_translate (language, cookie->provider);
  service = tm_i18n_translate (language, cookie->service);
  purpose = tm_i18n_translate (language, cookie->purpose);
  category = tm_i18n_translate (language, category_titles[cookie->category]);
  category_column = tm_i18n_translate (language, N_("Category"));

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 6);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_widget_set_margin_top (grid, 12);
  gtk_widget_set_margin_bottom (grid, 12);
  gtk_widget_set_margin_start (grid, 12);
  gtk_widget_set_margin_end (grid, 12);
  add_cell (GTK_GRID (grid), 0, tm_i18n_translate (language, columns[2]),
            cookie->cookie, "monospace");
  gtk_widget_add_css_class (gtk_grid_get_child_at (GTK_GRID (grid), 1, 0), "heading");
  add_cell (GTK_GRID (grid), 1, tm_i18n_translate (language, columns[0]), provider, NULL);
  add_cell (GTK_GRID (grid), 2, tm_i18n_translate (language, columns[1]), service, NULL);
  add_cell (GTK_GRID (grid), 3, tm_i18n_translate (language, columns[3]), purpose, NULL);
  add_cell (GTK_GRID (grid), 4, category_column, category, NULL);

  row = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), grid);

  /* A screen reader reads the whole row, cell by cell, when it gets focus; in the
   * column's language, punctuation included (French puts a space before ':'). */
  {
    /* TRANSLATORS: one cell of a cookie, read by screen readers: a column heading,
     * then its value, as in "Provider name: Opendatasoft." */
    const char *cell_format = tm_i18n_translate (language, N_("%s: %s."));
    const char *cells[][2] = {
      { tm_i18n_translate (language, columns[2]), cookie->cookie },
      { tm_i18n_translate (language, columns[0]), provider },
      { tm_i18n_translate (language, columns[1]), service },
      { tm_i18n_translate (language, columns[3]), purpose },
      { category_column, category },
    };
    GString *text = g_string_new (NULL);

    for (guint i = 0; i < G_N_ELEMENTS (cells); i++)
      {
        if (i > 0)
          g_string_append_c (text, ' ');
        g_string_append_printf (text, cell_format, cells[i][0], cells[i][1]);
      }
    description = g_string_free (text, FALSE);
  }
  gtk_accessible_update_property (GTK_ACCESSIBLE (row),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, cookie->cookie,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, description,
                                  -1);
  return row;
}

/* One column of the charter, in @language. */
static GtkWidget *
build_column (const char *language,
              const char *heading)
{
  const TmCharterBlock *blocks;
  const TmCharterCookie *cookies;
  gsize n_blocks = 0, n_cookies = 0;
  GtkWidget *column;

  column = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
  gtk_widget_set_valign (column, GTK_ALIGN_START);

  if (heading != NULL)
    {
      GtkWidget *label = new_text_label (heading, "caption-heading");

      gtk_widget_add_css_class (label, "dim-label");
      gtk_box_append (GTK_BOX (column), label);
    }

  blocks = tm_charter_get_blocks (&n_blocks);
  for (gsize i = 0; i < n_blocks; i++)
    {
      const char *text = tm_i18n_translate (language, blocks[i].msgid);
      GtkWidget *label = NULL;

      switch (blocks[i].kind)
        {
        case TM_CHARTER_BLOCK_TITLE:
          label = new_text_label (text, "title-1");
          gtk_accessible_update_property (GTK_ACCESSIBLE (label),
                                          GTK_ACCESSIBLE_PROPERTY_LEVEL, 1, -1);
          gtk_widget_set_margin_bottom (label, 12);
          break;
        case TM_CHARTER_BLOCK_HEADING:
          label = new_heading_label (text);
          gtk_widget_set_margin_top (label, 12);
          break;
        case TM_CHARTER_BLOCK_PARAGRAPH:
          label = new_text_label (text, "body");
          break;
        case TM_CHARTER_BLOCK_TABLE_CAPTION:
          label = new_text_label (text, "heading");
          gtk_widget_set_margin_top (label, 12);
          break;
        default:
          g_assert_not_reached ();
        }
      gtk_box_append (GTK_BOX (column), label);

      if (blocks[i].kind == TM_CHARTER_BLOCK_TABLE_CAPTION)
        {
          GtkWidget *list = gtk_list_box_new ();

          gtk_list_box_set_selection_mode (GTK_LIST_BOX (list), GTK_SELECTION_NONE);
          gtk_widget_add_css_class (list, "boxed-list");
          gtk_accessible_update_property (GTK_ACCESSIBLE (list),
                                          GTK_ACCESSIBLE_PROPERTY_LABEL, text, -1);
          cookies = tm_charter_get_cookies (&n_cookies);
          for (gsize j = 0; j < n_cookies; j++)
            gtk_list_box_append (GTK_LIST_BOX (list), new_cookie_row (&cookies[j], language));
          gtk_box_append (GTK_BOX (column), list);
        }
    }

  return column;
}

static void
rebuild (TmCharterPage *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->columns_box))) != NULL)
    gtk_box_remove (self->columns_box, child);

  if (self->side_by_side)
    {
      /* The French original is binding: it always stands on the left, beside the
       * current language (English when French is the current one). */
      const char *other = g_str_equal (self->language, "fr") ? "en" : self->language;

      adw_clamp_set_maximum_size (self->clamp, 1400);
      gtk_box_append (self->columns_box, build_column ("fr", _("French original")));
      gtk_box_append (self->columns_box,
                      build_column (other, tm_i18n_get_language_name (other)));
    }
  else
    {
      adw_clamp_set_maximum_size (self->clamp, 720);
      gtk_box_append (self->columns_box, build_column (self->language, NULL));
    }
}

static void
tm_charter_page_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), TM_TYPE_CHARTER_PAGE);

  G_OBJECT_CLASS (tm_charter_page_parent_class)->dispose (object);
}

static void
tm_charter_page_finalize (GObject *object)
{
  TmCharterPage *self = TM_CHARTER_PAGE (object);

  g_free (self->language);

  G_OBJECT_CLASS (tm_charter_page_parent_class)->finalize (object);
}

static void
tm_charter_page_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TmCharterPage *self = TM_CHARTER_PAGE (object);

  switch (prop_id)
    {
    case PROP_SIDE_BY_SIDE:
      g_value_set_boolean (value, self->side_by_side);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tm_charter_page_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TmCharterPage *self = TM_CHARTER_PAGE (object);

  switch (prop_id)
    {
    case PROP_SIDE_BY_SIDE:
      tm_charter_page_set_side_by_side (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tm_charter_page_class_init (TmCharterPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tm_charter_page_dispose;
  object_class->finalize = tm_charter_page_finalize;
  object_class->get_property = tm_charter_page_get_property;
  object_class->set_property = tm_charter_page_set_property;

  /**
   * TmCharterPage:side-by-side:
   * Whether the French original is shown beside the current language.
   */
  properties[PROP_SIDE_BY_SIDE] =
    g_param_spec_boolean ("side-by-side", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/temoin/Temoin/ui/tm-charter-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TmCharterPage, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, TmCharterPage, clamp);
  gtk_widget_class_bind_template_child (widget_class, TmCharterPage, side_by_side_button);
  gtk_widget_class_bind_template_child (widget_class, TmCharterPage, columns_box);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tm_charter_page_init (TmCharterPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  self->language = g_strdup (tm_i18n_get_language ());
  g_object_bind_property (self, "side-by-side", self->side_by_side_button, "active",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  rebuild (self);
}

gboolean
tm_charter_page_get_side_by_side (TmCharterPage *self)
{
  g_return_val_if_fail (TM_IS_CHARTER_PAGE (self), FALSE);

  return self->side_by_side;
}

void
tm_charter_page_set_side_by_side (TmCharterPage *self,
                                  gboolean       side_by_side)
{
  g_return_if_fail (TM_IS_CHARTER_PAGE (self));

  side_by_side = !!side_by_side;
  if (self->side_by_side == side_by_side)
    return;
  self->side_by_side = side_by_side;
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIDE_BY_SIDE]);
}

const char *
tm_charter_page_get_language (TmCharterPage *self)
{
  g_return_val_if_fail (TM_IS_CHARTER_PAGE (self), NULL);

  return self->language;
}
