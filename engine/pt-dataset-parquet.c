/* pt-dataset-parquet.c — a Parquet file's rows into dataset records.
 *
 * Columns as the datasets library writes them: strings, integers, the
 * Image feature as a struct {bytes: binary, path: string}, answers as a
 * list of strings or of structs {answer, answer_confidence, answer_id}
 * (or, from Sequence features, a struct of lists). The image bytes are not
 * read: each record's image is a reference to its cell (pt-embedded.h). */
#include "config.h"

#include <string.h>

#include "pt-dataset-private.h"
#include "pt-embedded.h"          /* pt_embedded_parquet_ref */
#include "pt-error.h"
#include "pt-parquet.h"

/* The leaves under top-level column name. */
static GArray *
leaves_of (PtParquetFile *f, const char *name)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (guint));

  for (guint l = 0; l < pt_parquet_get_n_leaves (f); l++)
    if (strcmp (pt_parquet_get_leaf (f, l)->parts[0], name) == 0)
      g_array_append_val (out, l);
  return out;
}

static gboolean
has_part (const PtParquetLeaf *leaf, const char *part)
{
  for (guint i = 1; leaf->parts[i] != NULL; i++)
    if (strcmp (leaf->parts[i], part) == 0)
      return TRUE;
  return FALSE;
}

typedef struct {
  int leaf;        /* the values' leaf, or -1 */
  int bytes_leaf;  /* image: the embedded bytes, or -1 */
} FieldLeaves;

static gboolean
choose_leaves (PtParquetFile *f, PtRecordField field, const char *name, FieldLeaves *out,
               GError **error)
{
  g_autoptr(GArray) ls = leaves_of (f, name);
  const PtParquetLeaf *leaf;

  out->leaf = out->bytes_leaf = -1;
  if (field == PT_FIELD_IMAGE)
    {
      for (guint i = 0; i < ls->len; i++)
        {
          guint l = g_array_index (ls, guint, i);
          leaf = pt_parquet_get_leaf (f, l);
          if (leaf->max_rep > 0)
            continue;
          if (leaf->type == PT_PARQUET_BYTE_ARRAY
              && (ls->len == 1 ? !leaf->is_string : has_part (leaf, "bytes")))
            out->bytes_leaf = (int) l;
          else if (leaf->type == PT_PARQUET_BYTE_ARRAY
                   && (ls->len == 1 || has_part (leaf, "path")))
            out->leaf = (int) l;
        }
      if (out->leaf < 0 && out->bytes_leaf < 0)
        goto unusable;
      return TRUE;
    }
  if (field == PT_FIELD_ANSWERS)
    {
      if (ls->len == 1)
        out->leaf = (int) g_array_index (ls, guint, 0);
      else
        for (guint i = 0; i < ls->len; i++)
          if (has_part (pt_parquet_get_leaf (f, g_array_index (ls, guint, i)), "answer"))
            out->leaf = (int) g_array_index (ls, guint, i);
      if (out->leaf < 0)
        goto unusable;
      return TRUE;
    }
  if (ls->len != 1 || pt_parquet_get_leaf (f, g_array_index (ls, guint, 0))->max_rep > 0)
    goto unusable;
  out->leaf = (int) g_array_index (ls, guint, 0);
  return TRUE;

unusable:
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
               "%s: column “%s” does not hold %s", pt_parquet_get_display (f), name,
               field == PT_FIELD_IMAGE ? "images (a path, bytes, or {bytes, path})"
               : field == PT_FIELD_ANSWERS ? "answers (a list of strings or of {answer, …})"
               : "one value per row");
  return FALSE;
}

