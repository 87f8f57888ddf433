/* test-demo.c — the first start: the demo model found, its fine-tune dataset
 * generated in a worker thread, the model, the dataset and the recommended
 * settings selected on the Train page, the GSettings key set; asking again
 * reuses the dataset.
 *
 * Until data/demo/ is committed, the demo is a stand-in made here (a random
 * micro PaliGemma as `palitune-cli init-model` writes it, with the fixture
 * tokenizer, and a demo.json) and found through PALITUNE_DEMO_DIR; with
 * PT_TEST_REAL_DEMO=1 the test uses the shipped data/demo instead. */
#include "config.h"

#include <glib/gstdio.h>

#include "pt-application.h"
#include "pt-config.h"
#include "pt-demo.h"
#include "pt-json.h"
#include "pt-init.h"                 /* pt_model_init_random */
#include "pt-run.h"                  /* pt_rmtree */
#include "pt-test-ui.h"
#include "pt-train-controller.h"
#include "pt-window.h"

/* The demo's micro model (app/pt-cli-bench.c's micro_config). */
static const char micro_config[] =
  "{\"model_type\": \"paligemma\", \"image_token_index\": 2048, \"hidden_size\": 192,"
  " \"projection_dim\": 192, \"bos_token_id\": 2, \"eos_token_id\": 1, \"pad_token_id\": 0,"
  " \"text_config\": {\"model_type\": \"gemma\", \"hidden_size\": 192, \"intermediate_size\": 768,"
  "  \"num_attention_heads\": 4, \"num_key_value_heads\": 1, \"head_dim\": 48, \"num_hidden_layers\": 4,"
  "  \"vocab_size\": 2112, \"num_image_tokens\": 64},"
  " \"vision_config\": {\"model_type\": \"siglip_vision_model\", \"hidden_size\": 128,"
  "  \"intermediate_size\": 512, \"num_attention_heads\": 4, \"num_hidden_layers\": 4,"
  "  \"image_size\": 112, \"patch_size\": 14, \"num_image_tokens\": 64, \"projection_dim\": 192}}";

static const char demo_json[] =
  "{\"description\": \"stand-in\", \"pretrained_tasks\": [\"color\", \"shape\"],"
  " \"finetune_tasks\": [\"count\"], \"dataset\": {\"n_train\": 48, \"seed\": 7, \"max_shapes\": 3},"
  " \"settings\": {\"batch_size\": 4, \"grad_accum\": 1, \"max_steps\": 30, \"eval_every\": 10,"
  "   \"learning_rate\": 0.0005, \"val_split\": 8, \"prompt_template\": \"answer {question}\"}}";

static char *home;
static char *demo_dir;
static PtTrainSettings *expected;   /* demo.json's recommended settings */
static char *finetune_task;         /* its first finetune task */
static PtDemoOptions demo_data;     /* its "dataset" */
static gboolean real_demo;          /* data/demo, not the stand-in */
static PtApplication *app;
static PtWindow *window;

static gboolean
window_mapped (gpointer data)
{
  GtkWindow *w = gtk_application_get_active_window (GTK_APPLICATION (app));
  return w != NULL && gtk_widget_get_mapped (GTK_WIDGET (w)) && gtk_widget_get_width (GTK_WIDGET (w)) > 0;
}

static PtTrainSettingsView *
settings_view (void)
{
  return pt_train_page_get_settings_view (pt_window_get_train_page (window));
}

static gboolean
demo_selected (gpointer data)
{
  const PtTrainSettings *s = pt_train_settings_view_get_settings (settings_view ());
  return g_strcmp0 (s->model_dir, demo_dir) == 0 && g_strcmp0 (s->data_path, data) == 0;
}

static gboolean
probed (gpointer data)
{
  PtTrainController *c = pt_train_controller_get_for_window (window);
  return pt_train_controller_has_model_info (c) && !pt_train_controller_is_probing (c);
}

