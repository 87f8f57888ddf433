/* test-dataset-parquet.c — Parquet and Arrow datasets as the datasets
 * library writes them (tests/fixtures/hf, tools/make-hf-fixtures.py): record
 * counts and every field of every record, the embedded images, hub and
 * save_to_disk folders, splits, column mappings, damaged files (engine and
 * CLI: exit 2, under a second), training and evaluation on the hub folder. */
#include "config.h"

#include <string.h>
#include <glib/gstdio.h>   /* g_mkdir */
#include <sys/resource.h>   /* getrusage: the CLI's CPU time */
#include <sys/wait.h>   /* WIFEXITED */

#include "dataset-test-util.h"
#include "pt-embedded.h"
#include "pt-error.h"
#include "pt-image.h"
#include "pt-json.h"
#include "pt-run.h"      /* pt_rmtree */
#include "pt-test-util.h"
#include "pt-vqa.h"

/* ---- what tools/make-hf-fixtures.py wrote in row i ---- */

static const char *const colors[] = { "red", "green", "blue", "yellow", "white", "black",
                                      "purple", "orange" };
static const guint8 rgb[][3] = { { 220, 20, 20 }, { 20, 200, 40 }, { 30, 40, 220 },
                                 { 240, 230, 30 }, { 250, 250, 250 }, { 5, 5, 5 },
                                 { 140, 30, 160 }, { 250, 140, 10 } };

static const char *
color_of (guint i)
{
  return colors[(i / 4) % 8];
}

static void
check_row (PtDataset *ds, guint index, guint i, gboolean check_image)
{
  PtRecord r;
  g_autofree char *q = NULL;
  const char *color = color_of (i);

  pt_dataset_get_record (ds, index, &r);
  g_assert_cmpint (r.problem, ==, PT_PROBLEM_NONE);
  g_assert_cmpint (r.question_id, ==, 1000 + i);
  g_assert_false (r.is_prefix);
  g_assert_cmpuint (r.n_answers, ==, 10);
  if (i % 2 == 0)
    {
      q = g_strdup_printf ("what color is square %u?", i);
      g_assert_cmpstr (r.answer, ==, color);
      g_assert_cmpstr (r.question_type, ==, "what color is the");
      g_assert_cmpstr (r.answer_type, ==, "other");
      for (guint k = 0; k < 7; k++)
        g_assert_cmpstr (pt_dataset_get_answer (ds, index, k), ==, color);
      g_assert_cmpstr (pt_dataset_get_answer (ds, index, 7), ==, "gray");
      g_assert_true (g_str_has_prefix (pt_dataset_get_answer (ds, index, 8), "dark "));
      g_assert_cmpstr (pt_dataset_get_answer (ds, index, 9), ==, color);
    }
  else
    {
      q = g_strdup_printf ("is square %u %s?", i, color);
      g_assert_cmpstr (r.answer, ==, "yes");
      g_assert_cmpstr (r.question_type, ==, "is the");
      g_assert_cmpstr (r.answer_type, ==, "yes/no");
      g_assert_cmpstr (pt_dataset_get_answer (ds, index, 8), ==, "yes");
      g_assert_cmpstr (pt_dataset_get_answer (ds, index, 9), ==, "no");
    }
  g_assert_cmpstr (r.question, ==, q);
  g_assert_nonnull (r.image);
  g_assert_true (pt_embedded_is_reference (r.image, NULL));
  if (check_image)
    {
      /* the image, fetched from its page: its colour and its grey mark */
      g_autoptr(GError) error = NULL;
      g_autoptr(PtImage) im = pt_image_load (r.image, NULL, &error);
      guint key = i / 4, mx = key % 16, my = (key / 16) % 16;
      guint px = mx == 15 ? 0 : 15;
      const guint8 *c = rgb[(i / 4) % 8];
      g_assert_no_error (error);
      g_assert_cmpint (im->width, ==, 16);
      g_assert_cmpint (im->height, ==, 16);
      g_assert_cmpmem (im->data + (15 * 16 + px) * 3, 3, c, 3);
      g_assert_cmpuint (im->data[(my * 16 + mx) * 3], ==, 128);
    }
}

static char *
hf (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "hf", name, NULL);
}

static PtDataset *
load (const char *path, const char *split, const char *columns)
{
  g_autoptr(GError) error = NULL;
  PtDatasetLoadOptions o = { split, columns };
  PtDataset *ds = pt_dataset_load_with_options (path, PT_DATASET_FORMAT_AUTO, &o, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ds);
  return ds;
}

