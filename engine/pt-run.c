/* pt-run.c — a training run is a folder. */
#include "config.h"

#include <math.h>   /* isfinite */

#include <errno.h>
#include <glib/gstdio.h>   /* g_stat, g_mkdir_with_parents, g_remove */
#include <stdio.h>         /* FILE */
#include <string.h>

#include "pt-error.h"
#include "pt-json.h"       /* pt_json_to_string, pt_json_load_file */
#include "pt-comm.h"        /* pt_comm_broadcast */
#include "pt-metrics.h"     /* pt_metrics_row_from_json */
#include "pt-tensorboard.h" /* pt_tb_* */
#include "pt-run.h"

#define RUN_JSON "run.json"
#define METRICS_JSONL "metrics.jsonl"
#define RUN_FORMAT_VERSION 1

struct _PtRun {
  char            *dir;
  char            *id;
  char            *name;
  PtTrainSettings *settings;
  PtRunStatus      status;
  char            *error;
  gint64           created;
  double           duration;
  int              step;
  int              total_steps;
  char            *device_name;
  int              ranks;           /* processes that trained it (data parallel), 1 alone */
  int              global_batch;    /* records per micro-batch over every rank; 0 = unknown */
  gboolean         reader;          /* another rank writes the folder: leave the files alone */
  char            *events;          /* the TensorBoard event file rows go to, NULL: none yet */
  JsonNode        *inputs;          /* fingerprints at creation */
  JsonNode        *last_metrics;
  JsonNode        *best;
  JsonNode        *final_metrics;
};

static const char *const status_names[] = {
  "created", "running", "paused", "stopped", "finished", "failed"
};

const char *
pt_run_status_to_string (PtRunStatus status)
{
  return (unsigned) status < G_N_ELEMENTS (status_names) ? status_names[status] : "unknown";
}

static gboolean
status_from_string (const char *s, PtRunStatus *status)
{
  for (guint i = 0; s != NULL && i < G_N_ELEMENTS (status_names); i++)
    if (g_str_equal (s, status_names[i]))
      {
        *status = (PtRunStatus) i;
        return TRUE;
      }
  return FALSE;
}

char *
pt_runs_default_root (void)
{
  return g_build_filename (g_get_user_data_dir (), "palitune", "runs", NULL);
}

/* ---- fingerprints: size and mtime of each input file ---- */

