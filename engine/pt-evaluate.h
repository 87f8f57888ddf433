/* pt-evaluate.h — validation loss and VQA accuracy of a model on records of
 * a dataset: the trainer's periodic evaluation and `palitune-cli eval`.
 *
 * Loss: token-mean cross-entropy over the answers (teacher forcing), as the
 * training loss. Accuracy: greedy generation from image + prompt, scored
 * against the record's answers with the VQAv2 rules (pt-vqa.h), and exact
 * match against its answer; overall, per question type and per answer type.
 */
#pragma once

#include <gio/gio.h>               /* GCancellable */
#include <json-glib/json-glib.h>   /* JsonNode */

#include "pt-dataset.h"            /* PtDataset */
#include "pt-pipeline.h"           /* PtPipeline */

G_BEGIN_DECLS

/* One prediction shown to the user. */
typedef struct {
  guint  record;
  char  *image_path;
  char  *question;       /* the prompt the model saw */
  char  *answer;         /* ground truth */
  char  *prediction;
} PtEvalSample;

typedef struct {
  int        step;           /* the optimiser step it was computed at (trainer) */
  double     val_loss;       /* NAN when not computed */
  guint      n_loss;         /* records the loss covered */
  guint64    n_loss_tokens;  /* the labelled tokens val_loss averages over */
  double     vqa_accuracy;   /* 0..1, NAN when not computed */
  double     exact_match;    /* 0..1, NAN when not computed */
  guint      n;              /* records generated for accuracy */
  gboolean   is_best;        /* (trainer) best so far by the early-stopping metric */
  double     seconds;
  JsonNode  *details;        /* pt_vqa_accumulator_to_json (): by_type, by_answer_type */
  GPtrArray *samples;        /* of PtEvalSample*: the first few */
  GPtrArray *predictions;    /* of PtEvalSample*: every generated one (when keep_predictions) */
} PtEvalMetrics;

typedef struct {
  const char   *template_;        /* the prompt template (NULL: "answer {question}") */
  int           max_new_tokens;   /* 0: 16 */
  guint         max_loss;         /* records for the loss; 0 = all */
  guint         max_generate;     /* records for accuracy; 0 = all */
  gboolean      compute_loss;
  gboolean      generate;
  int           n_samples;        /* samples to keep (first records) */
  gboolean      keep_predictions;
  int           n_threads;        /* loader threads; 0 = automatic */
  void        (*progress) (guint done, guint total, gpointer user_data);
  gpointer      user_data;
  GCancellable *cancellable;
} PtEvalOptions;

void           pt_eval_options_init   (PtEvalOptions *options);
/* records: the record indices to evaluate (usable ones), in order; the first
 * max_loss / max_generate of them are used. Batches of the pipeline's
 * max_batch. */
PtEvalMetrics *pt_evaluate            (PtPipeline *pipe, PtDataset *dataset, const guint *records,
                                       guint n, const PtEvalOptions *options, GError **error);
void           pt_eval_metrics_free   (PtEvalMetrics *metrics);
void           pt_eval_sample_free    (PtEvalSample *sample);
/* {"step", "val_loss", "vqa_accuracy", "exact_match", "n", "by_type", …, "samples"} */
JsonNode      *pt_eval_metrics_to_json (const PtEvalMetrics *metrics, gboolean with_samples);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtEvalMetrics, pt_eval_metrics_free)

G_END_DECLS
