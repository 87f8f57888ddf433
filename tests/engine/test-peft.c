/* test-peft.c — PEFT adapters against what peft 0.17.1 + transformers 4.57.6
 * did on the tiny PaliGemma: the modules it wraps for many target configs,
 * the adapter files it wrote (both key layouts), adapter_config.json. */
#include "config.h"

#include <math.h>          /* fabs */
#include <string.h>        /* strstr */
#include <glib/gstdio.h>   /* g_mkdir */

#include "pt-checkpoint.h"
#include "pt-error.h"
#include "pt-json.h"
#include "pt-peft.h"
#include "pt-run.h"          /* pt_rmtree */
#include "pt-test-util.h"

static char *
fixture (const char *a, const char *b)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "io", a, b, NULL);
}

static PtModelConfig *
tiny_config (void)
{
  g_autofree char *path = fixture ("tiny-f32", "config.json");
  g_autoptr(GError) error = NULL;
  PtModelConfig *c = pt_model_config_load (path, &error);
  g_assert_no_error (error);
  return c;
}

static JsonNode *
load_json (const char *name)
{
  g_autofree char *path = fixture (name, NULL);

  return pt_test_load_json (path, 1 << 22);
}

/* named_modules() of the model, names and classes, in order */
static void
test_modules (void)
{
  g_autoptr(PtModelConfig) c = tiny_config ();
  g_autoptr(JsonNode) root = load_json ("peft-modules.json");
  JsonArray *ref = json_object_get_array_member (json_node_get_object (root), "modules");
  g_autoptr(GPtrArray) ours = pt_peft_model_modules (c);

  g_assert_cmpuint (ours->len, ==, json_array_get_length (ref));
  for (guint i = 0; i < ours->len; i++)
    {
      const PtModuleInfo *m = g_ptr_array_index (ours, i);
      JsonArray *pair = json_array_get_array_element (ref, i);
      g_assert_cmpstr (m->path, ==, json_array_get_string_element (pair, 0));
      g_assert_cmpstr (m->type, ==, json_array_get_string_element (pair, 1));
    }
}

/* for every target config: the layers we adapt are the ones PEFT wrapped,
 * with its ranks and scalings; where PEFT refused, we refuse */
static void
test_cases_match_peft (void)
{
  g_autoptr(PtModelConfig) c = tiny_config ();
  g_autoptr(JsonNode) root = load_json ("peft-modules.json");
  JsonArray *cases = json_object_get_array_member (json_node_get_object (root), "cases");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *e = json_array_get_object_element (cases, i);
      g_autofree char *json = pt_json_to_string (json_object_get_member (e, "config"), FALSE);
      g_autoptr(GError) error = NULL;
      g_autoptr(PtPeftConfig) pc = pt_peft_config_from_json (json, -1, "case", &error);
      g_autoptr(GPtrArray) targets = NULL;
      JsonArray *wrapped = json_object_has_member (e, "wrapped") ? json_object_get_array_member (e, "wrapped") : NULL;
      gboolean peft_ok = wrapped != NULL, all_ours = TRUE;

      g_test_message ("case %u: %s", i, json);
      g_assert_no_error (error);
      for (guint k = 0; peft_ok && k < json_array_get_length (wrapped); k++)
        {
          JsonObject *w = json_array_get_object_element (wrapped, k);
          if (!g_str_equal (json_object_get_string_member (w, "type"), "Linear")
              || g_str_equal (json_object_get_string_member (w, "path"), "lm_head"))
            all_ours = FALSE;
        }
      targets = pt_peft_resolve (pc, c, &error);
      if (!peft_ok)
        {
          g_assert_null (targets);
          g_assert_nonnull (error);
          continue;
        }
      if (!all_ours)
        {
          /* PEFT can wrap embeddings and the head; PaliTune refuses */
          g_assert_null (targets);
          g_assert_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED);
          continue;
        }
      g_assert_no_error (error);
      g_assert_cmpuint (targets->len, ==, json_array_get_length (wrapped));
      for (guint k = 0; k < targets->len; k++)
        {
          const PtLoraTarget *t = g_ptr_array_index (targets, k);
          JsonObject *w = json_array_get_object_element (wrapped, k);
          g_assert_cmpstr (t->path, ==, json_object_get_string_member (w, "path"));
          g_assert_cmpint (t->r, ==, json_object_get_int_member (w, "r"));
          g_assert_cmpfloat_with_epsilon (t->scaling, json_object_get_double_member (w, "scaling"), 1e-12);
          g_assert_true (pt_peft_module_matches (pc, t->path) || pc->target_modules_regex != NULL);
        }
    }
}

