/* pt-checkpoint-save.c — writing a Hugging Face model folder as
 * transformers 5.23's save_pretrained does (config.json,
 * generation_config.json, one file or shards with their index). */
#include "config.h"

#include <string.h>          /* strcmp, strlen */
#include <glib/gstdio.h>     /* g_unlink */

#include "pt-checkpoint.h"
#include "pt-error.h"        /* PT_ERROR */
#include "pt-json.h"         /* pt_json_to_string */

#define LM_HEAD "language_model.lm_head.weight"

/* The name transformers 5 writes for a canonical name: SigLIP without
 * "vision_model." (its save_pretrained keeps the flattened in-memory layout
 * there, and the legacy one elsewhere). */
static char *
stored_name (const char *canonical)
{
  if (g_str_has_prefix (canonical, "vision_tower.vision_model."))
    return g_strconcat ("vision_tower.", canonical + strlen ("vision_tower.vision_model."), NULL);
  return g_strdup (canonical);
}

typedef struct {
  const PtTensorRef *ref;
  char              *name;    /* stored name */
  guint              shard;
} Entry;

static void
clear_entry (gpointer data)
{
  g_free (((Entry *) data)->name);
}

static int
compare_entries (gconstpointer a, gconstpointer b)
{
  return strcmp (((const Entry *) a)->name, ((const Entry *) b)->name);
}

/* ---- saving a folder ----------------------------------------------------------- */

static char *
generation_config_json (const PtModelConfig *c)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "_from_model_config");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_set_member_name (b, "bos_token_id");
  json_builder_add_int_value (b, c->bos_token_id);
  json_builder_set_member_name (b, "eos_token_id");
  json_builder_add_int_value (b, c->eos_token_id);
  json_builder_set_member_name (b, "output_attentions");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "output_hidden_states");
  json_builder_add_boolean_value (b, FALSE);
  json_builder_set_member_name (b, "pad_token_id");
  json_builder_add_int_value (b, c->pad_token_id);
  json_builder_set_member_name (b, "transformers_version");
  json_builder_add_string_value (b, "5.23.0");
  json_builder_set_member_name (b, "use_cache");
  json_builder_add_boolean_value (b, TRUE);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return pt_json_to_string (root, TRUE);
}

static gboolean
write_text (const char *dir, const char *name, const char *text, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  return pt_file_write_atomic (path, text, strlen (text), error);
}

gboolean
pt_checkpoint_save (const char          *dir,
                    const PtModelConfig *config,
                    const PtTensorRef   *tensors,
                    guint                n_tensors,
                    guint64              max_shard_bytes,
                    GError             **error)
{
  g_autoptr(GPtrArray) shards = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_safetensors_writer_free);
  g_autoptr(GArray) entries = g_array_sized_new (FALSE, FALSE, sizeof (Entry), n_tensors);
  g_autofree char *config_json = NULL;
  g_autofree char *generation_json = NULL;
  guint64 shard_bytes = 0, total_bytes = 0, total_params = 0;

  g_return_val_if_fail (dir != NULL && config != NULL && (tensors != NULL || n_tensors == 0), FALSE);
  g_array_set_clear_func (entries, clear_entry);

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_autofree char *display = g_filename_display_name (dir);
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot create the folder %s", display);
      return FALSE;
    }

  /* the tensors under their stored names, sorted: transformers 5 fills the
   * shards greedily in name order */
  for (guint i = 0; i < n_tensors; i++)
    {
      Entry e = { &tensors[i], NULL, 0 };
      if (config->tie_word_embeddings && strcmp (tensors[i].name, LM_HEAD) == 0)
        continue;
      e.name = stored_name (tensors[i].name);
      g_array_append_val (entries, e);
    }
  g_array_sort (entries, compare_entries);
  for (guint i = 0; i < entries->len; i++)
    {
      Entry *e = &g_array_index (entries, Entry, i);
      const PtTensorRef *t = e->ref;
      guint64 n = 1, bytes;
      PtSafetensorsWriter *w;

      for (int d = 0; d < t->n_dims; d++)
        n *= t->shape[d] > 0 ? (guint64) t->shape[d] : 0;
      bytes = n * pt_st_dtype_size (t->dtype);
      if (shards->len == 0 || (max_shard_bytes > 0 && shard_bytes > 0 && shard_bytes + bytes > max_shard_bytes))
        {
          w = pt_safetensors_writer_new ();
          pt_safetensors_writer_set_metadata (w, "format", "pt");
          g_ptr_array_add (shards, w);
          shard_bytes = 0;
        }
      w = g_ptr_array_index (shards, shards->len - 1);
      if (!pt_safetensors_writer_add (w, e->name, t->dtype, t->n_dims, t->shape, t->data, error))
        return FALSE;
      e->shard = shards->len - 1;
      shard_bytes += bytes;
      total_bytes += bytes;
      total_params += n;
    }
  if (shards->len == 0)
    {
      PtSafetensorsWriter *w = pt_safetensors_writer_new ();
      pt_safetensors_writer_set_metadata (w, "format", "pt");
      g_ptr_array_add (shards, w);
    }

  if (shards->len == 1)
    {
      g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
      g_autofree char *stale = g_build_filename (dir, "model.safetensors.index.json", NULL);
      if (!pt_safetensors_writer_write (g_ptr_array_index (shards, 0), path, error))
        return FALSE;
      g_unlink (stale);
    }
  else
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autoptr(JsonNode) root = NULL;
      g_autofree char *index_json = NULL;

      for (guint s = 0; s < shards->len; s++)
        {
          g_autofree char *name = g_strdup_printf ("model-%05u-of-%05u.safetensors", s + 1, shards->len);
          g_autofree char *path = g_build_filename (dir, name, NULL);
          if (!pt_safetensors_writer_write (g_ptr_array_index (shards, s), path, error))
            return FALSE;
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "metadata");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "total_parameters");
      json_builder_add_int_value (b, (gint64) total_params);
      json_builder_set_member_name (b, "total_size");
      json_builder_add_int_value (b, (gint64) total_bytes);
      json_builder_end_object (b);
      /* weight_map sorted by name, as transformers writes it */
      json_builder_set_member_name (b, "weight_map");
      json_builder_begin_object (b);
      for (guint i = 0; i < entries->len; i++)
        {
          const Entry *e = &g_array_index (entries, Entry, i);
          g_autofree char *file = g_strdup_printf ("model-%05u-of-%05u.safetensors", e->shard + 1, shards->len);
          json_builder_set_member_name (b, e->name);
          json_builder_add_string_value (b, file);
        }
      json_builder_end_object (b);
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      index_json = pt_json_to_string (root, TRUE);
      if (!write_text (dir, "model.safetensors.index.json", index_json, error))
        return FALSE;
      {
        /* a single file would take precedence over the index when loading */
        g_autofree char *stale = g_build_filename (dir, "model.safetensors", NULL);
        g_unlink (stale);
      }
    }

  config_json = pt_model_config_to_json (config);
  generation_json = generation_config_json (config);
  return write_text (dir, "config.json", config_json, error)
         && write_text (dir, "generation_config.json", generation_json, error);
}
