/* test-cli-data.c — `palitune-cli data inspect` (the built program, $PT_CLI) on the fixtures. */
#include "config.h"

#include <string.h>

#include "dataset-test-util.h"
#include "pt-json.h"
#include "pt-processor.h"   /* the reference token counts */

/* Runs palitune-cli with args; returns the exit status, stdout and stderr. */
static int
cli (char **out, char **err, ...)
{
  const char *exe = g_getenv ("PT_CLI");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int status = -1;
  va_list args;
  const char *a;

  g_assert_nonnull (exe);
  g_ptr_array_add (argv, (char *) exe);
  va_start (args, err);
  while ((a = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) a);
  va_end (args);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static JsonObject *
parse (const char *text, JsonNode **root)
{
  g_autoptr(GError) error = NULL;

  *root = pt_json_parse (text, -1, "palitune-cli output", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*root));
  return json_node_get_object (*root);
}

static gboolean
has_problem (JsonArray *problems, guint line, const char *kind)
{
  for (guint i = 0; i < json_array_get_length (problems); i++)
    {
      JsonObject *p = json_array_get_object_element (problems, i);
      if ((guint) json_object_get_int_member (p, "line") == line
          && g_str_equal (json_object_get_string_member (p, "kind"), kind)
          && g_str_has_suffix (json_object_get_string_member (p, "file"), "bad.jsonl")
          && strlen (json_object_get_string_member (p, "reason")) > 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_json_bad_jsonl (void)
{
  g_autofree char *path = fixture ("bad.jsonl");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;
  JsonArray *problems;

  g_assert_cmpint (cli (&out, &err, "data", "inspect", path, "--json", NULL), ==, 0);
  o = parse (out, &root);
  g_assert_cmpstr (json_object_get_string_member (o, "format"), ==, "jsonl");
  g_assert_cmpint (json_object_get_int_member (o, "records"), ==, 16);
  g_assert_cmpint (json_object_get_int_member (o, "usable"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "duplicates"), ==, 1);
  problems = json_object_get_array_member (o, "problems");
  g_assert_cmpuint (json_array_get_length (problems), ==, 14);
  g_assert_true (has_problem (problems, 2, "syntax"));
  g_assert_true (has_problem (problems, 3, "wrong-type"));
  g_assert_true (has_problem (problems, 6, "image-missing"));
  g_assert_true (has_problem (problems, 7, "image-undecodable"));
  g_assert_true (has_problem (problems, 8, "duplicate"));
  g_assert_true (has_problem (problems, 13, "encoding"));
  g_assert_false (has_problem (problems, 5, "syntax"));   /* the blank line */
  {
    JsonObject *counts = json_object_get_object_member (o, "counts");
    g_assert_cmpint (json_object_get_int_member (counts, "syntax"), ==, 3);
    g_assert_cmpint (json_object_get_int_member (counts, "image_undecodable"), ==, 3);
  }
  {
    JsonObject *images = json_object_get_object_member (o, "images");
    JsonArray *sizes = json_object_get_array_member (images, "sizes");
    g_assert_cmpint (json_object_get_int_member (images, "distinct"), ==, 2);
    g_assert_cmpuint (json_array_get_length (sizes), ==, 2);
    g_assert_true (json_object_has_member (images, "histogram"));
  }
  {
    JsonObject *answers = json_object_get_object_member (o, "answers");
    g_assert_cmpint (json_object_get_int_member (answers, "distinct"), ==, 2);
  }
  g_assert_true (json_object_has_member (o, "question_types"));
}

static void
test_json_vqa_folder (void)
{
  g_autofree char *path = fixture ("vqa");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;
  JsonArray *types;

  g_assert_cmpint (cli (&out, &err, "data", "inspect", "--json", path, NULL), ==, 0);
  o = parse (out, &root);
  g_assert_cmpstr (json_object_get_string_member (o, "format"), ==, "vqav2");
  g_assert_cmpint (json_object_get_int_member (o, "records"), ==, 5);
  g_assert_cmpint (json_object_get_int_member (o, "usable"), ==, 3);
  types = json_object_get_array_member (json_object_get_object_member (o, "question_types"), "top");
  g_assert_cmpuint (json_array_get_length (types), ==, 3);
  {
    JsonObject *first = json_array_get_object_element (
      json_object_get_array_member (json_object_get_object_member (o, "answers"), "top"), 0);
    g_assert_cmpint (json_object_get_int_member (first, "count"), ==, 1);
  }
}

static void
test_human_table (void)
{
  g_autofree char *path = fixture ("good.csv");
  g_autofree char *out = NULL, *err = NULL;

  g_assert_cmpint (cli (&out, &err, "data", "inspect", path, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "4 read, 4 usable"));
  g_assert_nonnull (strstr (out, "CSV"));
  g_assert_nonnull (strstr (out, "Problems"));
}

/* Token counts: the processor encodes each record on its own as the reference. */
static void
test_tokenizer (void)
{
  g_autofree char *path = fixture ("good.jsonl");
  g_autofree char *model = g_test_build_filename (G_TEST_DIST, "fixtures", "tokenizer", "tokenizer.model", NULL);
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTokenizer) tok = pt_tokenizer_load (model, &error);
  g_autoptr(PtDataset) ds = pt_dataset_load (path, PT_DATASET_FORMAT_AUTO, NULL, &error);
  JsonObject *o, *tokens;
  int max = 0;
  guint over = 0;

  g_assert_no_error (error);
  for (guint i = 0; i < pt_dataset_get_n_records (ds); i++)
    {
      PtRecord r;
      g_autofree char *prompt = pt_dataset_get_prompt (ds, i, "answer en {question}");
      g_autoptr(PtEncoded) enc = NULL;
      pt_dataset_get_record (ds, i, &r);
      enc = pt_processor_encode (tok, 1, prompt, r.answer, 0, &error);
      g_assert_no_error (error);
      max = MAX (max, enc->n - 1);       /* less the one image token */
      over += enc->n - 1 > 14;
    }
  g_assert_cmpuint (over, >, 0);
  g_assert_cmpint (cli (&out, &err, "data", "inspect", path, "--json", "--tokenizer", model,
                        "--max-text-len", "14", "--template", "answer en {question}", NULL), ==, 0);
  o = parse (out, &root);
  tokens = json_object_get_object_member (o, "tokens");
  g_assert_nonnull (tokens);
  g_assert_cmpint (json_object_get_int_member (tokens, "max"), ==, max);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (o, "counts"), "text_too_long"), ==, over);
  g_assert_cmpint (json_object_get_int_member (o, "usable"), ==, 5);   /* warnings only */
  g_assert_cmpint (json_object_get_int_member (o, "warnings"), ==, over);
  /* a folder holding tokenizer.model works too; a missing one is bad usage */
  {
    g_autofree char *dir = g_path_get_dirname (model);
    g_autofree char *out2 = NULL, *err2 = NULL;
    g_assert_cmpint (cli (&out2, &err2, "data", "inspect", path, "--tokenizer", dir, NULL), ==, 0);
    g_assert_nonnull (strstr (out2, "Tokens"));
  }
  {
    g_autofree char *out2 = NULL, *err2 = NULL;
    g_assert_cmpint (cli (&out2, &err2, "data", "inspect", path, "--tokenizer", "/nonexistent", NULL), ==, 2);
  }
}

