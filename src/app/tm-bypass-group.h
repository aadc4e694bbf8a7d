/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-bypass-group.h: the hosts HTTPS inspection never touches, on the Proxy page:
 * the saved list (the https-bypass setting, shared with `temoinctl bypass`), an
 * entry to add a host, a button per host to remove it (with Undo), and the
 * default hosts put back on request. It follows changes made elsewhere. */
#pragma once

#include <adwaita.h>

#include "tm-consent-store.h"

G_BEGIN_DECLS

#define TM_TYPE_BYPASS_GROUP (tm_bypass_group_get_type ())
G_DECLARE_FINAL_TYPE (TmBypassGroup, tm_bypass_group, TM, BYPASS_GROUP, AdwPreferencesGroup)

GtkWidget *tm_bypass_group_new        (void);
/* Shows and edits @store's list. Call once. */
void       tm_bypass_group_set_store  (TmBypassGroup  *self,
                                       TmConsentStore *store);
/* Adds @text (one entry, as a user types it), as the entry does: FALSE when it is
 * not a valid entry or cannot be saved, the reason shown under the entry. */
gboolean   tm_bypass_group_add        (TmBypassGroup  *self,
                                       const char     *text);

G_END_DECLS
