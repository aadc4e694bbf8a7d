/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "tm-ca.h"
#include "tm-test-utils.h"

/* Generous: only reached when something is broken. */
#define DEADLINE_US (10 * G_USEC_PER_SEC)

typedef struct {
  char *tmp;
  char *data_dir;
} Fixture;

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->tmp = tm_test_make_tmp_dir ();
  /* Not created yet: the CA makes it. */
  f->data_dir = g_build_filename (f->tmp, "data", NULL);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  tm_test_rmdir (f->tmp);
  g_free (f->tmp);
  g_free (f->data_dir);
}

static TmCa *
create_ca (const char *data_dir)
{
  g_autoptr(GError) error = NULL;
  TmCa *ca = tm_ca_load_or_create (data_dir, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ca);
  return ca;
}

static int
file_mode (const char *path)
{
  GStatBuf st;

  g_assert_cmpint (g_stat (path, &st), ==, 0);
  return st.st_mode & 07777;
}

static char *
data_file (Fixture    *f,
           const char *name)
{
  return g_build_filename (f->data_dir, name, NULL);
}

/* The certificate of @certificate as a GnuTLS certificate, to read its fields. */
static gnutls_x509_crt_t
to_gnutls (GTlsCertificate *certificate)
{
  g_autoptr(GByteArray) der = NULL;
  gnutls_x509_crt_t crt;
  gnutls_datum_t datum;

  g_object_get (certificate, "certificate", &der, NULL);
  datum.data = der->data;
  datum.size = der->len;
  g_assert_cmpint (gnutls_x509_crt_init (&crt), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_import (crt, &datum, GNUTLS_X509_FMT_DER), ==, 0);
  return crt;
}

static GByteArray *
der_of (GTlsCertificate *certificate)
{
  GByteArray *der = NULL;

  g_object_get (certificate, "certificate", &der, NULL);
  return der;
}

static GTlsCertificateFlags
verify_for (GTlsCertificate *leaf,
            const char      *host,
            GTlsCertificate *ca)
{
  g_autoptr(GSocketConnectable) identity = g_network_address_new (host, 443);

  return g_tls_certificate_verify (leaf, identity, ca);
}

static GTlsCertificate *
get_leaf (TmCa       *ca,
          const char *host)
{
  g_autoptr(GError) error = NULL;
  GTlsCertificate *leaf = tm_ca_get_leaf (ca, host, &error);

  g_assert_no_error (error);
  g_assert_nonnull (leaf);
  return leaf;
}

static void
test_created_private (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) none = NULL;
  g_autoptr(TmCa) ca = NULL;
  g_autofree char *key_path = data_file (f, TM_CA_KEY_FILENAME);
  g_autofree char *cert_path = data_file (f, TM_CA_CERT_FILENAME);
  g_autofree char *key = NULL;
  mode_t old_umask;

  none = tm_ca_load (f->data_dir, &error);
  g_assert_null (none);
  g_assert_error (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND);
  /* The message says how to create one. */
  g_assert_nonnull (strstr (error->message, "temoinctl ca export"));

  /* A careless umask must not make the key readable for a moment. */
  old_umask = umask (0);
  ca = create_ca (f->data_dir);
  umask (old_umask);

  g_assert_cmpint (file_mode (f->data_dir), ==, 0700);
  g_assert_cmpint (file_mode (key_path), ==, 0600);
  g_assert_cmpint (file_mode (cert_path), ==, 0600);
  g_assert_true (g_file_get_contents (key_path, &key, NULL, NULL));
  g_assert_true (g_str_has_prefix (key, "-----BEGIN PRIVATE KEY-----"));
  g_assert_true (tm_ca_is_loaded (ca));
}

static void
test_fingerprint_format (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(TmCa) ca = create_ca (f->data_dir);
  g_autoptr(GTlsCertificate) cert = tm_ca_get_certificate (ca);
  g_autoptr(GByteArray) der = der_of (cert);
  g_autofree char *fingerprint = tm_ca_get_fingerprint (ca);
  g_autofree char *sha256 = NULL;
  g_autoptr(GString) expected = g_string_new (NULL);

  g_assert_true (g_regex_match_simple ("^([0-9A-F]{2}:){31}[0-9A-F]{2}$", fingerprint, 0, 0));

  /* It is the SHA-256 of the certificate's DER, as browsers show it. */
  sha256 = g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
  for (guint i = 0; sha256[i] != '\0'; i += 2)
    g_string_append_printf (expected, "%s%c%c", i > 0 ? ":" : "",
                            g_ascii_toupper (sha256[i]), g_ascii_toupper (sha256[i + 1]));
  g_assert_cmpstr (fingerprint, ==, expected->str);
}

