/* test-comm.c — the collective interface: the threads communicator's
 * operations (sums in rank order, broadcast, a rank leaving, ranks out of
 * step), the batch sharding, and two trainer threads on the CPU making the
 * steps of one trainer with twice the batch (the app's "all GPUs" path). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "pt-comm.h"
#include "pt-error.h"
#include "pt-metrics.h"
#include "pt-split.h"
#include "pt-test-model.h"
#include "pt-trainer.h"

static PtTestWorld *world;

typedef struct {
  PtComm   *comm;
  gboolean  ok;
  GError   *error;
  double    f64[3];
  float     f32[5];
  char      text[8];
} Rank;

static gpointer
collectives_thread (gpointer data)
{
  Rank *r = data;
  int k = r->comm->rank;

  for (int i = 0; i < 3; i++)
    r->f64[i] = k * 10 + i;
  for (int i = 0; i < 5; i++)
    r->f32[i] = (float) (k + 1) * 0.5f;
  g_snprintf (r->text, sizeof r->text, "rank%d", k);
  r->ok = pt_comm_all_reduce_sum (r->comm, r->f64, 3, PT_DTYPE_F64, &r->error)
          && pt_comm_all_reduce_sum (r->comm, r->f32, 5, PT_DTYPE_F32, &r->error)
          && pt_comm_broadcast (r->comm, r->text, sizeof r->text, 2, &r->error)
          && pt_comm_barrier (r->comm, &r->error);
  return NULL;
}

static void
test_threads_collectives (void)
{
  g_autoptr(GPtrArray) comms = pt_comm_new_threads (3);
  Rank ranks[3] = { 0 };
  GThread *threads[3];

  for (int k = 0; k < 3; k++)
    {
      ranks[k].comm = comms->pdata[k];
      g_assert_cmpint (ranks[k].comm->rank, ==, k);
      g_assert_cmpint (ranks[k].comm->world, ==, 3);
      threads[k] = g_thread_new ("rank", collectives_thread, &ranks[k]);
    }
  for (int k = 0; k < 3; k++)
    g_thread_join (threads[k]);
  for (int k = 0; k < 3; k++)
    {
      g_assert_no_error (ranks[k].error);
      g_assert_true (ranks[k].ok);
      for (int i = 0; i < 3; i++)
        g_assert_cmpfloat (ranks[k].f64[i], ==, 30 + 3 * i);
      for (int i = 0; i < 5; i++)
        g_assert_cmpfloat (ranks[k].f32[i], ==, 3.0f);
      g_assert_cmpstr (ranks[k].text, ==, "rank2");
    }
}

static gpointer
wait_thread (gpointer data)
{
  Rank *r = data;
  r->ok = pt_comm_barrier (r->comm, &r->error);
  return NULL;
}

/* A rank that ends makes the others' waits fail, not hang. */
static void
test_threads_leave (void)
{
  g_autoptr(GPtrArray) comms = pt_comm_new_threads (2);
  Rank r = { comms->pdata[1] };
  GThread *thread = g_thread_new ("rank1", wait_thread, &r);

  g_usleep (20000);
  pt_comm_leave (comms->pdata[0]);
  g_thread_join (thread);
  g_assert_false (r.ok);
  g_assert_error (r.error, PT_ERROR, PT_ERROR_FAILED);
  g_clear_error (&r.error);
}

static gpointer
reduce_thread (gpointer data)
{
  Rank *r = data;
  r->ok = pt_comm_all_reduce_sum (r->comm, r->f64, r->comm->rank == 0 ? 3 : 2, PT_DTYPE_F64, &r->error);
  return NULL;
}

/* Ranks asking for different collectives fail instead of corrupting memory. */
static void
test_threads_mismatch (void)
{
  g_autoptr(GPtrArray) comms = pt_comm_new_threads (2);
  Rank ranks[2] = { { comms->pdata[0] }, { comms->pdata[1] } };
  GThread *threads[2];

  for (int k = 0; k < 2; k++)
    threads[k] = g_thread_new ("rank", reduce_thread, &ranks[k]);
  for (int k = 0; k < 2; k++)
    {
      g_thread_join (threads[k]);
      g_assert_false (ranks[k].ok);
      g_clear_error (&ranks[k].error);
    }
}

