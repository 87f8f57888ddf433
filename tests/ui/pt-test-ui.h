/* pt-test-ui.h — helpers for GUI tests: run the main loop, take screenshots. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* For tests that show widgets without the application: libadwaita's
 * styles and PaliTune's style.css (call after gtk_test_init). */
void     pt_test_init_widgets  (void);
/* Iterates the default main context until condition returns TRUE or
 * timeout_ms passes; returns the condition's last value. */
gboolean pt_test_wait_until    (gboolean (*condition) (gpointer), gpointer data, guint timeout_ms);
/* Iterates the main context for ms milliseconds. */
void     pt_test_spin          (guint ms);
/* Queues a frame for widget and waits until it has been painted. */
void     pt_test_wait_for_frame (GtkWidget *widget);
/* Renders widget (usually a window) to $PT_SCREENSHOT_DIR/NAME.png and
 * returns the path; asserts the image is not blank. */
char    *pt_test_screenshot    (GtkWidget *widget, const char *name);

G_END_DECLS
