/* pt-cli-eval.c — palitune-cli eval and predict: a model (with an adapter or
 * a run's checkpoint) on a dataset or on images. */
#include "config.h"

#include <glib/gi18n.h>
#include <math.h>            /* isnan */
#include <stdio.h>

#include "pt-cli.h"
#include "pt-error.h"
#include "pt-evaluate.h"     /* pt_evaluate */
#include "pt-json.h"         /* pt_json_to_string */
#include "pt-pipeline.h"     /* pt_pipeline_open_inference */
#include "pt-run.h"          /* pt_run_open */
#include "pt-settings.h"     /* pt_memory_size_parse */

/* The model options eval and predict share. */
typedef struct {
  char *model;
  char *adapter;
  char *run;
  char *checkpoint;
  char *device;
  char *precision;
  char *memory_limit_text;
  guint64 memory_limit;
  int   batch;
  int   max_new_tokens;
} ModelOptions;

#define MODEL_ENTRIES(o) \
  { "model", 'm', 0, G_OPTION_ARG_FILENAME, &(o).model, N_("Hugging Face PaliGemma folder"), N_("DIR") }, \
  { "adapter", 'a', 0, G_OPTION_ARG_FILENAME, &(o).adapter, N_("A PEFT adapter folder to apply"), N_("DIR") }, \
  { "run", 0, 0, G_OPTION_ARG_FILENAME, &(o).run, N_("Use a run’s trained weights (its best checkpoint)"), N_("RUN_DIR") }, \
  { "checkpoint", 0, 0, G_OPTION_ARG_FILENAME, &(o).checkpoint, N_("With --run: this checkpoint folder"), N_("DIR") }, \
  { "device", 0, 0, G_OPTION_ARG_STRING, &(o).device, N_("cpu or cuda:N (default cpu)"), N_("DEV") }, \
  { "precision", 0, 0, G_OPTION_ARG_STRING, &(o).precision, N_("auto, bf16 or f32 (default: the run’s, or auto)"), N_("P") }, \
  { "memory-limit", 0, 0, G_OPTION_ARG_STRING, &(o).memory_limit_text, N_("Most memory the CPU backend may use, such as 6G or 512M"), N_("SIZE") }, \
  { "batch", 'b', 0, G_OPTION_ARG_INT, &(o).batch, N_("Records per batch (default 8)"), N_("B") }, \
  { "max-new-tokens", 0, 0, G_OPTION_ARG_INT, &(o).max_new_tokens, N_("Longest answer in tokens (default 16)"), N_("N") }

static void
model_options_clear (ModelOptions *o)
{
  g_free (o->model);
  g_free (o->adapter);
  g_free (o->run);
  g_free (o->checkpoint);
  g_free (o->device);
  g_free (o->precision);
  g_free (o->memory_limit_text);
}

static gboolean
check_model_options (const char *command, ModelOptions *o, int *code)
{
  /* Translators: in the messages below, the first %s is a subcommand (eval, predict) */
  if (o->model == NULL && o->run == NULL)
    {
      *code = pt_cli_usage_error (_("%s: --model DIR (or --run RUN_DIR) is required"), command);
      return FALSE;
    }
  if (o->adapter != NULL && o->run != NULL)
    {
      *code = pt_cli_usage_error (_("%s: give --adapter or --run, not both"), command);
      return FALSE;
    }
  if (o->checkpoint != NULL && o->run == NULL)
    {
      *code = pt_cli_usage_error (_("%s: --checkpoint needs --run"), command);
      return FALSE;
    }
  {
    PtPrecision precision;
    if (o->precision != NULL && !pt_precision_parse (o->precision, &precision))
      {
        *code = pt_cli_usage_error (_("%s: --precision must be auto, bf16 or f32, not “%s”"),
                                    command, o->precision);
        return FALSE;
      }
  }
  if (o->memory_limit_text != NULL && !pt_memory_size_parse (o->memory_limit_text, &o->memory_limit))
    {
      *code = pt_cli_usage_error (_("%s: --memory-limit must be a size such as 6G or 512M, not “%s”"),
                                  command, o->memory_limit_text);
      return FALSE;
    }
  if (o->batch <= 0 || o->batch > 256)
    {
      *code = pt_cli_usage_error (_("%s: --batch must be between 1 and 256"), command);
      return FALSE;
    }
  if (o->max_new_tokens <= 0 || o->max_new_tokens > 4096)
    {
      *code = pt_cli_usage_error (_("%s: --max-new-tokens must be between 1 and 4096"), command);
      return FALSE;
    }
  return TRUE;
}

static void
progress_cb (guint done, guint total, gpointer user_data)
{
  gint64 *last = user_data;
  gint64 now = g_get_monotonic_time ();

  if (done < total && now - *last < 250000)
    return;
  *last = now;
  g_printerr ("\r%u / %u", done, total);
  if (done >= total)
    g_printerr ("\n");
}

