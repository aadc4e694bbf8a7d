/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `temoinctl settings set KEY VALUE`: the input is a VALUE, checked against every
 * setting (integers, booleans, the HTTPS bypass list) and an unknown key. A value
 * accepted is normalized: normalizing it again gives it back. */
#include "config.h"

#include "fuzz-common.h"
#include "tm-settings.h"

static void
fuzz_key (const char *key,
          const char *value)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *normalized = tm_settings_normalize (key, value, &error);

  g_assert ((normalized == NULL) == (error != NULL));
  if (normalized != NULL)
    {
      g_autoptr(GError) again_error = NULL;
      g_autofree char *again = tm_settings_normalize (key, normalized, &again_error);

      g_assert_no_error (again_error);
      g_assert_cmpstr (again, ==, normalized);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *value = fuzz_string (data, size);
  const TmSettingInfo *settings;
  gsize n_settings = 0;

  settings = tm_settings_list (&n_settings);
  for (gsize i = 0; i < n_settings; i++)
    fuzz_key (settings[i].key, value);
  fuzz_key ("no-such-setting", value);
  /* A key is a command-line argument too. */
  fuzz_key (value, "1");
  return 0;
}
