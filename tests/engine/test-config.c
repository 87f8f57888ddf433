/* test-config.c — config.json against what transformers 4.57.6 makes of the
 * same files (tests/fixtures/io/configs-expected.json), defaults, refusals. */
#include "config.h"

#include <stddef.h>        /* offsetof */
#include <string.h>        /* strstr */
#include <glib/gstdio.h>   /* g_unlink, g_rmdir */

#include "pt-config.h"
#include "pt-error.h"
#include "pt-json.h"
#include "pt-test-util.h"    /* pt_test_make_temp_dir */

static char *
fixture (const char *a, const char *b)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "io", a, b, NULL);
}

static JsonObject *
expected_for (JsonNode *root, const char *name)
{
  JsonNode *n = json_object_get_member (json_node_get_object (root), name);
  g_assert_nonnull (n);
  return json_node_get_object (n);
}

static void
assert_matches (const PtModelConfig *c, JsonObject *e)
{
#define INT_FIELD(f) g_assert_cmpint (c->f, ==, json_object_get_int_member (e, #f))
#define DBL_FIELD(f) g_assert_cmpfloat (c->f, ==, json_object_get_double_member (e, #f))
  INT_FIELD (image_size);
  INT_FIELD (patch_size);
  INT_FIELD (num_channels);
  INT_FIELD (v_hidden);
  INT_FIELD (v_layers);
  INT_FIELD (v_heads);
  INT_FIELD (v_intermediate);
  DBL_FIELD (v_layer_norm_eps);
  INT_FIELD (num_image_tokens);
  INT_FIELD (projection_dim);
  INT_FIELD (t_hidden);
  INT_FIELD (t_layers);
  INT_FIELD (t_heads);
  INT_FIELD (t_kv_heads);
  INT_FIELD (t_head_dim);
  INT_FIELD (t_intermediate);
  INT_FIELD (vocab_size);
  DBL_FIELD (t_rms_norm_eps);
  DBL_FIELD (rope_theta);
  INT_FIELD (max_position_embeddings);
  INT_FIELD (image_token_index);
  g_assert_cmpint (c->tie_word_embeddings, ==, json_object_get_boolean_member (e, "tie_word_embeddings"));
  /* the parameter count of the model transformers builds from this config */
  g_assert_cmpuint (pt_model_config_n_params (c), ==, (guint64) json_object_get_int_member (e, "n_params"));
#undef INT_FIELD
#undef DBL_FIELD
}

static void
test_hub_configs (void)
{
  g_autofree char *exp_path = fixture ("configs-expected.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) expected = pt_json_load_file (exp_path, 1 << 20, &error);
  const char *names[] = { "paligemma-3b-pt-224.json", "paligemma-3b-pt-448.json", "paligemma-3b-pt-896.json",
                          "paligemma-3b-pt-224-resaved.json", "bare.json", "paligemma2-3b-pt-224.json",
                          "paligemma2-3b-pt-224-resaved.json" };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = fixture ("configs", names[i]);
      g_autoptr(PtModelConfig) c = pt_model_config_load (path, &error);
      g_assert_no_error (error);
      assert_matches (c, expected_for (expected, names[i]));
    }

  /* spec §1 */
  {
    g_autofree char *path = fixture ("configs", "paligemma-3b-pt-224.json");
    g_autoptr(PtModelConfig) c = pt_model_config_load (path, &error);
    g_assert_cmpuint (pt_model_config_n_params (c), ==, G_GUINT64_CONSTANT (2923466480));
    g_assert_cmpint (c->num_image_tokens, ==, 256);
    g_assert_cmpint (c->image_token_index, ==, 257152);
    g_assert_cmpint (c->vocab_size, ==, 257216);
    g_assert_cmpint (c->t_head_dim, ==, 256);
    g_assert_cmpint (c->pad_token_id, ==, 0);
    g_assert_cmpint (c->eos_token_id, ==, 1);
    g_assert_cmpint (c->bos_token_id, ==, 2);
    g_assert_cmpstr (c->torch_dtype, ==, "float32");
  }
  {
    g_autofree char *path = fixture ("configs", "paligemma-3b-pt-896.json");
    g_autoptr(PtModelConfig) c = pt_model_config_load (path, &error);
    g_assert_cmpint (c->num_image_tokens, ==, 4096);
    g_assert_cmpuint (pt_model_config_n_params (c), ==,
                      G_GUINT64_CONSTANT (2923466480) - 412442352 + 416866032);
  }
}

