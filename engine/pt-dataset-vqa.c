/* pt-dataset-vqa.c — the official VQAv2 layout: questions + annotations JSON
 * and the COCO image folder (COCO_val2014_000000000042.jpg). */
#include "config.h"

#include <string.h>

#include "pt-dataset-private.h"
#include "pt-error.h"
#include "pt-json-scan.h"        /* PtJsonScan */

/* A question, and its annotation once matched. */
typedef struct {
  gint64  image_id;
  gint64  question_id;
  guint32 question;          /* arena offset */
  guint32 line;
  guint32 answer;            /* PT_NO_STRING until annotated */
  guint32 question_type;
  guint32 answer_type;
  guint32 answers_first;
  guint32 n_answers;
  guint8  has_image_id;
  guint8  has_question;
  guint8  annotated;
  guint8  broken;            /* PtProblemKind found in the questions file */
  char   *reason;
} Question;

typedef struct {
  PtDataset  *ds;
  GArray     *questions;     /* Question */
  GHashTable *by_id;         /* &question_id → index + 1 */
  char       *subtype;       /* "val2014" … from data_subtype */
  guint       qfile, afile;
  GString    *key;
  GString    *text;
} Reader;

static void
clear_question (gpointer p)
{
  g_free (((Question *) p)->reason);
}

static void
set_reason (Question *q, PtProblemKind kind, char *reason)
{
  if (q->broken)
    {
      g_free (reason);
      return;
    }
  q->broken = (guint8) kind;
  q->reason = reason;
}

/* One element of "questions". */
static void
question_object (Reader *r, PtJsonScan *s)
{
  Question q = { 0 };
  guint n = 0;

  q.answer = q.question_type = q.answer_type = PT_NO_STRING;
  q.question = PT_NO_STRING;
  q.question_id = -1;
  q.line = s->line;
  if (pt_json_scan_peek (s) != PT_JSON_OBJECT)
    {
      PtJsonType t = pt_json_scan_peek (s);
      if (!pt_json_scan_skip (s))
        return;
      set_reason (&q, PT_PROBLEM_WRONG_TYPE,
                  g_strdup_printf ("a question is %s, not an object", pt_json_type_name (t)));
      g_array_append_val (r->questions, q);
      return;
    }
  pt_json_scan_object_begin (s);
  while (pt_json_scan_object_next (s, &n, r->key))
    {
      const char *k = r->key->str;
      PtJsonType t = pt_json_scan_peek (s);
      if (strcmp (k, "image_id") == 0 && t == PT_JSON_NUMBER)
        q.has_image_id = pt_json_scan_int64 (s, &q.image_id);
      else if (strcmp (k, "question_id") == 0 && t == PT_JSON_NUMBER)
        pt_json_scan_int64 (s, &q.question_id);
      else if (strcmp (k, "question") == 0 && t == PT_JSON_STRING)
        {
          g_string_truncate (r->text, 0);
          if (pt_json_scan_string (s, r->text))
            {
              q.question = pt_dataset_add_string (r->ds, r->text->str, r->text->len);
              q.has_question = TRUE;
            }
        }
      else
        {
          if ((strcmp (k, "image_id") == 0 || strcmp (k, "question_id") == 0
               || strcmp (k, "question") == 0)
              && t != PT_JSON_NULL && t != PT_JSON_INVALID && t != PT_JSON_END)
            set_reason (&q, PT_PROBLEM_WRONG_TYPE,
                        g_strdup_printf ("“%s” is %s, not %s", k, pt_json_type_name (t),
                                         strcmp (k, "question") == 0 ? "a string" : "an integer"));
          pt_json_scan_skip (s);
        }
    }
  if (pt_json_scan_failed (s))
    {
      g_free (q.reason);
      return;
    }
  if (!q.has_image_id || !q.has_question)
    set_reason (&q, PT_PROBLEM_MISSING_FIELD,
                g_strdup_printf ("the question%s has no %s", q.question_id >= 0 ? "" : " (no question_id)",
                                 !q.has_image_id ? "“image_id”" : "“question”"));
  g_array_append_val (r->questions, q);
}

