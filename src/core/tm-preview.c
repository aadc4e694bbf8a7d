/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <libsoup/soup.h>

#include "tm-charter.h"
#include "tm-cookie.h"
#include "tm-preview.h"
#include "tm-resolve-map.h"

G_DEFINE_QUARK (tm-preview-error-quark, tm_preview_error)

/* TmPreviewItem */

struct _TmPreviewItem
{
  GObject        parent_instance;

  char          *name;
  char          *site;
  char          *top_site;
  char          *url;
  guint          hop;
  gboolean       valid;
  TmDecision     decision;
  /* The decision's rule and label point into the classifier's tables (or are
   * static or interned): keep it alive with the item. */
  TmClassifier  *classifier;
};

G_DEFINE_FINAL_TYPE (TmPreviewItem, tm_preview_item, G_TYPE_OBJECT)

static void
tm_preview_item_finalize (GObject *object)
{
  TmPreviewItem *self = TM_PREVIEW_ITEM (object);

  g_free (self->name);
  g_free (self->site);
  g_free (self->top_site);
  g_free (self->url);
  g_clear_object (&self->classifier);

  G_OBJECT_CLASS (tm_preview_item_parent_class)->finalize (object);
}

static void
tm_preview_item_class_init (TmPreviewItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = tm_preview_item_finalize;
}

static void
tm_preview_item_init (TmPreviewItem *self)
{
}

/* Decides @name set by @host while visiting @top_site (%NULL when @host is the
 * top level), with THE policy. */
static TmPreviewItem *
preview_item_new (TmClassifier *classifier,
                  TmCategories  accepted,
                  const char   *name,
                  const char   *host,
                  const char   *top_site,
                  const char   *url,
                  guint         hop,
                  gboolean      valid)
{
  TmPreviewItem *self = g_object_new (TM_TYPE_PREVIEW_ITEM, NULL);
  TmCookieContext context;

  self->name = g_strdup (name);
  self->site = g_strdup (host);
  self->top_site = g_strdup (top_site);
  self->url = g_strdup (url);
  self->hop = hop;
  self->valid = valid;
  self->classifier = g_object_ref (classifier);

  context.host = self->site;
  context.top_site = self->top_site;
  tm_policy_decide (classifier, accepted, self->name, &context, &self->decision);
  /* Borrowed from the context: point them at the item's own copies. */
  self->decision.classification.host = self->site;
  self->decision.classification.top_site = self->top_site;
  return self;
}

/**
 * tm_preview_item_get_name:
 * @self: a #TmPreviewItem
 *
 * Returns: the cookie's name ("" for a nameless cookie)
 */
const char *
tm_preview_item_get_name (TmPreviewItem *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_ITEM (self), NULL);
  return self->name;
}

/**
 * tm_preview_item_get_site:
 * @self: a #TmPreviewItem
 *
 * Returns: the host that sets the cookie
 */
const char *
tm_preview_item_get_site (TmPreviewItem *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_ITEM (self), NULL);
  return self->site;
}

/**
 * tm_preview_item_get_url:
 * @self: a #TmPreviewItem
 *
 * Returns: (nullable): the URL whose response set the cookie, %NULL in a scenario
 */
const char *
tm_preview_item_get_url (TmPreviewItem *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_ITEM (self), NULL);
  return self->url;
}

/**
 * tm_preview_item_get_hop:
 * @self: a #TmPreviewItem
 *
 * Returns: 0 for the typed URL, one more per redirect
 */
guint
tm_preview_item_get_hop (TmPreviewItem *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_ITEM (self), 0);
  return self->hop;
}

/**
 * tm_preview_item_get_categories:
 * @self: a #TmPreviewItem
 *
 * Returns: every category the cookie carries
 */
TmCategories
tm_preview_item_get_categories (TmPreviewItem *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_ITEM (self), 0);
  return self->decision.classification.categories;
}

/**
 * tm_preview_item_get_keep:
 * @self: a #TmPreviewItem
 *
 * Returns: whether the choice previewed keeps the cookie
 */
gboolean
tm_preview_item_get_keep (TmPreviewItem *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_ITEM (self), FALSE);
  return self->decision.keep;
}

/**
 * tm_preview_item_get_source:
 * @self: a #TmPreviewItem
 *
 * Returns: the rule that classified the cookie
 */