static void
test_tiny_config (void)
{
  g_autofree char *exp_path = fixture ("configs-expected.json", NULL);
  g_autofree char *path = fixture ("tiny-f32", "config.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) expected = pt_json_load_file (exp_path, 1 << 20, &error);
  g_autoptr(PtModelConfig) c = pt_model_config_load (path, &error);

  g_assert_no_error (error);
  assert_matches (c, expected_for (expected, "tiny"));
  g_assert_cmpint (c->t_kv_heads, ==, 2);
  g_assert_cmpint (c->t_head_dim, ==, 8);
}

/* to_json writes what transformers wrote: every key of the 5.23 file, same value */
static void
assert_subset (JsonNode *small, JsonNode *big, const char *where)
{
  if (JSON_NODE_HOLDS_OBJECT (small))
    {
      JsonObjectIter iter;
      const char *key;
      JsonNode *value;
      g_assert_true (JSON_NODE_HOLDS_OBJECT (big));
      json_object_iter_init (&iter, json_node_get_object (small));
      while (json_object_iter_next (&iter, &key, &value))
        {
          g_autofree char *at = g_strdup_printf ("%s.%s", where, key);
          JsonNode *other = json_object_get_member (json_node_get_object (big), key);
          if (g_str_equal (key, "hidden_activation") || g_str_equal (key, "use_cache")
              || g_str_equal (key, "initializer_range")
              || (g_str_equal (key, "dtype") && g_str_has_suffix (where, "text_config")))
            continue;   /* not model semantics */
          if (other == NULL)
            g_error ("%s missing from our JSON", at);
          assert_subset (value, other, at);
        }
      return;
    }
  if (!json_node_equal (small, big))
    {
      /* 0.0 vs 0 and the like */
      if (JSON_NODE_HOLDS_VALUE (small) && JSON_NODE_HOLDS_VALUE (big)
          && json_node_get_value_type (small) != G_TYPE_STRING && json_node_get_value_type (small) != G_TYPE_BOOLEAN
          && json_node_get_double (small) == json_node_get_double (big))
        return;
      g_error ("%s differs", where);
    }
}

static void
test_to_json (void)
{
  const char *files[][2] = { { "tiny-f32", "config.json" }, { "tiny-bf16", "config.json" },
                             { "configs", "paligemma-3b-pt-224-resaved.json" },
                             { "configs", "paligemma2-3b-pt-224-resaved.json" } };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = fixture (files[i][0], files[i][1]);
      g_autoptr(GError) error = NULL;
      g_autoptr(PtModelConfig) c = pt_model_config_load (path, &error);
      g_autofree char *json = NULL;
      g_autoptr(PtModelConfig) back = NULL;
      g_autoptr(JsonNode) ours = NULL, theirs = NULL;

      g_assert_no_error (error);
      json = pt_model_config_to_json (c);
      back = pt_model_config_from_json (json, -1, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (c, offsetof (PtModelConfig, torch_dtype), back, offsetof (PtModelConfig, torch_dtype));
      g_assert_cmpmem (&c->query_pre_attn_scalar, sizeof *c - offsetof (PtModelConfig, query_pre_attn_scalar),
                       &back->query_pre_attn_scalar, sizeof *c - offsetof (PtModelConfig, query_pre_attn_scalar));
      g_assert_cmpstr (c->torch_dtype, ==, back->torch_dtype);
      ours = pt_json_parse (json, -1, "ours", &error);
      theirs = pt_json_load_file (path, 1 << 20, &error);
      g_assert_no_error (error);
      /* drop what is not model semantics in the reference */
      json_object_remove_member (json_node_get_object (theirs), "transformers_version");
      /* PaliGemmaConfig.vocab_size is unused: the decoder reads text_config's */
      json_object_remove_member (json_node_get_object (theirs), "vocab_size");
      assert_subset (theirs, ours, files[i][0]);
    }
}

static void
test_defaults_and_aliases (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) c = pt_model_config_from_json (
    "{\"model_type\": \"paligemma\", \"image_token_id\": 7, \"eos_token_id\": [1, 107],"
    " \"torch_dtype\": \"bfloat16\", \"projection_dim\": 3072,"
    " \"vision_config\": {\"patch_size\": 16, \"hidden_act\": \"gelu_fast\"},"
    " \"text_config\": {\"head_dim\": null, \"hidden_activation\": \"gelu_pytorch_tanh\", \"tie_word_embeddings\": false}}",
    -1, &error);

  g_assert_no_error (error);
  /* SiglipVisionConfig defaults */
  g_assert_cmpint (c->v_hidden, ==, 768);
  g_assert_cmpint (c->v_layers, ==, 12);
  g_assert_cmpint (c->v_heads, ==, 12);
  g_assert_cmpint (c->v_intermediate, ==, 3072);
  g_assert_cmpint (c->image_size, ==, 224);
  g_assert_cmpint (c->num_image_tokens, ==, 196);
  /* GemmaConfig defaults */
  g_assert_cmpint (c->t_hidden, ==, 3072);
  g_assert_cmpint (c->t_layers, ==, 28);
  g_assert_cmpint (c->t_heads, ==, 16);
  g_assert_cmpint (c->t_kv_heads, ==, 16);
  g_assert_cmpint (c->t_head_dim, ==, 256);
  g_assert_cmpint (c->t_intermediate, ==, 24576);
  g_assert_cmpint (c->vocab_size, ==, 256000);
  g_assert_cmpint (c->max_position_embeddings, ==, 8192);
  g_assert_false (c->tie_word_embeddings);
  g_assert_cmpint (c->image_token_index, ==, 7);
  g_assert_cmpint (c->eos_token_id, ==, 1);
  g_assert_cmpstr (c->torch_dtype, ==, "bfloat16");
}