int
pt_cli_eval (int argc, char **argv)
{
  ModelOptions mo = { .batch = 8, .max_new_tokens = 16 };
  g_autofree char *data = NULL;
  g_autofree char *template_ = NULL;
  g_autofree char *predictions = NULL;
  int max_samples = 0;
  gboolean json = FALSE, no_loss = FALSE, no_generate = FALSE;
  g_autofree char *split = NULL, *columns = NULL;
  const GOptionEntry entries[] = {
    MODEL_ENTRIES (mo),
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data, N_("Dataset to evaluate on (JSONL, CSV/TSV, VQAv2 folder)"), N_("PATH") },
    { "split", 0, 0, G_OPTION_ARG_STRING, &split,
      N_("Split of a Parquet/Arrow dataset to evaluate on (default train)"), N_("NAME") },
    { "columns", 0, 0, G_OPTION_ARG_STRING, &columns,
      N_("Parquet/Arrow columns per field, e.g. image=img,question=query,answer=label"),
      N_("FIELD=COLUMN,…") },
    { "template", 0, 0, G_OPTION_ARG_STRING, &template_, N_("Prompt template (default “answer {question}”; a run’s own with --run)"), N_("T") },
    { "max-samples", 'n', 0, G_OPTION_ARG_INT, &max_samples, N_("Evaluate the first N usable records (default all)"), N_("N") },
    { "no-loss", 0, 0, G_OPTION_ARG_NONE, &no_loss, N_("Skip the loss"), NULL },
    { "no-generate", 0, 0, G_OPTION_ARG_NONE, &no_generate, N_("Skip generation (no accuracy)"), NULL },
    { "predictions", 0, 0, G_OPTION_ARG_FILENAME, &predictions, N_("Write every prediction to FILE (JSONL)"), N_("FILE") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print JSON"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDataset) ds = NULL;
  g_autoptr(PtPipeline) pipe = NULL;
  g_autoptr(PtEvalMetrics) m = NULL;
  g_autofree guint *usable = NULL;
  g_autofree char *run_template = NULL;
  PtEvalOptions eo;
  guint n_usable = 0, over = 0;
  gint64 last = 0;
  int code, text_len;

  if (!pt_cli_parse ("eval", "", entries, &argc, &argv, &code))
    goto out_code;
  if (argc > 1)
    {
      code = pt_cli_usage_error (_("eval: unexpected argument “%s”"), argv[1]);
      goto out_code;
    }
  if (!check_model_options ("eval", &mo, &code))
    goto out_code;
  if (data == NULL)
    {
      code = pt_cli_usage_error (_("eval: --data PATH is required"));
      goto out_code;
    }
  if (max_samples < 0)
    {
      code = pt_cli_usage_error (_("eval: --max-samples must not be negative"));
      goto out_code;
    }

  if (!pt_dataset_check_columns (columns, &error))
    {
      code = pt_cli_usage_error ("%s", error->message);
      goto out_code;
    }
  {
    PtDatasetLoadOptions load = { split, columns };
    ds = pt_dataset_load_with_options (data, PT_DATASET_FORMAT_AUTO, &load, NULL, &error);
  }
  if (ds == NULL)
    goto out_error;
  usable = pt_dataset_get_usable (ds, &n_usable);
  if (n_usable == 0)
    {
      code = pt_cli_usage_error (_("eval: %s has no usable record"), data);
      goto out_code;
    }
  if (max_samples > 0)
    n_usable = MIN (n_usable, (guint) max_samples);
  {
    /* size the sequences for this data before building the model */
    g_autofree char *model_dir = g_strdup (mo.model);
    g_autoptr(PtTokenizer) tok = NULL;
    g_autoptr(PtModelConfig) config = NULL;

    if (mo.run != NULL)
      {
        g_autoptr(PtRun) run = pt_run_open (mo.run, &error);
        if (run == NULL)
          goto out_error;
        if (template_ == NULL)
          run_template = g_strdup (pt_run_get_settings (run)->prompt_template);
        if (model_dir == NULL)
          model_dir = g_strdup (pt_run_get_settings (run)->model_dir);
      }
    config = pt_pipeline_read_config (model_dir, &tok, &error);
    if (config == NULL)
      goto out_error;
    text_len = pt_measure_text (tok, ds, usable, n_usable, template_ ? template_ : run_template,
                                512, &over, &error);
    if (text_len < 0)
      goto out_error;
    if (over > 0)
      g_printerr (g_dngettext (NULL, "%u record is longer than 512 text tokens and is cut\n",
                               "%u records are longer than 512 text tokens and are cut\n", over), over);
  }
  pipe = pt_pipeline_open_inference_full (mo.model, mo.adapter, mo.run, mo.checkpoint, mo.device,
                                          mo.precision, mo.memory_limit, mo.batch, text_len,
                                          &error);
  if (pipe == NULL)
    goto out_error;

  pt_eval_options_init (&eo);
  eo.template_ = template_ ? template_ : run_template;
  eo.max_new_tokens = mo.max_new_tokens;
  eo.compute_loss = !no_loss;
  eo.generate = !no_generate;
  eo.keep_predictions = predictions != NULL;
  if (!json)
    {
      eo.progress = progress_cb;
      eo.user_data = &last;
    }
  m = pt_evaluate (pipe, ds, usable, n_usable, &eo, &error);
  if (m == NULL)
    goto out_error;

  if (predictions != NULL)
    {
      GString *out = g_string_new (NULL);
      gboolean ok;
      for (guint i = 0; i < m->predictions->len; i++)
        {
          PtEvalSample *sm = m->predictions->pdata[i];
          g_string_append (out, "{\"record\": ");
          g_string_append_printf (out, "%u, \"image\": ", sm->record);
          pt_json_append_string (out, sm->image_path ? sm->image_path : "");
          g_string_append (out, ", \"prompt\": ");
          pt_json_append_string (out, sm->question);
          g_string_append (out, ", \"answer\": ");
          pt_json_append_string (out, sm->answer);
          g_string_append (out, ", \"prediction\": ");
          pt_json_append_string (out, sm->prediction);
          g_string_append (out, "}\n");
        }
      ok = g_file_set_contents_full (predictions, out->str, (gssize) out->len,
                                     G_FILE_SET_CONTENTS_CONSISTENT, 0644, &error);
      g_string_free (out, TRUE);
      if (!ok)
        goto out_error;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) node = NULL;
      g_autofree char *text = NULL;
      JsonObject *d = m->details ? json_node_get_object (m->details) : NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "loss");
      if (isnan (m->val_loss)) json_builder_add_null_value (b); else json_builder_add_double_value (b, m->val_loss);
      json_builder_set_member_name (b, "vqa_accuracy");
      if (isnan (m->vqa_accuracy)) json_builder_add_null_value (b); else json_builder_add_double_value (b, m->vqa_accuracy);
      json_builder_set_member_name (b, "exact_match");
      if (isnan (m->exact_match)) json_builder_add_null_value (b); else json_builder_add_double_value (b, m->exact_match);
      json_builder_set_member_name (b, "n");
      json_builder_add_int_value (b, MAX (m->n, m->n_loss));
      if (d != NULL && json_object_get_size (json_object_get_object_member (d, "by_type")) > 0)
        {
          json_builder_set_member_name (b, "by_type");
          json_builder_add_value (b, json_node_copy (json_object_get_member (d, "by_type")));
        }
      if (d != NULL && json_object_get_size (json_object_get_object_member (d, "by_answer_type")) > 0)
        {
          json_builder_set_member_name (b, "by_answer_type");
          json_builder_add_value (b, json_node_copy (json_object_get_member (d, "by_answer_type")));
        }
      json_builder_set_member_name (b, "seconds");
      json_builder_add_double_value (b, m->seconds);
      json_builder_end_object (b);
      node = json_builder_get_root (b);
      text = pt_json_to_string (node, TRUE);
      fputs (text, stdout);
    }
  else
    {
      pt_cli_print_label (_("records"), 14);
      printf ("%u\n", MAX (m->n, m->n_loss));
      if (!isnan (m->val_loss))
        {
          pt_cli_print_label (_("loss"), 14);
          printf ("%.4f\n", m->val_loss);
        }
      if (!isnan (m->vqa_accuracy))
        {
          pt_cli_print_label (_("VQA accuracy"), 14);
          printf ("%.2f%%\n", 100 * m->vqa_accuracy);
          pt_cli_print_label (_("exact match"), 14);
          printf ("%.2f%%\n", 100 * m->exact_match);
        }
      if (m->details != NULL)
        {
          JsonObject *by = json_object_get_object_member (json_node_get_object (m->details), "by_type");
          g_autoptr(GList) types = json_object_get_members (by);
          if (types != NULL)
            {
              /* Translators: table headings: question type, count, VQA accuracy, exact match */
              printf ("\n");
              pt_cli_print_label (_("question type"), 21);
              printf ("%6s %9s %9s\n", _("n"), _("VQA acc"), _("exact"));
            }
          for (GList *l = types; l != NULL; l = l->next)
            {
              JsonObject *t = json_object_get_object_member (by, l->data);
              printf ("%-20s %6" G_GINT64_FORMAT " %8.2f%% %8.2f%%\n", (char *) l->data,
                      json_object_get_int_member (t, "n"),
                      100 * json_object_get_double_member (t, "vqa_accuracy"),
                      100 * json_object_get_double_member (t, "exact_match"));
            }
        }
      printf ("\n%.1f s\n", m->seconds);
    }
  code = PT_EXIT_OK;
  goto out_code;