static void
test_subject_and_extensions (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(TmCa) ca = create_ca (f->data_dir);
  g_autoptr(GTlsCertificate) cert = tm_ca_get_certificate (ca);
  g_autofree char *subject = tm_ca_get_subject (ca);
  g_autofree char *expected = g_strconcat ("Témoin local CA — ", g_get_host_name (), NULL);
  g_autoptr(GDateTime) not_before = NULL;
  g_autoptr(GDateTime) not_after = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  gnutls_x509_crt_t crt = to_gnutls (cert);
  char buffer[256];
  size_t size = sizeof buffer;
  unsigned int ca_flag = 0, usage = 0, critical = 0;
  int path_len = -1;
  double days;

  g_assert_cmpstr (subject, ==, expected);
  g_assert_cmpint (gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                                  0, buffer, &size), ==, 0);
  g_assert_cmpstr (buffer, ==, "Témoin");

  /* CA:TRUE, pathlen:0; keyCertSign and cRLSign only. */
  g_assert_cmpint (gnutls_x509_crt_get_basic_constraints (crt, &critical, &ca_flag,
                                                          &path_len), >=, 0);
  g_assert_true (ca_flag);
  g_assert_cmpint (path_len, ==, 0);
  g_assert_cmpint (gnutls_x509_crt_get_key_usage (crt, &usage, &critical), >=, 0);
  g_assert_cmpuint (usage, ==, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN);
  g_assert_cmpint (gnutls_x509_crt_get_pk_algorithm (crt, NULL), ==, GNUTLS_PK_ECDSA);

  /* About ten years, valid now. */
  g_assert_true (tm_ca_get_validity (ca, &not_before, &not_after));
  days = g_date_time_difference (not_after, not_before) / (double) G_TIME_SPAN_DAY;
  g_assert_cmpfloat (days, >, 3640);
  g_assert_cmpfloat (days, <, 3660);
  g_assert_cmpint (g_date_time_compare (not_before, now), <, 0);
  g_assert_cmpint (g_date_time_compare (now, not_after), <, 0);
  gnutls_x509_crt_deinit (crt);
}

static void
test_export_has_no_key (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = create_ca (f->data_dir);
  g_autofree char *pem = tm_ca_export_pem (ca, &error);
  g_autofree char *cert_path = data_file (f, TM_CA_CERT_FILENAME);
  g_autofree char *on_disk = NULL;
  g_autoptr(GTlsCertificate) parsed = NULL;
  g_autofree char *private_pem = NULL;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (pem, "-----BEGIN CERTIFICATE-----"));
  g_assert_null (strstr (pem, "PRIVATE KEY"));
  g_assert_null (strstr (strstr (pem, "-----END CERTIFICATE-----"), "-----BEGIN"));
  g_assert_true (g_file_get_contents (cert_path, &on_disk, NULL, NULL));
  g_assert_cmpstr (pem, ==, on_disk);

  parsed = g_tls_certificate_new_from_pem (pem, -1, &error);
  g_assert_no_error (error);
  g_object_get (parsed, "private-key-pem", &private_pem, NULL);
  g_assert_null (private_pem);
}

