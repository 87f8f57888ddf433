/* pt-metrics.h — the rows of a run's metrics.jsonl, typed: one writer, one reader.
 *
 * The trainer describes each optimiser step with a PtStepMetrics and each
 * evaluation with a PtEvalMetrics; pt_step_metrics_to_json and
 * pt_eval_metrics_to_json make their metrics.jsonl rows, pt_run_append_metrics
 * appends them. pt_metrics_read turns the file back into the same structs:
 * the app's charts when a run is reopened, the Runs page, resume and the
 * TensorBoard writer (pt-tensorboard.h) all read rows through it, so what a
 * row means is decided here once. A number a row lacks, or holds as null
 * (the writer turns NaN and infinities into null), reads as NAN.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>   /* JsonNode, JsonObject */

#include "pt-evaluate.h"           /* PtEvalMetrics */

G_BEGIN_DECLS

/* One optimiser step. Times in milliseconds; throughput over this step, of
 * every rank together when several train (pt-comm.h). */
typedef struct {
  int     step;             /* 1-based optimiser step just completed */
  int     total_steps;
  double  epoch;            /* fractional epoch, e.g. 1.25 */
  guint64 samples;          /* training samples seen so far */
  double  loss;             /* token-mean loss over the step's micro-batches */
  double  lr;
  double  grad_norm;        /* before clipping */
  double  step_ms;
  double  data_ms;          /* waiting for the loader */
  double  forward_ms;
  double  backward_ms;
  double  optim_ms;
  double  samples_per_s;
  double  tokens_per_s;
  guint64 memory_in_use;    /* bytes on the compute device */
  guint64 memory_peak;
  double  elapsed_s;        /* training wall time so far (this and earlier sessions) */
  double  eta_s;            /* estimated seconds to the end, < 0 when unknown */
  double  step_s_avg;       /* the pace estimates follow (pt_metrics_average_step_time), 0 = none yet */
  gboolean skipped;         /* non-finite step skipped (skip_nonfinite) */
} PtStepMetrics;

typedef enum {
  PT_METRICS_TRAIN,
  PT_METRICS_EVAL,
} PtMetricsKind;

/* One row of metrics.jsonl. */
typedef struct {
  PtMetricsKind  kind;
  int            step;
  PtStepMetrics  train;     /* PT_METRICS_TRAIN; total_steps 0 and eta_s -1 (rows hold neither) */
  PtEvalMetrics *eval;      /* PT_METRICS_EVAL: the numbers, details (by_type, by_answer_type)
                             * and samples as written; is_best FALSE (run.json knows the best) */
} PtMetricsRow;

/* The metrics.jsonl row of a step: {"type": "train", "step", …}. */
JsonNode     *pt_step_metrics_to_json   (const PtStepMetrics *m);

/* A parsed row → typed; NULL when it is not a train or eval row with a step. */
PtMetricsRow *pt_metrics_row_from_json  (JsonObject *o);
void          pt_metrics_row_free       (PtMetricsRow *row);

/* The rows of RUN_DIR/metrics.jsonl in file order (of PtMetricsRow*), those
 * with step > max_step left out (max_step < 0: every row). A missing file has
 * no rows; a line cut by a crash or that is no metrics row is skipped. NULL
 * with an error only when the file cannot be read. */
GPtrArray    *pt_metrics_read           (const char *run_dir, int max_step, GError **error);

/* The step time (seconds) estimates follow: an exponential average of the
 * steps' times, step 1 left out (it pays for warm-up). avg_s is the average so
 * far (0 = none); returns the new one. The trainer's ETA and the app's time
 * estimate both use it. */
double        pt_metrics_average_step_time (double avg_s, const PtStepMetrics *m);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtMetricsRow, pt_metrics_row_free)

G_END_DECLS
