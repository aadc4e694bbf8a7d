/* SPDX-License-Identifier: GPL-3.0-or-later */
/* temoinctl: the command line over Témoin's store. main() parses the global
 * options (only before the command), then hands the rest to a subcommand. The
 * helpers below give every level the same --help, usage errors and exit codes. */
#define G_LOG_DOMAIN "temoinctl"

#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "tm-cli.h"
#include "tm-data-dir.h"
#include "tm-i18n.h"

/* Columns of --help: the first column is padded to this width. */
#define HELP_COLUMN 24

/**
 * tm_cli_escape:
 * @text: (nullable): text that may hold bytes from the command line
 *
 * @text with every byte that is not valid UTF-8, and every control character
 * but newline and tab, written as `\xNN`, and a backslash as `\\` (so that a
 * `\xNN` shown always stands for one byte): an argument echoed in a message is
 * then shown as it was typed, and can neither garble the terminal nor make the
 * message invalid UTF-8.
 *
 * Returns: (transfer full): the escaped text
 */
char *
tm_cli_escape (const char *text)
{
  GString *out = g_string_new (NULL);
  const char *p = text != NULL ? text : "";

  while (*p != '\0')
    {
      gunichar ch = g_utf8_get_char_validated (p, -1);

      if (ch == (gunichar) -1 || ch == (gunichar) -2)
        {
          g_string_append_printf (out, "\\x%02x", (guchar) *p);
          p++;
          continue;
        }
      if (ch == '\\')
        g_string_append (out, "\\\\");
      else if (ch != '\n' && ch != '\t' && g_unichar_iscntrl (ch))
        {
          if (ch < 0x100)
            g_string_append_printf (out, "\\x%02x", (guint) ch);
          else
            g_string_append_printf (out, "\\u%04x", (guint) ch);
        }
      else
        g_string_append_unichar (out, ch);
      p = g_utf8_next_char (p);
    }
  return g_string_free (out, FALSE);
}

/* Formats a message, escaping what the arguments brought (tm_cli_escape()). */
static char *
format_message (const char *format,
                va_list     args)
{
  g_autofree char *raw = g_strdup_vprintf (format, args);

  return tm_cli_escape (raw);
}

/**
 * tm_cli_usage_error:
 * @command: (nullable): the command whose --help to suggest ("consent set"), or
 *   %NULL for temoinctl itself
 * @format: printf() format of the message, already translated
 * @...: its arguments
 *
 * Prints "temoinctl: MESSAGE" and "Try 'temoinctl COMMAND --help'." to stderr.
 *
 * Returns: %TM_CLI_EXIT_USAGE
 */
int
tm_cli_usage_error (const char *command,
                    const char *format,
                    ...)
{
  g_autofree char *message = NULL;
  g_autofree char *program = NULL;
  va_list args;

  g_return_val_if_fail (format != NULL, TM_CLI_EXIT_USAGE);

  va_start (args, format);
  message = format_message (format, args);
  va_end (args);

  program = command != NULL ? g_strconcat ("temoinctl ", command, NULL)
                            : g_strdup ("temoinctl");
  g_printerr ("temoinctl: %s\n", message);
  /* Translators: %s is a command, as in "temoinctl consent set". */
  g_printerr (_("Try '%s --help'."), program);
  g_printerr ("\n");
  return TM_CLI_EXIT_USAGE;
}

/**
 * tm_cli_fail:
 * @format: printf() format of the message, already translated; it says what
 *   failed and what to do
 * @...: its arguments
 *
 * Prints "temoinctl: MESSAGE" to stderr.
 *
 * Returns: %TM_CLI_EXIT_FAILURE
 */
int
tm_cli_fail (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list args;

  g_return_val_if_fail (format != NULL, TM_CLI_EXIT_FAILURE);

  va_start (args, format);
  message = format_message (format, args);
  va_end (args);

  g_printerr ("temoinctl: %s\n", message);
  return TM_CLI_EXIT_FAILURE;
}

/**
 * tm_cli_warn:
 * @message: a translated warning, which does not stop the command
 *
 * Prints "temoinctl: Warning: MESSAGE" to stderr, @message escaped
 * (tm_cli_escape()): it may name a file whose name is not UTF-8.
 */
