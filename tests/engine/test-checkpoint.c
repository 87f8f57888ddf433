/* test-checkpoint.c — model folders written by transformers 4.57.6 (single,
 * bf16, sharded, in-memory names): values against torch's, name
 * normalisation, dtype conversion against torch's bits, malformed folders. */
#include "config.h"

#include <math.h>          /* fabs, isnan */
#include <string.h>        /* memcmp, strstr */
#include <glib/gstdio.h>   /* g_mkdir */

#include "pt-checkpoint.h"
#include "pt-error.h"
#include "pt-json.h"
#include "pt-run.h"          /* pt_rmtree */
#include "pt-test-util.h"

static char *
fixture (const char *a, const char *b)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "io", a, b, NULL);
}

static JsonObject *
load_values (JsonNode **keep)
{
  g_autofree char *path = fixture ("tiny-values.json", NULL);

  *keep = pt_test_load_json (path, 1 << 22);
  return json_node_get_object (*keep);
}

static void
test_names (void)
{
  const char *cases[][2] = {
    { "language_model.model.layers.3.mlp.up_proj.weight", "language_model.model.layers.3.mlp.up_proj.weight" },
    { "model.language_model.layers.3.mlp.up_proj.weight", "language_model.model.layers.3.mlp.up_proj.weight" },
    { "model.language_model.embed_tokens.weight", "language_model.model.embed_tokens.weight" },
    { "model.language_model.norm.weight", "language_model.model.norm.weight" },
    { "lm_head.weight", "language_model.lm_head.weight" },
    { "language_model.lm_head.weight", "language_model.lm_head.weight" },
    { "language_model.layers.0.input_layernorm.weight", "language_model.model.layers.0.input_layernorm.weight" },
    { "vision_tower.vision_model.post_layernorm.bias", "vision_tower.vision_model.post_layernorm.bias" },
    { "model.vision_tower.vision_model.encoder.layers.26.mlp.fc2.bias",
      "vision_tower.vision_model.encoder.layers.26.mlp.fc2.bias" },
    { "model.vision_tower.encoder.layers.0.self_attn.q_proj.weight",
      "vision_tower.vision_model.encoder.layers.0.self_attn.q_proj.weight" },
    { "vision_tower.embeddings.patch_embedding.weight", "vision_tower.vision_model.embeddings.patch_embedding.weight" },
    { "model.vision_tower.post_layernorm.weight", "vision_tower.vision_model.post_layernorm.weight" },
    { "model.multi_modal_projector.linear.weight", "multi_modal_projector.linear.weight" },
    { "multi_modal_projector.linear.bias", "multi_modal_projector.linear.bias" },
    { "something.else", "something.else" },
    { "model.other", "model.other" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *c = pt_checkpoint_canonical_name (cases[i][0]);
      g_assert_cmpstr (c, ==, cases[i][1]);
    }
}

/* every tensor equals what torch held: exact first values, sum to rounding */
static void
check_values (const PtCheckpoint *ck, JsonObject *values, gboolean bf16)
{
  const PtModelConfig *config = pt_checkpoint_config (ck);
  g_autoptr(GPtrArray) specs = pt_model_config_tensor_specs (config);
  JsonObject *tensors = json_object_get_object_member (values, "tensors");
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (specs->len, ==, json_object_get_size (tensors));
  for (guint i = 0; i < specs->len; i++)
    {
      const PtTensorSpec *s = g_ptr_array_index (specs, i);
      JsonObject *e = json_object_get_object_member (tensors, s->name);
      JsonArray *shape = json_object_get_array_member (e, "shape");
      JsonArray *head = json_object_get_array_member (e, bf16 ? "bf16_head" : "f32_head");
      guint64 n = 1;
      g_autofree float *f = NULL;
      g_autofree double *d = NULL;
      double sum = 0, ref_sum = json_object_get_double_member (e, bf16 ? "bf16_sum" : "f32_sum");

      g_assert_nonnull (e);
      g_assert_cmpint (s->n_dims, ==, json_array_get_length (shape));
      for (int k = 0; k < s->n_dims; k++)
        {
          g_assert_cmpint (s->shape[k], ==, json_array_get_int_element (shape, k));
          n *= s->shape[k];
        }
      f = g_new (float, n);
      d = g_new (double, n);
      g_assert_true (pt_checkpoint_read_spec (ck, s, PT_DTYPE_F32, f, &error));
      g_assert_no_error (error);
      g_assert_true (pt_checkpoint_read (ck, s->name, s->n_dims, s->shape, PT_DTYPE_F64, d, &error));
      g_assert_no_error (error);
      for (guint k = 0; k < json_array_get_length (head); k++)
        {
          g_assert_cmpfloat (f[k], ==, (float) json_array_get_double_element (head, k));
          g_assert_cmpfloat (d[k], ==, json_array_get_double_element (head, k));
        }
      for (guint64 k = 0; k < n; k++)
        {
          g_assert_cmpfloat (d[k], ==, (double) f[k]);
          sum += d[k];
        }
      g_assert_cmpfloat_with_epsilon (sum, ref_sum, 1e-9 * (1 + fabs (ref_sum)));
    }
}

static void
test_f32_folder (void)
{
  g_autofree char *dir = fixture ("tiny-f32", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtCheckpoint) ck = pt_checkpoint_open (dir, &error);
  g_autoptr(JsonNode) keep = NULL;
  JsonObject *values = load_values (&keep);
  g_auto(GStrv) warnings = NULL;
  const PtStTensor *head, *embed;

  g_assert_no_error (error);
  warnings = pt_checkpoint_check (ck, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (warnings), ==, 0);
  g_assert_cmpuint (pt_model_config_n_params (pt_checkpoint_config (ck)), ==,
                    (guint64) json_object_get_int_member (values, "n_params"));
  check_values (ck, values, FALSE);

  /* the tied head is the embedding table */
  head = pt_checkpoint_lookup (ck, "language_model.lm_head.weight", NULL);
  embed = pt_checkpoint_lookup (ck, "language_model.model.embed_tokens.weight", NULL);
  g_assert_nonnull (head);
  g_assert_true (head == embed);
  g_assert_cmpint (head->dtype, ==, PT_ST_F32);
}

static void
test_bf16_folder (void)
{
  g_autofree char *dir = fixture ("tiny-bf16", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtCheckpoint) ck = pt_checkpoint_open (dir, &error);
  g_autoptr(JsonNode) keep = NULL;
  JsonObject *values = load_values (&keep);
  g_auto(GStrv) warnings = NULL;
  const PtStTensor *t;
  g_autofree guint16 *raw = NULL;
  int64_t shape[2];

  g_assert_no_error (error);
  warnings = pt_checkpoint_check (ck, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (warnings), ==, 0);
  /* bf16 → f32 / f64 is exact */
  check_values (ck, values, TRUE);

  /* bf16 → bf16 is a copy */
  t = pt_checkpoint_lookup (ck, "multi_modal_projector.linear.weight", NULL);
  g_assert_cmpint (t->dtype, ==, PT_ST_BF16);
  shape[0] = t->shape[0];
  shape[1] = t->shape[1];
  raw = g_new (guint16, t->n_elements);
  g_assert_true (pt_checkpoint_read (ck, "multi_modal_projector.linear.weight", 2, shape, PT_DTYPE_BF16, raw, &error));
  g_assert_cmpmem (raw, t->n_bytes, t->data, t->n_bytes);
}

/* two folders hold the same tensors, bit for bit */
static void
assert_same_tensors (const PtCheckpoint *a, const PtCheckpoint *b)
{
  g_autoptr(GPtrArray) specs = pt_model_config_tensor_specs (pt_checkpoint_config (a));

  for (guint i = 0; i < specs->len; i++)
    {
      const PtTensorSpec *s = g_ptr_array_index (specs, i);
      const PtStTensor *x = pt_checkpoint_lookup (a, s->name, NULL);
      const PtStTensor *y = pt_checkpoint_lookup (b, s->name, NULL);
      g_assert_nonnull (x);
      g_assert_nonnull (y);
      g_assert_cmpint (x->dtype, ==, y->dtype);
      g_assert_cmpmem (x->data, x->n_bytes, y->data, y->n_bytes);
    }
}

static void
test_sharded_folder (void)
{
  g_autofree char *dir = fixture ("tiny-sharded", NULL);
  g_autofree char *ref_dir = fixture ("tiny-bf16", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtCheckpoint) ck = pt_checkpoint_open (dir, &error);
  g_autoptr(PtCheckpoint) ref = pt_checkpoint_open (ref_dir, &error);
  g_auto(GStrv) warnings = NULL;
  const char *file = NULL;

  g_assert_no_error (error);
  warnings = pt_checkpoint_check (ck, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (warnings), ==, 0);
  assert_same_tensors (ck, ref);
  g_assert_cmpuint (pt_checkpoint_n_tensors (ck), ==, pt_checkpoint_n_tensors (ref));
  /* transformers 5 fills shards in name order: the embeddings first, SigLIP last */
  g_assert_nonnull (pt_checkpoint_lookup (ck, "language_model.model.embed_tokens.weight", &file));
  g_assert_nonnull (strstr (file, "model-00001-of-00004"));
  g_assert_nonnull (pt_checkpoint_lookup (ck, "vision_tower.vision_model.post_layernorm.weight", &file));
  g_assert_nonnull (strstr (file, "model-00004-of-00004"));
}

static void
test_new_names_folder (void)
{
  g_autofree char *dir = fixture ("tiny-newnames", NULL);
  g_autofree char *ref_dir = fixture ("tiny-bf16", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtCheckpoint) ck = pt_checkpoint_open (dir, &error);
  g_autoptr(PtCheckpoint) ref = pt_checkpoint_open (ref_dir, &error);
  g_auto(GStrv) warnings = NULL;

  g_assert_no_error (error);
  warnings = pt_checkpoint_check (ck, &error);
  g_assert_no_error (error);
  /* the stored head is ignored when tied */
  g_assert_cmpuint (g_strv_length (warnings), ==, 1);
  g_assert_nonnull (strstr (warnings[0], "language_model.lm_head.weight"));
  assert_same_tensors (ck, ref);
  g_assert_true (pt_checkpoint_lookup (ck, "language_model.lm_head.weight", NULL)
                 == pt_checkpoint_lookup (ck, "language_model.model.embed_tokens.weight", NULL));
}

static void
test_shape_mismatch_message (void)
{
  g_autofree char *dir = fixture ("tiny-f32", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtCheckpoint) ck = pt_checkpoint_open (dir, &error);
  int64_t wrong[2] = { 32, 33 };
  float buf[32 * 33];

  g_assert_false (pt_checkpoint_read (ck, "multi_modal_projector.linear.weight", 2, wrong, PT_DTYPE_F32, buf, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "multi_modal_projector.linear.weight"));
  g_assert_nonnull (strstr (error->message, "[32, 32]"));
  g_assert_nonnull (strstr (error->message, "[32, 33]"));
  g_assert_nonnull (strstr (error->message, "model.safetensors"));
  g_clear_error (&error);
  g_assert_false (pt_checkpoint_read (ck, "multi_modal_projector.linear.weight", 1, wrong, PT_DTYPE_F32, buf, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (pt_checkpoint_read (ck, "no.such.tensor", 1, wrong, PT_DTYPE_F32, buf, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "no.such.tensor"));
}

/* every (source, destination) dtype pair against the bits torch produced */
static void
test_convert_against_torch (void)
{
  g_autofree char *path = fixture ("dtypes.safetensors", NULL);
  g_autofree char *exp_path = fixture ("dtypes-expected.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSafetensors) st = pt_safetensors_open (path, &error);
  g_autoptr(JsonNode) expected = pt_json_load_file (exp_path, 1 << 22, &error);
  JsonObject *bits;
  const char *src_names[] = { "F64", "F32", "BF16", "F16" };
  const struct { const char *name; PtDType dtype; } dsts[] = {
    { "F32", PT_DTYPE_F32 }, { "F64", PT_DTYPE_F64 }, { "BF16", PT_DTYPE_BF16 }, { "F16", PT_DTYPE_F16 } };

  g_assert_no_error (error);
  bits = json_object_get_object_member (json_node_get_object (expected), "bits");
  for (guint s = 0; s < G_N_ELEMENTS (src_names); s++)
    {
      const PtStTensor *t = pt_safetensors_find (st, src_names[s]);
      JsonObject *by_dst = json_object_get_object_member (bits, src_names[s]);
      g_assert_nonnull (t);
      for (guint d = 0; d < G_N_ELEMENTS (dsts); d++)
        {
          JsonArray *ref = json_object_get_array_member (by_dst, dsts[d].name);
          size_t size = pt_dtype_size (dsts[d].dtype);
          g_autofree guint8 *out = g_malloc (t->n_elements * size);
          g_assert_cmpuint (json_array_get_length (ref), ==, t->n_elements);
          g_assert_true (pt_tensor_convert (out, dsts[d].dtype, t->data, t->dtype, t->n_elements));
          for (guint64 i = 0; i < t->n_elements; i++)
            {
              gint64 want = json_array_get_int_element (ref, i), got;
              if (size == 2)
                got = ((gint16 *) out)[i];
              else if (size == 4)
                got = ((gint32 *) out)[i];
              else
                got = ((gint64 *) out)[i];
              if (got != want)
                {
                  /* NaN payloads may differ; NaN must stay NaN */
                  double v = 0;
                  g_autofree double *as_double = g_new (double, 1);
                  g_assert_true (pt_tensor_convert (as_double, PT_DTYPE_F64, out + i * size,
                                                    dsts[d].dtype == PT_DTYPE_F32 ? PT_ST_F32
                                                    : dsts[d].dtype == PT_DTYPE_F64 ? PT_ST_F64
                                                    : dsts[d].dtype == PT_DTYPE_BF16 ? PT_ST_BF16 : PT_ST_F16, 1));
                  v = *as_double;
                  if (!isnan (v))
                    g_error ("%s → %s element %" G_GUINT64_FORMAT ": got 0x%" G_GINT64_MODIFIER "x, torch 0x%"
                             G_GINT64_MODIFIER "x", src_names[s], dsts[d].name, i, got, want);
                }
            }
        }
    }
  /* unsupported pairs write nothing */
  {
    guint8 src[4] = { 1, 2, 3, 4 };
    float dst[4] = { 9, 9, 9, 9 };
    g_assert_false (pt_tensor_convert (dst, PT_DTYPE_F32, src, PT_ST_U8, 4));
    g_assert_false (pt_tensor_convert (dst, PT_DTYPE_I32, src, PT_ST_F32, 1));
    g_assert_cmpfloat (dst[0], ==, 9);
  }
}

/* save_pretrained-style output, single file and sharded, reads back equal */
static void
test_save (void)
{
  g_autofree char *src_dir = fixture ("tiny-f32", NULL);
  g_autofree char *dir = pt_test_make_temp_dir ("pt-test-ck-XXXXXX");
  g_autofree char *single = g_build_filename (dir, "single", NULL);
  g_autofree char *sharded = g_build_filename (dir, "sharded", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtCheckpoint) src = pt_checkpoint_open (src_dir, &error);
  g_autoptr(GPtrArray) specs = pt_model_config_tensor_specs (pt_checkpoint_config (src));
  g_autofree PtTensorRef *refs = g_new0 (PtTensorRef, specs->len);

  g_assert_no_error (error);
  for (guint i = 0; i < specs->len; i++)
    {
      const PtTensorSpec *s = g_ptr_array_index (specs, i);
      const PtStTensor *t = pt_checkpoint_lookup (src, s->name, NULL);
      refs[i] = (PtTensorRef) { s->name, t->dtype, t->n_dims, t->shape, t->data };
    }
  g_assert_true (pt_checkpoint_save (single, pt_checkpoint_config (src), refs, specs->len, 0, &error));
  g_assert_no_error (error);
  g_assert_true (pt_checkpoint_save (sharded, pt_checkpoint_config (src), refs, specs->len, 40000, &error));
  g_assert_no_error (error);

  {
    g_autoptr(PtCheckpoint) a = pt_checkpoint_open (single, &error);
    g_autoptr(PtCheckpoint) b = pt_checkpoint_open (sharded, &error);
    g_autofree char *index = g_build_filename (sharded, "model.safetensors.index.json", NULL);
    g_autofree char *orig = g_build_filename (src_dir, "model.safetensors", NULL);
    g_autofree char *copy = g_build_filename (single, "model.safetensors", NULL);
    g_autofree char *x = NULL, *y = NULL;
    gsize lx = 0, ly = 0;
    g_auto(GStrv) warnings = NULL;

    g_assert_no_error (error);
    warnings = pt_checkpoint_check (b, &error);
    g_assert_no_error (error);
    assert_same_tensors (a, src);
    assert_same_tensors (b, src);
    g_assert_true (g_file_test (index, G_FILE_TEST_EXISTS));
    g_assert_cmpuint (g_strv_length (warnings), ==, 0);
    /* the single file is byte-identical to the one transformers wrote */
    g_assert_true (g_file_get_contents (orig, &x, &lx, NULL));
    g_assert_true (g_file_get_contents (copy, &y, &ly, NULL));
    g_assert_cmpmem (x, lx, y, ly);
  }
  /* saving single over sharded leaves a folder that loads the new file */
  g_assert_true (pt_checkpoint_save (sharded, pt_checkpoint_config (src), refs, specs->len, 0, &error));
  {
    g_autofree char *index = g_build_filename (sharded, "model.safetensors.index.json", NULL);
    g_assert_false (g_file_test (index, G_FILE_TEST_EXISTS));
  }
  pt_rmtree (dir, NULL);
}

/* ---- malformed folders --------------------------------------------------------------- */

static void
copy_file (const char *from, const char *to)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (from, &contents, &length, NULL));
  g_assert_true (g_file_set_contents (to, contents, (gssize) length, NULL));
}

/* a folder with the tiny config and a model.safetensors holding these tensors */
static char *
folder_with (const char *root, const char *name, const char *const *tensor_names, PtStDtype dtype)
{
  char *dir = g_build_filename (root, name, NULL);
  g_autofree char *config_src = fixture ("tiny-f32", "config.json");
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
  static float zeros[64];
  int64_t shape[1] = { 4 };
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  copy_file (config_src, config);
  for (guint i = 0; tensor_names[i] != NULL; i++)
    g_assert_true (pt_safetensors_writer_add (w, tensor_names[i], dtype, 1, shape, zeros, &error));
  g_assert_true (pt_safetensors_writer_write (w, weights, &error));
  g_assert_no_error (error);
  return dir;
}

static void
expect_open_error (const char *dir, int code, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtCheckpoint) ck = pt_checkpoint_open (dir, &error);

  if (ck != NULL)
    g_error ("opened a bad folder %s", dir);
  g_assert_error (error, PT_ERROR, code);
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, fragment);
}

