/* SPDX-License-Identifier: GPL-3.0-or-later */
/* An Open Cookie Database file, as `temoinctl rules import FILE` and the app's
 * import read it: the input is the whole file, through the CSV parser and the
 * checks of every line (tm_rules_parse_database(), all of the import but the SQL).
 * The records of the CSV parser are checked for consistency too. */
#include "config.h"

#include "fuzz-common.h"
#include "tm-rules.h"

static void
fuzz_records (const uint8_t *data,
              size_t         size)
{
  g_autoptr(GPtrArray) records = tm_csv_parse ((const char *) data, size);
  guint last_line = 0;

  for (guint i = 0; i < records->len; i++)
    {
      TmCsvRecord *record = g_ptr_array_index (records, i);

      /* Either fields or an error, lines in order, fields valid UTF-8. */
      g_assert ((record->fields == NULL) != (record->error == NULL));
      g_assert_cmpuint (record->line, >, last_line);
      last_line = record->line;
      for (guint f = 0; record->fields != NULL && f < record->fields->len; f++)
        g_assert (g_utf8_validate (g_ptr_array_index (record->fields, f), -1, NULL));
    }
}

static void
fuzz_import (const uint8_t *data,
             size_t         size)
{
  g_autoptr(GPtrArray) problems = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = tm_rules_parse_database ((const char *) data, size,
                                                       "fuzz.csv", &problems, &error);

  g_assert ((rows == NULL) == (error != NULL));
  for (guint i = 0; rows != NULL && i < rows->len; i++)
    {
      TmRulesDatabaseRow *row = g_ptr_array_index (rows, i);

      g_assert (tm_rules_purpose_from_category (row->category, NULL));
      g_assert (row->name[0] != '\0');
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  fuzz_records (data, size);
  fuzz_import (data, size);
  return 0;
}