static void
test_regenerate (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = create_ca (f->data_dir);
  g_autoptr(GTlsCertificate) old_ca_cert = tm_ca_get_certificate (ca);
  g_autoptr(GTlsCertificate) old_leaf = get_leaf (ca, "www.example.test");
  g_autoptr(GTlsCertificate) new_ca_cert = NULL;
  g_autoptr(GTlsCertificate) new_leaf = NULL;
  g_autofree char *old_fingerprint = tm_ca_get_fingerprint (ca);
  g_autofree char *new_fingerprint = NULL;
  g_autofree char *leaf_path = NULL;
  g_autofree char *key_path = data_file (f, TM_CA_KEY_FILENAME);
  guint generation = tm_ca_get_generation (ca);
  guint in_memory = 0, on_disk = 0;

  leaf_path = g_build_filename (f->data_dir, TM_CA_CERTS_DIRNAME, "www.example.test.cert.pem",
                                NULL);
  g_assert_true (g_file_test (leaf_path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (verify_for (old_leaf, "www.example.test", old_ca_cert), ==, 0);

  g_assert_true (tm_ca_regenerate (ca, &error));
  g_assert_no_error (error);

  new_fingerprint = tm_ca_get_fingerprint (ca);
  g_assert_cmpstr (new_fingerprint, !=, old_fingerprint);
  g_assert_cmpuint (tm_ca_get_generation (ca), !=, generation);
  g_assert_cmpint (file_mode (key_path), ==, 0600);

  /* The old leaves are gone, in memory and on disk. */
  g_assert_false (g_file_test (leaf_path, G_FILE_TEST_EXISTS));
  tm_ca_get_cache_counts (ca, &in_memory, &on_disk);
  g_assert_cmpuint (in_memory, ==, 0);
  g_assert_cmpuint (on_disk, ==, 0);

  /* The new CA signs new leaves, and does not vouch for the old ones. */
  new_ca_cert = tm_ca_get_certificate (ca);
  new_leaf = get_leaf (ca, "www.example.test");
  g_assert_true (new_leaf != old_leaf);
  g_assert_cmpint (verify_for (new_leaf, "www.example.test", new_ca_cert), ==, 0);
  g_assert_cmpint (verify_for (old_leaf, "www.example.test", new_ca_cert) &
                   G_TLS_CERTIFICATE_UNKNOWN_CA, !=, 0);
  g_assert_cmpint (verify_for (new_leaf, "www.example.test", old_ca_cert) &
                   G_TLS_CERTIFICATE_UNKNOWN_CA, !=, 0);
}

static void
test_delete (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = create_ca (f->data_dir);
  g_autoptr(GTlsCertificate) leaf = get_leaf (ca, "www.example.test");
  g_autoptr(GTlsCertificate) after = NULL;
  g_autoptr(TmCa) reloaded = NULL;
  g_autofree char *key_path = data_file (f, TM_CA_KEY_FILENAME);
  g_autofree char *cert_path = data_file (f, TM_CA_CERT_FILENAME);
  g_autofree char *certs_dir = data_file (f, TM_CA_CERTS_DIRNAME);
  g_autofree char *fingerprint = NULL;
  g_autofree char *pem = NULL;

  g_assert_true (g_file_test (certs_dir, G_FILE_TEST_IS_DIR));
  g_assert_true (tm_ca_delete (ca, &error));
  g_assert_no_error (error);

  g_assert_false (g_file_test (key_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (cert_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (certs_dir, G_FILE_TEST_EXISTS));
  g_assert_false (tm_ca_is_loaded (ca));
  fingerprint = tm_ca_get_fingerprint (ca);
  g_assert_null (fingerprint);
  pem = tm_ca_export_pem (ca, &error);
  g_assert_null (pem);
  g_assert_error (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND);
  g_clear_error (&error);

  after = tm_ca_get_leaf (ca, "www.example.test", &error);
  g_assert_null (after);
  g_assert_error (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND);
  g_clear_error (&error);

  reloaded = tm_ca_load (f->data_dir, &error);
  g_assert_null (reloaded);
  g_assert_error (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Nothing left to delete. */
  g_assert_false (tm_ca_delete (ca, &error));
  g_assert_error (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND);
}

/* Another process (here another TmCa on the same folder) regenerates, then
 * deletes the CA: a TmCa in use notices both by itself. */
static void
test_changes_noticed (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) proxy_ca = create_ca (f->data_dir);
  g_autoptr(TmCa) other = tm_ca_load (f->data_dir, &error);
  g_autoptr(GTlsCertificate) before = get_leaf (proxy_ca, "www.example.test");
  g_autoptr(GTlsCertificate) new_ca_cert = NULL;
  g_autoptr(GTlsCertificate) leaf = NULL;
  g_autofree char *new_fingerprint = NULL;
  gint64 deadline;

  g_assert_no_error (error);
  g_assert_true (tm_ca_regenerate (other, &error));
  g_assert_no_error (error);
  new_fingerprint = tm_ca_get_fingerprint (other);
  new_ca_cert = tm_ca_get_certificate (other);

  deadline = g_get_monotonic_time () + DEADLINE_US;
  for (;;)
    {
      g_autoptr(GTlsCertificate) current = get_leaf (proxy_ca, "www.example.test");

      if (verify_for (current, "www.example.test", new_ca_cert) == 0)
        {
          leaf = g_steal_pointer (&current);
          break;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
  {
    g_autofree char *seen = tm_ca_get_fingerprint (proxy_ca);

    g_assert_cmpstr (seen, ==, new_fingerprint);
  }

  g_assert_true (tm_ca_delete (other, &error));
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + DEADLINE_US;
  for (;;)
    {
      g_autoptr(GTlsCertificate) current = tm_ca_get_leaf (proxy_ca, "www.example.test",
                                                            &error);

      if (current == NULL)
        {
          g_assert_error (error, TM_CA_ERROR, TM_CA_ERROR_NOT_FOUND);
          break;
        }
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (50 * 1000);
    }
  g_assert_false (tm_ca_is_loaded (proxy_ca));
}

static void
test_leaf_verifies_for_its_host (Fixture       *f,
                                 gconstpointer  data)
{
  g_autoptr(TmCa) ca = create_ca (f->data_dir);
  g_autoptr(TmCa) stranger = NULL;
  g_autoptr(GTlsCertificate) ca_cert = tm_ca_get_certificate (ca);
  g_autoptr(GTlsCertificate) stranger_cert = NULL;
  g_autoptr(GTlsCertificate) leaf = get_leaf (ca, "www.example.test");
  g_autoptr(GTlsCertificate) again = get_leaf (ca, "WWW.Example.TEST.");
  g_autofree char *stranger_dir = g_build_filename (f->tmp, "stranger", NULL);
  g_autofree char *key_pem = NULL;

  g_assert_cmpint (verify_for (leaf, "www.example.test", ca_cert), ==, 0);
  g_assert_cmpint (verify_for (leaf, "other.example.test", ca_cert), ==,
                   G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_cmpint (verify_for (leaf, "example.test", ca_cert), ==,
                   G_TLS_CERTIFICATE_BAD_IDENTITY);

  /* Another installation's CA does not vouch for it. */
  stranger = create_ca (stranger_dir);
  stranger_cert = tm_ca_get_certificate (stranger);
  g_assert_cmpint (verify_for (leaf, "www.example.test", stranger_cert) &
                   G_TLS_CERTIFICATE_UNKNOWN_CA, !=, 0);

  /* Usable by a GTlsServerConnection: it carries its key. Cached: case and a
   * trailing dot do not make another one. */
  g_object_get (leaf, "private-key-pem", &key_pem, NULL);
  g_assert_nonnull (key_pem);
  g_assert_true (leaf == again);
}

static void
test_leaf_fields (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(TmCa) ca = create_ca (f->data_dir);
  g_autoptr(GTlsCertificate) leaf = get_leaf (ca, "www.example.test");
  g_autoptr(GTlsCertificate) other = get_leaf (ca, "other.example.test");
  gnutls_x509_crt_t crt = to_gnutls (leaf);
  gnutls_x509_crt_t other_crt = to_gnutls (other);
  char buffer[256];
  size_t size = sizeof buffer;
  guint8 serial[64], other_serial[64];
  size_t serial_len = sizeof serial, other_serial_len = sizeof other_serial;
  unsigned int ca_flag = 1, critical = 0, type;
  int path_len;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  time_t not_before = gnutls_x509_crt_get_activation_time (crt);
  time_t not_after = gnutls_x509_crt_get_expiration_time (crt);

  g_assert_cmpint (gnutls_x509_crt_get_dn_by_oid (crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0,
                                                  buffer, &size), ==, 0);
  g_assert_cmpstr (buffer, ==, "www.example.test");
  size = sizeof buffer;
  type = gnutls_x509_crt_get_subject_alt_name2 (crt, 0, buffer, &size, NULL, NULL);
  g_assert_cmpint (type, ==, GNUTLS_SAN_DNSNAME);
  g_assert_cmpstr (buffer, ==, "www.example.test");

  size = sizeof buffer;
  g_assert_cmpint (gnutls_x509_crt_get_key_purpose_oid (crt, 0, buffer, &size, NULL), ==, 0);
  g_assert_cmpstr (buffer, ==, GNUTLS_KP_TLS_WWW_SERVER);
  g_assert_cmpint (gnutls_x509_crt_get_basic_constraints (crt, &critical, &ca_flag,
                                                          &path_len), >=, 0);
  g_assert_false (ca_flag);

  /* Short-lived, starting a little in the past. */
  g_assert_cmpint (not_before, <, now - 60 * 60);
  g_assert_cmpint (not_after, >, now + (TM_CA_LEAF_DAYS - 1) * 24 * 60 * 60);
  g_assert_cmpint (not_after - not_before, <=, 32 * 24 * 60 * 60);

  /* Random serials. */
  g_assert_cmpint (gnutls_x509_crt_get_serial (crt, serial, &serial_len), ==, 0);
  g_assert_cmpint (gnutls_x509_crt_get_serial (other_crt, other_serial, &other_serial_len),
                   ==, 0);
  g_assert_cmpuint (serial_len, >=, 8);
  g_assert_false (serial_len == other_serial_len &&
                  memcmp (serial, other_serial, serial_len) == 0);

  gnutls_x509_crt_deinit (crt);
  gnutls_x509_crt_deinit (other_crt);
}

static void
test_leaf_ip (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TmCa) ca = create_ca (f->data_dir);
  g_autoptr(GTlsCertificate) ca_cert = tm_ca_get_certificate (ca);
  g_autoptr(GTlsCertificate) v4 = get_leaf (ca, "127.0.0.1");
  g_autoptr(GTlsCertificate) v6 = get_leaf (ca, "[::1]");
  gnutls_x509_crt_t crt = to_gnutls (v4);
  gnutls_x509_crt_t crt6 = to_gnutls (v6);
  guint8 address[16];
  size_t size = sizeof address;

  g_assert_cmpint (gnutls_x509_crt_get_subject_alt_name2 (crt, 0, address, &size, NULL, NULL),
                   ==, GNUTLS_SAN_IPADDRESS);
  g_assert_cmpuint (size, ==, 4);
  g_assert_cmpmem (address, size, ((guint8[]) { 127, 0, 0, 1 }), 4);
  size = sizeof address;
  g_assert_cmpint (gnutls_x509_crt_get_subject_alt_name2 (crt6, 0, address, &size, NULL,
                                                          NULL), ==, GNUTLS_SAN_IPADDRESS);
  g_assert_cmpuint (size, ==, 16);
  g_assert_cmpuint (address[15], ==, 1);

  g_assert_cmpint (verify_for (v4, "127.0.0.1", ca_cert), ==, 0);
  g_assert_cmpint (verify_for (v4, "127.0.0.2", ca_cert), ==, G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_cmpint (verify_for (v4, "localhost", ca_cert), ==, G_TLS_CERTIFICATE_BAD_IDENTITY);
  g_assert_cmpint (verify_for (v6, "::1", ca_cert), ==, 0);

  gnutls_x509_crt_deinit (crt);
  gnutls_x509_crt_deinit (crt6);
}

static void
test_leaf_invalid_host (Fixture       *f,
                        gconstpointer  data)
{
  static const char * const hosts[] = {
    "", "*.example.test", "exa mple.test", "example.test:443", "a..b",
  };
  g_autoptr(TmCa) ca = create_ca (f->data_dir);

  for (gsize i = 0; i < G_N_ELEMENTS (hosts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsCertificate) leaf = tm_ca_get_leaf (ca, hosts[i], &error);

      g_assert_null (leaf);
      g_assert_error (error, TM_CA_ERROR, TM_CA_ERROR_INVALID_HOST);
    }
}

static void
test_cache_bounded (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(TmCa) ca = create_ca (f->data_dir);
  g_autoptr(TmCa) second = NULL;
  g_autoptr(GTlsCertificate) last = NULL;
  g_autoptr(GTlsCertificate) last_again = NULL;
  g_autoptr(GTlsCertificate) from_disk = NULL;
  g_autoptr(GByteArray) last_der = NULL;
  g_autoptr(GByteArray) disk_der = NULL;
  g_autofree char *certs_dir = data_file (f, TM_CA_CERTS_DIRNAME);
  g_autoptr(GDir) dir = NULL;
  guint in_memory = 0, on_disk = 0;
  const char *name;

  tm_ca_set_cache_limits (ca, 2, 4);
  for (guint i = 0; i < 12; i++)
    {
      g_autofree char *host = g_strdup_printf ("host%u.example.test", i);
      g_autoptr(GTlsCertificate) leaf = get_leaf (ca, host);

      tm_ca_get_cache_counts (ca, &in_memory, &on_disk);
      g_assert_cmpuint (in_memory, <=, 2);
      g_assert_cmpuint (on_disk, <=, 4);
    }
  g_assert_cmpuint (in_memory, ==, 2);
  g_assert_cmpuint (on_disk, >=, 1);

  /* The newest is kept in memory (same object) and on disk (same certificate for
   * another instance, without minting a new one). */
  last = get_leaf (ca, "host11.example.test");
  last_again = get_leaf (ca, "host11.example.test");
  g_assert_true (last == last_again);
  second = tm_ca_load (f->data_dir, NULL);
  g_assert_nonnull (second);
  from_disk = get_leaf (second, "host11.example.test");
  last_der = der_of (last);
  disk_der = der_of (from_disk);
  g_assert_cmpmem (last_der->data, last_der->len, disk_der->data, disk_der->len);

  /* The cache folder is private, like every file in it. */
  g_assert_cmpint (file_mode (certs_dir), ==, 0700);
  dir = g_dir_open (certs_dir, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (certs_dir, name, NULL);

      g_assert_cmpint (file_mode (path), ==, 0600);
    }
}

/* A leaf on disk that the current CA did not sign (left by a process that had
 * not noticed a regeneration yet) is never served. */
static void
test_stale_disk_leaf_replaced (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *other_dir = g_build_filename (f->tmp, "other", NULL);
  g_autoptr(TmCa) other = create_ca (other_dir);
  g_autoptr(GTlsCertificate) foreign = get_leaf (other, "www.example.test");
  g_autoptr(TmCa) ca = create_ca (f->data_dir);
  g_autoptr(GTlsCertificate) ca_cert = tm_ca_get_certificate (ca);
  g_autoptr(GTlsCertificate) leaf = NULL;
  g_autofree char *foreign_pem = NULL;
  g_autofree char *path = NULL;
  g_autofree char *certs_dir = data_file (f, TM_CA_CERTS_DIRNAME);

  g_object_get (foreign, "certificate-pem", &foreign_pem, NULL);
  g_assert_cmpint (g_mkdir_with_parents (certs_dir, 0700), ==, 0);
  path = g_build_filename (certs_dir, "www.example.test.cert.pem", NULL);
  g_assert_true (g_file_set_contents (path, foreign_pem, -1, NULL));

  leaf = get_leaf (ca, "www.example.test");
  g_assert_cmpint (verify_for (leaf, "www.example.test", ca_cert), ==, 0);
}

typedef struct {
  TmCa            *ca;
  GTlsCertificate *ca_cert;
  guint            index;
} ThreadData;

static gpointer
mint_thread (gpointer user_data)
{
  ThreadData *data = user_data;

  for (guint i = 0; i < 40; i++)
    {
      g_autofree char *host = g_strdup_printf ("h%u.example.test", (i + data->index) % 10);
      g_autoptr(GError) error = NULL;
      g_autoptr(GTlsCertificate) leaf = tm_ca_get_leaf (data->ca, host, &error);

      g_assert_no_error (error);
      g_assert_cmpint (verify_for (leaf, host, data->ca_cert), ==, 0);
    }
  return NULL;
}

static void
test_threads (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(TmCa) ca = create_ca (f->data_dir);
  g_autoptr(GTlsCertificate) ca_cert = tm_ca_get_certificate (ca);
  ThreadData thread_data[4];
  GThread *threads[4];

  tm_ca_set_cache_limits (ca, 4, 6);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    {
      thread_data[i] = (ThreadData) { ca, ca_cert, i * 3 };
      threads[i] = g_thread_new ("mint", mint_thread, &thread_data[i]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("/ca/create/key-0600-in-a-0700-folder", test_created_private);
  ADD ("/ca/fingerprint/is-colon-separated-sha256", test_fingerprint_format);
  ADD ("/ca/certificate/names-the-host-and-may-only-sign", test_subject_and_extensions);
  ADD ("/ca/export/has-no-private-key", test_export_has_no_key);
  ADD ("/ca/regenerate/changes-fingerprint-and-drops-leaves", test_regenerate);
  ADD ("/ca/delete/removes-key-certificate-and-leaves", test_delete);
  ADD ("/ca/changes-by-another-process/are-noticed", test_changes_noticed);
  ADD ("/ca/leaf/verifies-for-its-host-only", test_leaf_verifies_for_its_host);
  ADD ("/ca/leaf/is-short-lived-server-certificate", test_leaf_fields);
  ADD ("/ca/leaf/ip-host-gets-ip-san", test_leaf_ip);
  ADD ("/ca/leaf/refuses-invalid-host", test_leaf_invalid_host);
  ADD ("/ca/leaf/cache-is-bounded-and-private", test_cache_bounded);
  ADD ("/ca/leaf/stale-disk-leaf-is-replaced", test_stale_disk_leaf_replaced);
  ADD ("/ca/leaf/minting-is-thread-safe", test_threads);

#undef ADD

  return g_test_run ();
}
