/* test-cli-parallel.c — data parallel training end to end: palitune-cli train
 * under `mpirun -np 2` with --batch 4 makes the steps of one process with
 * --batch 8 (the same global batches, gradients summed over the ranks), and a
 * 2-rank run killed with SIGKILL after a checkpoint resumes in one process
 * and ends where the uninterrupted run ended. On the shipped demo model
 * (data/demo) and a small generated dataset. Skipped (exit 77) without MPI. */
#include "config.h"

#include <math.h>
#include <signal.h>      /* kill, SIGKILL */
#include <sys/wait.h>    /* waitpid, WIFEXITED */
#include <unistd.h>      /* setpgid */

#include "pt-ckpt.h"      /* pt_ckpt_latest */
#include "pt-metrics.h"
#include "pt-run.h"
#include "pt-test-util.h"

#define STEPS 6

static char *root;
static char *data_dir;
static char *mpirun;

/* Open MPI as root in a container: allowed, two ranks on however many cores,
 * no cross-memory attach (ptrace is usually forbidden there) */
static char **
child_env (void)
{
  char **env = g_get_environ ();
  env = g_environ_setenv (env, "OMPI_MCA_btl_vader_single_copy_mechanism", "none", TRUE);
  env = g_environ_setenv (env, "OMPI_MCA_rmaps_base_oversubscribe", "1", TRUE);
  env = g_environ_setenv (env, "OMPI_ALLOW_RUN_AS_ROOT", "1", TRUE);
  env = g_environ_setenv (env, "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", TRUE);
  return env;
}

static void
own_group (gpointer data)
{
  setpgid (0, 0);   /* the test kills mpirun and its ranks together */
}

/* argv: [mpirun -np N] palitune-cli ARGS…; returns the pid (async) */
static GPid
spawn (int ranks, const char *const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_auto(GStrv) env = child_env ();
  g_autoptr(GError) error = NULL;
  GPid pid = 0;

  if (ranks > 0)
    {
      g_autofree char *np = g_strdup_printf ("%d", ranks);
      g_ptr_array_add (argv, mpirun);
      g_ptr_array_add (argv, (char *) "-np");
      g_ptr_array_add (argv, g_strdup (np));   /* leaked: a handful per test */
    }
  g_ptr_array_add (argv, (char *) g_getenv ("PT_CLI"));
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_async (NULL, (char **) argv->pdata, env,
                                G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                                own_group, NULL, &pid, &error));
  g_assert_no_error (error);
  return pid;
}

static int
wait_exit (GPid pid)
{
  int status = 0;
  g_assert_cmpint (waitpid (pid, &status, 0), ==, pid);
  g_spawn_close_pid (pid);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static char *
train (int ranks, int batch, const char *name, int save_every, GPid *pid_out)
{
  g_autofree char *train_data = g_build_filename (data_dir, "train.jsonl", NULL);
  g_autofree char *val_data = g_build_filename (data_dir, "val.jsonl", NULL);
  g_autofree char *model = g_build_filename (g_getenv ("PT_SOURCE_ROOT"), "data", "demo", NULL);
  char *out = g_build_filename (root, name, NULL);
  g_autofree char *b = g_strdup_printf ("%d", batch);
  g_autofree char *steps = g_strdup_printf ("%d", STEPS);
  g_autofree char *save = g_strdup_printf ("%d", save_every);
  const char *args[] = {
    "train", "--model", model, "--data", train_data, "--val-data", val_data, "--out", out,
    "--batch", b, "--grad-accum", "1", "--max-steps", steps, "--lr", "1e-3", "--warmup", "0",
    "--save-every", save, "--eval-samples", "8", "--workers", "1", "--quiet", NULL,
  };
  GPid pid = spawn (ranks, args);

  if (pid_out != NULL)
    *pid_out = pid;
  else
    g_assert_cmpint (wait_exit (pid), ==, 0);
  return out;
}

static GPtrArray *
read_rows (const char *run_dir)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = pt_metrics_read (run_dir, -1, &error);
  g_assert_no_error (error);
  return rows;
}

static const PtMetricsRow *
train_row (GPtrArray *rows, int step)
{
  for (guint i = 0; i < rows->len; i++)
    {
      const PtMetricsRow *r = rows->pdata[i];
      if (r->kind == PT_METRICS_TRAIN && r->step == step)
        return r;
    }
  g_error ("no train row for step %d", step);
  return NULL;
}

static const PtMetricsRow *
last_eval (GPtrArray *rows)
{
  for (guint i = rows->len; i-- > 0;)
    if (((PtMetricsRow *) rows->pdata[i])->kind == PT_METRICS_EVAL)
      return rows->pdata[i];
  g_error ("no evaluation");
  return NULL;
}

static void
assert_close (const char *what, int step, double a, double b)
{
  double rel = fabs (a - b) / MAX (fabs (b), 1e-12);
  g_test_message ("%s at step %d: %.9g vs %.9g (relative difference %.2e)", what, step, a, b, rel);
  g_assert_true (isfinite (a) && isfinite (b));
  g_assert_cmpfloat (rel, <=, 1e-4);
}

static char *one_dir;

