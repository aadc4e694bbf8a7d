/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-test-browser.h: the harness of the end-to-end tests: a local origin in its own
 * thread that records the Cookie headers it receives, `temoinctl serve` in a child
 * process, and Debian's chromium (headless, persistent profile) whose cookie jar is
 * read from its profile after it exits. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define TM_TEST_CHROMIUM_PATH "/usr/bin/chromium"

/* How long `temoinctl serve` may take to start and to stop, and chromium to load a
 * page and exit. */
#define TM_TEST_PROXY_START_TIMEOUT_S 30
#define TM_TEST_PROXY_STOP_TIMEOUT_S  15
#define TM_TEST_BROWSER_TIMEOUT_S     120

/* The origin's page that sets its cookies, and a page that sets none. */
#define TM_TEST_ORIGIN_COOKIE_PAGE "/cookies.html"
#define TM_TEST_ORIGIN_PLAIN_PAGE  "/page.html"

/* The charter's necessary cookies, as the origin sets them; NULL-terminated. */
extern const char * const tm_test_necessary_names[];

/* Prints a TAP plan that skips everything and returns TRUE when chromium is not
 * installed (under TAP, exit status 77 is an error, not a skip). */
gboolean tm_test_browser_missing (void);

/* ---- the origin ---- */

typedef struct _TmTestOrigin TmTestOrigin;

/* Starts a SoupServer on 127.0.0.1, port 0, in its own thread: HTTPS with
 * @certificate, else plain HTTP. TM_TEST_ORIGIN_COOKIE_PAGE sets @set_cookies
 * (NULL-terminated), TM_TEST_ORIGIN_PLAIN_PAGE and @probe_page (if not NULL) set
 * none; every load is answered `Cache-Control: no-store`. */
TmTestOrigin *tm_test_origin_start           (const char * const *set_cookies,
                                              const char         *probe_page,
                                              GTlsCertificate    *certificate);
void          tm_test_origin_stop            (TmTestOrigin *origin);
guint         tm_test_origin_get_port        (TmTestOrigin *origin);
/* Forgets the requests received so far. */
void          tm_test_origin_forget_requests (TmTestOrigin *origin);
/* Fails unless every Cookie header the origin received for @path (every page but
 * the probe page if NULL) has (or, when @present is FALSE, lacks) @name, and unless
 * it received at least one such request. */
void          tm_test_origin_assert_sent     (TmTestOrigin *origin,
                                              const char   *path,
                                              const char   *name,
                                              gboolean      present);

/* ---- subprocesses and temoinctl ---- */

/* A launcher whose children die with the test process and do not see the proxy
 * variables a developer's shell may carry. */
GSubprocessLauncher *tm_test_launcher_new (GSubprocessFlags flags);
/* Waits until @process ends or @timeout_s pass; on timeout kills it and returns
 * FALSE. */
gboolean  tm_test_subprocess_wait    (GSubprocess *process,
                                      guint        timeout_s);
/* The contents of @path, or "" if it cannot be read. */
char     *tm_test_read_file_or_empty (const char *path);
/* Sleeps about 100 ms while letting the main context run. */
void      tm_test_poll_pause         (void);
/* Runs `temoinctl --data-dir DATA_DIR consent set SETTING` and fails if it fails. */
void      tm_test_consent_set        (const char *data_dir,
                                      const char *setting);

typedef struct {
  GSubprocess *process;
  char        *url;        /* http://ADDR:PORT, from the `listening on` line */
  char        *out_path;
  char        *err_path;
} TmTestProxy;

/* Starts `temoinctl --data-dir DATA_DIR serve --port 0 EXTRA_ARGS…` (@extra_args
 * NULL-terminated, or NULL), its output in @scratch, and waits for the line that
 * says where it listens. */
void      tm_test_proxy_start        (TmTestProxy        *proxy,
                                      const char         *scratch,
                                      const char         *data_dir,
                                      const char * const *extra_args);
/* Stops the proxy with SIGTERM, as a user's service manager would, and checks that
 * it stops cleanly. */
void      tm_test_proxy_stop         (TmTestProxy        *proxy);

/* ---- the browser ---- */

/* Loads @url in chromium with the persistent profile @profile, through @proxy_url
 * (directly if NULL), trusting the certificates whose SPKI hashes are in
 * @spki_hashes (a comma-separated list; none if NULL); waits for the browser to
 * exit by itself and checks it showed the origin's page. */
void        tm_test_browser_load         (const char *scratch,
                                          const char *profile,
                                          const char *proxy_url,
                                          const char *spki_hashes,
                                          const char *url);
/* The same, but checks the browser did not show the origin's page, and returns
 * what chromium said on stderr. */
char       *tm_test_browser_load_refused (const char *scratch,
                                          const char *profile,
                                          const char *proxy_url,
                                          const char *spki_hashes,
                                          const char *url);
/* Loads @url as tm_test_browser_load() does, without checking which page it showed,
 * and returns what the browser showed (the DOM); @out_err (if not NULL) gets what it
 * said on stderr. */
char       *tm_test_browser_dump_dom     (const char  *scratch,
                                          const char  *profile,
                                          const char  *proxy_url,
                                          const char  *spki_hashes,
                                          const char  *url,
                                          char       **out_err);
/* Chromium's stderr @err on one line (for TAP), without its noise about the D-Bus
 * it has not here. */
char       *tm_test_browser_stderr_summary (const char *err);

/* The browser's jar, read from the profile after the browser exited: a table from
 * "HOST\tNAME" to GINT_TO_POINTER (1 + is_httponly). */
GHashTable *tm_test_browser_jar          (const char *profile);
void        tm_test_jar_assert_holds     (GHashTable *jar,
                                          const char *host,
                                          const char *name);
void        tm_test_jar_assert_lacks     (GHashTable *jar,
                                          const char *host,
                                          const char *name);
/* The four necessary cookies are there, and sessionid kept its HttpOnly. */
void        tm_test_jar_assert_holds_necessary (GHashTable *jar,
                                                const char *host);

/* ---- scenarios ---- */

/* A scenario's private folders: a scratch directory, the proxy's data directory and
 * the browser's profile in it. */
typedef struct {
  char *scratch;
  char *data_dir;
  char *profile;
} TmTestScenario;

void tm_test_scenario_init  (TmTestScenario *s);
void tm_test_scenario_clear (TmTestScenario *s);

G_END_DECLS
