/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-json.h: a tiny streaming JSON writer for the stable, machine-readable output
 * of temoinctl and the app's exports. Keys and values are never translated. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TmJsonWriter TmJsonWriter;

TmJsonWriter *tm_json_writer_new            (gboolean       pretty);
void          tm_json_writer_free           (TmJsonWriter  *writer);
/* Returns the document and frees the writer. */
char         *tm_json_writer_free_to_string (TmJsonWriter  *writer);

void tm_json_writer_begin_object (TmJsonWriter *writer);
void tm_json_writer_end_object   (TmJsonWriter *writer);
void tm_json_writer_begin_array  (TmJsonWriter *writer);
void tm_json_writer_end_array    (TmJsonWriter *writer);
/* Inside an object: the key of the next value. */
void tm_json_writer_member       (TmJsonWriter *writer,
                                  const char   *key);
/* A NULL string is written as null. */
void tm_json_writer_string       (TmJsonWriter *writer,
                                  const char   *value);
void tm_json_writer_boolean      (TmJsonWriter *writer,
                                  gboolean      value);
void tm_json_writer_int          (TmJsonWriter *writer,
                                  gint64        value);
void tm_json_writer_null         (TmJsonWriter *writer);

/* Appends @value as a JSON string literal (quotes included) to @out. */
void tm_json_append_escaped      (GString      *out,
                                  const char   *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmJsonWriter, tm_json_writer_free)

G_END_DECLS
