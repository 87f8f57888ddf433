/* pt-settings.c — the one settings schema for a training run. */
#include "config.h"

#include <math.h>          /* isfinite */
#include <stddef.h>        /* offsetof */
#include <string.h>

#include "pt-backend.h"    /* PT_MAX_BATCH */
#include "pt-error.h"
#include "pt-json.h"         /* pt_json_to_string */
#include "pt-settings.h"

const char *const pt_vision_lora_modules[] = {
  "q_proj", "k_proj", "v_proj", "out_proj", "fc1", "fc2", NULL
};
const char *const pt_text_lora_modules[] = {
  "q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj", NULL
};

static const char *const seed_targets[] = {
  "q_proj", "o_proj", "k_proj", "v_proj", "gate_proj", "up_proj", "down_proj", NULL
};

/* ---- the field table: one row per setting, driving JSON in and out ---- */

typedef enum { F_STRING, F_INT, F_DOUBLE, F_BOOL, F_UINT64, F_STRV, F_MODE, F_SCHEDULE } FieldType;

typedef struct {
  const char *key;
  FieldType   type;
  size_t      offset;
} Field;

#define FIELD(name, type) { #name, type, offsetof (PtTrainSettings, name) }

static const Field fields[] = {
  FIELD (model_dir, F_STRING),
  FIELD (adapter_dir, F_STRING),
  FIELD (data_path, F_STRING),
  FIELD (val_data_path, F_STRING),
  FIELD (data_split, F_STRING),
  FIELD (data_columns, F_STRING),
  FIELD (val_split, F_DOUBLE),
  FIELD (prompt_template, F_STRING),
  FIELD (resolution, F_INT),
  FIELD (max_text_len, F_INT),
  FIELD (mode, F_MODE),
  FIELD (lora_rank, F_INT),
  FIELD (lora_alpha, F_DOUBLE),
  FIELD (lora_dropout, F_DOUBLE),
  FIELD (use_rslora, F_BOOL),
  FIELD (lora_targets, F_STRV),
  FIELD (train_vision, F_BOOL),
  FIELD (train_projector, F_BOOL),
  FIELD (train_decoder, F_BOOL),
  FIELD (learning_rate, F_DOUBLE),
  FIELD (weight_decay, F_DOUBLE),
  FIELD (adam_beta1, F_DOUBLE),
  FIELD (adam_beta2, F_DOUBLE),
  FIELD (adam_epsilon, F_DOUBLE),
  FIELD (max_grad_norm, F_DOUBLE),
  FIELD (warmup_steps, F_INT),
  FIELD (schedule, F_SCHEDULE),
  FIELD (batch_size, F_INT),
  FIELD (grad_accum, F_INT),
  FIELD (epochs, F_INT),
  FIELD (max_steps, F_INT),
  FIELD (eval_every, F_INT),
  FIELD (eval_max_samples, F_INT),
  FIELD (max_new_tokens, F_INT),
  FIELD (save_every, F_INT),
  FIELD (keep_checkpoints, F_INT),
  FIELD (early_stopping, F_BOOL),
  FIELD (early_stop_metric, F_STRING),
  FIELD (early_stop_patience, F_INT),
  FIELD (early_stop_min_delta, F_DOUBLE),
  FIELD (skip_nonfinite, F_BOOL),
  FIELD (device, F_STRING),
  FIELD (precision, F_STRING),
  FIELD (memory_limit, F_UINT64),
  FIELD (seed, F_UINT64),
  FIELD (num_workers, F_INT),
};

#define AT(settings, field, type) ((type *) ((char *) (settings) + (field)->offset))

static const char *const mode_names[] = { "lora", "qlora", "full" };
static const char *const schedule_names[] = { "linear", "cosine", "constant" };

const char *
pt_train_mode_to_string (PtTrainMode mode)
{
  return (unsigned) mode < G_N_ELEMENTS (mode_names) ? mode_names[mode] : "lora";
}

gboolean
pt_train_mode_from_string (const char  *s,
                           PtTrainMode *mode)
{
  for (guint i = 0; s != NULL && i < G_N_ELEMENTS (mode_names); i++)
    if (g_ascii_strcasecmp (s, mode_names[i]) == 0)
      {
        *mode = (PtTrainMode) i;
        return TRUE;
      }
  return FALSE;
}