void
tm_cli_warn (const char *message)
{
  g_autofree char *escaped = tm_cli_escape (message);

  g_return_if_fail (message != NULL);

  /* Translators: before a warning that does not stop the command. */
  g_printerr ("temoinctl: %s %s\n", _("Warning:"), escaped);
}

/* --help fits in 80 columns. */
#define HELP_WIDTH 79

/* Appends @text, its words wrapped at HELP_WIDTH, its lines after the first
 * indented by @indent; @column is where the first line starts. Widths count
 * characters, not bytes: translations are UTF-8. Ends with a newline. */
static void
append_wrapped (GString    *out,
                const char *text,
                glong       column,
                glong       indent)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint l = 0; lines[l] != NULL; l++)
    {
      g_auto(GStrv) words = g_strsplit (lines[l], " ", -1);
      gboolean line_empty = TRUE;

      if (l > 0)
        {
          g_string_append_printf (out, "\n%*s", (int) indent, "");
          column = indent;
        }
      for (guint w = 0; words[w] != NULL; w++)
        {
          glong len = g_utf8_strlen (words[w], -1);

          if (*words[w] == '\0')
            continue;
          if (!line_empty && column + 1 + len > HELP_WIDTH)
            {
              g_string_append_printf (out, "\n%*s", (int) indent, "");
              column = indent;
              line_empty = TRUE;
            }
          if (!line_empty)
            {
              g_string_append_c (out, ' ');
              column++;
            }
          g_string_append (out, words[w]);
          column += len;
          line_empty = FALSE;
        }
    }
  g_string_append_c (out, '\n');
}

/* Appends "  @left", padded to HELP_COLUMN, then @right wrapped beside it. */
static void
append_help_row (GString    *out,
                 const char *left,
                 const char *right)
{
  glong width = g_utf8_strlen (left, -1) + 2;

  g_string_append_printf (out, "  %s", left);
  if (width >= HELP_COLUMN)
    {
      g_string_append_c (out, '\n');
      width = 0;
    }
  g_string_append_printf (out, "%*s", (int) (HELP_COLUMN - width), "");
  append_wrapped (out, right, HELP_COLUMN, HELP_COLUMN);
}

const char tm_cli_json_description[] = N_("Print JSON (stable keys, never translated)");

static const GOptionEntry help_entry = {
  "help", 'h', 0, G_OPTION_ARG_NONE, NULL, N_("Show this help and exit"), NULL,
};

/**
 * tm_cli_print_help:
 * @help: what to say
 * @entries: (nullable): the command's options, ending with an empty entry
 *
 * Prints the usage lines, the summary, the list of subcommands and the options of
 * a command to stdout, translated.
 */
void
tm_cli_print_help (const TmCliHelp    *help,
                   const GOptionEntry *entries)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *program = NULL;
  g_auto(GStrv) usage_lines = NULL;

  g_return_if_fail (help != NULL);

  program = help->command != NULL ? g_strconcat ("temoinctl ", help->command, NULL)
                                  : g_strdup ("temoinctl");
  usage_lines = g_strsplit (_(help->usage), "\n", -1);
  for (guint i = 0; usage_lines[i] != NULL; i++)
    {
      /* Translators: the start of --help, followed by a command and its arguments. */
      const char *label = i == 0 ? _("Usage:") : "";

      g_string_append_printf (out, "%s%*s %s %s\n", label,
                              i == 0 ? 0 : (int) g_utf8_strlen (_("Usage:"), -1), "",
                              program, usage_lines[i]);
    }

  if (help->summary != NULL)
    {
      g_string_append_c (out, '\n');
      append_wrapped (out, _(help->summary), 0, 0);
    }

  if (help->commands != NULL)
    {
      g_string_append_printf (out, "\n%s\n", _("Commands:"));
      for (guint i = 0; help->commands[i].name != NULL; i++)
        append_help_row (out, help->commands[i].name, _(help->commands[i].summary));
    }

  g_string_append_printf (out, "\n%s\n", _("Options:"));
  for (guint i = 0; entries != NULL && entries[i].long_name != NULL; i++)
    {
      const GOptionEntry *e = &entries[i];
      g_autofree char *left = NULL;

      if (e->flags & G_OPTION_FLAG_HIDDEN)
        continue;
      /* Long options without a short one line up with those that have one. */
      if (e->short_name)
        left = g_strdup_printf ("-%c, --%s", e->short_name, e->long_name);
      else
        left = g_strdup_printf ("    --%s", e->long_name);
      if (e->arg_description != NULL)
        {
          g_autofree char *with_arg = g_strdup_printf ("%s %s", left,
                                                       _(e->arg_description));

          g_free (left);
          left = g_steal_pointer (&with_arg);
        }
      append_help_row (out, left, e->description ? _(e->description) : "");
    }
  append_help_row (out, "-h, --help", _(help_entry.description));

  if (help->footer != NULL)
    {
      g_string_append_c (out, '\n');
      append_wrapped (out, _(help->footer), 0, 0);
    }

  if (help->commands != NULL)
    {
      g_autofree char *hint = NULL;

      /* Translators: %s is a command, as in "temoinctl consent"; COMMAND stays. */
      hint = g_strdup_printf (_("Run '%s COMMAND --help' for the options of a command."),
                              program);
      g_string_append_c (out, '\n');
      append_wrapped (out, hint, 0, 0);
    }

  fputs (out->str, stdout);
  fflush (stdout);
}

