/* pt-cpu-rope.c — rotary position embedding (Gemma), forward and inverse. */
#include "config.h"

#include <tgmath.h>         /* pow, cos, sin for float and double */

#include "pt-cpu-private.h"

#define real float
#define FN(name) name##_f32
#include "pt-cpu-rope.inc.c"
#undef real
#undef FN

#define real double
#define FN(name) name##_f64
#include "pt-cpu-rope.inc.c"
#undef real
#undef FN

void
pt_cpu_rope (PtBackend     *be,
             void          *x,
             int            B,
             int            T,
             int            H,
             int            D,
             const int32_t *pos_start,
             int            pos0,
             double         theta,
             gboolean       inverse)
{
  PT_CPU_DISPATCH (be, rope, x, B, T, H, D, pos_start, pos0, theta, inverse,
                   pt_cpu_threads (be, (size_t) B * T * H * D * 4));
}
