/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-ui-proxy.c: the Proxy page as a person sees it, under Xvfb: the switch
 * starts a real proxy that answers, its address and counters, another proxy
 * holding the data folder, a busy port, the copy buttons, and GNOME's proxy
 * settings set and restored (also after a crash) on the memory backend. */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <libsoup/soup.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tm-application.h"
#include "tm-ca.h"
#include "tm-desktop-proxy.h"
#include "tm-proxy-page.h"
#include "tm-settings.h"
#include "tm-test-ui.h"
#include "tm-test-utils.h"
#include "tm-window.h"

/* Set in the copy of this program that runs without GNOME's proxy schemas. */
#define NO_SCHEMAS_ENV "TM_TEST_WITHOUT_GNOME_PROXY_SCHEMAS"

static const char *test_program;

typedef struct {
  char          *data_dir;
  TmApplication *app;
  TmWindow      *window;
  SoupServer    *origin;
  char          *origin_uri;
} Fixture;

static TmProxyPage *
proxy_page (Fixture *f)
{
  return tm_main_view_get_proxy_page (tm_window_get_main_view (f->window));
}

/* The row titled @title on the Proxy page. */
static AdwActionRow *
find_row (Fixture    *f,
          const char *title)
{
  GtkWidget *row = tm_test_ui_find_widget (GTK_WIDGET (proxy_page (f)), ADW_TYPE_ACTION_ROW,
                                           tm_test_ui_row_has_title, title);

  if (row == NULL)
    g_error ("no row titled “%s” on the Proxy page", title);
  return ADW_ACTION_ROW (row);
}

static GtkWidget *
find_value_label (GtkWidget *widget)
{
  if (GTK_IS_LABEL (widget) && !gtk_widget_has_css_class (widget, "title")
      && !gtk_widget_has_css_class (widget, "subtitle"))
    return widget;
  for (GtkWidget *child = gtk_widget_get_first_child (widget);
       child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_value_label (child);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/* The value a row shows: its label that is neither its title nor its subtitle. */
static const char *
row_value (Fixture    *f,
           const char *title)
{
  GtkWidget *label = find_value_label (GTK_WIDGET (find_row (f, title)));

  g_assert_nonnull (label);
  return gtk_label_get_text (GTK_LABEL (label));
}

static gboolean
has_title_class (GtkWidget     *widget,
                 gconstpointer  data)
{
  return gtk_widget_has_css_class (widget, "title");
}

/* The label showing the title of the row titled @title. */
static GtkWidget *
row_title_label (Fixture    *f,
                 const char *title)
{
  GtkWidget *label = tm_test_ui_find_widget (GTK_WIDGET (find_row (f, title)), GTK_TYPE_LABEL,
                                             has_title_class, NULL);

  g_assert_nonnull (label);
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, title);
  return label;
}

static gboolean
page_shows (Fixture    *f,
            const char *text)
{
  return tm_test_ui_shows_text (GTK_WIDGET (proxy_page (f)), text);
}

typedef struct {
  Fixture    *f;
  const char *text;
} TextWait;

static gboolean
page_shows_cb (gpointer data)
{
  TextWait *w = data;

  return page_shows (w->f, w->text);
}

static gboolean
page_hides_cb (gpointer data)
{
  return !page_shows_cb (data);
}

static void
assert_page_shows (Fixture    *f,
                   const char *text)
{
  TextWait w = { f, text };

  if (!tm_test_ui_wait_for (page_shows_cb, &w))
    g_error ("the Proxy page does not show “%s”", text);
}

typedef struct {
  Fixture    *f;
  const char *title;
  const char *value;
} ValueWait;

static gboolean
row_value_is_cb (gpointer data)
{
  ValueWait *w = data;

  return g_strcmp0 (row_value (w->f, w->title), w->value) == 0;
}

static void
assert_row_value (Fixture    *f,
                  const char *title,
                  const char *value)
{
  ValueWait w = { f, title, value };

  if (!tm_test_ui_wait_for (row_value_is_cb, &w))
    g_error ("the row “%s” shows “%s”, not “%s”", title, row_value (f, title), value);
}

/* Flips a switch as the keyboard does. A refused start puts the switch back at
 * once: only a change is waited for, not required. */
static void
flip (GtkSwitch *sw)
{
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (sw)));
  tm_test_ui_flip_switch (sw);
}

static void
reset_desktop_settings (void)
{
  if (!tm_desktop_proxy_is_available ())
    return;
  tm_test_ui_reset_settings (TM_DESKTOP_PROXY_SCHEMA);
  tm_test_ui_reset_settings (TM_DESKTOP_PROXY_HTTP_SCHEMA);
  tm_test_ui_reset_settings (TM_DESKTOP_PROXY_HTTPS_SCHEMA);
}

/* A port nobody listens on right now, on both loopback addresses. */
static guint
free_port (void)
{
  for (int attempt = 0; attempt < 20; attempt++)
    {
      g_autoptr(GSocketListener) listener = g_socket_listener_new ();
      g_autoptr(GInetAddress) v4 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr(GInetAddress) v6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
      g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (v4, 0);
      g_autoptr(GSocketAddress) bound = NULL;
      g_autoptr(GSocketAddress) same_v6 = NULL;
      g_autoptr(GError) error = NULL;
      guint port;

      g_socket_listener_add_address (listener, any_port, G_SOCKET_TYPE_STREAM,
                                     G_SOCKET_PROTOCOL_TCP, NULL, &bound, &error);
      g_assert_no_error (error);
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
      same_v6 = g_inet_socket_address_new (v6, port);
      if (g_socket_listener_add_address (listener, same_v6, G_SOCKET_TYPE_STREAM,
                                         G_SOCKET_PROTOCOL_TCP, NULL, NULL, NULL))
        return port;
    }
  g_error ("no free port found");
}

static void
start_app (Fixture *f)
{
  tm_test_ui_start_app (&f->app, &f->window);
  tm_test_ui_show_page (f->window, "proxy");
}

static void
stop_app (Fixture *f)
{
  tm_test_ui_stop_app (&f->app, &f->window);
}