out_error:
  code = pt_cli_fail (error);
out_code:
  model_options_clear (&mo);
  return code;
}

int
pt_cli_predict (int argc, char **argv)
{
  ModelOptions mo = { .batch = 8, .max_new_tokens = 32 };
  g_auto(GStrv) images = NULL;
  g_autofree char *prompt = NULL;
  g_autofree char *question = NULL;
  g_autofree char *template_ = NULL;
  gboolean json = FALSE, base_too = FALSE;
  const GOptionEntry entries[] = {
    MODEL_ENTRIES (mo),
    { "image", 'i', 0, G_OPTION_ARG_FILENAME_ARRAY, &images, N_("An image (repeat for several)"), N_("IMG") },
    { "prompt", 'p', 0, G_OPTION_ARG_STRING, &prompt, N_("The whole prompt, e.g. “answer what color is the circle?” or “detect star”"), N_("TEXT") },
    { "question", 'q', 0, G_OPTION_ARG_STRING, &question, N_("A question, put into the prompt template"), N_("TEXT") },
    { "template", 0, 0, G_OPTION_ARG_STRING, &template_, N_("Prompt template for --question (default “answer {question}”)"), N_("T") },
    { "compare", 0, 0, G_OPTION_ARG_NONE, &base_too, N_("Also answer with the base model (LoRA off)"), NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("One JSON object per line"), NULL },
    { NULL }
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(PtPipeline) pipe = NULL;
  g_autofree char *text = NULL;
  int code;

  if (!pt_cli_parse ("predict", "", entries, &argc, &argv, &code))
    goto out_code;
  if (argc > 1)
    {
      code = pt_cli_usage_error (_("predict: unexpected argument “%s”"), argv[1]);
      goto out_code;
    }
  if (!check_model_options ("predict", &mo, &code))
    goto out_code;
  if (images == NULL || images[0] == NULL)
    {
      code = pt_cli_usage_error (_("predict: give at least one --image IMG"));
      goto out_code;
    }
  if ((prompt == NULL) == (question == NULL))
    {
      code = pt_cli_usage_error (_("predict: give --prompt TEXT or --question TEXT"));
      goto out_code;
    }
  text = prompt ? g_strdup (prompt) : pt_prompt_apply (template_, question);

  pipe = pt_pipeline_open_inference_full (mo.model, mo.adapter, mo.run, mo.checkpoint, mo.device,
                                          mo.precision, mo.memory_limit,
                                          MIN (mo.batch, (int) g_strv_length (images)), 128,
                                          &error);
  if (pipe == NULL)
    goto out_error;
  base_too = base_too && pipe->settings != NULL && pipe->settings->mode != PT_MODE_FULL;

  for (guint i = 0; images[i] != NULL; i++)
    {
      g_autoptr(PtImage) img = pt_image_load (images[i], NULL, &error);
      g_autofree char *answer = NULL;
      g_autofree char *base = NULL;
      gint64 t0 = g_get_monotonic_time ();
      double ms;

      if (img == NULL)
        goto out_error;
      answer = pt_pipeline_answer (pipe, img, text, mo.max_new_tokens, &error);
      if (answer == NULL)
        goto out_error;
      ms = (g_get_monotonic_time () - t0) / 1000.0;
      if (base_too)
        {
          pt_model_set_lora_enabled (pipe->model, FALSE);
          base = pt_pipeline_answer (pipe, img, text, mo.max_new_tokens, &error);
          pt_model_set_lora_enabled (pipe->model, TRUE);
          if (base == NULL)
            goto out_error;
        }
      if (json)
        {
          GString *line = g_string_new ("{\"image\": ");
          pt_json_append_string (line, images[i]);
          g_string_append (line, ", \"prompt\": ");
          pt_json_append_string (line, text);
          g_string_append (line, ", \"answer\": ");
          pt_json_append_string (line, answer);
          if (base != NULL)
            {
              g_string_append (line, ", \"base_answer\": ");
              pt_json_append_string (line, base);
            }
          g_string_append_printf (line, ", \"ms\": %.1f}\n", ms);
          fputs (line->str, stdout);
          g_string_free (line, TRUE);
        }
      else if (base != NULL)
        /* Translators: IMAGE: TUNED ANSWER (base: BASE MODEL'S ANSWER) */
        printf (_("%s: %s (base: %s)\n"), images[i], answer, base);
      else if (images[1] != NULL)
        printf ("%s: %s\n", images[i], answer);
      else
        printf ("%s\n", answer);
      fflush (stdout);
    }
  code = PT_EXIT_OK;
  goto out_code;

out_error:
  code = pt_cli_fail (error);
out_code:
  model_options_clear (&mo);
  return code;
}
