/* pt-train-probe.h — what the Train page shows before a run starts: what a
 * model folder holds, how many records a dataset gives and how long they
 * are, the memory a run needs on the chosen device and how long a step
 * takes there.
 *
 * Reading files and timing steps happen in GTasks (never on the main
 * thread); the estimate itself is arithmetic on the results.
 */
#pragma once

#include <gio/gio.h>

#include "pt-config.h"                /* PtModelConfig */
#include "pt-settings.h"              /* PtTrainSettings */
#include "pt-train-settings-view.h"   /* PtTrainEstimate */

G_BEGIN_DECLS

/* ---- the model folder ---- */

typedef struct {
  PtModelConfig *config;
  int            n_tokens;     /* the tokenizer's ids */
  char          *summary;      /* "PaliGemma · SigLIP 27 layers, 1152 d · …" */
} PtModelInfo;

void         pt_model_info_free         (PtModelInfo *info);
/* "PaliGemma · SigLIP 27 layers, 1152 d · Gemma 18 layers, 2048 d · 224 px ·
 * 2.92 B parameters · tokenizer 257,152 tokens" */
char        *pt_model_info_describe     (const PtModelConfig *config, int n_tokens);
/* Reads config.json and tokenizer.model of model_dir and checks the
 * weights are there, in a worker thread. */
void         pt_model_info_read_async   (const char *model_dir, GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
PtModelInfo *pt_model_info_read_finish  (GAsyncResult *result, GError **error);

/* ---- the dataset ---- */

typedef struct {
  guint n_usable;        /* records training can use */
  int   max_text_len;    /* the longest prompt + answer in tokens over the measured records; 0 unknown */
  guint n_measured;
} PtDataInfo;

/* Loads data_path and measures prompt + answer lengths of up to
 * max_measure records with model_dir's tokenizer (NULL: lengths unknown). */
void         pt_data_info_read_async    (const char *data_path, const char *model_dir,
                                         const char *prompt_template, guint max_measure,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
PtDataInfo  *pt_data_info_read_finish   (GAsyncResult *result, GError **error);

/* ---- the estimate ---- */

/* Text tokens assumed when neither the settings nor the dataset say. */
#define PT_ESTIMATE_DEFAULT_TEXT_LEN 32

/* Fills out (its strings point into *messages, a NUL-separated buffer the
 * caller frees) from the settings, the model's config, the dataset (NULL:
 * unknown) and a measured step time (0: unknown). FALSE with an error when
 * the settings do not fit the model. */
gboolean     pt_train_estimate_compute  (const PtTrainSettings *settings,
                                         const PtModelConfig   *config,
                                         const PtDataInfo      *data,
                                         double                 seconds_per_step,
                                         PtTrainEstimate       *out,
                                         GStrv                 *messages,
                                         GError               **error);
/* The text tokens per example the estimate uses, and whether it is a guess. */
int          pt_train_estimate_text_len (const PtTrainSettings *settings, const PtDataInfo *data,
                                         gboolean *guessed);
/* Optimiser steps per epoch for n_usable records (val split taken off). */
guint64      pt_train_estimate_steps_per_epoch (const PtTrainSettings *settings, guint n_usable);

/* ---- the speed ---- */

/* Times a warm-up and n_steps training steps of synthetic batches shaped as
 * the settings say (micro-batch, text_len text tokens) on the settings'
 * device, with the model's shapes but untrained weights (the speed does not
 * depend on them). finish gives seconds per optimiser step (grad_accum
 * micro-batches and one optimiser update). */
void         pt_speed_measure_async     (const PtTrainSettings *settings,
                                         const PtModelConfig   *config,
                                         int text_len, int n_steps,
                                         GCancellable *cancellable,
                                         GAsyncReadyCallback callback, gpointer user_data);
double       pt_speed_measure_finish    (GAsyncResult *result, GError **error);

G_END_DECLS
