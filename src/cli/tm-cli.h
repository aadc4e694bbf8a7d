/* SPDX-License-Identifier: GPL-3.0-or-later */
/* tm-cli.h: what temoinctl's subcommands share. main() (temoinctl.c) parses the
 * global options, resolves the data directory and hands the rest of the command
 * line to a subcommand. Each subcommand parses its own options, prints its own
 * --help, and returns an exit status. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Exit statuses, as GNU tools use them. */
enum {
  TM_CLI_EXIT_OK = 0,
  TM_CLI_EXIT_FAILURE = 1,   /* the message on stderr says what to do */
  TM_CLI_EXIT_USAGE = 2,     /* bad command line */
};

typedef struct {
  /* The --data-dir option as given (nullable); resolve it with
   * tm_data_dir_resolve() when the subcommand needs the data directory. */
  const char *data_dir_option;
} TmCliContext;

/* argv[0] is the subcommand's name ("consent"), the rest its arguments. */
typedef int (*TmCliCommandFunc) (TmCliContext *ctx,
                                 int           argc,
                                 char        **argv);

int tm_cli_consent  (TmCliContext *ctx, int argc, char **argv);   /* temoinctl.c / tm-cli-consent.c */
int tm_cli_charter  (TmCliContext *ctx, int argc, char **argv);
int tm_cli_settings (TmCliContext *ctx, int argc, char **argv);
int tm_cli_serve    (TmCliContext *ctx, int argc, char **argv);   /* tm-cli-serve.c */
int tm_cli_cookies  (TmCliContext *ctx, int argc, char **argv);   /* tm-cli-cookies.c */

/* Prints "temoinctl: MESSAGE" and a hint to run `temoinctl COMMAND --help` to
 * stderr; returns TM_CLI_EXIT_USAGE. */
int  tm_cli_usage_error (const char *command,
                         const char *format,
                         ...) G_GNUC_PRINTF (2, 3);
/* Prints "temoinctl: MESSAGE" to stderr; returns TM_CLI_EXIT_FAILURE. */
int  tm_cli_fail        (const char *format,
                         ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
