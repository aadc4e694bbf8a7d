/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tm-i18n.h"

/* glibc's catalogue cache generation: bumping it makes gettext() look up the
 * catalogues again after LANGUAGE changes (without it, glibc keeps returning the
 * translation it cached). */
extern int _nl_msg_cat_cntr;

/* Everything here is process-wide, like the locale itself. */
G_LOCK_DEFINE_STATIC (i18n);
static char *localedir;
static char **system_languages;   /* g_get_language_names() at init */
static char **languages;          /* offered, "en" first */
static char *default_language;
static char *current_language;
static GHashTable *catalogs;      /* language → TmCatalog, or NULL when it has none */

static const struct {
  const char *code;
  const char *name;
} language_names[] = {
  { "ar", "العربية" },
  { "ca", "Català" },
  { "cs", "Čeština" },
  { "da", "Dansk" },
  { "de", "Deutsch" },
  { "el", "Ελληνικά" },
  { "en", "English" },
  { "en_GB", "English (United Kingdom)" },
  { "eo", "Esperanto" },
  { "es", "Español" },
  { "eu", "Euskara" },
  { "fi", "Suomi" },
  { "fr", "Français" },
  { "gl", "Galego" },
  { "he", "עברית" },
  { "hu", "Magyar" },
  { "id", "Bahasa Indonesia" },
  { "it", "Italiano" },
  { "ja", "日本語" },
  { "ko", "한국어" },
  { "nb", "Norsk bokmål" },
  { "nl", "Nederlands" },
  { "oc", "Occitan" },
  { "pl", "Polski" },
  { "pt", "Português" },
  { "pt_BR", "Português do Brasil" },
  { "ro", "Română" },
  { "ru", "Русский" },
  { "sv", "Svenska" },
  { "tr", "Türkçe" },
  { "uk", "Українська" },
  { "zh_CN", "简体中文" },
  { "zh_TW", "繁體中文" },
};

/* Only plain directory names can be language codes ("fr", "pt_BR", "sr@latin"). */
static gboolean
is_language_code (const char *name)
{
  if (name == NULL || !g_ascii_isalpha (name[0]))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '@' && *p != '-')
      return FALSE;
  return TRUE;
}

static int
compare_languages (gconstpointer a,
                   gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static char **
scan_languages (const char *dir)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) gdir = g_dir_open (dir, 0, NULL);
  g_autofree char *mo_name = g_strconcat (GETTEXT_PACKAGE, ".mo", NULL);
  const char *name;

  if (gdir != NULL)
    while ((name = g_dir_read_name (gdir)) != NULL)
      {
        g_autofree char *mo = NULL;

        if (!is_language_code (name) || g_str_equal (name, "en"))
          continue;
        mo = g_build_filename (dir, name, "LC_MESSAGES", mo_name, NULL);
        if (g_file_test (mo, G_FILE_TEST_IS_REGULAR))
          g_ptr_array_add (found, g_strdup (name));
      }
  else
    g_debug ("No locale directory at %s: only English is offered", dir);

  g_ptr_array_sort (found, compare_languages);
  g_ptr_array_insert (found, 0, g_strdup ("en"));
  g_ptr_array_add (found, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&found), FALSE);
}

/* "fr_CA.UTF-8@euro" → "fr_CA"; drops the codeset and modifier. */
static char *
strip_codeset (const char *name)
{
  gsize len = strcspn (name, ".@");

  return g_strndup (name, len);
}

static char *
compute_default_language (void)
{
  for (guint i = 0; system_languages != NULL && system_languages[i] != NULL; i++)
    {
      const char *name = system_languages[i];
      g_autofree char *base = NULL;
      g_autofree char *lang = NULL;

      if (g_str_equal (name, "C") || g_str_equal (name, "POSIX") || *name == '\0')
        continue;

      /* Most specific first: "pt_BR" before "pt". */
      if (tm_i18n_is_offered (name))
        return g_strdup (name);
      base = strip_codeset (name);
      if (tm_i18n_is_offered (base))
        return g_steal_pointer (&base);
      lang = g_strndup (base, strcspn (base, "_"));
      if (tm_i18n_is_offered (lang))
        return g_steal_pointer (&lang);
    }
  return g_strdup ("en");
}

/* The system's languages, in order of preference, as gettext would read them
 * (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), recorded once. */
static void
record_system_languages (void)
{
  if (system_languages == NULL)
    system_languages = g_strdupv ((char **) g_get_language_names ());
}

