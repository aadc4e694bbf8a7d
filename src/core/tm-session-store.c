/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "tm-session-store.h"
#include "tm-classifier.h"
#include "tm-database.h"
#include "tm-json.h"

/* How long the writer waits for more work once something is queued: writes reach
 * the disk within about this long, in one transaction per batch. */
#define BATCH_DELAY_USEC (100 * G_TIME_SPAN_MILLISECOND)
/* Tombstones older than this are forgotten (a proxy reads them within seconds). */
#define TOMBSTONE_MAX_AGE_USEC (30 * G_TIME_SPAN_DAY)

/* Schema version 1. `value` is a BLOB: a cookie value may hold any bytes. The
 * identity is (name, domain, path): replacing a cookie never touches a same-name
 * cookie on another path (version 3 adds host_only to it). `meta` holds change
 * counters, so that a change is reported once whichever connection notices it
 * first. */
static const char * const migrations[] = {
  "CREATE TABLE cookies ("
  "  name        TEXT NOT NULL,"
  "  value       BLOB NOT NULL,"
  "  domain      TEXT NOT NULL,"
  "  host_only   INTEGER NOT NULL,"
  "  path        TEXT NOT NULL,"
  "  expires     INTEGER,"                 /* Unix seconds; NULL for a session cookie */
  "  secure      INTEGER NOT NULL,"
  "  http_only   INTEGER NOT NULL,"
  "  same_site   TEXT CHECK (same_site IN ('strict', 'lax', 'none')),"
  "  partitioned INTEGER NOT NULL,"
  "  categories  INTEGER NOT NULL,"
  "  created     INTEGER NOT NULL,"        /* Unix microseconds */
  "  last_access INTEGER NOT NULL,"
  "  UNIQUE (name, domain, path)"
  ");"
  "CREATE INDEX cookies_by_domain ON cookies (domain);"
  "CREATE INDEX cookies_by_expiry ON cookies (expires) WHERE expires IS NOT NULL;"
  "CREATE TABLE tombstones ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  name        TEXT NOT NULL,"
  "  domain      TEXT NOT NULL,"
  "  host_only   INTEGER NOT NULL,"
  "  path        TEXT NOT NULL,"
  "  secure      INTEGER NOT NULL,"
  "  http_only   INTEGER NOT NULL,"
  "  deleted_at  INTEGER NOT NULL"         /* Unix microseconds */
  ");"
  "CREATE TABLE decisions ("
  "  id          INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  time        INTEGER NOT NULL,"
  "  site        TEXT,"
  "  host        TEXT,"
  "  name        TEXT NOT NULL,"
  "  direction   TEXT NOT NULL CHECK (direction IN ('response', 'request')),"
  "  categories  INTEGER NOT NULL,"
  "  decision    TEXT NOT NULL CHECK (decision IN ('keep', 'block')),"
  "  reason      TEXT,"
  "  source      TEXT"
  ");"
  "CREATE TABLE meta ("
  "  key         TEXT PRIMARY KEY,"
  "  value       INTEGER NOT NULL"
  ");"
  "INSERT INTO meta (key, value) VALUES ('cookies', 0), ('decisions', 0);",

  /* Schema version 2: what tm_decision_describe() reads, so that the live view
   * can say a reason in the reader's language. Rows of version 1 keep NULL here
   * (`purpose` NULL means "only the English reason is known"). */
  "ALTER TABLE decisions ADD COLUMN purpose TEXT;"          /* tm_category_to_id() */
  "ALTER TABLE decisions ADD COLUMN third_party INTEGER;"
  "ALTER TABLE decisions ADD COLUMN refused INTEGER;"
  "ALTER TABLE decisions ADD COLUMN rule TEXT;"
  "ALTER TABLE decisions ADD COLUMN label TEXT;"
  "ALTER TABLE decisions ADD COLUMN top_site TEXT;",

  /* Schema version 3: the identity is (name, domain, host_only, path), as RFC
   * 6265bis 5.7 says and browsers do: a host-only "foo" of example.org and a
   * "foo" with Domain=example.org are two cookies. SQLite cannot change a UNIQUE
   * constraint in place, so the table is rebuilt; rowids are kept, since they
   * break ties in creation order. Every row of version 2 is unique under the
   * wider key. The key's own index, name first, also serves the "leave secure
   * cookies alone" lookup by name (write_cookie()). */
  "CREATE TABLE cookies_v3 ("
  "  name        TEXT NOT NULL,"
  "  value       BLOB NOT NULL,"
  "  domain      TEXT NOT NULL,"
  "  host_only   INTEGER NOT NULL,"
  "  path        TEXT NOT NULL,"
  "  expires     INTEGER,"
  "  secure      INTEGER NOT NULL,"
  "  http_only   INTEGER NOT NULL,"
  "  same_site   TEXT CHECK (same_site IN ('strict', 'lax', 'none')),"
  "  partitioned INTEGER NOT NULL,"
  "  categories  INTEGER NOT NULL,"
  "  created     INTEGER NOT NULL,"
  "  last_access INTEGER NOT NULL,"
  "  UNIQUE (name, domain, host_only, path)"
  ");"
  "INSERT INTO cookies_v3 (rowid, name, value, domain, host_only, path, expires, secure,"
  "  http_only, same_site, partitioned, categories, created, last_access)"
  "  SELECT rowid, name, value, domain, host_only, path, expires, secure,"
  "  http_only, same_site, partitioned, categories, created, last_access"
  "  FROM cookies ORDER BY rowid;"
  "DROP TABLE cookies;"
  "ALTER TABLE cookies_v3 RENAME TO cookies;"
  "CREATE INDEX cookies_by_domain ON cookies (domain);"
  "CREATE INDEX cookies_by_expiry ON cookies (expires) WHERE expires IS NOT NULL;",
};

#define COOKIE_COLUMNS \
  "name, value, domain, host_only, path, expires, secure, http_only, same_site, " \
  "partitioned, categories, created"

typedef enum {
  ITEM_COOKIE,
  ITEM_DECISION,
} ItemKind;

typedef struct {
  ItemKind  kind;
  gpointer  data;           /* TmCookie or TmDecisionRecord */
  gboolean  secure_origin;  /* ITEM_COOKIE: set over a secure channel */
} Item;

struct _TmSessionStore
{
  GObject       parent_instance;

  char         *path;
  TmDatabase   *db;               /* the main connection: the creating thread's */
  GMainContext *context;          /* where signals are emitted */

  /* Main thread only: the change counters already reported. */
  gint64        seen_cookies;
  gint64        seen_decisions;

  /* Shared with the writer thread, under @lock. */
  GMutex        lock;
  GCond         work_cond;        /* wakes the writer */
  GCond         done_cond;        /* wakes flushers */
  GThread      *writer;
  GPtrArray    *queue;            /* (element-type Item) */
  guint64       queued_seq;       /* items ever queued */
  guint64       done_seq;         /* items ever handled, committed or failed */
  guint64       failed_seq;       /* done_seq after the last failed batch */
  guint64       reported_seq;     /* failures up to here were returned by flush */
  char         *failure;          /* why the last failed batch failed */
  guint         n_flushers;       /* flushes waiting: the writer does not linger */
  gboolean      stopping;
  guint64       n_commits;
  GSource      *notify_source;    /* a pending emission on @context */
  gint64        committed_cookies;
  gint64        committed_decisions;
};

G_DEFINE_FINAL_TYPE (TmSessionStore, tm_session_store, G_TYPE_OBJECT)

