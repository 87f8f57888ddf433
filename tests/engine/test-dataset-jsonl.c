/* test-dataset-jsonl.c — JSON Lines: fields, every kind of bad line, huge lines. */
#include "config.h"

#include <fcntl.h>            /* O_WRONLY */
#include <stdio.h>
#include <stdlib.h>           /* strtol */
#include <string.h>
#include <unistd.h>           /* lseek, write */
#include <glib/gstdio.h>

#include <gdk-pixbuf/gdk-pixbuf.h>   /* writing test images */

#include "dataset-test-util.h"
#include "pt-dataset-scan.h"
#include "pt-error.h"

static void
test_fields (void)
{
  const char *text =
    "{\"image\": \"a.png\", \"question\": \"Q1\", \"answer\": \"A1\", \"question_type\": \"what\","
    " \"answer_type\": \"other\", \"question_id\": 12, \"unknown\": {\"deep\": [1, 2.5e3, null, true]}}\n"
    "{\"file_name\": \"/abs/b.jpg\", \"prefix\": \"caption en\", \"suffix\": \"a cat\"}\n"
    "{\"image\": {\"path\": \"sub/c.png\", \"bytes\": null}, \"question\": \"Q3\","
    " \"answers\": [\"x\", \"y\", \"y\", \"x\", \"y\"]}\n"
    "{\"image\": \"a.png\", \"question\": \"Q4\", \"multiple_choice_answer\": \"mc\", \"suffix\": \"s\","
    " \"answers\": [{\"answer\": \"mc\", \"answer_id\": 1}, {\"answer_id\": 2, \"answer\": \"other\"}]}\n"
    "{\"suffix\": \"s\", \"answer\": \"first\", \"prefix\": \"p\", \"question\": \"q wins\", \"image\": \"a.png\"}\n";
  g_autoptr(PtDataset) ds = load_text (text, PT_DATASET_FORMAT_JSONL, "/data/set");
  PtRecord r;

  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 5);
  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 5);
  g_assert_cmpuint (pt_dataset_get_n_problems (ds), ==, 0);

  pt_dataset_get_record (ds, 0, &r);
  g_assert_cmpstr (r.image, ==, "/data/set/a.png");
  g_assert_cmpstr (r.question, ==, "Q1");
  g_assert_cmpstr (r.answer, ==, "A1");
  g_assert_cmpstr (r.question_type, ==, "what");
  g_assert_cmpstr (r.answer_type, ==, "other");
  g_assert_cmpint (r.question_id, ==, 12);
  g_assert_false (r.is_prefix);
  g_assert_cmpuint (r.line, ==, 1);
  g_assert_cmpuint (r.n_answers, ==, 0);

  pt_dataset_get_record (ds, 1, &r);
  g_assert_cmpstr (r.image, ==, "/abs/b.jpg");
  g_assert_cmpstr (r.question, ==, "caption en");
  g_assert_true (r.is_prefix);
  g_assert_cmpstr (r.answer, ==, "a cat");
  g_assert_null (r.question_type);
  g_assert_cmpint (r.question_id, ==, -1);
  {
    g_autofree char *prompt = pt_dataset_get_prompt (ds, 1, "answer en {question}");
    g_assert_cmpstr (prompt, ==, "caption en");   /* a prefix is the whole prompt */
  }

  pt_dataset_get_record (ds, 2, &r);
  g_assert_cmpstr (r.image, ==, "/data/set/sub/c.png");
  g_assert_cmpstr (r.answer, ==, "y");            /* the most common of "answers" */
  g_assert_cmpuint (r.n_answers, ==, 5);
  g_assert_cmpstr (pt_dataset_get_answer (ds, 2, 0), ==, "x");
  g_assert_cmpstr (pt_dataset_get_answer (ds, 2, 4), ==, "y");
  {
    g_autofree char *prompt = pt_dataset_get_prompt (ds, 2, NULL);
    g_assert_cmpstr (prompt, ==, "answer Q3");
  }

  pt_dataset_get_record (ds, 3, &r);
  g_assert_cmpstr (r.answer, ==, "mc");           /* multiple_choice_answer over suffix */
  g_assert_cmpuint (r.n_answers, ==, 2);
  g_assert_cmpstr (pt_dataset_get_answer (ds, 3, 1), ==, "other");

  pt_dataset_get_record (ds, 4, &r);
  g_assert_cmpstr (r.question, ==, "q wins");     /* question over prefix, in any order */
  g_assert_false (r.is_prefix);
  g_assert_cmpstr (r.answer, ==, "first");
  /* both records name a.png: one distinct image */
  g_assert_cmpuint (pt_dataset_get_n_images (ds), ==, 3);
}

