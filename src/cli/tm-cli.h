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

int tm_cli_consent  (TmCliContext *ctx, int argc, char **argv);   /* tm-cli-consent.c */
int tm_cli_charter  (TmCliContext *ctx, int argc, char **argv);
int tm_cli_settings (TmCliContext *ctx, int argc, char **argv);
int tm_cli_serve    (TmCliContext *ctx, int argc, char **argv);   /* tm-cli-serve.c */
int tm_cli_cookies  (TmCliContext *ctx, int argc, char **argv);   /* tm-cli-cookies.c */
int tm_cli_preview  (TmCliContext *ctx, int argc, char **argv);   /* tm-cli-preview.c */
int tm_cli_rules    (TmCliContext *ctx, int argc, char **argv);   /* tm-cli-rules.c */
int tm_cli_ca       (TmCliContext *ctx, int argc, char **argv);   /* tm-cli-ca.c */
int tm_cli_bypass   (TmCliContext *ctx, int argc, char **argv);   /* tm-cli-bypass.c */

/* Prints "temoinctl: MESSAGE" and a hint to run `temoinctl COMMAND --help` to
 * stderr; returns TM_CLI_EXIT_USAGE. */
int  tm_cli_usage_error (const char *command,
                         const char *format,
                         ...) G_GNUC_PRINTF (2, 3);
/* Prints "temoinctl: MESSAGE" to stderr; returns TM_CLI_EXIT_FAILURE. */
int  tm_cli_fail        (const char *format,
                         ...) G_GNUC_PRINTF (1, 2);
/* Prints "temoinctl: Warning: MESSAGE" (escaped) to stderr. */
void tm_cli_warn        (const char *message);
/* tm_cli_fail() for a write that failed, adding that nothing was changed. */
int  tm_cli_fail_unchanged (const char *format,
                            ...) G_GNUC_PRINTF (1, 2);
/* @text with bytes that are not UTF-8 and control characters (but newline and
 * tab) as \xNN: how a message echoes an argument. The three functions above
 * escape their whole message with it. (transfer full) */
char *tm_cli_escape     (const char *text);

/* Helpers shared by the subcommands (temoinctl.c). */
#include "tm-consent-store.h"
#include "tm-json.h"

/* One line of a --help listing of commands: @name is never translated,
 * @summary is an N_() string. */
typedef struct {
  const char *name;
  const char *summary;
} TmCliCommandInfo;

/* What `temoinctl COMMAND --help` prints. Strings are N_() (translated when
 * printed); @commands is %NULL or ends with a { NULL, NULL } entry. */
typedef struct {
  const char              *command;   /* "consent set", or NULL for temoinctl itself */
  const char              *usage;     /* "[--json] CATEGORY=on|off…"; lines split by \n */
  const char              *summary;
  const TmCliCommandInfo  *commands;
  const char              *footer;    /* nullable: printed after the options */
} TmCliHelp;

/* Parses @entries (it adds -h/--help itself) from @argc and @argv, leaving argv[0]
 * and the arguments that are not options. With @stop_at_argument, parsing stops
 * at the first argument (a subcommand's name). Returns -1 to go on, else the exit
 * status to return at once: TM_CLI_EXIT_OK after printing --help to stdout,
 * TM_CLI_EXIT_USAGE after a message on stderr. */
int  tm_cli_parse_options (const TmCliHelp *help,
                           GOptionEntry    *entries,
                           gboolean         stop_at_argument,
                           int             *argc,
                           char          ***argv);
/* Prints @help, with @entries, to stdout. */
void tm_cli_print_help    (const TmCliHelp    *help,
                           const GOptionEntry *entries);

/* Finds @argv[1] in @commands and runs it; tm_cli_usage_error() when it is
 * missing or unknown. @funcs is parallel to @commands. */
int  tm_cli_dispatch      (TmCliContext           *ctx,
                           const char             *command,
                           const TmCliCommandInfo *commands,
                           const TmCliCommandFunc *funcs,
                           int                     argc,
                           char                  **argv);

/* The data directory (created if needed), or NULL after telling the user why on
 * stderr: then return TM_CLI_EXIT_FAILURE. A warning is printed once when others
 * can read it (its mode is never changed). */
char *tm_cli_resolve_data_dir (TmCliContext *ctx);
/* The same for the commands that only read: nothing is created (the directory may
 * be missing). */
char *tm_cli_find_data_dir    (TmCliContext *ctx);
/* Opens the consent store of the data directory, saying on stderr where a corrupt
 * database was moved aside; NULL after telling the user why it failed (then
 * return TM_CLI_EXIT_FAILURE). */
TmConsentStore *tm_cli_open_consent_store (TmCliContext *ctx);
/* The same, read-only, for the commands that only read: nothing is created or
 * written, and a read-only or full disk is no obstacle. */
TmConsentStore *tm_cli_read_consent_store (TmCliContext *ctx);

/* What most subcommands do first: parse @entries (see tm_cli_parse_options()), then
 * check that between @min_args and @max_args arguments are left (-1: any number).
 * @missing is the message when too few are given (already translated; %NULL for
 * "An argument is missing."). Returns -1 to go on, else the exit status. */
int  tm_cli_parse_arguments (const TmCliHelp *help,
                             GOptionEntry    *entries,
                             int              min_args,
                             int              max_args,
                             const char      *missing,
                             int             *argc,
                             char          ***argv);

/* What every command with subcommands does: its --help (listing help->commands),
 * then the subcommand, found in help->commands and run from the parallel @funcs. */
int  tm_cli_run_group       (TmCliContext           *ctx,
                             const TmCliHelp        *help,
                             const TmCliCommandFunc *funcs,
                             int                     argc,
                             char                  **argv);

/* Reads a category id ("statistics"). Returns -1 with @out_category set, else
 * tm_cli_usage_error() for @command after saying which ids exist. */
int  tm_cli_parse_category  (const char *command,
                             const char *id,
                             TmCategory *out_category);

/* Reads @n_pairs "CATEGORY=on|off" (on/off, yes/no, true/false, 1/0), refusing
 * necessary=off and a category given twice. Returns -1 with the categories
 * switched on and off, else tm_cli_usage_error() for @command. */
int  tm_cli_parse_category_switches (const char         *command,
                                     const char * const *pairs,
                                     int                 n_pairs,
                                     TmCategories       *out_on,
                                     TmCategories       *out_off);

/* While the core opens a store, its own untranslated notes (such as a database
 * moved aside) are left out: temoinctl tells the user itself, in their language.
 * G_MESSAGES_DEBUG=temoin-core shows them. Returns what to hand to
 * tm_cli_quiet_core_log_end(). */
guint tm_cli_quiet_core_log_begin (void);
void  tm_cli_quiet_core_log_end   (guint handler);

/* A cell of a table printed for people: valid UTF-8 on one line, control
 * characters shown as '?'. (transfer full) */
char *tm_cli_text_cell      (const char *text);

/* The --json option most listing commands take, as an entry of their GOptionEntry
 * array: @flag is a gboolean * set when it is given. */
extern const char tm_cli_json_description[];
#define TM_CLI_JSON_ENTRY(flag) \
  { "json", 0, 0, G_OPTION_ARG_NONE, (flag), tm_cli_json_description, NULL }

/* Prints the document of @writer (which it frees) and a newline to stdout, as
 * UTF-8 whatever the locale's character set. */
void  tm_cli_print_json     (TmJsonWriter *writer);

G_END_DECLS
