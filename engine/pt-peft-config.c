/* pt-peft-config.c — adapter_config.json in and out (peft 0.17.1 LoraConfig). */
#include "config.h"

#include <math.h>          /* isfinite, floor */
#include <string.h>        /* strcmp */

#include "pt-error.h"      /* PT_ERROR */
#include "pt-json.h"       /* pt_json_parse, pt_json_to_string */
#include "pt-peft.h"

#define FAIL(code, ...) G_STMT_START { \
    g_set_error (error, PT_ERROR, code, __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

static void
clear_patterns (GArray *a)
{
  for (guint i = 0; a != NULL && i < a->len; i++)
    g_free (g_array_index (a, PtPeftPattern, i).key);
  if (a != NULL)
    g_array_set_size (a, 0);
}

PtPeftConfig *
pt_peft_config_new (void)
{
  PtPeftConfig *c = g_new0 (PtPeftConfig, 1);

  c->peft_type = g_strdup ("LORA");
  c->task_type = g_strdup ("CAUSAL_LM");
  c->r = 8;
  c->lora_alpha = 8;
  c->lora_dropout = 0.0;
  c->bias = g_strdup ("none");
  c->init_lora_weights = g_strdup ("true");
  c->rank_pattern = g_array_new (FALSE, TRUE, sizeof (PtPeftPattern));
  c->alpha_pattern = g_array_new (FALSE, TRUE, sizeof (PtPeftPattern));
  return c;
}

void
pt_peft_config_free (PtPeftConfig *c)
{
  if (c == NULL)
    return;
  g_free (c->peft_type);
  g_free (c->task_type);
  g_free (c->base_model_name_or_path);
  g_free (c->revision);
  g_free (c->peft_version);
  g_strfreev (c->target_modules);
  g_free (c->target_modules_regex);
  g_strfreev (c->exclude_modules);
  g_free (c->exclude_modules_regex);
  g_free (c->bias);
  g_free (c->init_lora_weights);
  g_strfreev (c->modules_to_save);
  clear_patterns (c->rank_pattern);
  clear_patterns (c->alpha_pattern);
  g_clear_pointer (&c->rank_pattern, g_array_unref);
  g_clear_pointer (&c->alpha_pattern, g_array_unref);
  g_free (c->layers_to_transform);
  g_strfreev (c->layers_pattern);
  g_free (c->unsupported);
  g_free (c);
}

/* ---- typed reads ---------------------------------------------------------------- */

typedef struct {
  JsonObject *obj;
  const char *what;
} Reader;

static JsonNode *
member (const Reader *r, const char *key)
{
  JsonNode *n = json_object_get_member (r->obj, key);
  return n != NULL && !JSON_NODE_HOLDS_NULL (n) ? n : NULL;
}

static GType
value_type (JsonNode *n)
{
  return n != NULL && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_value_type (n) : G_TYPE_INVALID;
}

static gboolean
read_string (const Reader *r, const char *key, char **out, GError **error)
{
  JsonNode *n = json_object_get_member (r->obj, key);

  if (n == NULL)
    return TRUE;                      /* absent: the default stays */
  if (JSON_NODE_HOLDS_NULL (n))
    {
      g_clear_pointer (out, g_free);  /* null: None */
      return TRUE;
    }
  if (value_type (n) != G_TYPE_STRING)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s must be a string", r->what, key);
  g_free (*out);
  *out = g_strdup (json_node_get_string (n));
  return TRUE;
}

static gboolean
read_number (const Reader *r, const char *key, double *out, GError **error)
{
  JsonNode *n = member (r, key);
  GType t = value_type (n);

  if (n == NULL)
    return TRUE;
  if (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s must be a number", r->what, key);
  *out = json_node_get_double (n);
  if (!isfinite (*out))
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s must be a finite number", r->what, key);
  return TRUE;
}

static gboolean
whole (JsonNode *n, int *out)
{
  GType t = value_type (n);
  double d;

  if (t == G_TYPE_INT64)
    {
      gint64 v = json_node_get_int (n);
      if (v < G_MININT || v > G_MAXINT)
        return FALSE;
      *out = (int) v;
      return TRUE;
    }
  if (t != G_TYPE_DOUBLE)
    return FALSE;
  d = json_node_get_double (n);
  if (!isfinite (d) || d != floor (d) || d < G_MININT || d > G_MAXINT)
    return FALSE;
  *out = (int) d;
  return TRUE;
}

static gboolean
read_bool (const Reader *r, const char *key, gboolean *out, GError **error)
{
  JsonNode *n = member (r, key);

  if (n == NULL)
    return TRUE;
  if (value_type (n) != G_TYPE_BOOLEAN)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s must be true or false", r->what, key);
  *out = json_node_get_boolean (n);
  return TRUE;
}

/* a list of strings (into *list) or, when allowed, one string (into *single) */
static gboolean
read_strings (const Reader *r, const char *key, char ***list, char **single, GError **error)
{
  JsonNode *n = member (r, key);
  JsonArray *a;
  GPtrArray *out;

  g_clear_pointer (list, g_strfreev);
  if (single != NULL)
    g_clear_pointer (single, g_free);
  if (n == NULL)
    return TRUE;
  if (single != NULL && value_type (n) == G_TYPE_STRING)
    {
      *single = g_strdup (json_node_get_string (n));
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (n))
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s must be a list of strings%s", r->what, key,
          single != NULL ? " or a string" : "");
  a = json_node_get_array (n);
  out = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      if (value_type (e) != G_TYPE_STRING)
        {
          g_ptr_array_unref (out);
          FAIL (PT_ERROR_INVALID_INPUT, "%s: %s must be a list of strings", r->what, key);
        }
      g_ptr_array_add (out, g_strdup (json_node_get_string (e)));
    }
  g_ptr_array_add (out, NULL);
  *list = (char **) g_ptr_array_free (out, FALSE);
  return TRUE;
}