static void
test_escapes_and_unicode (void)
{
  const char *text =
    "{\"image\": \"a.png\", \"question\": \"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\/ \\\\ \\t\", \"answer\": \"ü\"}\n"
    "{\"image\": \"a.png\", \"question\": \"lone \\ud83d\", \"answer\": \"x\"}\n"
    "{\"image\": \"a.png\", \"question\": \"nul \\u0000\", \"answer\": \"x\"}\n"
    "{\"image\": \"a.png\", \"question\": \"bad \\x41\", \"answer\": \"x\"}\n"
    "{\"image\": \"a.png\", \"question\": \"tab\tinside\", \"answer\": \"x\"}\n";
  g_autoptr(PtDataset) ds = load_text (text, PT_DATASET_FORMAT_JSONL, "/d");
  PtRecord r;

  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 5);
  pt_dataset_get_record (ds, 0, &r);
  g_assert_cmpstr (r.question, ==, "café 😀 \"q\" / \\ \t");
  g_assert_cmpstr (r.answer, ==, "ü");
  for (guint line = 2; line <= 5; line++)
    g_assert_cmpint (problem_at (ds, line), ==, PT_PROBLEM_SYNTAX);
  g_assert_nonnull (strstr (reason_at (ds, 2), "surrogate"));
  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 1);
}

static void
test_syntax_errors (void)
{
  /* each line is wrong in its own way; none may crash or swallow its neighbours */
  const char *bad[] = {
    "{", "{\"image\"", "{\"image\": }", "{\"image\": \"a\",}", "{\"a\" 1}", "{'image': 'a'}",
    "{\"image\": \"a.png\", \"question\": \"q\", \"answer\": \"a\"} {}", "{\"n\": 01}", "{\"n\": 1.}",
    "{\"n\": -}", "{\"n\": 1e}", "{\"n\": tru}", "{\"n\": nulll}", "{\"n\": [1,]}", "{\"n\": [1 2]}",
    "{,}", "{\"n\": \"\\u12\"}", "{\"n\": \"unterminated}", "nope", "42", "\"string\"",
  };
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(PtDataset) ds = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    g_string_append_printf (text, "%s\n{\"image\": \"ok%u.png\", \"question\": \"q\", \"answer\": \"a\"}\n",
                            bad[i], i);
  ds = load_text (text->str, PT_DATASET_FORMAT_JSONL, "/d");
  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 2 * G_N_ELEMENTS (bad));
  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, G_N_ELEMENTS (bad));
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      if (problem_at (ds, 2 * i + 1) != PT_PROBLEM_SYNTAX)
        g_error ("line “%s” was not reported as bad JSON", bad[i]);
      g_assert_cmpint (problem_at (ds, 2 * i + 2), ==, PT_PROBLEM_NONE);
    }
}

static void
test_nesting_is_capped (void)
{
  g_autoptr(GString) text = g_string_new ("{\"image\": \"a.png\", \"question\": \"q\", \"answer\": \"a\", \"x\": ");
  g_autoptr(PtDataset) ds = NULL;

  for (int i = 0; i < 100000; i++)
    g_string_append_c (text, '[');
  g_string_append (text, "\n");
  ds = load_text (text->str, PT_DATASET_FORMAT_JSONL, "/d");
  g_assert_cmpint (problem_at (ds, 1), ==, PT_PROBLEM_SYNTAX);
  g_assert_nonnull (strstr (reason_at (ds, 1), "nested too deeply"));
}