/* One element of "annotations". */
static void
annotation_object (Reader *r, PtJsonScan *s, guint *unmatched)
{
  gint64 qid = -1, image_id = -1;
  guint32 answer = PT_NO_STRING, qtype = PT_NO_STRING, atype = PT_NO_STRING;
  guint32 first = r->ds->answers->len, n_answers = 0;
  guint line = s->line;
  guint n = 0;
  gpointer found;

  if (pt_json_scan_peek (s) != PT_JSON_OBJECT)
    {
      pt_json_scan_skip (s);
      (*unmatched)++;
      return;
    }
  pt_json_scan_object_begin (s);
  while (pt_json_scan_object_next (s, &n, r->key))
    {
      const char *k = r->key->str;
      PtJsonType t = pt_json_scan_peek (s);
      if (strcmp (k, "question_id") == 0 && t == PT_JSON_NUMBER)
        pt_json_scan_int64 (s, &qid);
      else if (strcmp (k, "image_id") == 0 && t == PT_JSON_NUMBER)
        pt_json_scan_int64 (s, &image_id);
      else if (t == PT_JSON_STRING
               && (strcmp (k, "multiple_choice_answer") == 0 || strcmp (k, "question_type") == 0
                   || strcmp (k, "answer_type") == 0))
        {
          g_string_truncate (r->text, 0);
          if (pt_json_scan_string (s, r->text))
            {
              guint32 off = pt_dataset_intern (r->ds, r->text->str, r->text->len);
              if (k[0] == 'm')
                answer = off;
              else if (k[0] == 'q')
                qtype = off;
              else
                atype = off;
            }
        }
      else if (strcmp (k, "answers") == 0 && t == PT_JSON_ARRAY)
        {
          guint m = 0;
          pt_json_scan_array_begin (s);
          while (pt_json_scan_array_next (s, &m))
            {
              guint o = 0;
              if (pt_json_scan_peek (s) != PT_JSON_OBJECT)
                {
                  pt_json_scan_skip (s);
                  continue;
                }
              pt_json_scan_object_begin (s);
              while (pt_json_scan_object_next (s, &o, r->key))
                {
                  if (strcmp (r->key->str, "answer") == 0 && pt_json_scan_peek (s) == PT_JSON_STRING)
                    {
                      g_string_truncate (r->text, 0);
                      if (pt_json_scan_string (s, r->text))
                        {
                          guint32 off = pt_dataset_intern (r->ds, r->text->str, r->text->len);
                          g_array_append_val (r->ds->answers, off);
                          n_answers++;
                        }
                    }
                  else
                    pt_json_scan_skip (s);
                }
            }
        }
      else
        pt_json_scan_skip (s);
    }
  if (pt_json_scan_failed (s))
    return;
  found = qid >= 0 ? g_hash_table_lookup (r->by_id, &qid) : NULL;
  if (found == NULL)
    {
      (*unmatched)++;
      return;
    }
  {
    Question *q = &g_array_index (r->questions, Question, GPOINTER_TO_UINT (found) - 1);
    if (q->annotated)
      {
        pt_dataset_problem (r->ds, r->afile, line, -1, PT_PROBLEM_NOTE,
                            "a second annotation for question_id %" G_GINT64_FORMAT " (ignored)", qid);
        return;
      }
    q->annotated = TRUE;
    q->answer = answer;
    q->question_type = qtype;
    q->answer_type = atype;
    q->answers_first = first;
    q->n_answers = n_answers;
    if (image_id >= 0 && q->has_image_id && image_id != q->image_id)
      set_reason (q, PT_PROBLEM_SYNTAX,
                  g_strdup_printf ("its annotation (%s line %u) names image_id %" G_GINT64_FORMAT
                                   ", the question image_id %" G_GINT64_FORMAT,
                                   (const char *) r->ds->files->pdata[r->afile], line, image_id,
                                   q->image_id));
  }
}

/* Walks the top-level object of a VQAv2 file, handing the array under
 * list_key to element(). FALSE (with error) if the file is no VQAv2 file;
 * a syntax error inside is a problem, and what came before it is kept. */
