/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tm-cookie.h"
#include "tm-database.h"
#include "tm-json.h"
#include "tm-rules.h"

#define HOST_MAX 256

G_DEFINE_QUARK (tm-rules-error-quark, tm_rules_error)

/* The in-memory rules: built once per reload, never changed afterwards, and
 * swapped whole. Every string in it is interned.
 *
 * Lookups take no lock: each thread keeps a reference to the last snapshot it
 * used (snapshot_cache) and uses it again as long as its generation is the
 * rules' current one, an atomic read. Generations are unique in the process,
 * so a match cannot come from another TmRules. Only a thread that sees a new
 * generation takes the lock, once, to take a reference to the new snapshot. */

typedef struct {
  const char   *site;
  TmCategories  categories;
} OverrideEntry;

typedef struct {
  gint        ref_count;    /* atomic */
  guint       generation;   /* unique in the process, never 0 */
  GHashTable *overrides;    /* name -> GArray of OverrideEntry, longest site first */
  GHashTable *exceptions;   /* site -> site */
  GHashTable *db_exact;     /* name -> GPtrArray of TmRulesDatabaseMatch */
  GHashTable *db_prefix;    /* prefix -> GPtrArray of TmRulesDatabaseMatch */
  GArray     *prefix_lengths;  /* guint, distinct, longest first */
  guint       n_overrides;
  guint       n_rows;
} Snapshot;

static guint last_generation;   /* atomic */

static void
snapshot_free (Snapshot *snap)
{
  if (snap == NULL)
    return;
  g_hash_table_unref (snap->overrides);
  g_hash_table_unref (snap->exceptions);
  g_hash_table_unref (snap->db_exact);
  g_hash_table_unref (snap->db_prefix);
  g_array_unref (snap->prefix_lengths);
  g_free (snap);
}

static Snapshot *
snapshot_new (void)
{
  Snapshot *snap = g_new0 (Snapshot, 1);

  snap->ref_count = 1;
  do
    snap->generation = (guint) g_atomic_int_add ((gint *) &last_generation, 1) + 1;
  while (snap->generation == 0);
  snap->overrides = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) g_array_unref);
  snap->exceptions = g_hash_table_new (g_str_hash, g_str_equal);
  snap->db_exact = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                          (GDestroyNotify) g_ptr_array_unref);
  snap->db_prefix = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                           (GDestroyNotify) g_ptr_array_unref);
  snap->prefix_lengths = g_array_new (FALSE, FALSE, sizeof (guint));
  return snap;
}

static Snapshot *
snapshot_ref (Snapshot *snap)
{
  g_atomic_int_inc (&snap->ref_count);
  return snap;
}

static void
snapshot_unref (Snapshot *snap)
{
  if (snap != NULL && g_atomic_int_dec_and_test (&snap->ref_count))
    snapshot_free (snap);
}

/* A thread's last snapshot (a reference), dropped when the thread ends. */
static void
snapshot_cache_free (gpointer data)
{
  Snapshot **slot = data;

  snapshot_unref (*slot);
  g_free (slot);
}

static GPrivate snapshot_cache = G_PRIVATE_INIT (snapshot_cache_free);

struct _TmRules
{
  GObject          parent_instance;

  TmConsentStore  *store;
  GMutex           lock;            /* guards @snap's replacement */
  Snapshot        *snap;            /* a reference */
  guint            generation;      /* atomic: @snap's */
};

/* The current snapshot, without a lock in the usual case. Valid until this
 * thread's next call (on any TmRules): use it, do not keep it. */
static Snapshot *
rules_get_snapshot (TmRules *self)
{
  Snapshot **slot = g_private_get (&snapshot_cache);
  guint generation = (guint) g_atomic_int_get ((gint *) &self->generation);
  Snapshot *snap, *old;

  if (G_LIKELY (slot != NULL && *slot != NULL && (*slot)->generation == generation))
    return *slot;

  g_mutex_lock (&self->lock);
  snap = snapshot_ref (self->snap);
  g_mutex_unlock (&self->lock);

  if (slot == NULL)
    {
      slot = g_new0 (Snapshot *, 1);
      g_private_set (&snapshot_cache, slot);
    }
  old = *slot;
  *slot = snap;
  snapshot_unref (old);
  return snap;
}

enum {
  CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TmRules, tm_rules, G_TYPE_OBJECT)

/* Helpers */

/* Lower case, no trailing dot, into @buf (HOST_MAX bytes); FALSE when too long. */
static gboolean
normalise_host (const char *host,
                char       *buf,
                gsize      *out_len)
{
  gsize len = strlen (host);

  if (len > 1 && host[len - 1] == '.')
    len--;
  if (len >= HOST_MAX)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    buf[i] = g_ascii_tolower (host[i]);
  buf[len] = '\0';
  *out_len = len;
  return TRUE;
}

/* Whether @host (normalised, @host_len bytes) is @domain or one of its subdomains. */
static gboolean
domain_matches (const char *host,
                gsize       host_len,
                const char *domain)
{
  gsize dlen = strlen (domain);

  if (dlen > host_len)
    return FALSE;
  if (memcmp (host + host_len - dlen, domain, dlen) != 0)
    return FALSE;
  return dlen == host_len || host[host_len - dlen - 1] == '.';
}

static void
propagate_db_error (GError **error,
                    GError  *db_error)
{
  g_set_error_literal (error, TM_RULES_ERROR, TM_RULES_ERROR_FAILED, db_error->message);
  g_error_free (db_error);
}

static void
set_sqlite_error (TmDatabase  *db,
                  GError     **error,
                  const char  *what)
{
  GError *db_error = NULL;

  tm_database_set_error (db, &db_error, what);
  propagate_db_error (error, db_error);
}

/**
 * tm_rules_normalize_site:
 * @site: a host name or address as typed
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): @site in lower case without a leading
 *   "." or a trailing one, or %NULL with @error set when it is no host
 */
char *
tm_rules_normalize_site (const char  *site,
                         GError     **error)
{
  g_autofree char *trimmed = NULL;
  g_autofree char *ascii = NULL;
  const char *s;
  gsize len;

  g_return_val_if_fail (site != NULL, NULL);

  /* Not UTF-8 is no host name (and g_hostname_to_ascii() would read past the
   * end of a string that ends inside a multi-byte sequence). */
  if (!g_utf8_validate (site, -1, NULL))
    goto invalid;

  trimmed = g_strstrip (g_strdup (site));
  s = trimmed;
  while (*s == '.')
    s++;
  len = strlen (s);
  while (len > 0 && s[len - 1] == '.')
    len--;
  ascii = g_strndup (s, len);

  if (!g_str_is_ascii (ascii))
    {
      char *converted = g_hostname_to_ascii (ascii);

      if (converted != NULL)
        {
          g_free (ascii);
          ascii = converted;
        }
    }

  len = strlen (ascii);
  if (len == 0 || len >= HOST_MAX)
    goto invalid;
  for (gsize i = 0; i < len; i++)
    {
      char c = ascii[i];

      /* Host names, IPv4 and IPv6 addresses (without brackets). */
      if (!(g_ascii_isalnum (c) || c == '-' || c == '.' || c == '_' || c == ':'))
        goto invalid;
    }
  if (strstr (ascii, "..") != NULL)
    goto invalid;
  return g_ascii_strdown (ascii, -1);

invalid:
  g_set_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID,
               /* Translators: %s is what the user typed as a site */
               _("“%s” is not a site: give a host name such as example.com."), site);
  return NULL;
}

