/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-application.h: the application: opens the consent store, applies the language
 * and owns the app.* actions. */
#pragma once

#include <adwaita.h>

#include "tm-consent-store.h"

G_BEGIN_DECLS

#define TM_TYPE_APPLICATION (tm_application_get_type ())
G_DECLARE_FINAL_TYPE (TmApplication, tm_application, TM, APPLICATION, AdwApplication)

TmApplication  *tm_application_new          (void);
/* (transfer none) (nullable): the open store; %NULL before startup or when it
 * could not be opened. */
TmConsentStore *tm_application_get_store    (TmApplication *self);
/* (transfer none): the UI state settings. */
GSettings      *tm_application_get_settings (TmApplication *self);
/* Opens the store in @data_dir instead of the one tm_data_dir_resolve() finds
 * (what `--data-dir` does). Call before g_application_register(). */
void            tm_application_set_data_dir (TmApplication *self,
                                             const char    *data_dir);
/* Shows every window's content in @language at once (what app.language does). */
void            tm_application_set_language (TmApplication *self,
                                             const char    *language);

G_END_DECLS
