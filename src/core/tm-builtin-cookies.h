/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-builtin-cookies.h: Témoin's own knowledge of common cookie names (private to
 * the classifier), written from the public documentation of each product. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  TM_BUILTIN_NECESSARY,    /* sessions, CSRF, language, load balancers, consent */
  TM_BUILTIN_STATISTICS,   /* audience measurement */
  TM_BUILTIN_ADVERTISING,  /* advertising and social: first- or third-party by context */
} TmBuiltinKind;

typedef struct {
  const char    *pattern;  /* an exact name, or a prefix followed by '*' */
  TmBuiltinKind  kind;
  const char    *label;    /* the product, an untranslated proper noun; nullable */
} TmBuiltinCookie;

/* (transfer none): the whole table, in no particular order. */
const TmBuiltinCookie *tm_builtin_cookies_get (gsize *n_cookies);

G_END_DECLS
