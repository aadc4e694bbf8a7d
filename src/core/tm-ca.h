/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-ca.h: Témoin's local certificate authority, for HTTPS inspection.
 *
 * One CA per installation, in the data directory: `ca-key.pem` (ECDSA P-256,
 * PKCS#8, mode 0600 from creation, never logged nor exported) and `ca-cert.pem`
 * ("Témoin local CA — HOSTNAME", O=Témoin, CA:TRUE pathlen:0, keyCertSign and
 * cRLSign, ten years). Leaf certificates for the hosts the proxy inspects are
 * minted on demand (tm_ca_get_leaf()): signed by the CA, subjectAltName DNS or IP,
 * CN = host, EKU serverAuth, valid 30 days from a day ago, random serial. They
 * share one leaf key per CA (`certs/leaf-key.pem`, 0600): every leaf is only as
 * trusted as the CA that signed it and lives in the same private folder, so a
 * key per host would add key files, not safety. Leaves are cached in memory
 * (LRU, %TM_CA_MEMORY_CACHE_DEFAULT) and in `certs/` (0700, files 0600, at most
 * %TM_CA_DISK_CACHE_DEFAULT, oldest dropped first); a leaf read back from disk is
 * used only if the current CA signed it for that host and it is not about to
 * expire.
 *
 * Changes by other processes: a TmCa looks at `ca-cert.pem` (inode, size, mtime)
 * at most once a second when it is used (tm_ca_get_leaf(), the getters), and
 * reloads, or becomes empty when the CA was deleted; tm_ca_reload() does it at
 * once. A proxy keeps one TmCa and calls tm_ca_get_leaf() per CONNECT: it then
 * serves leaves of a regenerated CA within a second, and gets
 * %TM_CA_ERROR_NOT_FOUND once the CA is deleted. tm_ca_get_generation() changes
 * on every (re)load, for callers that keep things derived from the CA.
 *
 * A TmCa is thread-safe: the proxy may mint from several threads. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TM_CA_KEY_FILENAME   "ca-key.pem"
#define TM_CA_CERT_FILENAME  "ca-cert.pem"
#define TM_CA_CERTS_DIRNAME  "certs"

/* Default bounds of the leaf caches (tm_ca_set_cache_limits()). */
#define TM_CA_MEMORY_CACHE_DEFAULT 256
#define TM_CA_DISK_CACHE_DEFAULT   1024

/* Validity of a leaf, and how long before its end a new one is minted. */
#define TM_CA_LEAF_DAYS            30
#define TM_CA_LEAF_RENEW_DAYS      2

#define TM_CA_ERROR (tm_ca_error_quark ())
typedef enum {
  TM_CA_ERROR_NOT_FOUND,     /* there is no CA (yet, or any more) */
  TM_CA_ERROR_INVALID,       /* the CA files are unreadable or do not match */
  TM_CA_ERROR_CRYPTO,        /* GnuTLS failed */
  TM_CA_ERROR_INVALID_HOST,  /* not a host name nor an IP address */
} TmCaError;

GQuark tm_ca_error_quark (void);

#define TM_TYPE_CA (tm_ca_get_type ())
G_DECLARE_FINAL_TYPE (TmCa, tm_ca, TM, CA, GObject)

TmCa             *tm_ca_new                (const char   *data_dir);
TmCa             *tm_ca_load               (const char   *data_dir,
                                            GError      **error);
TmCa             *tm_ca_load_or_create     (const char   *data_dir,
                                            GError      **error);
gboolean          tm_ca_reload             (TmCa         *self,
                                            GError      **error);

const char       *tm_ca_get_data_dir       (TmCa         *self);
gboolean          tm_ca_is_loaded          (TmCa         *self);
guint             tm_ca_get_generation     (TmCa         *self);
char             *tm_ca_get_fingerprint    (TmCa         *self);
char             *tm_ca_get_subject        (TmCa         *self);
gboolean          tm_ca_get_validity       (TmCa         *self,
                                            GDateTime   **not_before,
                                            GDateTime   **not_after);
char             *tm_ca_export_pem         (TmCa         *self,
                                            GError      **error);
GTlsCertificate  *tm_ca_get_certificate    (TmCa         *self);

gboolean          tm_ca_regenerate         (TmCa         *self,
                                            GError      **error);
gboolean          tm_ca_delete             (TmCa         *self,
                                            GError      **error);

GTlsCertificate  *tm_ca_get_leaf           (TmCa         *self,
                                            const char   *host,
                                            GError      **error);
void              tm_ca_set_cache_limits   (TmCa         *self,
                                            guint         memory,
                                            guint         disk);
void              tm_ca_get_cache_counts   (TmCa         *self,
                                            guint        *in_memory,
                                            guint        *on_disk);

G_END_DECLS
