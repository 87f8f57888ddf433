/* pt-checkpoint-bnb.c — pre-quantised bitsandbytes 4-bit (NF4) weights in a
 * model folder, dequantised on load (spec §6).
 *
 * transformers saves a Linear4bit weight as (QuantState.as_dict(packed=True)):
 *   <w>                                   U8 ((n+1)/2, 1)  two indices a byte, first in the high nibble
 *   <w>.absmax                            F32 (n_blocks), or U8 when double-quantised
 *   <w>.quant_map                         F32 (16)         the NF4 code
 *   <w>.nested_absmax, .nested_quant_map  F32             double quantisation only
 *   <w>.quant_state.bitsandbytes__nf4     U8 JSON: quant_type, blocksize, dtype, shape,
 *                                         nested_blocksize, nested_dtype, nested_offset
 * bitsandbytes dequantises (backends/default/ops.py _dequantize_4bit_compute):
 *   absmax = nested_quant_map[q] · nested_absmax[i / nested_blocksize] + offset   (fp32)
 *   w = code[idx] · absmax[i / blocksize] in fp32, then cast to dtype.
 */
#include "config.h"

#include <math.h>                  /* isfinite */
#include <string.h>                /* strcmp, memcpy */

#include "pt-checkpoint-private.h"
#include "pt-error.h"              /* PT_ERROR */
#include "pt-json.h"               /* pt_json_parse */
#include "pt-nf4.h"                /* pt_nf4_code */

static const char *const component_suffixes[] = {
  ".absmax", ".quant_map", ".nested_absmax", ".nested_quant_map", NULL
};

gboolean
pt_bnb_is_component (const char *name)
{
  for (guint i = 0; component_suffixes[i] != NULL; i++)
    if (g_str_has_suffix (name, component_suffixes[i]))
      return TRUE;
  return strstr (name, ".quant_state.bitsandbytes__") != NULL;
}

void
pt_owned_tensor_free (PtOwnedTensor *t)
{
  if (t == NULL)
    return;
  g_free (t->name);
  g_free (t->data);
  g_free (t);
}

#define BAD(...) G_STMT_START { \
    g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, __VA_ARGS__); \
    return NULL; \
  } G_STMT_END

static const PtStTensor *
component (GHashTable *stored, const char *base, const char *suffix)
{
  g_autofree char *name = g_strconcat (base, suffix, NULL);
  const PtStoredSlot *slot = g_hash_table_lookup (stored, name);
  return slot != NULL ? slot->tensor : NULL;
}

static gboolean
finite_f32 (const PtStTensor *t)
{
  for (guint64 i = 0; i < t->n_elements; i++)
    {
      float v;
      memcpy (&v, (const guint8 *) t->data + 4 * i, 4);
      if (!isfinite (v))
        return FALSE;
    }
  return TRUE;
}

static float
f32_at (const PtStTensor *t, guint64 i)
{
  float v;
  memcpy (&v, (const guint8 *) t->data + 4 * i, 4);
  return v;
}

static gboolean
is_power_of_two_in (gint64 v, gint64 lo, gint64 hi)
{
  return v >= lo && v <= hi && (v & (v - 1)) == 0;
}

