/* pt-dataset-csv.c — CSV and TSV with a header row (RFC 4180 quoting). */
#include "config.h"

#include <string.h>

#include "pt-dataset-private.h"
#include "pt-error.h"

/* ---- an incremental field splitter: one physical line at a time ---- */

typedef enum { S_START, S_UNQUOTED, S_QUOTED, S_QUOTED_QUOTE } State;

typedef struct {
  char       delim;
  State      state;
  GPtrArray *fields;     /* GString *, reused */
  guint      n;          /* fields of the current row */
  gsize      bytes;      /* of the current row */
} Splitter;

static GString *
current (Splitter *sp)
{
  if (sp->n == sp->fields->len)
    g_ptr_array_add (sp->fields, g_string_new (NULL));
  return sp->fields->pdata[sp->n];
}

static void
reset_row (Splitter *sp)
{
  sp->n = 0;
  sp->bytes = 0;
  sp->state = S_START;
  g_string_truncate (current (sp), 0);
}

static void
end_field (Splitter *sp)
{
  sp->n++;
  g_string_truncate (current (sp), 0);
}

/* Feeds one line (without its line break). TRUE when the row is complete;
 * FALSE inside a quoted field that continues on the next line. */
static gboolean
feed (Splitter *sp, const char *text, gsize len)
{
  GString *f = current (sp);
  const char *run = text;   /* start of a plain run appended in one go */
  const char *p = text, *end = text + len;

  sp->bytes += len + 1;
  for (; p < end; p++)
    {
      char c = *p;
      switch (sp->state)
        {
        case S_START:
          if (c == '"')
            {
              sp->state = S_QUOTED;
              run = p + 1;
              continue;
            }
          sp->state = S_UNQUOTED;
          run = p;
          G_GNUC_FALLTHROUGH;
        case S_UNQUOTED:
          if (c == sp->delim)
            {
              g_string_append_len (f, run, p - run);
              end_field (sp);
              f = current (sp);
              sp->state = S_START;
            }
          continue;
        case S_QUOTED:
          if (c == '"')
            {
              g_string_append_len (f, run, p - run);
              sp->state = S_QUOTED_QUOTE;
            }
          continue;
        case S_QUOTED_QUOTE:
          if (c == '"')
            {
              sp->state = S_QUOTED;      /* "" is one quote */
              run = p;
            }
          else if (c == sp->delim)
            {
              end_field (sp);
              f = current (sp);
              sp->state = S_START;
            }
          else
            {
              sp->state = S_UNQUOTED;    /* text after the closing quote: kept, as Python does */
              run = p;
            }
          continue;
        default:
          g_assert_not_reached ();
        }
    }
  switch (sp->state)
    {
    case S_QUOTED:
      g_string_append_len (f, run, p - run);
      g_string_append_c (f, '\n');
      return FALSE;
    case S_UNQUOTED:
      g_string_append_len (f, run, p - run);
      break;
    case S_START:
    case S_QUOTED_QUOTE:
    default:
      break;
    }
  end_field (sp);
  return TRUE;
}

/* ---- rows to records ---- */

typedef struct {
  PtDataset    *ds;
  guint         file;
  const char   *name;
  const char   *base_dir;
  Splitter      sp;
  gboolean      have_header;
  guint         n_columns;
  PtRecordField *fields;     /* per column */
  int          *ranks;
  PtRecordDraft draft;
  GString      *wrong;
} Reader;

static gboolean
header (Reader *r, guint lineno, GError **error)
{
  gboolean image = FALSE, question = FALSE, answer = FALSE;
  g_autoptr(GString) names = g_string_new (NULL);

  r->n_columns = r->sp.n;
  r->fields = g_new (PtRecordField, r->n_columns);
  r->ranks = g_new (int, r->n_columns);
  for (guint i = 0; i < r->n_columns; i++)
    {
      GString *f = r->sp.fields->pdata[i];
      g_autofree char *name = g_strstrip (g_utf8_make_valid (f->str, f->len));
      r->fields[i] = pt_record_field_lookup (name, TRUE, &r->ranks[i]);
      image |= r->fields[i] == PT_FIELD_IMAGE;
      question |= r->fields[i] == PT_FIELD_QUESTION;
      answer |= r->fields[i] == PT_FIELD_ANSWER || r->fields[i] == PT_FIELD_ANSWERS;
      if (i < 12)
        g_string_append_printf (names, "%s“%s”", i ? ", " : "", name);
    }
  if (!image || !question || !answer)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s: the header (line %u) has no %s column; its columns are %s%s", r->name, lineno,
                   !image ? "“image” (or “file_name”)"
                   : !question ? "“question” (or “prefix”)"
                   : "“answer” (or “multiple_choice_answer”, “suffix”, “answers”)",
                   names->str, r->n_columns > 12 ? ", …" : "");
      return FALSE;
    }
  r->have_header = TRUE;
  return TRUE;
}