/**
 * tm_cli_parse_options:
 * @help: the command's help, printed for -h/--help
 * @entries: (nullable): the command's options, ending with an empty entry
 * @stop_at_argument: whether parsing stops at the first argument (a subcommand)
 * @argc: (inout): the number of arguments; argv[0] is the command's name
 * @argv: (inout): the arguments; options are removed from it
 *
 * Returns: -1 to go on, else the exit status to return at once
 */
int
tm_cli_parse_options (const TmCliHelp *help,
                      GOptionEntry    *entries,
                      gboolean         stop_at_argument,
                      int             *argc,
                      char          ***argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gboolean show_help = FALSE;
  GOptionEntry help_entries[] = {
    { "help", 'h', 0, G_OPTION_ARG_NONE, &show_help, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  g_return_val_if_fail (help != NULL, TM_CLI_EXIT_USAGE);
  g_return_val_if_fail (argc != NULL && argv != NULL, TM_CLI_EXIT_USAGE);

  /* GOption's own --help would print "temoinctl [OPTION…]" for every level: this
   * one prints the real command line. */
  context = g_option_context_new (NULL);
  g_option_context_set_help_enabled (context, FALSE);
  g_option_context_set_strict_posix (context, stop_at_argument);
  g_option_context_add_main_entries (context, help_entries, NULL);
  if (entries != NULL)
    g_option_context_add_main_entries (context, entries, NULL);

  /* A global option after the command is bad usage; say where it goes. Only the
   * options before a "--" count: what follows is an argument; with
   * @stop_at_argument, those after the subcommand's name are the subcommand's. */
  if (help->command != NULL)
    for (int i = 1; i < *argc && !g_str_equal ((*argv)[i], "--"); i++)
      {
        const char *arg = (*argv)[i];

        if (stop_at_argument && arg[0] != '-')
          break;

        if (g_str_equal (arg, "--data-dir") || g_str_has_prefix (arg, "--data-dir=") ||
            g_str_equal (arg, "--version"))
          {
            g_autofree char *option = g_strndup (arg, strcspn (arg, "="));
            g_autofree char *example = NULL;

            if (g_str_equal (option, "--data-dir"))
              example = g_strdup_printf ("temoinctl --data-dir DIR %s", help->command);
            else
              example = g_strdup ("temoinctl --version");

            /* Translators: the first %s is an option (--data-dir), the second a
             * command line showing where it goes. */
            return tm_cli_usage_error (help->command,
                                       _("%s is a global option: give it before the "
                                         "command, as in '%s'."),
                                       option, example);
          }
      }

  if (!g_option_context_parse (context, argc, argv, &error))
    return tm_cli_usage_error (help->command, "%s", error->message);

  /* GOption leaves the "--" that ends the options among the arguments when some
   * come before it (`settings set KEY -- -1`): it is not an argument. A
   * subcommand's own "--" is left for it. */
  if (!stop_at_argument)
    for (int i = 1; i < *argc; i++)
      if (g_str_equal ((*argv)[i], "--"))
        {
          for (int j = i; j < *argc; j++)
            (*argv)[j] = (*argv)[j + 1];
          (*argc)--;
          break;
        }

  if (show_help)
    {
      tm_cli_print_help (help, entries);
      return TM_CLI_EXIT_OK;
    }
  return -1;
}

/**
 * tm_cli_dispatch:
 * @ctx: the global options
 * @command: (nullable): the command whose subcommand this is ("consent"), %NULL
 *   for temoinctl itself
 * @commands: the subcommands, ending with an empty entry
 * @funcs: their functions, in the same order
 * @argc: the number of arguments
 * @argv: the arguments: argv[0] is @command's name, argv[1] the subcommand's
 *
 * Returns: the subcommand's exit status, or %TM_CLI_EXIT_USAGE
 */
int
tm_cli_dispatch (TmCliContext           *ctx,
                 const char             *command,
                 const TmCliCommandInfo *commands,
                 const TmCliCommandFunc *funcs,
                 int                     argc,
                 char                  **argv)
{
  g_return_val_if_fail (commands != NULL && funcs != NULL, TM_CLI_EXIT_USAGE);

  if (argc < 2)
    return tm_cli_usage_error (command, "%s", _("A command is missing."));

  for (guint i = 0; commands[i].name != NULL; i++)
    if (g_str_equal (argv[1], commands[i].name))
      return funcs[i] (ctx, argc - 1, argv + 1);

  return tm_cli_usage_error (command, _("Unknown command '%s'."), argv[1]);
}

/**
 * tm_cli_fail_unchanged:
 * @format: printf() format of the message, already translated: what failed
 * @...: its arguments
 *
 * tm_cli_fail() for a command that writes, adding that what was stored before is
 * still there: SQLite writes a transaction whole or not at all.
 *
 * Returns: %TM_CLI_EXIT_FAILURE
 */
int
tm_cli_fail_unchanged (const char *format,
                       ...)
{
  g_autofree char *message = NULL;
  va_list args;

  g_return_val_if_fail (format != NULL, TM_CLI_EXIT_FAILURE);

  /* Not escaped here: tm_cli_fail() does it, once. */
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  tm_cli_fail ("%s", message);
  return tm_cli_fail ("%s", _("Nothing was changed: what was stored before is still "
                              "there."));
}

static char *
resolve_data_dir (TmCliContext   *ctx,
                  TmDataDirFlags  flags)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *warning = NULL;
  static gboolean warned = FALSE;
  char *dir;

  g_return_val_if_fail (ctx != NULL, NULL);

  dir = tm_data_dir_resolve_full (ctx->data_dir_option, flags, &warning, &error);
  if (dir == NULL)
    {
      /* The message names the folder and says what to do. */
      tm_cli_fail ("%s", error->message);
      return NULL;
    }
  /* Once, however many stores the command opens. */
  if (warning != NULL && !warned)
    {
      tm_cli_warn (warning);
      warned = TRUE;
    }
  return dir;
}

/**
 * tm_cli_resolve_data_dir:
 * @ctx: the global options
 *
 * For the commands that write: the data directory, created if missing.
 *
 * Returns: (transfer full) (nullable): the data directory, or %NULL after a
 *   message on stderr
 */
char *
tm_cli_resolve_data_dir (TmCliContext *ctx)
{
  return resolve_data_dir (ctx, TM_DATA_DIR_CREATE);
}

/**
 * tm_cli_find_data_dir:
 * @ctx: the global options
 *
 * For the commands that only read: the data directory, never created (it may
 * be missing: nothing is stored yet).
 *
 * Returns: (transfer full) (nullable): the data directory, or %NULL after a
 *   message on stderr
 */
char *
tm_cli_find_data_dir (TmCliContext *ctx)
{
  return resolve_data_dir (ctx, TM_DATA_DIR_NONE);
}

static void
quiet_core_log_cb (const char     *log_domain,
                   GLogLevelFlags  log_level,
                   const char     *message,
                   gpointer        user_data)
{
  const char *debug = g_getenv ("G_MESSAGES_DEBUG");

  if (debug != NULL && (strstr (debug, "all") != NULL || strstr (debug, log_domain) != NULL))
    g_log_default_handler (log_domain, log_level, message, user_data);
}

/**
 * tm_cli_quiet_core_log_begin:
 *
 * While a store opens, the core's own notes (untranslated log lines, such as a
 * database moved aside) are left out: temoinctl tells the user itself, in their
 * language. G_MESSAGES_DEBUG=temoin-core shows them.
 *
 * Returns: the handler to pass to tm_cli_quiet_core_log_end()
 */
guint
tm_cli_quiet_core_log_begin (void)
{
  return g_log_set_handler ("temoin-core", G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO,
                            quiet_core_log_cb, NULL);
}

void
tm_cli_quiet_core_log_end (guint handler)
{
  g_log_remove_handler ("temoin-core", handler);
}

/* tm_cli_open_consent_store() and tm_cli_read_consent_store(). */
static TmConsentStore *
open_consent_store (TmCliContext *ctx,
                    gboolean      read_only)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  TmConsentStore *store;
  const char *moved;
  const char *warning;
  guint handler;

  g_return_val_if_fail (ctx != NULL, NULL);

  dir = read_only ? tm_cli_find_data_dir (ctx) : tm_cli_resolve_data_dir (ctx);
  if (dir == NULL)
    return NULL;

  handler = tm_cli_quiet_core_log_begin ();
  if (read_only)
    store = tm_consent_store_new_read_only (dir, &error);
  else
    store = tm_consent_store_new (dir, &error);
  tm_cli_quiet_core_log_end (handler);
  if (store == NULL)
    {
      g_autofree char *path = g_build_filename (dir, TM_CONSENT_STORE_FILENAME, NULL);
      g_autofree char *message = NULL;
      const char *hint = _("You can also keep your data in another folder with "
                           "--data-dir DIR.");
      /* A damaged file moved aside before the failure: something did change. */
      gboolean unchanged = !read_only
                           && !g_error_matches (error, TM_CONSENT_STORE_ERROR,
                                                TM_CONSENT_STORE_ERROR_MOVED_ASIDE);
      int (*fail_last) (const char *, ...) = unchanged ? tm_cli_fail_unchanged
                                                       : tm_cli_fail;

      /* The store's messages say what to do; name the file when they do not. */
      if (strstr (error->message, path) != NULL)
        message = g_strdup (error->message);
      else
        /* Translators: the first %s is a file, the second says what went wrong. */
        message = g_strdup_printf (_("Cannot open the consent database %s: %s"), path,
                                   error->message);
      if (g_error_matches (error, TM_CONSENT_STORE_ERROR, TM_CONSENT_STORE_ERROR_TOO_NEW))
        fail_last ("%s", message);
      else
        {
          tm_cli_fail ("%s", message);
          fail_last ("%s", hint);
        }
      return NULL;
    }

  moved = tm_consent_store_get_moved_aside (store);
  if (moved != NULL)
    tm_cli_fail (_("The consent database %s was damaged: it was moved aside to %s and "
                   "a new one was created. Your earlier choices are in the old file."),
                 tm_consent_store_get_path (store), moved);
  warning = tm_consent_store_get_read_warning (store);
  if (warning != NULL)
    tm_cli_warn (warning);
  return store;
}