/* The hub folder: two train shards (snappy v1 dictionary; zstd v2 plain)
 * and a gzip validation shard. */
static void
test_hub (void)
{
  g_autofree char *dir = hf ("hub");
  g_autoptr(PtDataset) train = load (dir, NULL, NULL);
  g_autoptr(PtDataset) val = load (dir, "validation", NULL);
  g_auto(GStrv) splits = pt_dataset_list_splits (dir, NULL);
  const char *const want[] = { "train", "validation", NULL };

  g_assert_cmpint (pt_dataset_get_format (train), ==, PT_DATASET_FORMAT_PARQUET);
  g_assert_cmpstrv (splits, want);
  g_assert_cmpstrv (pt_dataset_get_splits (train), want);
  g_assert_cmpstr (pt_dataset_get_split (train), ==, "train");
  g_assert_cmpstr (pt_dataset_get_split (val), ==, "validation");
  g_assert_cmpuint (pt_dataset_get_n_records (train), ==, 160);
  g_assert_cmpuint (pt_dataset_get_n_usable (train), ==, 160);
  g_assert_cmpuint (pt_dataset_get_n_records (val), ==, 48);
  for (guint i = 0; i < 160; i++)
    check_row (train, i, i, i % 7 == 0 || i == 63 || i == 64 || i == 159);
  for (guint i = 0; i < 48; i++)
    check_row (val, i, 160 + i, i % 5 == 0);
  {
    /* the line of a record is its row in its file */
    PtRecord r;
    pt_dataset_get_record (train, 100, &r);
    g_assert_true (g_str_has_suffix (r.file, "train-00001-of-00002.parquet"));
    g_assert_cmpuint (r.line, ==, 100 - 64 + 1);
  }
}

/* The same folder without README.md: the file names give the splits. */
static void
test_hub_names (void)
{
  g_autofree char *tmp = pt_test_make_temp_dir ("pt-hub-XXXXXX");
  g_autofree char *data = g_build_filename (tmp, "data", NULL);
  const char *const names[] = { "train-00000-of-00002.parquet", "train-00001-of-00002.parquet",
                                "validation-00000-of-00001.parquet" };
  g_autoptr(PtDataset) train = NULL;
  g_autoptr(PtDataset) val = NULL;

  g_assert_cmpint (g_mkdir (data, 0755), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *from = NULL, *to = g_build_filename (data, names[i], NULL);
      g_autofree char *rel = g_build_filename ("hub", "data", names[i], NULL);
      g_autofree char *contents = NULL;
      gsize n;
      from = hf (rel);
      g_assert_true (g_file_get_contents (from, &contents, &n, NULL));
      g_assert_true (g_file_set_contents (to, contents, (gssize) n, NULL));
    }
  train = load (tmp, NULL, NULL);
  val = load (tmp, "validation", NULL);
  g_assert_cmpuint (pt_dataset_get_n_records (train), ==, 160);
  g_assert_cmpuint (pt_dataset_get_n_records (val), ==, 48);
  check_row (val, 47, 207, TRUE);
  pt_rmtree (tmp, NULL);
}

/* save_to_disk: a DatasetDict of Arrow stream shards. */
static void
test_saved (void)
{
  g_autofree char *dir = hf ("saved");
  g_autofree char *sub = hf ("saved/validation");
  g_autoptr(PtDataset) train = load (dir, NULL, NULL);
  g_autoptr(PtDataset) val = load (dir, "validation", NULL);
  g_autoptr(PtDataset) only = load (sub, NULL, NULL);

  g_assert_cmpint (pt_dataset_get_format (train), ==, PT_DATASET_FORMAT_ARROW);
  g_assert_cmpuint (pt_dataset_get_n_records (train), ==, 150);
  g_assert_cmpuint (pt_dataset_get_n_records (val), ==, 20);
  g_assert_cmpuint (pt_dataset_get_n_records (only), ==, 20);
  for (guint i = 0; i < 150; i++)
    check_row (train, i, i, i % 9 == 0 || i == 149);
  for (guint i = 0; i < 20; i++)
    check_row (val, i, 150 + i, i == 19);
  {
    /* an Arrow reference names the PNG's bytes exactly */
    PtRecord r;
    g_autoptr(GBytes) bytes = NULL;
    pt_dataset_get_record (train, 77, &r);
    bytes = pt_embedded_read (r.image, 1 << 20, NULL);
    g_assert_nonnull (bytes);
    g_assert_cmpmem (g_bytes_get_data (bytes, NULL), 4, "\x89PNG", 4);
    g_assert_cmpmem ((const char *) g_bytes_get_data (bytes, NULL) + g_bytes_get_size (bytes) - 8,
                     4, "IEND", 4);
  }
}

