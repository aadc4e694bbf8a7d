/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The cookie headers as they come from the network: the input is one Set-Cookie
 * field value (parsed for a few requests: plain and secure, a name, an address,
 * an international name) and also one Cookie field value. What the proxy does
 * next with a parsed cookie runs too: matching, the expiring header, the JSON of
 * its log. */
#include "config.h"

#include <string.h>

#include "fuzz-common.h"
#include "tm-cookie.h"
#include "tm-json.h"

/* Fixed, so that a run is reproducible (Max-Age and Expires are relative to it). */
#define NOW G_GINT64_CONSTANT (1700000000)

static const struct {
  const char *host;
  const char *path;
  gboolean    secure;
} requests[] = {
  /* The host of tests/data/cookie-cases, where the seeds come from. */
  { "home.example.org", "/cookie-parser", FALSE },
  { "home.example.org", "/cookies/size/x", TRUE },
  { "192.0.2.1", "/", FALSE },
  { "xn--bcher-kva.example", "", TRUE },
};

static void
use_cookie (const TmCookie *cookie)
{
  g_autoptr(TmCookie) copy = tm_cookie_copy (cookie);
  g_autoptr(TmJsonWriter) writer = tm_json_writer_new (FALSE);
  g_autofree char *expiring = NULL;
  g_autofree char *json = NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (requests); i++)
    tm_cookie_matches (copy, requests[i].host, requests[i].path, requests[i].secure);
  tm_cookie_is_expired (copy, NOW);
  expiring = tm_cookie_expiring_header (copy->name, copy->domain, copy->host_only,
                                        copy->path, copy->secure);

  tm_json_writer_begin_object (writer);
  tm_json_writer_member (writer, "name");
  tm_json_writer_string (writer, copy->name);
  tm_json_writer_member (writer, "domain");
  tm_json_writer_string (writer, copy->domain);
  tm_json_writer_member (writer, "path");
  tm_json_writer_string (writer, copy->path);
  tm_json_writer_member (writer, "expires");
  tm_json_writer_int (writer, copy->expires);
  tm_json_writer_member (writer, "expiring");
  tm_json_writer_string (writer, expiring);
  tm_json_writer_end_object (writer);
  json = tm_json_writer_free_to_string (g_steal_pointer (&writer));
}

static void
fuzz_set_cookie (const char *header)
{
  g_autofree char *name = tm_cookie_parse_name (header);

  for (gsize i = 0; i < G_N_ELEMENTS (requests); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(TmCookie) cookie = tm_cookie_parse (header, requests[i].host,
                                                    requests[i].path,
                                                    requests[i].secure, NOW, &error);

      g_assert ((cookie == NULL) == (error != NULL));
      if (cookie != NULL)
        use_cookie (cookie);
    }
}

static void
fuzz_cookie_header (const char *header)
{
  g_autoptr(GArray) pairs = tm_cookie_header_parse (header);
  g_autoptr(GString) json = g_string_new (NULL);
  gsize header_len = strlen (header);

  for (guint i = 0; i < pairs->len; i++)
    {
      const TmCookiePair *pair = &g_array_index (pairs, TmCookiePair, i);
      g_autofree char *name = NULL;
      g_autofree char *value = NULL;
      g_autofree char *expiring = NULL;

      /* The slices lie inside the header. */
      g_assert (pair->name >= header && pair->name + pair->name_len <= header + header_len);
      g_assert (pair->value >= header && pair->value + pair->value_len <= header + header_len);
      name = g_strndup (pair->name, pair->name_len);
      value = g_strndup (pair->value, pair->value_len);
      expiring = tm_cookie_expiring_header (name, "example.org", FALSE, "/", FALSE);
      tm_json_append_escaped (json, name);
      tm_json_append_escaped (json, value);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *header = fuzz_string (data, size);

  fuzz_set_cookie (header);
  fuzz_cookie_header (header);
  return 0;
}
