/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tm-desktop-proxy.h"

/* The backup is a key file: [backup] says what Témoin applied, then one group per
 * schema with the keys the user had set, as GVariant text. A key missing from its
 * group had its default value: it is reset, not set, on restore. */
#define BACKUP_GROUP "backup"
#define BACKUP_VERSION 1

enum { SCHEMA_PROXY, SCHEMA_HTTP, SCHEMA_HTTPS, N_SCHEMAS };

static const char * const schema_ids[N_SCHEMAS] = {
  TM_DESKTOP_PROXY_SCHEMA, TM_DESKTOP_PROXY_HTTP_SCHEMA, TM_DESKTOP_PROXY_HTTPS_SCHEMA,
};

/* The keys Témoin changes, so the keys it saves and restores. */
static const struct {
  guint       schema;
  const char *key;
} managed_keys[] = {
  { SCHEMA_PROXY, "mode" },
  { SCHEMA_HTTP, "host" },
  { SCHEMA_HTTP, "port" },
  { SCHEMA_HTTPS, "host" },
  { SCHEMA_HTTPS, "port" },
};

struct _TmDesktopProxy
{
  GObject    parent_instance;

  char      *backup_path;
  GSettings *settings[N_SCHEMAS];
  gboolean   applied;
};

enum {
  PROP_0,
  PROP_APPLIED,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (TmDesktopProxy, tm_desktop_proxy, G_TYPE_OBJECT)

G_DEFINE_QUARK (tm-desktop-proxy-error-quark, tm_desktop_proxy_error)

static void
set_applied (TmDesktopProxy *self,
             gboolean        applied)
{
  if (self->applied == applied)
    return;
  self->applied = applied;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_APPLIED]);
}

static gboolean
write_backup (TmDesktopProxy  *self,
              GKeyFile        *key_file,
              GError         **error)
{
  g_autofree char *data = g_key_file_to_data (key_file, NULL, NULL);
  g_autoptr(GError) local_error = NULL;

  /* Consistent and durable: after a crash, the file is either the old one or
   * this one, never half of it. */
  if (!g_file_set_contents_full (self->backup_path, data, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT
                                 | G_FILE_SET_CONTENTS_DURABLE,
                                 0600, &local_error))
    {
      g_set_error (error, TM_DESKTOP_PROXY_ERROR, TM_DESKTOP_PROXY_ERROR_BACKUP,
                   _("Could not save the desktop’s proxy settings before changing them "
                     "(%s). Nothing was changed. Check that the data folder can be "
                     "written, then try again."), local_error->message);
      return FALSE;
    }
  return TRUE;
}

/* The current values of the managed keys, the ones the user set. */
static GKeyFile *
snapshot_settings (TmDesktopProxy *self)
{
  GKeyFile *key_file = g_key_file_new ();

  g_key_file_set_integer (key_file, BACKUP_GROUP, "version", BACKUP_VERSION);
  for (guint i = 0; i < G_N_ELEMENTS (managed_keys); i++)
    {
      GSettings *settings = self->settings[managed_keys[i].schema];
      g_autoptr(GVariant) value = g_settings_get_user_value (settings, managed_keys[i].key);
      g_autofree char *text = NULL;

      if (value == NULL)
        continue;
      text = g_variant_print (value, TRUE);
      g_key_file_set_string (key_file, schema_ids[managed_keys[i].schema],
                             managed_keys[i].key, text);
    }
  return key_file;
}

static gboolean
check_written (gboolean     ok,
               const char  *key,
               GError     **error)
{
  if (ok)
    return TRUE;
  g_set_error (error, TM_DESKTOP_PROXY_ERROR, TM_DESKTOP_PROXY_ERROR_FAILED,
               _("The desktop’s proxy setting “%s” cannot be changed: it may be locked "
                 "by the administrator. Set the proxy in each browser instead."), key);
  return FALSE;
}

/* Whether the desktop still points where Témoin pointed it (the user may have
 * changed the settings since: then they are left alone). */