static void
set_port_setting (Fixture *f,
                  guint    port)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = g_strdup_printf ("%u", port);

  g_assert_true (tm_consent_store_set_setting (tm_application_get_store (f->app),
                                               TM_SETTING_PROXY_PORT, value, &error));
  g_assert_no_error (error);
  tm_test_ui_drain ();
}

/* The origin: sets a necessary cookie and a statistics one. */
static void
origin_cb (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  soup_message_headers_append (headers, "Set-Cookie", "sessionid=abc; Path=/");
  soup_message_headers_append (headers, "Set-Cookie", "_ga=GA1.1.1; Path=/");
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "hello", 5);
}

static void
start_origin (Fixture *f)
{
  guint port;

  f->origin = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->origin, NULL, origin_cb, NULL, NULL);
  port = tm_test_server_listen (f->origin, SOUP_SERVER_LISTEN_IPV4_ONLY);
  f->origin_uri = g_strdup_printf ("http://127.0.0.1:%u/", port);
}

typedef struct {
  GBytes *body;
  GError *error;
  guint   status;
  gboolean done;
} Fetch;

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Fetch *fetch = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  fetch->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result,
                                                   &fetch->error);
  fetch->status = soup_message_get_status (msg);
  fetch->done = TRUE;
}

static gboolean
fetch_done (gpointer data)
{
  return ((Fetch *) data)->done;
}

/* GET @uri through the proxy at @proxy_uri; the proxy runs on this main context. */
static void
fetch_through (const char *proxy_uri,
               const char *uri)
{
  g_autoptr(GProxyResolver) resolver = g_simple_proxy_resolver_new (proxy_uri, NULL);
  g_autoptr(SoupSession) session = soup_session_new_with_options ("proxy-resolver", resolver,
                                                                   "timeout", 10, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", uri);
  Fetch fetch = { 0 };

  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL,
                                    fetched_cb, &fetch);
  g_assert_true (tm_test_ui_wait_for (fetch_done, &fetch));
  g_assert_no_error (fetch.error);
  g_assert_cmpuint (fetch.status, ==, 200);
  g_assert_cmpmem (g_bytes_get_data (fetch.body, NULL), g_bytes_get_size (fetch.body),
                   "hello", 5);
  /* Through the proxy: the statistics cookie was removed, the necessary one kept. */
  g_assert_cmpstr (soup_message_headers_get_list (soup_message_get_response_headers (msg),
                                                  "Set-Cookie"),
                   ==, "sessionid=abc; Path=/");
  g_bytes_unref (fetch.body);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->data_dir = tm_test_make_tmp_dir ();
  g_setenv ("TEMOIN_DATA_DIR", f->data_dir, TRUE);
  tm_test_ui_reset_settings (APP_ID);
  reset_desktop_settings ();
  {
    g_autoptr(GSettings) settings = g_settings_new (APP_ID);
    g_autofree char *language = g_strndup (data != NULL ? data : "en", 2);

    g_settings_set_string (settings, "language", language);
  }
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  if (f->app != NULL)
    stop_app (f);
  if (f->origin != NULL)
    tm_test_server_disconnect (f->origin);
  g_clear_object (&f->origin);
  g_free (f->origin_uri);
  tm_test_rmdir (f->data_dir);
  g_free (f->data_dir);
}

static void
test_page_shows_the_switch (Fixture       *f,
                            gconstpointer  data)
{
  GtkSwitch *sw;
  GtkWidget *copy;

  start_app (f);
  sw = tm_proxy_page_get_switch (proxy_page (f));
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (sw)));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (sw)));
  g_assert_false (gtk_switch_get_active (sw));
  g_assert_true (gtk_widget_get_ancestor (GTK_WIDGET (sw), ADW_TYPE_ACTION_ROW)
                 == GTK_WIDGET (find_row (f, "Run the proxy in Témoin")));
  /* A screen reader names each switch by its row's title. */
  gtk_test_accessible_assert_relation (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       row_title_label (f, "Run the proxy in Témoin"), NULL);
  gtk_test_accessible_assert_relation (tm_proxy_page_get_desktop_switch (proxy_page (f)),
                                       GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       row_title_label (f, "Use for the whole desktop"), NULL);
  copy = tm_test_ui_find_widget (GTK_WIDGET (find_row (f, "Chromium")), GTK_TYPE_BUTTON,
                                 NULL, NULL);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Copy the Chromium command");

  assert_row_value (f, "Address", "Not listening");
  assert_row_value (f, "Requests", "0");
  /* The honest status and the instructions, with the port setting's default. */
  assert_page_shows (f, "CONNECT example.org:443");
  assert_page_shows (f, "Cookies set by scripts");
  assert_page_shows (f, "chromium --proxy-server=http://127.0.0.1:7733");
  assert_page_shows (f, "export http_proxy=http://127.0.0.1:7733/ "
                        "https_proxy=http://127.0.0.1:7733/");
  assert_page_shows (f, "Also use this proxy for HTTPS");
  /* Nothing to point the desktop at yet. */
  g_assert_false (gtk_widget_is_sensitive (
                    GTK_WIDGET (tm_proxy_page_get_desktop_switch (proxy_page (f)))));
}

