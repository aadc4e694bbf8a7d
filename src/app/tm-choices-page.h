/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-choices-page.h: the four category switches, the saved choice's state and the
 * history. The buttons activate the window's win.* actions. */
#pragma once

#include <adwaita.h>

#include "tm-choice-draft.h"
#include "tm-consent-store.h"

G_BEGIN_DECLS

#define TM_TYPE_CHOICES_PAGE (tm_choices_page_get_type ())
G_DECLARE_FINAL_TYPE (TmChoicesPage, tm_choices_page, TM, CHOICES_PAGE, GtkWidget)

/* Shows @store's saved choice and history and edits @draft. Call once. */
void       tm_choices_page_set_model   (TmChoicesPage  *self,
                                        TmConsentStore *store,
                                        TmChoiceDraft  *draft);
/* (transfer none): the switch of @category. */
GtkSwitch *tm_choices_page_get_switch  (TmChoicesPage  *self,
                                        TmCategory      category);
/* Whether the notice asking to choose again is shown. */
gboolean   tm_choices_page_get_outdated (TmChoicesPage *self);

G_END_DECLS