static gboolean
still_points_at (TmDesktopProxy *self,
                 const char     *host,
                 int             port)
{
  g_autofree char *mode = g_settings_get_string (self->settings[SCHEMA_PROXY], "mode");
  g_autofree char *http_host = g_settings_get_string (self->settings[SCHEMA_HTTP], "host");

  return g_str_equal (mode, "manual")
         && g_strcmp0 (http_host, host) == 0
         && g_settings_get_int (self->settings[SCHEMA_HTTP], "port") == port;
}

static void
reset_managed_keys (TmDesktopProxy *self)
{
  for (guint i = 0; i < G_N_ELEMENTS (managed_keys); i++)
    g_settings_reset (self->settings[managed_keys[i].schema], managed_keys[i].key);
}

/* Sets or resets each managed key as @key_file says. */
static gboolean
restore_from (TmDesktopProxy  *self,
              GKeyFile        *key_file,
              GError         **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (managed_keys); i++)
    {
      GSettings *settings = self->settings[managed_keys[i].schema];
      const char *key = managed_keys[i].key;
      g_autofree char *text = g_key_file_get_string (key_file,
                                                     schema_ids[managed_keys[i].schema],
                                                     key, NULL);
      g_autoptr(GSettingsSchema) schema = NULL;
      g_autoptr(GSettingsSchemaKey) schema_key = NULL;
      g_autoptr(GVariant) value = NULL;

      if (text == NULL)
        {
          g_settings_reset (settings, key);
          continue;
        }
      g_object_get (settings, "settings-schema", &schema, NULL);
      schema_key = g_settings_schema_get_key (schema, key);
      value = g_variant_parse (g_settings_schema_key_get_value_type (schema_key),
                               text, NULL, NULL, NULL);
      if (value == NULL || !g_settings_schema_key_range_check (schema_key, value))
        {
          /* A damaged line: the default is safer than pointing at a dead proxy. */
          g_warning ("Ignoring the saved value of %s %s: %s",
                     schema_ids[managed_keys[i].schema], key, text);
          g_settings_reset (settings, key);
          continue;
        }
      if (!check_written (g_settings_set_value (settings, key, value), key, error))
        return FALSE;
    }
  return TRUE;
}

static void
tm_desktop_proxy_dispose (GObject *object)
{
  TmDesktopProxy *self = TM_DESKTOP_PROXY (object);

  for (guint i = 0; i < N_SCHEMAS; i++)
    g_clear_object (&self->settings[i]);

  G_OBJECT_CLASS (tm_desktop_proxy_parent_class)->dispose (object);
}

static void
tm_desktop_proxy_finalize (GObject *object)
{
  TmDesktopProxy *self = TM_DESKTOP_PROXY (object);

  g_free (self->backup_path);

  G_OBJECT_CLASS (tm_desktop_proxy_parent_class)->finalize (object);
}

