/* pt-safetensors.c — the validating .safetensors reader. */
#include "config.h"

#include <stdlib.h>        /* qsort */
#include <string.h>        /* strcmp */

#include "pt-error.h"      /* PT_ERROR */
#include "pt-json.h"       /* pt_json_parse */
#include "pt-safetensors.h"

static const struct {
  const char *name;
  size_t      size;
} dtype_table[PT_ST_N_DTYPES] = {
  [PT_ST_BOOL]    = { "BOOL", 1 },
  [PT_ST_U8]      = { "U8", 1 },
  [PT_ST_I8]      = { "I8", 1 },
  [PT_ST_F8_E5M2] = { "F8_E5M2", 1 },
  [PT_ST_F8_E4M3] = { "F8_E4M3", 1 },
  [PT_ST_I16]     = { "I16", 2 },
  [PT_ST_U16]     = { "U16", 2 },
  [PT_ST_F16]     = { "F16", 2 },
  [PT_ST_BF16]    = { "BF16", 2 },
  [PT_ST_I32]     = { "I32", 4 },
  [PT_ST_U32]     = { "U32", 4 },
  [PT_ST_F32]     = { "F32", 4 },
  [PT_ST_F64]     = { "F64", 8 },
  [PT_ST_I64]     = { "I64", 8 },
  [PT_ST_U64]     = { "U64", 8 },
};

const char *
pt_st_dtype_name (PtStDtype dtype)
{
  return (unsigned) dtype < PT_ST_N_DTYPES ? dtype_table[dtype].name : "?";
}

size_t
pt_st_dtype_size (PtStDtype dtype)
{
  return (unsigned) dtype < PT_ST_N_DTYPES ? dtype_table[dtype].size : 0;
}

gboolean
pt_st_dtype_from_name (const char *name,
                       PtStDtype  *dtype)
{
  for (int i = 0; name != NULL && i < PT_ST_N_DTYPES; i++)
    if (strcmp (name, dtype_table[i].name) == 0)
      {
        *dtype = (PtStDtype) i;
        return TRUE;
      }
  return FALSE;
}

/* ---- reader ---------------------------------------------------------------- */

typedef struct {
  PtStTensor info;
  char      *name;
  int64_t    shape[PT_ST_MAX_DIMS];
  guint64    begin, end;   /* relative to the data section */
} Entry;

struct _PtSafetensors {
  char        *display;
  GMappedFile *mapped;
  GBytes      *bytes;
  Entry       *entries;      /* sorted by name */
  guint        n_entries;
  GHashTable  *by_name;      /* name → Entry* */
  GHashTable  *metadata;     /* key → value */
};

void
pt_safetensors_free (PtSafetensors *st)
{
  if (st == NULL)
    return;
  for (guint i = 0; i < st->n_entries; i++)
    g_free (st->entries[i].name);
  g_free (st->entries);
  g_clear_pointer (&st->by_name, g_hash_table_unref);
  g_clear_pointer (&st->metadata, g_hash_table_unref);
  g_clear_pointer (&st->bytes, g_bytes_unref);
  g_clear_pointer (&st->mapped, g_mapped_file_unref);
  g_free (st->display);
  g_free (st);
}

#define BAD(...) G_STMT_START { \
    g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

/* A JSON integer in [0, G_MAXINT64]. */
static gboolean
read_count (JsonNode *node, guint64 *out)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  if (json_node_get_int (node) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (node);
  return TRUE;
}