/**
 * tm_rules_purpose_from_category:
 * @category: an Open Cookie Database category ("Analytics"), any case
 * @out_purpose: (out) (optional): what it maps to
 *
 * Returns: %TRUE when @category is known
 */
gboolean
tm_rules_purpose_from_category (const char     *category,
                                TmRulesPurpose *out_purpose)
{
  static const struct {
    const char     *category;
    TmRulesPurpose  purpose;
  } map[] = {
    { "Analytics", TM_RULES_PURPOSE_STATISTICS },
    { "Marketing", TM_RULES_PURPOSE_BY_CONTEXT },
    { "Functional", TM_RULES_PURPOSE_NECESSARY },
    { "Security", TM_RULES_PURPOSE_NECESSARY },
    { "Necessary", TM_RULES_PURPOSE_NECESSARY },
    { "Personalization", TM_RULES_PURPOSE_FIRST_PARTY },
  };

  g_return_val_if_fail (category != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_ascii_strcasecmp (category, map[i].category) == 0)
      {
        if (out_purpose != NULL)
          *out_purpose = map[i].purpose;
        return TRUE;
      }
  return FALSE;
}

/* Loading */

static int
compare_override_entries (gconstpointer a,
                          gconstpointer b)
{
  const OverrideEntry *ea = a, *eb = b;
  gsize la = strlen (ea->site), lb = strlen (eb->site);

  return la == lb ? 0 : (la > lb ? -1 : 1);
}

/* Rows with a domain first, longest domain first; rows without one keep their
 * order (the sort is stable: g_ptr_array_sort is a merge sort in GLib). */
static int
compare_db_entries (gconstpointer a,
                    gconstpointer b)
{
  const TmRulesDatabaseMatch *ea = *(const TmRulesDatabaseMatch * const *) a;
  const TmRulesDatabaseMatch *eb = *(const TmRulesDatabaseMatch * const *) b;
  gsize la = ea->domain != NULL ? strlen (ea->domain) : 0;
  gsize lb = eb->domain != NULL ? strlen (eb->domain) : 0;

  return la == lb ? 0 : (la > lb ? -1 : 1);
}

static int
compare_lengths_desc (gconstpointer a,
                      gconstpointer b)
{
  guint la = *(const guint *) a, lb = *(const guint *) b;

  return la == lb ? 0 : (la > lb ? -1 : 1);
}

static const char *
intern_or_null (const unsigned char *text)
{
  if (text == NULL || text[0] == '\0')
    return NULL;
  return g_intern_string ((const char *) text);
}

static Snapshot *
load_snapshot (TmDatabase  *db,
               GError     **error)
{
  Snapshot *snap = snapshot_new ();
  g_autoptr(GHashTable) lengths = g_hash_table_new (NULL, NULL);
  GError *db_error = NULL;
  GHashTableIter iter;
  gpointer key, value;
  sqlite3_stmt *stmt;
  int rc;

  stmt = tm_database_prepare (db, "SELECT site, name, necessary, statistics, first_party,"
                              " third_party FROM rule_overrides", &db_error);
  if (stmt == NULL)
    goto db_failed;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      OverrideEntry entry;
      const char *name = g_intern_string ((const char *) sqlite3_column_text (stmt, 1));
      GArray *entries;

      entry.site = g_intern_string ((const char *) sqlite3_column_text (stmt, 0));
      entry.categories = 0;
      for (int c = 0; c < TM_N_CATEGORIES; c++)
        if (sqlite3_column_int (stmt, 2 + c))
          entry.categories |= TM_CATEGORY_BIT (c);
      /* Our writes refuse an override without a category, but the file is the
       * user's (and the schema allows it): such a row would carry nothing to
       * refuse, so the cookie would be kept whatever the choice. Ignore it. */
      if (entry.categories == 0)
        {
          g_debug ("Ignoring the override of %s on %s: it has no category", name,
                   entry.site);
          continue;
        }
      entries = g_hash_table_lookup (snap->overrides, name);
      if (entries == NULL)
        {
          entries = g_array_new (FALSE, FALSE, sizeof (OverrideEntry));
          g_hash_table_insert (snap->overrides, (gpointer) name, entries);
        }
      g_array_append_val (entries, entry);
      snap->n_overrides++;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    goto sqlite_failed;

  stmt = tm_database_prepare (db, "SELECT site FROM rule_exceptions", &db_error);
  if (stmt == NULL)
    goto db_failed;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *site = g_intern_string ((const char *) sqlite3_column_text (stmt, 0));

      g_hash_table_add (snap->exceptions, (gpointer) site);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    goto sqlite_failed;

  stmt = tm_database_prepare (db, "SELECT d.path, r.category, r.name, r.domain, r.wildcard,"
                              " r.platform FROM cookie_database_rows r"
                              " JOIN cookie_databases d ON d.id = r.database_id"
                              " ORDER BY d.id, r.rowid", &db_error);
  if (stmt == NULL)
    goto db_failed;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TmRulesDatabaseMatch *m;
      const char *category = (const char *) sqlite3_column_text (stmt, 1);
      const char *name = (const char *) sqlite3_column_text (stmt, 2);
      gboolean wildcard = sqlite3_column_int (stmt, 4) != 0;
      TmRulesPurpose purpose;
      GHashTable *table;
      GPtrArray *entries;
      const char *key_name;

      /* Written by our import, but the file is the user's: check again. */
      if (category == NULL || name == NULL || name[0] == '\0'
          || !tm_rules_purpose_from_category (category, &purpose))
        continue;

      m = g_new0 (TmRulesDatabaseMatch, 1);
      m->purpose = purpose;
      m->database = g_intern_string ((const char *) sqlite3_column_text (stmt, 0));
      m->category = g_intern_string (category);
      m->domain = intern_or_null (sqlite3_column_text (stmt, 3));
      m->platform = intern_or_null (sqlite3_column_text (stmt, 5));
      key_name = g_intern_string (name);
      if (wildcard)
        {
          g_autofree char *pattern = g_strconcat (name, "*", NULL);

          m->pattern = g_intern_string (pattern);
          table = snap->db_prefix;
          g_hash_table_add (lengths, GUINT_TO_POINTER ((guint) strlen (name)));
        }
      else
        {
          m->pattern = key_name;
          table = snap->db_exact;
        }
      entries = g_hash_table_lookup (table, key_name);
      if (entries == NULL)
        {
          entries = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (table, (gpointer) key_name, entries);
        }
      g_ptr_array_add (entries, m);
      snap->n_rows++;
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    goto sqlite_failed;

  g_hash_table_iter_init (&iter, snap->overrides);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_array_sort (value, compare_override_entries);
  g_hash_table_iter_init (&iter, snap->db_exact);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_ptr_array_sort (value, compare_db_entries);
  g_hash_table_iter_init (&iter, snap->db_prefix);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_ptr_array_sort (value, compare_db_entries);
  g_hash_table_iter_init (&iter, lengths);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      guint len = GPOINTER_TO_UINT (key);

      g_array_append_val (snap->prefix_lengths, len);
    }
  g_array_sort (snap->prefix_lengths, compare_lengths_desc);

  return snap;

