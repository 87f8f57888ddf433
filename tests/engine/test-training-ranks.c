/* test-training-ranks.c — the app's "All N GPUs" machinery (app/pt-training-ranks.c)
 * on the CPU: rank 0's trainer plus one more on its thread make the steps of
 * one trainer with twice the batch, only rank 0 writes, and the other
 * trainer's thread is joined when rank 0 ends. */
#include "config.h"

#include <math.h>

#include "pt-metrics.h"
#include "pt-test-model.h"
#include "pt-training-ranks.h"

static PtTestWorld *world;

static PtTrainSettings *
settings (int batch)
{
  PtTrainSettings *s = pt_train_settings_new ();

  s->model_dir = g_strdup (world->model_dir);
  s->data_path = g_strdup (world->train);
  s->val_data_path = g_strdup (world->val);
  s->batch_size = batch;
  s->grad_accum = 1;
  s->max_steps = 3;
  s->warmup_steps = 1;
  s->learning_rate = 3e-3;
  s->lora_rank = 4;
  s->lora_alpha = 8;
  s->eval_max_samples = 4;
  s->max_new_tokens = 4;
  s->num_workers = 1;
  s->seed = 11;
  return s;
}

static GPtrArray *
train_losses (PtRun *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = pt_metrics_read (pt_run_get_dir (run), -1, &error);
  GPtrArray *losses = g_ptr_array_new_with_free_func (g_free);

  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      PtMetricsRow *r = rows->pdata[i];
      double *v = g_new (double, 1);
      *v = r->kind == PT_METRICS_TRAIN ? r->train.loss : r->eval->val_loss;
      g_ptr_array_add (losses, v);
    }
  return losses;
}

static void
test_two_ranks (void)
{
  g_autoptr(PtTrainSettings) s1 = settings (4);
  g_autoptr(PtTrainSettings) s2 = settings (2);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) one = pt_run_create (world->runs, "one", s1, &error);
  g_autoptr(PtRun) two = pt_run_create (world->runs, "two", s2, &error);
  g_autoptr(PtTrainer) t1 = pt_trainer_new (one, NULL, FALSE, NULL, &error);
  g_autoptr(PtTrainer) t2 = pt_trainer_new (two, NULL, FALSE, NULL, &error);
  g_autoptr(PtTrainingRanks) ranks = NULL;
  g_autoptr(GPtrArray) a = NULL, b = NULL;
  g_autofree char *other_error = NULL;

  g_assert_no_error (error);
  g_assert_true (pt_trainer_run (t1, &error));
  g_assert_no_error (error);

  ranks = pt_training_ranks_start (two, t2, 2, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (pt_trainer_run (t2, &error));
  g_assert_no_error (error);
  other_error = pt_training_ranks_finish (ranks);
  g_assert_null (other_error);
  g_assert_cmpint (pt_run_get_status (two), ==, PT_RUN_FINISHED);
  g_assert_cmpint (pt_run_get_ranks (two), ==, 2);

  a = train_losses (one);
  b = train_losses (two);
  g_assert_cmpuint (a->len, ==, b->len);   /* rank 1 wrote no rows */
  g_assert_cmpuint (a->len, ==, 4);        /* 3 steps and the final evaluation */
  for (guint i = 0; i < a->len; i++)
    {
      double x = *(double *) a->pdata[i], y = *(double *) b->pdata[i];
      g_test_message ("row %u: %.9g vs %.9g", i, x, y);
      g_assert_true (isfinite (x));
      g_assert_cmpfloat (fabs (x - y), <=, 1e-4 * fabs (x));
    }
}

int
main (int argc, char **argv)
{
  int code;

  g_test_init (&argc, &argv, NULL);
  world = pt_test_world_new (12, 4);
  g_test_add_func ("/engine/training-ranks/two-ranks", test_two_ranks);
  code = g_test_run ();
  pt_test_world_free (world);
  return code;
}
