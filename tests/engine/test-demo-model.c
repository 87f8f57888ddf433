/* test-demo-model.c — the shipped demo model (data/demo).
 *
 *   /engine/demo-model/files       demo.json lists the tasks and settings the app uses, and the
 *                                  model loads with its tokenizer
 *   /engine/demo-model/pretrained  it answers the question types it was pretrained on, on a
 *                                  freshly generated set (a seed it never saw)
 *   /engine/demo-model/finetune    a short version of the recommended LoRA fine-tune lifts the
 *                                  held-out task (French colour questions) from chance level to
 *                                  well above it: an engine regression (forward, backward, LoRA,
 *                                  optimiser, data, generation) breaks this
 *
 * The thresholds have a wide margin over the figures measured when the model
 * was made (data/demo/README.md), so that they hold on any machine, yet far
 * above what a broken engine reaches.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "pt-demo-data.h"    /* pt_demo_generate */
#include "pt-evaluate.h"     /* pt_evaluate */
#include "pt-json.h"         /* pt_json_load_file */
#include "pt-pipeline.h"     /* pt_pipeline_open_inference */
#include "pt-run.h"          /* PtRun, pt_rmtree */
#include "pt-trainer.h"      /* PtTrainer */

/* The short fine-tune: training images (one French colour question each, for
 * those with a shape that occurs once) and optimiser steps of the recommended
 * settings' batch. */
enum { FT_TRAIN_IMAGES = 400, FT_VAL_IMAGES = 60, FT_STEPS = 140 };

static char *demo_dir;       /* data/demo in the source tree */
static char *tmp_root;
static JsonNode *demo_json;  /* data/demo/demo.json */

static JsonObject *
demo_object (void)
{
  return json_node_get_object (demo_json);
}

/* A demo dataset of `tasks` in tmp_root/name: n_train + n_val images at the
 * model's resolution. */
static char *
make_data (const char *name, const char *tasks, guint n_train, guint n_val, guint64 seed)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_build_filename (tmp_root, name, NULL);
  PtDemoOptions o;

  /* the scenes the model was made for, as demo.json describes them */
  pt_demo_options_init (&o);
  pt_demo_options_update_from_json (&o, json_object_get_object_member (demo_object (), "dataset"));
  o.seed = seed;
  o.n_train = n_train;
  o.n_val = n_val;
  o.threads = 2;
  g_assert_true (pt_demo_parse_tasks (tasks, &o.tasks, &error));
  g_assert_true (pt_demo_generate (&o, dir, FALSE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return dir;
}

/* Accuracy (VQA) of the demo model, with the run's weights when run_dir is
 * not NULL, on the records of `jsonl`; by question type in *by_type. */
static double
accuracy (const char *run_dir, const char *jsonl, JsonNode **by_type)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDataset) ds = pt_dataset_load (jsonl, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_autoptr(PtPipeline) pipe = NULL;
  g_autoptr(PtEvalMetrics) m = NULL;
  g_autofree guint *usable = NULL;
  guint n = 0;
  int text_len;
  PtEvalOptions eo;

  g_assert_no_error (error);
  usable = pt_dataset_get_usable (ds, &n);
  g_assert_cmpuint (n, >, 0);
  {
    g_autoptr(PtTokenizer) tok = NULL;
    g_autoptr(PtModelConfig) config = pt_pipeline_read_config (demo_dir, &tok, &error);
    guint over = 0;

    g_assert_no_error (error);
    text_len = pt_measure_text (tok, ds, usable, n, NULL, 512, &over, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (over, ==, 0);
  }
  pipe = pt_pipeline_open_inference (run_dir ? NULL : demo_dir, NULL, run_dir, NULL, "cpu", 16,
                                     text_len, &error);
  g_assert_no_error (error);
  pt_eval_options_init (&eo);
  eo.compute_loss = FALSE;
  eo.generate = TRUE;
  eo.max_new_tokens = 4;
  m = pt_evaluate (pipe, ds, usable, n, &eo, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (m->n, ==, n);
  if (by_type != NULL)
    *by_type = json_node_copy (json_object_get_member (json_node_get_object (m->details),
                                                       "by_type"));
  return m->vqa_accuracy;
}

static void
test_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTokenizer) tok = NULL;
  g_autoptr(PtModelConfig) config = pt_pipeline_read_config (demo_dir, &tok, &error);
  JsonObject *o = demo_object ();
  JsonArray *pre = json_object_get_array_member (o, "pretrained_tasks");
  JsonArray *fine = json_object_get_array_member (o, "finetune_tasks");
  g_autoptr(PtTrainSettings) s = NULL;

  g_assert_no_error (error);
  g_assert_nonnull (tok);
  g_assert_cmpint (config->image_size, ==,
                   json_object_get_int_member (json_object_get_object_member (o, "dataset"),
                                               "image_size"));
  g_assert_cmpuint (json_array_get_length (pre), >=, 2);
  g_assert_cmpuint (json_array_get_length (fine), >=, 1);
  for (guint i = 0; i < json_array_get_length (pre) + json_array_get_length (fine); i++)
    {
      const char *t = i < json_array_get_length (pre)
                      ? json_array_get_string_element (pre, i)
                      : json_array_get_string_element (fine, i - json_array_get_length (pre));
      guint mask = 0;
      g_assert_true (pt_demo_parse_tasks (t, &mask, &error));
      g_assert_no_error (error);
    }
  s = pt_train_settings_from_json_node (json_object_get_member (o, "settings"), &error);
  g_assert_no_error (error);
  g_assert_true (pt_train_settings_validate (s, &error));
  g_assert_no_error (error);
  g_assert_cmpint (s->mode, ==, PT_MODE_LORA);
}