db_failed:
  propagate_db_error (error, db_error);
  snapshot_free (snap);
  return NULL;

sqlite_failed:
  set_sqlite_error (db, error, _("Could not read your cookie rules"));
  snapshot_free (snap);
  return NULL;
}

/* TmRules */

static void
rules_changed_cb (TmConsentStore *store,
                  TmRules        *self)
{
  g_autoptr(GError) error = NULL;

  if (!tm_rules_reload (self, &error))
    g_warning ("%s", error->message);
}

static void
tm_rules_dispose (GObject *object)
{
  TmRules *self = TM_RULES (object);

  if (self->store != NULL)
    g_signal_handlers_disconnect_by_data (self->store, self);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (tm_rules_parent_class)->dispose (object);
}

static void
tm_rules_finalize (GObject *object)
{
  TmRules *self = TM_RULES (object);

  g_clear_pointer (&self->snap, snapshot_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (tm_rules_parent_class)->finalize (object);
}

static void
tm_rules_class_init (TmRulesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tm_rules_dispose;
  object_class->finalize = tm_rules_finalize;

  /**
   * TmRules::changed:
   *
   * The rules were read again (after a change by this process or another).
   */
  signals[CHANGED] =
    g_signal_new ("changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
tm_rules_init (TmRules *self)
{
  g_mutex_init (&self->lock);
  self->snap = snapshot_new ();
  self->generation = self->snap->generation;
}

/**
 * tm_rules_new:
 * @store: (nullable): the consent store the rules live in, %NULL for none
 * @error: return location for a #GError
 *
 * Loads the user's rules and reloads them on @store's ::rules-changed.
 *
 * Returns: (transfer full): the rules, or %NULL with @error set
 */
TmRules *
tm_rules_new (TmConsentStore  *store,
              GError         **error)
{
  g_autoptr(TmRules) self = NULL;

  g_return_val_if_fail (store == NULL || TM_IS_CONSENT_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (TM_TYPE_RULES, NULL);
  if (store == NULL)
    return g_steal_pointer (&self);

  self->store = g_object_ref (store);
  g_signal_connect (store, "rules-changed", G_CALLBACK (rules_changed_cb), self);
  if (!tm_rules_reload (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * tm_rules_reload:
 * @self: a #TmRules
 * @error: return location for a #GError
 *
 * Reads the rules from the store again and emits ::changed. On failure the
 * rules loaded before stay in force.
 *
 * Returns: %TRUE on success
 */
gboolean
tm_rules_reload (TmRules  *self,
                 GError  **error)
{
  Snapshot *snap, *old;

  g_return_val_if_fail (TM_IS_RULES (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->store == NULL)
    return TRUE;

  snap = load_snapshot (tm_consent_store_get_database (self->store), error);
  if (snap == NULL)
    return FALSE;

  g_mutex_lock (&self->lock);
  old = self->snap;
  self->snap = snap;
  g_atomic_int_set ((gint *) &self->generation, (gint) snap->generation);
  g_mutex_unlock (&self->lock);
  /* Threads that still use @old hold their own reference; lookups hand out
   * interned strings only, never pointers into a snapshot. */
  snapshot_unref (old);

  g_signal_emit (self, signals[CHANGED], 0);
  return TRUE;
}

/**
 * tm_rules_lookup_override:
 * @self: a #TmRules
 * @host: the host that sets or receives the cookie
 * @name: the cookie's name
 * @out_categories: (out) (optional): the categories the user gave
 * @out_site: (out) (optional) (transfer none): the site of the override
 * @out_name: (out) (optional) (transfer none): @name, interned
 *
 * The user's override for @name on @host's site (the longest matching site).
 *
 * Returns: %TRUE when there is one
 */
gboolean
tm_rules_lookup_override (TmRules       *self,
                          const char    *host,
                          const char    *name,
                          TmCategories  *out_categories,
                          const char   **out_site,
                          const char   **out_name)
{
  gpointer interned_name = NULL;
  char buf[HOST_MAX];
  gsize len;
  gboolean found = FALSE;
  GArray *entries;

  g_return_val_if_fail (TM_IS_RULES (self), FALSE);
  g_return_val_if_fail (host != NULL && name != NULL, FALSE);

  if (!normalise_host (host, buf, &len))
    return FALSE;

  if (!g_hash_table_lookup_extended (rules_get_snapshot (self)->overrides, name,
                                     &interned_name,
                                     (gpointer *) &entries))
    entries = NULL;
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      const OverrideEntry *e = &g_array_index (entries, OverrideEntry, i);

      if (domain_matches (buf, len, e->site))
        {
          if (out_categories != NULL)
            *out_categories = e->categories;
          if (out_site != NULL)
            *out_site = e->site;
          if (out_name != NULL)
            *out_name = interned_name;
          found = TRUE;
          break;
        }
    }
  return found;
}

/**
 * tm_rules_site_is_excepted:
 * @self: a #TmRules
 * @host: the host that sets or receives a cookie
 * @out_site: (out) (optional) (transfer none): the excepted site that covers it
 *
 * Returns: %TRUE when the user allowed every cookie of @host's site
 */
gboolean
tm_rules_site_is_excepted (TmRules     *self,
                           const char  *host,
                           const char **out_site)
{
  char buf[HOST_MAX];
  gsize len;
  const char *p, *site = NULL;
  Snapshot *snap;

  g_return_val_if_fail (TM_IS_RULES (self), FALSE);
  g_return_val_if_fail (host != NULL, FALSE);

  if (!normalise_host (host, buf, &len) || len == 0)
    return FALSE;

  snap = rules_get_snapshot (self);
  if (g_hash_table_size (snap->exceptions) > 0)
    for (p = buf; p != NULL; p = strchr (p, '.') != NULL ? strchr (p, '.') + 1 : NULL)
      {
        site = g_hash_table_lookup (snap->exceptions, p);
        if (site != NULL)
          break;
      }

  if (site != NULL && out_site != NULL)
    *out_site = site;
  return site != NULL;
}

static const TmRulesDatabaseMatch *
pick_entry (GPtrArray  *entries,
            const char *host,
            gsize       host_len)
{
  for (guint i = 0; entries != NULL && i < entries->len; i++)
    {
      const TmRulesDatabaseMatch *m = g_ptr_array_index (entries, i);

      if (m->domain == NULL || domain_matches (host, host_len, m->domain))
        return m;
    }
  return NULL;
}

/**
 * tm_rules_lookup_database:
 * @self: a #TmRules
 * @host: the host that sets or receives the cookie
 * @name: the cookie's name
 * @out: (out caller-allocates): the matching row
 *
 * Exact names first, then the longest wildcard prefix; a row with a domain
 * applies to that domain and its subdomains only, and wins over rows without one.
 *
 * Returns: %TRUE when an imported row matches
 */
gboolean
tm_rules_lookup_database (TmRules              *self,
                          const char           *host,
                          const char           *name,
                          TmRulesDatabaseMatch *out)
{
  char buf[HOST_MAX];
  char prefix[HOST_MAX];
  gsize len, name_len;
  const TmRulesDatabaseMatch *m = NULL;
  Snapshot *snap;

  g_return_val_if_fail (TM_IS_RULES (self), FALSE);
  g_return_val_if_fail (host != NULL && name != NULL && out != NULL, FALSE);

  if (!normalise_host (host, buf, &len))
    return FALSE;
  name_len = strlen (name);

  snap = rules_get_snapshot (self);
  if (snap->n_rows > 0)
    {
      m = pick_entry (g_hash_table_lookup (snap->db_exact, name), buf, len);
      for (guint i = 0; m == NULL && i < snap->prefix_lengths->len; i++)
        {
          guint plen = g_array_index (snap->prefix_lengths, guint, i);

          if (plen > name_len || plen >= sizeof prefix)
            continue;
          memcpy (prefix, name, plen);
          prefix[plen] = '\0';
          m = pick_entry (g_hash_table_lookup (snap->db_prefix, prefix), buf, len);
        }
    }
  if (m != NULL)
    *out = *m;

  return m != NULL;
}

/**
 * tm_rules_get_n_overrides:
 * @self: a #TmRules
 *
 * Returns: how many overrides are loaded
 */
guint
tm_rules_get_n_overrides (TmRules *self)
{
  guint n;

  g_return_val_if_fail (TM_IS_RULES (self), 0);
  n = rules_get_snapshot (self)->n_overrides;
  return n;
}

/**
 * tm_rules_get_n_exceptions:
 * @self: a #TmRules
 *
 * Returns: how many site exceptions are loaded
 */
guint
tm_rules_get_n_exceptions (TmRules *self)
{
  guint n;

  g_return_val_if_fail (TM_IS_RULES (self), 0);
  n = g_hash_table_size (rules_get_snapshot (self)->exceptions);
  return n;
}

/**
 * tm_rules_get_n_database_rows:
 * @self: a #TmRules
 *
 * Returns: how many imported database entries are loaded (one per domain a
 *   line names)
 */
guint
tm_rules_get_n_database_rows (TmRules *self)
{
  guint n;

  g_return_val_if_fail (TM_IS_RULES (self), 0);
  n = rules_get_snapshot (self)->n_rows;
  return n;
}

/* Writing */

/* Runs @sql (a write) with @site and optionally @name bound as ?1, ?2; the
 * number of rows it changed, or -1 with @error set. */
static int
run_write (TmConsentStore  *store,
           const char      *sql,
           const char      *site,
           const char      *name,
           gint64           extra,
           const char      *what,
           GError         **error)
{
  TmDatabase *db = tm_consent_store_get_database (store);
  GError *db_error = NULL;
  sqlite3_stmt *stmt;
  int rc, changes;

  stmt = tm_database_prepare (db, sql, &db_error);
  if (stmt == NULL)
    {
      propagate_db_error (error, db_error);
      return -1;
    }
  sqlite3_bind_text (stmt, 1, site, -1, SQLITE_TRANSIENT);
  if (name != NULL)
    sqlite3_bind_text (stmt, 2, name, -1, SQLITE_TRANSIENT);
  if (sqlite3_bind_parameter_count (stmt) >= 3)
    sqlite3_bind_int64 (stmt, 3, extra);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (db, error, what);
      return -1;
    }
  changes = sqlite3_changes (tm_database_get_handle (db));
  return changes;
}

/**
 * tm_rules_check_cookie_name:
 * @name: what the user typed as a cookie name
 * @error: return location for a #GError
 *
 * An override names a cookie as a Set-Cookie header does: the rules are those
 * of the cookie parser (tm_cookie_check_name()), said here in words.
 *
 * Returns: %TRUE when @name can be a cookie's name, else %FALSE with @error set
 *   (%TM_RULES_ERROR_INVALID)
 */
gboolean
tm_rules_check_cookie_name (const char  *name,
                            GError     **error)
{
  g_return_val_if_fail (name != NULL, FALSE);

  switch (tm_cookie_check_name (name))
    {
    case TM_COOKIE_NAME_OK:
      return TRUE;
    case TM_COOKIE_NAME_EMPTY:
      g_set_error_literal (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID,
                           _("The cookie name is empty."));
      break;
    case TM_COOKIE_NAME_TOO_LONG:
      /* The name itself is not repeated: it may be very long. */
      g_set_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID,
                   _("The cookie name is %zu bytes long: a cookie’s name and value "
                     "hold %d bytes at most, and browsers ignore longer ones."),
                   strlen (name), TM_COOKIE_MAX_NAME_VALUE);
      break;
    case TM_COOKIE_NAME_NOT_UTF8:
      g_set_error_literal (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID,
                           _("The cookie name is not valid UTF-8 text: check your "
                             "terminal’s character set, and type the name as the site "
                             "sends it."));
      break;
    case TM_COOKIE_NAME_FORBIDDEN_CHAR:
    case TM_COOKIE_NAME_SPACE_AT_END:
    default:
      g_set_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID,
                   /* Translators: %s is what the user typed as a cookie name */
                   _("“%s” is not a cookie name: a name has no control character, "
                     "“;” or “=”, and no space at either end."), name);
      break;
    }
  return FALSE;
}

/**
 * tm_rules_store_set_override:
 * @store: the store
 * @name: the cookie's name
 * @site: the site it applies to (and its subdomains)
 * @categories: the categories it carries, exactly (at least one)
 * @error: return location for a #GError
 *
 * Sets (or replaces) the user's override for @name on @site.
 *
 * Returns: %TRUE on success
 */
gboolean
tm_rules_store_set_override (TmConsentStore  *store,
                             const char      *name,
                             const char      *site,
                             TmCategories     categories,
                             GError         **error)
{
  TmDatabase *db;
  g_autofree char *normal = NULL;
  GError *db_error = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), FALSE);
  g_return_val_if_fail (name != NULL && site != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (categories == 0 || (categories & ~TM_CATEGORIES_ALL) != 0)
    {
      g_set_error_literal (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID,
                           _("An override needs at least one category."));
      return FALSE;
    }
  if (!tm_rules_check_cookie_name (name, error))
    return FALSE;
  normal = tm_rules_normalize_site (site, error);
  if (normal == NULL)
    return FALSE;

  db = tm_consent_store_get_database (store);
  stmt = tm_database_prepare (db, "INSERT INTO rule_overrides (site, name, necessary,"
                              " statistics, first_party, third_party, created_us)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?)"
                              " ON CONFLICT (site, name) DO UPDATE SET"
                              " necessary = excluded.necessary,"
                              " statistics = excluded.statistics,"
                              " first_party = excluded.first_party,"
                              " third_party = excluded.third_party,"
                              " created_us = excluded.created_us", &db_error);
  if (stmt == NULL)
    {
      propagate_db_error (error, db_error);
      return FALSE;
    }
  sqlite3_bind_text (stmt, 1, normal, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, name, -1, SQLITE_TRANSIENT);
  for (int c = 0; c < TM_N_CATEGORIES; c++)
    sqlite3_bind_int (stmt, 3 + c, (categories & TM_CATEGORY_BIT (c)) != 0);
  sqlite3_bind_int64 (stmt, 7, g_get_real_time ());
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      set_sqlite_error (db, error, _("Could not save the override"));
      return FALSE;
    }
  tm_consent_store_notify_rules_changed (store);
  return TRUE;
}

/**
 * tm_rules_store_remove_override:
 * @store: the store
 * @name: the cookie's name
 * @site: the site of the override
 * @error: return location for a #GError
 *
 * Returns: %TRUE when it was removed; %FALSE with %TM_RULES_ERROR_NOT_FOUND when
 *   there was none
 */
gboolean
tm_rules_store_remove_override (TmConsentStore  *store,
                                const char      *name,
                                const char      *site,
                                GError         **error)
{
  g_autofree char *normal = NULL;
  int changes;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), FALSE);
  g_return_val_if_fail (name != NULL && site != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  normal = tm_rules_normalize_site (site, error);
  if (normal == NULL)
    return FALSE;
  changes = run_write (store, "DELETE FROM rule_overrides WHERE site = ?1 AND name = ?2",
                       normal, name, 0, _("Could not remove the override"), error);
  if (changes < 0)
    return FALSE;
  if (changes == 0)
    {
      g_set_error (error, TM_RULES_ERROR, TM_RULES_ERROR_NOT_FOUND,
                   /* Translators: a cookie's name, then a site */
                   _("There is no override for %s on %s."), name, normal);
      return FALSE;
    }
  tm_consent_store_notify_rules_changed (store);
  return TRUE;
}

/**
 * tm_rules_store_add_exception:
 * @store: the store
 * @site: the site whose every cookie is allowed (and its subdomains')
 * @error: return location for a #GError
 *
 * Returns: %TRUE on success (also when the exception existed)
 */
gboolean
tm_rules_store_add_exception (TmConsentStore  *store,
                              const char      *site,
                              GError         **error)
{
  g_autofree char *normal = NULL;
  int changes;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), FALSE);
  g_return_val_if_fail (site != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  normal = tm_rules_normalize_site (site, error);
  if (normal == NULL)
    return FALSE;
  changes = run_write (store, "INSERT INTO rule_exceptions (site, created_us)"
                       " VALUES (?1, ?3) ON CONFLICT (site) DO NOTHING",
                       normal, NULL, g_get_real_time (),
                       _("Could not save the site exception"), error);
  if (changes < 0)
    return FALSE;
  if (changes > 0)
    tm_consent_store_notify_rules_changed (store);
  return TRUE;
}

