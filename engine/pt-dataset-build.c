/* pt-dataset-build.c — how the readers fill a PtDataset: drafts, the arena,
 * images, problems, and the final checks (empty texts, duplicates). */
#include "config.h"

#include <stdarg.h>
#include <string.h>

#include "pt-dataset-private.h"
#include "pt-error.h"

/* ---- drafts ---- */

static const struct { const char *name; PtRecordField field; int rank; } field_names[] = {
  { "image", PT_FIELD_IMAGE, 0 },
  { "file_name", PT_FIELD_IMAGE, 1 },
  { "image_path", PT_FIELD_IMAGE, 2 },
  { "question", PT_FIELD_QUESTION, 0 },
  { "prefix", PT_FIELD_QUESTION, 1 },
  { "answer", PT_FIELD_ANSWER, 0 },
  { "multiple_choice_answer", PT_FIELD_ANSWER, 1 },
  { "suffix", PT_FIELD_ANSWER, 2 },
  { "answers", PT_FIELD_ANSWERS, 0 },
  { "question_type", PT_FIELD_QUESTION_TYPE, 0 },
  { "answer_type", PT_FIELD_ANSWER_TYPE, 0 },
  { "question_id", PT_FIELD_QUESTION_ID, 0 },
};

PtRecordField
pt_record_field_lookup (const char *name,
                        gboolean    ignore_case,
                        int        *rank)
{
  for (guint i = 0; i < G_N_ELEMENTS (field_names); i++)
    if (ignore_case ? g_ascii_strcasecmp (name, field_names[i].name) == 0
                    : name[0] == field_names[i].name[0] && strcmp (name, field_names[i].name) == 0)
      {
        *rank = field_names[i].rank;
        return field_names[i].field;
      }
  *rank = 0;
  return PT_FIELD_OTHER;
}

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

void
pt_dataset_add_problem_locked (PtDataset    *ds,
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
  pt_dataset_add_problem_locked (ds, file, line, record, kind, reason);
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
  pt_dataset_add_problem_locked (ds, file, line, (int) index, kind, reason);
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
      else if (g_path_is_absolute (rel) && strstr (rel, "/.") == NULL
               && strstr (rel, "//") == NULL)
        /* already canonical: Parquet/Arrow image references, absolute paths */
        slot.image = pt_dataset_add_image (ds, rel);
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
  ds->n_sorted = ds->problems->len;
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
      /* the answer is part of the key: records that differ only in their
       * answer are several annotators' answers, each kept as an example */
      g_string_append (key, pt_dataset_str (ds, r->question));
      g_string_append_c (key, '\x1f');
      g_string_append (key, pt_dataset_str (ds, r->answer));
      first = g_hash_table_lookup (seen, key->str);
      if (first != NULL)
        {
          PtRecordSlot *f = pt_dataset_slot (ds, GPOINTER_TO_UINT (first) - 1);
          if (f->file == r->file)
            pt_dataset_problem (ds, r->file, r->line, (int) i, PT_PROBLEM_DUPLICATE,
                                "duplicate of line %u (same image, question and answer)", f->line);
          else
            pt_dataset_problem (ds, r->file, r->line, (int) i, PT_PROBLEM_DUPLICATE,
                                "duplicate of %s line %u (same image, question and answer)",
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
