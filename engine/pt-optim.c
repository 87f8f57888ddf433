/* pt-optim.c — AdamW with the Hugging Face Trainer's recipe (see pt-optim.h). */
#include "config.h"

#include <math.h>              /* cos, sqrt, isfinite */

#include "pt-optim.h"
#include "pt-model-private.h"  /* pt_carve, pt_model_upload_f32 / download_f32 */
#include "pt-error.h"          /* PT_ERROR */

struct _PtOptimizer {
  PtModel   *model;
  PtBackend *be;
  double     lr, beta1, beta2, eps, weight_decay, max_grad_norm;
  int        warmup, total;
  PtSchedule schedule;
  gboolean   skip_nonfinite;
  int        step;
  void      *buf;             /* moments, then the norm scalar */
  void     **m, **v;          /* (n_trainables) */
  void      *norm;            /* acc scalar */
};

double
pt_schedule_lr (PtSchedule schedule,
                double     base_lr,
                int        warmup,
                int        total,
                int        step)
{
  double f;

  if (step < warmup)
    return base_lr * (double) step / (double) MAX (1, warmup);
  switch (schedule)
    {
    case PT_SCHEDULE_LINEAR:
      f = MAX (0.0, (double) (total - step) / (double) MAX (1, total - warmup));
      break;
    case PT_SCHEDULE_COSINE:
      {
        double progress = (double) (step - warmup) / (double) MAX (1, total - warmup);
        f = MAX (0.0, 0.5 * (1.0 + cos (G_PI * 0.5 * 2.0 * progress)));
      }
      break;
    case PT_SCHEDULE_CONSTANT:
    default:
      f = 1.0;
      break;
    }
  return base_lr * f;
}

PtOptimizer *
pt_optimizer_new (PtModel               *model,
                  const PtTrainSettings *s,
                  int                    total_steps,
                  GError               **error)
{
  g_autoptr(PtOptimizer) opt = g_new0 (PtOptimizer, 1);
  guint n = pt_model_n_trainables (model);
  PtCarver cv = { 0 };
  size_t acc = pt_dtype_size (model->acc);

  g_return_val_if_fail (model != NULL && s != NULL, NULL);

  if (!model->training || n == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "The model has nothing to train");
      return NULL;
    }
  opt->model = model;
  opt->be = model->be;
  opt->lr = s->learning_rate;
  opt->beta1 = s->adam_beta1;
  opt->beta2 = s->adam_beta2;
  opt->eps = s->adam_epsilon;
  opt->weight_decay = s->weight_decay;
  opt->max_grad_norm = s->max_grad_norm;
  opt->warmup = s->warmup_steps;
  opt->total = total_steps;
  opt->schedule = s->schedule;
  opt->skip_nonfinite = s->skip_nonfinite;
  opt->m = g_new0 (void *, n);
  opt->v = g_new0 (void *, n);

  for (int pass = 0; pass < 2; pass++)
    {
      for (guint i = 0; i < n; i++)
        {
          size_t bytes = pt_model_get_trainable (model, i)->numel * acc;
          opt->m[i] = pt_carve (&cv, bytes);
          opt->v[i] = pt_carve (&cv, bytes);
        }
      opt->norm = pt_carve (&cv, 8);
      if (pass == 0)
        {
          opt->buf = opt->be->ops->alloc (opt->be, cv.size, error);
          if (opt->buf == NULL)
            {
              g_prefix_error (error, "Allocating the optimiser state: ");
              return NULL;
            }
          opt->be->ops->zero (opt->be, opt->buf, cv.size);
          cv.base = opt->buf;
          cv.size = 0;
        }
    }
  return g_steal_pointer (&opt);
}

void
pt_optimizer_free (PtOptimizer *opt)
{
  if (opt == NULL)
    return;
  if (opt->buf != NULL)
    opt->be->ops->free (opt->be, opt->buf);
  g_free (opt->m);
  g_free (opt->v);
  g_free (opt);
}