/* 1 process × batch 8 = 2 ranks × batch 4, step by step */
static void
test_two_ranks (void)
{
  g_autofree char *two_dir = NULL;
  g_autoptr(GPtrArray) one = NULL, two = NULL;
  g_autoptr(PtRun) run = NULL;
  g_autoptr(GError) error = NULL;

  one_dir = train (0, 8, "one", STEPS, NULL);
  two_dir = train (2, 4, "two", STEPS, NULL);
  one = read_rows (one_dir);
  two = read_rows (two_dir);
  for (int step = 1; step <= STEPS; step++)
    {
      const PtMetricsRow *a = train_row (two, step), *b = train_row (one, step);
      assert_close ("loss", step, a->train.loss, b->train.loss);
      assert_close ("gradient norm", step, a->train.grad_norm, b->train.grad_norm);
      g_assert_cmpfloat (a->train.lr, ==, b->train.lr);
      g_assert_cmpuint (a->train.samples, ==, b->train.samples);
    }
  /* the evaluation, sharded over the ranks and summed */
  assert_close ("validation loss", STEPS, last_eval (two)->eval->val_loss, last_eval (one)->eval->val_loss);
  g_assert_cmpuint (last_eval (two)->eval->n_loss, ==, last_eval (one)->eval->n_loss);

  run = pt_run_open (two_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_run_get_ranks (run), ==, 2);
  g_assert_cmpint (pt_run_get_global_batch (run), ==, 8);
  g_assert_cmpint (pt_run_get_status (run), ==, PT_RUN_FINISHED);
}

/* kill -9 both ranks after a checkpoint; one process resumes with batch 8 */
static void
test_killed_resume (void)
{
  g_autofree char *dir = NULL;
  g_autofree char *ckpt = NULL;
  g_autofree char *latest = NULL;
  g_autoptr(GPtrArray) one = NULL, resumed = NULL;
  g_autoptr(PtRun) run = NULL;
  g_autoptr(GError) error = NULL;
  GPid pid;
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  const char *args[4] = { "train", "--resume", NULL, NULL };

  g_assert_nonnull (one_dir);
  dir = train (2, 4, "killed", 2, &pid);
  ckpt = g_build_filename (dir, "checkpoints", "step-0000002", NULL);
  while (!g_file_test (ckpt, G_FILE_TEST_IS_DIR) && g_get_monotonic_time () < deadline)
    g_usleep (5000);
  g_assert_true (g_file_test (ckpt, G_FILE_TEST_IS_DIR));
  g_assert_cmpint (kill (-pid, SIGKILL), ==, 0);
  wait_exit (pid);

  run = pt_run_open (dir, &error);
  g_assert_no_error (error);
  latest = pt_ckpt_latest (run);
  g_test_message ("killed; the latest checkpoint is %s", latest);
  g_assert_cmpint (pt_run_get_status (run), !=, PT_RUN_FINISHED);
  g_assert_nonnull (latest);
  g_assert_false (g_str_has_suffix (latest, "step-0000006"));

  args[2] = dir;
  g_assert_cmpint (wait_exit (spawn (0, args)), ==, 0);
  g_clear_pointer (&run, pt_run_free);
  run = pt_run_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_run_get_status (run), ==, PT_RUN_FINISHED);
  g_assert_cmpint (pt_run_get_ranks (run), ==, 1);

  one = read_rows (one_dir);
  resumed = read_rows (dir);
  assert_close ("loss after the resume", STEPS, train_row (resumed, STEPS)->train.loss,
                train_row (one, STEPS)->train.loss);
}

/* A rank that fails on bad input ends the job with its exit code: the
 * other rank, waiting for the run folder rank 0 would have made, does not
 * keep it waiting for ever. */
static void
test_bad_input (void)
{
  g_autofree char *model = g_build_filename (g_getenv ("PT_SOURCE_ROOT"), "data", "demo", NULL);
  g_autofree char *train_data = g_build_filename (data_dir, "train.jsonl", NULL);
  const char *args[] = { "train", "--model", model, "--data", train_data, "--out", one_dir,
                         "--batch", "4", "--max-steps", "2", "--quiet", NULL };
  GPid pid = spawn (2, args);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  int status = 0;
  pid_t done = 0;

  g_assert_nonnull (one_dir);   /* exists and is not empty: an input error */
  while ((done = waitpid (pid, &status, WNOHANG)) == 0 && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  if (done == 0)
    {
      kill (-pid, SIGKILL);
      waitpid (pid, &status, 0);
      g_error ("mpirun kept waiting after rank 0 failed");
    }
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 2);
}

int
main (int argc, char **argv)
{
  g_autofree char *dd = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) env = NULL;
  int status = 0, code;

  g_test_init (&argc, &argv, NULL);
  mpirun = g_find_program_in_path ("mpirun");
  if (!HAVE_MPI || mpirun == NULL)
    {
      g_printerr ("SKIP: %s\n", HAVE_MPI ? "no mpirun" : "built without MPI");
      return 77;
    }
  root = pt_test_make_temp_dir ("pt-parallel-XXXXXX");
  data_dir = g_build_filename (root, "data", NULL);
  {
    const char *args[] = { g_getenv ("PT_CLI"), "demo-data", "--out", data_dir, "--n", "24",
                           "--val", "6", "--image-size", "48", "--quiet", NULL };
    env = child_env ();
    g_assert_true (g_spawn_sync (NULL, (char **) args, env, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                                 NULL, &status, &error));
    g_assert_no_error (error);
    g_assert_true (WIFEXITED (status) && WEXITSTATUS (status) == 0);
  }
  g_test_add_func ("/engine/parallel/two-ranks", test_two_ranks);
  g_test_add_func ("/engine/parallel/killed-resume", test_killed_resume);
  g_test_add_func ("/engine/parallel/bad-input", test_bad_input);
  code = g_test_run ();
  pt_rmtree (root, NULL);
  g_free (one_dir);
  return code;
}