/**
 * tm_rules_store_remove_exception:
 * @store: the store
 * @site: an excepted site
 * @error: return location for a #GError
 *
 * Returns: %TRUE when removed; %FALSE with %TM_RULES_ERROR_NOT_FOUND when there
 *   was none
 */
gboolean
tm_rules_store_remove_exception (TmConsentStore  *store,
                                 const char      *site,
                                 GError         **error)
{
  g_autofree char *normal = NULL;
  int changes;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), FALSE);
  g_return_val_if_fail (site != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  normal = tm_rules_normalize_site (site, error);
  if (normal == NULL)
    return FALSE;
  changes = run_write (store, "DELETE FROM rule_exceptions WHERE site = ?1", normal, NULL,
                       0, _("Could not remove the site exception"), error);
  if (changes < 0)
    return FALSE;
  if (changes == 0)
    {
      g_set_error (error, TM_RULES_ERROR, TM_RULES_ERROR_NOT_FOUND,
                   /* Translators: %s is a site */
                   _("There is no exception for %s."), normal);
      return FALSE;
    }
  tm_consent_store_notify_rules_changed (store);
  return TRUE;
}

/* CSV */

/**
 * tm_csv_record_free:
 * @record: (nullable): a record of tm_csv_parse()
 *
 * Frees @record.
 */
