/* pt-test-model.c — a tiny random PaliGemma and a tiny shapes dataset. */
#include "config.h"

#include "pt-config.h"
#include "pt-demo-data.h"
#include "pt-init.h"
#include "pt-run.h"         /* pt_rmtree */
#include "pt-test-model.h"
#include "pt-test-util.h"  /* pt_test_make_temp_dir */

/* Vision: 28 px / patch 14 (4 image tokens), hidden 16; text: hidden 32,
 * MQA, head 16; the vocabulary fits the fixture tokenizer (1752 tokens)
 * with <image> right after it. */
static const char config_json[] =
  "{\"architectures\": [\"PaliGemmaForConditionalGeneration\"], \"model_type\": \"paligemma\","
  " \"bos_token_id\": 2, \"eos_token_id\": 1, \"pad_token_id\": 0, \"image_token_index\": 1752,"
  " \"hidden_size\": 32, \"projection_dim\": 32, \"torch_dtype\": \"float32\","
  " \"text_config\": {\"model_type\": \"gemma\", \"hidden_size\": 32, \"intermediate_size\": 64,"
  "   \"num_attention_heads\": 2, \"num_key_value_heads\": 1, \"head_dim\": 16,"
  "   \"num_hidden_layers\": 2, \"vocab_size\": 1760, \"num_image_tokens\": 4,"
  "   \"hidden_activation\": \"gelu_pytorch_tanh\", \"rms_norm_eps\": 1e-06, \"rope_theta\": 10000.0},"
  " \"vision_config\": {\"model_type\": \"siglip_vision_model\", \"hidden_size\": 16,"
  "   \"intermediate_size\": 32, \"num_attention_heads\": 2, \"num_hidden_layers\": 1,"
  "   \"image_size\": 28, \"patch_size\": 14, \"num_image_tokens\": 4, \"projection_dim\": 32,"
  "   \"hidden_act\": \"gelu_pytorch_tanh\", \"layer_norm_eps\": 1e-06, \"vision_use_head\": false}}";

PtTestWorld *
pt_test_world_new (guint n_train,
                   guint n_val)
{
  PtTestWorld *w = g_new0 (PtTestWorld, 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) config = NULL;
  g_autofree char *tokenizer = NULL;
  PtDemoOptions o;

  w->root = pt_test_make_temp_dir ("pt-world-XXXXXX");
  w->model_dir = g_build_filename (w->root, "model", NULL);
  w->data_dir = g_build_filename (w->root, "data", NULL);
  w->train = g_build_filename (w->data_dir, "train.jsonl", NULL);
  w->val = g_build_filename (w->data_dir, "val.jsonl", NULL);
  w->runs = g_build_filename (w->root, "runs", NULL);

  config = pt_model_config_from_json (config_json, -1, &error);
  g_assert_no_error (error);
  tokenizer = g_test_build_filename (G_TEST_DIST, "fixtures", "tokenizer", "tokenizer.model", NULL);
  pt_model_init_random (config, 1234, tokenizer, w->model_dir, &error);
  g_assert_no_error (error);

  pt_demo_options_init (&o);
  o.seed = 5;
  o.n_train = n_train;
  o.n_val = n_val;
  o.image_size = 32;
  o.max_shapes = 2;
  o.threads = 1;
  g_assert_true (pt_demo_parse_tasks ("color,shape", &o.tasks, &error));
  g_assert_true (pt_demo_generate (&o, w->data_dir, FALSE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return w;
}

void
pt_test_world_free (PtTestWorld *w)
{
  if (w == NULL)
    return;
  pt_rmtree (w->root, NULL);
  g_free (w->root);
  g_free (w->model_dir);
  g_free (w->data_dir);
  g_free (w->train);
  g_free (w->val);
  g_free (w->runs);
  g_free (w);
}
