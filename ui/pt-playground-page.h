/* pt-playground-page.h — the Playground page: drop or open an image, ask
 * about it. Asking needs a model session (a later round); until then the
 * Ask button stays off and says why. */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PT_TYPE_PLAYGROUND_PAGE (pt_playground_page_get_type ())

G_DECLARE_FINAL_TYPE (PtPlaygroundPage, pt_playground_page, PT, PLAYGROUND_PAGE, AdwBin)

GtkWidget *pt_playground_page_new       (void);
void       pt_playground_page_open_image (PtPlaygroundPage *self);
/* Shows file (NULL: back to the empty state); FALSE with error when it is
 * not an image GTK can read. */
gboolean   pt_playground_page_set_image (PtPlaygroundPage *self, GFile *file, GError **error);

G_END_DECLS
