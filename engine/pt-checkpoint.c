/* pt-checkpoint.c — a Hugging Face PaliGemma model folder: names, shards, reads. */
#include "config.h"

#include <stdlib.h>          /* qsort */
#include <string.h>          /* memcpy, strcmp, strchr */

#include "pt-checkpoint.h"
#include "pt-checkpoint-private.h"  /* PtStoredSlot, pt_bnb_dequantize */
#include "pt-error.h"        /* PT_ERROR */
#include "pt-half.h"         /* pt_f32_to_bf16, … */
#include "pt-json.h"         /* pt_json_load_file */

/* ---- names ------------------------------------------------------------------- */

#define LM_HEAD "language_model.lm_head.weight"
#define EMBED   "language_model.model.embed_tokens.weight"

char *
pt_checkpoint_canonical_name (const char *name)
{
  g_autofree char *s = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  /* (a) model.language_model. → language_model.model.   (≥ 4.52 in-memory) */
  if (g_str_has_prefix (name, "model.language_model."))
    s = g_strconcat ("language_model.model.", name + strlen ("model.language_model."), NULL);
  /* (b) lm_head. → language_model.lm_head. */
  else if (g_str_has_prefix (name, "lm_head."))
    s = g_strconcat ("language_model.", name, NULL);
  /* (c) optional model. before vision_tower / multi_modal_projector */
  else if (g_str_has_prefix (name, "model.vision_tower.") || g_str_has_prefix (name, "model.multi_modal_projector."))
    s = g_strdup (name + strlen ("model."));
  /* a bare PaliGemmaModel's decoder: language_model.layers… */
  else if (g_str_has_prefix (name, "language_model.") && !g_str_has_prefix (name, "language_model.model.")
           && !g_str_has_prefix (name, "language_model.lm_head."))
    s = g_strconcat ("language_model.model.", name + strlen ("language_model."), NULL);
  else
    s = g_strdup (name);

  /* (d) SigLIP without vision_model. (v5 in-memory) */
  if (g_str_has_prefix (s, "vision_tower.") && !g_str_has_prefix (s, "vision_tower.vision_model."))
    {
      char *t = g_strconcat ("vision_tower.vision_model.", s + strlen ("vision_tower."), NULL);
      g_free (s);
      s = t;
    }
  return g_steal_pointer (&s);
}

/* ---- dtype conversion --------------------------------------------------------
 * One rule for the whole program: pt-half.h's, bit-exact with torch's
 * .to() (round to nearest even, a NaN becomes the canonical quiet NaN). */

gboolean
pt_tensor_convert (void       *dst,
                   PtDType     dst_dtype,
                   const void *src,
                   PtStDtype   src_dtype,
                   size_t      n)
{
  const guint8 *s = src;
  gboolean src_ok = src_dtype == PT_ST_F32 || src_dtype == PT_ST_F64 || src_dtype == PT_ST_BF16
                    || src_dtype == PT_ST_F16;
  gboolean dst_ok = dst_dtype == PT_DTYPE_F32 || dst_dtype == PT_DTYPE_F64 || dst_dtype == PT_DTYPE_BF16
                    || dst_dtype == PT_DTYPE_F16;

  if (!src_ok || !dst_ok)
    return FALSE;
  if (n == 0)
    return TRUE;
  g_return_val_if_fail (dst != NULL && src != NULL, FALSE);

  /* same dtype: a copy */
  if ((src_dtype == PT_ST_F32 && dst_dtype == PT_DTYPE_F32) || (src_dtype == PT_ST_F64 && dst_dtype == PT_DTYPE_F64)
      || (src_dtype == PT_ST_BF16 && dst_dtype == PT_DTYPE_BF16) || (src_dtype == PT_ST_F16 && dst_dtype == PT_DTYPE_F16))
    {
      memcpy (dst, src, n * pt_dtype_size (dst_dtype));
      return TRUE;
    }

  for (size_t i = 0; i < n; i++)
    {
      double d = 0;
      float f = 0;
      gboolean is_double = FALSE;

      switch (src_dtype)
        {
        case PT_ST_F32: memcpy (&f, s + 4 * i, 4); break;
        case PT_ST_F64: memcpy (&d, s + 8 * i, 8); is_double = TRUE; break;
        case PT_ST_BF16: { guint16 h; memcpy (&h, s + 2 * i, 2); f = pt_bf16_to_f32 (h); break; }
        case PT_ST_F16: { guint16 h; memcpy (&h, s + 2 * i, 2); f = pt_f16_to_f32 (h); break; }
        default: g_assert_not_reached ();
        }
      switch (dst_dtype)
        {
        case PT_DTYPE_F32: ((float *) dst)[i] = is_double ? (float) d : f; break;
        case PT_DTYPE_F64: ((double *) dst)[i] = is_double ? d : (double) f; break;
        /* torch converts double → half types through float */
        case PT_DTYPE_BF16: ((guint16 *) dst)[i] = pt_f32_to_bf16 (is_double ? (float) d : f); break;
        case PT_DTYPE_F16: ((guint16 *) dst)[i] = pt_f32_to_f16 (is_double ? (float) d : f); break;
        default: g_assert_not_reached ();
        }
    }
  return TRUE;
}

