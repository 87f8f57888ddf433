/* pt-demo.c — the shipped demo model and its generated fine-tune dataset. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>           /* strlen */

#include "pt-demo-data.h"     /* pt_demo_generate, pt_demo_parse_tasks */
#include "pt-demo.h"
#include "pt-error.h"
#include "pt-json.h"          /* pt_json_load_file */
#include "pt-pipeline.h"      /* pt_pipeline_read_config */

/* Defaults when demo.json does not say: a few hundred images is a dataset
 * a micro model learns from in minutes on a laptop CPU. */
#define DEFAULT_N_TRAIN 400
#define DEFAULT_SEED    2026

static gboolean
has_demo (const char *dir)
{
  g_autofree char *config = g_build_filename (dir, "config.json", NULL);

  return g_file_test (config, G_FILE_TEST_IS_REGULAR);
}

char *
pt_demo_find_dir (void)
{
  const char *env = g_getenv ("PALITUNE_DEMO_DIR");
  g_autofree char *installed = g_build_filename (PKGDATADIR, "demo", NULL);
  g_autofree char *source = g_build_filename (SOURCE_DATADIR, "demo", NULL);

  if (env != NULL)
    return *env != '\0' && has_demo (env) ? g_strdup (env) : NULL;
  if (has_demo (installed))
    return g_steal_pointer (&installed);
  if (has_demo (source))
    return g_steal_pointer (&source);
  return NULL;
}

void
pt_demo_info_free (PtDemoInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->dir);
  g_clear_pointer (&info->settings, pt_train_settings_free);
  g_free (info->description);
  g_free (info);
}

/* A task list as an array of names or a comma-separated string. */
static gboolean
read_tasks (JsonObject  *o,
            const char  *name,
            guint       *mask,
            GError     **error)
{
  JsonNode *node = json_object_get_member (o, name);
  g_autoptr(GString) list = g_string_new (NULL);

  *mask = 0;
  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          const char *task = json_array_get_string_element (a, i);
          if (task != NULL)
            g_string_append_printf (list, "%s%s", list->len > 0 ? "," : "", task);
        }
    }
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    g_string_append (list, json_node_get_string (node));
  else
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, _("demo.json: “%s” must be a list of task names"), name);
      return FALSE;
    }
  return list->len == 0 || pt_demo_parse_tasks (list->str, mask, error);
}

/* "dataset": the scenes of the fine-tune dataset (those the model was
 * pretrained on), checked as the generator checks its options. */
static gboolean
read_dataset (JsonObject  *o,
              PtDemoInfo  *info,
              const char  *path,
              GError     **error)
{
  JsonNode *node = json_object_get_member (o, "dataset");
  PtDemoOptions *d = &info->data;

  pt_demo_options_init (d);
  d->n_train = DEFAULT_N_TRAIN;
  d->seed = DEFAULT_SEED;
  d->image_size = 0;
  if (node != NULL && !JSON_NODE_HOLDS_OBJECT (node))
    {
      /* Translators: %s is a file; “dataset” is a key in it */
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, _("%s: “dataset” must be an object"), path);
      return FALSE;
    }
  if (node != NULL)
    pt_demo_options_update_from_json (d, json_node_get_object (node));
  d->n_train = CLAMP (d->n_train, 16, 100000);
  d->n_val = 0;   /* the settings' validation split takes its share */
  d->tasks = info->finetune_tasks;
  {
    PtDemoOptions probe = *d;
    if (probe.image_size == 0)
      probe.image_size = 224;
    if (!pt_demo_options_validate (&probe, error))
      {
        g_prefix_error (error, "%s: ", path);
        return FALSE;
      }
  }
  return TRUE;
}

