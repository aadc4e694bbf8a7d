/* SPDX-License-Identifier: GPL-3.0-or-later */
/* `temoinctl ca` and `temoinctl bypass` as a user runs them: output, files and
 * exit statuses. */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "tm-ca.h"
#include "tm-settings.h"
#include "tm-test-utils.h"

typedef struct {
  char *tmp;
  char *data_dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->tmp = tm_test_make_tmp_dir ();
  f->data_dir = g_build_filename (f->tmp, "data", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tm_test_rmdir (f->tmp);
  g_free (f->tmp);
  g_free (f->data_dir);
}

static char *
data_file (Fixture    *f,
           const char *name)
{
  return g_build_filename (f->data_dir, name, NULL);
}

static void
assert_matches (const char *pattern,
                const char *text)
{
  if (!g_regex_match_simple (pattern, text, G_REGEX_MULTILINE, 0))
    g_error ("“%s” does not match /%s/", text, pattern);
}

/* The colon-separated SHA-256 of the certificate in @pem. */
static char *
fingerprint_of_pem (const char *pem)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsCertificate) cert = g_tls_certificate_new_from_pem (pem, -1, &error);
  g_autoptr(GByteArray) der = NULL;
  g_autofree char *hex = NULL;
  GString *out = g_string_new (NULL);

  g_assert_no_error (error);
  g_object_get (cert, "certificate", &der, NULL);
  hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  for (guint i = 0; hex[i] != '\0'; i += 2)
    g_string_append_printf (out, "%s%c%c", i > 0 ? ":" : "", g_ascii_toupper (hex[i]),
                            g_ascii_toupper (hex[i + 1]));
  return g_string_free (out, FALSE);
}

static int
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static void
test_show_without_ca (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *cert_path = data_file (f, TM_CA_CERT_FILENAME);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &out, &err, "ca", "show", NULL), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_nonnull (strstr (err, "no certificate authority"));
  g_assert_nonnull (strstr (err, "temoinctl ca export"));
  /* Looking does not create one. */
  g_assert_false (g_file_test (cert_path, G_FILE_TEST_EXISTS));
}

static void
test_export (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *again = NULL;
  g_autofree char *again_err = NULL;
  g_autofree char *on_disk = NULL;
  g_autofree char *key_path = data_file (f, TM_CA_KEY_FILENAME);
  g_autofree char *cert_path = data_file (f, TM_CA_CERT_FILENAME);
  g_autofree char *key = NULL;
  g_autofree char *key_body = NULL;
  const char *end;

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &out, &err, "ca", "export", NULL), ==, 0);
  g_assert_true (g_str_has_prefix (out, "-----BEGIN CERTIFICATE-----\n"));
  end = strstr (out, "-----END CERTIFICATE-----\n");
  g_assert_nonnull (end);
  g_assert_cmpstr (end + strlen ("-----END CERTIFICATE-----\n"), ==, "");
  g_assert_null (strstr (out, "PRIVATE"));
  /* Creating it is said on stderr, with the fingerprint to compare. */
  g_assert_nonnull (strstr (err, "Created"));
  {
    g_autofree char *fingerprint = fingerprint_of_pem (out);

    g_assert_nonnull (strstr (err, fingerprint));
  }

  /* The key stays private, and nothing of it was printed. */
  g_assert_cmpint (file_mode (f->data_dir), ==, 0700);
  g_assert_cmpint (file_mode (key_path), ==, 0600);
  g_assert_true (g_file_get_contents (key_path, &key, NULL, NULL));
  key_body = g_strndup (key + strlen ("-----BEGIN PRIVATE KEY-----\n"), 40);
  g_assert_null (strstr (out, key_body));
  g_assert_true (g_file_get_contents (cert_path, &on_disk, NULL, NULL));
  g_assert_cmpstr (out, ==, on_disk);

  /* Exporting again prints the same certificate and creates nothing. */
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &again, &again_err, "ca", "export", NULL),
                   ==, 0);
  g_assert_cmpstr (again, ==, out);
  g_assert_cmpstr (again_err, ==, "");
}

