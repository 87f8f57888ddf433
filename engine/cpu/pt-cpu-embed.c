/* pt-cpu-embed.c — token embeddings, row gathers/scatters, im2col. */
#include "config.h"

#include <string.h>         /* memcpy */

#include "pt-cpu-private.h"

#define real float
#define FN(name) name##_f32
#include "pt-cpu-embed.inc.c"
#undef real
#undef FN

#define real double
#define FN(name) name##_f64
#include "pt-cpu-embed.inc.c"
#undef real
#undef FN

void
pt_cpu_embedding_forward (PtBackend     *be,
                          void          *out,
                          const int32_t *ids,
                          const void    *table,
                          PtDType        table_dtype,
                          int            N,
                          int            C,
                          int            V,
                          double         scale)
{
  PT_CPU_DISPATCH (be, embedding_forward, out, ids, table, table_dtype, be->act_dtype, N, C, V,
                   scale, pt_cpu_threads (be, (size_t) N * C));
}

void
pt_cpu_embedding_backward (PtBackend     *be,
                           void          *dtable,
                           const void    *dout,
                           const int32_t *ids,
                           int            N,
                           int            C,
                           int            V,
                           double         scale)
{
  PT_CPU_DISPATCH (be, embedding_backward, dtable, dout, ids, N, C, V, scale,
                   pt_cpu_threads (be, (size_t) N * C));
}

void
pt_cpu_gather_rows (PtBackend     *be,
                    void          *out,
                    const void    *src,
                    const int32_t *idx,
                    int            M,
                    int            C)
{
  PT_CPU_DISPATCH (be, gather_rows, out, src, idx, M, C, pt_cpu_threads (be, (size_t) M * C));
}

void
pt_cpu_scatter_rows (PtBackend     *be,
                     void          *dst,
                     const void    *src,
                     const int32_t *idx,
                     int            M,
                     int            C,
                     gboolean       accumulate)
{
  PT_CPU_DISPATCH (be, scatter_rows, dst, src, idx, M, C, accumulate,
                   pt_cpu_threads (be, (size_t) M * C));
}

void
pt_cpu_im2col (PtBackend  *be,
               void       *out,
               const void *pixels,
               int         B,
               int         Cin,
               int         H,
               int         W,
               int         P)
{
  PT_CPU_DISPATCH (be, im2col, out, pixels, B, Cin, H, W, P,
                   pt_cpu_threads (be, (size_t) B * Cin * H * W));
}