const char *
pt_schedule_to_string (PtSchedule schedule)
{
  return (unsigned) schedule < G_N_ELEMENTS (schedule_names) ? schedule_names[schedule] : "linear";
}

gboolean
pt_schedule_from_string (const char *s,
                         PtSchedule *schedule)
{
  for (guint i = 0; s != NULL && i < G_N_ELEMENTS (schedule_names); i++)
    if (g_ascii_strcasecmp (s, schedule_names[i]) == 0)
      {
        *schedule = (PtSchedule) i;
        return TRUE;
      }
  return FALSE;
}

PtTrainSettings *
pt_train_settings_new (void)
{
  PtTrainSettings *s = g_new0 (PtTrainSettings, 1);

  s->val_split = 0.1;
  s->prompt_template = g_strdup ("answer {question}");
  s->resolution = 0;
  s->max_text_len = 0;

  s->mode = PT_MODE_LORA;
  s->lora_rank = 8;
  s->lora_alpha = 8;
  s->lora_dropout = 0.0;
  s->use_rslora = FALSE;
  s->lora_targets = g_strdupv ((char **) seed_targets);
  s->train_vision = FALSE;
  s->train_projector = TRUE;
  s->train_decoder = TRUE;

  s->learning_rate = 2e-5;
  s->weight_decay = 1e-6;
  s->adam_beta1 = 0.9;
  s->adam_beta2 = 0.999;
  s->adam_epsilon = 1e-8;
  s->max_grad_norm = 1.0;
  s->warmup_steps = 2;
  s->schedule = PT_SCHEDULE_LINEAR;
  s->batch_size = 16;
  s->grad_accum = 4;
  s->epochs = 2;
  s->max_steps = 0;

  s->eval_every = 0;
  s->eval_max_samples = 0;
  s->max_new_tokens = 16;
  s->save_every = 0;
  s->keep_checkpoints = 2;
  s->early_stopping = FALSE;
  s->early_stop_metric = g_strdup ("val_loss");
  s->early_stop_patience = 3;
  s->early_stop_min_delta = 0.0;
  s->skip_nonfinite = FALSE;

  s->device = g_strdup ("cpu");
  s->precision = g_strdup ("auto");
  s->memory_limit = 0;
  s->seed = 42;
  s->num_workers = 0;
  return s;
}

PtTrainSettings *
pt_train_settings_copy (const PtTrainSettings *settings)
{
  PtTrainSettings *copy;

  g_return_val_if_fail (settings != NULL, NULL);

  copy = g_memdup2 (settings, sizeof *settings);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const Field *f = &fields[i];
      if (f->type == F_STRING)
        *AT (copy, f, char *) = g_strdup (*AT (settings, f, char *));
      else if (f->type == F_STRV)
        *AT (copy, f, char **) = g_strdupv (*AT (settings, f, char **));
    }
  return copy;
}

void
pt_train_settings_free (PtTrainSettings *settings)
{
  if (settings == NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const Field *f = &fields[i];
      if (f->type == F_STRING)
        g_free (*AT (settings, f, char *));
      else if (f->type == F_STRV)
        g_strfreev (*AT (settings, f, char **));
    }
  g_free (settings);
}

gboolean
pt_memory_size_parse (const char *text,
                      guint64    *bytes)
{
  static const struct { const char *suffix; int shift; } units[] = {
    { "", 0 }, { "b", 0 },
    { "k", 10 }, { "kb", 10 }, { "kib", 10 },
    { "m", 20 }, { "mb", 20 }, { "mib", 20 },
    { "g", 30 }, { "gb", 30 }, { "gib", 30 },
    { "t", 40 }, { "tb", 40 }, { "tib", 40 },
  };
  g_autofree char *t = NULL;
  char *end = NULL;
  double value;

  if (text == NULL)
    return FALSE;
  t = g_strstrip (g_ascii_strdown (text, -1));
  if (!g_ascii_isdigit (t[0]) && t[0] != '.')
    return FALSE;   /* no sign, no "inf", no "nan" */
  value = g_ascii_strtod (t, &end);
  if (end == t || !isfinite (value) || value < 0)
    return FALSE;
  /* a space, or the no-break space g_format_size () puts there */
  while (*end == ' ' || (end[0] == '\xc2' && end[1] == '\xa0'))
    end += *end == ' ' ? 1 : 2;
  for (guint i = 0; i < G_N_ELEMENTS (units); i++)
    if (g_str_equal (end, units[i].suffix))
      {
        double b = ldexp (value, units[i].shift);
        if (b >= 18446744073709551615.0)
          return FALSE;
        *bytes = (guint64) b;
        return TRUE;
      }
  return FALSE;
}

