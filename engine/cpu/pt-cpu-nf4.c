/* pt-cpu-nf4.c — the nf4_dequantize op: packed NF4 → a float dtype. */
#include "config.h"

#include "pt-nf4.h"         /* pt_nf4_code, PT_NF4_BLOCK */
#include "pt-cpu-private.h"

/* out (n) in out_dtype = (out_dtype) (code[idx] · absmax[i / 64]), the
 * product in fp32 as bitsandbytes. One block (32 bytes) at a time. */
void
pt_cpu_nf4_dequantize (PtBackend     *be,
                       void          *out,
                       PtDType        out_dtype,
                       const uint8_t *packed,   // ((n+1)/2)
                       const float   *absmax,   // ((n+63)/64)
                       size_t         n)
{
  size_t n_blocks = pt_nf4_n_blocks (n);

#pragma omp parallel for num_threads (pt_cpu_threads (be, n)) schedule (static)
  for (size_t b = 0; b < n_blocks; b++)
    {
      size_t i0 = b * PT_NF4_BLOCK, i1 = MIN (n, i0 + PT_NF4_BLOCK);
      float block[PT_NF4_BLOCK];

      for (size_t i = i0; i < i1; i++)
        {
          uint8_t idx = i % 2 == 0 ? packed[i / 2] >> 4 : packed[i / 2] & 15;
          block[i - i0] = pt_nf4_code[idx] * absmax[b];
        }
      pt_cpu_convert_range ((char *) out + i0 * pt_dtype_size (out_dtype), out_dtype,
                            block, PT_DTYPE_F32, i1 - i0);
    }
}
