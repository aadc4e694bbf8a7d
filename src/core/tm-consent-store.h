/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-consent-store.h: the one source of truth for the choice, its history and the
 * shared settings: `consent.sqlite` in the data directory (WAL, schema migrations,
 * prepared statements). Several processes may open it at once. */
#pragma once

#include <gio/gio.h>

#include "tm-consent.h"
#include "tm-types.h"

G_BEGIN_DECLS

#define TM_CONSENT_STORE_FILENAME "consent.sqlite"

#define TM_CONSENT_STORE_ERROR (tm_consent_store_error_quark ())
typedef enum {
  TM_CONSENT_STORE_ERROR_FAILED,    /* SQLite said no: the message says what and what to do */
  TM_CONSENT_STORE_ERROR_TOO_NEW,   /* made by a newer Témoin: not touched */
  TM_CONSENT_STORE_ERROR_MOVED_ASIDE, /* damaged and moved aside, then no new one
                                       * could be made: the message says where */
} TmConsentStoreError;

#define TM_TYPE_CONSENT_STORE (tm_consent_store_get_type ())
G_DECLARE_FINAL_TYPE (TmConsentStore, tm_consent_store, TM, CONSENT_STORE, GObject)

GQuark           tm_consent_store_error_quark   (void);

/**
 * tm_consent_store_new:
 * @data_dir: an existing directory (see tm_data_dir_resolve())
 *
 * Opens (creating or migrating) `consent.sqlite` in @data_dir, mode 0600.
 * A file that is corrupt or unreadable is renamed aside with a timestamp
 * (`consent.sqlite.corrupt-20261129T100000Z`) and a new one is created: see
 * tm_consent_store_get_moved_aside().
 *
 * The store watches the database for writes by other processes (inotify on the
 * file, confirmed with `PRAGMA data_version`, dispatched on the thread-default
 * main context at construction) and emits ::consent-changed / ::settings-changed
 * within about a second. Its own writes emit them at once.
 */
TmConsentStore  *tm_consent_store_new           (const char      *data_dir,
                                                 GError         **error);
/* For the commands that only read: creates and writes nothing, works on a
 * read-only or full disk; a missing file reads as nothing saved. Writes fail. */
TmConsentStore  *tm_consent_store_new_read_only (const char      *data_dir,
                                                 GError         **error);
const char      *tm_consent_store_get_path      (TmConsentStore  *self);
/* (nullable): where a corrupt database was moved to while opening, to tell the user. */
const char      *tm_consent_store_get_moved_aside (TmConsentStore *self);
/* (nullable): opened read-only, what to tell the person (translated): the file
 * was damaged and read as empty, or recent changes may be missing. */
const char      *tm_consent_store_get_read_warning (TmConsentStore *self);

/* (transfer full): the last saved choice, or tm_consent_new_default(). Never NULL.
 * A damaged last choice (a value out of range) gives the defaults. */
TmConsent       *tm_consent_store_dup_current   (TmConsentStore  *self);
/* Whether the last tm_consent_store_dup_current() found the last choice damaged. */
gboolean         tm_consent_store_is_current_damaged (TmConsentStore *self);
/* How many damaged saved choices the last read of the history left out. */
guint            tm_consent_store_get_n_damaged (TmConsentStore  *self);

/* Appends a choice to the history (a new random consent id, UTC now) and returns it.
 * Necessary is forced on. */
TmConsent       *tm_consent_store_save          (TmConsentStore  *self,
                                                 TmCategories     categories,
                                                 TmConsentMethod  method,
                                                 const char      *language,
                                                 const char      *revision,
                                                 GError         **error);

/* (transfer none): every saved choice, newest first, as TmConsent items; kept up to date. */
GListModel      *tm_consent_store_get_history   (TmConsentStore  *self);
/* (transfer full): the same as a new array, read now (for the CLI). */
GPtrArray       *tm_consent_store_list_history  (TmConsentStore  *self,
                                                 GError         **error);
/* The history as the JSON array of `temoinctl consent history --json`. */
char            *tm_consent_store_export_history_json (TmConsentStore *self,
                                                       GError        **error);
/* Erases every saved choice: the defaults apply again (and the choice is outdated). */
gboolean         tm_consent_store_erase_history (TmConsentStore  *self,
                                                 GError         **error);

/**
 * tm_consent_store_is_outdated:
 * @current_revision: tm_charter_get_revision()
 * @now: (nullable): the time to judge at, %NULL for now
 *
 * %TRUE when @consent was not saved, was given under another charter revision, or
 * is older than the re-ask interval setting. An outdated choice keeps applying.
 */
gboolean         tm_consent_store_is_outdated   (TmConsentStore  *self,
                                                 TmConsent       *consent,
                                                 const char      *current_revision,
                                                 GDateTime       *now);

/* Settings (see tm-settings.h). Values are in normalized form; unset keys give
 * their default. */
char            *tm_consent_store_get_setting      (TmConsentStore *self,
                                                    const char     *key);
gint64           tm_consent_store_get_setting_int  (TmConsentStore *self,
                                                    const char     *key);
gboolean         tm_consent_store_get_setting_bool (TmConsentStore *self,
                                                    const char     *key);
/* Validates with tm_settings_normalize() and stores. */
gboolean         tm_consent_store_set_setting      (TmConsentStore *self,
                                                    const char     *key,
                                                    const char     *value,
                                                    GError        **error);

/* Added for the user's rules (tm-rules.h), which live in the same file
 * (schema version 3). */
typedef struct _TmDatabase TmDatabase;
/* (transfer none): the connection, for tm-rules.c. */
TmDatabase      *tm_consent_store_get_database     (TmConsentStore *self);
/* Emits ::rules-changed after this process wrote the rules' tables. */
void             tm_consent_store_notify_rules_changed (TmConsentStore *self);

G_END_DECLS