static void
expect_error (const char *json, int code, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) c = pt_model_config_from_json (json, -1, &error);

  if (c != NULL)
    g_error ("accepted: %s", json);
  g_assert_error (error, PT_ERROR, code);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, fragment);
}

#define V(x) "{\"model_type\": \"paligemma\", \"vision_config\": {" x "}, \"text_config\": {\"num_attention_heads\": 8, \"num_key_value_heads\": 1, \"hidden_size\": 2048}}"
#define T(x) "{\"model_type\": \"paligemma\", \"projection_dim\": 3072, \"vision_config\": {}, \"text_config\": {" x "}}"

/* The hub's paligemma2-3b-pt-224 config.json (4.x keys): Gemma 2 defaults
 * for what it omits, the even layers sliding. */
static void
test_paligemma2 (void)
{
  g_autofree char *pg2 = fixture ("configs", "paligemma2-3b-pt-224.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) c = pt_model_config_load (pg2, &error);
  g_autoptr(PtModelConfig) copy = NULL, back = NULL;
  g_autofree char *json = NULL, *name = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (c->family, ==, PT_FAMILY_PALIGEMMA2);
  g_assert_cmpint (c->t_hidden, ==, 2304);
  g_assert_cmpint (c->t_layers, ==, 26);
  g_assert_cmpint (c->t_heads, ==, 8);
  g_assert_cmpint (c->t_kv_heads, ==, 4);
  g_assert_cmpint (c->t_intermediate, ==, 9216);
  g_assert_cmpint (c->projection_dim, ==, 2304);
  g_assert_cmpfloat (c->query_pre_attn_scalar, ==, 256);
  g_assert_cmpfloat (c->attn_logit_softcap, ==, 50);
  g_assert_cmpfloat (c->final_logit_softcap, ==, 30);
  g_assert_cmpint (c->sliding_window, ==, 4096);
  for (int l = 0; l < c->t_layers; l++)
    g_assert_cmpint (pt_model_config_layer_sliding (c, l), ==, l % 2 == 0);
  /* 3B: SigLIP 412,442,352 + projector 1152·2304 + 2304 + Gemma 2 2B with four norms */
  g_assert_cmpuint (pt_model_config_n_params (c), ==, G_GUINT64_CONSTANT (3032242416));
  name = pt_model_config_describe (c);
  g_assert_cmpstr (name, ==, "PaliGemma 2 · 3B · 224 px");

  /* written and read back (5.x keys: rope_parameters, layer_types, nulls) */
  json = pt_model_config_to_json (c);
  g_assert_nonnull (strstr (json, "\"gemma2\""));
  g_assert_nonnull (strstr (json, "sliding_attention"));
  back = pt_model_config_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (memcmp (back->sliding_layers, c->sliding_layers, sizeof c->sliding_layers), ==, 0);
  g_assert_cmpfloat (back->final_logit_softcap, ==, 30);
  copy = pt_model_config_copy (back);
  g_assert_cmpint (copy->sliding_window, ==, 4096);
}

/* transformers 5.x keys, explicit layer_types, nulls switching a feature off */
static void
test_paligemma2_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) c = pt_model_config_from_json (
    "{\"model_type\": \"paligemma\", \"projection_dim\": 64, \"vision_config\": {\"hidden_size\": 32,"
    " \"intermediate_size\": 40, \"num_hidden_layers\": 1, \"num_attention_heads\": 2, \"image_size\": 28,"
    " \"patch_size\": 14}, \"text_config\": {\"model_type\": \"gemma2\", \"hidden_size\": 64,"
    " \"num_hidden_layers\": 3, \"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"head_dim\": 16,"
    " \"intermediate_size\": 96, \"vocab_size\": 300, \"query_pre_attn_scalar\": 24,"
    " \"rope_parameters\": {\"rope_type\": \"default\", \"rope_theta\": 500.0},"
    " \"layer_types\": [\"full_attention\", \"sliding_attention\", \"sliding_attention\"],"
    " \"sliding_window\": 5, \"final_logit_softcapping\": null, \"attn_logit_softcapping\": 2.5}}",
    -1, &error);

  g_assert_no_error (error);
  g_assert_cmpfloat (c->rope_theta, ==, 500);
  g_assert_cmpfloat (c->query_pre_attn_scalar, ==, 24);
  g_assert_cmpfloat (c->final_logit_softcap, ==, 0);
  g_assert_cmpfloat (c->attn_logit_softcap, ==, 2.5);
  g_assert_false (pt_model_config_layer_sliding (c, 0));
  g_assert_true (pt_model_config_layer_sliding (c, 1));
  g_assert_true (pt_model_config_layer_sliding (c, 2));