static gboolean
is_input_file_name (const char *name)
{
  return g_str_has_suffix (name, ".json") || g_str_has_suffix (name, ".safetensors")
         || g_str_has_suffix (name, ".model") || g_str_has_suffix (name, ".jsonl")
         || g_str_has_suffix (name, ".csv") || g_str_has_suffix (name, ".tsv");
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  /* g_ptr_array_sort passes pointers to the elements */
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static void
add_file_fingerprint (JsonBuilder *b, const char *path, const char *key)
{
  GStatBuf st;

  json_builder_set_member_name (b, key);
  if (g_stat (path, &st) != 0)
    {
      json_builder_add_null_value (b);
      return;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "size");
  json_builder_add_int_value (b, st.st_size);
  json_builder_set_member_name (b, "mtime");
  json_builder_add_int_value (b, st.st_mtime);
  json_builder_end_object (b);
}

/* {name: {size, mtime}} for a file, or for the input files directly in a folder */
static JsonNode *
fingerprint (const char *path)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  if (path != NULL && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        if (is_input_file_name (name))
          g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_strings);
      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *full = g_build_filename (path, names->pdata[i], NULL);
          add_file_fingerprint (b, full, names->pdata[i]);
        }
    }
  else if (path != NULL)
    {
      g_autofree char *base = g_path_get_basename (path);
      add_file_fingerprint (b, path, base);
    }
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static JsonNode *
inputs_fingerprint (const PtTrainSettings *s)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "model");
  json_builder_add_value (b, fingerprint (s->model_dir));
  json_builder_set_member_name (b, "data");
  json_builder_add_value (b, fingerprint (s->data_path));
  json_builder_set_member_name (b, "val_data");
  json_builder_add_value (b, fingerprint (s->val_data_path));
  json_builder_set_member_name (b, "adapter");
  json_builder_add_value (b, fingerprint (s->adapter_dir));
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static void
describe_changes (GString *out, const char *what, JsonObject *then, JsonObject *now)
{
  g_autoptr(GList) then_names = then ? json_object_get_members (then) : NULL;
  g_autoptr(GList) now_names = now ? json_object_get_members (now) : NULL;

  for (GList *l = then_names; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *a = json_object_get_member (then, name);
      JsonNode *b = now ? json_object_get_member (now, name) : NULL;

      if (b == NULL || JSON_NODE_HOLDS_NULL (b))
        {
          if (!JSON_NODE_HOLDS_NULL (a))
            g_string_append_printf (out, "%s%s file %s is gone", out->len ? "; " : "", what, name);
        }
      else if (JSON_NODE_HOLDS_NULL (a))
        g_string_append_printf (out, "%s%s file %s appeared", out->len ? "; " : "", what, name);
      else
        {
          JsonObject *oa = json_node_get_object (a), *ob = json_node_get_object (b);
          if (pt_json_get_int (oa, "size", -1)
              != pt_json_get_int (ob, "size", -2))
            g_string_append_printf (out, "%s%s file %s changed size", out->len ? "; " : "", what, name);
          else if (pt_json_get_int (oa, "mtime", -1)
                   != pt_json_get_int (ob, "mtime", -2))
            g_string_append_printf (out, "%s%s file %s was modified", out->len ? "; " : "", what, name);
        }
    }
  for (GList *l = now_names; l != NULL; l = l->next)
    if (then == NULL || !json_object_has_member (then, l->data))
      g_string_append_printf (out, "%s%s file %s is new", out->len ? "; " : "", what, (char *) l->data);
}

gboolean
pt_run_check_inputs (PtRun   *run,
                     GError **error)
{
  g_autoptr(JsonNode) now = NULL;
  g_autoptr(GString) changes = g_string_new (NULL);
  static const char *const keys[][2] = {
    { "model", "model" }, { "data", "dataset" }, { "val_data", "validation data" }, { "adapter", "adapter" }
  };
  JsonObject *then_o, *now_o;

  g_return_val_if_fail (run != NULL, FALSE);

  if (run->inputs == NULL || !JSON_NODE_HOLDS_OBJECT (run->inputs))
    return TRUE;
  now = inputs_fingerprint (run->settings);
  then_o = json_node_get_object (run->inputs);
  now_o = json_node_get_object (now);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      JsonNode *a = json_object_get_member (then_o, keys[i][0]);
      JsonNode *b = json_object_get_member (now_o, keys[i][0]);
      describe_changes (changes, keys[i][1],
                        a && JSON_NODE_HOLDS_OBJECT (a) ? json_node_get_object (a) : NULL,
                        b && JSON_NODE_HOLDS_OBJECT (b) ? json_node_get_object (b) : NULL);
    }
  if (changes->len == 0)
    return TRUE;
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
               "The inputs changed since this run started: %s", changes->str);
  return FALSE;
}

/* ---- run.json ---- */

static JsonNode *
run_to_json (PtRun *run)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

