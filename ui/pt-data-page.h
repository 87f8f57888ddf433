/* pt-data-page.h — the Data page: open a dataset (file or VQAv2 folder).
 *
 * Until the dataset browser exists this records the chosen path (GSettings
 * "dataset-path") and shows it; the Train page takes it from
 * notify::dataset-path.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define PT_TYPE_DATA_PAGE (pt_data_page_get_type ())

G_DECLARE_FINAL_TYPE (PtDataPage, pt_data_page, PT, DATA_PAGE, AdwBin)

GtkWidget  *pt_data_page_new              (void);
/* Shows a file chooser for a JSONL / CSV / JSON file (folder: a VQAv2 folder). */
void        pt_data_page_open_dataset     (PtDataPage *self, gboolean folder);
/* NULL when none. */
const char *pt_data_page_get_dataset_path (PtDataPage *self);
void        pt_data_page_set_dataset_path (PtDataPage *self, const char *path);

G_END_DECLS