static void
test_matcher_table (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtPeftConfig) list = pt_peft_config_from_json (
    "{\"target_modules\": [\"q_proj\", \"mlp.fc1\", \"model.language_model.layers.3.mlp.up_proj\"],"
    " \"layers_to_transform\": [0, 2]}", -1, NULL, &error);
  g_autoptr(PtPeftConfig) regex = pt_peft_config_from_json (
    "{\"target_modules\": \".*\\\\.(q|v)_proj\"}", -1, NULL, &error);
  struct { PtPeftConfig *c; const char *path; gboolean match; } cases[] = {
    { list, "model.language_model.layers.0.self_attn.q_proj", TRUE },
    { list, "model.language_model.layers.1.self_attn.q_proj", FALSE },    /* layer filter */
    { list, "model.language_model.layers.2.self_attn.q_proj", TRUE },
    { list, "model.vision_tower.vision_model.encoder.layers.2.mlp.fc1", TRUE },
    { list, "model.vision_tower.vision_model.encoder.layers.2.mlp.fc2", FALSE },
    { list, "model.language_model.layers.3.mlp.up_proj", TRUE },          /* exact name: no layer filter */
    { list, "xq_proj", FALSE },
    { list, "q_proj", TRUE },    /* equal to an entry: no layer filter either */
    { list, "model.language_model.layers.0.self_attn.qq_proj", FALSE },
    { regex, "model.language_model.layers.0.self_attn.q_proj", TRUE },
    { regex, "model.language_model.layers.0.self_attn.k_proj", FALSE },
    { regex, "model.language_model.layers.0.self_attn.q_proj.lora_A", FALSE },   /* fullmatch */
    { regex, "q_proj", FALSE },
  };

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    if (pt_peft_module_matches (cases[i].c, cases[i].path) != cases[i].match)
      g_error ("%s: expected %s", cases[i].path, cases[i].match ? "a match" : "no match");
}

static void
test_keys (void)
{
  const char *cases[][2] = {
    { "base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_A.weight", "current" },
    { "base_model.model.language_model.model.layers.17.mlp.down_proj.lora_B.weight", "legacy" },
    { "base_model.model.model.vision_tower.vision_model.encoder.layers.26.self_attn.out_proj.lora_A.weight", "v4" },
    { "base_model.model.vision_tower.vision_model.encoder.layers.3.mlp.fc1.lora_B.weight", "legacy" },
    { "base_model.model.model.vision_tower.encoder.layers.3.mlp.fc2.lora_A.weight", "current" },
    { "base_model.model.model.multi_modal_projector.linear.lora_A.weight", "current" },
    { "base_model.model.multi_modal_projector.linear.lora_B.weight", "legacy" },
  };
  const char *bad[] = {
    "base_model.model.model.language_model.layers.0.self_attn.q_proj.weight",
    "base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_C.weight",
    "base_model.model.model.language_model.layers.01.self_attn.q_proj.lora_A.weight",
    "base_model.model.model.language_model.layers.x.self_attn.q_proj.lora_A.weight",
    "base_model.model.model.language_model.layers.0.self_attn.out_proj.lora_A.weight",
    "base_model.model.model.vision_tower.vision_model.encoder.layers.0.self_attn.o_proj.lora_A.weight",
    "base_model.model.model.language_model.embed_tokens.lora_A.weight",
    "base_model.model.lm_head.lora_A.weight",
    "model.language_model.layers.0.self_attn.q_proj.lora_A.weight",
    "base_model.model..lora_A.weight",
    "base_model.model.lora_A.weight",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      PtLoraKey key;
      PtPeftLayout layout;
      g_autofree char *back = NULL;
      g_assert_true (pt_peft_parse_key (cases[i][0], &key, &layout));
      g_assert_cmpint (layout, ==, g_str_equal (cases[i][1], "v4") ? PT_PEFT_LAYOUT_V4
                                   : g_str_equal (cases[i][1], "legacy") ? PT_PEFT_LAYOUT_LEGACY : PT_PEFT_LAYOUT_CURRENT);
      back = pt_peft_key_name (&key, layout);
      g_assert_cmpstr (back, ==, cases[i][0]);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      PtLoraKey key;
      if (pt_peft_parse_key (bad[i], &key, NULL))
        g_error ("parsed %s", bad[i]);
    }
}