static void
test_line_endings_bom_blank (void)
{
  const char *text =
    "\xEF\xBB\xBF{\"image\": \"a.png\", \"question\": \"q1\", \"answer\": \"a\"}\r\n"
    "\r\n"
    "   \t \n"
    "{\"image\": \"a.png\", \"question\": \"q4\", \"answer\": \"a\"}\r\n"
    "\n"
    "{\"image\": \"a.png\", \"question\": \"q6\", \"answer\": \"no newline at the end\"}";
  g_autoptr(PtDataset) ds = load_text (text, PT_DATASET_FORMAT_AUTO, "/d");
  PtRecord r;

  g_assert_cmpint (pt_dataset_get_format (ds), ==, PT_DATASET_FORMAT_JSONL);
  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 3);
  g_assert_cmpuint (pt_dataset_get_n_problems (ds), ==, 0);
  pt_dataset_get_record (ds, 1, &r);
  g_assert_cmpuint (r.line, ==, 4);
  pt_dataset_get_record (ds, 2, &r);
  g_assert_cmpuint (r.line, ==, 6);
  g_assert_cmpstr (r.answer, ==, "no newline at the end");
}

static void
test_missing_wrong_empty_duplicate (void)
{
  const char *text =
    "{\"question\": \"q\", \"answer\": \"a\"}\n"                                   /* 1 no image */
    "{\"image\": \"a.png\", \"answer\": \"a\"}\n"                                  /* 2 no question */
    "{\"image\": \"a.png\", \"question\": \"q3\"}\n"                               /* 3 no answer */
    "{\"image\": \"a.png\", \"question\": [\"q\"], \"answer\": \"a\"}\n"           /* 4 wrong type */
    "{\"image\": 5, \"question\": \"q5\", \"answer\": \"a\"}\n"                    /* 5 wrong type */
    "{\"image\": {\"bytes\": \"iVBOR\"}, \"question\": \"q6\", \"answer\": \"a\"}\n"  /* 6 embedded bytes */
    "{\"image\": \"a.png\", \"question\": \"\", \"answer\": \"a\"}\n"              /* 7 empty question */
    "{\"image\": \"a.png\", \"question\": \"q8\", \"answer\": \" \"}\n"            /* 8 empty answer */
    "{\"image\": \"a.png\", \"question\": \"q9\", \"answer\": \"a\"}\n"            /* 9 fine */
    "{\"image\": \"./a.png\", \"question\": \"q9\", \"answer\": \"a\"}\n"          /* 10 duplicate of 9 */
    "{\"image\": \"b.png\", \"question\": \"q9\", \"answer\": \"a\"}\n"            /* 11 fine: other image */
    "{\"image\": \"\", \"question\": \"q12\", \"answer\": \"a\"}\n"                /* 12 empty path */
    "{\"image\": null, \"question\": \"q13\", \"answer\": null}\n"                 /* 13 nulls are missing */
    "{\"image\": \"c.png\", \"question\": \"q14\", \"answer\": \"a\", \"answers\": \"a\"}\n"; /* 14 wrong type */
  g_autoptr(PtDataset) ds = load_text (text, PT_DATASET_FORMAT_JSONL, "/d");
  static const struct { guint line; PtProblemKind kind; } want[] = {
    { 1, PT_PROBLEM_MISSING_FIELD }, { 2, PT_PROBLEM_MISSING_FIELD }, { 3, PT_PROBLEM_MISSING_FIELD },
    { 4, PT_PROBLEM_WRONG_TYPE }, { 5, PT_PROBLEM_WRONG_TYPE }, { 6, PT_PROBLEM_WRONG_TYPE },
    { 7, PT_PROBLEM_EMPTY_QUESTION }, { 8, PT_PROBLEM_EMPTY_ANSWER }, { 9, PT_PROBLEM_NONE },
    { 10, PT_PROBLEM_DUPLICATE }, { 11, PT_PROBLEM_NONE }, { 12, PT_PROBLEM_MISSING_FIELD },
    { 13, PT_PROBLEM_MISSING_FIELD }, { 14, PT_PROBLEM_WRONG_TYPE },
  };

  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      PtRecord r;
      g_autofree char *reason = NULL;
      g_assert_cmpint (problem_at (ds, want[i].line), ==, want[i].kind);
      pt_dataset_get_record (ds, i, &r);
      g_assert_cmpint (r.problem, ==, want[i].kind);
      g_assert_cmpint (pt_dataset_record_is_usable (ds, i), ==, want[i].kind == PT_PROBLEM_NONE);
      reason = pt_dataset_get_record_reason (ds, i);
      g_assert_true ((reason != NULL) == (want[i].kind != PT_PROBLEM_NONE));
    }
  g_assert_nonnull (strstr (reason_at (ds, 10), "line 9"));
  g_assert_nonnull (strstr (reason_at (ds, 6), "embedded image bytes"));
  g_assert_nonnull (strstr (reason_at (ds, 4), "“question” is a list"));
  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 2);
  {
    guint n;
    g_autofree guint *usable = pt_dataset_get_usable (ds, &n);
    g_assert_cmpuint (n, ==, 2);
    g_assert_cmpuint (usable[0], ==, 8);
    g_assert_cmpuint (usable[1], ==, 10);
  }
}

