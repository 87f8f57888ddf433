/* pt-metrics.c — metrics.jsonl rows: the train row's writer and every row's reader. */
#include "config.h"

#include <math.h>            /* NAN */
#include <string.h>          /* memset */

#include "pt-json.h"         /* pt_json_get_* */
#include "pt-metrics.h"
#include "pt-run.h"          /* pt_run_read_metrics */

JsonNode *
pt_step_metrics_to_json (const PtStepMetrics *m)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, "train");
#define INT(key, v) G_STMT_START { json_builder_set_member_name (b, key); json_builder_add_int_value (b, v); } G_STMT_END
#define DBL(key, v) G_STMT_START { json_builder_set_member_name (b, key); json_builder_add_double_value (b, v); } G_STMT_END
  INT ("step", m->step);
  DBL ("epoch", m->epoch);
  INT ("samples", (gint64) m->samples);
  DBL ("loss", m->loss);
  DBL ("lr", m->lr);
  DBL ("grad_norm", m->grad_norm);
  DBL ("step_ms", m->step_ms);
  DBL ("data_ms", m->data_ms);
  DBL ("forward_ms", m->forward_ms);
  DBL ("backward_ms", m->backward_ms);
  DBL ("optim_ms", m->optim_ms);
  DBL ("samples_per_s", m->samples_per_s);
  DBL ("tokens_per_s", m->tokens_per_s);
  INT ("memory", (gint64) m->memory_in_use);
  INT ("memory_peak", (gint64) m->memory_peak);
  DBL ("elapsed", m->elapsed_s);
  if (m->skipped)
    {
      json_builder_set_member_name (b, "skipped");
      json_builder_add_boolean_value (b, TRUE);
    }
#undef INT
#undef DBL
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
train_from_json (JsonObject *o, PtStepMetrics *m)
{
  memset (m, 0, sizeof *m);
  m->step = (int) pt_json_get_int (o, "step", 0);
  m->epoch = pt_json_get_double (o, "epoch", NAN);
  m->samples = (guint64) MAX (pt_json_get_int (o, "samples", 0), 0);
  m->loss = pt_json_get_double (o, "loss", NAN);
  m->lr = pt_json_get_double (o, "lr", NAN);
  m->grad_norm = pt_json_get_double (o, "grad_norm", NAN);
  m->step_ms = pt_json_get_double (o, "step_ms", NAN);
  m->data_ms = pt_json_get_double (o, "data_ms", NAN);
  m->forward_ms = pt_json_get_double (o, "forward_ms", NAN);
  m->backward_ms = pt_json_get_double (o, "backward_ms", NAN);
  m->optim_ms = pt_json_get_double (o, "optim_ms", NAN);
  m->samples_per_s = pt_json_get_double (o, "samples_per_s", NAN);
  m->tokens_per_s = pt_json_get_double (o, "tokens_per_s", NAN);
  m->memory_in_use = (guint64) MAX (pt_json_get_int (o, "memory", 0), 0);
  m->memory_peak = (guint64) MAX (pt_json_get_int (o, "memory_peak", 0), 0);
  m->elapsed_s = pt_json_get_double (o, "elapsed", NAN);
  m->eta_s = -1;
  m->skipped = json_object_get_boolean_member_with_default (o, "skipped", FALSE);
}

