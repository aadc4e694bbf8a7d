/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tm-bypass.h"
#include "tm-ca.h"
#include "tm-data-dir.h"

#define LEAF_KEY_FILENAME  "leaf-key.pem"
#define LEAF_SUFFIX        ".cert.pem"
#define LOCK_FILENAME      ".ca.lock"
#define CA_DAYS            3650
#define DAY_SECONDS        (24 * 60 * 60)
/* How often a TmCa in use looks whether another process changed the CA. */
#define CHECK_INTERVAL_US  G_USEC_PER_SEC
/* An X.509 common name is at most 64 characters (RFC 5280, ub-common-name). */
#define CN_MAX_CHARS       64

G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_crt_t, gnutls_x509_crt_deinit, NULL)
G_DEFINE_AUTO_CLEANUP_FREE_FUNC (gnutls_x509_privkey_t, gnutls_x509_privkey_deinit, NULL)

typedef struct {
  char            *host;
  GTlsCertificate *certificate;
  gint64           not_after;   /* Unix seconds */
} LeafEntry;

struct _TmCa
{
  GObject parent_instance;

  char *data_dir;
  char *key_path;
  char *cert_path;
  char *certs_dir;

  /* Everything below is guarded by the lock. */
  GMutex lock;

  /* The loaded CA; crt == NULL when there is none. */
  gnutls_x509_crt_t      crt;
  gnutls_x509_privkey_t  key;
  char                  *cert_pem;
  char                  *fingerprint;
  char                  *subject;
  gint64                 not_before;
  gint64                 not_after;
  guint8                 key_id[64];
  size_t                 key_id_len;
  guint                  generation;

  /* ca-cert.pem as it was when loaded, to notice other processes' changes. */
  gboolean  have_stat;
  dev_t     st_dev;
  ino_t     st_ino;
  off_t     st_size;
  gint64    st_mtime_ns;
  gint64    last_check_us;

  /* The leaf key shared by the leaves of this CA; NULL until first needed. */
  gnutls_x509_privkey_t  leaf_key;
  char                  *leaf_key_pem;
  guint8                 leaf_key_id[64];
  size_t                 leaf_key_id_len;

  /* Leaves: host -> GList link in lru (most recently used first). */
  GHashTable *leaves;
  GQueue      lru;
  guint       memory_limit;
  guint       disk_limit;
  int         disk_count;   /* leaves in certs/, -1 when not counted yet */
};

G_DEFINE_FINAL_TYPE (TmCa, tm_ca, G_TYPE_OBJECT)

G_DEFINE_QUARK (tm-ca-error-quark, tm_ca_error)

static void
leaf_entry_free (LeafEntry *entry)
{
  g_free (entry->host);
  g_clear_object (&entry->certificate);
  g_free (entry);
}

static gboolean
set_gnutls_error (GError     **error,
                  int          ret,
                  const char  *what)
{
  g_set_error (error, TM_CA_ERROR, TM_CA_ERROR_CRYPTO,
               /* Translators: the first %s says what failed, the second is GnuTLS's
                * reason. */
               _("%s (GnuTLS: %s). Check that GnuTLS is installed correctly."),
               what, gnutls_strerror (ret));
  return FALSE;
}

static void
set_file_error (GError     **error,
                int          saved_errno,
                const char  *format,
                const char  *path)
{
  g_autofree char *message = g_strdup_printf (format, path, g_strerror (saved_errno));

  g_set_error_literal (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno), message);
}

/* Reads @path, a file of the data folder, never through a link and only when
 * this user owns it: in a shared folder, a key another user put there would
 * become the key of the CA this user's browsers trust. */
static gboolean
read_own_file (const char  *path,
               char       **contents,
               GError     **error)
{
  g_autoptr(GString) buffer = g_string_new (NULL);
  char chunk[4096];
  int fd;

  fd = g_open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
  if (fd < 0 && errno == ELOOP)
    {
      tm_file_set_link_error (error, path);
      return FALSE;
    }
  if (fd < 0)
    {
      set_file_error (error, errno, _("Could not read “%s”: %s."), path);
      return FALSE;
    }
  if (!tm_file_check_own_fd (fd, path, error))
    {
      close (fd);
      return FALSE;
    }
  for (;;)
    {
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          close (fd);
          set_file_error (error, saved_errno, _("Could not read “%s”: %s."), path);
          return FALSE;
        }
      if (n == 0)
        break;
      g_string_append_len (buffer, chunk, n);
    }
  close (fd);
  *contents = g_string_free (g_steal_pointer (&buffer), FALSE);
  return TRUE;
}

/* Colon-separated upper-case hex, as browsers and `openssl x509 -fingerprint`
 * show fingerprints. */
static char *
hex_colons (const guint8 *bytes,
            gsize         len)
{
  GString *out = g_string_sized_new (len * 3);

  for (gsize i = 0; i < len; i++)
    g_string_append_printf (out, "%s%02X", i > 0 ? ":" : "", bytes[i]);
  return g_string_free (out, FALSE);
}

/* A positive, non-zero random serial of 16 bytes (RFC 5280: at most 20). */
static gboolean
random_serial (guint8   serial[16],
               GError **error)
{
  int ret = gnutls_rnd (GNUTLS_RND_NONCE, serial, 16);

  if (ret < 0)
    return set_gnutls_error (error, ret, _("Could not make a random serial number"));
  serial[0] = (serial[0] & 0x7f) | 0x01;
  return TRUE;
}

static gboolean
generate_key (gnutls_x509_privkey_t  *out,
              GError                **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  int ret;

  if ((ret = gnutls_x509_privkey_init (&key)) < 0 ||
      (ret = gnutls_x509_privkey_generate (key, GNUTLS_PK_ECDSA,
                                           GNUTLS_CURVE_TO_BITS (GNUTLS_ECC_CURVE_SECP256R1),
                                           0)) < 0)
    return set_gnutls_error (error, ret, _("Could not generate a private key"));
  *out = g_steal_pointer (&key);
  return TRUE;
}

/* PKCS#8 PEM ("BEGIN PRIVATE KEY"), the form GIO reads. */
static char *
export_key_pem (gnutls_x509_privkey_t   key,
                GError                **error)
{
  gnutls_datum_t out = { NULL, 0 };
  char *pem;
  int ret;

  ret = gnutls_x509_privkey_export2_pkcs8 (key, GNUTLS_X509_FMT_PEM, NULL,
                                           GNUTLS_PKCS_PLAIN, &out);
  if (ret < 0)
    {
      set_gnutls_error (error, ret, _("Could not encode a private key"));
      return NULL;
    }
  pem = g_strndup ((const char *) out.data, out.size);
  gnutls_free (out.data);
  return pem;
}

