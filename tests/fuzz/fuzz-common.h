/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz-common.h: what the fuzz harnesses of tests/fuzz share. Each harness is
 * one LLVMFuzzerTestOneInput(): linked with libFuzzer by `make fuzz` (clang), with
 * replay-main.c everywhere else. Harnesses free everything they allocate (a leak
 * is a finding), keep no state between inputs but one-time caches, and never
 * touch the disk. */
#pragma once

#include <stdint.h>
#include <stddef.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data,
                            size_t         size);
int LLVMFuzzerInitialize   (int            *argc,
                            char         ***argv);

/* libFuzzer calls it once before the first input (replay-main.c does the same
 * in its main()): a GLib critical or warning, a precondition not met, is a
 * finding as a crash is. Each harness includes this header once. */
int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return 0;
}

/* The input as a C string, as a header value or a command-line argument is one
 * (it ends at the first NUL, as theirs do). (transfer full) */
static inline char *
fuzz_string (const uint8_t *data,
             size_t         size)
{
  return g_strndup ((const char *) data, size);
}
