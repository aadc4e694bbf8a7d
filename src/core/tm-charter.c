/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-charter.h"
#include "tm-i18n.h"

/* The cookie charter of the Opendatasoft portal do101mtl.opendatasoft.com
 * (seed/000_ce49b87fcf274ce3.txt). The French original is binding: it is the
 * French translation of these English msgids in po/fr.po, word for word. This
 * file is the only place the charter's text lives. */

#define CHARTER_HOST "do101mtl.opendatasoft.com"
#define CHARTER_URL  "https://" CHARTER_HOST

static const TmCharterBlock charter_blocks[] = {
  {
    TM_CHARTER_BLOCK_TITLE,
    /* Translators: the charter of cookies of the do101mtl.opendatasoft.com portal.
       Its French text is the binding original: the French translation of every
       charter string reproduces it word for word and must not be reworded. Other
       languages translate it faithfully. */
    N_("Cookie charter"),
    -1,
  },
  {
    TM_CHARTER_BLOCK_PARAGRAPH,
    /* Translators: charter text; see "Cookie charter". */
    N_("In order to offer you the best possible service, we use cookies to make sure "
       "it works properly."),
    -1,
  },
  {
    TM_CHARTER_BLOCK_HEADING,
    /* Translators: charter heading; see "Cookie charter". */
    N_("What is a cookie?"),
    -1,
  },
  {
    TM_CHARTER_BLOCK_PARAGRAPH,
    /* Translators: charter text; see "Cookie charter". */
    N_("A “cookie” is a piece of information, usually small and identified by a name, "
       "that a website you connect to may send to your browser. Your web browser will "
       "keep it for a certain time and send it back to the web server each time you "
       "connect to it again. Cookies have many uses: they can be used to remember your "
       "customer ID on a shopping site, the current contents of your shopping cart, an "
       "identifier used to track your browsing for statistical or advertising purposes, "
       "and so on."),
    -1,
  },
  {
    TM_CHARTER_BLOCK_PARAGRAPH,
    /* Translators: charter text; see "Cookie charter". */
    N_("There are several types of cookies:"),
    -1,
  },
  {
    TM_CHARTER_BLOCK_PARAGRAPH,
    /* Translators: charter text describing the "necessary" category; see
       "Cookie charter". */
    N_("“Necessary” cookies, set by the site itself, make it possible to record "
       "information between two visits to the same website on the same device. They "
       "make it possible to keep a shopping cart, login details or interface "
       "personalization settings. They do not require the user’s consent."),
    TM_CATEGORY_NECESSARY,
  },
  {
    TM_CHARTER_BLOCK_PARAGRAPH,
    /* Translators: charter text describing the "statistics" category; see
       "Cookie charter". */
    N_("“Statistics” cookies make it possible to follow a user’s actions on a website. "
       "When the statistics are anonymous (that is, they do not make it possible to "
       "identify a person), the user’s consent is not required."),
    TM_CATEGORY_STATISTICS,
  },
  {
    TM_CHARTER_BLOCK_PARAGRAPH,
    /* Translators: charter text describing the "first-party" category; see
       "Cookie charter". */
    N_("“Internal” or “first-party” cookies are set by the website being visited. They "
       "may be set in addition to necessary cookies and may be used to collect personal "
       "data, track the user’s behavior and serve advertising purposes."),
    TM_CATEGORY_FIRST_PARTY,
  },
  {
    TM_CHARTER_BLOCK_PARAGRAPH,
    /* Translators: charter text describing the "third-party" category; the French
       original gives three names for it; see "Cookie charter". */
    N_("So-called “third-party” cookies are cookies set by (or for) a site B (often an "
       "advertising network) on a site A: this lets site B see which pages of site A a "
       "user has visited and collect information about them."),
    TM_CATEGORY_THIRD_PARTY,
  },
  {
    TM_CHARTER_BLOCK_HEADING,
    /* Translators: charter heading; keep "<https://do101mtl.opendatasoft.com>" as
       it is, angle brackets included: it is shown as a link. See "Cookie charter". */
    N_("What cookies are used for on the platform <https://do101mtl.opendatasoft.com>"),
    -1,
  },
  {
    TM_CHARTER_BLOCK_TABLE_CAPTION,
    /* Translators: caption of the charter's table of cookies; see "Cookie charter". */
    N_("Cookies needed for the platform to work properly / functional cookies"),
    -1,
  },
};

