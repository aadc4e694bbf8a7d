/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin"

#include "config.h"

#include <glib/gi18n-lib.h>

#include "tm-bypass-group.h"
#include "tm-ca.h"
#include "tm-proxy-page.h"
#include "tm-rule-menu.h"
#include "tm-settings.h"

struct _TmProxyPage
{
  GtkWidget       parent_instance;

  GtkWidget      *scrolled_window;
  GtkWidget      *notice;
  GtkImage       *notice_icon;
  GtkLabel       *notice_title;
  GtkLabel       *notice_label;
  AdwActionRow   *switch_row;
  GtkSwitch      *proxy_switch;
  AdwActionRow   *address_row;
  GtkLabel       *address_label;
  GtkButton      *address_copy;
  AdwActionRow   *port_row;
  GtkSpinButton  *port_spin;
  AdwPreferencesGroup *counters_group;
  GtkLabel       *requests_label;
  GtkLabel       *kept_label;
  GtkLabel       *blocked_label;
  AdwActionRow   *desktop_row;
  GtkSwitch      *desktop_switch;
  AdwActionRow   *firefox_row;
  GtkButton      *firefox_copy;
  AdwActionRow   *chromium_row;
  GtkButton      *chromium_copy;
  AdwActionRow   *shell_row;
  GtkButton      *shell_copy;
  AdwActionRow   *https_switch_row;
  GtkSwitch      *https_switch;
  AdwActionRow   *ca_name_row;
  GtkLabel       *ca_name_label;
  AdwActionRow   *ca_fingerprint_row;
  GtkLabel       *ca_fingerprint_label;
  GtkButton      *ca_export;
  GtkButton      *ca_regenerate;
  GtkButton      *ca_delete;
  TmBypassGroup  *bypass_group;
  AdwExpanderRow *ca_instructions_row;
  GtkButton      *stop_trust_button;
  GtkButton      *stop_ca_button;
  AdwActionRow   *stop_data_row;
  AdwActionRow   *ca_firefox_row;
  GtkButton      *ca_firefox_copy;
  AdwActionRow   *ca_firefox_remove_row;
  GtkButton      *ca_firefox_remove_copy;
  AdwActionRow   *ca_chromium_row;
  GtkButton      *ca_chromium_copy;
  AdwActionRow   *ca_chromium_remove_row;
  GtkButton      *ca_chromium_remove_copy;
  AdwActionRow   *ca_system_row;
  GtkButton      *ca_system_copy;
  AdwActionRow   *ca_system_remove_row;
  GtkButton      *ca_system_remove_copy;

  TmApplication  *application;
  TmProxy        *proxy;
  TmDesktopProxy *desktop_proxy;   /* nullable */
  TmConsentStore *store;
  TmCa           *ca;              /* nullable: no data directory */
  GtkFileChooserNative *export_chooser;

  /* Why the last start failed, shown until the proxy starts or the port changes. */
  char           *start_error;
  gboolean        start_port_in_use;
  /* The other proxy holding the data directory, as last seen (pid 0: none). */
  int             holder_pid;
  char           *holder_address;
  guint           poll_id;
  gboolean        syncing;
};

G_DEFINE_FINAL_TYPE (TmProxyPage, tm_proxy_page, GTK_TYPE_WIDGET)

static void
show_toast (TmProxyPage *self,
            const char  *title)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (title));
}

/* Rows take markup: commands and messages are shown as they are. */
static void
set_subtitle (AdwActionRow *row,
              const char   *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  adw_action_row_set_subtitle (row, escaped);
}

/* The address browsers should use: the running proxy's, the other proxy's, or
 * the one the proxy will listen on. */
static char *
dup_target_uri (TmProxyPage *self)
{
  if (tm_proxy_is_running (self->proxy))
    return g_strdup (tm_proxy_get_uris (self->proxy)[0]);
  if (self->holder_pid != 0 && self->holder_address != NULL)
    return g_strdup (self->holder_address);
  return g_strdup_printf ("http://127.0.0.1:%" G_GINT64_FORMAT "/",
                          tm_consent_store_get_setting_int (self->store,
                                                            TM_SETTING_PROXY_PORT));
}

