/* pt-cli-export.c — palitune-cli export (adapter / merged model from a run)
 * and init-model (a random PaliGemma to pretrain from scratch). */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-cli.h"
#include "pt-error.h"
#include "pt-export.h"      /* pt_export_adapter, pt_export_merged */
#include "pt-init.h"        /* pt_model_init_random */
#include "pt-settings.h"    /* pt_memory_size_parse */

int
pt_cli_export (int argc, char **argv)
{
  g_autofree char *run_dir = NULL, *adapter_out = NULL, *merged_out = NULL, *checkpoint = NULL;
  gboolean force = FALSE;
  const GOptionEntry entries[] = {
    { "run", 'r', 0, G_OPTION_ARG_FILENAME, &run_dir, N_("The run folder"), N_("RUN_DIR") },
    { "adapter-out", 0, 0, G_OPTION_ARG_FILENAME, &adapter_out, N_("Write a PEFT adapter folder"), N_("DIR") },
    { "merged-out", 0, 0, G_OPTION_ARG_FILENAME, &merged_out, N_("Write a merged Hugging Face model folder"), N_("DIR") },
    { "checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &checkpoint, N_("Export this checkpoint (default: the best, else the latest)"), N_("DIR") },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, N_("Write into a folder that is not empty"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) run = NULL;
  int code;

  if (!pt_cli_parse ("export", "", entries, &argc, &argv, &code))
    return code;
  if (argc > 1)
    return pt_cli_usage_error (_("export: unexpected argument “%s”"), argv[1]);
  if (run_dir == NULL)
    return pt_cli_usage_error (_("export: --run RUN_DIR is required"));
  if ((adapter_out == NULL) == (merged_out == NULL))
    return pt_cli_usage_error (_("export: give --adapter-out DIR or --merged-out DIR"));

  run = pt_run_open (run_dir, &error);
  if (run == NULL)
    return pt_cli_fail (error);
  if (adapter_out != NULL ? !pt_export_adapter (run, checkpoint, adapter_out, force, &error)
                          : !pt_export_merged (run, checkpoint, merged_out, force, &error))
    return pt_cli_fail (error);
  if (adapter_out != NULL)
    g_printerr (_("Exported the adapter to %s\n"), adapter_out);
  else
    g_printerr (_("Exported the merged model to %s\n"), merged_out);
  return PT_EXIT_OK;
}

int
pt_cli_init_model (int argc, char **argv)
{
  g_autofree char *config_path = NULL, *tokenizer = NULL, *out = NULL, *seed_text = NULL;
  g_autofree char *dtype = NULL, *shard_text = NULL;
  guint64 max_shard = 0;
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path, N_("A PaliGemma config.json"), N_("FILE") },
    { "tokenizer", 't', 0, G_OPTION_ARG_FILENAME, &tokenizer, N_("The tokenizer.model to copy in"), N_("FILE") },
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out, N_("The model folder to write"), N_("DIR") },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed_text, N_("Random seed (default 0)"), N_("S") },
    { "dtype", 0, 0, G_OPTION_ARG_STRING, &dtype, N_("Stored dtype: f32 (default) or bf16, as the hub’s checkpoints"), N_("DTYPE") },
    { "max-shard-size", 0, 0, G_OPTION_ARG_STRING, &shard_text, N_("Write shards of at most this size, such as 2G (default: one file)"), N_("SIZE") },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) config = NULL;
  guint64 seed = 0;
  int code;

  if (!pt_cli_parse ("init-model", "", entries, &argc, &argv, &code))
    return code;
  if (argc > 1)
    return pt_cli_usage_error (_("init-model: unexpected argument “%s”"), argv[1]);
  if (config_path == NULL || out == NULL)
    return pt_cli_usage_error (_("init-model: --config FILE and --out DIR are required"));
  if (seed_text != NULL && !g_ascii_string_to_unsigned (seed_text, 10, 0, G_MAXINT64, &seed, NULL))
    return pt_cli_usage_error (_("init-model: --seed must be a whole number"));
  if (dtype != NULL && !g_str_equal (dtype, "f32") && !g_str_equal (dtype, "bf16"))
    return pt_cli_usage_error (_("init-model: --dtype must be f32 or bf16"));
  if (shard_text != NULL && !pt_memory_size_parse (shard_text, &max_shard))
    return pt_cli_usage_error (_("init-model: --max-shard-size must be a size such as 2G"));
  if (g_file_test (out, G_FILE_TEST_EXISTS))
    {
      g_autoptr(GDir) dir = g_dir_open (out, 0, NULL);
      if (dir == NULL || g_dir_read_name (dir) != NULL)
        return pt_cli_usage_error (_("init-model: %s exists and is not an empty folder"), out);
    }
  config = pt_model_config_load (config_path, &error);
  if (config == NULL
      || !pt_model_init_random_full (config, seed, tokenizer, out,
                                     dtype != NULL && g_str_equal (dtype, "bf16"), max_shard, &error))
    return pt_cli_fail (error);
  {
    guint64 n = pt_model_config_n_params (config);
    g_printerr (g_dngettext (NULL, "Wrote a randomly initialised model (%lu parameter) to %s\n",
                             "Wrote a randomly initialised model (%lu parameters) to %s\n", (gulong) n),
                (gulong) n, out);
  }
  return PT_EXIT_OK;
}
