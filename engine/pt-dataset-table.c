/* pt-dataset-table.c — what Parquet and Arrow tables share: which column
 * fills which record field (the datasets library's names, or the user's
 * mapping), and rows of column values into records. */
#include "config.h"

#include <string.h>

#include "pt-dataset-private.h"
#include "pt-error.h"

/* Fields a mapping may name; "prefix" is a question used as it is. */
static const struct { const char *name; PtRecordField field; } mappable[] = {
  { "image", PT_FIELD_IMAGE },
  { "question", PT_FIELD_QUESTION },
  { "prefix", PT_FIELD_QUESTION },
  { "answer", PT_FIELD_ANSWER },
  { "suffix", PT_FIELD_ANSWER },
  { "answers", PT_FIELD_ANSWERS },
  { "question_type", PT_FIELD_QUESTION_TYPE },
  { "answer_type", PT_FIELD_ANSWER_TYPE },
  { "question_id", PT_FIELD_QUESTION_ID },
};

gboolean
pt_column_map_parse (const char  *spec,
                     PtColumnMap *map,
                     GError     **error)
{
  g_auto(GStrv) items = NULL;

  memset (map, 0, sizeof *map);
  if (spec == NULL || *spec == '\0')
    return TRUE;
  items = g_strsplit (spec, ",", -1);
  for (guint i = 0; items[i] != NULL; i++)
    {
      char *item = g_strstrip (items[i]);
      char *eq = strchr (item, '=');
      gboolean found = FALSE;
      if (*item == '\0')
        continue;
      if (eq == NULL || eq == item || eq[1] == '\0')
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "Column mapping “%s” is not FIELD=COLUMN (e.g. image=img,question=query,"
                       "answer=label)", item);
          return FALSE;
        }
      *eq = '\0';
      g_strstrip (item);
      for (guint k = 0; k < G_N_ELEMENTS (mappable); k++)
        if (strcmp (item, mappable[k].name) == 0)
          {
            PtRecordField f = mappable[k].field;
            g_free (map->column[f]);
            map->column[f] = g_strdup (g_strstrip (eq + 1));
            if (f == PT_FIELD_QUESTION)
              map->is_prefix = strcmp (item, "prefix") == 0;
            found = TRUE;
          }
      if (!found)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "Column mapping names the field “%s”; fields are image, question, prefix, "
                       "answer, suffix, answers, question_type, answer_type and question_id",
                       item);
          return FALSE;
        }
    }
  return TRUE;
}

void
pt_column_map_clear (PtColumnMap *map)
{
  for (guint f = 0; f < G_N_ELEMENTS (map->column); f++)
    g_clear_pointer (&map->column[f], g_free);
}

gboolean
pt_column_map_resolve (const PtColumnMap *map,
                       const char *const *names,
                       guint              n_names,
                       const char        *display,
                       int               *columns,
                       gboolean          *is_prefix,
                       GError           **error)
{
  int rank[PT_FIELD_OTHER];

  *is_prefix = FALSE;
  for (guint f = 0; f < PT_FIELD_OTHER; f++)
    {
      columns[f] = -1;
      rank[f] = G_MAXINT;
    }
  for (guint f = 0; f < PT_FIELD_OTHER; f++)
    if (map != NULL && map->column[f] != NULL)
      {
        for (guint c = 0; c < n_names; c++)
          if (strcmp (names[c], map->column[f]) == 0)
            columns[f] = (int) c;
        if (columns[f] < 0)
          {
            g_autofree char *all = g_strjoinv (", ", (char **) names);
            g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                         "%s has no column “%s” (its columns: %s)", display, map->column[f],
                         all);
            return FALSE;
          }
        rank[f] = -1;
        if (f == PT_FIELD_QUESTION)
          *is_prefix = map->is_prefix;
      }
  for (guint c = 0; c < n_names; c++)
    {
      int r;
      PtRecordField f = pt_record_field_lookup (names[c], FALSE, &r);
      if (f == PT_FIELD_OTHER || r >= rank[f])
        continue;
      /* a column the mapping gave to another field is not taken twice */
      if (map != NULL)
        {
          gboolean taken = FALSE;
          for (guint g = 0; g < PT_FIELD_OTHER; g++)
            taken |= columns[g] == (int) c && rank[g] < 0;
          if (taken)
            continue;
        }
      columns[f] = (int) c;
      rank[f] = r;
      if (f == PT_FIELD_QUESTION)
        *is_prefix = strcmp (names[c], "prefix") == 0;
    }
  if (columns[PT_FIELD_IMAGE] < 0 || columns[PT_FIELD_QUESTION] < 0
      || (columns[PT_FIELD_ANSWER] < 0 && columns[PT_FIELD_ANSWERS] < 0))
    {
      g_autofree char *all = g_strjoinv (", ", (char **) names);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s has no %s column (its columns: %s); name it with --columns, e.g. "
                   "--columns image=img,question=query,answer=label", display,
                   columns[PT_FIELD_IMAGE] < 0 ? "image"
                   : columns[PT_FIELD_QUESTION] < 0 ? "question (or prefix)"
                   : "answer (multiple_choice_answer, suffix or answers)", all);
      return FALSE;
    }
  return TRUE;
}

void
pt_dataset_add_table_rows (PtDataset            *ds,
                           guint                 file,
                           guint                 first_line,
                           guint                 n_rows,
                           PtColumnValues *const *fields,
                           gboolean              is_prefix,
                           const char           *base_dir,
                           PtRecordDraft        *d)
{
  for (guint r = 0; r < n_rows; r++)
    {
      PtColumnValues *v;
      pt_record_draft_reset (d);
      if ((v = fields[PT_FIELD_IMAGE]) != NULL && pt_column_values_count (v, r) > 0)
        {
          d->has_image = TRUE;
          g_string_assign (d->image, pt_column_values_get (v, r, 0));
        }
      if ((v = fields[PT_FIELD_QUESTION]) != NULL && pt_column_values_count (v, r) > 0)
        {
          d->has_question = TRUE;
          d->is_prefix = is_prefix;
          g_string_assign (d->question, pt_column_values_get (v, r, 0));
        }
      if ((v = fields[PT_FIELD_ANSWER]) != NULL && pt_column_values_count (v, r) > 0)
        {
          d->has_answer = TRUE;
          g_string_assign (d->answer, pt_column_values_get (v, r, 0));
        }
      if ((v = fields[PT_FIELD_QUESTION_TYPE]) != NULL && pt_column_values_count (v, r) > 0)
        {
          d->has_question_type = TRUE;
          g_string_assign (d->question_type, pt_column_values_get (v, r, 0));
        }
      if ((v = fields[PT_FIELD_ANSWER_TYPE]) != NULL && pt_column_values_count (v, r) > 0)
        {
          d->has_answer_type = TRUE;
          g_string_assign (d->answer_type, pt_column_values_get (v, r, 0));
        }
      if ((v = fields[PT_FIELD_QUESTION_ID]) != NULL && pt_column_values_count (v, r) > 0)
        {
          const char *s = pt_column_values_get (v, r, 0);
          char *end;
          gint64 id = g_ascii_strtoll (s, &end, 10);
          if (end != s && *end == '\0' && id >= 0)
            d->question_id = id;
        }
      if ((v = fields[PT_FIELD_ANSWERS]) != NULL)
        for (guint k = 0; k < pt_column_values_count (v, r); k++)
          {
            const char *a = pt_column_values_get (v, r, k);
            pt_record_draft_add_answer (d, a, strlen (a));
          }
      pt_dataset_add_draft (ds, d, file, first_line + r, base_dir);
    }
}