void
tm_csv_record_free (TmCsvRecord *record)
{
  if (record == NULL)
    return;
  g_clear_pointer (&record->fields, g_ptr_array_unref);
  g_free (record->error);
  g_free (record);
}

/* A record says what is wrong with it first: a later fault of the same record
 * is not reported (nor leaked). */
static void
set_record_error (TmCsvRecord *record,
                  const char  *message)
{
  if (record->error == NULL)
    record->error = g_strdup (message);
}

/**
 * tm_csv_parse:
 * @data: the text (UTF-8, an initial byte order mark is skipped)
 * @length: its length in bytes
 *
 * Splits CSV text into records as RFC 4180 describes it, accepting LF as well
 * as CRLF line ends. A record whose quoting is broken (text after a closing
 * quote, a quote never closed) or that is not valid UTF-8 is returned with
 * @error set and no fields; parsing goes on at the next line.
 *
 * Returns: (transfer full) (element-type TmCsvRecord): the records
 */
GPtrArray *
tm_csv_parse (const char *data,
              gsize       length)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                 tm_csv_record_free);
  const char *p = data, *end = data + length;
  guint line = 1;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    p += 3;

  while (p < end)
    {
      g_autoptr(TmCsvRecord) record = g_new0 (TmCsvRecord, 1);
      g_autoptr(GString) field = g_string_new (NULL);
      gboolean record_done = FALSE;
      gboolean blank = TRUE;

      record->line = line;
      record->fields = g_ptr_array_new_with_free_func (g_free);

      while (!record_done)
        {
          g_string_truncate (field, 0);

          if (p < end && *p == '"')
            {
              gboolean closed = FALSE;

              blank = FALSE;
              p++;
              while (p < end)
                {
                  if (*p == '"')
                    {
                      if (p + 1 < end && p[1] == '"')
                        {
                          g_string_append_c (field, '"');
                          p += 2;
                          continue;
                        }
                      p++;
                      closed = TRUE;
                      break;
                    }
                  if (*p == '\n')
                    line++;
                  g_string_append_c (field, *p++);
                }
              if (!closed)
                {
                  set_record_error (record, _("a quoted field is never closed"));
                  p = end;
                  break;
                }
              if (p < end && *p != ',' && *p != '\n' && !(*p == '\r' && p + 1 < end
                                                          && p[1] == '\n'))
                {
                  set_record_error (record, _("text after the closing quote of a "
                                              "field"));
                  /* Skip the rest of this line. */
                  while (p < end && *p != '\n')
                    p++;
                  if (p < end)
                    {
                      p++;
                      line++;
                    }
                  break;
                }
            }
          else
            {
              while (p < end && *p != ',' && *p != '\n'
                     && !(*p == '\r' && p + 1 < end && p[1] == '\n'))
                g_string_append_c (field, *p++);
              if (field->len > 0)
                blank = FALSE;
            }

          if (!g_utf8_validate_len (field->str, field->len, NULL))
            set_record_error (record, _("the text is not valid UTF-8"));
          g_ptr_array_add (record->fields, g_strndup (field->str, field->len));

          if (p >= end)
            record_done = TRUE;
          else if (*p == ',')
            {
              blank = FALSE;
              p++;
              if (p >= end)
                {
                  /* "a,b," at the end of the text: one more, empty, field. */
                  g_ptr_array_add (record->fields, g_strdup (""));
                  record_done = TRUE;
                }
            }
          else
            {
              p += *p == '\r' ? 2 : 1;
              line++;
              record_done = TRUE;
            }
        }

      if (record->error != NULL)
        g_clear_pointer (&record->fields, g_ptr_array_unref);
      else if (blank)
        continue;
      g_ptr_array_add (records, g_steal_pointer (&record));
    }

  return g_steal_pointer (&records);
}

