/* pt-dataset.c — the compact record store: arena, records, problems, prompts. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>              /* qsort */
#include <string.h>

#include "pt-dataset-private.h"
#include "pt-error.h"

/* ---- drafts ---- */

void
pt_record_draft_init (PtRecordDraft *d)
{
  memset (d, 0, sizeof *d);
  d->image = g_string_new (NULL);
  d->question = g_string_new (NULL);
  d->answer = g_string_new (NULL);
  d->question_type = g_string_new (NULL);
  d->answer_type = g_string_new (NULL);
  d->answers = g_string_new (NULL);
  pt_record_draft_reset (d);
}

void
pt_record_draft_reset (PtRecordDraft *d)
{
  g_string_truncate (d->image, 0);
  g_string_truncate (d->question, 0);
  g_string_truncate (d->answer, 0);
  g_string_truncate (d->question_type, 0);
  g_string_truncate (d->answer_type, 0);
  g_string_truncate (d->answers, 0);
  d->n_answers = 0;
  d->has_image = d->has_question = d->has_answer = FALSE;
  d->has_question_type = d->has_answer_type = FALSE;
  d->is_prefix = FALSE;
  d->question_id = -1;
  d->answer_rank = d->question_rank = d->image_rank = G_MAXINT;
}

void
pt_record_draft_clear (PtRecordDraft *d)
{
  g_string_free (d->image, TRUE);
  g_string_free (d->question, TRUE);
  g_string_free (d->answer, TRUE);
  g_string_free (d->question_type, TRUE);
  g_string_free (d->answer_type, TRUE);
  g_string_free (d->answers, TRUE);
  memset (d, 0, sizeof *d);
}

void
pt_record_draft_add_answer (PtRecordDraft *d,
                            const char    *text,
                            gsize          length)
{
  g_string_append_len (d->answers, text, length);
  g_string_append_c (d->answers, '\0');
  d->n_answers++;
}

/* ---- building ---- */

PtDataset *
pt_dataset_new_building (PtDatasetFormat format,
                         const char     *path)
{
  PtDataset *ds = g_new0 (PtDataset, 1);

  g_atomic_ref_count_init (&ds->ref);
  ds->format = format;
  ds->path = g_strdup (path);
  ds->files = g_ptr_array_new_with_free_func (g_free);
  ds->arena_cap = 4096;
  ds->arena = g_malloc (ds->arena_cap);
  ds->arena[0] = '\0';
  ds->arena_len = 1;
  ds->records = g_array_new (FALSE, FALSE, sizeof (PtRecordSlot));
  ds->answers = g_array_new (FALSE, FALSE, sizeof (guint32));
  ds->images = g_array_new (FALSE, FALSE, sizeof (PtImageSlot));
  ds->problems = g_array_new (FALSE, FALSE, sizeof (PtProblemSlot));
  ds->notes = g_ptr_array_new_null_terminated (0, g_free, TRUE);
  g_mutex_init (&ds->lock);
  ds->image_index = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ds->interned = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ds->scratch = g_string_new (NULL);
  return ds;
}

guint
pt_dataset_add_file (PtDataset  *ds,
                     const char *name)
{
  g_ptr_array_add (ds->files, g_strdup (name));
  return ds->files->len - 1;
}

guint32
pt_dataset_add_string (PtDataset  *ds,
                       const char *text,
                       gsize       length)
{
  gsize offset;

  if (length == 0)
    return 0;
  if (ds->arena_len + length + 1 > G_MAXUINT32)
    {
      ds->failed_arena = TRUE;
      return 0;
    }
  if (ds->arena_len + length + 1 > ds->arena_cap)
    {
      while (ds->arena_len + length + 1 > ds->arena_cap)
        ds->arena_cap *= 2;
      ds->arena = g_realloc (ds->arena, ds->arena_cap);
    }
  offset = ds->arena_len;
  memcpy (ds->arena + offset, text, length);
  ds->arena[offset + length] = '\0';
  ds->arena_len += length + 1;
  return (guint32) offset;
}