static PtEvalMetrics *
eval_from_json (JsonObject *o)
{
  PtEvalMetrics *m = g_new0 (PtEvalMetrics, 1);
  JsonNode *samples = json_object_get_member (o, "samples");
  JsonNode *by_type = json_object_get_member (o, "by_type");
  JsonNode *by_answer_type = json_object_get_member (o, "by_answer_type");

  m->step = (int) pt_json_get_int (o, "step", 0);
  /* older rows wrote the validation loss as "loss" only */
  m->val_loss = pt_json_get_double (o, "val_loss", pt_json_get_double (o, "loss", NAN));
  m->vqa_accuracy = pt_json_get_double (o, "vqa_accuracy", NAN);
  m->exact_match = pt_json_get_double (o, "exact_match", NAN);
  m->n = (guint) CLAMP (pt_json_get_int (o, "n", 0), 0, G_MAXUINT);
  m->n_loss = (guint) CLAMP (pt_json_get_int (o, "n_loss", 0), 0, G_MAXUINT);
  m->seconds = pt_json_get_double (o, "seconds", NAN);
  if ((by_type != NULL && JSON_NODE_HOLDS_OBJECT (by_type))
      || (by_answer_type != NULL && JSON_NODE_HOLDS_OBJECT (by_answer_type)))
    {
      JsonObject *d = json_object_new ();
      if (by_type != NULL && JSON_NODE_HOLDS_OBJECT (by_type))
        json_object_set_member (d, "by_type", json_node_copy (by_type));
      if (by_answer_type != NULL && JSON_NODE_HOLDS_OBJECT (by_answer_type))
        json_object_set_member (d, "by_answer_type", json_node_copy (by_answer_type));
      m->details = json_node_init_object (json_node_alloc (), d);
      json_object_unref (d);
    }
  m->samples = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_eval_sample_free);
  if (samples != NULL && JSON_NODE_HOLDS_ARRAY (samples))
    {
      JsonArray *a = json_node_get_array (samples);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *sn = json_array_get_element (a, i);
          JsonObject *so;
          PtEvalSample *s;

          if (!JSON_NODE_HOLDS_OBJECT (sn))
            continue;
          so = json_node_get_object (sn);
          s = g_new0 (PtEvalSample, 1);
          s->record = (guint) CLAMP (pt_json_get_int (so, "record", 0), 0, G_MAXUINT);
          s->image_path = g_strdup (pt_json_get_string (so, "image", NULL));
          s->question = g_strdup (pt_json_get_string (so, "question", ""));
          s->answer = g_strdup (pt_json_get_string (so, "answer", ""));
          s->prediction = g_strdup (pt_json_get_string (so, "prediction", ""));
          g_ptr_array_add (m->samples, s);
        }
    }
  return m;
}

PtMetricsRow *
pt_metrics_row_from_json (JsonObject *o)
{
  const char *type;
  PtMetricsRow *row;

  g_return_val_if_fail (o != NULL, NULL);

  type = pt_json_get_string (o, "type", "");
  if (pt_json_get_int (o, "step", -1) < 0 || pt_json_get_int (o, "step", -1) > G_MAXINT)
    return NULL;
  if (g_str_equal (type, "train"))
    {
      row = g_new0 (PtMetricsRow, 1);
      row->kind = PT_METRICS_TRAIN;
      train_from_json (o, &row->train);
      row->step = row->train.step;
      return row;
    }
  if (g_str_equal (type, "eval"))
    {
      row = g_new0 (PtMetricsRow, 1);
      row->kind = PT_METRICS_EVAL;
      row->eval = eval_from_json (o);
      row->step = row->eval->step;
      return row;
    }
  return NULL;
}

void
pt_metrics_row_free (PtMetricsRow *row)
{
  if (row == NULL)
    return;
  g_clear_pointer (&row->eval, pt_eval_metrics_free);
  g_free (row);
}

GPtrArray *
pt_metrics_read (const char *run_dir,
                 int         max_step,
                 GError    **error)
{
  g_autoptr(GPtrArray) nodes = NULL;
  GPtrArray *rows;

  g_return_val_if_fail (run_dir != NULL, NULL);

  nodes = pt_run_read_metrics (run_dir, error);
  if (nodes == NULL)
    return NULL;
  rows = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_metrics_row_free);
  for (guint i = 0; i < nodes->len; i++)
    {
      PtMetricsRow *row = pt_metrics_row_from_json (json_node_get_object (nodes->pdata[i]));
      if (row == NULL)
        continue;
      if (max_step >= 0 && row->step > max_step)
        {
          pt_metrics_row_free (row);
          continue;
        }
      g_ptr_array_add (rows, row);
    }
  return rows;
}

double
pt_metrics_average_step_time (double               avg_s,
                              const PtStepMetrics *m)
{
  double s = m->step_ms / 1000.0;

  if (m->step <= 1 || !(s > 0) || !isfinite (s))
    return avg_s;
  return avg_s > 0 ? 0.8 * avg_s + 0.2 * s : s;
}
