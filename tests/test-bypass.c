/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tm-bypass.h"
#include "tm-settings.h"
#include "tm-test-utils.h"

typedef struct {
  const char *entry;
  const char *normalized;   /* NULL: refused */
} EntryCase;

static const EntryCase entry_cases[] = {
  { "bank.example", "bank.example" },
  { "  Bank.Example.  ", "bank.example" },
  { "*.Bank.Example", "*.bank.example" },
  { "*.bank.example.", "*.bank.example" },
  { "localhost", "localhost" },
  { "my_host.lan", "my_host.lan" },
  { "xn--bcher-kva.example", "xn--bcher-kva.example" },
  { "bücher.example", "xn--bcher-kva.example" },
  { "192.0.2.1", "192.0.2.1" },
  { "::1", "::1" },
  { "[::1]", "::1" },
  { "[0:0:0:0:0:0:0:1]", "::1" },
  { "2001:DB8::1", "2001:db8::1" },
  { "", NULL },
  { "*", NULL },
  { "*.", NULL },
  { "*.*.example", NULL },
  { "www.*.example", NULL },
  { "*bank.example", NULL },
  { "*.192.0.2.1", NULL },
  { "bank.example:443", NULL },
  { "https://bank.example/", NULL },
  { "bank..example", NULL },
  { ".bank.example", NULL },
  { "-bank.example", NULL },
  { "bank-.example", NULL },
  { "10.0.0", NULL },
  { "[bank.example]", NULL },
  { "[192.0.2.1]", NULL },
  { "bank example", NULL },
  { "a.bank\xff.example", NULL },
  /* Not UTF-8: a lead byte whose sequence is cut short by the end of the string
   * ("a\xc3") or that starts no sequence at all ("a\xf9"). GLib's IDN code, which
   * expects UTF-8, read past the end of such a name and could accept it. */
  { "a\xc3", NULL },
  { "a\xf9", NULL },
  { "*.bank\xe2\x82", NULL },
};

static void
test_normalize_entry (gconstpointer data)
{
  const EntryCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *result = tm_bypass_normalize_entry (c->entry, &error);

  if (c->normalized != NULL)
    {
      g_assert_no_error (error);
      g_assert_cmpstr (result, ==, c->normalized);
    }
  else
    {
      g_assert_null (result);
      g_assert_error (error, TM_BYPASS_ERROR, TM_BYPASS_ERROR_INVALID_ENTRY);
      /* The message gives examples of what is accepted. */
      g_assert_nonnull (strstr (error->message, "*.bank.example"));
    }
}

typedef struct {
  const char *host;
  gboolean    bypassed;
} MatchCase;

/* Against the list "bank.example,*.pinned.example,192.0.2.1,2001:db8::1,bücher.example". */
static const MatchCase match_cases[] = {
  { "bank.example", TRUE },
  { "BANK.Example", TRUE },
  { "bank.example.", TRUE },
  { "www.bank.example", FALSE },       /* an exact entry is exact */
  { "otherbank.example", FALSE },
  { "bank.example.evil", FALSE },
  { "pinned.example", TRUE },          /* "*.domain" covers the domain itself */
  { "api.pinned.example", TRUE },
  { "a.b.c.PINNED.example.", TRUE },
  { "notpinned.example", FALSE },      /* not a label boundary */
  { "pinned.example.evil", FALSE },
  { "192.0.2.1", TRUE },
  { "192.0.2.10", FALSE },
  { "2001:db8::1", TRUE },
  { "[2001:DB8:0::1]", TRUE },
  { "2001:db8::2", FALSE },
  { "xn--bcher-kva.example", TRUE },
  { "Bücher.example", TRUE },
  { "example", FALSE },
  { "", FALSE },
  { "[", FALSE },
  { "b\xc3", FALSE },                  /* not UTF-8 */
  { "bank.example\xf9", FALSE },
};

static void
test_matches (gconstpointer data)
{
  const MatchCase *c = data;
  g_auto(GStrv) list =
    tm_bypass_parse ("bank.example, *.pinned.example\n192.0.2.1 [2001:DB8::1],bücher.example");

  g_assert_cmpuint (g_strv_length (list), ==, 5);
  if (c->bypassed)
    g_assert_true (tm_bypass_matches ((const char * const *) list, c->host));
  else
    g_assert_false (tm_bypass_matches ((const char * const *) list, c->host));
}

static void
test_empty_list_matches_nothing (void)
{
  g_auto(GStrv) list = tm_bypass_parse ("");
  g_auto(GStrv) null_list = tm_bypass_parse (NULL);

  g_assert_cmpuint (g_strv_length (list), ==, 0);
  g_assert_cmpuint (g_strv_length (null_list), ==, 0);
  g_assert_false (tm_bypass_matches ((const char * const *) list, "bank.example"));
}

