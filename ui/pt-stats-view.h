/* pt-stats-view.h — a dataset's statistics on the Data page.
 *
 * Counts (records, usable, problems, duplicates, images), the train /
 * validation split as training will make it (the same PtTrainSettings the
 * Train page edits: this view only shows it and reports edits through
 * ::split-edited), and small charts: the most frequent answers, question
 * types, image sizes and, once a tokenizer is known, token lengths.
 * Clicking an answer or question type bar emits ::answer-activated or
 * ::question-type-activated (the browser filters by it).
 */
#pragma once

#include <adwaita.h>

#include "pt-bar-chart.h"
#include "pt-dataset-scan.h"   /* PtDatasetStats */

G_BEGIN_DECLS

#define PT_TYPE_STATS_VIEW (pt_stats_view_get_type ())

G_DECLARE_FINAL_TYPE (PtStatsView, pt_stats_view, PT, STATS_VIEW, AdwBin)

GtkWidget  *pt_stats_view_new              (void);
/* stats is copied from as needed; both may be NULL (clears). */
void        pt_stats_view_set_dataset      (PtStatsView *self, PtDataset *dataset,
                                            const PtDatasetStats *stats);
/* The split the settings ask for: val_split as in PtTrainSettings (< 1 a
 * fraction, >= 1 a count), the seed, and a separate validation file (then
 * the split does not apply). */
void        pt_stats_view_set_split        (PtStatsView *self, double val_split, guint64 seed,
                                            const char *val_data_path);
/* Token counts per record (0 = unusable; copied), max_text_len the limit
 * (0 none); counts NULL shows message instead (why there are none). */
void        pt_stats_view_set_token_counts (PtStatsView *self, const guint16 *counts, guint n,
                                            int max_text_len, const char *message);

/* For tests: the charts, and the split's sizes (G_MAXUINT when invalid). */
PtBarChart *pt_stats_view_get_answers_chart (PtStatsView *self);
PtBarChart *pt_stats_view_get_types_chart   (PtStatsView *self);
PtBarChart *pt_stats_view_get_sizes_chart   (PtStatsView *self);
PtBarChart *pt_stats_view_get_tokens_chart  (PtStatsView *self);
void        pt_stats_view_get_split_sizes   (PtStatsView *self, guint *n_train, guint *n_val);
GtkSpinButton *pt_stats_view_get_split_spin (PtStatsView *self);

G_END_DECLS