/**
 * tm_cli_open_consent_store:
 * @ctx: the global options
 *
 * For the commands that write: the consent store, its folder and file created
 * if missing.
 *
 * Returns: (transfer full) (nullable): the consent store, or %NULL after a
 *   message on stderr
 */
TmConsentStore *
tm_cli_open_consent_store (TmCliContext *ctx)
{
  return open_consent_store (ctx, FALSE);
}

/**
 * tm_cli_read_consent_store:
 * @ctx: the global options
 *
 * For the commands that only read: the consent store opened read-only
 * (tm_consent_store_new_read_only()); nothing is created, and a read-only or
 * full disk is no obstacle.
 *
 * Returns: (transfer full) (nullable): the consent store, or %NULL after a
 *   message on stderr
 */
TmConsentStore *
tm_cli_read_consent_store (TmCliContext *ctx)
{
  return open_consent_store (ctx, TRUE);
}

/**
 * tm_cli_parse_arguments:
 * @help: the command's help, printed for -h/--help
 * @entries: (nullable): the command's options, ending with an empty entry
 * @min_args: how many arguments at least
 * @max_args: how many at most, or -1 for any number
 * @missing: (nullable): the message when fewer than @min_args are given, already
 *   translated
 * @argc: (inout): the number of arguments; argv[0] is the command's name
 * @argv: (inout): the arguments; options are removed from it
 *
 * Returns: -1 to go on, else the exit status to return at once
 */
