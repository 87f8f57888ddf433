/* pt-dataset-jsonl.c — JSON Lines: one record object per line. */
#include "config.h"

#include <string.h>

#include "pt-dataset-private.h"
#include "pt-error.h"
#include "pt-json-scan.h"        /* PtJsonScan */

typedef struct {
  PtDataset    *ds;
  guint         file;
  const char   *base_dir;
  PtRecordDraft draft;
  GString      *key;
  GString      *wrong;       /* wrong-type complaints for the current line */
} Reader;

static void
complain (Reader *r, const char *key, PtJsonType type, const char *wanted)
{
  g_string_append_printf (r->wrong, "%s“%s” is %s, not %s", r->wrong->len ? "; " : "", key,
                          pt_json_type_name (type), wanted);
}

/* A string value, null (absent) or a complaint. TRUE if a string was read. */
static gboolean
text_value (Reader *r, PtJsonScan *s, const char *key, GString *out)
{
  PtJsonType t = pt_json_scan_peek (s);

  if (t == PT_JSON_STRING)
    {
      g_string_truncate (out, 0);
      return pt_json_scan_string (s, out);
    }
  if (t != PT_JSON_NULL && t != PT_JSON_END && t != PT_JSON_INVALID)
    complain (r, key, t, "a string");
  pt_json_scan_skip (s);
  return FALSE;
}

/* "image": a path, or {"path": …, "bytes": …} as datasets writes an Image. */
static gboolean
image_value (Reader *r, PtJsonScan *s, GString *out)
{
  g_autoptr(GString) k = NULL;
  gboolean has_path = FALSE, has_bytes = FALSE;
  guint n = 0;

  if (pt_json_scan_peek (s) != PT_JSON_OBJECT)
    return text_value (r, s, "image", out);
  k = g_string_new (NULL);
  pt_json_scan_object_begin (s);
  while (pt_json_scan_object_next (s, &n, k))
    {
      if (strcmp (k->str, "path") == 0 && pt_json_scan_peek (s) == PT_JSON_STRING)
        {
          g_string_truncate (out, 0);
          has_path = pt_json_scan_string (s, out);
        }
      else
        {
          if (strcmp (k->str, "bytes") == 0 && pt_json_scan_peek (s) != PT_JSON_NULL)
            has_bytes = TRUE;
          pt_json_scan_skip (s);
        }
    }
  if (!has_path && !pt_json_scan_failed (s))
    g_string_append_printf (r->wrong, "%s“image” %s", r->wrong->len ? "; " : "",
                            has_bytes ? "holds embedded image bytes (save the images to files "
                                        "and give their paths)"
                                      : "is an object without a “path”");
  return has_path;
}

/* "answers": ["a", …] or [{"answer": "a", …}, …]. */
static void
answers_value (Reader *r, PtJsonScan *s)
{
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GString) k = g_string_new (NULL);
  PtJsonType t = pt_json_scan_peek (s);
  guint n = 0;
  gboolean bad = FALSE;

  if (t != PT_JSON_ARRAY)
    {
      if (t != PT_JSON_NULL && t != PT_JSON_END && t != PT_JSON_INVALID)
        complain (r, "answers", t, "a list");
      pt_json_scan_skip (s);
      return;
    }
  pt_json_scan_array_begin (s);
  while (pt_json_scan_array_next (s, &n))
    {
      t = pt_json_scan_peek (s);
      g_string_truncate (text, 0);
      if (t == PT_JSON_STRING)
        {
          if (pt_json_scan_string (s, text))
            pt_record_draft_add_answer (&r->draft, text->str, text->len);
        }
      else if (t == PT_JSON_OBJECT)
        {
          guint m = 0;
          gboolean found = FALSE;
          pt_json_scan_object_begin (s);
          while (pt_json_scan_object_next (s, &m, k))
            {
              if (!found && strcmp (k->str, "answer") == 0 && pt_json_scan_peek (s) == PT_JSON_STRING)
                found = pt_json_scan_string (s, text);
              else
                pt_json_scan_skip (s);
            }
          if (found)
            pt_record_draft_add_answer (&r->draft, text->str, text->len);
          else
            bad = TRUE;
        }
      else
        {
          bad = TRUE;
          pt_json_scan_skip (s);
        }
    }
  if (bad && !pt_json_scan_failed (s))
    g_string_append_printf (r->wrong, "%s“answers” must hold strings or {\"answer\": …} objects",
                            r->wrong->len ? "; " : "");
}

