/* pt-export.c — PEFT adapters and merged models from a run's checkpoint. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>     /* g_mkdir_with_parents */
#include <string.h>

#include "pt-checkpoint.h"   /* pt_checkpoint_save, pt_tensor_convert */
#include "pt-ckpt.h"         /* pt_ckpt_preferred */
#include "pt-error.h"
#include "pt-export.h"
#include "pt-pipeline.h"     /* PtPipeline */
#include "pt-safetensors.h"

static gboolean
prepare_out_dir (const char *out_dir, gboolean overwrite, GError **error)
{
  g_autoptr(GDir) dir = NULL;
  g_autofree char *display = g_filename_display_name (out_dir);

  if (g_file_test (out_dir, G_FILE_TEST_EXISTS))
    {
      if (!g_file_test (out_dir, G_FILE_TEST_IS_DIR))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s exists and is not a folder", display);
          return FALSE;
        }
      dir = g_dir_open (out_dir, 0, NULL);
      if (!overwrite && dir != NULL && g_dir_read_name (dir) != NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "The folder %s is not empty (choose another, or overwrite)", display);
          return FALSE;
        }
      return TRUE;
    }
  if (g_mkdir_with_parents (out_dir, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot create %s: %s", display, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static char *
checkpoint_or_preferred (PtRun *run, const char *checkpoint, GError **error)
{
  char *ckpt = checkpoint ? g_strdup (checkpoint) : pt_ckpt_preferred (run);

  if (ckpt == NULL)
    g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                 "The run “%s” has no checkpoint yet: train it first", pt_run_get_name (run));
  return ckpt;
}

PtPeftConfig *
pt_export_peft_config (const PtTrainSettings *s)
{
  PtPeftConfig *c = pt_peft_config_new ();
  gboolean qualified = FALSE;
  g_autoptr(GString) vision = g_string_new (NULL);
  g_autoptr(GString) text = g_string_new (NULL);

  c->r = s->lora_rank;
  c->lora_alpha = s->lora_alpha;
  c->lora_dropout = s->lora_dropout;
  c->use_rslora = s->use_rslora;
  g_free (c->base_model_name_or_path);
  c->base_model_name_or_path = g_strdup (s->model_dir);
  for (guint i = 0; s->lora_targets[i] != NULL; i++)
    if (strchr (s->lora_targets[i], '.') != NULL)
      qualified = TRUE;
  if (!qualified)
    {
      g_strfreev (c->target_modules);
      c->target_modules = g_strdupv (s->lora_targets);
      return c;
    }

  /* per-tower targets: a regex over the module paths (re.fullmatch) */
  for (guint i = 0; s->lora_targets[i] != NULL; i++)
    {
      const char *t = s->lora_targets[i];
      gboolean v = !g_str_has_prefix (t, "text.");
      gboolean x = !g_str_has_prefix (t, "vision.");
      const char *name = strchr (t, '.') ? strchr (t, '.') + 1 : t;
      if (v && g_strv_contains (pt_vision_lora_modules, name))
        g_string_append_printf (vision, "%s%s", vision->len ? "|" : "", name);
      if (x && g_strv_contains (pt_text_lora_modules, name))
        g_string_append_printf (text, "%s%s", text->len ? "|" : "", name);
    }
  {
    GString *re = g_string_new (NULL);
    if (vision->len)
      g_string_append_printf (re, ".*vision_tower\\..*\\.(%s)", vision->str);
    if (text->len)
      g_string_append_printf (re, "%s.*language_model\\..*\\.(%s)", re->len ? "|" : "", text->str);
    g_strfreev (c->target_modules);
    c->target_modules = NULL;
    c->target_modules_regex = g_string_free (re, FALSE);
  }
  return c;
}

gboolean
pt_settings_from_peft (PtTrainSettings     *s,
                       const char          *adapter_dir,
                       const PtModelConfig *model,
                       GError             **error)
{
  g_autofree char *path = g_build_filename (adapter_dir, "adapter_config.json", NULL);
  g_autoptr(PtPeftConfig) c = NULL;
  g_autoptr(GPtrArray) targets = NULL;
  guint layers[PT_LORA_N_MODULES] = { 0 };
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  int rank = -1;
  double alpha = -1;

  c = pt_peft_config_load (path, error);
  if (c == NULL || !pt_peft_config_validate (c, error))
    return FALSE;
  if (c->use_dora)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, "DoRA adapters are not supported");
      return FALSE;
    }
  targets = pt_peft_resolve (c, model, error);
  if (targets == NULL)
    return FALSE;
  for (guint i = 0; i < targets->len; i++)
    {
      PtLoraTarget *t = targets->pdata[i];
      if (t->module == PT_LORA_PROJECTOR)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                       "The adapter puts LoRA on the projector, which PaliTune does not train with LoRA");
          return FALSE;
        }
      if ((rank >= 0 && t->r != rank) || (alpha >= 0 && t->alpha != alpha))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                       "The adapter uses different ranks or alphas per module, which PaliTune does not support");
          return FALSE;
        }
      rank = t->r;
      alpha = t->alpha;
      layers[t->module]++;
    }
  /* every chosen module on every layer of its tower */
  for (int m = 0; m < PT_LORA_N_MODULES; m++)
    {
      int want = pt_lora_module_tower (m) == PT_TOWER_VISION ? model->v_layers : model->t_layers;
      if (layers[m] != 0 && (int) layers[m] != want)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                       "The adapter puts LoRA on %s in only %u of %d layers, which PaliTune does not support",
                       pt_lora_module_name (m), layers[m], want);
          return FALSE;
        }
    }
  for (int m = PT_LORA_V_Q; m <= PT_LORA_V_FC2; m++)
    {
      const char *name = pt_lora_module_name (m);
      int twin = m == PT_LORA_V_Q ? PT_LORA_T_Q : m == PT_LORA_V_K ? PT_LORA_T_K
                 : m == PT_LORA_V_V ? PT_LORA_T_V : -1;
      if (layers[m] == 0)
        continue;
      if (twin >= 0 && layers[twin] != 0)
        g_ptr_array_add (names, g_strdup (name));
      else
        g_ptr_array_add (names, g_strdup_printf ("vision.%s", name));
    }
  for (int m = PT_LORA_T_Q; m <= PT_LORA_T_DOWN; m++)
    {
      const char *name = pt_lora_module_name (m);
      int twin = m == PT_LORA_T_Q ? PT_LORA_V_Q : m == PT_LORA_T_K ? PT_LORA_V_K
                 : m == PT_LORA_T_V ? PT_LORA_V_V : -1;
      if (layers[m] == 0 || (twin >= 0 && layers[twin] != 0))
        continue;   /* none, or already listed plainly */
      g_ptr_array_add (names, twin >= 0 ? g_strdup_printf ("text.%s", name) : g_strdup (name));
    }
  g_ptr_array_add (names, NULL);

  s->mode = PT_MODE_LORA;
  s->lora_rank = rank;
  s->lora_alpha = alpha;
  s->lora_dropout = c->lora_dropout;
  s->use_rslora = c->use_rslora;
  g_strfreev (s->lora_targets);
  s->lora_targets = (char **) g_ptr_array_steal (names, NULL);
  g_free (s->adapter_dir);
  s->adapter_dir = g_strdup (adapter_dir);
  return TRUE;
}