#define ADD_NODE(key, node) G_STMT_START {                                  \
    json_builder_set_member_name (b, key);                                   \
    if ((node) != NULL)                                                      \
      json_builder_add_value (b, json_node_copy (node));                     \
    else                                                                     \
      json_builder_add_null_value (b);                                       \
  } G_STMT_END

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, RUN_FORMAT_VERSION);
  json_builder_set_member_name (b, "id");
  json_builder_add_string_value (b, run->id);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, run->name);
  json_builder_set_member_name (b, "created");
  json_builder_add_int_value (b, run->created);
  json_builder_set_member_name (b, "status");
  json_builder_add_string_value (b, pt_run_status_to_string (run->status));
  json_builder_set_member_name (b, "error");
  if (run->error)
    json_builder_add_string_value (b, run->error);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "step");
  json_builder_add_int_value (b, run->step);
  json_builder_set_member_name (b, "total_steps");
  json_builder_add_int_value (b, run->total_steps);
  json_builder_set_member_name (b, "duration");
  json_builder_add_double_value (b, run->duration);
  json_builder_set_member_name (b, "device");
  if (run->device_name)
    json_builder_add_string_value (b, run->device_name);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "ranks");
  json_builder_add_int_value (b, MAX (run->ranks, 1));
  if (run->global_batch > 0)
    {
      json_builder_set_member_name (b, "global_batch");
      json_builder_add_int_value (b, run->global_batch);
    }
  json_builder_set_member_name (b, "settings");
  json_builder_add_value (b, pt_train_settings_to_json_node (run->settings));
  ADD_NODE ("inputs", run->inputs);
  ADD_NODE ("last_metrics", run->last_metrics);
  ADD_NODE ("best", run->best);
  ADD_NODE ("final_metrics", run->final_metrics);
  json_builder_end_object (b);
#undef ADD_NODE
  return json_builder_get_root (b);
}

gboolean
pt_run_save (PtRun   *run,
             GError **error)
{
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;
  g_autofree char *path = NULL;
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (run != NULL, FALSE);

  if (run->reader)
    return TRUE;
  node = run_to_json (run);
  text = pt_json_to_string (node, TRUE);
  path = g_build_filename (run->dir, RUN_JSON, NULL);
  if (!g_file_set_contents_full (path, text, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &local_error))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot save the run’s state: %s",
                   local_error->message);
      return FALSE;
    }
  return TRUE;
}

static char *
slug (const char *text)
{
  GString *out = g_string_new (NULL);

  for (const char *p = text; *p && out->len < 40; p++)
    {
      if (g_ascii_isalnum (*p))
        g_string_append_c (out, g_ascii_tolower (*p));
      else if (out->len && out->str[out->len - 1] != '-')
        g_string_append_c (out, '-');
    }
  while (out->len && out->str[out->len - 1] == '-')
    g_string_truncate (out, out->len - 1);
  if (out->len == 0)
    g_string_append (out, "run");
  return g_string_free (out, FALSE);
}

static char *
default_name (const PtTrainSettings *s)
{
  g_autofree char *data = NULL;

  if (s->data_path != NULL)
    {
      g_autofree char *base = g_path_get_basename (s->data_path);
      char *dot = strrchr (base, '.');
      if (dot != NULL && dot != base)
        *dot = '\0';
      /* a file called train/data says little: use its folder's name */
      if (g_str_equal (base, "train") || g_str_equal (base, "data"))
        {
          g_autofree char *dir = g_path_get_dirname (s->data_path);
          g_free (base);
          base = g_path_get_basename (dir);
        }
      data = g_steal_pointer (&base);
    }
  return g_strdup_printf ("%s %s", data ? data : "run", pt_train_mode_to_string (s->mode));
}

static gboolean
dir_is_empty_or_missing (const char *path)
{
  g_autoptr(GDir) dir = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  dir = g_dir_open (path, 0, NULL);
  return dir != NULL && g_dir_read_name (dir) == NULL;
}

PtRun *
pt_run_create_at (const char            *run_dir,
                  const char            *name,
                  const PtTrainSettings *settings,
                  GError               **error)
{
  g_autoptr(PtRun) run = NULL;

  g_return_val_if_fail (run_dir != NULL && settings != NULL, NULL);

  if (!dir_is_empty_or_missing (run_dir))
    {
      g_autofree char *display = g_filename_display_name (run_dir);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The run folder %s already exists and is not empty", display);
      return NULL;
    }
  if (g_mkdir_with_parents (run_dir, 0755) != 0)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (run_dir);
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot create the run folder %s: %s",
                   display, g_strerror (saved));
      return NULL;
    }

  run = g_new0 (PtRun, 1);
  run->dir = g_canonicalize_filename (run_dir, NULL);
  run->id = g_path_get_basename (run->dir);
  run->name = name ? g_strdup (name) : default_name (settings);
  run->settings = pt_train_settings_copy (settings);
  run->status = PT_RUN_CREATED;
  run->created = g_get_real_time () / G_USEC_PER_SEC;
  run->inputs = inputs_fingerprint (settings);
  if (!pt_run_save (run, error))
    return NULL;
  return g_steal_pointer (&run);
}