static gboolean
walk (Reader *r, const char *data, gsize length, guint file, const char *list_key,
      gboolean questions, GCancellable *cancellable, GError **error)
{
  PtJsonScan s;
  guint n = 0, unmatched = 0;
  gboolean found = FALSE;
  const char *name = r->ds->files->pdata[file];

  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      length -= 3;
    }
  pt_json_scan_init (&s, data, length, 1);
  if (pt_json_scan_peek (&s) != PT_JSON_OBJECT)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is not a VQAv2 %s file (it does not hold a JSON object)", name, list_key);
      return FALSE;
    }
  pt_json_scan_object_begin (&s);
  while (pt_json_scan_object_next (&s, &n, r->key))
    {
      if (strcmp (r->key->str, list_key) == 0 && pt_json_scan_peek (&s) == PT_JSON_ARRAY)
        {
          guint m = 0;
          found = TRUE;
          pt_json_scan_array_begin (&s);
          while (pt_json_scan_array_next (&s, &m))
            {
              if (questions)
                question_object (r, &s);
              else
                annotation_object (r, &s, &unmatched);
              if ((m & 8191) == 0 && g_cancellable_set_error_if_cancelled (cancellable, error))
                return FALSE;
            }
        }
      else if (strcmp (r->key->str, "data_subtype") == 0 && pt_json_scan_peek (&s) == PT_JSON_STRING
               && questions)
        {
          g_string_truncate (r->text, 0);
          if (pt_json_scan_string (&s, r->text))
            {
              g_free (r->subtype);
              r->subtype = g_strdup (r->text->str);
            }
        }
      else
        pt_json_scan_skip (&s);
    }
  if (!pt_json_scan_failed (&s) && pt_json_scan_peek (&s) != PT_JSON_END)
    pt_json_scan_fail (&s, "text after the end of the JSON object");
  if (pt_json_scan_failed (&s))
    {
      if (!found)
        {
          /* broken before its list began: nothing in it can be read */
          g_autofree char *where = pt_json_scan_describe (&s);
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s is not a VQAv2 %s file: invalid JSON before any “%s” list (%s)", name,
                       list_key, list_key, where);
          return FALSE;
        }
      pt_dataset_problem (r->ds, file, s.error_line, -1, PT_PROBLEM_SYNTAX,
                          "invalid JSON at column %u: %s; the rest of the file is skipped",
                          (guint) (s.error_at - s.line_start) + 1, s.error);
      return TRUE;
    }
  if (!found)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is not a VQAv2 %s file: it has no “%s” list", name, list_key, list_key);
      return FALSE;
    }
  if (unmatched > 0)
    pt_dataset_problem (r->ds, file, 0, -1, PT_PROBLEM_NOTE,
                        "%u annotation%s no question (ignored)", unmatched,
                        unmatched == 1 ? " matches" : "s match");
  return TRUE;
}

/* ---- the image folder ---- */

/* Splits "COCO_val2014_000000000042.jpg" into prefix "COCO_val2014_" and
 * extension ".jpg" (twelve digits before the extension). */
static gboolean
coco_name (const char *name, char **prefix, char **ext)
{
  const char *dot = strrchr (name, '.');
  gsize stem;

  if (dot == NULL || (g_ascii_strcasecmp (dot, ".jpg") != 0 && g_ascii_strcasecmp (dot, ".jpeg") != 0
                      && g_ascii_strcasecmp (dot, ".png") != 0))
    return FALSE;
  stem = (gsize) (dot - name);
  if (stem < 12)
    return FALSE;
  for (gsize i = stem - 12; i < stem; i++)
    if (!g_ascii_isdigit (name[i]))
      return FALSE;
  *prefix = g_strndup (name, stem - 12);
  *ext = g_strdup (dot);
  return TRUE;
}

typedef struct {
  char *dir;
  char *prefix;
  char *ext;
} Naming;

static void
naming_clear (Naming *n)
{
  g_clear_pointer (&n->dir, g_free);
  g_clear_pointer (&n->prefix, g_free);
  g_clear_pointer (&n->ext, g_free);
}