/* ---- opening a folder ---------------------------------------------------------- */

struct _PtCheckpoint {
  char          *dir;
  PtModelConfig *config;
  GPtrArray     *files;       /* of PtSafetensors* */
  GHashTable    *by_name;     /* canonical name (owned) → PtStoredSlot* (owned) */
  GHashTable    *stored;      /* stored name → PtStoredSlot* (owned) */
  GPtrArray     *owned;       /* of PtOwnedTensor*: dequantised weights */
  guint          n_dequantised;
  char         **names;       /* sorted canonical names */
  guint          n_names;
};

void
pt_checkpoint_free (PtCheckpoint *ck)
{
  if (ck == NULL)
    return;
  g_clear_pointer (&ck->by_name, g_hash_table_unref);
  g_clear_pointer (&ck->stored, g_hash_table_unref);
  g_clear_pointer (&ck->owned, g_ptr_array_unref);
  g_clear_pointer (&ck->files, g_ptr_array_unref);
  g_clear_pointer (&ck->config, pt_model_config_free);
  g_free (ck->names);
  g_free (ck->dir);
  g_free (ck);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* collects a file's tensors under their stored names */
static gboolean
add_file_tensors (PtCheckpoint *ck, guint file_index, GError **error)
{
  PtSafetensors *st = g_ptr_array_index (ck->files, file_index);

  for (guint i = 0; i < pt_safetensors_n_tensors (st); i++)
    {
      const PtStTensor *t = pt_safetensors_tensor (st, i);
      PtStoredSlot *slot;

      if (g_hash_table_contains (ck->stored, t->name))
        {
          PtStoredSlot *other = g_hash_table_lookup (ck->stored, t->name);
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s: tensor “%s” is stored twice (in %s and %s)",
                       ck->dir, t->name, pt_safetensors_path (g_ptr_array_index (ck->files, other->file)),
                       pt_safetensors_path (st));
          return FALSE;
        }
      if (strstr (t->name, ".quant_state.bitsandbytes__") != NULL
          && !g_str_has_suffix (t->name, ".quant_state.bitsandbytes__nf4"))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                       "%s is a pre-quantised bitsandbytes checkpoint in a format other than NF4 (it holds "
                       "“%s”); use the original bf16/fp32 checkpoint: PaliTune quantises it to NF4 itself "
                       "in QLoRA mode", pt_safetensors_path (st), t->name);
          return FALSE;
        }
      if (g_str_has_suffix (t->name, ".SCB") || g_str_has_suffix (t->name, ".weight_format"))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                       "%s is a pre-quantised 8-bit (LLM.int8) checkpoint (it holds “%s”), which PaliTune "
                       "cannot load; use the original bf16/fp32 checkpoint", pt_safetensors_path (st), t->name);
          return FALSE;
        }
      slot = g_new (PtStoredSlot, 1);
      slot->tensor = t;
      slot->file = file_index;
      g_hash_table_insert (ck->stored, (char *) t->name, slot);
    }
  return TRUE;
}