PtRun *
pt_run_create (const char            *runs_root,
               const char            *name,
               const PtTrainSettings *settings,
               GError               **error)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
  g_autofree char *display_name = name ? g_strdup (name) : default_name (settings);
  g_autofree char *s = slug (display_name);

  g_return_val_if_fail (runs_root != NULL && settings != NULL, NULL);

  for (int i = 0; i < 1000; i++)
    {
      g_autofree char *id = i == 0 ? g_strdup_printf ("%s-%s", stamp, s)
                                   : g_strdup_printf ("%s-%s-%d", stamp, s, i + 1);
      g_autofree char *dir = g_build_filename (runs_root, id, NULL);
      if (!g_file_test (dir, G_FILE_TEST_EXISTS))
        return pt_run_create_at (dir, display_name, settings, error);
    }
  g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot find a free run folder name");
  return NULL;
}

static JsonNode *
member_copy (JsonObject *o, const char *key)
{
  JsonNode *n = json_object_get_member (o, key);
  return n != NULL && !JSON_NODE_HOLDS_NULL (n) ? json_node_copy (n) : NULL;
}

PtRun *
pt_run_open (const char *run_dir,
             GError    **error)
{
  g_autofree char *path = g_build_filename (run_dir, RUN_JSON, NULL);
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(PtRun) run = NULL;
  JsonObject *o;
  JsonNode *settings;
  const char *status;

  g_return_val_if_fail (run_dir != NULL, NULL);

  if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *display = g_filename_display_name (run_dir);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is not a PaliTune run folder (it has no run.json)", display);
      return NULL;
    }
  root = pt_json_load_file (path, 64 * 1024 * 1024, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    goto malformed;
  o = json_node_get_object (root);
  settings = json_object_get_member (o, "settings");
  if (settings == NULL)
    goto malformed;

  run = g_new0 (PtRun, 1);
  run->dir = g_canonicalize_filename (run_dir, NULL);
  run->id = g_path_get_basename (run->dir);
  run->settings = pt_train_settings_from_json_node (settings, error);
  if (run->settings == NULL)
    return NULL;
  run->name = g_strdup (pt_json_get_string (o, "name", run->id));
  status = pt_json_get_string (o, "status", "created");
  if (!status_from_string (status, &run->status))
    run->status = PT_RUN_FAILED;
  if (json_object_has_member (o, "error") && !json_object_get_null_member (o, "error"))
    run->error = g_strdup (pt_json_get_string (o, "error", NULL));
  run->created = pt_json_get_int (o, "created", 0);
  /* hand-edited values stay in range: the pages draw progress from them */
  run->total_steps = (int) CLAMP (pt_json_get_int (o, "total_steps", 0), 0, G_MAXINT);
  run->step = (int) CLAMP (pt_json_get_int (o, "step", 0), 0, run->total_steps);
  run->duration = pt_json_get_double (o, "duration", 0);
  if (!isfinite (run->duration) || run->duration < 0)
    run->duration = 0;
  if (json_object_has_member (o, "device") && !json_object_get_null_member (o, "device"))
    run->device_name = g_strdup (pt_json_get_string (o, "device", NULL));
  run->ranks = (int) CLAMP (pt_json_get_int (o, "ranks", 1), 1, 1 << 20);
  run->global_batch = (int) CLAMP (pt_json_get_int (o, "global_batch", 0), 0, 1 << 24);
  run->inputs = member_copy (o, "inputs");
  run->last_metrics = member_copy (o, "last_metrics");
  run->best = member_copy (o, "best");
  run->final_metrics = member_copy (o, "final_metrics");
  return g_steal_pointer (&run);

malformed:
  {
    g_autofree char *display = g_filename_display_name (path);
    g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is not a valid run file", display);
    return NULL;
  }
}