PtDemoInfo *
pt_demo_info_load (const char  *dir,
                   GError     **error)
{
  g_autofree char *path = g_build_filename (dir, "demo.json", NULL);
  g_autoptr(PtDemoInfo) info = g_new0 (PtDemoInfo, 1);
  g_autoptr(JsonNode) root = NULL;
  JsonObject *o;
  JsonNode *settings = NULL;
  static const char *const settings_keys[] = { "settings", "recommended_settings", "finetune_settings", NULL };

  info->dir = g_strdup (dir);
  root = pt_json_load_file (path, 1 << 20, error);
  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, _("%s: not a JSON object"), path);
      return NULL;
    }
  o = json_node_get_object (root);
  if (!read_tasks (o, "pretrained_tasks", &info->pretrained_tasks, error)
      || !read_tasks (o, "finetune_tasks", &info->finetune_tasks, error))
    return NULL;
  if (info->finetune_tasks == 0)
    {
      /* Translators: %s is a file; finetune_tasks is a key in it */
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, _("%s names no finetune_tasks"), path);
      return NULL;
    }
  for (guint i = 0; settings_keys[i] != NULL && settings == NULL; i++)
    settings = json_object_get_member (o, settings_keys[i]);
  info->settings = settings != NULL ? pt_train_settings_from_json_node (settings, error) : pt_train_settings_new ();
  if (info->settings == NULL)
    {
      g_prefix_error (error, "%s: ", path);
      return NULL;
    }
  info->description = g_strdup (pt_json_get_string (o, "description", NULL));
  if (!read_dataset (o, info, path, error))
    return NULL;
  return g_steal_pointer (&info);
}

char *
pt_demo_data_dir (void)
{
  return g_build_filename (g_get_user_data_dir (), "palitune", "demo-data", NULL);
}

char *
pt_demo_describe_tasks (guint tasks)
{
  static const char *const words[PT_DEMO_N_TASKS] = {
    /* Translators: what the demo model learns, listed: "colours, shapes and counting" */
    N_("colours"), N_("shapes"), N_("counting"), N_("positions"), N_("whether a shape is there"),
    N_("finding shapes (boxes)"), N_("colours in French"),
  };
  g_autoptr(GPtrArray) names = g_ptr_array_new ();

  for (int t = 0; t < PT_DEMO_N_TASKS; t++)
    if (tasks & (1u << t))
      g_ptr_array_add (names, (gpointer) _(words[t]));
  if (names->len == 0)
    return g_strdup ("");
  if (names->len == 1)
    return g_strdup (names->pdata[0]);
  {
    g_autoptr(GString) s = g_string_new (NULL);
    for (guint i = 0; i + 1 < names->len; i++)
      g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", (const char *) names->pdata[i]);
    /* Translators: the last item of a list: "colours, shapes and counting" */
    g_string_append_printf (s, _(" and %s"), (const char *) names->pdata[names->len - 1]);
    return g_string_free (g_steal_pointer (&s), FALSE);
  }
}

/* ---- generating the dataset ---- */

typedef struct {
  PtDemoOptions options;
  char         *out_dir;
} PrepareJob;

static void
prepare_job_free (PrepareJob *job)
{
  g_free (job->out_dir);
  g_free (job);
}