#define G2(x) "{\"model_type\": \"paligemma\", \"projection_dim\": 2304, \"text_config\": {\"model_type\": \"gemma2\", " x "}}"
  expect_error (G2 ("\"layer_types\": [\"sliding_attention\"]"), PT_ERROR_INVALID_INPUT, "layer_types");
  expect_error (G2 ("\"num_hidden_layers\": 1, \"layer_types\": [\"chunked_attention\"]"),
                PT_ERROR_UNSUPPORTED, "layer_types[0]");
  expect_error (G2 ("\"sliding_window\": -4"), PT_ERROR_INVALID_INPUT, "sliding_window");
  expect_error (G2 ("\"query_pre_attn_scalar\": 0"), PT_ERROR_INVALID_INPUT, "query_pre_attn_scalar");
  expect_error (G2 ("\"final_logit_softcapping\": \"30\""), PT_ERROR_INVALID_INPUT, "final_logit_softcapping");
  expect_error (G2 ("\"hidden_activation\": \"gelu\""), PT_ERROR_UNSUPPORTED, "exact");
  expect_error (G2 ("\"rope_parameters\": {\"rope_type\": \"yarn\"}"), PT_ERROR_UNSUPPORTED, "yarn");
#undef G2
}

static void
test_unsupported (void)
{
  expect_error ("{\"model_type\": \"llava\"}", PT_ERROR_UNSUPPORTED, "llava");
  expect_error ("{\"model_type\": \"paligemma\", \"text_config\": {\"model_type\": \"gemma3_text\"}}",
                PT_ERROR_UNSUPPORTED, "Gemma 3");
  expect_error ("{\"model_type\": \"paligemma\", \"text_config\": {\"model_type\": \"llama\"}}", PT_ERROR_UNSUPPORTED, "llama");
  expect_error (V ("\"model_type\": \"clip_vision_model\""), PT_ERROR_UNSUPPORTED, "SigLIP");
  expect_error (V ("\"hidden_act\": \"gelu\""), PT_ERROR_UNSUPPORTED, "exact");
  expect_error (T ("\"hidden_act\": \"relu\""), PT_ERROR_UNSUPPORTED, "relu");
  expect_error (T ("\"hidden_activation\": \"silu\""), PT_ERROR_UNSUPPORTED, "silu");
  expect_error (V ("\"hidden_act\": \"quick_gelu\""), PT_ERROR_UNSUPPORTED, "quick_gelu");
  expect_error (V ("\"vision_use_head\": true"), PT_ERROR_UNSUPPORTED, "vision_use_head");
  expect_error (V ("\"image_size\": 225, \"patch_size\": 14"), PT_ERROR_UNSUPPORTED, "multiple");
  expect_error (V ("\"num_channels\": 4"), PT_ERROR_UNSUPPORTED, "channels");
  expect_error (T ("\"attention_bias\": true"), PT_ERROR_UNSUPPORTED, "bias");
  expect_error (T ("\"rope_scaling\": {\"type\": \"linear\"}"), PT_ERROR_UNSUPPORTED, "rope_scaling");
  expect_error (T ("\"final_logit_softcapping\": 30.0"), PT_ERROR_INVALID_INPUT, "gemma2");
  expect_error ("{\"model_type\": \"paligemma\", \"quantization_config\": {\"quant_method\": \"gptq\"}}",
                PT_ERROR_UNSUPPORTED, "gptq");
  expect_error ("{\"model_type\": \"paligemma\", \"quantization_config\": {\"quant_method\": \"bitsandbytes\","
                " \"load_in_8bit\": true}}", PT_ERROR_UNSUPPORTED, "8-bit");
  expect_error ("{\"model_type\": \"paligemma\", \"quantization_config\": {\"quant_method\": \"bitsandbytes\","
                " \"load_in_4bit\": true, \"bnb_4bit_quant_type\": \"fp4\"}}", PT_ERROR_UNSUPPORTED, "fp4");
  expect_error ("{\"model_type\": \"paligemma\", \"quantization_config\": 5}", PT_ERROR_INVALID_INPUT,
                "quantization_config");
}