void
pt_run_free (PtRun *run)
{
  if (run == NULL)
    return;
  g_free (run->dir);
  g_free (run->id);
  g_free (run->name);
  g_free (run->error);
  g_free (run->events);
  g_free (run->device_name);
  pt_train_settings_free (run->settings);
  g_clear_pointer (&run->inputs, json_node_unref);
  g_clear_pointer (&run->last_metrics, json_node_unref);
  g_clear_pointer (&run->best, json_node_unref);
  g_clear_pointer (&run->final_metrics, json_node_unref);
  g_free (run);
}

const char *pt_run_get_dir (PtRun *run) { return run->dir; }
const char *pt_run_get_id (PtRun *run) { return run->id; }
const char *pt_run_get_name (PtRun *run) { return run->name; }
const PtTrainSettings *pt_run_get_settings (PtRun *run) { return run->settings; }
PtRunStatus pt_run_get_status (PtRun *run) { return run->status; }
const char *pt_run_get_error (PtRun *run) { return run->error; }
gint64 pt_run_get_created (PtRun *run) { return run->created; }
double pt_run_get_duration (PtRun *run) { return run->duration; }
int pt_run_get_step (PtRun *run) { return run->step; }
int pt_run_get_total_steps (PtRun *run) { return run->total_steps; }
JsonNode *pt_run_get_last_metrics (PtRun *run) { return run->last_metrics; }
JsonNode *pt_run_get_best (PtRun *run) { return run->best; }
JsonNode *pt_run_get_final_metrics (PtRun *run) { return run->final_metrics; }
const char *pt_run_get_device_name (PtRun *run) { return run->device_name; }
int pt_run_get_ranks (PtRun *run) { return MAX (run->ranks, 1); }
int pt_run_get_global_batch (PtRun *run) { return run->global_batch; }
gboolean pt_run_is_writer (PtRun *run) { return !run->reader; }

void
pt_run_set_parallel (PtRun *run, int ranks, int global_batch)
{
  run->ranks = MAX (ranks, 1);
  run->global_batch = MAX (global_batch, 0);
}

void
pt_run_set_writer (PtRun *run, gboolean writer)
{
  run->reader = !writer;
}

void
pt_run_set_status (PtRun       *run,
                   PtRunStatus  status,
                   const char  *error_message)
{
  run->status = status;
  g_free (run->error);
  run->error = g_strdup (error_message);
}

void
pt_run_set_progress (PtRun *run,
                     int    step,
                     int    total_steps,
                     double duration)
{
  run->step = step;
  run->total_steps = total_steps;
  run->duration = duration;
}

static void
replace_node (JsonNode **slot, JsonNode *node)
{
  g_clear_pointer (slot, json_node_unref);
  if (node != NULL)
    *slot = json_node_copy (node);
}

void
pt_run_set_last_metrics (PtRun *run, JsonNode *metrics)
{
  replace_node (&run->last_metrics, metrics);
}

void
pt_run_set_final_metrics (PtRun *run, JsonNode *metrics)
{
  replace_node (&run->final_metrics, metrics);
}

void
pt_run_set_device_name (PtRun *run, const char *name)
{
  g_free (run->device_name);
  run->device_name = g_strdup (name);
}

void
pt_run_set_best (PtRun      *run,
                 int         step,
                 const char *metric,
                 double      value,
                 const char *checkpoint)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "step");
  json_builder_add_int_value (b, step);
  json_builder_set_member_name (b, "metric");
  json_builder_add_string_value (b, metric);
  json_builder_set_member_name (b, "value");
  json_builder_add_double_value (b, value);
  json_builder_set_member_name (b, "checkpoint");
  if (checkpoint)
    json_builder_add_string_value (b, checkpoint);
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
  g_clear_pointer (&run->best, json_node_unref);
  run->best = json_builder_get_root (b);
}