/* The committed bad.jsonl, images checked: one problem per line, on the right line. */
static void
test_fixture_bad (void)
{
  g_autofree char *path = fixture ("bad.jsonl");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDataset) ds = pt_dataset_load (path, PT_DATASET_FORMAT_AUTO, NULL, &error);
  static const struct { guint line; PtProblemKind kind; } want[] = {
    { 1, PT_PROBLEM_NONE }, { 2, PT_PROBLEM_SYNTAX }, { 3, PT_PROBLEM_WRONG_TYPE },
    { 4, PT_PROBLEM_MISSING_FIELD }, { 6, PT_PROBLEM_IMAGE_MISSING },
    { 7, PT_PROBLEM_IMAGE_UNDECODABLE }, { 8, PT_PROBLEM_DUPLICATE }, { 9, PT_PROBLEM_EMPTY_QUESTION },
    { 10, PT_PROBLEM_IMAGE_UNDECODABLE }, { 11, PT_PROBLEM_SYNTAX }, { 12, PT_PROBLEM_NONE },
    { 13, PT_PROBLEM_ENCODING }, { 14, PT_PROBLEM_EMPTY_ANSWER }, { 15, PT_PROBLEM_SYNTAX },
    { 16, PT_PROBLEM_WRONG_TYPE }, { 17, PT_PROBLEM_IMAGE_UNDECODABLE },
  };

  g_assert_no_error (error);
  g_assert_true (pt_dataset_scan (ds, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, G_N_ELEMENTS (want));
  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 2);
  g_assert_cmpuint (pt_dataset_get_n_problems (ds), ==, G_N_ELEMENTS (want) - 2);
  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    {
      PtProblem p = { 0 };
      if (problem_at (ds, want[i].line) != want[i].kind)
        g_error ("bad.jsonl line %u: expected %s, got %s", want[i].line,
                 pt_problem_kind_to_string (want[i].kind),
                 pt_problem_kind_to_string (problem_at (ds, want[i].line)));
      if (want[i].kind == PT_PROBLEM_NONE)
        continue;
      for (guint k = 0; k < pt_dataset_get_n_problems (ds); k++)
        if (pt_dataset_get_problem (ds, k, &p) && p.line == want[i].line)
          break;
      g_assert_true (g_str_has_suffix (p.file, "bad.jsonl"));
    }
  /* the reason names the image */
  g_assert_nonnull (strstr (reason_at (ds, 6), "missing.png"));
  g_assert_nonnull (strstr (reason_at (ds, 13), "0xE9"));
}

