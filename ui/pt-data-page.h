/* pt-data-page.h — the Data page: open, check and browse a dataset.
 *
 * Parquet and Arrow datasets (a file, a Hugging Face hub folder, a
 * save_to_disk folder) get a bar with their splits and a column mapping.
 *
 * Opening (file chooser, Ctrl+O, a file or folder dropped on the page, the
 * last dataset restored from GSettings "dataset-path" at start, or a demo
 * dataset generated on demand) reads and checks the dataset on a worker
 * thread with a progress bar and a Cancel button; opening another cancels
 * the first. Errors show on the page with what to do. A loaded dataset
 * shows in a PtDatasetBrowser.
 *
 * The page edits no settings of its own: given the Train page's settings
 * view (set_settings_view), it follows its settings (prompt template,
 * maximum text length, resolution, the split) and loads the tokenizer of
 * its model folder; the split edited here is written back to that view.
 * The Train page takes the dataset from notify::dataset-path.
 */
#pragma once

#include <adwaita.h>

#include "pt-dataset-browser.h"
#include "pt-demo-data.h"              /* PtDemoOptions */
#include "pt-model-tokenizer.h"
#include "pt-train-settings-view.h"

G_BEGIN_DECLS

#define PT_TYPE_DATA_PAGE (pt_data_page_get_type ())

G_DECLARE_FINAL_TYPE (PtDataPage, pt_data_page, PT, DATA_PAGE, AdwBin)

GtkWidget        *pt_data_page_new                (void);
/* Shows a file chooser for a JSONL / CSV / JSON file (folder: a VQAv2 folder). */
void              pt_data_page_open_dataset       (PtDataPage *self, gboolean folder);
/* NULL when none. */
const char       *pt_data_page_get_dataset_path   (PtDataPage *self);
/* Records path (GSettings, notify::dataset-path) and loads it; NULL closes. */
void              pt_data_page_set_dataset_path   (PtDataPage *self, const char *path);
/* What dropping file on the page does: loads a dataset file or a VQAv2
 * folder; FALSE (and a toast) for anything else. */
gboolean          pt_data_page_open_file          (PtDataPage *self, GFile *file);
void              pt_data_page_reload             (PtDataPage *self);
/* Parquet / Arrow: loads the dataset again with this split (NULL: train)
 * and column mapping ("image=img,question=query", NULL: the datasets
 * library's names), which the Train page's settings take over; a mapping
 * that does not parse is a toast and FALSE. */
gboolean          pt_data_page_set_table_options  (PtDataPage *self, const char *split,
                                                   const char *columns);
/* The split chosen (NULL: the default, train). */
const char       *pt_data_page_get_split          (PtDataPage *self);
/* The split list (tests); its bar is visible only for Parquet / Arrow. */
GtkDropDown      *pt_data_page_get_split_dropdown (PtDataPage *self);
void              pt_data_page_cancel             (PtDataPage *self);
/* Generates a demo dataset into dir (NULL: $XDG_DATA_HOME/palitune/demo-data)
 * on a worker thread, then opens its train.jsonl. options NULL: the defaults. */
void              pt_data_page_create_demo        (PtDataPage *self, const PtDemoOptions *options,
                                                   const char *dir);

/* "empty", "loading", "error" or "browser". */
const char       *pt_data_page_get_state          (PtDataPage *self);
/* The error shown on the page (state "error"), or NULL. */
const char       *pt_data_page_get_error          (PtDataPage *self);
/* Seconds the last load took (reading + image checks + statistics), or -1. */
double            pt_data_page_get_load_seconds   (PtDataPage *self);
PtDataset        *pt_data_page_get_dataset        (PtDataPage *self);
PtDatasetBrowser *pt_data_page_get_browser        (PtDataPage *self);

/* The Train page's settings view: the page follows its settings and model folder. */
void              pt_data_page_set_settings_view  (PtDataPage *self, PtTrainSettingsView *view);
/* The model folder's tokenizer once loaded, or NULL. */
PtModelTokenizer *pt_data_page_get_tokenizer      (PtDataPage *self);
gboolean          pt_data_page_is_loading_tokenizer (PtDataPage *self);

G_END_DECLS