/* @uri's host as a URL writes it ("[::1]" for IPv6) and its port. */
static void
split_uri (const char  *uri,
           char       **out_host,
           guint       *out_port)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  const char *host = parsed != NULL ? g_uri_get_host (parsed) : NULL;

  if (host == NULL)
    host = "127.0.0.1";
  *out_host = strchr (host, ':') != NULL ? g_strdup_printf ("[%s]", host) : g_strdup (host);
  *out_port = parsed != NULL && g_uri_get_port (parsed) > 0
              ? (guint) g_uri_get_port (parsed) : TM_PROXY_DEFAULT_PORT;
}

static char *
firefox_text (const char *host,
              guint       port)
{
  /* TRANSLATORS: Firefox's own menu and option names; check them in a Firefox
   * in your language. %s is an address such as 127.0.0.1, %u a port. */
  return g_strdup_printf (_("Settings → Network Settings → Manual proxy configuration: "
                            "HTTP Proxy %s, Port %u, and tick “Also use this proxy for "
                            "HTTPS”."), host, port);
}

static char *
chromium_text (const char *host,
               guint       port)
{
  /* A command: never translated. */
  return g_strdup_printf ("chromium --proxy-server=http://%s:%u", host, port);
}

static char *
shell_text (const char *host,
            guint       port)
{
  return g_strdup_printf ("export http_proxy=http://%s:%u/ https_proxy=http://%s:%u/",
                          host, port, host, port);
}

static void
update_counters (TmProxyPage *self)
{
  g_autofree char *requests = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *blocked = NULL;

  requests = g_strdup_printf ("%" G_GUINT64_FORMAT, tm_proxy_get_requests (self->proxy));
  kept = g_strdup_printf ("%" G_GUINT64_FORMAT, tm_proxy_get_cookies_kept (self->proxy));
  blocked = g_strdup_printf ("%" G_GUINT64_FORMAT,
                             tm_proxy_get_cookies_blocked (self->proxy));
  gtk_label_set_label (self->requests_label, requests);
  gtk_label_set_label (self->kept_label, kept);
  gtk_label_set_label (self->blocked_label, blocked);
}

static void
show_notice (TmProxyPage *self,
             const char  *icon_name,
             const char  *title,
             const char  *body)
{
  gtk_widget_set_visible (self->notice, title != NULL);
  if (title == NULL)
    return;
  gtk_image_set_from_icon_name (self->notice_icon, icon_name);
  gtk_label_set_label (self->notice_title, title);
  gtk_label_set_label (self->notice_label, body);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->notice),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
}

static void
update_notice (TmProxyPage *self,
               gboolean     running)
{
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;

  if (!running && self->holder_pid != 0)
    {
      body = g_strdup_printf (_("Process %d listens on %s: temoinctl serve, or Témoin in "
                                "another window. It uses the same choices and settings as "
                                "this window, so what you change here applies to it too. "
                                "To run the proxy here instead, stop that one first."),
                              self->holder_pid,
                              self->holder_address != NULL ? self->holder_address
                                                           : _("an unknown address"));
      show_notice (self, "dialog-information-symbolic",
                   _("Another Témoin proxy is running"), body);
    }
  else if (!running && self->start_error != NULL && self->start_port_in_use)
    {
      title = g_strdup_printf (_("Port %u is in use"),
                               (guint) gtk_spin_button_get_value_as_int (self->port_spin));
      body = g_strdup_printf (_("%s\n\nChange the port below, then turn the proxy on "
                                "again."), self->start_error);
      show_notice (self, "dialog-warning-symbolic", title, body);
    }
  else if (!running && self->start_error != NULL)
    show_notice (self, "dialog-warning-symbolic", _("The proxy could not start"),
                 self->start_error);
  else
    show_notice (self, NULL, NULL, NULL);
}

