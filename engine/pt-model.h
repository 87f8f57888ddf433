/* pt-model.h — PaliGemma on a compute backend: forward, hand-written
 * backward, LoRA / QLoRA / full fine-tune.
 *
 * The model matches transformers 4.57.6 (PaliGemmaForConditionalGeneration,
 * eager attention) and peft 0.17.1 (LoRA); spec/paligemma.md explains the
 * semantics. It is written once against the backend op table
 * (pt-backend.h), llm.c style: parameters, gradients and activations live in
 * a few large buffers carved by a size table that is a pure function of
 * (config, settings, B, T), so the same code gives a memory estimate before
 * anything is allocated (pt_model_estimate_memory).
 *
 * What is trained (settings->mode):
 * - PT_MODE_LORA: LoRA on the modules lora_targets names (PEFT matching: a
 *   plain name matches every tower that has it, "vision.NAME" / "text.NAME"
 *   one tower). Everything else is frozen. The train_* switches are ignored.
 * - PT_MODE_QLORA: the same over an NF4-quantised base: every Linear except
 *   the tied head (SigLIP q/k/v/out/fc1/fc2, projector, Gemma projections) is
 *   quantised at load and dequantised per layer (spec §6, plain absmax).
 * - PT_MODE_FULL: train_decoder (all Gemma weights, embed_tokens included:
 *   tied to the head, its gradient has both contributions), train_projector,
 *   train_vision (SigLIP, patch and position embeddings included). Master
 *   weights and gradients are in the backend's acc dtype.
 * Frozen parts store no gradients and no optimiser state; a frozen tower
 * keeps no activations it does not need; logits are computed only at
 * labelled positions, a chunk of rows at a time (never B×T×V).
 *
 * Typical use (the trainer):
 *   pt_model_estimate_memory (config, settings, B, T, …)    before anything is allocated
 *   model = pt_model_new (be, config, settings, B, T, TRUE, &error);
 *   pt_model_load_base (model, settings->model_dir, &error);
 *   [pt_model_load_adapter (model, settings->adapter_dir, &error);]
 *   opt = pt_optimizer_new (model, settings, total_steps, &error);     (pt-optim.h)
 *   per optimiser step: pt_model_zero_grads; for each micro-batch
 *     pt_model_forward_backward (model, batch, 1.0 / tokens_in_step, &res, &error);
 *   then pt_optimizer_step (opt, &info, &error).
 *   evaluation: pt_model_forward_loss; pt_generate_greedy (pt-generate.h).
 *   export: pt_model_get_tensor (LoRA tensors by PEFT key), pt_model_merged_weight.
 *
 * Tensor names: canonical checkpoint names (the legacy layout
 * save_pretrained writes, spec §4) for base weights, PEFT adapter keys
 * ("base_model.model.model.language_model.layers.0.self_attn.q_proj.lora_A.weight",
 * transformers ≥ 4.52 layout; the ≤ 4.51 layout is accepted on lookup) for
 * LoRA tensors.
 */
#pragma once

#include <stdint.h>        /* int64_t */
#include <glib.h>          /* gboolean, GError */

#include "pt-backend.h"    /* PtBackend, PtDType */
#include "pt-batch.h"      /* PtBatch */
#include "pt-config.h"     /* PtModelConfig */
#include "pt-settings.h"   /* PtTrainSettings, PtTrainMode */

G_BEGIN_DECLS

typedef struct _PtModel PtModel;

/* ---- memory estimate ------------------------------------------------------ */

typedef struct {
  guint64 weights;          /* frozen weights, working copies of trained matrices, NF4 blocks */
  guint64 trainable;        /* master copies of trained tensors (acc dtype) + their gradients */
  guint64 optimizer;        /* AdamW m and v */
  guint64 activations;      /* what forward keeps for backward */
  guint64 scratch;          /* transient buffers (logits chunk, dequantised layer, backward temporaries) */
  guint64 peak;             /* the sum: what the device must hold */
  guint64 n_params;         /* all parameters (tied head once) */
  guint64 n_trainable;      /* trained parameters */
} PtMemoryEstimate;

