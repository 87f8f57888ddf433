/* pt-test-training.c — see pt-test-training.h. */
#include "config.h"

#include <math.h>              /* exp */
#include <string.h>            /* memset */

#include "pt-demo-data.h"      /* demo scenes for the samples' images */
#include "pt-test-training.h"

/* n_samples evaluation samples on demo scenes drawn into dir. */
static GPtrArray *
make_samples (guint n_samples, const char *dir)
{
  GPtrArray *samples = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_eval_sample_free);
  PtDemoOptions o;

  pt_demo_options_init (&o);
  o.image_size = 112;
  for (guint i = 0; i < n_samples; i++)
    {
      PtDemoScene scene;
      PtDemoQuestion q = { 0 };
      PtEvalSample *sample = g_new0 (PtEvalSample, 1);

      pt_demo_scene_generate (&o, i, &scene);
      sample->image_path = g_strdup_printf ("%s/%u.png", dir, i);
      g_assert_true (pt_demo_scene_save_png (&scene, sample->image_path, NULL));
      if (!pt_demo_scene_question (&scene, i % 2 ? PT_DEMO_TASK_COUNT : PT_DEMO_TASK_COLOR, &q))
        g_assert_true (pt_demo_scene_question (&scene, PT_DEMO_TASK_EXISTS, &q));
      sample->question = g_strdup_printf ("answer %s", q.question);
      sample->answer = g_strdup (q.answer);
      sample->prediction = g_strdup (i + 1 == n_samples ? "blue" : q.answer);
      pt_demo_question_clear (&q);
      g_ptr_array_add (samples, sample);
    }
  return samples;
}

void
pt_test_feed_training_view (PtTrainingView *view,
                            guint           done,
                            guint           total,
                            guint           warmup,
                            guint           n_samples,
                            gboolean        samples_every_eval,
                            const char     *dir)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);
  PtStepMetrics batch[10];
  guint n = 0;

  for (guint step = 1; step <= done; step++)
    {
      PtStepMetrics *m = &batch[n++];

      memset (m, 0, sizeof *m);
      m->step = step;
      m->total_steps = total;
      m->lr = step < warmup ? 2e-5 * step / warmup : 2e-5 * (total - step) / (double) (total - warmup);
      m->loss = 0.6 + 2.2 * exp (-(double) step / 180) + 0.25 * (g_rand_double (rand) - 0.5);
      m->grad_norm = 0.8 + 3 * exp (-(double) step / 100) + 0.3 * g_rand_double (rand);
      m->samples_per_s = step < 3 ? 4 : 16.5 + 0.8 * (g_rand_double (rand) - 0.5);
      m->step_ms = 7412;
      m->data_ms = 120;
      m->forward_ms = 2450;
      m->backward_ms = 4480;
      m->optim_ms = 362;
      m->memory_in_use = (guint64) (7.6e9 + 0.2e9 * (step > 1));
      m->eta_s = 3723;
      if (n == G_N_ELEMENTS (batch) || step == done)
        {
          pt_training_view_add_steps (view, batch, n);
          n = 0;
        }
      if (step % 100 == 0)
        {
          PtEvalMetrics e = { 0 };
          g_autoptr(GPtrArray) samples = NULL;

          e.step = step;
          e.val_loss = 0.75 + 2.0 * exp (-(double) step / 200);
          e.vqa_accuracy = 0.9 - 0.8 * exp (-(double) step / 200);
          e.exact_match = e.vqa_accuracy - 0.05;
          e.is_best = TRUE;
          if (samples_every_eval || step == done)
            samples = make_samples (n_samples, dir);
          else
            samples = g_ptr_array_new ();
          e.samples = samples;
          pt_training_view_add_eval (view, &e);
        }
    }
}
