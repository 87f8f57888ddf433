/* test-dataset-csv.c — CSV/TSV: RFC 4180 quoting, headers, bad rows; format detection. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>   /* g_remove, g_rmdir */

#include "dataset-test-util.h"
#include "pt-dataset-scan.h"
#include "pt-error.h"

static void
test_quoting (void)
{
  /* Python's csv module (the reference: the same text read with csv.DictReader)
   * gives exactly these fields, except that it keeps a quoted CRLF as "\r\n"
   * where PaliTune keeps "\n" */
  const char *text =
    "image,question,answer\r\n"
    "a.png,plain,x\r\n"
    "\"a.png\",\"with, comma\",\"with \"\"quotes\"\"\"\r\n"
    "a.png,\"two\r\nlines\",\"three\nline\nanswer\"\r\n"
    "a.png,\"\",\"empty question above\"\r\n"
    "a.png,\"after\"quote,x\r\n"
    "a.png,mid\"quote,x\r\n"
    "a.png,  spaced  ,x\r\n";
  g_autoptr(PtDataset) ds = load_text (text, PT_DATASET_FORMAT_CSV, "/d");
  static const struct { guint line; const char *question, *answer; } want[] = {
    { 2, "plain", "x" },
    { 3, "with, comma", "with \"quotes\"" },
    { 4, "two\nlines", "three\nline\nanswer" },
    { 8, "", "empty question above" },     /* the record above took lines 4 to 7 */
    { 9, "afterquote", "x" },
    { 10, "mid\"quote", "x" },
    { 11, "  spaced  ", "x" },
  };

  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      PtRecord r;
      pt_dataset_get_record (ds, i, &r);
      g_assert_cmpuint (r.line, ==, want[i].line);
      g_assert_cmpstr (r.question, ==, want[i].question);
      g_assert_cmpstr (r.answer, ==, want[i].answer);
      g_assert_cmpstr (r.image, ==, "/d/a.png");
    }
  g_assert_cmpint (problem_at (ds, 8), ==, PT_PROBLEM_EMPTY_QUESTION);
  {
    const guint lines[] = { 8, 0 };
    assert_problem_lines (ds, lines);
  }
}

static void
test_header_and_columns (void)
{
  const char *text =
    "\xEF\xBB\xBF Question ;IMAGE;Multiple_Choice_Answer;answers;question_type;question_id\n"
    "what?;x.png;;[\"yes\", {\"answer\": \"no\"}, \"yes\"];is it;17\n"
    "how?;y.png;two;;how;\n"
    "\n"
    "why?;z.png;three;[1];why;\n";
  g_autoptr(PtDataset) ds = load_text (text, PT_DATASET_FORMAT_AUTO, "/d");
  PtRecord r;

  g_assert_cmpint (pt_dataset_get_format (ds), ==, PT_DATASET_FORMAT_CSV);
  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 3);
  pt_dataset_get_record (ds, 0, &r);
  g_assert_cmpstr (r.question, ==, "what?");
  g_assert_cmpstr (r.answer, ==, "yes");          /* empty answer cell: the list's most common */
  g_assert_cmpuint (r.n_answers, ==, 3);
  g_assert_cmpstr (pt_dataset_get_answer (ds, 0, 1), ==, "no");
  g_assert_cmpstr (r.question_type, ==, "is it");
  g_assert_cmpint (r.question_id, ==, 17);
  pt_dataset_get_record (ds, 1, &r);
  g_assert_cmpstr (r.answer, ==, "two");
  g_assert_cmpint (r.question_id, ==, -1);
  pt_dataset_get_record (ds, 2, &r);
  g_assert_cmpuint (r.line, ==, 5);
  g_assert_cmpint (r.problem, ==, PT_PROBLEM_WRONG_TYPE);   /* answers: [1] */
}

static void
test_tsv (void)
{
  const char *text = "image\tprefix\tsuffix\n"
                     "a.png\tcaption en\t\"quoted, with\ttab\"\n"
                     "b.png\tcaption en\ta cat, sitting\n";
  g_autoptr(PtDataset) ds = load_text (text, PT_DATASET_FORMAT_AUTO, "/d");
  PtRecord r;

  g_assert_cmpint (pt_dataset_get_format (ds), ==, PT_DATASET_FORMAT_TSV);
  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 2);
  pt_dataset_get_record (ds, 0, &r);
  g_assert_true (r.is_prefix);
  g_assert_cmpstr (r.answer, ==, "quoted, with\ttab");
  pt_dataset_get_record (ds, 1, &r);
  g_assert_cmpstr (r.answer, ==, "a cat, sitting");
}