static void
test_malformed_folders (void)
{
  g_autofree char *root = pt_test_make_temp_dir ("pt-test-ck-XXXXXX");
  g_autofree char *tiny = fixture ("tiny-f32", NULL);
  g_autofree char *tiny_weights = fixture ("tiny-f32", "model.safetensors");
  g_autofree char *tiny_config = fixture ("tiny-f32", "config.json");
  g_autoptr(GError) error = NULL;

  /* not a folder, no config, garbage config, no weights, .bin weights */
  expect_open_error (tiny_weights, PT_ERROR_INVALID_INPUT, "not a folder");
  {
    g_autofree char *d = g_build_filename (root, "empty", NULL);
    g_autofree char *c = g_build_filename (d, "config.json", NULL);
    g_autofree char *bin = g_build_filename (d, "pytorch_model.bin", NULL);
    g_mkdir (d, 0755);
    expect_open_error (d, PT_ERROR_INVALID_INPUT, "config.json");
    g_assert_true (g_file_set_contents (c, "{\"model_type\": \"paligemma\", \"vision_config\": 7}", -1, NULL));
    expect_open_error (d, PT_ERROR_INVALID_INPUT, "config.json");
    g_assert_true (g_file_set_contents (c, "\x01\x02garbage", -1, NULL));
    expect_open_error (d, PT_ERROR_INVALID_INPUT, "config.json");
    copy_file (tiny_config, c);
    expect_open_error (d, PT_ERROR_INVALID_INPUT, "model.safetensors");
    g_assert_true (g_file_set_contents (bin, "PK", -1, NULL));
    expect_open_error (d, PT_ERROR_UNSUPPORTED, ".bin");
  }

  /* a truncated weights file */
  {
    const char *names[] = { "x", NULL };
    g_autofree char *d = folder_with (root, "truncated", names, PT_ST_F32);
    g_autofree char *w = g_build_filename (d, "model.safetensors", NULL);
    g_autofree char *contents = NULL;
    gsize length = 0;
    g_assert_true (g_file_get_contents (tiny_weights, &contents, &length, NULL));
    g_assert_true (g_file_set_contents (w, contents, (gssize) length / 2, NULL));
    expect_open_error (d, PT_ERROR_INVALID_INPUT, "model.safetensors");
  }

  /* pre-quantised bitsandbytes */
  {
    const char *names[] = { "language_model.model.layers.0.mlp.up_proj.weight",
                            "language_model.model.layers.0.mlp.up_proj.weight.absmax",
                            "language_model.model.layers.0.mlp.up_proj.weight.quant_map",
                            "language_model.model.layers.0.mlp.up_proj.weight.quant_state.bitsandbytes__nf4", NULL };
    g_autofree char *d = folder_with (root, "bnb", names, PT_ST_U8);
    expect_open_error (d, PT_ERROR_INVALID_INPUT, "quant_state");
  }

  /* one tensor under two names */
  {
    const char *names[] = { "lm_head.weight", "language_model.lm_head.weight", NULL };
    g_autofree char *d = folder_with (root, "twice", names, PT_ST_F32);
    expect_open_error (d, PT_ERROR_INVALID_INPUT, "twice");
  }

  /* missing tensors, wrong dtype, extra tensors: found by check */
  {
    const char *names[] = { "multi_modal_projector.linear.bias", NULL };
    g_autofree char *d = folder_with (root, "missing", names, PT_ST_F32);
    g_autoptr(PtCheckpoint) ck = pt_checkpoint_open (d, &error);
    g_auto(GStrv) w = NULL;
    g_assert_no_error (error);
    w = pt_checkpoint_check (ck, &error);
    g_assert_null (w);
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "lacks"));
    g_assert_nonnull (strstr (error->message, "patch_embedding"));
    g_clear_error (&error);
  }
  {
    g_autoptr(PtCheckpoint) ref = pt_checkpoint_open (tiny, &error);
    g_autoptr(GPtrArray) specs = pt_model_config_tensor_specs (pt_checkpoint_config (ref));
    g_autofree char *d = g_build_filename (root, "extra", NULL);
    g_autofree PtTensorRef *refs = g_new0 (PtTensorRef, specs->len + 1);
    int32_t ints[32] = { 0 };
    int64_t shape32[1] = { 32 };
    g_auto(GStrv) w = NULL;
    for (guint i = 0; i < specs->len; i++)
      {
        const PtTensorSpec *s = g_ptr_array_index (specs, i);
        const PtStTensor *t = pt_checkpoint_lookup (ref, s->name, NULL);
        refs[i] = (PtTensorRef) { s->name, t->dtype, t->n_dims, t->shape, t->data };
      }
    refs[specs->len] = (PtTensorRef) { "vision_tower.vision_model.head.probe", PT_ST_F32, 1, shape32, ints };
    g_assert_true (pt_checkpoint_save (d, pt_checkpoint_config (ref), refs, specs->len + 1, 0, &error));
    {
      g_autoptr(PtCheckpoint) ck = pt_checkpoint_open (d, &error);
      g_assert_no_error (error);
      w = pt_checkpoint_check (ck, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_strv_length (w), ==, 1);
      g_assert_nonnull (strstr (w[0], "vision_tower.vision_model.head.probe"));
    }
    /* an integer tensor where a weight belongs */
    refs[1] = (PtTensorRef) { ((PtTensorSpec *) g_ptr_array_index (specs, 1))->name, PT_ST_I32, 1, shape32, ints };
    g_assert_true (pt_checkpoint_save (d, pt_checkpoint_config (ref), refs, specs->len, 0, &error));
    {
      g_autoptr(PtCheckpoint) ck = pt_checkpoint_open (d, &error);
      g_auto(GStrv) w2 = NULL;
      g_assert_no_error (error);
      w2 = pt_checkpoint_check (ck, &error);
      g_assert_null (w2);
      g_assert_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, "I32"));
      g_clear_error (&error);
    }
  }

  /* broken shard indexes */
  {
    g_autofree char *d = g_build_filename (root, "shards", NULL);
    g_autofree char *index = g_build_filename (d, "model.safetensors.index.json", NULL);
    g_autofree char *config = g_build_filename (d, "config.json", NULL);
    g_autofree char *shard = g_build_filename (d, "model-00001-of-00001.safetensors", NULL);
    struct { const char *text; const char *fragment; } cases[] = {
      { "not json", "JSON" },
      { "[]", "weight_map" },
      { "{\"weight_map\": []}", "weight_map" },
      { "{\"weight_map\": {\"a\": 5}}", "file name" },
      { "{\"weight_map\": {\"a\": \"../tiny-f32/model.safetensors\"}}", "file name" },
      { "{\"weight_map\": {\"a\": \"..\"}}", "file name" },
      { "{\"weight_map\": {\"a\": \"\"}}", "file name" },
      { "{\"weight_map\": {\"a\": \"model-00002-of-00002.safetensors\"}}", "missing" },
      { "{\"weight_map\": {\"no.such.tensor\": \"model-00001-of-00001.safetensors\"}}", "does not contain" },
      { "{\"weight_map\": {}}", "no tensors" },
    };
    g_mkdir (d, 0755);
    copy_file (tiny_config, config);
    copy_file (tiny_weights, shard);
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_assert_true (g_file_set_contents (index, cases[i].text, -1, NULL));
        expect_open_error (d, PT_ERROR_INVALID_INPUT, cases[i].fragment);
      }
    /* and a good one */
    g_assert_true (g_file_set_contents (index, "{\"metadata\": {}, \"weight_map\": "
                                        "{\"multi_modal_projector.linear.bias\": \"model-00001-of-00001.safetensors\"}}",
                                        -1, NULL));
    {
      g_autoptr(PtCheckpoint) ck = pt_checkpoint_open (d, &error);
      g_autoptr(PtCheckpoint) ref = pt_checkpoint_open (tiny, &error);
      g_assert_no_error (error);
      assert_same_tensors (ck, ref);
    }
  }
  pt_rmtree (root, NULL);
}