static void
update_desktop_row (TmProxyPage *self,
                    gboolean     running)
{
  gboolean applied;

  if (self->desktop_proxy == NULL)
    {
      gtk_widget_set_sensitive (GTK_WIDGET (self->desktop_row), FALSE);
      gtk_switch_set_active (self->desktop_switch, FALSE);
      set_subtitle (self->desktop_row,
                    _("GNOME’s proxy settings (org.gnome.system.proxy) are not installed "
                      "on this system: point each browser at the proxy instead."));
      return;
    }

  applied = tm_desktop_proxy_get_applied (self->desktop_proxy);
  gtk_switch_set_active (self->desktop_switch, applied);
  gtk_switch_set_state (self->desktop_switch, applied);
  gtk_widget_set_sensitive (GTK_WIDGET (self->desktop_row), running || applied);
  if (applied)
    set_subtitle (self->desktop_row,
                  _("GNOME’s network proxy points at Témoin. The previous settings come "
                    "back when you turn this off or the proxy stops."));
  else if (running)
    set_subtitle (self->desktop_row,
                  _("Sets GNOME’s network proxy to Témoin’s, for every program that "
                    "follows it. The previous settings come back when the proxy stops."));
  else
    set_subtitle (self->desktop_row, _("Turn the proxy on first."));
}

static void
update_instructions (TmProxyPage *self)
{
  g_autofree char *uri = dup_target_uri (self);
  g_autofree char *host = NULL;
  g_autofree char *firefox = NULL;
  g_autofree char *chromium = NULL;
  g_autofree char *shell = NULL;
  guint port;

  split_uri (uri, &host, &port);
  firefox = firefox_text (host, port);
  chromium = chromium_text (host, port);
  shell = shell_text (host, port);
  set_subtitle (self->firefox_row, firefox);
  set_subtitle (self->chromium_row, chromium);
  set_subtitle (self->shell_row, shell);
}

/* The certificate authority's instructions: [0] how to trust it, [1] how to remove it. */
static char *
ca_firefox_text (void)
{
  /* TRANSLATORS: Firefox's own menu and option names; check them in a Firefox
   * in your language. temoin-ca.pem is a file name. */
  return g_strdup (_("Settings → Privacy & Security → Certificates → View Certificates → "
                     "Authorities → Import: choose temoin-ca.pem and tick “Trust this CA to "
                     "identify websites”."));
}

static char *
ca_firefox_remove_text (void)
{
  /* TRANSLATORS: Firefox's own menu names, as above. */
  return g_strdup (_("Settings → Privacy & Security → Certificates → View Certificates → "
                     "Authorities: select “Témoin local CA”, then Delete or Distrust."));
}

/* Commands: never translated. */
static char *
ca_chromium_text (void)
{
  return g_strdup ("certutil -d sql:$HOME/.pki/nssdb -A -t \"C,,\" -n \"Témoin local CA\" "
                   "-i temoin-ca.pem");
}

static char *
ca_chromium_remove_text (void)
{
  return g_strdup ("certutil -d sql:$HOME/.pki/nssdb -D -n \"Témoin local CA\"");
}

static char *
ca_system_text (void)
{
  return g_strdup ("sudo cp temoin-ca.pem /usr/local/share/ca-certificates/temoin-ca.crt "
                   "&& sudo update-ca-certificates");
}

static char *
ca_system_remove_text (void)
{
  return g_strdup ("sudo rm /usr/local/share/ca-certificates/temoin-ca.crt "
                   "&& sudo update-ca-certificates --fresh");
}

/* A command: never translated. */
#define STOP_PROXY_COMMAND "systemctl --user disable --now temoin-proxy.service"

static void
stop_proxy_copy_clicked_cb (TmProxyPage *self)
{
  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), STOP_PROXY_COMMAND);
  show_toast (self, _("Copied"));
}

/* Unfolds the per-browser steps, whose "remove it" rows say how. */
static void
stop_trust_clicked_cb (TmProxyPage *self)
{
  adw_expander_row_set_expanded (self->ca_instructions_row, TRUE);
  gtk_widget_grab_focus (GTK_WIDGET (self->ca_firefox_remove_copy));
}

static void
update_stop_data_row (TmProxyPage *self)
{
  const char *dir = tm_application_get_data_dir (self->application);
  g_autofree char *text = NULL;

  if (dir != NULL)
    /* TRANSLATORS: %s is a folder such as /home/ada/.local/share/temoin. "Erase…" and
     * "Forget All Cookies…" are buttons of the Choices and Cookies pages. */
    text = g_strdup_printf (_("Your choices and their history (Choices page → Erase…) and "
                              "the cookies the proxy kept (Cookies page → Forget All "
                              "Cookies…) are in %s. Deleting that folder removes "
                              "everything, the certificate authority included."), dir);
  else
    text = g_strdup (_("This session keeps nothing on disk."));
  set_subtitle (self->stop_data_row, text);
}