static const char * const charter_columns[] = {
  /* Translators: a column of the charter's table of cookies; see "Cookie charter". */
  N_("Provider name"),
  /* Translators: a column of the charter's table of cookies; see "Cookie charter". */
  N_("Service and location"),
  /* Translators: a column of the charter's table of cookies (the cookie's name, as
     in "sessionid"); see "Cookie charter". */
  N_("Cookie name"),
  /* Translators: a column of the charter's table of cookies (what each cookie is
     for); see "Cookie charter". */
  N_("Purposes"),
};

static const TmCharterCookie charter_cookies[] = {
  {
    /* Translators: a company's name, in the charter's table of cookies: do not
       translate it. */
    N_("Opendatasoft"),
    /* Translators: a row of the charter's table of cookies; see "Cookie charter". */
    N_("Authentication (front and back office)"),
    "sessionid",
    /* Translators: a row of the charter's table of cookies; see "Cookie charter". */
    N_("Remember the user from one page to another."),
    TM_CATEGORY_NECESSARY,
  },
  {
    N_("Opendatasoft"),
    /* Translators: a row of the charter's table of cookies; see "Cookie charter". */
    N_("Language selection (front and back office)"),
    "django_language",
    /* Translators: a row of the charter's table of cookies; see "Cookie charter". */
    N_("Remember the visitor’s language"),
    TM_CATEGORY_NECESSARY,
  },
  {
    N_("Opendatasoft"),
    /* Translators: a row of the charter's table of cookies; CSRF is cross-site
       request forgery. See "Cookie charter". */
    N_("API (CSRF) (front and back office)"),
    "csrftoken",
    /* Translators: a row of the charter's table of cookies; see "Cookie charter". */
    N_("Fetch data through API calls"),
    TM_CATEGORY_NECESSARY,
  },
  {
    N_("Opendatasoft"),
    /* Translators: a row of the charter's table of cookies; see "Cookie charter". */
    N_("Choices about your cookie preferences"),
    "cookies_preferences",
    /* Translators: a row of the charter's table of cookies; see "Cookie charter". */
    N_("Remember the choice the visitor made about cookies"),
    TM_CATEGORY_NECESSARY,
  },
};

/**
 * tm_charter_get_blocks:
 * @n_blocks: (out): the number of blocks
 *
 * Returns: (transfer none) (array length=n_blocks): the charter's blocks in
 *   reading order; the cookie table follows the %TM_CHARTER_BLOCK_TABLE_CAPTION
 */
const TmCharterBlock *
tm_charter_get_blocks (gsize *n_blocks)
{
  g_return_val_if_fail (n_blocks != NULL, NULL);

  *n_blocks = G_N_ELEMENTS (charter_blocks);
  return charter_blocks;
}

/**
 * tm_charter_get_columns:
 * @n_columns: (out): the number of columns
 *
 * Returns: (transfer none) (array length=n_columns): the msgids of the cookie
 *   table's column titles: provider, service and location, cookie, purpose
 */
const char * const *
tm_charter_get_columns (gsize *n_columns)
{
  g_return_val_if_fail (n_columns != NULL, NULL);

  *n_columns = G_N_ELEMENTS (charter_columns);
  return charter_columns;
}

/**
 * tm_charter_get_cookies:
 * @n_cookies: (out): the number of cookies
 *
 * Returns: (transfer none) (array length=n_cookies): the rows of the cookie table
 */
