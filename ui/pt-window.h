/* pt-window.h — the main window: header bar, view switcher and the four pages. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PT_TYPE_WINDOW (pt_window_get_type ())

G_DECLARE_FINAL_TYPE (PtWindow, pt_window, PT, WINDOW, AdwApplicationWindow)

/* app is a GtkApplication (the PtApplication); ui/ does not know app/. */
PtWindow *pt_window_new (gpointer app);

G_END_DECLS
