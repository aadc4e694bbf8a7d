/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-proxy-page.h: the Proxy page: the in-app proxy on or off, its address and
 * counters, what it cannot see, how to point a browser or the whole desktop at it. */
#pragma once

#include <adwaita.h>

#include "tm-application.h"

G_BEGIN_DECLS

#define TM_TYPE_PROXY_PAGE (tm_proxy_page_get_type ())
G_DECLARE_FINAL_TYPE (TmProxyPage, tm_proxy_page, TM, PROXY_PAGE, GtkWidget)

/* Shows and drives @application's proxy. Call once. */
void       tm_proxy_page_set_application  (TmProxyPage   *self,
                                           TmApplication *application);
/* (transfer none): the switch that starts and stops the in-app proxy. */
GtkSwitch *tm_proxy_page_get_switch       (TmProxyPage   *self);
/* (transfer none): the "use for the whole desktop" switch. */
GtkSwitch *tm_proxy_page_get_desktop_switch (TmProxyPage *self);
/* (transfer none): the "Inspect HTTPS" switch, bound to the https-inspection setting. */
GtkSwitch *tm_proxy_page_get_https_switch (TmProxyPage *self);

G_END_DECLS