static gboolean
add_canonical (PtCheckpoint *ck, const PtStTensor *t, guint file, GError **error)
{
  char *canonical = pt_checkpoint_canonical_name (t->name);
  PtStoredSlot *slot;

  if (g_hash_table_contains (ck->by_name, canonical))
    {
      PtStoredSlot *other = g_hash_table_lookup (ck->by_name, canonical);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s: tensor “%s” is stored twice (as “%s” in %s and as “%s” in %s)",
                   ck->dir, canonical, other->tensor->name,
                   pt_safetensors_path (g_ptr_array_index (ck->files, other->file)),
                   t->name, pt_safetensors_path (g_ptr_array_index (ck->files, file)));
      g_free (canonical);
      return FALSE;
    }
  slot = g_new (PtStoredSlot, 1);
  slot->tensor = t;
  slot->file = file;
  g_hash_table_insert (ck->by_name, canonical, slot);
  return TRUE;
}

/* the canonical names: bitsandbytes 4-bit weights dequantised, their
 * companion tensors consumed */
static gboolean
index_tensors (PtCheckpoint *ck, GError **error)
{
  g_autoptr(GHashTable) consumed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GHashTableIter it;
  gpointer key;

  g_hash_table_iter_init (&it, ck->stored);
  while (g_hash_table_iter_next (&it, &key, NULL))
    g_ptr_array_add (names, key);
  g_ptr_array_sort (names, (GCompareFunc) compare_strings);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      const PtStoredSlot *state_slot, *packed_slot;
      PtOwnedTensor *t;
      g_autofree char *base = NULL;
      static const char *const parts[] = { "", ".absmax", ".quant_map", ".nested_absmax", ".nested_quant_map", NULL };

      if (!g_str_has_suffix (name, ".quant_state.bitsandbytes__nf4"))
        continue;
      state_slot = g_hash_table_lookup (ck->stored, name);
      t = pt_bnb_dequantize (ck->stored, name, pt_safetensors_path (g_ptr_array_index (ck->files, state_slot->file)),
                             error);
      if (t == NULL)
        return FALSE;
      g_ptr_array_add (ck->owned, t);
      base = g_strndup (name, strlen (name) - strlen (".quant_state.bitsandbytes__nf4"));
      packed_slot = g_hash_table_lookup (ck->stored, base);
      if (!add_canonical (ck, &t->info, packed_slot->file, error))
        return FALSE;
      ck->n_dequantised++;
      g_hash_table_add (consumed, g_strdup (name));
      for (guint k = 0; parts[k] != NULL; k++)
        g_hash_table_add (consumed, g_strconcat (base, parts[k], NULL));
    }

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      const PtStoredSlot *slot = g_hash_table_lookup (ck->stored, name);
      if (g_hash_table_contains (consumed, name))
        continue;
      if (pt_bnb_is_component (name))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s holds quantisation data “%s” without the weight's quant state",
                       pt_safetensors_path (g_ptr_array_index (ck->files, slot->file)), name);
          return FALSE;
        }
      if (!add_canonical (ck, slot->tensor, slot->file, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
open_file (PtCheckpoint *ck, const char *path, GError **error)
{
  PtSafetensors *st = pt_safetensors_open (path, error);

  if (st == NULL)
    return FALSE;
  g_ptr_array_add (ck->files, st);
  return add_file_tensors (ck, ck->files->len - 1, error);
}

#define MAX_SHARDS 100000

static gboolean
open_sharded (PtCheckpoint *ck, const char *index_path, GError **error)
{
  g_autoptr(JsonNode) root = pt_json_load_file (index_path, 256 << 20, error);
  g_autofree char *display = g_filename_display_name (index_path);
  g_autoptr(GHashTable) shard_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  JsonNode *map;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (root)
      || (map = json_object_get_member (json_node_get_object (root), "weight_map")) == NULL
      || !JSON_NODE_HOLDS_OBJECT (map))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is not a shard index (no \"weight_map\" object)", display);
      return FALSE;
    }

  /* first pass: every shard named is a plain file name in this folder; open each once */
  json_object_iter_init (&iter, json_node_get_object (map));
  while (json_object_iter_next (&iter, &name, &value))
    {
      const char *shard;
      g_autofree char *path = NULL;

      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s: the shard of “%s” is not a file name", display, name);
          return FALSE;
        }
      shard = json_node_get_string (value);
      if (g_hash_table_contains (shard_index, shard))
        continue;
      if (*shard == '\0' || strchr (shard, '/') != NULL || strchr (shard, '\\') != NULL
          || strcmp (shard, ".") == 0 || strcmp (shard, "..") == 0)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s: shard “%s” is not a file name in the model folder", display, shard);
          return FALSE;
        }
      if (g_hash_table_size (shard_index) >= MAX_SHARDS)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s lists too many shards", display);
          return FALSE;
        }
      path = g_build_filename (ck->dir, shard, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                     "%s lists shard %s, which is missing from the folder (incomplete download?)",
                     display, shard);
          return FALSE;
        }
      if (!open_file (ck, path, error))
        return FALSE;
      g_hash_table_insert (shard_index, g_strdup (shard), GUINT_TO_POINTER (ck->files->len - 1));
    }
  if (ck->files->len == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s lists no tensors", display);
      return FALSE;
    }

  /* second pass: every weight listed is in the shard the index names */
  json_object_iter_init (&iter, json_node_get_object (map));
  while (json_object_iter_next (&iter, &name, &value))
    {
      const char *shard = json_node_get_string (value);
      guint file = GPOINTER_TO_UINT (g_hash_table_lookup (shard_index, shard));
      if (pt_safetensors_find (g_ptr_array_index (ck->files, file), name) == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s lists tensor “%s” in %s, but that shard does not contain it",
                       display, name, shard);
          return FALSE;
        }
    }
  return TRUE;
}

