/* pt-playground-page-models.c — the Playground's tuned-model list (runs,
 * checkpoint and adapter folders) and asking the models. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-playground-page-private.h"
#include "pt-run.h"                  /* pt_runs_list, pt_runs_default_root */

/* ---- the list: none, the runs, chosen folders, then the two "Choose…" items ---- */

typedef enum {
  ITEM_CHOOSE_CHECKPOINT = 100,   /* beyond PtTunedKind */
  ITEM_CHOOSE_ADAPTER,
} ChooseItem;

static void
append_item (PtPlaygroundPage *self,
             int               kind,
             const char       *path,
             const char       *label)
{
  gtk_string_list_append (self->tuned_model, label);
  g_array_append_val (self->tuned_kinds, kind);
  g_ptr_array_add (self->tuned_paths, g_strdup (path));
}

static guint
find_item (PtPlaygroundPage *self,
           int               kind,
           const char       *path)
{
  for (guint i = 0; i < self->tuned_kinds->len; i++)
    if (g_array_index (self->tuned_kinds, int, i) == kind
        && g_strcmp0 (self->tuned_paths->pdata[i], path) == 0)
      return i;
  return G_MAXUINT;
}

static void
select_item (PtPlaygroundPage *self,
             guint             index)
{
  self->tuned_selected = index;
  self->updating_list = TRUE;
  gtk_drop_down_set_selected (self->tuned_dropdown, index);
  self->updating_list = FALSE;
  for (guint s = 0; s < PT_BOXES_N_SETS; s++)
    g_clear_pointer (&self->result_labels[s], g_free);
  pt_playground_page_update_answers (self);
  pt_playground_page_update_actions (self);
}

/* Inserts a chosen folder before the "Choose…" items and selects it. */
static void
add_and_select (PtPlaygroundPage *self,
                PtTunedKind       kind,
                const char       *path,
                const char       *label)
{
  guint index = find_item (self, kind, path);

  if (index == G_MAXUINT)
    {
      index = self->tuned_kinds->len - 2;
      gtk_string_list_splice (self->tuned_model, index, 0, (const char *const[]) { label, NULL });
      g_array_insert_val (self->tuned_kinds, index, kind);
      g_ptr_array_insert (self->tuned_paths, index, g_strdup (path));
    }
  select_item (self, index);
}

gboolean
pt_playground_page_has_tuned (PtPlaygroundPage *self)
{
  return self->tuned_selected < self->tuned_kinds->len
         && g_array_index (self->tuned_kinds, int, self->tuned_selected) != PT_TUNED_NONE;
}

/* A run's status in lower case, as the list says it. */
static const char *
status_word (PtRunStatus status)
{
  switch (status)
    {
    case PT_RUN_CREATED: return C_("run status", "created");
    case PT_RUN_RUNNING: return C_("run status", "running");
    case PT_RUN_PAUSED: return C_("run status", "paused");
    case PT_RUN_STOPPED: return C_("run status", "stopped");
    case PT_RUN_FINISHED: return C_("run status", "finished");
    case PT_RUN_FAILED: return C_("run status", "failed");
    default: return pt_run_status_to_string (status);
    }
}

static char *
run_label (PtRun *run)
{
  /* Translators: a run in the tuned-model list, e.g. "demo-count · step 120 · finished" */
  return g_strdup_printf (_("%s · step %d · %s"), pt_run_get_name (run), pt_run_get_step (run),
                          status_word (pt_run_get_status (run)));
}

