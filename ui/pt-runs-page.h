/* pt-runs-page.h — the Runs page: the training runs kept on this computer.
 * Listing them needs the run folder reader (a later round); until then it
 * is an empty state that leads to the Train page. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PT_TYPE_RUNS_PAGE (pt_runs_page_get_type ())

G_DECLARE_FINAL_TYPE (PtRunsPage, pt_runs_page, PT, RUNS_PAGE, AdwBin)

GtkWidget *pt_runs_page_new (void);

G_END_DECLS