/* The COCO naming used in dir, preferring the data_subtype's prefix. */
static gboolean
naming_in (const char *dir, const char *subtype, gint64 probe_id, Naming *out)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GHashTable) kinds = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *want = subtype ? g_strdup_printf ("COCO_%s_", subtype) : NULL;
  const char *name;
  guint seen = 0;

  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL && seen < 2000)
    {
      char *prefix, *ext;
      if (!coco_name (name, &prefix, &ext))
        continue;
      seen++;
      g_hash_table_add (kinds, g_strconcat (prefix, "\x1f", ext, NULL));
      g_free (prefix);
      g_free (ext);
    }
  if (seen == 0)
    return FALSE;
  {
    GHashTableIter it;
    gpointer key;
    char *best = NULL;
    g_hash_table_iter_init (&it, kinds);
    while (g_hash_table_iter_next (&it, &key, NULL))
      {
        const char *k = key;
        g_autofree char *path = NULL;
        g_auto(GStrv) parts = g_strsplit (k, "\x1f", 2);
        if (want != NULL && strcmp (parts[0], want) == 0)
          {
            best = (char *) k;
            break;
          }
        path = g_strdup_printf ("%s/%s%012" G_GINT64_FORMAT "%s", dir, parts[0], probe_id, parts[1]);
        if ((best == NULL || g_hash_table_size (kinds) > 1) && probe_id >= 0
            && g_file_test (path, G_FILE_TEST_EXISTS))
          best = (char *) k;
        else if (best == NULL && g_hash_table_size (kinds) == 1)
          best = (char *) k;
      }
    if (best == NULL)
      return FALSE;
    {
      g_auto(GStrv) parts = g_strsplit (best, "\x1f", 2);
      out->dir = g_strdup (dir);
      out->prefix = g_strdup (parts[0]);
      out->ext = g_strdup (parts[1]);
    }
  }
  return TRUE;
}

static void
find_images (Reader *r, const char *json_dir, const char *image_dir, Naming *naming)
{
  const char *sub = r->subtype;
  gint64 probe = -1;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < r->questions->len && probe < 0; i++)
    if (g_array_index (r->questions, Question, i).has_image_id)
      probe = g_array_index (r->questions, Question, i).image_id;
  if (image_dir != NULL)
    g_ptr_array_add (candidates, g_strdup (image_dir));
  else if (json_dir != NULL)
    {
      if (sub != NULL)
        {
          g_ptr_array_add (candidates, g_build_filename (json_dir, sub, NULL));
          g_ptr_array_add (candidates, g_build_filename (json_dir, "images", sub, NULL));
          g_ptr_array_add (candidates, g_build_filename (json_dir, "..", sub, NULL));
          g_ptr_array_add (candidates, g_build_filename (json_dir, "..", "images", sub, NULL));
        }
      g_ptr_array_add (candidates, g_build_filename (json_dir, "images", NULL));
      g_ptr_array_add (candidates, g_strdup (json_dir));
    }
  for (guint i = 0; i < candidates->len; i++)
    {
      g_autofree char *dir = g_canonicalize_filename (candidates->pdata[i], NULL);
      if (naming_in (dir, sub, probe, naming))
        return;
    }
  /* none: name the files where they were expected */
  naming->dir = g_canonicalize_filename (candidates->len > 0 ? candidates->pdata[0] : ".", NULL);
  naming->prefix = sub != NULL ? g_strdup_printf ("COCO_%s_", sub) : g_strdup ("");
  naming->ext = g_strdup (".jpg");
  if (candidates->len > 0)
    {
      g_autoptr(GString) looked = g_string_new (NULL);
      for (guint i = 0; i < candidates->len; i++)
        {
          g_autofree char *dir = g_canonicalize_filename (candidates->pdata[i], NULL);
          g_string_append_printf (looked, "%s%s", i ? ", " : "", dir);
        }
      pt_dataset_note (r->ds, "No COCO image folder found (looked in %s)", looked->str);
    }
}

/* ---- records ---- */