static void
assert_adapter_values (const PtPeftAdapter *a, JsonObject *values, gboolean legacy)
{
  JsonObjectIter iter;
  const char *name;
  JsonNode *node;
  guint n = 0;

  json_object_iter_init (&iter, values);
  while (json_object_iter_next (&iter, &name, &node))
    {
      JsonObject *e = json_node_get_object (node);
      JsonArray *head = json_object_get_array_member (e, "head");
      PtLoraKey key;
      const PtStTensor *t;
      g_autofree float *f = NULL;
      g_autofree char *stored = NULL;
      double sum = 0;

      g_assert_true (pt_peft_parse_key (name, &key, NULL));
      t = pt_peft_adapter_lookup (a, key.module, key.layer, key.is_b);
      g_assert_nonnull (t);
      stored = pt_peft_key_name (&key, legacy ? PT_PEFT_LAYOUT_LEGACY : PT_PEFT_LAYOUT_CURRENT);
      g_assert_cmpstr (t->name, ==, stored);
      f = g_new (float, t->n_elements);
      g_assert_true (pt_tensor_convert (f, PT_DTYPE_F32, t->data, t->dtype, t->n_elements));
      for (guint k = 0; k < json_array_get_length (head); k++)
        g_assert_cmpfloat (f[k], ==, (float) json_array_get_double_element (head, k));
      for (guint64 k = 0; k < t->n_elements; k++)
        sum += f[k];
      g_assert_cmpfloat_with_epsilon (sum, json_object_get_double_member (e, "sum"),
                                      1e-9 * (1 + fabs (sum)));
      n++;
    }
  g_assert_cmpuint (n, ==, 2 * pt_peft_adapter_targets (a)->len);
}

static void
test_adapters (void)
{
  g_autoptr(PtModelConfig) c = tiny_config ();
  g_autoptr(JsonNode) root = load_json ("adapter-values.json");
  JsonObject *values = json_node_get_object (root);
  struct { const char *dir; const char *values; gboolean legacy; guint n_targets; } cases[] = {
    { "adapter-default", "default", FALSE, 20 },
    { "adapter-legacy", "default", TRUE, 20 },
    { "adapter-patterns", "patterns", FALSE, 8 },
    { "adapter-layers", "layers", FALSE, 3 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *dir = fixture (cases[i].dir, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(PtPeftAdapter) a = pt_peft_adapter_open (dir, c, &error);
      g_assert_no_error (error);
      g_assert_cmpint (pt_peft_adapter_layout (a), ==, cases[i].legacy ? PT_PEFT_LAYOUT_LEGACY : PT_PEFT_LAYOUT_CURRENT);
      g_assert_cmpuint (pt_peft_adapter_targets (a)->len, ==, cases[i].n_targets);
      assert_adapter_values (a, json_object_get_object_member (values, cases[i].values), cases[i].legacy);
    }

  /* the patterns adapter: ranks and scalings as PEFT set them */
  {
    g_autofree char *dir = fixture ("adapter-patterns", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(PtPeftAdapter) a = pt_peft_adapter_open (dir, c, &error);
    JsonArray *wrapped = json_object_get_array_member (values, "patterns_wrapped");
    GPtrArray *targets = pt_peft_adapter_targets (a);
    g_assert_cmpuint (targets->len, ==, json_array_get_length (wrapped));
    for (guint k = 0; k < targets->len; k++)
      {
        const PtLoraTarget *t = g_ptr_array_index (targets, k);
        JsonObject *w = json_array_get_object_element (wrapped, k);
        g_assert_cmpstr (t->path, ==, json_object_get_string_member (w, "path"));
        g_assert_cmpint (t->r, ==, json_object_get_int_member (w, "r"));
        g_assert_cmpfloat_with_epsilon (t->scaling, json_object_get_double_member (w, "scaling"), 1e-12);
      }
  }
}

/* adapter_config.json written back is the text peft wrote (but the final newline) */
static void
test_config_round_trip (void)
{
  const char *dirs[] = { "adapter-default", "adapter-patterns", "adapter-layers" };

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = fixture (dirs[i], "adapter_config.json");
      g_autofree char *original = NULL;
      g_autofree char *ours = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(PtPeftConfig) c = pt_peft_config_load (path, &error);
      gsize length = 0;

      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &original, &length, NULL));
      ours = pt_peft_config_to_json (c);
      g_assert_true (g_str_has_suffix (ours, "\n"));
      ours[strlen (ours) - 1] = '\0';
      g_assert_cmpstr (ours, ==, original);
    }
}

