/* pt-dataset-scan.h — checking a dataset's images and text lengths, and its statistics.
 *
 * pt_dataset_scan looks at every distinct image once (exists, readable, a
 * format GdkPixbuf reads, its size from the header; optionally a full
 * decode) on a few threads, and, given a token counter, measures each
 * record's prompt + answer in tokens. Records whose image fails become
 * unusable with the reason. Running it again only does what was not done.
 *
 * pt_dataset_compute_stats summarises the usable records for the report
 * (pt_dataset_report_to_json, `palitune-cli data inspect`) and the browser.
 */
#pragma once

#include <json-glib/json-glib.h>   /* JsonNode */

#include "pt-dataset.h"

G_BEGIN_DECLS

/* Tokens in text (no <bos>/<eos>), or < 0 on failure. Called from the
 * thread that called pt_dataset_scan. */
typedef int  (*PtTokenCountFunc) (const char *text, gpointer user_data);
/* Progress in [0, 1], called on the scanning thread. */
typedef void (*PtProgressFunc)   (double fraction, gpointer user_data);
/* Fully decodes path; FALSE with a reason (for the deep check). */
typedef gboolean (*PtImageDecodeFunc) (const char *path, int *width, int *height, char **reason);

typedef struct {
  gboolean          check_images;     /* exists, readable, header (default TRUE) */
  gboolean          decode_images;    /* also decode every image (slow; default FALSE) */
  PtImageDecodeFunc decode;           /* NULL: the engine's decoder */
  const char       *prompt_template;  /* NULL: "answer {question}" */
  PtTokenCountFunc  count_tokens;     /* NULL: no token check */
  gpointer          count_tokens_data;
  int               max_tokens;       /* prompt + answer above this: a warning (truncated); 0 = none */
  int               hard_max_tokens;  /* above this: unusable (does not fit the model); 0 = none */
  int               n_threads;        /* image checks; 0 = one per processor (at most 8) */
  PtProgressFunc    progress;
  gpointer          progress_data;
} PtScanOptions;

void      pt_scan_options_init      (PtScanOptions *options);
gboolean  pt_dataset_scan           (PtDataset *dataset, const PtScanOptions *options,
                                     GCancellable *cancellable, GError **error);

/* Tokens of record index's prompt + "\n" + answer + <bos> + <eos> once
 * scanned with a counter, else -1. */
int       pt_dataset_get_token_count (PtDataset *dataset, guint index);

/* ---- statistics of the usable records ---- */

typedef struct {
  char *text;
  guint count;
} PtCount;

typedef struct {
  int   width, height;
  guint count;
} PtSizeCount;

/* Image size buckets by the longer side. */
enum { PT_SIZE_UNDER_224, PT_SIZE_UNDER_448, PT_SIZE_UNDER_896, PT_SIZE_UNDER_1792,
       PT_SIZE_LARGER, PT_SIZE_UNKNOWN, PT_N_SIZE_BUCKETS };

typedef struct {
  PtDatasetFormat format;
  guint        records;            /* every record read */
  guint        usable;
  guint        problems;           /* problem entries (warnings included) */
  guint        warnings;
  guint        by_kind[PT_PROBLEM_N_KINDS];  /* problem entries per kind */
  guint        images;             /* distinct images of usable records */
  guint        images_checked;
  GArray      *answers;            /* PtCount, most frequent first */
  GArray      *question_types;     /* PtCount */
  GArray      *answer_types;       /* PtCount */
  GArray      *sizes;              /* PtSizeCount, most frequent first (distinct images) */
  guint        size_buckets[PT_N_SIZE_BUCKETS];
  int          min_width, min_height, max_width, max_height;
  guint        with_answers;       /* usable records with a ground-truth list */
  double       question_words_mean;
  double       answer_words_mean;
  gboolean     has_tokens;
  int          tokens_min, tokens_max, tokens_p95;
  double       tokens_mean;
} PtDatasetStats;

PtDatasetStats *pt_dataset_compute_stats (PtDataset *dataset);
void            pt_dataset_stats_free    (PtDatasetStats *stats);
const char     *pt_size_bucket_label     (int bucket);   /* "<224", "224-447", … */

/* The whole report as one JSON object: path, format, records, usable,
 * problems [{file, line, record, kind, reason}] (at most max_problems, 0 = all),
 * counts, duplicates, images (sizes, histogram), answers, question_types,
 * answer_types, tokens, notes. top caps the frequency tables. */
JsonNode       *pt_dataset_report_to_json (PtDataset *dataset, const PtDatasetStats *stats,
                                           guint max_problems, guint top);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtDatasetStats, pt_dataset_stats_free)

G_END_DECLS
