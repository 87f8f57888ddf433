/* model-fixture.c — reading tests/fixtures/model/ (tools/make-model-fixtures.py). */
#include "config.h"

#include <math.h>       /* fabs */
#include <string.h>     /* memcpy */

#include "model-fixture.h"
#include "pt-json.h"    /* pt_json_parse */
#include "pt-rng.h"     /* fx_random_lora_b's values */

PtBackend *
fx_cpu (PtDType dtype)
{
  g_autoptr(GError) error = NULL;
  PtBackend *be = pt_cpu_backend_new (dtype, 1, &error);

  g_assert_no_error (error);
  return be;
}

char *
fx_path (const char *cfg,
         const char *file)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "model", cfg, file, NULL);
}

PtModelConfig *
fx_config (const char *cfg)
{
  g_autofree char *path = fx_path (cfg, "config.json");
  g_autoptr(GError) error = NULL;
  PtModelConfig *c = pt_model_config_load (path, &error);

  g_assert_no_error (error);
  return c;
}

PtSafetensors *
fx_case (const char *cfg,
         const char *name)
{
  g_autofree char *file = g_strconcat (name, ".safetensors", NULL);
  g_autofree char *path = fx_path (cfg, file);
  g_autoptr(GError) error = NULL;
  PtSafetensors *st = pt_safetensors_open (path, &error);

  g_assert_no_error (error);
  return st;
}

static void *
tensor_copy (PtSafetensors *st,
             const char    *name,
             PtStDtype      want,
             size_t        *numel)
{
  const PtStTensor *t = pt_safetensors_find (st, name);
  void *out;

  if (t == NULL)
    return NULL;
  g_assert_cmpint (t->dtype, ==, want);
  out = g_malloc (MAX (t->n_bytes, 1));
  memcpy (out, t->data, t->n_bytes);
  if (numel != NULL)
    *numel = t->n_elements;
  return out;
}

float *
fx_tensor (PtSafetensors *st,
           const char    *name,
           size_t        *numel)
{
  const PtStTensor *t = pt_safetensors_find (st, name);

  if (t != NULL && t->dtype == PT_ST_F64)
    {
      g_autofree double *d = tensor_copy (st, name, PT_ST_F64, numel);
      float *f = g_new (float, t->n_elements);
      for (guint64 i = 0; i < t->n_elements; i++)
        f[i] = (float) d[i];
      return f;
    }
  return tensor_copy (st, name, PT_ST_F32, numel);
}

int32_t *
fx_tensor_i32 (PtSafetensors *st,
               const char    *name,
               size_t        *numel)
{
  return tensor_copy (st, name, PT_ST_I32, numel);
}

JsonObject *
fx_meta (PtSafetensors *st)
{
  const char *json = pt_safetensors_metadata (st, "case");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_nonnull (json);
  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

PtTrainSettings *
fx_settings (JsonObject *meta)
{
  PtTrainSettings *s = pt_train_settings_new ();
  const char *mode = json_object_get_string_member (meta, "mode");

  s->mode = g_str_equal (mode, "full") ? PT_MODE_FULL : PT_MODE_LORA;
  if (json_object_has_member (meta, "targets"))
    {
      JsonArray *a = json_object_get_array_member (meta, "targets");
      g_strfreev (s->lora_targets);
      s->lora_targets = g_new0 (char *, json_array_get_length (a) + 1);
      for (guint i = 0; i < json_array_get_length (a); i++)
        s->lora_targets[i] = g_strdup (json_array_get_string_element (a, i));
    }
  if (json_object_has_member (meta, "r"))
    s->lora_rank = json_object_get_int_member (meta, "r");
  if (json_object_has_member (meta, "alpha"))
    s->lora_alpha = json_object_get_double_member (meta, "alpha");
  if (json_object_has_member (meta, "rslora"))
    s->use_rslora = json_object_get_boolean_member (meta, "rslora");
  s->lora_dropout = 0;
  if (json_object_has_member (meta, "train_vision"))
    {
      s->train_vision = json_object_get_boolean_member (meta, "train_vision");
      s->train_projector = json_object_get_boolean_member (meta, "train_projector");
      s->train_decoder = json_object_get_boolean_member (meta, "train_decoder");
    }
  if (json_object_has_member (meta, "lr"))
    {
      s->learning_rate = json_object_get_double_member (meta, "lr");
      s->weight_decay = json_object_get_double_member (meta, "weight_decay");
      s->warmup_steps = json_object_get_int_member (meta, "warmup");
      s->max_steps = json_object_get_int_member (meta, "steps");
      s->max_grad_norm = json_object_get_double_member (meta, "max_grad_norm");
      s->adam_beta1 = json_object_get_double_member (meta, "beta1");
      s->adam_beta2 = json_object_get_double_member (meta, "beta2");
      s->adam_epsilon = json_object_get_double_member (meta, "eps");
      s->schedule = PT_SCHEDULE_LINEAR;
    }
  return s;
}

PtBatch *
fx_batch (const char *cfg)
{
  g_autofree char *path = fx_path (cfg, "batch.safetensors");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSafetensors) st = pt_safetensors_open (path, &error);
  const PtStTensor *ids;
  g_autofree int32_t *am = NULL;
  g_autofree float *pix = NULL;
  PtBatch *b;
  int B, T, S;

  g_assert_no_error (error);
  ids = pt_safetensors_find (st, "input_ids");
  g_assert_nonnull (ids);
  B = (int) ids->shape[0];
  T = (int) ids->shape[1];
  S = (int) pt_safetensors_find (st, "pixel_values")->shape[2];
  b = pt_batch_new (B, T, S);
  memcpy (b->input_ids, ids->data, (size_t) B * T * 4);
  memcpy (b->token_type, pt_safetensors_find (st, "token_type_ids")->data, (size_t) B * T * 4);
  memcpy (b->labels, pt_safetensors_find (st, "labels")->data, (size_t) B * T * 4);
  pix = fx_tensor (st, "pixel_values", NULL);
  memcpy (b->pixels, pix, (size_t) B * 3 * S * S * sizeof (float));
  am = fx_tensor_i32 (st, "attention_mask", NULL);
  for (int r = 0; r < B; r++)
    {
      int len = 0, pre = -1;
      for (int t = 0; t < T; t++)
        {
          len += am[r * T + t];
          if (pre < 0 && b->token_type[r * T + t] == 1)
            pre = t;
        }
      b->seq_len[r] = len;
      b->prefix_len[r] = pre < 0 ? len : pre;
    }
  b->n_label_tokens = pt_batch_count_targets (b);
  return b;
}

