/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tm-consent-store.h"
#include "tm-settings.h"
#include "tm-test-utils.h"

typedef struct {
  const char *key;
  const char *input;
  const char *expected;   /* NULL: refused with @code */
  int         code;
} NormalizeCase;

static const NormalizeCase normalize_cases[] = {
  /* Integers: decimal, trimmed, range-checked. */
  { "proxy-port", "8080", "8080", 0 },
  { "proxy-port", "  8080\n", "8080", 0 },
  { "proxy-port", "1", "1", 0 },
  { "proxy-port", "65535", "65535", 0 },
  { "proxy-port", "007733", "7733", 0 },
  { "proxy-port", "0", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "proxy-port", "65536", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "proxy-port", "-1", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "proxy-port", "", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "proxy-port", "   ", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "proxy-port", "80a", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "proxy-port", "0x50", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "proxy-port", "+80", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "proxy-port", "8 080", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "proxy-port", "99999999999999999999999", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "reask-interval-months", "6", "6", 0 },
  { "reask-interval-months", "24", "24", 0 },
  { "reask-interval-months", "25", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "reask-interval-months", "0", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "reask-interval-months", "6.5", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  /* Booleans, in any case. */
  { "sec-gpc", "true", "true", 0 },
  { "sec-gpc", "TRUE", "true", 0 },
  { "sec-gpc", "on", "true", 0 },
  { "sec-gpc", "Yes", "true", 0 },
  { "sec-gpc", "1", "true", 0 },
  { "sec-gpc", " on ", "true", 0 },
  { "sec-gpc", "false", "false", 0 },
  { "sec-gpc", "Off", "false", 0 },
  { "sec-gpc", "NO", "false", 0 },
  { "sec-gpc", "0", "false", 0 },
  { "sec-gpc", "2", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "sec-gpc", "enabled", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  { "sec-gpc", "", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  /* HTTPS inspection: off by default, a switch like the others. */
  { "https-inspection", "on", "true", 0 },
  { "https-inspection", "OFF", "false", 0 },
  { "https-inspection", "always", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  /* The bypass list: normalized, sorted, deduplicated, comma-separated. */
  { "https-bypass", "", "", 0 },
  { "https-bypass", "Bank.Example.", "bank.example", 0 },
  { "https-bypass", "b.example\n*.A.example, b.example [::1]", "*.a.example,::1,b.example", 0 },
  { "https-bypass", "bank.example, https://bank.example/", NULL,
    TM_SETTINGS_ERROR_INVALID_VALUE },
  { "https-bypass", "*", NULL, TM_SETTINGS_ERROR_INVALID_VALUE },
  /* Unknown keys. */
  { "proxy_port", "8080", NULL, TM_SETTINGS_ERROR_UNKNOWN_KEY },
  { "", "1", NULL, TM_SETTINGS_ERROR_UNKNOWN_KEY },
};

static void
test_normalize (gconstpointer data)
{
  const NormalizeCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *result = tm_settings_normalize (c->key, c->input, &error);

  if (c->expected != NULL)
    {
      g_assert_no_error (error);
      g_assert_cmpstr (result, ==, c->expected);
    }
  else
    {
      g_assert_null (result);
      g_assert_error (error, TM_SETTINGS_ERROR, c->code);
      /* The message names the key it is about. */
      if (c->code == TM_SETTINGS_ERROR_INVALID_VALUE)
        g_assert_nonnull (strstr (error->message, c->key));
    }
}

static void
test_messages_say_what_is_accepted (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *r = NULL;

  r = tm_settings_normalize ("proxy-port", "http", &error);
  g_assert_nonnull (strstr (error->message,
                            "proxy-port must be a whole number from 1 to 65535"));
  g_clear_error (&error);

  r = tm_settings_normalize ("sec-gpc", "maybe", &error);
  g_assert_nonnull (strstr (error->message, "true or false"));
  g_clear_error (&error);

  r = tm_settings_normalize ("colour", "red", &error);
  g_assert_nonnull (strstr (error->message, "colour"));
  g_assert_nonnull (strstr (error->message, "proxy-port"));
}

static void
test_registry (void)
{
  gsize n = 0;
  const TmSettingInfo *list = tm_settings_list (&n);

  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpstr (list[0].key, ==, TM_SETTING_REASK_INTERVAL);
  g_assert_cmpstr (list[0].default_value, ==, "6");
  g_assert_cmpint (list[0].min, ==, 1);
  g_assert_cmpint (list[0].max, ==, 24);
  g_assert_cmpstr (list[1].key, ==, TM_SETTING_PROXY_PORT);
  g_assert_cmpstr (list[1].default_value, ==, "7733");
  g_assert_cmpint (list[1].type, ==, TM_SETTING_TYPE_INT);
  g_assert_cmpstr (list[2].key, ==, TM_SETTING_SEC_GPC);
  g_assert_cmpstr (list[2].default_value, ==, "true");
  g_assert_cmpint (list[2].type, ==, TM_SETTING_TYPE_BOOLEAN);
  g_assert_cmpstr (list[3].key, ==, TM_SETTING_HTTPS_INSPECTION);
  g_assert_cmpstr (list[3].default_value, ==, "false");
  g_assert_cmpint (list[3].type, ==, TM_SETTING_TYPE_BOOLEAN);
  g_assert_cmpstr (list[4].key, ==, TM_SETTING_HTTPS_BYPASS);
  g_assert_cmpstr (list[4].default_value, ==, TM_SETTING_HTTPS_BYPASS_DEFAULT);
  g_assert_cmpint (list[4].type, ==, TM_SETTING_TYPE_STRING);

  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *again = tm_settings_normalize (list[i].key, list[i].default_value, NULL);

      /* Defaults are in normalized form, and every setting says what it does. */
      g_assert_cmpstr (again, ==, list[i].default_value);
      g_assert_true (list[i].description != NULL && list[i].description[0] != '\0');
      g_assert_true (tm_settings_lookup (list[i].key) == &list[i]);
    }
  g_assert_null (tm_settings_lookup ("nope"));
}

static void
test_store_defaults (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsentStore) store = tm_consent_store_new (dir, &error);
  g_autofree char *port = NULL;

  g_assert_no_error (error);
  port = tm_consent_store_get_setting (store, TM_SETTING_PROXY_PORT);
  g_assert_cmpstr (port, ==, "7733");
  g_assert_cmpint (tm_consent_store_get_setting_int (store, TM_SETTING_REASK_INTERVAL), ==, 6);
  g_assert_true (tm_consent_store_get_setting_bool (store, TM_SETTING_SEC_GPC));
  g_assert_null (tm_consent_store_get_setting (store, "nope"));

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
record_key_cb (TmConsentStore *store,
               const char     *key,
               GPtrArray      *keys)
{
  g_ptr_array_add (keys, g_strdup (key));
}

static void
test_store_round_trip (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsentStore) store = tm_consent_store_new (dir, &error);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *port = NULL;

  g_assert_no_error (error);
  g_signal_connect (store, "settings-changed", G_CALLBACK (record_key_cb), keys);

  g_assert_true (tm_consent_store_set_setting (store, TM_SETTING_PROXY_PORT, " 8080 ", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (keys, 0), ==, TM_SETTING_PROXY_PORT);

  /* The same value again changes nothing and says nothing. */
  g_assert_true (tm_consent_store_set_setting (store, TM_SETTING_PROXY_PORT, "8080", &error));
  g_assert_cmpuint (keys->len, ==, 1);

  g_assert_true (tm_consent_store_set_setting (store, TM_SETTING_SEC_GPC, "OFF", &error));
  g_assert_true (tm_consent_store_set_setting (store, TM_SETTING_REASK_INTERVAL, "12", &error));
  g_assert_cmpuint (keys->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (keys, 1), ==, TM_SETTING_SEC_GPC);
  g_assert_cmpstr (g_ptr_array_index (keys, 2), ==, TM_SETTING_REASK_INTERVAL);

  /* Refused values leave the stored one alone. */
  g_assert_false (tm_consent_store_set_setting (store, TM_SETTING_PROXY_PORT, "70000", &error));
  g_assert_error (error, TM_SETTINGS_ERROR, TM_SETTINGS_ERROR_INVALID_VALUE);
  g_clear_error (&error);
  g_assert_false (tm_consent_store_set_setting (store, "nope", "1", &error));
  g_assert_error (error, TM_SETTINGS_ERROR, TM_SETTINGS_ERROR_UNKNOWN_KEY);
  g_clear_error (&error);
  g_assert_cmpuint (keys->len, ==, 3);

  /* And all of it survives reopening. */
  g_clear_object (&store);
  store = tm_consent_store_new (dir, &error);
  g_assert_no_error (error);
  port = tm_consent_store_get_setting (store, TM_SETTING_PROXY_PORT);
  g_assert_cmpstr (port, ==, "8080");
  g_assert_cmpint (tm_consent_store_get_setting_int (store, TM_SETTING_PROXY_PORT), ==, 8080);
  g_assert_false (tm_consent_store_get_setting_bool (store, TM_SETTING_SEC_GPC));
  g_assert_cmpint (tm_consent_store_get_setting_int (store, TM_SETTING_REASK_INTERVAL), ==, 12);

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

static void
wait_for_len (GPtrArray *keys,
              guint      len)
{
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (keys->len < len && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (10 * 1000);
}

static void
count_cb (TmConsentStore *store,
          guint          *count)
{
  (*count)++;
}

static void
test_other_store_notices (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsentStore) a = tm_consent_store_new (dir, &error);
  g_autoptr(TmConsentStore) b = tm_consent_store_new (dir, &error);
  g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *port = NULL;
  guint consent_changes = 0;

  g_assert_no_error (error);
  g_signal_connect (b, "settings-changed", G_CALLBACK (record_key_cb), keys);
  g_signal_connect (b, "consent-changed", G_CALLBACK (count_cb), &consent_changes);

  g_assert_true (tm_consent_store_set_setting (a, TM_SETTING_PROXY_PORT, "9000", &error));
  wait_for_len (keys, 1);
  g_assert_cmpuint (keys->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (keys, 0), ==, TM_SETTING_PROXY_PORT);
  port = tm_consent_store_get_setting (b, TM_SETTING_PROXY_PORT);
  g_assert_cmpstr (port, ==, "9000");

  g_assert_true (tm_consent_store_set_setting (a, TM_SETTING_SEC_GPC, "no", &error));
  wait_for_len (keys, 2);
  g_assert_cmpuint (keys->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (keys, 1), ==, TM_SETTING_SEC_GPC);
  g_assert_false (tm_consent_store_get_setting_bool (b, TM_SETTING_SEC_GPC));
  /* A setting is not a choice. */
  g_assert_cmpuint (consent_changes, ==, 0);

  g_clear_object (&a);
  g_clear_object (&b);
  tm_test_rmdir (dir);
}

static void
test_store_https (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsentStore) store = tm_consent_store_new (dir, &error);
  g_autoptr(TmConsentStore) other = NULL;
  g_autofree char *bypass = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *kept = NULL;

  g_assert_no_error (error);
  /* Inspection is the user's decision: off until they turn it on. */
  g_assert_false (tm_consent_store_get_setting_bool (store, TM_SETTING_HTTPS_INSPECTION));
  bypass = tm_consent_store_get_setting (store, TM_SETTING_HTTPS_BYPASS);
  g_assert_cmpstr (bypass, ==, TM_SETTING_HTTPS_BYPASS_DEFAULT);

  g_assert_true (tm_consent_store_set_setting (store, TM_SETTING_HTTPS_INSPECTION, "on",
                                               &error));
  g_assert_true (tm_consent_store_set_setting (store, TM_SETTING_HTTPS_BYPASS,
                                               "Z.example\n*.bank.example,z.example", &error));
  g_assert_no_error (error);

  /* Stored normalized, read the same by another store on the same folder. */
  other = tm_consent_store_new (dir, &error);
  g_assert_no_error (error);
  g_assert_true (tm_consent_store_get_setting_bool (other, TM_SETTING_HTTPS_INSPECTION));
  seen = tm_consent_store_get_setting (other, TM_SETTING_HTTPS_BYPASS);
  g_assert_cmpstr (seen, ==, "*.bank.example,z.example");

  /* An invalid list is refused whole and the stored one stays. */
  g_assert_false (tm_consent_store_set_setting (store, TM_SETTING_HTTPS_BYPASS,
                                                "ok.example, not valid..example", &error));
  g_assert_error (error, TM_SETTINGS_ERROR, TM_SETTINGS_ERROR_INVALID_VALUE);
  kept = tm_consent_store_get_setting (store, TM_SETTING_HTTPS_BYPASS);
  g_assert_cmpstr (kept, ==, "*.bank.example,z.example");

  g_clear_object (&store);
  g_clear_object (&other);
  tm_test_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (normalize_cases); i++)
    {
      const NormalizeCase *c = &normalize_cases[i];
      g_autofree char *path = g_strdup_printf ("/settings/normalize/%s/%s-%" G_GSIZE_FORMAT,
                                               c->key[0] ? c->key : "empty-key",
                                               c->expected ? "accepted" : "refused", i);

      g_test_add_data_func (path, c, test_normalize);
    }
  g_test_add_func ("/settings/normalize/messages-say-what-is-accepted",
                   test_messages_say_what_is_accepted);
  g_test_add_func ("/settings/registry/defaults-are-normalized", test_registry);
  g_test_add_func ("/settings/store/unset-keys-give-defaults", test_store_defaults);
  g_test_add_func ("/settings/store/round-trip-and-signal-with-key", test_store_round_trip);
  g_test_add_func ("/settings/store/other-store-notices-with-key", test_other_store_notices);
  g_test_add_func ("/settings/store/https-inspection-off-and-bypass-normalized",
                   test_store_https);

  return g_test_run ();
}