static void
test_single (void)
{
  g_autoptr(PtComm) comm = pt_comm_new_single ();
  double v[2] = { 1, 2 };
  g_autofree char *device = pt_comm_rank_device (comm, "cuda:1");
  g_autofree char *all = pt_comm_rank_device (comm, PT_DEVICE_ALL_GPUS);

  g_assert_cmpint (comm->world, ==, 1);
  g_assert_true (pt_comm_all_reduce_sum (comm, v, 2, PT_DTYPE_F64, NULL));
  g_assert_cmpfloat (v[1], ==, 2);
  g_assert_cmpstr (device, ==, "cuda:1");
  g_assert_cmpstr (all, ==, "cuda:0");
}

/* The launcher's variables: Open MPI's, then srun's. */
static void
test_environment (void)
{
  int rank, world_size, local;

  g_unsetenv ("OMPI_COMM_WORLD_RANK");
  g_unsetenv ("SLURM_PROCID");
  g_unsetenv ("PMI_RANK");
  g_assert_false (pt_comm_launched_as_rank (&rank, &world_size, &local));
  g_setenv ("SLURM_PROCID", "3", TRUE);
  g_setenv ("SLURM_STEP_NUM_TASKS", "8", TRUE);
  g_setenv ("SLURM_LOCALID", "1", TRUE);
  g_assert_true (pt_comm_launched_as_rank (&rank, &world_size, &local));
  g_assert_cmpint (rank, ==, 3);
  g_assert_cmpint (world_size, ==, 8);
  g_assert_cmpint (local, ==, 1);
  g_setenv ("SLURM_PROCID", "8", TRUE);   /* not a rank of 8 */
  g_assert_false (pt_comm_launched_as_rank (&rank, &world_size, &local));
  g_unsetenv ("SLURM_PROCID");
  g_unsetenv ("SLURM_STEP_NUM_TASKS");
  g_unsetenv ("SLURM_LOCALID");
}

/* Rank r's share of each global batch; the shares together are the batch. */
static void
test_shard_order (void)
{
  guint order[11];
  guint n0, n1, n2, g0, g1, g2;
  g_autofree guint *a = NULL, *b = NULL, *c = NULL;

  for (guint i = 0; i < 11; i++)
    order[i] = 100 + i;
  /* batch 2 × 2 ranks: global batches {0..3} {4..7} {8..10} */
  a = pt_shard_order (order, 11, 2, 0, 2, &n0, &g0);
  b = pt_shard_order (order, 11, 2, 1, 2, &n1, &g1);
  g_assert_cmpuint (g0, ==, 3);
  g_assert_cmpuint (g1, ==, 3);
  g_assert_cmpuint (n0, ==, 5);   /* 2 + 2 + 1 */
  g_assert_cmpuint (n1, ==, 6);   /* 2 + 2 + 2 */
  g_assert_cmpuint (a[0], ==, 100);
  g_assert_cmpuint (a[1], ==, 101);
  g_assert_cmpuint (b[0], ==, 102);
  g_assert_cmpuint (b[1], ==, 103);
  g_assert_cmpuint (a[2], ==, 104);
  g_assert_cmpuint (a[4], ==, 108);
  g_assert_cmpuint (b[4], ==, 109);
  g_assert_cmpuint (b[5], ==, 110);
  /* 3 ranks × batch 4 over 11 records: one short global batch of 11 rows */
  c = pt_shard_order (order, 11, 4, 2, 3, &n2, &g2);
  g_assert_cmpuint (g2, ==, 1);
  g_assert_cmpuint (n2, ==, 4);   /* rows [7, 11) */
  g_assert_cmpuint (c[0], ==, 107);
  /* one process: the order itself */
  g_assert_cmpuint (pt_shard_n_batches (11, 4, 1), ==, pt_epoch_n_batches (11, 4, FALSE));
  /* fewer rows than ranks left in the last batch: left out */
  g_assert_cmpuint (pt_shard_n_batches (9, 2, 4), ==, 1);
}

static PtTrainSettings *
settings (int batch)
{
  PtTrainSettings *s = pt_train_settings_new ();

  s->model_dir = g_strdup (world->model_dir);
  s->data_path = g_strdup (world->train);
  s->val_data_path = g_strdup (world->val);
  s->batch_size = batch;
  s->grad_accum = 2;
  s->max_steps = 4;
  s->warmup_steps = 1;
  s->learning_rate = 3e-3;
  s->lora_rank = 4;
  s->lora_alpha = 8;
  s->eval_max_samples = 4;
  s->max_new_tokens = 4;
  s->num_workers = 1;
  s->seed = 7;
  return s;
}