/* Short strings that repeat (answers, types) are stored once. */
guint32
pt_dataset_intern (PtDataset  *ds,
                   const char *text,
                   gsize       length)
{
  gpointer found;
  guint32 offset;

  if (length == 0)
    return 0;
  if (length > 64 || ds->interned == NULL)
    return pt_dataset_add_string (ds, text, length);
  {
    char key[65];
    memcpy (key, text, length);
    key[length] = '\0';
    found = g_hash_table_lookup (ds->interned, key);
    if (found != NULL)
      return GPOINTER_TO_UINT (found) - 1;
    offset = pt_dataset_add_string (ds, text, length);
    g_hash_table_insert (ds->interned, g_strdup (key), GUINT_TO_POINTER (offset + 1));
  }
  return offset;
}

guint
pt_dataset_add_image (PtDataset  *ds,
                      const char *path)
{
  gpointer found = g_hash_table_lookup (ds->image_index, path);
  PtImageSlot slot = { 0 };

  if (found != NULL)
    return GPOINTER_TO_UINT (found) - 1;
  slot.path = pt_dataset_add_string (ds, path, strlen (path));
  slot.status = PT_IMAGE_UNCHECKED;
  slot.reason = PT_NO_STRING;
  g_array_append_val (ds->images, slot);
  g_hash_table_insert (ds->image_index, g_strdup (path), GUINT_TO_POINTER (ds->images->len));
  return ds->images->len - 1;
}

static void
add_problem_locked (PtDataset    *ds,
                    guint         file,
                    guint         line,
                    int           record,
                    PtProblemKind kind,
                    char         *reason)
{
  PtProblemSlot p = { file, line, record, kind, reason };

  g_array_append_val (ds->problems, p);
  if (record >= 0 && (guint) record < ds->records->len && pt_problem_kind_is_fatal (kind))
    {
      PtRecordSlot *slot = pt_dataset_slot (ds, record);
      if (g_atomic_int_compare_and_exchange (&slot->problem, PT_PROBLEM_NONE, (gint) kind)
          && ds->n_usable > 0)
        ds->n_usable--;
    }
}

void
pt_dataset_problem (PtDataset    *ds,
                    guint         file,
                    guint         line,
                    int           record,
                    PtProblemKind kind,
                    const char   *format,
                    ...)
{
  va_list args;
  char *reason;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  add_problem_locked (ds, file, line, record, kind, reason);
}

void
pt_dataset_note (PtDataset  *ds,
                 const char *format,
                 ...)
{
  va_list args;

  va_start (args, format);
  g_ptr_array_add (ds->notes, g_strdup_vprintf (format, args));
  va_end (args);
}

static guint32
draft_string (PtDataset *ds, gboolean has, GString *s, gboolean intern)
{
  if (!has)
    return PT_NO_STRING;
  return intern ? pt_dataset_intern (ds, s->str, s->len) : pt_dataset_add_string (ds, s->str, s->len);
}

/* The most common entry of the NUL-separated answers (first among ties). */
static const char *
most_common_answer (PtRecordDraft *d)
{
  const char *best = NULL;
  guint best_count = 0;
  const char *a = d->answers->str;

  for (guint i = 0; i < d->n_answers; i++, a += strlen (a) + 1)
    {
      const char *b = d->answers->str;
      guint count = 0;
      for (guint j = 0; j < d->n_answers; j++, b += strlen (b) + 1)
        count += strcmp (a, b) == 0;
      if (count > best_count)
        {
          best = a;
          best_count = count;
        }
    }
  return best;
}

guint
pt_dataset_add_draft (PtDataset     *ds,
                      PtRecordDraft *d,
                      guint          file,
                      guint          line,
                      const char    *base_dir)
{
  return pt_dataset_add_draft_with_problem (ds, d, file, line, base_dir, PT_PROBLEM_NONE, NULL);
}

guint
pt_dataset_add_broken (PtDataset    *ds,
                       guint         file,
                       guint         line,
                       PtProblemKind kind,
                       const char   *format,
                       ...)
{
  PtRecordSlot slot = { 0 };
  va_list args;
  char *reason;
  guint index = ds->records->len;

  slot.question = slot.answer = slot.question_type = slot.answer_type = PT_NO_STRING;
  slot.answers_first = ds->answers->len;
  slot.image = PT_NO_IMAGE;
  slot.line = line;
  slot.file = (guint16) MIN (file, G_MAXUINT16);
  slot.problem = PT_PROBLEM_NONE;
  slot.question_id = -1;
  g_array_append_val (ds->records, slot);
  ds->n_usable++;
  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);
  add_problem_locked (ds, file, line, (int) index, kind, reason);
  return index;
}

