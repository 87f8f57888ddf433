/* pt-cpu-optim.c — AdamW and the sum of squares (gradient norms). */
#include "config.h"

#include <tgmath.h>         /* fma, sqrt, pow, fabs for float and double */

#include "pt-cpu-private.h"

#define real float
#define FN(name) name##_f32
#include "pt-cpu-optim.inc.c"
#undef real
#undef FN

#define real double
#define FN(name) name##_f64
#include "pt-cpu-optim.inc.c"
#undef real
#undef FN

void
pt_cpu_adamw (PtBackend  *be,
              void       *param,
              const void *grad,
              void       *m,
              void       *v,
              size_t      n,
              double      lr,
              double      beta1,
              double      beta2,
              double      eps,
              double      weight_decay,
              int         step,
              double      grad_scale,
              void       *param_copy,
              PtDType     copy_dtype)
{
  PT_CPU_DISPATCH (be, adamw, param, grad, m, v, n, lr, beta1, beta2, eps, weight_decay, step,
                   grad_scale, param_copy, copy_dtype, pt_cpu_threads (be, n * 8));
}

/* out[0] += Σ x², summed in double over fixed chunks whose partial sums are
 * added in order: the result does not depend on the thread count. */
void
pt_cpu_sum_squares (PtBackend  *be,
                    void       *out,
                    const void *x,
                    PtDType     dtype,
                    size_t      n)
{
  enum { CHUNK = 8192 };
  size_t n_chunks = (n + CHUNK - 1) / CHUNK;
  double *partial = g_new0 (double, MAX (n_chunks, 1));
  double total = 0;

#pragma omp parallel for num_threads (pt_cpu_threads (be, n)) schedule (static)
  for (size_t c = 0; c < n_chunks; c++)
    {
      size_t i0 = c * CHUNK, i1 = MIN (n, i0 + CHUNK);
      double s = 0;

      if (dtype == PT_DTYPE_F32)
        {
          const float *xf = x;
#pragma omp simd reduction (+:s)
          for (size_t i = i0; i < i1; i++)
            s += (double) xf[i] * xf[i];
        }
      else if (dtype == PT_DTYPE_F64)
        {
          const double *xd = x;
#pragma omp simd reduction (+:s)
          for (size_t i = i0; i < i1; i++)
            s += xd[i] * xd[i];
        }
      else
        for (size_t i = i0; i < i1; i++)
          {
            double xi = pt_cpu_load (x, dtype, i);
            s += xi * xi;
          }
      partial[c] = s;
    }
  for (size_t c = 0; c < n_chunks; c++)
    total += partial[c];
  g_free (partial);

  if (be->acc_dtype == PT_DTYPE_F64)
    *(double *) out += total;
  else
    *(float *) out = (float) (*(float *) out + total);
}
