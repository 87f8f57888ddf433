/* test-settings.c — the training settings schema: defaults, JSON, validation. */
#include "config.h"

#include <string.h>   /* strstr */

#include "pt-error.h"
#include "pt-settings.h"

static void
test_defaults_are_the_seed (void)
{
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (s->mode, ==, PT_MODE_LORA);
  g_assert_cmpint (s->lora_rank, ==, 8);
  g_assert_cmpfloat (s->lora_alpha, ==, 8);
  g_assert_cmpfloat (s->learning_rate, ==, 2e-5);
  g_assert_cmpfloat (s->weight_decay, ==, 1e-6);
  g_assert_cmpfloat (s->adam_beta2, ==, 0.999);
  g_assert_cmpint (s->warmup_steps, ==, 2);
  g_assert_cmpint (s->batch_size, ==, 16);
  g_assert_cmpint (s->grad_accum, ==, 4);
  g_assert_cmpint (s->epochs, ==, 2);
  g_assert_cmpfloat (s->val_split, ==, 0.1);
  g_assert_cmpstr (s->prompt_template, ==, "answer {question}");
  g_assert_cmpuint (g_strv_length (s->lora_targets), ==, 7);
  g_assert_true (pt_train_settings_validate (s, &error));
  g_assert_no_error (error);
}

static void
test_json_round_trip (void)
{
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(PtTrainSettings) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  g_autofree char *json2 = NULL;

  s->mode = PT_MODE_QLORA;
  s->schedule = PT_SCHEDULE_COSINE;
  s->seed = G_GUINT64_CONSTANT (1234567890123);
  s->model_dir = g_strdup ("/models/pali");
  s->lora_dropout = 0.05;
  g_assert_true (pt_train_settings_set_targets (s, "text.q_proj, vision.fc1,down_proj", &error));
  json = pt_train_settings_to_json (s);
  back = pt_train_settings_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (back->mode, ==, PT_MODE_QLORA);
  g_assert_cmpint (back->schedule, ==, PT_SCHEDULE_COSINE);
  g_assert_cmpuint (back->seed, ==, G_GUINT64_CONSTANT (1234567890123));
  g_assert_cmpstr (back->model_dir, ==, "/models/pali");
  g_assert_null (back->adapter_dir);
  g_assert_cmpfloat (back->lora_dropout, ==, 0.05);
  g_assert_cmpstr (back->lora_targets[0], ==, "text.q_proj");
  g_assert_cmpstr (back->lora_targets[1], ==, "vision.fc1");
  g_assert_cmpstr (back->lora_targets[2], ==, "down_proj");
  g_assert_null (back->lora_targets[3]);
  json2 = pt_train_settings_to_json (back);
  g_assert_cmpstr (json, ==, json2);
}

static void
test_json_partial_and_unknown_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTrainSettings) s =
    pt_train_settings_from_json ("{\"lora_rank\": 16, \"future_key\": [1,2], \"learning_rate\": 1e-4}", -1, &error);

  g_assert_no_error (error);
  g_assert_cmpint (s->lora_rank, ==, 16);
  g_assert_cmpfloat (s->learning_rate, ==, 1e-4);
  g_assert_cmpint (s->batch_size, ==, 16);   /* default kept */
}

static void
test_json_wrong_types (void)
{
  const char *bad[] = {
    "{\"lora_rank\": \"eight\"}",
    "{\"lora_rank\": 8.5}",
    "{\"mode\": \"dora\"}",
    "{\"lora_targets\": \"q_proj\"}",
    "{\"lora_targets\": [1]}",
    "{\"seed\": -1}",
    "{\"use_rslora\": 1}",
    "[1, 2]",
    "{\"lora_rank\": 1e300}",
    "not json",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtTrainSettings) s = pt_train_settings_from_json (bad[i], -1, &error);
      g_assert_null (s);
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
    }
}

static void
test_validation (void)
{
  struct { const char *json; const char *needle; } cases[] = {
    { "{\"lora_rank\": 0}", "LoRA rank" },
    { "{\"batch_size\": 100000}", "batch size" },
    { "{\"learning_rate\": -1}", "learning rate" },
    { "{\"prompt_template\": \"answer\"}", "{question}" },
    { "{\"epochs\": 0, \"max_steps\": 0}", "epochs" },
    { "{\"lora_targets\": [\"qproj\"]}", "qproj" },
    { "{\"lora_targets\": [\"vision.o_proj\"]}", "vision.o_proj" },
    { "{\"mode\": \"full\", \"train_vision\": false, \"train_projector\": false, \"train_decoder\": false}", "full fine-tune" },
    { "{\"resolution\": 5}", "Resolution" },
    { "{\"early_stop_metric\": \"bleu\"}", "early stopping metric" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtTrainSettings) s = pt_train_settings_from_json (cases[i].json, -1, &error);
      g_assert_no_error (error);
      g_assert_false (pt_train_settings_validate (s, &error));
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
      if (strstr (error->message, cases[i].needle) == NULL)
        g_error ("message “%s” does not mention “%s”", error->message, cases[i].needle);
    }
}

