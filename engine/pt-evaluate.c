/* pt-evaluate.c — validation loss and VQA accuracy. */
#include "config.h"

#include <math.h>          /* NAN */
#include <string.h>        /* memset */

#include "pt-error.h"
#include "pt-evaluate.h"
#include "pt-generate.h"   /* pt_generate_greedy */
#include "pt-vqa.h"        /* PtVqaAccumulator */

void
pt_eval_options_init (PtEvalOptions *o)
{
  memset (o, 0, sizeof *o);
  o->max_new_tokens = 16;
  o->compute_loss = TRUE;
  o->generate = TRUE;
  o->n_samples = 4;
}

void
pt_eval_sample_free (PtEvalSample *s)
{
  if (s == NULL)
    return;
  g_free (s->image_path);
  g_free (s->question);
  g_free (s->answer);
  g_free (s->prediction);
  g_free (s);
}

void
pt_eval_metrics_free (PtEvalMetrics *m)
{
  if (m == NULL)
    return;
  g_clear_pointer (&m->details, json_node_unref);
  g_clear_pointer (&m->samples, g_ptr_array_unref);
  g_clear_pointer (&m->predictions, g_ptr_array_unref);
  g_free (m);
}

static PtLoader *
make_loader (PtPipeline *pipe, PtDataset *dataset, gboolean prompts_only, const guint *records,
             guint n, const PtEvalOptions *o)
{
  PtLoaderOptions lo;
  PtLoaderSource src;

  pt_pipeline_loader_source (pipe, dataset, o->template_, prompts_only, &src);
  pt_loader_options_init (&lo);
  lo.batch_size = pipe->max_batch;
  lo.n_threads = o->n_threads;
  return pt_loader_new (&src, records, n, &lo);
}

/* The loader's next batch; NULL at the end (*ok TRUE), or when the
 * evaluation was cancelled or the loader failed (*ok FALSE, error set). */
static PtBatch *
next_batch (PtLoader *loader, GCancellable *cancellable, gboolean *ok, GError **error)
{
  PtBatch *batch;
  guint k;

  if (cancellable != NULL && g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_CANCELLED, "Evaluation stopped");
      *ok = FALSE;
      return NULL;
    }
  batch = pt_loader_next (loader, &k, error);
  *ok = batch != NULL || error == NULL || *error == NULL;
  return batch;
}

static gboolean
eval_loss (PtPipeline *pipe, PtDataset *dataset, const guint *records, guint n,
           const PtEvalOptions *o, guint *done, guint total, PtEvalMetrics *m, GError **error)
{
  g_autoptr(PtLoader) loader = make_loader (pipe, dataset, FALSE, records, n, o);
  double sum = 0;
  guint64 tokens = 0;
  gboolean ok = TRUE;

  for (;;)
    {
      g_autoptr(PtBatch) batch = next_batch (loader, o->cancellable, &ok, error);
      PtLossResult r;

      if (batch == NULL)
        break;
      if (!pt_model_forward_loss (pipe->model, batch, FALSE, &r, NULL, error))
        {
          ok = FALSE;
          break;
        }
      sum += r.loss_sum;
      tokens += r.n_tokens;
      m->n_loss += batch->B;
      *done += batch->B;
      if (o->progress)
        o->progress (*done, total, o->user_data);
    }
  g_clear_pointer (&loader, pt_loader_free);
  m->val_loss = tokens > 0 ? sum / tokens : NAN;
  m->n_loss_tokens = tokens;
  return ok;
}

static PtEvalSample *
make_sample (PtDataset *dataset, guint record, const char *prompt, const char *prediction)
{
  PtEvalSample *s = g_new0 (PtEvalSample, 1);
  PtRecord r;

  pt_dataset_get_record (dataset, record, &r);
  s->record = record;
  s->image_path = g_strdup (r.image);
  s->question = g_strdup (prompt);
  s->answer = g_strdup (r.answer);
  s->prediction = g_strdup (prediction);
  return s;
}