static void
test_switch_starts_and_stops (Fixture       *f,
                              gconstpointer  data)
{
  guint port = free_port ();
  g_autofree char *address = g_strdup_printf ("http://127.0.0.1:%u/", port);
  g_autofree char *command = g_strdup_printf ("chromium --proxy-server=http://127.0.0.1:%u",
                                              port);
  TmProxy *proxy;

  start_origin (f);
  start_app (f);
  set_port_setting (f, port);
  proxy = tm_application_get_proxy (f->app);
  g_assert_false (tm_proxy_is_running (proxy));

  flip (tm_proxy_page_get_switch (proxy_page (f)));
  g_assert_true (tm_proxy_is_running (proxy));
  g_assert_true (gtk_switch_get_active (tm_proxy_page_get_switch (proxy_page (f))));
  assert_row_value (f, "Address", address);
  assert_page_shows (f, command);
  /* The port cannot change under a running proxy. */
  g_assert_false (gtk_widget_is_sensitive (
                    tm_test_ui_find_widget (GTK_WIDGET (find_row (f, "Port")),
                                            GTK_TYPE_SPIN_BUTTON, NULL, NULL)));

  /* It really answers, and the page counts what went through. */
  fetch_through (address, f->origin_uri);
  assert_row_value (f, "Requests", "1");
  assert_row_value (f, "Cookies kept", "1");
  assert_row_value (f, "Cookies blocked", "1");
  fetch_through (address, f->origin_uri);
  assert_row_value (f, "Requests", "2");

  flip (tm_proxy_page_get_switch (proxy_page (f)));
  g_assert_false (tm_proxy_is_running (proxy));
  assert_row_value (f, "Address", "Not listening");
  g_assert_false (tm_proxy_lock_holder (f->data_dir, NULL, NULL));
  /* The port is free again: nothing listens there any more. */
  {
    g_autoptr(GSocketClient) client = g_socket_client_new ();
    g_autoptr(GSocketConnection) connection = NULL;
    g_autoptr(GError) error = NULL;

    connection = g_socket_client_connect_to_host (client, "127.0.0.1", port, NULL, &error);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  }
}

static void
test_keeps_running_across_language_switch (Fixture       *f,
                                           gconstpointer  data)
{
  guint port = free_port ();
  g_autofree char *address = g_strdup_printf ("http://127.0.0.1:%u/", port);

  start_app (f);
  set_port_setting (f, port);
  flip (tm_proxy_page_get_switch (proxy_page (f)));
  g_assert_true (tm_proxy_is_running (tm_application_get_proxy (f->app)));

  tm_application_set_language (f->app, "fr");
  tm_test_ui_drain ();
  tm_application_set_language (f->app, "en");
  tm_test_ui_drain ();
  /* A new page, the same proxy. */
  g_assert_true (tm_proxy_is_running (tm_application_get_proxy (f->app)));
  g_assert_true (gtk_switch_get_active (tm_proxy_page_get_switch (proxy_page (f))));
  assert_row_value (f, "Address", address);
}

static void
test_other_proxy_holds_the_data_folder (Fixture       *f,
                                        gconstpointer  data)
{
  g_autoptr(TmProxy) other = tm_proxy_new (f->data_dir, NULL, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *pid = g_strdup_printf ("Process %d listens on", (int) getpid ());
  const char *other_uri;
  GtkSwitch *sw;
  TextWait w;

  tm_proxy_set_port (other, 0);
  g_assert_true (tm_proxy_start (other, &error));
  g_assert_no_error (error);
  other_uri = tm_proxy_get_uris (other)[0];

  start_app (f);
  sw = tm_proxy_page_get_switch (proxy_page (f));
  assert_page_shows (f, "Another Témoin proxy is running");
  assert_page_shows (f, pid);
  assert_page_shows (f, "what you change here applies to it too");
  assert_row_value (f, "Address", other_uri);
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (sw)));
  g_assert_false (gtk_switch_get_active (sw));
  /* Even asked directly, the app does not start a second one. */
  g_assert_false (tm_application_start_proxy (f->app, &error));
  g_assert_error (error, TM_PROXY_ERROR, TM_PROXY_ERROR_ALREADY_RUNNING);
  g_assert_false (tm_proxy_is_running (tm_application_get_proxy (f->app)));

  /* When it stops, the page notices by itself and the switch works again. */
  tm_proxy_stop (other);
  w = (TextWait) { f, "Another Témoin proxy is running" };
  g_assert_true (tm_test_ui_wait_for (page_hides_cb, &w));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (sw)));
  assert_row_value (f, "Address", "Not listening");
}

static void
test_other_process_holds_the_data_folder (Fixture       *f,
                                          gconstpointer  data)
{
  const char *temoinctl = g_getenv ("TEMOINCTL");
  const char *argv[] = { temoinctl, "--data-dir", f->data_dir, "serve", "--port", "0", NULL };
  g_autoptr(GSubprocess) serve = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *pid_text = NULL;

  g_assert_nonnull (temoinctl);
  serve = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (serve));
  line = g_data_input_stream_read_line (out, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (line, "listening on "));

  start_app (f);
  pid_text = g_strdup_printf ("Process %s listens on %s",
                              g_subprocess_get_identifier (serve),
                              line + strlen ("listening on "));
  assert_page_shows (f, pid_text);
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (tm_proxy_page_get_switch (
                                                         proxy_page (f)))));
  g_subprocess_send_signal (serve, SIGTERM);
  g_subprocess_wait (serve, NULL, &error);
  g_assert_no_error (error);
}

static void
test_busy_port_says_to_change_it (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GSocketListener) squatter = g_socket_listener_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *title = NULL;
  guint busy;
  guint port = free_port ();
  GtkSpinButton *spin;
  TextWait w;

  busy = g_socket_listener_add_any_inet_port (squatter, NULL, &error);
  g_assert_no_error (error);

  start_app (f);
  set_port_setting (f, busy);
  flip (tm_proxy_page_get_switch (proxy_page (f)));
  /* It did not start: the switch is off again and the page says what to do. */
  g_assert_false (tm_proxy_is_running (tm_application_get_proxy (f->app)));
  g_assert_false (gtk_switch_get_active (tm_proxy_page_get_switch (proxy_page (f))));
  title = g_strdup_printf ("Port %u is in use", busy);
  assert_page_shows (f, title);
  assert_page_shows (f, "Change the port below");

  /* The port row edits the shared setting, validated by the store. */
  spin = GTK_SPIN_BUTTON (tm_test_ui_find_widget (GTK_WIDGET (find_row (f, "Port")),
                                                  GTK_TYPE_SPIN_BUTTON, NULL, NULL));
  g_assert_true (gtk_widget_is_sensitive (GTK_WIDGET (spin)));
  gtk_spin_button_set_value (spin, port);
  tm_test_ui_drain ();
  g_assert_cmpint (tm_consent_store_get_setting_int (tm_application_get_store (f->app),
                                                     TM_SETTING_PROXY_PORT), ==, port);
  w = (TextWait) { f, title };
  g_assert_true (tm_test_ui_wait_for (page_hides_cb, &w));

  flip (tm_proxy_page_get_switch (proxy_page (f)));
  g_assert_true (tm_proxy_is_running (tm_application_get_proxy (f->app)));
  g_assert_cmpuint (tm_proxy_get_port (tm_application_get_proxy (f->app)), ==, port);
}