gboolean
pt_export_adapter (PtRun      *run,
                   const char *checkpoint,
                   const char *out_dir,
                   gboolean    overwrite,
                   GError    **error)
{
  const PtTrainSettings *s = pt_run_get_settings (run);
  g_autofree char *ckpt = NULL;
  g_autofree char *path = NULL;
  g_autoptr(PtSafetensors) st = NULL;
  g_autoptr(PtSafetensorsWriter) w = NULL;
  g_autoptr(PtPeftConfig) config = NULL;
  guint n_lora = 0;

  g_return_val_if_fail (run != NULL && out_dir != NULL, FALSE);

  if (s->mode == PT_MODE_FULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "This run fine-tuned the whole model, so it has no adapter: export a merged model instead");
      return FALSE;
    }
  ckpt = checkpoint_or_preferred (run, checkpoint, error);
  if (ckpt == NULL)
    return FALSE;
  path = g_build_filename (ckpt, "trainable.safetensors", NULL);
  st = pt_safetensors_open (path, error);
  if (st == NULL)
    return FALSE;

  w = pt_safetensors_writer_new ();
  for (guint i = 0; i < pt_safetensors_n_tensors (st); i++)
    {
      const PtStTensor *t = pt_safetensors_tensor (st, i);
      if (!g_str_has_suffix (t->name, ".lora_A.weight") && !g_str_has_suffix (t->name, ".lora_B.weight"))
        continue;
      if (!pt_safetensors_writer_add (w, t->name, t->dtype, t->n_dims, t->shape, t->data, error))
        return FALSE;
      n_lora++;
    }
  if (n_lora == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "The checkpoint %s holds no LoRA tensors", ckpt);
      return FALSE;
    }
  config = pt_export_peft_config (s);
  if (!prepare_out_dir (out_dir, overwrite, error))
    return FALSE;
  return pt_peft_adapter_save (out_dir, config, w, error);
}