/* ---- metrics.jsonl ---- */

/* The same row into the TensorBoard events, read as every reader reads it. */
static gboolean
append_events (PtRun *run, JsonNode *node, double wall_time, GError **error)
{
  g_autoptr(PtMetricsRow) row = NULL;

  if (!JSON_NODE_HOLDS_OBJECT (node)
      || (row = pt_metrics_row_from_json (json_node_get_object (node))) == NULL)
    return TRUE;
  if (run->events == NULL)
    {
      run->events = pt_tb_file_new (run->dir, wall_time, error);
      if (run->events == NULL)
        return FALSE;
    }
  return pt_tb_file_append (run->events, row, wall_time, error);
}

/* A fresh event file holding the rows kept: their wall times are the run's
 * start plus their training time (the time a resumed row was first written
 * is not recorded). */
static gboolean
rewrite_events (PtRun *run, GPtrArray *kept, GError **error)
{
  double wall = (double) run->created;

  g_clear_pointer (&run->events, g_free);
  if (!pt_tb_remove_files (run->dir, error))
    return FALSE;
  run->events = pt_tb_file_new (run->dir, wall, error);
  if (run->events == NULL)
    return FALSE;
  for (guint i = 0; i < kept->len; i++)
    {
      JsonNode *node = kept->pdata[i];
      double elapsed = pt_json_get_double (json_node_get_object (node), "elapsed", NAN);
      if (isfinite (elapsed) && elapsed >= 0)
        wall = MAX (wall, run->created + elapsed);
      if (!append_events (run, node, wall, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
pt_run_append_metrics (PtRun    *run,
                       JsonNode *row,
                       GError  **error)
{
  g_autofree char *path = g_build_filename (run->dir, METRICS_JSONL, NULL);
  g_autofree char *line = pt_json_to_string (row, FALSE);
  FILE *f;
  gboolean ok;

  if (run->reader)
    return TRUE;
  f = g_fopen (path, "a");
  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot write the metrics file: %s",
                   g_strerror (saved));
      return FALSE;
    }
  ok = fputs (line, f) >= 0 && fputc ('\n', f) != EOF;
  ok = (fclose (f) == 0) && ok;
  if (!ok)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot write the metrics file (disk full?)");
      return FALSE;
    }
  return append_events (run, row, g_get_real_time () / 1e6, error);
}

GPtrArray *
pt_run_read_metrics (const char *run_dir,
                     GError    **error)
{
  g_autofree char *path = g_build_filename (run_dir, METRICS_JSONL, NULL);
  g_autofree char *text = NULL;
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) json_node_unref);
  gsize length = 0;
  char *line, *next;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return rows;
  if (!g_file_get_contents (path, &text, &length, NULL))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read the metrics of %s", run_dir);
      g_ptr_array_unref (rows);
      return NULL;
    }
  for (line = text; line < text + length; line = next)
    {
      char *nl = memchr (line, '\n', text + length - line);
      JsonNode *node;
      next = nl ? nl + 1 : text + length;
      if (nl == NULL)   /* an unterminated last line was cut by a crash */
        break;
      *nl = '\0';
      if (*line == '\0')
        continue;
      node = pt_json_parse (line, nl - line, "metrics line", NULL);
      if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (rows, node);
      else if (node != NULL)
        json_node_unref (node);
    }
  return rows;
}

