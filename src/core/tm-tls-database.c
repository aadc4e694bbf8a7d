/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-tls-database.h"

struct _TmTlsDatabase
{
  GTlsDatabase parent_instance;

  GTlsDatabase *system;   /* nullable: no system store */
  GTlsDatabase *extra;    /* nullable: no extra anchors */
};

G_DEFINE_FINAL_TYPE (TmTlsDatabase, tm_tls_database, G_TYPE_TLS_DATABASE)

static GTlsCertificateFlags
tm_tls_database_verify_chain (GTlsDatabase             *database,
                              GTlsCertificate          *chain,
                              const char               *purpose,
                              GSocketConnectable       *identity,
                              GTlsInteraction          *interaction,
                              GTlsDatabaseVerifyFlags   flags,
                              GCancellable             *cancellable,
                              GError                  **error)
{
  TmTlsDatabase *self = TM_TLS_DATABASE (database);
  GTlsCertificateFlags result = G_TLS_CERTIFICATE_UNKNOWN_CA;
  GTlsCertificateFlags extra_result;
  g_autoptr(GError) local_error = NULL;

  if (self->system != NULL)
    {
      result = g_tls_database_verify_chain (self->system, chain, purpose, identity,
                                            interaction, flags, cancellable, &local_error);
      if (local_error != NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return G_TLS_CERTIFICATE_GENERIC_ERROR;
        }
      if (result == 0)
        return 0;
    }

  /* Only a chain the system store does not know is tried against the extra
   * anchors: they add trust, they never excuse a bad name or a dead date. */
  if (self->extra == NULL || (result & G_TLS_CERTIFICATE_UNKNOWN_CA) == 0)
    return result;

  extra_result = g_tls_database_verify_chain (self->extra, chain, purpose, identity,
                                              interaction, flags, cancellable, &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return G_TLS_CERTIFICATE_GENERIC_ERROR;
    }
  if ((extra_result & G_TLS_CERTIFICATE_UNKNOWN_CA) == 0)
    return extra_result;
  return result;
}

static char *
tm_tls_database_create_certificate_handle (GTlsDatabase    *database,
                                           GTlsCertificate *certificate)
{
  TmTlsDatabase *self = TM_TLS_DATABASE (database);

  if (self->system == NULL)
    return NULL;
  return g_tls_database_create_certificate_handle (self->system, certificate);
}

static GTlsCertificate *
tm_tls_database_lookup_certificate_for_handle (GTlsDatabase             *database,
                                               const char               *handle,
                                               GTlsInteraction          *interaction,
                                               GTlsDatabaseLookupFlags   flags,
                                               GCancellable             *cancellable,
                                               GError                  **error)
{
  TmTlsDatabase *self = TM_TLS_DATABASE (database);

  if (self->system == NULL)
    return NULL;
  return g_tls_database_lookup_certificate_for_handle (self->system, handle, interaction,
                                                       flags, cancellable, error);
}

static GTlsCertificate *
tm_tls_database_lookup_certificate_issuer (GTlsDatabase             *database,
                                           GTlsCertificate          *certificate,
                                           GTlsInteraction          *interaction,
                                           GTlsDatabaseLookupFlags   flags,
                                           GCancellable             *cancellable,
                                           GError                  **error)
{
  TmTlsDatabase *self = TM_TLS_DATABASE (database);
  GTlsCertificate *issuer = NULL;

  if (self->system != NULL)
    {
      issuer = g_tls_database_lookup_certificate_issuer (self->system, certificate,
                                                         interaction, flags, cancellable,
                                                         error);
      if (issuer != NULL || (error != NULL && *error != NULL))
        return issuer;
    }
  if (self->extra != NULL)
    issuer = g_tls_database_lookup_certificate_issuer (self->extra, certificate, interaction,
                                                       flags, cancellable, error);
  return issuer;
}

static GList *
tm_tls_database_lookup_certificates_issued_by (GTlsDatabase             *database,
                                               GByteArray               *issuer_raw_dn,
                                               GTlsInteraction          *interaction,
                                               GTlsDatabaseLookupFlags   flags,
                                               GCancellable             *cancellable,
                                               GError                  **error)
{
  TmTlsDatabase *self = TM_TLS_DATABASE (database);
  GList *found = NULL;

  if (self->system != NULL)
    {
      found = g_tls_database_lookup_certificates_issued_by (self->system, issuer_raw_dn,
                                                            interaction, flags, cancellable,
                                                            error);
      if (error != NULL && *error != NULL)
        return found;
    }
  if (self->extra != NULL)
    found = g_list_concat (found,
                           g_tls_database_lookup_certificates_issued_by (self->extra,
                                                                         issuer_raw_dn,
                                                                         interaction, flags,
                                                                         cancellable, error));
  return found;
}

static void
tm_tls_database_dispose (GObject *object)
{
  TmTlsDatabase *self = TM_TLS_DATABASE (object);

  g_clear_object (&self->system);
  g_clear_object (&self->extra);

  G_OBJECT_CLASS (tm_tls_database_parent_class)->dispose (object);
}

static void
tm_tls_database_class_init (TmTlsDatabaseClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GTlsDatabaseClass *database_class = G_TLS_DATABASE_CLASS (klass);

  object_class->dispose = tm_tls_database_dispose;
  /* The async variants of GTlsDatabase run these in a thread. */
  database_class->verify_chain = tm_tls_database_verify_chain;
  database_class->create_certificate_handle = tm_tls_database_create_certificate_handle;
  database_class->lookup_certificate_for_handle = tm_tls_database_lookup_certificate_for_handle;
  database_class->lookup_certificate_issuer = tm_tls_database_lookup_certificate_issuer;
  database_class->lookup_certificates_issued_by = tm_tls_database_lookup_certificates_issued_by;
}

static void
tm_tls_database_init (TmTlsDatabase *self)
{
}

/**
 * tm_tls_database_new:
 * @extra_anchors_file: (nullable): a PEM file of CA certificates to trust besides
 *   the system store (`--upstream-ca`)
 * @error: return location for a #GError
 *
 * A database for verifying upstream servers: the system trust store, plus the
 * anchors of @extra_anchors_file. Set it on the upstream #SoupSession
 * (soup_session_set_tls_database()) or on a #GTlsClientConnection.
 *
 * Returns: (transfer full) (nullable): the database, or %NULL with @error set
 *   when @extra_anchors_file cannot be read
 */
GTlsDatabase *
tm_tls_database_new (const char  *extra_anchors_file,
                     GError     **error)
{
  g_autoptr(TmTlsDatabase) self = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (TM_TYPE_TLS_DATABASE, NULL);
  self->system = g_tls_backend_get_default_database (g_tls_backend_get_default ());

  if (extra_anchors_file != NULL)
    {
      self->extra = g_tls_file_database_new (extra_anchors_file, &local_error);
      if (self->extra == NULL)
        {
          g_set_error (error, local_error->domain, local_error->code,
                       /* Translators: the first %s is a file, the second the reason. */
                       _("Could not read the certificate authorities in “%s”: %s. Give a "
                         "PEM file of CA certificates."),
                       extra_anchors_file, local_error->message);
          return NULL;
        }
    }
  return G_TLS_DATABASE (g_steal_pointer (&self));
}