static char *
export_crt_pem (gnutls_x509_crt_t   crt,
                GError            **error)
{
  gnutls_datum_t out = { NULL, 0 };
  char *pem;
  int ret;

  ret = gnutls_x509_crt_export2 (crt, GNUTLS_X509_FMT_PEM, &out);
  if (ret < 0)
    {
      set_gnutls_error (error, ret, _("Could not encode a certificate"));
      return NULL;
    }
  pem = g_strndup ((const char *) out.data, out.size);
  gnutls_free (out.data);
  return pem;
}

static gboolean
import_key (const char              *pem,
            gnutls_x509_privkey_t   *out)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  gnutls_datum_t datum = { (unsigned char *) pem, strlen (pem) };

  if (gnutls_x509_privkey_init (&key) < 0 ||
      gnutls_x509_privkey_import2 (key, &datum, GNUTLS_X509_FMT_PEM, NULL, 0) < 0)
    return FALSE;
  *out = g_steal_pointer (&key);
  return TRUE;
}

static gboolean
import_crt (const char         *pem,
            gnutls_x509_crt_t  *out)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  gnutls_datum_t datum = { (unsigned char *) pem, strlen (pem) };

  if (gnutls_x509_crt_init (&crt) < 0 ||
      gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_PEM) < 0)
    return FALSE;
  *out = g_steal_pointer (&crt);
  return TRUE;
}

/* Writes @contents to @dir/@name through a temporary file created with O_EXCL
 * and mode 0600 (never readable by others, whatever the umask), then renames it
 * into place, or with @exclusive links it into place and fails with
 * G_FILE_ERROR_EXIST when the file is already there. Keys and the CA are synced
 * to disk first; a cached leaf needs not be (a damaged one is made again). */
static gboolean
write_private_file (const char  *dir,
                    const char  *name,
                    const char  *contents,
                    gboolean     exclusive,
                    gboolean     durable,
                    GError     **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *tmp_name = g_strdup_printf (".%s.XXXXXX", name);
  g_autofree char *tmp = g_build_filename (dir, tmp_name, NULL);
  gsize len = strlen (contents);
  gsize done = 0;
  int fd;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      set_file_error (error, errno,
                      _("Could not create a file in “%s”: %s. Check that the data "
                        "folder is writable."), dir);
      return FALSE;
    }

  while (done < len)
    {
      ssize_t n = write (fd, contents + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          close (fd);
          g_unlink (tmp);
          set_file_error (error, saved_errno,
                          _("Could not write “%s”: %s. Check that the disk is not full."),
                          path);
          return FALSE;
        }
      done += n;
    }
  if ((durable && fsync (fd) != 0) || close (fd) != 0)
    {
      int saved_errno = errno;

      g_unlink (tmp);
      set_file_error (error, saved_errno,
                      _("Could not write “%s”: %s. Check that the disk is not full."),
                      path);
      return FALSE;
    }

  if (exclusive ? link (tmp, path) != 0 : g_rename (tmp, path) != 0)
    {
      int saved_errno = errno;

      g_unlink (tmp);
      set_file_error (error, saved_errno,
                      _("Could not write “%s”: %s. Check that the data folder is "
                        "writable."), path);
      return FALSE;
    }
  if (exclusive)
    g_unlink (tmp);
  return TRUE;
}

static gboolean
ensure_private_dir (const char  *dir,
                    GError     **error)
{
  if (g_mkdir_with_parents (dir, 0700) != 0 || g_chmod (dir, 0700) != 0)
    {
      set_file_error (error, errno,
                      _("Could not create the private folder “%s”: %s. Check that the "
                        "data folder is writable."), dir);
      return FALSE;
    }
  return TRUE;
}

/* Removes @dir and the files in it (the leaf cache has no subfolders). */
static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  if (handle == NULL)
    return;
  while ((name = g_dir_read_name (handle)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_unlink (path) != 0 && errno != ENOENT)
        g_debug ("Could not remove %s: %s", path, g_strerror (errno));
    }
  if (g_rmdir (dir) != 0 && errno != ENOENT)
    g_debug ("Could not remove %s: %s", dir, g_strerror (errno));
}

/* Serializes creating, regenerating and deleting the CA between processes (an
 * advisory lock on a file of the data directory). Returns the descriptor, or -1
 * with @error set. */
static int
lock_data_dir (TmCa    *self,
               GError **error)
{
  g_autofree char *path = g_build_filename (self->data_dir, LOCK_FILENAME, NULL);
  int fd;

  fd = g_open (path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 && errno == ELOOP)
    {
      tm_file_set_link_error (error, path);
      return -1;
    }
  if (fd < 0)
    {
      set_file_error (error, errno,
                      _("Could not create “%s”: %s. Check that the data folder is "
                        "writable."), path);
      return -1;
    }
  if (!tm_file_check_own_fd (fd, path, error))
    {
      close (fd);
      return -1;
    }
  while (flock (fd, LOCK_EX) != 0)
    if (errno != EINTR)
      {
        set_file_error (error, errno, _("Could not lock “%s”: %s."), path);
        close (fd);
        return -1;
      }
  return fd;
}

static void
unlock_data_dir (int fd)
{
  if (fd >= 0)
    close (fd);   /* releases the lock */
}

static void
clear_leaves_locked (TmCa *self)
{
  g_hash_table_remove_all (self->leaves);
  g_queue_clear_full (&self->lru, (GDestroyNotify) leaf_entry_free);
  g_clear_pointer (&self->leaf_key, gnutls_x509_privkey_deinit);
  g_clear_pointer (&self->leaf_key_pem, g_free);
  self->leaf_key_id_len = 0;
  self->disk_count = -1;
}

static void
unload_locked (TmCa *self)
{
  g_clear_pointer (&self->crt, gnutls_x509_crt_deinit);
  g_clear_pointer (&self->key, gnutls_x509_privkey_deinit);
  g_clear_pointer (&self->cert_pem, g_free);
  g_clear_pointer (&self->fingerprint, g_free);
  g_clear_pointer (&self->subject, g_free);
  self->not_before = self->not_after = 0;
  self->key_id_len = 0;
  self->have_stat = FALSE;
  clear_leaves_locked (self);
}

