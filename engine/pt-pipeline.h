/* pt-pipeline.h — a model ready to use: config, tokenizer, backend and
 * weights from a Hugging Face PaliGemma folder, plus what turns records and
 * images into batches and generated ids into answers.
 *
 * The trainer, the evaluator, `palitune-cli predict` and the GUI's
 * playground all start here. A pipeline is used from one thread at a time.
 */
#pragma once

#include <glib.h>

#include "pt-backend.h"    /* PtBackend */
#include "pt-batch.h"      /* PtBatch */
#include "pt-config.h"     /* PtModelConfig */
#include "pt-dataset.h"    /* PtDataset */
#include "pt-image.h"      /* PtImage */
#include "pt-loader.h"     /* PtLoaderFuncs */
#include "pt-model.h"      /* PtModel */
#include "pt-settings.h"   /* PtTrainSettings */
#include "pt-tokenizer.h"  /* PtTokenizer */

G_BEGIN_DECLS

typedef struct {
  char            *model_dir;
  PtModelConfig   *config;
  PtTokenizer     *tokenizer;
  PtBackend       *backend;
  PtModel         *model;
  PtTrainSettings *settings;     /* what the model was built with (a copy); NULL: base model */
  int              image_size;   /* config->image_size */
  int              max_batch;
  int              max_seq;      /* image tokens + text tokens */
  int              max_text_len; /* text tokens a sequence may hold */
} PtPipeline;

/* Reads MODEL_DIR/config.json and MODEL_DIR/tokenizer.model, checks the
 * settings' resolution against the checkpoint's, and reports problems
 * without loading weights (for the GUI's "what was found"). */
PtModelConfig *pt_pipeline_read_config (const char *model_dir, PtTokenizer **tokenizer,
                                        GError **error);

/* Opens the device and builds the model for micro-batches of max_batch rows
 * of up to max_text_len text tokens (+ the image tokens); loads the base
 * weights, and the settings' adapter when there is one. settings NULL: the
 * base model for inference (device "cpu" unless given). training FALSE
 * allocates no gradients. */
PtPipeline *pt_pipeline_open           (const char *model_dir, const PtTrainSettings *settings,
                                        const char *device, int max_batch, int max_text_len,
                                        gboolean training, GError **error);
void        pt_pipeline_free           (PtPipeline *pipe);

/* A model to evaluate or answer with: the base model of model_dir, with a
 * PEFT adapter folder (adapter_dir), or a run's trained tensors (run_dir:
 * its model unless model_dir is given, its best checkpoint unless
 * checkpoint is given). max_text_len 0: 128. */
PtPipeline *pt_pipeline_open_inference (const char *model_dir, const char *adapter_dir,
                                        const char *run_dir, const char *checkpoint,
                                        const char *device, int max_batch, int max_text_len,
                                        GError **error);
/* The same with a precision ("auto", "bf16", "f32"; NULL: the run's, or
 * auto) and a CPU memory limit in bytes (0: none). */
PtPipeline *pt_pipeline_open_inference_full (const char *model_dir, const char *adapter_dir,
                                             const char *run_dir, const char *checkpoint,
                                             const char *device, const char *precision,
                                             guint64 memory_limit, int max_batch,
                                             int max_text_len, GError **error);

/* Loads a run's trained tensors (trainable.safetensors of a checkpoint
 * folder) into the model. */
gboolean    pt_pipeline_load_trained   (PtPipeline *pipe, const char *checkpoint_dir,
                                        GError **error);

/* ---- examples -------------------------------------------------------------- */

/* The longest prompt + answer, in text tokens (<bos> … <eos>), over records
 * of dataset, counting at most limit; *n_over receives how many are longer
 * than limit. -1 with an error for text the tokenizer refuses. */
int         pt_measure_text            (PtTokenizer *tok, PtDataset *dataset, const guint *records,
                                        guint n, const char *template_, int limit, guint *n_over,
                                        GError **error);

/* The loader source that turns records of dataset into batches for this
 * model (training examples: prompt + answer; prompts_only: the prefix alone,
 * for generation). */
void        pt_pipeline_loader_source  (PtPipeline *pipe, PtDataset *dataset,
                                        const char *template_, gboolean prompts_only,
                                        PtLoaderSource *source);

/* ---- generation -------------------------------------------------------------- */

/* Greedy answers for n (image, prompt) pairs, in batches of the pipeline's
 * max_batch. pixels (n, 3, S, S) preprocessed; answers receives n strings
 * (special tokens skipped, as HF's decode(skip_special_tokens=True)). */
gboolean    pt_pipeline_generate       (PtPipeline *pipe, const float *pixels,
                                        const char *const *prompts, int n, int max_new_tokens,
                                        char **answers, GError **error);
/* One image file or decoded image and a prompt → the answer. */
char       *pt_pipeline_answer         (PtPipeline *pipe, const PtImage *image,
                                        const char *prompt, int max_new_tokens, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtPipeline, pt_pipeline_free)

G_END_DECLS