static void
test_defaults (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtPeftConfig) c = pt_peft_config_from_json ("{\"target_modules\": [\"q_proj\"]}", -1, NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (c->r, ==, 8);
  g_assert_cmpfloat (c->lora_alpha, ==, 8);
  g_assert_cmpfloat (c->lora_dropout, ==, 0);
  g_assert_cmpstr (c->peft_type, ==, "LORA");
  g_assert_cmpstr (c->bias, ==, "none");
  g_assert_false (c->use_rslora);
  g_assert_true (pt_peft_config_validate (c, &error));
  g_assert_cmpint (pt_peft_rank_for (c, "a.q_proj"), ==, 8);
}

static void
expect_config_error (const char *json, int code, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtPeftConfig) c = pt_peft_config_from_json (json, -1, "adapter_config.json", &error);

  if (c != NULL && pt_peft_config_validate (c, &error))
    g_error ("accepted %s", json);
  g_assert_error (error, PT_ERROR, code);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, fragment);
}

static void
test_malformed_configs (void)
{
  expect_config_error ("", PT_ERROR_INVALID_INPUT, "adapter_config.json");
  expect_config_error ("[]", PT_ERROR_INVALID_INPUT, "adapter_config.json");
  expect_config_error ("{\"target_modules\": 5}", PT_ERROR_INVALID_INPUT, "target_modules");
  expect_config_error ("{\"target_modules\": [\"q\", 1]}", PT_ERROR_INVALID_INPUT, "target_modules");
  expect_config_error ("{\"target_modules\": \"(unclosed\"}", PT_ERROR_INVALID_INPUT, "regular expression");
  expect_config_error ("{\"target_modules\": [\"q\"], \"r\": \"8\"}", PT_ERROR_INVALID_INPUT, "r must");
  expect_config_error ("{\"target_modules\": [\"q\"], \"r\": 2.5}", PT_ERROR_INVALID_INPUT, "r must");
  expect_config_error ("{\"target_modules\": [\"q\"], \"r\": 0}", PT_ERROR_INVALID_INPUT, "r must");
  expect_config_error ("{\"target_modules\": [\"q\"], \"lora_dropout\": 1.5}", PT_ERROR_INVALID_INPUT, "dropout");
  expect_config_error ("{\"target_modules\": [\"q\"], \"use_dora\": \"yes\"}", PT_ERROR_INVALID_INPUT, "use_dora");
  expect_config_error ("{\"target_modules\": [\"q\"], \"rank_pattern\": {\"q\": \"4\"}}", PT_ERROR_INVALID_INPUT, "rank_pattern");
  expect_config_error ("{\"target_modules\": [\"q\"], \"rank_pattern\": {\"q\": 0}}", PT_ERROR_INVALID_INPUT, "rank_pattern");
  expect_config_error ("{\"target_modules\": [\"q\"], \"rank_pattern\": {\"(\": 4}}", PT_ERROR_INVALID_INPUT, "regular");
  expect_config_error ("{\"target_modules\": [\"q\"], \"alpha_pattern\": []}", PT_ERROR_INVALID_INPUT, "alpha_pattern");
  expect_config_error ("{\"target_modules\": [\"q\"], \"layers_to_transform\": [\"a\"]}", PT_ERROR_INVALID_INPUT, "layers_to_transform");
  expect_config_error ("{\"target_modules\": [\"q\"], \"init_lora_weights\": 3}", PT_ERROR_INVALID_INPUT, "init_lora_weights");
  expect_config_error ("{}", PT_ERROR_INVALID_INPUT, "target_modules");
  /* well-formed, but not something PaliTune applies */
  expect_config_error ("{\"target_modules\": [\"q\"], \"peft_type\": \"IA3\"}", PT_ERROR_UNSUPPORTED, "IA3");
  expect_config_error ("{\"target_modules\": [\"q\"], \"use_dora\": true}", PT_ERROR_UNSUPPORTED, "DoRA");
  expect_config_error ("{\"target_modules\": [\"q\"], \"bias\": \"all\"}", PT_ERROR_UNSUPPORTED, "bias");
  expect_config_error ("{\"target_modules\": [\"q\"], \"lora_bias\": true}", PT_ERROR_UNSUPPORTED, "lora_bias");
  expect_config_error ("{\"target_modules\": [\"q\"], \"modules_to_save\": [\"lm_head\"]}", PT_ERROR_UNSUPPORTED, "modules_to_save");
  expect_config_error ("{\"target_modules\": [\"q\"], \"target_parameters\": [\"x\"]}", PT_ERROR_UNSUPPORTED, "target_parameters");
  expect_config_error ("{\"target_modules\": [\"q\"], \"trainable_token_indices\": [1]}", PT_ERROR_UNSUPPORTED, "trainable_token_indices");
}