static gboolean
valid_regex (const char *pattern, const char *key, const char *what, GError **error)
{
  g_autoptr(GRegex) re = NULL;
  g_autoptr(GError) local = NULL;

  re = g_regex_new (pattern, 0, 0, &local);
  if (re == NULL)
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s “%.80s” is not a valid regular expression: %s",
          what, key, pattern, local->message);
  return TRUE;
}

static gboolean
read_patterns (const Reader *r, const char *key, GArray *out, gboolean whole_values, GError **error)
{
  JsonNode *n = member (r, key);
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  clear_patterns (out);
  if (n == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_OBJECT (n))
    FAIL (PT_ERROR_INVALID_INPUT, "%s: %s must be an object", r->what, key);
  json_object_iter_init_ordered (&iter, json_node_get_object (n));
  while (json_object_iter_next_ordered (&iter, &name, &value))
    {
      PtPeftPattern p = { 0 };
      int k;
      GType t = value_type (value);
      if (whole_values ? !whole (value, &k) : (t != G_TYPE_INT64 && t != G_TYPE_DOUBLE))
        FAIL (PT_ERROR_INVALID_INPUT, "%s: %s[“%s”] must be a %s", r->what, key, name,
              whole_values ? "whole number" : "number");
      p.value = whole_values ? k : json_node_get_double (value);
      if (!isfinite (p.value))
        FAIL (PT_ERROR_INVALID_INPUT, "%s: %s[“%s”] must be finite", r->what, key, name);
      {
        g_autofree char *full = g_strdup_printf ("(.*\\.)?(%s)$", name);
        if (!valid_regex (full, key, r->what, error))
          return FALSE;
      }
      p.key = g_strdup (name);
      g_array_append_val (out, p);
    }
  return TRUE;
}

