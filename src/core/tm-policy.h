/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-policy.h: THE decision. (consent, cookie, context) -> keep or block, with the
 * reason. The proxy, the preview, the CLI and the app all call tm_policy_decide();
 * nobody decides anywhere else. */
#pragma once

#include "tm-classifier.h"
#include "tm-types.h"

G_BEGIN_DECLS

typedef struct {
  gboolean          keep;
  TmCategories      refused;         /* carried but not accepted; 0 when kept */
  TmClassification  classification;
} TmDecision;

void  tm_policy_decide          (TmClassifier          *classifier,
                                 TmCategories           accepted,
                                 const char            *cookie_name,
                                 const TmCookieContext *context,
                                 TmDecision            *out);

/**
 * tm_decision_describe:
 * The reason in plain words, e.g. "statistics cookie (_ga, Google Analytics):
 * statistics are refused". @translated FALSE gives the stable English of JSON
 * output and logs; TRUE the current language, for people. (transfer full)
 */
char *tm_decision_describe      (const TmDecision      *decision,
                                 const char            *cookie_name,
                                 gboolean               translated);

G_END_DECLS
