/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-charter.h: the cookie charter (the seed) as data. Its text is English msgids
 * (N_() in tm-charter.c, the only place it lives); the French original, which is
 * binding, is their translation in po/fr.po. */
#pragma once

#include <glib.h>

#include "tm-catalog.h"
#include "tm-types.h"

G_BEGIN_DECLS

typedef enum {
  TM_CHARTER_BLOCK_TITLE,
  TM_CHARTER_BLOCK_HEADING,
  TM_CHARTER_BLOCK_PARAGRAPH,
  /* The caption of the cookie table: the table follows this block. */
  TM_CHARTER_BLOCK_TABLE_CAPTION,
} TmCharterBlockKind;

typedef struct {
  TmCharterBlockKind  kind;
  const char         *msgid;
  int                 category;  /* the TmCategory it describes, or -1 */
} TmCharterBlock;

typedef struct {
  const char *provider;   /* msgid */
  const char *service;    /* msgid */
  const char *cookie;     /* the cookie's name: never translated */
  const char *purpose;    /* msgid */
  TmCategory  category;
} TmCharterCookie;

/* The charter in reading order. */
const TmCharterBlock  *tm_charter_get_blocks        (gsize *n_blocks);
/* The table's column titles (msgids): provider, service and location, cookie, purpose. */
const char * const    *tm_charter_get_columns       (gsize *n_columns);
const TmCharterCookie *tm_charter_get_cookies       (gsize *n_cookies);
/* The msgid of the charter paragraph that describes @category. */
const char            *tm_charter_get_category_description (TmCategory category);
/* "do101mtl.opendatasoft.com" and "https://do101mtl.opendatasoft.com" */
const char            *tm_charter_get_host          (void);
const char            *tm_charter_get_url           (void);

/**
 * tm_charter_render_text:
 * @catalog: (nullable): the language to render in; %NULL for English
 *
 * The whole charter as plain text: one block per paragraph, separated by blank
 * lines, then the table with a header row, cells separated by tabs.
 * Returns: (transfer full)
 */
char                  *tm_charter_render_text       (TmCatalog *catalog);

/* The SHA-256 (hex) of the French rendering given by @french. */
char                  *tm_charter_compute_revision  (TmCatalog *french);
/* The current revision: tm_charter_compute_revision() with the installed French
 * catalogue (computed once). */
const char            *tm_charter_get_revision      (void);

G_END_DECLS
