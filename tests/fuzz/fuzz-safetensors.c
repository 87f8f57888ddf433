/* fuzz-safetensors.c — the safetensors reader on arbitrary bytes: header and
 * body. Whatever it accepts must be safe to read end to end. */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput, pt_fuzz_fatal_criticals */

#include <stdint.h>          /* uint8_t */

#include "pt-checkpoint.h"   /* pt_tensor_convert */
#include "pt-safetensors.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSafetensors) st = NULL;
  g_auto(GStrv) keys = NULL;

  pt_fuzz_fatal_criticals ();
  st = pt_safetensors_open_bytes (bytes, "fuzz.safetensors", &error);

  if (st == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  keys = pt_safetensors_metadata_keys (st);
  for (guint i = 0; keys[i] != NULL; i++)
    g_assert (pt_safetensors_metadata (st, keys[i]) != NULL);
  for (guint i = 0; i < pt_safetensors_n_tensors (st); i++)
    {
      const PtStTensor *t = pt_safetensors_tensor (st, i);
      volatile guint8 sink = 0;
      g_assert (pt_safetensors_find (st, t->name) != NULL);
      /* every byte of an accepted tensor is inside the input */
      for (guint64 k = 0; k < t->n_bytes; k++)
        sink ^= ((const guint8 *) t->data)[k];
      if (t->n_elements <= 4096)
        {
          float out[4096];
          pt_tensor_convert (out, PT_DTYPE_F32, t->data, t->dtype, t->n_elements);
        }
      (void) sink;
    }
  return 0;
}