PtCheckpoint *
pt_checkpoint_open (const char *dir,
                    GError    **error)
{
  g_autoptr(PtCheckpoint) ck = NULL;
  g_autofree char *display = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *single = NULL;
  g_autofree char *index = NULL;
  GHashTableIter it;
  gpointer key;
  guint n = 0;

  g_return_val_if_fail (dir != NULL, NULL);

  display = g_filename_display_name (dir);
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is not a folder", display);
      return NULL;
    }
  ck = g_new0 (PtCheckpoint, 1);
  ck->dir = g_strdup (display);
  ck->files = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_safetensors_free);
  ck->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  ck->stored = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  ck->owned = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_owned_tensor_free);

  config_path = g_build_filename (dir, "config.json", NULL);
  if (!g_file_test (config_path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is not a Hugging Face model folder: it has no config.json", display);
      return NULL;
    }
  ck->config = pt_model_config_load (config_path, error);
  if (ck->config == NULL)
    return NULL;

  /* like from_pretrained: the single file wins over an index */
  single = g_build_filename (dir, "model.safetensors", NULL);
  index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  if (g_file_test (single, G_FILE_TEST_EXISTS))
    {
      if (!open_file (ck, single, error))
        return NULL;
    }
  else if (g_file_test (index, G_FILE_TEST_EXISTS))
    {
      if (!open_sharded (ck, index, error))
        return NULL;
    }
  else
    {
      g_autofree char *bin = g_build_filename (dir, "pytorch_model.bin", NULL);
      g_autofree char *bin_index = g_build_filename (dir, "pytorch_model.bin.index.json", NULL);
      if (g_file_test (bin, G_FILE_TEST_EXISTS) || g_file_test (bin_index, G_FILE_TEST_EXISTS))
        g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                     "%s holds PyTorch .bin weights; PaliTune reads safetensors only (convert with "
                     "save_pretrained(…, safe_serialization=True))", display);
      else
        g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                     "%s has no model.safetensors (nor model.safetensors.index.json)", display);
      return NULL;
    }

  if (!index_tensors (ck, error))
    return NULL;
  ck->n_names = g_hash_table_size (ck->by_name);
  ck->names = g_new0 (char *, ck->n_names + 1);
  g_hash_table_iter_init (&it, ck->by_name);
  while (g_hash_table_iter_next (&it, &key, NULL))
    ck->names[n++] = key;
  qsort (ck->names, ck->n_names, sizeof *ck->names, compare_strings);
  return g_steal_pointer (&ck);
}

