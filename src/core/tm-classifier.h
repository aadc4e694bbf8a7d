/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-classifier.h: cookie + context -> categories, with the rule that matched.
 * First match wins: the user's word, the charter's table, built-in knowledge,
 * an imported cookie database, then context. */
#pragma once

#include <glib-object.h>

#include "tm-types.h"

G_BEGIN_DECLS

typedef enum {
  TM_SOURCE_OVERRIDE,
  TM_SOURCE_EXCEPTION,
  TM_SOURCE_CHARTER,
  TM_SOURCE_BUILTIN,
  TM_SOURCE_DATABASE,
  TM_SOURCE_CONTEXT,
} TmSource;

/* "override", "exception", "charter", "builtin", "database", "context" */
const char *tm_source_to_id (TmSource source);
gboolean    tm_source_from_id (const char *id,
                               TmSource   *out_source);

typedef struct {
  const char *host;      /* the host the cookie is set by or sent to */
  const char *top_site;  /* the top-level site's host; NULL when @host is the top level */
} TmCookieContext;

typedef struct {
  TmCategories  categories;   /* every category carried: purpose, plus third-party
                                 for another site's cookie (except the user's word) */
  TmCategory    purpose;      /* what the matching rule says the cookie is for */
  TmSource      source;
  gboolean      third_party;  /* @host is not on the top-level site */
  const char   *rule;         /* the name or pattern that matched (static or owned by
                                 the classifier), e.g. "_ga" or "_pk_*"; NULL for
                                 TM_SOURCE_CONTEXT (nothing matched) */
  const char   *label;        /* what it is, untranslated proper noun, e.g.
                                 "Google Analytics"; nullable */
  /* Added: the context the decision was made in, for the reason's words
   * (borrowed from the TmCookieContext; valid as long as its strings). */
  const char   *host;
  const char   *top_site;     /* NULL when @host is the top level, "" when unknown */
} TmClassification;

#define TM_TYPE_CLASSIFIER (tm_classifier_get_type ())
G_DECLARE_FINAL_TYPE (TmClassifier, tm_classifier, TM, CLASSIFIER, GObject)

/* The charter's table and built-in knowledge. Later: the user's rules, databases. */
TmClassifier *tm_classifier_new      (void);
void          tm_classifier_classify (TmClassifier           *self,
                                      const char             *cookie_name,
                                      const TmCookieContext  *context,
                                      TmClassification       *out);

/* Added with the user's rules (tm-rules.h): consulted first (overrides, then
 * site exceptions) and, for an imported database, after built-in knowledge.
 * Set it before the classifier is shared between threads; @rules itself may
 * reload at any time. (nullable: no rules) */
typedef struct _TmRules TmRules;
void          tm_classifier_set_rules (TmClassifier          *self,
                                       TmRules               *rules);
TmRules      *tm_classifier_get_rules (TmClassifier          *self);

/* The registrable domain of @host (libsoup's public-suffix list), or @host itself
 * for IP addresses, `localhost` and hosts without one. (transfer full) */
char         *tm_site_for_host       (const char *host);
gboolean      tm_site_is_same        (const char *host_a,
                                      const char *host_b);

/**
 * tm_context_top_site_from_request:
 * The top-level site's host for a request to @host, from its `Sec-Fetch-Site`,
 * `Sec-Fetch-Dest`, `Origin` and `Referer` headers (each nullable): a top-level
 * navigation (`Sec-Fetch-Dest: document`) is its own top level. Returns @host
 * when the request is same-site or nothing says otherwise, and "" when it is
 * cross-site but the other site is unknown. (transfer full)
 */
char         *tm_context_top_site_from_request (const char *host,
                                                const char *sec_fetch_site,
                                                const char *sec_fetch_dest,
                                                const char *origin,
                                                const char *referer);

G_END_DECLS