typedef struct {
  GdkClipboard *clipboard;
  char         *text;
  gboolean      done;
} ClipboardRead;

static void
clipboard_read_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  ClipboardRead *read = user_data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static gboolean
clipboard_read_done (gpointer data)
{
  return ((ClipboardRead *) data)->done;
}

static char *
click_copy (Fixture    *f,
            const char *row_title)
{
  GtkWidget *button = tm_test_ui_find_widget (GTK_WIDGET (find_row (f, row_title)),
                                              GTK_TYPE_BUTTON, NULL, NULL);
  ClipboardRead read = { 0 };

  g_assert_nonnull (button);
  g_assert_true (gtk_widget_is_sensitive (button));
  g_signal_emit_by_name (button, "clicked");
  tm_test_ui_drain ();
  read.clipboard = gtk_widget_get_clipboard (button);
  gdk_clipboard_read_text_async (read.clipboard, NULL, clipboard_read_cb, &read);
  g_assert_true (tm_test_ui_wait_for (clipboard_read_done, &read));
  return read.text;
}

static gboolean
toast_shown (gpointer data)
{
  Fixture *f = data;

  return tm_test_ui_shows_text (GTK_WIDGET (f->window), "Copied");
}

static void
test_copy_buttons (Fixture       *f,
                   gconstpointer  data)
{
  guint port = free_port ();
  char *text;
  char *expected;

  start_app (f);
  set_port_setting (f, port);

  text = click_copy (f, "Chromium");
  expected = g_strdup_printf ("chromium --proxy-server=http://127.0.0.1:%u", port);
  g_assert_cmpstr (text, ==, expected);
  g_assert_true (tm_test_ui_wait_for (toast_shown, f));
  g_free (text);
  g_free (expected);

  text = click_copy (f, "Programs started from a terminal");
  expected = g_strdup_printf ("export http_proxy=http://127.0.0.1:%u/ "
                              "https_proxy=http://127.0.0.1:%u/", port, port);
  g_assert_cmpstr (text, ==, expected);
  g_free (text);
  g_free (expected);

  text = click_copy (f, "Firefox");
  expected = g_strdup_printf ("HTTP Proxy 127.0.0.1, Port %u", port);
  g_assert_nonnull (strstr (text, expected));
  g_assert_nonnull (strstr (text, "Also use this proxy for HTTPS"));
  g_free (text);
  g_free (expected);

  flip (tm_proxy_page_get_switch (proxy_page (f)));
  text = click_copy (f, "Address");
  g_assert_cmpstr (text, ==, tm_proxy_get_uris (tm_application_get_proxy (f->app))[0]);
  g_free (text);
}

static gboolean
require_desktop_schemas (void)
{
  if (tm_desktop_proxy_is_available ())
    return TRUE;
  g_test_skip ("GNOME's proxy schemas (gsettings-desktop-schemas) are not installed");
  return FALSE;
}

/* What the user had before: an automatic proxy, and an old manual host. */
static void
set_previous_desktop_settings (void)
{
  g_autoptr(GSettings) proxy = g_settings_new (TM_DESKTOP_PROXY_SCHEMA);
  g_autoptr(GSettings) http = g_settings_new (TM_DESKTOP_PROXY_HTTP_SCHEMA);

  g_settings_set_string (proxy, "mode", "auto");
  g_settings_set_string (http, "host", "proxy.example");
  g_settings_set_int (http, "port", 3128);
}

static void
assert_previous_desktop_settings (void)
{
  g_autoptr(GSettings) proxy = g_settings_new (TM_DESKTOP_PROXY_SCHEMA);
  g_autoptr(GSettings) http = g_settings_new (TM_DESKTOP_PROXY_HTTP_SCHEMA);
  g_autoptr(GSettings) https = g_settings_new (TM_DESKTOP_PROXY_HTTPS_SCHEMA);
  g_autofree char *mode = g_settings_get_string (proxy, "mode");
  g_autofree char *host = g_settings_get_string (http, "host");
  g_autoptr(GVariant) https_host = g_settings_get_user_value (https, "host");

  g_assert_cmpstr (mode, ==, "auto");
  g_assert_cmpstr (host, ==, "proxy.example");
  g_assert_cmpint (g_settings_get_int (http, "port"), ==, 3128);
  /* A key the user never set is reset, not set to a copy of its default. */
  g_assert_null (https_host);
}

static void
assert_desktop_points_at (guint port)
{
  g_autoptr(GSettings) proxy = g_settings_new (TM_DESKTOP_PROXY_SCHEMA);
  g_autoptr(GSettings) http = g_settings_new (TM_DESKTOP_PROXY_HTTP_SCHEMA);
  g_autoptr(GSettings) https = g_settings_new (TM_DESKTOP_PROXY_HTTPS_SCHEMA);
  g_autofree char *mode = g_settings_get_string (proxy, "mode");
  g_autofree char *host = g_settings_get_string (http, "host");
  g_autofree char *https_host = g_settings_get_string (https, "host");

  g_assert_cmpstr (mode, ==, "manual");
  g_assert_cmpstr (host, ==, "127.0.0.1");
  g_assert_cmpint (g_settings_get_int (http, "port"), ==, port);
  g_assert_cmpstr (https_host, ==, "127.0.0.1");
  g_assert_cmpint (g_settings_get_int (https, "port"), ==, port);
}

static char *
backup_path (Fixture *f)
{
  return g_build_filename (f->data_dir, TM_DESKTOP_PROXY_BACKUP_FILENAME, NULL);
}

