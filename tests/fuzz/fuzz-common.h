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

/* The input as a C string, as a header value or a command-line argument is one
 * (it ends at the first NUL, as theirs do). (transfer full) */
static inline char *
fuzz_string (const uint8_t *data,
             size_t         size)
{
  return g_strndup ((const char *) data, size);
}