int
tm_cli_parse_arguments (const TmCliHelp *help,
                        GOptionEntry    *entries,
                        int              min_args,
                        int              max_args,
                        const char      *missing,
                        int             *argc,
                        char          ***argv)
{
  int status;

  g_return_val_if_fail (help != NULL, TM_CLI_EXIT_USAGE);
  g_return_val_if_fail (max_args < 0 || max_args >= min_args, TM_CLI_EXIT_USAGE);

  status = tm_cli_parse_options (help, entries, FALSE, argc, argv);
  if (status >= 0)
    return status;
  if (*argc - 1 < min_args)
    return tm_cli_usage_error (help->command, "%s",
                               missing != NULL ? missing : _("An argument is missing."));
  if (max_args >= 0 && *argc - 1 > max_args)
    return tm_cli_usage_error (help->command, _("Unexpected argument '%s'."),
                               (*argv)[max_args + 1]);
  return -1;
}

/**
 * tm_cli_run_group:
 * @ctx: the global options
 * @help: the command's help; help->commands lists its subcommands
 * @funcs: the subcommands' functions, in the order of help->commands
 * @argc: the number of arguments
 * @argv: the command's name and its arguments
 *
 * Returns: the subcommand's exit status, or that of --help or a usage error
 */
int
tm_cli_run_group (TmCliContext           *ctx,
                  const TmCliHelp        *help,
                  const TmCliCommandFunc *funcs,
                  int                     argc,
                  char                  **argv)
{
  int status;

  g_return_val_if_fail (ctx != NULL, TM_CLI_EXIT_FAILURE);
  g_return_val_if_fail (help != NULL && help->commands != NULL, TM_CLI_EXIT_FAILURE);

  status = tm_cli_parse_options (help, NULL, TRUE, &argc, &argv);
  if (status >= 0)
    return status;
  return tm_cli_dispatch (ctx, help->command, help->commands, funcs, argc, argv);
}

