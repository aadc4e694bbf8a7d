/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-choice-draft.h: the switches of the Choices page as the user left them, saved
 * or not. The window owns it, so unsaved edits survive rebuilding the page when the
 * language changes. */
#pragma once

#include <glib-object.h>

#include "tm-types.h"

G_BEGIN_DECLS

#define TM_TYPE_CHOICE_DRAFT (tm_choice_draft_get_type ())
G_DECLARE_FINAL_TYPE (TmChoiceDraft, tm_choice_draft, TM, CHOICE_DRAFT, GObject)

TmChoiceDraft *tm_choice_draft_new            (void);
TmCategories   tm_choice_draft_get_categories (TmChoiceDraft *self);
void           tm_choice_draft_set_categories (TmChoiceDraft *self,
                                               TmCategories   categories);
void           tm_choice_draft_set_category   (TmChoiceDraft *self,
                                               TmCategory     category,
                                               gboolean       accepted);
gboolean       tm_choice_draft_get_dirty      (TmChoiceDraft *self);
void           tm_choice_draft_set_dirty      (TmChoiceDraft *self,
                                               gboolean       dirty);
/* Takes the saved choice's categories and forgets the edits. */
void           tm_choice_draft_reset          (TmChoiceDraft *self,
                                               TmCategories   saved);

G_END_DECLS