static void
row (Reader *r, guint lineno)
{
  PtRecordDraft *d = &r->draft;
  guint used = r->sp.n;

  /* a trailing empty field (a delimiter at the end of every row) is tolerated */
  while (used > r->n_columns && ((GString *) r->sp.fields->pdata[used - 1])->len == 0)
    used--;
  if (used == 1 && r->n_columns > 1 && ((GString *) r->sp.fields->pdata[0])->len == 0)
    return;   /* a blank line */
  for (guint i = 0; i < used; i++)
    {
      GString *f = r->sp.fields->pdata[i];
      const char *bad;
      if (!g_utf8_validate_len (f->str, f->len, &bad))
        {
          pt_dataset_add_broken (r->ds, r->file, lineno, PT_PROBLEM_ENCODING,
                                 "not valid UTF-8 (byte 0x%02X in column %u); save the file as UTF-8",
                                 (guchar) *bad, i + 1);
          return;
        }
      if (memchr (f->str, '\0', f->len) != NULL)
        {
          pt_dataset_add_broken (r->ds, r->file, lineno, PT_PROBLEM_ENCODING,
                                 "a NUL byte in column %u", i + 1);
          return;
        }
    }
  if (used != r->n_columns)
    {
      pt_dataset_add_broken (r->ds, r->file, lineno, PT_PROBLEM_SYNTAX,
                             "the row has %u field%s; the header has %u", used, used == 1 ? "" : "s",
                             r->n_columns);
      return;
    }

  pt_record_draft_reset (d);
  g_string_truncate (r->wrong, 0);
  for (guint i = 0; i < used; i++)
    {
      GString *f = r->sp.fields->pdata[i];
      int rank = r->ranks[i];
      switch (r->fields[i])
        {
        case PT_FIELD_IMAGE:
          if (rank < d->image_rank && f->len > 0)
            {
              g_string_assign (d->image, f->str);
              g_strstrip (d->image->str);
              g_string_set_size (d->image, strlen (d->image->str));
              d->has_image = TRUE;
              d->image_rank = rank;
            }
          else if (!d->has_image)
            d->has_image = TRUE;   /* present but empty: "the image path is empty" */
          break;
        case PT_FIELD_QUESTION:
          if (rank < d->question_rank && (f->len > 0 || !d->has_question))
            {
              g_string_assign (d->question, f->str);
              d->has_question = TRUE;
              d->question_rank = f->len > 0 ? rank : G_MAXINT;
              d->is_prefix = rank == 1;
            }
          break;
        case PT_FIELD_ANSWER:
          if (rank < d->answer_rank && (f->len > 0 || !d->has_answer))
            {
              g_string_assign (d->answer, f->str);
              d->has_answer = TRUE;
              d->answer_rank = f->len > 0 ? rank : G_MAXINT;
            }
          break;
        case PT_FIELD_ANSWERS:
          if (f->len > 0 && f->str[0] == '[')
            pt_jsonl_parse_answers (d, f->str, f->len, r->wrong);
          else if (f->len > 0)
            pt_record_draft_add_answer (d, f->str, f->len);
          break;
        case PT_FIELD_QUESTION_TYPE:
          g_string_assign (d->question_type, f->str);
          d->has_question_type = f->len > 0;
          break;
        case PT_FIELD_ANSWER_TYPE:
          g_string_assign (d->answer_type, f->str);
          d->has_answer_type = f->len > 0;
          break;
        case PT_FIELD_QUESTION_ID:
          {
            gint64 id;
            if (g_ascii_string_to_signed (f->str, 10, 0, G_MAXINT64, &id, NULL))
              d->question_id = id;
          }
          break;
        case PT_FIELD_OTHER:
        default:
          break;
        }
    }
  /* an empty answer cell with an answers list: use the list */
  if (d->has_answer && d->answer->len == 0 && d->n_answers > 0)
    d->has_answer = FALSE;
  if (r->wrong->len > 0)
    pt_dataset_add_draft_with_problem (r->ds, d, r->file, lineno, r->base_dir,
                                       PT_PROBLEM_WRONG_TYPE, r->wrong->str);
  else
    pt_dataset_add_draft (r->ds, d, r->file, lineno, r->base_dir);
}

