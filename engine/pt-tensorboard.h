/* pt-tensorboard.h — TensorBoard event files beside a run's metrics.jsonl,
 * so a run on a server can be followed with `tensorboard --logdir RUNS`.
 *
 * The run (pt-run.c) feeds every metrics row it appends here too, read back
 * through the one metrics reader (pt_metrics_row_from_json), and rewrites
 * the events from metrics.jsonl when a resume truncates it: the two files
 * always say the same.
 *
 * Format (TensorFlow's, written by hand: no protobuf dependency): a file
 * RUN_DIR/events.out.tfevents.<seconds>.<host> of TFRecords — u64 length,
 * u32 masked CRC-32C of the length, the bytes, u32 masked CRC-32C of the
 * bytes, little-endian — each an Event protobuf: wall_time (1, double),
 * step (2, int64), file_version (3, "brain.Event:2", first record only),
 * summary (5): Summary.value (1, repeated) of Value{tag (1), simple_value
 * (2, float)}. One event per metrics row, one value per finite scalar:
 *
 *   train/loss, train/learning_rate, train/grad_norm, train/samples_per_s,
 *   train/tokens_per_s, train/step_ms, train/memory_gib, train/memory_peak_gib
 *   eval/val_loss, eval/vqa_accuracy, eval/exact_match,
 *   eval/by_type/<type>/vqa_accuracy, …/exact_match, eval/by_answer_type/<type>/…
 */
#pragma once

#include <glib.h>

#include "pt-metrics.h"   /* PtMetricsRow */

G_BEGIN_DECLS

typedef struct {
  char   *tag;
  double  value;
} PtTbScalar;

/* The scalars of a row, in the order above (of PtTbScalar*). */
GPtrArray *pt_tb_row_scalars     (const PtMetricsRow *row);

/* Starts RUN_DIR/events.out.tfevents.<wall_time>.<host> with its
 * file_version record; returns its path. */
char      *pt_tb_file_new        (const char *run_dir, double wall_time, GError **error);
/* Appends the event of a row to the file. */
gboolean   pt_tb_file_append     (const char *path, const PtMetricsRow *row, double wall_time,
                                  GError **error);
/* Removes every events.out.tfevents.* of the folder. */
gboolean   pt_tb_remove_files    (const char *run_dir, GError **error);

/* One TFRecord of data (framing and CRCs) appended to out. */
void       pt_tb_append_record   (GByteArray *out, const guint8 *data, gsize length);
/* CRC-32C (Castagnoli) continuing from crc (0 to start), and TensorFlow's mask of it. */
guint32    pt_crc32c             (guint32 crc, const void *data, gsize length);
guint32    pt_tb_masked_crc      (const void *data, gsize length);

void       pt_tb_scalar_free     (PtTbScalar *scalar);

G_END_DECLS
