/* test-session.c — the training session: a real run on its thread, metrics
 * delivered in order and batched on the main loop, pause/resume, and the
 * main loop never blocked by the trainer. */
#include "config.h"

#include "pt-test-model.h"
#include "pt-training-session.h"

static PtTestWorld *world;

typedef struct {
  GArray  *steps;         /* int step numbers in delivery order */
  int      evals;
  int      finished;
  int      status;
  char    *message;
  gint64   last_tick;
  gint64   worst_gap;     /* µs between two runs of a 5 ms timeout */
  int      pause_at;
  PtTrainingSession *session;
} Watch;

static void
steps_cb (PtTrainingSession *s, gpointer metrics, guint n, Watch *w)
{
  const PtStepMetrics *m = metrics;
  for (guint i = 0; i < n; i++)
    {
      g_array_append_val (w->steps, m[i].step);
      if (m[i].step == w->pause_at)
        pt_training_session_pause (s);
    }
}

static void
eval_cb (PtTrainingSession *s, gpointer metrics, Watch *w)
{
  const PtEvalMetrics *m = metrics;
  g_assert_nonnull (m->samples);
  w->evals++;
}

static void
finished_cb (PtTrainingSession *s, int status, const char *message, Watch *w)
{
  w->finished++;
  w->status = status;
  g_free (w->message);
  w->message = g_strdup (message);
}

static gboolean
tick_cb (gpointer data)
{
  Watch *w = data;
  gint64 now = g_get_monotonic_time ();
  if (w->last_tick > 0)
    w->worst_gap = MAX (w->worst_gap, now - w->last_tick);
  w->last_tick = now;
  return G_SOURCE_CONTINUE;
}

static void
run_until_finished (Watch *w)
{
  int before = w->finished;
  guint tick = g_timeout_add (5, tick_cb, w);
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  w->last_tick = 0;
  while (w->finished == before && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  g_assert_cmpint (w->finished, ==, before + 1);
}

static void
test_session_run_pause_resume (void)
{
  g_autoptr(PtTrainingSession) s = pt_training_session_new ();
  g_autoptr(PtTrainSettings) set = pt_train_settings_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *run_dir = NULL;
  Watch w = { g_array_new (FALSE, FALSE, sizeof (int)), 0, 0, 0, NULL, 0, 0, 3, s };

  set->model_dir = g_strdup (world->model_dir);
  set->data_path = g_strdup (world->train);
  set->val_data_path = g_strdup (world->val);
  set->batch_size = 2;
  set->grad_accum = 1;
  set->max_steps = 8;
  set->eval_every = 4;
  set->eval_max_samples = 2;
  set->max_new_tokens = 2;
  set->num_workers = 1;
  g_signal_connect (s, "steps", G_CALLBACK (steps_cb), &w);
  g_signal_connect (s, "eval", G_CALLBACK (eval_cb), &w);
  g_signal_connect (s, "finished", G_CALLBACK (finished_cb), &w);

  g_assert_true (pt_training_session_start (s, set, world->runs, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pt_training_session_get_state (s), ==, PT_SESSION_RUNNING);
  /* a second start while running is refused */
  g_assert_false (pt_training_session_start (s, set, world->runs, &error));
  g_clear_error (&error);

  run_until_finished (&w);
  g_assert_cmpint (w.status, ==, PT_RUN_PAUSED);
  g_assert_cmpint (pt_training_session_get_state (s), ==, PT_SESSION_IDLE);
  run_dir = g_strdup (pt_training_session_get_run_dir (s));
  g_assert_cmpuint (w.steps->len, >=, 3);

  w.pause_at = -1;
  g_assert_true (pt_training_session_resume (s, run_dir, FALSE, &error));
  g_assert_no_error (error);
  run_until_finished (&w);
  g_assert_cmpint (w.status, ==, PT_RUN_FINISHED);

  /* every step exactly once, in order, across pause and resume */
  g_assert_cmpuint (w.steps->len, ==, 8);
  for (guint i = 0; i < w.steps->len; i++)
    g_assert_cmpint (g_array_index (w.steps, int, i), ==, (int) i + 1);
  g_assert_cmpint (w.evals, >=, 2);
  g_assert_cmpint (pt_training_session_get_step (s), ==, 8);
  g_test_message ("%u steps in %u dispatches; longest dispatch %.2f ms; main loop worst tick gap "
                  "%.1f ms (includes the OS not scheduling this process on a busy machine)",
                  w.steps->len, pt_training_session_get_n_dispatches (s),
                  pt_training_session_get_max_dispatch_us (s) / 1000.0, w.worst_gap / 1000.0);
  /* the trainer runs on its own thread: what the main loop does for it is
   * short (the loop also kept ticking: worst_gap, reported above) */
  g_assert_cmpint (pt_training_session_get_max_dispatch_us (s), <, 50 * 1000);
  g_array_unref (w.steps);
  g_free (w.message);
}

static void
test_session_bad_settings (void)
{
  g_autoptr(PtTrainingSession) s = pt_training_session_new ();
  g_autoptr(PtTrainSettings) set = pt_train_settings_new ();
  g_autoptr(GError) error = NULL;

  set->lora_rank = 0;
  g_assert_false (pt_training_session_start (s, set, world->runs, &error));
  g_assert_nonnull (error);
  g_assert_cmpint (pt_training_session_get_state (s), ==, PT_SESSION_IDLE);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  world = pt_test_world_new (10, 4);
  g_test_add_func ("/engine/session/run-pause-resume", test_session_run_pause_resume);
  g_test_add_func ("/engine/session/bad-settings", test_session_bad_settings);
  status = g_test_run ();
  pt_test_world_free (world);
  return status;
}