static void
test_presets (void)
{
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(GError) error = NULL;

  for (const char *const *p = pt_train_settings_presets (); *p != NULL; p++)
    {
      g_assert_true (pt_train_settings_apply_preset (s, *p, &error));
      g_assert_no_error (error);
      g_assert_true (pt_train_settings_validate (s, &error));
    }
  g_assert_true (pt_train_settings_apply_preset (s, "quick-test", NULL));
  g_assert_cmpint (s->max_steps, >, 0);
  g_assert_true (pt_train_settings_apply_preset (s, "seed", NULL));
  g_assert_cmpint (s->max_steps, ==, 0);
  g_assert_cmpint (s->batch_size, ==, 16);
  g_assert_false (pt_train_settings_apply_preset (s, "fastest", &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
}

static void
test_copy_is_deep (void)
{
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(PtTrainSettings) c = NULL;

  s->model_dir = g_strdup ("/a");
  c = pt_train_settings_copy (s);
  g_assert_true (c->model_dir != s->model_dir);
  g_assert_true (c->lora_targets != s->lora_targets);
  g_assert_cmpstr (c->model_dir, ==, "/a");
  g_assert_cmpstr (c->lora_targets[6], ==, s->lora_targets[6]);
}

/* --precision and --memory-limit: parsed, validated, round-tripped */
static void
test_precision_and_memory (void)
{
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autoptr(PtTrainSettings) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  guint64 b = 1;

  g_assert_cmpstr (s->precision, ==, "auto");
  g_assert_cmpuint (s->memory_limit, ==, 0);
  g_assert_true (pt_memory_size_parse ("6G", &b) && b == 6ull << 30);
  g_assert_true (pt_memory_size_parse ("512M", &b) && b == 512ull << 20);
  g_assert_true (pt_memory_size_parse ("1.5 GiB", &b) && b == 3ull << 29);
  g_assert_true (pt_memory_size_parse ("800mb", &b) && b == 800ull << 20);
  g_assert_true (pt_memory_size_parse ("65536", &b) && b == 65536);
  g_assert_true (pt_memory_size_parse ("0", &b) && b == 0);
  g_assert_false (pt_memory_size_parse ("-1G", &b));
  g_assert_false (pt_memory_size_parse ("6X", &b));
  g_assert_false (pt_memory_size_parse ("", &b));
  g_assert_false (pt_memory_size_parse ("G", &b));
  g_assert_false (pt_memory_size_parse ("inf", &b));
  g_assert_false (pt_memory_size_parse ("1e30T", &b));
  g_assert_false (pt_memory_size_parse (NULL, &b));
  g_assert_true (pt_memory_size_parse ("1.5\xc2\xa0GiB", &b) && b == 3ull << 29);   /* g_format_size's space */
  {
    g_autofree char *g = pt_memory_size_format (6ull << 30);
    g_autofree char *m = pt_memory_size_format (1536ull << 20);
    g_autofree char *odd = pt_memory_size_format (65537);
    g_assert_cmpstr (g, ==, "6G");
    g_assert_cmpstr (m, ==, "1536M");
    g_assert_cmpstr (odd, ==, "65537");
  }

  g_free (s->precision);
  s->precision = g_strdup ("bf16");
  s->memory_limit = 6ull << 30;
  s->model_dir = g_strdup ("/m");
  s->data_path = g_strdup ("/d");
  g_assert_true (pt_train_settings_validate (s, &error));
  json = pt_train_settings_to_json (s);
  back = pt_train_settings_from_json (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back->precision, ==, "bf16");
  g_assert_cmpuint (back->memory_limit, ==, 6ull << 30);

  g_free (s->precision);
  s->precision = g_strdup ("fp8");
  g_assert_false (pt_train_settings_validate (s, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_free (s->precision);
  s->precision = g_strdup ("f32");
  g_free (s->device);
  s->device = g_strdup ("cuda:0");
  g_assert_false (pt_train_settings_validate (s, &error));   /* a GPU computes in bf16 */
  g_clear_error (&error);
  g_free (s->precision);
  s->precision = g_strdup ("auto");
  g_assert_false (pt_train_settings_validate (s, &error));   /* the limit is the CPU's */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/settings/defaults", test_defaults_are_the_seed);
  g_test_add_func ("/engine/settings/json-round-trip", test_json_round_trip);
  g_test_add_func ("/engine/settings/json-partial", test_json_partial_and_unknown_keys);
  g_test_add_func ("/engine/settings/json-wrong-types", test_json_wrong_types);
  g_test_add_func ("/engine/settings/validation", test_validation);
  g_test_add_func ("/engine/settings/presets", test_presets);
  g_test_add_func ("/engine/settings/copy", test_copy_is_deep);
  g_test_add_func ("/engine/settings/precision-memory", test_precision_and_memory);
  return g_test_run ();
}