static gboolean
read_layers (const Reader *r, PtPeftConfig *c, GError **error)
{
  JsonNode *n = member (r, "layers_to_transform");
  int k;

  g_clear_pointer (&c->layers_to_transform, g_free);
  c->n_layers_to_transform = 0;
  if (n == NULL)
    return TRUE;
  if (whole (n, &k))
    {
      c->layers_to_transform = g_new (int, 1);
      c->layers_to_transform[0] = k;
      c->n_layers_to_transform = 1;
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_ARRAY (n))
    FAIL (PT_ERROR_INVALID_INPUT, "%s: layers_to_transform must be a layer number or a list of them", r->what);
  {
    JsonArray *a = json_node_get_array (n);
    guint len = json_array_get_length (a);
    c->layers_to_transform = g_new (int, MAX (len, 1));
    for (guint i = 0; i < len; i++)
      if (!whole (json_array_get_element (a, i), &c->layers_to_transform[i]))
        FAIL (PT_ERROR_INVALID_INPUT, "%s: layers_to_transform must be a list of layer numbers", r->what);
    c->n_layers_to_transform = (int) len;
    if (len == 0)   /* an empty list means every layer (peft) */
      g_clear_pointer (&c->layers_to_transform, g_free);
  }
  return TRUE;
}

static void
note_unsupported (PtPeftConfig *c, const char *what)
{
  if (c->unsupported == NULL)
    c->unsupported = g_strdup (what);
  c->has_unsupported = TRUE;
}

PtPeftConfig *
pt_peft_config_from_json (const char *json,
                          gssize      length,
                          const char *what,
                          GError    **error)
{
  g_autoptr(PtPeftConfig) c = pt_peft_config_new ();
  g_autoptr(JsonNode) root = NULL;
  Reader r;
  JsonNode *n;
  double r_value = c->r;
  g_autofree char *layers_pattern = NULL;
  /* features that change what the adapter computes, which PaliTune does not
   * implement (peft 0.21: aLoRA, Arrow routing, block-diagonal LoRA,
   * MonteCLoRA, VeLoRA, KaSA); null or absent is fine */
  static const char *const must_be_unset[] = {
    "target_parameters", "trainable_token_indices", "layer_replication", "megatron_config",
    "alora_invocation_tokens", "arrow_config", "monteclora_config", "velora_config",
    "kasa_config", NULL
  };

  g_return_val_if_fail (json != NULL, NULL);
  if (what == NULL)
    what = "The adapter configuration";

  root = pt_json_parse (json, length, what, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is not a JSON object", what);
      return NULL;
    }
  r = (Reader) { json_node_get_object (root), what };

  if (!read_string (&r, "peft_type", &c->peft_type, error)
      || !read_string (&r, "task_type", &c->task_type, error)
      || !read_string (&r, "base_model_name_or_path", &c->base_model_name_or_path, error)
      || !read_string (&r, "revision", &c->revision, error)
      || !read_string (&r, "peft_version", &c->peft_version, error)
      || !read_number (&r, "r", &r_value, error)
      || !read_number (&r, "lora_alpha", &c->lora_alpha, error)
      || !read_number (&r, "lora_dropout", &c->lora_dropout, error)
      || !read_strings (&r, "target_modules", &c->target_modules, &c->target_modules_regex, error)
      || !read_strings (&r, "exclude_modules", &c->exclude_modules, &c->exclude_modules_regex, error)
      || !read_strings (&r, "modules_to_save", &c->modules_to_save, NULL, error)
      || !read_strings (&r, "layers_pattern", &c->layers_pattern, &layers_pattern, error)
      || !read_bool (&r, "use_rslora", &c->use_rslora, error)
      || !read_bool (&r, "use_dora", &c->use_dora, error)
      || !read_bool (&r, "fan_in_fan_out", &c->fan_in_fan_out, error)
      || !read_bool (&r, "lora_bias", &c->lora_bias, error)
      || !read_bool (&r, "inference_mode", &c->inference_mode, error)
      || !read_patterns (&r, "rank_pattern", c->rank_pattern, TRUE, error)
      || !read_patterns (&r, "alpha_pattern", c->alpha_pattern, FALSE, error)
      || !read_layers (&r, c, error))
    return NULL;
  if (r_value != floor (r_value) || r_value < G_MININT || r_value > G_MAXINT)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s: r must be a whole number", what);
      return NULL;
    }
  c->r = (int) r_value;

  /* layers_pattern may also be a single string */
  if (layers_pattern != NULL)
    {
      c->layers_pattern = g_new0 (char *, 2);
      c->layers_pattern[0] = g_steal_pointer (&layers_pattern);
    }
  for (guint i = 0; c->layers_pattern != NULL && c->layers_pattern[i] != NULL; i++)
    {
      g_autofree char *full = g_strdup_printf (".*\\.%s\\.(\\d+)\\.", c->layers_pattern[i]);
      if (!valid_regex (full, "layers_pattern", what, error))
        return NULL;
    }

  if (!read_string (&r, "bias", &c->bias, error))
    return NULL;
  if (c->bias == NULL)
    c->bias = g_strdup ("none");
  n = member (&r, "init_lora_weights");
  if (n != NULL)
    {
      GType t = value_type (n);
      g_free (c->init_lora_weights);
      if (t == G_TYPE_BOOLEAN)
        c->init_lora_weights = g_strdup (json_node_get_boolean (n) ? "true" : "false");
      else if (t == G_TYPE_STRING)
        c->init_lora_weights = g_strdup (json_node_get_string (n));
      else
        {
          c->init_lora_weights = NULL;
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s: init_lora_weights must be true, false or a method name", what);
          return NULL;
        }
    }

  if (c->target_modules_regex != NULL && g_ascii_strcasecmp (c->target_modules_regex, "all-linear") != 0
      && !valid_regex (c->target_modules_regex, "target_modules", what, error))
    return NULL;
  if (c->exclude_modules_regex != NULL && !valid_regex (c->exclude_modules_regex, "exclude_modules", what, error))
    return NULL;
  for (guint i = 0; c->modules_to_save != NULL && c->modules_to_save[i] != NULL; i++)
    {
      g_autofree char *full = g_strdup_printf ("(^|.*\\.)%s($|\\..*)", c->modules_to_save[i]);
      if (!valid_regex (full, "modules_to_save", what, error))
        return NULL;
    }

  for (guint i = 0; must_be_unset[i] != NULL; i++)
    if (member (&r, must_be_unset[i]) != NULL)
      note_unsupported (c, must_be_unset[i]);
  if ((n = member (&r, "use_qalora")) != NULL && value_type (n) == G_TYPE_BOOLEAN && json_node_get_boolean (n))
    note_unsupported (c, "use_qalora");
  if ((n = member (&r, "use_bdlora")) != NULL && !(value_type (n) == G_TYPE_BOOLEAN && !json_node_get_boolean (n)))
    note_unsupported (c, "use_bdlora");
  return g_steal_pointer (&c);
}