gboolean
pt_parquet_read_dataset (PtDataset         *ds,
                         const char        *path,
                         const PtColumnMap *map,
                         GCancellable      *cancellable,
                         GError           **error)
{
  g_autoptr(PtParquetFile) f = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree char *file = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *display = NULL;
  int columns[PT_FIELD_OTHER];
  FieldLeaves leaves[PT_FIELD_OTHER];
  gboolean is_prefix;
  PtRecordDraft draft;
  guint file_index;
  gint64 line = 1;
  gboolean ok = TRUE;

  file = g_canonicalize_filename (path, NULL);
  dir = g_path_get_dirname (file);
  f = pt_parquet_open (file, error);
  if (f == NULL)
    return FALSE;
  display = g_strdup (pt_parquet_get_display (f));
  for (guint l = 0; l < pt_parquet_get_n_leaves (f); l++)
    {
      const char *top = pt_parquet_get_leaf (f, l)->parts[0];
      if (names->len == 0 || strcmp (names->pdata[names->len - 1], top) != 0)
        g_ptr_array_add (names, (gpointer) top);
    }
  g_ptr_array_add (names, NULL);
  if (!pt_column_map_resolve (map, (const char *const *) names->pdata, names->len - 1, display,
                              columns, &is_prefix, error))
    return FALSE;
  for (guint k = 0; k < PT_FIELD_OTHER; k++)
    {
      leaves[k].leaf = leaves[k].bytes_leaf = -1;
      if (columns[k] >= 0
          && !choose_leaves (f, (PtRecordField) k, names->pdata[columns[k]], &leaves[k], error))
        return FALSE;
    }
  if (pt_parquet_get_n_rows (f) > G_MAXINT32)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, "%s has more than 2³¹ rows", display);
      return FALSE;
    }

  file_index = pt_dataset_add_file (ds, display);
  pt_record_draft_init (&draft);
  for (guint g = 0; ok && g < pt_parquet_get_n_row_groups (f); g++)
    {
      PtColumnValues values[PT_FIELD_OTHER];
      PtColumnValues *fields[PT_FIELD_OTHER] = { NULL };
      PtColumnValues bytes;
      gint64 rows = pt_parquet_get_row_group_rows (f, g);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      pt_column_values_init (&bytes);
      for (guint k = 0; k < PT_FIELD_OTHER; k++)
        {
          pt_column_values_init (&values[k]);
          if (ok && leaves[k].leaf >= 0)
            {
              ok = pt_parquet_read_column (f, g, (guint) leaves[k].leaf, FALSE, &values[k], error);
              fields[k] = &values[k];
            }
        }
      if (ok && leaves[PT_FIELD_IMAGE].bytes_leaf >= 0)
        {
          /* which rows have bytes: the chunk's null count says so without
           * reading a page; otherwise the levels are decoded (no values) */
          guint l = (guint) leaves[PT_FIELD_IMAGE].bytes_leaf;
          const PtParquetChunk *c = pt_parquet_get_chunk (f, g, l);
          const PtParquetLeaf *leaf = pt_parquet_get_leaf (f, l);
          PtColumnValues *paths = fields[PT_FIELD_IMAGE];
          PtColumnValues *images = &values[PT_FIELD_IMAGE];
          PtColumnValues refs;
          gboolean all = c->null_count == 0;

          if (!all)
            ok = pt_parquet_read_column (f, g, l, TRUE, &bytes, error);
          pt_column_values_init (&refs);
          for (gint64 r = 0; ok && r < rows; r++)
            {
              if (all || pt_column_values_count (&bytes, (guint) r) > 0)
                {
                  g_autofree char *ref = pt_embedded_parquet_ref (file, c->start, c->length,
                                                                  c->codec, leaf->max_def, r);
                  pt_column_values_push (&refs, ref, strlen (ref));
                }
              else if (paths != NULL && pt_column_values_count (paths, (guint) r) > 0)
                {
                  const char *p = pt_column_values_get (paths, (guint) r, 0);
                  pt_column_values_push (&refs, p, strlen (p));
                }
              pt_column_values_end_row (&refs);
            }
          pt_column_values_clear (images);
          *images = refs;
          fields[PT_FIELD_IMAGE] = images;
        }
      if (ok)
        pt_dataset_add_table_rows (ds, file_index, (guint) line, (guint) rows, fields, is_prefix,
                                   dir, &draft);
      line += rows;
      for (guint k = 0; k < PT_FIELD_OTHER; k++)
        pt_column_values_clear (&values[k]);
      pt_column_values_clear (&bytes);
    }
  pt_record_draft_clear (&draft);
  return ok;
}