PtOwnedTensor *
pt_bnb_dequantize (GHashTable *stored,
                   const char *state_name,
                   const char *file,
                   GError    **error)
{
  static const char suffix[] = ".quant_state.bitsandbytes__nf4";
  g_autofree char *base = NULL;
  g_autofree char *what = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(PtOwnedTensor) out = NULL;
  const PtStTensor *packed, *absmax, *quant_map, *state, *nested_absmax = NULL, *nested_map = NULL;
  g_autofree float *absmax_f = NULL;
  g_autofree float *w = NULL;
  JsonObject *o;
  JsonNode *n;
  JsonArray *shape;
  const char *dtype_name, *quant_type;
  PtDType dtype;
  PtStDtype st_dtype;
  gint64 blocksize, nested_blocksize = 0;
  double offset = 0;
  guint64 count = 1, n_blocks;
  gboolean nested;

  g_return_val_if_fail (g_str_has_suffix (state_name, suffix), NULL);

  base = g_strndup (state_name, strlen (state_name) - strlen (suffix));
  state = ((const PtStoredSlot *) g_hash_table_lookup (stored, state_name))->tensor;
  packed = component (stored, base, "");
  absmax = component (stored, base, ".absmax");
  quant_map = component (stored, base, ".quant_map");
  if (packed == NULL || absmax == NULL)
    BAD ("%s: the quantised weight %s lacks its %s", file, base, packed == NULL ? "data" : "absmax");

  /* the quant state: a small JSON document stored as bytes */
  if (state->dtype != PT_ST_U8 || state->n_bytes > 65536)
    BAD ("%s: %s is not a bitsandbytes quant state", file, state_name);
  what = g_strdup_printf ("%s: %s", file, state_name);
  root = pt_json_parse (state->data, (gssize) state->n_bytes, what, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    BAD ("%s is not a JSON object", what);
  o = json_node_get_object (root);

#define GET_STRING(key, var) \
  n = json_object_get_member (o, key); \
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING) \
    BAD ("%s: “%s” is missing or not a string", what, key); \
  var = json_node_get_string (n)
#define GET_INT(key, var) \
  n = json_object_get_member (o, key); \
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64) \
    BAD ("%s: “%s” is missing or not a whole number", what, key); \
  var = json_node_get_int (n)

  GET_STRING ("quant_type", quant_type);
  if (strcmp (quant_type, "nf4") != 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, "%s: quant_type “%s”: PaliTune reads NF4 "
                   "checkpoints only", what, quant_type);
      return NULL;
    }
  GET_INT ("blocksize", blocksize);
  if (!is_power_of_two_in (blocksize, 32, 4096))
    BAD ("%s: blocksize %" G_GINT64_FORMAT " is not one bitsandbytes uses", what, blocksize);
  GET_STRING ("dtype", dtype_name);
  if (strcmp (dtype_name, "float16") == 0)
    dtype = PT_DTYPE_F16, st_dtype = PT_ST_F16;
  else if (strcmp (dtype_name, "bfloat16") == 0)
    dtype = PT_DTYPE_BF16, st_dtype = PT_ST_BF16;
  else if (strcmp (dtype_name, "float32") == 0)
    dtype = PT_DTYPE_F32, st_dtype = PT_ST_F32;
  else
    BAD ("%s: dtype “%s” is not float16, bfloat16 or float32", what, dtype_name);
  n = json_object_get_member (o, "shape");
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    BAD ("%s: “shape” is missing or not a list", what);
  shape = json_node_get_array (n);
  if (json_array_get_length (shape) < 1 || json_array_get_length (shape) > PT_TENSOR_MAX_DIMS)
    BAD ("%s: the shape has %u dimensions", what, json_array_get_length (shape));

  out = g_new0 (PtOwnedTensor, 1);
  out->info.n_dims = (int) json_array_get_length (shape);
  for (int d = 0; d < out->info.n_dims; d++)
    {
      JsonNode *e = json_array_get_element (shape, d);
      gint64 v;
      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64
          || (v = json_node_get_int (e)) < 0 || (v != 0 && count > (G_MAXINT64 / 4) / (guint64) v))
        BAD ("%s: the shape holds something other than a sane size", what);
      out->shape[d] = v;
      count *= (guint64) v;
    }
  n_blocks = (count + (guint64) blocksize - 1) / (guint64) blocksize;

  /* the packed indices and the code */
  if (packed->dtype != PT_ST_U8 || packed->n_bytes != (count + 1) / 2)
    BAD ("%s: %s holds %" G_GUINT64_FORMAT " bytes; the shape in its quant state needs %" G_GUINT64_FORMAT,
         file, base, packed->n_bytes, (count + 1) / 2);
  if (quant_map != NULL)
    {
      if (quant_map->dtype != PT_ST_F32 || quant_map->n_elements != 16)
        BAD ("%s: %s.quant_map is not 16 float32 values", file, base);
      for (int i = 0; i < 16; i++)
        if (f32_at (quant_map, i) != pt_nf4_code[i])
          BAD ("%s: %s.quant_map is not the NF4 code", file, base);
    }

  /* absmax, possibly double-quantised */
  nested = json_object_has_member (o, "nested_blocksize");
  absmax_f = g_try_new (float, MAX (n_blocks, 1));
  if (absmax_f == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY, "Out of memory reading %s", base);
      return NULL;
    }
  if (!nested)
    {
      if (absmax->dtype != PT_ST_F32 || absmax->n_elements != n_blocks)
        BAD ("%s: %s.absmax should be %" G_GUINT64_FORMAT " float32 values", file, base, n_blocks);
      for (guint64 i = 0; i < n_blocks; i++)
        absmax_f[i] = f32_at (absmax, i);
    }
  else
    {
      guint64 n_nested;
      GET_INT ("nested_blocksize", nested_blocksize);
      if (!is_power_of_two_in (nested_blocksize, 32, 4096))
        BAD ("%s: nested_blocksize %" G_GINT64_FORMAT " is not one bitsandbytes uses", what, nested_blocksize);
      n = json_object_get_member (o, "nested_offset");
      if (n == NULL || !JSON_NODE_HOLDS_VALUE (n)
          || (json_node_get_value_type (n) != G_TYPE_DOUBLE && json_node_get_value_type (n) != G_TYPE_INT64)
          || !isfinite (offset = json_node_get_double (n)))
        BAD ("%s: “nested_offset” is missing or not a number", what);
      nested_absmax = component (stored, base, ".nested_absmax");
      nested_map = component (stored, base, ".nested_quant_map");
      n_nested = (n_blocks + (guint64) nested_blocksize - 1) / (guint64) nested_blocksize;
      if (absmax->dtype != PT_ST_U8 || absmax->n_elements != n_blocks)
        BAD ("%s: %s.absmax should be %" G_GUINT64_FORMAT " bytes (double quantisation)", file, base, n_blocks);
      if (nested_absmax == NULL || nested_absmax->dtype != PT_ST_F32 || nested_absmax->n_elements != n_nested)
        BAD ("%s: %s.nested_absmax is missing or not %" G_GUINT64_FORMAT " float32 values", file, base, n_nested);
      if (nested_map == NULL || nested_map->dtype != PT_ST_F32 || nested_map->n_elements != 256 || !finite_f32 (nested_map))
        BAD ("%s: %s.nested_quant_map is missing or not 256 float32 values", file, base);
      for (guint64 i = 0; i < n_blocks; i++)
        {
          guint8 q = ((const guint8 *) absmax->data)[i];
          absmax_f[i] = f32_at (nested_map, q) * f32_at (nested_absmax, i / (guint64) nested_blocksize)
                        + (float) offset;
        }
    }

  /* w = code[idx] · absmax in fp32, then the stored dtype */
  w = g_try_new (float, MAX (count, 1));
  out->data = g_try_malloc (MAX (count, 1) * pt_dtype_size (dtype));
  if (w == NULL || out->data == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY, "Out of memory dequantising %s", base);
      return NULL;
    }
  for (guint64 i = 0; i < count; i++)
    {
      guint8 byte = ((const guint8 *) packed->data)[i / 2];
      guint8 idx = i % 2 == 0 ? byte >> 4 : byte & 0x0f;
      w[i] = pt_nf4_code[idx] * absmax_f[i / (guint64) blocksize];
    }
  pt_tensor_convert (out->data, dtype, w, PT_ST_F32, count);

  out->name = g_steal_pointer (&base);
  out->info.name = out->name;
  out->info.dtype = st_dtype;
  out->info.shape = out->shape;
  out->info.n_elements = count;
  out->info.n_bytes = count * pt_dtype_size (dtype);
  out->info.data = out->data;
  return g_steal_pointer (&out);
#undef GET_STRING
#undef GET_INT
}