typedef struct {
  PtTrainer *trainer;
  PtComm    *comm;
  gboolean   ok;
  GError    *error;
} TrainRank;

static gpointer
train_thread (gpointer data)
{
  TrainRank *r = data;
  r->ok = pt_trainer_run (r->trainer, &r->error);
  pt_comm_leave (r->comm);
  return NULL;
}

static void
test_threads_training (void)
{
  g_autoptr(PtTrainSettings) s1 = settings (4);
  g_autoptr(PtTrainSettings) s2 = settings (2);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) one = pt_run_create (world->runs, "one", s1, &error);
  g_autoptr(PtRun) two = pt_run_create (world->runs, "two", s2, &error);
  g_autoptr(PtRun) two_b = NULL;
  g_autoptr(PtTrainer) t1 = pt_trainer_new (one, NULL, FALSE, NULL, &error);
  g_autoptr(GPtrArray) comms = pt_comm_new_threads (2);
  g_autoptr(GPtrArray) rows1 = NULL, rows2 = NULL;
  TrainRank ranks[2] = { 0 };
  GThread *threads[2];
  guint steps = 0;

  g_assert_no_error (error);
  g_assert_true (pt_trainer_run (t1, &error));
  g_assert_no_error (error);

  two_b = pt_run_open (pt_run_get_dir (two), &error);
  g_assert_no_error (error);
  ranks[0].trainer = pt_trainer_new (two, NULL, FALSE, NULL, &error);
  ranks[1].trainer = pt_trainer_new (two_b, NULL, FALSE, NULL, &error);
  g_assert_no_error (error);
  for (int k = 0; k < 2; k++)
    {
      ranks[k].comm = comms->pdata[k];
      pt_trainer_set_comm (ranks[k].trainer, ranks[k].comm);
      threads[k] = g_thread_new ("rank", train_thread, &ranks[k]);
    }
  for (int k = 0; k < 2; k++)
    {
      g_thread_join (threads[k]);
      g_assert_no_error (ranks[k].error);
      g_assert_true (ranks[k].ok);
      pt_trainer_free (ranks[k].trainer);
    }

  rows1 = pt_metrics_read (pt_run_get_dir (one), -1, &error);
  rows2 = pt_metrics_read (pt_run_get_dir (two), -1, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows1->len, ==, rows2->len);   /* rank 1 wrote nothing */
  for (guint i = 0; i < rows1->len; i++)
    {
      PtMetricsRow *a = rows1->pdata[i], *b = rows2->pdata[i];
      double x = a->kind == PT_METRICS_TRAIN ? a->train.loss : a->eval->val_loss;
      double y = b->kind == PT_METRICS_TRAIN ? b->train.loss : b->eval->val_loss;
      g_assert_cmpint (a->kind, ==, b->kind);
      g_assert_cmpint (a->step, ==, b->step);
      g_test_message ("step %d: %.9g vs %.9g", a->step, x, y);
      g_assert_cmpfloat (fabs (x - y), <=, 1e-4 * fabs (x));
      steps += a->kind == PT_METRICS_TRAIN;
    }
  g_assert_cmpuint (steps, ==, 4);
  g_assert_cmpint (pt_run_get_ranks (two), ==, 2);
  g_assert_cmpint (pt_run_get_global_batch (two), ==, 4);
}

int
main (int argc, char **argv)
{
  int code;

  g_test_init (&argc, &argv, NULL);
  world = pt_test_world_new (12, 4);
  g_test_add_func ("/engine/comm/single", test_single);
  g_test_add_func ("/engine/comm/environment", test_environment);
  g_test_add_func ("/engine/comm/threads-collectives", test_threads_collectives);
  g_test_add_func ("/engine/comm/threads-leave", test_threads_leave);
  g_test_add_func ("/engine/comm/threads-mismatch", test_threads_mismatch);
  g_test_add_func ("/engine/comm/shard-order", test_shard_order);
  g_test_add_func ("/engine/comm/threads-training", test_threads_training);
  code = g_test_run ();
  pt_test_world_free (world);
  return code;
}