const PtModelConfig *
pt_checkpoint_config (const PtCheckpoint *ck)
{
  g_return_val_if_fail (ck != NULL, NULL);
  return ck->config;
}

const char *
pt_checkpoint_dir (const PtCheckpoint *ck)
{
  g_return_val_if_fail (ck != NULL, NULL);
  return ck->dir;
}

guint
pt_checkpoint_n_dequantised (const PtCheckpoint *ck)
{
  g_return_val_if_fail (ck != NULL, 0);
  return ck->n_dequantised;
}

guint
pt_checkpoint_n_tensors (const PtCheckpoint *ck)
{
  g_return_val_if_fail (ck != NULL, 0);
  return ck->n_names;
}

const char *
pt_checkpoint_tensor_name (const PtCheckpoint *ck,
                           guint               index)
{
  g_return_val_if_fail (ck != NULL && index < ck->n_names, NULL);
  return ck->names[index];
}

const PtStTensor *
pt_checkpoint_lookup (const PtCheckpoint *ck,
                      const char         *name,
                      const char        **file)
{
  PtStoredSlot *slot;
  g_autofree char *canonical = NULL;

  g_return_val_if_fail (ck != NULL && name != NULL, NULL);

  /* transformers ties the head to the embeddings whenever the config says so,
   * whether or not a head is stored */
  if (ck->config->tie_word_embeddings && strcmp (name, LM_HEAD) == 0)
    name = EMBED;
  slot = g_hash_table_lookup (ck->by_name, name);
  if (slot == NULL)
    {
      /* any spelling of the name (transformers 5's flat SigLIP, new names) */
      canonical = pt_checkpoint_canonical_name (name);
      if (ck->config->tie_word_embeddings && strcmp (canonical, LM_HEAD) == 0)
        slot = g_hash_table_lookup (ck->by_name, EMBED);
      else
        slot = g_hash_table_lookup (ck->by_name, canonical);
    }
  if (slot == NULL)
    return NULL;
  if (file != NULL)
    *file = pt_safetensors_path (g_ptr_array_index (ck->files, slot->file));
  return slot->tensor;
}

static char *
shape_string (int n_dims, const int64_t *shape)
{
  GString *s = g_string_new ("[");
  for (int d = 0; d < n_dims; d++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", shape[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static gboolean
check_tensor (const PtCheckpoint *ck, const char *name, int n_dims, const int64_t *shape,
              const PtStTensor **out, GError **error)
{
  const char *file = NULL;
  const PtStTensor *t = pt_checkpoint_lookup (ck, name, &file);
  gboolean same;

  if (t == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s: tensor “%s” is missing", ck->dir, name);
      return FALSE;
    }
  same = t->n_dims == n_dims;
  for (int d = 0; same && d < n_dims; d++)
    same = t->shape[d] == shape[d];
  if (!same)
    {
      g_autofree char *found = shape_string (t->n_dims, t->shape);
      g_autofree char *expected = shape_string (n_dims, shape);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s: tensor “%s” has shape %s, but config.json implies %s", file, t->name, found, expected);
      return FALSE;
    }
  if (t->dtype != PT_ST_F32 && t->dtype != PT_ST_F16 && t->dtype != PT_ST_BF16 && t->dtype != PT_ST_F64)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "%s: tensor “%s” is stored as %s; PaliTune reads F32, F16, BF16 or F64 weights",
                   file, t->name, pt_st_dtype_name (t->dtype));
      return FALSE;
    }
  *out = t;
  return TRUE;
}

