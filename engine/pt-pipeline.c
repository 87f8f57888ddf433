/* pt-pipeline.c — a model ready to use, and what feeds it. */
#include "config.h"

#include <string.h>

#include "pt-checkpoint.h"  /* pt_checkpoint_open, pt_checkpoint_check */
#include "pt-error.h"
#include "pt-export.h"       /* pt_settings_from_peft */
#include "pt-generate.h"     /* pt_generate_greedy */
#include "pt-pipeline.h"
#include "pt-processor.h"    /* pt_processor_encode, pt_processor_collate */
#include "pt-ckpt.h"         /* pt_ckpt_load_weights */

PtModelConfig *
pt_pipeline_read_config (const char   *model_dir,
                         PtTokenizer **tokenizer,
                         GError      **error)
{
  g_autofree char *config_path = NULL;
  g_autofree char *tok_path = NULL;
  g_autoptr(PtModelConfig) config = NULL;
  g_autoptr(PtTokenizer) tok = NULL;

  if (model_dir == NULL || *model_dir == '\0')
    {
      /* a run.json or the settings without a model: a user's file, not a bug */
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "No model folder is chosen");
      return NULL;
    }
  if (!g_file_test (model_dir, G_FILE_TEST_IS_DIR))
    {
      g_autofree char *display = g_filename_display_name (model_dir);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The model folder %s does not exist", display);
      return NULL;
    }
  config_path = g_build_filename (model_dir, "config.json", NULL);
  config = pt_model_config_load (config_path, error);
  if (config == NULL)
    return NULL;

  if (tokenizer != NULL)
    {
      tok_path = g_build_filename (model_dir, "tokenizer.model", NULL);
      if (!g_file_test (tok_path, G_FILE_TEST_EXISTS))
        {
          g_autofree char *display = g_filename_display_name (model_dir);
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "The model folder %s has no tokenizer.model (the SentencePiece tokenizer "
                       "PaliTune reads)", display);
          return NULL;
        }
      tok = pt_tokenizer_load (tok_path, error);
      if (tok == NULL)
        return NULL;
      if (!pt_tokenizer_set_image_token (tok, config->image_token_index, error))
        return NULL;
      if (pt_tokenizer_n_tokens (tok) > config->vocab_size)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "The tokenizer has %d tokens but the model only %d embeddings",
                       pt_tokenizer_n_tokens (tok), config->vocab_size);
          return NULL;
        }
      *tokenizer = g_steal_pointer (&tok);
    }
  return g_steal_pointer (&config);
}

/* The precision a run's settings ask for; without settings, auto. */
static gboolean
settings_precision (const PtTrainSettings *settings,
                    PtPrecision           *precision,
                    GError               **error)
{
  *precision = PT_PRECISION_AUTO;
  if (settings == NULL || settings->precision == NULL
      || pt_precision_parse (settings->precision, precision))
    return TRUE;
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
               "Unknown precision “%s” (auto, bf16 or f32)", settings->precision);
  return FALSE;
}

static PtPipeline *
open_with (const char            *model_dir,
           const PtTrainSettings *settings,
           const char            *device,
           PtPrecision            precision,
           guint64                memory_limit,
           int                    max_batch,
           int                    max_text_len,
           gboolean               training,
           GError               **error)
{
  g_autoptr(PtPipeline) pipe = g_new0 (PtPipeline, 1);
  g_autoptr(PtCheckpoint) ck = NULL;

  g_return_val_if_fail (max_batch > 0 && max_text_len > 0, NULL);

  pipe->model_dir = g_strdup (model_dir);
  pipe->config = pt_pipeline_read_config (model_dir, &pipe->tokenizer, error);
  if (pipe->config == NULL)
    return NULL;
  /* config.json against the tensors' headers before anything is allocated:
   * a folder whose config.json says another size fails in a moment instead
   * of after allocating (and loading) a model of the wrong size */
  ck = pt_checkpoint_open (model_dir, error);
  if (ck == NULL)
    return NULL;
  {
    g_auto(GStrv) warnings = pt_checkpoint_check (ck, error);
    if (warnings == NULL)
      {
        g_prefix_error (error, "%s does not match its config.json: ", model_dir);
        return NULL;
      }
  }
  if (settings != NULL && settings->resolution != 0
      && settings->resolution != pipe->config->image_size)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "This checkpoint works at %d px; PaliTune cannot resize its position "
                   "embeddings to %d px yet. Choose %d px, or a checkpoint made for %d px.",
                   pipe->config->image_size, settings->resolution, pipe->config->image_size,
                   settings->resolution);
      return NULL;
    }
  pipe->image_size = pipe->config->image_size;
  pipe->max_batch = max_batch;
  pipe->max_text_len = max_text_len;
  pipe->max_seq = pipe->config->num_image_tokens + max_text_len;
  if (settings != NULL)
    pipe->settings = pt_train_settings_copy (settings);

  if (device == NULL)
    device = settings != NULL ? settings->device : "cpu";
  pipe->backend = pt_backend_new_full (device, precision, memory_limit, error);
  if (pipe->backend == NULL)
    return NULL;
  pipe->model = pt_model_new (pipe->backend, pipe->config, settings, max_batch, pipe->max_seq,
                              training, error);
  if (pipe->model == NULL)
    return NULL;
  if (!pt_model_load_checkpoint (pipe->model, ck, error))
    return NULL;
  if (settings != NULL && settings->adapter_dir != NULL && *settings->adapter_dir != '\0'
      && !pt_model_load_adapter (pipe->model, settings->adapter_dir, error))
    return NULL;
  return g_steal_pointer (&pipe);
}

