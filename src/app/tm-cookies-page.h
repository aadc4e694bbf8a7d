/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-cookies-page.h: the proxy's cookie session store by site, searchable and
 * deletable (one cookie, a site, a category: each undoable from a toast for a
 * few seconds; everything, after a confirmation), and the user's rules. */
#pragma once

#include <adwaita.h>

#include "tm-consent-store.h"
#include "tm-rules.h"
#include "tm-session-store.h"

G_BEGIN_DECLS

/* How long the Undo of a deletion is offered, in seconds. */
#define TM_COOKIES_PAGE_UNDO_SECONDS 5

#define TM_TYPE_COOKIES_PAGE (tm_cookies_page_get_type ())
G_DECLARE_FINAL_TYPE (TmCookiesPage, tm_cookies_page, TM, COOKIES_PAGE, GtkWidget)

/* Shows @session_store (nullable: @session_error, if any, says why it could not
 * be opened) and the rules of @store (followed through @rules, nullable). Call
 * once. */
void        tm_cookies_page_set_model      (TmCookiesPage  *self,
                                            TmSessionStore *session_store,
                                            const GError   *session_error,
                                            TmConsentStore *store,
                                            TmRules        *rules);
/* What the page shows: "loading", "empty", "no-results", "error" or "list". */
const char *tm_cookies_page_get_state      (TmCookiesPage  *self);
/* Reads the store again now (it is also read again when it changes). */
void        tm_cookies_page_reload         (TmCookiesPage  *self);
/* (transfer none): the list of sites (one AdwExpanderRow per site). */
GtkListBox *tm_cookies_page_get_sites_list (TmCookiesPage  *self);
/* (transfer none): the list of the user's rules (one AdwActionRow per rule). */
GtkListBox *tm_cookies_page_get_rules_list (TmCookiesPage  *self);
/* Deletes every deletion of @session_store still undoable, at once (what the
 * end of its toast does). */
void        tm_cookies_page_commit_pending (TmSessionStore *session_store);

G_END_DECLS