static void
store (Reader *r, const Naming *naming, const char *annotations_name)
{
  g_autoptr(GString) path = g_string_new (NULL);

  for (guint i = 0; i < r->questions->len; i++)
    {
      Question *q = &g_array_index (r->questions, Question, i);
      PtRecordSlot slot = { 0 };
      guint index = r->ds->records->len;

      slot.question = q->question;
      slot.answer = q->answer;
      slot.question_type = q->question_type;
      slot.answer_type = q->answer_type;
      slot.answers_first = q->annotated ? q->answers_first : r->ds->answers->len;
      slot.n_answers = q->annotated ? q->n_answers : 0;
      slot.image = PT_NO_IMAGE;
      slot.line = q->line;
      slot.file = (guint16) r->qfile;
      slot.question_id = q->question_id;
      slot.problem = PT_PROBLEM_NONE;
      if (q->has_image_id)
        {
          g_string_printf (path, "%s/%s%012" G_GINT64_FORMAT "%s", naming->dir, naming->prefix,
                           q->image_id, naming->ext);
          slot.image = pt_dataset_add_image (r->ds, path->str);
        }
      if (slot.answer == PT_NO_STRING && slot.n_answers > 0)
        slot.answer = g_array_index (r->ds->answers, guint32, slot.answers_first);
      g_array_append_val (r->ds->records, slot);
      r->ds->n_usable++;
      if (q->broken)
        pt_dataset_problem (r->ds, r->qfile, q->line, (int) index, (PtProblemKind) q->broken, "%s",
                            q->reason);
      else if (annotations_name == NULL)
        pt_dataset_problem (r->ds, r->qfile, q->line, (int) index, PT_PROBLEM_MISSING_FIELD,
                            "no answer: there is no annotations file (a test split?)");
      else if (!q->annotated)
        pt_dataset_problem (r->ds, r->qfile, q->line, (int) index, PT_PROBLEM_MISSING_FIELD,
                            "question_id %" G_GINT64_FORMAT " has no annotation in %s",
                            q->question_id, annotations_name);
    }
}

gboolean
pt_vqa_read_data (PtDataset    *ds,
                  const char   *questions,
                  gsize         questions_length,
                  const char   *questions_name,
                  const char   *annotations,
                  gsize         annotations_length,
                  const char   *annotations_name,
                  const char   *image_dir,
                  GCancellable *cancellable,
                  GError      **error)
{
  Reader r = { 0 };
  Naming naming = { 0 };
  gboolean ok = FALSE;
  g_autofree char *json_dir = NULL;

  r.ds = ds;
  r.questions = g_array_new (FALSE, FALSE, sizeof (Question));
  g_array_set_clear_func (r.questions, clear_question);
  r.by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  r.key = g_string_new (NULL);
  r.text = g_string_new (NULL);
  r.qfile = pt_dataset_add_file (ds, questions_name);

  if (!walk (&r, questions, questions_length, r.qfile, "questions", TRUE, cancellable, error))
    goto out;
  /* the array no longer moves: index it by question_id */
  for (guint i = 0; i < r.questions->len; i++)
    {
      Question *q = &g_array_index (r.questions, Question, i);
      if (q->question_id >= 0 && !g_hash_table_contains (r.by_id, &q->question_id))
        g_hash_table_insert (r.by_id, &q->question_id, GUINT_TO_POINTER (i + 1));
      else if (q->question_id >= 0)
        set_reason (q, PT_PROBLEM_DUPLICATE,
                    g_strdup_printf ("question_id %" G_GINT64_FORMAT " appears twice", q->question_id));
    }
  if (annotations != NULL)
    {
      r.afile = pt_dataset_add_file (ds, annotations_name);
      if (!walk (&r, annotations, annotations_length, r.afile, "annotations", FALSE, cancellable, error))
        goto out;
    }
  if (g_path_is_absolute (questions_name))
    json_dir = g_path_get_dirname (questions_name);
  find_images (&r, json_dir, image_dir, &naming);
  store (&r, &naming, annotations != NULL ? annotations_name : NULL);
  ok = TRUE;
out:
  naming_clear (&naming);
  g_array_unref (r.questions);
  g_hash_table_unref (r.by_id);
  g_string_free (r.key, TRUE);
  g_string_free (r.text, TRUE);
  g_free (r.subtype);
  return ok;
}

/* ---- files ---- */

