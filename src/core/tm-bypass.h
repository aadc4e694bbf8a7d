/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-bypass.h: the hosts HTTPS inspection never touches (tunnelled blind).
 *
 * An entry is an exact host name ("bank.example"), "*.domain" (the domain itself
 * and every subdomain: "*.apple.com" covers apple.com and www.apple.com), or an IP
 * address (IPv4 or IPv6, brackets allowed on input). Entries are normalized to
 * lower-case ASCII (international names in punycode), without a trailing dot;
 * IPv6 addresses in their canonical text form. The list, as kept in the
 * %TM_SETTING_HTTPS_BYPASS setting, is comma-separated, sorted and without
 * duplicates; on input commas, spaces and newlines all separate entries. */
#pragma once

#include <glib.h>

#include "tm-consent-store.h"

G_BEGIN_DECLS

#define TM_BYPASS_ERROR (tm_bypass_error_quark ())
typedef enum {
  TM_BYPASS_ERROR_INVALID_ENTRY,
} TmBypassError;

GQuark    tm_bypass_error_quark        (void);

char     *tm_bypass_normalize_entry    (const char          *entry,
                                        GError             **error);
char     *tm_bypass_normalize_list     (const char          *text,
                                        GError             **error);
GStrv     tm_bypass_parse              (const char          *text);
char     *tm_bypass_join               (const char * const  *entries);
gboolean  tm_bypass_matches            (const char * const  *list,
                                        const char          *host);

GStrv     tm_bypass_load               (TmConsentStore      *store);
gboolean  tm_bypass_save               (TmConsentStore      *store,
                                        const char * const  *entries,
                                        GError             **error);

G_END_DECLS