static gboolean
parse_entry (PtSafetensors *st, Entry *e, const char *name, JsonNode *node,
             guint64 data_size, GError **error)
{
  JsonObject *o;
  JsonNode *dtype, *shape, *offsets;
  JsonArray *a;
  guint64 n = 1, nbytes, size;

  if (!JSON_NODE_HOLDS_OBJECT (node))
    BAD ("%s: the header entry for tensor “%s” is not a JSON object", st->display, name);
  o = json_node_get_object (node);
  dtype = json_object_get_member (o, "dtype");
  shape = json_object_get_member (o, "shape");
  offsets = json_object_get_member (o, "data_offsets");
  if (dtype == NULL || shape == NULL || offsets == NULL)
    BAD ("%s: tensor “%s” lacks %s", st->display, name,
         dtype == NULL ? "a dtype" : shape == NULL ? "a shape" : "data_offsets");
  if (!JSON_NODE_HOLDS_VALUE (dtype) || json_node_get_value_type (dtype) != G_TYPE_STRING)
    BAD ("%s: tensor “%s” has a dtype that is not a string", st->display, name);
  if (!pt_st_dtype_from_name (json_node_get_string (dtype), &e->info.dtype))
    {
      g_autofree char *shown = g_strescape (json_node_get_string (dtype), NULL);
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "%s: tensor “%s” has dtype “%.40s”, which PaliTune does not read",
                   st->display, name, shown);
      return FALSE;
    }

  if (!JSON_NODE_HOLDS_ARRAY (shape))
    BAD ("%s: the shape of tensor “%s” is not a list", st->display, name);
  a = json_node_get_array (shape);
  if (json_array_get_length (a) > PT_ST_MAX_DIMS)
    BAD ("%s: tensor “%s” has %u dimensions (at most %d supported)", st->display, name,
         json_array_get_length (a), PT_ST_MAX_DIMS);
  e->info.n_dims = (int) json_array_get_length (a);
  for (int d = 0; d < e->info.n_dims; d++)
    {
      guint64 dim;
      if (!read_count (json_array_get_element (a, d), &dim))
        BAD ("%s: the shape of tensor “%s” holds something other than a non-negative whole number",
             st->display, name);
      e->shape[d] = (int64_t) dim;
      if (dim != 0 && n > G_MAXINT64 / dim)
        BAD ("%s: the shape of tensor “%s” is too large (its element count overflows)", st->display, name);
      n *= dim;
    }
  size = pt_st_dtype_size (e->info.dtype);
  if (n > G_MAXUINT64 / size)
    BAD ("%s: the shape of tensor “%s” is too large (its byte count overflows)", st->display, name);
  nbytes = n * size;

  if (!JSON_NODE_HOLDS_ARRAY (offsets) || json_array_get_length (json_node_get_array (offsets)) != 2
      || !read_count (json_array_get_element (json_node_get_array (offsets), 0), &e->begin)
      || !read_count (json_array_get_element (json_node_get_array (offsets), 1), &e->end))
    BAD ("%s: data_offsets of tensor “%s” must be two non-negative whole numbers", st->display, name);
  if (e->begin > e->end || e->end > data_size)
    BAD ("%s: tensor “%s” has data_offsets [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "] outside the "
         "%" G_GUINT64_FORMAT " bytes of tensor data (truncated file?)", st->display, name,
         e->begin, e->end, data_size);
  if (e->end - e->begin != nbytes)
    BAD ("%s: tensor “%s” holds %" G_GUINT64_FORMAT " bytes but its shape and dtype %s need %"
         G_GUINT64_FORMAT, st->display, name, e->end - e->begin, pt_st_dtype_name (e->info.dtype), nbytes);

  e->name = g_strdup (name);
  e->info.name = e->name;
  e->info.n_elements = n;
  e->info.n_bytes = nbytes;
  return TRUE;
}

static gboolean
parse_metadata (PtSafetensors *st, JsonNode *node, GError **error)
{
  JsonObjectIter iter;
  const char *key;
  JsonNode *value;

  if (JSON_NODE_HOLDS_NULL (node))
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    BAD ("%s: __metadata__ is not a JSON object", st->display);
  json_object_iter_init (&iter, json_node_get_object (node));
  while (json_object_iter_next (&iter, &key, &value))
    {
      if (!JSON_NODE_HOLDS_VALUE (value) || json_node_get_value_type (value) != G_TYPE_STRING)
        BAD ("%s: __metadata__ value “%s” is not a string", st->display, key);
      g_hash_table_insert (st->metadata, g_strdup (key), g_strdup (json_node_get_string (value)));
    }
  return TRUE;
}

static int
compare_by_name (gconstpointer a, gconstpointer b)
{
  return strcmp (((const Entry *) a)->name, ((const Entry *) b)->name);
}

