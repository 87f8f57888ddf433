/* pt-data-page-private.h — the Data page's fields, shared by its parts:
 * pt-data-page.c (states, choosers, drops, settings) and
 * pt-data-page-tasks.c (the worker-thread jobs: loading a dataset,
 * generating the demo dataset, reading the tokenizer). */
#pragma once

#include "pt-data-page.h"

G_BEGIN_DECLS

typedef struct _PtDataJob PtDataJob;

struct _PtDataPage
{
  AdwBin                parent_instance;

  GSettings            *settings;
  char                 *dataset_path;
  GtkFileChooserNative *chooser;
  PtTrainSettingsView  *settings_view;
  gulong                settings_changed_id;

  /* the job in flight (loading or generating), or NULL */
  PtDataJob            *job;
  GCancellable         *job_cancellable;
  guint                 progress_id;
  guint                 show_loading_id;   /* the loading state shows only if it lasts */
  char                 *error;
  double                load_seconds;

  /* Parquet / Arrow: the split and column mapping to load with (NULL: defaults) */
  char                 *split;
  char                 *columns;
  gboolean              filling_splits;

  /* the model folder's tokenizer */
  char                 *tokenizer_dir;
  PtModelTokenizer     *tokenizer;
  GCancellable         *tokenizer_cancellable;
  char                 *tokenizer_hint;

  /* template children */
  AdwToastOverlay      *toasts;
  GtkStack             *stack;
  AdwStatusPage        *status;
  GtkButton            *open_button;
  GtkButton            *folder_button;
  GtkButton            *demo_button;
  AdwStatusPage        *loading_status;
  GtkSpinner           *spinner;
  GtkProgressBar       *progress_bar;
  AdwStatusPage        *error_status;
  PtDatasetBrowser     *browser;
  GtkWidget            *table_bar;
  GtkDropDown          *split_dropdown;
  GtkEntry             *columns_entry;
  GtkButton            *columns_button;
};

/* pt-data-page-table.c */
void     pt_data_page_table_init      (PtDataPage *self);
/* Shows the split and column bar for a Parquet / Arrow dataset at path, or hides it. */
void     pt_data_page_update_table_bar (PtDataPage *self, const char *path);

/* pt-data-page-tasks.c */
void     pt_data_page_start_load      (PtDataPage *self, const char *path);
void     pt_data_page_start_demo      (PtDataPage *self, const PtDemoOptions *options, const char *dir);
void     pt_data_page_cancel_job      (PtDataPage *self);
void     pt_data_page_load_tokenizer  (PtDataPage *self, const char *model_dir);
void     pt_data_page_show_error      (PtDataPage *self, const char *title, const char *message);
void     pt_data_page_toast           (PtDataPage *self, const char *message);
char    *pt_data_page_default_demo_dir (void);

G_END_DECLS