TmSource
tm_preview_item_get_source (TmPreviewItem *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_ITEM (self), TM_SOURCE_CONTEXT);
  return self->decision.classification.source;
}

/**
 * tm_preview_item_get_decision:
 * @self: a #TmPreviewItem
 *
 * Returns: (transfer none): the whole decision, valid as long as @self
 */
const TmDecision *
tm_preview_item_get_decision (TmPreviewItem *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_ITEM (self), NULL);
  return &self->decision;
}

/**
 * tm_preview_item_dup_reason:
 * @self: a #TmPreviewItem
 * @translated: %FALSE for the stable English of JSON, %TRUE for people
 *
 * Returns: (transfer full): the reason, from tm_decision_describe()
 */
char *
tm_preview_item_dup_reason (TmPreviewItem *self,
                            gboolean       translated)
{
  g_return_val_if_fail (TM_IS_PREVIEW_ITEM (self), NULL);
  return tm_decision_describe (&self->decision, self->name, translated);
}

/**
 * tm_preview_item_get_valid:
 * @self: a #TmPreviewItem
 *
 * Returns: %FALSE when a browser would ignore this Set-Cookie
 */
gboolean
tm_preview_item_get_valid (TmPreviewItem *self)
{
  g_return_val_if_fail (TM_IS_PREVIEW_ITEM (self), FALSE);
  return self->valid;
}

/* The scenario */

/* Cookies of other sites embedded in the charter's site. */
static const struct {
  const char *name;
  const char *host;
} scenario_embedded[] = {
  /* An advertising cookie of an ad server embedded in the page. */
  { "IDE", "ad.doubleclick.net" },
  /* A statistics cookie set by another site's audience measurement. */
  { "_pk_id.4.7a1b", "stats.matomo.cloud" },
};

/* Statistics cookies the site sets itself. */
static const char *scenario_statistics[] = { "_ga", "_gid", "_pk_id.1.8f2c" };

/**
 * tm_preview_run_scenario:
 * @classifier: the classifier (with the user's rules, if any)
 * @accepted: the categories to decide under
 *
 * The charter's site as a scenario (see tm-preview.h).
 *
 * Returns: (transfer full): a #GListModel of #TmPreviewItem
 */
GListModel *
tm_preview_run_scenario (TmClassifier *classifier,
                         TmCategories  accepted)
{
  g_autoptr(GListStore) items = NULL;
  const TmCharterCookie *cookies;
  const char *host;
  gsize n;

  g_return_val_if_fail (TM_IS_CLASSIFIER (classifier), NULL);

  items = g_list_store_new (TM_TYPE_PREVIEW_ITEM);
  host = tm_charter_get_host ();

  cookies = tm_charter_get_cookies (&n);
  for (gsize i = 0; i < n; i++)
    {
      g_autoptr(TmPreviewItem) item = preview_item_new (classifier, accepted,
                                                        cookies[i].cookie, host, host,
                                                        NULL, 0, TRUE);
      g_list_store_append (items, item);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (scenario_statistics); i++)
    {
      g_autoptr(TmPreviewItem) item = preview_item_new (classifier, accepted,
                                                        scenario_statistics[i], host, host,
                                                        NULL, 0, TRUE);
      g_list_store_append (items, item);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (scenario_embedded); i++)
    {
      g_autoptr(TmPreviewItem) item = preview_item_new (classifier, accepted,
                                                        scenario_embedded[i].name,
                                                        scenario_embedded[i].host, host,
                                                        NULL, 0, TRUE);
      g_list_store_append (items, item);
    }

  return G_LIST_MODEL (g_steal_pointer (&items));
}

/* TmPreview */

struct _TmPreview
{
  GObject        parent_instance;

  TmClassifier  *classifier;
  TmResolveMap  *resolve;
  guint          timeout_seconds;
  SoupSession   *session;
  GHashTable    *resolve_sessions;   /* "host:port" -> SoupSession */
};