static void
quit_cb (gpointer data)
{
  g_action_group_activate_action (G_ACTION_GROUP (data), "quit", NULL);
}

static void
test_desktop_switch_sets_and_restores (Fixture       *f,
                                       gconstpointer  data)
{
  g_autofree char *backup = backup_path (f);
  guint port = free_port ();
  GtkSwitch *desktop;
  GStatBuf st;

  if (!require_desktop_schemas ())
    return;
  set_previous_desktop_settings ();
  start_app (f);
  set_port_setting (f, port);
  desktop = tm_proxy_page_get_desktop_switch (proxy_page (f));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (desktop)));

  flip (tm_proxy_page_get_switch (proxy_page (f)));
  flip (desktop);
  g_assert_true (gtk_switch_get_active (desktop));
  assert_desktop_points_at (port);
  g_assert_cmpint (g_stat (backup, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Turned off by hand: the previous settings are back. */
  flip (desktop);
  assert_previous_desktop_settings ();
  g_assert_false (g_file_test (backup, G_FILE_TEST_EXISTS));

  /* On again, then the proxy stops: the desktop is put back first. */
  flip (desktop);
  assert_desktop_points_at (port);
  flip (tm_proxy_page_get_switch (proxy_page (f)));
  g_assert_false (tm_proxy_is_running (tm_application_get_proxy (f->app)));
  assert_previous_desktop_settings ();
  g_assert_false (g_file_test (backup, G_FILE_TEST_EXISTS));
  g_assert_false (gtk_switch_get_active (desktop));

  /* And quitting with it on restores too: Ctrl+Q ends g_application_run(). */
  flip (tm_proxy_page_get_switch (proxy_page (f)));
  flip (desktop);
  assert_desktop_points_at (port);
  g_idle_add_once (quit_cb, f->app);
  g_assert_cmpint (g_application_run (G_APPLICATION (f->app), 0, NULL), ==, 0);
  g_assert_false (tm_proxy_is_running (tm_application_get_proxy (f->app)));
  assert_previous_desktop_settings ();
  g_assert_false (g_file_test (backup, G_FILE_TEST_EXISTS));
}

/* What a crash leaves: the desktop pointing at a proxy that is gone, and the backup. */
static void
leave_crash_state (Fixture *f,
                   guint    port)
{
  g_autoptr(GSettings) proxy = g_settings_new (TM_DESKTOP_PROXY_SCHEMA);
  g_autoptr(GSettings) http = g_settings_new (TM_DESKTOP_PROXY_HTTP_SCHEMA);
  g_autoptr(GSettings) https = g_settings_new (TM_DESKTOP_PROXY_HTTPS_SCHEMA);
  g_autoptr(TmDesktopProxy) desktop = tm_desktop_proxy_new (f->data_dir, proxy, http, https);
  g_autoptr(GError) error = NULL;

  g_assert_true (tm_desktop_proxy_apply (desktop, "127.0.0.1", port, &error));
  g_assert_no_error (error);
  assert_desktop_points_at (port);
}

static void
test_leftover_backup_restored_at_startup (Fixture       *f,
                                          gconstpointer  data)
{
  g_autofree char *backup = backup_path (f);

  if (!require_desktop_schemas ())
    return;
  set_previous_desktop_settings ();
  leave_crash_state (f, 7733);
  g_assert_true (g_file_test (backup, G_FILE_TEST_EXISTS));

  start_app (f);
  assert_previous_desktop_settings ();
  g_assert_false (g_file_test (backup, G_FILE_TEST_EXISTS));
  g_assert_nonnull (tm_application_get_desktop_restored_message (f->app));
  /* The user is told, in a toast. */
  g_assert_true (tm_test_ui_shows_text (GTK_WIDGET (f->window),
                                        "The desktop’s proxy settings were restored"));
  g_assert_false (gtk_switch_get_active (tm_proxy_page_get_desktop_switch (proxy_page (f))));
}

static void
test_leftover_backup_kept_while_a_proxy_runs (Fixture       *f,
                                              gconstpointer  data)
{
  g_autofree char *backup = backup_path (f);
  g_autoptr(TmProxy) other = tm_proxy_new (f->data_dir, NULL, NULL);
  g_autoptr(GError) error = NULL;

  if (!require_desktop_schemas ())
    return;
  tm_proxy_set_port (other, 0);
  g_assert_true (tm_proxy_start (other, &error));
  g_assert_no_error (error);
  set_previous_desktop_settings ();
  leave_crash_state (f, tm_proxy_get_port (other));

  /* The proxy the desktop points at is alive: nothing to repair. */
  start_app (f);
  assert_desktop_points_at (tm_proxy_get_port (other));
  g_assert_true (g_file_test (backup, G_FILE_TEST_EXISTS));
  g_assert_null (tm_application_get_desktop_restored_message (f->app));
  tm_proxy_stop (other);
}

static void
test_desktop_changed_since_is_left_alone (Fixture       *f,
                                          gconstpointer  data)
{
  g_autoptr(GSettings) proxy = NULL;
  g_autoptr(GSettings) http = NULL;
  g_autoptr(GSettings) https = NULL;
  g_autoptr(TmDesktopProxy) desktop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *mode = NULL;
  gboolean restored = TRUE;

  if (!require_desktop_schemas ())
    return;
  proxy = g_settings_new (TM_DESKTOP_PROXY_SCHEMA);
  http = g_settings_new (TM_DESKTOP_PROXY_HTTP_SCHEMA);
  https = g_settings_new (TM_DESKTOP_PROXY_HTTPS_SCHEMA);
  desktop = tm_desktop_proxy_new (f->data_dir, proxy, http, https);
  g_assert_true (tm_desktop_proxy_apply (desktop, "127.0.0.1", 7733, &error));
  g_assert_true (tm_desktop_proxy_get_applied (desktop));
  /* The user picked another proxy meanwhile: restoring must not undo that. */
  g_settings_set_string (proxy, "mode", "none");
  g_assert_true (tm_desktop_proxy_restore (desktop, &restored, &error));
  g_assert_no_error (error);
  g_assert_false (restored);
  g_assert_false (tm_desktop_proxy_get_applied (desktop));
  mode = g_settings_get_string (proxy, "mode");
  g_assert_cmpstr (mode, ==, "none");
}

/* The child half: what the page says when GNOME's proxy schemas are missing. */
static void
check_page_without_schemas (Fixture *f)
{
  GtkSwitch *desktop;

  g_assert_false (tm_desktop_proxy_is_available ());
  start_app (f);
  g_assert_null (tm_application_get_desktop_proxy (f->app));
  set_port_setting (f, free_port ());
  flip (tm_proxy_page_get_switch (proxy_page (f)));
  g_assert_true (tm_proxy_is_running (tm_application_get_proxy (f->app)));
  desktop = tm_proxy_page_get_desktop_switch (proxy_page (f));
  g_assert_false (gtk_widget_is_sensitive (GTK_WIDGET (desktop)));
  g_assert_false (gtk_switch_get_active (desktop));
  assert_page_shows (f, "are not installed on this system");
}

static void
test_without_gnome_schemas (Fixture       *f,
                            gconstpointer  data)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *empty = NULL;
  g_autofree char *out = NULL;

  if (g_getenv (NO_SCHEMAS_ENV) != NULL)
    {
      check_page_without_schemas (f);
      return;
    }

  /* The same test in a copy of this program whose XDG_DATA_DIRS holds no schema
   * (GSETTINGS_SCHEMA_DIR still gives the app's own), but the MIME database and
   * icons that GTK needs to draw. */
  empty = g_build_filename (f->data_dir, "no-schemas", NULL);
  g_assert_cmpint (g_mkdir (empty, 0700), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      const char *name = i == 0 ? "mime" : "icons";
      g_autofree char *target = g_build_filename ("/usr/share", name, NULL);
      g_autofree char *link = g_build_filename (empty, name, NULL);

      if (g_file_test (target, G_FILE_TEST_IS_DIR))
        g_assert_cmpint (symlink (target, link), ==, 0);
    }
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_setenv (launcher, "XDG_DATA_DIRS", empty, TRUE);
  g_subprocess_launcher_setenv (launcher, NO_SCHEMAS_ENV, "1", TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, test_program,
                                       "-p", g_test_get_path (), NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (child) || strstr (out, "\nok 1 ") == NULL)
    g_error ("the page without GNOME's proxy schemas failed:\n%s", out);
}

