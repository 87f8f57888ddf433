/* pt-cli.c — palitune-cli: the headless front end to the engine. */
#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>        /* setlocale */
#include <stdio.h>

#include "pt-backend.h"
#include "pt-error.h"
#include "pt-cli.h"
#include "pt-threads.h"     /* pt_threads_init */
#if HAVE_CUDA
#include "pt-cuda.h"       /* pt_cuda_register */
#endif
#if HAVE_NCCL
#include "pt-nccl.h"       /* pt_nccl_register */
#endif

static const PtCliCommand commands[] = {
  { "devices", N_("List compute devices"), pt_cli_devices },
  { "demo-data", N_("Generate the built-in demo dataset (shapes and questions)"), pt_cli_demo_data },
  { "data", N_("Inspect datasets"), pt_cli_data },
  { "train", N_("Fine-tune a model (or resume a run)"), pt_cli_train },
  { "eval", N_("Loss and VQA accuracy of a model on a dataset"), pt_cli_eval },
  { "predict", N_("Answer a prompt about images"), pt_cli_predict },
  { "export", N_("Export a run as a PEFT adapter or a merged model"), pt_cli_export },
  { "bench", N_("Training-step throughput on a device"), pt_cli_bench },
  { "init-model", N_("Write a randomly initialised model (to pretrain from scratch)"), pt_cli_init_model },
};

/* $PALITUNE_LOCALEDIR (the build tree's po/ for an uninstalled run), else
 * the installed locale folder. */
static const char *
localedir (void)
{
  const char *dir = g_getenv ("PALITUNE_LOCALEDIR");

  return dir != NULL && *dir != '\0' ? dir : LOCALEDIR;
}

void
pt_cli_print_label (const char *label,
                    int         width)
{
  long pad = width - g_utf8_strlen (label, -1);

  fputs (label, stdout);
  for (long i = 0; i < MAX (pad, 1); i++)
    fputc (' ', stdout);
}

int
pt_cli_fail (const GError *error)
{
  g_printerr ("palitune-cli: %s\n", error->message);
  if (error->domain == PT_ERROR
      && (error->code == PT_ERROR_INVALID_INPUT || error->code == PT_ERROR_UNSUPPORTED))
    return PT_EXIT_USAGE;
  if (error->domain == G_OPTION_ERROR)
    return PT_EXIT_USAGE;
  return PT_EXIT_FAILURE;
}

int
pt_cli_usage_error (const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("palitune-cli: %s\n", message);
  return PT_EXIT_USAGE;
}

gboolean
pt_cli_parse (const char         *command,
              const char         *parameter_string,
              const GOptionEntry *entries,
              int                *argc,
              char             ***argv,
              int                *exit_code)
{
  g_autoptr(GOptionContext) context = g_option_context_new (parameter_string);
  g_autoptr(GError) error = NULL;
  g_autofree char *prgname = g_strdup_printf ("palitune-cli %s", command);

  g_set_prgname (prgname);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, argc, argv, &error))
    {
      /* Translators: the first %s is an error message, the second a subcommand */
      *exit_code = pt_cli_usage_error (_("%s (see “palitune-cli %s --help”)"), error->message, command);
      g_set_prgname ("palitune-cli");
      return FALSE;
    }
  g_set_prgname ("palitune-cli");
  return TRUE;
}

int
pt_cli_devices (int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GPtrArray) devices = NULL;
  int code;

  if (!pt_cli_parse ("devices", "", entries, &argc, &argv, &code))
    return code;

  devices = pt_backend_list_devices ();
  if (json)
    g_print ("[");
  for (guint i = 0; i < devices->len; i++)
    {
      PtDeviceInfo *d = devices->pdata[i];
      /* what --precision auto picks there */
      const char *precision = pt_precision_name (pt_precision_resolve (d->id, PT_PRECISION_AUTO));
      if (json)
        g_print ("%s{\"id\": \"%s\", \"name\": \"%s\", \"memory\": %" G_GUINT64_FORMAT
                 ", \"precision_auto\": \"%s\"}",
                 i ? ", " : "", d->id, d->name, d->total_memory, precision);
      else
        /* Translators: the precision --precision auto picks on this device (bf16 or f32) */
        g_print ("%-8s %-40s %6.1f GiB  %s %s\n", d->id, d->name, d->total_memory / 1073741824.0,
                 _("auto precision:"), precision);
    }
  if (json)
    g_print ("]\n");
  return PT_EXIT_OK;
}

static void
print_usage (FILE *out)
{
  fprintf (out, "%s\n\n", _("Usage: palitune-cli COMMAND [OPTIONS…]"));
  fprintf (out, "%s\n", _("Fine-tune PaliGemma vision-language models from the command line."));
  fprintf (out, "\n%s\n", _("Commands:"));
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-12s %s\n", commands[i].name, _(commands[i].summary));
  fprintf (out, "\n%s\n", _("Run “palitune-cli COMMAND --help” for a command’s options."));
}

int
main (int argc, char **argv)
{
  pt_threads_init (argc, argv);
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir ());
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_prgname ("palitune-cli");
#if HAVE_CUDA
  pt_cuda_register ();
#endif
#if HAVE_NCCL
  pt_nccl_register ();   /* gradients between GPUs of a data-parallel run */
#endif

  if (argc < 2 || g_str_equal (argv[1], "--help") || g_str_equal (argv[1], "-h")
      || g_str_equal (argv[1], "help"))
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? PT_EXIT_USAGE : PT_EXIT_OK;
    }
  if (g_str_equal (argv[1], "--version"))
    {
      g_print ("palitune-cli %s%s\n", PACKAGE_VERSION, HAVE_CUDA ? " (CUDA)" : "");
      return PT_EXIT_OK;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (argv[1], commands[i].name))
      return commands[i].run (argc - 1, argv + 1);

  return pt_cli_usage_error (_("unknown command “%s” (see “palitune-cli --help”)"), argv[1]);
}
