/* pt-settings.h — the one settings schema for a training run.
 *
 * The CLI's options, the GUI's Train page and a run folder's run.json all
 * read and write this struct, so a run can be replayed from its run.json.
 * Defaults are the seed workflow's (DESIGN.md): LoRA r=8 on
 * q,o,k,v,gate,up,down (SigLIP q/k/v match too, as in PEFT), AdamW lr 2e-5,
 * weight decay 1e-6, beta2 0.999, warmup 2, batch 16, accumulation 4,
 * 2 epochs, 10% validation split, prompt "answer {question}".
 */
#pragma once

#include <glib.h>         /* gboolean, GError */
#include <json-glib/json-glib.h>  /* JsonNode */

G_BEGIN_DECLS

typedef enum {
  PT_MODE_LORA,
  PT_MODE_QLORA,     /* LoRA over an NF4-quantised frozen base */
  PT_MODE_FULL,      /* full fine-tune of the parts train_* selects */
} PtTrainMode;

typedef enum {
  PT_SCHEDULE_LINEAR,    /* warmup, then linear decay to 0 (HF Trainer default) */
  PT_SCHEDULE_COSINE,
  PT_SCHEDULE_CONSTANT,  /* warmup, then constant */
} PtSchedule;

typedef struct {
  /* ---- inputs ---- */
  char    *model_dir;          /* Hugging Face PaliGemma folder */
  char    *adapter_dir;        /* PEFT adapter to start from, or NULL */
  char    *data_path;          /* JSONL / CSV / VQAv2 folder */
  char    *val_data_path;      /* separate validation file, or NULL */
  char    *data_split;         /* split of a Parquet/Arrow dataset, or NULL: train */
  char    *data_columns;       /* Parquet/Arrow column mapping ("image=img,…"), or NULL */
  double   val_split;          /* < 1: fraction of data_path; >= 1: a count */
  char    *prompt_template;    /* "{question}" is replaced by the question */
  int      resolution;         /* 224 / 448 / 896; 0 = the checkpoint's */
  int      max_text_len;       /* prompt + answer tokens; longer records are truncated; 0 = no limit */

  /* ---- what is trained ---- */
  PtTrainMode mode;
  int      lora_rank;
  double   lora_alpha;
  double   lora_dropout;
  gboolean use_rslora;         /* scaling alpha / sqrt(r) instead of alpha / r */
  char   **lora_targets;       /* PEFT module names: "q_proj" matches every tower that has
                                  it; "vision.q_proj" / "text.q_proj" one tower only */
  gboolean train_vision;       /* full mode: the SigLIP tower */
  gboolean train_projector;    /* full mode: the projector (LoRA modes train only the adapters) */
  gboolean train_decoder;      /* full mode: the Gemma decoder, embeddings included */

  /* ---- optimiser ---- */
  double   learning_rate;
  double   weight_decay;
  double   adam_beta1;
  double   adam_beta2;
  double   adam_epsilon;
  double   max_grad_norm;      /* 0 = no clipping */
  int      warmup_steps;
  PtSchedule schedule;
  int      batch_size;         /* per micro-batch */
  int      grad_accum;         /* micro-batches per optimiser step */
  int      epochs;
  int      max_steps;          /* optimiser steps; > 0 overrides epochs */

  /* ---- evaluation and checkpoints ---- */
  int      eval_every;         /* optimiser steps; 0 = only at the end */
  int      eval_max_samples;   /* cap on validation records per evaluation; 0 = all */
  int      max_new_tokens;     /* generation length for VQA accuracy */
  int      save_every;         /* optimiser steps; 0 = only at the end */
  int      keep_checkpoints;   /* newest K kept (the best one is always kept) */
  gboolean early_stopping;
  char    *early_stop_metric;  /* "val_loss" (lower is better) or "vqa_accuracy" / "exact_match" */
  int      early_stop_patience;   /* evaluations without improvement */
  double   early_stop_min_delta;
  gboolean skip_nonfinite;     /* skip a step with NaN/inf instead of stopping */

  /* ---- where and how ---- */
  char    *device;             /* "cpu", "cuda:0" */
  char    *precision;          /* "auto", "bf16", "f32" (pt_precision_parse) */
  guint64  memory_limit;       /* bytes the CPU backend may allocate; 0 = no limit */
  guint64  seed;
  int      num_workers;        /* data loader threads; 0 = automatic */
} PtTrainSettings;

PtTrainSettings *pt_train_settings_new          (void);   /* the seed defaults */
PtTrainSettings *pt_train_settings_copy         (const PtTrainSettings *settings);
void             pt_train_settings_free         (PtTrainSettings *settings);

/* Ranges and consistency; the message names the setting and what is allowed. */
gboolean         pt_train_settings_validate     (const PtTrainSettings *settings, GError **error);

/* JSON (run.json's "settings" object): every field, by its name above.
 * Reading starts from the defaults, ignores unknown keys, and rejects a
 * known key of the wrong type, naming it. */
JsonNode        *pt_train_settings_to_json_node (const PtTrainSettings *settings);
char            *pt_train_settings_to_json      (const PtTrainSettings *settings);
PtTrainSettings *pt_train_settings_from_json_node (JsonNode *node, GError **error);
PtTrainSettings *pt_train_settings_from_json    (const char *json, gssize length, GError **error);

/* Presets: "quick-test", "seed" (the defaults), "best-quality". Only the
 * optimiser/schedule/mode fields change; inputs stay. */
gboolean         pt_train_settings_apply_preset (PtTrainSettings *settings, const char *preset,
                                                 GError **error);
const char *const *pt_train_settings_presets    (void);

/* Enum ↔ string ("lora", "qlora", "full"; "linear", "cosine", "constant"). */
const char      *pt_train_mode_to_string        (PtTrainMode mode);
gboolean         pt_train_mode_from_string      (const char *s, PtTrainMode *mode);
const char      *pt_schedule_to_string          (PtSchedule schedule);
gboolean         pt_schedule_from_string        (const char *s, PtSchedule *schedule);

/* A memory size as people write it: "6G", "512M", "1.5GiB", "800MB",
 * "65536" (bytes); K/M/G/T are powers of 1024. "0" is no limit. FALSE for
 * anything else (negative, junk, overflow). */
gboolean         pt_memory_size_parse           (const char *text, guint64 *bytes);
/* bytes in the largest unit that divides it ("6G", "1536M", "65537"), as
 * pt_memory_size_parse reads it back */
char            *pt_memory_size_format          (guint64 bytes);

/* Replaces lora_targets with the comma-separated list (spaces allowed). */
gboolean         pt_train_settings_set_targets  (PtTrainSettings *settings, const char *comma_list,
                                                 GError **error);

/* The PEFT module names PaliTune can put LoRA on, per tower. */
extern const char *const pt_vision_lora_modules[];  /* q_proj k_proj v_proj out_proj fc1 fc2 */
extern const char *const pt_text_lora_modules[];    /* q_proj k_proj v_proj o_proj gate_proj up_proj down_proj */

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtTrainSettings, pt_train_settings_free)

G_END_DECLS
