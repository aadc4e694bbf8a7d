/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-consent.h"
#include "tm-json.h"

struct _TmConsent
{
  GObject          parent_instance;

  char            *id;
  GDateTime       *given_at;
  char            *revision;
  char            *language;
  TmConsentMethod  method;
  TmCategories     categories;
};

enum {
  PROP_0,
  PROP_ID,
  PROP_GIVEN_AT,
  PROP_REVISION,
  PROP_LANGUAGE,
  PROP_METHOD,
  PROP_CATEGORIES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TmConsent, tm_consent, G_TYPE_OBJECT)

static void
tm_consent_finalize (GObject *object)
{
  TmConsent *self = TM_CONSENT (object);

  g_free (self->id);
  g_clear_pointer (&self->given_at, g_date_time_unref);
  g_free (self->revision);
  g_free (self->language);

  G_OBJECT_CLASS (tm_consent_parent_class)->finalize (object);
}

static void
tm_consent_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  TmConsent *self = TM_CONSENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      g_value_set_string (value, self->id);
      break;
    case PROP_GIVEN_AT:
      g_value_set_boxed (value, self->given_at);
      break;
    case PROP_REVISION:
      g_value_set_string (value, self->revision);
      break;
    case PROP_LANGUAGE:
      g_value_set_string (value, self->language);
      break;
    case PROP_METHOD:
      g_value_set_uint (value, self->method);
      break;
    case PROP_CATEGORIES:
      g_value_set_uint (value, self->categories);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tm_consent_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  TmConsent *self = TM_CONSENT (object);

  switch (prop_id)
    {
    case PROP_ID:
      self->id = g_value_dup_string (value);
      break;
    case PROP_GIVEN_AT:
      {
        GDateTime *given_at = g_value_get_boxed (value);

        /* Kept in UTC: that is how it is stored and shown in JSON. */
        self->given_at = given_at != NULL ? g_date_time_to_utc (given_at) : NULL;
      }
      break;
    case PROP_REVISION:
      self->revision = g_value_dup_string (value);
      break;
    case PROP_LANGUAGE:
      self->language = g_value_dup_string (value);
      break;
    case PROP_METHOD:
      self->method = g_value_get_uint (value);
      break;
    case PROP_CATEGORIES:
      /* Necessary cookies need no consent: always on. */
      self->categories = (g_value_get_uint (value) & TM_CATEGORIES_ALL)
                         | TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tm_consent_class_init (TmConsentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS;

  object_class->finalize = tm_consent_finalize;
  object_class->get_property = tm_consent_get_property;
  object_class->set_property = tm_consent_set_property;

  /**
   * TmConsent:consent-id:
   * The random id of this save, or %NULL for the defaults.
   */
  properties[PROP_ID] =
    g_param_spec_string ("consent-id", NULL, NULL, NULL, flags);
  /**
   * TmConsent:given-at:
   * When the choice was saved (UTC), or %NULL for the defaults.
   */
  properties[PROP_GIVEN_AT] =
    g_param_spec_boxed ("given-at", NULL, NULL, G_TYPE_DATE_TIME, flags);
  /**
   * TmConsent:revision:
   * The charter revision the choice was given under.
   */
  properties[PROP_REVISION] =
    g_param_spec_string ("revision", NULL, NULL, NULL, flags);
  /**
   * TmConsent:language:
   * The language the charter was shown in.
   */
  properties[PROP_LANGUAGE] =
    g_param_spec_string ("language", NULL, NULL, NULL, flags);
  /**
   * TmConsent:method:
   * How the choice was given (a #TmConsentMethod).
   */
  properties[PROP_METHOD] =
    g_param_spec_uint ("method", NULL, NULL,
                       TM_CONSENT_METHOD_CUSTOM, TM_CONSENT_METHOD_REJECT_ALL,
                       TM_CONSENT_METHOD_CUSTOM, flags);
  /**
   * TmConsent:categories:
   * The accepted categories (#TmCategories); necessary is always set.
   */
  properties[PROP_CATEGORIES] =
    g_param_spec_uint ("categories", NULL, NULL, 0, TM_CATEGORIES_ALL,
                       TM_CATEGORIES_DEFAULT, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tm_consent_init (TmConsent *self)
{
  self->categories = TM_CATEGORIES_DEFAULT;
}

/**
 * tm_consent_new_default:
 *
 * The choice that applies when nothing was saved: necessary only.
 *
 * Returns: (transfer full): a new unsaved #TmConsent
 */
TmConsent *
tm_consent_new_default (void)
{
  return g_object_new (TM_TYPE_CONSENT, NULL);
}

/**
 * tm_consent_new:
 * @consent_id: (nullable): the random id of the save, %NULL for an unsaved choice
 * @given_at: (nullable): when it was saved (converted to UTC)
 * @revision: (nullable): the charter revision
 * @language: (nullable): the language the charter was shown in
 * @method: how it was given
 * @categories: the accepted categories; necessary is forced on
 *
 * Returns: (transfer full): a new #TmConsent
 */
TmConsent *
tm_consent_new (const char      *consent_id,
                GDateTime       *given_at,
                const char      *revision,
                const char      *language,
                TmConsentMethod  method,
                TmCategories     categories)
{
  g_return_val_if_fail (method <= TM_CONSENT_METHOD_REJECT_ALL, NULL);

  return g_object_new (TM_TYPE_CONSENT,
                       "consent-id", consent_id,
                       "given-at", given_at,
                       "revision", revision,
                       "language", language,
                       "method", (guint) method,
                       "categories", categories & TM_CATEGORIES_ALL,
                       NULL);
}

/**
 * tm_consent_is_saved:
 * @self: a #TmConsent
 *
 * Returns: %FALSE for the defaults (no saved choice)
 */
gboolean
tm_consent_is_saved (TmConsent *self)
{
  g_return_val_if_fail (TM_IS_CONSENT (self), FALSE);
  return self->id != NULL;
}

/**
 * tm_consent_get_id:
 * @self: a #TmConsent
 *
 * Returns: (nullable): the random id of the save
 */
const char *
tm_consent_get_id (TmConsent *self)
{
  g_return_val_if_fail (TM_IS_CONSENT (self), NULL);
  return self->id;
}

/**
 * tm_consent_get_given_at:
 * @self: a #TmConsent
 *
 * Returns: (nullable) (transfer none): when the choice was saved, in UTC
 */
GDateTime *
tm_consent_get_given_at (TmConsent *self)
{
  g_return_val_if_fail (TM_IS_CONSENT (self), NULL);
  return self->given_at;
}

/**
 * tm_consent_get_revision:
 * @self: a #TmConsent
 *
 * Returns: (nullable): the charter revision the choice was given under
 */
const char *
tm_consent_get_revision (TmConsent *self)
{
  g_return_val_if_fail (TM_IS_CONSENT (self), NULL);
  return self->revision;
}

/**
 * tm_consent_get_language:
 * @self: a #TmConsent
 *
 * Returns: (nullable): the language the charter was shown in
 */
const char *
tm_consent_get_language (TmConsent *self)
{
  g_return_val_if_fail (TM_IS_CONSENT (self), NULL);
  return self->language;
}

/**
 * tm_consent_get_method:
 * @self: a #TmConsent
 *
 * Returns: how the choice was given (%TM_CONSENT_METHOD_CUSTOM for the defaults)
 */
TmConsentMethod
tm_consent_get_method (TmConsent *self)
{
  g_return_val_if_fail (TM_IS_CONSENT (self), TM_CONSENT_METHOD_CUSTOM);
  return self->method;
}

/**
 * tm_consent_get_categories:
 * @self: a #TmConsent
 *
 * Returns: the accepted categories; necessary is always set
 */
TmCategories
tm_consent_get_categories (TmConsent *self)
{
  g_return_val_if_fail (TM_IS_CONSENT (self), TM_CATEGORIES_DEFAULT);
  return self->categories;
}

/**
 * tm_consent_accepts:
 * @self: a #TmConsent
 * @category: a category
 *
 * Returns: whether cookies of @category are accepted
 */
gboolean
tm_consent_accepts (TmConsent  *self,
                    TmCategory  category)
{
  g_return_val_if_fail (TM_IS_CONSENT (self), FALSE);
  g_return_val_if_fail (category < TM_N_CATEGORIES, FALSE);

  return (self->categories & TM_CATEGORY_BIT (category)) != 0;
}

/**
 * tm_consent_write_json:
 * @self: a #TmConsent
 * @writer: where to write the object
 * @with_outdated: whether to write the "outdated" member
 * @outdated: its value
 *
 * Writes the stable JSON object of `temoinctl consent show`:
 * {"consent_id", "given_at", "revision", "method", "language", ["outdated",]
 * "categories": {"necessary", "statistics", "first-party", "third-party"}}.
 * For the defaults, consent_id, given_at, method and language are null.
 * Keys and values are never translated.
 */
void
tm_consent_write_json (TmConsent            *self,
                       struct _TmJsonWriter *writer,
                       gboolean              with_outdated,
                       gboolean              outdated)
{
  g_autofree char *given_at = NULL;
  gboolean saved;

  g_return_if_fail (TM_IS_CONSENT (self));
  g_return_if_fail (writer != NULL);

  saved = tm_consent_is_saved (self);
  if (self->given_at != NULL)
    given_at = g_date_time_format (self->given_at, "%Y-%m-%dT%H:%M:%SZ");

  tm_json_writer_begin_object (writer);
  tm_json_writer_member (writer, "consent_id");
  tm_json_writer_string (writer, self->id);
  tm_json_writer_member (writer, "given_at");
  tm_json_writer_string (writer, given_at);
  tm_json_writer_member (writer, "revision");
  tm_json_writer_string (writer, self->revision);
  tm_json_writer_member (writer, "method");
  tm_json_writer_string (writer, saved ? tm_consent_method_to_id (self->method) : NULL);
  tm_json_writer_member (writer, "language");
  tm_json_writer_string (writer, saved ? self->language : NULL);
  if (with_outdated)
    {
      tm_json_writer_member (writer, "outdated");
      tm_json_writer_boolean (writer, outdated);
    }
  tm_json_writer_member (writer, "categories");
  tm_json_writer_begin_object (writer);
  for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
    {
      tm_json_writer_member (writer, tm_category_to_id (c));
      tm_json_writer_boolean (writer, tm_consent_accepts (self, c));
    }
  tm_json_writer_end_object (writer);
  tm_json_writer_end_object (writer);
}
