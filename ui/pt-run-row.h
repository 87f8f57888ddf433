/* pt-run-row.h — one training run in the Runs page's list: its name and
 * status badge, dataset, method, date, duration and device, its latest or
 * final metrics and best checkpoint, the error of a failed run, a check
 * button that puts its curves on the comparison chart, and its actions
 * (open the folder, resume, export, delete) as runs.* actions whose target
 * is the run folder.
 */
#pragma once

#include <gtk/gtk.h>

#include "pt-run.h"   /* PtRun */

G_BEGIN_DECLS

#define PT_TYPE_RUN_ROW (pt_run_row_get_type ())

G_DECLARE_FINAL_TYPE (PtRunRow, pt_run_row, PT, RUN_ROW, GtkListBoxRow)

/* Reads what it shows from run (not kept). */
GtkWidget      *pt_run_row_new          (PtRun *run);
const char     *pt_run_row_get_dir      (PtRunRow *self);
const char     *pt_run_row_get_id       (PtRunRow *self);
const char     *pt_run_row_get_name     (PtRunRow *self);
PtRunStatus     pt_run_row_get_status   (PtRunRow *self);
GtkCheckButton *pt_run_row_get_compare  (PtRunRow *self);
/* Whether resuming / exporting is wired up at all; the row adds whether
 * its own run can be resumed (paused, stopped or failed after a
 * checkpoint) or exported (has a checkpoint). */
void            pt_run_row_set_available (PtRunRow *self, gboolean resume, gboolean export);
gboolean        pt_run_row_can_resume    (PtRunRow *self);
gboolean        pt_run_row_can_export    (PtRunRow *self);

/* Human forms used by the row (exposed for tests). */
char           *pt_run_format_duration   (double seconds);
const char     *pt_run_status_label      (PtRunStatus status);

G_END_DECLS
