/* test-export.c — PaliTune's exports as Hugging Face sees them: an adapter
 * folder and a merged model exported by palitune-cli, loaded by peft 0.21.2 /
 * transformers 5.23.0 in tools/make-export-fixtures.py, give the losses in
 * expected.json; PaliTune loading the same folders must agree. Twice: a
 * PaliGemma (fixtures/export) and a PaliGemma 2 (fixtures/export-g2). */
#include "config.h"

#include <math.h>

#include "pt-evaluate.h"
#include "pt-export.h"
#include "pt-pipeline.h"
#include "pt-test-util.h"

static const char *family_dir = "export";

static char *
fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", family_dir, name, NULL);
}

static double
expected (const char *key)
{
  g_autofree char *path = fixture ("expected.json");
  g_autoptr(JsonNode) node = pt_test_load_json (path, 1 << 20);

  return json_object_get_double_member (json_node_get_object (node), key);
}

/* Token-mean loss of every record of the fixture data through a pipeline. */
static double
pipeline_loss (PtPipeline *pipe)
{
  g_autofree char *data = fixture ("data/train.jsonl");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDataset) ds = pt_dataset_load (data, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_autofree guint *usable = NULL;
  g_autoptr(PtEvalMetrics) m = NULL;
  PtEvalOptions o;
  guint n = 0;

  g_assert_no_error (error);
  usable = pt_dataset_get_usable (ds, &n);
  g_assert_cmpuint (n, ==, 16);
  pt_eval_options_init (&o);
  o.generate = FALSE;
  o.n_threads = 1;
  o.template_ = "answer {question}";
  m = pt_evaluate (pipe, ds, usable, n, &o, &error);
  g_assert_no_error (error);
  return m->val_loss;
}

static void
check (const char *what, double ours, double theirs)
{
  g_test_message ("%s: PaliTune %.9g, Hugging Face %.9g, rel. diff %.2e", what, ours, theirs,
                  fabs (ours - theirs) / fabs (theirs));
  g_assert_cmpfloat (fabs (ours - theirs), <=, 1e-4 * fabs (theirs));
}

static void
test_adapter_matches_peft (gconstpointer data)
{
  g_autofree char *model = NULL, *adapter = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtPipeline) pipe = NULL;

  family_dir = data;
  model = fixture ("model");
  adapter = fixture ("adapter");
  pipe = pt_pipeline_open_inference (model, adapter, NULL, NULL, "cpu", 4, 32, &error);
  g_assert_no_error (error);
  /* the per-tower targets came back from the exported regex */
  g_assert_true (g_strv_contains ((const char *const *) pipe->settings->lora_targets, "text.q_proj"));
  g_assert_true (g_strv_contains ((const char *const *) pipe->settings->lora_targets, "vision.fc1"));
  g_assert_cmpuint (g_strv_length (pipe->settings->lora_targets), ==, 4);
  check ("base + adapter", pipeline_loss (pipe), expected ("adapter_loss"));
  pt_model_set_lora_enabled (pipe->model, FALSE);
  check ("adapter disabled", pipeline_loss (pipe), expected ("base_loss"));
}

static void
test_merged_matches_transformers (gconstpointer data)
{
  g_autofree char *merged = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtPipeline) pipe = NULL;

  family_dir = data;
  merged = fixture ("merged");
  pipe = pt_pipeline_open_inference (merged, NULL, NULL, NULL, "cpu", 4, 32, &error);

  g_assert_no_error (error);
  check ("merged", pipeline_loss (pipe), expected ("merged_loss"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/engine/export/adapter-peft", "export", test_adapter_matches_peft);
  g_test_add_data_func ("/engine/export/merged-transformers", "export", test_merged_matches_transformers);
  g_test_add_data_func ("/engine/export/paligemma2/adapter-peft", "export-g2", test_adapter_matches_peft);
  g_test_add_data_func ("/engine/export/paligemma2/merged-transformers", "export-g2",
                        test_merged_matches_transformers);
  return g_test_run ();
}