static void
write_adapter (const char *dir, const char *config_json, PtSafetensorsWriter *w)
{
  g_autofree char *cfg = g_build_filename (dir, "adapter_config.json", NULL);
  g_autofree char *st = g_build_filename (dir, "adapter_model.safetensors", NULL);
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (dir, 0755);
  g_assert_true (g_file_set_contents (cfg, config_json, -1, NULL));
  g_assert_true (pt_safetensors_writer_write (w, st, &error));
  g_assert_no_error (error);
}

static void
expect_adapter_error (const char *dir, const PtModelConfig *c, int code, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtPeftAdapter) a = pt_peft_adapter_open (dir, c, &error);

  if (a != NULL)
    g_error ("opened a bad adapter");
  g_assert_error (error, PT_ERROR, code);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, fragment);
}

static void
test_malformed_adapters (void)
{
  g_autoptr(PtModelConfig) c = tiny_config ();
  g_autofree char *root = pt_test_make_temp_dir ("pt-test-peft-XXXXXX");
  const char *cfg = "{\"r\": 2, \"target_modules\": [\"linear\"]}";
  static float zeros[4096];
  int64_t a_shape[2] = { 2, 32 }, b_shape[2] = { 32, 2 }, bad_shape[2] = { 3, 32 };
  PtLoraKey ka = { PT_LORA_PROJECTOR, -1, FALSE }, kb = { PT_LORA_PROJECTOR, -1, TRUE };
  g_autofree char *na = pt_peft_key_name (&ka, PT_PEFT_LAYOUT_CURRENT);
  g_autofree char *nb = pt_peft_key_name (&kb, PT_PEFT_LAYOUT_CURRENT);
  g_autoptr(GError) error = NULL;

  /* a good one first */
  {
    g_autofree char *d = g_build_filename (root, "good", NULL);
    g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
    g_assert_true (pt_safetensors_writer_add (w, na, PT_ST_F32, 2, a_shape, zeros, &error));
    g_assert_true (pt_safetensors_writer_add (w, nb, PT_ST_BF16, 2, b_shape, zeros, &error));
    write_adapter (d, cfg, w);
    {
      g_autoptr(PtPeftAdapter) a = pt_peft_adapter_open (d, c, &error);
      g_assert_no_error (error);
      g_assert_nonnull (pt_peft_adapter_lookup (a, PT_LORA_PROJECTOR, 0, TRUE));
    }
  }
  /* missing B */
  {
    g_autofree char *d = g_build_filename (root, "no-b", NULL);
    g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
    g_assert_true (pt_safetensors_writer_add (w, na, PT_ST_F32, 2, a_shape, zeros, &error));
    write_adapter (d, cfg, w);
    expect_adapter_error (d, c, PT_ERROR_INVALID_INPUT, "lora_B");
  }
  /* wrong rank */
  {
    g_autofree char *d = g_build_filename (root, "rank", NULL);
    g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
    g_assert_true (pt_safetensors_writer_add (w, na, PT_ST_F32, 2, bad_shape, zeros, &error));
    g_assert_true (pt_safetensors_writer_add (w, nb, PT_ST_F32, 2, b_shape, zeros, &error));
    write_adapter (d, cfg, w);
    expect_adapter_error (d, c, PT_ERROR_INVALID_INPUT, "shape");
  }
  /* a layer the config does not target */
  {
    g_autofree char *d = g_build_filename (root, "extra", NULL);
    g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
    PtLoraKey kx = { PT_LORA_T_Q, 0, FALSE };
    g_autofree char *nx = pt_peft_key_name (&kx, PT_PEFT_LAYOUT_CURRENT);
    g_assert_true (pt_safetensors_writer_add (w, na, PT_ST_F32, 2, a_shape, zeros, &error));
    g_assert_true (pt_safetensors_writer_add (w, nb, PT_ST_F32, 2, b_shape, zeros, &error));
    g_assert_true (pt_safetensors_writer_add (w, nx, PT_ST_F32, 2, a_shape, zeros, &error));
    write_adapter (d, cfg, w);
    expect_adapter_error (d, c, PT_ERROR_INVALID_INPUT, "does not target");
  }
  /* a layer beyond the model, an unknown tensor, an integer tensor */
  {
    g_autofree char *d = g_build_filename (root, "deep", NULL);
    g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
    PtLoraKey kx = { PT_LORA_T_Q, 7, FALSE };
    g_autofree char *nx = pt_peft_key_name (&kx, PT_PEFT_LAYOUT_CURRENT);
    g_assert_true (pt_safetensors_writer_add (w, nx, PT_ST_F32, 2, a_shape, zeros, &error));
    write_adapter (d, cfg, w);
    expect_adapter_error (d, c, PT_ERROR_INVALID_INPUT, "layer 7");
  }
  {
    g_autofree char *d = g_build_filename (root, "unknown", NULL);
    g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
    g_assert_true (pt_safetensors_writer_add (w, "base_model.model.lm_head.modules_to_save.weight", PT_ST_F32, 2,
                                              a_shape, zeros, &error));
    write_adapter (d, cfg, w);
    expect_adapter_error (d, c, PT_ERROR_UNSUPPORTED, "modules_to_save");
  }
  {
    g_autofree char *d = g_build_filename (root, "ints", NULL);
    g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
    g_assert_true (pt_safetensors_writer_add (w, na, PT_ST_I32, 2, a_shape, zeros, &error));
    g_assert_true (pt_safetensors_writer_add (w, nb, PT_ST_F32, 2, b_shape, zeros, &error));
    write_adapter (d, cfg, w);
    expect_adapter_error (d, c, PT_ERROR_UNSUPPORTED, "I32");
  }
  /* no weights file, no config, a config that targets nothing */
  {
    g_autofree char *d = g_build_filename (root, "no-weights", NULL);
    g_autofree char *f = g_build_filename (d, "adapter_config.json", NULL);
    g_mkdir (d, 0755);
    expect_adapter_error (d, c, PT_ERROR_INVALID_INPUT, "adapter_config.json");
    g_assert_true (g_file_set_contents (f, cfg, -1, NULL));
    expect_adapter_error (d, c, PT_ERROR_INVALID_INPUT, "adapter_model.safetensors");
    g_assert_true (g_file_set_contents (f, "{\"target_modules\": [\"nothing\"]}", -1, NULL));
    expect_adapter_error (d, c, PT_ERROR_INVALID_INPUT, "match no layer");
    g_assert_true (g_file_set_contents (f, "{\"target_modules\": [\"q\"], \"use_dora\": true}", -1, NULL));
    expect_adapter_error (d, c, PT_ERROR_UNSUPPORTED, "adapter_config.json");
  }
  pt_rmtree (root, NULL);
}