static void
make_stand_in (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtModelConfig) config = pt_model_config_from_json (micro_config, -1, &error);
  g_autofree char *tokenizer = g_test_build_filename (G_TEST_DIST, "fixtures", "tokenizer", "tokenizer.model", NULL);
  g_autofree char *json = NULL;

  g_assert_no_error (error);
  demo_dir = g_build_filename (home, "stand-in-demo", NULL);
  g_assert_true (pt_model_init_random (config, 0, tokenizer, demo_dir, &error));
  g_assert_no_error (error);
  json = g_build_filename (demo_dir, "demo.json", NULL);
  g_assert_true (g_file_set_contents (json, demo_json, -1, &error));
}

static void
test_first_run (void)
{
  g_autofree char *train = g_build_filename (home, "palitune", "demo-data", "train.jsonl", NULL);
  g_autofree char *info = g_build_filename (home, "palitune", "demo-data", "demo-data.json", NULL);
  g_autoptr(GSettings) gsettings = g_settings_new ("io.github.palitune.PaliTune");
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  const PtTrainSettings *s;
  GStatBuf before, after;
  guint n = 0;

  g_assert_false (g_settings_get_boolean (gsettings, "demo-prepared"));
  g_application_activate (G_APPLICATION (app));
  g_assert_true (pt_test_wait_until (window_mapped, NULL, 10000));
  window = PT_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (app)));
  gtk_window_set_default_size (GTK_WINDOW (window), 1200, 800);

  /* the dataset is drawn in a worker thread, then everything is selected */
  g_assert_true (pt_test_wait_until (demo_selected, train, 60000));
  g_assert_true (g_settings_get_boolean (gsettings, "demo-prepared"));
  g_assert_cmpstr (pt_window_get_visible_page (window), ==, "train");
  g_assert_cmpstr (pt_data_page_get_dataset_path (pt_window_get_data_page (window)), ==, train);
  s = pt_train_settings_view_get_settings (settings_view ());
  g_assert_cmpint (s->batch_size, ==, expected->batch_size);
  g_assert_cmpint (s->max_steps, ==, expected->max_steps);
  g_assert_cmpfloat (s->learning_rate, ==, expected->learning_rate);
  g_assert_cmpfloat (s->val_split, ==, expected->val_split);
  g_assert_cmpint (s->mode, ==, expected->mode);
  g_assert_cmpstr (s->device, ==, "cpu");

  /* the fine-tune task only: every record asks it */
  g_assert_true (g_file_get_contents (train, &contents, NULL, &error));
  lines = g_strsplit (contents, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (*lines[i] != '\0')
      {
        g_autofree char *type = g_strdup_printf ("\"question_type\": \"%s\"", finetune_task);
        g_assert_nonnull (strstr (lines[i], type));
        n++;
      }
  g_test_message ("%u %s records from %u demo images", n, finetune_task, demo_data.n_train);
  g_assert_cmpuint (n, >, demo_data.n_train / 2);
  /* on the scenes demo.json describes */
  {
    g_autoptr(JsonNode) root = pt_json_load_file (info, 1 << 20, &error);
    JsonObject *o;
    g_assert_no_error (error);
    o = json_node_get_object (root);
    g_assert_cmpint (json_object_get_int_member (o, "n_train"), ==, demo_data.n_train);
    g_assert_cmpint (json_object_get_int_member (o, "seed"), ==, (gint64) demo_data.seed);
    g_assert_cmpint (json_object_get_int_member (o, "max_shapes"), ==, demo_data.max_shapes);
    g_assert_cmpint (json_object_get_int_member (o, "image_size"), ==, 112);
  }

  /* the Playground holds a demo image and its question, ready for after training */
  {
    PtPlaygroundPage *playground = pt_window_get_playground_page (window);
    g_autofree char *prompt = NULL;

    while (pt_playground_page_get_n_images (playground) < 1)
      g_main_context_iteration (NULL, TRUE);
    prompt = pt_playground_page_dup_prompt (playground);
    g_test_message ("playground prompt: %s", prompt);
    g_assert_true (g_str_has_prefix (prompt, "answer "));
  }

  /* the Train page reads the demo model like any other */
  g_assert_true (pt_test_wait_until (probed, NULL, 30000));
  g_assert_true (pt_train_settings_view_get_valid (settings_view ()));
  pt_test_spin (300);
  g_free (pt_test_screenshot (GTK_WIDGET (window), "demo-first-run"));

  /* asking again keeps the dataset (same tasks and count) */
  g_assert_cmpint (g_stat (info, &before), ==, 0);
  g_action_group_activate_action (G_ACTION_GROUP (app), "prepare-demo", NULL);
  pt_test_spin (500);
  g_assert_true (pt_test_wait_until (demo_selected, train, 30000));
  g_assert_cmpint (g_stat (info, &after), ==, 0);
  g_assert_cmpint (before.st_mtime, ==, after.st_mtime);
  g_assert_cmpint (before.st_ino, ==, after.st_ino);
}

