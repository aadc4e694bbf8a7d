/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-i18n.h: languages, locale set-up and switching language at run time. */
#pragma once

#include <glib.h>

#include "tm-catalog.h"

G_BEGIN_DECLS

/**
 * tm_i18n_init:
 * Sets the locale from the environment, falling back to C.UTF-8 when that yields
 * "C" or fails (LANG unset, locale not generated), binds the text domain to
 * tm_i18n_get_localedir() in UTF-8, and remembers the system's preferred languages
 * (before anything changes `LANGUAGE`). It ends by applying the default language
 * (tm_i18n_set_language (tm_i18n_get_default_language ())), so that messages follow
 * the system's language even when its locale is not generated. Call it first thing
 * in main(), before any _(); GTK programs also call gtk_disable_setlocale().
 */
void         tm_i18n_init                   (void);
/* `$TEMOIN_LOCALEDIR` (the build tree's po/ for uninstalled runs and tests), else
 * the configured LOCALEDIR. */
const char  *tm_i18n_get_localedir          (void);
/* The meson build tree the running program was built in, when it runs uninstalled
 * from it; NULL when installed. (transfer full) */
char        *tm_i18n_find_build_root        (void);
/* (transfer none): the offered languages: "en" plus every language with a
 * compiled catalogue of our domain in the locale dir, sorted, "en" first. */
const char * const *tm_i18n_get_languages   (void);
gboolean     tm_i18n_is_offered             (const char  *language);
/* The system's language if offered, else "en". */
const char  *tm_i18n_get_default_language   (void);
/* The language gettext currently answers in. */
const char  *tm_i18n_get_language           (void);
/* Switches gettext's answers to @language at once (LANGUAGE + catalogue cache). */
void         tm_i18n_set_language           (const char  *language);
/* The language's own name ("Français"), or its code when unknown. */
const char  *tm_i18n_get_language_name      (const char  *language);
/* (transfer none) (nullable): the cached catalogue of @language; NULL for "en". */
TmCatalog   *tm_i18n_get_catalog            (const char  *language);
/* @msgid in @language, whatever the current language. */
const char  *tm_i18n_translate              (const char  *language,
                                             const char  *msgid);

G_END_DECLS