guint
pt_dataset_add_draft_with_problem (PtDataset     *ds,
                                   PtRecordDraft *d,
                                   guint          file,
                                   guint          line,
                                   const char    *base_dir,
                                   PtProblemKind  kind,
                                   const char    *reason)
{
  PtRecordSlot slot = { 0 };
  g_autoptr(GString) missing = g_string_new (NULL);
  guint index = ds->records->len;

  slot.line = line;
  slot.file = (guint16) MIN (file, G_MAXUINT16);
  slot.is_prefix = d->is_prefix;
  slot.question_id = d->question_id;
  slot.problem = PT_PROBLEM_NONE;
  slot.image = PT_NO_IMAGE;
  if (d->has_image && d->image->len > 0)
    {
      const char *rel = d->image->str;
      /* the common case, a plain relative path, needs no canonicalisation */
      if (base_dir != NULL && g_path_is_absolute (base_dir) && !g_path_is_absolute (rel)
          && rel[0] != '.' && strstr (rel, "/.") == NULL && strstr (rel, "//") == NULL
          && !g_str_has_suffix (rel, "/") && !g_str_has_suffix (base_dir, "/"))
        {
          g_string_truncate (ds->scratch, 0);
          g_string_append (ds->scratch, base_dir);
          g_string_append_c (ds->scratch, G_DIR_SEPARATOR);
          g_string_append (ds->scratch, rel);
          slot.image = pt_dataset_add_image (ds, ds->scratch->str);
        }
      else
        {
          g_autofree char *path = g_canonicalize_filename (rel, base_dir);
          slot.image = pt_dataset_add_image (ds, path);
        }
    }
  else
    g_string_append (missing, d->has_image ? "the image path is empty" : "no image (“image”)");

  if (!d->has_answer && d->n_answers > 0)
    {
      const char *a = most_common_answer (d);
      g_string_assign (d->answer, a);
      d->has_answer = TRUE;
    }
  slot.question = draft_string (ds, d->has_question, d->question, FALSE);
  slot.answer = draft_string (ds, d->has_answer, d->answer, TRUE);
  slot.question_type = draft_string (ds, d->has_question_type, d->question_type, TRUE);
  slot.answer_type = draft_string (ds, d->has_answer_type, d->answer_type, TRUE);
  slot.answers_first = ds->answers->len;
  slot.n_answers = d->n_answers;
  {
    const char *a = d->answers->str;
    for (guint i = 0; i < d->n_answers; i++)
      {
        gsize n = strlen (a);
        guint32 off = pt_dataset_intern (ds, a, n);
        g_array_append_val (ds->answers, off);
        a += n + 1;
      }
  }
  g_array_append_val (ds->records, slot);
  ds->n_usable++;

  if (!d->has_question)
    g_string_append_printf (missing, "%sno question (“question” or “prefix”)", missing->len ? ", " : "");
  if (!d->has_answer)
    g_string_append_printf (missing, "%sno answer (“answer”, “multiple_choice_answer”, “suffix” or “answers”)",
                            missing->len ? ", " : "");
  if (kind != PT_PROBLEM_NONE)
    pt_dataset_problem (ds, file, line, (int) index, kind, "%s", reason);
  else if (missing->len > 0)
    pt_dataset_problem (ds, file, line, (int) index, PT_PROBLEM_MISSING_FIELD, "%s", missing->str);
  return index;
}