gboolean
pt_jsonl_parse_answers (PtRecordDraft *draft,
                        const char    *text,
                        gsize          length,
                        GString       *complaint)
{
  Reader r = { NULL, 0, NULL, { 0 }, NULL, complaint };
  PtJsonScan s;

  r.draft = *draft;
  pt_json_scan_init (&s, text, length, 1);
  answers_value (&r, &s);
  if (!pt_json_scan_failed (&s) && pt_json_scan_peek (&s) != PT_JSON_END)
    pt_json_scan_fail (&s, "text after the list");
  *draft = r.draft;
  if (pt_json_scan_failed (&s))
    {
      g_string_append_printf (complaint, "%s“answers” is not a valid JSON list (column %u: %s)",
                              complaint->len ? "; " : "", (guint) (s.error_at - text) + 1, s.error);
      return FALSE;
    }
  return complaint->len == 0;
}

static void
record_line (Reader *r, const char *line, gsize len, guint lineno)
{
  PtRecordDraft *d = &r->draft;
  PtJsonScan s;
  const char *bad = NULL;
  guint n = 0;

  /* blank lines (and a lone "\r") are not records */
  while (len > 0 && g_ascii_isspace (line[len - 1]))
    len--;
  while (len > 0 && g_ascii_isspace (*line))
    {
      line++;
      len--;
    }
  if (len >= 3 && memcmp (line, "\xEF\xBB\xBF", 3) == 0)
    {
      /* a BOM inside the file: files joined with cat */
      line += 3;
      len -= 3;
    }
  if (len == 0)
    return;

  if (!g_utf8_validate_len (line, len, &bad))
    {
      pt_dataset_add_broken (r->ds, r->file, lineno, PT_PROBLEM_ENCODING,
                             "not valid UTF-8 (byte 0x%02X at column %u); save the file as UTF-8",
                             (guchar) *bad, (guint) (bad - line) + 1);
      return;
    }
  pt_record_draft_reset (d);
  g_string_truncate (r->wrong, 0);
  pt_json_scan_init (&s, line, len, lineno);
  s.utf8_valid = TRUE;
  if (pt_json_scan_peek (&s) != PT_JSON_OBJECT)
    {
      g_autofree char *start = g_utf8_make_valid (line, MIN (len, 20));
      pt_dataset_add_broken (r->ds, r->file, lineno, PT_PROBLEM_SYNTAX,
                             "not a JSON object (the line starts with “%s”)", start);
      return;
    }
  pt_json_scan_object_begin (&s);
  while (pt_json_scan_object_next (&s, &n, r->key))
    {
      int rank;
      switch (pt_record_field_lookup (r->key->str, FALSE, &rank))
        {
        case PT_FIELD_IMAGE:
          if (rank < d->image_rank)
            {
              d->has_image = image_value (r, &s, d->image);
              if (d->has_image)
                d->image_rank = rank;
            }
          else
            pt_json_scan_skip (&s);
          break;
        case PT_FIELD_QUESTION:
          if (rank < d->question_rank)
            {
              d->has_question = text_value (r, &s, r->key->str, d->question);
              if (d->has_question)
                {
                  d->question_rank = rank;
                  d->is_prefix = rank == 1;
                }
            }
          else
            pt_json_scan_skip (&s);
          break;
        case PT_FIELD_ANSWER:
          if (rank < d->answer_rank)
            {
              d->has_answer = text_value (r, &s, r->key->str, d->answer);
              if (d->has_answer)
                d->answer_rank = rank;
            }
          else
            pt_json_scan_skip (&s);
          break;
        case PT_FIELD_QUESTION_TYPE:
          d->has_question_type = text_value (r, &s, "question_type", d->question_type);
          break;
        case PT_FIELD_ANSWER_TYPE:
          d->has_answer_type = text_value (r, &s, "answer_type", d->answer_type);
          break;
        case PT_FIELD_ANSWERS:
          d->n_answers = 0;
          g_string_truncate (d->answers, 0);
          answers_value (r, &s);
          break;
        case PT_FIELD_QUESTION_ID:
          if (pt_json_scan_peek (&s) == PT_JSON_NUMBER)
            {
              gint64 id;
              const char *at = s.p;
              if (pt_json_scan_int64 (&s, &id))
                d->question_id = id;
              else if (s.error_at == at)
                {
                  /* a fraction or an out-of-range number: not an id, but valid JSON */
                  s.error = NULL;
                  pt_json_scan_skip (&s);
                }
            }
          else
            pt_json_scan_skip (&s);
          break;
        case PT_FIELD_OTHER:
        default:
          pt_json_scan_skip (&s);
          break;
        }
    }
  if (!pt_json_scan_failed (&s) && pt_json_scan_peek (&s) != PT_JSON_END)
    pt_json_scan_fail (&s, "text after the end of the object (one object per line)");
  if (pt_json_scan_failed (&s))
    {
      pt_dataset_add_broken (r->ds, r->file, lineno, PT_PROBLEM_SYNTAX, "invalid JSON at column %u: %s",
                             (guint) (s.error_at - line) + 1, s.error);
      return;
    }
  if (r->wrong->len > 0)
    pt_dataset_add_draft_with_problem (r->ds, d, r->file, lineno, r->base_dir,
                                       PT_PROBLEM_WRONG_TYPE, r->wrong->str);
  else
    pt_dataset_add_draft (r->ds, d, r->file, lineno, r->base_dir);
}

