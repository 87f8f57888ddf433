/* test-metrics.c — metrics.jsonl: the rows the trainer writes read back typed. */
#include "config.h"

#include <math.h>            /* isnan, NAN */
#include <string.h>

#include "pt-error.h"
#include "pt-json.h"         /* pt_json_to_string */
#include "pt-metrics.h"
#include "pt-run.h"
#include "pt-test-util.h"

static void
append_line (const char *dir, const char *line)
{
  g_autofree char *path = g_build_filename (dir, "metrics.jsonl", NULL);
  g_autofree char *text = NULL;
  g_autofree char *joined = NULL;

  g_file_get_contents (path, &text, NULL, NULL);
  joined = g_strconcat (text ? text : "", line, NULL);
  g_assert_true (g_file_set_contents (path, joined, -1, NULL));
}

static void
append_row (const char *dir, JsonNode *row)
{
  g_autofree char *line = pt_json_to_string (row, FALSE);
  g_autofree char *with_nl = g_strconcat (line, "\n", NULL);
  append_line (dir, with_nl);
}

static void
test_round_trip (void)
{
  g_autofree char *dir = pt_test_make_temp_dir ("pt-metrics-XXXXXX");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  PtStepMetrics m = { 0 };
  PtEvalMetrics e = { 0 };
  PtEvalSample sample = { 7, (char *) "img/a.png", (char *) "answer what", (char *) "red", (char *) "blue" };
  g_autoptr(GPtrArray) samples = g_ptr_array_new ();
  g_autoptr(JsonNode) train_row = NULL, skipped_row = NULL, eval_row = NULL;
  PtMetricsRow *r;

  m.step = 3;
  m.epoch = 0.75;
  m.samples = 24;
  m.loss = 1.25;
  m.lr = 2e-5;
  m.grad_norm = 0.5;
  m.step_ms = 250;
  m.data_ms = 1;
  m.forward_ms = 100;
  m.backward_ms = 120;
  m.optim_ms = 29;
  m.samples_per_s = 32;
  m.tokens_per_s = 4096;
  m.memory_in_use = 1 << 20;
  m.memory_peak = 3 << 20;
  m.elapsed_s = 0.75;
  train_row = pt_step_metrics_to_json (&m);
  append_row (dir, train_row);

  m.step = 4;
  m.loss = NAN;   /* written as null, read as NaN */
  m.grad_norm = INFINITY;
  m.skipped = TRUE;
  skipped_row = pt_step_metrics_to_json (&m);
  append_row (dir, skipped_row);

  e.step = 4;
  e.val_loss = 1.5;
  e.vqa_accuracy = 0.25;
  e.exact_match = NAN;
  e.n = 8;
  e.n_loss = 8;
  e.seconds = 2;
  g_ptr_array_add (samples, &sample);
  e.samples = samples;
  e.details = pt_json_parse ("{\"by_type\": {\"what\": 0.25}, \"by_answer_type\": {\"other\": 0.25}}", -1, "details", NULL);
  eval_row = pt_eval_metrics_to_json (&e, TRUE);
  json_node_unref (e.details);
  append_row (dir, eval_row);
  /* not metrics rows: skipped */
  append_line (dir, "{\"type\": \"note\", \"step\": 5}\n[1, 2]\n{\"type\": \"train\", \"step\": -1}\n");
  /* a crash mid-line */
  append_line (dir, "{\"type\": \"train\", \"step\": 6, \"loss\": 0.");

  rows = pt_metrics_read (dir, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 3);

  r = rows->pdata[0];
  g_assert_cmpint (r->kind, ==, PT_METRICS_TRAIN);
  g_assert_cmpint (r->step, ==, 3);
  g_assert_cmpfloat (r->train.epoch, ==, 0.75);
  g_assert_cmpuint (r->train.samples, ==, 24);
  g_assert_cmpfloat (r->train.loss, ==, 1.25);
  g_assert_cmpfloat (r->train.lr, ==, 2e-5);
  g_assert_cmpfloat (r->train.grad_norm, ==, 0.5);
  g_assert_cmpfloat (r->train.step_ms, ==, 250);
  g_assert_cmpfloat (r->train.optim_ms, ==, 29);
  g_assert_cmpfloat (r->train.samples_per_s, ==, 32);
  g_assert_cmpfloat (r->train.tokens_per_s, ==, 4096);
  g_assert_cmpuint (r->train.memory_in_use, ==, 1 << 20);
  g_assert_cmpuint (r->train.memory_peak, ==, 3 << 20);
  g_assert_cmpfloat (r->train.elapsed_s, ==, 0.75);
  g_assert_cmpfloat (r->train.eta_s, ==, -1);
  g_assert_false (r->train.skipped);

  r = rows->pdata[1];
  g_assert_cmpint (r->step, ==, 4);
  g_assert_true (isnan (r->train.loss));
  g_assert_true (isnan (r->train.grad_norm));
  g_assert_true (r->train.skipped);

  r = rows->pdata[2];
  g_assert_cmpint (r->kind, ==, PT_METRICS_EVAL);
  g_assert_cmpint (r->step, ==, 4);
  g_assert_cmpfloat (r->eval->val_loss, ==, 1.5);
  g_assert_cmpfloat (r->eval->vqa_accuracy, ==, 0.25);
  g_assert_true (isnan (r->eval->exact_match));
  g_assert_cmpuint (r->eval->n, ==, 8);
  g_assert_cmpuint (r->eval->n_loss, ==, 8);
  g_assert_nonnull (r->eval->details);
  g_assert_true (json_object_has_member (json_node_get_object (r->eval->details), "by_type"));
  g_assert_cmpuint (r->eval->samples->len, ==, 1);
  {
    PtEvalSample *s = r->eval->samples->pdata[0];
    g_assert_cmpuint (s->record, ==, 7);
    g_assert_cmpstr (s->image_path, ==, "img/a.png");
    g_assert_cmpstr (s->question, ==, "answer what");
    g_assert_cmpstr (s->answer, ==, "red");
    g_assert_cmpstr (s->prediction, ==, "blue");
  }

  /* resume at step 3 keeps what the checkpoint covers */
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = pt_metrics_read (dir, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 1);

  pt_rmtree (dir, NULL);
}

static void
test_missing_file (void)
{
  g_autofree char *dir = pt_test_make_temp_dir ("pt-metrics-XXXXXX");
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = pt_metrics_read (dir, -1, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 0);
  pt_rmtree (dir, NULL);
}

/* one average for the trainer's ETA and the app's estimate: step 1 is warm-up */
static void
test_average_step_time (void)
{
  PtStepMetrics m = { 0 };
  double avg = 0;

  m.step = 1;
  m.step_ms = 5000;
  avg = pt_metrics_average_step_time (avg, &m);
  g_assert_cmpfloat (avg, ==, 0);
  m.step = 2;
  m.step_ms = 1000;
  avg = pt_metrics_average_step_time (avg, &m);
  g_assert_cmpfloat (avg, ==, 1.0);
  m.step = 3;
  m.step_ms = 2000;
  avg = pt_metrics_average_step_time (avg, &m);
  g_assert_cmpfloat_with_epsilon (avg, 1.2, 1e-12);
  m.step = 4;
  m.step_ms = NAN;
  g_assert_cmpfloat (pt_metrics_average_step_time (avg, &m), ==, avg);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/metrics/round-trip", test_round_trip);
  g_test_add_func ("/engine/metrics/missing-file", test_missing_file);
  g_test_add_func ("/engine/metrics/average-step-time", test_average_step_time);
  return g_test_run ();
}
