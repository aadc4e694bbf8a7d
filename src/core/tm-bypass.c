/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "tm-bypass.h"
#include "tm-settings.h"

/* What separates entries on input; the stored form uses commas only. */
#define SEPARATORS ", \t\r\n"

G_DEFINE_QUARK (tm-bypass-error-quark, tm_bypass_error)

/* RFC 1123 host name in lower-case ASCII: labels of letters, digits, '-' and '_'
 * (found in real names), 1 to 63 characters, not starting or ending with '-';
 * 253 characters at most. A last label of digits only would be a mistyped IPv4
 * address ("10.0.0"), which browsers read as an address, not a name. */
static gboolean
is_valid_host_name (const char *name)
{
  gsize len = strlen (name);
  const char *label = name;
  gboolean digits_only = TRUE;

  if (len == 0 || len > 253)
    return FALSE;

  for (const char *p = name;; p++)
    {
      if (*p == '.' || *p == '\0')
        {
          gsize label_len = p - label;

          if (label_len == 0 || label_len > 63 || label[0] == '-' || p[-1] == '-')
            return FALSE;
          if (*p == '\0')
            break;
          label = p + 1;
          digits_only = TRUE;
          continue;
        }
      if (!g_ascii_isdigit (*p))
        digits_only = FALSE;
      if (!g_ascii_islower (*p) && !g_ascii_isdigit (*p) && *p != '-' && *p != '_')
        return FALSE;
    }
  return !digits_only;
}

/* @host without brackets and trailing dot, lower-case ASCII; IP addresses in
 * canonical form. %NULL when it is neither a host name nor an address. */
static char *
canonical_host (const char *host,
                gboolean   *is_ip)
{
  g_autofree char *copy = g_strstrip (g_strdup (host));
  g_autofree char *ascii = NULL;
  gsize len = strlen (copy);
  char *name = copy;

  *is_ip = FALSE;
  if (len >= 2 && copy[0] == '[' && copy[len - 1] == ']')
    {
      copy[len - 1] = '\0';
      name = copy + 1;
      if (!g_hostname_is_ip_address (name) || strchr (name, ':') == NULL)
        return NULL;
    }

  if (g_hostname_is_ip_address (name))
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (name);

      if (address == NULL)
        return NULL;
      *is_ip = TRUE;
      return g_inet_address_to_string (address);
    }

  len = strlen (name);
  if (len > 0 && name[len - 1] == '.')
    name[len - 1] = '\0';

  /* International names are kept and compared in their ASCII (punycode) form.
   * g_hostname_to_ascii() wants UTF-8: it reads past the end of a string that
   * ends inside a multi-byte sequence ("a\xf9"). */
  if (!g_utf8_validate (name, -1, NULL))
    return NULL;
  ascii = g_hostname_to_ascii (name);
  if (ascii == NULL)
    return NULL;
  return g_ascii_strdown (ascii, -1);
}

/**
 * tm_bypass_normalize_entry:
 * @entry: a host name, "*.domain" or IP address, as a person typed it
 * @error: return location for a #GError
 *
 * Checks one bypass entry and returns its normalized form: lower-case ASCII
 * without a trailing dot ("*.Bank.Example." gives "*.bank.example"), IP addresses
 * in canonical form ("[0:0::1]" gives "::1").
 *
 * Returns: (transfer full) (nullable): the normalized entry, or %NULL with @error
 *   set to %TM_BYPASS_ERROR_INVALID_ENTRY and a translated message saying what
 *   is accepted
 */
char *
tm_bypass_normalize_entry (const char  *entry,
                           GError     **error)
{
  g_autofree char *host = NULL;
  const char *name;
  gboolean wildcard;
  gboolean is_ip = FALSE;

  g_return_val_if_fail (entry != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  name = entry;
  while (g_ascii_isspace (*name))
    name++;
  wildcard = g_str_has_prefix (name, "*.");
  if (wildcard)
    name += 2;

  host = canonical_host (name, &is_ip);
  if (host == NULL || (wildcard && is_ip) || (!is_ip && !is_valid_host_name (host)))
    {
      g_set_error (error, TM_BYPASS_ERROR, TM_BYPASS_ERROR_INVALID_ENTRY,
                   /* Translators: keep the examples as they are. */
                   _("“%s” is not a host name, a “*.domain” or an IP address. Write "
                     "for example bank.example, *.bank.example or 192.0.2.1."),
                   entry);
      return NULL;
    }

  return wildcard ? g_strconcat ("*.", host, NULL) : g_steal_pointer (&host);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The normalized entries of @text, sorted, without duplicates, %NULL-terminated.
 * With @error, the first invalid entry fails; without, invalid entries are left
 * out. */
static GPtrArray *
collect_entries (const char  *text,
                 GError     **error)
{
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) parts = g_strsplit_set (text, SEPARATORS, -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;
      char *normalized;

      if (parts[i][0] == '\0')
        continue;
      normalized = tm_bypass_normalize_entry (parts[i], &local_error);
      if (normalized == NULL)
        {
          if (error != NULL)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return NULL;
            }
          g_debug ("Ignoring an invalid bypass entry: %s", local_error->message);
          continue;
        }
      g_ptr_array_add (entries, normalized);
    }

  g_ptr_array_sort (entries, compare_strings);
  for (guint i = 1; i < entries->len;)
    {
      if (g_str_equal (entries->pdata[i], entries->pdata[i - 1]))
        g_ptr_array_remove_index (entries, i);
      else
        i++;
    }
  g_ptr_array_add (entries, NULL);
  return g_steal_pointer (&entries);
}

