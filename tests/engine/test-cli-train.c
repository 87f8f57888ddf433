/* test-cli-train.c — palitune-cli train / eval / predict / export / bench /
 * init-model end to end (the built program, $PT_CLI) on a tiny model, and
 * the export round trips: a run's checkpoint, its exported PEFT adapter and
 * its merged model give the same loss and the same answers. */
#include "config.h"

#include <math.h>
#include <string.h>
#include <sys/wait.h>   /* WIFEXITED */

#include "pt-json.h"
#include "pt-test-model.h"

static PtTestWorld *world;

/* Runs the CLI with args; returns the exit code, stdout in *out. */
static int
cli (char **out, const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  const char *arg;
  va_list ap;
  int status = -1;

  g_ptr_array_add (argv, (char *) g_getenv ("PT_CLI"));
  va_start (ap, first);
  for (arg = first; arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, (char *) arg);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL,
                               out, &err, &status, &error));
  g_assert_no_error (error);
  if (err != NULL && *err != '\0')
    g_test_message ("stderr: %s", err);
  return WIFEXITED (status) ? WEXITSTATUS (status) : -1;
}

static JsonObject *
parse_object (const char *text, JsonNode **keep)
{
  g_autoptr(GError) error = NULL;
  *keep = pt_json_parse (text, -1, "output", &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (*keep));
  return json_node_get_object (*keep);
}

static double
eval_loss (const char *model_flag, const char *model_value, const char *extra_flag,
           const char *extra_value)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *o;
  int code;

  if (extra_flag != NULL)
    code = cli (&out, "eval", model_flag, model_value, extra_flag, extra_value, "--data", world->val,
                "--no-generate", "--json", NULL);
  else
    code = cli (&out, "eval", model_flag, model_value, "--data", world->val, "--no-generate", "--json", NULL);
  g_assert_cmpint (code, ==, 0);
  o = parse_object (out, &node);
  g_assert_true (json_object_has_member (o, "vqa_accuracy"));
  g_assert_true (json_object_has_member (o, "exact_match"));
  g_assert_cmpint (json_object_get_int_member (o, "n"), >, 0);
  return json_object_get_double_member (o, "loss");
}

static char *
predict (const char *model_flag, const char *model_value, const char *extra_flag,
         const char *extra_value, const char *image)
{
  g_autofree char *out = NULL;
  int code;

  if (extra_flag != NULL)
    code = cli (&out, "predict", model_flag, model_value, extra_flag, extra_value, "--image", image,
                "--question", "what color is the circle?", "--max-new-tokens", "6", NULL);
  else
    code = cli (&out, "predict", model_flag, model_value, "--image", image,
                "--question", "what color is the circle?", "--max-new-tokens", "6", NULL);
  g_assert_cmpint (code, ==, 0);
  return g_steal_pointer (&out);
}