static void
update_ca_instructions (TmProxyPage *self)
{
  struct { AdwActionRow *row; char *(*text) (void); } rows[] = {
    { self->ca_firefox_row, ca_firefox_text },
    { self->ca_firefox_remove_row, ca_firefox_remove_text },
    { self->ca_chromium_row, ca_chromium_text },
    { self->ca_chromium_remove_row, ca_chromium_remove_text },
    { self->ca_system_row, ca_system_text },
    { self->ca_system_remove_row, ca_system_remove_text },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (rows); i++)
    {
      g_autofree char *text = rows[i].text ();

      set_subtitle (rows[i].row, text);
    }
}

/* The switch, the CA's name and fingerprint and what can be done with it. */
static void
update_https (TmProxyPage *self)
{
  gboolean on = tm_consent_store_get_setting_bool (self->store, TM_SETTING_HTTPS_INSPECTION);
  g_autofree char *fingerprint = self->ca != NULL ? tm_ca_get_fingerprint (self->ca) : NULL;
  g_autofree char *subject = self->ca != NULL ? tm_ca_get_subject (self->ca) : NULL;
  g_autoptr(GDateTime) not_after = NULL;
  gboolean syncing = self->syncing;

  self->syncing = TRUE;
  gtk_switch_set_active (self->https_switch, on);
  gtk_switch_set_state (self->https_switch, on);
  self->syncing = syncing;
  gtk_widget_set_sensitive (GTK_WIDGET (self->https_switch_row), self->ca != NULL);
  if (self->ca == NULL)
    set_subtitle (self->https_switch_row,
                  _("Témoin has no data folder to keep a certificate authority in."));
  else if (on)
    set_subtitle (self->https_switch_row,
                  _("On: HTTPS traffic through the proxy is decrypted, and its cookies follow "
                    "your choices, in browsers that trust the certificate below."));
  else
    set_subtitle (self->https_switch_row,
                  _("Off: HTTPS cookies are out of the proxy’s reach."));

  if (fingerprint != NULL)
    {
      gtk_label_set_wrap (self->ca_name_label, TRUE);
      gtk_label_set_label (self->ca_name_label, subject != NULL ? subject : "");
      gtk_label_set_label (self->ca_fingerprint_label, fingerprint);
      if (tm_ca_get_validity (self->ca, NULL, &not_after) && not_after != NULL)
        {
          g_autofree char *date = g_date_time_format (not_after, "%x");
          g_autofree char *until = g_strdup_printf (_("Valid until %s"), date);

          set_subtitle (self->ca_name_row, until);
        }
      else
        set_subtitle (self->ca_name_row, "");
    }
  else
    {
      /* Short: unwrapped, or the row's long subtitle squeezes it to a word a line. */
      gtk_label_set_wrap (self->ca_name_label, FALSE);
      gtk_label_set_label (self->ca_name_label, _("None yet"));
      gtk_label_set_label (self->ca_fingerprint_label, "—");
      set_subtitle (self->ca_name_row,
                    _("Made on this computer when HTTPS inspection is first turned on, or "
                      "with Regenerate."));
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->ca_export), fingerprint != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->ca_delete), fingerprint != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->stop_ca_button), fingerprint != NULL);
  gtk_widget_set_sensitive (GTK_WIDGET (self->ca_regenerate), self->ca != NULL);
}

static void
https_switch_active_cb (TmProxyPage *self)
{
  g_autoptr(GError) error = NULL;
  gboolean on = gtk_switch_get_active (self->https_switch);

  if (self->syncing)
    return;
  if (!tm_consent_store_set_setting (self->store, TM_SETTING_HTTPS_INSPECTION,
                                     on ? "true" : "false", &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not save HTTPS inspection: %s"),
                                                  error->message);

      show_toast (self, message);
    }
  update_https (self);
}

static void
export_response_cb (TmProxyPage          *self,
                    int                   response,
                    GtkFileChooserNative *chooser)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *pem = NULL;
  g_autofree char *message = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (chooser == self->export_chooser)
    g_clear_object (&self->export_chooser);
  if (file == NULL || self->ca == NULL)
    return;

  pem = tm_ca_export_pem (self->ca, &error);
  if (pem != NULL)
    g_file_replace_contents (file, pem, strlen (pem), NULL, FALSE, G_FILE_CREATE_NONE, NULL,
                             NULL, &error);
  if (error != NULL)
    message = g_strdup_printf (_("Could not export the certificate: %s"), error->message);
  else
    {
      g_autofree char *name = g_file_get_parse_name (file);

      message = g_strdup_printf (_("Certificate saved as %s"), name);
    }
  show_toast (self, message);
}