gboolean
pt_run_truncate_metrics (PtRun   *run,
                         int      last_step,
                         GError **error)
{
  g_autoptr(GPtrArray) rows = pt_run_read_metrics (run->dir, error);
  g_autoptr(GPtrArray) kept = NULL;   /* borrowed from rows */
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *path = g_build_filename (run->dir, METRICS_JSONL, NULL);
  g_autoptr(GError) local_error = NULL;

  if (rows == NULL)
    return FALSE;
  if (run->reader)
    return TRUE;
  kept = g_ptr_array_new ();
  for (guint i = 0; i < rows->len; i++)
    {
      JsonObject *o = json_node_get_object (rows->pdata[i]);
      g_autofree char *line = NULL;
      if (pt_json_get_int (o, "step", 0) > last_step)
        continue;
      g_ptr_array_add (kept, rows->pdata[i]);
      line = pt_json_to_string (rows->pdata[i], FALSE);
      g_string_append (out, line);
      g_string_append_c (out, '\n');
    }
  if (!g_file_set_contents_full (path, out->str, (gssize) out->len,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                 0644, &local_error))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot rewrite the metrics file: %s",
                   local_error->message);
      return FALSE;
    }
  return rewrite_events (run, kept, error);
}

char *
pt_run_checkpoint_dir (PtRun *run,
                       int    step)
{
  g_autofree char *name = g_strdup_printf ("step-%07d", step);
  return g_build_filename (run->dir, "checkpoints", name, NULL);
}

static gint
compare_created_desc (gconstpointer a, gconstpointer b)
{
  PtRun *ra = *(PtRun **) a, *rb = *(PtRun **) b;
  if (ra->created != rb->created)
    return ra->created < rb->created ? 1 : -1;
  return -g_strcmp0 (ra->id, rb->id);
}

GPtrArray *
pt_runs_list (const char *runs_root)
{
  GPtrArray *runs = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_run_free);
  g_autoptr(GDir) dir = g_dir_open (runs_root, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (runs_root, name, NULL);
      PtRun *run;
      if (!g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;
      run = pt_run_open (path, NULL);
      if (run != NULL)
        g_ptr_array_add (runs, run);
    }
  g_ptr_array_sort (runs, compare_created_desc);
  return runs;
}

gboolean
pt_rmtree (const char *path,
           GError    **error)
{
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return TRUE;
  if (S_ISDIR (st.st_mode))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;
      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (!pt_rmtree (child, error))
            return FALSE;
        }
      if (g_rmdir (path) != 0)
        goto fail;
      return TRUE;
    }
  if (g_unlink (path) != 0)
    goto fail;
  return TRUE;

fail:
  {
    int saved = errno;
    g_autofree char *display = g_filename_display_name (path);
    g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot remove %s: %s", display, g_strerror (saved));
    return FALSE;
  }
}

gboolean
pt_run_delete (PtRun   *run,
               GError **error)
{
  return pt_rmtree (run->dir, error);
}

PtRun *
pt_run_share (PtComm  *comm,
              PtRun   *run,
              GError **error)
{
  g_autoptr(PtRun) mine = run;
  guint64 length = 0;
  g_autofree char *dir = NULL;

  g_return_val_if_fail (comm != NULL, NULL);
  g_return_val_if_fail ((comm->rank == 0) == (run != NULL), NULL);

  if (comm->world == 1)
    return g_steal_pointer (&mine);
  if (comm->rank == 0)
    length = strlen (mine->dir);
  if (!pt_comm_broadcast (comm, &length, sizeof length, 0, error))
    return NULL;
  if (length == 0 || length > 65536)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED, "Rank 0 sent no run folder");
      return NULL;
    }
  dir = comm->rank == 0 ? g_strdup (mine->dir) : g_malloc0 (length + 1);
  if (!pt_comm_broadcast (comm, dir, length, 0, error))
    return NULL;
  if (comm->rank == 0)
    return g_steal_pointer (&mine);
  mine = pt_run_open (dir, error);
  if (mine == NULL)
    {
      g_prefix_error (error, "Rank %d cannot open the run folder rank 0 created (every rank must "
                      "see the same file system): ", comm->rank);
      return NULL;
    }
  pt_run_set_writer (mine, FALSE);
  return g_steal_pointer (&mine);
}