static gboolean
same_file_as_loaded (TmCa            *self,
                     const GStatBuf  *st)
{
  return self->have_stat && self->st_dev == st->st_dev && self->st_ino == st->st_ino &&
         self->st_size == st->st_size &&
         self->st_mtime_ns == (gint64) st->st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) +
                              st->st_mtim.tv_nsec;
}

/* Reads the CA files into @self. A process regenerating the CA replaces the key,
 * then the certificate: a key that does not match is read again for a while. */
static gboolean
load_locked (TmCa    *self,
             GError **error)
{
  g_autoptr(GError) local_error = NULL;

  for (guint attempt = 0; attempt < 50; attempt++)
    {
      g_autofree char *cert_pem = NULL;
      g_autofree char *key_pem = NULL;
      g_auto(gnutls_x509_crt_t) crt = NULL;
      g_auto(gnutls_x509_privkey_t) key = NULL;
      guint8 crt_id[64], key_id[64], digest[32];
      size_t crt_id_len = sizeof crt_id, key_id_len = sizeof key_id;
      size_t digest_len = sizeof digest;
      char cn[256];
      size_t cn_len = sizeof cn;
      GStatBuf st;

      g_clear_error (&local_error);
      if (attempt > 0)
        g_usleep (10 * 1000);

      if (g_stat (self->cert_path, &st) != 0)
        {
          unload_locked (self);
          g_set_error (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND,
                       _("There is no certificate authority in “%s” yet. Turn on HTTPS "
                         "inspection, or run “temoinctl ca export”, to create one."),
                       self->data_dir);
          return FALSE;
        }

      if (!read_own_file (self->cert_path, &cert_pem, &local_error) ||
          !read_own_file (self->key_path, &key_pem, &local_error))
        {
          /* A link or another user's file stays what it is: no retry. */
          if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_LOOP) ||
              g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_PERM) ||
              g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_INVAL))
            break;
          continue;
        }

      if (!import_crt (cert_pem, &crt) || !import_key (key_pem, &key))
        {
          g_set_error (&local_error, TM_CA_ERROR, TM_CA_ERROR_INVALID,
                       _("The certificate authority in “%s” cannot be read. Run "
                         "“temoinctl ca regenerate” to replace it."), self->data_dir);
          continue;
        }

      if (gnutls_x509_crt_get_key_id (crt, 0, crt_id, &crt_id_len) < 0 ||
          gnutls_x509_privkey_get_key_id (key, 0, key_id, &key_id_len) < 0 ||
          crt_id_len != key_id_len || memcmp (crt_id, key_id, key_id_len) != 0)
        {
          g_set_error (&local_error, TM_CA_ERROR, TM_CA_ERROR_INVALID,
                       _("The certificate authority’s key and certificate in “%s” do not "
                         "match. Run “temoinctl ca regenerate” to replace them."),
                       self->data_dir);
          continue;
        }

      if (gnutls_x509_crt_get_fingerprint (crt, GNUTLS_DIG_SHA256, digest, &digest_len) < 0)
        {
          set_gnutls_error (&local_error, GNUTLS_E_INTERNAL_ERROR,
                            _("Could not compute the certificate’s fingerprint"));
          continue;
        }
      if (gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
                                         cn, &cn_len) < 0)
        cn[0] = '\0';

      unload_locked (self);
      self->crt = g_steal_pointer (&crt);
      self->key = g_steal_pointer (&key);
      self->cert_pem = g_steal_pointer (&cert_pem);
      self->fingerprint = hex_colons (digest, digest_len);
      self->subject = g_strdup (cn);
      self->not_before = gnutls_x509_crt_get_activation_time (self->crt);
      self->not_after = gnutls_x509_crt_get_expiration_time (self->crt);
      memcpy (self->key_id, key_id, key_id_len);
      self->key_id_len = key_id_len;
      self->have_stat = TRUE;
      self->st_dev = st.st_dev;
      self->st_ino = st.st_ino;
      self->st_size = st.st_size;
      self->st_mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) +
                          st.st_mtim.tv_nsec;
      self->generation++;
      self->last_check_us = g_get_monotonic_time ();
      g_debug ("Loaded the certificate authority %s (%s)", self->subject, self->fingerprint);
      return TRUE;
    }

  unload_locked (self);
  g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

/* Notices another process's regenerate or delete: at most once a second unless
 * @force. */
static void
check_locked (TmCa     *self,
              gboolean  force)
{
  gint64 now = g_get_monotonic_time ();
  GStatBuf st;

  if (!force && self->last_check_us != 0 && now - self->last_check_us < CHECK_INTERVAL_US)
    return;
  self->last_check_us = now;

  if (g_stat (self->cert_path, &st) != 0)
    {
      if (self->crt != NULL)
        {
          g_debug ("The certificate authority in %s was deleted", self->data_dir);
          unload_locked (self);
          self->generation++;
        }
      return;
    }
  if (!same_file_as_loaded (self, &st))
    {
      g_autoptr(GError) error = NULL;
      gboolean was_loaded = self->crt != NULL;

      if (!load_locked (self, &error))
        {
          g_warning ("Could not reload the certificate authority: %s", error->message);
          if (was_loaded)
            self->generation++;
          /* Not tried again until the file changes. */
          self->have_stat = TRUE;
          self->st_dev = st.st_dev;
          self->st_ino = st.st_ino;
          self->st_size = st.st_size;
          self->st_mtime_ns = (gint64) st.st_mtim.tv_sec * G_GINT64_CONSTANT (1000000000) +
                              st.st_mtim.tv_nsec;
        }
    }
}

static char *
make_ca_subject (void)
{
  const char *prefix = "Témoin local CA — ";
  glong room = CN_MAX_CHARS - g_utf8_strlen (prefix, -1);
  g_autofree char *host = NULL;
  const char *name = g_get_host_name ();

  if (!g_utf8_validate (name, -1, NULL))
    name = "localhost";
  host = g_utf8_substring (name, 0, MIN (g_utf8_strlen (name, -1), room));
  return g_strconcat (prefix, host, NULL);
}

