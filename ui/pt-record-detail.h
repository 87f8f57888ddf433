/* pt-record-detail.h — one record of the dataset browser, as the model sees
 * it: the image resized to the model's resolution with the training path's
 * Pillow-exact bicubic, the question, answers, types, where it comes from,
 * its problem, and — given the Train page's tokenizer — the prompt as
 * tokens (PtTokenView) with the counts, a truncation warning over the
 * maximum text length and a warning for a prompt without a PaliGemma task
 * prefix.
 */
#pragma once

#include <adwaita.h>

#include "pt-dataset.h"          /* PtDataset */
#include "pt-model-tokenizer.h"
#include "pt-token-view.h"

G_BEGIN_DECLS

typedef enum {
  PT_DETAIL_IMAGE_NONE,
  PT_DETAIL_IMAGE_LOADING,
  PT_DETAIL_IMAGE_SHOWN,
  PT_DETAIL_IMAGE_FAILED,
} PtDetailImageState;

#define PT_TYPE_RECORD_DETAIL (pt_record_detail_get_type ())

G_DECLARE_FINAL_TYPE (PtRecordDetail, pt_record_detail, PT, RECORD_DETAIL, AdwBin)

GtkWidget          *pt_record_detail_new              (void);
/* dataset NULL clears. */
void                pt_record_detail_set_record       (PtRecordDetail *self, PtDataset *dataset,
                                                       guint index);
guint               pt_record_detail_get_index        (PtRecordDetail *self);
/* tokenizer NULL: hint says why there are no tokens (how to get them). */
void                pt_record_detail_set_tokenizer    (PtRecordDetail *self, PtModelTokenizer *tokenizer,
                                                       const char *hint);
/* The Train page's settings that shape the input: prompt template (NULL:
 * "answer {question}"), maximum text length (0: none), resolution (0: the
 * checkpoint's, else 224 without a tokenizer). */
void                pt_record_detail_set_options      (PtRecordDetail *self, const char *template_,
                                                       int max_text_len, int resolution);
void                pt_record_detail_set_can_navigate (PtRecordDetail *self, gboolean previous,
                                                       gboolean next);

PtTokenView        *pt_record_detail_get_token_view   (PtRecordDetail *self);
PtDetailImageState  pt_record_detail_get_image_state  (PtRecordDetail *self);
/* The side of the image shown (the model resolution). */
int                 pt_record_detail_get_image_size   (PtRecordDetail *self);
/* Text tokens (<bos> … <eos>) of the record, or -1 without a tokenizer. */
int                 pt_record_detail_get_n_text_tokens (PtRecordDetail *self);
gboolean            pt_record_detail_get_truncated    (PtRecordDetail *self);
gboolean            pt_record_detail_get_prefix_warning (PtRecordDetail *self);

G_END_DECLS