/* The list from scratch: none, runs, the chosen folders kept, "Choose…". */
static void
rebuild_list (PtPlaygroundPage *self,
              GPtrArray        *runs)
{
  int kind = self->tuned_selected < self->tuned_kinds->len
             ? g_array_index (self->tuned_kinds, int, self->tuned_selected) : PT_TUNED_NONE;
  g_autofree char *path = self->tuned_selected < self->tuned_paths->len
                          ? g_strdup (self->tuned_paths->pdata[self->tuned_selected]) : NULL;
  g_autoptr(GStrvBuilder) keep_labels = g_strv_builder_new ();
  g_autoptr(GArray) keep_kinds = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GPtrArray) keep_paths = g_ptr_array_new_with_free_func (g_free);
  g_auto(GStrv) labels = NULL;
  guint index;

  /* chosen checkpoint and adapter folders stay */
  for (guint i = 0; i < self->tuned_kinds->len; i++)
    {
      int k = g_array_index (self->tuned_kinds, int, i);
      if (k == PT_TUNED_CHECKPOINT || k == PT_TUNED_ADAPTER)
        {
          g_strv_builder_add (keep_labels, gtk_string_list_get_string (self->tuned_model, i));
          g_array_append_val (keep_kinds, k);
          g_ptr_array_add (keep_paths, g_strdup (self->tuned_paths->pdata[i]));
        }
    }
  labels = g_strv_builder_end (keep_labels);

  self->updating_list = TRUE;
  gtk_string_list_splice (self->tuned_model, 0, g_list_model_get_n_items (G_LIST_MODEL (self->tuned_model)), NULL);
  g_array_set_size (self->tuned_kinds, 0);
  g_ptr_array_set_size (self->tuned_paths, 0);
  append_item (self, PT_TUNED_NONE, NULL, _("None: the base model alone"));
  for (guint i = 0; runs != NULL && i < runs->len; i++)
    {
      PtRun *run = runs->pdata[i];
      g_autofree char *label = NULL;
      if (pt_run_get_step (run) <= 0)
        continue;   /* nothing trained yet, no checkpoint */
      label = run_label (run);
      append_item (self, PT_TUNED_RUN, pt_run_get_dir (run), label);
    }
  for (guint i = 0; i < keep_kinds->len; i++)
    append_item (self, g_array_index (keep_kinds, int, i), keep_paths->pdata[i], labels[i]);
  append_item (self, ITEM_CHOOSE_CHECKPOINT, NULL, _("Choose a Checkpoint Folder…"));
  append_item (self, ITEM_CHOOSE_ADAPTER, NULL, _("Choose an Adapter Folder…"));
  self->updating_list = FALSE;

  if (self->wanted_run != NULL && find_item (self, PT_TUNED_RUN, self->wanted_run) != G_MAXUINT)
    {
      index = find_item (self, PT_TUNED_RUN, self->wanted_run);
      g_clear_pointer (&self->wanted_run, g_free);
    }
  else
    {
      index = find_item (self, kind, path);
      if (index == G_MAXUINT)
        index = 0;
    }
  select_item (self, index);
}

/* ---- reading the runs in a worker thread ---- */

static void
runs_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  const char *root = task_data;
  g_autofree char *default_root = root == NULL ? pt_runs_default_root () : NULL;

  g_task_return_pointer (task, pt_runs_list (root != NULL ? root : default_root),
                         (GDestroyNotify) g_ptr_array_unref);
}

static void
runs_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  PtPlaygroundPage *self = PT_PLAYGROUND_PAGE (source);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) runs = g_task_propagate_pointer (G_TASK (result), &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->runs_loading = FALSE;
  rebuild_list (self, runs);
}

void
pt_playground_page_refresh_runs (PtPlaygroundPage *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));

  if (self->runs_loading)
    return;
  self->runs_loading = TRUE;
  task = g_task_new (self, self->cancellable, runs_cb, NULL);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_set_task_data (task, g_strdup (self->runs_root), g_free);
  g_task_run_in_thread (task, runs_thread);
}

void
pt_playground_page_set_runs_root (PtPlaygroundPage *self,
                                  const char       *runs_root)
{
  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));

  g_free (self->runs_root);
  self->runs_root = g_strdup (runs_root);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    pt_playground_page_refresh_runs (self);
}

static void
map_cb (GtkWidget        *widget,
        PtPlaygroundPage *self)
{
  pt_playground_page_refresh_runs (self);
}

/* ---- choosing ---- */

void
pt_playground_page_select_run (PtPlaygroundPage *self,
                               const char       *run_dir)
{
  guint index;

  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));
  g_return_if_fail (run_dir != NULL);

  index = find_item (self, PT_TUNED_RUN, run_dir);
  if (index != G_MAXUINT)
    select_item (self, index);
  else
    {
      /* not listed yet (a new run): once the list is read again */
      g_free (self->wanted_run);
      self->wanted_run = g_strdup (run_dir);
      self->runs_loading = FALSE;
      pt_playground_page_refresh_runs (self);
    }
}

void
pt_playground_page_select_checkpoint (PtPlaygroundPage *self,
                                      const char       *checkpoint_dir)
{
  g_autofree char *step = NULL;
  g_autofree char *checkpoints = NULL;
  g_autofree char *run_dir = NULL;
  g_autofree char *run = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));
  g_return_if_fail (checkpoint_dir != NULL);

  step = g_path_get_basename (checkpoint_dir);
  checkpoints = g_path_get_dirname (checkpoint_dir);
  run_dir = g_path_get_dirname (checkpoints);
  run = g_path_get_basename (run_dir);
  /* Translators: a checkpoint in the tuned-model list, e.g. "Checkpoint step-0000120 of 2026-…-demo" */
  label = g_strdup_printf (_("Checkpoint %s of %s"), step, run);
  add_and_select (self, PT_TUNED_CHECKPOINT, checkpoint_dir, label);
}

