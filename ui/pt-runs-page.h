/* pt-runs-page.h — the Runs page: every training run under the runs folder
 * (pt_runs_default_root unless set otherwise), newest first, with its
 * status, dataset, method, metrics, duration and date; the loss curves of
 * the runs ticked for comparison on one chart (training loss as lines,
 * validation loss as points, one colour per run). The list follows the
 * folder (GFileMonitor) and refreshes on demand.
 *
 * Actions per run: open its folder, delete it (after a confirmation), and
 * resume / export, which the page cannot do itself: until
 * set_resume_available / set_export_available turn them on, their buttons
 * are off and say so; then they emit ::resume-requested / ::export-requested
 * with the run folder.
 */
#pragma once

#include <adwaita.h>

#include "pt-loss-chart.h"
#include "pt-run-row.h"

G_BEGIN_DECLS

#define PT_TYPE_RUNS_PAGE (pt_runs_page_get_type ())

G_DECLARE_FINAL_TYPE (PtRunsPage, pt_runs_page, PT, RUNS_PAGE, AdwBin)

GtkWidget   *pt_runs_page_new                  (void);
/* The folder whose runs are listed (NULL: pt_runs_default_root ()). */
void         pt_runs_page_set_root             (PtRunsPage *self, const char *root);
const char  *pt_runs_page_get_root             (PtRunsPage *self);
/* Lists the runs again now (the folder monitor does it by itself). */
void         pt_runs_page_refresh              (PtRunsPage *self);
guint        pt_runs_page_get_n_runs           (PtRunsPage *self);
/* The row of run_dir (or of a run id), or NULL. */
PtRunRow    *pt_runs_page_get_row              (PtRunsPage *self, const char *run_dir_or_id);
/* Ticks or unticks run_dir for the chart. */
void         pt_runs_page_set_compared         (PtRunsPage *self, const char *run_dir, gboolean compared);
/* TRUE while curves are being read. */
gboolean     pt_runs_page_is_loading_metrics   (PtRunsPage *self);
PtLossChart *pt_runs_page_get_chart            (PtRunsPage *self);
/* Asks for confirmation, then deletes run_dir. */
void         pt_runs_page_delete_run           (PtRunsPage *self, const char *run_dir);
void         pt_runs_page_set_resume_available (PtRunsPage *self, gboolean available);
void         pt_runs_page_set_export_available (PtRunsPage *self, gboolean available);

G_END_DECLS
