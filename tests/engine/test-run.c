/* test-run.c — run folders: create, reopen, metrics, input change detection, listing. */
#include "config.h"

#include <glib/gstdio.h>
#include <string.h>

#include "pt-error.h"
#include "pt-run.h"
#include "pt-test-util.h"

static void
write_file (const char *path, const char *text)
{
  g_autoptr(GError) error = NULL;
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static PtTrainSettings *
settings_for (const char *root)
{
  PtTrainSettings *s = pt_train_settings_new ();
  g_autofree char *model = g_build_filename (root, "model", NULL);
  g_autofree char *config = g_build_filename (model, "config.json", NULL);
  g_autofree char *weights = g_build_filename (model, "model.safetensors", NULL);
  g_autofree char *data = g_build_filename (root, "shapes.jsonl", NULL);

  g_mkdir (model, 0755);
  write_file (config, "{}");
  write_file (weights, "weights");
  write_file (data, "{\"image\": \"a.png\", \"question\": \"q\", \"answer\": \"a\"}\n");
  s->model_dir = g_strdup (model);
  s->data_path = g_strdup (data);
  return s;
}

static void
test_create_and_reopen (void)
{
  g_autofree char *root = pt_test_make_temp_dir ("pt-run-XXXXXX");
  g_autofree char *runs = g_build_filename (root, "runs", NULL);
  g_autoptr(PtTrainSettings) s = settings_for (root);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) run = NULL;
  g_autoptr(PtRun) again = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *ckpt = NULL;

  s->lora_rank = 4;
  run = pt_run_create (runs, NULL, s, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (pt_run_get_name (run), ==, "shapes lora");
  g_assert_true (g_str_has_suffix (pt_run_get_id (run), "-shapes-lora"));
  g_assert_cmpint (pt_run_get_status (run), ==, PT_RUN_CREATED);

  pt_run_set_status (run, PT_RUN_FAILED, "Loss became NaN at step 7");
  pt_run_set_progress (run, 7, 100, 12.5);
  pt_run_set_best (run, 5, "val_loss", 0.25, "step-0000005");
  pt_run_set_device_name (run, "CPU (2 threads)");
  g_assert_true (pt_run_save (run, &error));

  dir = g_strdup (pt_run_get_dir (run));
  again = pt_run_open (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_run_get_status (again), ==, PT_RUN_FAILED);
  g_assert_cmpstr (pt_run_get_error (again), ==, "Loss became NaN at step 7");
  g_assert_cmpint (pt_run_get_step (again), ==, 7);
  g_assert_cmpint (pt_run_get_total_steps (again), ==, 100);
  g_assert_cmpfloat (pt_run_get_duration (again), ==, 12.5);
  g_assert_cmpint (pt_run_get_settings (again)->lora_rank, ==, 4);
  g_assert_cmpstr (pt_run_get_device_name (again), ==, "CPU (2 threads)");
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (pt_run_get_best (again)), "step"), ==, 5);

  ckpt = pt_run_checkpoint_dir (again, 42);
  g_assert_true (g_str_has_suffix (ckpt, "/checkpoints/step-0000042"));
  g_assert_true (pt_rmtree (root, &error));
}

static JsonNode *
row (const char *type, int step, double loss)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, type);
  json_builder_set_member_name (b, "step");
  json_builder_add_int_value (b, step);
  json_builder_set_member_name (b, "loss");
  json_builder_add_double_value (b, loss);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
test_metrics (void)
{
  g_autofree char *root = pt_test_make_temp_dir ("pt-run-XXXXXX");
  g_autofree char *rundir = g_build_filename (root, "r", NULL);
  g_autoptr(PtTrainSettings) s = settings_for (root);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) run = pt_run_create_at (rundir, "x", s, &error);
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char *path = g_build_filename (rundir, "metrics.jsonl", NULL);
  g_autofree char *text = NULL;

  g_assert_no_error (error);
  for (int i = 1; i <= 10; i++)
    {
      g_autoptr(JsonNode) r = row ("train", i, 1.0 / i);
      g_assert_true (pt_run_append_metrics (run, r, &error));
    }
  /* a crash mid-line leaves a fragment: it is ignored */
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  {
    g_autofree char *cut = g_strconcat (text, "{\"type\": \"tra", NULL);
    write_file (path, cut);
  }
  rows = pt_run_read_metrics (rundir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (rows->len, ==, 10);
  g_assert_cmpfloat (json_object_get_double_member (json_node_get_object (rows->pdata[3]), "loss"), ==, 0.25);
  g_clear_pointer (&rows, g_ptr_array_unref);

  g_assert_true (pt_run_truncate_metrics (run, 6, &error));
  rows = pt_run_read_metrics (rundir, &error);
  g_assert_cmpuint (rows->len, ==, 6);
  g_assert_true (pt_rmtree (root, &error));
}

static void
test_input_changes (void)
{
  g_autofree char *root = pt_test_make_temp_dir ("pt-run-XXXXXX");
  g_autofree char *rundir = g_build_filename (root, "r", NULL);
  g_autoptr(PtTrainSettings) s = settings_for (root);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) run = pt_run_create_at (rundir, "x", s, &error);
  g_autofree char *weights = g_build_filename (s->model_dir, "model.safetensors", NULL);
  g_autofree char *extra = g_build_filename (s->model_dir, "extra.safetensors", NULL);

  g_assert_true (pt_run_check_inputs (run, &error));
  g_assert_no_error (error);

  write_file (weights, "other weights, longer");
  g_assert_false (pt_run_check_inputs (run, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "model file model.safetensors changed size"));
  g_clear_error (&error);

  write_file (extra, "x");
  g_remove (s->data_path);
  g_assert_false (pt_run_check_inputs (run, &error));
  g_assert_nonnull (strstr (error->message, "extra.safetensors is new"));
  g_assert_nonnull (strstr (error->message, "dataset file shapes.jsonl is gone"));
  g_clear_error (&error);
  g_assert_true (pt_rmtree (root, &error));
}

static void
test_list_and_refusals (void)
{
  g_autofree char *root = pt_test_make_temp_dir ("pt-run-XXXXXX");
  g_autofree char *runs = g_build_filename (root, "runs", NULL);
  g_autofree char *junk = g_build_filename (runs, "not-a-run", NULL);
  g_autofree char *junkfile = g_build_filename (junk, "run.json", NULL);
  g_autoptr(PtTrainSettings) s = settings_for (root);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtRun) a = pt_run_create (runs, "first", s, &error);
  g_autoptr(PtRun) b = pt_run_create (runs, "first", s, &error);
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(PtRun) bad = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (pt_run_get_dir (a), !=, pt_run_get_dir (b));   /* same second, unique folders */
  g_mkdir_with_parents (junk, 0755);
  write_file (junkfile, "{ not json");
  list = pt_runs_list (runs);
  g_assert_cmpuint (list->len, ==, 2);

  bad = pt_run_open (junk, &error);
  g_assert_null (bad);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  bad = pt_run_create_at (pt_run_get_dir (a), "again", s, &error);
  g_assert_null (bad);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  g_assert_true (pt_run_delete (a, &error));
  g_assert_false (g_file_test (pt_run_get_dir (a), G_FILE_TEST_EXISTS));
  g_assert_true (pt_rmtree (root, &error));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/run/create-reopen", test_create_and_reopen);
  g_test_add_func ("/engine/run/metrics", test_metrics);
  g_test_add_func ("/engine/run/input-changes", test_input_changes);
  g_test_add_func ("/engine/run/list-refusals", test_list_and_refusals);
  return g_test_run ();
}
