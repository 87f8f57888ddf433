/* test-trainer.c — the training loop on a tiny random model: exact resume,
 * pause/stop, NaN handling, atomic checkpoints, early stopping, metrics. */
#include "config.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "pt-ckpt.h"
#include "pt-error.h"
#include "pt-safetensors.h"
#include "pt-test-model.h"
#include "pt-trainer.h"

static PtTestWorld *world;

static PtTrainSettings *
base_settings (void)
{
  PtTrainSettings *s = pt_train_settings_new ();

  s->model_dir = g_strdup (world->model_dir);
  s->data_path = g_strdup (world->train);
  s->val_data_path = g_strdup (world->val);
  s->batch_size = 2;
  s->grad_accum = 2;
  s->max_steps = 6;
  s->warmup_steps = 1;
  s->learning_rate = 3e-3;
  s->lora_rank = 4;
  s->lora_alpha = 8;
  s->eval_every = 3;
  s->eval_max_samples = 4;
  s->max_new_tokens = 4;
  s->num_workers = 1;
  s->seed = 7;
  return s;
}

typedef struct {
  GArray   *losses;      /* double per step */
  int       pause_at;    /* request a pause after this step */
  int       stop_at;
  int       evals;
  PtTrainer *trainer;
  PtRunStatus last_status;
} Observer;

static void
on_step (const PtStepMetrics *m, gpointer user_data)
{
  Observer *o = user_data;

  g_assert_cmpint (m->total_steps, >, 0);
  g_assert_true (m->step_ms > 0);
  g_assert_true (m->lr >= 0);
  g_array_append_val (o->losses, m->loss);
  if (m->step == o->pause_at)
    pt_trainer_request_pause (o->trainer);
  if (m->step == o->stop_at)
    pt_trainer_request_stop (o->trainer);
}

static void
on_eval (const PtEvalMetrics *m, gpointer user_data)
{
  Observer *o = user_data;
  o->evals++;
  g_assert_true (isfinite (m->val_loss));
  g_assert_cmpuint (m->n, ==, 4);
  g_assert_cmpuint (m->samples->len, >, 0);
}

static void
on_status (PtRunStatus status, const char *message, gpointer user_data)
{
  ((Observer *) user_data)->last_status = status;
}

/* Runs (or resumes) the run to its end or a pause/stop; returns losses seen. */
static GArray *
train (PtRun *run, int pause_at, int stop_at, gboolean expect_ok, GError **error_out)
{
  Observer o = { g_array_new (FALSE, FALSE, sizeof (double)), pause_at, stop_at, 0, NULL, 0 };
  PtTrainerCallbacks cb = { on_step, on_eval, on_status, NULL, &o };
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTrainer) t = pt_trainer_new (run, NULL, FALSE, &cb, &error);
  gboolean ok;

  g_assert_no_error (error);
  o.trainer = t;
  ok = pt_trainer_run (t, &error);
  if (expect_ok)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  else
    {
      g_assert_false (ok);
      g_propagate_error (error_out, g_steal_pointer (&error));
    }
  return o.losses;
}

static GArray *
metric_losses (PtRun *run)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = pt_run_read_metrics (pt_run_get_dir (run), &error);
  GArray *out = g_array_new (FALSE, FALSE, sizeof (double));

  g_assert_no_error (error);
  for (guint i = 0; i < rows->len; i++)
    {
      JsonObject *r = json_node_get_object (rows->pdata[i]);
      if (g_str_equal (json_object_get_string_member (r, "type"), "train"))
        {
          double l = json_object_get_double_member (r, "loss");
          g_assert_cmpint (json_object_get_int_member (r, "step"), ==, out->len + 1);
          g_array_append_val (out, l);
        }
    }
  return out;
}

