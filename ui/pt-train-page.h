/* pt-train-page.h — the Train page: the settings (PtTrainSettingsView) in a
 * sidebar that folds away on narrow windows, the live view
 * (PtTrainingView) beside it. Start stays off while the settings are not
 * valid, with their message as its tooltip. */
#pragma once

#include <adwaita.h>

#include "pt-train-settings-view.h"
#include "pt-training-view.h"

G_BEGIN_DECLS

#define PT_TYPE_TRAIN_PAGE (pt_train_page_get_type ())

G_DECLARE_FINAL_TYPE (PtTrainPage, pt_train_page, PT, TRAIN_PAGE, AdwBin)

GtkWidget           *pt_train_page_new                   (void);
PtTrainSettingsView *pt_train_page_get_settings_view     (PtTrainPage *self);
PtTrainingView      *pt_train_page_get_training_view     (PtTrainPage *self);

G_END_DECLS
