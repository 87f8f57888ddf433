/* pt-playground-page-private.h — the Playground page's fields, shared by
 * pt-playground-page.c (images, prompt, answers) and
 * pt-playground-page-models.c (the tuned-model list, asking). */
#pragma once

#include "pt-image.h"                /* PtImage */
#include "pt-playground-models.h"
#include "pt-playground-page.h"

G_BEGIN_DECLS

/* One image of the strip, with the answers it got (reference-counted: a
 * request holds the images it asks about). */
typedef struct {
  char       *name;
  PtImage    *image;         /* decoded, full size: what the model sees */
  GdkTexture *texture;       /* for display (at most 1600 px) */
  GtkWidget  *button;        /* its thumbnail in the strip */
  char       *prompt;        /* what it was asked, or NULL */
  char       *answers[PT_BOXES_N_SETS];
  char       *errors[PT_BOXES_N_SETS];
  double      ms[PT_BOXES_N_SETS];
} PlayImage;

PlayImage *pt_play_image_ref   (PlayImage *item);
void       pt_play_image_unref (PlayImage *item);

struct _PtPlaygroundPage
{
  AdwBin                parent_instance;

  GtkFileChooserNative *chooser;
  GPtrArray            *items;           /* of PlayImage* */
  guint                 selected;
  GCancellable         *cancellable;     /* image decoding and asking; cancelled at dispose */

  char                 *base_model_dir;
  char                 *device;
  char                 *prompt_template;

  /* the tuned-model list (parallel to tuned_model) */
  char                 *runs_root;
  GtkStringList        *tuned_model;
  GArray               *tuned_kinds;     /* of PtTunedKind */
  GPtrArray            *tuned_paths;     /* of char* (NULL for none and the "Choose…" items) */
  guint                 tuned_selected;  /* the last real choice (to go back to after a cancelled chooser) */
  char                 *wanted_run;      /* selected once the runs list has it */
  gboolean              updating_list;
  gboolean              runs_loading;

  PtPlaygroundModels   *models;
  GPtrArray            *asking;          /* of PlayImage*: the request's images */
  char                 *result_labels[PT_BOXES_N_SETS];

  /* template children */
  AdwToastOverlay      *toasts;
  GtkDropDown          *tuned_dropdown;
  GtkLabel             *base_label;
  GtkStack             *stack;
  PtImageBoxes         *image_view;
  GtkBox               *thumbs_box;
  GtkLabel             *image_label;
  GtkDropDown          *prefix_dropdown;
  GtkEntry             *question_entry;
  GtkButton            *ask_button;
  GtkStack             *ask_stack;
  GtkSpinner           *ask_spinner;
  GtkLabel             *prompt_label;
  GtkLabel             *base_title;
  GtkLabel             *base_time;
  GtkLabel             *base_answer;
  GtkLabel             *tuned_title;
  GtkLabel             *tuned_time;
  GtkLabel             *tuned_answer;
  GtkWidget            *tuned_card;
};

/* pt-playground-page.c */
void pt_playground_page_toast          (PtPlaygroundPage *self, const char *text);
void pt_playground_page_update_answers (PtPlaygroundPage *self);
void pt_playground_page_update_actions (PtPlaygroundPage *self);

/* pt-playground-page-models.c */
void pt_playground_page_init_models    (PtPlaygroundPage *self);
void pt_playground_page_dispose_models (PtPlaygroundPage *self);
void pt_playground_page_class_init_models (GtkWidgetClass *widget_class);
gboolean pt_playground_page_has_tuned  (PtPlaygroundPage *self);

G_END_DECLS