static void
ca_export_clicked_cb (TmProxyPage *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (self->export_chooser != NULL)
    return;
  self->export_chooser = gtk_file_chooser_native_new (_("Export Certificate"),
                                                      GTK_IS_WINDOW (root) ? GTK_WINDOW (root)
                                                                           : NULL,
                                                      GTK_FILE_CHOOSER_ACTION_SAVE,
                                                      _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->export_chooser), TRUE);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (self->export_chooser), "temoin-ca.pem");
  g_signal_connect_object (self->export_chooser, "response", G_CALLBACK (export_response_cb),
                           self, G_CONNECT_SWAPPED);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->export_chooser));
}

static void
ca_dialog_response_cb (TmProxyPage      *self,
                       const char       *response,
                       AdwMessageDialog *dialog)
{
  g_autoptr(GError) error = NULL;

  if (self->ca == NULL)
    return;
  if (g_str_equal (response, "regenerate"))
    {
      if (tm_ca_regenerate (self->ca, &error))
        show_toast (self, _("New certificate authority made: export it and trust it in your "
                            "browsers"));
    }
  else if (g_str_equal (response, "delete"))
    {
      /* Off as well, as `temoinctl ca delete` does: left on, the proxy would make
       * a new authority at once, which no browser trusts. */
      if (tm_ca_delete (self->ca, &error)
          && tm_consent_store_set_setting (self->store, TM_SETTING_HTTPS_INSPECTION, "false",
                                           &error))
        show_toast (self, _("Certificate authority deleted and HTTPS inspection turned off: "
                            "remove the certificate from your browsers too"));
    }
  if (error != NULL)
    {
      g_autofree char *message = g_strdup_printf (_("Could not change the certificate "
                                                    "authority: %s"), error->message);

      show_toast (self, message);
    }
  update_https (self);
}

static void
ask_about_ca (TmProxyPage *self,
              const char  *heading,
              const char  *body,
              const char  *response_id,
              const char  *response_label)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkWidget *dialog = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                              heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    response_id, response_label,
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), response_id,
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_signal_connect_object (dialog, "response", G_CALLBACK (ca_dialog_response_cb), self,
                           G_CONNECT_SWAPPED);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
ca_regenerate_clicked_cb (TmProxyPage *self)
{
  ask_about_ca (self, _("Regenerate the Certificate Authority?"),
                _("A new certificate authority replaces the current one. Browsers that trust "
                  "the current one must be made to trust the new one: export it and import it "
                  "again, then remove the old one from them."),
                "regenerate", _("_Regenerate"));
}

static void
ca_delete_clicked_cb (TmProxyPage *self)
{
  ask_about_ca (self, _("Delete the Certificate Authority?"),
                _("Its key and certificate are deleted from this computer and HTTPS "
                  "inspection is turned off. Browsers keep trusting "
                  "the deleted certificate until you remove it from them: doing so is part of "
                  "stopping using Témoin."),
                "delete", _("_Delete"));
}

static void
ca_copy_clicked_cb (TmProxyPage *self,
                    GtkButton   *button)
{
  g_autofree char *text = NULL;

  if (button == self->ca_firefox_copy)
    text = ca_firefox_text ();
  else if (button == self->ca_firefox_remove_copy)
    text = ca_firefox_remove_text ();
  else if (button == self->ca_chromium_copy)
    text = ca_chromium_text ();
  else if (button == self->ca_chromium_remove_copy)
    text = ca_chromium_remove_text ();
  else if (button == self->ca_system_copy)
    text = ca_system_text ();
  else
    text = ca_system_remove_text ();

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  show_toast (self, _("Copied"));
}

