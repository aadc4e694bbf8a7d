/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Every host normaliser, each on the whole input (they all read one host-like
 * argument, so a seed of one kind exercises the others' error paths):
 *   - HTTPS bypass entries and lists (`temoinctl bypass add`, the setting),
 *     and matching a CONNECT host against a list;
 *   - rules sites (`temoinctl rules allow-site`, overrides);
 *   - `serve --listen ADDR`, `--allow CIDR`, `--resolve HOST:PORT:ADDR`,
 *     `--connect-ports`, `--bypass` (TmProxy's setters, which the CLI calls) and
 *     `preview --resolve` (TmResolveMap);
 *   - the site of a request's host, and the top-level site from an Origin or
 *     Referer header (network input). */
#include "config.h"

#include "fuzz-common.h"
#include "tm-bypass.h"
#include "tm-classifier.h"
#include "tm-proxy.h"
#include "tm-resolve-map.h"
#include "tm-rules.h"

static void
fuzz_bypass (const char *text)
{
  static const char * const list[] = {
    "*.bank.example", "192.0.2.1", "2001:db8::1", "xn--bcher-kva.example", NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) list_error = NULL;
  g_autofree char *entry = tm_bypass_normalize_entry (text, &error);
  g_autofree char *normalized = tm_bypass_normalize_list (text, &list_error);
  g_auto(GStrv) parsed = tm_bypass_parse (text);
  g_autofree char *joined = tm_bypass_join ((const char * const *) parsed);

  g_assert ((entry == NULL) == (error != NULL));
  g_assert ((normalized == NULL) == (list_error != NULL));
  /* A normalized list reads back as itself. */
  if (normalized != NULL)
    {
      g_autofree char *again = tm_bypass_normalize_list (normalized, NULL);

      g_assert_cmpstr (again, ==, normalized);
      g_assert_cmpstr (joined, ==, normalized);
    }
  tm_bypass_matches (list, text);
  tm_bypass_matches ((const char * const *) parsed, "www.bank.example");
}

static void
fuzz_rules_site (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *site = tm_rules_normalize_site (text, &error);

  g_assert ((site == NULL) == (error != NULL));
  if (site != NULL)
    {
      g_autofree char *again = tm_rules_normalize_site (site, NULL);

      g_assert_cmpstr (again, ==, site);
    }
}

static void
fuzz_proxy_options (const char *text)
{
  g_autoptr(TmProxy) proxy = tm_proxy_new (NULL, NULL, NULL);
  g_autoptr(GError) listen_error = NULL;
  g_autoptr(GError) allow_error = NULL;
  g_autoptr(GError) resolve_error = NULL;
  g_autoptr(GError) ports_error = NULL;
  g_autoptr(GError) bypass_error = NULL;

  g_assert (tm_proxy_add_listen_address (proxy, text, &listen_error) == (listen_error == NULL));
  g_assert (tm_proxy_add_allow (proxy, text, &allow_error) == (allow_error == NULL));
  g_assert (tm_proxy_add_resolve (proxy, text, &resolve_error) == (resolve_error == NULL));
  g_assert (tm_proxy_set_connect_ports (proxy, text, &ports_error) == (ports_error == NULL));
  g_assert (tm_proxy_add_bypass (proxy, text, &bypass_error) == (bypass_error == NULL));
}

static void
fuzz_resolve_map (const char *text)
{
  g_autoptr(TmResolveMap) map = tm_resolve_map_new ();
  g_autoptr(GError) error = NULL;

  g_assert (tm_resolve_map_add (map, text, &error) == (error == NULL));
  tm_resolve_map_lookup (map, text, 443);
  tm_resolve_map_lookup (map, "site-a.test", 8080);
}

static void
fuzz_request_host (const char *text)
{
  g_autofree char *site = tm_site_for_host (text);
  g_autofree char *top = tm_context_top_site_from_request ("www.example.com", "cross-site",
                                                           NULL, text, NULL);
  g_autofree char *top_site = tm_site_for_host (top);

  tm_site_is_same (text, "www.example.com");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = fuzz_string (data, size);

  fuzz_bypass (text);
  fuzz_rules_site (text);
  fuzz_proxy_options (text);
  fuzz_resolve_map (text);
  fuzz_request_host (text);
  return 0;
}