static gboolean
after_a_while (gpointer data)
{
  return g_get_monotonic_time () > *(gint64 *) data;
}

/* Not a check: with TEMOIN_SCREENSHOT_DIR set, photographs the X screen (Xvfb)
 * with the page showing a running proxy that served a few requests. */
static void
test_screenshot (Fixture       *f,
                 gconstpointer  data)
{
  const char *language = data;
  g_autofree char *name = g_strdup_printf ("screenshot-proxy-%s.png", language);
  g_autofree char *path = g_build_filename (g_getenv ("TEMOIN_SCREENSHOT_DIR"), name, NULL);
  const char *argv[] = { "import", "-window", "root", path, NULL };
  g_autoptr(GError) error = NULL;
  gint64 until;
  int status;

  g_autoptr(TmProxy) other = NULL;

  if (g_str_has_suffix (language, "-held"))
    {
      /* Another proxy holds the data folder (what temoinctl serve does). */
      other = tm_proxy_new (f->data_dir, NULL, NULL);
      tm_proxy_set_port (other, 7733);
      g_assert_true (tm_proxy_start (other, &error));
    }
  {
    /* As tall as the 1280×800 Xvfb screen allows. */
    g_autoptr(GSettings) settings = g_settings_new (APP_ID);

    g_settings_set_int (settings, "window-height", 780);
  }
  start_origin (f);
  start_app (f);
  if (other == NULL)
    {
      set_port_setting (f, 7733);
      flip (tm_proxy_page_get_switch (proxy_page (f)));
      for (int i = 0; i < 3; i++)
        fetch_through ("http://127.0.0.1:7733/", f->origin_uri);
    }
  /* The counters' notify is throttled: give the page time to show them. */
  until = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;
  tm_test_ui_wait_for (after_a_while, &until);
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_test_message ("wrote %s", path);

  /* The rest of the page, scrolled to the end. */
  {
    GtkWidget *scrolled = tm_test_ui_find_widget (GTK_WIDGET (proxy_page (f)),
                                                  GTK_TYPE_SCROLLED_WINDOW, NULL, NULL);
    GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scrolled));
    g_autofree char *end_path = g_strdup_printf ("%.*s-end.png",
                                                 (int) strlen (path) - 4, path);

    gtk_adjustment_set_value (adj, gtk_adjustment_get_upper (adj));
    until = g_get_monotonic_time () + G_USEC_PER_SEC;
    tm_test_ui_wait_for (after_a_while, &until);
    argv[3] = end_path;
    g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL,
                  &status, &error);
    g_assert_no_error (error);
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
}

static gboolean
message_dialog_shown (gpointer heading)
{
  return tm_test_ui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, heading) != NULL;
}

/* The confirmation dialog titled @heading, once it is on screen. */
static AdwMessageDialog *
find_message_dialog (const char *heading)
{
  if (!tm_test_ui_wait_for (message_dialog_shown, (gpointer) heading))
    g_error ("no dialog “%s” appeared", heading);
  return ADW_MESSAGE_DIALOG (tm_test_ui_find_toplevel (ADW_TYPE_MESSAGE_DIALOG, heading));
}

static gboolean
https_setting_is (gpointer data)
{
  Fixture *f = data;
  gboolean wanted = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (f->app), "wanted"));

  return tm_consent_store_get_setting_bool (tm_application_get_store (f->app),
                                            TM_SETTING_HTTPS_INSPECTION) == wanted;
}