PtPipeline *
pt_pipeline_open (const char            *model_dir,
                  const PtTrainSettings *settings,
                  const char            *device,
                  int                    max_batch,
                  int                    max_text_len,
                  gboolean               training,
                  GError               **error)
{
  PtPrecision precision;

  if (!settings_precision (settings, &precision, error))
    return NULL;
  return open_with (model_dir, settings, device, precision,
                    settings != NULL ? settings->memory_limit : 0, max_batch, max_text_len,
                    training, error);
}

void
pt_pipeline_free (PtPipeline *pipe)
{
  if (pipe == NULL)
    return;
  g_clear_pointer (&pipe->model, pt_model_free);
  g_clear_pointer (&pipe->backend, pt_backend_free);
  g_clear_pointer (&pipe->tokenizer, pt_tokenizer_free);
  g_clear_pointer (&pipe->config, pt_model_config_free);
  g_clear_pointer (&pipe->settings, pt_train_settings_free);
  g_free (pipe->model_dir);
  g_free (pipe);
}

gboolean
pt_pipeline_load_trained (PtPipeline *pipe,
                          const char *checkpoint_dir,
                          GError    **error)
{
  return pt_ckpt_load_weights (checkpoint_dir, pipe->model, error);
}

/* ---- examples ------------------------------------------------------------------ */

int
pt_measure_text (PtTokenizer *tok,
                 PtDataset   *dataset,
                 const guint *records,
                 guint        n,
                 const char  *template_,
                 int          limit,
                 guint       *n_over,
                 GError     **error)
{
  int longest = 3;

  *n_over = 0;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *prompt = pt_dataset_get_prompt (dataset, records[i], template_);
      g_autoptr(PtEncoded) enc = NULL;
      PtRecord r;

      pt_dataset_get_record (dataset, records[i], &r);
      enc = pt_processor_encode (tok, 0, prompt, r.answer, 0, error);
      if (enc == NULL)
        {
          g_prefix_error (error, "%s line %u: ", r.file, r.line);
          return -1;
        }
      if (enc->n > limit)
        (*n_over)++;
      longest = MAX (longest, MIN (enc->n, limit));
    }
  return longest;
}

PtPipeline *
pt_pipeline_open_inference (const char *model_dir,
                            const char *adapter_dir,
                            const char *run_dir,
                            const char *checkpoint,
                            const char *device,
                            int         max_batch,
                            int         max_text_len,
                            GError    **error)
{
  return pt_pipeline_open_inference_full (model_dir, adapter_dir, run_dir, checkpoint, device,
                                          NULL, 0, max_batch, max_text_len, error);
}

