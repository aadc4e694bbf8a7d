/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-charter-page.h: the charter as a readable document, in the current language
 * or side by side with the French original. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define TM_TYPE_CHARTER_PAGE (tm_charter_page_get_type ())
G_DECLARE_FINAL_TYPE (TmCharterPage, tm_charter_page, TM, CHARTER_PAGE, GtkWidget)

gboolean   tm_charter_page_get_side_by_side (TmCharterPage *self);
void       tm_charter_page_set_side_by_side (TmCharterPage *self,
                                             gboolean       side_by_side);
/* The language of the main column (the current language when built). */
const char *tm_charter_page_get_language    (TmCharterPage *self);

G_END_DECLS