PtPeftConfig *
pt_peft_config_load (const char *path,
                     GError    **error)
{
  g_autofree char *file = NULL;
  g_autofree char *display = NULL;
  g_autofree char *text = NULL;
  g_autoptr(PtPeftConfig) c = NULL;
  gsize length = 0;

  g_return_val_if_fail (path != NULL, NULL);

  file = g_file_test (path, G_FILE_TEST_IS_DIR) ? g_build_filename (path, "adapter_config.json", NULL)
                                                 : g_strdup (path);
  display = g_filename_display_name (file);
  if (!g_file_test (file, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s does not exist (not a PEFT adapter folder?)",
                   display);
      return NULL;
    }
  if (!g_file_get_contents (file, &text, &length, NULL))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read %s", display);
      return NULL;
    }
  if (length > 16 << 20)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is too large to be an adapter config", display);
      return NULL;
    }
  c = pt_peft_config_from_json (text, (gssize) length, display, error);
  if (c == NULL)
    return NULL;
  if (!pt_peft_config_validate (c, error))
    {
      g_prefix_error (error, "%s: ", display);
      return NULL;
    }
  return g_steal_pointer (&c);
}

gboolean
pt_peft_config_validate (const PtPeftConfig *c,
                         GError            **error)
{
  g_return_val_if_fail (c != NULL, FALSE);

  if (c->peft_type == NULL || strcmp (c->peft_type, "LORA") != 0)
    FAIL (PT_ERROR_UNSUPPORTED, "the adapter is of type %s; PaliTune supports LoRA adapters only",
          c->peft_type != NULL ? c->peft_type : "(none)");
  if (c->use_dora)
    FAIL (PT_ERROR_UNSUPPORTED, "DoRA adapters (use_dora) are not supported");
  if (c->lora_bias)
    FAIL (PT_ERROR_UNSUPPORTED, "LoRA biases (lora_bias) are not supported");
  if (c->bias == NULL || strcmp (c->bias, "none") != 0)
    FAIL (PT_ERROR_UNSUPPORTED, "bias \"%s\" (trained base biases) is not supported; only \"none\"",
          c->bias != NULL ? c->bias : "");
  if (c->modules_to_save != NULL && c->modules_to_save[0] != NULL)
    FAIL (PT_ERROR_UNSUPPORTED, "modules_to_save (fully trained copies of %s) is not supported",
          c->modules_to_save[0]);
  if (c->has_unsupported)
    FAIL (PT_ERROR_UNSUPPORTED, "%s is set, which PaliTune does not support", c->unsupported);
  if (c->r < 1 || c->r > 65536)
    FAIL (PT_ERROR_INVALID_INPUT, "r must be between 1 and 65536 (got %d)", c->r);
  for (guint i = 0; i < c->rank_pattern->len; i++)
    if (g_array_index (c->rank_pattern, PtPeftPattern, i).value < 1
        || g_array_index (c->rank_pattern, PtPeftPattern, i).value > 65536)
      FAIL (PT_ERROR_INVALID_INPUT, "rank_pattern[“%s”] must be between 1 and 65536",
            g_array_index (c->rank_pattern, PtPeftPattern, i).key);
  if (!(c->lora_dropout >= 0 && c->lora_dropout < 1))
    FAIL (PT_ERROR_INVALID_INPUT, "lora_dropout must be in [0, 1) (got %g)", c->lora_dropout);
  if (c->layers_pattern != NULL && c->layers_pattern[0] != NULL && c->layers_to_transform == NULL)
    FAIL (PT_ERROR_INVALID_INPUT, "layers_pattern is set without layers_to_transform");
  if (c->target_modules == NULL && c->target_modules_regex == NULL)
    FAIL (PT_ERROR_INVALID_INPUT, "target_modules is not set");
  return TRUE;
}