double
pt_optimizer_grad_norm (PtOptimizer *opt)
{
  PtBackend *be = opt->be;
  PtModel *model = opt->model;
  double host[1] = { 0 };
  float hostf = 0;

  be->ops->zero (be, opt->norm, 8);
  for (guint i = 0; i < pt_model_n_trainables (model); i++)
    {
      const PtTrainable *t = pt_model_get_trainable (model, i);
      be->ops->sum_squares (be, opt->norm, t->grad, model->acc, t->numel);
    }
  if (model->acc == PT_DTYPE_F64)
    {
      be->ops->download (be, host, opt->norm, sizeof (double));
      return sqrt (host[0]);
    }
  be->ops->download (be, &hostf, opt->norm, sizeof (float));
  return sqrt ((double) hostf);
}

int    pt_optimizer_get_step (PtOptimizer *opt)           { return opt->step; }
void   pt_optimizer_set_step (PtOptimizer *opt, int step) { opt->step = step; }

double
pt_optimizer_current_lr (PtOptimizer *opt)
{
  return pt_schedule_lr (opt->schedule, opt->lr, opt->warmup, opt->total, opt->step);
}

gboolean
pt_optimizer_step (PtOptimizer *opt,
                   PtStepInfo  *info,
                   GError     **error)
{
  PtBackend *be = opt->be;
  PtModel *model = opt->model;
  double norm = pt_optimizer_grad_norm (opt);
  double coef = 1.0;
  double lr = pt_optimizer_current_lr (opt);
  PtStepInfo dummy;

  if (info == NULL)
    info = &dummy;
  info->grad_norm = norm;
  info->lr = lr;
  info->skipped = FALSE;
  if (!isfinite (norm))
    {
      info->step = opt->step;
      info->clip_coef = 0;
      if (opt->skip_nonfinite)
        {
          info->skipped = TRUE;
          return TRUE;
        }
      g_set_error (error, PT_ERROR, PT_ERROR_NUMERIC,
                   "The gradients are not finite (norm %g) at optimiser step %d", norm, opt->step + 1);
      return FALSE;
    }
  if (opt->max_grad_norm > 0)
    coef = MIN (1.0, opt->max_grad_norm / (norm + 1e-6));
  info->clip_coef = coef;

  for (guint i = 0; i < pt_model_n_trainables (model); i++)
    {
      const PtTrainable *t = pt_model_get_trainable (model, i);
      be->ops->adamw (be, t->param, t->grad, opt->m[i], opt->v[i], t->numel, lr, opt->beta1, opt->beta2,
                      opt->eps, t->decay ? opt->weight_decay : 0.0, opt->step + 1, coef,
                      t->copy, t->copy_dtype);
    }
  opt->step++;
  info->step = opt->step;
  return be->ops->check (be, error);
}

static gboolean
state_args (PtOptimizer *opt, guint i, int which, size_t numel, GError **error)
{
  guint n = pt_model_n_trainables (opt->model);

  if (i >= n || (which != 0 && which != 1) || pt_model_get_trainable (opt->model, i)->numel != numel)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "Optimiser state %u/%d does not exist or does not have %zu elements", i, which, numel);
      return FALSE;
    }
  return TRUE;
}

gboolean
pt_optimizer_read_state (PtOptimizer *opt,
                         guint        i,
                         int          which,
                         float       *data,
                         size_t       numel,
                         GError     **error)
{
  if (!state_args (opt, i, which, numel, error))
    return FALSE;
  return pt_model_download_f32 (opt->model, data, which == 0 ? opt->m[i] : opt->v[i], opt->model->acc,
                                numel, error);
}

gboolean
pt_optimizer_write_state (PtOptimizer *opt,
                          guint        i,
                          int          which,
                          const float *data,
                          size_t       numel,
                          GError     **error)
{
  if (!state_args (opt, i, which, numel, error))
    return FALSE;
  return pt_model_upload_f32 (opt->model, which == 0 ? opt->m[i] : opt->v[i], opt->model->acc, data,
                              numel, error);
}

void
pt_optimizer_state_ptrs (PtOptimizer *opt,
                         guint        i,
                         void       **m,
                         void       **v)
{
  g_return_if_fail (i < pt_model_n_trainables (opt->model));
  if (m != NULL)
    *m = opt->m[i];
  if (v != NULL)
    *v = opt->v[i];
}