static void
test_pretrained (void)
{
  JsonArray *tasks = json_object_get_array_member (demo_object (), "pretrained_tasks");
  g_autoptr(GString) list = g_string_new (NULL);
  g_autofree char *dir = NULL;
  g_autofree char *val = NULL;
  g_autoptr(JsonNode) by_type = NULL;
  double acc;

  for (guint i = 0; i < json_array_get_length (tasks); i++)
    g_string_append_printf (list, "%s%s", i ? "," : "", json_array_get_string_element (tasks, i));
  dir = make_data ("pretrained", list->str, 1, 40, 424242);
  val = g_build_filename (dir, "val.jsonl", NULL);
  acc = accuracy (NULL, val, &by_type);
  g_test_message ("pretrained tasks: accuracy %.3f", acc);
  g_assert_cmpfloat (acc, >=, 0.9);
  for (guint i = 0; i < json_array_get_length (tasks); i++)
    {
      const char *t = json_array_get_string_element (tasks, i);
      JsonObject *bt = json_node_get_object (by_type);
      double a;

      g_assert_true (json_object_has_member (bt, t));
      a = json_object_get_double_member (json_object_get_object_member (bt, t), "vqa_accuracy");
      g_test_message ("  %s %.3f", t, a);
      g_assert_cmpfloat (a, >=, 0.85);
    }
}

static void
test_finetune (void)
{
  JsonObject *o = demo_object ();
  const char *task = json_array_get_string_element (json_object_get_array_member (o, "finetune_tasks"), 0);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTrainSettings) s = pt_train_settings_from_json_node (json_object_get_member (o, "settings"),
                                                                   &error);
  g_autofree char *dir = NULL;
  g_autofree char *train = NULL;
  g_autofree char *val = NULL;
  g_autofree char *runs = g_build_filename (tmp_root, "runs", NULL);
  g_autoptr(PtRun) run = NULL;
  g_autoptr(PtTrainer) trainer = NULL;
  double before, after;

  g_assert_no_error (error);
  dir = make_data ("finetune", task, FT_TRAIN_IMAGES, FT_VAL_IMAGES, 777);
  train = g_build_filename (dir, "train.jsonl", NULL);
  val = g_build_filename (dir, "val.jsonl", NULL);

  before = accuracy (NULL, val, NULL);
  g_test_message ("%s before fine-tuning: %.3f", task, before);
  g_assert_cmpfloat (before, <=, 0.3);

  /* the recommended settings, shortened */
  g_free (s->model_dir);
  s->model_dir = g_strdup (demo_dir);
  g_free (s->data_path);
  s->data_path = g_strdup (train);
  g_free (s->val_data_path);
  s->val_data_path = g_strdup (val);
  s->max_steps = FT_STEPS;
  s->eval_every = 0;
  s->eval_max_samples = 8;
  s->save_every = 0;
  s->num_workers = 1;
  run = pt_run_create (runs, "demo-finetune", s, &error);
  g_assert_no_error (error);
  trainer = pt_trainer_new (run, NULL, FALSE, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (pt_trainer_run (trainer, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pt_run_get_status (run), ==, PT_RUN_FINISHED);

  after = accuracy (pt_run_get_dir (run), val, NULL);
  g_test_message ("%s after %d LoRA steps: %.3f", task, FT_STEPS, after);
  g_assert_cmpfloat (after, >=, 0.6);
}

/* ---- a memory budget below what batch 16 needs ------------------------------------- */

typedef struct {
  GArray  *losses;      /* per step */
  guint64  peak;        /* the backend's high-water mark */
  guint    oom_lines;   /* log lines saying the micro-batch was halved */
  char    *last_status;
} Budget;

static void
budget_step (const PtStepMetrics *m, gpointer user_data)
{
  Budget *b = user_data;

  g_array_append_val (b->losses, m->loss);
  b->peak = MAX (b->peak, m->memory_peak);
}

static void
budget_log (const char *line, gpointer user_data)
{
  Budget *b = user_data;

  g_test_message ("trainer: %s", line);
  b->oom_lines += g_str_has_prefix (line, "Out of memory at micro-batch");
}

static void
budget_status (PtRunStatus status, const char *message, gpointer user_data)
{
  Budget *b = user_data;

  if (status == PT_RUN_RUNNING && message != NULL && g_str_has_prefix (message, "Training"))
    {
      g_free (b->last_status);
      b->last_status = g_strdup (message);
    }
}

static void
budget_run (const char *train, const char *val, const char *name, guint64 limit, Budget *b)
{
  JsonObject *o = demo_object ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTrainSettings) s = pt_train_settings_from_json_node (json_object_get_member (o, "settings"),
                                                                   &error);
  g_autofree char *runs = g_build_filename (tmp_root, "runs", NULL);
  g_autoptr(PtRun) run = NULL;
  g_autoptr(PtTrainer) trainer = NULL;
  PtTrainerCallbacks cb = { budget_step, NULL, budget_status, budget_log, b };

  g_assert_no_error (error);
  g_free (s->model_dir);
  s->model_dir = g_strdup (demo_dir);
  g_free (s->data_path);
  s->data_path = g_strdup (train);
  g_free (s->val_data_path);
  s->val_data_path = g_strdup (val);
  g_free (s->precision);
  s->precision = g_strdup ("f32");
  g_assert_cmpint (s->batch_size, ==, 16);
  s->grad_accum = 2;
  s->max_steps = 3;
  s->eval_every = 0;
  s->eval_max_samples = 2;
  s->max_new_tokens = 1;
  s->num_workers = 1;
  s->memory_limit = limit;
  b->losses = g_array_new (FALSE, FALSE, sizeof (double));
  run = pt_run_create (runs, name, s, &error);
  g_assert_no_error (error);
  trainer = pt_trainer_new (run, NULL, FALSE, &cb, &error);
  g_assert_no_error (error);
  g_assert_true (pt_trainer_run (trainer, &error));
  g_assert_no_error (error);
  g_assert_cmpint (pt_run_get_status (run), ==, PT_RUN_FINISHED);
}

