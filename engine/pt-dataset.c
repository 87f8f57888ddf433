/* pt-dataset.c — reading the compact record store: records, problems, prompts. */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "pt-dataset-private.h"
#include "pt-error.h"

PtDataset *
pt_dataset_ref (PtDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  g_atomic_ref_count_inc (&ds->ref);
  return ds;
}

void
pt_dataset_unref (PtDataset *ds)
{
  if (ds == NULL || !g_atomic_ref_count_dec (&ds->ref))
    return;
  for (guint i = 0; i < ds->problems->len; i++)
    g_free (g_array_index (ds->problems, PtProblemSlot, i).reason);
  g_array_unref (ds->problems);
  g_array_unref (ds->records);
  g_array_unref (ds->answers);
  g_array_unref (ds->images);
  g_ptr_array_unref (ds->files);
  g_ptr_array_unref (ds->notes);
  g_clear_pointer (&ds->image_index, g_hash_table_unref);
  g_clear_pointer (&ds->interned, g_hash_table_unref);
  if (ds->scratch != NULL)
    g_string_free (ds->scratch, TRUE);
  g_mutex_clear (&ds->lock);
  g_free (ds->tokens);
  g_free (ds->split);
  g_strfreev (ds->splits);
  g_free (ds->arena);
  g_free (ds->path);
  g_free (ds);
}

PtDatasetFormat
pt_dataset_get_format (PtDataset *ds)
{
  g_return_val_if_fail (ds != NULL, PT_DATASET_FORMAT_AUTO);
  return ds->format;
}

const char *
pt_dataset_get_path (PtDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  return ds->path;
}

static const char *const format_names[] = { "auto", "jsonl", "csv", "tsv", "vqav2", "parquet",
                                            "arrow" };

const char *
pt_dataset_format_to_string (PtDatasetFormat format)
{
  g_return_val_if_fail ((guint) format < G_N_ELEMENTS (format_names), NULL);
  return format_names[format];
}

gboolean
pt_dataset_format_from_string (const char      *s,
                               PtDatasetFormat *format)
{
  for (guint i = 0; i < G_N_ELEMENTS (format_names); i++)
    if (g_ascii_strcasecmp (s, format_names[i]) == 0)
      {
        *format = (PtDatasetFormat) i;
        return TRUE;
      }
  if (g_ascii_strcasecmp (s, "vqa") == 0 || g_ascii_strcasecmp (s, "json") == 0)
    {
      *format = g_ascii_strcasecmp (s, "vqa") == 0 ? PT_DATASET_FORMAT_VQAV2 : PT_DATASET_FORMAT_JSONL;
      return TRUE;
    }
  return FALSE;
}

guint
pt_dataset_get_n_records (PtDataset *ds)
{
  g_return_val_if_fail (ds != NULL, 0);
  return ds->records->len;
}

void
pt_dataset_get_record (PtDataset *ds,
                       guint      index,
                       PtRecord  *out)
{
  const PtRecordSlot *r;

  g_return_if_fail (ds != NULL && index < ds->records->len && out != NULL);
  r = pt_dataset_slot (ds, index);
  memset (out, 0, sizeof *out);
  out->question = r->question == PT_NO_STRING ? "" : ds->arena + r->question;
  out->answer = r->answer == PT_NO_STRING ? "" : ds->arena + r->answer;
  out->question_type = pt_dataset_str (ds, r->question_type);
  out->answer_type = pt_dataset_str (ds, r->answer_type);
  out->n_answers = r->n_answers;
  out->is_prefix = r->is_prefix;
  out->question_id = r->question_id;
  out->file = r->file < ds->files->len ? ds->files->pdata[r->file] : ds->path;
  out->line = r->line;
  out->image_index = r->image == PT_NO_IMAGE ? G_MAXUINT : r->image;
  if (r->image != PT_NO_IMAGE)
    {
      const PtImageSlot *im = &g_array_index (ds->images, PtImageSlot, r->image);
      out->image = ds->arena + im->path;
      out->width = (int) im->width;
      out->height = (int) im->height;
    }
  out->problem = (PtProblemKind) g_atomic_int_get (&r->problem);
}

const char *
pt_dataset_get_answer (PtDataset *ds,
                       guint      index,
                       guint      k)
{
  const PtRecordSlot *r;

  g_return_val_if_fail (ds != NULL && index < ds->records->len, NULL);
  r = pt_dataset_slot (ds, index);
  g_return_val_if_fail (k < r->n_answers, NULL);
  return ds->arena + g_array_index (ds->answers, guint32, r->answers_first + k);
}

