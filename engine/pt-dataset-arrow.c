/* pt-dataset-arrow.c — an Arrow IPC file's rows into dataset records, the
 * columns chosen as for Parquet (pt-dataset-table.c); image bytes stay in
 * the file (pt-embedded.h). */
#include "config.h"

#include "pt-arrow.h"
#include "pt-dataset-private.h"
#include "pt-error.h"

gboolean
pt_arrow_read_dataset (PtDataset         *ds,
                       const char        *path,
                       const PtColumnMap *map,
                       GCancellable      *cancellable,
                       GError           **error)
{
  g_autoptr(PtArrowFile) f = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autofree char *file = g_canonicalize_filename (path, NULL);
  g_autofree char *dir = g_path_get_dirname (file);
  int columns[PT_FIELD_OTHER];
  gboolean is_prefix, ok = TRUE;
  PtRecordDraft draft;
  guint file_index;
  gint64 line = 1, rows;
  GError *local = NULL;

  f = pt_arrow_open (file, error);
  if (f == NULL)
    return FALSE;
  for (guint c = 0; c < pt_arrow_get_n_columns (f); c++)
    g_ptr_array_add (names, (gpointer) pt_arrow_get_column_name (f, c));
  g_ptr_array_add (names, NULL);
  if (!pt_column_map_resolve (map, (const char *const *) names->pdata, names->len - 1,
                              pt_arrow_get_display (f), columns, &is_prefix, error))
    return FALSE;

  file_index = pt_dataset_add_file (ds, pt_arrow_get_display (f));
  pt_record_draft_init (&draft);
  while (ok && pt_arrow_next_batch (f, &rows, &local))
    {
      PtColumnValues values[PT_FIELD_OTHER];
      PtColumnValues *fields[PT_FIELD_OTHER] = { NULL };

      if (line + rows > G_MAXINT32)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, "%s has more than 2³¹ rows",
                       pt_arrow_get_display (f));
          ok = FALSE;
          break;
        }
      for (guint k = 0; k < PT_FIELD_OTHER; k++)
        {
          pt_column_values_init (&values[k]);
          if (!ok || columns[k] < 0)
            continue;
          fields[k] = &values[k];
          if (k == PT_FIELD_IMAGE)
            ok = pt_arrow_read_images (f, (guint) columns[k], file, &values[k], error);
          else
            ok = pt_arrow_read_column (f, (guint) columns[k],
                                       k == PT_FIELD_ANSWERS ? "answer" : NULL, &values[k], error);
        }
      if (ok)
        pt_dataset_add_table_rows (ds, file_index, (guint) line, (guint) rows, fields, is_prefix,
                                   dir, &draft);
      line += rows;
      for (guint k = 0; k < PT_FIELD_OTHER; k++)
        pt_column_values_clear (&values[k]);
      if (ok && g_cancellable_set_error_if_cancelled (cancellable, error))
        ok = FALSE;
    }
  pt_record_draft_clear (&draft);
  /* next_batch ends with FALSE: an error, or the end of the stream */
  if (local != NULL)
    {
      g_propagate_error (error, local);
      return FALSE;
    }
  return ok;
}