static void
update_state (TmProxyPage *self)
{
  gboolean running = tm_proxy_is_running (self->proxy);
  gboolean held = !running && self->holder_pid != 0;

  self->syncing = TRUE;

  gtk_switch_set_active (self->proxy_switch, running);
  gtk_switch_set_state (self->proxy_switch, running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->switch_row), !held);
  if (running)
    set_subtitle (self->switch_row,
                  _("On: programs that use it get your choices applied."));
  else if (held)
    set_subtitle (self->switch_row,
                  _("Another Témoin proxy uses this data folder: only one can run."));
  else
    set_subtitle (self->switch_row, _("Off."));

  if (running)
    gtk_label_set_label (self->address_label, tm_proxy_get_uris (self->proxy)[0]);
  else if (held && self->holder_address != NULL)
    gtk_label_set_label (self->address_label, self->holder_address);
  else
    gtk_label_set_label (self->address_label, _("Not listening"));
  gtk_widget_set_sensitive (GTK_WIDGET (self->address_copy),
                            running || (held && self->holder_address != NULL));

  gtk_widget_set_sensitive (GTK_WIDGET (self->port_spin), !running);
  if (running)
    set_subtitle (self->port_row, _("Turn the proxy off to change its port."));
  else
    set_subtitle (self->port_row, _("Used the next time the proxy starts, here or with "
                                     "temoinctl serve."));

  update_notice (self, running);
  /* The other proxy's counters are in its own process: do not pass ours off as them. */
  adw_preferences_group_set_description (self->counters_group,
                                         held ? _("This window’s proxy only, since Témoin "
                                                  "was opened: the other proxy keeps its "
                                                  "own counts.")
                                              : _("Since Témoin was opened."));
  update_counters (self);
  update_desktop_row (self, running);
  update_instructions (self);
  update_https (self);

  self->syncing = FALSE;
}

/* Reads who holds the data directory's lock; %TRUE when that changed. */
static gboolean
refresh_holder (TmProxyPage *self)
{
  const char *data_dir = tm_application_get_data_dir (self->application);
  int pid = 0;
  g_autofree char *address = NULL;

  if (tm_proxy_is_running (self->proxy) || data_dir == NULL
      || !tm_proxy_lock_holder (data_dir, &pid, &address))
    {
      pid = 0;
      g_clear_pointer (&address, g_free);
    }
  else if (pid == 0)
    pid = -1;   /* held, by a process that did not say which */
  if (pid == self->holder_pid && g_strcmp0 (address, self->holder_address) == 0)
    return FALSE;
  self->holder_pid = pid;
  g_free (self->holder_address);
  self->holder_address = g_steal_pointer (&address);
  return TRUE;
}

/* Another proxy may start or stop at any time: look once a second. */
static gboolean
poll_holder_cb (gpointer user_data)
{
  TmProxyPage *self = TM_PROXY_PAGE (user_data);

  if (refresh_holder (self))
    update_state (self);
  else
    update_https (self);   /* temoinctl or another window may change the CA */
  return G_SOURCE_CONTINUE;
}

static void
proxy_running_cb (TmProxyPage *self)
{
  refresh_holder (self);
  update_state (self);
}

static void
proxy_switch_active_cb (TmProxyPage *self)
{
  g_autoptr(GError) error = NULL;

  if (self->syncing)
    return;

  if (gtk_switch_get_active (self->proxy_switch))
    {
      g_clear_pointer (&self->start_error, g_free);
      self->start_port_in_use = FALSE;
      if (!tm_application_start_proxy (self->application, &error))
        {
          self->start_error = g_strdup (error->message);
          self->start_port_in_use = g_error_matches (error, TM_PROXY_ERROR,
                                                     TM_PROXY_ERROR_PORT_IN_USE);
        }
    }
  else
    tm_application_stop_proxy (self->application);

  refresh_holder (self);
  update_state (self);
}

static void
desktop_switch_active_cb (TmProxyPage *self)
{
  g_autoptr(GError) error = NULL;

  if (self->syncing || self->desktop_proxy == NULL)
    return;

  if (gtk_switch_get_active (self->desktop_switch))
    {
      g_autofree char *host = NULL;
      guint port;

      if (tm_proxy_is_running (self->proxy))
        {
          split_uri (tm_proxy_get_uris (self->proxy)[0], &host, &port);
          /* GNOME wants the bare address, without the brackets of a URL. */
          if (host[0] == '[')
            {
              char *bare = g_strndup (host + 1, strlen (host) - 2);

              g_free (host);
              host = bare;
            }
          tm_desktop_proxy_apply (self->desktop_proxy, host, tm_proxy_get_port (self->proxy),
                                  &error);
        }
    }
  else
    tm_desktop_proxy_restore (self->desktop_proxy, NULL, &error);

  if (error != NULL)
    show_toast (self, error->message);
  update_state (self);
}