gboolean
pt_dataset_record_is_usable (PtDataset *ds,
                             guint      index)
{
  g_return_val_if_fail (ds != NULL && index < ds->records->len, FALSE);
  return g_atomic_int_get (&pt_dataset_slot (ds, index)->problem) == PT_PROBLEM_NONE;
}

char *
pt_dataset_get_record_reason (PtDataset *ds,
                              guint      index)
{
  const PtRecordSlot *r;
  char *warning = NULL;
  char *reason = NULL;
  PtProblemKind want;

  g_return_val_if_fail (ds != NULL && index < ds->records->len, NULL);
  r = pt_dataset_slot (ds, index);
  want = (PtProblemKind) g_atomic_int_get (&r->problem);
  g_mutex_lock (&ds->lock);
  {
    /* problems[0, n_sorted) are sorted by (file, line, record): binary search for the record's */
    guint lo = 0, hi = ds->n_sorted;
    while (lo < hi)
      {
        guint mid = (lo + hi) / 2;
        const PtProblemSlot *p = &g_array_index (ds->problems, PtProblemSlot, mid);
        if (p->file < r->file || (p->file == r->file && p->line < r->line)
            || (p->file == r->file && p->line == r->line && p->record < (int) index))
          lo = mid + 1;
        else
          hi = mid;
      }
    for (guint i = lo; i < ds->n_sorted && reason == NULL; i++)
      {
        const PtProblemSlot *p = &g_array_index (ds->problems, PtProblemSlot, i);
        if (p->file != r->file || p->line != r->line || p->record != (int) index)
          break;
        if (want != PT_PROBLEM_NONE && p->kind == want)
          reason = p->reason;
        else if (warning == NULL && !pt_problem_kind_is_fatal (p->kind))
          warning = p->reason;
      }
    /* then the loader's failures, appended in no order */
    for (guint i = ds->n_sorted; i < ds->problems->len && reason == NULL; i++)
      {
        const PtProblemSlot *p = &g_array_index (ds->problems, PtProblemSlot, i);
        if (p->record == (int) index && want != PT_PROBLEM_NONE && p->kind == want)
          reason = p->reason;
      }
  }
  reason = g_strdup (reason != NULL ? reason : warning);
  g_mutex_unlock (&ds->lock);
  return reason;
}

guint
pt_dataset_get_n_usable (PtDataset *ds)
{
  guint n;

  g_return_val_if_fail (ds != NULL, 0);
  g_mutex_lock (&ds->lock);
  n = ds->n_usable;
  g_mutex_unlock (&ds->lock);
  return n;
}

guint *
pt_dataset_get_usable (PtDataset *ds,
                       guint     *n_usable)
{
  guint *out;
  guint n = 0;

  g_return_val_if_fail (ds != NULL && n_usable != NULL, NULL);
  out = g_new (guint, MAX (ds->records->len, 1));
  for (guint i = 0; i < ds->records->len; i++)
    if (g_atomic_int_get (&pt_dataset_slot (ds, i)->problem) == PT_PROBLEM_NONE)
      out[n++] = i;
  *n_usable = n;
  return out;
}

guint
pt_dataset_get_n_images (PtDataset *ds)
{
  g_return_val_if_fail (ds != NULL, 0);
  return ds->images->len;
}

const char *
pt_dataset_get_image_path (PtDataset *ds,
                           guint      image_index)
{
  g_return_val_if_fail (ds != NULL && image_index < ds->images->len, NULL);
  return ds->arena + g_array_index (ds->images, PtImageSlot, image_index).path;
}

guint
pt_dataset_get_n_problems (PtDataset *ds)
{
  guint n;

  g_return_val_if_fail (ds != NULL, 0);
  g_mutex_lock (&ds->lock);
  n = ds->problems->len;
  g_mutex_unlock (&ds->lock);
  return n;
}

gboolean
pt_dataset_get_problem (PtDataset *ds,
                        guint      index,
                        PtProblem *out)
{
  gboolean ok = FALSE;

  g_return_val_if_fail (ds != NULL && out != NULL, FALSE);
  g_mutex_lock (&ds->lock);
  if (index < ds->problems->len)
    {
      const PtProblemSlot *p = &g_array_index (ds->problems, PtProblemSlot, index);
      out->file = p->file < ds->files->len ? ds->files->pdata[p->file] : ds->path;
      out->line = p->line;
      out->record = p->record;
      out->kind = p->kind;
      out->reason = p->reason;
      ok = TRUE;
    }
  g_mutex_unlock (&ds->lock);
  return ok;
}

