/* pt-cpu-loss.c — cross-entropy over selected rows, argmax. */
#include "config.h"

#include <tgmath.h>         /* exp, log for float and double; isnan */

#include "pt-cpu-private.h"

#define real float
#define FN(name) name##_f32
#include "pt-cpu-loss.inc.c"
#undef real
#undef FN

#define real double
#define FN(name) name##_f64
#include "pt-cpu-loss.inc.c"
#undef real
#undef FN

void
pt_cpu_cross_entropy (PtBackend     *be,
                      void          *losses,
                      void          *dlogits,
                      const void    *logits,
                      const int32_t *targets,
                      int            M,
                      int            V,
                      double         grad_scale,
                      double         softcap)
{
  PT_CPU_DISPATCH (be, cross_entropy, losses, dlogits, logits, targets, M, V, grad_scale, softcap,
                   pt_cpu_threads (be, (size_t) M * V * 4));
}

void
pt_cpu_argmax (PtBackend  *be,
               int32_t    *out,
               const void *logits,
               int         M,
               int         V)
{
  PT_CPU_DISPATCH (be, argmax, out, logits, M, V, pt_cpu_threads (be, (size_t) M * V));
}