static void
test_fixture_good_with_stats (void)
{
  g_autofree char *path = fixture ("good.jsonl");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDataset) ds = pt_dataset_load (path, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_autoptr(PtDatasetStats) st = NULL;
  PtRecord r;

  g_assert_no_error (error);
  g_assert_true (pt_dataset_scan (ds, NULL, NULL, &error));
  g_assert_cmpuint (pt_dataset_get_n_problems (ds), ==, 0);
  pt_dataset_get_record (ds, 0, &r);
  g_assert_cmpint (r.width, ==, 32);    /* sizes written by the fixture script */
  g_assert_cmpint (r.height, ==, 24);
  st = pt_dataset_compute_stats (ds);
  g_assert_cmpuint (st->records, ==, 5);
  g_assert_cmpuint (st->usable, ==, 5);
  g_assert_cmpuint (st->images, ==, 4);
  g_assert_cmpuint (st->size_buckets[PT_SIZE_UNDER_224], ==, 3);
  g_assert_cmpuint (st->size_buckets[PT_SIZE_UNDER_448], ==, 1);
  g_assert_cmpint (st->max_width, ==, 300);
  g_assert_cmpstr (g_array_index (st->answers, PtCount, 0).text, ==, "yes");
  g_assert_cmpuint (g_array_index (st->answers, PtCount, 0).count, ==, 2);
  g_assert_cmpstr (g_array_index (st->question_types, PtCount, 0).text, ==, "what color");
  g_assert_cmpuint (g_array_index (st->question_types, PtCount, 0).count, ==, 2);
  g_assert_cmpuint (st->answer_types->len, ==, 2);
}

/* Statistics with repeated sizes and answers (counted against a hand tally). */
static void
test_stats_tally (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pt-stats-XXXXXX", NULL);
  const struct { const char *name; int w, h; } images[] = {
    { "a.png", 30, 20 }, { "b.png", 30, 20 }, { "c.png", 30, 20 }, { "d.png", 500, 10 }, { "e.png", 1000, 2000 },
  };
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(PtDataset) ds = NULL;
  g_autoptr(PtDatasetStats) st = NULL;
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    {
      g_autoptr(GdkPixbuf) p = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, images[i].w, images[i].h);
      g_autofree char *path = g_build_filename (dir, images[i].name, NULL);
      gdk_pixbuf_fill (p, 0x336699ff);
      g_assert_true (gdk_pixbuf_save (p, path, "png", &error, NULL));
    }
  /* a.png twice (two questions), the answer "no" three times, "yes" twice */
  g_string_append (text, "{\"image\": \"a.png\", \"question\": \"q1\", \"answer\": \"no\", \"question_type\": \"is\"}\n");
  g_string_append (text, "{\"image\": \"a.png\", \"question\": \"q2\", \"answer\": \"yes\", \"question_type\": \"is\"}\n");
  g_string_append (text, "{\"image\": \"b.png\", \"question\": \"q1\", \"answer\": \"no\", \"question_type\": \"what\"}\n");
  g_string_append (text, "{\"image\": \"c.png\", \"question\": \"q1\", \"answer\": \"no\"}\n");
  g_string_append (text, "{\"image\": \"d.png\", \"question\": \"q1\", \"answer\": \"yes\", \"question_type\": \"is\"}\n");
  g_string_append (text, "{\"image\": \"e.png\", \"question\": \"q one two\", \"answer\": \"maybe so\"}\n");
  g_string_append (text, "{\"image\": \"missing.png\", \"question\": \"q\", \"answer\": \"gone\"}\n");
  ds = load_text (text->str, PT_DATASET_FORMAT_JSONL, dir);
  g_assert_true (pt_dataset_scan (ds, NULL, NULL, &error));
  g_assert_no_error (error);
  st = pt_dataset_compute_stats (ds);
  g_assert_cmpuint (st->records, ==, 7);
  g_assert_cmpuint (st->usable, ==, 6);
  g_assert_cmpuint (st->by_kind[PT_PROBLEM_IMAGE_MISSING], ==, 1);
  g_assert_cmpuint (st->images, ==, 5);
  g_assert_cmpuint (st->sizes->len, ==, 3);
  g_assert_cmpint (g_array_index (st->sizes, PtSizeCount, 0).width, ==, 30);
  g_assert_cmpint (g_array_index (st->sizes, PtSizeCount, 0).height, ==, 20);
  g_assert_cmpuint (g_array_index (st->sizes, PtSizeCount, 0).count, ==, 3);
  g_assert_cmpuint (st->size_buckets[PT_SIZE_UNDER_224], ==, 3);
  g_assert_cmpuint (st->size_buckets[PT_SIZE_UNDER_896], ==, 1);
  g_assert_cmpuint (st->size_buckets[PT_SIZE_LARGER], ==, 1);
  g_assert_cmpint (st->max_height, ==, 2000);
  g_assert_cmpint (st->min_height, ==, 10);
  g_assert_cmpuint (st->answers->len, ==, 3);
  g_assert_cmpstr (g_array_index (st->answers, PtCount, 0).text, ==, "no");
  g_assert_cmpuint (g_array_index (st->answers, PtCount, 0).count, ==, 3);
  g_assert_cmpstr (g_array_index (st->answers, PtCount, 1).text, ==, "yes");
  g_assert_cmpuint (g_array_index (st->answers, PtCount, 1).count, ==, 2);
  g_assert_cmpstr (g_array_index (st->question_types, PtCount, 0).text, ==, "is");
  g_assert_cmpuint (g_array_index (st->question_types, PtCount, 0).count, ==, 3);
  g_assert_cmpfloat_with_epsilon (st->question_words_mean, 8.0 / 6, 1e-9);
  g_assert_cmpfloat_with_epsilon (st->answer_words_mean, 7.0 / 6, 1e-9);
  for (guint i = 0; i < G_N_ELEMENTS (images); i++)
    {
      g_autofree char *path = g_build_filename (dir, images[i].name, NULL);
      g_unlink (path);
    }
  g_rmdir (dir);
}