static void
test_train_eval_predict_export (void)
{
  g_autofree char *run = g_build_filename (world->root, "cli-run", NULL);
  g_autofree char *adapter = g_build_filename (world->root, "cli-adapter", NULL);
  g_autofree char *merged = g_build_filename (world->root, "cli-merged", NULL);
  g_autofree char *image = g_build_filename (world->data_dir, "images", "000001.png", NULL);
  g_autofree char *out = NULL;
  g_autofree char *p_run = NULL, *p_adapter = NULL, *p_merged = NULL;
  g_autoptr(JsonNode) node = NULL;
  double l_base, l_run, l_adapter, l_merged;
  JsonObject *o;

  /* train: a LoRA run with a high learning rate so the weights move */
  g_assert_cmpint (cli (&out, "train", "--model", world->model_dir, "--data", world->train,
                        "--val-data", world->val, "--batch", "2", "--grad-accum", "1",
                        "--max-steps", "6", "--lr", "5e-3", "--rank", "4", "--alpha", "16",
                        "--eval-every", "3", "--eval-samples", "2", "--workers", "1",
                        "--out", run, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "step 6/6 | loss"));
  g_assert_nonnull (strstr (out, "eval step 3"));
  g_clear_pointer (&out, g_free);

  /* training again into the same folder is refused (bad input: exit 2) */
  g_assert_cmpint (cli (&out, "train", "--model", world->model_dir, "--data", world->train,
                        "--out", run, NULL), ==, 2);
  g_clear_pointer (&out, g_free);

  /* losses: the run, its adapter and its merged model agree; the base differs */
  l_base = eval_loss ("--model", world->model_dir, NULL, NULL);
  l_run = eval_loss ("--run", run, NULL, NULL);
  g_assert_cmpint (cli (&out, "export", "--run", run, "--adapter-out", adapter, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (&out, "export", "--run", run, "--merged-out", merged, NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  l_adapter = eval_loss ("--model", world->model_dir, "--adapter", adapter);
  l_merged = eval_loss ("--model", merged, NULL, NULL);
  g_test_message ("loss: base %.9g run %.9g adapter %.9g merged %.9g", l_base, l_run, l_adapter, l_merged);
  g_assert_cmpfloat (l_run, ==, l_adapter);
  g_assert_cmpfloat (fabs (l_merged - l_run), <, 1e-4 * fabs (l_run));
  g_assert_cmpfloat (fabs (l_base - l_run), >, 1e-6);

  /* answers agree too */
  p_run = predict ("--run", run, NULL, NULL, image);
  p_adapter = predict ("--model", world->model_dir, "--adapter", adapter, image);
  p_merged = predict ("--model", merged, NULL, NULL, image);
  g_assert_cmpstr (p_run, ==, p_adapter);
  g_assert_cmpstr (p_run, ==, p_merged);

  /* predict --json with --compare: base and tuned answers, one object per image */
  g_assert_cmpint (cli (&out, "predict", "--run", run, "--image", image, "--image", image,
                        "--prompt", "answer what shape is red?", "--compare", "--json", NULL), ==, 0);
  {
    g_auto(GStrv) lines = g_strsplit (g_strstrip (out), "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 2);
    o = parse_object (lines[0], &node);
    g_assert_true (json_object_has_member (o, "answer"));
    g_assert_true (json_object_has_member (o, "base_answer"));
    g_assert_cmpstr (json_object_get_string_member (o, "image"), ==, image);
  }
  g_clear_pointer (&out, g_free);

  /* exporting into a non-empty folder needs --force */
  g_assert_cmpint (cli (&out, "export", "--run", run, "--adapter-out", adapter, NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (&out, "export", "--run", run, "--adapter-out", adapter, "--force", NULL), ==, 0);
  g_clear_pointer (&out, g_free);

  /* resume of a finished run is refused */
  g_assert_cmpint (cli (&out, "train", "--resume", run, NULL), ==, 2);
}

static void
test_eval_json_by_type (void)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) node = NULL;
  JsonObject *o, *by;

  g_assert_cmpint (cli (&out, "eval", "--model", world->model_dir, "--data", world->val,
                        "--max-new-tokens", "3", "--json", NULL), ==, 0);
  o = parse_object (out, &node);
  g_assert_true (json_object_has_member (o, "loss"));
  by = json_object_get_object_member (o, "by_type");
  g_assert_nonnull (by);
  g_assert_true (json_object_has_member (by, "color"));
  g_assert_true (json_object_has_member (json_object_get_object_member (by, "color"), "vqa_accuracy"));
  g_assert_cmpfloat (json_object_get_double_member (o, "vqa_accuracy"), >=, 0.0);
  g_assert_cmpfloat (json_object_get_double_member (o, "vqa_accuracy"), <=, 1.0);
}

static void
test_bench_and_init (void)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *cfg = g_build_filename (world->model_dir, "config.json", NULL);
  g_autofree char *dst = g_build_filename (world->root, "fresh-model", NULL);
  JsonObject *o;

  g_assert_cmpint (cli (&out, "bench", "--model", world->model_dir, "--batch", "2", "--steps", "2",
                        "--json", NULL), ==, 0);
  o = parse_object (out, &node);
  g_assert_cmpfloat (json_object_get_double_member (o, "samples_per_s"), >, 0);
  g_assert_cmpfloat (json_object_get_double_member (o, "step_ms"), >, 0);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (cli (&out, "init-model", "--config", cfg, "--out", dst, "--seed", "3", NULL), ==, 0);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (&out, "init-model", "--config", cfg, "--out", dst, NULL), ==, 2);   /* not empty */
}

static void
test_bad_usage (void)
{
  g_autofree char *out = NULL;
  g_autofree char *missing = g_build_filename (world->root, "no-such-model", NULL);

  g_assert_cmpint (cli (&out, "train", "--data", world->train, NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (&out, "train", "--model", world->model_dir, "--data", world->train,
                        "--mode", "dora", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (&out, "train", "--model", world->model_dir, "--data", world->train,
                        "--rank", "0", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (&out, "eval", "--model", missing, "--data", world->val, NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (&out, "predict", "--model", world->model_dir, "--prompt", "x", NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (&out, "export", "--run", missing, "--adapter-out", missing, NULL), ==, 2);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (cli (&out, "nonsense", NULL), ==, 2);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  world = pt_test_world_new (12, 6);
  g_test_add_func ("/engine/cli/train-eval-predict-export", test_train_eval_predict_export);
  g_test_add_func ("/engine/cli/eval-json", test_eval_json_by_type);
  g_test_add_func ("/engine/cli/bench-init", test_bench_and_init);
  g_test_add_func ("/engine/cli/bad-usage", test_bad_usage);
  status = g_test_run ();
  pt_test_world_free (world);
  return status;
}