/**
 * tm_bypass_normalize_list:
 * @text: entries separated by commas, spaces or newlines (may be empty)
 * @error: return location for a #GError
 *
 * Normalizes every entry with tm_bypass_normalize_entry(), sorts them and drops
 * duplicates: the form kept in the %TM_SETTING_HTTPS_BYPASS setting.
 *
 * Returns: (transfer full) (nullable): the entries joined with commas ("" when
 *   there are none), or %NULL with @error set by the first invalid entry
 */
char *
tm_bypass_normalize_list (const char  *text,
                          GError     **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) entries = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  entries = collect_entries (text, &local_error);
  if (entries == NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_strjoinv (",", (char **) entries->pdata);
}

/**
 * tm_bypass_parse:
 * @text: (nullable): a list as stored in the %TM_SETTING_HTTPS_BYPASS setting
 *
 * Splits a list into its normalized entries. Invalid entries (a stored value is
 * checked when written, so there should be none) are left out.
 *
 * Returns: (transfer full) (array zero-terminated=1): the normalized entries,
 *   sorted, without duplicates; an empty array when there are none
 */
GStrv
tm_bypass_parse (const char *text)
{
  g_autoptr(GPtrArray) entries = collect_entries (text != NULL ? text : "", NULL);

  return (GStrv) g_ptr_array_free (g_steal_pointer (&entries), FALSE);
}

/**
 * tm_bypass_join:
 * @entries: (array zero-terminated=1): entries
 *
 * Returns: (transfer full): @entries in their stored form: normalized, sorted,
 *   without duplicates, joined with commas (invalid entries left out)
 */
char *
tm_bypass_join (const char * const *entries)
{
  g_autofree char *joined = NULL;
  g_autoptr(GPtrArray) collected = NULL;

  g_return_val_if_fail (entries != NULL, NULL);

  joined = g_strjoinv (",", (char **) entries);
  collected = collect_entries (joined, NULL);
  return g_strjoinv (",", (char **) collected->pdata);
}

/* Whether @a equals @b, ignoring case and a trailing dot on @b. */
static gboolean
equal_name (const char *a,
            gsize       a_len,
            const char *b)
{
  gsize b_len = strlen (b);

  if (b_len > 0 && b[b_len - 1] == '.')
    b_len--;
  return a_len == b_len && g_ascii_strncasecmp (a, b, a_len) == 0;
}

/**
 * tm_bypass_matches:
 * @list: (array zero-terminated=1): entries, as from tm_bypass_parse()
 * @host: a host name or IP address, as in a CONNECT request (brackets around an
 *   IPv6 address and a trailing dot are fine)
 *
 * Whether @host is on the bypass list: equal to an entry, or equal to or under
 * the domain of a "*.domain" entry. Case does not matter, nor a trailing dot.
 *
 * Returns: %TRUE when @host must be tunnelled blind
 */
gboolean
tm_bypass_matches (const char * const *list,
                   const char         *host)
{
  g_autofree char *canonical = NULL;
  gboolean is_ip = FALSE;
  gsize len;

  g_return_val_if_fail (list != NULL, FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  canonical = canonical_host (host, &is_ip);
  if (canonical == NULL || canonical[0] == '\0')
    return FALSE;
  len = strlen (canonical);

  for (guint i = 0; list[i] != NULL; i++)
    {
      const char *entry = list[i];

      if (g_str_has_prefix (entry, "*."))
        {
          const char *domain = entry + 2;
          gsize domain_len = strlen (domain);

          if (is_ip)
            continue;
          if (domain_len > 0 && domain[domain_len - 1] == '.')
            domain_len--;
          if (domain_len == 0)
            continue;
          /* The domain itself, or a name ending in ".domain". */
          if (equal_name (canonical, len, domain))
            return TRUE;
          if (len > domain_len + 1 && canonical[len - domain_len - 1] == '.' &&
              g_ascii_strncasecmp (canonical + len - domain_len, domain, domain_len) == 0)
            return TRUE;
        }
      else if (equal_name (canonical, len, entry))
        return TRUE;
    }
  return FALSE;
}

/**
 * tm_bypass_load:
 * @store: the consent store
 *
 * Returns: (transfer full): the saved list (the %TM_SETTING_HTTPS_BYPASS
 *   setting, or its default when it was never set), normalized
 */
GStrv
tm_bypass_load (TmConsentStore *store)
{
  g_autofree char *value = NULL;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), NULL);

  value = tm_consent_store_get_setting (store, TM_SETTING_HTTPS_BYPASS);
  return tm_bypass_parse (value);
}

/**
 * tm_bypass_save:
 * @store: the consent store
 * @entries: normalized entries, in any order
 * @error: return location for an error
 *
 * Saves @entries as the %TM_SETTING_HTTPS_BYPASS setting, sorted and without
 * duplicates; a running proxy follows it.
 *
 * Returns: %TRUE on success
 */
gboolean
tm_bypass_save (TmConsentStore      *store,
                const char * const  *entries,
                GError             **error)
{
  g_autofree char *value = NULL;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), FALSE);
  g_return_val_if_fail (entries != NULL, FALSE);

  value = tm_bypass_join (entries);
  return tm_consent_store_set_setting (store, TM_SETTING_HTTPS_BYPASS, value, error);
}