static void
test_show (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *pem = NULL;
  g_autofree char *out = NULL;
  g_autofree char *json = NULL;
  g_autofree char *fingerprint = NULL;
  g_autofree char *name_line = NULL;
  g_autofree char *escaped = NULL;

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &pem, NULL, "ca", "export", NULL), ==, 0);
  fingerprint = fingerprint_of_pem (pem);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &out, NULL, "ca", "show", NULL), ==, 0);
  name_line = g_strdup_printf ("Name: Témoin local CA — %s\n", g_get_host_name ());
  g_assert_true (g_str_has_prefix (out, name_line));
  escaped = g_strdup_printf ("^SHA-256 fingerprint: %s$", fingerprint);
  assert_matches (escaped, out);
  assert_matches ("^SHA-256 fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}$", out);
  assert_matches ("^Valid from: 20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9:]{8}Z$", out);
  assert_matches ("^Valid until: 20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-9:]{8}Z$", out);
  assert_matches ("^Certificate: /.*/ca-cert\\.pem$", out);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &json, NULL, "ca", "show", "--json", NULL),
                   ==, 0);
  assert_matches ("^  \"name\": \"Témoin local CA — ", json);
  g_free (escaped);
  escaped = g_strdup_printf ("^  \"sha256\": \"%s\",$", fingerprint);
  assert_matches (escaped, json);
  assert_matches ("^  \"not_before\": \"20[0-9-]{8}T[0-9:]{8}Z\",$", json);
  assert_matches ("^  \"not_after\": \"20[0-9-]{8}T[0-9:]{8}Z\",$", json);
}

static void
test_regenerate (Fixture       *f,
                 gconstpointer  data)
{
  g_autofree char *old_pem = NULL;
  g_autofree char *new_pem = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *old_fingerprint = NULL;
  g_autofree char *new_fingerprint = NULL;
  g_autofree char *key_path = data_file (f, TM_CA_KEY_FILENAME);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &old_pem, NULL, "ca", "export", NULL), ==, 0);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &out, &err, "ca", "regenerate", NULL), ==, 0);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &new_pem, NULL, "ca", "export", NULL), ==, 0);

  old_fingerprint = fingerprint_of_pem (old_pem);
  new_fingerprint = fingerprint_of_pem (new_pem);
  g_assert_cmpstr (old_fingerprint, !=, new_fingerprint);
  g_assert_nonnull (strstr (out, new_fingerprint));
  /* The user is told what to do in the browsers. */
  g_assert_nonnull (strstr (err, "temoinctl ca export"));
  g_assert_cmpint (file_mode (key_path), ==, 0600);
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autofree char *err = NULL;
  g_autofree char *again_err = NULL;
  g_autofree char *inspection = NULL;
  g_autofree char *key_path = data_file (f, TM_CA_KEY_FILENAME);
  g_autofree char *cert_path = data_file (f, TM_CA_CERT_FILENAME);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "ca", "export", NULL), ==, 0);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "settings", "set",
                                      "https-inspection", "on", NULL),
                   ==, 0);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, &err, "ca", "delete", NULL), ==, 0);
  g_assert_false (g_file_test (key_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (cert_path, G_FILE_TEST_EXISTS));
  /* The user is reminded of the copies browsers keep. */
  g_assert_nonnull (strstr (err, "Remove"));
  /* Inspection cannot go on without a CA: it is turned off, and said so. */
  g_assert_nonnull (strstr (err, "HTTPS inspection is now off"));
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &inspection, NULL, "settings", "get",
                                      "https-inspection", NULL),
                   ==, 0);
  g_assert_cmpstr (inspection, ==, "false\n");

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "ca", "show", NULL), ==, 1);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, &again_err, "ca", "delete", NULL), ==, 1);
  g_assert_nonnull (strstr (again_err, "no certificate authority"));
}