/**
 * tm_cli_parse_category:
 * @command: the command, for the usage error
 * @id: what the user typed
 * @out_category: (out): the category
 *
 * Returns: -1 when @id is a category, else %TM_CLI_EXIT_USAGE after a message
 */
int
tm_cli_parse_category (const char *command,
                       const char *id,
                       TmCategory *out_category)
{
  g_return_val_if_fail (id != NULL && out_category != NULL, TM_CLI_EXIT_USAGE);

  if (tm_category_from_id (id, out_category))
    return -1;
  return tm_cli_usage_error (command,
                             _("Unknown category '%s'. The categories are necessary, "
                               "statistics, first-party and third-party."), id);
}

/* on/off, and the spellings scripts tend to use. */
static gboolean
parse_switch (const char *value,
              gboolean   *out_on)
{
  static const char * const on[] = { "on", "yes", "true", "1", NULL };
  static const char * const off[] = { "off", "no", "false", "0", NULL };
  g_autofree char *lower = g_ascii_strdown (value, -1);

  if (g_strv_contains (on, lower))
    *out_on = TRUE;
  else if (g_strv_contains (off, lower))
    *out_on = FALSE;
  else
    return FALSE;
  return TRUE;
}

/**
 * tm_cli_parse_category_switches:
 * @command: the command, for usage errors
 * @pairs: (array length=n_pairs): "CATEGORY=on|off" arguments
 * @n_pairs: their number
 * @out_on: (out): the categories switched on
 * @out_off: (out): the categories switched off
 *
 * Returns: -1 when every pair is good, else %TM_CLI_EXIT_USAGE after a message
 *   about the first bad one
 */
int
tm_cli_parse_category_switches (const char         *command,
                                const char * const *pairs,
                                int                 n_pairs,
                                TmCategories       *out_on,
                                TmCategories       *out_off)
{
  TmCategories set_on = 0, set_off = 0;

  g_return_val_if_fail (n_pairs == 0 || pairs != NULL, TM_CLI_EXIT_USAGE);
  g_return_val_if_fail (out_on != NULL && out_off != NULL, TM_CLI_EXIT_USAGE);

  for (int i = 0; i < n_pairs; i++)
    {
      g_auto(GStrv) pair = g_strsplit (pairs[i], "=", 2);
      TmCategory category;
      gboolean on;
      int status;

      if (pair[0] == NULL || pair[1] == NULL)
        return tm_cli_usage_error (command, _("'%s' is not of the form CATEGORY=on|off."),
                                   pairs[i]);
      status = tm_cli_parse_category (command, pair[0], &category);
      if (status >= 0)
        return status;
      if (!parse_switch (pair[1], &on))
        return tm_cli_usage_error (command, _("Unknown value '%s' for %s: use on or off."),
                                   pair[1], pair[0]);
      if (category == TM_CATEGORY_NECESSARY && !on)
        return tm_cli_usage_error (command, "%s",
                                   _("Necessary cookies cannot be refused: sites need them "
                                     "to work, and they require no consent."));
      if ((set_on | set_off) & TM_CATEGORY_BIT (category))
        return tm_cli_usage_error (command, _("The category %s is given twice."), pair[0]);
      if (on)
        set_on |= TM_CATEGORY_BIT (category);
      else
        set_off |= TM_CATEGORY_BIT (category);
    }
  *out_on = set_on;
  *out_off = set_off;
  return -1;
}

