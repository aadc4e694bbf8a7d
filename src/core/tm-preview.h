/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-preview.h: "what would happen to my cookies if I chose this?" — the
 * charter's site as a scenario, or a real URL fetched as a browser would for a
 * top-level visit, every cookie decided by tm_policy_decide() under a given
 * (possibly unsaved) set of accepted categories. */
#pragma once

#include <gio/gio.h>

#include "tm-classifier.h"
#include "tm-policy.h"
#include "tm-types.h"

G_BEGIN_DECLS

/* One cookie of a preview, in the order it was met. */
#define TM_TYPE_PREVIEW_ITEM (tm_preview_item_get_type ())
G_DECLARE_FINAL_TYPE (TmPreviewItem, tm_preview_item, TM, PREVIEW_ITEM, GObject)

const char       *tm_preview_item_get_name       (TmPreviewItem *self);
/* The host that sets the cookie. */
const char       *tm_preview_item_get_site       (TmPreviewItem *self);
/* (nullable): the URL whose response set it (URL previews). */
const char       *tm_preview_item_get_url        (TmPreviewItem *self);
/* 0 for the typed URL, then one more per redirect; 0 in a scenario. */
guint             tm_preview_item_get_hop        (TmPreviewItem *self);
TmCategories      tm_preview_item_get_categories (TmPreviewItem *self);
gboolean          tm_preview_item_get_keep       (TmPreviewItem *self);
TmSource          tm_preview_item_get_source     (TmPreviewItem *self);
/* (transfer none): the whole decision, valid as long as @self. */
const TmDecision *tm_preview_item_get_decision   (TmPreviewItem *self);
/* The reason: stable English (JSON) or translated (people). (transfer full) */
char             *tm_preview_item_dup_reason     (TmPreviewItem *self,
                                                  gboolean       translated);
/* FALSE when a browser would ignore this Set-Cookie (it is still decided). */
gboolean          tm_preview_item_get_valid      (TmPreviewItem *self);

/**
 * tm_preview_run_scenario:
 * @classifier: the classifier (with the user's rules, if any)
 * @accepted: the categories to decide under (necessary is always added)
 *
 * The charter's site (tm_charter_get_host()) as a scenario: its four declared
 * cookies, typical statistics cookies it sets itself (`_ga`, `_gid`, a Matomo
 * `_pk_id.*`), and cookies of other sites embedded in it (an advertising `IDE`
 * from `ad.doubleclick.net`, a statistics cookie from another site).
 *
 * Returns: (transfer full): a #GListModel of #TmPreviewItem
 */
GListModel       *tm_preview_run_scenario        (TmClassifier  *classifier,
                                                  TmCategories   accepted);

#define TM_PREVIEW_ERROR (tm_preview_error_quark ())
typedef enum {
  TM_PREVIEW_ERROR_INVALID_URL,        /* not a URL, or not http(s) */
  TM_PREVIEW_ERROR_TOO_MANY_REDIRECTS, /* more than 20 */
  TM_PREVIEW_ERROR_NETWORK,            /* DNS, refused, reset... */
  TM_PREVIEW_ERROR_TLS,                /* certificate or handshake */
  TM_PREVIEW_ERROR_TIMED_OUT,
} TmPreviewError;

GQuark            tm_preview_error_quark         (void);

#define TM_PREVIEW_MAX_REDIRECTS 20
#define TM_PREVIEW_TIMEOUT_SECONDS 30

/* Fetches a URL as a browser would for a top-level visit: GET, up to 20
 * redirects followed one by one (every hop's Set-Cookie seen), sending along the
 * chain the cookies set (and kept) earlier in that same chain and nothing else,
 * 30 s for the whole chain. Each hop is a top-level navigation, as in a browser
 * and as the proxy sees it: its cookies are decided against its own site (a
 * redirect hop on another site is first-party to that site). Emits ::progress
 * (guint hop, const char *url) before each request. */
#define TM_TYPE_PREVIEW (tm_preview_get_type ())
G_DECLARE_FINAL_TYPE (TmPreview, tm_preview, TM, PREVIEW, GObject)

TmPreview        *tm_preview_new                 (TmClassifier  *classifier);
/* "HOST:PORT:ADDR" as curl's --resolve, for this preview's fetches. */
gboolean          tm_preview_add_resolve         (TmPreview     *self,
                                                  const char    *spec,
                                                  GError       **error);
/* The deadline of a whole fetch (default TM_PREVIEW_TIMEOUT_SECONDS). */
void              tm_preview_set_timeout         (TmPreview     *self,
                                                  guint          seconds);

void              tm_preview_fetch_async         (TmPreview          *self,
                                                  const char         *url,
                                                  TmCategories        accepted,
                                                  GCancellable       *cancellable,
                                                  GAsyncReadyCallback callback,
                                                  gpointer            user_data);
/**
 * tm_preview_fetch_finish:
 * @out_status: (out) (optional): the HTTP status of the last response
 * @out_final_url: (out) (optional) (transfer full): the URL of the last response
 *
 * Returns: (transfer full): a #GListModel of #TmPreviewItem (whatever the final
 *   status, 4xx and 5xx included), or %NULL with @error set (translated):
 *   %TM_PREVIEW_ERROR, or %G_IO_ERROR_CANCELLED
 */
GListModel       *tm_preview_fetch_finish        (TmPreview     *self,
                                                  GAsyncResult  *result,
                                                  guint         *out_status,
                                                  char         **out_final_url,
                                                  GError       **error);

G_END_DECLS
