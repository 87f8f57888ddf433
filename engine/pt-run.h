/* pt-run.h — a training run is a folder.
 *
 *   RUN_DIR/run.json        settings, inputs' fingerprints, status, progress, best, final metrics
 *   RUN_DIR/metrics.jsonl   one JSON object per line: {"type": "train"|"eval", "step": …}
 *   RUN_DIR/events.out.tfevents.*  the same rows for TensorBoard (pt-tensorboard.h)
 *   RUN_DIR/checkpoints/    step-NNNNNNN/ folders written by the trainer
 *   RUN_DIR/adapter/, merged/  exports
 *
 * run.json is rewritten atomically (temp file, fsync, rename), so a crash
 * leaves the previous version. Runs live under pt_runs_default_root ()
 * unless the user picks another folder.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>   /* JsonNode */

#include "pt-comm.h"               /* PtComm */
#include "pt-settings.h"           /* PtTrainSettings */

G_BEGIN_DECLS

typedef enum {
  PT_RUN_CREATED,
  PT_RUN_RUNNING,
  PT_RUN_PAUSED,     /* stopped by the user with a checkpoint to resume from */
  PT_RUN_STOPPED,    /* stopped by the user */
  PT_RUN_FINISHED,
  PT_RUN_FAILED,
} PtRunStatus;

typedef struct _PtRun PtRun;

const char  *pt_run_status_to_string   (PtRunStatus status);

/* $XDG_DATA_HOME/palitune/runs */
char        *pt_runs_default_root      (void);

/* Creates RUNS_ROOT/<date>-<time>-<name> (unique), records the settings and
 * the fingerprints (size + mtime) of the model's files and the data files,
 * writes run.json. name may be NULL (derived from the data and mode). */
PtRun       *pt_run_create             (const char *runs_root, const char *name,
                                        const PtTrainSettings *settings, GError **error);
/* Creates the run in exactly run_dir (which must not exist or be empty). */
PtRun       *pt_run_create_at          (const char *run_dir, const char *name,
                                        const PtTrainSettings *settings, GError **error);
PtRun       *pt_run_open               (const char *run_dir, GError **error);
void         pt_run_free               (PtRun *run);

const char  *pt_run_get_dir            (PtRun *run);
const char  *pt_run_get_id             (PtRun *run);     /* the folder's name */
const char  *pt_run_get_name           (PtRun *run);
const PtTrainSettings *pt_run_get_settings (PtRun *run);
PtRunStatus  pt_run_get_status         (PtRun *run);
const char  *pt_run_get_error          (PtRun *run);     /* why it failed, or NULL */
gint64       pt_run_get_created        (PtRun *run);     /* unix seconds */
double       pt_run_get_duration       (PtRun *run);     /* seconds of training */
int          pt_run_get_step           (PtRun *run);
int          pt_run_get_total_steps    (PtRun *run);
/* the latest train loss / eval metrics recorded, or NULL */
JsonNode    *pt_run_get_last_metrics   (PtRun *run);
/* {"step", "metric", "value", "checkpoint"} or NULL */
JsonNode    *pt_run_get_best           (PtRun *run);
JsonNode    *pt_run_get_final_metrics  (PtRun *run);
const char  *pt_run_get_device_name    (PtRun *run);
/* Data parallel (pt-comm.h): the processes of its latest session, and the
 * records of one micro-batch over all of them (0 when not recorded: the
 * settings' batch size), which a resume with any number of ranks keeps. */
int          pt_run_get_ranks          (PtRun *run);
int          pt_run_get_global_batch   (PtRun *run);
void         pt_run_set_parallel       (PtRun *run, int ranks, int global_batch);
/* Every rank opens the run; only rank 0 writes it. With writer FALSE,
 * pt_run_save, pt_run_append_metrics and pt_run_truncate_metrics leave the
 * files alone (and succeed). TRUE by default. */
void         pt_run_set_writer         (PtRun *run, gboolean writer);
gboolean     pt_run_is_writer          (PtRun *run);
/* Data parallel: rank 0 passes the run it created (consumed) and the other
 * ranks NULL; every rank gets the run opened from the same folder (the
 * others as readers). */
PtRun       *pt_run_share              (PtComm *comm, PtRun *run, GError **error);

/* Updates (in memory; pt_run_save writes them). */
void         pt_run_set_status         (PtRun *run, PtRunStatus status, const char *error_message);
void         pt_run_set_progress       (PtRun *run, int step, int total_steps, double duration);
void         pt_run_set_last_metrics   (PtRun *run, JsonNode *metrics);
void         pt_run_set_best           (PtRun *run, int step, const char *metric, double value,
                                        const char *checkpoint);
void         pt_run_set_final_metrics  (PtRun *run, JsonNode *metrics);
void         pt_run_set_device_name    (PtRun *run, const char *name);
gboolean     pt_run_save               (PtRun *run, GError **error);

/* metrics.jsonl, and the TensorBoard events of each row (rows pt-metrics.h reads) */
gboolean     pt_run_append_metrics     (PtRun *run, JsonNode *row, GError **error);
/* Drops rows with step > last_step (resuming from a checkpoint at last_step),
 * and rewrites the TensorBoard events from the rows kept. */
gboolean     pt_run_truncate_metrics   (PtRun *run, int last_step, GError **error);
/* Every row (JsonNode* objects); malformed lines (a crash mid-line) are skipped. */
GPtrArray   *pt_run_read_metrics       (const char *run_dir, GError **error);

/* Fails with a message naming what changed (file added/removed/resized/modified)
 * in the model or data since the run was created. */
gboolean     pt_run_check_inputs       (PtRun *run, GError **error);

/* RUN_DIR/checkpoints/step-NNNNNNN */
char        *pt_run_checkpoint_dir     (PtRun *run, int step);

/* Every run under root, newest first; folders without a readable run.json
 * are skipped. */
GPtrArray   *pt_runs_list              (const char *runs_root);   /* of PtRun* */
/* Removes the run folder and everything in it. */
gboolean     pt_run_delete             (PtRun *run, GError **error);

/* Removes a folder tree (no symlink following). */
gboolean     pt_rmtree                 (const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtRun, pt_run_free)

G_END_DECLS
