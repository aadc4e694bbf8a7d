/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-application.h: the application: opens the consent store, applies the language
 * and owns the app.* actions. */
#pragma once

#include <adwaita.h>

#include "tm-classifier.h"
#include "tm-consent-store.h"
#include "tm-desktop-proxy.h"
#include "tm-proxy.h"
#include "tm-session-store.h"

G_BEGIN_DECLS

#define TM_TYPE_APPLICATION (tm_application_get_type ())
G_DECLARE_FINAL_TYPE (TmApplication, tm_application, TM, APPLICATION, AdwApplication)

TmApplication  *tm_application_new          (void);
/* (transfer none) (nullable): the open store; %NULL before startup or when it
 * could not be opened. */
TmConsentStore *tm_application_get_store    (TmApplication *self);
/* (transfer none) (nullable): the session store, the classifier (with the
 * user's rules) and the rules, opened at startup. */
TmSessionStore *tm_application_get_session_store (TmApplication  *self,
                                                  GError        **error);
TmClassifier   *tm_application_get_classifier    (TmApplication  *self);
TmRules        *tm_application_get_rules         (TmApplication  *self);
/* (transfer none): the UI state settings. */
GSettings      *tm_application_get_settings (TmApplication *self);
/* Opens the store in @data_dir instead of the one tm_data_dir_resolve() finds
 * (what `--data-dir` does). Call before g_application_register(). */
void            tm_application_set_data_dir (TmApplication *self,
                                             const char    *data_dir);
/* Shows every window's content in @language at once (what app.language does). */
void            tm_application_set_language (TmApplication *self,
                                             const char    *language);

/* The Proxy page's in-app proxy (it outlives the window's rebuilds); stopping it
 * puts the desktop's proxy settings back first. */
TmProxy        *tm_application_get_proxy         (TmApplication  *self);
TmDesktopProxy *tm_application_get_desktop_proxy (TmApplication  *self);
const char     *tm_application_get_data_dir      (TmApplication  *self);
const char     *tm_application_get_desktop_restored_message (TmApplication *self);
gboolean        tm_application_start_proxy       (TmApplication  *self,
                                                  GError        **error);
void            tm_application_stop_proxy        (TmApplication  *self);

G_END_DECLS