/* A new CA key and self-signed certificate, as PEM. */
static gboolean
generate_ca (char    **out_key_pem,
             char    **out_cert_pem,
             GError  **error)
{
  g_auto(gnutls_x509_privkey_t) key = NULL;
  g_auto(gnutls_x509_crt_t) crt = NULL;
  g_autofree char *subject = make_ca_subject ();
  const char *organization = "Témoin";
  guint8 serial[16], key_id[64];
  size_t key_id_len = sizeof key_id;
  time_t now = (time_t) (g_get_real_time () / G_USEC_PER_SEC);
  int ret;

  if (!generate_key (&key, error) || !random_serial (serial, error))
    return FALSE;

  if ((ret = gnutls_x509_crt_init (&crt)) < 0 ||
      (ret = gnutls_x509_crt_set_version (crt, 3)) < 0 ||
      (ret = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0 ||
      (ret = gnutls_x509_crt_set_activation_time (crt, now - 60 * 60)) < 0 ||
      (ret = gnutls_x509_crt_set_expiration_time (crt, now + (time_t) CA_DAYS * DAY_SECONDS)) < 0 ||
      (ret = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                            subject, strlen (subject))) < 0 ||
      (ret = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                            organization, strlen (organization))) < 0 ||
      (ret = gnutls_x509_crt_set_key (crt, key)) < 0 ||
      (ret = gnutls_x509_crt_set_basic_constraints (crt, 1, 0)) < 0 ||
      (ret = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_KEY_CERT_SIGN |
                                                 GNUTLS_KEY_CRL_SIGN)) < 0 ||
      (ret = gnutls_x509_privkey_get_key_id (key, 0, key_id, &key_id_len)) < 0 ||
      (ret = gnutls_x509_crt_set_subject_key_id (crt, key_id, key_id_len)) < 0 ||
      (ret = gnutls_x509_crt_sign2 (crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0)
    return set_gnutls_error (error, ret, _("Could not make the certificate authority"));

  *out_key_pem = export_key_pem (key, error);
  if (*out_key_pem == NULL)
    return FALSE;
  *out_cert_pem = export_crt_pem (crt, error);
  if (*out_cert_pem == NULL)
    {
      g_clear_pointer (out_key_pem, g_free);
      return FALSE;
    }
  return TRUE;
}

/* Writes a new CA (key first: a reader that sees the new certificate finds its
 * key) and drops the leaves of the old one. Called with the data folder locked. */
static gboolean
write_new_ca_locked (TmCa    *self,
                     GError **error)
{
  g_autofree char *key_pem = NULL;
  g_autofree char *cert_pem = NULL;
  gboolean ok;

  if (!generate_ca (&key_pem, &cert_pem, error))
    return FALSE;

  ok = write_private_file (self->data_dir, TM_CA_KEY_FILENAME, key_pem, FALSE, TRUE, error);
  memset (key_pem, 0, strlen (key_pem));
  if (!ok)
    return FALSE;
  remove_dir (self->certs_dir);
  if (!write_private_file (self->data_dir, TM_CA_CERT_FILENAME, cert_pem, FALSE, TRUE,
                           error))
    return FALSE;
  return load_locked (self, error);
}

static void
tm_ca_finalize (GObject *object)
{
  TmCa *self = TM_CA (object);

  unload_locked (self);
  g_clear_pointer (&self->leaves, g_hash_table_unref);
  g_free (self->data_dir);
  g_free (self->key_path);
  g_free (self->cert_path);
  g_free (self->certs_dir);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (tm_ca_parent_class)->finalize (object);
}

static void
tm_ca_class_init (TmCaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = tm_ca_finalize;
}

static void
tm_ca_init (TmCa *self)
{
  g_mutex_init (&self->lock);
  self->leaves = g_hash_table_new (g_str_hash, g_str_equal);
  g_queue_init (&self->lru);
  self->memory_limit = TM_CA_MEMORY_CACHE_DEFAULT;
  self->disk_limit = TM_CA_DISK_CACHE_DEFAULT;
  self->disk_count = -1;
}

/**
 * tm_ca_new:
 * @data_dir: the data directory (tm_data_dir_resolve())
 *
 * A handle on the certificate authority of @data_dir, without reading it: it is
 * loaded when first used, or by tm_ca_reload().
 *
 * Returns: (transfer full): a new #TmCa
 */
TmCa *
tm_ca_new (const char *data_dir)
{
  TmCa *self;

  g_return_val_if_fail (data_dir != NULL, NULL);

  self = g_object_new (TM_TYPE_CA, NULL);
  self->data_dir = g_canonicalize_filename (data_dir, NULL);
  self->key_path = g_build_filename (self->data_dir, TM_CA_KEY_FILENAME, NULL);
  self->cert_path = g_build_filename (self->data_dir, TM_CA_CERT_FILENAME, NULL);
  self->certs_dir = g_build_filename (self->data_dir, TM_CA_CERTS_DIRNAME, NULL);
  return self;
}

/**
 * tm_ca_load:
 * @data_dir: the data directory
 * @error: return location for a #GError
 *
 * Reads the certificate authority of @data_dir; never creates one.
 *
 * Returns: (transfer full) (nullable): the CA, or %NULL with @error set:
 *   %TM_CA_ERROR_NOT_FOUND when there is none yet, %TM_CA_ERROR_INVALID when its
 *   files are damaged, a #GFileError when they cannot be read
 */
