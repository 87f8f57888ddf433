/* pt-demo.h — the demo that makes the first run useful: the shipped micro
 * PaliGemma (data/demo/) and a dataset generated for it.
 *
 * data/demo/ holds config.json, model.safetensors, tokenizer.model and
 * demo.json:
 *   {"pretrained_tasks": [...], "finetune_tasks": [...], "description": "...",
 *    "dataset": {"image_size", "n_train", "seed", "min_shapes", "max_shapes",
 *                "min_size", "max_size", "noise"}   (the scenes the model knows),
 *    "settings": {... PtTrainSettings JSON, the recommended fine-tune ...}}
 * Task lists may also be comma-separated strings. On the first start
 * (GSettings "demo-prepared") the application generates the fine-tune dataset
 * (the finetune_tasks, on "dataset"'s scenes) into
 * $XDG_DATA_HOME/palitune/demo-data in a GTask and selects the model, the
 * dataset and the recommended settings on the Train page.
 */
#pragma once

#include <gio/gio.h>

#include "pt-demo-data.h"  /* PtDemoOptions */
#include "pt-settings.h"   /* PtTrainSettings */
#include "pt-window.h"

G_BEGIN_DECLS

typedef struct {
  char            *dir;               /* the demo model folder */
  guint            pretrained_tasks;  /* PtDemoTask mask the model already knows */
  guint            finetune_tasks;    /* what the fine-tune teaches */
  PtTrainSettings *settings;          /* recommended (model and data unset) */
  char            *description;       /* or NULL */
  PtDemoOptions    data;              /* the fine-tune dataset to generate (tasks: the
                                       * finetune_tasks; image_size 0: the model's) */
} PtDemoInfo;

/* The demo model folder: $PALITUNE_DEMO_DIR when set (empty: no demo; for
 * tests and development), else PKGDATADIR/demo when installed, else the
 * source tree's data/demo; NULL when none has a config.json. */
char       *pt_demo_find_dir         (void);
PtDemoInfo *pt_demo_info_load        (const char *dir, GError **error);
void        pt_demo_info_free        (PtDemoInfo *info);
/* $XDG_DATA_HOME/palitune/demo-data */
char       *pt_demo_data_dir         (void);
/* "colours, shapes" for a task mask, in words. */
char       *pt_demo_describe_tasks   (guint tasks);

/* What preparing gives: the dataset, and one of its images with its
 * question to try in the Playground. */
typedef struct {
  char *train_path;
  char *image_path;   /* or NULL */
  char *question;     /* or NULL */
} PtDemoPrepared;

void        pt_demo_prepared_free    (PtDemoPrepared *prepared);

/* Generates the fine-tune dataset into out_dir (kept when it is already
 * there with the same tasks and count). */
void        pt_demo_prepare_async    (const PtDemoInfo *info, const char *out_dir,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
PtDemoPrepared *pt_demo_prepare_finish (GAsyncResult *result, GError **error);

/* Selects the demo model, the dataset and the recommended settings in
 * window (the device stays the user's), puts an image and its question in
 * the Playground, and says what to try in a toast. */
void        pt_demo_apply            (PtWindow *window, const PtDemoInfo *info,
                                      const PtDemoPrepared *prepared);

/* The whole first-run flow: finds the demo, generates its dataset in a
 * GTask (a toast says so meanwhile), then pt_demo_apply. Without a demo it
 * fails quietly, or with a toast when explicit_request. */
void        pt_demo_prepare_window   (PtWindow *window, gboolean explicit_request,
                                      GCancellable *cancellable,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean    pt_demo_prepare_window_finish (PtWindow *window, GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtDemoInfo, pt_demo_info_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtDemoPrepared, pt_demo_prepared_free)

G_END_DECLS
