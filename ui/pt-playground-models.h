/* pt-playground-models.h — the Playground's models: loaded in a worker
 * thread, kept while the choice stays the same, asked in a worker thread.
 *
 * "Tuned" is a run (its best checkpoint), one checkpoint folder of a run, a
 * PEFT adapter folder over the base model, or nothing. With LoRA the base
 * answers come from the same pipeline with the adapters switched off
 * (pt_model_set_lora_enabled), so the base weights are in memory once; a
 * full fine-tune needs a second pipeline for the base model. One request
 * runs at a time (a pipeline is used from one thread at a time).
 */
#pragma once

#include <gio/gio.h>

#include "pt-image.h"   /* PtImage */

G_BEGIN_DECLS

typedef enum {
  PT_TUNED_NONE,
  PT_TUNED_RUN,          /* path: a run folder (its preferred checkpoint) */
  PT_TUNED_CHECKPOINT,   /* path: RUN/checkpoints/step-NNNNNNN */
  PT_TUNED_ADAPTER,      /* path: a PEFT adapter folder */
} PtTunedKind;

/* What to ask: the models and the question. */
typedef struct {
  char        *base_model_dir;   /* the Train page's model folder (adapters go over it) */
  char        *device;           /* "cpu", "cuda:0"; NULL: cpu */
  PtTunedKind  tuned_kind;
  char        *tuned_path;
  char        *prompt;
  int          max_new_tokens;
} PtAskRequest;

/* One image's answers. Times in milliseconds; an answer that failed is NULL
 * with its error in base_error / tuned_error. */
typedef struct {
  char   *base_answer;
  char   *tuned_answer;
  double  base_ms;
  double  tuned_ms;
  char   *base_error;
  char   *tuned_error;
} PtAskAnswer;

typedef struct {
  GPtrArray *answers;            /* of PtAskAnswer*, one per image, in order */
  char      *base_label;         /* "Base model (paligemma-3b-pt-224)" */
  char      *tuned_label;        /* "Tuned: 2026-…-demo, step 120", or NULL without a tuned model */
  double     load_ms;            /* time spent loading models for this request (0 when cached) */
} PtAskResult;

PtAskRequest *pt_ask_request_new    (void);
void          pt_ask_request_free   (PtAskRequest *request);
void          pt_ask_result_free    (PtAskResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtAskRequest, pt_ask_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtAskResult, pt_ask_result_free)

#define PT_TYPE_PLAYGROUND_MODELS (pt_playground_models_get_type ())

G_DECLARE_FINAL_TYPE (PtPlaygroundModels, pt_playground_models, PT, PLAYGROUND_MODELS, GObject)

PtPlaygroundModels *pt_playground_models_new    (void);
/* Answers request->prompt about each image (PtImage*; they must stay alive
 * and unchanged until the callback) with the base and the tuned model.
 * FALSE when a request is still running. */
gboolean     pt_playground_models_ask_async     (PtPlaygroundModels  *self,
                                                 const PtAskRequest  *request,
                                                 GPtrArray           *images,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
PtAskResult *pt_playground_models_ask_finish    (PtPlaygroundModels  *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);
gboolean     pt_playground_models_is_busy       (PtPlaygroundModels  *self);
/* Drops the loaded models (frees their memory); not while busy. */
void         pt_playground_models_unload        (PtPlaygroundModels  *self);

G_END_DECLS