/* ---- writing --------------------------------------------------------------------- */

static void
add_number (JsonBuilder *b, double v)
{
  if (v == floor (v) && fabs (v) < 1e15)
    json_builder_add_int_value (b, (gint64) v);
  else
    json_builder_add_double_value (b, v);
}

static void
add_strv_or_null (JsonBuilder *b, char **v)
{
  if (v == NULL)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_array (b);
  for (guint i = 0; v[i] != NULL; i++)
    json_builder_add_string_value (b, v[i]);
  json_builder_end_array (b);
}

static void
add_string_or_null (JsonBuilder *b, const char *v)
{
  if (v != NULL)
    json_builder_add_string_value (b, v);
  else
    json_builder_add_null_value (b);
}

static void
add_patterns (JsonBuilder *b, GArray *a, gboolean whole_values)
{
  json_builder_begin_object (b);
  for (guint i = 0; a != NULL && i < a->len; i++)
    {
      const PtPeftPattern *p = &g_array_index (a, PtPeftPattern, i);
      json_builder_set_member_name (b, p->key);
      if (whole_values)
        json_builder_add_int_value (b, (gint64) p->value);
      else
        add_number (b, p->value);
    }
  json_builder_end_object (b);
}

char *
pt_peft_config_to_json (const PtPeftConfig *c)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (c != NULL, NULL);

