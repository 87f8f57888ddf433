/* pt-dataset-browser.h — a loaded dataset on the Data page.
 *
 * Three views under a switcher — Records (a PtRecordGrid with search,
 * answer / question-type filters and "problems only"), Statistics
 * (PtStatsView) and Problems (PtProblemList, its count as a badge) — and a
 * side panel with one record's details (PtRecordDetail), opened by
 * activating a record or a problem.
 *
 * The browser owns no settings: the Data page passes it the Train page's
 * settings (prompt template, maximum text length, resolution, split) with
 * set_settings and its tokenizer with set_tokenizer; edits of the split
 * come back through ::split-edited.
 */
#pragma once

#include <adwaita.h>

#include "pt-dataset-scan.h"       /* PtDatasetStats */
#include "pt-model-tokenizer.h"
#include "pt-problem-list.h"
#include "pt-record-detail.h"
#include "pt-record-filter.h"
#include "pt-record-grid.h"
#include "pt-settings.h"           /* PtTrainSettings */
#include "pt-stats-view.h"

G_BEGIN_DECLS

#define PT_TYPE_DATASET_BROWSER (pt_dataset_browser_get_type ())

G_DECLARE_FINAL_TYPE (PtDatasetBrowser, pt_dataset_browser, PT, DATASET_BROWSER, AdwBin)

GtkWidget       *pt_dataset_browser_new             (void);
/* Shows dataset (read-only from now on) with its statistics (taken);
 * load_seconds for the subtitle (< 0: not shown). NULL clears. */
void             pt_dataset_browser_set_dataset     (PtDatasetBrowser *self, PtDataset *dataset,
                                                     PtDatasetStats *stats, double load_seconds);
PtDataset       *pt_dataset_browser_get_dataset     (PtDatasetBrowser *self);
void             pt_dataset_browser_set_settings    (PtDatasetBrowser *self,
                                                     const PtTrainSettings *settings);
/* tokenizer NULL: hint says why (no model folder, loading, an error). */
void             pt_dataset_browser_set_tokenizer   (PtDatasetBrowser *self, PtModelTokenizer *tokenizer,
                                                     const char *hint);

void             pt_dataset_browser_set_filter      (PtDatasetBrowser *self, const PtRecordFilter *filter);
const PtRecordFilter *pt_dataset_browser_get_filter (PtDatasetBrowser *self);
/* Records the filter lets through. */
guint            pt_dataset_browser_get_n_shown     (PtDatasetBrowser *self);
/* Opens the details of record index. */
void             pt_dataset_browser_show_record     (PtDatasetBrowser *self, guint index);
void             pt_dataset_browser_close_record    (PtDatasetBrowser *self);
gboolean         pt_dataset_browser_get_record_shown (PtDatasetBrowser *self);
/* "records", "stats", "problems". */
void             pt_dataset_browser_show_view       (PtDatasetBrowser *self, const char *name);
/* TRUE while token lengths are being counted. */
gboolean         pt_dataset_browser_is_counting     (PtDatasetBrowser *self);

PtRecordGrid    *pt_dataset_browser_get_grid        (PtDatasetBrowser *self);
PtRecordDetail  *pt_dataset_browser_get_detail      (PtDatasetBrowser *self);
PtStatsView     *pt_dataset_browser_get_stats_view  (PtDatasetBrowser *self);
PtProblemList   *pt_dataset_browser_get_problem_list (PtDatasetBrowser *self);
GtkSearchEntry  *pt_dataset_browser_get_search_entry (PtDatasetBrowser *self);
PtThumbnailLoader *pt_dataset_browser_get_thumbnail_loader (PtDatasetBrowser *self);

G_END_DECLS
