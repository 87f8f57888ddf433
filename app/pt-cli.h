/* pt-cli.h — palitune-cli subcommands.
 *
 * Each subcommand is a function in its own pt-cli-*.c taking the arguments
 * after its name. Exit codes: 0 success, 1 runtime failure, 2 bad usage or
 * bad input. Errors are one clear line on stderr ("palitune-cli: …").
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

enum {
  PT_EXIT_OK = 0,
  PT_EXIT_FAILURE = 1,
  PT_EXIT_USAGE = 2,
};

typedef int (*PtCliCommandFunc) (int argc, char **argv);

typedef struct {
  const char      *name;      /* "train", "data" … */
  const char      *summary;   /* one line for --help */
  PtCliCommandFunc run;
} PtCliCommand;

/* Prints a (translated) label to stdout, padded with spaces to width
 * characters (not bytes) and at least one. */
void pt_cli_print_label  (const char *label, int width);
/* Prints "palitune-cli: MESSAGE" to stderr and returns the exit code for the error. */
int  pt_cli_fail         (const GError *error);
int  pt_cli_usage_error  (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* Parses OPTIONS from argv with a GOptionContext named "palitune-cli COMMAND". */
gboolean pt_cli_parse    (const char *command, const char *parameter_string,
                          const GOptionEntry *entries, int *argc, char ***argv, int *exit_code);

int pt_cli_devices (int argc, char **argv);
int pt_cli_demo_data (int argc, char **argv);
int pt_cli_data    (int argc, char **argv);     /* pt-cli-data.c */
int pt_cli_train   (int argc, char **argv);     /* pt-cli-train.c */
int pt_cli_eval    (int argc, char **argv);     /* pt-cli-eval.c */
int pt_cli_predict (int argc, char **argv);     /* pt-cli-eval.c */
int pt_cli_export  (int argc, char **argv);     /* pt-cli-export.c */
int pt_cli_init_model (int argc, char **argv);  /* pt-cli-export.c */
int pt_cli_bench   (int argc, char **argv);     /* pt-cli-bench.c */

G_END_DECLS