void
tm_i18n_init (void)
{
  const char *locale;

  locale = setlocale (LC_ALL, "");
  /* glibc ignores LANGUAGE under "C" but honours it under "C.UTF-8"; a locale
   * that is not generated makes setlocale() fail altogether. */
  if (locale == NULL || g_str_equal (locale, "C") || g_str_equal (locale, "POSIX"))
    {
      if (setlocale (LC_ALL, "C.UTF-8") == NULL)
        g_warning ("Neither the system locale nor C.UTF-8 is available: "
                   "messages stay in English");
    }
  else
    {
      /* A mixed locale (only LC_CTYPE set, as some containers and CI do) leaves
       * LC_MESSAGES at "C", where LANGUAGE is ignored too. */
      const char *messages = setlocale (LC_MESSAGES, NULL);

      if (messages == NULL || g_str_equal (messages, "C") || g_str_equal (messages, "POSIX"))
        setlocale (LC_MESSAGES, "C.UTF-8");
    }

  bindtextdomain (GETTEXT_PACKAGE, tm_i18n_get_localedir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  /* g_dgettext() (behind _()) decides once, at its first call, whether to
   * translate at all: if by then textdomain() names our domain, that domain has no
   * catalogue for the current language (English: none) and the locale is neither
   * "C" nor "en_*" (C.UTF-8 is neither), it never translates again, and switching
   * to French at run time would silently keep English. Make that first call while
   * the default domain is still "messages", which settles it on translating; then
   * name our domain, which GtkBuilder's templates and plain gettext() use. */
  g_dgettext (GETTEXT_PACKAGE, "");
  textdomain (GETTEXT_PACKAGE);

  G_LOCK (i18n);
  record_system_languages ();
  G_UNLOCK (i18n);

  /* Apply the default now: when the locale fell back to C.UTF-8 (the system's
   * locale is not generated), LANGUAGE is what makes gettext follow the system
   * language. */
  tm_i18n_set_language (tm_i18n_get_default_language ());
}

/**
 * tm_i18n_find_build_root:
 *
 * When the running program is an uninstalled one of a meson build tree
 * (`BUILD/src/cli/temoinctl`, `BUILD/src/app/temoin`), that tree's root, so that
 * it finds its own catalogues (and the app its schemas) without any variable set.
 *
 * Returns: (transfer full) (nullable): the build root, or %NULL when installed
 */
char *
tm_i18n_find_build_root (void)
{
  g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *dir = NULL;
  g_autofree char *root = NULL;
  g_autofree char *marker = NULL;

  if (exe == NULL)
    return NULL;
  dir = g_path_get_dirname (exe);                                  /* BUILD/src/cli */
  root = g_build_filename (dir, "..", "..", NULL);                 /* BUILD */
  marker = g_build_filename (root, "meson-private", NULL);
  if (!g_file_test (marker, G_FILE_TEST_IS_DIR))
    return NULL;
  return g_canonicalize_filename (root, NULL);
}

/**
 * tm_i18n_get_localedir:
 *
 * Returns: `$TEMOIN_LOCALEDIR` when set, else the build tree's `po/` when the
 *   program runs uninstalled from one, else the configured LOCALEDIR
 */
const char *
tm_i18n_get_localedir (void)
{
  const char *dir;

  G_LOCK (i18n);
  if (localedir == NULL)
    {
      const char *env = g_getenv ("TEMOIN_LOCALEDIR");
      g_autofree char *build_root = NULL;

      if (env != NULL && *env != '\0')
        localedir = g_strdup (env);
      else if ((build_root = tm_i18n_find_build_root ()) != NULL)
        localedir = g_build_filename (build_root, "po", NULL);
      else
        localedir = g_strdup (LOCALEDIR);
    }
  dir = localedir;
  G_UNLOCK (i18n);
  return dir;
}

/**
 * tm_i18n_get_languages:
 *
 * The offered languages: "en" plus every language with a compiled catalogue of
 * our domain in tm_i18n_get_localedir(), sorted, "en" first. Read once.
 *
 * Returns: (transfer none) (array zero-terminated=1): the language codes
 */
const char * const *
tm_i18n_get_languages (void)
{
  const char *dir = tm_i18n_get_localedir ();
  const char * const *result;

  G_LOCK (i18n);
  if (languages == NULL)
    languages = scan_languages (dir);
  result = (const char * const *) languages;
  G_UNLOCK (i18n);
  return result;
}

/**
 * tm_i18n_is_offered:
 * @language: a language code
 *
 * Returns: whether @language is one of tm_i18n_get_languages()
 */
gboolean
tm_i18n_is_offered (const char *language)
{
  g_return_val_if_fail (language != NULL, FALSE);

  return g_strv_contains (tm_i18n_get_languages (), language);
}

/**
 * tm_i18n_get_default_language:
 *
 * The first of the system's preferred languages that is offered ("fr_CA.UTF-8"
 * matches "fr", "pt_BR" is preferred to "pt"), else "en". Works before
 * tm_i18n_init() too, and with no locale variable set at all.
 *
 * Returns: a language code
 */
const char *
tm_i18n_get_default_language (void)
{
  const char *result;
  g_autofree char *computed = NULL;

  G_LOCK (i18n);
  record_system_languages ();
  result = default_language;
  G_UNLOCK (i18n);
  if (result != NULL)
    return result;

  computed = compute_default_language ();

  G_LOCK (i18n);
  if (default_language == NULL)
    default_language = g_steal_pointer (&computed);
  result = default_language;
  G_UNLOCK (i18n);
  return result;
}

/**
 * tm_i18n_get_language:
 *
 * Returns: the language gettext currently answers in (the default language
 *   until tm_i18n_set_language() is called)
 */
const char *
tm_i18n_get_language (void)
{
  const char *result;

  G_LOCK (i18n);
  result = current_language;
  G_UNLOCK (i18n);
  return result != NULL ? result : tm_i18n_get_default_language ();
}

/**
 * tm_i18n_set_language:
 * @language: a language code, usually one of tm_i18n_get_languages()
 *
 * Makes gettext (`_()`) answer in @language from now on, at once: sets
 * `LANGUAGE` (to "en" for English, so glibc stops at the msgids) and makes glibc
 * drop its cached translations. Not thread-safe (it changes the environment):
 * call it from the main thread.
 */
void
tm_i18n_set_language (const char *language)
{
  g_return_if_fail (language != NULL && is_language_code (language));

  /* The system's preference must be read before LANGUAGE is overwritten. */
  G_LOCK (i18n);
  record_system_languages ();
  G_UNLOCK (i18n);

  g_setenv ("LANGUAGE", language, TRUE);
  ++_nl_msg_cat_cntr;

  G_LOCK (i18n);
  if (g_strcmp0 (current_language, language) != 0)
    {
      g_free (current_language);
      current_language = g_strdup (language);
    }
  G_UNLOCK (i18n);
}

/**
 * tm_i18n_get_language_name:
 * @language: a language code
 *
 * Returns: the language's name in itself ("Français"), or @language when it is
 *   not known
 */
const char *
tm_i18n_get_language_name (const char *language)
{
  g_return_val_if_fail (language != NULL, NULL);

  for (guint i = 0; i < G_N_ELEMENTS (language_names); i++)
    if (g_str_equal (language, language_names[i].code))
      return language_names[i].name;
  return language;
}

/**
 * tm_i18n_get_catalog:
 * @language: a language code
 *
 * Reads the compiled catalogue of @language once and keeps it.
 *
 * Returns: (transfer none) (nullable): the catalogue of @language; %NULL for
 *   "en" (the msgids) and for a language without a readable catalogue
 */
TmCatalog *
tm_i18n_get_catalog (const char *language)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCatalog) loaded = NULL;
  TmCatalog *result = NULL;
  gboolean known;

  g_return_val_if_fail (language != NULL, NULL);

  if (g_str_equal (language, "en"))
    return NULL;

  G_LOCK (i18n);
  if (catalogs == NULL)
    catalogs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                      (GDestroyNotify) tm_catalog_unref);
  known = g_hash_table_lookup_extended (catalogs, language, NULL, (gpointer *) &result);
  G_UNLOCK (i18n);
  if (known)
    return result;

  loaded = tm_catalog_new_for_language (tm_i18n_get_localedir (), GETTEXT_PACKAGE,
                                        language, &error);
  if (loaded == NULL)
    {
      /* An offered language whose catalogue cannot be read is a broken install. */
      if (tm_i18n_is_offered (language))
        g_warning ("Showing English instead of “%s”: %s", language, error->message);
      else
        g_debug ("No translations for “%s”: %s", language, error->message);
    }

  G_LOCK (i18n);
  if (!g_hash_table_lookup_extended (catalogs, language, NULL, (gpointer *) &result))
    {
      result = loaded;
      g_hash_table_insert (catalogs, g_strdup (language), g_steal_pointer (&loaded));
    }
  G_UNLOCK (i18n);
  return result;
}

/**
 * tm_i18n_translate:
 * @language: a language code
 * @msgid: an untranslated string
 *
 * Returns: @msgid in @language, whatever the current language (@msgid itself
 *   when it has no translation there)
 */
const char *
tm_i18n_translate (const char *language,
                   const char *msgid)
{
  g_return_val_if_fail (language != NULL, NULL);
  g_return_val_if_fail (msgid != NULL, NULL);

  return tm_catalog_lookup (tm_i18n_get_catalog (language), msgid);
}