static int
compare_by_begin (gconstpointer a, gconstpointer b)
{
  const Entry *x = *(const Entry *const *) a, *y = *(const Entry *const *) b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

static gboolean
parse (PtSafetensors *st, const guint8 *data, gsize size, GError **error)
{
  guint64 header_len = 0, data_size;
  g_autoptr(JsonNode) root = NULL;
  g_autofree Entry **order = NULL;
  g_autofree char *what = NULL;
  JsonObject *obj;
  JsonObjectIter iter;
  const char *name;
  JsonNode *member;
  guint n = 0;

  if (size < 8)
    BAD ("%s is not a safetensors file (only %" G_GSIZE_FORMAT " bytes)", st->display, size);
  for (int i = 7; i >= 0; i--)
    header_len = header_len << 8 | data[i];
  if (header_len > PT_ST_MAX_HEADER_SIZE)
    BAD ("%s: the header claims %" G_GUINT64_FORMAT " bytes (more than the %d allowed; "
         "not a safetensors file?)", st->display, header_len, PT_ST_MAX_HEADER_SIZE);
  if (header_len > size - 8)
    BAD ("%s: the header claims %" G_GUINT64_FORMAT " bytes but the file has only %" G_GSIZE_FORMAT
         " after the length (truncated file?)", st->display, header_len, size - 8);
  if (header_len < 2 || data[8] != '{')
    BAD ("%s: the header is not a JSON object (not a safetensors file?)", st->display);
  data_size = size - 8 - header_len;

  what = g_strdup_printf ("The header of %s", st->display);
  root = pt_json_parse ((const char *) data + 8, (gssize) header_len, what, error);
  if (root == NULL)
    return FALSE;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    BAD ("%s: the header is not a JSON object", st->display);
  obj = json_node_get_object (root);

  st->entries = g_new0 (Entry, json_object_get_size (obj) + 1);
  json_object_iter_init (&iter, obj);
  while (json_object_iter_next (&iter, &name, &member))
    {
      if (strcmp (name, "__metadata__") == 0)
        {
          if (!parse_metadata (st, member, error))
            return FALSE;
          continue;
        }
      if (!parse_entry (st, &st->entries[n], name, member, data_size, error))
        return FALSE;
      st->entries[n].info.data = data + 8 + header_len + st->entries[n].begin;
      st->n_entries = ++n;
    }

  /* byte ranges must not overlap (empty tensors occupy nothing) */
  order = g_new (Entry *, n + 1);
  for (guint i = 0; i < n; i++)
    order[i] = &st->entries[i];
  qsort (order, n, sizeof *order, compare_by_begin);
  for (guint i = 0, last = G_MAXUINT; i < n; i++)
    {
      if (order[i]->end == order[i]->begin)
        continue;
      if (last != G_MAXUINT && order[i]->begin < order[last]->end)
        BAD ("%s: tensors “%s” and “%s” overlap in the file", st->display,
             order[last]->name, order[i]->name);
      if (last == G_MAXUINT || order[i]->end > order[last]->end)
        last = i;
    }

  qsort (st->entries, n, sizeof *st->entries, compare_by_name);
  for (guint i = 0; i < n; i++)
    {
      st->entries[i].info.shape = st->entries[i].shape;   /* the entries moved */
      g_hash_table_insert (st->by_name, st->entries[i].name, &st->entries[i]);
    }
  return TRUE;
}

static PtSafetensors *
new_reader (const char *display)
{
  PtSafetensors *st = g_new0 (PtSafetensors, 1);
  st->display = g_strdup (display);
  st->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return st;
}

PtSafetensors *
pt_safetensors_open_bytes (GBytes     *bytes,
                           const char *what,
                           GError    **error)
{
  g_autoptr(PtSafetensors) st = NULL;
  gsize size = 0;
  const guint8 *data;

  g_return_val_if_fail (bytes != NULL, NULL);

  st = new_reader (what != NULL ? what : "safetensors data");
  st->bytes = g_bytes_ref (bytes);
  data = g_bytes_get_data (bytes, &size);
  if (!parse (st, data, size, error))
    return NULL;
  return g_steal_pointer (&st);
}

PtSafetensors *
pt_safetensors_open (const char *path,
                     GError    **error)
{
  g_autoptr(PtSafetensors) st = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  st = new_reader (display);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is a folder, not a safetensors file", display);
      return NULL;
    }
  st->mapped = g_mapped_file_new (path, FALSE, &local);
  if (st->mapped == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read %s: %s", display, local->message);
      return NULL;
    }
  if (!parse (st, (const guint8 *) g_mapped_file_get_contents (st->mapped),
              g_mapped_file_get_length (st->mapped), error))
    return NULL;
  return g_steal_pointer (&st);
}

const char *
pt_safetensors_path (const PtSafetensors *st)
{
  g_return_val_if_fail (st != NULL, NULL);
  return st->display;
}

guint
pt_safetensors_n_tensors (const PtSafetensors *st)
{
  g_return_val_if_fail (st != NULL, 0);
  return st->n_entries;
}

const PtStTensor *
pt_safetensors_tensor (const PtSafetensors *st,
                       guint                index)
{
  g_return_val_if_fail (st != NULL && index < st->n_entries, NULL);
  return &st->entries[index].info;
}

const PtStTensor *
pt_safetensors_find (const PtSafetensors *st,
                     const char          *name)
{
  Entry *e;

  g_return_val_if_fail (st != NULL && name != NULL, NULL);
  e = g_hash_table_lookup (st->by_name, name);
  return e != NULL ? &e->info : NULL;
}

const char *
pt_safetensors_metadata (const PtSafetensors *st,
                         const char          *key)
{
  g_return_val_if_fail (st != NULL && key != NULL, NULL);
  return g_hash_table_lookup (st->metadata, key);
}

static int
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char **
pt_safetensors_metadata_keys (const PtSafetensors *st)
{
  guint n = 0;
  char **keys;

  g_return_val_if_fail (st != NULL, NULL);
  keys = (char **) g_hash_table_get_keys_as_array (st->metadata, &n);
  for (guint i = 0; i < n; i++)
    keys[i] = g_strdup (keys[i]);
  qsort (keys, n, sizeof *keys, compare_strings);
  return keys;
}
