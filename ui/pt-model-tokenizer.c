/* pt-model-tokenizer.c — the Train page's model tokenizer, for the Data page. */
#include "config.h"

#include <glib/gi18n.h>
#include <string.h>

#include "pt-config.h"          /* pt_model_config_load */
#include "pt-error.h"           /* PT_ERROR */
#include "pt-model-tokenizer.h"

G_DEFINE_BOXED_TYPE (PtModelTokenizer, pt_model_tokenizer, pt_model_tokenizer_ref, pt_model_tokenizer_unref)

static const char *const task_prefixes[] = {
  "answer", "caption", "cap", "describe", "detect", "segment", "ocr", "question", "summarize", NULL
};

PtModelTokenizer *
pt_model_tokenizer_ref (PtModelTokenizer *self)
{
  return g_atomic_rc_box_acquire (self);
}

static void
clear (gpointer data)
{
  PtModelTokenizer *self = data;

  g_clear_pointer (&self->tokenizer, pt_tokenizer_free);
  g_clear_pointer (&self->model_dir, g_free);
}

void
pt_model_tokenizer_unref (PtModelTokenizer *self)
{
  g_atomic_rc_box_release_full (self, clear);
}

PtModelTokenizer *
pt_model_tokenizer_load (const char *model_dir,
                         GError    **error)
{
  g_autofree char *tok_path = NULL;
  g_autofree char *config_path = NULL;
  g_autoptr(PtTokenizer) tok = NULL;
  PtModelTokenizer *self;
  int image_size = 224, patch_size = 14, image_token = -1;

  g_return_val_if_fail (model_dir != NULL, NULL);

  tok_path = g_build_filename (model_dir, "tokenizer.model", NULL);
  if (!g_file_test (tok_path, G_FILE_TEST_EXISTS))
    {
      /* Translators: %s is a model folder */
      g_set_error (error, PT_ERROR, PT_ERROR_IO, _("%s has no tokenizer.model"), model_dir);
      return NULL;
    }
  tok = pt_tokenizer_load (tok_path, error);
  if (tok == NULL)
    return NULL;

  /* the engine's reading of config.json: what training will use */
  config_path = g_build_filename (model_dir, "config.json", NULL);
  if (g_file_test (config_path, G_FILE_TEST_EXISTS))
    {
      g_autoptr(PtModelConfig) config = pt_model_config_load (config_path, error);

      if (config == NULL)
        return NULL;
      image_size = config->image_size;
      patch_size = config->patch_size;
      image_token = config->image_token_index;
    }
  if (image_token >= 0 && image_token != pt_tokenizer_image_id (tok)
      && !pt_tokenizer_set_image_token (tok, image_token, error))
    return NULL;

  self = g_atomic_rc_box_new0 (PtModelTokenizer);
  self->tokenizer = g_steal_pointer (&tok);
  self->model_dir = g_strdup (model_dir);
  self->image_size = image_size;
  self->patch_size = patch_size;
  return self;
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  GError *error = NULL;
  PtModelTokenizer *self = pt_model_tokenizer_load (task_data, &error);

  if (self == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, self, (GDestroyNotify) pt_model_tokenizer_unref);
}

void
pt_model_tokenizer_load_async (const char          *model_dir,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, pt_model_tokenizer_load_async);
  g_task_set_task_data (task, g_strdup (model_dir), g_free);
  g_task_run_in_thread (task, load_thread);
}

PtModelTokenizer *
pt_model_tokenizer_load_finish (GAsyncResult *result,
                                GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

int
pt_model_tokenizer_get_resolution (PtModelTokenizer *self,
                                   int               resolution)
{
  return resolution > 0 ? resolution : self->image_size;
}

int
pt_model_tokenizer_n_image_tokens (PtModelTokenizer *self,
                                   int               resolution)
{
  int side = pt_model_tokenizer_get_resolution (self, resolution) / self->patch_size;

  return side * side;
}

int
pt_model_tokenizer_count (PtModelTokenizer *self,
                          const char       *prompt,
                          const char       *answer)
{
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
  g_autofree char *line = g_strconcat (prompt, "\n", NULL);

  if (!pt_tokenizer_encode (self->tokenizer, line, -1, ids, NULL)
      || !pt_tokenizer_encode (self->tokenizer, answer, -1, ids, NULL))
    return -1;
  return (int) ids->len + 2;   /* <bos> … <eos> */
}

typedef struct {
  PtModelTokenizer *tok;
  PtDataset        *dataset;
  char             *template_;
} CountJob;

static void
count_job_free (gpointer data)
{
  CountJob *job = data;

  pt_model_tokenizer_unref (job->tok);
  pt_dataset_unref (job->dataset);
  g_free (job->template_);
  g_free (job);
}

static void
count_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CountJob *job = task_data;
  guint n = pt_dataset_get_n_records (job->dataset);
  g_autofree guint16 *counts = g_new0 (guint16, MAX (n, 1));

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *prompt = NULL;
      PtRecord r;
      int c;

      if ((i & 255) == 0 && g_task_return_error_if_cancelled (task))
        return;
      if (!pt_dataset_record_is_usable (job->dataset, i))
        continue;
      pt_dataset_get_record (job->dataset, i, &r);
      prompt = pt_dataset_get_prompt (job->dataset, i, job->template_);
      c = pt_model_tokenizer_count (job->tok, prompt, r.answer);
      counts[i] = (guint16) CLAMP (c, 0, G_MAXUINT16);
    }
  g_task_return_pointer (task, g_steal_pointer (&counts), g_free);
}

void
pt_model_tokenizer_count_dataset_async (PtModelTokenizer    *self,
                                        PtDataset           *dataset,
                                        const char          *template_,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  CountJob *job = g_new0 (CountJob, 1);

  job->tok = pt_model_tokenizer_ref (self);
  job->dataset = pt_dataset_ref (dataset);
  job->template_ = g_strdup (template_);
  g_task_set_source_tag (task, pt_model_tokenizer_count_dataset_async);
  g_task_set_task_data (task, job, count_job_free);
  g_task_run_in_thread (task, count_thread);
}

guint16 *
pt_model_tokenizer_count_dataset_finish (GAsyncResult *result,
                                         GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

const char *
pt_model_tokenizer_task_prefix (const char *prompt)
{
  gsize len;

  if (prompt == NULL)
    return NULL;
  len = strcspn (prompt, " \t\n");
  for (guint i = 0; task_prefixes[i] != NULL; i++)
    if (strlen (task_prefixes[i]) == len && strncmp (prompt, task_prefixes[i], len) == 0)
      return task_prefixes[i];
  return NULL;
}

const char *const *
pt_model_tokenizer_task_prefixes (void)
{
  return task_prefixes;
}
