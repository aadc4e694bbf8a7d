/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "tm-builtin-cookies.h"
#include "tm-charter.h"
#include "tm-classifier.h"
#include "tm-rules.h"

/* Registrable domains ("sites"), cached: the policy decides >= 1 M times a second
 * and libsoup's public-suffix lookup allocates. One small cache per thread (no
 * lock on the hot path, so a proxy can decide on both cores at once), bounded:
 * it is emptied at the start of an operation when full, so pointers into it stay
 * valid during one operation. */
#define SITE_CACHE_MAX 4096
#define HOST_MAX 256

static GPrivate site_cache_key = G_PRIVATE_INIT ((GDestroyNotify) g_hash_table_unref);

/* Lower-case ASCII, no trailing dot, into @buf (HOST_MAX bytes). FALSE when too long. */
static gboolean
normalise_host (const char *host,
                char       *buf)
{
  gsize len = strlen (host);

  if (len > 1 && host[len - 1] == '.')
    len--;
  if (len >= HOST_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    buf[i] = g_ascii_tolower (host[i]);
  buf[len] = '\0';
  return TRUE;
}

/* @host already normalised. */
static char *
compute_site (const char *host)
{
  g_autofree char *ascii = NULL;
  g_autoptr(GError) error = NULL;
  const char *base;

  if (host[0] == '\0')
    return g_strdup ("");

  /* An IP address is its own site, in one spelling: "[::1]" (as in a URL) and
   * "0:0:0:0:0:0:0:1" are "::1", so that one address is one site however it is
   * written. Strict: "1.2.3" is a name here, as for inet_pton(). */
  {
    gsize len = strlen (host);
    g_autofree char *inner = NULL;
    g_autoptr(GInetAddress) address = NULL;

    if (len > 2 && host[0] == '[' && host[len - 1] == ']')
      inner = g_strndup (host + 1, len - 2);
    address = g_inet_address_new_from_string (inner != NULL ? inner : host);
    if (address != NULL)
      {
        g_autofree char *text = g_inet_address_to_string (address);

        return g_ascii_strdown (text, -1);
      }
  }

  if (!g_str_is_ascii (host))
    {
      /* A host that is not UTF-8 is its own site, as one IDN cannot convert;
       * g_hostname_to_ascii() would read past its end. */
      if (!g_utf8_validate (host, -1, NULL))
        return g_strdup (host);
      ascii = g_hostname_to_ascii (host);
      if (ascii == NULL)
        return g_strdup (host);
      host = ascii;
    }
  base = soup_tld_get_base_domain (host, &error);
  if (base != NULL)
    return g_ascii_strdown (base, -1);

  /* libsoup's list has no default rule: a name under a top-level domain it does
   * not know (site-a.test, printer.lan) has "no base domain". Browsers apply the
   * list's implicit "*" rule (URL Standard): the site is the last two labels. */
  if (g_error_matches (error, SOUP_TLD_ERROR, SOUP_TLD_ERROR_NO_BASE_DOMAIN))
    {
      const char *last_dot = strrchr (host, '.');
      const char *dot = last_dot;

      if (last_dot != NULL && last_dot != host && last_dot[1] != '\0')
        {
          while (dot > host && dot[-1] != '.')
            dot--;
          if (dot != last_dot)
            return g_ascii_strdown (dot, -1);
        }
    }

  /* IP addresses, "localhost" and other single labels, public suffixes
   * themselves: the host is its own site. */
  return g_ascii_strdown (host, -1);
}

/* (transfer none): valid until the next operation empties @cache. */
static const char *
site_lookup (GHashTable *cache,
             const char *host)
{
  char buf[HOST_MAX];
  const char *site;

  if (!normalise_host (host, buf))
    {
      /* Too long for a DNS name (and the buffer): cached under its lower-case
       * form all the same, so the returned pointer lives like the others. */
      g_autofree char *low = g_ascii_strdown (host, -1);
      site = g_hash_table_lookup (cache, low);
      if (site == NULL)
        {
          site = compute_site (low);
          g_hash_table_insert (cache, g_steal_pointer (&low), (char *) site);
        }
      return site;
    }

  site = g_hash_table_lookup (cache, buf);
  if (site == NULL)
    {
      site = compute_site (buf);
      g_hash_table_insert (cache, g_strdup (buf), (char *) site);
    }
  return site;
}

/* This thread's cache, ready for one operation (at most two insertions). */
static GHashTable *
site_cache_begin (void)
{
  GHashTable *cache = g_private_get (&site_cache_key);

  if (cache == NULL)
    {
      cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_private_set (&site_cache_key, cache);
    }
  else if (g_hash_table_size (cache) >= SITE_CACHE_MAX)
    g_hash_table_remove_all (cache);
  return cache;
}

/**
 * tm_site_for_host:
 * @host: a host name or IP address
 *
 * The registrable domain of @host (libsoup's public-suffix list), lower case and
 * without a trailing dot, or @host itself for IP addresses, `localhost` and hosts
 * without one.
 * Returns: (transfer full)
 */
char *
tm_site_for_host (const char *host)
{
  g_return_val_if_fail (host != NULL, NULL);

  return g_strdup (site_lookup (site_cache_begin (), host));
}

/**
 * tm_site_is_same:
 * Whether @host_a and @host_b belong to the same site (registrable domain, or
 * the same host when there is none). An empty host (an unknown site) is never the
 * same as anything.
 */
gboolean
tm_site_is_same (const char *host_a,
                 const char *host_b)
{
  GHashTable *cache;

  g_return_val_if_fail (host_a != NULL, FALSE);
  g_return_val_if_fail (host_b != NULL, FALSE);

  if (host_a[0] == '\0' || host_b[0] == '\0')
    return FALSE;

  cache = site_cache_begin ();
  return g_str_equal (site_lookup (cache, host_a), site_lookup (cache, host_b));
}

/* tm_site_is_same() for the hot path: equal hosts need no lookup. */
static gboolean
site_is_same_fast (const char *host_a,
                   const char *host_b)
{
  if (host_a[0] == '\0' || host_b[0] == '\0')
    return FALSE;
  if (g_ascii_strcasecmp (host_a, host_b) == 0)
    return TRUE;
  return tm_site_is_same (host_a, host_b);
}

/* Equal as hosts: ASCII case and one trailing dot ignored. */
static gboolean
host_equal (const char *a,
            const char *b,
            gsize       b_len)
{
  gsize a_len = strlen (a);

  if (a_len > 1 && a[a_len - 1] == '.')
    a_len--;
  return a_len == b_len && g_ascii_strncasecmp (a, b, a_len) == 0;
}

struct _TmClassifier
{
  GObject parent_instance;

  /* The charter's table: name -> const TmCharterCookie *. */
  GHashTable *charter;
  const char *charter_host;
  gsize       charter_host_len;

  /* Built-in knowledge: exact name -> const TmBuiltinCookie *, and prefixes
   * longest first (the first that matches is the longest). */
  GHashTable *builtin_exact;
  GPtrArray  *builtin_prefixes;

  /* The user's rules (nullable): overrides, site exceptions, databases. */
  TmRules    *rules;
};

G_DEFINE_FINAL_TYPE (TmClassifier, tm_classifier, G_TYPE_OBJECT)

static int
compare_prefix_length (gconstpointer a,
                       gconstpointer b)
{
  const TmBuiltinCookie *ca = *(const TmBuiltinCookie * const *) a;
  const TmBuiltinCookie *cb = *(const TmBuiltinCookie * const *) b;
  gsize la = strlen (ca->pattern), lb = strlen (cb->pattern);

  if (la != lb)
    return la > lb ? -1 : 1;
  return strcmp (ca->pattern, cb->pattern);
}

static void
tm_classifier_finalize (GObject *object)
{
  TmClassifier *self = TM_CLASSIFIER (object);

  g_clear_pointer (&self->charter, g_hash_table_unref);
  g_clear_pointer (&self->builtin_exact, g_hash_table_unref);
  g_clear_pointer (&self->builtin_prefixes, g_ptr_array_unref);
  g_clear_object (&self->rules);

  G_OBJECT_CLASS (tm_classifier_parent_class)->finalize (object);
}

static void
tm_classifier_class_init (TmClassifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tm_classifier_finalize;
}

static void
tm_classifier_init (TmClassifier *self)
{
  const TmCharterCookie *charter_cookies;
  const TmBuiltinCookie *builtin;
  gsize n;

  self->charter = g_hash_table_new (g_str_hash, g_str_equal);
  charter_cookies = tm_charter_get_cookies (&n);
  for (gsize i = 0; i < n; i++)
    g_hash_table_insert (self->charter, (gpointer) charter_cookies[i].cookie,
                         (gpointer) &charter_cookies[i]);
  self->charter_host = tm_charter_get_host ();
  self->charter_host_len = strlen (self->charter_host);

  self->builtin_exact = g_hash_table_new (g_str_hash, g_str_equal);
  self->builtin_prefixes = g_ptr_array_new ();
  builtin = tm_builtin_cookies_get (&n);
  for (gsize i = 0; i < n; i++)
    {
      gsize len = strlen (builtin[i].pattern);

      if (len > 1 && builtin[i].pattern[len - 1] == '*')
        g_ptr_array_add (self->builtin_prefixes, (gpointer) &builtin[i]);
      else
        g_hash_table_insert (self->builtin_exact, (gpointer) builtin[i].pattern,
                             (gpointer) &builtin[i]);
    }
  g_ptr_array_sort (self->builtin_prefixes, compare_prefix_length);
}

/**
 * tm_classifier_new:
 * A classifier that knows the charter's table and Témoin's built-in knowledge.
 * It is immutable once made: several threads may classify with it at once.
 * Returns: (transfer full)
 */
TmClassifier *
tm_classifier_new (void)
{
  return g_object_new (TM_TYPE_CLASSIFIER, NULL);
}

/**
 * tm_classifier_set_rules:
 * @self: a #TmClassifier
 * @rules: (nullable): the user's rules, or %NULL for none
 *
 * Makes the classifier consult @rules: overrides and site exceptions before
 * everything else, an imported cookie database after built-in knowledge. Call
 * it before the classifier is shared between threads; @rules may reload at any
 * time (its lookups are thread-safe).
 */
void
tm_classifier_set_rules (TmClassifier *self,
                         TmRules      *rules)
{
  g_return_if_fail (TM_IS_CLASSIFIER (self));
  g_return_if_fail (rules == NULL || TM_IS_RULES (rules));

  g_set_object (&self->rules, rules);
}

/**
 * tm_classifier_get_rules:
 * @self: a #TmClassifier
 *
 * Returns: (transfer none) (nullable): the rules it consults
 */
TmRules *
tm_classifier_get_rules (TmClassifier *self)
{
  g_return_val_if_fail (TM_IS_CLASSIFIER (self), NULL);
  return self->rules;
}

static const TmBuiltinCookie *
lookup_builtin (TmClassifier *self,
                const char   *name)
{
  const TmBuiltinCookie *entry = g_hash_table_lookup (self->builtin_exact, name);

  if (entry != NULL)
    return entry;
  for (guint i = 0; i < self->builtin_prefixes->len; i++)
    {
      const TmBuiltinCookie *c = g_ptr_array_index (self->builtin_prefixes, i);

      /* The pattern is the prefix plus '*'. */
      if (c->pattern[0] == name[0]
          && strncmp (name, c->pattern, strlen (c->pattern) - 1) == 0)
        return c;
    }
  return NULL;
}

/**
 * tm_classifier_classify:
 * @cookie_name: the cookie's name ("" for a nameless cookie)
 * @context: where it is set or sent
 * @out: (out caller-allocates): the classification
 *
 * First match wins: the user's override for this cookie on this site, the
 * user's exception for the site (every cookie kept), the charter's table (for
 * the charter's host only), built-in knowledge, an imported cookie database,
 * then context. Apart from the user's word (which sets the categories exactly),
 * a cookie of another site than the top-level one also carries
 * %TM_CATEGORY_THIRD_PARTY.
 */
void
tm_classifier_classify (TmClassifier          *self,
                        const char            *cookie_name,
                        const TmCookieContext *context,
                        TmClassification      *out)
{
  const TmCharterCookie *charter_cookie = NULL;
  const TmBuiltinCookie *builtin;
  TmRulesDatabaseMatch match;
  TmCategories override_categories;
  const char *rule_site, *rule_name;
  gboolean third_party;

  g_return_if_fail (TM_IS_CLASSIFIER (self));
  g_return_if_fail (cookie_name != NULL);
  g_return_if_fail (context != NULL && context->host != NULL);
  g_return_if_fail (out != NULL);

  third_party = context->top_site != NULL
                && !site_is_same_fast (context->host, context->top_site);

  out->third_party = third_party;
  out->host = context->host;
  out->top_site = context->top_site;
  out->label = NULL;
  out->rule = NULL;

  /* 1. The user's word: it sets the categories exactly, without the
   *    third-party rule below. An override names a cookie on a site... */
  if (self->rules != NULL
      && tm_rules_lookup_override (self->rules, context->host, cookie_name,
                                   &override_categories, &rule_site, &rule_name))
    {
      out->source = TM_SOURCE_OVERRIDE;
      out->categories = override_categories;
      /* The purpose is the most demanding category given. */
      out->purpose = TM_CATEGORY_NECESSARY;
      for (TmCategory c = TM_CATEGORY_STATISTICS; c < TM_N_CATEGORIES; c++)
        if (override_categories & TM_CATEGORY_BIT (c))
          out->purpose = c;
      out->rule = rule_name;
      out->label = rule_site;
      return;
    }
  /* ... an exception keeps every cookie of a site. */
  if (self->rules != NULL
      && tm_rules_site_is_excepted (self->rules, context->host, &rule_site))
    {
      out->source = TM_SOURCE_EXCEPTION;
      out->purpose = TM_CATEGORY_NECESSARY;
      out->categories = TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY);
      out->rule = rule_site;
      out->label = rule_site;
      return;
    }

  /* 2. The charter's own table, for the charter's host. */
  if (host_equal (context->host, self->charter_host, self->charter_host_len))
    charter_cookie = g_hash_table_lookup (self->charter, cookie_name);
  if (charter_cookie != NULL)
    {
      out->source = TM_SOURCE_CHARTER;
      out->purpose = charter_cookie->category;
      out->rule = charter_cookie->cookie;
      out->label = "Opendatasoft";
      goto done;
    }

  /* 3. Built-in knowledge. */
  builtin = lookup_builtin (self, cookie_name);
  if (builtin != NULL)
    {
      out->source = TM_SOURCE_BUILTIN;
      out->rule = builtin->pattern;
      out->label = builtin->label;
      switch (builtin->kind)
        {
        case TM_BUILTIN_NECESSARY:
          out->purpose = TM_CATEGORY_NECESSARY;
          break;
        case TM_BUILTIN_STATISTICS:
          out->purpose = TM_CATEGORY_STATISTICS;
          break;
        case TM_BUILTIN_ADVERTISING:
        default:
          out->purpose = third_party ? TM_CATEGORY_THIRD_PARTY : TM_CATEGORY_FIRST_PARTY;
          break;
        }
      goto done;
    }

  /* 4. An imported cookie database. */
  if (self->rules != NULL
      && tm_rules_lookup_database (self->rules, context->host, cookie_name, &match))
    {
      out->source = TM_SOURCE_DATABASE;
      out->rule = match.pattern;
      out->label = match.platform;
      switch (match.purpose)
        {
        case TM_RULES_PURPOSE_NECESSARY:
          out->purpose = TM_CATEGORY_NECESSARY;
          break;
        case TM_RULES_PURPOSE_STATISTICS:
          out->purpose = TM_CATEGORY_STATISTICS;
          break;
        case TM_RULES_PURPOSE_FIRST_PARTY:
          out->purpose = TM_CATEGORY_FIRST_PARTY;
          break;
        case TM_RULES_PURPOSE_BY_CONTEXT:
        default:
          out->purpose = third_party ? TM_CATEGORY_THIRD_PARTY : TM_CATEGORY_FIRST_PARTY;
          break;
        }
      goto done;
    }

  /* 5. Context. */
  out->source = TM_SOURCE_CONTEXT;
  out->purpose = third_party ? TM_CATEGORY_THIRD_PARTY : TM_CATEGORY_FIRST_PARTY;

done:
  out->categories = TM_CATEGORY_BIT (out->purpose);
  if (third_party)
    out->categories |= TM_CATEGORY_BIT (TM_CATEGORY_THIRD_PARTY);
}