/* Single files: Parquet as Dataset.to_parquet writes it, Parquet in the
 * DELTA encodings, Arrow in the file format. */
static void
test_single (void)
{
  const char *const names[] = { "single.parquet", "single-delta.parquet", "single.arrow" };

  for (guint k = 0; k < G_N_ELEMENTS (names); k++)
    {
      g_autofree char *path = hf (names[k]);
      g_autoptr(PtDataset) ds = load (path, NULL, NULL);
      g_autoptr(GError) error = NULL;
      PtDatasetLoadOptions o = { "validation", NULL };
      g_assert_cmpuint (pt_dataset_get_n_records (ds), ==, 40);
      for (guint i = 0; i < 40; i++)
        check_row (ds, i, i, i % 6 == 0 || i == 39);
      g_assert_null (pt_dataset_load_with_options (path, PT_DATASET_FORMAT_AUTO, &o, NULL, &error));
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
      g_assert_nonnull (strstr (error->message, "train"));
    }
}

/* --columns: another column for a field; a column that is not there. */
static void
test_columns (void)
{
  g_autofree char *dir = hf ("hub");
  g_autofree char *arrow = hf ("saved");
  g_autoptr(PtDataset) ds = load (dir, NULL, "answer=answer_type,question=question_type");
  g_autoptr(PtDataset) prefixed = load (arrow, NULL, "prefix=question_type");
  g_autoptr(GError) error = NULL;
  PtDatasetLoadOptions o = { NULL, "image=img,question=query" };
  PtRecord r;

  pt_dataset_get_record (ds, 1, &r);
  g_assert_cmpstr (r.answer, ==, "yes/no");
  g_assert_cmpstr (r.question, ==, "is the");
  pt_dataset_get_record (prefixed, 0, &r);
  g_assert_cmpstr (r.question, ==, "what color is the");
  g_assert_true (r.is_prefix);

  g_assert_null (pt_dataset_load_with_options (dir, PT_DATASET_FORMAT_AUTO, &o, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "“img”"));
  g_assert_nonnull (strstr (error->message, "multiple_choice_answer"));
  g_clear_error (&error);
  g_assert_false (pt_dataset_check_columns ("image", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (pt_dataset_check_columns ("picture=img", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
}

/* Records that differ only in their answer are all kept; exact copies not. */
static void
test_duplicates (void)
{
  g_autoptr(PtDataset) ds = load_text (
    "{\"image\": \"a.png\", \"question\": \"q\", \"answer\": \"cat\"}\n"
    "{\"image\": \"a.png\", \"question\": \"q\", \"answer\": \"kitten\"}\n"
    "{\"image\": \"a.png\", \"question\": \"q\", \"answer\": \"cat\"}\n"
    "{\"image\": \"b.png\", \"question\": \"q\", \"answer\": \"cat\"}\n",
    PT_DATASET_FORMAT_JSONL, "/nowhere");

  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 3);
  g_assert_cmpint (problem_at (ds, 2), ==, PT_PROBLEM_NONE);
  g_assert_cmpint (problem_at (ds, 3), ==, PT_PROBLEM_DUPLICATE);
  g_assert_nonnull (strstr (reason_at (ds, 3), "line 1"));
}

/* ---- damaged files ---- */

typedef struct {
  const char *name;
  const char *what;   /* in the message */
} Damage;

static void
write_damaged (const char *dir, const char *source, const char *suffix, GPtrArray *paths)
{
  g_autofree char *good = NULL;
  gsize n;
  g_autoptr(GRand) rand = g_rand_new_with_seed (11);
  guint8 random[4096];
  struct { const char *name; const void *data; gsize len; } files[6];
  g_autofree guint8 *bad_footer = NULL;

  g_assert_true (g_file_get_contents (source, &good, &n, NULL));
  for (guint i = 0; i < sizeof random; i++)
    random[i] = (guint8) g_rand_int (rand);
  bad_footer = g_memdup2 (good, n);
  if (g_str_equal (suffix, ".parquet"))
    memcpy (bad_footer + n - 8, "\xff\xff\xff\x0fPAR1", 8);
  else
    memcpy (bad_footer + n - 10, "\xff\xff\xff\x0f", 4);   /* the file format's footer length */
  files[0] = (typeof (files[0])) { "truncated", good, n / 2 };
  files[1] = (typeof (files[0])) { "empty", "", 0 };
  files[2] = (typeof (files[0])) { "magic", g_str_equal (suffix, ".parquet") ? "PAR1" : "ARROW1",
                                   g_str_equal (suffix, ".parquet") ? 4 : 6 };
  files[3] = (typeof (files[0])) { "footer", bad_footer, n };
  files[4] = (typeof (files[0])) { "random", random, sizeof random };
  files[5] = (typeof (files[0])) { "cut-end", good, n - 1 };
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *name = g_strconcat (files[i].name, suffix, NULL);
      char *path = g_build_filename (dir, name, NULL);
      g_assert_true (g_file_set_contents (path, files[i].data, (gssize) files[i].len, NULL));
      g_ptr_array_add (paths, path);
    }
}

static void
test_damaged (void)
{
  g_autofree char *tmp = pt_test_make_temp_dir ("pt-damaged-XXXXXX");
  g_autofree char *parquet = hf ("hub/data/train-00000-of-00002.parquet");
  g_autofree char *arrow = hf ("single.arrow");
  g_autofree char *stream = hf ("saved/validation/data-00000-of-00001.arrow");
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *stream_dir = g_build_filename (tmp, "stream", NULL);

  g_assert_cmpint (g_mkdir (stream_dir, 0755), ==, 0);
  write_damaged (tmp, parquet, ".parquet", paths);
  write_damaged (tmp, arrow, ".arrow", paths);
  write_damaged (stream_dir, stream, ".arrow", paths);
  for (guint i = 0; i < paths->len; i++)
    {
      const char *path = paths->pdata[i];
      g_autofree char *base = g_path_get_basename (path);
      g_autoptr(GError) error = NULL;
      g_autoptr(PtDataset) ds = pt_dataset_load (path, PT_DATASET_FORMAT_AUTO, NULL, &error);
      g_autofree char *out = NULL, *err = NULL;
      const char *argv[] = { g_getenv ("PT_CLI"), "data", "inspect", path, NULL };
      /* the policies pt_threads_init would re-exec the CLI for */
      g_auto(GStrv) env = g_environ_setenv (g_get_environ (), "OPENBLAS_THREAD_TIMEOUT", "4", TRUE);
      gint64 t0 = g_get_monotonic_time ();
      struct rusage before, after;
      double cpu;
      int status = -1;

      g_test_message ("%s: %s", path, error ? error->message : "(loaded)");
      /* the reader itself: well under a second */
      g_assert_cmpint (g_get_monotonic_time () - t0, <, G_USEC_PER_SEC);
      g_assert_null (ds);
      g_assert_true (error->domain == PT_ERROR);
      g_assert_true (error->code == PT_ERROR_INVALID_INPUT || error->code == PT_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, base));

      /* the CLI: exit 2, the file named, in under a second of its CPU time
       * (its wall time, mostly loading cuBLAS and the other libraries, is
       * printed: on a busy machine it waits for a core) */
      t0 = g_get_monotonic_time ();
      getrusage (RUSAGE_CHILDREN, &before);
      g_assert_true (g_spawn_sync (NULL, (char **) argv, env, G_SPAWN_DEFAULT, NULL, NULL, &out,
                                   &err, &status, NULL));
      getrusage (RUSAGE_CHILDREN, &after);
      cpu = (after.ru_utime.tv_sec - before.ru_utime.tv_sec)
            + (after.ru_utime.tv_usec - before.ru_utime.tv_usec) / 1e6
            + (after.ru_stime.tv_sec - before.ru_stime.tv_sec)
            + (after.ru_stime.tv_usec - before.ru_stime.tv_usec) / 1e6;
      g_test_message ("CLI: %.3f s CPU, %.3f s wall", cpu, (g_get_monotonic_time () - t0) / 1e6);
      g_assert_true (WIFEXITED (status));
      g_assert_cmpint (WEXITSTATUS (status), ==, 2);
      g_assert_nonnull (strstr (err, base));
      g_assert_cmpfloat (cpu, <, 1.0);
    }
  pt_rmtree (tmp, NULL);
}

/* ---- the CLI: train on the hub folder, evaluate its validation split ---- */

static int
cli (char **out, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *err = NULL;
  const char *a;
  va_list ap;
  int status = -1;

  g_ptr_array_add (argv, (char *) g_getenv ("PT_CLI"));
  va_start (ap, out);
  while ((a = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out,
                               &err, &status, NULL));
  if (err != NULL && *err)
    g_test_message ("stderr: %s", err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif

static void
test_cli_train_eval (void)
{
  g_autofree char *model = g_build_filename (g_getenv ("PT_SOURCE_ROOT"), "data", "demo", NULL);
  g_autofree char *dir = hf ("hub");
  g_autofree char *tmp = pt_test_make_temp_dir ("pt-hf-run-XXXXXX");
  g_autofree char *run = g_build_filename (tmp, "run", NULL);
  g_autofree char *preds = g_build_filename (tmp, "predictions.jsonl", NULL);
  g_autofree char *out = NULL;
  g_autofree char *text = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autoptr(PtDataset) val = load (dir, "validation", NULL);
  g_auto(GStrv) lines = NULL;
  double sum = 0;
  guint n = 0;
  JsonObject *o;

#ifdef SANITIZED
  /* the demo model under ASan at -O0: minutes (as tests/engine/test-demo-model.c,
   * left to the plain build; the readers are tested above under ASan too) */
  g_test_skip ("the demo model is too slow under the sanitizers");
  pt_rmtree (tmp, NULL);
  return;
#endif
  /* two steps; the validation split is the validation data (48 records) */
  g_assert_cmpint (cli (&out, "train", "--model", model, "--data", dir, "--max-steps", "2",
                        "--batch", "2", "--grad-accum", "1", "--workers", "1", "--eval-every",
                        "2", "--max-new-tokens", "3", "--out", run, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "step 2/2 | loss"));
  g_assert_nonnull (strstr (out, "| n 48"));
  g_clear_pointer (&out, g_free);
  /* a split that is not there: refused before any run folder is made */
  {
    g_autofree char *run2 = g_build_filename (tmp, "run2", NULL);
    g_assert_cmpint (cli (&out, "train", "--model", model, "--data", dir, "--split", "test",
                          "--max-steps", "1", "--out", run2, NULL), ==, 2);
    g_assert_false (g_file_test (run2, G_FILE_TEST_EXISTS));
  }
  g_clear_pointer (&out, g_free);

  /* eval on the validation split: VQA accuracy over each record's 10 answers */
  g_assert_cmpint (cli (&out, "eval", "--model", model, "--data", dir, "--split", "validation",
                        "--max-new-tokens", "3", "--predictions", preds, "--json", NULL), ==, 0);
  node = pt_json_parse (out, -1, "eval output", NULL);
  g_assert_nonnull (node);
  o = json_node_get_object (node);
  g_assert_cmpint (json_object_get_int_member (o, "n"), ==, 48);
  g_assert_true (g_file_get_contents (preds, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr(JsonNode) p = pt_json_parse (lines[i], -1, "prediction", NULL);
      JsonObject *po = json_node_get_object (p);
      guint record = (guint) json_object_get_int_member (po, "record");
      const char *answers[10];
      PtRecord r;
      pt_dataset_get_record (val, record, &r);
      g_assert_cmpuint (r.n_answers, ==, 10);
      for (guint k = 0; k < 10; k++)
        answers[k] = pt_dataset_get_answer (val, record, k);
      sum += pt_vqa_score (json_object_get_string_member (po, "prediction"), answers, 10);
      n++;
    }
  g_assert_cmpuint (n, ==, 48);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (o, "vqa_accuracy"), sum / n, 1e-9);
  pt_rmtree (tmp, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/dataset/parquet/hub", test_hub);
  g_test_add_func ("/engine/dataset/parquet/hub-names", test_hub_names);
  g_test_add_func ("/engine/dataset/arrow/save-to-disk", test_saved);
  g_test_add_func ("/engine/dataset/table/single-files", test_single);
  g_test_add_func ("/engine/dataset/table/columns", test_columns);
  g_test_add_func ("/engine/dataset/duplicates-differing-answers", test_duplicates);
  g_test_add_func ("/engine/dataset/table/damaged", test_damaged);
  g_test_add_func ("/engine/dataset/table/cli-train-eval", test_cli_train_eval);
  return g_test_run ();
}
