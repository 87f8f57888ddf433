/* pt-playground-models.c — the Playground's models, loaded and asked off
 * the main thread. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-ckpt.h"                 /* pt_ckpt_preferred */
#include "pt-error.h"
#include "pt-pipeline.h"             /* pt_pipeline_open_inference, pt_pipeline_answer */
#include "pt-playground-models.h"
#include "pt-run.h"                  /* pt_run_open */

/* Prompt tokens a pipeline is built for (prompts are short; answers are
 * generated after them). */
#define MAX_TEXT_LEN 192

struct _PtPlaygroundModels
{
  GObject     parent_instance;

  gboolean    busy;          /* a request runs: only its thread touches the pipelines */
  PtPipeline *tuned;         /* the tuned model (LoRA: also the base, adapters off) */
  char       *tuned_key;
  char       *tuned_name;
  PtPipeline *base;          /* a separate base model: no tuned one, or a full fine-tune */
  char       *base_key;
};

G_DEFINE_FINAL_TYPE (PtPlaygroundModels, pt_playground_models, G_TYPE_OBJECT)

PtAskRequest *
pt_ask_request_new (void)
{
  PtAskRequest *r = g_new0 (PtAskRequest, 1);

  r->max_new_tokens = 32;
  return r;
}

static PtAskRequest *
request_copy (const PtAskRequest *r)
{
  PtAskRequest *c = g_new0 (PtAskRequest, 1);

  c->base_model_dir = g_strdup (r->base_model_dir);
  c->device = g_strdup (r->device);
  c->tuned_kind = r->tuned_kind;
  c->tuned_path = g_strdup (r->tuned_path);
  c->prompt = g_strdup (r->prompt);
  c->max_new_tokens = r->max_new_tokens;
  return c;
}

void
pt_ask_request_free (PtAskRequest *r)
{
  if (r == NULL)
    return;
  g_free (r->base_model_dir);
  g_free (r->device);
  g_free (r->tuned_path);
  g_free (r->prompt);
  g_free (r);
}

static void
answer_free (PtAskAnswer *a)
{
  g_free (a->base_answer);
  g_free (a->tuned_answer);
  g_free (a->base_error);
  g_free (a->tuned_error);
  g_free (a);
}

void
pt_ask_result_free (PtAskResult *result)
{
  if (result == NULL)
    return;
  g_ptr_array_unref (result->answers);
  g_free (result->base_label);
  g_free (result->tuned_label);
  g_free (result);
}

/* ---- the worker ---- */

typedef struct {
  PtAskRequest *request;
  GPtrArray    *images;
} AskJob;

static void
ask_job_free (AskJob *job)
{
  pt_ask_request_free (job->request);
  g_ptr_array_unref (job->images);
  g_free (job);
}

/* The tuned model's identity (reload when it changes) and what to call it. */
static gboolean
resolve_tuned (const PtAskRequest *r,
               char              **key,
               char              **run_dir,
               char              **checkpoint,
               char              **name,
               GError            **error)
{
  const char *device = r->device != NULL ? r->device : "cpu";

  *key = *run_dir = *checkpoint = *name = NULL;
  switch (r->tuned_kind)
    {
    case PT_TUNED_NONE:
      return TRUE;
    case PT_TUNED_RUN:
      {
        g_autoptr(PtRun) run = pt_run_open (r->tuned_path, error);
        g_autofree char *ckpt_name = NULL;
        if (run == NULL)
          return FALSE;
        *checkpoint = pt_ckpt_preferred (run);
        if (*checkpoint == NULL)
          {
            g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                         _("The run “%s” has no checkpoint yet: train it a little longer"),
                         pt_run_get_name (run));
            return FALSE;
          }
        *run_dir = g_strdup (r->tuned_path);
        ckpt_name = g_path_get_basename (*checkpoint);
        /* Translators: "2026-05-01-demo, step-0000120" */
        *name = g_strdup_printf (_("%s, %s"), pt_run_get_name (run), ckpt_name);
        *key = g_strdup_printf ("ckpt|%s|%s", *checkpoint, device);
        return TRUE;
      }
    case PT_TUNED_CHECKPOINT:
      {
        g_autofree char *checkpoints = g_path_get_dirname (r->tuned_path);
        g_autofree char *base = g_path_get_basename (r->tuned_path);
        g_autoptr(PtRun) run = NULL;
        *run_dir = g_path_get_dirname (checkpoints);
        run = pt_run_open (*run_dir, NULL);
        if (run == NULL)
          {
            g_autofree char *display = g_filename_display_name (r->tuned_path);
            g_clear_pointer (run_dir, g_free);
            g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                         _("%s is not a checkpoint folder of a PaliTune run (RUN/checkpoints/step-…)"), display);
            return FALSE;
          }
        *checkpoint = g_strdup (r->tuned_path);
        *name = g_strdup_printf (_("%s, %s"), pt_run_get_name (run), base);
        *key = g_strdup_printf ("ckpt|%s|%s", *checkpoint, device);
        return TRUE;
      }
    case PT_TUNED_ADAPTER:
      if (r->base_model_dir == NULL)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       _("An adapter goes over a base model: choose the model folder on the Train page"));
          return FALSE;
        }
      *name = g_path_get_basename (r->tuned_path);
      *key = g_strdup_printf ("adapter|%s|%s|%s", r->base_model_dir, r->tuned_path, device);
      return TRUE;
    default:
      g_assert_not_reached ();
    }
}