enum {
  PROGRESS,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (TmPreview, tm_preview, G_TYPE_OBJECT)

static void
tm_preview_dispose (GObject *object)
{
  TmPreview *self = TM_PREVIEW (object);

  if (self->session != NULL)
    soup_session_abort (self->session);
  g_clear_object (&self->session);
  g_clear_pointer (&self->resolve_sessions, g_hash_table_unref);
  g_clear_object (&self->classifier);

  G_OBJECT_CLASS (tm_preview_parent_class)->dispose (object);
}

static void
tm_preview_finalize (GObject *object)
{
  TmPreview *self = TM_PREVIEW (object);

  g_clear_pointer (&self->resolve, tm_resolve_map_unref);

  G_OBJECT_CLASS (tm_preview_parent_class)->finalize (object);
}

static void
tm_preview_class_init (TmPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = tm_preview_dispose;
  object_class->finalize = tm_preview_finalize;

  /**
   * TmPreview::progress:
   * @hop: 0 for the typed URL, then one more per redirect
   * @url: the URL about to be requested
   *
   * Emitted before each request of a fetch, on the thread-default main context
   * of tm_preview_fetch_async()'s caller.
   */
  signals[PROGRESS] =
    g_signal_new ("progress",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
}

static void
tm_preview_init (TmPreview *self)
{
  self->resolve = tm_resolve_map_new ();
  self->timeout_seconds = TM_PREVIEW_TIMEOUT_SECONDS;
  self->resolve_sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                  g_object_unref);
}

/**
 * tm_preview_new:
 * @classifier: the classifier to decide with
 *
 * Returns: (transfer full): a URL previewer with its own HTTP session (no cookie
 *   jar: only the cookies of the chain being fetched are ever sent)
 */
TmPreview *
tm_preview_new (TmClassifier *classifier)
{
  TmPreview *self;

  g_return_val_if_fail (TM_IS_CLASSIFIER (classifier), NULL);

  self = g_object_new (TM_TYPE_PREVIEW, NULL);
  self->classifier = g_object_ref (classifier);
  return self;
}

/**
 * tm_preview_add_resolve:
 * @self: a #TmPreview
 * @spec: "HOST:PORT:ADDR", as curl's --resolve
 * @error: return location for a #GError
 *
 * Returns: %TRUE when @spec was understood
 */
gboolean
tm_preview_add_resolve (TmPreview   *self,
                        const char  *spec,
                        GError     **error)
{
  g_return_val_if_fail (TM_IS_PREVIEW (self), FALSE);
  g_return_val_if_fail (spec != NULL, FALSE);

  return tm_resolve_map_add (self->resolve, spec, error);
}

/**
 * tm_preview_set_timeout:
 * @self: a #TmPreview
 * @seconds: the deadline of a whole fetch, redirects included
 */
void
tm_preview_set_timeout (TmPreview *self,
                        guint      seconds)
{
  g_return_if_fail (TM_IS_PREVIEW (self));
  g_return_if_fail (seconds > 0);

  self->timeout_seconds = seconds;
}

static SoupSession *
new_session (TmPreview          *self,
             GSocketConnectable *remote)
{
  g_autofree char *user_agent = g_strdup_printf ("Temoin/%s (cookie preview)",
                                                 PACKAGE_VERSION);

  /* No cookie jar, no proxy resolver of the desktop's: Témoin is the browser
   * here and talks to the site directly. */
  return g_object_new (SOUP_TYPE_SESSION,
                       "timeout", self->timeout_seconds,
                       "idle-timeout", 5,
                       "user-agent", user_agent,
                       "remote-connectable", remote,
                       "proxy-resolver", NULL,
                       NULL);
}

static SoupSession *
session_for (TmPreview  *self,
             const char *host,
             guint       port)
{
  const char *addr = tm_resolve_map_lookup (self->resolve, host, port);
  g_autofree char *key = NULL;
  SoupSession *session;

  if (addr == NULL)
    {
      if (self->session == NULL)
        self->session = new_session (self, NULL);
      return self->session;
    }

  key = g_strdup_printf ("%s:%u", host, port);
  session = g_hash_table_lookup (self->resolve_sessions, key);
  if (session == NULL)
    {
      g_autoptr(GSocketConnectable) remote = g_network_address_new (addr, port);

      session = new_session (self, remote);
      g_hash_table_insert (self->resolve_sessions, g_steal_pointer (&key), session);
    }
  return session;
}

/* A fetch */

typedef struct {
  char          *typed_url;
  GUri          *uri;          /* the hop being fetched */
  guint          hop;
  guint          status;
  TmCategories   accepted;
  GPtrArray     *jar;          /* TmCookie: set and kept earlier in this chain */
  GListStore    *items;
  GCancellable  *cancellable;  /* ours: the caller's cancel and the deadline */
  GCancellable  *caller_cancellable;
  gulong         cancelled_id;
  GSource       *deadline;
  gboolean       timed_out;
  SoupMessage   *msg;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  if (data->caller_cancellable != NULL)
    g_cancellable_disconnect (data->caller_cancellable, data->cancelled_id);
  g_clear_object (&data->caller_cancellable);
  if (data->deadline != NULL)
    {
      g_source_destroy (data->deadline);
      g_source_unref (data->deadline);
    }
  g_free (data->typed_url);
  g_clear_pointer (&data->uri, g_uri_unref);
  g_clear_pointer (&data->jar, g_ptr_array_unref);
  g_clear_object (&data->items);
  g_clear_object (&data->cancellable);
  g_clear_object (&data->msg);
  g_free (data);
}

static void send_hop (GTask *task);

static void
caller_cancelled_cb (GCancellable *cancellable,
                     GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

static gboolean
deadline_cb (gpointer user_data)
{
  FetchData *data = user_data;

  data->timed_out = TRUE;
  g_cancellable_cancel (data->cancellable);
  return G_SOURCE_REMOVE;
}

/* Turns a failure of libsoup or GIO into a message that says what failed and
 * what to do. */
static void
return_fetch_error (GTask  *task,
                    GError *error)
{
  FetchData *data = g_task_get_task_data (task);
  TmPreview *self = g_task_get_source_object (task);
  g_autofree char *url = g_uri_to_string (data->uri);
  const char *host = g_uri_get_host (data->uri);

  if (data->caller_cancellable != NULL && g_cancellable_is_cancelled (data->caller_cancellable))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "%s",
                             _("The preview was cancelled."));
  else if (data->timed_out || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_task_return_new_error (task, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_TIMED_OUT,
                             /* Translators: a URL, then a number of seconds */
                             _("%s did not answer within %u seconds. Try again later, "
                               "or check the address."), url, self->timeout_seconds);
  else if (error->domain == G_RESOLVER_ERROR)
    g_task_return_new_error (task, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_NETWORK,
                             /* Translators: a host name, then why it failed */
                             _("Could not find the server %s (%s). Check the address "
                               "and your connection."), host, error->message);
  else if (error->domain == G_TLS_ERROR)
    g_task_return_new_error (task, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_TLS,
                             /* Translators: a host name, then why it failed */
                             _("The secure connection to %s failed (%s). The site's "
                               "certificate may be invalid or expired."),
                             host, error->message);
  else
    g_task_return_new_error (task, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_NETWORK,
                             /* Translators: a URL, then why it failed */
                             _("Could not fetch %s (%s). Check the address and that "
                               "the site is up."), url, error->message);
  g_object_unref (task);
}

static gboolean
is_redirect (guint status)
{
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

/* Stores @cookie in the chain's jar, replacing the same (name, domain, path), or
 * removes that cookie when @cookie has expired (a deletion). Takes @cookie. */
static void
jar_store (GPtrArray *jar,
           TmCookie  *cookie,
           gint64     now)
{
  for (guint i = 0; i < jar->len; i++)
    {
      TmCookie *old = g_ptr_array_index (jar, i);

      if (g_str_equal (old->name, cookie->name) && g_str_equal (old->domain, cookie->domain)
          && g_str_equal (old->path, cookie->path))
        {
          cookie->created = old->created;
          g_ptr_array_remove_index (jar, i);
          break;
        }
    }
  if (tm_cookie_is_expired (cookie, now))
    tm_cookie_free (cookie);
  else
    g_ptr_array_add (jar, cookie);
}

/* RFC 6265bis 5.7.3: longer paths first, then earlier creation. */
static int
compare_cookies_for_header (gconstpointer a,
                            gconstpointer b)
{
  const TmCookie *ca = *(const TmCookie * const *) a;
  const TmCookie *cb = *(const TmCookie * const *) b;
  gsize la = strlen (ca->path), lb = strlen (cb->path);

  if (la != lb)
    return la > lb ? -1 : 1;
  return ca->created < cb->created ? -1 : (ca->created > cb->created ? 1 : 0);
}

/* The Cookie header a browser would send to @uri from the chain's jar. */
static char *
cookie_header_for (GPtrArray *jar,
                   GUri      *uri,
                   gint64     now)
{
  g_autoptr(GPtrArray) matching = g_ptr_array_new ();
  GString *header = g_string_new (NULL);
  const char *path = g_uri_get_path (uri);
  gboolean secure = g_ascii_strcasecmp (g_uri_get_scheme (uri), "https") == 0;

  if (path == NULL || path[0] == '\0')
    path = "/";
  for (guint i = 0; i < jar->len; i++)
    {
      TmCookie *c = g_ptr_array_index (jar, i);

      if (!tm_cookie_is_expired (c, now)
          && tm_cookie_matches (c, g_uri_get_host (uri), path, secure))
        g_ptr_array_add (matching, c);
    }
  g_ptr_array_sort (matching, compare_cookies_for_header);
  for (guint i = 0; i < matching->len; i++)
    {
      TmCookie *c = g_ptr_array_index (matching, i);

      if (header->len > 0)
        g_string_append (header, "; ");
      if (c->name[0] != '\0')
        g_string_append_printf (header, "%s=", c->name);
      g_string_append (header, c->value != NULL ? c->value : "");
    }
  if (header->len == 0)
    return (g_string_free (header, TRUE), NULL);
  return g_string_free (header, FALSE);
}

static void
handle_set_cookies (TmPreview *self,
                    FetchData *data)
{
  SoupMessageHeaders *headers = soup_message_get_response_headers (data->msg);
  SoupMessageHeadersIter iter;
  const char *name, *value;
  g_autofree char *url = g_uri_to_string (data->uri);
  const char *host = g_uri_get_host (data->uri);
  const char *path = g_uri_get_path (data->uri);
  gboolean secure = g_ascii_strcasecmp (g_uri_get_scheme (data->uri), "https") == 0;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  SoupMessageHeaders *sent = soup_message_get_request_headers (data->msg);
  g_autofree char *top_site = NULL;

  if (path == NULL || path[0] == '\0')
    path = "/";

  /* The top-level site of this hop, derived as the proxy derives it from the
   * same request headers: each hop of a navigation is sent as a document, so
   * it is its own top level, and a cookie a redirect hop sets is first-party to
   * that hop's site, as in a browser. NULL when the hop is its own top level,
   * as in the proxy's context. */
  top_site =
    tm_context_top_site_from_request (host,
                                      soup_message_headers_get_one (sent, "Sec-Fetch-Site"),
                                      soup_message_headers_get_one (sent, "Sec-Fetch-Dest"),
                                      soup_message_headers_get_one (sent, "Origin"),
                                      soup_message_headers_get_one (sent, "Referer"));
  if (top_site != NULL && g_strcmp0 (top_site, host) == 0)
    g_clear_pointer (&top_site, g_free);

  /* One header at a time: joined with commas, Expires dates would be split. */
  soup_message_headers_iter_init (&iter, headers);
  while (soup_message_headers_iter_next (&iter, &name, &value))
    {
      g_autofree char *cookie_name = NULL;
      g_autoptr(TmPreviewItem) item = NULL;
      TmCookie *cookie;

      if (g_ascii_strcasecmp (name, "Set-Cookie") != 0)
        continue;

      cookie = tm_cookie_parse (value, host, path, secure, now, NULL);
      cookie_name = cookie != NULL ? g_strdup (cookie->name) : tm_cookie_parse_name (value);
      item = preview_item_new (self->classifier, data->accepted, cookie_name, host,
                               top_site, url, data->hop, cookie != NULL);
      g_list_store_append (data->items, item);

      /* What a browser behind Témoin would hold and send on: the kept cookies. */
      if (cookie != NULL && tm_preview_item_get_keep (item))
        jar_store (data->jar, cookie, now);
      else if (cookie != NULL)
        tm_cookie_free (cookie);
    }
}

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  GTask *task = user_data;
  FetchData *data = g_task_get_task_data (task);
  SoupMessageHeaders *headers = soup_message_get_response_headers (data->msg);
  const char *location = soup_message_headers_get_one (headers, "Location");
  g_autoptr(GError) error = NULL;
  GUri *next;

  /* The body is not needed: closing early may fail, which changes nothing. */
  g_input_stream_close_finish (G_INPUT_STREAM (source), result, NULL);

  if (!is_redirect (data->status) || location == NULL)
    {
      g_task_return_pointer (task, g_object_ref (data->items), g_object_unref);
      g_object_unref (task);
      return;
    }

  if (g_cancellable_is_cancelled (data->cancellable))
    {
      g_autoptr(GError) cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                         "cancelled");
      return_fetch_error (task, cancelled);
      return;
    }

  next = g_uri_parse_relative (data->uri, location, SOUP_HTTP_URI_FLAGS, &error);
  if (next == NULL || g_uri_get_host (next) == NULL || *g_uri_get_host (next) == '\0'
      || (g_ascii_strcasecmp (g_uri_get_scheme (next), "http") != 0
          && g_ascii_strcasecmp (g_uri_get_scheme (next), "https") != 0))
    {
      g_autofree char *url = g_uri_to_string (data->uri);

      g_task_return_new_error (task, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_INVALID_URL,
                               /* Translators: a URL, then where it redirects to */
                               _("%s redirects to “%s”, which is not an http:// or "
                                 "https:// address Témoin can follow."), url, location);
      g_clear_pointer (&next, g_uri_unref);
      g_object_unref (task);
      return;
    }

  if (data->hop + 1 > TM_PREVIEW_MAX_REDIRECTS)
    {
      g_task_return_new_error (task, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_TOO_MANY_REDIRECTS,
                               /* Translators: a URL, then a number */
                               _("%s redirects more than %u times: the site is probably "
                                 "in a redirect loop."), data->typed_url,
                               TM_PREVIEW_MAX_REDIRECTS);
      g_uri_unref (next);
      g_object_unref (task);
      return;
    }

  g_uri_unref (data->uri);
  data->uri = next;
  data->hop++;
  send_hop (task);
}

static void
send_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  GTask *task = user_data;
  TmPreview *self = g_task_get_source_object (task);
  FetchData *data = g_task_get_task_data (task);
  g_autoptr(GInputStream) stream = NULL;
  g_autoptr(GError) error = NULL;

  stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (stream == NULL)
    {
      return_fetch_error (task, error);
      return;
    }

  data->status = soup_message_get_status (data->msg);
  handle_set_cookies (self, data);
  g_input_stream_close_async (stream, G_PRIORITY_DEFAULT, NULL, close_cb, task);
}

static void
send_hop (GTask *task)
{
  TmPreview *self = g_task_get_source_object (task);
  FetchData *data = g_task_get_task_data (task);
  g_autofree char *url = g_uri_to_string (data->uri);
  g_autofree char *cookie_header = NULL;
  SoupMessageHeaders *headers;
  SoupSession *session;
  int port = g_uri_get_port (data->uri);

  if (port < 0)
    port = g_ascii_strcasecmp (g_uri_get_scheme (data->uri), "https") == 0 ? 443 : 80;

  g_signal_emit (self, signals[PROGRESS], 0, data->hop, url);

  g_clear_object (&data->msg);
  data->msg = soup_message_new_from_uri (SOUP_METHOD_GET, data->uri);
  soup_message_add_flags (data->msg, SOUP_MESSAGE_NO_REDIRECT);
  headers = soup_message_get_request_headers (data->msg);
  soup_message_headers_replace (headers, "Accept",
                                "text/html,application/xhtml+xml,application/xml;q=0.9,"
                                "*/*;q=0.8");
  soup_message_headers_replace (headers, "Sec-Fetch-Dest", "document");
  soup_message_headers_replace (headers, "Sec-Fetch-Mode", "navigate");
  cookie_header = cookie_header_for (data->jar, data->uri,
                                     g_get_real_time () / G_USEC_PER_SEC);
  if (cookie_header != NULL)
    soup_message_headers_replace (headers, "Cookie", cookie_header);

  session = session_for (self, g_uri_get_host (data->uri), port);
  soup_session_send_async (session, data->msg, G_PRIORITY_DEFAULT, data->cancellable,
                           send_cb, task);
}