static void
port_value_changed_cb (TmProxyPage *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *value = NULL;

  if (self->syncing)
    return;
  value = g_strdup_printf ("%d", gtk_spin_button_get_value_as_int (self->port_spin));
  if (!tm_consent_store_set_setting (self->store, TM_SETTING_PROXY_PORT, value, &error))
    {
      g_autofree char *message = g_strdup_printf (_("Could not save the port: %s"),
                                                  error->message);

      show_toast (self, message);
      return;
    }
  g_clear_pointer (&self->start_error, g_free);
  self->start_port_in_use = FALSE;
  update_state (self);
}

static void
sync_port (TmProxyPage *self)
{
  gint64 port = tm_consent_store_get_setting_int (self->store, TM_SETTING_PROXY_PORT);

  if (gtk_spin_button_get_value_as_int (self->port_spin) == port)
    return;
  self->syncing = TRUE;
  gtk_spin_button_set_value (self->port_spin, (double) port);
  self->syncing = FALSE;
}

static void
settings_changed_cb (TmProxyPage *self,
                     const char  *key)
{
  if (key != NULL && g_str_equal (key, TM_SETTING_HTTPS_INSPECTION))
    {
      update_https (self);
      return;
    }
  if (key != NULL && !g_str_equal (key, TM_SETTING_PROXY_PORT))
    return;
  sync_port (self);
  update_state (self);
}

static void
copy_clicked_cb (TmProxyPage *self,
                 GtkButton   *button)
{
  g_autofree char *uri = dup_target_uri (self);
  g_autofree char *host = NULL;
  g_autofree char *text = NULL;
  guint port;

  split_uri (uri, &host, &port);
  if (button == self->address_copy)
    text = g_strdup (gtk_label_get_label (self->address_label));
  else if (button == self->firefox_copy)
    text = firefox_text (host, port);
  else if (button == self->chromium_copy)
    text = chromium_text (host, port);
  else
    text = shell_text (host, port);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (GTK_WIDGET (self)), text);
  show_toast (self, _("Copied"));
}

static void
tm_proxy_page_dispose (GObject *object)
{
  TmProxyPage *self = TM_PROXY_PAGE (object);

  g_clear_handle_id (&self->poll_id, g_source_remove);
  if (self->export_chooser != NULL)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->export_chooser));
  g_clear_object (&self->export_chooser);
  g_clear_object (&self->ca);
  gtk_widget_dispose_template (GTK_WIDGET (object), TM_TYPE_PROXY_PAGE);
  g_clear_object (&self->proxy);
  g_clear_object (&self->desktop_proxy);
  g_clear_object (&self->store);
  g_clear_object (&self->application);

  G_OBJECT_CLASS (tm_proxy_page_parent_class)->dispose (object);
}

static void
tm_proxy_page_finalize (GObject *object)
{
  TmProxyPage *self = TM_PROXY_PAGE (object);

  g_free (self->start_error);
  g_free (self->holder_address);

  G_OBJECT_CLASS (tm_proxy_page_parent_class)->finalize (object);
}

static void
tm_proxy_page_class_init (TmProxyPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = tm_proxy_page_dispose;
  object_class->finalize = tm_proxy_page_finalize;

  g_type_ensure (TM_TYPE_BYPASS_GROUP);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/temoin/Temoin/ui/tm-proxy-page.ui");
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, scrolled_window);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, notice);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, notice_icon);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, notice_title);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, notice_label);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, switch_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, proxy_switch);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, address_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, address_label);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, address_copy);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, port_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, port_spin);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, counters_group);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, requests_label);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, kept_label);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, blocked_label);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, desktop_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, desktop_switch);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, firefox_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, firefox_copy);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, chromium_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, chromium_copy);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, shell_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, shell_copy);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, https_switch_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, https_switch);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, bypass_group);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_instructions_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, stop_trust_button);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, stop_ca_button);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, stop_data_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_name_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_name_label);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_fingerprint_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_fingerprint_label);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_export);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_regenerate);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_delete);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_firefox_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_firefox_copy);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_firefox_remove_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_firefox_remove_copy);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_chromium_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_chromium_copy);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_chromium_remove_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_chromium_remove_copy);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_system_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_system_copy);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_system_remove_row);
  gtk_widget_class_bind_template_child (widget_class, TmProxyPage, ca_system_remove_copy);
  gtk_widget_class_bind_template_callback (widget_class, copy_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, ca_copy_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, ca_export_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, ca_regenerate_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, ca_delete_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_proxy_copy_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, stop_trust_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
}

