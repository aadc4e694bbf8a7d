/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "tm-json.h"

static void
test_json_compact_document (void)
{
  g_autoptr(TmJsonWriter) w = tm_json_writer_new (FALSE);
  g_autofree char *doc = NULL;

  tm_json_writer_begin_object (w);
  tm_json_writer_member (w, "name");
  tm_json_writer_string (w, "a\"b\\c\n\x01é");
  tm_json_writer_member (w, "list");
  tm_json_writer_begin_array (w);
  tm_json_writer_boolean (w, TRUE);
  tm_json_writer_int (w, -42);
  tm_json_writer_null (w);
  tm_json_writer_string (w, NULL);
  tm_json_writer_begin_object (w);
  tm_json_writer_end_object (w);
  tm_json_writer_end_array (w);
  tm_json_writer_end_object (w);

  doc = tm_json_writer_free_to_string (g_steal_pointer (&w));
  g_assert_cmpstr (doc, ==,
                   "{\"name\":\"a\\\"b\\\\c\\n\\u0001é\",\"list\":[true,-42,null,null,{}]}");
}

static void
test_json_pretty_document (void)
{
  g_autoptr(TmJsonWriter) w = tm_json_writer_new (TRUE);
  g_autofree char *doc = NULL;

  tm_json_writer_begin_array (w);
  tm_json_writer_begin_object (w);
  tm_json_writer_member (w, "k");
  tm_json_writer_boolean (w, FALSE);
  tm_json_writer_end_object (w);
  tm_json_writer_end_array (w);

  doc = tm_json_writer_free_to_string (g_steal_pointer (&w));
  g_assert_cmpstr (doc, ==, "[\n  {\n    \"k\": false\n  }\n]");
}

static void
test_json_empty_array (void)
{
  g_autoptr(TmJsonWriter) w = tm_json_writer_new (TRUE);
  g_autofree char *doc = NULL;

  tm_json_writer_begin_array (w);
  tm_json_writer_end_array (w);
  doc = tm_json_writer_free_to_string (g_steal_pointer (&w));
  g_assert_cmpstr (doc, ==, "[]");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/json/writer/escapes-and-nests-compactly", test_json_compact_document);
  g_test_add_func ("/json/writer/indents-when-pretty", test_json_pretty_document);
  g_test_add_func ("/json/writer/writes-empty-array-as-brackets", test_json_empty_array);

  return g_test_run ();
}