/* The URL, checked: http or https with a host. */
static GUri *
parse_url (const char  *url,
           GError     **error)
{
  g_autoptr(GUri) uri = NULL;
  const char *scheme;

  uri = g_uri_parse (url, SOUP_HTTP_URI_FLAGS, NULL);
  if (uri == NULL)
    {
      g_set_error (error, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_INVALID_URL,
                   /* Translators: %s is what the user typed */
                   _("“%s” is not a web address: give one such as "
                     "https://example.com/."), url);
      return NULL;
    }
  scheme = g_uri_get_scheme (uri);
  if (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0)
    {
      g_set_error (error, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_INVALID_URL,
                   /* Translators: %s is what the user typed */
                   _("“%s” is not an http:// or https:// address: only web pages can "
                     "be previewed."), url);
      return NULL;
    }
  if (g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      g_set_error (error, TM_PREVIEW_ERROR, TM_PREVIEW_ERROR_INVALID_URL,
                   /* Translators: %s is what the user typed */
                   _("“%s” has no host name: give an address such as "
                     "https://example.com/."), url);
      return NULL;
    }
  return g_steal_pointer (&uri);
}

/**
 * tm_preview_fetch_async:
 * @self: a #TmPreview
 * @url: an http:// or https:// URL: the top-level site of the visit
 * @accepted: the categories to decide under (necessary is always added)
 * @cancellable: (nullable): to stop the fetch
 * @callback: called on the caller's thread-default main context
 * @user_data: for @callback
 *
 * Fetches @url as a browser would for a top-level visit and decides every
 * Set-Cookie of the whole redirect chain. Each hop is a top-level navigation
 * (as in a browser, and as the proxy sees it): a cookie set by a hop is decided
 * against that hop's own site, never against @url's. The cookies kept along the
 * chain are sent on to later hops; no other cookie is ever sent.
 */