gboolean
pt_checkpoint_read (const PtCheckpoint *ck,
                    const char         *name,
                    int                 n_dims,
                    const int64_t      *shape,
                    PtDType             dst_dtype,
                    void               *dst,
                    GError            **error)
{
  const PtStTensor *t = NULL;

  g_return_val_if_fail (ck != NULL && name != NULL && (n_dims == 0 || shape != NULL), FALSE);
  g_return_val_if_fail (dst_dtype == PT_DTYPE_F32 || dst_dtype == PT_DTYPE_F64 || dst_dtype == PT_DTYPE_BF16
                        || dst_dtype == PT_DTYPE_F16, FALSE);

  if (!check_tensor (ck, name, n_dims, shape, &t, error))
    return FALSE;
  g_return_val_if_fail (dst != NULL || t->n_elements == 0, FALSE);
  return pt_tensor_convert (dst, dst_dtype, t->data, t->dtype, t->n_elements);
}

gboolean
pt_checkpoint_read_spec (const PtCheckpoint *ck,
                         const PtTensorSpec *spec,
                         PtDType             dst_dtype,
                         void               *dst,
                         GError            **error)
{
  g_return_val_if_fail (spec != NULL, FALSE);
  return pt_checkpoint_read (ck, spec->name, spec->n_dims, spec->shape, dst_dtype, dst, error);
}

char **
pt_checkpoint_check (const PtCheckpoint *ck,
                     GError            **error)
{
  g_autoptr(GPtrArray) specs = NULL;
  g_autoptr(GHashTable) expected = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GString) missing = g_string_new (NULL);
  guint n_missing = 0;

  g_return_val_if_fail (ck != NULL, NULL);

  specs = pt_model_config_tensor_specs (ck->config);
  for (guint i = 0; i < specs->len; i++)
    {
      const PtTensorSpec *s = g_ptr_array_index (specs, i);
      g_hash_table_add (expected, s->name);
      if (pt_checkpoint_lookup (ck, s->name, NULL) == NULL && n_missing++ < 5)
        g_string_append_printf (missing, "%s%s", missing->len ? ", " : "", s->name);
    }
  if (n_missing > 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s lacks %u tensor%s that config.json implies: %s%s", ck->dir, n_missing,
                   n_missing == 1 ? "" : "s", missing->str, n_missing > 5 ? ", …" : "");
      return NULL;
    }
  for (guint i = 0; i < specs->len; i++)
    {
      const PtTensorSpec *s = g_ptr_array_index (specs, i);
      const PtStTensor *t = NULL;
      if (!check_tensor (ck, s->name, s->n_dims, s->shape, &t, error))
        return NULL;
    }

  for (guint i = 0; i < ck->n_names; i++)
    {
      const char *name = ck->names[i];
      if (g_hash_table_contains (expected, name))
        continue;
      if (strcmp (name, LM_HEAD) == 0 && ck->config->tie_word_embeddings)
        g_ptr_array_add (warnings, g_strdup_printf ("%s is ignored: config.json ties the output head to "
                                                    "the embeddings", name));
      else
        g_ptr_array_add (warnings, g_strdup_printf ("unknown tensor %s (ignored)", name));
    }
  g_ptr_array_add (warnings, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&warnings), FALSE);
}