static void
test_exact_resume (void)
{
  g_autoptr(PtTrainSettings) s = base_settings ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) full = pt_run_create (world->runs, "full", s, &error);
  g_autoptr(PtRun) split = pt_run_create (world->runs, "split", s, &error);
  g_autoptr(PtRun) reopened = NULL;
  g_autoptr(GArray) a = NULL;
  g_autoptr(GArray) b1 = NULL;
  g_autoptr(GArray) b2 = NULL;
  g_autoptr(GArray) b = NULL;

  g_assert_no_error (error);
  a = train (full, -1, -1, TRUE, NULL);
  g_assert_cmpuint (a->len, ==, 6);
  g_assert_cmpint (pt_run_get_status (full), ==, PT_RUN_FINISHED);

  b1 = train (split, 4, -1, TRUE, NULL);
  g_assert_cmpuint (b1->len, ==, 4);
  g_assert_cmpint (pt_run_get_status (split), ==, PT_RUN_PAUSED);

  /* resume from the folder, as the CLI and the GUI do */
  reopened = pt_run_open (pt_run_get_dir (split), &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_run_get_status (reopened), ==, PT_RUN_PAUSED);
  b2 = train (reopened, -1, -1, TRUE, NULL);
  g_assert_cmpuint (b2->len, ==, 2);
  g_assert_cmpint (pt_run_get_status (reopened), ==, PT_RUN_FINISHED);

  /* bit for bit: the interrupted run's losses are the uninterrupted run's */
  b = metric_losses (reopened);
  g_assert_cmpuint (b->len, ==, 6);
  for (guint i = 0; i < 6; i++)
    {
      g_test_message ("step %u: %.9g vs %.9g", i + 1, g_array_index (a, double, i),
                      g_array_index (b, double, i));
      g_assert_true (g_array_index (a, double, i) == g_array_index (b, double, i));
    }
  /* and the loss moved */
  g_assert_true (g_array_index (a, double, 5) != g_array_index (a, double, 0));
  /* the best checkpoint is recorded and preferred for export */
  g_assert_nonnull (pt_run_get_best (reopened));
  {
    g_autofree char *pref = pt_ckpt_preferred (reopened);
    g_assert_nonnull (pref);
  }
}

static void
test_stop_keeps_checkpoints (void)
{
  g_autoptr(PtTrainSettings) s = base_settings ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) run = NULL;
  g_autoptr(GArray) l = NULL;
  g_autoptr(GPtrArray) ckpts = NULL;

  s->save_every = 2;
  s->eval_every = 0;
  run = pt_run_create (world->runs, "stop", s, &error);
  l = train (run, -1, 3, TRUE, NULL);
  g_assert_cmpuint (l->len, ==, 3);   /* stopped within one step of the request */
  g_assert_cmpint (pt_run_get_status (run), ==, PT_RUN_STOPPED);
  ckpts = pt_ckpt_list (run);
  g_assert_cmpuint (ckpts->len, ==, 1);
  g_assert_true (g_str_has_suffix (ckpts->pdata[0], "step-0000002"));
}

static void
test_nan_stops_with_message (void)
{
  g_autoptr(PtTrainSettings) s = base_settings ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) run = NULL;
  g_autoptr(GArray) l = NULL;
  g_autofree char *weights = g_build_filename (world->model_dir, "model.safetensors", NULL);
  g_autofree char *backup = g_strconcat (weights, ".bak", NULL);
  g_autofree char *contents = NULL;
  gsize length;

  /* poison the final norm's weights with NaN: every loss becomes NaN */
  g_assert_true (g_file_get_contents (weights, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (backup, contents, length, NULL));
  {
    g_autoptr(PtSafetensors) st = pt_safetensors_open (weights, &error);
    const PtStTensor *t = pt_safetensors_find (st, "language_model.model.norm.weight");
    gsize offset;
    const guint32 nan_bits = 0x7fc00000;
    g_assert_nonnull (t);
    /* the tensor's bytes in the file: the data section starts after the
     * header, at the lowest tensor's data */
    {
      const char *lowest = t->data;
      guint64 hlen;
      for (guint i = 0; i < pt_safetensors_n_tensors (st); i++)
        if ((const char *) pt_safetensors_tensor (st, i)->data < lowest)
          lowest = pt_safetensors_tensor (st, i)->data;
      memcpy (&hlen, contents, 8);
      offset = 8 + hlen + ((const char *) t->data - lowest);
    }
    for (int i = 0; i < 4; i++)
      memcpy (contents + offset + 4 * i, &nan_bits, 4);
  }
  g_assert_true (g_file_set_contents (weights, contents, length, NULL));

  run = pt_run_create (world->runs, "nan", s, &error);
  l = train (run, -1, -1, FALSE, &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_NUMERIC);
  g_assert_nonnull (strstr (error->message, "NaN at step 1"));
  g_assert_nonnull (strstr (error->message, "learning rate"));
  g_assert_cmpint (pt_run_get_status (run), ==, PT_RUN_FAILED);
  g_assert_cmpstr (pt_run_get_error (run), ==, error->message);
  g_clear_error (&error);

  /* skipping non-finite steps instead: the run ends, every step skipped */
  {
    g_autoptr(PtTrainSettings) s2 = base_settings ();
    g_autoptr(PtRun) run2 = NULL;
    g_autoptr(GArray) l2 = NULL;
    g_autoptr(GPtrArray) rows = NULL;
    s2->skip_nonfinite = TRUE;
    s2->eval_every = 0;
    g_clear_pointer (&s2->val_data_path, g_free);
    s2->val_split = 0;
    run2 = pt_run_create (world->runs, "nan-skip", s2, &error);
    l2 = train (run2, -1, -1, TRUE, NULL);
    g_assert_cmpuint (l2->len, ==, 6);
    rows = pt_run_read_metrics (pt_run_get_dir (run2), &error);
    g_assert_true (json_object_get_boolean_member (json_node_get_object (rows->pdata[0]), "skipped"));
  }
  g_assert_true (g_rename (backup, weights) == 0);
}