/* Bytes a model with these settings needs for micro-batches of max_batch rows
 * of max_seq tokens (image tokens included), before allocating anything.
 * settings NULL: the plain base model, inference only. training FALSE:
 * inference only (no gradients, optimiser state or stored activations).
 * FALSE when the configuration or settings are unusable. */
gboolean pt_model_estimate_memory (const PtModelConfig   *config,
                                   const PtTrainSettings *settings,
                                   int                    max_batch,
                                   int                    max_seq,
                                   PtDType                act_dtype,
                                   PtDType                acc_dtype,
                                   gboolean               training,
                                   PtMemoryEstimate      *out,
                                   GError               **error);

/* ---- lifecycle --------------------------------------------------------------- */

/* A model on be for micro-batches up to max_batch × max_seq (image tokens
 * included; max_seq >= num_image_tokens + 2). settings NULL: the base model
 * for inference. Parameters start at zero except LoRA A/B, which get PEFT's
 * init (A ~ U(-1/sqrt(in), 1/sqrt(in)) from settings->seed, B = 0): load the
 * base weights next. training FALSE allocates no gradients or activations
 * (generation and evaluation only). The model keeps a reference to nothing:
 * be must outlive it. */
PtModel  *pt_model_new           (PtBackend             *be,
                                  const PtModelConfig   *config,
                                  const PtTrainSettings *settings,
                                  int                    max_batch,
                                  int                    max_seq,
                                  gboolean               training,
                                  GError               **error);
void      pt_model_free          (PtModel *model);

const PtModelConfig *pt_model_get_config   (PtModel *model);
PtBackend           *pt_model_get_backend  (PtModel *model);
PtTrainMode          pt_model_get_mode     (PtModel *model);
int                  pt_model_max_batch    (PtModel *model);
int                  pt_model_max_seq      (PtModel *model);
/* The bytes this model allocated, in the estimate's categories. */
void                 pt_model_memory       (PtModel *model, PtMemoryEstimate *out);

/* ---- weights ------------------------------------------------------------------- */

/* Loads the base weights from a Hugging Face PaliGemma folder (model.safetensors
 * or sharded, F32/BF16/F16; old and new tensor names; a missing lm_head is the
 * tied embedding). Every weight the model has must be present with its
 * shape; errors name the file and tensor. In QLoRA mode the Linear weights are
 * quantised to NF4 here. */
gboolean  pt_model_load_base     (PtModel *model, const char *model_dir, GError **error);
/* The same from a checkpoint already open (pt-checkpoint.h). */
typedef struct _PtCheckpoint PtCheckpoint;
gboolean  pt_model_load_checkpoint (PtModel *model, PtCheckpoint *checkpoint, GError **error);
/* Loads LoRA A/B from a PEFT adapter folder (adapter_config.json +
 * adapter_model.safetensors, either transformers layout): the layers the
 * adapter wraps must be exactly the model's LoRA layers, with the model's rank
 * and scaling (alpha / r or alpha / sqrt(r)); errors say what differs. */
gboolean  pt_model_load_adapter  (PtModel *model, const char *adapter_dir, GError **error);

/* Sets / reads one tensor by name (canonical checkpoint name or PEFT key) from
 * / into host float32 data of numel elements; shape (ndim dims) must match. For
 * an NF4 weight set quantises and get returns the dequantised values. A
 * trained tensor's master and working copies both change. */
gboolean  pt_model_set_tensor    (PtModel *model, const char *name, const float *data,
                                  int ndim, const int64_t *shape, GError **error);
gboolean  pt_model_get_tensor    (PtModel *model, const char *name, float *data,
                                  size_t numel, GError **error);
/* Every parameter tensor the model holds, in model order (vision, projector,
 * decoder; a Linear's LoRA A and B right after its weight): base weights by
 * canonical name (the patch embedding with its 4-D Conv2d shape), LoRA
 * tensors by PEFT key. */
guint       pt_model_n_tensors      (PtModel *model);
const char *pt_model_tensor_name    (PtModel *model, guint i, int *ndim, int64_t shape[4]);

/* Re-draws every LoRA A from PEFT's law with seed and zeroes every B. */
void      pt_model_init_lora     (PtModel *model, guint64 seed);
/* Switches the LoRA branches off (the base model answers, as PEFT's
 * disable_adapter) or back on. For inference and evaluation: a backward
 * pass with LoRA disabled leaves the LoRA gradients untouched. */