#define KEY(k) json_builder_set_member_name (b, k)
  /* every key peft 0.21.2 writes for a LoraConfig, in sorted order */
  json_builder_begin_object (b);
  KEY ("alora_invocation_tokens"); json_builder_add_null_value (b);
  KEY ("alpha_pattern"); add_patterns (b, c->alpha_pattern, FALSE);
  KEY ("arrow_config"); json_builder_add_null_value (b);
  KEY ("auto_mapping"); json_builder_add_null_value (b);
  KEY ("base_model_name_or_path"); add_string_or_null (b, c->base_model_name_or_path);
  KEY ("bias"); add_string_or_null (b, c->bias != NULL ? c->bias : "none");
  KEY ("corda_config"); json_builder_add_null_value (b);
  KEY ("ensure_weight_tying"); json_builder_add_boolean_value (b, FALSE);
  KEY ("eva_config"); json_builder_add_null_value (b);
  KEY ("exclude_modules");
  if (c->exclude_modules_regex != NULL)
    json_builder_add_string_value (b, c->exclude_modules_regex);
  else
    add_strv_or_null (b, c->exclude_modules);
  KEY ("fan_in_fan_out"); json_builder_add_boolean_value (b, c->fan_in_fan_out);
  KEY ("inference_mode"); json_builder_add_boolean_value (b, c->inference_mode);
  KEY ("init_lora_weights");
  if (c->init_lora_weights == NULL || strcmp (c->init_lora_weights, "true") == 0)
    json_builder_add_boolean_value (b, TRUE);
  else if (strcmp (c->init_lora_weights, "false") == 0)
    json_builder_add_boolean_value (b, FALSE);
  else
    json_builder_add_string_value (b, c->init_lora_weights);
  KEY ("kasa_config"); json_builder_add_null_value (b);
  KEY ("layer_replication"); json_builder_add_null_value (b);
  KEY ("layers_pattern");
  if (c->layers_pattern != NULL && c->layers_pattern[0] != NULL && c->layers_pattern[1] == NULL)
    json_builder_add_string_value (b, c->layers_pattern[0]);
  else
    add_strv_or_null (b, c->layers_pattern);
  KEY ("layers_to_transform");
  if (c->layers_to_transform == NULL)
    json_builder_add_null_value (b);
  else
    {
      json_builder_begin_array (b);
      for (int i = 0; i < c->n_layers_to_transform; i++)
        json_builder_add_int_value (b, c->layers_to_transform[i]);
      json_builder_end_array (b);
    }
  KEY ("loftq_config"); json_builder_begin_object (b); json_builder_end_object (b);
  KEY ("lora_alpha"); add_number (b, c->lora_alpha);
  KEY ("lora_bias"); json_builder_add_boolean_value (b, c->lora_bias);
  KEY ("lora_dropout"); json_builder_add_double_value (b, c->lora_dropout);
  KEY ("lora_ga_config"); json_builder_add_null_value (b);
  KEY ("megatron_config"); json_builder_add_null_value (b);
  KEY ("megatron_core"); json_builder_add_string_value (b, "megatron.core");
  KEY ("modules_to_save"); add_strv_or_null (b, c->modules_to_save);
  KEY ("monteclora_config"); json_builder_add_null_value (b);
  KEY ("peft_type"); add_string_or_null (b, c->peft_type != NULL ? c->peft_type : "LORA");
  KEY ("peft_version"); add_string_or_null (b, c->peft_version != NULL ? c->peft_version : "0.21.2");
  KEY ("qalora_group_size"); json_builder_add_int_value (b, 16);
  KEY ("r"); json_builder_add_int_value (b, c->r);
  KEY ("rank_pattern"); add_patterns (b, c->rank_pattern, TRUE);
  KEY ("revision"); add_string_or_null (b, c->revision);
  KEY ("target_modules");
  if (c->target_modules_regex != NULL)
    json_builder_add_string_value (b, c->target_modules_regex);
  else
    add_strv_or_null (b, c->target_modules);
  KEY ("target_parameters"); json_builder_add_null_value (b);
  KEY ("task_type"); add_string_or_null (b, c->task_type);
  KEY ("trainable_token_indices"); json_builder_add_null_value (b);
  KEY ("use_bdlora"); json_builder_add_null_value (b);
  KEY ("use_dora"); json_builder_add_boolean_value (b, c->use_dora);
  KEY ("use_qalora"); json_builder_add_boolean_value (b, FALSE);
  KEY ("use_rslora"); json_builder_add_boolean_value (b, c->use_rslora);
  KEY ("velora_config"); json_builder_add_null_value (b);
  json_builder_end_object (b);
#undef KEY

  root = json_builder_get_root (b);
  return pt_json_to_string (root, TRUE);
}