/* The delimiter with most occurrences outside quotes in the first line. */
static char
sniff_delimiter (const char *line, gsize len)
{
  guint commas = 0, semis = 0, tabs = 0;
  gboolean quoted = FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (line[i] == '"')
        quoted = !quoted;
      else if (!quoted)
        {
          commas += line[i] == ',';
          semis += line[i] == ';';
          tabs += line[i] == '\t';
        }
    }
  if (tabs > commas && tabs > semis)
    return '\t';
  return semis > commas ? ';' : ',';
}

static void
free_gstring (gpointer s)
{
  g_string_free (s, TRUE);
}

static gboolean
read_rows (PtDataset *ds, PtLineReader *lines, char delimiter, const char *name,
           const char *base_dir, GCancellable *cancellable, GError **error)
{
  Reader r = { 0 };
  const char *line;
  gsize len;
  guint lineno, row_line = 0;
  PtLineStatus st;
  gboolean ok = TRUE, in_row = FALSE, broken = FALSE;

  r.ds = ds;
  r.name = name;
  r.base_dir = base_dir;
  r.file = pt_dataset_add_file (ds, name);
  r.sp.delim = delimiter;
  r.sp.fields = g_ptr_array_new_with_free_func (free_gstring);
  pt_record_draft_init (&r.draft);
  r.wrong = g_string_new (NULL);

  while ((st = pt_line_reader_next (lines, &line, &len, &lineno, error)) != PT_LINE_EOF)
    {
      if (st == PT_LINE_ERROR)
        {
          ok = FALSE;
          break;
        }
      if (!in_row)
        {
          row_line = lineno;
          reset_row (&r.sp);
          broken = FALSE;
        }
      if (st == PT_LINE_TOO_LONG || r.sp.bytes + len > PT_DATASET_MAX_LINE)
        {
          if (!broken && r.have_header)
            pt_dataset_add_broken (ds, r.file, row_line, PT_PROBLEM_LINE_TOO_LONG,
                                   "the row is longer than %u MiB; skipped",
                                   PT_DATASET_MAX_LINE >> 20);
          else if (!r.have_header)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                           "%s: the header line is longer than %u MiB", name,
                           PT_DATASET_MAX_LINE >> 20);
              ok = FALSE;
              break;
            }
          /* resynchronise at the next line */
          in_row = FALSE;
          broken = TRUE;
          continue;
        }
      if (len > 0 && line[len - 1] == '\r')
        len--;
      if (!in_row && !r.have_header && r.sp.delim == 0)
        r.sp.delim = sniff_delimiter (line, len);
      if (!in_row && len == 0)
        continue;   /* blank line */
      in_row = !feed (&r.sp, line, len);
      if (in_row)
        continue;
      if (!r.have_header)
        {
          if (!header (&r, row_line, error))
            {
              ok = FALSE;
              break;
            }
        }
      else
        row (&r, row_line);
      if ((lineno & 4095) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
    }
  if (ok && in_row)
    {
      if (r.have_header)
        pt_dataset_add_broken (ds, r.file, row_line, PT_PROBLEM_SYNTAX,
                               "a quoted field is never closed (it runs to the end of the file)");
      else
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s: a quoted field in the header is never closed", name);
          ok = FALSE;
        }
    }
  if (ok && !r.have_header)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s has no header line", name);
      ok = FALSE;
    }
  g_ptr_array_unref (r.sp.fields);
  pt_record_draft_clear (&r.draft);
  g_string_free (r.wrong, TRUE);
  g_free (r.fields);
  g_free (r.ranks);
  return ok;
}

gboolean
pt_csv_read_file (PtDataset    *ds,
                  const char   *path,
                  char          delimiter,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_autoptr(PtLineReader) lines = pt_line_reader_new_file (path, error);
  g_autofree char *parent = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *display = NULL;

  if (lines == NULL)
    return FALSE;
  parent = g_path_get_dirname (path);
  dir = g_canonicalize_filename (parent, NULL);
  display = g_filename_display_name (path);
  return read_rows (ds, lines, delimiter, display, dir, cancellable, error);
}

gboolean
pt_csv_read_data (PtDataset  *ds,
                  const char *data,
                  gsize       length,
                  char        delimiter,
                  const char *name,
                  const char *base_dir,
                  GError    **error)
{
  g_autoptr(PtLineReader) lines = pt_line_reader_new_data (data, length);

  return read_rows (ds, lines, delimiter, name, base_dir, NULL, error);
}