static void
test_normalize_list (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *list = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *bad = NULL;

  list = tm_bypass_normalize_list ("b.example\n*.A.example, b.example.  192.0.2.1,,\r\n",
                                   &error);
  g_assert_no_error (error);
  g_assert_cmpstr (list, ==, "*.a.example,192.0.2.1,b.example");

  empty = tm_bypass_normalize_list (" \n ,", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (empty, ==, "");

  bad = tm_bypass_normalize_list ("good.example, bad..example", &error);
  g_assert_null (bad);
  g_assert_error (error, TM_BYPASS_ERROR, TM_BYPASS_ERROR_INVALID_ENTRY);
  g_assert_nonnull (strstr (error->message, "bad..example"));
}

static void
test_parse_and_join (void)
{
  /* A stored list with a stray invalid entry: the rest still applies. */
  g_auto(GStrv) list = tm_bypass_parse ("z.example,bad..example,A.example,a.example");
  const char * const entries[] = { "B.example", "a.example", "b.example.", "bad..host", NULL };
  g_autofree char *joined = tm_bypass_join (entries);

  g_assert_cmpuint (g_strv_length (list), ==, 2);
  g_assert_cmpstr (list[0], ==, "a.example");
  g_assert_cmpstr (list[1], ==, "z.example");
  g_assert_cmpstr (joined, ==, "a.example,b.example");
}

static void
test_default_list (void)
{
  const TmSettingInfo *info = tm_settings_lookup (TM_SETTING_HTTPS_BYPASS);
  g_auto(GStrv) list = NULL;
  g_autofree char *again = NULL;

  g_assert_nonnull (info);
  list = tm_bypass_parse (info->default_value);
  g_assert_cmpuint (g_strv_length (list), >=, 3);
  /* Pinned services are tunnelled blind out of the box; ordinary sites are not. */
  g_assert_true (tm_bypass_matches ((const char * const *) list, "gateway.icloud.com"));
  g_assert_true (tm_bypass_matches ((const char * const *) list, "chat.signal.org"));
  g_assert_false (tm_bypass_matches ((const char * const *) list, "www.example.com"));
  g_assert_false (tm_bypass_matches ((const char * const *) list, "localhost"));
  again = tm_bypass_join ((const char * const *) list);
  g_assert_cmpstr (again, ==, info->default_value);
}

/* The saved list: the defaults until something is saved, then what was saved,
 * sorted and without duplicates, as `temoinctl bypass list` and the app read it. */
static void
test_load_and_save (void)
{
  g_autofree char *dir = tm_test_make_tmp_dir ();
  g_autoptr(TmConsentStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) defaults = NULL, saved = NULL;
  g_autofree char *value = NULL;
  const char * const entries[] = { "z.example", "*.a.example", "z.example", NULL };

  store = tm_consent_store_new (dir, &error);
  g_assert_no_error (error);
  defaults = tm_bypass_load (store);
  value = tm_bypass_join ((const char * const *) defaults);
  g_assert_cmpstr (value, ==, TM_SETTING_HTTPS_BYPASS_DEFAULT);

  g_assert_true (tm_bypass_save (store, entries, &error));
  g_assert_no_error (error);
  saved = tm_bypass_load (store);
  g_assert_cmpuint (g_strv_length (saved), ==, 2);
  g_assert_cmpstr (saved[0], ==, "*.a.example");
  g_assert_cmpstr (saved[1], ==, "z.example");
  g_clear_pointer (&value, g_free);
  value = tm_consent_store_get_setting (store, TM_SETTING_HTTPS_BYPASS);
  g_assert_cmpstr (value, ==, "*.a.example,z.example");

  g_clear_object (&store);
  tm_test_rmdir (dir);
}

/* A test path component for @text: no slashes, never empty. */
static char *
path_component (const char *text)
{
  g_autofree char *escaped = g_strescape (text, NULL);

  if (*escaped == '\0')
    return g_strdup ("(empty)");
  return g_strdelimit (g_steal_pointer (&escaped), "/", '_');
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (entry_cases); i++)
    {
      g_autofree char *path = NULL;
      g_autofree char *shown = path_component (entry_cases[i].entry);

      path = g_strdup_printf ("/bypass/entry/%s/%s",
                              entry_cases[i].normalized ? "accepted" : "refused", shown);
      g_test_add_data_func (path, &entry_cases[i], test_normalize_entry);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (match_cases); i++)
    {
      g_autofree char *shown = path_component (match_cases[i].host);
      g_autofree char *path = g_strdup_printf ("/bypass/matches/%s/%s",
                                               match_cases[i].bypassed ? "bypassed"
                                                                       : "inspected",
                                               shown);

      g_test_add_data_func (path, &match_cases[i], test_matches);
    }
  g_test_add_func ("/bypass/matches/empty-list-matches-nothing", test_empty_list_matches_nothing);
  g_test_add_func ("/bypass/list/normalized-sorted-unique", test_normalize_list);
  g_test_add_func ("/bypass/list/stored-form-skips-invalid", test_parse_and_join);
  g_test_add_func ("/bypass/list/defaults-cover-pinned-services", test_default_list);
  g_test_add_func ("/bypass/list/load-and-save-the-setting", test_load_and_save);

  return g_test_run ();
}