static gboolean
read_lines (PtDataset *ds, PtLineReader *lines, const char *name, const char *base_dir,
            GCancellable *cancellable, GError **error)
{
  Reader r = { ds, 0, base_dir, { 0 }, NULL, NULL };
  const char *line;
  gsize len;
  guint lineno;
  PtLineStatus st;
  gboolean ok = TRUE;

  r.file = pt_dataset_add_file (ds, name);
  pt_record_draft_init (&r.draft);
  r.key = g_string_new (NULL);
  r.wrong = g_string_new (NULL);
  while ((st = pt_line_reader_next (lines, &line, &len, &lineno, error)) != PT_LINE_EOF)
    {
      if (st == PT_LINE_ERROR)
        {
          ok = FALSE;
          break;
        }
      if (st == PT_LINE_TOO_LONG)
        pt_dataset_add_broken (ds, r.file, lineno, PT_PROBLEM_LINE_TOO_LONG,
                               "the line is %.1f MiB long (at most %u MiB); skipped",
                               len / 1048576.0, PT_DATASET_MAX_LINE >> 20);
      else
        record_line (&r, line, len, lineno);
      if ((lineno & 4095) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
    }
  pt_record_draft_clear (&r.draft);
  g_string_free (r.key, TRUE);
  g_string_free (r.wrong, TRUE);
  return ok;
}

gboolean
pt_jsonl_read_file (PtDataset    *ds,
                    const char   *path,
                    GCancellable *cancellable,
                    GError      **error)
{
  g_autoptr(PtLineReader) lines = pt_line_reader_new_file (path, error);
  g_autofree char *dir = NULL;
  g_autofree char *display = NULL;

  if (lines == NULL)
    return FALSE;
  display = g_filename_display_name (path);
  {
    g_autofree char *parent = g_path_get_dirname (path);
    dir = g_canonicalize_filename (parent, NULL);
  }
  return read_lines (ds, lines, display, dir, cancellable, error);
}

gboolean
pt_jsonl_read_data (PtDataset  *ds,
                    const char *data,
                    gsize       length,
                    const char *name,
                    const char *base_dir)
{
  g_autoptr(PtLineReader) lines = pt_line_reader_new_data (data, length);

  return read_lines (ds, lines, name, base_dir, NULL, NULL);
}
