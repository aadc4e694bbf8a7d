/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-preview-page.h: what the switches (saved or not) do to cookies: the
 * charter's site as a scenario, a URL fetched by Témoin, and the proxy's
 * decisions live. Every decision comes from tm_policy_decide(). */
#pragma once

#include <adwaita.h>

#include "tm-choice-draft.h"
#include "tm-classifier.h"
#include "tm-consent-store.h"
#include "tm-session-store.h"

G_BEGIN_DECLS

#define TM_TYPE_PREVIEW_PAGE (tm_preview_page_get_type ())
G_DECLARE_FINAL_TYPE (TmPreviewPage, tm_preview_page, TM, PREVIEW_PAGE, GtkWidget)

/* Decides with @classifier (its rules follow @store) under @draft's categories,
 * as they are toggled; shows @session_store's decisions live (nullable: no live
 * view). Call once. */
void        tm_preview_page_set_model      (TmPreviewPage  *self,
                                            TmConsentStore *store,
                                            TmClassifier   *classifier,
                                            TmSessionStore *session_store,
                                            TmChoiceDraft  *draft);
/* Fetches @url as the Preview button does. */
void        tm_preview_page_fetch          (TmPreviewPage  *self,
                                            const char     *url);
/* Whether a URL is being fetched (the spinner and Cancel are shown). */
gboolean    tm_preview_page_get_fetching   (TmPreviewPage  *self);
/* (transfer none): the lists of the scenario, the URL's cookies, the live view. */
GtkListBox *tm_preview_page_get_scenario_list (TmPreviewPage *self);
GtkListBox *tm_preview_page_get_url_list      (TmPreviewPage *self);
GtkListBox *tm_preview_page_get_live_list     (TmPreviewPage *self);

G_END_DECLS