/* saving what PEFT saved gives PEFT's bytes */
static void
test_save (void)
{
  g_autoptr(PtModelConfig) c = tiny_config ();
  g_autofree char *src = fixture ("adapter-default", NULL);
  g_autofree char *src_weights = fixture ("adapter-default", "adapter_model.safetensors");
  g_autofree char *dir = pt_test_make_temp_dir ("pt-test-peft-save-XXXXXX");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtPeftAdapter) a = pt_peft_adapter_open (src, c, &error);
  g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
  GPtrArray *targets = pt_peft_adapter_targets (a);
  g_autofree char *x = NULL, *y = NULL, *out = NULL;
  gsize lx = 0, ly = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < targets->len; i++)
    {
      const PtLoraTarget *t = g_ptr_array_index (targets, i);
      for (int b = 0; b < 2; b++)
        {
          PtLoraKey key = { t->module, t->layer, b };
          g_autofree char *name = pt_peft_key_name (&key, PT_PEFT_LAYOUT_CURRENT);
          const PtStTensor *s = pt_peft_adapter_lookup (a, t->module, t->layer, b);
          g_assert_true (pt_safetensors_writer_add (w, name, s->dtype, s->n_dims, s->shape, s->data, &error));
        }
    }
  g_assert_true (pt_peft_adapter_save (dir, pt_peft_adapter_config (a), w, &error));
  g_assert_no_error (error);
  out = g_build_filename (dir, "adapter_model.safetensors", NULL);
  g_assert_true (g_file_get_contents (src_weights, &x, &lx, NULL));
  g_assert_true (g_file_get_contents (out, &y, &ly, NULL));
  g_assert_cmpmem (x, lx, y, ly);
  {
    g_autoptr(PtPeftAdapter) back = pt_peft_adapter_open (dir, c, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (pt_peft_adapter_targets (back)->len, ==, 20);
  }
  pt_rmtree (dir, NULL);
}