static void
test_ca_usage (Fixture       *f,
               gconstpointer  data)
{
  g_autofree char *help = NULL;
  g_autofree char *export_help = NULL;
  g_autofree char *main_help = NULL;
  g_autofree char *err = NULL;
  g_autofree char *cert_path = data_file (f, TM_CA_CERT_FILENAME);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, &err, "ca", NULL), ==, 2);
  g_assert_nonnull (strstr (err, "temoinctl ca --help"));
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "ca", "frobnicate", NULL), ==, 2);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "ca", "show", "extra", NULL), ==, 2);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "ca", "export", "--bogus", NULL),
                   ==, 2);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &help, NULL, "ca", "--help", NULL), ==, 0);
  assert_matches ("^Usage: temoinctl ca COMMAND", help);
  for (const char *const *c = (const char *const[]) { "show", "export", "regenerate",
                                                      "delete", NULL }; *c; c++)
    {
      g_autofree char *row = g_strdup_printf ("^  %s +[A-Z]", *c);

      assert_matches (row, help);
    }
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &export_help, NULL, "ca", "export", "--help",
                                      NULL), ==, 0);
  assert_matches ("^Usage: temoinctl ca export", export_help);
  /* --help does nothing else. */
  g_assert_false (g_file_test (cert_path, G_FILE_TEST_EXISTS));

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &main_help, NULL, "--help", NULL), ==, 0);
  assert_matches ("^  ca +", main_help);
  assert_matches ("^  bypass +", main_help);
}

static void
test_bypass_defaults (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *json = NULL;
  g_auto(GStrv) defaults = g_strsplit (TM_SETTING_HTTPS_BYPASS_DEFAULT, ",", -1);
  g_autofree char *expected = NULL;
  g_autoptr(GString) expected_json = g_string_new ("[\n");

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &out, NULL, "bypass", "list", NULL), ==, 0);
  expected = g_strconcat (TM_SETTING_HTTPS_BYPASS_DEFAULT, "\n", NULL);
  g_strdelimit (expected, ",", '\n');
  g_assert_cmpstr (out, ==, expected);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &json, NULL, "bypass", "list", "--json", NULL),
                   ==, 0);
  for (guint i = 0; defaults[i] != NULL; i++)
    g_string_append_printf (expected_json, "  \"%s\"%s\n", defaults[i],
                            defaults[i + 1] != NULL ? "," : "");
  g_string_append (expected_json, "]\n");
  g_assert_cmpstr (json, ==, expected_json->str);
}

static void
test_bypass_add_remove (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *out = NULL;
  g_autofree char *after_remove = NULL;
  g_autofree char *unchanged = NULL;
  g_autofree char *err = NULL;
  g_autofree char *covered_err = NULL;
  g_autofree char *setting = NULL;

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "bypass", "add", "Bank.Example.",
                                      NULL), ==, 0);
  /* Adding twice is fine, in any spelling. */
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "bypass", "add", "bank.example",
                                      NULL), ==, 0);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "bypass", "add", "[::1]",
                                      "*.Pinned.example", NULL),
                   ==, 0);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &out, NULL, "bypass", "list", NULL), ==, 0);
  assert_matches ("^bank\\.example$", out);
  assert_matches ("^::1$", out);
  assert_matches ("^\\*\\.pinned\\.example$", out);
  g_assert_null (strstr (strstr (out, "bank.example\n") + 1, "bank.example\n"));

  /* The list is the https-bypass setting the proxy reads. */
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &setting, NULL, "settings", "get",
                                      "https-bypass", NULL), ==, 0);
  g_assert_nonnull (strstr (setting, ",bank.example"));

  /* Removing an absent entry fails and changes nothing. */
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, &err, "bypass", "remove",
                                      "absent.example", NULL), ==, 1);
  g_assert_nonnull (strstr (err, "absent.example"));
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, &covered_err, "bypass", "remove",
                                      "www.pinned.example",
                                      NULL), ==, 1);
  g_assert_nonnull (strstr (covered_err, "covers it"));
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &unchanged, NULL, "bypass", "list", NULL),
                   ==, 0);
  g_assert_cmpstr (unchanged, ==, out);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "bypass", "remove", "BANK.example",
                                      NULL), ==, 0);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &after_remove, NULL, "bypass", "list", NULL),
                   ==, 0);
  g_assert_null (strstr (after_remove, "bank.example"));
  assert_matches ("^::1$", after_remove);
}