static void
tm_proxy_page_init (TmProxyPage *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  /* Each has a better accessible name than its label in the .ui file. */
  tm_button_fix_accessible_name (self->ca_export, TRUE);
  tm_button_fix_accessible_name (self->ca_regenerate, TRUE);
  tm_button_fix_accessible_name (self->ca_delete, TRUE);
  tm_button_fix_accessible_name (self->stop_trust_button, TRUE);
  tm_button_fix_accessible_name (self->stop_ca_button, TRUE);
  tm_name_preferences_lists (GTK_WIDGET (self));
}

/**
 * tm_proxy_page_set_application:
 * @self: the page
 * @application: the application, whose store is open
 *
 * Shows @application's in-app proxy and lets the page start and stop it.
 */
void
tm_proxy_page_set_application (TmProxyPage   *self,
                               TmApplication *application)
{
  g_return_if_fail (TM_IS_PROXY_PAGE (self));
  g_return_if_fail (TM_IS_APPLICATION (application));
  g_return_if_fail (self->application == NULL);
  g_return_if_fail (tm_application_get_proxy (application) != NULL);

  self->application = g_object_ref (application);
  self->proxy = g_object_ref (tm_application_get_proxy (application));
  self->store = g_object_ref (tm_application_get_store (application));
  if (tm_application_get_data_dir (application) != NULL)
    self->ca = tm_ca_new (tm_application_get_data_dir (application));
  if (tm_application_get_desktop_proxy (application) != NULL)
    self->desktop_proxy = g_object_ref (tm_application_get_desktop_proxy (application));

  g_signal_connect_object (self->proxy, "notify::running", G_CALLBACK (proxy_running_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->proxy, "notify::requests", G_CALLBACK (update_counters),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->proxy, "notify::cookies-kept", G_CALLBACK (update_counters),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->proxy, "notify::cookies-blocked",
                           G_CALLBACK (update_counters), self, G_CONNECT_SWAPPED);
  if (self->desktop_proxy != NULL)
    g_signal_connect_object (self->desktop_proxy, "notify::applied",
                             G_CALLBACK (update_state), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->store, "settings-changed", G_CALLBACK (settings_changed_cb),
                           self, G_CONNECT_SWAPPED);

  g_signal_connect_object (self->proxy_switch, "notify::active",
                           G_CALLBACK (proxy_switch_active_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->desktop_switch, "notify::active",
                           G_CALLBACK (desktop_switch_active_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->port_spin, "value-changed",
                           G_CALLBACK (port_value_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->https_switch, "notify::active",
                           G_CALLBACK (https_switch_active_cb), self, G_CONNECT_SWAPPED);
  update_ca_instructions (self);
  tm_bypass_group_set_store (self->bypass_group, self->store);
  update_stop_data_row (self);

  sync_port (self);
  refresh_holder (self);
  update_state (self);
  self->poll_id = g_timeout_add_seconds (1, poll_holder_cb, self);
}

GtkSwitch *
tm_proxy_page_get_switch (TmProxyPage *self)
{
  g_return_val_if_fail (TM_IS_PROXY_PAGE (self), NULL);

  return self->proxy_switch;
}

GtkSwitch *
tm_proxy_page_get_desktop_switch (TmProxyPage *self)
{
  g_return_val_if_fail (TM_IS_PROXY_PAGE (self), NULL);

  return self->desktop_switch;
}

/**
 * tm_proxy_page_get_https_switch:
 * @self: the page
 *
 * Returns: (transfer none): the switch bound to the https-inspection setting
 */
GtkSwitch *
tm_proxy_page_get_https_switch (TmProxyPage *self)
{
  g_return_val_if_fail (TM_IS_PROXY_PAGE (self), NULL);

  return self->https_switch;
}
