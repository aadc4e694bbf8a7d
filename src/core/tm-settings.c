/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>

#include "tm-bypass.h"
#include "tm-settings.h"

/* The registry: one row per setting, in the order `settings list` shows them. */
static const TmSettingInfo settings[] = {
  {
    TM_SETTING_REASK_INTERVAL, TM_SETTING_TYPE_INT, "6", 1, 24,
    N_("Months after which a saved choice is outdated and asked again"),
  },
  {
    TM_SETTING_PROXY_PORT, TM_SETTING_TYPE_INT, "7733", 1, 65535,
    N_("Port the proxy listens on"),
  },
  {
    TM_SETTING_SEC_GPC, TM_SETTING_TYPE_BOOLEAN, "true", 0, 0,
    N_("Send “Sec-GPC: 1” while third-party cookies are refused"),
  },
  {
    TM_SETTING_HTTPS_INSPECTION, TM_SETTING_TYPE_BOOLEAN, "false", 0, 0,
    N_("Apply the choice inside HTTPS too, with Témoin’s local certificate authority"),
  },
  {
    TM_SETTING_HTTPS_BYPASS, TM_SETTING_TYPE_STRING, TM_SETTING_HTTPS_BYPASS_DEFAULT, 0, 0,
    N_("Hosts whose HTTPS is never inspected (host, *.domain or IP address, "
       "separated by commas)"),
  },
};

G_DEFINE_QUARK (tm-settings-error-quark, tm_settings_error)

/**
 * tm_settings_list:
 * @n_settings: (out): the number of settings
 *
 * Returns: (array length=n_settings) (transfer none): every known setting, in a
 *   stable order
 */
const TmSettingInfo *
tm_settings_list (gsize *n_settings)
{
  g_return_val_if_fail (n_settings != NULL, NULL);

  *n_settings = G_N_ELEMENTS (settings);
  return settings;
}

/**
 * tm_settings_lookup:
 * @key: a setting name, such as %TM_SETTING_PROXY_PORT
 *
 * Returns: (nullable) (transfer none): the setting, or %NULL when @key is unknown
 */
const TmSettingInfo *
tm_settings_lookup (const char *key)
{
  g_return_val_if_fail (key != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
    if (g_str_equal (settings[i].key, key))
      return &settings[i];
  return NULL;
}

static char *
normalize_int (const TmSettingInfo  *info,
               const char           *value,
               GError              **error)
{
  g_autofree char *trimmed = g_strstrip (g_strdup (value));
  const char *p = trimmed;
  gint64 number;

  /* Decimal digits only, with an optional minus sign: no "0x10", "1e3", "+5", "". */
  if (*p == '-')
    p++;
  if (*p == '\0')
    goto invalid;
  for (; *p != '\0'; p++)
    if (!g_ascii_isdigit (*p))
      goto invalid;

  errno = 0;
  number = g_ascii_strtoll (trimmed, NULL, 10);
  if (errno == ERANGE || number < info->min || number > info->max)
    goto invalid;

  return g_strdup_printf ("%" G_GINT64_FORMAT, number);

invalid:
  g_set_error (error, TM_SETTINGS_ERROR, TM_SETTINGS_ERROR_INVALID_VALUE,
               /* Translators: the first %s is a setting name, as in
                * "proxy-port must be a whole number from 1 to 65535 (not “http”)" */
               _("%s must be a whole number from %d to %d (not “%s”)"),
               info->key, (int) info->min, (int) info->max, value);
  return NULL;
}

static char *
normalize_bypass (const TmSettingInfo  *info,
                  const char           *value,
                  GError              **error)
{
  g_autoptr(GError) local_error = NULL;
  char *normalized = tm_bypass_normalize_list (value, &local_error);

  if (normalized == NULL)
    {
      /* Translators: %s: a setting name, then why the value is wrong. */
      g_set_error (error, TM_SETTINGS_ERROR, TM_SETTINGS_ERROR_INVALID_VALUE,
                   _("%s: %s"), info->key, local_error->message);
      return NULL;
    }
  return normalized;
}

static char *
normalize_boolean (const TmSettingInfo  *info,
                   const char           *value,
                   GError              **error)
{
  static const char * const yes[] = { "true", "on", "yes", "1" };
  static const char * const no[] = { "false", "off", "no", "0" };
  g_autofree char *trimmed = g_strstrip (g_strdup (value));

  for (gsize i = 0; i < G_N_ELEMENTS (yes); i++)
    {
      if (g_ascii_strcasecmp (trimmed, yes[i]) == 0)
        return g_strdup ("true");
      if (g_ascii_strcasecmp (trimmed, no[i]) == 0)
        return g_strdup ("false");
    }

  g_set_error (error, TM_SETTINGS_ERROR, TM_SETTINGS_ERROR_INVALID_VALUE,
               _("%s must be true or false (on/off, yes/no and 1/0 work too), not “%s”"),
               info->key, value);
  return NULL;
}

/**
 * tm_settings_normalize:
 * @key: a setting name
 * @value: the value as a person typed it
 * @error: return location for a #GError
 *
 * Checks @value for @key and returns its normalized form: integers in decimal
 * (surrounding spaces removed, range checked), booleans as "true"/"false"
 * (accepting on/off, yes/no, 1/0, true/false in any case), the HTTPS bypass list
 * normalized, sorted and deduplicated (tm_bypass_normalize_list()).
 *
 * Returns: (transfer full) (nullable): the normalized value, or %NULL with @error
 *   set (%TM_SETTINGS_ERROR_UNKNOWN_KEY or %TM_SETTINGS_ERROR_INVALID_VALUE, with a
 *   translated message saying what is accepted)
 */
char *
tm_settings_normalize (const char  *key,
                       const char  *value,
                       GError     **error)
{
  const TmSettingInfo *info;

  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (value != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  info = tm_settings_lookup (key);
  if (info == NULL)
    {
      g_autoptr(GString) known = g_string_new (NULL);

      for (gsize i = 0; i < G_N_ELEMENTS (settings); i++)
        g_string_append_printf (known, "%s%s", i > 0 ? ", " : "", settings[i].key);
      g_set_error (error, TM_SETTINGS_ERROR, TM_SETTINGS_ERROR_UNKNOWN_KEY,
                   _("There is no setting called “%s”. Known settings: %s."),
                   key, known->str);
      return NULL;
    }

  switch (info->type)
    {
    case TM_SETTING_TYPE_INT:
      return normalize_int (info, value, error);
    case TM_SETTING_TYPE_BOOLEAN:
      return normalize_boolean (info, value, error);
    case TM_SETTING_TYPE_STRING:
      if (g_str_equal (info->key, TM_SETTING_HTTPS_BYPASS))
        return normalize_bypass (info, value, error);
      return g_strdup (value);
    default:
      g_assert_not_reached ();
    }
}