void
tm_preview_fetch_async (TmPreview          *self,
                        const char         *url,
                        TmCategories        accepted,
                        GCancellable       *cancellable,
                        GAsyncReadyCallback callback,
                        gpointer            user_data)
{
  GTask *task;
  FetchData *data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUri) uri = NULL;

  g_return_if_fail (TM_IS_PREVIEW (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, tm_preview_fetch_async);
  /* A cancelled fetch says so in the user's words (return_fetch_error). */
  g_task_set_check_cancellable (task, FALSE);

  uri = parse_url (url, &error);
  if (uri == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }

  data = g_new0 (FetchData, 1);
  data->typed_url = g_strdup (url);
  data->uri = g_steal_pointer (&uri);
  data->accepted = accepted;
  data->jar = g_ptr_array_new_with_free_func ((GDestroyNotify) tm_cookie_free);
  data->items = g_list_store_new (TM_TYPE_PREVIEW_ITEM);
  data->cancellable = g_cancellable_new ();
  g_task_set_task_data (task, data, (GDestroyNotify) fetch_data_free);

  if (cancellable != NULL)
    {
      data->caller_cancellable = g_object_ref (cancellable);
      data->cancelled_id = g_cancellable_connect (cancellable,
                                                  G_CALLBACK (caller_cancelled_cb),
                                                  g_object_ref (data->cancellable),
                                                  g_object_unref);
    }
  data->deadline = g_timeout_source_new_seconds (self->timeout_seconds);
  g_source_set_callback (data->deadline, deadline_cb, data, NULL);
  g_source_attach (data->deadline, g_main_context_get_thread_default ());

  send_hop (task);
}

/**
 * tm_preview_fetch_finish:
 * @self: a #TmPreview
 * @result: the result given to the callback
 * @out_status: (out) (optional): the HTTP status of the last response
 * @out_final_url: (out) (optional) (transfer full): the URL of the last response
 * @error: return location for a #GError
 *
 * Returns: (transfer full): a #GListModel of #TmPreviewItem, whatever the final
 *   status; or %NULL with @error set (translated)
 */
GListModel *
tm_preview_fetch_finish (TmPreview     *self,
                         GAsyncResult  *result,
                         guint         *out_status,
                         char         **out_final_url,
                         GError       **error)
{
  FetchData *data;
  GListModel *items;

  g_return_val_if_fail (TM_IS_PREVIEW (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  data = g_task_get_task_data (G_TASK (result));
  if (out_status != NULL)
    *out_status = data != NULL ? data->status : 0;
  if (out_final_url != NULL)
    *out_final_url = data != NULL && data->uri != NULL ? g_uri_to_string (data->uri) : NULL;

  items = g_task_propagate_pointer (G_TASK (result), error);
  if (items == NULL && out_final_url != NULL)
    g_clear_pointer (out_final_url, g_free);
  return items;
}