/* ---- the real demo (PT_TEST_REAL_DEMO=1, data/demo): press Train ---- */

static PtTrainingView *
training_view (void)
{
  return pt_train_page_get_training_view (pt_window_get_train_page (window));
}

static gboolean
training_done (gpointer data)
{
  PtTrainController *c = pt_train_controller_get_for_window (window);
  return pt_training_session_get_state (pt_train_controller_get_session (c)) == PT_SESSION_IDLE
         && pt_training_view_get_state (training_view ()) == PT_TRAINING_IDLE
         && pt_training_view_get_progress (training_view ()) >= 1.0;
}

static gboolean
playground_idle (gpointer data)
{
  return !pt_playground_page_is_busy (data);
}

/* The one run under the runs folder. */
static char *
the_run (void)
{
  const char *set = pt_train_controller_get_runs_root (pt_train_controller_get_for_window (window));
  g_autofree char *root = set != NULL ? g_strdup (set) : pt_runs_default_root ();   /* NULL: the default */
  g_autoptr(GDir) dir = g_dir_open (root, 0, NULL);
  const char *name;
  char *found = NULL;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_assert_null (found);
      found = g_build_filename (root, name, NULL);
    }
  g_assert_nonnull (found);
  return found;
}

/* What the app offers first, as a new user meets it: Train with the
 * recommended settings, nothing else; the fine-tune task is learnt (the
 * validation accuracy the run reports), and the Playground's tuned model
 * answers the demo image's question as the dataset does, where the base
 * model does not. The screenshots are the metainfo's. */