/* "val2014" from "v2_OpenEnded_mscoco_val2014_questions.json", or NULL. */
static char *
subtype_of (const char *name)
{
  static const char *const splits[] = { "train", "val", "test-dev", "test", NULL };

  for (guint i = 0; splits[i]; i++)
    {
      const char *p = strstr (name, splits[i]);
      gsize n = strlen (splits[i]);
      if (p != NULL && g_ascii_isdigit (p[n]) && g_ascii_isdigit (p[n + 1])
          && g_ascii_isdigit (p[n + 2]) && g_ascii_isdigit (p[n + 3]))
        return g_strndup (p, n + 4);
    }
  return NULL;
}

/* The file in dir whose name holds what (and the subtype, if several do). */
static char *
find_json (const char *dir, const char *what, const char *subtype, guint *count, GString *names)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  char *found = NULL, *first = NULL;

  *count = 0;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *sub = NULL;
      if (strstr (name, what) == NULL || !g_str_has_suffix (name, ".json"))
        continue;
      (*count)++;
      if (names != NULL)
        g_string_append_printf (names, "%s%s", names->len ? ", " : "", name);
      sub = subtype_of (name);
      /* a file of another split never pairs up (train questions, val annotations) */
      if (first == NULL && (subtype == NULL || sub == NULL || strcmp (sub, subtype) == 0))
        first = g_build_filename (dir, name, NULL);
      if (found == NULL && subtype != NULL && sub != NULL && strcmp (sub, subtype) == 0)
        found = g_build_filename (dir, name, NULL);
    }
  if (found == NULL && *count == 1)
    found = g_steal_pointer (&first);
  g_free (first);
  return found;
}

static GMappedFile *
map (const char *path, GError **error)
{
  g_autoptr(GError) local = NULL;
  GMappedFile *m = g_mapped_file_new (path, FALSE, &local);

  if (m == NULL)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Cannot read %s: %s", display,
                   local->message);
    }
  return m;
}

gboolean
pt_vqa_read_path (PtDataset    *ds,
                  const char   *path,
                  GCancellable *cancellable,
                  GError      **error)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *dir = NULL;
  g_autofree char *qpath = NULL;
  g_autofree char *apath = NULL;
  g_autofree char *sub = NULL;
  g_autoptr(GMappedFile) qmap = NULL;
  g_autoptr(GMappedFile) amap = NULL;
  g_autofree char *qname = NULL;
  g_autofree char *aname = NULL;
  guint count;

  if (g_file_test (abs, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GString) names = g_string_new (NULL);
      dir = g_strdup (abs);
      qpath = find_json (dir, "questions", NULL, &count, names);
      if (qpath == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       count == 0 ? "%s has no VQAv2 questions file (*questions*.json)%s"
                                  : "%s holds several questions files (%s); give the one to use",
                       abs, names->str);
          return FALSE;
        }
    }
  else
    {
      g_autofree char *base = g_path_get_basename (abs);
      dir = g_path_get_dirname (abs);
      if (strstr (base, "annotations") != NULL)
        {
          apath = g_strdup (abs);
          sub = subtype_of (base);
          qpath = find_json (dir, "questions", sub, &count, NULL);
          if (qpath == NULL)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                           "%s is a VQAv2 annotations file, but no matching questions file "
                           "(*questions*.json) is beside it", abs);
              return FALSE;
            }
        }
      else
        qpath = g_strdup (abs);
    }
  if (apath == NULL)
    {
      g_autofree char *qbase = g_path_get_basename (qpath);
      g_free (sub);
      sub = subtype_of (qbase);
      apath = find_json (dir, "annotations", sub, &count, NULL);
    }

  qmap = map (qpath, error);
  if (qmap == NULL)
    return FALSE;
  if (apath != NULL && (amap = map (apath, error)) == NULL)
    return FALSE;
  qname = g_filename_display_name (qpath);
  aname = apath != NULL ? g_filename_display_name (apath) : NULL;
  if (apath == NULL)
    pt_dataset_note (ds, "No annotations file beside %s: the records have no answers", qname);
  return pt_vqa_read_data (ds, g_mapped_file_get_contents (qmap), g_mapped_file_get_length (qmap),
                           qname,
                           amap ? g_mapped_file_get_contents (amap) : NULL,
                           amap ? g_mapped_file_get_length (amap) : 0, aname, NULL, cancellable,
                           error);
}
