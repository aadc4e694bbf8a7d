/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-rules.h: the user's rules — overrides (a cookie's categories on a site, set
 * exactly), site exceptions ("allow all cookies on this site") and imported
 * cookie databases in the Open Cookie Database CSV format. They live in
 * consent.sqlite (schema version 3) so the app, temoinctl and a running proxy
 * agree; a TmRules holds them in memory for the classifier (hash tables, no SQL
 * on the decision path) and reloads them on the store's ::rules-changed.
 *
 * Open Cookie Database categories map to Témoin's as follows:
 *   Analytics                         -> statistics
 *   Marketing                         -> first-party or third-party, by context
 *   Functional, Security, Necessary   -> necessary
 *   Personalization                   -> first-party
 * (any other category makes its line malformed). As for every source but the
 * user's word, a cookie of another site also carries the third-party category.
 *
 * Matching: a site (overrides, exceptions, a database row's domain) applies to
 * that host and its subdomains. Database rows: exact names first, then the
 * longest wildcard prefix; among rows for the same name or prefix, the one for
 * the longest matching domain wins over rows without a domain. */
#pragma once

#include <gio/gio.h>

#include "tm-consent-store.h"
#include "tm-types.h"

G_BEGIN_DECLS

#define TM_RULES_ERROR (tm_rules_error_quark ())
typedef enum {
  TM_RULES_ERROR_FAILED,       /* the database said no: the message says what */
  TM_RULES_ERROR_INVALID,      /* a bad site, name, category or file */
  TM_RULES_ERROR_NOT_FOUND,    /* nothing to remove */
  TM_RULES_ERROR_EMPTY,        /* an import in which no row was usable */
} TmRulesError;

GQuark tm_rules_error_quark (void);

/* What a database row says a cookie is for. */
typedef enum {
  TM_RULES_PURPOSE_NECESSARY,    /* Functional, Security, Necessary */
  TM_RULES_PURPOSE_STATISTICS,   /* Analytics */
  TM_RULES_PURPOSE_FIRST_PARTY,  /* Personalization */
  TM_RULES_PURPOSE_BY_CONTEXT,   /* Marketing: first- or third-party by context */
} TmRulesPurpose;

/* Strings here are interned (g_intern_string()): valid for the process's life,
 * whatever reloads happen meanwhile. */
typedef struct {
  TmRulesPurpose  purpose;
  const char     *pattern;    /* the name, or the prefix followed by '*' */
  const char     *platform;   /* e.g. "Google Analytics"; nullable */
  const char     *domain;     /* the row's domain, NULL when it has none */
  const char     *category;   /* the file's category, e.g. "Analytics" */
  const char     *database;   /* the imported file's path */
} TmRulesDatabaseMatch;

#define TM_TYPE_RULES (tm_rules_get_type ())
G_DECLARE_FINAL_TYPE (TmRules, tm_rules, TM, RULES, GObject)

/**
 * tm_rules_new:
 * @store: (nullable): where the rules are kept; %NULL for no rules at all
 * @error: return location for a #GError
 *
 * Loads the rules and follows @store's ::rules-changed (this process's writes
 * at once, other processes' within about a second), emitting ::changed after
 * each reload. Lookups may run on any thread.
 */
TmRules    *tm_rules_new                (TmConsentStore   *store,
                                         GError          **error);
/* Reads the rules again now (normally done on ::rules-changed). */
gboolean    tm_rules_reload             (TmRules          *self,
                                         GError          **error);

/* The lookups of the classifier: thread-safe and allocation-free. @host is the
 * host the cookie is set by or sent to. */
gboolean    tm_rules_lookup_override    (TmRules          *self,
                                         const char       *host,
                                         const char       *name,
                                         TmCategories     *out_categories,
                                         const char      **out_site,
                                         const char      **out_name);
gboolean    tm_rules_site_is_excepted   (TmRules          *self,
                                         const char       *host,
                                         const char      **out_site);
gboolean    tm_rules_lookup_database    (TmRules          *self,
                                         const char       *host,
                                         const char       *name,
                                         TmRulesDatabaseMatch *out);
/* Counts of what is loaded. */
guint       tm_rules_get_n_overrides    (TmRules          *self);
guint       tm_rules_get_n_exceptions   (TmRules          *self);
guint       tm_rules_get_n_database_rows (TmRules         *self);

/* Writing the rules (in the store; every TmRules following it reloads). A @site
 * is a host name ("example.com" covers its subdomains too), normalised to lower
 * case without a leading or trailing dot. */
gboolean    tm_rules_store_set_override     (TmConsentStore  *store,
                                             const char      *name,
                                             const char      *site,
                                             TmCategories     categories,
                                             GError         **error);
gboolean    tm_rules_store_remove_override  (TmConsentStore  *store,
                                             const char      *name,
                                             const char      *site,
                                             GError         **error);
gboolean    tm_rules_store_add_exception    (TmConsentStore  *store,
                                             const char      *site,
                                             GError         **error);
gboolean    tm_rules_store_remove_exception (TmConsentStore  *store,
                                             const char      *site,
                                             GError         **error);

/* A line of an imported file that was skipped. */
typedef struct {
  guint  line;      /* 1-based, where the record starts */
  char  *message;   /* translated */
} TmRulesImportProblem;

/**
 * tm_rules_store_import_database:
 * @store: the store
 * @path: an Open Cookie Database CSV file
 * @out_n_rows: (out) (optional): how many rows were imported
 * @out_problems: (out) (optional) (transfer full): the malformed lines skipped,
 *   as #TmRulesImportProblem (freed with the array)
 * @error: return location for a #GError
 *
 * Imports @path, replacing the rows of an earlier import of the same file
 * (by its canonical path). Fails with %TM_RULES_ERROR_EMPTY, changing nothing,
 * when no row is usable; with %TM_RULES_ERROR_INVALID when the header row lacks a
 * required column.
 */
gboolean    tm_rules_store_import_database  (TmConsentStore  *store,
                                             const char      *path,
                                             guint           *out_n_rows,
                                             GPtrArray      **out_problems,
                                             GError         **error);
/* One usable line of an Open Cookie Database file. */
typedef struct {
  guint       line;          /* 1-based, where the record starts */
  char       *row_id;        /* the columns as written */
  char       *platform;
  char       *category;      /* trimmed, known to tm_rules_purpose_from_category() */
  char       *name;          /* trimmed; a prefix, without its '*', when wildcard */
  GPtrArray  *domains;       /* (element-type utf8): bare lower-case domains, maybe none */
  gboolean    wildcard;
  char       *description;
  char       *retention;
  char       *controller;
  char       *portal;
} TmRulesDatabaseRow;

void        tm_rules_database_row_free      (TmRulesDatabaseRow *row);
/* What tm_rules_store_import_database() imports from @contents, without a store:
 * (transfer full) (element-type TmRulesDatabaseRow) the usable lines, maybe none;
 * %NULL with %TM_RULES_ERROR_INVALID when the header row is missing or lacks a
 * required column. @display_name names the file in messages. */
GPtrArray  *tm_rules_parse_database         (const char      *contents,
                                             gsize            length,
                                             const char      *display_name,
                                             GPtrArray      **out_problems,
                                             GError         **error);
gboolean    tm_rules_store_forget_database  (TmConsentStore  *store,
                                             const char      *path,
                                             GError         **error);

/**
 * tm_rules_store_export_json:
 * The rules as the JSON of `temoinctl rules list --json`:
 * {"overrides": [{"name", "site", "categories": [...], "created"}],
 *  "exceptions": [{"site", "created"}],
 *  "databases": [{"path", "imported_at", "rows"}]}, times in ISO 8601 UTC.
 * Returns: (transfer full): the JSON text, or %NULL with @error set
 */
char       *tm_rules_store_export_json      (TmConsentStore  *store,
                                             gboolean         pretty,
                                             GError         **error);

/* One rule of tm_rules_store_list(). */
typedef enum {
  TM_RULE_OVERRIDE,
  TM_RULE_EXCEPTION,
  TM_RULE_DATABASE,
} TmRuleKind;

typedef struct {
  TmRuleKind    kind;
  char         *name;        /* TM_RULE_OVERRIDE: the cookie's name */
  char         *site;        /* overrides and exceptions */
  TmCategories  categories;  /* overrides */
  char         *path;        /* databases */
  gint64        n_rows;      /* databases */
  gint64        created_us;  /* Unix microseconds: made or imported at */
} TmRule;

void        tm_rule_free                    (TmRule          *rule);
/* (transfer full) (element-type TmRule): overrides, then exceptions, then
 * databases, each sorted. */
GPtrArray  *tm_rules_store_list             (TmConsentStore  *store,
                                             GError         **error);

/* Normalises a site as typed ("WWW.Example.com." -> "www.example.com"); %NULL
 * with @error set when it is not a host name or address. (transfer full) */
char       *tm_rules_normalize_site         (const char      *site,
                                             GError         **error);
/* Refuses, with a message for people (%TM_RULES_ERROR_INVALID), a cookie name a
 * Set-Cookie header could not carry (tm_cookie_check_name()). */
gboolean    tm_rules_check_cookie_name      (const char      *name,
                                             GError         **error);
/* Maps an Open Cookie Database category; FALSE when unknown. */
gboolean    tm_rules_purpose_from_category  (const char      *category,
                                             TmRulesPurpose  *out_purpose);

/* The CSV parser used for imports (RFC 4180: quoted fields, "" escapes,
 * separators and newlines inside quotes, CRLF or LF). */
typedef struct {
  guint       line;     /* 1-based line where the record starts */
  GPtrArray  *fields;   /* (element-type utf8); NULL when malformed */
  char       *error;    /* translated, when malformed */
} TmCsvRecord;

void        tm_csv_record_free              (TmCsvRecord     *record);
/* (transfer full) (element-type TmCsvRecord): every record of @data, blank lines
 * left out. */
GPtrArray  *tm_csv_parse                    (const char      *data,
                                             gsize            length);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmRule, tm_rule_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmCsvRecord, tm_csv_record_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmRulesDatabaseRow, tm_rules_database_row_free)

G_END_DECLS
