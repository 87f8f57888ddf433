/* pt-cpu-optim.inc.c — AdamW, written once (see pt-cpu-elementwise.inc.c for
 * the `real` / FN convention).
 *
 * The arithmetic of torch.optim.AdamW (single-tensor, non-fused), operation
 * for operation, with each Python scalar rounded to `real` where torch rounds
 * it and the fused multiply-adds that torch's CPU lerp_ and addcmul_ kernels
 * use:
 *   p.mul_(1 - lr·wd)                      p = p · r(1 - lr·wd)
 *   m.lerp_(g, 1 - b1)                     m = fma(w, g - m, m)      (w = r(1-b1) < 0.5)
 *                                            = fma(w - 1, g - m, g)  (otherwise)
 *   v.mul_(b2).addcmul_(g, g, 1 - b2)      v = fma(r(1-b2)·g, g, v · r(b2))
 *   denom = (v.sqrt() / √bc2).add_(eps)    d = sqrt(v) / r(√bc2) + r(eps)
 *   p.addcdiv_(m, denom, -lr/bc1)          p = p + (r(-lr/bc1) · m) / d
 * with bc1 = 1 - b1^t, bc2 = 1 - b2^t, step sizes in double as Python does.
 * (Bit-identical with torch 2.9 on x86 where its float sqrt is correctly
 * rounded; its AVX-512 sqrt is not always, which leaves last-bit differences.)
 */

static void
FN (adamw) (real       *param,   // (n)
            const real *grad,    // (n)
            real       *m,       // (n)
            real       *v,       // (n)
            size_t      n,
            double      lr,
            double      beta1,
            double      beta2,
            double      eps,
            double      weight_decay,
            int         step,
            double      grad_scale,
            void       *param_copy,  // (n) in copy_dtype, or NULL
            PtDType     copy_dtype,
            int         nt)
{
  double bias_correction1 = 1.0 - pow (beta1, (double) step);
  double bias_correction2 = 1.0 - pow (beta2, (double) step);
  real decay = (real) (1.0 - lr * weight_decay);
  real w = (real) (1.0 - beta1);
  gboolean small_weight = fabs (w) < (real) 0.5;
  real b2 = (real) beta2, one_minus_b2 = (real) (1.0 - beta2);
  real bc2_sqrt = (real) pow (bias_correction2, 0.5);
  real neg_step_size = (real) (-(lr / bias_correction1));
  real e = (real) eps, gs = (real) grad_scale;

  enum { CHUNK = 4096 };
  size_t n_chunks = (n + CHUNK - 1) / CHUNK;

#pragma omp parallel for num_threads (nt) schedule (static)
  for (size_t c = 0; c < n_chunks; c++)
    {
      size_t i0 = c * CHUNK, i1 = MIN (n, i0 + CHUNK);

      for (size_t i = i0; i < i1; i++)
        {
          real g = grad_scale == 1.0 ? grad[i] : grad[i] * gs;
          real p = param[i], mi = m[i], vi = v[i], denom;

          if (weight_decay != 0.0)
            p = p * decay;
          mi = small_weight ? fma (w, g - mi, mi) : fma (w - (real) 1, g - mi, g);
          vi = fma (one_minus_b2 * g, g, vi * b2);
          denom = sqrt (vi) / bc2_sqrt + e;
          p = p + (neg_step_size * mi) / denom;

          param[i] = p;
          m[i] = mi;
          v[i] = vi;
        }
      if (param_copy != NULL)
        pt_cpu_convert_range ((char *) param_copy + i0 * pt_dtype_size (copy_dtype), copy_dtype,
                              param + i0, sizeof (real) == 8 ? PT_DTYPE_F64 : PT_DTYPE_F32,
                              i1 - i0);
    }
}