static void
test_bypass_usage (Fixture       *f,
                   gconstpointer  data)
{
  static const char * const invalid[] = {
    "bad..example", "https://bank.example/", "bank.example:443", "*", "www.*.example",
  };
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *help = NULL;

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &before, NULL, "bypass", "list", NULL), ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autofree char *err = NULL;
      g_autofree char *remove_err = NULL;

      g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, &err, "bypass", "add", invalid[i],
                                          NULL), ==, 2);
      g_assert_nonnull (strstr (err, invalid[i]));
      g_assert_nonnull (strstr (err, "temoinctl bypass add --help"));
      g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, &remove_err, "bypass", "remove",
                                          invalid[i], NULL), ==, 2);
    }
  /* A valid host with an invalid one: nothing is added. */
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "bypass", "add", "ok.example",
                                      "bad..example", NULL),
                   ==, 2);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "bypass", "add", NULL), ==, 2);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "bypass", "remove", NULL), ==, 2);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "bypass", "list", "extra", NULL),
                   ==, 2);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "bypass", NULL), ==, 2);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &after, NULL, "bypass", "list", NULL), ==, 0);
  g_assert_cmpstr (after, ==, before);

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &help, NULL, "bypass", "--help", NULL), ==, 0);
  assert_matches ("^Usage: temoinctl bypass COMMAND", help);
  assert_matches ("^  list +", help);
  assert_matches ("^  add +", help);
  assert_matches ("^  remove +", help);
}

static void
test_settings_https_inspection (Fixture       *f,
                                gconstpointer  data)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &before, NULL, "settings", "get",
                                      "https-inspection", NULL), ==, 0);
  g_assert_cmpstr (before, ==, "false\n");
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, NULL, "settings", "set",
                                      "https-inspection", "on", NULL),
                   ==, 0);
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, &after, NULL, "settings", "get",
                                      "https-inspection", NULL), ==, 0);
  g_assert_cmpstr (after, ==, "true\n");
  g_assert_cmpint (tm_test_temoinctl (f->data_dir, NULL, &err, "settings", "set",
                                      "https-inspection", "maybe", NULL),
                   ==, 2);
  g_assert_nonnull (strstr (err, "https-inspection"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/cli/ca/show/fails-when-there-is-none-and-says-how", test_show_without_ca);
  ADD ("/cli/ca/export/creates-it-and-prints-only-the-certificate", test_export);
  ADD ("/cli/ca/show/name-fingerprint-and-validity", test_show);
  ADD ("/cli/ca/regenerate/changes-the-fingerprint", test_regenerate);
  ADD ("/cli/ca/delete/removes-it-and-turns-inspection-off", test_delete);
  ADD ("/cli/ca/usage-errors-exit-2-and-help-exits-0", test_ca_usage);
  ADD ("/cli/bypass/list/shows-the-defaults", test_bypass_defaults);
  ADD ("/cli/bypass/add-twice-is-fine-remove-absent-fails", test_bypass_add_remove);
  ADD ("/cli/bypass/invalid-entries-exit-2-and-change-nothing", test_bypass_usage);
  ADD ("/cli/settings/https-inspection-can-be-turned-on", test_settings_https_inspection);

#undef ADD

  return g_test_run ();
}
