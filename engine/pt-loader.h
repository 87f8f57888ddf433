/* pt-loader.h — worker threads that prepare batches ahead of the trainer.
 *
 * A loader covers one epoch: the records in the epoch's order
 * (pt_split_epoch_order) cut into micro-batches, batch k = order[k·B,
 * (k+1)·B). N threads decode, resize and tokenize records ahead of the
 * trainer; at most `depth` batches are in flight, and pt_loader_next hands
 * them out in order. Which records batch k holds never depends on thread
 * timing. A record that fails to load is left out of its batch (the batch
 * is one row shorter) and reported on the dataset as PT_PROBLEM_LOAD_FAILED
 * with the reason; a batch whose every record fails is skipped. Nothing
 * aborts.
 *
 * Resuming at (epoch, position): the same order, start_batch = position / B.
 * pt_loader_cancel (any thread) makes a blocked pt_loader_next return
 * PT_ERROR_CANCELLED; pt_loader_free cancels, joins the threads and frees
 * whatever was prepared.
 */
#pragma once

#include <gio/gio.h>

#include "pt-batch.h"      /* PtBatch */
#include "pt-dataset.h"    /* PtDataset */
#include "pt-image.h"      /* PtImageOptions */
#include "pt-tokenizer.h"  /* PtTokenizer */

G_BEGIN_DECLS

typedef struct _PtLoader PtLoader;

typedef struct {
  int      batch_size;    /* B, > 0 */
  int      n_threads;     /* 0 = one per processor, less one for the trainer (at least 1) */
  int      depth;         /* batches in flight (being prepared or ready); 0 = 3 */
  guint    start_batch;   /* resume: the first batch to produce */
  gboolean drop_last;     /* leave out a short last batch */
} PtLoaderOptions;

/* How records become batches. prepare runs on the loader threads, several
 * at once: it writes the record's (3, S, S) pixels and returns what collate
 * needs, or NULL with an error (the record is skipped). collate runs on a
 * loader thread once every record of a batch is prepared; examples, pixels
 * and records hold only the n records that succeeded, in order. */
typedef struct {
  gpointer (*prepare)      (gpointer user_data, guint record, float *pixels, GError **error);
  PtBatch *(*collate)      (gpointer user_data, gpointer *examples, const float *const *pixels,
                            const guint *records, int n);
  void     (*free_example) (gpointer example);
  int        image_size;   /* S */
} PtLoaderFuncs;

void      pt_loader_options_init (PtLoaderOptions *options);

/* A loader over order[0..n) (copied). dataset receives the load failures
 * (may be NULL). funcs and user_data must outlive the loader. */
PtLoader *pt_loader_new_custom   (const PtLoaderFuncs *funcs, gpointer user_data,
                                  PtDataset *dataset, const guint *order, guint n,
                                  const PtLoaderOptions *options);

/* The same, with user_data freed by user_data_free when the loader is. */
PtLoader *pt_loader_new_full     (const PtLoaderFuncs *funcs, gpointer user_data,
                                  GDestroyNotify user_data_free, PtDataset *dataset,
                                  const guint *order, guint n, const PtLoaderOptions *options);

/* The PaliGemma loader: each record's image decoded, resized to S × S and
 * normalised (pt_image_load_pixels), its prompt (pt_dataset_get_prompt with
 * the template) and answer encoded (pt_processor_encode), each batch
 * collated by pt_processor_collate. The dataset and tokenizer must outlive
 * the loader (the dataset is referenced); the rest is copied. */
typedef struct {
  PtDataset         *dataset;
  const PtTokenizer *tokenizer;
  int                image_size;        /* S: 224, 448, 896 */
  int                num_image_tokens;  /* (S / patch)²: 256 at 224 */
  int                max_text_len;      /* text tokens per record; 0 = no limit */
  const char        *prompt_template;   /* NULL: "answer {question}" */
  int32_t            pad_id;
  int                pad_to;            /* pad every batch to this length; 0 = its longest row */
  PtImageOptions     image_options;
  gboolean           prompts_only;      /* inference: the prefix alone, no answer (generation) */
} PtLoaderSource;

PtLoader *pt_loader_new          (const PtLoaderSource *source, const guint *order, guint n,
                                  const PtLoaderOptions *options);

/* The next batch in order (blocks until it is ready); *batch_index is its
 * k. NULL without error at the end of the epoch; NULL with
 * PT_ERROR_CANCELLED once cancelled. One consumer thread. */
PtBatch  *pt_loader_next         (PtLoader *loader, guint *batch_index, GError **error);
/* Batches this loader will hand out at most (from start_batch). */
guint     pt_loader_get_n_batches (PtLoader *loader);
/* Records that failed so far. */
guint     pt_loader_get_n_failed (PtLoader *loader);
void      pt_loader_cancel       (PtLoader *loader);
void      pt_loader_free         (PtLoader *loader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtLoader, pt_loader_free)

G_END_DECLS
