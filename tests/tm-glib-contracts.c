/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-glib-contracts.c: GLib's preconditions, checked where our code calls GLib.
 *
 * GLib is not built with the sanitizers, so a read past the end of a string
 * inside GLib goes unseen by AddressSanitizer. Where what keeps GLib in bounds
 * is a precondition the caller must meet, every test program (and every fuzz
 * harness) checks it at the call instead: the linker sends the calls of the code
 * under test to __wrap_NAME (`-Wl,--wrap=NAME`, see tests/meson.build), which
 * aborts when the precondition does not hold, then calls GLib's __real_NAME.
 *
 * g_hostname_to_ascii() wants UTF-8 (or ASCII): on a cut-short sequence such as
 * "a\xc3" it steps over the terminating NUL and reads what follows in memory. */
#include "config.h"

#include <glib.h>

gchar *__real_g_hostname_to_ascii (const gchar *hostname);
gchar *__wrap_g_hostname_to_ascii (const gchar *hostname);

gchar *
__wrap_g_hostname_to_ascii (const gchar *hostname)
{
  if (hostname != NULL && !g_utf8_validate (hostname, -1, NULL))
    {
      g_autofree char *shown = g_strescape (hostname, NULL);

      g_error ("g_hostname_to_ascii (\"%s\"): not UTF-8, GLib would read past its end",
               shown);
    }
  return __real_g_hostname_to_ascii (hostname);
}
