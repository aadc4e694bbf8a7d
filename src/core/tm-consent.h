/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-consent.h: one choice, as saved (or the defaults when none was saved). Immutable. */
#pragma once

#include <glib-object.h>

#include "tm-types.h"

G_BEGIN_DECLS

#define TM_TYPE_CONSENT (tm_consent_get_type ())
G_DECLARE_FINAL_TYPE (TmConsent, tm_consent, TM, CONSENT, GObject)

/* The choice that applies when nothing was saved: necessary only. */
TmConsent       *tm_consent_new_default    (void);
TmConsent       *tm_consent_new            (const char      *consent_id,
                                            GDateTime       *given_at,
                                            const char      *revision,
                                            const char      *language,
                                            TmConsentMethod  method,
                                            TmCategories     categories);

/* FALSE for the defaults (no saved choice): id, given-at, language are then NULL. */
gboolean         tm_consent_is_saved       (TmConsent       *self);
const char      *tm_consent_get_id         (TmConsent       *self);  /* nullable */
GDateTime       *tm_consent_get_given_at   (TmConsent       *self);  /* nullable, UTC */
const char      *tm_consent_get_revision   (TmConsent       *self);  /* nullable */
const char      *tm_consent_get_language   (TmConsent       *self);  /* nullable */
TmConsentMethod  tm_consent_get_method     (TmConsent       *self);
TmCategories     tm_consent_get_categories (TmConsent       *self);  /* necessary always set */
gboolean         tm_consent_accepts        (TmConsent       *self,
                                            TmCategory       category);

/**
 * tm_consent_write_json:
 * Writes the stable JSON object of `temoinctl consent show`:
 * {"consent_id", "given_at", "revision", "method", "language", ["outdated",] "categories"}
 * with "outdated" only when @with_outdated. Unsaved: consent_id, given_at, method,
 * language are null.
 */
struct _TmJsonWriter;
void             tm_consent_write_json     (TmConsent            *self,
                                            struct _TmJsonWriter *writer,
                                            gboolean              with_outdated,
                                            gboolean              outdated);

G_END_DECLS