char *
pt_memory_size_format (guint64 bytes)
{
  static const struct { char unit; int shift; } units[] = { { 'T', 40 }, { 'G', 30 }, { 'M', 20 }, { 'K', 10 } };

  for (guint i = 0; bytes > 0 && i < G_N_ELEMENTS (units); i++)
    if (bytes % (G_GUINT64_CONSTANT (1) << units[i].shift) == 0)
      return g_strdup_printf ("%" G_GUINT64_FORMAT "%c", bytes >> units[i].shift, units[i].unit);
  return g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);
}

/* ---- validation ---- */

static gboolean
is_known_target (const char *t)
{
  const char *name = t;

  if (g_str_has_prefix (t, "vision."))
    name = t + strlen ("vision.");
  else if (g_str_has_prefix (t, "text."))
    name = t + strlen ("text.");

  if (name != t)
    {
      const char *const *list = t[0] == 'v' ? pt_vision_lora_modules : pt_text_lora_modules;
      return g_strv_contains (list, name);
    }
  return g_strv_contains (pt_vision_lora_modules, name) || g_strv_contains (pt_text_lora_modules, name);
}

#define FAIL(...) G_STMT_START { \
    g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

static gboolean
check_int (int value, int lo, int hi, const char *what, GError **error)
{
  if (value < lo || value > hi)
    FAIL ("%s must be between %d and %d (got %d)", what, lo, hi, value);
  return TRUE;
}

static gboolean
check_double (double value, double lo, double hi, const char *what, GError **error)
{
  if (!isfinite (value) || value < lo || value > hi)
    FAIL ("%s must be between %g and %g (got %g)", what, lo, hi, value);
  return TRUE;
}