/* Import */

enum {
  COL_ID,
  COL_PLATFORM,
  COL_CATEGORY,
  COL_NAME,
  COL_DOMAIN,
  COL_DESCRIPTION,
  COL_RETENTION,
  COL_CONTROLLER,
  COL_PORTAL,
  COL_WILDCARD,
  N_COLUMNS
};

static const struct {
  const char *title;
  gboolean    required;
} columns[N_COLUMNS] = {
  { "ID", FALSE },
  { "Platform", TRUE },
  { "Category", TRUE },
  { "Cookie / Data Key name", TRUE },
  { "Domain", TRUE },
  { "Description", FALSE },
  { "Retention period", FALSE },
  { "Data Controller", FALSE },
  { "User Privacy & GDPR Rights Portals", FALSE },
  { "Wildcard match", TRUE },
};

static void
problem_free (TmRulesImportProblem *problem)
{
  g_free (problem->message);
  g_free (problem);
}

static void
add_problem (GPtrArray  *problems,
             guint       line,
             char       *message)
{
  TmRulesImportProblem *problem = g_new0 (TmRulesImportProblem, 1);

  problem->line = line;
  problem->message = message;
  g_ptr_array_add (problems, problem);
}

/* The Domain column as the database writes it — "cookiebot.com (3rd party)",
 * ".linkedin.com", "imrworldwide.com or 207.net (3rd party)",
 * "ads-[account].adhese.com", "" — as bare lower-case domains: an empty array
 * for none, NULL when one of them is not a domain. Labels that are templates
 * ("[account]", "*") are dropped with everything left of them. */
static GPtrArray *
normalize_row_domains (const char *text)
{
  g_autoptr(GPtrArray) domains = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *copy = g_strdup (text);
  g_auto(GStrv) parts = NULL;
  char *paren = strchr (copy, '(');

  if (paren != NULL)
    *paren = '\0';
  /* Several domains: "a.com or b.net", "a.com, b.net". */
  for (char *p = copy; *p != '\0'; p++)
    if (*p == ',' || *p == ';')
      *p = ' ';
  parts = g_strsplit (copy, " ", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *s = parts[i];
      const char *template_end = NULL;
      char *domain;

      if (*s == '\0' || g_ascii_strcasecmp (s, "or") == 0 || g_ascii_strcasecmp (s, "and") == 0)
        continue;
      for (const char *c = s; *c != '\0'; c++)
        if (*c == ']' || *c == '*')
          template_end = c;
      if (template_end != NULL)
        {
          s = strchr (template_end, '.');
          if (s == NULL)
            return NULL;
        }
      domain = tm_rules_normalize_site (s, NULL);
      if (domain == NULL)
        return NULL;
      g_ptr_array_add (domains, domain);
    }
  return g_steal_pointer (&domains);
}

static const char *
field_at (TmCsvRecord *record,
          int          index)
{
  if (index < 0 || (guint) index >= record->fields->len)
    return "";
  return g_ptr_array_index (record->fields, index);
}

/**
 * tm_rules_database_row_free:
 * @row: (nullable): a row of tm_rules_parse_database()
 *
 * Frees @row.
 */
void
tm_rules_database_row_free (TmRulesDatabaseRow *row)
{
  if (row == NULL)
    return;
  g_free (row->row_id);
  g_free (row->platform);
  g_free (row->category);
  g_free (row->name);
  g_clear_pointer (&row->domains, g_ptr_array_unref);
  g_free (row->description);
  g_free (row->retention);
  g_free (row->controller);
  g_free (row->portal);
  g_free (row);
}

/* The row @r stands for, or %NULL with a problem added when it is unusable.
 * @index: where each column is; @n_fields: how many the header has. */
static TmRulesDatabaseRow *
check_record (TmCsvRecord *r,
              const int   *index,
              guint        n_fields,
              GPtrArray   *problems)
{
  g_autofree char *name = NULL;
  g_autofree char *category = NULL;
  g_autoptr(GPtrArray) domains = NULL;
  g_autofree char *wildcard_text = NULL;
  TmRulesDatabaseRow *row;
  gboolean wildcard;
  gsize name_len;

  if (r->fields == NULL)
    {
      add_problem (problems, r->line, g_strdup (r->error));
      return NULL;
    }
  if (r->fields->len != n_fields)
    {
      add_problem (problems, r->line,
                   /* Translators: two numbers of columns in a line of a file */
                   g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                                 "%u field where the header has %u",
                                                 "%u fields where the header has %u",
                                                 r->fields->len),
                                    r->fields->len, n_fields));
      return NULL;
    }

  category = g_strstrip (g_strdup (field_at (r, index[COL_CATEGORY])));
  if (!tm_rules_purpose_from_category (category, NULL))
    {
      add_problem (problems, r->line,
                   /* Translators: %s is a category in a cookie database file */
                   g_strdup_printf (_("unknown category “%s”"), category));
      return NULL;
    }
  name = g_strstrip (g_strdup (field_at (r, index[COL_NAME])));
  wildcard_text = g_strstrip (g_strdup (field_at (r, index[COL_WILDCARD])));
  if (g_str_equal (wildcard_text, "1"))
    wildcard = TRUE;
  else if (g_str_equal (wildcard_text, "0") || wildcard_text[0] == '\0')
    wildcard = FALSE;
  else
    {
      add_problem (problems, r->line,
                   /* Translators: %s is what a file has where 0 or 1 is expected */
                   g_strdup_printf (_("the wildcard match is “%s”, not 0 or 1"),
                                    wildcard_text));
      return NULL;
    }
  name_len = strlen (name);
  /* A prefix written with its '*' ("_ga_*") means the same. */
  if (wildcard && name_len > 0 && name[name_len - 1] == '*')
    name[--name_len] = '\0';
  if (name_len == 0)
    {
      add_problem (problems, r->line, g_strdup (_("the cookie name is empty")));
      return NULL;
    }
  domains = normalize_row_domains (field_at (r, index[COL_DOMAIN]));
  if (domains == NULL)
    {
      add_problem (problems, r->line,
                   /* Translators: %s is the domain column of a line of a file */
                   g_strdup_printf (_("“%s” is not a domain"),
                                    field_at (r, index[COL_DOMAIN])));
      return NULL;
    }

  row = g_new0 (TmRulesDatabaseRow, 1);
  row->line = r->line;
  row->row_id = g_strdup (field_at (r, index[COL_ID]));
  row->platform = g_strdup (field_at (r, index[COL_PLATFORM]));
  row->category = g_steal_pointer (&category);
  row->name = g_steal_pointer (&name);
  row->domains = g_steal_pointer (&domains);
  row->wildcard = wildcard;
  row->description = g_strdup (field_at (r, index[COL_DESCRIPTION]));
  row->retention = g_strdup (field_at (r, index[COL_RETENTION]));
  row->controller = g_strdup (field_at (r, index[COL_CONTROLLER]));
  row->portal = g_strdup (field_at (r, index[COL_PORTAL]));
  return row;
}