/**
 * tm_cli_text_cell:
 * @text: (nullable): what to show
 *
 * Returns: (transfer full): @text as valid UTF-8 on one line, its control
 *   characters shown as '?'
 */
char *
tm_cli_text_cell (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text != NULL ? text : "", -1);
  GString *out = g_string_new (NULL);

  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar ch = g_utf8_get_char (p);

      if (g_unichar_iscntrl (ch))
        g_string_append_c (out, '?');
      else
        g_string_append_unichar (out, ch);
    }
  return g_string_free (out, FALSE);
}

/**
 * tm_cli_print_json:
 * @writer: (transfer full): a finished document
 *
 * Prints it and a newline to stdout. JSON is UTF-8 whatever the locale: no
 * conversion to the console's character set, as g_print() would do.
 */
void
tm_cli_print_json (TmJsonWriter *writer)
{
  g_autofree char *doc = NULL;

  g_return_if_fail (writer != NULL);

  doc = tm_json_writer_free_to_string (writer);
  fputs (doc, stdout);
  fputc ('\n', stdout);
  fflush (stdout);
}

static const TmCliCommandInfo commands[] = {
  { "consent", N_("Show, change and list your choices of cookies") },
  { "charter", N_("Print the cookie charter in any offered language") },
  { "settings", N_("Read and change the settings of the app and the proxy") },
  { "serve", N_("Run the filtering proxy without a window") },
  { "cookies", N_("List and delete the cookies the proxy keeps") },
  { "preview", N_("Show which cookies a site sets and what your choice does to them") },
  { "rules", N_("Manage your cookie overrides, site exceptions and cookie databases") },
  { "ca", N_("Show, export, regenerate or delete the certificate authority for HTTPS") },
  { "bypass", N_("List, add and remove the hosts whose HTTPS is never inspected") },
  { NULL, NULL }
};

static const TmCliCommandFunc command_funcs[] = {
  tm_cli_consent,
  tm_cli_charter,
  tm_cli_settings,
  tm_cli_serve,
  tm_cli_cookies,
  tm_cli_preview,
  tm_cli_rules,
  tm_cli_ca,
  tm_cli_bypass,
};

static const TmCliHelp main_help = {
  NULL,
  N_("[--data-dir DIR] COMMAND [ARGUMENT…]"),
  N_("Témoin keeps your choice of cookies and enforces it with a local proxy. "
     "temoinctl reads and changes the same store as the app.\n"
     "Global options go before the command."),
  commands,
  N_("The data directory is, in this order: --data-dir, $TEMOIN_DATA_DIR, "
     "$XDG_DATA_HOME/temoin.\n"
     "Exit status: 0 on success, 1 on failure, 2 on a bad command line."),
};

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_dir = NULL;
  gboolean version = FALSE;
  GOptionEntry entries[] = {
    { "data-dir", 0, 0, G_OPTION_ARG_FILENAME, &data_dir,
      N_("Keep the databases in DIR"), N_("DIR") },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version,
      N_("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };
  TmCliContext ctx = { NULL };
  int status;

  tm_i18n_init ();
  g_set_prgname ("temoinctl");

  status = tm_cli_parse_options (&main_help, entries, TRUE, &argc, &argv);
  if (status >= 0)
    return status;

  if (version)
    {
      g_print ("temoinctl %s\n", PACKAGE_VERSION);
      return TM_CLI_EXIT_OK;
    }

  if (data_dir != NULL && *data_dir == '\0')
    return tm_cli_usage_error (NULL, "%s", _("The data directory given to --data-dir is "
                                             "empty."));

  ctx.data_dir_option = data_dir;
  return tm_cli_dispatch (&ctx, NULL, commands, command_funcs, argc, argv);
}