PtPipeline *
pt_pipeline_open_inference_full (const char *model_dir,
                                 const char *adapter_dir,
                                 const char *run_dir,
                                 const char *checkpoint,
                                 const char *device,
                                 const char *precision_name,
                                 guint64     memory_limit,
                                 int         max_batch,
                                 int         max_text_len,
                                 GError    **error)
{
  g_autoptr(PtTrainSettings) s = NULL;
  g_autoptr(PtRun) run = NULL;
  g_autofree char *ckpt = NULL;
  g_autoptr(PtPipeline) pipe = NULL;
  PtPrecision precision = PT_PRECISION_AUTO;

  if (precision_name != NULL && !pt_precision_parse (precision_name, &precision))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "Unknown precision “%s” (auto, bf16 or f32)", precision_name);
      return NULL;
    }

  if (max_text_len <= 0)
    max_text_len = 128;
  if (run_dir != NULL)
    {
      run = pt_run_open (run_dir, error);
      if (run == NULL)
        return NULL;
      s = pt_train_settings_copy (pt_run_get_settings (run));
      g_clear_pointer (&s->adapter_dir, g_free);   /* the checkpoint supersedes it */
      if (model_dir != NULL)
        {
          g_free (s->model_dir);
          s->model_dir = g_strdup (model_dir);
        }
      ckpt = checkpoint ? g_strdup (checkpoint) : pt_ckpt_preferred (run);
      if (ckpt == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "The run “%s” has no checkpoint yet", pt_run_get_name (run));
          return NULL;
        }
      /* the run's precision unless one is given */
      if (precision_name == NULL && !settings_precision (s, &precision, error))
        return NULL;
      pipe = open_with (s->model_dir, s, device ? device : "cpu", precision, memory_limit,
                        max_batch, max_text_len, FALSE, error);
      if (pipe == NULL || !pt_pipeline_load_trained (pipe, ckpt, error))
        return NULL;
      return g_steal_pointer (&pipe);
    }
  if (model_dir == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "No model folder given");
      return NULL;
    }
  if (adapter_dir != NULL)
    {
      g_autoptr(PtModelConfig) config = pt_pipeline_read_config (model_dir, NULL, error);
      if (config == NULL)
        return NULL;
      s = pt_train_settings_new ();
      s->model_dir = g_strdup (model_dir);
      if (!pt_settings_from_peft (s, adapter_dir, config, error))
        return NULL;
    }
  return open_with (model_dir, s, device ? device : "cpu", precision, memory_limit, max_batch,
                    max_text_len, FALSE, error);
}

void
pt_pipeline_loader_source (PtPipeline     *pipe,
                           PtDataset      *dataset,
                           const char     *template_,
                           gboolean        prompts_only,
                           PtLoaderSource *source)
{
  memset (source, 0, sizeof *source);
  source->dataset = dataset;
  source->tokenizer = pipe->tokenizer;
  source->image_size = pipe->image_size;
  source->num_image_tokens = pipe->config->num_image_tokens;
  source->max_text_len = pipe->max_text_len;
  source->prompt_template = template_;
  source->pad_id = pipe->config->pad_token_id;
  source->prompts_only = prompts_only;
}

/* ---- generation -------------------------------------------------------------------- */

gboolean
pt_pipeline_generate (PtPipeline        *pipe,
                      const float       *pixels,
                      const char *const *prompts,
                      int                n,
                      int                max_new_tokens,
                      char             **answers,
                      GError           **error)
{
  const gsize image_floats = (gsize) 3 * pipe->image_size * pipe->image_size;
  int B = pipe->max_batch;

  g_return_val_if_fail (n >= 0 && max_new_tokens > 0, FALSE);

  for (int start = 0; start < n; start += B)
    {
      int rows = MIN (B, n - start);
      g_autoptr(GPtrArray) encoded = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_encoded_free);
      g_autofree const int32_t **ids = g_new0 (const int32_t *, rows);
      g_autofree int *lens = g_new0 (int, rows);
      g_autofree int32_t *out = g_new (int32_t, (gsize) rows * max_new_tokens);
      g_autofree int *out_len = g_new0 (int, rows);
      PtGenerateInput input;

      for (int i = 0; i < rows; i++)
        {
          PtEncoded *enc = pt_processor_encode (pipe->tokenizer, pipe->config->num_image_tokens,
                                                prompts[start + i], NULL, pipe->max_text_len,
                                                error);
          if (enc == NULL)
            return FALSE;
          g_ptr_array_add (encoded, enc);
          ids[i] = enc->input_ids;
          lens[i] = enc->n;
        }
      input.B = rows;
      input.prompts = ids;
      input.prompt_len = lens;
      input.pixels = pixels + (gsize) start * image_floats;
      if (!pt_generate_greedy (pipe->model, &input, max_new_tokens, -1, out, out_len, error))
        return FALSE;
      for (int i = 0; i < rows; i++)
        {
          g_autofree char *text = pt_tokenizer_decode (pipe->tokenizer, out + (gsize) i * max_new_tokens,
                                                       out_len[i], TRUE);
          answers[start + i] = g_strdup (g_strstrip (text));
        }
    }
  return TRUE;
}

char *
pt_pipeline_answer (PtPipeline    *pipe,
                    const PtImage *image,
                    const char    *prompt,
                    int            max_new_tokens,
                    GError       **error)
{
  g_autofree float *pixels = g_new (float, (gsize) 3 * pipe->image_size * pipe->image_size);
  char *answer = NULL;
  const char *prompts[1] = { prompt };

  pt_image_preprocess (image, pipe->image_size, pixels);
  if (!pt_pipeline_generate (pipe, pixels, prompts, 1, max_new_tokens, &answer, error))
    return NULL;
  return answer;
}