void
pt_playground_page_select_adapter (PtPlaygroundPage *self,
                                   const char       *adapter_dir)
{
  g_autofree char *name = NULL;
  g_autofree char *label = NULL;

  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));
  g_return_if_fail (adapter_dir != NULL);

  name = g_path_get_basename (adapter_dir);
  /* Translators: a PEFT adapter folder in the tuned-model list */
  label = g_strdup_printf (_("Adapter %s"), name);
  add_and_select (self, PT_TUNED_ADAPTER, adapter_dir, label);
}

void
pt_playground_page_select_no_tuned (PtPlaygroundPage *self)
{
  g_return_if_fail (PT_IS_PLAYGROUND_PAGE (self));
  select_item (self, 0);
}

static void
folder_chosen_cb (GtkNativeDialog  *dialog,
                  int               response,
                  PtPlaygroundPage *self)
{
  int kind = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (dialog), "kind"));
  g_autoptr(GFile) folder = response == GTK_RESPONSE_ACCEPT ? gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog)) : NULL;
  g_autofree char *path = folder != NULL ? g_file_get_path (folder) : NULL;

  if (path == NULL)
    select_item (self, self->tuned_selected);   /* cancelled: back to what it was */
  else if (kind == ITEM_CHOOSE_CHECKPOINT)
    pt_playground_page_select_checkpoint (self, path);
  else
    pt_playground_page_select_adapter (self, path);
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
choose_folder (PtPlaygroundPage *self,
               int               kind)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;

  chooser = gtk_file_chooser_native_new (kind == ITEM_CHOOSE_CHECKPOINT ? _("Choose a Checkpoint Folder")
                                                                        : _("Choose a PEFT Adapter Folder"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Choose"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  if (kind == ITEM_CHOOSE_CHECKPOINT && self->runs_root != NULL)
    {
      g_autoptr(GFile) start = g_file_new_for_path (self->runs_root);
      gtk_file_chooser_set_current_folder (GTK_FILE_CHOOSER (chooser), start, NULL);
    }
  g_object_set_data (G_OBJECT (chooser), "kind", GINT_TO_POINTER (kind));
  g_signal_connect_object (chooser, "response", G_CALLBACK (folder_chosen_cb), self, 0);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

static void
tuned_selected_cb (GtkDropDown      *dropdown,
                   GParamSpec       *pspec,
                   PtPlaygroundPage *self)
{
  guint index = gtk_drop_down_get_selected (dropdown);
  int kind;

  if (self->updating_list || self->tuned_kinds == NULL || index >= self->tuned_kinds->len)
    return;
  kind = g_array_index (self->tuned_kinds, int, index);
  if (kind == ITEM_CHOOSE_CHECKPOINT || kind == ITEM_CHOOSE_ADAPTER)
    choose_folder (self, kind);
  else
    select_item (self, index);
}

/* ---- asking ---- */

static void
asked_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(PtPlaygroundPage) self = user_data;
  g_autoptr(GError) error = NULL;
  PtAskResult *r = pt_playground_models_ask_finish (PT_PLAYGROUND_MODELS (source), result, &error);
  g_autoptr(GPtrArray) asked = g_steal_pointer (&self->asking);

  if (r == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          /* Translators: a toast when the models could not answer, and why */
          g_autofree char *text = g_strdup_printf (_("The models could not answer: %s"), error->message);
          pt_playground_page_toast (self, text);
        }
      pt_playground_page_update_actions (self);
      return;
    }
  for (guint s = 0; s < PT_BOXES_N_SETS; s++)
    g_free (self->result_labels[s]);
  self->result_labels[PT_BOXES_BASE] = g_strdup (r->base_label);
  self->result_labels[PT_BOXES_TUNED] = g_strdup (r->tuned_label);
  for (guint i = 0; i < asked->len && i < r->answers->len; i++)
    {
      PlayImage *item = asked->pdata[i];
      PtAskAnswer *a = r->answers->pdata[i];

      g_free (item->answers[PT_BOXES_BASE]);
      g_free (item->answers[PT_BOXES_TUNED]);
      g_free (item->errors[PT_BOXES_BASE]);
      g_free (item->errors[PT_BOXES_TUNED]);
      item->answers[PT_BOXES_BASE] = g_strdup (a->base_answer);
      item->answers[PT_BOXES_TUNED] = g_strdup (a->tuned_answer);
      item->errors[PT_BOXES_BASE] = g_strdup (a->base_error);
      item->errors[PT_BOXES_TUNED] = g_strdup (a->tuned_error);
      item->ms[PT_BOXES_BASE] = a->base_ms;
      item->ms[PT_BOXES_TUNED] = a->tuned_ms;
    }
  pt_ask_result_free (r);
  pt_playground_page_update_answers (self);
  pt_playground_page_update_actions (self);
}