static gboolean
eval_generate (PtPipeline *pipe, PtDataset *dataset, const guint *records, guint n,
               const PtEvalOptions *o, guint *done, guint total, PtEvalMetrics *m, GError **error)
{
  g_autoptr(PtLoader) loader = make_loader (pipe, dataset, TRUE, records, n, o);
  g_autoptr(PtVqaAccumulator) acc = pt_vqa_accumulator_new ();
  int max_new = o->max_new_tokens > 0 ? o->max_new_tokens : 16;
  gboolean ok = TRUE;

  m->samples = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_eval_sample_free);
  if (o->keep_predictions)
    m->predictions = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_eval_sample_free);

  for (;;)
    {
      g_autoptr(PtBatch) batch = next_batch (loader, o->cancellable, &ok, error);
      g_autofree const int32_t **prompts = NULL;
      g_autofree int *lens = NULL;
      g_autofree int32_t *out = NULL;
      g_autofree int *out_len = NULL;
      PtGenerateInput input;

      if (batch == NULL)
        break;
      prompts = g_new (const int32_t *, batch->B);
      lens = g_new (int, batch->B);
      out = g_new (int32_t, (gsize) batch->B * max_new);
      out_len = g_new0 (int, batch->B);
      for (int i = 0; i < batch->B; i++)
        {
          prompts[i] = batch->input_ids + (gsize) i * batch->T;
          lens[i] = batch->seq_len[i];
        }
      input.B = batch->B;
      input.prompts = prompts;
      input.prompt_len = lens;
      input.pixels = batch->pixels;
      if (!pt_generate_greedy (pipe->model, &input, max_new, -1, out, out_len, error))
        {
          ok = FALSE;
          break;
        }
      for (int i = 0; i < batch->B; i++)
        {
          guint rec = batch->record_index[i];
          g_autofree char *raw = pt_tokenizer_decode (pipe->tokenizer, out + (gsize) i * max_new,
                                                      out_len[i], TRUE);
          g_autofree char *prompt = pt_dataset_get_prompt (dataset, rec, o->template_);
          g_autofree const char **answers = NULL;
          char *prediction = g_strstrip (raw);
          PtRecord r;

          pt_dataset_get_record (dataset, rec, &r);
          if (r.n_answers > 0)
            {
              answers = g_new (const char *, r.n_answers);
              for (guint a = 0; a < r.n_answers; a++)
                answers[a] = pt_dataset_get_answer (dataset, rec, a);
            }
          pt_vqa_accumulator_add (acc, prediction, r.answer, answers, r.n_answers,
                                  r.question_type, r.answer_type);
          if ((int) m->samples->len < o->n_samples)
            g_ptr_array_add (m->samples, make_sample (dataset, rec, prompt, prediction));
          if (m->predictions != NULL)
            g_ptr_array_add (m->predictions, make_sample (dataset, rec, prompt, prediction));
        }
      *done += batch->B;
      if (o->progress)
        o->progress (*done, total, o->user_data);
    }
  g_clear_pointer (&loader, pt_loader_free);
  m->n = pt_vqa_accumulator_count (acc);
  if (m->n > 0)
    {
      m->vqa_accuracy = pt_vqa_accumulator_vqa_accuracy (acc);
      m->exact_match = pt_vqa_accumulator_exact_match (acc);
      m->details = pt_vqa_accumulator_to_json (acc);
    }
  return ok;
}

PtEvalMetrics *
pt_evaluate (PtPipeline          *pipe,
             PtDataset           *dataset,
             const guint         *records,
             guint                n,
             const PtEvalOptions *options,
             GError             **error)
{
  g_autoptr(PtEvalMetrics) m = g_new0 (PtEvalMetrics, 1);
  PtEvalOptions defaults;
  const PtEvalOptions *o = options;
  guint n_loss, n_gen, done = 0;
  gint64 start = g_get_monotonic_time ();

  g_return_val_if_fail (pipe != NULL && dataset != NULL, NULL);

  if (o == NULL)
    {
      pt_eval_options_init (&defaults);
      o = &defaults;
    }
  m->val_loss = NAN;
  m->vqa_accuracy = NAN;
  m->exact_match = NAN;
  n_loss = o->compute_loss ? (o->max_loss ? MIN (o->max_loss, n) : n) : 0;
  n_gen = o->generate ? (o->max_generate ? MIN (o->max_generate, n) : n) : 0;

  if (n_loss > 0 && !eval_loss (pipe, dataset, records, n_loss, o, &done, n_loss + n_gen, m, error))
    return NULL;
  if (n_gen > 0 && !eval_generate (pipe, dataset, records, n_gen, o, &done, n_loss + n_gen, m, error))
    return NULL;
  m->seconds = (g_get_monotonic_time () - start) / 1e6;
  return g_steal_pointer (&m);
}

static void
add_double_or_null (JsonBuilder *b, const char *key, double v)
{
  json_builder_set_member_name (b, key);
  if (isnan (v))
    json_builder_add_null_value (b);
  else
    json_builder_add_double_value (b, v);
}

JsonNode *
pt_eval_metrics_to_json (const PtEvalMetrics *m,
                         gboolean             with_samples)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "eval");
  json_builder_set_member_name (b, "step");
  json_builder_add_int_value (b, m->step);
  add_double_or_null (b, "val_loss", m->val_loss);
  add_double_or_null (b, "loss", m->val_loss);
  add_double_or_null (b, "vqa_accuracy", m->vqa_accuracy);
  add_double_or_null (b, "exact_match", m->exact_match);
  json_builder_set_member_name (b, "n");
  json_builder_add_int_value (b, m->n);
  json_builder_set_member_name (b, "n_loss");
  json_builder_add_int_value (b, m->n_loss);
  json_builder_set_member_name (b, "seconds");
  json_builder_add_double_value (b, m->seconds);
  if (m->details != NULL)
    {
      JsonObject *d = json_node_get_object (m->details);
      json_builder_set_member_name (b, "by_type");
      json_builder_add_value (b, json_node_copy (json_object_get_member (d, "by_type")));
      json_builder_set_member_name (b, "by_answer_type");
      json_builder_add_value (b, json_node_copy (json_object_get_member (d, "by_answer_type")));
    }
  if (with_samples && m->samples != NULL)
    {
      json_builder_set_member_name (b, "samples");
      json_builder_begin_array (b);
      for (guint i = 0; i < m->samples->len; i++)
        {
          PtEvalSample *s = m->samples->pdata[i];
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "record");
          json_builder_add_int_value (b, s->record);
          json_builder_set_member_name (b, "image");
          json_builder_add_string_value (b, s->image_path ? s->image_path : "");
          json_builder_set_member_name (b, "question");
          json_builder_add_string_value (b, s->question);
          json_builder_set_member_name (b, "answer");
          json_builder_add_string_value (b, s->answer);
          json_builder_set_member_name (b, "prediction");
          json_builder_add_string_value (b, s->prediction);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