static void
test_bad_rows (void)
{
  const char *text =
    "image,question,answer\n"         /* 1 */
    "a.png,q2,a\n"                    /* 2 fine */
    "a.png,q3\n"                      /* 3 too few fields */
    "a.png,q4,a,extra\n"              /* 4 too many */
    "a.png,q5,a,\n"                   /* 5 a trailing empty field is tolerated */
    "a.png,caf\xe9,a\n"               /* 6 not UTF-8 */
    ",q7,a\n"                         /* 7 empty image */
    "a.png,q2,a\n"                    /* 8 duplicate of 2 */
    "a.png,q9,\n"                     /* 9 empty answer */
    "a.png,\"never closed,a\n"        /* 10 runs to the end */
    "a.png,q11,a\n";
  g_autoptr(PtDataset) ds = load_text (text, PT_DATASET_FORMAT_CSV, "/d");
  static const struct { guint line; PtProblemKind kind; } want[] = {
    { 2, PT_PROBLEM_NONE }, { 3, PT_PROBLEM_SYNTAX }, { 4, PT_PROBLEM_SYNTAX }, { 5, PT_PROBLEM_NONE },
    { 6, PT_PROBLEM_ENCODING }, { 7, PT_PROBLEM_MISSING_FIELD }, { 8, PT_PROBLEM_DUPLICATE },
    { 9, PT_PROBLEM_EMPTY_ANSWER }, { 10, PT_PROBLEM_SYNTAX },
  };

  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    g_assert_cmpint (problem_at (ds, want[i].line), ==, want[i].kind);
  g_assert_nonnull (strstr (reason_at (ds, 3), "2 fields; the header has 3"));
  g_assert_nonnull (strstr (reason_at (ds, 10), "never closed"));
  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 2);
}

static void
test_header_errors (void)
{
  const char *bad[] = {
    "image,question\na.png,q\n",                 /* no answer column */
    "question,answer\nq,a\n",                    /* no image column */
    "picture;text;label\n",                      /* nothing known */
    "\"image,question,answer\n",                 /* header quote never closed */
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtDataset) ds = pt_dataset_load_from_data (bad[i], strlen (bad[i]), PT_DATASET_FORMAT_CSV,
                                                           "x.csv", "/d", &error);
      g_assert_null (ds);
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
      g_assert_nonnull (strstr (error->message, "x.csv"));
    }
}

/* The committed files: good.csv has a BOM, CRLF, quoted line breaks and a blank line. */
static void
test_fixtures (void)
{
  g_autofree char *good = fixture ("good.csv");
  g_autofree char *bad = fixture ("bad.csv");
  g_autofree char *tsv = fixture ("good.tsv");
  g_autofree char *nocol = fixture ("no-answer-column.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDataset) ds = pt_dataset_load (good, PT_DATASET_FORMAT_AUTO, NULL, &error);
  PtRecord r;

  g_assert_no_error (error);
  g_assert_true (pt_dataset_scan (ds, NULL, NULL, &error));
  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 4);
  g_assert_cmpuint (pt_dataset_get_n_problems (ds), ==, 0);
  pt_dataset_get_record (ds, 1, &r);
  g_assert_cmpstr (r.question, ==, "Which colour, exactly?");
  g_assert_cmpstr (r.answer, ==, "a \"deep\" blue");
  g_assert_cmpuint (r.n_answers, ==, 2);
  pt_dataset_get_record (ds, 2, &r);
  g_assert_cmpuint (r.line, ==, 5);
  g_assert_cmpstr (r.question, ==, "Describe it\nin two lines");
  g_assert_cmpint (r.width, ==, 300);
  g_clear_pointer (&ds, pt_dataset_unref);

  ds = pt_dataset_load (bad, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pt_dataset_scan (ds, NULL, NULL, &error));
  {
    static const struct { guint line; PtProblemKind kind; } want[] = {
      { 2, PT_PROBLEM_NONE }, { 3, PT_PROBLEM_SYNTAX }, { 4, PT_PROBLEM_IMAGE_MISSING },
      { 5, PT_PROBLEM_ENCODING }, { 6, PT_PROBLEM_EMPTY_ANSWER }, { 7, PT_PROBLEM_MISSING_FIELD },
      { 8, PT_PROBLEM_DUPLICATE }, { 9, PT_PROBLEM_SYNTAX },
    };
    for (guint i = 0; i < G_N_ELEMENTS (want); i++)
      g_assert_cmpint (problem_at (ds, want[i].line), ==, want[i].kind);
    g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 1);
  }
  g_clear_pointer (&ds, pt_dataset_unref);

  ds = pt_dataset_load (tsv, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_dataset_get_format (ds), ==, PT_DATASET_FORMAT_TSV);
  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 2);
  g_clear_pointer (&ds, pt_dataset_unref);

  ds = pt_dataset_load (nocol, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_assert_null (ds);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "“label”"));
}

