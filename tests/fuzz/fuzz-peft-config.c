/* fuzz-peft-config.c — adapter_config.json parsing, validation, writing and
 * target matching on the modules of a small PaliGemma. */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput, pt_fuzz_fatal_criticals */

#include <stdint.h>          /* uint8_t */

#include "pt-peft.h"

static const char tiny[] =
  "{\"model_type\": \"paligemma\", \"image_token_index\": 290, \"projection_dim\": 32,"
  " \"vision_config\": {\"hidden_size\": 32, \"intermediate_size\": 48, \"num_hidden_layers\": 2,"
  "  \"num_attention_heads\": 4, \"patch_size\": 14, \"image_size\": 28, \"vision_use_head\": false},"
  " \"text_config\": {\"hidden_size\": 32, \"intermediate_size\": 64, \"num_hidden_layers\": 2,"
  "  \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 8, \"vocab_size\": 300}}";

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static PtModelConfig *model;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtPeftConfig) c = NULL;
  g_autoptr(PtPeftConfig) back = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  g_autofree char *json = NULL;

  pt_fuzz_fatal_criticals ();

  if (model == NULL)
    model = pt_model_config_from_json (tiny, -1, NULL);
  g_assert (model != NULL);

  c = pt_peft_config_from_json ((const char *) data, (gssize) size, "fuzz", &error);
  if (c == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  json = pt_peft_config_to_json (c);
  back = pt_peft_config_from_json (json, -1, "written", &error);
  g_assert (back != NULL);
  g_assert (back->r == c->r && back->use_rslora == c->use_rslora);
  if (!pt_peft_config_validate (c, &error))
    return 0;
  targets = pt_peft_resolve (c, model, &error);
  g_assert ((targets != NULL) == (error == NULL));
  return 0;
}