static char *
answer_one (PtPipeline    *pipe,
            const PtImage *image,
            const char    *prompt,
            int            max_new_tokens,
            double        *ms,
            char         **error_text)
{
  g_autoptr(GError) error = NULL;
  gint64 t0 = g_get_monotonic_time ();
  char *answer = pt_pipeline_answer (pipe, image, prompt, max_new_tokens, &error);

  *ms = (g_get_monotonic_time () - t0) / 1000.0;
  if (answer == NULL)
    *error_text = g_strdup (error->message);
  return answer;
}

static void
ask_thread (GTask        *task,
            gpointer      source,
            gpointer      task_data,
            GCancellable *cancellable)
{
  PtPlaygroundModels *self = source;
  AskJob *job = task_data;
  const PtAskRequest *r = job->request;
  const char *device = r->device != NULL ? r->device : "cpu";
  g_autofree char *key = NULL, *run_dir = NULL, *checkpoint = NULL, *name = NULL;
  g_autofree char *base_dir = NULL;
  PtAskResult *result;
  GError *error = NULL;
  gboolean lora_base;
  gint64 t0 = g_get_monotonic_time ();

  if (!resolve_tuned (r, &key, &run_dir, &checkpoint, &name, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* the tuned model: kept while it stays the same */
  if (g_strcmp0 (key, self->tuned_key) != 0)
    {
      g_clear_pointer (&self->tuned, pt_pipeline_free);
      g_clear_pointer (&self->tuned_key, g_free);
      g_clear_pointer (&self->tuned_name, g_free);
      if (key != NULL)
        {
          self->tuned = pt_pipeline_open_inference (r->tuned_kind == PT_TUNED_ADAPTER ? r->base_model_dir : NULL,
                                                    r->tuned_kind == PT_TUNED_ADAPTER ? r->tuned_path : NULL,
                                                    run_dir, checkpoint, device, 1, MAX_TEXT_LEN, &error);
          if (self->tuned == NULL)
            {
              g_task_return_error (task, error);
              return;
            }
          self->tuned_key = g_strdup (key);
          self->tuned_name = g_strdup (name);
        }
    }

  /* the base model: the tuned pipeline with its adapters off (for QLoRA that
   * is the NF4-quantised base the adapters were trained over), or its own */
  lora_base = self->tuned != NULL && pt_model_get_mode (self->tuned->model) != PT_MODE_FULL;
  base_dir = g_strdup (self->tuned != NULL ? self->tuned->model_dir : r->base_model_dir);
  if (lora_base)
    {
      g_clear_pointer (&self->base, pt_pipeline_free);
      g_clear_pointer (&self->base_key, g_free);
    }
  else
    {
      g_autofree char *base_key = NULL;
      if (base_dir == NULL)
        {
          g_task_return_new_error (task, PT_ERROR, PT_ERROR_INVALID_INPUT,
                                   _("Choose a model folder on the Train page to ask its base model"));
          return;
        }
      base_key = g_strdup_printf ("%s|%s", base_dir, device);
      if (g_strcmp0 (base_key, self->base_key) != 0)
        {
          g_clear_pointer (&self->base, pt_pipeline_free);
          g_clear_pointer (&self->base_key, g_free);
          self->base = pt_pipeline_open_inference (base_dir, NULL, NULL, NULL, device, 1, MAX_TEXT_LEN, &error);
          if (self->base == NULL)
            {
              g_task_return_error (task, error);
              return;
            }
          self->base_key = g_steal_pointer (&base_key);
        }
    }

  result = g_new0 (PtAskResult, 1);
  result->answers = g_ptr_array_new_with_free_func ((GDestroyNotify) answer_free);
  result->load_ms = (g_get_monotonic_time () - t0) / 1000.0;
  {
    g_autofree char *folder = g_path_get_basename (base_dir);
    /* Translators: the base model's column, e.g. "Base model · paligemma-3b-pt-224" */
    result->base_label = g_strdup_printf (_("Base model · %s"), folder);
  }
  if (self->tuned != NULL)
    /* Translators: the tuned model's column, e.g. "Tuned · demo run, step-0000120" */
    result->tuned_label = g_strdup_printf (_("Tuned · %s"), self->tuned_name);

  for (guint i = 0; i < job->images->len; i++)
    {
      const PtImage *image = job->images->pdata[i];
      PtAskAnswer *a = g_new0 (PtAskAnswer, 1);

      g_ptr_array_add (result->answers, a);
      if (g_cancellable_is_cancelled (cancellable))
        continue;
      if (lora_base)
        {
          pt_model_set_lora_enabled (self->tuned->model, FALSE);
          a->base_answer = answer_one (self->tuned, image, r->prompt, r->max_new_tokens, &a->base_ms, &a->base_error);
          pt_model_set_lora_enabled (self->tuned->model, TRUE);
        }
      else
        a->base_answer = answer_one (self->base, image, r->prompt, r->max_new_tokens, &a->base_ms, &a->base_error);
      if (self->tuned != NULL)
        a->tuned_answer = answer_one (self->tuned, image, r->prompt, r->max_new_tokens, &a->tuned_ms,
                                      &a->tuned_error);
    }
  if (g_cancellable_is_cancelled (cancellable))
    {
      pt_ask_result_free (result);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("Cancelled"));
      return;
    }
  g_task_return_pointer (task, result, (GDestroyNotify) pt_ask_result_free);
}

/* ---- main thread ---- */

gboolean
pt_playground_models_ask_async (PtPlaygroundModels  *self,
                                const PtAskRequest  *request,
                                GPtrArray           *images,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  AskJob *job;

  g_return_val_if_fail (PT_IS_PLAYGROUND_MODELS (self), FALSE);
  g_return_val_if_fail (request != NULL && request->prompt != NULL, FALSE);
  g_return_val_if_fail (images != NULL, FALSE);

  if (self->busy)
    return FALSE;
  self->busy = TRUE;
  task = g_task_new (self, cancellable, callback, user_data);
  job = g_new0 (AskJob, 1);
  job->request = request_copy (request);
  job->images = g_ptr_array_ref (images);
  g_task_set_source_tag (task, pt_playground_models_ask_async);
  g_task_set_task_data (task, job, (GDestroyNotify) ask_job_free);
  g_task_run_in_thread (task, ask_thread);
  return TRUE;
}

PtAskResult *
pt_playground_models_ask_finish (PtPlaygroundModels  *self,
                                 GAsyncResult        *result,
                                 GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  self->busy = FALSE;
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
pt_playground_models_is_busy (PtPlaygroundModels *self)
{
  g_return_val_if_fail (PT_IS_PLAYGROUND_MODELS (self), FALSE);
  return self->busy;
}

void
pt_playground_models_unload (PtPlaygroundModels *self)
{
  g_return_if_fail (PT_IS_PLAYGROUND_MODELS (self));

  if (self->busy)
    return;
  g_clear_pointer (&self->tuned, pt_pipeline_free);
  g_clear_pointer (&self->tuned_key, g_free);
  g_clear_pointer (&self->tuned_name, g_free);
  g_clear_pointer (&self->base, pt_pipeline_free);
  g_clear_pointer (&self->base_key, g_free);
}

static void
pt_playground_models_finalize (GObject *object)
{
  PtPlaygroundModels *self = PT_PLAYGROUND_MODELS (object);

  /* a running task holds a reference: nothing runs here */
  self->busy = FALSE;
  pt_playground_models_unload (self);
  G_OBJECT_CLASS (pt_playground_models_parent_class)->finalize (object);
}

static void
pt_playground_models_class_init (PtPlaygroundModelsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = pt_playground_models_finalize;
}

static void
pt_playground_models_init (PtPlaygroundModels *self)
{
}

PtPlaygroundModels *
pt_playground_models_new (void)
{
  return g_object_new (PT_TYPE_PLAYGROUND_MODELS, NULL);
}
