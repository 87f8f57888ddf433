/* fuzz-config.c — config.json parsing; an accepted config must give a sane
 * tensor list, parameter count and JSON that reads back the same. */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput, pt_fuzz_fatal_criticals */

#include <stdint.h>          /* uint8_t */
#include <string.h>          /* memcmp */

#include "pt-checkpoint.h"   /* pt_model_config_tensor_specs */
#include "pt-config.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) c = NULL;
  g_autoptr(PtModelConfig) back = NULL;
  g_autoptr(GPtrArray) specs = NULL;
  g_autofree char *json = NULL;

  pt_fuzz_fatal_criticals ();
  c = pt_model_config_from_json ((const char *) data, (gssize) size, &error);

  if (c == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  (void) pt_model_config_n_params (c);
  /* tensor lists of huge (but valid) configs are long: only build small ones */
  if ((gint64) c->v_layers + c->t_layers < 2000)
    {
      specs = pt_model_config_tensor_specs (c);
      g_assert (specs->len > 0);
    }
  json = pt_model_config_to_json (c);
  back = pt_model_config_from_json (json, -1, &error);
  g_assert (back != NULL);
  g_assert (back->t_hidden == c->t_hidden && back->vocab_size == c->vocab_size
            && back->image_size == c->image_size && back->t_head_dim == c->t_head_dim
            && back->t_kv_heads == c->t_kv_heads && back->tie_word_embeddings == c->tie_word_embeddings);
  return 0;
}