static void
tm_desktop_proxy_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  TmDesktopProxy *self = TM_DESKTOP_PROXY (object);

  switch (prop_id)
    {
    case PROP_APPLIED:
      g_value_set_boolean (value, self->applied);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
tm_desktop_proxy_class_init (TmDesktopProxyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tm_desktop_proxy_dispose;
  object_class->finalize = tm_desktop_proxy_finalize;
  object_class->get_property = tm_desktop_proxy_get_property;

  /**
   * TmDesktopProxy:applied:
   *
   * Whether the desktop's proxy settings were changed by Témoin and not yet
   * restored (the backup file exists).
   */
  properties[PROP_APPLIED] =
    g_param_spec_boolean ("applied", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                          | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
tm_desktop_proxy_init (TmDesktopProxy *self)
{
}

/**
 * tm_desktop_proxy_is_available:
 *
 * Returns: whether GNOME's proxy schemas (org.gnome.system.proxy and its http and
 *   https children) are installed, so that tm_desktop_proxy_new_for_desktop() works
 */
gboolean
tm_desktop_proxy_is_available (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();

  if (source == NULL)
    return FALSE;
  for (guint i = 0; i < N_SCHEMAS; i++)
    {
      g_autoptr(GSettingsSchema) schema = g_settings_schema_source_lookup (source,
                                                                           schema_ids[i],
                                                                           TRUE);
      if (schema == NULL)
        return FALSE;
    }
  return TRUE;
}

/**
 * tm_desktop_proxy_new:
 * @data_dir: the data directory, where the backup file is kept
 * @proxy_settings: settings of the org.gnome.system.proxy schema
 * @http_settings: settings of org.gnome.system.proxy.http
 * @https_settings: settings of org.gnome.system.proxy.https
 *
 * Takes the settings objects so that tests can use the memory backend.
 *
 * Returns: (transfer full): a new #TmDesktopProxy
 */
TmDesktopProxy *
tm_desktop_proxy_new (const char *data_dir,
                      GSettings  *proxy_settings,
                      GSettings  *http_settings,
                      GSettings  *https_settings)
{
  TmDesktopProxy *self;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (G_IS_SETTINGS (proxy_settings), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (http_settings), NULL);
  g_return_val_if_fail (G_IS_SETTINGS (https_settings), NULL);

  self = g_object_new (TM_TYPE_DESKTOP_PROXY, NULL);
  self->backup_path = g_build_filename (data_dir, TM_DESKTOP_PROXY_BACKUP_FILENAME, NULL);
  self->settings[SCHEMA_PROXY] = g_object_ref (proxy_settings);
  self->settings[SCHEMA_HTTP] = g_object_ref (http_settings);
  self->settings[SCHEMA_HTTPS] = g_object_ref (https_settings);
  self->applied = g_file_test (self->backup_path, G_FILE_TEST_EXISTS);
  return self;
}

/**
 * tm_desktop_proxy_new_for_desktop:
 * @data_dir: the data directory, where the backup file is kept
 *
 * Returns: (transfer full) (nullable): a #TmDesktopProxy for the desktop's own
 *   settings, or %NULL when GNOME's proxy schemas are not installed
 */
TmDesktopProxy *
tm_desktop_proxy_new_for_desktop (const char *data_dir)
{
  g_autoptr(GSettings) proxy = NULL;
  g_autoptr(GSettings) http = NULL;
  g_autoptr(GSettings) https = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);

  if (!tm_desktop_proxy_is_available ())
    return NULL;
  proxy = g_settings_new (TM_DESKTOP_PROXY_SCHEMA);
  http = g_settings_new (TM_DESKTOP_PROXY_HTTP_SCHEMA);
  https = g_settings_new (TM_DESKTOP_PROXY_HTTPS_SCHEMA);
  return tm_desktop_proxy_new (data_dir, proxy, http, https);
}

/**
 * tm_desktop_proxy_get_backup_path:
 *
 * Returns: (transfer none): where the previous settings are saved
 */
const char *
tm_desktop_proxy_get_backup_path (TmDesktopProxy *self)
{
  g_return_val_if_fail (TM_IS_DESKTOP_PROXY (self), NULL);

  return self->backup_path;
}

/**
 * tm_desktop_proxy_get_applied:
 *
 * Returns: whether the desktop was pointed at Témoin and not yet restored
 */
gboolean
tm_desktop_proxy_get_applied (TmDesktopProxy *self)
{
  g_return_val_if_fail (TM_IS_DESKTOP_PROXY (self), FALSE);

  return self->applied;
}

/**
 * tm_desktop_proxy_apply:
 * @host: the proxy's address, such as "127.0.0.1"
 * @port: its port
 * @error: return location for a #GError
 *
 * Saves the desktop's current proxy settings to the backup file (unless a backup
 * is already there: those are the user's, not Témoin's), then sets the proxy mode
 * to manual with @host and @port for HTTP and HTTPS.
 *
 * Returns: %TRUE on success
 */
gboolean
tm_desktop_proxy_apply (TmDesktopProxy  *self,
                        const char      *host,
                        guint            port,
                        GError         **error)
{
  g_autoptr(GKeyFile) key_file = NULL;

  g_return_val_if_fail (TM_IS_DESKTOP_PROXY (self), FALSE);
  g_return_val_if_fail (host != NULL && host[0] != '\0', FALSE);
  g_return_val_if_fail (port > 0 && port <= 65535, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  key_file = g_key_file_new ();
  if (!g_key_file_load_from_file (key_file, self->backup_path, G_KEY_FILE_NONE, NULL))
    {
      g_key_file_unref (key_file);
      key_file = snapshot_settings (self);
    }
  g_key_file_set_string (key_file, BACKUP_GROUP, "host", host);
  g_key_file_set_integer (key_file, BACKUP_GROUP, "port", (int) port);
  if (!write_backup (self, key_file, error))
    return FALSE;
  set_applied (self, TRUE);

  if (!check_written (g_settings_set_string (self->settings[SCHEMA_HTTP], "host", host),
                      "host", error)
      || !check_written (g_settings_set_int (self->settings[SCHEMA_HTTP], "port", port),
                         "port", error)
      || !check_written (g_settings_set_string (self->settings[SCHEMA_HTTPS], "host", host),
                         "host", error)
      || !check_written (g_settings_set_int (self->settings[SCHEMA_HTTPS], "port", port),
                         "port", error)
      || !check_written (g_settings_set_string (self->settings[SCHEMA_PROXY], "mode",
                                                "manual"), "mode", error))
    {
      /* Half-applied: put back what was there. */
      tm_desktop_proxy_restore (self, NULL, NULL);
      return FALSE;
    }
  g_settings_sync ();
  return TRUE;
}

/**
 * tm_desktop_proxy_restore:
 * @out_restored: (out) (optional): whether settings were changed back
 * @error: return location for a #GError
 *
 * Puts back the settings saved by tm_desktop_proxy_apply() and deletes the
 * backup file. If the desktop no longer points at Témoin (the user changed the
 * settings since), they are left alone. Without a backup file, does nothing.
 * With an unreadable one, turns the desktop's proxy off rather than leave it
 * pointing at a proxy that may be gone, and says so in @error.
 *
 * Returns: %TRUE on success
 */
gboolean
tm_desktop_proxy_restore (TmDesktopProxy  *self,
                          gboolean        *out_restored,
                          GError         **error)
{
  g_autoptr(GKeyFile) key_file = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *host = NULL;
  int port;

  g_return_val_if_fail (TM_IS_DESKTOP_PROXY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (out_restored != NULL)
    *out_restored = FALSE;
  if (!g_file_test (self->backup_path, G_FILE_TEST_EXISTS))
    {
      set_applied (self, FALSE);
      return TRUE;
    }

  key_file = g_key_file_new ();
  if (!g_key_file_load_from_file (key_file, self->backup_path, G_KEY_FILE_NONE,
                                  &local_error)
      || (host = g_key_file_get_string (key_file, BACKUP_GROUP, "host", &local_error)) == NULL
      || (port = g_key_file_get_integer (key_file, BACKUP_GROUP, "port", &local_error),
          local_error != NULL))
    {
      reset_managed_keys (self);
      g_settings_sync ();
      g_unlink (self->backup_path);
      set_applied (self, FALSE);
      if (out_restored != NULL)
        *out_restored = TRUE;
      g_set_error (error, TM_DESKTOP_PROXY_ERROR, TM_DESKTOP_PROXY_ERROR_BACKUP,
                   _("The saved desktop proxy settings could not be read (%s), so the "
                     "desktop’s proxy was turned off. Check Settings → Network → Network "
                     "Proxy."), local_error->message);
      return FALSE;
    }

  if (still_points_at (self, host, port))
    {
      if (!restore_from (self, key_file, error))
        return FALSE;
      g_settings_sync ();
      if (out_restored != NULL)
        *out_restored = TRUE;
    }

  if (g_unlink (self->backup_path) != 0 && errno != ENOENT)
    {
      int saved = errno;

      g_set_error (error, TM_DESKTOP_PROXY_ERROR, TM_DESKTOP_PROXY_ERROR_BACKUP,
                   _("Could not delete %s (%s). Delete it by hand."),
                   self->backup_path, g_strerror (saved));
      return FALSE;
    }
  set_applied (self, FALSE);
  return TRUE;
}