/* Detection goes by content; what is no dataset is one clear error. */
static void
test_detection (void)
{
  static const struct { const char *text; gsize len; PtDatasetFormat format; const char *message; } cases[] = {
    { "{\"image\": \"a\", \"question\": \"q\", \"answer\": \"a\"}\n", 0, PT_DATASET_FORMAT_JSONL, NULL },
    { "\n\n  {\"foo\": 1, \"suffix\": \"s\"}\n", 0, PT_DATASET_FORMAT_JSONL, NULL },
    { "{broken\n{\"image\": \"a\"}\n", 0, PT_DATASET_FORMAT_JSONL, NULL },
    { "{\"info\": {}, \"questions\": []}", 0, PT_DATASET_FORMAT_VQAV2, NULL },
    { "{\"annotations\": []}", 0, PT_DATASET_FORMAT_VQAV2, NULL },
    { "image,question,answer\n", 0, PT_DATASET_FORMAT_CSV, NULL },
    { "image;question;answer\n", 0, PT_DATASET_FORMAT_CSV, NULL },
    { "image\tquestion\tanswer\n", 0, PT_DATASET_FORMAT_TSV, NULL },
    { "", 0, PT_DATASET_FORMAT_AUTO, "is empty" },
    { " \n\n \n", 0, PT_DATASET_FORMAT_AUTO, "only blank lines" },
    { "\xFF\xFEi\0m\0", 6, PT_DATASET_FORMAT_AUTO, "UTF-16" },
    { "[{\"image\": \"a\"}]", 0, PT_DATASET_FORMAT_AUTO, "JSON list" },
    { "{\"model_type\": \"paligemma\", \"vocab\": 3}", 0, PT_DATASET_FORMAT_AUTO, "“model_type”" },
    { "\x89PNG\r\n\x1a\n", 8, PT_DATASET_FORMAT_AUTO, "PNG image" },
    { "PAR1\0\0", 6, PT_DATASET_FORMAT_PARQUET, NULL },
    { "ARROW1\0\0", 8, PT_DATASET_FORMAT_ARROW, NULL },
    { "\xFF\xFF\xFF\xFF\x10\x01\0\0", 8, PT_DATASET_FORMAT_ARROW, NULL },
    { "ab\0cd", 5, PT_DATASET_FORMAT_AUTO, "binary" },
    { "just some words\n", 0, PT_DATASET_FORMAT_AUTO, "not a dataset" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize len = cases[i].len ? cases[i].len : strlen (cases[i].text);
      PtDatasetFormat f = pt_dataset_detect_format (cases[i].text, len, "f.jsonl", &error);
      g_assert_cmpint (f, ==, cases[i].format);
      if (cases[i].message == NULL)
        g_assert_no_error (error);
      else
        {
          g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
          if (strstr (error->message, cases[i].message) == NULL || strstr (error->message, "f.jsonl") == NULL)
            g_error ("case %u: “%s” lacks “%s”", i, error->message, cases[i].message);
        }
    }
}

static void
test_load_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pt-csv-XXXXXX", NULL);
  g_autoptr(PtDataset) ds = pt_dataset_load ("/nonexistent/data.jsonl", PT_DATASET_FORMAT_AUTO, NULL, &error);

  g_assert_null (ds);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  {
    /* a format forced on a file it does not fit is one clear error */
    g_autofree char *csv = fixture ("good.csv");
    g_autofree char *jsonl = fixture ("good.jsonl");
    ds = pt_dataset_load (csv, PT_DATASET_FORMAT_JSONL, NULL, &error);
    g_assert_null (ds);
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
    g_assert_nonnull (strstr (error->message, "does not read as jsonl"));
    g_clear_error (&error);
    ds = pt_dataset_load (jsonl, PT_DATASET_FORMAT_CSV, NULL, &error);
    g_assert_null (ds);
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
    g_clear_error (&error);
    ds = pt_dataset_load (jsonl, PT_DATASET_FORMAT_VQAV2, NULL, &error);
    g_assert_null (ds);
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
    g_clear_error (&error);
  }
  /* an empty folder: neither VQAv2 nor a single table */
  ds = pt_dataset_load (dir, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_assert_null (ds);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  {
    /* a folder with one table in it reads that table */
    g_autofree char *table = g_build_filename (dir, "metadata.csv", NULL);
    g_assert_true (g_file_set_contents (table, "file_name,question,answer\na.png,q,a\n", -1, NULL));
    ds = pt_dataset_load (dir, PT_DATASET_FORMAT_AUTO, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 1);
    g_remove (table);
  }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/dataset/csv/quoting", test_quoting);
  g_test_add_func ("/engine/dataset/csv/header-columns", test_header_and_columns);
  g_test_add_func ("/engine/dataset/csv/tsv", test_tsv);
  g_test_add_func ("/engine/dataset/csv/bad-rows", test_bad_rows);
  g_test_add_func ("/engine/dataset/csv/header-errors", test_header_errors);
  g_test_add_func ("/engine/dataset/csv/fixtures", test_fixtures);
  g_test_add_func ("/engine/dataset/detection", test_detection);
  g_test_add_func ("/engine/dataset/load-errors", test_load_errors);
  return g_test_run ();
}