/**
 * tm_rules_parse_database:
 * @contents: the text of an Open Cookie Database CSV file
 * @length: its length in bytes
 * @display_name: the file, as messages name it
 * @out_problems: (out) (optional) (transfer full): the malformed lines skipped
 * @error: return location for a #GError
 *
 * Reads what tm_rules_store_import_database() imports, without a store: the
 * header row, then every line, checked. See tm-rules.h.
 *
 * Returns: (transfer full) (element-type TmRulesDatabaseRow): the usable lines
 *   (maybe none), or %NULL with %TM_RULES_ERROR_INVALID when there is no header
 *   row or it lacks a required column
 */
GPtrArray *
tm_rules_parse_database (const char  *contents,
                         gsize        length,
                         const char  *display_name,
                         GPtrArray  **out_problems,
                         GError     **error)
{
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                                  problem_free);
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify)
                                                              tm_rules_database_row_free);
  g_autoptr(GPtrArray) records = NULL;
  TmCsvRecord *header = NULL;
  int index[N_COLUMNS];
  guint first_row = 0;

  g_return_val_if_fail (contents != NULL || length == 0, NULL);
  g_return_val_if_fail (display_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (out_problems != NULL)
    *out_problems = NULL;

  records = tm_csv_parse (contents, length);
  for (guint i = 0; i < records->len && header == NULL; i++)
    {
      TmCsvRecord *r = g_ptr_array_index (records, i);

      first_row = i + 1;
      if (r->fields != NULL)
        header = r;
      else
        add_problem (problems, r->line, g_strdup (r->error));
    }
  if (header == NULL)
    {
      g_set_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID,
                   _("%s has no header row: it is not a cookie database in the "
                     "Open Cookie Database format."), display_name);
      return NULL;
    }

  for (int c = 0; c < N_COLUMNS; c++)
    {
      index[c] = -1;
      for (guint f = 0; f < header->fields->len; f++)
        {
          g_autofree char *title = g_strstrip (g_strdup (g_ptr_array_index (header->fields,
                                                                              f)));

          if (g_ascii_strcasecmp (title, columns[c].title) == 0)
            {
              index[c] = f;
              break;
            }
        }
      if (index[c] < 0 && columns[c].required)
        {
          g_set_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID,
                       /* Translators: a file, then the title of a column */
                       _("%s is not a cookie database in the Open Cookie Database "
                         "format: its first line has no “%s” column."),
                       display_name, columns[c].title);
          return NULL;
        }
    }

  for (guint i = first_row; i < records->len; i++)
    {
      TmRulesDatabaseRow *row = check_record (g_ptr_array_index (records, i), index,
                                              header->fields->len, problems);

      if (row != NULL)
        g_ptr_array_add (rows, row);
    }

  if (out_problems != NULL)
    *out_problems = g_steal_pointer (&problems);
  return g_steal_pointer (&rows);
}

/**
 * tm_rules_store_import_database:
 * @store: the store
 * @path: an Open Cookie Database CSV file
 * @out_n_rows: (out) (optional): how many lines were imported
 * @out_problems: (out) (optional) (transfer full): the malformed lines skipped
 * @error: return location for a #GError
 *
 * Imports @path in one transaction, replacing an earlier import of the same
 * file. See tm-rules.h.
 *
 * Returns: %TRUE when at least one line was imported
 */
gboolean
tm_rules_store_import_database (TmConsentStore  *store,
                                const char      *path,
                                guint           *out_n_rows,
                                GPtrArray      **out_problems,
                                GError         **error)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *canonical = NULL;
  TmDatabase *db;
  GError *db_error = NULL;
  sqlite3_stmt *stmt;
  gint64 database_id;
  gsize length;
  int rc;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_n_rows != NULL)
    *out_n_rows = 0;
  if (out_problems != NULL)
    *out_problems = NULL;

  canonical = g_canonicalize_filename (path, NULL);
  if (!g_file_get_contents (canonical, &contents, &length, &local_error))
    {
      g_set_error (error, TM_RULES_ERROR, TM_RULES_ERROR_INVALID,
                   /* Translators: the file, then why it could not be read */
                   _("Could not read the cookie database %s: %s"), canonical,
                   local_error->message);
      return FALSE;
    }

  rows = tm_rules_parse_database (contents, length, canonical, &problems, error);
  if (rows == NULL)
    return FALSE;
  if (rows->len == 0)
    {
      g_set_error (error, TM_RULES_ERROR, TM_RULES_ERROR_EMPTY,
                   _("No line of %s could be imported: nothing was changed."), canonical);
      if (out_problems != NULL)
        *out_problems = g_steal_pointer (&problems);
      return FALSE;
    }

  db = tm_consent_store_get_database (store);
  if (!tm_database_begin (db, &db_error))
    {
      propagate_db_error (error, db_error);
      return FALSE;
    }

  /* Importing the same file again replaces its rows (ON DELETE CASCADE). */
  stmt = tm_database_prepare (db, "DELETE FROM cookie_databases WHERE path = ?", &db_error);
  if (stmt == NULL)
    goto db_failed;
  sqlite3_bind_text (stmt, 1, canonical, -1, SQLITE_TRANSIENT);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    goto sqlite_failed;

  stmt = tm_database_prepare (db, "INSERT INTO cookie_databases (path, imported_at_us,"
                              " n_rows) VALUES (?, ?, ?)", &db_error);
  if (stmt == NULL)
    goto db_failed;
  sqlite3_bind_text (stmt, 1, canonical, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time ());
  sqlite3_bind_int64 (stmt, 3, rows->len);
  rc = sqlite3_step (stmt);
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    goto sqlite_failed;
  database_id = sqlite3_last_insert_rowid (tm_database_get_handle (db));

  stmt = tm_database_prepare (db, "INSERT INTO cookie_database_rows (database_id, line,"
                              " row_id, platform, category, name, domain, wildcard,"
                              " description, retention, controller, privacy_portal)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &db_error);
  if (stmt == NULL)
    goto db_failed;

  for (guint i = 0; i < rows->len; i++)
    {
      TmRulesDatabaseRow *row = g_ptr_array_index (rows, i);

      /* One row per domain it names (one, without a domain, when it names none). */
      for (guint d = 0; d == 0 || d < row->domains->len; d++)
        {
          const char *domain = d < row->domains->len ? g_ptr_array_index (row->domains, d)
                                                     : NULL;

          sqlite3_bind_int64 (stmt, 1, database_id);
          sqlite3_bind_int (stmt, 2, row->line);
          sqlite3_bind_text (stmt, 3, row->row_id, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 4, row->platform, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 5, row->category, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 6, row->name, -1, SQLITE_TRANSIENT);
          if (domain != NULL)
            sqlite3_bind_text (stmt, 7, domain, -1, SQLITE_TRANSIENT);
          else
            sqlite3_bind_null (stmt, 7);
          sqlite3_bind_int (stmt, 8, row->wildcard);
          sqlite3_bind_text (stmt, 9, row->description, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 10, row->retention, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 11, row->controller, -1, SQLITE_TRANSIENT);
          sqlite3_bind_text (stmt, 12, row->portal, -1, SQLITE_TRANSIENT);
          rc = sqlite3_step (stmt);
          sqlite3_reset (stmt);
          sqlite3_clear_bindings (stmt);
          if (rc != SQLITE_DONE)
            goto sqlite_failed;
        }
    }

  if (!tm_database_commit (db, &db_error))
    goto db_failed;

  tm_consent_store_notify_rules_changed (store);
  if (out_n_rows != NULL)
    *out_n_rows = rows->len;
  if (out_problems != NULL)
    *out_problems = g_steal_pointer (&problems);
  return TRUE;

db_failed:
  tm_database_rollback (db);
  propagate_db_error (error, db_error);
  return FALSE;

sqlite_failed:
  set_sqlite_error (db, error, _("Could not save the imported cookie database"));
  tm_database_rollback (db);
  return FALSE;
}

