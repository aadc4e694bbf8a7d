/* SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "temoin-core"

#include "config.h"

#include "tm-json.h"

struct _TmJsonWriter
{
  GString  *out;
  gboolean  pretty;
  /* One entry per open container: how many values it holds so far. */
  GArray   *counts;
  gboolean  after_key;
};

TmJsonWriter *
tm_json_writer_new (gboolean pretty)
{
  TmJsonWriter *writer = g_new0 (TmJsonWriter, 1);

  writer->out = g_string_new (NULL);
  writer->pretty = pretty;
  writer->counts = g_array_new (FALSE, TRUE, sizeof (guint));
  return writer;
}

void
tm_json_writer_free (TmJsonWriter *writer)
{
  if (writer == NULL)
    return;
  g_string_free (writer->out, TRUE);
  g_array_unref (writer->counts);
  g_free (writer);
}

char *
tm_json_writer_free_to_string (TmJsonWriter *writer)
{
  char *ret;

  g_return_val_if_fail (writer != NULL, NULL);
  g_warn_if_fail (writer->counts->len == 0);

  ret = g_string_free (g_steal_pointer (&writer->out), FALSE);
  g_array_unref (writer->counts);
  g_free (writer);
  return ret;
}

static void
newline (TmJsonWriter *writer)
{
  if (!writer->pretty)
    return;
  g_string_append_c (writer->out, '\n');
  for (guint i = 0; i < writer->counts->len; i++)
    g_string_append (writer->out, "  ");
}

/* Called before every value and every key: writes the separator. */
static void
before_item (TmJsonWriter *writer)
{
  guint *count;

  if (writer->after_key)
    {
      writer->after_key = FALSE;
      return;
    }
  if (writer->counts->len == 0)
    return;

  count = &g_array_index (writer->counts, guint, writer->counts->len - 1);
  if (*count > 0)
    g_string_append_c (writer->out, ',');
  (*count)++;
  newline (writer);
}

static void
open_container (TmJsonWriter *writer,
                char          c)
{
  guint zero = 0;

  before_item (writer);
  g_string_append_c (writer->out, c);
  g_array_append_val (writer->counts, zero);
}

static void
close_container (TmJsonWriter *writer,
                 char          c)
{
  guint count;

  g_return_if_fail (writer->counts->len > 0);

  count = g_array_index (writer->counts, guint, writer->counts->len - 1);
  g_array_set_size (writer->counts, writer->counts->len - 1);
  if (count > 0)
    newline (writer);
  g_string_append_c (writer->out, c);
}

void
tm_json_writer_begin_object (TmJsonWriter *writer)
{
  open_container (writer, '{');
}

void
tm_json_writer_end_object (TmJsonWriter *writer)
{
  close_container (writer, '}');
}

void
tm_json_writer_begin_array (TmJsonWriter *writer)
{
  open_container (writer, '[');
}

void
tm_json_writer_end_array (TmJsonWriter *writer)
{
  close_container (writer, ']');
}

void
tm_json_writer_member (TmJsonWriter *writer,
                       const char   *key)
{
  g_return_if_fail (key != NULL);

  before_item (writer);
  tm_json_append_escaped (writer->out, key);
  g_string_append (writer->out, writer->pretty ? ": " : ":");
  writer->after_key = TRUE;
}

void
tm_json_writer_string (TmJsonWriter *writer,
                       const char   *value)
{
  before_item (writer);
  if (value == NULL)
    g_string_append (writer->out, "null");
  else
    tm_json_append_escaped (writer->out, value);
}

void
tm_json_writer_boolean (TmJsonWriter *writer,
                        gboolean      value)
{
  before_item (writer);
  g_string_append (writer->out, value ? "true" : "false");
}

void
tm_json_writer_int (TmJsonWriter *writer,
                    gint64        value)
{
  before_item (writer);
  g_string_append_printf (writer->out, "%" G_GINT64_FORMAT, value);
}

void
tm_json_writer_null (TmJsonWriter *writer)
{
  before_item (writer);
  g_string_append (writer->out, "null");
}

void
tm_json_append_escaped (GString    *out,
                        const char *value)
{
  g_autofree char *valid = NULL;

  /* JSON is UTF-8: bytes that are not (a cookie value may hold anything) become
   * U+FFFD rather than an unreadable document. */
  if (!g_utf8_validate (value, -1, NULL))
    value = valid = g_utf8_make_valid (value, -1);

  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) value; *p; p++)
    {
      switch (*p)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          if (*p < 0x20 || *p == 0x7f)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, *p);
        }
    }
  g_string_append_c (out, '"');
}