/* spec §5: the seed recipe on paligemma-3b-pt-224 wraps 207 layers with
 * 11,298,816 parameters (the PEFT printouts of public fine-tune scripts) */
static void
test_seed_recipe_on_3b (void)
{
  g_autofree char *path = fixture ("configs", "paligemma-3b-pt-224.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) c = pt_model_config_load (path, &error);
  g_autoptr(PtPeftConfig) pc = pt_peft_config_from_json (
    "{\"r\": 8, \"target_modules\": [\"q_proj\", \"o_proj\", \"k_proj\", \"v_proj\", \"gate_proj\", "
    "\"up_proj\", \"down_proj\"]}", -1, NULL, &error);
  g_autoptr(GPtrArray) targets = pt_peft_resolve (pc, c, &error);
  guint64 n = 0, n_text = 0;

  g_assert_no_error (error);
  g_assert_cmpuint (targets->len, ==, 207);
  for (guint i = 0; i < targets->len; i++)
    {
      const PtLoraTarget *t = g_ptr_array_index (targets, i);
      n += (guint64) t->r * (t->in + t->out);
      if (pt_lora_module_tower (t->module) == PT_TOWER_TEXT)
        n_text += (guint64) t->r * (t->in + t->out);
    }
  g_assert_cmpuint (n, ==, 11298816);
  g_assert_cmpuint (n_text, ==, 9805824);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/peft/modules", test_modules);
  g_test_add_func ("/engine/peft/matches-peft", test_cases_match_peft);
  g_test_add_func ("/engine/peft/matcher-table", test_matcher_table);
  g_test_add_func ("/engine/peft/keys", test_keys);
  g_test_add_func ("/engine/peft/adapters", test_adapters);
  g_test_add_func ("/engine/peft/config-round-trip", test_config_round_trip);
  g_test_add_func ("/engine/peft/defaults", test_defaults);
  g_test_add_func ("/engine/peft/malformed-configs", test_malformed_configs);
  g_test_add_func ("/engine/peft/malformed-adapters", test_malformed_adapters);
  g_test_add_func ("/engine/peft/save", test_save);
  g_test_add_func ("/engine/peft/seed-recipe-3b", test_seed_recipe_on_3b);
  return g_test_run ();
}