static void
test_atomic_checkpoint (void)
{
  g_autoptr(PtTrainSettings) s = base_settings ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) run = NULL;
  g_autoptr(GArray) l = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) after = NULL;
  g_autofree char *ckdir = NULL;
  g_autoptr(GDir) d = NULL;
  const char *name;

  s->eval_every = 0;
  s->save_every = 2;
  s->max_steps = 4;
  run = pt_run_create (world->runs, "atomic", s, &error);
  /* the save at step 2 succeeds, the one at step 4 dies mid-write */
  l = train (run, 2, -1, TRUE, NULL);
  before = pt_ckpt_list (run);
  g_assert_cmpuint (before->len, ==, 1);

  pt_ckpt_inject_failure (64);
  g_clear_pointer (&l, g_array_unref);
  l = train (run, -1, -1, FALSE, &error);
  g_assert_error (error, PT_ERROR, PT_ERROR_IO);
  g_clear_error (&error);
  after = pt_ckpt_list (run);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpstr (after->pdata[0], ==, before->pdata[0]);
  /* no half-written checkpoint is left behind */
  ckdir = g_build_filename (pt_run_get_dir (run), "checkpoints", NULL);
  d = g_dir_open (ckdir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    g_assert_true (g_str_has_prefix (name, "step-"));
  /* and the surviving checkpoint still resumes */
  g_clear_pointer (&l, g_array_unref);
  l = train (run, -1, -1, TRUE, NULL);
  g_assert_cmpuint (l->len, ==, 2);
  g_assert_cmpint (pt_run_get_status (run), ==, PT_RUN_FINISHED);
}

static void
test_early_stopping (void)
{
  g_autoptr(PtTrainSettings) s = base_settings ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) run = NULL;
  g_autoptr(GArray) l = NULL;

  s->max_steps = 12;
  s->eval_every = 2;
  s->early_stopping = TRUE;
  s->early_stop_patience = 1;
  s->early_stop_min_delta = 1e9;   /* nothing counts as an improvement after the first */
  run = pt_run_create (world->runs, "early", s, &error);
  l = train (run, -1, -1, TRUE, NULL);
  g_assert_cmpuint (l->len, ==, 4);   /* evaluations at 2 (best) and 4 (no gain) */
  g_assert_cmpint (pt_run_get_status (run), ==, PT_RUN_FINISHED);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (pt_run_get_best (run)), "step"), ==, 2);
}

static void
test_resume_refuses_changed_data (void)
{
  g_autoptr(PtTrainSettings) s = base_settings ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) run = NULL;
  g_autoptr(GArray) l = NULL;
  g_autoptr(PtTrainer) t = NULL;
  g_autofree char *copy = g_build_filename (world->data_dir, "copy.jsonl", NULL);
  g_autofree char *contents = NULL;

  g_assert_true (g_file_get_contents (world->train, &contents, NULL, NULL));
  g_assert_true (g_file_set_contents (copy, contents, -1, NULL));
  g_free (s->data_path);
  s->data_path = g_strdup (copy);
  s->eval_every = 0;
  run = pt_run_create (world->runs, "changed", s, &error);
  l = train (run, 2, -1, TRUE, NULL);
  {
    g_autofree char *more = g_strconcat (contents, contents, NULL);
    g_assert_true (g_file_set_contents (copy, more, -1, NULL));
  }
  t = pt_trainer_new (run, NULL, FALSE, NULL, &error);
  g_assert_null (t);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "copy.jsonl changed size"));
  g_clear_error (&error);
  t = pt_trainer_new (run, NULL, TRUE, NULL, &error);   /* forced */
  g_assert_nonnull (t);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  world = pt_test_world_new (12, 6);
  g_test_add_func ("/engine/trainer/exact-resume", test_exact_resume);
  g_test_add_func ("/engine/trainer/stop", test_stop_keeps_checkpoints);
  g_test_add_func ("/engine/trainer/nan", test_nan_stops_with_message);
  g_test_add_func ("/engine/trainer/atomic-checkpoint", test_atomic_checkpoint);
  g_test_add_func ("/engine/trainer/early-stopping", test_early_stopping);
  g_test_add_func ("/engine/trainer/resume-refuses-changed-data", test_resume_refuses_changed_data);
  status = g_test_run ();
  pt_test_world_free (world);
  return status;
}