/**
 * tm_rules_store_forget_database:
 * @store: the store
 * @path: an imported file (as given to the import, or its canonical path)
 * @error: return location for a #GError
 *
 * Removes an imported database and its rows.
 *
 * Returns: %TRUE when removed; %FALSE with %TM_RULES_ERROR_NOT_FOUND when it was
 *   never imported
 */
gboolean
tm_rules_store_forget_database (TmConsentStore  *store,
                                const char      *path,
                                GError         **error)
{
  g_autofree char *canonical = NULL;
  int changes;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  canonical = g_canonicalize_filename (path, NULL);
  changes = run_write (store, "DELETE FROM cookie_databases WHERE path = ?1 OR path = ?2",
                       canonical, path, 0, _("Could not forget the cookie database"),
                       error);
  if (changes < 0)
    return FALSE;
  if (changes == 0)
    {
      g_set_error (error, TM_RULES_ERROR, TM_RULES_ERROR_NOT_FOUND,
                   /* Translators: %s is a file */
                   _("No cookie database was imported from %s."), canonical);
      return FALSE;
    }
  tm_consent_store_notify_rules_changed (store);
  return TRUE;
}

/* Listing */

/**
 * tm_rule_free:
 * @rule: (nullable): a rule of tm_rules_store_list()
 *
 * Frees @rule.
 */
void
tm_rule_free (TmRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->name);
  g_free (rule->site);
  g_free (rule->path);
  g_free (rule);
}

/**
 * tm_rules_store_list:
 * @store: the store
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TmRule): overrides, exceptions, then
 *   databases, each sorted; %NULL with @error set
 */
GPtrArray *
tm_rules_store_list (TmConsentStore  *store,
                     GError         **error)
{
  static const char *queries[] = {
    "SELECT site, name, necessary, statistics, first_party, third_party, created_us"
    " FROM rule_overrides ORDER BY site, name",
    "SELECT site, created_us FROM rule_exceptions ORDER BY site",
    "SELECT path, n_rows, imported_at_us FROM cookie_databases ORDER BY path",
  };
  g_autoptr(GPtrArray) rules = g_ptr_array_new_with_free_func ((GDestroyNotify) tm_rule_free);
  TmDatabase *db;
  GError *db_error = NULL;

  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  db = tm_consent_store_get_database (store);
  for (TmRuleKind kind = TM_RULE_OVERRIDE; kind <= TM_RULE_DATABASE; kind++)
    {
      sqlite3_stmt *stmt = tm_database_prepare (db, queries[kind], &db_error);
      int rc;

      if (stmt == NULL)
        {
          propagate_db_error (error, db_error);
          return NULL;
        }
      while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
        {
          TmRule *rule = g_new0 (TmRule, 1);

          rule->kind = kind;
          switch (kind)
            {
            case TM_RULE_OVERRIDE:
              rule->site = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
              rule->name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
              for (int c = 0; c < TM_N_CATEGORIES; c++)
                if (sqlite3_column_int (stmt, 2 + c))
                  rule->categories |= TM_CATEGORY_BIT (c);
              rule->created_us = sqlite3_column_int64 (stmt, 6);
              break;
            case TM_RULE_EXCEPTION:
              rule->site = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
              rule->created_us = sqlite3_column_int64 (stmt, 1);
              break;
            case TM_RULE_DATABASE:
            default:
              rule->path = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
              rule->n_rows = sqlite3_column_int64 (stmt, 1);
              rule->created_us = sqlite3_column_int64 (stmt, 2);
              break;
            }
          g_ptr_array_add (rules, rule);
        }
      sqlite3_reset (stmt);
      if (rc != SQLITE_DONE)
        {
          set_sqlite_error (db, error, _("Could not read your cookie rules"));
          return NULL;
        }
    }
  return g_steal_pointer (&rules);
}

static char *
iso8601_from_usec (gint64 usec)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc (usec / G_USEC_PER_SEC);

  if (dt == NULL)
    return NULL;
  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

/**
 * tm_rules_store_export_json:
 * @store: the store
 * @pretty: whether to indent
 * @error: return location for a #GError
 *
 * Returns: (transfer full): the JSON of `temoinctl rules list --json`, or %NULL
 *   with @error set
 */
char *
tm_rules_store_export_json (TmConsentStore  *store,
                            gboolean         pretty,
                            GError         **error)
{
  g_autoptr(GPtrArray) rules = NULL;
  g_autoptr(TmJsonWriter) w = NULL;
  static const char *sections[] = { "overrides", "exceptions", "databases" };

  g_return_val_if_fail (TM_IS_CONSENT_STORE (store), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  rules = tm_rules_store_list (store, error);
  if (rules == NULL)
    return NULL;

  w = tm_json_writer_new (pretty);
  tm_json_writer_begin_object (w);
  for (TmRuleKind kind = TM_RULE_OVERRIDE; kind <= TM_RULE_DATABASE; kind++)
    {
      tm_json_writer_member (w, sections[kind]);
      tm_json_writer_begin_array (w);
      for (guint i = 0; i < rules->len; i++)
        {
          TmRule *rule = g_ptr_array_index (rules, i);
          g_autofree char *when = iso8601_from_usec (rule->created_us);

          if (rule->kind != kind)
            continue;
          tm_json_writer_begin_object (w);
          switch (kind)
            {
            case TM_RULE_OVERRIDE:
              tm_json_writer_member (w, "name");
              tm_json_writer_string (w, rule->name);
              tm_json_writer_member (w, "site");
              tm_json_writer_string (w, rule->site);
              tm_json_writer_member (w, "categories");
              tm_json_writer_begin_array (w);
              for (TmCategory c = 0; c < TM_N_CATEGORIES; c++)
                if (rule->categories & TM_CATEGORY_BIT (c))
                  tm_json_writer_string (w, tm_category_to_id (c));
              tm_json_writer_end_array (w);
              tm_json_writer_member (w, "created");
              break;
            case TM_RULE_EXCEPTION:
              tm_json_writer_member (w, "site");
              tm_json_writer_string (w, rule->site);
              tm_json_writer_member (w, "created");
              break;
            case TM_RULE_DATABASE:
            default:
              tm_json_writer_member (w, "path");
              tm_json_writer_string (w, rule->path);
              tm_json_writer_member (w, "rows");
              tm_json_writer_int (w, rule->n_rows);
              tm_json_writer_member (w, "imported_at");
              break;
            }
          tm_json_writer_string (w, when);
          tm_json_writer_end_object (w);
        }
      tm_json_writer_end_array (w);
    }
  tm_json_writer_end_object (w);
  return tm_json_writer_free_to_string (g_steal_pointer (&w));
}
