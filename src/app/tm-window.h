/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-window.h: the main window. It owns the unsaved switch states and the win.*
 * actions, and rebuilds its content when the language changes. */
#pragma once

#include <adwaita.h>

#include "tm-application.h"
#include "tm-choice-draft.h"
#include "tm-main-view.h"

G_BEGIN_DECLS

#define TM_TYPE_WINDOW (tm_window_get_type ())
G_DECLARE_FINAL_TYPE (TmWindow, tm_window, TM, WINDOW, AdwApplicationWindow)

TmWindow      *tm_window_new            (TmApplication *application);
/* Builds the content again in the current language, keeping the visible page, the
 * unsaved switches and the reading view; with @focus_language, gives the keyboard
 * focus back to the current language's button. */
void           tm_window_rebuild        (TmWindow      *self,
                                         gboolean       focus_language);
/* (transfer none): the current content; a new one after each rebuild. */
TmMainView    *tm_window_get_main_view  (TmWindow      *self);
TmChoiceDraft *tm_window_get_draft      (TmWindow      *self);
void           tm_window_show_page      (TmWindow      *self,
                                         const char    *page_name);

G_END_DECLS