/* TRUE when out_dir already holds this dataset (demo-data.json matches). */
static gboolean
already_there (const PtDemoOptions *o,
               const char          *out_dir)
{
  g_autofree char *info_path = g_build_filename (out_dir, "demo-data.json", NULL);
  g_autofree char *train_path = g_build_filename (out_dir, "train.jsonl", NULL);
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *tasks = pt_demo_tasks_to_string (o->tasks);
  g_autoptr(GString) found_tasks = g_string_new (NULL);
  PtDemoOptions found;
  JsonObject *obj;
  JsonNode *a;

  if (!g_file_test (train_path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  root = pt_json_load_file (info_path, 1 << 20, NULL);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return FALSE;
  obj = json_node_get_object (root);
  a = json_object_get_member (obj, "tasks");
  for (guint i = 0; a != NULL && JSON_NODE_HOLDS_ARRAY (a) && i < json_array_get_length (json_node_get_array (a)); i++)
    {
      JsonNode *t = json_array_get_element (json_node_get_array (a), i);
      g_string_append_printf (found_tasks, "%s%s", i > 0 ? "," : "",
                              JSON_NODE_HOLDS_VALUE (t) && json_node_get_value_type (t) == G_TYPE_STRING
                              ? json_node_get_string (t) : "?");
    }
  /* the dataset the folder describes, read as the generator's options */
  pt_demo_options_init (&found);
  pt_demo_options_update_from_json (&found, obj);
  return pt_json_get_int (obj, "version", -1) == PT_DEMO_DATA_VERSION
         && found.seed == o->seed && found.n_train == o->n_train && found.image_size == o->image_size
         && found.min_shapes == (o->easy ? 1 : o->min_shapes)
         && found.max_shapes == (o->easy ? 1 : o->max_shapes)
         && found.min_size == o->min_size && found.max_size == o->max_size
         && found.noise == o->noise && g_str_equal (found_tasks->str, tasks);
}

void
pt_demo_prepared_free (PtDemoPrepared *p)
{
  if (p == NULL)
    return;
  g_free (p->train_path);
  g_free (p->image_path);
  g_free (p->question);
  g_free (p);
}

/* The first record of train.jsonl: an image and a question to try. */
static void
first_record (PtDemoPrepared *p,
              const char     *out_dir)
{
  g_autoptr(GFile) file = g_file_new_for_path (p->train_path);
  g_autoptr(GFileInputStream) in = g_file_read (file, NULL, NULL);
  g_autoptr(GDataInputStream) data = in != NULL ? g_data_input_stream_new (G_INPUT_STREAM (in)) : NULL;
  g_autofree char *line = data != NULL ? g_data_input_stream_read_line_utf8 (data, NULL, NULL, NULL) : NULL;
  g_autoptr(JsonNode) root = line != NULL ? pt_json_parse (line, -1, "train.jsonl", NULL) : NULL;
  JsonObject *o = root != NULL && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  const char *image = o != NULL ? json_object_get_string_member_with_default (o, "image", NULL) : NULL;
  const char *question = o != NULL ? json_object_get_string_member_with_default (o, "question", NULL) : NULL;

  if (image != NULL && question != NULL)
    {
      p->image_path = g_build_filename (out_dir, image, NULL);
      p->question = g_strdup (question);
    }
}

static void
prepare_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PrepareJob *job = task_data;
  PtDemoPrepared *prepared;
  GError *error = NULL;

  if (!already_there (&job->options, job->out_dir)
      && (g_mkdir_with_parents (job->out_dir, 0755) != 0
          || !pt_demo_generate (&job->options, job->out_dir, TRUE, NULL, NULL, cancellable, &error)))
    {
      if (error == NULL)
        {
          g_autofree char *display = g_filename_display_name (job->out_dir);
          g_set_error (&error, PT_ERROR, PT_ERROR_IO, _("Could not create the folder %s"), display);
        }
      g_task_return_error (task, error);
      return;
    }
  prepared = g_new0 (PtDemoPrepared, 1);
  prepared->train_path = g_build_filename (job->out_dir, "train.jsonl", NULL);
  first_record (prepared, job->out_dir);
  g_task_return_pointer (task, prepared, (GDestroyNotify) pt_demo_prepared_free);
}

void
pt_demo_prepare_async (const PtDemoInfo    *info,
                       const char          *out_dir,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  PrepareJob *job = g_new0 (PrepareJob, 1);

  job->options = info->data;
  if (job->options.image_size <= 0)
    {
      /* draw at the model's resolution: nothing is lost in resizing */
      g_autoptr(PtModelConfig) config = pt_pipeline_read_config (info->dir, NULL, NULL);
      job->options.image_size = config != NULL ? CLAMP (config->image_size, 32, 1024) : 224;
    }
  job->out_dir = g_strdup (out_dir);
  g_task_set_source_tag (task, pt_demo_prepare_async);
  g_task_set_task_data (task, job, (GDestroyNotify) prepare_job_free);
  g_task_run_in_thread (task, prepare_thread);
}

PtDemoPrepared *
pt_demo_prepare_finish (GAsyncResult  *result,
                        GError       **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- selecting it ---- */

void
pt_demo_apply (PtWindow             *window,
               const PtDemoInfo     *info,
               const PtDemoPrepared *prepared)
{
  const char *train_path = prepared->train_path;
  PtTrainSettingsView *sv = pt_train_page_get_settings_view (pt_window_get_train_page (window));
  const PtTrainSettings *current = pt_train_settings_view_get_settings (sv);
  g_autoptr(PtTrainSettings) s = pt_train_settings_copy (info->settings);
  g_autofree char *knows = pt_demo_describe_tasks (info->pretrained_tasks);
  g_autofree char *learns = pt_demo_describe_tasks (info->finetune_tasks);
  g_autofree char *text = NULL;
  AdwToast *toast;

  g_free (s->model_dir);
  s->model_dir = g_strdup (info->dir);
  g_free (s->data_path);
  s->data_path = g_strdup (train_path);
  g_clear_pointer (&s->val_data_path, g_free);
  g_clear_pointer (&s->adapter_dir, g_free);
  /* the device stays the user's: the demo runs anywhere */
  if (current->device != NULL)
    {
      g_free (s->device);
      s->device = g_strdup (current->device);
    }
  pt_train_settings_view_set_settings (sv, s);
  pt_data_page_set_dataset_path (pt_window_get_data_page (window), train_path);
  pt_window_show_page (window, "train");

  /* something to ask once it has trained */
  if (prepared->image_path != NULL)
    {
      PtPlaygroundPage *playground = pt_window_get_playground_page (window);
      g_autoptr(GFile) image = g_file_new_for_path (prepared->image_path);
      const char *question = prepared->question;

      if (pt_playground_page_get_n_images (playground) == 0)
        pt_playground_page_add_files (playground, &image, 1);
      if (g_str_has_prefix (question, "detect "))
        pt_playground_page_set_prompt (playground, PT_PROMPT_DETECT, question + strlen ("detect "));
      else
        pt_playground_page_set_prompt (playground, PT_PROMPT_ANSWER, question);
    }

  /* Translators: the first-run toast, e.g. "Demo ready: press Start to teach it counting, then
   * compare both models in the Playground" */
  text = g_strdup_printf (_("Demo ready: press Start to teach it %s, then compare both models in the Playground"),
                          learns);
  /* what the model already knows goes beside the Start button */
  if (*knows != '\0')
    {
      /* Translators: e.g. "The demo model knows colours and shapes" */
      g_autofree char *status = g_strdup_printf (_("The demo model knows %s"), knows);
      pt_training_view_set_status (pt_train_page_get_training_view (pt_window_get_train_page (window)), status);
    }
  toast = adw_toast_new (text);
  adw_toast_set_timeout (toast, 15);
  pt_window_add_toast (window, toast);
}

/* ---- the whole first-run flow for a window ---- */

typedef struct {
  PtWindow   *window;     /* weak */
  PtDemoInfo *info;
  AdwToast   *progress;
} WindowJob;

static void
window_job_free (WindowJob *job)
{
  g_clear_weak_pointer (&job->window);
  pt_demo_info_free (job->info);
  if (job->progress != NULL)
    adw_toast_dismiss (job->progress);
  g_clear_object (&job->progress);
  g_free (job);
}

static void
window_prepared_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  GTask *outer = user_data;
  WindowJob *job = g_task_get_task_data (outer);
  GError *error = NULL;
  g_autoptr(PtDemoPrepared) prepared = pt_demo_prepare_finish (result, &error);

  if (prepared == NULL)
    {
      if (job->window != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Translators: the demo could not be set up, and why */
          g_autofree char *text = g_strdup_printf (_("The demo could not be prepared: %s"), error->message);
          pt_window_add_toast (job->window, adw_toast_new (text));
        }
      g_task_return_error (outer, error);
    }
  else
    {
      if (job->window != NULL)
        pt_demo_apply (job->window, job->info, prepared);
      g_task_return_boolean (outer, job->window != NULL);
    }
  g_object_unref (outer);
}

void
pt_demo_prepare_window (PtWindow            *window,
                        gboolean             explicit_request,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (window, cancellable, callback, user_data);
  g_autofree char *dir = pt_demo_find_dir ();
  g_autofree char *out_dir = NULL;
  g_autoptr(GError) error = NULL;
  WindowJob *job;
  PtDemoInfo *info;

  g_task_set_source_tag (task, pt_demo_prepare_window);
  if (dir == NULL)
    {
      if (explicit_request)
        pt_window_add_toast (window, adw_toast_new (_("No demo model is installed with PaliTune")));
      g_task_return_new_error (task, PT_ERROR, PT_ERROR_UNSUPPORTED, _("No demo model found"));
      return;
    }
  info = pt_demo_info_load (dir, &error);
  if (info == NULL)
    {
      g_autofree char *text = g_strdup_printf (_("The demo could not be prepared: %s"), error->message);
      pt_window_add_toast (window, adw_toast_new (text));
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  job = g_new0 (WindowJob, 1);
  g_set_weak_pointer (&job->window, window);
  job->info = info;
  /* Translators: shown while the demo dataset is generated */
  job->progress = adw_toast_new (_("Preparing the demo: drawing its images…"));
  adw_toast_set_timeout (job->progress, 0);
  pt_window_add_toast (window, g_object_ref (job->progress));
  g_task_set_task_data (task, job, (GDestroyNotify) window_job_free);
  out_dir = pt_demo_data_dir ();
  pt_demo_prepare_async (info, out_dir, cancellable, window_prepared_cb, g_object_ref (task));
}

gboolean
pt_demo_prepare_window_finish (PtWindow      *window,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, window), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