/* The header check passes a truncated JPEG; the full decode (the training decoder) does not. */
static void
test_decode_check (void)
{
  g_autofree char *images = fixture ("images");
  const char *text = "{\"image\": \"truncated.jpg\", \"question\": \"q\", \"answer\": \"a\"}\n"
                     "{\"image\": \"blue.jpg\", \"question\": \"q\", \"answer\": \"a\"}\n";
  g_autoptr(PtDataset) ds = load_text (text, PT_DATASET_FORMAT_JSONL, images);
  g_autoptr(GError) error = NULL;
  PtScanOptions o;

  pt_scan_options_init (&o);
  g_assert_true (pt_dataset_scan (ds, &o, NULL, &error));
  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 2);
  o.decode_images = TRUE;
  g_assert_true (pt_dataset_scan (ds, &o, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (problem_at (ds, 1), ==, PT_PROBLEM_IMAGE_UNDECODABLE);
  g_assert_nonnull (strstr (reason_at (ds, 1), "truncated"));
  g_assert_cmpint (problem_at (ds, 2), ==, PT_PROBLEM_NONE);
  /* scanning again adds nothing */
  g_assert_true (pt_dataset_scan (ds, &o, NULL, &error));
  g_assert_cmpuint (pt_dataset_get_n_problems (ds), ==, 1);
}

/* Reading a line longer than the cap must neither fail nor hold it in memory. */
static long
peak_rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (p = strstr (status, "VmHWM:")) == NULL)
    return -1;
  return strtol (p + 6, NULL, 10);
}

static void
test_gigabyte_line (void)
{
  g_autofree char *dir = g_dir_make_tmp ("pt-jsonl-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "huge.jsonl", NULL);
  const char *head = "{\"image\": \"a.png\", \"question\": \"q1\", \"answer\": \"a\"}\n"
                     "{\"image\": \"a.png\", \"question\": \"";
  const char *tail = "\", \"answer\": \"a\"}\n{\"image\": \"a.png\", \"question\": \"q3\", \"answer\": \"a\"}\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDataset) ds = NULL;
  long before, after;
  int fd;

  g_assert_nonnull (dir);
  fd = g_open (path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, head, strlen (head)), ==, (gssize) strlen (head));
  /* a 1 GiB hole: reads back as zero bytes without taking disk space */
  g_assert_cmpint (lseek (fd, (off_t) 1 << 30, SEEK_CUR), >, 0);
  g_assert_cmpint (write (fd, tail, strlen (tail)), ==, (gssize) strlen (tail));
  close (fd);

  before = peak_rss_kib ();
  ds = pt_dataset_load (path, PT_DATASET_FORMAT_JSONL, NULL, &error);
  after = peak_rss_kib ();
  g_assert_no_error (error);
  g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 3);
  g_assert_cmpint (problem_at (ds, 1), ==, PT_PROBLEM_NONE);
  g_assert_cmpint (problem_at (ds, 2), ==, PT_PROBLEM_LINE_TOO_LONG);
  g_assert_cmpint (problem_at (ds, 3), ==, PT_PROBLEM_NONE);
  g_assert_nonnull (strstr (reason_at (ds, 2), "1024.0 MiB"));
  if (before > 0 && after > 0)
    g_assert_cmpint (after - before, <, 64 * 1024);   /* far below the line's 1 GiB */
  g_unlink (path);
  g_rmdir (dir);
}