void      pt_model_set_lora_enabled (PtModel *model, gboolean enabled);
gboolean  pt_model_get_lora_enabled (PtModel *model);
/* Host float32 copy of W + scaling·B·A for the LoRA-targeted base weight
 * `name` (canonical name), or of the plain weight when it has no LoRA: the
 * merged export writes these. numel must be out·in. */
gboolean  pt_model_merged_weight (PtModel *model, const char *name, float *data, size_t numel,
                                  GError **error);

/* ---- trained tensors (for the optimiser and checkpoints) ------------------------ */

typedef struct {
  const char *name;         /* PEFT key (LoRA) or canonical name (full fine-tune), stable */
  int         ndim;
  int64_t     shape[4];
  size_t      numel;
  gboolean    decay;        /* FALSE for biases and norm weights (HF Trainer) */
  void       *param;        /* (numel) acc, backend memory: the master weight */
  void       *grad;         /* (numel) acc, backend memory: accumulated gradient */
  void       *copy;         /* (numel) working copy in copy_dtype the forward reads, or NULL */
  PtDType     copy_dtype;
} PtTrainable;

guint              pt_model_n_trainables     (PtModel *model);
const PtTrainable *pt_model_get_trainable    (PtModel *model, guint i);
guint64            pt_model_n_trainable_params (PtModel *model);
/* The trained-parameter count for (config, settings) without building a model
 * (11,298,816 for the seed LoRA on paligemma-3b). */
guint64            pt_model_count_trainable  (const PtModelConfig *config,
                                              const PtTrainSettings *settings);
/* After changing a master weight (restore, manual edit): refresh its working copy. */
void               pt_model_sync_trainable   (PtModel *model, guint i);

/* ---- training and evaluation ------------------------------------------------------ */

typedef struct {
  double loss_sum;          /* Σ token losses at the labelled positions */
  int    n_tokens;          /* labelled positions (after the shift) */
  double forward_ms;        /* wall time of the forward pass (loss and head gradient included) */
  double backward_ms;       /* wall time of the backward pass through the towers */
} PtLossResult;

/* Zeroes every gradient (call once per optimiser step). */
void      pt_model_zero_grads    (PtModel *model);
/* Forward and backward over one micro-batch (training mode: LoRA dropout on).
 * Gradients ACCUMULATE across calls until pt_model_zero_grads: each call adds
 * grad_scale · d(Σ token losses)/dθ, so grad_scale = 1 / (labelled tokens of the
 * whole accumulated batch) gives the token mean of ForCausalLMLoss. Advances
 * the dropout counter. */
gboolean  pt_model_forward_backward (PtModel *model, const PtBatch *batch, double grad_scale,
                                     PtLossResult *result, GError **error);
/* Forward only (evaluation). dropout TRUE applies the training-mode LoRA
 * dropout at the current counter (without advancing it; gradient checks).
 * logits, when not NULL, receives the (n_tokens, vocab) float32 logits at the
 * labelled positions, rows (b, t) with labels[b, t+1] != -100 in row-major
 * order (size it with pt_batch_count_targets). */
gboolean  pt_model_forward_loss  (PtModel *model, const PtBatch *batch, gboolean dropout,
                                  PtLossResult *result, float *logits, GError **error);
/* Labelled positions of a batch after the shift (= n_tokens of its result). */
int       pt_batch_count_targets (const PtBatch *batch);

/* The LoRA dropout stream: micro-batch i uses counter i. Saved with checkpoints. */
guint64   pt_model_get_rng_step  (PtModel *model);
void      pt_model_set_rng_step  (PtModel *model, guint64 step);

/* Parses the settings' targets into per-module flags: which Linear of which
 * tower gets LoRA. vision[6] in pt_vision_lora_modules order, text[7] in
 * pt_text_lora_modules order. FALSE with an error for an unknown name. */
gboolean  pt_lora_match_targets  (const char *const *targets, gboolean vision[6], gboolean text[7],
                                  GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtModel, pt_model_free)

G_END_DECLS
