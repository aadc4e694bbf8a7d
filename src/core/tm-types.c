/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-types.h"

static const char *category_ids[TM_N_CATEGORIES] = {
  "necessary", "statistics", "first-party", "third-party",
};

static const char *category_titles[TM_N_CATEGORIES] = {
  N_("Necessary"), N_("Statistics"), N_("First-party"), N_("Third-party"),
};

static const char *method_ids[] = { "custom", "accept-all", "reject-all" };

const char *
tm_category_to_id (TmCategory category)
{
  g_return_val_if_fail (category < TM_N_CATEGORIES, NULL);
  return category_ids[category];
}

gboolean
tm_category_from_id (const char *id,
                     TmCategory *out_category)
{
  g_return_val_if_fail (id != NULL, FALSE);

  for (guint i = 0; i < TM_N_CATEGORIES; i++)
    if (g_str_equal (id, category_ids[i]))
      {
        if (out_category)
          *out_category = i;
        return TRUE;
      }
  return FALSE;
}

const char *
tm_category_get_title (TmCategory category)
{
  g_return_val_if_fail (category < TM_N_CATEGORIES, NULL);
  return _(category_titles[category]);
}

char *
tm_categories_to_text (TmCategories categories)
{
  GString *text = g_string_new (NULL);

  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    {
      if (!(categories & TM_CATEGORY_BIT (c)))
        continue;
      if (text->len > 0)
        /* TRANSLATORS: between two category names in a list. */
        g_string_append (text, _(", "));
      g_string_append (text, tm_category_get_title (c));
    }
  return g_string_free (text, FALSE);
}

const char *
tm_consent_method_to_id (TmConsentMethod method)
{
  g_return_val_if_fail (method <= TM_CONSENT_METHOD_REJECT_ALL, NULL);
  return method_ids[method];
}

gboolean
tm_consent_method_from_id (const char      *id,
                           TmConsentMethod *out_method)
{
  g_return_val_if_fail (id != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (method_ids); i++)
    if (g_str_equal (id, method_ids[i]))
      {
        if (out_method)
          *out_method = i;
        return TRUE;
      }
  return FALSE;
}
