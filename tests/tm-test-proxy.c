/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The proxy and its stores belong to the server thread's main context: the test's
 * thread only reaches them through tm_test_run_in_context(), which blocks until
 * the call has run there. */
#define G_LOG_DOMAIN "temoin-test"

#include "config.h"

#include "tm-charter.h"
#include "tm-test-proxy.h"

static gpointer
server_thread_func (gpointer data)
{
  GMainLoop *loop = data;
  GMainContext *context = g_main_loop_get_context (loop);

  g_main_context_push_thread_default (context);
  g_main_loop_run (loop);
  g_main_context_pop_thread_default (context);
  return NULL;
}

GThread *
tm_test_server_thread_new (GMainContext *context,
                           GMainLoop    *loop)
{
  g_assert_true (g_main_loop_get_context (loop) == context);
  return g_thread_new ("server", server_thread_func, loop);
}

void
tm_test_server_thread_join (GThread      *thread,
                            GMainLoop    *loop,
                            GMainContext *context)
{
  g_main_loop_quit (loop);
  g_thread_join (thread);
  g_main_loop_unref (loop);
  g_main_context_unref (context);
}

typedef struct {
  GSourceFunc func;
  gpointer    data;
  gboolean    done;
  GMutex      mutex;
  GCond       cond;
} SyncCall;

static gboolean
sync_call_cb (gpointer user_data)
{
  SyncCall *call = user_data;

  call->func (call->data);
  g_mutex_lock (&call->mutex);
  call->done = TRUE;
  g_cond_signal (&call->cond);
  g_mutex_unlock (&call->mutex);
  return G_SOURCE_REMOVE;
}

void
tm_test_run_in_context (GMainContext *context,
                        GSourceFunc   func,
                        gpointer      data)
{
  SyncCall call = { func, data, FALSE };

  g_mutex_init (&call.mutex);
  g_cond_init (&call.cond);
  g_main_context_invoke (context, sync_call_cb, &call);
  g_mutex_lock (&call.mutex);
  while (!call.done)
    g_cond_wait (&call.cond, &call.mutex);
  g_mutex_unlock (&call.mutex);
  g_mutex_clear (&call.mutex);
  g_cond_clear (&call.cond);
}

void
tm_test_proxy_create (const char      *data_dir,
                      TmConsentStore **out_consent,
                      TmSessionStore **out_sessions,
                      TmProxy        **out_proxy)
{
  g_autoptr(GError) error = NULL;

  *out_consent = tm_consent_store_new (data_dir, &error);
  g_assert_no_error (error);
  *out_sessions = tm_session_store_new (data_dir, &error);
  g_assert_no_error (error);
  *out_proxy = tm_proxy_new (data_dir, *out_consent, *out_sessions);
  tm_proxy_set_port (*out_proxy, 0);
}

char *
tm_test_proxy_start_in_thread (TmProxy *proxy)
{
  g_autoptr(GError) error = NULL;

  tm_proxy_start (proxy, &error);
  g_assert_no_error (error);
  return g_strdup (tm_proxy_get_uris (proxy)[0]);
}

void
tm_test_proxy_destroy (TmConsentStore **consent,
                       TmSessionStore **sessions,
                       TmProxy        **proxy)
{
  g_autoptr(GError) error = NULL;

  tm_proxy_stop (*proxy);
  g_clear_object (proxy);
  tm_session_store_flush (*sessions, &error);
  g_assert_no_error (error);
  g_clear_object (sessions);
  g_clear_object (consent);
}

typedef struct {
  TmConsentStore *consent;
  TmCategories    categories;
} SaveConsent;

static gboolean
save_consent_cb (gpointer data)
{
  SaveConsent *sc = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(TmConsent) consent = NULL;

  consent = tm_consent_store_save (sc->consent, sc->categories,
                                   TM_CONSENT_METHOD_CUSTOM, "en", tm_charter_get_revision (),
                                   &error);
  g_assert_no_error (error);
  return G_SOURCE_REMOVE;
}

void
tm_test_save_consent (GMainContext   *context,
                      TmConsentStore *consent,
                      TmCategories    categories)
{
  SaveConsent sc = { consent, categories };

  tm_test_run_in_context (context, save_consent_cb, &sc);
}

typedef struct {
  TmSessionStore *sessions;
  GPtrArray      *cookies;
} ListCookies;

static gboolean
list_cookies_cb (gpointer data)
{
  ListCookies *lc = data;
  g_autoptr(GError) error = NULL;

  tm_session_store_flush (lc->sessions, &error);
  g_assert_no_error (error);
  lc->cookies = tm_session_store_list (lc->sessions, NULL, &error);
  g_assert_no_error (error);
  return G_SOURCE_REMOVE;
}

GPtrArray *
tm_test_list_cookies (GMainContext   *context,
                      TmSessionStore *sessions)
{
  ListCookies lc = { sessions, NULL };

  tm_test_run_in_context (context, list_cookies_cb, &lc);
  return lc.cookies;
}

char *
tm_test_read_until_closed (GSocketConnection *conn)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  g_autoptr(GString) data = g_string_new (NULL);
  char buf[4096];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_input_stream_read (in, buf, sizeof buf, NULL, &error);

      if (n == 0 || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED) ||
          g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        break;
      g_assert_no_error (error);   /* G_IO_ERROR_TIMED_OUT: the peer kept it open */
      g_string_append_len (data, buf, n);
    }
  return g_string_free (g_steal_pointer (&data), FALSE);
}

guint
tm_test_count_close_wait (guint port)
{
  g_autofree char *wanted = g_strdup_printf (":%04X", port);
  const char *tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
  guint n = 0;

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      g_autofree char *text = NULL;
      g_auto(GStrv) lines = NULL;

      if (!g_file_get_contents (tables[t], &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 1; lines[i] != NULL; i++)
        {
          g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
          g_autoptr(GPtrArray) words = g_ptr_array_new ();

          for (guint f = 0; fields[f] != NULL; f++)
            if (fields[f][0] != '\0')
              g_ptr_array_add (words, fields[f]);
          /* sl local_address rem_address st … ; 08 is CLOSE_WAIT */
          if (words->len > 3 && g_str_has_suffix (words->pdata[1], wanted) &&
              g_str_equal (words->pdata[3], "08"))
            n++;
        }
    }
  return n;
}

guint
tm_test_wait_close_wait (guint port,
                         guint at_most,
                         guint timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_s * G_USEC_PER_SEC;
  guint n;

  while ((n = tm_test_count_close_wait (port)) > at_most &&
         g_get_monotonic_time () < deadline)
    g_usleep (100 * 1000);
  return n;
}