const TmCharterCookie *
tm_charter_get_cookies (gsize *n_cookies)
{
  g_return_val_if_fail (n_cookies != NULL, NULL);

  *n_cookies = G_N_ELEMENTS (charter_cookies);
  return charter_cookies;
}

/**
 * tm_charter_get_category_description:
 * @category: a #TmCategory
 *
 * Returns: the msgid of the charter paragraph that describes @category (pass it
 *   through _() or tm_i18n_translate())
 */
const char *
tm_charter_get_category_description (TmCategory category)
{
  g_return_val_if_fail (category < TM_N_CATEGORIES, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (charter_blocks); i++)
    if (charter_blocks[i].category == (int) category)
      return charter_blocks[i].msgid;

  g_assert_not_reached ();
}

/**
 * tm_charter_get_host:
 *
 * Returns: the host the charter is about, "do101mtl.opendatasoft.com"
 */
const char *
tm_charter_get_host (void)
{
  return CHARTER_HOST;
}

/**
 * tm_charter_get_url:
 *
 * Returns: the address of the charter's portal, "https://do101mtl.opendatasoft.com"
 */
const char *
tm_charter_get_url (void)
{
  return CHARTER_URL;
}

char *
tm_charter_render_text (TmCatalog *catalog)
{
  GString *text = g_string_new (NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (charter_blocks); i++)
    {
      if (i > 0)
        g_string_append (text, "\n\n");
      g_string_append (text, tm_catalog_lookup (catalog, charter_blocks[i].msgid));
    }
  g_string_append (text, "\n\n");

  for (gsize i = 0; i < G_N_ELEMENTS (charter_columns); i++)
    {
      if (i > 0)
        g_string_append_c (text, '\t');
      g_string_append (text, tm_catalog_lookup (catalog, charter_columns[i]));
    }
  g_string_append_c (text, '\n');

  for (gsize i = 0; i < G_N_ELEMENTS (charter_cookies); i++)
    {
      const TmCharterCookie *cookie = &charter_cookies[i];

      g_string_append_printf (text, "%s\t%s\t%s\t%s\n",
                              tm_catalog_lookup (catalog, cookie->provider),
                              tm_catalog_lookup (catalog, cookie->service),
                              cookie->cookie,
                              tm_catalog_lookup (catalog, cookie->purpose));
    }

  return g_string_free (text, FALSE);
}

/**
 * tm_charter_compute_revision:
 * @french: (nullable): the French catalogue
 *
 * The charter's revision: the SHA-256 of its French rendering, so that any change
 * to the binding wording (text or table) changes it. Without a French catalogue
 * (%NULL), the SHA-256 of "untranslated:" followed by the English rendering.
 *
 * Returns: (transfer full): 64 lowercase hexadecimal digits
 */
char *
tm_charter_compute_revision (TmCatalog *french)
{
  g_autofree char *text = tm_charter_render_text (french);

  if (french == NULL)
    {
      g_autofree char *untranslated = g_strconcat ("untranslated:", text, NULL);

      return g_compute_checksum_for_string (G_CHECKSUM_SHA256, untranslated, -1);
    }
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

/**
 * tm_charter_get_revision:
 *
 * The revision of the charter with the installed French catalogue
 * (tm_i18n_get_catalog()), computed once. An install without catalogues still
 * works: it warns once and uses the English rendering (see
 * tm_charter_compute_revision()).
 *
 * Returns: 64 lowercase hexadecimal digits
 */
const char *
tm_charter_get_revision (void)
{
  static char *revision;

  if (g_once_init_enter (&revision))
    {
      TmCatalog *french = tm_i18n_get_catalog ("fr");

      if (french == NULL)
        g_warning ("No French catalogue in %s: the charter revision is computed from "
                   "its English text; build or install the translations",
                   tm_i18n_get_localedir ());
      g_once_init_leave (&revision, tm_charter_compute_revision (french));
    }
  return revision;
}