/* In memory the cap applies too. */
static void
test_long_line_in_memory (void)
{
  gsize n = PT_DATASET_MAX_LINE + 100;
  g_autofree char *text = g_malloc (n + 200);
  g_autoptr(PtDataset) ds = NULL;
  g_autoptr(GError) error = NULL;
  gsize pos;

  pos = (gsize) g_snprintf (text, 200, "{\"image\": \"a.png\", \"question\": \"");
  memset (text + pos, 'x', n);
  pos += n;
  pos += (gsize) g_snprintf (text + pos, 200, "\", \"answer\": \"a\"}\n{\"image\": \"a.png\", \"question\": \"q\", \"answer\": \"a\"}\n");
  ds = pt_dataset_load_from_data (text, pos, PT_DATASET_FORMAT_JSONL, "mem", "/d", &error);
  g_assert_no_error (error);
  g_assert_cmpint (problem_at (ds, 1), ==, PT_PROBLEM_LINE_TOO_LONG);
  g_assert_cmpint (problem_at (ds, 2), ==, PT_PROBLEM_NONE);
}

static void
test_prompt_apply (void)
{
  g_autofree char *a = pt_prompt_apply ("answer {question}", "what is it?");
  g_autofree char *b = pt_prompt_apply ("answer en {question}", "x");
  g_autofree char *c = pt_prompt_apply (NULL, "y");
  g_autofree char *d = pt_prompt_apply ("{question} / {question}", "z");
  g_autofree char *e = pt_prompt_apply ("describe", "q");

  g_assert_cmpstr (a, ==, "answer what is it?");
  g_assert_cmpstr (b, ==, "answer en x");
  g_assert_cmpstr (c, ==, "answer y");
  g_assert_cmpstr (d, ==, "z / z");
  g_assert_cmpstr (e, ==, "describe q");   /* no placeholder: appended after a space */
  g_assert_cmpstr (pt_prompt_templates ()[1], ==, "answer en {question}");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/dataset/jsonl/fields", test_fields);
  g_test_add_func ("/engine/dataset/jsonl/escapes-unicode", test_escapes_and_unicode);
  g_test_add_func ("/engine/dataset/jsonl/syntax-errors", test_syntax_errors);
  g_test_add_func ("/engine/dataset/jsonl/nesting-capped", test_nesting_is_capped);
  g_test_add_func ("/engine/dataset/jsonl/line-endings-bom-blank", test_line_endings_bom_blank);
  g_test_add_func ("/engine/dataset/jsonl/missing-wrong-empty-duplicate", test_missing_wrong_empty_duplicate);
  g_test_add_func ("/engine/dataset/jsonl/fixture-bad", test_fixture_bad);
  g_test_add_func ("/engine/dataset/jsonl/fixture-good-stats", test_fixture_good_with_stats);
  g_test_add_func ("/engine/dataset/jsonl/stats-tally", test_stats_tally);
  g_test_add_func ("/engine/dataset/jsonl/decode-check", test_decode_check);
  g_test_add_func ("/engine/dataset/jsonl/gigabyte-line", test_gigabyte_line);
  g_test_add_func ("/engine/dataset/jsonl/long-line-in-memory", test_long_line_in_memory);
  g_test_add_func ("/engine/dataset/prompt-apply", test_prompt_apply);
  return g_test_run ();
}