static void
test_train (void)
{
  PtPlaygroundPage *playground = pt_window_get_playground_page (window);
  g_autofree char *run_dir = NULL;
  g_autofree char *truth = NULL;
  g_autoptr(PtRun) run = NULL;
  g_autoptr(GError) error = NULL;
  JsonNode *final;
  double accuracy, seconds;
  gint64 t0;

  if (!real_demo)
    {
      g_test_skip ("the stand-in model learns nothing; PT_TEST_REAL_DEMO=1 trains data/demo");
      return;
    }
  g_assert_true (pt_training_view_get_can_start (training_view ()));
  t0 = g_get_monotonic_time ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (training_view ()), "training.start", NULL));
  g_assert_true (pt_test_wait_until (training_done, NULL, 600000));
  seconds = (g_get_monotonic_time () - t0) / 1e6;
  run_dir = the_run ();
  run = pt_run_open (run_dir, &error);
  g_assert_no_error (error);
  g_assert_cmpint (pt_run_get_status (run), ==, PT_RUN_FINISHED);
  final = pt_run_get_final_metrics (run);
  g_assert_nonnull (final);
  accuracy = json_object_get_double_member (json_node_get_object (final), "vqa_accuracy");
  g_test_message ("the demo fine-tune in the app: %d steps in %.0f s, validation accuracy %.3f",
                  pt_run_get_total_steps (run), seconds, accuracy);
  g_assert_cmpfloat (accuracy, >=, 0.8);
  pt_test_spin (500);
  g_free (pt_test_screenshot (GTK_WIDGET (window), "demo-trained"));
  pt_test_spin (5500);   /* the "Training finished" toast goes (it would cover the answers) */

  /* the Playground: the first record's image and question, base vs tuned */
  {
    g_autofree char *train = g_build_filename (home, "palitune", "demo-data", "train.jsonl", NULL);
    g_autofree char *contents = NULL;
    g_autoptr(JsonNode) first = NULL;
    const char *base, *tuned;

    g_assert_true (g_file_get_contents (train, &contents, NULL, NULL));
    *strchr (contents, '\n') = '\0';
    first = pt_json_parse (contents, -1, "train.jsonl", &error);
    g_assert_no_error (error);
    truth = g_strdup (json_object_get_string_member (json_node_get_object (first), "answer"));
    pt_window_show_page (window, "playground");
    pt_playground_page_select_run (playground, run_dir);
    pt_test_spin (300);
    g_assert_true (pt_playground_page_ask (playground));
    g_assert_true (pt_test_wait_until (playground_idle, playground, 60000));
    base = pt_playground_page_get_answer (playground, PT_BOXES_BASE);
    tuned = pt_playground_page_get_answer (playground, PT_BOXES_TUNED);
    g_test_message ("playground: base “%s”, tuned “%s”, dataset “%s”", base, tuned, truth);
    g_assert_cmpstr (tuned, ==, truth);
    g_assert_cmpstr (base, !=, truth);
    pt_test_spin (500);
    g_free (pt_test_screenshot (GTK_WIDGET (window), "demo-playground"));
  }

  pt_window_show_page (window, "runs");
  pt_test_spin (1500);
  g_free (pt_test_screenshot (GTK_WIDGET (window), "demo-runs"));
  pt_window_show_page (window, "data");
  pt_test_spin (1500);
  g_free (pt_test_screenshot (GTK_WIDGET (window), "demo-data"));
}

/* The demo descriptions in words. */
static void
test_describe (void)
{
  g_autofree char *one = pt_demo_describe_tasks (1u << 2);
  g_autofree char *three = pt_demo_describe_tasks (0x7);

  g_assert_cmpstr (one, ==, "counting");
  g_assert_cmpstr (three, ==, "colours, shapes and counting");
}

int
main (int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  home = g_dir_make_tmp ("pt-demo-home-XXXXXX", NULL);
  g_setenv ("XDG_DATA_HOME", home, TRUE);
  gtk_test_init (&argc, &argv, NULL);
  real_demo = g_strcmp0 (g_getenv ("PT_TEST_REAL_DEMO"), "1") == 0;
  if (real_demo)
    {
      g_unsetenv ("PALITUNE_DEMO_DIR");   /* the tests' environment hides the demo */
      demo_dir = pt_demo_find_dir ();
      if (demo_dir == NULL)
        {
          g_printerr ("no data/demo to test\n");
          return 77;
        }
    }
  else
    make_stand_in ();
  g_setenv ("PALITUNE_DEMO_DIR", demo_dir, TRUE);
  {
    g_autoptr(PtDemoInfo) info = pt_demo_info_load (demo_dir, &error);
    g_assert_no_error (error);
    expected = pt_train_settings_copy (info->settings);
    demo_data = info->data;
    for (int t = 0; t < PT_DEMO_N_TASKS && finetune_task == NULL; t++)
      if (info->finetune_tasks & (1u << t))
        finetune_task = g_strdup (pt_demo_task_name (t));
  }

  app = pt_application_new ();
  g_application_set_flags (G_APPLICATION (app), G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));

  g_test_add_func ("/ui/demo/describe", test_describe);
  g_test_add_func ("/ui/demo/first-run", test_first_run);
  g_test_add_func ("/ui/demo/train", test_train);
  status = g_test_run ();

  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  pt_test_spin (50);
  g_clear_object (&app);
  pt_rmtree (home, NULL);
  g_free (home);
  g_free (demo_dir);
  g_free (finetune_task);
  g_clear_pointer (&expected, pt_train_settings_free);
  return status;
}
