/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-catalog.h: reads a compiled gettext catalogue (.mo) directly, so one text can
 * be shown in two languages at once whatever the process locale (side-by-side
 * reading, `temoinctl charter show --lang`, the charter revision). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TmCatalog TmCatalog;

#define TM_CATALOG_ERROR (tm_catalog_error_quark ())
typedef enum {
  TM_CATALOG_ERROR_NOT_FOUND,
  TM_CATALOG_ERROR_INVALID,
} TmCatalogError;

GQuark      tm_catalog_error_quark       (void);

TmCatalog  *tm_catalog_new_from_file     (const char  *mo_path,
                                          GError     **error);
/* The same from a catalogue already in memory (a GResource, a test). */
TmCatalog  *tm_catalog_new_from_bytes    (GBytes      *bytes,
                                          GError     **error);
/* Opens LOCALEDIR/LANGUAGE/LC_MESSAGES/DOMAIN.mo. */
TmCatalog  *tm_catalog_new_for_language  (const char  *localedir,
                                          const char  *domain,
                                          const char  *language,
                                          GError     **error);
TmCatalog  *tm_catalog_ref               (TmCatalog   *self);
void        tm_catalog_unref             (TmCatalog   *self);
const char *tm_catalog_get_language      (TmCatalog   *self);
/* The translation of @msgid, or @msgid itself when there is none. A NULL catalogue
 * is the identity (English, the msgids' language). */
const char *tm_catalog_lookup            (TmCatalog   *self,
                                          const char  *msgid);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmCatalog, tm_catalog_unref)

G_END_DECLS