static void
test_https_switch_sets_the_setting (Fixture       *f,
                                    gconstpointer  data)
{
  GtkSwitch *sw;
  g_autoptr(GError) error = NULL;

  start_app (f);
  sw = tm_proxy_page_get_https_switch (proxy_page (f));
  g_assert_false (gtk_switch_get_active (sw));
  gtk_test_accessible_assert_relation (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                       row_title_label (f, "Inspect HTTPS"), NULL);
  assert_page_shows (f, "CONNECT host:443");
  assert_page_shows (f, "Anyone with its key file could impersonate sites to you");
  /* The per-browser steps are folded away until asked for. */
  adw_expander_row_set_expanded (ADW_EXPANDER_ROW (tm_test_ui_find_widget (
                                                     GTK_WIDGET (proxy_page (f)),
                                                     ADW_TYPE_EXPANDER_ROW, NULL, NULL)),
                                 TRUE);
  tm_test_ui_drain ();
  assert_page_shows (f, "Trust this CA to identify websites");
  assert_page_shows (f, "update-ca-certificates --fresh");

  flip (sw);
  g_object_set_data (G_OBJECT (f->app), "wanted", GINT_TO_POINTER (TRUE));
  g_assert_true (tm_test_ui_wait_for (https_setting_is, f));
  flip (sw);
  g_object_set_data (G_OBJECT (f->app), "wanted", GINT_TO_POINTER (FALSE));
  g_assert_true (tm_test_ui_wait_for (https_setting_is, f));

  /* And the other way: the setting changed elsewhere moves the switch. */
  g_assert_true (tm_consent_store_set_setting (tm_application_get_store (f->app),
                                               TM_SETTING_HTTPS_INSPECTION, "true", &error));
  g_assert_no_error (error);
  tm_test_ui_drain ();
  g_assert_true (gtk_switch_get_active (sw));
}

static void
test_ca_fingerprint_and_delete (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = tm_ca_load_or_create (f->data_dir, &error);
  g_autofree char *fingerprint = NULL;
  g_autofree char *cert_path = g_build_filename (f->data_dir, TM_CA_CERT_FILENAME, NULL);
  g_autofree char *key_path = g_build_filename (f->data_dir, TM_CA_KEY_FILENAME, NULL);
  AdwMessageDialog *dialog;
  GtkWidget *delete;

  g_assert_no_error (error);
  fingerprint = tm_ca_get_fingerprint (ca);
  /* 32 bytes as colon-separated hex. */
  g_assert_cmpuint (strlen (fingerprint), ==, 32 * 3 - 1);
  g_assert_cmpint (fingerprint[2], ==, ':');

  start_app (f);
  assert_row_value (f, "SHA-256 fingerprint", fingerprint);
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (
                   find_value_label (GTK_WIDGET (find_row (f, "SHA-256 fingerprint"))))));

  delete = tm_test_ui_find_widget (GTK_WIDGET (proxy_page (f)), GTK_TYPE_BUTTON,
                                   tm_test_ui_button_has_label, "_Delete…");
  g_assert_nonnull (delete);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (delete), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Delete the certificate authority");
  g_assert_true (gtk_widget_is_sensitive (delete));

  /* Regenerating replaces it, and the page shows the new one. */
  gtk_widget_activate (tm_test_ui_find_widget (GTK_WIDGET (proxy_page (f)), GTK_TYPE_BUTTON,
                                               tm_test_ui_button_has_label, "_Regenerate…"));
  dialog = find_message_dialog ("Regenerate the Certificate Authority?");
  g_assert_true (strstr (adw_message_dialog_get_body (dialog),
                         "must be made to trust the new one") != NULL);
  adw_message_dialog_response (dialog, "regenerate");
  gtk_window_destroy (GTK_WINDOW (dialog));
  tm_test_ui_drain ();
  g_assert_true (tm_ca_reload (ca, &error));
  g_assert_no_error (error);
  {
    g_autofree char *renewed = tm_ca_get_fingerprint (ca);

    g_assert_cmpstr (renewed, !=, fingerprint);
    assert_row_value (f, "SHA-256 fingerprint", renewed);
  }

  /* Cancelling keeps it. */
  gtk_widget_activate (delete);
  dialog = find_message_dialog ("Delete the Certificate Authority?");
  g_assert_cmpstr (adw_message_dialog_get_default_response (dialog), ==, "cancel");
  adw_message_dialog_response (dialog, "cancel");
  gtk_window_destroy (GTK_WINDOW (dialog));
  tm_test_ui_drain ();
  g_assert_true (g_file_test (cert_path, G_FILE_TEST_EXISTS));

  /* Deleting turns inspection off, as `temoinctl ca delete` does: left on, the
   * proxy would make a new authority that no browser trusts. */
  g_assert_true (tm_consent_store_set_setting (tm_application_get_store (f->app),
                                               TM_SETTING_HTTPS_INSPECTION, "true", &error));
  g_assert_no_error (error);
  gtk_widget_activate (delete);
  dialog = find_message_dialog ("Delete the Certificate Authority?");
  g_assert_true (strstr (adw_message_dialog_get_body (dialog),
                         "part of stopping using Témoin") != NULL);
  adw_message_dialog_response (dialog, "delete");
  gtk_window_destroy (GTK_WINDOW (dialog));
  tm_test_ui_drain ();
  g_assert_false (g_file_test (cert_path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (key_path, G_FILE_TEST_EXISTS));
  g_assert_true (tm_ca_reload (ca, NULL) == FALSE || !tm_ca_is_loaded (ca));
  assert_row_value (f, "SHA-256 fingerprint", "—");
  g_assert_false (gtk_widget_is_sensitive (delete));
  g_assert_false (tm_consent_store_get_setting_bool (tm_application_get_store (f->app),
                                                     TM_SETTING_HTTPS_INSPECTION));
  g_assert_false (gtk_switch_get_active (tm_proxy_page_get_https_switch (proxy_page (f))));
}