TmCa *
tm_ca_load (const char  *data_dir,
            GError     **error)
{
  g_autoptr(TmCa) self = NULL;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = tm_ca_new (data_dir);
  if (!tm_ca_reload (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * tm_ca_load_or_create:
 * @data_dir: the data directory; created (mode 0700) if needed
 * @error: return location for a #GError
 *
 * Reads the certificate authority of @data_dir, creating it when there is none:
 * the key is written mode 0600 from the start.
 *
 * Returns: (transfer full) (nullable): the CA, or %NULL with @error set
 */
TmCa *
tm_ca_load_or_create (const char  *data_dir,
                      GError     **error)
{
  g_autoptr(TmCa) self = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *resolved = NULL;
  gboolean ok;
  int lock_fd;

  g_return_val_if_fail (data_dir != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  /* The caller told the person about a folder others can read. */
  resolved = tm_data_dir_resolve_full (data_dir, TM_DATA_DIR_CREATE, NULL, error);
  if (resolved == NULL)
    return NULL;

  self = tm_ca_new (resolved);
  if (tm_ca_reload (self, &local_error))
    return g_steal_pointer (&self);
  if (!g_error_matches (local_error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  lock_fd = lock_data_dir (self, error);
  if (lock_fd < 0)
    return NULL;
  g_mutex_lock (&self->lock);
  /* Another process may have created it while this one waited for the lock. */
  g_clear_error (&local_error);
  ok = load_locked (self, &local_error);
  if (!ok && g_error_matches (local_error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND))
    {
      g_clear_error (&local_error);
      ok = write_new_ca_locked (self, &local_error);
      if (ok)
        g_info ("Created the certificate authority %s (%s)", self->subject,
                   self->fingerprint);
    }
  g_mutex_unlock (&self->lock);
  unlock_data_dir (lock_fd);

  if (!ok)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  return g_steal_pointer (&self);
}

/**
 * tm_ca_reload:
 * @self: a #TmCa
 * @error: return location for a #GError
 *
 * Reads the CA files again now, for example after another process regenerated
 * or deleted the CA (a TmCa in use also notices within a second by itself).
 *
 * Returns: %TRUE when a CA is loaded, %FALSE with @error set otherwise
 *   (%TM_CA_ERROR_NOT_FOUND when there is none)
 */
gboolean
tm_ca_reload (TmCa    *self,
              GError **error)
{
  gboolean ok;

  g_return_val_if_fail (TM_IS_CA (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_mutex_lock (&self->lock);
  ok = load_locked (self, error);
  g_mutex_unlock (&self->lock);
  return ok;
}

/**
 * tm_ca_get_data_dir:
 * @self: a #TmCa
 *
 * Returns: the data directory this CA lives in
 */
const char *
tm_ca_get_data_dir (TmCa *self)
{
  g_return_val_if_fail (TM_IS_CA (self), NULL);

  return self->data_dir;
}

/**
 * tm_ca_is_loaded:
 * @self: a #TmCa
 *
 * Returns: whether there is a CA (it was not deleted since)
 */
gboolean
tm_ca_is_loaded (TmCa *self)
{
  gboolean loaded;

  g_return_val_if_fail (TM_IS_CA (self), FALSE);

  g_mutex_lock (&self->lock);
  check_locked (self, FALSE);
  loaded = self->crt != NULL;
  g_mutex_unlock (&self->lock);
  return loaded;
}

/**
 * tm_ca_get_generation:
 * @self: a #TmCa
 *
 * A number that changes whenever the CA is loaded, reloaded after a change, or
 * found deleted: what a caller derived from the CA is stale when it changes.
 *
 * Returns: the generation
 */
guint
tm_ca_get_generation (TmCa *self)
{
  guint generation;

  g_return_val_if_fail (TM_IS_CA (self), 0);

  g_mutex_lock (&self->lock);
  check_locked (self, FALSE);
  generation = self->generation;
  g_mutex_unlock (&self->lock);
  return generation;
}

/**
 * tm_ca_get_fingerprint:
 * @self: a #TmCa
 *
 * Returns: (transfer full) (nullable): the SHA-256 fingerprint of the CA
 *   certificate as colon-separated upper-case hex ("AB:01:…", 32 bytes), or
 *   %NULL when there is no CA
 */
char *
tm_ca_get_fingerprint (TmCa *self)
{
  char *fingerprint;

  g_return_val_if_fail (TM_IS_CA (self), NULL);

  g_mutex_lock (&self->lock);
  check_locked (self, FALSE);
  fingerprint = g_strdup (self->fingerprint);
  g_mutex_unlock (&self->lock);
  return fingerprint;
}

/**
 * tm_ca_get_subject:
 * @self: a #TmCa
 *
 * Returns: (transfer full) (nullable): the CA's common name, "Témoin local CA —
 *   HOSTNAME", or %NULL when there is no CA
 */
char *
tm_ca_get_subject (TmCa *self)
{
  char *subject;

  g_return_val_if_fail (TM_IS_CA (self), NULL);

  g_mutex_lock (&self->lock);
  check_locked (self, FALSE);
  subject = g_strdup (self->subject);
  g_mutex_unlock (&self->lock);
  return subject;
}

/**
 * tm_ca_get_validity:
 * @self: a #TmCa
 * @not_before: (out) (optional) (transfer full): the start of validity, in UTC
 * @not_after: (out) (optional) (transfer full): the end of validity, in UTC
 *
 * Returns: %TRUE when there is a CA (and the dates were set)
 */
gboolean
tm_ca_get_validity (TmCa       *self,
                    GDateTime **not_before,
                    GDateTime **not_after)
{
  gboolean loaded;

  g_return_val_if_fail (TM_IS_CA (self), FALSE);

  g_mutex_lock (&self->lock);
  check_locked (self, FALSE);
  loaded = self->crt != NULL;
  if (loaded && not_before != NULL)
    *not_before = g_date_time_new_from_unix_utc (self->not_before);
  if (loaded && not_after != NULL)
    *not_after = g_date_time_new_from_unix_utc (self->not_after);
  g_mutex_unlock (&self->lock);
  return loaded;
}

/**
 * tm_ca_export_pem:
 * @self: a #TmCa
 * @error: return location for a #GError
 *
 * The CA certificate, for the user to install in a browser or the system store.
 * Never the key.
 *
 * Returns: (transfer full) (nullable): the certificate in PEM, or %NULL with
 *   @error set (%TM_CA_ERROR_NOT_FOUND)
 */
char *
tm_ca_export_pem (TmCa    *self,
                  GError **error)
{
  char *pem;

  g_return_val_if_fail (TM_IS_CA (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  g_mutex_lock (&self->lock);
  check_locked (self, FALSE);
  pem = g_strdup (self->cert_pem);
  g_mutex_unlock (&self->lock);
  if (pem == NULL)
    g_set_error (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND,
                 _("There is no certificate authority in “%s” any more. Run "
                   "“temoinctl ca export” to create a new one."), self->data_dir);
  return pem;
}

/**
 * tm_ca_get_certificate:
 * @self: a #TmCa
 *
 * Returns: (transfer full) (nullable): the CA certificate (without its key), for
 *   checking leaves with g_tls_certificate_verify(), or %NULL when there is no CA
 */
GTlsCertificate *
tm_ca_get_certificate (TmCa *self)
{
  g_autofree char *pem = NULL;
  g_autoptr(GError) error = NULL;
  GTlsCertificate *certificate;

  g_return_val_if_fail (TM_IS_CA (self), NULL);

  pem = tm_ca_export_pem (self, NULL);
  if (pem == NULL)
    return NULL;
  certificate = g_tls_certificate_new_from_pem (pem, -1, &error);
  if (certificate == NULL)
    g_warning ("Could not read the CA certificate back: %s", error->message);
  return certificate;
}

/**
 * tm_ca_regenerate:
 * @self: a #TmCa
 * @error: return location for a #GError
 *
 * Replaces the CA with a new key and certificate (creating one when there was
 * none) and drops every leaf certificate, in memory and on disk. Other processes
 * pick the new CA up within a second.
 *
 * Returns: %TRUE on success, %FALSE with @error set
 */
gboolean
tm_ca_regenerate (TmCa    *self,
                  GError **error)
{
  gboolean ok;
  int lock_fd;

  g_return_val_if_fail (TM_IS_CA (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!ensure_private_dir (self->data_dir, error))
    return FALSE;
  lock_fd = lock_data_dir (self, error);
  if (lock_fd < 0)
    return FALSE;
  g_mutex_lock (&self->lock);
  ok = write_new_ca_locked (self, error);
  if (ok)
    g_info ("Regenerated the certificate authority: %s (%s)", self->subject,
               self->fingerprint);
  g_mutex_unlock (&self->lock);
  unlock_data_dir (lock_fd);
  return ok;
}

/**
 * tm_ca_delete:
 * @self: a #TmCa
 * @error: return location for a #GError
 *
 * Deletes the CA key, its certificate and every leaf certificate. Other
 * processes notice within a second (tm_ca_get_leaf() then fails with
 * %TM_CA_ERROR_NOT_FOUND). Browsers that trust the certificate keep it until the
 * user removes it there.
 *
 * Returns: %TRUE when a CA was deleted, %FALSE with @error set
 *   (%TM_CA_ERROR_NOT_FOUND when there was none, a #GFileError otherwise)
 */
gboolean
tm_ca_delete (TmCa    *self,
              GError **error)
{
  gboolean found = FALSE;
  int lock_fd;
  int failed_errno = 0;
  const char *failed_path = NULL;

  g_return_val_if_fail (TM_IS_CA (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_file_test (self->data_dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND,
                   _("There is no certificate authority in “%s”: nothing was deleted."),
                   self->data_dir);
      return FALSE;
    }

  lock_fd = lock_data_dir (self, error);
  if (lock_fd < 0)
    return FALSE;
  g_mutex_lock (&self->lock);

  /* The certificate first: without it, readers see no CA at all. */
  if (g_unlink (self->cert_path) == 0)
    found = TRUE;
  else if (errno != ENOENT)
    {
      failed_errno = errno;
      failed_path = self->cert_path;
    }
  if (g_unlink (self->key_path) == 0)
    found = TRUE;
  else if (errno != ENOENT && failed_errno == 0)
    {
      failed_errno = errno;
      failed_path = self->key_path;
    }
  if (g_file_test (self->certs_dir, G_FILE_TEST_IS_DIR))
    {
      remove_dir (self->certs_dir);
      found = TRUE;
    }

  if (self->crt != NULL)
    self->generation++;
  unload_locked (self);
  self->last_check_us = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);
  unlock_data_dir (lock_fd);

  if (failed_errno != 0)
    {
      set_file_error (error, failed_errno,
                      _("Could not delete “%s”: %s. Check that you own the data folder."),
                      failed_path);
      return FALSE;
    }
  if (!found)
    {
      g_set_error (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND,
                   _("There is no certificate authority in “%s”: nothing was deleted."),
                   self->data_dir);
      return FALSE;
    }
  g_info ("Deleted the certificate authority of %s", self->data_dir);
  return TRUE;
}

/* The leaf key of this CA: read from certs/, or made and written there (linked
 * into place, so two processes agree on one key). */
static gboolean
ensure_leaf_key_locked (TmCa    *self,
                        GError **error)
{
  g_autofree char *path = g_build_filename (self->certs_dir, LEAF_KEY_FILENAME, NULL);

  if (self->leaf_key != NULL)
    return TRUE;
  if (!ensure_private_dir (self->certs_dir, error))
    return FALSE;

  for (guint attempt = 0; attempt < 3; attempt++)
    {
      g_autofree char *pem = NULL;
      g_autoptr(GError) local_error = NULL;
      g_auto(gnutls_x509_privkey_t) key = NULL;

      if (read_own_file (path, &pem, NULL) && import_key (pem, &key))
        {
          self->leaf_key_id_len = sizeof self->leaf_key_id;
          if (gnutls_x509_privkey_get_key_id (key, 0, self->leaf_key_id,
                                              &self->leaf_key_id_len) < 0)
            return set_gnutls_error (error, GNUTLS_E_INTERNAL_ERROR,
                                     _("Could not read the leaf key"));
          self->leaf_key = g_steal_pointer (&key);
          self->leaf_key_pem = g_steal_pointer (&pem);
          return TRUE;
        }
      if (pem != NULL)
        {
          /* Damaged: replace it. */
          g_debug ("Replacing the unreadable leaf key %s", path);
          g_unlink (path);
        }

      if (!generate_key (&key, error))
        return FALSE;
      g_free (pem);
      pem = export_key_pem (key, error);
      if (pem == NULL)
        return FALSE;
      if (!write_private_file (self->certs_dir, LEAF_KEY_FILENAME, pem, TRUE, TRUE,
                               &local_error))
        {
          if (!g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_EXIST))
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          continue;   /* another process made one first: use it */
        }
    }
  return set_gnutls_error (error, GNUTLS_E_INTERNAL_ERROR, _("Could not read the leaf key"));
}

static char *
leaf_file_name (const char *host)
{
  g_autofree char *name = g_strdelimit (g_strdup (host), ":", '_');

  return g_strconcat (name, LEAF_SUFFIX, NULL);
}

/* The not-after time of @crt when it is a usable leaf for @host from this CA and
 * key, else 0. */
static gint64
check_leaf_locked (TmCa              *self,
                   gnutls_x509_crt_t  crt,
                   const char        *host)
{
  guint8 key_id[64];
  size_t key_id_len = sizeof key_id;
  unsigned int status = 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 not_after = gnutls_x509_crt_get_expiration_time (crt);

  if (gnutls_x509_crt_verify (crt, &self->crt, 1, 0, &status) < 0 || status != 0)
    return 0;
  if (!gnutls_x509_crt_check_hostname2 (crt, host, 0))
    return 0;
  if (gnutls_x509_crt_get_key_id (crt, 0, key_id, &key_id_len) < 0 ||
      key_id_len != self->leaf_key_id_len ||
      memcmp (key_id, self->leaf_key_id, key_id_len) != 0)
    return 0;
  if (not_after - now < TM_CA_LEAF_RENEW_DAYS * DAY_SECONDS)
    return 0;
  return not_after;
}

static char *
mint_leaf_locked (TmCa        *self,
                  const char  *host,
                  gboolean     is_ip,
                  GError     **error)
{
  g_auto(gnutls_x509_crt_t) crt = NULL;
  guint8 serial[16];
  time_t now = (time_t) (g_get_real_time () / G_USEC_PER_SEC);
  int ret;

  if (!random_serial (serial, error))
    return NULL;

  if ((ret = gnutls_x509_crt_init (&crt)) < 0 ||
      (ret = gnutls_x509_crt_set_version (crt, 3)) < 0 ||
      (ret = gnutls_x509_crt_set_serial (crt, serial, sizeof serial)) < 0 ||
      /* A day in the past, for clients whose clock is behind. */
      (ret = gnutls_x509_crt_set_activation_time (crt, now - DAY_SECONDS)) < 0 ||
      (ret = gnutls_x509_crt_set_expiration_time (crt, now + TM_CA_LEAF_DAYS * DAY_SECONDS)) < 0 ||
      (ret = gnutls_x509_crt_set_key (crt, self->leaf_key)) < 0 ||
      (ret = gnutls_x509_crt_set_basic_constraints (crt, 0, -1)) < 0 ||
      (ret = gnutls_x509_crt_set_key_usage (crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
      (ret = gnutls_x509_crt_set_key_purpose_oid (crt, GNUTLS_KP_TLS_WWW_SERVER, 0)) < 0 ||
      (ret = gnutls_x509_crt_set_subject_key_id (crt, self->leaf_key_id,
                                                 self->leaf_key_id_len)) < 0 ||
      (ret = gnutls_x509_crt_set_authority_key_id (crt, self->key_id, self->key_id_len)) < 0)
    goto failed;

  /* Clients match the subjectAltName; the CN is for people reading it. */
  if (strlen (host) <= CN_MAX_CHARS &&
      (ret = gnutls_x509_crt_set_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0,
                                            host, strlen (host))) < 0)
    goto failed;

  if (is_ip)
    {
      g_autoptr(GInetAddress) address = g_inet_address_new_from_string (host);

      g_assert (address != NULL);
      ret = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_IPADDRESS,
                                                  g_inet_address_to_bytes (address),
                                                  g_inet_address_get_native_size (address),
                                                  GNUTLS_FSAN_SET);
    }
  else
    ret = gnutls_x509_crt_set_subject_alt_name (crt, GNUTLS_SAN_DNSNAME, host, strlen (host),
                                                GNUTLS_FSAN_SET);
  if (ret < 0)
    goto failed;

  if ((ret = gnutls_x509_crt_sign2 (crt, self->crt, self->key, GNUTLS_DIG_SHA256, 0)) < 0)
    goto failed;

  return export_crt_pem (crt, error);

failed:
  set_gnutls_error (error, ret, _("Could not make a certificate for the site"));
  return NULL;
}

typedef struct {
  char   *path;
  gint64  mtime;
} CachedFile;

static int
compare_by_mtime (gconstpointer a,
                  gconstpointer b)
{
  const CachedFile *fa = a, *fb = b;

  return fa->mtime < fb->mtime ? -1 : fa->mtime > fb->mtime ? 1 : 0;
}

static void
clear_cached_file (CachedFile *file)
{
  g_free (file->path);
}

/* Counts the leaves in certs/; with @prune_to, removes the least recently used
 * ones (but never @keep) until @prune_to are left. */
static int
scan_disk_cache (TmCa       *self,
                 guint       prune_to,
                 const char *keep)
{
  g_autoptr(GDir) dir = g_dir_open (self->certs_dir, 0, NULL);
  g_autoptr(GArray) files = g_array_new (FALSE, FALSE, sizeof (CachedFile));
  const char *name;
  guint count;

  g_array_set_clear_func (files, (GDestroyNotify) clear_cached_file);
  if (dir == NULL)
    return 0;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      CachedFile file;
      GStatBuf st;

      if (!g_str_has_suffix (name, LEAF_SUFFIX) || name[0] == '.')
        continue;
      file.path = g_build_filename (self->certs_dir, name, NULL);
      file.mtime = g_stat (file.path, &st) == 0 ? (gint64) st.st_mtime : 0;
      g_array_append_val (files, file);
    }

  count = files->len;
  if (prune_to == G_MAXUINT || count <= prune_to)
    return count;

  g_array_sort (files, compare_by_mtime);
  for (guint i = 0; i < files->len && count > prune_to; i++)
    {
      CachedFile *file = &g_array_index (files, CachedFile, i);

      if (keep != NULL && g_str_equal (file->path, keep))
        continue;
      if (g_unlink (file->path) == 0)
        count--;
    }
  return count;
}

static GTlsCertificate *
make_tls_certificate_locked (TmCa        *self,
                             const char  *leaf_pem,
                             GError     **error)
{
  /* The CA after the leaf: GIO then sends the chain, so a browser that pins the
   * CA (Chromium's --ignore-certificate-errors-spki-list) sees it. */
  g_autofree char *pem = g_strconcat (leaf_pem, self->cert_pem ? self->cert_pem : "",
                                      self->leaf_key_pem, NULL);
  g_autoptr(GError) local_error = NULL;
  GTlsCertificate *certificate;

  certificate = g_tls_certificate_new_from_pem (pem, -1, &local_error);
  memset (pem, 0, strlen (pem));
  if (certificate == NULL)
    g_set_error (error, TM_CA_ERROR, TM_CA_ERROR_CRYPTO,
                 _("Could not use the certificate made for the site: %s"),
                 local_error->message);
  return certificate;
}

static void
remember_leaf_locked (TmCa            *self,
                      const char      *host,
                      GTlsCertificate *certificate,
                      gint64           not_after)
{
  LeafEntry *entry;

  if (self->memory_limit == 0)
    return;
  entry = g_new0 (LeafEntry, 1);
  entry->host = g_strdup (host);
  entry->certificate = g_object_ref (certificate);
  entry->not_after = not_after;
  g_queue_push_head (&self->lru, entry);
  g_hash_table_replace (self->leaves, entry->host, self->lru.head);

  while (self->lru.length > self->memory_limit)
    {
      LeafEntry *oldest = g_queue_pop_tail (&self->lru);

      g_hash_table_remove (self->leaves, oldest->host);
      leaf_entry_free (oldest);
    }
}

/**
 * tm_ca_get_leaf:
 * @self: a #TmCa
 * @host: the host a client asked for (a name or an IP address; brackets around
 *   IPv6, any case and a trailing dot are fine)
 * @error: return location for a #GError
 *
 * A certificate for @host, with its private key, signed by the CA, for a
 * #GTlsServerConnection: from the memory cache, else from `certs/` when still
 * valid for more than %TM_CA_LEAF_RENEW_DAYS days, else minted now. Notices a CA
 * regenerated or deleted by another process (within a second). Thread-safe.
 *
 * Returns: (transfer full) (nullable): the certificate, or %NULL with @error set:
 *   %TM_CA_ERROR_NOT_FOUND when there is no CA, %TM_CA_ERROR_INVALID_HOST when
 *   @host is neither a host name nor an IP address
 */
GTlsCertificate *
tm_ca_get_leaf (TmCa        *self,
                const char  *host,
                GError     **error)
{
  g_autofree char *normalized = NULL;
  g_autofree char *file_name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *pem = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(GInetAddress) address = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 not_after = 0;
  GList *link;

  g_return_val_if_fail (TM_IS_CA (self), NULL);
  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  normalized = tm_bypass_normalize_entry (host, NULL);
  if (normalized == NULL || g_str_has_prefix (normalized, "*."))
    {
      g_set_error (error, TM_CA_ERROR, TM_CA_ERROR_INVALID_HOST,
                   _("“%s” is neither a host name nor an IP address: no certificate "
                     "can be made for it."), host);
      return NULL;
    }
  address = g_inet_address_new_from_string (normalized);

  g_mutex_lock (&self->lock);
  check_locked (self, FALSE);
  if (self->crt == NULL)
    {
      g_mutex_unlock (&self->lock);
      g_set_error (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND,
                   _("There is no certificate authority in “%s”. Turn HTTPS inspection "
                     "off and on again, or run “temoinctl ca export”, to create one."),
                   self->data_dir);
      return NULL;
    }

  link = g_hash_table_lookup (self->leaves, normalized);
  if (link != NULL)
    {
      LeafEntry *entry = link->data;

      if (entry->not_after - now >= TM_CA_LEAF_RENEW_DAYS * DAY_SECONDS)
        {
          g_queue_unlink (&self->lru, link);
          g_queue_push_head_link (&self->lru, link);
          certificate = g_object_ref (entry->certificate);
          g_mutex_unlock (&self->lock);
          return g_steal_pointer (&certificate);
        }
      g_queue_delete_link (&self->lru, link);
      g_hash_table_remove (self->leaves, normalized);
      leaf_entry_free (entry);
    }

  if (!ensure_leaf_key_locked (self, error))
    {
      g_mutex_unlock (&self->lock);
      return NULL;
    }

  file_name = leaf_file_name (normalized);
  path = g_build_filename (self->certs_dir, file_name, NULL);
  if (g_file_get_contents (path, &pem, NULL, NULL))
    {
      g_auto(gnutls_x509_crt_t) crt = NULL;

      if (import_crt (pem, &crt))
        not_after = check_leaf_locked (self, crt, normalized);
      if (not_after != 0)
        g_utime (path, NULL);   /* recently used: pruned last */
      else
        g_clear_pointer (&pem, g_free);
    }

  if (pem == NULL)
    {
      g_autoptr(GError) write_error = NULL;
      gboolean existed = g_file_test (path, G_FILE_TEST_EXISTS);

      pem = mint_leaf_locked (self, normalized, address != NULL, error);
      if (pem == NULL)
        {
          g_mutex_unlock (&self->lock);
          return NULL;
        }
      not_after = now + TM_CA_LEAF_DAYS * DAY_SECONDS;

      /* The disk cache only saves minting next time: failing to write is no error. */
      if (!ensure_private_dir (self->certs_dir, &write_error) ||
          !write_private_file (self->certs_dir, file_name, pem, FALSE, FALSE, &write_error))
        g_debug ("Not caching the certificate of %s: %s", normalized, write_error->message);
      else if (!existed)
        {
          if (self->disk_count < 0)
            self->disk_count = scan_disk_cache (self, G_MAXUINT, NULL);
          else
            self->disk_count++;
          if ((guint) self->disk_count > self->disk_limit)
            self->disk_count = scan_disk_cache (self, self->disk_limit - self->disk_limit / 4,
                                                path);
        }
    }

  certificate = make_tls_certificate_locked (self, pem, error);
  if (certificate != NULL)
    remember_leaf_locked (self, normalized, certificate, not_after);
  g_mutex_unlock (&self->lock);
  return g_steal_pointer (&certificate);
}

/**
 * tm_ca_set_cache_limits:
 * @self: a #TmCa
 * @memory: how many leaves to keep in memory (0: none)
 * @disk: how many leaves to keep in `certs/` (at least 1)
 *
 * Bounds the leaf caches (defaults %TM_CA_MEMORY_CACHE_DEFAULT and
 * %TM_CA_DISK_CACHE_DEFAULT). When the disk cache grows past @disk, the least
 * recently used quarter is removed.
 */
void
tm_ca_set_cache_limits (TmCa  *self,
                        guint  memory,
                        guint  disk)
{
  g_return_if_fail (TM_IS_CA (self));
  g_return_if_fail (disk >= 1);

  g_mutex_lock (&self->lock);
  self->memory_limit = memory;
  self->disk_limit = disk;
  while (self->lru.length > self->memory_limit)
    {
      LeafEntry *oldest = g_queue_pop_tail (&self->lru);

      g_hash_table_remove (self->leaves, oldest->host);
      leaf_entry_free (oldest);
    }
  g_mutex_unlock (&self->lock);
}

/**
 * tm_ca_get_cache_counts:
 * @self: a #TmCa
 * @in_memory: (out) (optional): leaves cached in memory
 * @on_disk: (out) (optional): leaves cached in `certs/` (counted now)
 */
void
tm_ca_get_cache_counts (TmCa  *self,
                        guint *in_memory,
                        guint *on_disk)
{
  g_return_if_fail (TM_IS_CA (self));

  g_mutex_lock (&self->lock);
  if (in_memory != NULL)
    *in_memory = self->lru.length;
  if (on_disk != NULL)
    *on_disk = scan_disk_cache (self, G_MAXUINT, NULL);
  g_mutex_unlock (&self->lock);
}
