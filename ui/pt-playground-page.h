/* pt-playground-page.h — the Playground page: drop, open or paste images,
 * pick a task prefix and type a prompt, and Ask: the base model and the
 * tuned model answer side by side, each with its generation time, and
 * detection answers (<locNNNN>) are drawn as boxes on the image in the two
 * models' colours.
 *
 * The base model is the Train page's model folder (the application keeps it
 * in step); "tuned" is a run, one of its checkpoints or a PEFT adapter
 * folder. Models load and answer in worker threads (PtPlaygroundModels). */
#pragma once

#include <adwaita.h>

#include "pt-image.h"          /* PtImage */
#include "pt-image-boxes.h"

G_BEGIN_DECLS

#define PT_TYPE_PLAYGROUND_PAGE (pt_playground_page_get_type ())

G_DECLARE_FINAL_TYPE (PtPlaygroundPage, pt_playground_page, PT, PLAYGROUND_PAGE, AdwBin)

typedef enum {
  PT_PROMPT_ANSWER,      /* the training prompt template ("answer {question}") */
  PT_PROMPT_CAPTION,     /* "caption en" */
  PT_PROMPT_DESCRIBE,    /* "describe en" */
  PT_PROMPT_DETECT,      /* "detect circle ; star" */
  PT_PROMPT_OCR,         /* "ocr" (the mix checkpoints' text reading) */
  PT_PROMPT_SEGMENT,     /* "segment circle" */
  PT_PROMPT_FREE,        /* as typed */
} PtPromptPrefix;

GtkWidget  *pt_playground_page_new              (void);
/* The file chooser (several images at once). */
void        pt_playground_page_open_image       (PtPlaygroundPage *self);
/* Shows file alone (NULL: back to the empty state), decoding it now; FALSE
 * with error when it is not an image PaliTune can read. */
gboolean    pt_playground_page_set_image        (PtPlaygroundPage *self, GFile *file, GError **error);
/* Adds images, decoded in worker threads (drop, chooser). */
void        pt_playground_page_add_files        (PtPlaygroundPage *self, GFile **files, guint n);
guint       pt_playground_page_get_n_images     (PtPlaygroundPage *self);
/* The decoded pixels of image index, as the models get them. */
const PtImage *pt_playground_page_get_image     (PtPlaygroundPage *self, guint index);
void        pt_playground_page_select_image     (PtPlaygroundPage *self, guint index);

/* What the application keeps in step with the Train page. */
void        pt_playground_page_set_base_model   (PtPlaygroundPage *self, const char *model_dir);
void        pt_playground_page_set_device       (PtPlaygroundPage *self, const char *device);
void        pt_playground_page_set_prompt_template (PtPlaygroundPage *self, const char *template_);
/* Runs listed as tuned models come from runs_root (NULL: pt_runs_default_root ()). */
void        pt_playground_page_set_runs_root    (PtPlaygroundPage *self, const char *runs_root);
void        pt_playground_page_refresh_runs     (PtPlaygroundPage *self);

/* The tuned model: a run, a checkpoint folder, an adapter folder, or none. */
void        pt_playground_page_select_run        (PtPlaygroundPage *self, const char *run_dir);
void        pt_playground_page_select_checkpoint (PtPlaygroundPage *self, const char *checkpoint_dir);
void        pt_playground_page_select_adapter    (PtPlaygroundPage *self, const char *adapter_dir);
void        pt_playground_page_select_no_tuned   (PtPlaygroundPage *self);

/* The prompt: prefix + text. */
void        pt_playground_page_set_prompt       (PtPlaygroundPage *self, PtPromptPrefix prefix,
                                                 const char *text);
/* The prompt Ask sends, e.g. "answer what color is the circle?". */
char       *pt_playground_page_dup_prompt       (PtPlaygroundPage *self);
/* Asks about every image (as the Ask button). FALSE when it cannot now
 * (no image, no model, a request running): the reason shows in a toast. */
gboolean    pt_playground_page_ask              (PtPlaygroundPage *self);
gboolean    pt_playground_page_is_busy          (PtPlaygroundPage *self);

/* The shown image's answers (NULL until asked), as the cards show them. */
const char *pt_playground_page_get_answer       (PtPlaygroundPage *self, PtBoxSet which);
/* Shows answers for the shown image as if the models gave them (tests,
 * and answers pasted from elsewhere). */
void        pt_playground_page_show_answers     (PtPlaygroundPage *self, const char *base_answer,
                                                 const char *tuned_answer);
PtImageBoxes *pt_playground_page_get_image_view (PtPlaygroundPage *self);

G_END_DECLS