/* "Stop Using Témoin": the steps in order, each with what does it. */
static void
test_stop_using_temoin (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TmCa) ca = tm_ca_load_or_create (f->data_dir, &error);
  g_autofree char *text = NULL;
  GtkWidget *steps;
  GtkWidget *expander;
  GtkWidget *delete;
  AdwMessageDialog *dialog;

  g_assert_no_error (error);
  start_app (f);
  find_row (f, "1. Turn the proxy off");
  find_row (f, "2. Remove the certificate from browsers");
  find_row (f, "3. Delete the certificate authority");
  /* Where everything Témoin kept is, to be erased. */
  g_assert_nonnull (strstr (adw_action_row_get_subtitle (find_row (f,
                                                         "4. Erase what Témoin kept")),
                            f->data_dir));

  text = click_copy (f, "1. Turn the proxy off");
  g_assert_cmpstr (text, ==, "systemctl --user disable --now temoin-proxy.service");

  /* "Show the Steps" unfolds the per-browser instructions at their "remove it" rows. */
  expander = tm_test_ui_find_widget (GTK_WIDGET (proxy_page (f)), ADW_TYPE_EXPANDER_ROW,
                                     NULL, NULL);
  g_assert_false (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (expander)));
  steps = tm_test_ui_find_widget (GTK_WIDGET (find_row (f,
                                              "2. Remove the certificate from browsers")),
                                  GTK_TYPE_BUTTON, NULL, NULL);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (steps), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                       "Show the steps that remove the certificate from "
                                       "browsers");
  tm_test_ui_click (steps);
  tm_test_ui_drain ();
  g_assert_true (adw_expander_row_get_expanded (ADW_EXPANDER_ROW (expander)));
  g_assert_true (gtk_widget_is_ancestor (gtk_window_get_focus (GTK_WINDOW (f->window)),
                                         GTK_WIDGET (find_row (f, "Firefox: remove it"))));

  /* Step 3 deletes the authority, after asking. */
  delete = tm_test_ui_find_widget (GTK_WIDGET (find_row (f,
                                               "3. Delete the certificate authority")),
                                   GTK_TYPE_BUTTON, NULL, NULL);
  g_assert_true (gtk_widget_is_sensitive (delete));
  tm_test_ui_click (delete);
  dialog = find_message_dialog ("Delete the Certificate Authority?");
  adw_message_dialog_response (dialog, "delete");
  gtk_window_destroy (GTK_WINDOW (dialog));
  tm_test_ui_drain ();
  g_assert_false (tm_ca_reload (ca, NULL) && tm_ca_is_loaded (ca));
  g_assert_false (gtk_widget_is_sensitive (delete));
}

int
main (int   argc,
      char *argv[])
{
  test_program = argv[0];
  /* The test accessibility backend keeps what a screen reader would be told. */
  tm_test_ui_init (&argc, &argv, "test");

  g_test_add ("/ui/proxy/page-shows-the-switch-status-and-instructions", Fixture, NULL,
              fixture_setup, test_page_shows_the_switch, fixture_teardown);
  g_test_add ("/ui/proxy/switch-starts-a-proxy-that-answers-and-stops-it", Fixture, NULL,
              fixture_setup, test_switch_starts_and_stops, fixture_teardown);
  g_test_add ("/ui/proxy/keeps-running-across-a-language-switch", Fixture, NULL,
              fixture_setup, test_keeps_running_across_language_switch, fixture_teardown);
  g_test_add ("/ui/proxy/another-proxy-holding-the-folder-is-named", Fixture, NULL,
              fixture_setup, test_other_proxy_holds_the_data_folder, fixture_teardown);
  g_test_add ("/ui/proxy/temoinctl-serve-holding-the-folder-is-named", Fixture, NULL,
              fixture_setup, test_other_process_holds_the_data_folder, fixture_teardown);
  g_test_add ("/ui/proxy/busy-port-says-to-change-it", Fixture, NULL,
              fixture_setup, test_busy_port_says_to_change_it, fixture_teardown);
  g_test_add ("/ui/proxy/copy-buttons-copy-the-instructions", Fixture, NULL,
              fixture_setup, test_copy_buttons, fixture_teardown);
  g_test_add ("/ui/proxy/desktop-switch-sets-gnome-and-restores-it", Fixture, NULL,
              fixture_setup, test_desktop_switch_sets_and_restores, fixture_teardown);
  g_test_add ("/ui/proxy/leftover-desktop-backup-is-restored-at-startup", Fixture, NULL,
              fixture_setup, test_leftover_backup_restored_at_startup, fixture_teardown);
  g_test_add ("/ui/proxy/leftover-desktop-backup-is-kept-while-its-proxy-runs", Fixture, NULL,
              fixture_setup, test_leftover_backup_kept_while_a_proxy_runs, fixture_teardown);
  g_test_add ("/ui/proxy/without-gnome-proxy-schemas-the-desktop-row-explains", Fixture, NULL,
              fixture_setup, test_without_gnome_schemas, fixture_teardown);
  g_test_add ("/ui/proxy/https-switch-sets-the-inspection-setting", Fixture, NULL,
              fixture_setup, test_https_switch_sets_the_setting, fixture_teardown);
  g_test_add ("/ui/proxy/ca-fingerprint-is-shown-and-delete-removes-the-ca", Fixture, NULL,
              fixture_setup, test_ca_fingerprint_and_delete, fixture_teardown);
  g_test_add ("/ui/proxy/stop-using-temoin-lists-the-steps-with-their-buttons", Fixture, NULL,
              fixture_setup, test_stop_using_temoin, fixture_teardown);
  g_test_add ("/desktop-proxy/settings-changed-since-are-left-alone", Fixture, NULL,
              fixture_setup, test_desktop_changed_since_is_left_alone, fixture_teardown);

  if (g_getenv ("TEMOIN_SCREENSHOT_DIR") != NULL)
    {
      g_test_add ("/ui/proxy/screenshot/en", Fixture, "en",
                  fixture_setup, test_screenshot, fixture_teardown);
      g_test_add ("/ui/proxy/screenshot/fr", Fixture, "fr",
                  fixture_setup, test_screenshot, fixture_teardown);
      g_test_add ("/ui/proxy/screenshot/en-held", Fixture, "en-held",
                  fixture_setup, test_screenshot, fixture_teardown);
    }

  return g_test_run ();
}
