/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-desktop-proxy.h: points GNOME's proxy settings (org.gnome.system.proxy) at
 * Témoin's proxy and puts them back. The previous values are saved to a small
 * file in the data directory first, so that they can be restored after a crash,
 * at the next start: the desktop is never left pointing at a dead proxy. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The backup of the desktop's previous proxy settings, in the data directory (0600).
 * While it exists, the desktop is (or was, before a crash) pointed at Témoin. */
#define TM_DESKTOP_PROXY_BACKUP_FILENAME "desktop-proxy.ini"
/* GNOME's proxy settings and the two child schemas Témoin sets. */
#define TM_DESKTOP_PROXY_SCHEMA       "org.gnome.system.proxy"
#define TM_DESKTOP_PROXY_HTTP_SCHEMA  "org.gnome.system.proxy.http"
#define TM_DESKTOP_PROXY_HTTPS_SCHEMA "org.gnome.system.proxy.https"

#define TM_DESKTOP_PROXY_ERROR (tm_desktop_proxy_error_quark ())
typedef enum {
  TM_DESKTOP_PROXY_ERROR_FAILED,   /* the message says what failed and what to do */
  TM_DESKTOP_PROXY_ERROR_BACKUP,   /* the backup file could not be written or read */
} TmDesktopProxyError;

#define TM_TYPE_DESKTOP_PROXY (tm_desktop_proxy_get_type ())
G_DECLARE_FINAL_TYPE (TmDesktopProxy, tm_desktop_proxy, TM, DESKTOP_PROXY, GObject)

GQuark          tm_desktop_proxy_error_quark      (void);

/* Whether GNOME's proxy schemas are installed (they are not outside GNOME). */
gboolean        tm_desktop_proxy_is_available     (void);

TmDesktopProxy *tm_desktop_proxy_new              (const char     *data_dir,
                                                   GSettings      *proxy_settings,
                                                   GSettings      *http_settings,
                                                   GSettings      *https_settings);
TmDesktopProxy *tm_desktop_proxy_new_for_desktop  (const char     *data_dir);

const char     *tm_desktop_proxy_get_backup_path  (TmDesktopProxy *self);
gboolean        tm_desktop_proxy_get_applied      (TmDesktopProxy *self);

gboolean        tm_desktop_proxy_apply            (TmDesktopProxy *self,
                                                   const char     *host,
                                                   guint           port,
                                                   GError        **error);
gboolean        tm_desktop_proxy_restore          (TmDesktopProxy *self,
                                                   gboolean       *out_restored,
                                                   GError        **error);

G_END_DECLS