enum {
  SIGNAL_CHANGED,
  SIGNAL_DECISIONS_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_QUARK (tm-session-store-error-quark, tm_session_store_error)

/* Records */

TmDecisionRecord *
tm_decision_record_copy (const TmDecisionRecord *record)
{
  TmDecisionRecord *copy;

  g_return_val_if_fail (record != NULL, NULL);

  copy = g_new0 (TmDecisionRecord, 1);
  *copy = *record;
  copy->site = g_strdup (record->site);
  copy->host = g_strdup (record->host);
  copy->name = g_strdup (record->name ? record->name : "");
  copy->direction = g_strdup (record->direction);
  copy->reason = g_strdup (record->reason);
  copy->source = g_strdup (record->source);
  copy->rule = g_strdup (record->rule);
  copy->label = g_strdup (record->label);
  copy->top_site = g_strdup (record->top_site);
  return copy;
}

void
tm_decision_record_free (TmDecisionRecord *record)
{
  if (record == NULL)
    return;
  g_free (record->site);
  g_free (record->host);
  g_free (record->name);
  g_free (record->direction);
  g_free (record->reason);
  g_free (record->source);
  g_free (record->rule);
  g_free (record->label);
  g_free (record->top_site);
  g_free (record);
}

/**
 * tm_decision_record_set_decision:
 * @record: a record
 * @decision: the decision it records
 *
 * Fills the categories, the verdict, the source and the classification fields
 * of @record from @decision. The strings are borrowed from @decision.
 */
void
tm_decision_record_set_decision (TmDecisionRecord *record,
                                 const TmDecision *decision)
{
  const TmClassification *c;

  g_return_if_fail (record != NULL);
  g_return_if_fail (decision != NULL);

  c = &decision->classification;
  record->categories = c->categories;
  record->keep = decision->keep;
  record->source = (char *) tm_source_to_id (c->source);
  record->classified = TRUE;
  record->purpose = c->purpose;
  record->third_party = c->third_party;
  record->refused = decision->refused;
  record->rule = (char *) c->rule;
  record->label = (char *) c->label;
  record->top_site = (char *) c->top_site;
}

/**
 * tm_decision_record_describe:
 * @record: a record, from tm_session_store_list_decisions() for instance
 * @translated: %FALSE for the stable English of JSON and logs, %TRUE for the
 *   current language
 *
 * Says the reason again from what the record kept of the decision, exactly as
 * tm_decision_describe() said it when the decision was made, but in the current
 * language when @translated. Rows logged before that was kept (schema 1) give
 * their stored English reason.
 *
 * Returns: (transfer full) (nullable): the reason
 */
char *
tm_decision_record_describe (const TmDecisionRecord *record,
                             gboolean                translated)
{
  TmDecision decision = { 0 };
  TmClassification *c = &decision.classification;

  g_return_val_if_fail (record != NULL, NULL);

  if (!record->classified || record->purpose >= TM_N_CATEGORIES ||
      record->host == NULL || !tm_source_from_id (record->source, &c->source))
    return g_strdup (record->reason);

  decision.keep = record->keep;
  decision.refused = record->refused;
  c->categories = record->categories;
  c->purpose = record->purpose;
  c->third_party = record->third_party;
  c->rule = record->rule;
  c->label = record->label;
  c->host = record->host;
  c->top_site = record->top_site;
  return tm_decision_describe (&decision, record->name != NULL ? record->name : "",
                               translated);
}

static void
item_free (gpointer data)
{
  Item *item = data;

  if (item->kind == ITEM_COOKIE)
    tm_cookie_free (item->data);
  else
    tm_decision_record_free (item->data);
  g_free (item);
}

/* SQL helpers */

static const char *
same_site_to_id (TmSameSite same_site)
{
  switch (same_site)
    {
    case TM_SAME_SITE_STRICT: return "strict";
    case TM_SAME_SITE_LAX:    return "lax";
    case TM_SAME_SITE_NONE:   return "none";
    case TM_SAME_SITE_UNSET:
    default:                  return NULL;
    }
}

static TmSameSite
same_site_from_id (const char *id)
{
  if (id == NULL)
    return TM_SAME_SITE_UNSET;
  if (g_str_equal (id, "strict"))
    return TM_SAME_SITE_STRICT;
  if (g_str_equal (id, "lax"))
    return TM_SAME_SITE_LAX;
  if (g_str_equal (id, "none"))
    return TM_SAME_SITE_NONE;
  return TM_SAME_SITE_UNSET;
}

static void
bind_text_or_null (sqlite3_stmt *stmt,
                   int           index,
                   const char   *text)
{
  if (text == NULL)
    sqlite3_bind_null (stmt, index);
  else
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           index)
{
  const void *bytes;
  int len;

  if (sqlite3_column_type (stmt, index) == SQLITE_NULL)
    return NULL;
  bytes = sqlite3_column_blob (stmt, index);
  len = sqlite3_column_bytes (stmt, index);
  return g_strndup (bytes ? bytes : "", len);
}

/* Reads a row selected with COOKIE_COLUMNS starting at column 0. */
static TmCookie *
cookie_from_row (sqlite3_stmt *stmt)
{
  TmCookie *cookie = tm_cookie_new ();
  g_autofree char *same_site = NULL;

  g_free (cookie->name);
  g_free (cookie->value);
  g_free (cookie->domain);
  g_free (cookie->path);
  cookie->name = column_dup (stmt, 0);
  cookie->value = column_dup (stmt, 1);
  if (cookie->value == NULL)
    cookie->value = g_strdup ("");
  cookie->domain = column_dup (stmt, 2);
  cookie->host_only = sqlite3_column_int (stmt, 3) != 0;
  cookie->path = column_dup (stmt, 4);
  if (sqlite3_column_type (stmt, 5) == SQLITE_NULL)
    cookie->expires = TM_COOKIE_SESSION;
  else
    cookie->expires = sqlite3_column_int64 (stmt, 5);
  cookie->secure = sqlite3_column_int (stmt, 6) != 0;
  cookie->http_only = sqlite3_column_int (stmt, 7) != 0;
  same_site = column_dup (stmt, 8);
  cookie->same_site = same_site_from_id (same_site);
  cookie->partitioned = sqlite3_column_int (stmt, 9) != 0;
  cookie->categories = (TmCategories) sqlite3_column_int64 (stmt, 10);
  cookie->created = sqlite3_column_int64 (stmt, 11);
  return cookie;
}

static gboolean
step_done (TmDatabase   *db,
           sqlite3_stmt *stmt,
           const char   *what,
           GError      **error)
{
  int rc = sqlite3_step (stmt);

  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    {
      tm_database_set_error (db, error, what);
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

/* Adds one to the change counter @key and returns its new value, or -1. */
static gint64
bump_counter (TmDatabase  *db,
              const char  *key,
              GError     **error)
{
  sqlite3_stmt *stmt;
  gint64 value = -1;

  stmt = tm_database_prepare (db, "UPDATE meta SET value = value + 1 WHERE key = ?1 "
                                  "RETURNING value", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    value = sqlite3_column_int64 (stmt, 0);
  else
    tm_database_set_error (db, error, "meta");
  sqlite3_reset (stmt);
  return value;
}

static gboolean
read_counters (TmDatabase  *db,
               gint64      *cookies,
               gint64      *decisions,
               GError     **error)
{
  sqlite3_stmt *stmt;
  int rc;

  stmt = tm_database_prepare (db, "SELECT key, value FROM meta", error);
  if (stmt == NULL)
    return FALSE;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *key = (const char *) sqlite3_column_text (stmt, 0);

      if (g_strcmp0 (key, "cookies") == 0)
        *cookies = sqlite3_column_int64 (stmt, 1);
      else if (g_strcmp0 (key, "decisions") == 0)
        *decisions = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      tm_database_set_error (db, error, "meta");
      return FALSE;
    }
  return TRUE;
}

static gint64
now_seconds (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

/* Deletes expired cookies; returns how many, or -1. */
static gint64
trim_expired (TmDatabase  *db,
              GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = tm_database_prepare (db, "DELETE FROM cookies WHERE expires IS NOT NULL "
                                  "AND expires <= ?1", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, now_seconds ());
  if (!step_done (db, stmt, "cookies", error))
    return -1;
  return sqlite3_changes64 (tm_database_get_handle (db));
}

/* Emission on the main context */

static void
emit_if_newer (TmSessionStore *self,
               gint64          cookies,
               gint64          decisions)
{
  gboolean cookies_changed = cookies > self->seen_cookies;
  gboolean decisions_changed = decisions > self->seen_decisions;

  g_debug ("Session store change counters: cookies %" G_GINT64_FORMAT " (seen %"
           G_GINT64_FORMAT "), decisions %" G_GINT64_FORMAT " (seen %" G_GINT64_FORMAT ")",
           cookies, self->seen_cookies, decisions, self->seen_decisions);
  self->seen_cookies = MAX (self->seen_cookies, cookies);
  self->seen_decisions = MAX (self->seen_decisions, decisions);

  if (cookies_changed)
    g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  if (decisions_changed)
    g_signal_emit (self, signals[SIGNAL_DECISIONS_CHANGED], 0);
}

/* The store outlives this source: dispose destroys it while it is pending, on the
 * thread that runs @context. */
static gboolean
notify_cb (gpointer user_data)
{
  TmSessionStore *self = user_data;
  gint64 cookies, decisions;

  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->notify_source, g_source_unref);
  cookies = self->committed_cookies;
  decisions = self->committed_decisions;
  g_mutex_unlock (&self->lock);

  g_object_ref (self);
  emit_if_newer (self, cookies, decisions);
  g_object_unref (self);
  return G_SOURCE_REMOVE;
}

static void
database_changed_cb (TmDatabase     *db,
                     TmSessionStore *self)
{
  g_autoptr(GError) error = NULL;
  gint64 cookies = self->seen_cookies;
  gint64 decisions = self->seen_decisions;

  if (!read_counters (self->db, &cookies, &decisions, &error))
    {
      /* Better a change reported twice than one missed. */
      g_debug ("Could not read the session store's change counters: %s", error->message);
      g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
      g_signal_emit (self, signals[SIGNAL_DECISIONS_CHANGED], 0);
      return;
    }
  emit_if_newer (self, cookies, decisions);
}

/* The writer thread */

/* RFC 6265bis 5.1.3 on two domain strings: @string is @domain or a subdomain of
 * it (and a host name, not an IP address). Both are stored in lower case. */
static gboolean
domain_string_matches (const char *string,
                       const char *domain)
{
  gsize string_len = strlen (string), domain_len = strlen (domain);

  if (g_ascii_strcasecmp (string, domain) == 0)
    return TRUE;
  return string_len > domain_len &&
         string[string_len - domain_len - 1] == '.' &&
         g_ascii_strcasecmp (string + string_len - domain_len, domain) == 0 &&
         !g_hostname_is_ip_address (string);
}

/* RFC 6265bis 5.1.4: @request_path path-matches @cookie_path. */
static gboolean
path_matches (const char *request_path,
              const char *cookie_path)
{
  gsize len = strlen (cookie_path);

  if (strncmp (request_path, cookie_path, len) != 0)
    return FALSE;
  return request_path[len] == '\0' ||
         (len > 0 && cookie_path[len - 1] == '/') ||
         request_path[len] == '/';
}

/* RFC 6265bis 5.7 step 16, "leave secure cookies alone": whether a cookie set
 * over an insecure channel must be ignored because a live Secure cookie of the
 * same name exists whose domain domain-matches the new cookie's (or the other way
 * round) and whose path the new cookie's path path-matches. Such a cookie could
 * otherwise overwrite the Secure one or shadow it, being sent before it. */
static gboolean
shadows_secure_cookie (TmDatabase      *db,
                       const TmCookie  *cookie,
                       gboolean        *shadows,
                       GError         **error)
{
  sqlite3_stmt *stmt;
  int rc;

  *shadows = FALSE;
  stmt = tm_database_prepare (db, "SELECT domain, path FROM cookies "
                                  "WHERE name = ?1 AND secure = 1 "
                                  "AND (expires IS NULL OR expires > ?2)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, cookie->name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, now_seconds ());
  while (!*shadows && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *domain = (const char *) sqlite3_column_text (stmt, 0);
      const char *path = (const char *) sqlite3_column_text (stmt, 1);

      *shadows = domain != NULL && path != NULL &&
                 (domain_string_matches (domain, cookie->domain) ||
                  domain_string_matches (cookie->domain, domain)) &&
                 path_matches (cookie->path, path);
    }
  if (!*shadows && rc != SQLITE_DONE)
    {
      tm_database_set_error (db, error, "cookies");
      sqlite3_reset (stmt);
      return FALSE;
    }
  sqlite3_reset (stmt);
  return TRUE;
}

static gboolean
write_cookie (TmDatabase      *db,
              const TmCookie  *cookie,
              gboolean         secure_origin,
              gint64           now,
              gint64          *changes,
              GError         **error)
{
  sqlite3_stmt *stmt;

  if (!secure_origin)
    {
      gboolean shadows;

      /* RFC 6265bis 5.7 steps 10 and 16: a browser ignores both. */
      if (cookie->secure)
        {
          g_debug ("Ignoring the Secure cookie “%s” of %s: it came over plain HTTP",
                   cookie->name, cookie->domain);
          return TRUE;
        }
      if (!shadows_secure_cookie (db, cookie, &shadows, error))
        return FALSE;
      if (shadows)
        {
          g_debug ("Ignoring the cookie “%s” of %s%s: it came over plain HTTP and would "
                   "replace or shadow a Secure cookie", cookie->name, cookie->domain,
                   cookie->path);
          return TRUE;
        }
    }

  if (tm_cookie_is_expired (cookie, now_seconds ()))
    {
      stmt = tm_database_prepare (db, "DELETE FROM cookies WHERE name = ?1 AND domain = ?2 "
                                      "AND host_only = ?3 AND path = ?4", error);
      if (stmt == NULL)
        return FALSE;
      sqlite3_bind_text (stmt, 1, cookie->name, -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 2, cookie->domain, -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 3, cookie->host_only ? 1 : 0);
      sqlite3_bind_text (stmt, 4, cookie->path, -1, SQLITE_STATIC);
      if (!step_done (db, stmt, "cookies", error))
        return FALSE;
      *changes += sqlite3_changes64 (tm_database_get_handle (db));
      return TRUE;
    }

  /* A replacement keeps the old cookie's creation time (RFC 6265bis 5.7). */
  stmt = tm_database_prepare (db,
    "INSERT INTO cookies (" COOKIE_COLUMNS ", last_access) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) "
    "ON CONFLICT (name, domain, host_only, path) DO UPDATE SET "
    "  value = excluded.value,"
    "  expires = excluded.expires, secure = excluded.secure,"
    "  http_only = excluded.http_only, same_site = excluded.same_site,"
    "  partitioned = excluded.partitioned, categories = excluded.categories,"
    "  last_access = excluded.last_access", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, cookie->name, -1, SQLITE_STATIC);
  sqlite3_bind_blob (stmt, 2, cookie->value ? cookie->value : "",
                     cookie->value ? (int) strlen (cookie->value) : 0, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, cookie->domain, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, cookie->host_only ? 1 : 0);
  sqlite3_bind_text (stmt, 5, cookie->path, -1, SQLITE_STATIC);
  if (cookie->expires == TM_COOKIE_SESSION)
    sqlite3_bind_null (stmt, 6);
  else
    sqlite3_bind_int64 (stmt, 6, cookie->expires);
  sqlite3_bind_int (stmt, 7, cookie->secure ? 1 : 0);
  sqlite3_bind_int (stmt, 8, cookie->http_only ? 1 : 0);
  bind_text_or_null (stmt, 9, same_site_to_id (cookie->same_site));
  sqlite3_bind_int (stmt, 10, cookie->partitioned ? 1 : 0);
  sqlite3_bind_int64 (stmt, 11, cookie->categories);
  sqlite3_bind_int64 (stmt, 12, cookie->created != 0 ? cookie->created : now);
  sqlite3_bind_int64 (stmt, 13, now);
  if (!step_done (db, stmt, "cookies", error))
    return FALSE;
  *changes += 1;
  return TRUE;
}

static gboolean
write_decision (TmDatabase              *db,
                const TmDecisionRecord  *record,
                GError                 **error)
{
  sqlite3_stmt *stmt;

  stmt = tm_database_prepare (db,
    "INSERT INTO decisions (time, site, host, name, direction, categories, decision,"
    "  reason, source, purpose, third_party, refused, rule, label, top_site)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, record->time);
  bind_text_or_null (stmt, 2, record->site);
  bind_text_or_null (stmt, 3, record->host);
  sqlite3_bind_text (stmt, 4, record->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, record->direction, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 6, record->categories);
  sqlite3_bind_text (stmt, 7, record->keep ? "keep" : "block", -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 8, record->reason);
  bind_text_or_null (stmt, 9, record->source);
  if (record->classified && record->purpose < TM_N_CATEGORIES)
    {
      sqlite3_bind_text (stmt, 10, tm_category_to_id (record->purpose), -1, SQLITE_STATIC);
      sqlite3_bind_int (stmt, 11, record->third_party ? 1 : 0);
      sqlite3_bind_int64 (stmt, 12, record->refused);
      bind_text_or_null (stmt, 13, record->rule);
      bind_text_or_null (stmt, 14, record->label);
      bind_text_or_null (stmt, 15, record->top_site);
    }
  return step_done (db, stmt, "decisions", error);
}

/* Writes @batch in one transaction. On success, @cookies/@decisions hold the new
 * change counters (unchanged when nothing of that kind changed). */
static gboolean
write_batch (TmDatabase  *db,
             GPtrArray   *batch,
             gint64      *cookies,
             gint64      *decisions,
             GError     **error)
{
  gint64 now = g_get_real_time ();
  gint64 changes = 0, trimmed;
  guint n_decisions = 0;

  if (!tm_database_begin (db, error))
    return FALSE;

  for (guint i = 0; i < batch->len; i++)
    {
      Item *item = g_ptr_array_index (batch, i);

      if (item->kind == ITEM_COOKIE)
        {
          if (!write_cookie (db, item->data, item->secure_origin, now, &changes, error))
            goto fail;
        }
      else
        {
          if (!write_decision (db, item->data, error))
            goto fail;
          n_decisions++;
        }
    }

  if ((trimmed = trim_expired (db, error)) < 0)
    goto fail;
  changes += trimmed;

  if (n_decisions > 0)
    {
      sqlite3_stmt *stmt;

      /* Ids grow by one per row and only this trim deletes: keep the newest rows. */
      stmt = tm_database_prepare (db, "DELETE FROM decisions WHERE id <= "
                                      "(SELECT MAX(id) FROM decisions) - ?1", error);
      if (stmt == NULL)
        goto fail;
      sqlite3_bind_int (stmt, 1, TM_SESSION_STORE_MAX_DECISIONS);
      if (!step_done (db, stmt, "decisions", error))
        goto fail;
      if ((*decisions = bump_counter (db, "decisions", error)) < 0)
        goto fail;
    }
  if (changes > 0 && (*cookies = bump_counter (db, "cookies", error)) < 0)
    goto fail;

  if (!tm_database_commit (db, error))
    goto fail;
  return TRUE;

fail:
  tm_database_rollback (db);
  return FALSE;
}

static gpointer
writer_thread (gpointer data)
{
  TmSessionStore *self = data;
  g_autoptr(TmDatabase) db = NULL;
  g_autoptr(GError) open_error = NULL;

  /* A connection of its own, opened in this thread: the main connection stays free
   * for readers, and SQLite connections are best kept to one thread. */
  db = tm_database_open (self->path, (const char * const *) migrations,
                         G_N_ELEMENTS (migrations), &open_error);
  if (db == NULL)
    g_warning ("Could not open the cookie store for writing: %s", open_error->message);
  else
    {
      g_autoptr(GError) pragma_error = NULL;

      /* This connection makes nearly all the commits, so its automatic
       * checkpoints are the ones that run. SQLite's default (every 1000 pages)
       * leaves a 4 MiB WAL behind under load, since a WAL file is reused, not
       * shrunk: checkpoint every 256 pages and cut the file back to 1 MiB. */
      if (!tm_database_exec (db, "PRAGMA wal_autocheckpoint = 256;"
                                 "PRAGMA journal_size_limit = 1048576;", &pragma_error))
        g_debug ("Could not bound the cookie store's log: %s", pragma_error->message);
    }

  g_mutex_lock (&self->lock);
  for (;;)
    {
      g_autoptr(GPtrArray) batch = NULL;
      g_autoptr(GError) error = NULL;
      gint64 deadline, cookies = -1, decisions = -1;
      guint64 upto;
      gboolean ok;

      while (self->queue->len == 0 && !self->stopping)
        g_cond_wait (&self->work_cond, &self->lock);
      if (self->queue->len == 0)
        break;

      /* Gather more work unless someone waits for it. */
      deadline = g_get_monotonic_time () + BATCH_DELAY_USEC;
      while (self->n_flushers == 0 && !self->stopping)
        if (!g_cond_wait_until (&self->work_cond, &self->lock, deadline))
          break;

      batch = g_steal_pointer (&self->queue);
      self->queue = g_ptr_array_new_with_free_func (item_free);
      upto = self->queued_seq;
      g_mutex_unlock (&self->lock);

      if (db != NULL)
        ok = write_batch (db, batch, &cookies, &decisions, &error);
      else
        {
          ok = FALSE;
          g_set_error_literal (&error, TM_SESSION_STORE_ERROR,
                               TM_SESSION_STORE_ERROR_FAILED, open_error->message);
        }
      if (!ok && db != NULL)
        g_warning ("Could not write %u changes to the cookie store: %s",
                   batch->len, error->message);
      /* Freed outside the lock: puts need not wait for it. */
      g_clear_pointer (&batch, g_ptr_array_unref);

      g_mutex_lock (&self->lock);
      self->done_seq = upto;
      if (ok)
        {
          self->n_commits++;
          if (cookies >= 0)
            self->committed_cookies = MAX (self->committed_cookies, cookies);
          if (decisions >= 0)
            self->committed_decisions = MAX (self->committed_decisions, decisions);
          if ((cookies >= 0 || decisions >= 0) && self->notify_source == NULL)
            {
              self->notify_source = g_idle_source_new ();
              g_source_set_priority (self->notify_source, G_PRIORITY_DEFAULT);
              g_source_set_callback (self->notify_source, notify_cb, self, NULL);
              g_source_set_static_name (self->notify_source, "[temoin] session store changed");
              g_source_attach (self->notify_source, self->context);
            }
        }
      else
        {
          self->failed_seq = upto;
          g_free (self->failure);
          self->failure = g_strdup (error->message);
        }
      g_cond_broadcast (&self->done_cond);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/* Called with @lock held. */
static void
enqueue_locked (TmSessionStore *self,
                ItemKind        kind,
                gpointer        data,
                gboolean        secure_origin)
{
  Item *item;

  /* Too late: the store is going away and its writer has stopped. */
  if (self->stopping)
    {
      g_warning ("A write to the cookie store came after it was closed; it is dropped");
      item = g_new0 (Item, 1);
      item->kind = kind;
      item->data = data;
      item_free (item);
      return;
    }

  item = g_new0 (Item, 1);
  item->kind = kind;
  item->data = data;
  item->secure_origin = secure_origin;
  g_ptr_array_add (self->queue, item);
  self->queued_seq++;

  if (self->writer == NULL)
    self->writer = g_thread_new ("tm-session-writer", writer_thread, self);
  else if (self->queue->len == 1)
    g_cond_signal (&self->work_cond);
}

/* GObject */

static void
tm_session_store_dispose (GObject *object)
{
  TmSessionStore *self = TM_SESSION_STORE (object);
  GThread *writer;

  /* Whatever was queued is still written: stopping drains the queue. */
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  writer = g_steal_pointer (&self->writer);
  g_cond_signal (&self->work_cond);
  g_mutex_unlock (&self->lock);
  if (writer != NULL)
    g_thread_join (writer);

  g_mutex_lock (&self->lock);
  if (self->notify_source != NULL)
    {
      g_source_destroy (self->notify_source);
      g_clear_pointer (&self->notify_source, g_source_unref);
    }
  g_mutex_unlock (&self->lock);

  if (self->db != NULL)
    g_signal_handlers_disconnect_by_data (self->db, self);
  g_clear_object (&self->db);

  G_OBJECT_CLASS (tm_session_store_parent_class)->dispose (object);
}

static void
tm_session_store_finalize (GObject *object)
{
  TmSessionStore *self = TM_SESSION_STORE (object);

  g_clear_pointer (&self->queue, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->failure);
  g_free (self->path);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->work_cond);
  g_cond_clear (&self->done_cond);

  G_OBJECT_CLASS (tm_session_store_parent_class)->finalize (object);
}

static void
tm_session_store_class_init (TmSessionStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tm_session_store_dispose;
  object_class->finalize = tm_session_store_finalize;

  /**
   * TmSessionStore::changed:
   *
   * The stored cookies changed, through this store or another process.
   */
  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  /**
   * TmSessionStore::decisions-changed:
   *
   * Decisions were added to the decision table, here or in another process.
   */
  signals[SIGNAL_DECISIONS_CHANGED] =
    g_signal_new ("decisions-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
tm_session_store_init (TmSessionStore *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->work_cond);
  g_cond_init (&self->done_cond);
  self->queue = g_ptr_array_new_with_free_func (item_free);
  self->context = g_main_context_ref_thread_default ();
}

/* Public API */

/* tm_session_store_new() and tm_session_store_new_read_only(). */
static TmSessionStore *
store_new (const char  *data_dir,
           gboolean     read_only,
           GError     **error)
{
  g_autoptr(TmSessionStore) self = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (TM_TYPE_SESSION_STORE, NULL);
  self->path = g_build_filename (data_dir, TM_SESSION_STORE_FILENAME, NULL);
  if (read_only)
    self->db = tm_database_open_read_only (self->path, (const char * const *) migrations,
                                           G_N_ELEMENTS (migrations), &local_error);
  else
    self->db = tm_database_open (self->path, (const char * const *) migrations,
                                 G_N_ELEMENTS (migrations), &local_error);
  if (self->db == NULL)
    {
      g_set_error (error, TM_SESSION_STORE_ERROR, TM_SESSION_STORE_ERROR_FAILED,
                   _("Could not open the cookie store %s: %s"),
                   self->path, local_error->message);
      return NULL;
    }
  if (!read_counters (self->db, &self->seen_cookies, &self->seen_decisions, &local_error))
    {
      g_set_error (error, TM_SESSION_STORE_ERROR, TM_SESSION_STORE_ERROR_FAILED,
                   _("Could not read the cookie store %s: %s"),
                   self->path, local_error->message);
      return NULL;
    }

  g_signal_connect_object (self->db, "changed", G_CALLBACK (database_changed_cb),
                           self, G_CONNECT_DEFAULT);
  tm_database_watch (self->db);

  return g_steal_pointer (&self);
}

/**
 * tm_session_store_new:
 * @data_dir: the data directory
 * @error: return location for a #GError
 *
 * Opens or creates `cookies.sqlite` in @data_dir. A corrupt file is moved aside
 * (tm_session_store_get_moved_aside()). Signals are emitted on the thread-default
 * main context of the caller, which should use the store from that thread
 * (tm_session_store_put(), tm_session_store_log_decision() and
 * tm_session_store_flush() excepted: they are thread-safe).
 *
 * Returns: (transfer full) (nullable): the store, or %NULL with @error set
 */
TmSessionStore *
tm_session_store_new (const char  *data_dir,
                      GError     **error)
{
  return store_new (data_dir, FALSE, error);
}

/**
 * tm_session_store_new_read_only:
 * @data_dir: the data directory, which may be missing
 * @error: return location for a #GError
 *
 * Opens `cookies.sqlite` for the commands that only read (see
 * tm_database_open_read_only()): nothing is created or written, a missing file
 * reads as an empty store, and a read-only or full disk is no obstacle. Only the
 * listing functions may be used.
 *
 * Returns: (transfer full) (nullable): the store, or %NULL with @error set
 */
TmSessionStore *
tm_session_store_new_read_only (const char  *data_dir,
                                GError     **error)
{
  return store_new (data_dir, TRUE, error);
}

/**
 * tm_session_store_get_moved_aside:
 * @self: a #TmSessionStore
 *
 * Returns: (nullable): where a corrupt store was moved when it was opened
 */
const char *
tm_session_store_get_moved_aside (TmSessionStore *self)
{
  g_return_val_if_fail (TM_IS_SESSION_STORE (self), NULL);

  return tm_database_get_moved_aside (self->db);
}

/**
 * tm_session_store_get_read_warning:
 * @self: a #TmSessionStore
 *
 * Returns: (nullable): for a store opened with tm_session_store_new_read_only(),
 *   what to tell the person (tm_database_get_read_warning()), or %NULL
 */
const char *
tm_session_store_get_read_warning (TmSessionStore *self)
{
  g_return_val_if_fail (TM_IS_SESSION_STORE (self), NULL);

  return tm_database_get_read_warning (self->db);
}

/**
 * tm_session_store_put:
 * @self: a #TmSessionStore
 * @cookie: the cookie to store (copied)
 *
 * Queues @cookie to be written, as set over a secure channel; see the header.
 * Thread-safe.
 */
void
tm_session_store_put (TmSessionStore *self,
                      const TmCookie *cookie)
{
  tm_session_store_put_from (self, cookie, TRUE);
}

/**
 * tm_session_store_put_from:
 * @self: a #TmSessionStore
 * @cookie: the cookie to store (copied)
 * @secure_origin: whether @cookie was set over a secure channel (an `https`
 *   request, tunnelled or inspected)
 *
 * Like tm_session_store_put(), but a cookie set over plain HTTP is ignored when
 * it is Secure, or when it would replace or shadow a Secure cookie (RFC 6265bis
 * 5.7, "leave secure cookies alone"), as a browser ignores it. That is decided
 * when the write is committed, against the cookies stored by then. Thread-safe.
 */
void
tm_session_store_put_from (TmSessionStore *self,
                           const TmCookie *cookie,
                           gboolean        secure_origin)
{
  TmCookie *copy;

  g_return_if_fail (TM_IS_SESSION_STORE (self));
  g_return_if_fail (cookie != NULL);
  g_return_if_fail (cookie->name != NULL && cookie->domain != NULL && cookie->path != NULL);

  copy = tm_cookie_copy (cookie);
  if (copy->created == 0)
    copy->created = g_get_real_time ();

  g_mutex_lock (&self->lock);
  enqueue_locked (self, ITEM_COOKIE, copy, secure_origin);
  g_mutex_unlock (&self->lock);
}

/**
 * tm_session_store_log_decision:
 * @self: a #TmSessionStore
 * @record: the decision (copied; its id is ignored)
 *
 * Queues @record for the decision table. Thread-safe.
 */
void
tm_session_store_log_decision (TmSessionStore         *self,
                               const TmDecisionRecord *record)
{
  TmDecisionRecord *copy;

  g_return_if_fail (TM_IS_SESSION_STORE (self));
  g_return_if_fail (record != NULL);
  g_return_if_fail (g_strcmp0 (record->direction, "response") == 0 ||
                    g_strcmp0 (record->direction, "request") == 0);

  copy = tm_decision_record_copy (record);
  copy->id = 0;
  if (copy->time == 0)
    copy->time = g_get_real_time ();

  g_mutex_lock (&self->lock);
  enqueue_locked (self, ITEM_DECISION, copy, FALSE);
  g_mutex_unlock (&self->lock);
}

/**
 * tm_session_store_flush:
 * @self: a #TmSessionStore
 * @error: return location for a #GError
 *
 * Blocks until everything queued before the call is committed. Thread-safe.
 *
 * Returns: %FALSE with @error set when a batch failed since the last flush
 */
gboolean
tm_session_store_flush (TmSessionStore  *self,
                        GError         **error)
{
  guint64 target;
  g_autofree char *failure = NULL;

  g_return_val_if_fail (TM_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  target = self->queued_seq;
  if (self->done_seq < target)
    {
      self->n_flushers++;
      g_cond_signal (&self->work_cond);
      while (self->done_seq < target)
        g_cond_wait (&self->done_cond, &self->lock);
      self->n_flushers--;
    }
  if (self->failed_seq > self->reported_seq)
    failure = g_strdup (self->failure);
  self->reported_seq = MAX (self->reported_seq, target);
  g_mutex_unlock (&self->lock);

  if (failure != NULL)
    {
      g_set_error (error, TM_SESSION_STORE_ERROR, TM_SESSION_STORE_ERROR_FAILED,
                   _("Could not save cookies to %s: %s. Check that the disk is not full "
                     "and that the data directory is writable."), self->path, failure);
      return FALSE;
    }
  return TRUE;
}

/**
 * tm_session_store_get_n_commits:
 * @self: a #TmSessionStore
 *
 * Returns: how many batches the writer thread has committed
 */
guint64
tm_session_store_get_n_commits (TmSessionStore *self)
{
  guint64 n;

  g_return_val_if_fail (TM_IS_SESSION_STORE (self), 0);

  g_mutex_lock (&self->lock);
  n = self->n_commits;
  g_mutex_unlock (&self->lock);
  return n;
}

static void
wrap_error (TmSessionStore  *self,
            GError         **error,
            GError          *local_error,
            const char      *what)
{
  g_set_error (error, TM_SESSION_STORE_ERROR, TM_SESSION_STORE_ERROR_FAILED,
               "%s (%s): %s", what, self->path, local_error->message);
}

/* Commits what is queued, then deletes the session cookies in a transaction on
 * the main connection, and reports the change if it deleted anything. */
static gboolean
delete_session_cookies (TmSessionStore  *self,
                        GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;
  gint64 cookies = -1;

  if (!tm_session_store_flush (self, error))
    return FALSE;

  if (!tm_database_begin (self->db, &local_error))
    goto fail;
  stmt = tm_database_prepare (self->db, "DELETE FROM cookies WHERE expires IS NULL",
                              &local_error);
  if (stmt == NULL || !step_done (self->db, stmt, "cookies", &local_error))
    goto rollback;
  if (sqlite3_changes64 (tm_database_get_handle (self->db)) > 0 &&
      (cookies = bump_counter (self->db, "cookies", &local_error)) < 0)
    goto rollback;
  if (!tm_database_commit (self->db, &local_error))
    goto rollback;

  emit_if_newer (self, cookies, -1);
  return TRUE;

rollback:
  tm_database_rollback (self->db);
fail:
  wrap_error (self, error, local_error, _("Could not delete session cookies"));
  return FALSE;
}

/**
 * tm_session_store_begin_session:
 * @self: a #TmSessionStore
 * @error: return location for a #GError
 *
 * A proxy session starts: the session cookies of an earlier one (one that was
 * killed, say) are deleted.
 *
 * Returns: %TRUE on success
 */
gboolean
tm_session_store_begin_session (TmSessionStore  *self,
                                GError         **error)
{
  g_return_val_if_fail (TM_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return delete_session_cookies (self, error);
}

/**
 * tm_session_store_end_session:
 * @self: a #TmSessionStore
 * @error: return location for a #GError
 *
 * A proxy session ends cleanly: pending writes are committed, then its session
 * cookies are deleted.
 *
 * Returns: %TRUE on success
 */
gboolean
tm_session_store_end_session (TmSessionStore  *self,
                              GError         **error)
{
  g_return_val_if_fail (TM_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return delete_session_cookies (self, error);
}

typedef struct {
  char     *site;
  TmCookie *cookie;
} SiteCookie;

static void
site_cookie_clear (gpointer data)
{
  SiteCookie *sc = data;

  g_free (sc->site);
  tm_cookie_free (sc->cookie);
}

static int
compare_site_cookie (gconstpointer a,
                     gconstpointer b)
{
  const SiteCookie *x = a, *y = b;
  int cmp = strcmp (x->site, y->site);

  if (cmp != 0)
    return cmp;
  return (x->cookie->created > y->cookie->created) - (x->cookie->created < y->cookie->created);
}

/* The site a cookie belongs to: the registrable domain of its domain, or the host. */
static const char *
site_of_domain (GHashTable *cache,
                const char *domain)
{
  char *site = g_hash_table_lookup (cache, domain);

  if (site == NULL)
    {
      site = tm_site_for_host (domain);
      g_hash_table_insert (cache, g_strdup (domain), site);
    }
  return site;
}

static char *
normalize_site (const char *site)
{
  g_autofree char *lower = NULL;
  const char *p = site;
  gsize len;

  while (*p == '.')
    p++;
  lower = g_ascii_strdown (p, -1);
  len = strlen (lower);
  while (len > 0 && lower[len - 1] == '.')
    lower[--len] = '\0';
  return tm_site_for_host (lower);
}

/* The unexpired cookies with their site, ordered by (site, created), optionally
 * only those of @site. (element-type SiteCookie) */
static GArray *
select_by_site (TmSessionStore  *self,
                const char      *site,
                GError         **error)
{
  g_autoptr(GArray) rows = g_array_new (FALSE, TRUE, sizeof (SiteCookie));
  g_autoptr(GHashTable) cache = g_hash_table_new_full (g_str_hash, g_str_equal,
                                                       g_free, g_free);
  g_autofree char *wanted = site ? normalize_site (site) : NULL;
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_array_set_clear_func (rows, site_cookie_clear);

  stmt = tm_database_prepare (self->db,
    "SELECT " COOKIE_COLUMNS " FROM cookies WHERE expires IS NULL OR expires > ?1 "
    "ORDER BY created, rowid", &local_error);
  if (stmt == NULL)
    {
      wrap_error (self, error, local_error, _("Could not read the cookie store"));
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, now_seconds ());
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      SiteCookie sc;
      const char *domain = (const char *) sqlite3_column_text (stmt, 2);
      const char *cookie_site = site_of_domain (cache, domain ? domain : "");

      if (wanted != NULL && g_ascii_strcasecmp (cookie_site, wanted) != 0)
        continue;
      sc.site = g_strdup (cookie_site);
      sc.cookie = cookie_from_row (stmt);
      g_array_append_val (rows, sc);
    }
  if (rc != SQLITE_DONE)
    {
      tm_database_set_error (self->db, &local_error, "cookies");
      sqlite3_reset (stmt);
      wrap_error (self, error, local_error, _("Could not read the cookie store"));
      return NULL;
    }
  sqlite3_reset (stmt);

  /* Stable: equal keys keep the (created, rowid) order of the query. */
  g_array_sort (rows, compare_site_cookie);
  return g_steal_pointer (&rows);
}

/**
 * tm_session_store_list:
 * @self: a #TmSessionStore
 * @site: (nullable): a site: its registrable domain and subdomains are kept (the
 *   host itself for IP addresses and `localhost`)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TmCookie): the unexpired cookies, by
 *   site then creation, or %NULL with @error set
 */
GPtrArray *
tm_session_store_list (TmSessionStore  *self,
                       const char      *site,
                       GError         **error)
{
  g_autoptr(GArray) rows = NULL;
  GPtrArray *cookies;

  g_return_val_if_fail (TM_IS_SESSION_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  rows = select_by_site (self, site, error);
  if (rows == NULL)
    return NULL;

  cookies = g_ptr_array_new_full (rows->len, (GDestroyNotify) tm_cookie_free);
  for (guint i = 0; i < rows->len; i++)
    {
      SiteCookie *sc = &g_array_index (rows, SiteCookie, i);

      g_ptr_array_add (cookies, g_steal_pointer (&sc->cookie));
    }
  return cookies;
}

static int
compare_send_order (gconstpointer a,
                    gconstpointer b)
{
  const TmCookie *x = *(TmCookie * const *) a;
  const TmCookie *y = *(TmCookie * const *) b;
  gsize lx = strlen (x->path), ly = strlen (y->path);

  /* RFC 6265bis 5.8.3: longer paths first, then earlier creation times first. */
  if (lx != ly)
    return lx > ly ? -1 : 1;
  return (x->created > y->created) - (x->created < y->created);
}

/* RFC 3986 5.2.4 on @path (which starts with "/"), in place: what a client does
 * to a URL's path before it sends it. */
static void
remove_dot_segments (char *path)
{
  g_autoptr(GString) out = g_string_sized_new (strlen (path));
  char *in = path;

  while (*in != '\0')
    {
      if (g_str_has_prefix (in, "../"))
        in += 3;
      else if (g_str_has_prefix (in, "./"))
        in += 2;
      else if (g_str_has_prefix (in, "/./"))
        in += 2;
      else if (g_str_equal (in, "/."))
        {
          in[1] = '/';
          in += 1;
        }
      else if (g_str_has_prefix (in, "/../") || g_str_equal (in, "/.."))
        {
          char *slash;

          if (in[3] == '\0')
            in[2] = '/';
          in += in[3] == '\0' ? 2 : 3;
          slash = strrchr (out->str, '/');
          g_string_truncate (out, slash != NULL ? (gsize) (slash - out->str) : 0);
        }
      else if (g_str_equal (in, ".") || g_str_equal (in, ".."))
        break;
      else
        {
          const char *end = strchr (in + 1, '/');
          gsize len = end != NULL ? (gsize) (end - in) : strlen (in);

          g_string_append_len (out, in, len);
          in += len;
        }
    }
  memcpy (path, out->str, out->len + 1);
}

/* The path of @url as a client sends it: percent-encoding kept as written (RFC
 * 6265bis 5.1.4 compares the request path as it is, and GUri would decode
 * unreserved characters: "/f%6Fo" into "/foo"), dot segments removed. @url is an
 * absolute http(s) URL that g_uri_parse() accepted. */
static char *
request_path_of (const char *url)
{
  const char *start = strstr (url, "://");
  gsize len;
  char *path;

  g_assert (start != NULL);
  start += 3;
  start += strcspn (start, "/?#");   /* the authority */
  len = strcspn (start, "?#");
  if (len == 0 || *start != '/')
    return g_strdup ("/");
  path = g_strndup (start, len);
  remove_dot_segments (path);
  if (*path == '\0')
    {
      g_free (path);
      return g_strdup ("/");
    }
  return path;
}

/**
 * tm_session_store_list_for_url:
 * @self: a #TmSessionStore
 * @url: an `http` or `https` URL
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TmCookie): the cookies a client would send
 *   to @url, in the order it would send them, or %NULL with @error set
 *   (%TM_SESSION_STORE_ERROR_INVALID_URL for a URL that is not http(s))
 */
GPtrArray *
tm_session_store_list_for_url (TmSessionStore  *self,
                               const char      *url,
                               GError         **error)
{
  g_autoptr(GUri) uri = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GPtrArray) cookies = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GString) candidates = NULL;
  const char *scheme;
  gboolean secure;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TM_IS_SESSION_STORE (self), NULL);
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_PATH | G_URI_FLAGS_ENCODED_QUERY, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0' ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0))
    {
      g_set_error (error, TM_SESSION_STORE_ERROR, TM_SESSION_STORE_ERROR_INVALID_URL,
                   _("“%s” is not an http or https URL, such as https://example.org/"),
                   url);
      return NULL;
    }
  secure = g_ascii_strcasecmp (scheme, "https") == 0;
  host = g_ascii_strdown (g_uri_get_host (uri), -1);
  if (g_str_has_suffix (host, ".") && strlen (host) > 1)
    host[strlen (host) - 1] = '\0';
  path = request_path_of (url);

  /* The domain index narrows to the host and its parent domains (a JSON array
   * for json_each()); the RFC rules of tm_cookie_matches() decide. */
  candidates = g_string_new ("[");
  tm_json_append_escaped (candidates, host);
  if (!g_hostname_is_ip_address (host))
    for (const char *dot = strchr (host, '.'); dot != NULL; dot = strchr (dot + 1, '.'))
      if (dot[1] != '\0')
        {
          g_string_append_c (candidates, ',');
          tm_json_append_escaped (candidates, dot + 1);
        }
  g_string_append_c (candidates, ']');

  stmt = tm_database_prepare (self->db,
    "SELECT " COOKIE_COLUMNS " FROM cookies "
    "WHERE domain IN (SELECT value FROM json_each (?2)) "
    "AND (expires IS NULL OR expires > ?1) "
    "ORDER BY created, rowid", &local_error);
  if (stmt == NULL)
    {
      wrap_error (self, error, local_error, _("Could not read the cookie store"));
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, now_seconds ());
  sqlite3_bind_text (stmt, 2, candidates->str, (int) candidates->len, SQLITE_STATIC);

  cookies = g_ptr_array_new_with_free_func ((GDestroyNotify) tm_cookie_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      g_autoptr(TmCookie) cookie = cookie_from_row (stmt);

      if (tm_cookie_matches (cookie, host, path, secure))
        g_ptr_array_add (cookies, g_steal_pointer (&cookie));
    }
  if (rc != SQLITE_DONE)
    {
      tm_database_set_error (self->db, &local_error, "cookies");
      sqlite3_reset (stmt);
      wrap_error (self, error, local_error, _("Could not read the cookie store"));
      return NULL;
    }
  sqlite3_reset (stmt);

  /* GLib's sorts are stable: equal keys keep the (created, rowid) query order. */
  g_ptr_array_sort (cookies, compare_send_order);
  return g_steal_pointer (&cookies);
}

/* Tombstones the cookie at @rowid and deletes it. */
static gboolean
bury (TmDatabase  *db,
      gint64       rowid,
      gint64       now,
      GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = tm_database_prepare (db,
    "INSERT INTO tombstones (name, domain, host_only, path, secure, http_only, deleted_at) "
    "SELECT name, domain, host_only, path, secure, http_only, ?2 FROM cookies "
    "WHERE rowid = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rowid);
  sqlite3_bind_int64 (stmt, 2, now);
  if (!step_done (db, stmt, "tombstones", error))
    return FALSE;

  stmt = tm_database_prepare (db, "DELETE FROM cookies WHERE rowid = ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, rowid);
  return step_done (db, stmt, "cookies", error);
}

static gboolean
forget_old_tombstones (TmDatabase  *db,
                       gint64       now,
                       GError     **error)
{
  sqlite3_stmt *stmt;

  stmt = tm_database_prepare (db, "DELETE FROM tombstones WHERE deleted_at < ?1", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now - TOMBSTONE_MAX_AGE_USEC);
  return step_done (db, stmt, "tombstones", error);
}

/**
 * tm_session_store_purge:
 * @self: a #TmSessionStore
 * @kind: what to delete
 * @categories: for %TM_PURGE_CATEGORY, the categories (any of them)
 * @site: for %TM_PURGE_SITE, the site (as in tm_session_store_list())
 * @error: return location for a #GError
 *
 * Deletes cookies and records a tombstone for each in the same transaction, after
 * committing what this store had queued.
 *
 * Returns: the number of cookies deleted, or -1 with @error set
 */
gint64
tm_session_store_purge (TmSessionStore  *self,
                        TmPurgeKind      kind,
                        TmCategories     categories,
                        const char      *site,
                        GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GArray) rowids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autofree char *wanted = NULL;
  g_autoptr(GHashTable) cache = NULL;
  gint64 now = g_get_real_time ();
  gint64 cookies = -1;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TM_IS_SESSION_STORE (self), -1);
  g_return_val_if_fail (kind <= TM_PURGE_SITE, -1);
  g_return_val_if_fail (kind != TM_PURGE_SITE || site != NULL, -1);
  g_return_val_if_fail (error == NULL || *error == NULL, -1);

  /* A cookie queued before the purge must not come back after it. */
  if (!tm_session_store_flush (self, error))
    return -1;

  if (kind == TM_PURGE_SITE)
    {
      wanted = normalize_site (site);
      cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
    }

  if (!tm_database_begin (self->db, &local_error))
    goto fail;
  if (trim_expired (self->db, &local_error) < 0)
    goto rollback;

  stmt = tm_database_prepare (self->db, "SELECT rowid, domain, categories FROM cookies",
                              &local_error);
  if (stmt == NULL)
    goto rollback;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 rowid = sqlite3_column_int64 (stmt, 0);
      const char *domain = (const char *) sqlite3_column_text (stmt, 1);
      TmCategories carried = (TmCategories) sqlite3_column_int64 (stmt, 2);
      gboolean match = FALSE;

      switch (kind)
        {
        case TM_PURGE_ALL:
          match = TRUE;
          break;
        case TM_PURGE_CATEGORY:
          match = (carried & categories) != 0;
          break;
        case TM_PURGE_SITE:
          match = g_ascii_strcasecmp (site_of_domain (cache, domain ? domain : ""),
                                      wanted) == 0;
          break;
        default:
          g_assert_not_reached ();
        }
      if (match)
        g_array_append_val (rowids, rowid);
    }
  sqlite3_reset (stmt);
  if (rc != SQLITE_DONE)
    {
      tm_database_set_error (self->db, &local_error, "cookies");
      goto rollback;
    }

  for (guint i = 0; i < rowids->len; i++)
    if (!bury (self->db, g_array_index (rowids, gint64, i), now, &local_error))
      goto rollback;

  if (!forget_old_tombstones (self->db, now, &local_error))
    goto rollback;

  if (rowids->len > 0 && (cookies = bump_counter (self->db, "cookies", &local_error)) < 0)
    goto rollback;
  if (!tm_database_commit (self->db, &local_error))
    goto rollback;

  emit_if_newer (self, cookies, -1);
  return rowids->len;

rollback:
  tm_database_rollback (self->db);
fail:
  wrap_error (self, error, local_error, _("Could not delete cookies"));
  return -1;
}

/**
 * tm_session_store_delete:
 * @self: a #TmSessionStore
 * @cookie: the cookie to delete: its name, domain, host_only and path say which
 * @error: return location for a #GError
 *
 * Deletes that one cookie and records a tombstone for it in the same transaction
 * (after committing what this store had queued), so that a running proxy, in any
 * process, sends clients an expiring `Set-Cookie` for it. A cookie that is not
 * stored (deleted meanwhile, say) is not an error: nothing changes.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
tm_session_store_delete (TmSessionStore  *self,
                         const TmCookie  *cookie,
                         GError         **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autofree char *what = NULL;
  gint64 now = g_get_real_time ();
  gint64 rowid = -1;
  gint64 cookies = -1;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TM_IS_SESSION_STORE (self), FALSE);
  g_return_val_if_fail (cookie != NULL, FALSE);
  g_return_val_if_fail (cookie->name != NULL && cookie->domain != NULL &&
                        cookie->path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* A copy queued before the deletion must not come back after it. */
  if (!tm_session_store_flush (self, error))
    return FALSE;

  if (!tm_database_begin (self->db, &local_error))
    goto fail;
  if (trim_expired (self->db, &local_error) < 0)
    goto rollback;

  stmt = tm_database_prepare (self->db,
    "SELECT rowid FROM cookies "
    "WHERE name = ?1 AND domain = ?2 AND path = ?3 AND host_only = ?4", &local_error);
  if (stmt == NULL)
    goto rollback;
  sqlite3_bind_text (stmt, 1, cookie->name, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, cookie->domain, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, cookie->path, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, cookie->host_only ? 1 : 0);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    rowid = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      tm_database_set_error (self->db, &local_error, "cookies");
      goto rollback;
    }

  if (rowid >= 0)
    {
      if (!bury (self->db, rowid, now, &local_error))
        goto rollback;
      if ((cookies = bump_counter (self->db, "cookies", &local_error)) < 0)
        goto rollback;
    }
  if (!forget_old_tombstones (self->db, now, &local_error))
    goto rollback;
  if (!tm_database_commit (self->db, &local_error))
    goto rollback;

  emit_if_newer (self, cookies, -1);
  return TRUE;

rollback:
  tm_database_rollback (self->db);
fail:
  /* Translators: %s is a cookie's name */
  what = g_strdup_printf (_("Could not delete the cookie “%s”"), cookie->name);
  wrap_error (self, error, local_error, what);
  return FALSE;
}

/**
 * tm_session_store_list_tombstones:
 * @self: a #TmSessionStore
 * @after_id: the last id already seen (0 for all)
 * @last_id: (out) (optional): the newest id returned, or @after_id when none
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TmCookie): the deleted cookies (name,
 *   domain, host_only, path, secure and http_only set; empty value; @created holds
 *   the time of deletion), oldest first, or %NULL with @error set
 */
GPtrArray *
tm_session_store_list_tombstones (TmSessionStore  *self,
                                  gint64           after_id,
                                  gint64          *last_id,
                                  GError         **error)
{
  g_autoptr(GPtrArray) cookies = NULL;
  g_autoptr(GError) local_error = NULL;
  gint64 newest = after_id;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TM_IS_SESSION_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = tm_database_prepare (self->db,
    "SELECT id, name, domain, host_only, path, secure, http_only, deleted_at "
    "FROM tombstones WHERE id > ?1 ORDER BY id", &local_error);
  if (stmt == NULL)
    {
      wrap_error (self, error, local_error, _("Could not read the cookie store"));
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, after_id);

  cookies = g_ptr_array_new_with_free_func ((GDestroyNotify) tm_cookie_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TmCookie *cookie = tm_cookie_new ();

      newest = sqlite3_column_int64 (stmt, 0);
      g_free (cookie->name);
      g_free (cookie->value);
      g_free (cookie->domain);
      g_free (cookie->path);
      cookie->name = column_dup (stmt, 1);
      cookie->value = g_strdup ("");
      cookie->domain = column_dup (stmt, 2);
      cookie->host_only = sqlite3_column_int (stmt, 3) != 0;
      cookie->path = column_dup (stmt, 4);
      cookie->secure = sqlite3_column_int (stmt, 5) != 0;
      cookie->http_only = sqlite3_column_int (stmt, 6) != 0;
      cookie->expires = 0;   /* deleted: expired at the epoch */
      cookie->created = sqlite3_column_int64 (stmt, 7);
      g_ptr_array_add (cookies, cookie);
    }
  if (rc != SQLITE_DONE)
    {
      tm_database_set_error (self->db, &local_error, "tombstones");
      sqlite3_reset (stmt);
      wrap_error (self, error, local_error, _("Could not read the cookie store"));
      return NULL;
    }
  sqlite3_reset (stmt);

  if (last_id != NULL)
    *last_id = newest;
  return g_steal_pointer (&cookies);
}

/**
 * tm_session_store_list_decisions:
 * @self: a #TmSessionStore
 * @after_id: only decisions with a greater id (0 for all)
 * @limit: at most this many (0: no limit)
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (element-type TmDecisionRecord): the newest decisions
 *   first, or %NULL with @error set
 */
GPtrArray *
tm_session_store_list_decisions (TmSessionStore  *self,
                                 gint64           after_id,
                                 guint            limit,
                                 GError         **error)
{
  g_autoptr(GPtrArray) records = NULL;
  g_autoptr(GError) local_error = NULL;
  sqlite3_stmt *stmt;
  int rc;

  g_return_val_if_fail (TM_IS_SESSION_STORE (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  stmt = tm_database_prepare (self->db,
    "SELECT id, time, site, host, name, direction, categories, decision, reason, source,"
    " purpose, third_party, refused, rule, label, top_site "
    "FROM decisions WHERE id > ?1 ORDER BY id DESC LIMIT ?2", &local_error);
  if (stmt == NULL)
    {
      wrap_error (self, error, local_error, _("Could not read the decision log"));
      return NULL;
    }
  sqlite3_bind_int64 (stmt, 1, after_id);
  sqlite3_bind_int64 (stmt, 2, limit > 0 ? (gint64) limit : -1);

  records = g_ptr_array_new_with_free_func ((GDestroyNotify) tm_decision_record_free);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      TmDecisionRecord *record = g_new0 (TmDecisionRecord, 1);
      g_autofree char *decision = NULL;
      g_autofree char *purpose = NULL;

      record->id = sqlite3_column_int64 (stmt, 0);
      record->time = sqlite3_column_int64 (stmt, 1);
      record->site = column_dup (stmt, 2);
      record->host = column_dup (stmt, 3);
      record->name = column_dup (stmt, 4);
      record->direction = column_dup (stmt, 5);
      record->categories = (TmCategories) sqlite3_column_int64 (stmt, 6);
      decision = column_dup (stmt, 7);
      record->keep = g_strcmp0 (decision, "keep") == 0;
      record->reason = column_dup (stmt, 8);
      record->source = column_dup (stmt, 9);
      purpose = column_dup (stmt, 10);
      if (purpose != NULL && tm_category_from_id (purpose, &record->purpose))
        {
          record->classified = TRUE;
          record->third_party = sqlite3_column_int (stmt, 11) != 0;
          record->refused = (TmCategories) sqlite3_column_int64 (stmt, 12);
          record->rule = column_dup (stmt, 13);
          record->label = column_dup (stmt, 14);
          record->top_site = column_dup (stmt, 15);
        }
      g_ptr_array_add (records, record);
    }
  if (rc != SQLITE_DONE)
    {
      tm_database_set_error (self->db, &local_error, "decisions");
      sqlite3_reset (stmt);
      wrap_error (self, error, local_error, _("Could not read the decision log"));
      return NULL;
    }
  sqlite3_reset (stmt);
  return g_steal_pointer (&records);
}