/* The same three steps of 2 × 16 samples, unconstrained and under a memory
 * limit that batch 16 exceeds: the limited run halves its micro-batch by
 * itself, says so, and computes the same losses. */
static void
test_memory_limit (void)
{
  g_autofree char *dir = make_data ("budget", "color_fr", 96, 2, 99);
  g_autofree char *train = g_build_filename (dir, "train.jsonl", NULL);
  g_autofree char *val = g_build_filename (dir, "val.jsonl", NULL);
  Budget a = { 0 }, b = { 0 };
  guint64 limit;

  budget_run (train, val, "budget-free", 0, &a);
  g_assert_cmpuint (a.losses->len, ==, 3);
  g_assert_cmpuint (a.oom_lines, ==, 0);
  /* below what batch 16 took, above what half of its activations take */
  limit = a.peak * 3 / 4;
  budget_run (train, val, "budget-limited", limit, &b);
  g_test_message ("batch 16 peak %.1f MiB; limit %.1f MiB; limited run peak %.1f MiB",
                  a.peak / 1048576.0, limit / 1048576.0, b.peak / 1048576.0);
  g_assert_cmpuint (b.oom_lines, >=, 1);
  g_assert_cmpuint (b.peak, <=, limit);
  g_assert_nonnull (b.last_status);
  g_assert_nonnull (strstr (b.last_status, "did not fit"));
  g_assert_cmpuint (b.losses->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      double la = g_array_index (a.losses, double, i), lb = g_array_index (b.losses, double, i);
      g_test_message ("step %u: loss %.7f unconstrained, %.7f limited", i + 1, la, lb);
      g_assert_cmpfloat (fabs (la - lb), <=, 1e-4 * fabs (la));
    }
  g_array_unref (a.losses);
  g_array_unref (b.losses);
  g_free (a.last_status);
  g_free (b.last_status);
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *json_path = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  demo_dir = g_build_filename (SOURCE_DATADIR, "demo", NULL);
  json_path = g_build_filename (demo_dir, "demo.json", NULL);
  demo_json = pt_json_load_file (json_path, 1 << 20, &error);
  g_assert_no_error (error);
  tmp_root = g_dir_make_tmp ("pt-demo-model-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/engine/demo-model/files", test_files);
  g_test_add_func ("/engine/demo-model/pretrained", test_pretrained);
  g_test_add_func ("/engine/demo-model/finetune", test_finetune);
  g_test_add_func ("/engine/demo-model/memory-limit", test_memory_limit);
  status = g_test_run ();

  pt_rmtree (tmp_root, NULL);
  g_free (tmp_root);
  g_free (demo_dir);
  json_node_unref (demo_json);
  return status;
}