static void
test_exit_codes (void)
{
  g_autofree char *nocol = fixture ("no-answer-column.csv");
  g_autofree char *empty = fixture ("empty.jsonl");
  g_autofree char *image = fixture ("images/red.png");
  const char *bad_inputs[] = { nocol, empty, image, "/nonexistent/x.jsonl" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_inputs); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_assert_cmpint (cli (&out, &err, "data", "inspect", bad_inputs[i], "--json", NULL), ==, 2);
      g_assert_cmpstr (out, ==, "");
      /* one clear line */
      g_assert_true (g_str_has_prefix (err, "palitune-cli: "));
      g_assert_nonnull (strchr (err, '\n'));
      g_assert_cmpstr (strchr (err, '\n') + 1, ==, "");
    }
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (cli (&out, &err, "data", NULL), ==, 2);
  }
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (cli (&out, &err, "data", "inspect", NULL), ==, 2);
  }
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (cli (&out, &err, "data", "inspect", nocol, "--bogus", NULL), ==, 2);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/cli/data/json-bad-jsonl", test_json_bad_jsonl);
  g_test_add_func ("/engine/cli/data/json-vqa-folder", test_json_vqa_folder);
  g_test_add_func ("/engine/cli/data/human-table", test_human_table);
  g_test_add_func ("/engine/cli/data/tokenizer", test_tokenizer);
  g_test_add_func ("/engine/cli/data/exit-codes", test_exit_codes);
  return g_test_run ();
}