gboolean
pt_train_settings_validate (const PtTrainSettings *s,
                            GError               **error)
{
  g_return_val_if_fail (s != NULL, FALSE);

  if (s->resolution != 0 && s->resolution != 224 && s->resolution != 448 && s->resolution != 896
      && (s->resolution < 14 || s->resolution > 1792))
    FAIL ("Resolution must be 224, 448 or 896 (or the model's own), not %d", s->resolution);
  if (!check_double (s->val_split, 0, 1e9, "The validation split", error)
      || !check_int (s->max_text_len, 0, 1 << 16, "The maximum text length", error)
      || !check_int (s->lora_rank, 1, 4096, "The LoRA rank", error)
      || !check_double (s->lora_alpha, 1e-6, 1e6, "LoRA alpha", error)
      || !check_double (s->lora_dropout, 0, 0.95, "LoRA dropout", error)
      || !check_double (s->learning_rate, 1e-12, 1.0, "The learning rate", error)
      || !check_double (s->weight_decay, 0, 10, "Weight decay", error)
      || !check_double (s->adam_beta1, 0, 0.999999, "Adam beta1", error)
      || !check_double (s->adam_beta2, 0, 0.9999999, "Adam beta2", error)
      || !check_double (s->adam_epsilon, 1e-30, 1, "Adam epsilon", error)
      || !check_double (s->max_grad_norm, 0, 1e9, "The gradient clipping norm", error)
      || !check_int (s->warmup_steps, 0, 10000000, "Warmup steps", error)
      || !check_int (s->batch_size, 1, PT_MAX_BATCH, "The batch size", error)
      || !check_int (s->grad_accum, 1, 100000, "Gradient accumulation", error)
      || !check_int (s->epochs, 0, 100000, "Epochs", error)
      || !check_int (s->max_steps, 0, 100000000, "Maximum steps", error)
      || !check_int (s->eval_every, 0, 100000000, "Evaluation interval", error)
      || !check_int (s->eval_max_samples, 0, 100000000, "Evaluation sample cap", error)
      || !check_int (s->max_new_tokens, 1, 4096, "Maximum new tokens", error)
      || !check_int (s->save_every, 0, 100000000, "Checkpoint interval", error)
      || !check_int (s->keep_checkpoints, 1, 1000, "Checkpoints kept", error)
      || !check_int (s->early_stop_patience, 1, 100000, "Early stopping patience", error)
      || !check_double (s->early_stop_min_delta, 0, 1e9, "Early stopping minimum change", error)
      || !check_int (s->num_workers, 0, 256, "Loader threads", error))
    return FALSE;
  if (s->epochs == 0 && s->max_steps == 0)
    FAIL ("Set a number of epochs or a maximum number of steps");
  if (s->prompt_template == NULL || strstr (s->prompt_template, "{question}") == NULL)
    FAIL ("The prompt template must contain {question}");
  if (s->early_stop_metric == NULL
      || !(g_str_equal (s->early_stop_metric, "val_loss")
           || g_str_equal (s->early_stop_metric, "vqa_accuracy")
           || g_str_equal (s->early_stop_metric, "exact_match")))
    FAIL ("The early stopping metric must be val_loss, vqa_accuracy or exact_match");
  if (s->device == NULL || *s->device == '\0')
    FAIL ("No device chosen");
  {
    PtPrecision precision;
    if (!pt_precision_parse (s->precision, &precision))
      FAIL ("The precision must be auto, bf16 or f32");
    if (precision == PT_PRECISION_F32 && !g_str_equal (s->device, "cpu"))
      FAIL ("Only the CPU computes in f32; choose bf16 or auto on a GPU");
  }
  if (s->memory_limit > 0 && !g_str_equal (s->device, "cpu"))
    FAIL ("A memory limit applies to the CPU only");
  if (s->mode == PT_MODE_FULL)
    {
      if (!s->train_vision && !s->train_projector && !s->train_decoder)
        FAIL ("A full fine-tune needs at least one of the vision tower, the projector or the decoder to train");
    }
  else
    {
      if (s->lora_targets == NULL || s->lora_targets[0] == NULL)
        FAIL ("LoRA needs at least one target module");
      for (guint i = 0; s->lora_targets[i] != NULL; i++)
        if (!is_known_target (s->lora_targets[i]))
          FAIL ("Unknown LoRA target module “%s” (known: q_proj k_proj v_proj o_proj out_proj "
                "fc1 fc2 gate_proj up_proj down_proj, optionally prefixed vision. or text.)",
                s->lora_targets[i]);
    }
  return TRUE;
}