void
fx_load_base (PtModel    *model,
              const char *cfg)
{
  g_autofree char *dir = fx_path (cfg, NULL);
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_model_load_base (model, dir, &error));
  g_assert_no_error (error);
}

void
fx_load_init (PtModel       *model,
              PtSafetensors *st)
{
  for (guint i = 0; i < pt_safetensors_n_tensors (st); i++)
    {
      const PtStTensor *t = pt_safetensors_tensor (st, i);
      g_autofree float *data = NULL;
      g_autoptr(GError) error = NULL;

      if (!g_str_has_prefix (t->name, "init."))
        continue;
      data = fx_tensor (st, t->name, NULL);
      g_assert_true (pt_model_set_tensor (model, t->name + 5, data, t->n_dims, t->shape, &error));
      g_assert_no_error (error);
    }
}

void
fx_random_lora_b (PtModel *model,
                  guint64  seed,
                  double   lo,
                  double   hi)
{
  PtRng rng = { seed, 0 };

  for (guint i = 0; i < pt_model_n_tensors (model); i++)
    {
      int ndim;
      int64_t shape[4];
      const char *name = pt_model_tensor_name (model, i, &ndim, shape);
      g_autofree float *data = NULL;
      g_autoptr(GError) error = NULL;
      size_t n = (size_t) shape[0] * shape[1];

      if (!g_str_has_suffix (name, ".lora_B.weight"))
        continue;
      data = g_new (float, n);
      for (size_t j = 0; j < n; j++)
        data[j] = (float) (lo + (hi - lo) * pt_rng_next_double (&rng));
      g_assert_true (pt_model_set_tensor (model, name, data, ndim, shape, &error));
      g_assert_no_error (error);
    }
}

double
fx_abs_max (const float *x,
            size_t       n)
{
  double m = 0;

  for (size_t i = 0; i < n; i++)
    m = MAX (m, fabs (x[i]));
  return m;
}

double
fx_rel_err (const float *got,
            const float *ref,
            size_t       n)
{
  return fx_rel_err_floor (got, ref, n, 0);
}

double
fx_rel_err_floor (const float *got,
                  const float *ref,
                  size_t       n,
                  double       floor_)
{
  double dmax = 0, rmax = 0;

  for (size_t i = 0; i < n; i++)
    {
      double d = fabs ((double) got[i] - ref[i]);
      if (!(d <= dmax))
        dmax = isnan (d) ? INFINITY : d;
      rmax = MAX (rmax, fabs (ref[i]));
    }
  rmax = MAX (rmax, floor_);
  return rmax > 0 ? dmax / rmax : dmax;
}

float *
fx_download (PtBackend  *be,
             const void *src,
             PtDType     dtype,
             size_t      n)
{
  float *out = g_new (float, MAX (n, 1));

  if (dtype == PT_DTYPE_F32)
    be->ops->download (be, out, src, n * sizeof (float));
  else
    {
      g_autofree double *d = g_new (double, MAX (n, 1));
      g_assert_cmpint (dtype, ==, PT_DTYPE_F64);
      be->ops->download (be, d, src, n * sizeof (double));
      for (size_t i = 0; i < n; i++)
        out[i] = (float) d[i];
    }
  return out;
}
