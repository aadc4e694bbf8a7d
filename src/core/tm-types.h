/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-types.h: the small vocabulary every part of Témoin shares. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * TmCategory:
 * The four categories of cookies of the charter. Necessary is always accepted.
 */
typedef enum {
  TM_CATEGORY_NECESSARY = 0,
  TM_CATEGORY_STATISTICS,
  TM_CATEGORY_FIRST_PARTY,
  TM_CATEGORY_THIRD_PARTY,
  TM_N_CATEGORIES
} TmCategory;

/* A set of categories, one bit per TmCategory. */
typedef guint TmCategories;

#define TM_CATEGORY_BIT(c) (1u << (c))
#define TM_CATEGORIES_NONE 0u
#define TM_CATEGORIES_ALL  ((1u << TM_N_CATEGORIES) - 1)
/* What a choice holds when nobody said anything: silence is refusal. */
#define TM_CATEGORIES_DEFAULT TM_CATEGORY_BIT (TM_CATEGORY_NECESSARY)

/**
 * TmConsentMethod:
 * How a choice was given.
 */
typedef enum {
  TM_CONSENT_METHOD_CUSTOM = 0,
  TM_CONSENT_METHOD_ACCEPT_ALL,
  TM_CONSENT_METHOD_REJECT_ALL,
} TmConsentMethod;

/* Stable machine ids ("necessary", "statistics", "first-party", "third-party"):
 * used in JSON, the CLI and the database; never translated. */
const char  *tm_category_to_id        (TmCategory       category);
gboolean     tm_category_from_id      (const char      *id,
                                       TmCategory      *out_category);
/* Translated, for people ("Statistics"). */
const char  *tm_category_get_title    (TmCategory       category);
/* The titles of @categories, in order, joined for people: "Statistics,
 * Third-party" (translated). (transfer full) */
char        *tm_categories_to_text    (TmCategories     categories);

const char  *tm_consent_method_to_id   (TmConsentMethod  method);   /* "custom", "accept-all", "reject-all" */
gboolean     tm_consent_method_from_id (const char      *id,
                                        TmConsentMethod *out_method);

G_END_DECLS