static gboolean
copy_file (const char *src, const char *dst, GError **error)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (src, &contents, &length, error))
    return FALSE;
  return pt_file_write_atomic (dst, contents, length, error);
}

/* Copies what is not weights (tokenizer and processor files) from the base. */
static gboolean
copy_side_files (const char *model_dir, const char *out_dir, GError **error)
{
  g_autoptr(GDir) dir = g_dir_open (model_dir, 0, error);
  const char *name;

  if (dir == NULL)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *src = g_build_filename (model_dir, name, NULL);
      g_autofree char *dst = g_build_filename (out_dir, name, NULL);
      if (g_str_has_suffix (name, ".safetensors") || g_str_equal (name, "model.safetensors.index.json")
          || g_str_equal (name, "config.json") || !g_file_test (src, G_FILE_TEST_IS_REGULAR)
          || g_str_has_suffix (name, ".bin") || g_str_has_suffix (name, ".pt"))
        continue;
      if (!copy_file (src, dst, error))
        return FALSE;
    }
  return TRUE;
}

static PtStDtype
export_dtype (const PtModelConfig *config)
{
  if (config->torch_dtype != NULL && g_str_equal (config->torch_dtype, "bfloat16"))
    return PT_ST_BF16;
  if (config->torch_dtype != NULL && g_str_equal (config->torch_dtype, "float16"))
    return PT_ST_F16;
  return PT_ST_F32;
}

gboolean
pt_export_merged (PtRun      *run,
                  const char *checkpoint,
                  const char *out_dir,
                  gboolean    overwrite,
                  GError    **error)
{
  const PtTrainSettings *s = pt_run_get_settings (run);
  g_autofree char *ckpt = NULL;
  g_autoptr(PtPipeline) pipe = NULL;
  g_autoptr(GPtrArray) buffers = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) refs = g_array_new (FALSE, TRUE, sizeof (PtTensorRef));
  g_autoptr(GPtrArray) shapes = g_ptr_array_new_with_free_func (g_free);
  PtStDtype dtype;
  PtDType engine_dtype;
  guint n;

  g_return_val_if_fail (run != NULL && out_dir != NULL, FALSE);

  ckpt = checkpoint_or_preferred (run, checkpoint, error);
  if (ckpt == NULL)
    return FALSE;
  pipe = pt_pipeline_open (s->model_dir, s, "cpu", 1, 8, FALSE, error);
  if (pipe == NULL || !pt_pipeline_load_trained (pipe, ckpt, error))
    return FALSE;
  if (!prepare_out_dir (out_dir, overwrite, error))
    return FALSE;

  dtype = export_dtype (pipe->config);
  engine_dtype = dtype == PT_ST_BF16 ? PT_DTYPE_BF16 : dtype == PT_ST_F16 ? PT_DTYPE_F16 : PT_DTYPE_F32;
  n = pt_model_n_tensors (pipe->model);
  for (guint i = 0; i < n; i++)
    {
      int ndim;
      int64_t shape[4];
      const char *name = pt_model_tensor_name (pipe->model, i, &ndim, shape);
      size_t numel = 1;
      g_autofree float *f32 = NULL;
      void *out;
      PtTensorRef ref = { 0 };
      int64_t *shape_copy;

      if (g_str_has_prefix (name, "base_model.model."))   /* LoRA tensors: merged below */
        continue;
      for (int d = 0; d < ndim; d++)
        numel *= (size_t) shape[d];
      f32 = g_try_new (float, numel);
      out = g_try_malloc (numel * pt_st_dtype_size (dtype));
      if (f32 == NULL || out == NULL)
        {
          g_free (out);
          g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY, "Out of memory exporting %s", name);
          return FALSE;
        }
      g_ptr_array_add (buffers, out);
      if (!pt_model_merged_weight (pipe->model, name, f32, numel, error))
        return FALSE;
      if (!pt_tensor_convert (out, engine_dtype, f32, PT_ST_F32, numel))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_FAILED, "Cannot convert %s", name);
          return FALSE;
        }
      shape_copy = g_memdup2 (shape, sizeof (int64_t) * ndim);
      g_ptr_array_add (shapes, shape_copy);
      ref.name = name;
      ref.dtype = dtype;
      ref.n_dims = ndim;
      ref.shape = shape_copy;
      ref.data = out;
      g_array_append_val (refs, ref);
    }
  if (!pt_checkpoint_save (out_dir, pipe->config, (PtTensorRef *) refs->data, refs->len,
                           G_GUINT64_CONSTANT (5) << 30, error))
    return FALSE;
  return copy_side_files (s->model_dir, out_dir, error);
}