void
pt_dataset_add_problem (PtDataset    *ds,
                        int           record,
                        PtProblemKind kind,
                        const char   *format,
                        ...)
{
  va_list args;
  char *reason;
  guint file = 0, line = 0;

  g_return_if_fail (ds != NULL && (record < 0 || (guint) record < ds->records->len));
  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  if (record >= 0)
    {
      file = pt_dataset_slot (ds, record)->file;
      line = pt_dataset_slot (ds, record)->line;
    }
  g_mutex_lock (&ds->lock);
  /* a record that fails every epoch is reported once */
  if (record >= 0 && kind == PT_PROBLEM_LOAD_FAILED
      && g_atomic_int_get (&pt_dataset_slot (ds, record)->problem) == PT_PROBLEM_LOAD_FAILED)
    g_free (reason);
  else
    pt_dataset_add_problem_locked (ds, file, line, record, kind, reason);
  g_mutex_unlock (&ds->lock);
}

gboolean
pt_problem_kind_is_fatal (PtProblemKind kind)
{
  return kind > PT_PROBLEM_NONE && kind < PT_PROBLEM_TEXT_TOO_LONG;
}

static const char *const kind_names[PT_PROBLEM_N_KINDS] = {
  "none", "syntax", "encoding", "line-too-long", "missing-field", "wrong-type",
  "empty-question", "empty-answer", "duplicate", "image-missing", "image-unreadable",
  "image-undecodable", "tokens-over-limit", "load-failed", "text-too-long", "note",
};

const char *
pt_problem_kind_to_string (PtProblemKind kind)
{
  g_return_val_if_fail ((guint) kind < PT_PROBLEM_N_KINDS, NULL);
  return kind_names[kind];
}

const char *const *
pt_dataset_get_notes (PtDataset *ds)
{
  static const char *const none[] = { NULL };

  g_return_val_if_fail (ds != NULL, NULL);
  if (ds->notes->len == 0)
    return none;
  return (const char *const *) ds->notes->pdata;
}

gsize
pt_dataset_get_memory_size (PtDataset *ds)
{
  gsize n;

  g_return_val_if_fail (ds != NULL, 0);
  n = sizeof *ds + ds->arena_cap
      + ds->records->len * sizeof (PtRecordSlot)
      + ds->answers->len * sizeof (guint32)
      + ds->images->len * sizeof (PtImageSlot)
      + (ds->tokens != NULL ? ds->records->len * sizeof (guint16) : 0);
  g_mutex_lock (&ds->lock);
  n += ds->problems->len * sizeof (PtProblemSlot);
  for (guint i = 0; i < ds->problems->len; i++)
    n += strlen (g_array_index (ds->problems, PtProblemSlot, i).reason) + 1;
  g_mutex_unlock (&ds->lock);
  return n;
}

/* ---- prompts ---- */

static const char *const templates[] = { "answer {question}", "answer en {question}", NULL };

const char *const *
pt_prompt_templates (void)
{
  return templates;
}

char *
pt_prompt_apply (const char *template_,
                 const char *question)
{
  GString *out = g_string_new (NULL);
  const char *t = template_ != NULL ? template_ : templates[0];
  const char *hit;

  g_return_val_if_fail (question != NULL, NULL);
  if (strstr (t, "{question}") == NULL)
    {
      /* no placeholder: the question follows after a space */
      g_string_append (out, t);
      if (out->len > 0 && *question != '\0')
        g_string_append_c (out, ' ');
      g_string_append (out, question);
      return g_string_free (out, FALSE);
    }
  while ((hit = strstr (t, "{question}")) != NULL)
    {
      g_string_append_len (out, t, hit - t);
      g_string_append (out, question);
      t = hit + strlen ("{question}");
    }
  g_string_append (out, t);
  return g_string_free (out, FALSE);
}

char *
pt_dataset_get_prompt (PtDataset  *ds,
                       guint       index,
                       const char *template_)
{
  PtRecord r;

  g_return_val_if_fail (ds != NULL && index < ds->records->len, NULL);
  pt_dataset_get_record (ds, index, &r);
  if (r.is_prefix)
    return g_strdup (r.question);
  return pt_prompt_apply (template_, r.question);
}

const char *
pt_dataset_get_split (PtDataset *ds)
{
  g_return_val_if_fail (ds != NULL, NULL);
  return ds->split;
}

const char *const *
pt_dataset_get_splits (PtDataset *ds)
{
  static const char *const none[] = { NULL };

  g_return_val_if_fail (ds != NULL, NULL);
  return ds->splits != NULL ? (const char *const *) ds->splits : none;
}