static gboolean
is_blank (const char *s)
{
  if (s == NULL)
    return TRUE;
  for (; *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

static int
problem_cmp (gconstpointer a, gconstpointer b)
{
  const PtProblemSlot *x = a, *y = b;

  if (x->file != y->file)
    return x->file < y->file ? -1 : 1;
  if (x->line != y->line)
    return x->line < y->line ? -1 : 1;
  if (x->record != y->record)
    return x->record < y->record ? -1 : 1;
  return x->kind < y->kind ? -1 : x->kind > y->kind;
}

void
pt_dataset_sort_problems (PtDataset *ds)
{
  guint usable = 0;

  g_mutex_lock (&ds->lock);
  /* a stable order: qsort is not stable, so ties fall back to kind */
  g_array_sort (ds->problems, problem_cmp);
  for (guint i = 0; i < ds->records->len; i++)
    usable += g_atomic_int_get (&pt_dataset_slot (ds, i)->problem) == PT_PROBLEM_NONE;
  ds->n_usable = usable;
  g_mutex_unlock (&ds->lock);
}

gboolean
pt_dataset_finish (PtDataset *ds,
                   GError   **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GString) key = g_string_new (NULL);

  for (guint i = 0; i < ds->records->len; i++)
    {
      PtRecordSlot *r = pt_dataset_slot (ds, i);
      gpointer first;

      if (r->problem != PT_PROBLEM_NONE)
        continue;
      if (is_blank (pt_dataset_str (ds, r->question)))
        {
          pt_dataset_problem (ds, r->file, r->line, (int) i, PT_PROBLEM_EMPTY_QUESTION,
                              "the question is empty");
          continue;
        }
      if (is_blank (pt_dataset_str (ds, r->answer)))
        {
          pt_dataset_problem (ds, r->file, r->line, (int) i, PT_PROBLEM_EMPTY_ANSWER,
                              "the answer is empty");
          continue;
        }
      g_string_truncate (key, 0);
      {
        /* the image index in hex (no NUL bytes: the key is a C string) */
        char hex[9];
        for (int d = 0; d < 8; d++)
          hex[d] = "0123456789abcdef"[(r->image >> (28 - 4 * d)) & 15];
        hex[8] = '\x1f';
        g_string_append_len (key, hex, 9);
      }
      g_string_append (key, pt_dataset_str (ds, r->question));
      first = g_hash_table_lookup (seen, key->str);
      if (first != NULL)
        {
          PtRecordSlot *f = pt_dataset_slot (ds, GPOINTER_TO_UINT (first) - 1);
          if (f->file == r->file)
            pt_dataset_problem (ds, r->file, r->line, (int) i, PT_PROBLEM_DUPLICATE,
                                "duplicate of line %u (same image and question)", f->line);
          else
            pt_dataset_problem (ds, r->file, r->line, (int) i, PT_PROBLEM_DUPLICATE,
                                "duplicate of %s line %u (same image and question)",
                                (const char *) ds->files->pdata[f->file], f->line);
          continue;
        }
      g_hash_table_insert (seen, g_strdup (key->str), GUINT_TO_POINTER (i + 1));
    }

  g_clear_pointer (&ds->image_index, g_hash_table_unref);
  g_clear_pointer (&ds->interned, g_hash_table_unref);
  if (ds->scratch != NULL)
    {
      g_string_free (ds->scratch, TRUE);
      ds->scratch = NULL;
    }
  if (ds->arena_cap > ds->arena_len + 4096)
    {
      ds->arena = g_realloc (ds->arena, ds->arena_len);
      ds->arena_cap = ds->arena_len;
    }
  pt_dataset_sort_problems (ds);
  if (ds->failed_arena)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "%s: the dataset holds more than 4 GiB of text", ds->path);
      return FALSE;
    }
  return TRUE;
}

/* ---- reading ---- */

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

static const char *const format_names[] = { "auto", "jsonl", "csv", "tsv", "vqav2" };

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
    /* problems are sorted by (file, line, record) up to loader additions */
    guint lo = 0, hi = ds->problems->len;
    while (lo < hi)
      {
        guint mid = (lo + hi) / 2;
        const PtProblemSlot *p = &g_array_index (ds->problems, PtProblemSlot, mid);
        if (p->file < r->file || (p->file == r->file && p->line < r->line))
          lo = mid + 1;
        else
          hi = mid;
      }
    for (guint i = lo; i < ds->problems->len && reason == NULL; i++)
      {
        const PtProblemSlot *p = &g_array_index (ds->problems, PtProblemSlot, i);
        if (p->record != (int) index)
          continue;
        if (want != PT_PROBLEM_NONE && p->kind == want)
          reason = p->reason;
        else if (warning == NULL && !pt_problem_kind_is_fatal (p->kind))
          warning = p->reason;
      }
    /* loader failures are appended out of order */
    for (guint i = 0; i < lo && reason == NULL; i++)
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
    add_problem_locked (ds, file, line, record, kind, reason);
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
