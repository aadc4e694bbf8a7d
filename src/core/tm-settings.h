/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-settings.h: the settings every face shares (app, temoinctl, headless proxy).
 * They live in the consent database's settings table, never in GSettings. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Months after which a saved choice is outdated and asked again (CNIL: 6). */
#define TM_SETTING_REASK_INTERVAL "reask-interval-months"
/* The port the proxy listens on. */
#define TM_SETTING_PROXY_PORT     "proxy-port"
/* Add `Sec-GPC: 1` to requests while third-party cookies are refused. */
#define TM_SETTING_SEC_GPC        "sec-gpc"
/* Look inside HTTPS (CONNECT) with Témoin's local certificate authority (tm-ca.h).
 * Off by default: it is the user's decision, made knowing what it means. */
#define TM_SETTING_HTTPS_INSPECTION "https-inspection"
/* Hosts never inspected, tunnelled blind (tm-bypass.h): comma-separated, sorted,
 * normalized. The defaults are services whose clients pin their certificates or
 * only trust the system store, so that inspecting them would only break them:
 * Apple and iCloud, Signal, Dropbox, and the Debian, Flathub and LVFS (fwupd)
 * software sources. Banks cannot be listed exhaustively: users add theirs. */
#define TM_SETTING_HTTPS_BYPASS   "https-bypass"
#define TM_SETTING_HTTPS_BYPASS_DEFAULT \
  "*.apple.com,*.debian.org,*.dropbox.com,*.flathub.org,*.fwupd.org,*.icloud.com," \
  "*.signal.org"

typedef enum {
  TM_SETTING_TYPE_INT,
  TM_SETTING_TYPE_BOOLEAN,
  TM_SETTING_TYPE_STRING,
} TmSettingType;

typedef struct {
  const char    *key;
  TmSettingType  type;
  const char    *default_value;  /* normalized form */
  gint64         min, max;       /* for TM_SETTING_TYPE_INT */
  const char    *description;    /* N_(): translate with _() before showing */
} TmSettingInfo;

#define TM_SETTINGS_ERROR (tm_settings_error_quark ())
typedef enum {
  TM_SETTINGS_ERROR_UNKNOWN_KEY,
  TM_SETTINGS_ERROR_INVALID_VALUE,
} TmSettingsError;

GQuark               tm_settings_error_quark (void);

/* All known settings, in a stable order. */
const TmSettingInfo *tm_settings_list        (gsize        *n_settings);
const TmSettingInfo *tm_settings_lookup      (const char   *key);

/**
 * tm_settings_normalize:
 * Checks @value for @key and returns its normalized form: integers in decimal,
 * booleans as "true"/"false" (accepting on/off, yes/no, 1/0, true/false), the
 * bypass list as tm_bypass_normalize_list() gives it.
 * Returns: (transfer full) (nullable): the normalized value, or %NULL with @error
 * set (%TM_SETTINGS_ERROR_UNKNOWN_KEY or %TM_SETTINGS_ERROR_INVALID_VALUE, with a
 * translated message saying what is accepted).
 */
char                *tm_settings_normalize   (const char   *key,
                                              const char   *value,
                                              GError      **error);

G_END_DECLS
