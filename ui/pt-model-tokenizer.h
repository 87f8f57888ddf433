/* pt-model-tokenizer.h — the tokenizer of the model folder chosen on the
 * Train page, with what the Data page needs to know about the model to
 * show prompts as the model sees them.
 *
 * Loads MODEL_DIR/tokenizer.model and, when present, MODEL_DIR/config.json
 * (pt_model_config_load: image_token_index, the vision tower's image_size
 * and patch_size) on a worker thread. Without a config the PaliGemma
 * defaults apply (224 px, patch 14: 256 image tokens). Immutable once
 * loaded; shared by reference.
 */
#pragma once

#include <gio/gio.h>

#include "pt-dataset.h"     /* PtDataset */
#include "pt-tokenizer.h"   /* PtTokenizer */

G_BEGIN_DECLS

typedef struct {
  PtTokenizer *tokenizer;
  char        *model_dir;
  int          image_size;   /* the checkpoint's resolution (config.json), pixels */
  int          patch_size;
} PtModelTokenizer;

#define PT_TYPE_MODEL_TOKENIZER (pt_model_tokenizer_get_type ())

GType             pt_model_tokenizer_get_type   (void) G_GNUC_CONST;
PtModelTokenizer *pt_model_tokenizer_ref        (PtModelTokenizer *self);
void              pt_model_tokenizer_unref      (PtModelTokenizer *self);

/* Blocking load. A folder without tokenizer.model is PT_ERROR_IO with a
 * message that says so. */
PtModelTokenizer *pt_model_tokenizer_load       (const char *model_dir, GError **error);
void              pt_model_tokenizer_load_async (const char *model_dir, GCancellable *cancellable,
                                                 GAsyncReadyCallback callback, gpointer user_data);
PtModelTokenizer *pt_model_tokenizer_load_finish (GAsyncResult *result, GError **error);

/* The resolution images are fed at: resolution (the setting) or, when it
 * is 0, the checkpoint's. */
int               pt_model_tokenizer_get_resolution  (PtModelTokenizer *self, int resolution);
/* (resolution / patch)² image tokens. */
int               pt_model_tokenizer_n_image_tokens  (PtModelTokenizer *self, int resolution);

/* Text tokens of a training example: <bos> prompt "\n" answer <eos>
 * (what max_text_len counts); < 0 if the text does not encode. */
int               pt_model_tokenizer_count           (PtModelTokenizer *self, const char *prompt,
                                                      const char *answer);

/* Counts every usable record of dataset on a worker thread (prompts from
 * template, NULL = "answer {question}"). The result is a guint16 per
 * record (0 for unusable ones), g_free it. */
void              pt_model_tokenizer_count_dataset_async  (PtModelTokenizer *self, PtDataset *dataset,
                                                           const char *template_,
                                                           GCancellable *cancellable,
                                                           GAsyncReadyCallback callback,
                                                           gpointer user_data);
guint16          *pt_model_tokenizer_count_dataset_finish (GAsyncResult *result, GError **error);

/* The first word of prompt when it is one of PaliGemma's task prefixes
 * ("answer", "caption", "detect"…), else NULL. */
const char       *pt_model_tokenizer_task_prefix (const char *prompt);
/* The known task prefixes, NULL-terminated. */
const char *const *pt_model_tokenizer_task_prefixes (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtModelTokenizer, pt_model_tokenizer_unref)

G_END_DECLS
