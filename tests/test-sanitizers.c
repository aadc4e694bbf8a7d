/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test-sanitizers.c: the sanitized suites catch what they are there for. In the
 * build of `make test-sanitized` (AddressSanitizer, LeakSanitizer and
 * UndefinedBehaviorSanitizer, with the Makefile's options), a child that leaks,
 * reads past a buffer or overflows a signed integer must fail loudly with the
 * sanitizers' exit status; otherwise a green run would prove nothing. In the
 * ordinary build there is nothing to check: a TAP skip. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>
#include <gio/gio.h>

#define SANITIZER_EXIT_STATUS 66   /* ASAN_OPTIONS and UBSAN_OPTIONS exitcode= */

static char *self_path;

/* The children: each does one wrong thing, then exits 0. */

static void *volatile kept;

static int
child_leak (void)
{
  kept = malloc (4242);
  memset (kept, 1, 4242);
  kept = NULL;   /* the only pointer goes: a leak */
  return 0;
}

static int
child_overflow (const char *digits)
{
  int size = atoi (digits);   /* 16, given on the command line */
  volatile char *buffer = malloc (size);
  volatile char c;

  memset ((char *) buffer, 0, size);
  c = buffer[size];   /* one byte past the end */
  (void) c;
  free ((char *) buffer);
  return 0;
}

static int
child_undefined (const char *digits)
{
  volatile int n = atoi (digits);   /* INT_MAX, given on the command line */

  n = n + 1;   /* signed overflow */
  return n == 0;
}

static void
run_child (const char *what,
           const char *extra,
           const char *expected)
{
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            &error, self_path, what, extra, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_test_message ("%s: %s", what, err);
  if (!g_subprocess_get_if_exited (child) ||
      g_subprocess_get_exit_status (child) != SANITIZER_EXIT_STATUS)
    g_error ("The child that does “%s” did not end with the sanitizers’ exit status %d: "
             "run these suites with `make test-sanitized`, whose ASAN_OPTIONS, "
             "LSAN_OPTIONS and UBSAN_OPTIONS make every report fatal.",
             what, SANITIZER_EXIT_STATUS);
  g_assert_nonnull (strstr (err, expected));
}

static void
test_leak_is_fatal (void)
{
  run_child ("--leak", NULL, "LeakSanitizer: detected memory leaks");
}

static void
test_overflow_is_fatal (void)
{
  run_child ("--overflow", "16", "heap-buffer-overflow");
}

static void
test_undefined_behaviour_is_fatal (void)
{
  run_child ("--undefined", "2147483647", "signed integer overflow");
}

int
main (int   argc,
      char *argv[])
{
  if (argc > 1 && g_str_equal (argv[1], "--leak"))
    return child_leak ();
  if (argc > 2 && g_str_equal (argv[1], "--overflow"))
    return child_overflow (argv[2]);
  if (argc > 2 && g_str_equal (argv[1], "--undefined"))
    return child_undefined (argv[2]);

  g_test_init (&argc, &argv, NULL);
#ifndef __SANITIZE_ADDRESS__
  printf ("1..0 # SKIP not a sanitized build: `make test-sanitized` runs this\n");
  return 0;
#endif
  self_path = g_canonicalize_filename (argv[0], NULL);
  g_test_add_func ("/sanitizers/leak-is-fatal", test_leak_is_fatal);
  g_test_add_func ("/sanitizers/overflow-is-fatal", test_overflow_is_fatal);
  g_test_add_func ("/sanitizers/undefined-behaviour-is-fatal", test_undefined_behaviour_is_fatal);
  return g_test_run ();
}