const char *
tm_source_to_id (TmSource source)
{
  static const char *ids[] = {
    "override", "exception", "charter", "builtin", "database", "context",
  };

  g_return_val_if_fail (source <= TM_SOURCE_CONTEXT, NULL);
  return ids[source];
}

/* The source whose tm_source_to_id() is @id (nullable): FALSE when none is. */
gboolean
tm_source_from_id (const char *id,
                   TmSource   *out_source)
{
  g_return_val_if_fail (out_source != NULL, FALSE);

  for (TmSource source = TM_SOURCE_OVERRIDE; source <= TM_SOURCE_CONTEXT; source++)
    if (g_strcmp0 (id, tm_source_to_id (source)) == 0)
      {
        *out_source = source;
        return TRUE;
      }
  return FALSE;
}

/* The host of @url, lower case; NULL when it has none or does not parse. */
static char *
host_of_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *host;

  if (url == NULL || url[0] == '\0' || g_str_equal (url, "null"))
    return NULL;
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL)
    return NULL;
  host = g_uri_get_host (uri);
  if (host == NULL || host[0] == '\0')
    return NULL;
  return g_ascii_strdown (host, -1);
}

char *
tm_context_top_site_from_request (const char *host,
                                  const char *sec_fetch_site,
                                  const char *sec_fetch_dest,
                                  const char *origin,
                                  const char *referer)
{
  char *other;

  g_return_val_if_fail (host != NULL, NULL);

  /* A top-level navigation is its own top level, whoever linked to it. */
  if (sec_fetch_dest != NULL && g_ascii_strcasecmp (sec_fetch_dest, "document") == 0)
    return g_strdup (host);

  if (sec_fetch_site != NULL)
    {
      if (g_ascii_strcasecmp (sec_fetch_site, "same-origin") == 0
          || g_ascii_strcasecmp (sec_fetch_site, "same-site") == 0
          || g_ascii_strcasecmp (sec_fetch_site, "none") == 0)
        return g_strdup (host);
      if (g_ascii_strcasecmp (sec_fetch_site, "cross-site") == 0)
        {
          other = host_of_url (origin);
          if (other == NULL)
            other = host_of_url (referer);
          return other != NULL ? other : g_strdup ("");
        }
      /* An unknown value: as if the browser had said nothing. */
    }

  other = host_of_url (origin);
  if (other == NULL)
    other = host_of_url (referer);
  return other != NULL ? other : g_strdup (host);
}
