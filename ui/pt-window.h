/* pt-window.h — the main window: header bar, view switcher and the four pages. */
#pragma once

#include <adwaita.h>

#include "pt-data-page.h"
#include "pt-playground-page.h"
#include "pt-runs-page.h"
#include "pt-train-page.h"

G_BEGIN_DECLS

#define PT_TYPE_WINDOW (pt_window_get_type ())

G_DECLARE_FINAL_TYPE (PtWindow, pt_window, PT, WINDOW, AdwApplicationWindow)

/* app is a GtkApplication (the PtApplication); ui/ does not know app/. */
PtWindow         *pt_window_new                 (gpointer app);
/* "data", "train", "playground", "runs" (also the win.show-page action). */
void              pt_window_show_page           (PtWindow *self, const char *name);
const char       *pt_window_get_visible_page    (PtWindow *self);
/* Shows toast over whichever page is visible (takes the toast). */
void              pt_window_add_toast           (PtWindow *self, AdwToast *toast);
PtDataPage       *pt_window_get_data_page       (PtWindow *self);
PtTrainPage      *pt_window_get_train_page      (PtWindow *self);
PtPlaygroundPage *pt_window_get_playground_page (PtWindow *self);
PtRunsPage       *pt_window_get_runs_page       (PtWindow *self);

G_END_DECLS