gboolean
pt_playground_page_ask (PtPlaygroundPage *self)
{
  g_autoptr(PtAskRequest) request = NULL;
  g_autoptr(GPtrArray) images = NULL;
  g_autofree char *prompt = NULL;

  g_return_val_if_fail (PT_IS_PLAYGROUND_PAGE (self), FALSE);

  prompt = pt_playground_page_dup_prompt (self);
  if (pt_playground_models_is_busy (self->models))
    return FALSE;
  if (self->items->len == 0 || prompt == NULL)
    {
      pt_playground_page_toast (self, self->items->len == 0 ? _("Add an image first") : _("Type a prompt first"));
      return FALSE;
    }
  if (self->base_model_dir == NULL && !pt_playground_page_has_tuned (self))
    {
      pt_playground_page_toast (self, _("Choose a model folder on the Train page first"));
      return FALSE;
    }
  request = pt_ask_request_new ();
  request->base_model_dir = g_strdup (self->base_model_dir);
  request->device = g_strdup (self->device);
  request->prompt = g_steal_pointer (&prompt);
  /* a detection answer is 4 location tokens and a label per object, a
   * segmentation one 16 mask codes more; text read off an image runs long */
  switch (gtk_drop_down_get_selected (self->prefix_dropdown))
    {
    case PT_PROMPT_DETECT:
    case PT_PROMPT_OCR:
      request->max_new_tokens = 64;
      break;
    case PT_PROMPT_SEGMENT:
      request->max_new_tokens = 96;
      break;
    default:
      request->max_new_tokens = 32;
      break;
    }
  if (pt_playground_page_has_tuned (self))
    {
      request->tuned_kind = g_array_index (self->tuned_kinds, int, self->tuned_selected);
      request->tuned_path = g_strdup (self->tuned_paths->pdata[self->tuned_selected]);
    }
  images = g_ptr_array_new ();
  self->asking = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_play_image_unref);
  for (guint i = 0; i < self->items->len; i++)
    {
      PlayImage *item = self->items->pdata[i];
      g_ptr_array_add (images, item->image);
      g_ptr_array_add (self->asking, pt_play_image_ref (item));
    }
  if (!pt_playground_models_ask_async (self->models, request, images, self->cancellable, asked_cb,
                                       g_object_ref (self)))
    {
      g_clear_pointer (&self->asking, g_ptr_array_unref);
      g_object_unref (self);
      return FALSE;
    }
  pt_playground_page_update_actions (self);
  return TRUE;
}

static void
ask_action (GtkWidget  *widget,
            const char *action_name,
            GVariant   *parameter)
{
  pt_playground_page_ask (PT_PLAYGROUND_PAGE (widget));
}

gboolean
pt_playground_page_is_busy (PtPlaygroundPage *self)
{
  g_return_val_if_fail (PT_IS_PLAYGROUND_PAGE (self), FALSE);
  return pt_playground_models_is_busy (self->models);
}

/* ---- setup ---- */

void
pt_playground_page_class_init_models (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "playground.ask", NULL, ask_action);
}

void
pt_playground_page_init_models (PtPlaygroundPage *self)
{
  self->tuned_model = gtk_string_list_new (NULL);
  self->tuned_kinds = g_array_new (FALSE, FALSE, sizeof (int));
  self->tuned_paths = g_ptr_array_new_with_free_func (g_free);
  gtk_drop_down_set_model (self->tuned_dropdown, G_LIST_MODEL (self->tuned_model));
  rebuild_list (self, NULL);
  g_signal_connect (self->tuned_dropdown, "notify::selected", G_CALLBACK (tuned_selected_cb), self);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), self);
}

void
pt_playground_page_dispose_models (PtPlaygroundPage *self)
{
  g_clear_object (&self->models);
  g_clear_object (&self->tuned_model);
  g_clear_pointer (&self->tuned_kinds, g_array_unref);
  g_clear_pointer (&self->tuned_paths, g_ptr_array_unref);
  g_clear_pointer (&self->asking, g_ptr_array_unref);
  g_clear_pointer (&self->wanted_run, g_free);
  g_clear_pointer (&self->runs_root, g_free);
  for (guint s = 0; s < PT_BOXES_N_SETS; s++)
    g_clear_pointer (&self->result_labels[s], g_free);
}