static void
test_malformed (void)
{
  const char *garbage[] = { "", "nonsense", "[1, 2]", "\"paligemma\"", "{\"model_type\": 5}", "{}",
                            "{\"model_type\": \"paligemma\", \"vision_config\": []}",
                            "{\"model_type\": \"paligemma\", \"text_config\": \"gemma\"}", "\xff\xfe{}",
                            "{\"model_type\": \"paligemma\",,}" };

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    expect_error (garbage[i], PT_ERROR_INVALID_INPUT, NULL);

  /* wrong types */
  expect_error (V ("\"hidden_size\": \"1152\""), PT_ERROR_INVALID_INPUT, "vision_config.hidden_size");
  expect_error (V ("\"hidden_size\": 1152.5"), PT_ERROR_INVALID_INPUT, "vision_config.hidden_size");
  expect_error (V ("\"hidden_size\": true"), PT_ERROR_INVALID_INPUT, "vision_config.hidden_size");
  expect_error (V ("\"layer_norm_eps\": \"x\""), PT_ERROR_INVALID_INPUT, "layer_norm_eps");
  expect_error (V ("\"vision_use_head\": 0"), PT_ERROR_INVALID_INPUT, "vision_use_head");
  expect_error (T ("\"num_hidden_layers\": [18]"), PT_ERROR_INVALID_INPUT, "text_config.num_hidden_layers");
  expect_error (T ("\"hidden_act\": 3"), PT_ERROR_INVALID_INPUT, "hidden_act");
  expect_error (T ("\"vocab_size\": 1e300"), PT_ERROR_INVALID_INPUT, "vocab_size");
  expect_error ("{\"model_type\": \"paligemma\", \"image_token_index\": \"a\"}", PT_ERROR_INVALID_INPUT, "image_token_index");

  /* zero, negative, absurd and inconsistent sizes */
  expect_error (V ("\"hidden_size\": 0"), PT_ERROR_INVALID_INPUT, "vision_config.hidden_size");
  expect_error (V ("\"num_hidden_layers\": -3"), PT_ERROR_INVALID_INPUT, "num_hidden_layers");
  expect_error (V ("\"patch_size\": 0"), PT_ERROR_INVALID_INPUT, "patch_size");
  expect_error (V ("\"image_size\": 100000"), PT_ERROR_INVALID_INPUT, "image_size");
  expect_error (V ("\"image_size\": 4200, \"patch_size\": 1"), PT_ERROR_INVALID_INPUT, "image tokens");
  expect_error (V ("\"hidden_size\": 1000, \"num_attention_heads\": 16"), PT_ERROR_INVALID_INPUT, "divisible");
  expect_error (V ("\"num_image_tokens\": 100"), PT_ERROR_INVALID_INPUT, "num_image_tokens");
  expect_error (T ("\"num_attention_heads\": 8, \"num_key_value_heads\": 3"), PT_ERROR_INVALID_INPUT,
                "num_key_value_heads");
  expect_error (T ("\"num_attention_heads\": 8, \"num_key_value_heads\": 16"), PT_ERROR_INVALID_INPUT,
                "num_key_value_heads");
  expect_error (T ("\"head_dim\": 7"), PT_ERROR_INVALID_INPUT, "head_dim");
  expect_error (T ("\"vocab_size\": 2147483647"), PT_ERROR_INVALID_INPUT, "vocab_size");
  expect_error (T ("\"rms_norm_eps\": 0"), PT_ERROR_INVALID_INPUT, "rms_norm_eps");
  expect_error (T ("\"rope_theta\": -1"), PT_ERROR_INVALID_INPUT, "rope_theta");
  expect_error (T ("\"hidden_size\": 1024"), PT_ERROR_INVALID_INPUT, "projection_dim");
  expect_error ("{\"model_type\": \"paligemma\", \"image_token_index\": -2}", PT_ERROR_INVALID_INPUT,
                "image_token_index");
}

