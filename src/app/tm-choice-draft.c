/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include "tm-choice-draft.h"

struct _TmChoiceDraft
{
  GObject      parent_instance;

  TmCategories categories;
  gboolean     dirty;
};

enum {
  PROP_0,
  PROP_CATEGORIES,
  PROP_DIRTY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TmChoiceDraft, tm_choice_draft, G_TYPE_OBJECT)

static void
tm_choice_draft_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  TmChoiceDraft *self = TM_CHOICE_DRAFT (object);

  switch (prop_id)
    {
    case PROP_CATEGORIES:
      g_value_set_uint (value, self->categories);
      break;
    case PROP_DIRTY:
      g_value_set_boolean (value, self->dirty);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tm_choice_draft_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  TmChoiceDraft *self = TM_CHOICE_DRAFT (object);

  switch (prop_id)
    {
    case PROP_CATEGORIES:
      tm_choice_draft_set_categories (self, g_value_get_uint (value));
      break;
    case PROP_DIRTY:
      tm_choice_draft_set_dirty (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tm_choice_draft_class_init (TmChoiceDraftClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = tm_choice_draft_get_property;
  object_class->set_property = tm_choice_draft_set_property;

  /**
   * TmChoiceDraft:categories:
   * The categories switched on (a #TmCategories); necessary is always set.
   */
  properties[PROP_CATEGORIES] =
    g_param_spec_uint ("categories", NULL, NULL,
                       0, TM_CATEGORIES_ALL, TM_CATEGORIES_DEFAULT,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * TmChoiceDraft:dirty:
   * Whether the switches were changed since the choice was last saved or loaded.
   */
  properties[PROP_DIRTY] =
    g_param_spec_boolean ("dirty", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tm_choice_draft_init (TmChoiceDraft *self)
{
  self->categories = TM_CATEGORIES_DEFAULT;
}

TmChoiceDraft *
tm_choice_draft_new (void)
{
  return g_object_new (TM_TYPE_CHOICE_DRAFT, NULL);
}

TmCategories
tm_choice_draft_get_categories (TmChoiceDraft *self)
{
  g_return_val_if_fail (TM_IS_CHOICE_DRAFT (self), TM_CATEGORIES_DEFAULT);

  return self->categories;
}

void
tm_choice_draft_set_categories (TmChoiceDraft *self,
                                TmCategories   categories)
{
  g_return_if_fail (TM_IS_CHOICE_DRAFT (self));

  /* Necessary cookies need no consent: they are always on. */
  categories = (categories & TM_CATEGORIES_ALL) | TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);
  if (self->categories == categories)
    return;
  self->categories = categories;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CATEGORIES]);
}

void
tm_choice_draft_set_category (TmChoiceDraft *self,
                              TmCategory     category,
                              gboolean       accepted)
{
  g_return_if_fail (TM_IS_CHOICE_DRAFT (self));
  g_return_if_fail (category < TM_N_CATEGORIES);

  if (accepted)
    tm_choice_draft_set_categories (self, self->categories | TM_CATEGORY_BIT (category));
  else
    tm_choice_draft_set_categories (self, self->categories & ~TM_CATEGORY_BIT (category));
}

gboolean
tm_choice_draft_get_dirty (TmChoiceDraft *self)
{
  g_return_val_if_fail (TM_IS_CHOICE_DRAFT (self), FALSE);

  return self->dirty;
}

void
tm_choice_draft_set_dirty (TmChoiceDraft *self,
                           gboolean       dirty)
{
  g_return_if_fail (TM_IS_CHOICE_DRAFT (self));

  dirty = !!dirty;
  if (self->dirty == dirty)
    return;
  self->dirty = dirty;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRTY]);
}

void
tm_choice_draft_reset (TmChoiceDraft *self,
                       TmCategories   saved)
{
  g_return_if_fail (TM_IS_CHOICE_DRAFT (self));

  tm_choice_draft_set_categories (self, saved);
  tm_choice_draft_set_dirty (self, FALSE);
}
