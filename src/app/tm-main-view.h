/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-main-view.h: the window's content (header bar, pages, view switchers), built
 * from its template in the current language. The window builds a new one when the
 * language changes: this is the one place where every string is translated again. */
#pragma once

#include <adwaita.h>

#include "tm-charter-page.h"
#include "tm-choice-draft.h"
#include "tm-choices-page.h"
#include "tm-consent-store.h"
#include "tm-cookies-page.h"
#include "tm-preview-page.h"
#include "tm-proxy-page.h"

G_BEGIN_DECLS

#define TM_TYPE_MAIN_VIEW (tm_main_view_get_type ())
G_DECLARE_FINAL_TYPE (TmMainView, tm_main_view, TM, MAIN_VIEW, GtkWidget)

TmMainView    *tm_main_view_new                 (TmConsentStore *store,
                                                 TmChoiceDraft  *draft);
AdwViewStack  *tm_main_view_get_stack           (TmMainView     *self);
TmCharterPage *tm_main_view_get_charter_page    (TmMainView     *self);
TmChoicesPage *tm_main_view_get_choices_page    (TmMainView     *self);
TmPreviewPage *tm_main_view_get_preview_page    (TmMainView     *self);
TmCookiesPage *tm_main_view_get_cookies_page    (TmMainView     *self);
TmProxyPage   *tm_main_view_get_proxy_page      (TmMainView     *self);
/* (transfer none) (nullable): the toggle button of @language in the header bar. */
GtkWidget     *tm_main_view_get_language_button (TmMainView     *self,
                                                 const char     *language);

G_END_DECLS