static void
test_load_errors_name_the_file (void)
{
  g_autofree char *dir = pt_test_make_temp_dir ("pt-test-config-XXXXXX");
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) c = NULL;

  path = g_build_filename (dir, "config.json", NULL);
  g_assert_true (g_file_set_contents (path, V ("\"hidden_size\": -1"), -1, NULL));
  c = pt_model_config_load (path, &error);
  g_assert_null (c);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "config.json"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (path, "{{{", -1, NULL));
  c = pt_model_config_load (path, &error);
  g_assert_null (c);
  g_assert_nonnull (strstr (error->message, "config.json"));
  g_clear_error (&error);
  g_unlink (path);
  c = pt_model_config_load (path, &error);
  g_assert_null (c);
  g_assert_nonnull (strstr (error->message, "config.json"));
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/config/hub", test_hub_configs);
  g_test_add_func ("/engine/config/tiny", test_tiny_config);
  g_test_add_func ("/engine/config/to-json", test_to_json);
  g_test_add_func ("/engine/config/defaults-and-aliases", test_defaults_and_aliases);
  g_test_add_func ("/engine/config/paligemma2", test_paligemma2);
  g_test_add_func ("/engine/config/paligemma2-keys", test_paligemma2_keys);
  g_test_add_func ("/engine/config/unsupported", test_unsupported);
  g_test_add_func ("/engine/config/malformed", test_malformed);
  g_test_add_func ("/engine/config/errors-name-the-file", test_load_errors_name_the_file);
  return g_test_run ();
}
