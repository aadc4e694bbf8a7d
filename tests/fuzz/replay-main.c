/* SPDX-License-Identifier: GPL-3.0-or-later */
/* replay-main.c: the main() a fuzz harness gets where libFuzzer is not linked
 * (gcc builds). It runs LLVMFuzzerTestOneInput() once on every file of the
 * directories and files named on the command line, in a stable order, and says
 * so in TAP: one "ok" per input. The first is the seed corpus: it must exist and
 * hold inputs, or the replay proves nothing and fails. The others (the crashes
 * ever found) may be missing or empty. Files whose name starts with '.'
 * (.gitkeep) are not inputs. A GLib critical (a precondition of GLib's or ours
 * not met) is fatal, as a crash is.
 *
 * Under AddressSanitizer and UndefinedBehaviorSanitizer (halt_on_error=1) an
 * input that reads out of bounds, leaks or hits undefined behaviour aborts the
 * program: the TAP stream then ends early and the test fails, with the input
 * named on the line before. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);

static int
compare_paths (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Adds the inputs under @path (a file, or a directory's files, sorted). A
 * missing @path holds none, unless it is @required. */
static gboolean
collect (const char  *path,
         gboolean     required,
         GPtrArray   *inputs,
         GError     **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GPtrArray) found = NULL;
  const char *name;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      if (required)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT,
                       "the seed corpus is missing");
          return FALSE;
        }
      printf ("# %s does not exist: nothing to replay there\n", path);
      return TRUE;
    }
  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_ptr_array_add (inputs, g_strdup (path));
      return TRUE;
    }

  dir = g_dir_open (path, 0, error);
  if (dir == NULL)
    return FALSE;
  found = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      if (name[0] == '.' || !g_file_test (child, G_FILE_TEST_IS_REGULAR))
        continue;
      g_ptr_array_add (found, g_steal_pointer (&child));
    }
  g_ptr_array_sort (found, compare_paths);
  for (guint i = 0; i < found->len; i++)
    g_ptr_array_add (inputs, g_strdup (found->pdata[i]));
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) inputs = g_ptr_array_new_with_free_func (g_free);

  if (argc < 2)
    {
      fprintf (stderr, "Usage: %s DIR_OR_FILE…\n"
               "Runs the fuzz harness on every input (a libFuzzer corpus, its crashes).\n",
               argv[0]);
      return 2;
    }

  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GError) error = NULL;

      if (!collect (argv[i], i == 1, inputs, &error))
        {
          printf ("1..1\nnot ok 1 - %s: %s\n", argv[i], error->message);
          return 1;
        }
      if (i == 1 && inputs->len == 0)
        {
          printf ("1..1\nnot ok 1 - %s: the seed corpus holds no input\n", argv[i]);
          return 1;
        }
    }

  printf ("1..%u\n", inputs->len);
  for (guint i = 0; i < inputs->len; i++)
    {
      const char *path = inputs->pdata[i];
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      g_autofree uint8_t *copy = NULL;
      gsize length = 0;

      if (!g_file_get_contents (path, &contents, &length, &error))
        {
          printf ("not ok %u - %s: %s\n", i + 1, path, error->message);
          continue;
        }
      /* An exact-size heap copy, as libFuzzer passes it: a read one byte past
       * the input is then an over-read AddressSanitizer sees. */
      copy = g_malloc (MAX (length, 1));
      memcpy (copy, contents, length);
      printf ("# %s (%" G_GSIZE_FORMAT " bytes)\n", path, length);
      fflush (stdout);
      LLVMFuzzerTestOneInput (copy, length);
      printf ("ok %u - %s\n", i + 1, path);
      fflush (stdout);
    }
  return 0;
}