gboolean
pt_train_settings_set_targets (PtTrainSettings *settings,
                               const char      *comma_list,
                               GError         **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func (g_free);

  g_return_val_if_fail (settings != NULL && comma_list != NULL, FALSE);

  parts = g_strsplit (comma_list, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *t = g_strstrip (parts[i]);
      if (*t == '\0')
        continue;
      if (!is_known_target (t))
        FAIL ("Unknown LoRA target module “%s”", t);
      if (!g_ptr_array_find_with_equal_func (out, t, g_str_equal, NULL))
        g_ptr_array_add (out, g_strdup (t));
    }
  if (out->len == 0)
    FAIL ("The list of LoRA target modules is empty");
  g_ptr_array_add (out, NULL);
  g_strfreev (settings->lora_targets);
  settings->lora_targets = (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
  return TRUE;
}

/* ---- JSON ---- */

JsonNode *
pt_train_settings_to_json_node (const PtTrainSettings *s)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  g_return_val_if_fail (s != NULL, NULL);

  json_builder_begin_object (b);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      const Field *f = &fields[i];
      json_builder_set_member_name (b, f->key);
      switch (f->type)
        {
        case F_STRING:
          if (*AT (s, f, char *) != NULL)
            json_builder_add_string_value (b, *AT (s, f, char *));
          else
            json_builder_add_null_value (b);
          break;
        case F_INT:
          json_builder_add_int_value (b, *AT (s, f, int));
          break;
        case F_DOUBLE:
          json_builder_add_double_value (b, *AT (s, f, double));
          break;
        case F_BOOL:
          json_builder_add_boolean_value (b, *AT (s, f, gboolean));
          break;
        case F_UINT64:
          json_builder_add_int_value (b, (gint64) *AT (s, f, guint64));
          break;
        case F_STRV:
          json_builder_begin_array (b);
          for (char **p = *AT (s, f, char **); p != NULL && *p != NULL; p++)
            json_builder_add_string_value (b, *p);
          json_builder_end_array (b);
          break;
        case F_MODE:
          json_builder_add_string_value (b, pt_train_mode_to_string (*AT (s, f, PtTrainMode)));
          break;
        case F_SCHEDULE:
          json_builder_add_string_value (b, pt_schedule_to_string (*AT (s, f, PtSchedule)));
          break;
        default:
          g_assert_not_reached ();
        }
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

char *
pt_train_settings_to_json (const PtTrainSettings *settings)
{
  g_autoptr(JsonNode) node = pt_train_settings_to_json_node (settings);

  return pt_json_to_string (node, TRUE);
}

static gboolean
wrong_type (const char *key, const char *expected, GError **error)
{
  FAIL ("Setting “%s” must be %s", key, expected);
}

static gboolean
read_field (PtTrainSettings *s, const Field *f, JsonNode *v, GError **error)
{
  GType vt = JSON_NODE_HOLDS_VALUE (v) ? json_node_get_value_type (v) : G_TYPE_INVALID;
  gboolean is_number = vt == G_TYPE_INT64 || vt == G_TYPE_DOUBLE;

  switch (f->type)
    {
    case F_STRING:
      if (JSON_NODE_HOLDS_NULL (v))
        g_clear_pointer (AT (s, f, char *), g_free);
      else if (vt == G_TYPE_STRING)
        {
          g_free (*AT (s, f, char *));
          *AT (s, f, char *) = g_strdup (json_node_get_string (v));
        }
      else
        return wrong_type (f->key, "a string", error);
      return TRUE;
    case F_INT:
      {
        double d;
        if (!is_number)
          return wrong_type (f->key, "a whole number", error);
        d = json_node_get_double (v);
        if (d != floor (d) || d < G_MININT || d > G_MAXINT)
          return wrong_type (f->key, "a whole number", error);
        *AT (s, f, int) = (int) d;
        return TRUE;
      }
    case F_UINT64:
      if (vt != G_TYPE_INT64 || json_node_get_int (v) < 0)
        return wrong_type (f->key, "a non-negative whole number", error);
      *AT (s, f, guint64) = (guint64) json_node_get_int (v);
      return TRUE;
    case F_DOUBLE:
      if (!is_number)
        return wrong_type (f->key, "a number", error);
      *AT (s, f, double) = json_node_get_double (v);
      return TRUE;
    case F_BOOL:
      if (vt != G_TYPE_BOOLEAN)
        return wrong_type (f->key, "true or false", error);
      *AT (s, f, gboolean) = json_node_get_boolean (v);
      return TRUE;
    case F_STRV:
      {
        JsonArray *a;
        GPtrArray *out;
        if (!JSON_NODE_HOLDS_ARRAY (v))
          return wrong_type (f->key, "a list of strings", error);
        a = json_node_get_array (v);
        out = g_ptr_array_new ();
        for (guint i = 0; i < json_array_get_length (a); i++)
          {
            JsonNode *e = json_array_get_element (a, i);
            if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
              {
                g_ptr_array_set_free_func (out, g_free);
                g_ptr_array_unref (out);
                return wrong_type (f->key, "a list of strings", error);
              }
            g_ptr_array_add (out, g_strdup (json_node_get_string (e)));
          }
        g_ptr_array_add (out, NULL);
        g_strfreev (*AT (s, f, char **));
        *AT (s, f, char **) = (char **) g_ptr_array_free (out, FALSE);
        return TRUE;
      }
    case F_MODE:
      if (vt != G_TYPE_STRING || !pt_train_mode_from_string (json_node_get_string (v), AT (s, f, PtTrainMode)))
        return wrong_type (f->key, "one of lora, qlora, full", error);
      return TRUE;
    case F_SCHEDULE:
      if (vt != G_TYPE_STRING || !pt_schedule_from_string (json_node_get_string (v), AT (s, f, PtSchedule)))
        return wrong_type (f->key, "one of linear, cosine, constant", error);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

PtTrainSettings *
pt_train_settings_from_json_node (JsonNode *node,
                                  GError  **error)
{
  g_autoptr(PtTrainSettings) s = NULL;
  JsonObject *obj;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Settings must be a JSON object");
      return NULL;
    }
  obj = json_node_get_object (node);
  s = pt_train_settings_new ();
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      JsonNode *v = json_object_get_member (obj, fields[i].key);
      if (v != NULL && !read_field (s, &fields[i], v, error))
        return NULL;
    }
  return g_steal_pointer (&s);
}

PtTrainSettings *
pt_train_settings_from_json (const char *json,
                             gssize      length,
                             GError    **error)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (json != NULL, NULL);

  node = pt_json_parse (json, length, "The settings", error);
  if (node == NULL)
    return NULL;
  return pt_train_settings_from_json_node (node, error);
}