/* pre-quantised NF4 folders dequantise to exactly what bitsandbytes gives */
static void
test_nf4_folders (void)
{
  const char *names[] = { "tiny-nf4", "tiny-nf4-dq" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *dir = fixture (names[i], NULL);
      g_autofree char *ref_name = g_strconcat (names[i], "-dequantized.safetensors", NULL);
      g_autofree char *ref_path = fixture (ref_name, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(PtCheckpoint) ck = pt_checkpoint_open (dir, &error);
      g_autoptr(PtSafetensors) ref = pt_safetensors_open (ref_path, &error);
      g_auto(GStrv) warnings = NULL;

      g_assert_no_error (error);
      warnings = pt_checkpoint_check (ck, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_strv_length (warnings), ==, 0);
      /* every nn.Linear but the head: 2 × 6 + 1 + 2 × 7 */
      g_assert_cmpuint (pt_checkpoint_n_dequantised (ck), ==, 27);
      g_assert_cmpuint (pt_safetensors_n_tensors (ref), ==, 27);
      for (guint k = 0; k < pt_safetensors_n_tensors (ref); k++)
        {
          const PtStTensor *want = pt_safetensors_tensor (ref, k);
          const PtStTensor *got = pt_checkpoint_lookup (ck, want->name, NULL);
          g_assert_nonnull (got);
          g_assert_cmpint (got->dtype, ==, want->dtype);
          g_assert_cmpint (got->n_dims, ==, want->n_dims);
          for (int d = 0; d < want->n_dims; d++)
            g_assert_cmpint (got->shape[d], ==, want->shape[d]);
          g_assert_cmpmem (got->data, got->n_bytes, want->data, want->n_bytes);
        }
    }
}

/* a copy of tiny-nf4-dq with one tensor changed (data NULL: dropped) */
static char *
nf4_variant (const char *root, const char *name, const char *victim, PtStDtype dtype, int n_dims,
             const int64_t *shape, const void *data)
{
  g_autofree char *src_dir = fixture ("tiny-nf4-dq", NULL);
  g_autofree char *src_config = fixture ("tiny-nf4-dq", "config.json");
  g_autofree char *src_weights = fixture ("tiny-nf4-dq", "model.safetensors");
  char *dir = g_build_filename (root, name, NULL);
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);
  g_autofree char *weights = g_build_filename (dir, "model.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSafetensors) st = pt_safetensors_open (src_weights, &error);
  g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();

  g_assert_no_error (error);
  g_mkdir_with_parents (dir, 0755);
  copy_file (src_config, config);
  for (guint i = 0; i < pt_safetensors_n_tensors (st); i++)
    {
      const PtStTensor *t = pt_safetensors_tensor (st, i);
      if (g_str_equal (t->name, victim))
        continue;
      g_assert_true (pt_safetensors_writer_add (w, t->name, t->dtype, t->n_dims, t->shape, t->data, &error));
    }
  if (data != NULL)
    g_assert_true (pt_safetensors_writer_add (w, victim, dtype, n_dims, shape, data, &error));
  g_assert_true (pt_safetensors_writer_write (w, weights, &error));
  g_assert_no_error (error);
  return dir;
}

static void
test_nf4_malformed (void)
{
  g_autofree char *root = pt_test_make_temp_dir ("pt-test-ck-XXXXXX");
  const char *w = "multi_modal_projector.linear.weight";
  g_autofree char *state = g_strconcat (w, ".quant_state.bitsandbytes__nf4", NULL);
  g_autofree char *absmax = g_strconcat (w, ".absmax", NULL);
  g_autofree char *map = g_strconcat (w, ".quant_map", NULL);
  static const guint8 zeros[4096];
  static const char *const bad_states[][2] = {
    { "not json", "JSON" },
    { "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float16\"}", "shape" },
    { "{\"quant_type\": \"nf4\", \"blocksize\": 63, \"dtype\": \"float16\", \"shape\": [32, 32]}", "blocksize" },
    { "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"int8\", \"shape\": [32, 32]}", "dtype" },
    { "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float16\", \"shape\": [32, 31]}", "bytes" },
    { "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float16\", \"shape\": [-32, 32]}", "shape" },
    { "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float16\", \"shape\": [32, 32]}", "absmax" },
    { "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"bfloat16\", \"shape\": [32, 32], "
      "\"nested_blocksize\": 256, \"nested_dtype\": \"float32\"}", "nested_offset" },
    { "{\"quant_type\": \"fp4\", \"blocksize\": 64, \"dtype\": \"float16\", \"shape\": [32, 32]}", "fp4" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad_states); i++)
    {
      g_autofree char *name = g_strdup_printf ("state%u", i);
      int64_t len = (int64_t) strlen (bad_states[i][0]);
      g_autofree char *dir = nf4_variant (root, name, state, PT_ST_U8, 1, &len, bad_states[i][0]);
      expect_open_error (dir, g_str_equal (bad_states[i][1], "fp4") ? PT_ERROR_UNSUPPORTED : PT_ERROR_INVALID_INPUT,
                         bad_states[i][1]);
    }
  {
    int64_t shape[2] = { 511, 1 };
    g_autofree char *dir = nf4_variant (root, "packed", w, PT_ST_U8, 2, shape, zeros);
    expect_open_error (dir, PT_ERROR_INVALID_INPUT, "bytes");
  }
  {
    g_autofree char *dir = nf4_variant (root, "no-absmax", absmax, PT_ST_U8, 0, NULL, NULL);
    expect_open_error (dir, PT_ERROR_INVALID_INPUT, "absmax");
  }
  {
    int64_t shape[1] = { 16 };
    g_autofree char *dir = nf4_variant (root, "map", map, PT_ST_F32, 1, shape, zeros);
    expect_open_error (dir, PT_ERROR_INVALID_INPUT, "NF4 code");
  }
  {
    /* the state gone: its companions are orphans */
    g_autofree char *dir = nf4_variant (root, "orphans", state, PT_ST_U8, 0, NULL, NULL);
    expect_open_error (dir, PT_ERROR_INVALID_INPUT, "quant state");
  }
  {
    int64_t one = 4;
    g_autofree char *name = g_strconcat (w, ".quant_state.bitsandbytes__fp4", NULL);
    g_autofree char *dir = nf4_variant (root, "fp4", name, PT_ST_U8, 1, &one, "{}  ");
    expect_open_error (dir, PT_ERROR_UNSUPPORTED, "NF4");
  }
  {
    int64_t one = 4;
    g_autofree char *name = g_strconcat (w, ".SCB", NULL);
    g_autofree char *dir = nf4_variant (root, "int8", name, PT_ST_F32, 1, &one, zeros);
    expect_open_error (dir, PT_ERROR_UNSUPPORTED, "8-bit");
  }
  pt_rmtree (root, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/checkpoint/names", test_names);
  g_test_add_func ("/engine/checkpoint/f32", test_f32_folder);
  g_test_add_func ("/engine/checkpoint/bf16", test_bf16_folder);
  g_test_add_func ("/engine/checkpoint/sharded", test_sharded_folder);
  g_test_add_func ("/engine/checkpoint/new-names", test_new_names_folder);
  g_test_add_func ("/engine/checkpoint/shape-mismatch", test_shape_mismatch_message);
  g_test_add_func ("/engine/checkpoint/convert", test_convert_against_torch);
  g_test_add_func ("/engine/checkpoint/save", test_save);
  g_test_add_func ("/engine/checkpoint/malformed", test_malformed_folders);
  g_test_add_func ("/engine/checkpoint/nf4", test_nf4_folders);
  g_test_add_func ("/engine/checkpoint/nf4-malformed", test_nf4_malformed);
  return g_test_run ();
}