/* ---- presets ---- */

static const char *const presets[] = { "quick-test", "seed", "best-quality", NULL };

const char *const *
pt_train_settings_presets (void)
{
  return presets;
}

gboolean
pt_train_settings_apply_preset (PtTrainSettings *s,
                                const char      *preset,
                                GError         **error)
{
  g_autoptr(PtTrainSettings) d = pt_train_settings_new ();

  g_return_val_if_fail (s != NULL && preset != NULL, FALSE);

  if (g_str_equal (preset, "seed"))
    {
      /* the seed notebook's recipe, exactly */
      s->mode = d->mode;
      s->lora_rank = d->lora_rank;
      s->lora_alpha = d->lora_alpha;
      s->lora_dropout = d->lora_dropout;
      g_strfreev (s->lora_targets);
      s->lora_targets = g_strdupv (d->lora_targets);
      s->learning_rate = d->learning_rate;
      s->weight_decay = d->weight_decay;
      s->adam_beta2 = d->adam_beta2;
      s->warmup_steps = d->warmup_steps;
      s->schedule = d->schedule;
      s->batch_size = d->batch_size;
      s->grad_accum = d->grad_accum;
      s->epochs = d->epochs;
      s->max_steps = 0;
      return TRUE;
    }
  if (g_str_equal (preset, "quick-test"))
    {
      /* a few minutes end to end: small batches, a capped number of steps */
      s->batch_size = 4;
      s->grad_accum = 1;
      s->max_steps = 30;
      s->warmup_steps = 2;
      s->learning_rate = 2e-4;
      s->schedule = PT_SCHEDULE_CONSTANT;
      s->eval_every = 10;
      s->eval_max_samples = 32;
      return TRUE;
    }
  if (g_str_equal (preset, "best-quality"))
    {
      /* a larger adapter on every projection, cosine decay, early stopping */
      s->mode = s->mode == PT_MODE_FULL ? PT_MODE_FULL : PT_MODE_LORA;
      s->lora_rank = 16;
      s->lora_alpha = 32;
      s->lora_dropout = 0.05;
      g_strfreev (s->lora_targets);
      s->lora_targets = g_strdupv ((char **) (const char *const[]) {
        "q_proj", "k_proj", "v_proj", "o_proj", "out_proj", "fc1", "fc2",
        "gate_proj", "up_proj", "down_proj", NULL });
      s->learning_rate = 1e-4;
      s->schedule = PT_SCHEDULE_COSINE;
      s->warmup_steps = 20;
      s->epochs = 3;
      s->max_steps = 0;
      s->eval_every = 100;
      s->early_stopping = TRUE;
      g_free (s->early_stop_metric);
      s->early_stop_metric = g_strdup ("val_loss");
      s->early_stop_patience = 3;
      return TRUE;
    }
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
               "Unknown preset “%s” (known: quick-test, seed, best-quality)", preset);
  return FALSE;
}
