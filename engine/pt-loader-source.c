/* pt-loader-source.c — the PaliGemma loader: dataset records → pixels + tokens → PtBatch. */
#include "config.h"

#include "pt-error.h"
#include "pt-image.h"           /* pt_image_load_pixels */
#include "pt-loader.h"
#include "pt-processor.h"       /* pt_processor_encode, pt_processor_collate */

typedef struct {
  PtLoaderSource source;        /* template_ owned */
} Source;

static gpointer
source_prepare (gpointer user_data, guint record, float *pixels, GError **error)
{
  Source *s = user_data;
  const PtLoaderSource *src = &s->source;
  g_autofree char *prompt = NULL;
  PtRecord r;

  pt_dataset_get_record (src->dataset, record, &r);
  if (r.image == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s line %u names no image", r.file, r.line);
      return NULL;
    }
  if (!pt_image_load_pixels (r.image, src->image_size, &src->image_options, pixels, error))
    return NULL;
  prompt = pt_dataset_get_prompt (src->dataset, record, src->prompt_template);
  return pt_processor_encode (src->tokenizer, src->num_image_tokens, prompt,
                              src->prompts_only ? NULL : r.answer,
                              src->max_text_len, error);
}

static PtBatch *
source_collate (gpointer user_data, gpointer *examples, const float *const *pixels,
                const guint *records, int n)
{
  Source *s = user_data;

  return pt_processor_collate ((PtEncoded *const *) examples, pixels, records, n, s->source.image_size,
                               s->source.pad_id, s->source.pad_to);
}

static void
source_free_example (gpointer example)
{
  pt_encoded_free (example);
}

static void
source_free (gpointer data)
{
  Source *s = data;

  g_clear_pointer (&s->source.dataset, pt_dataset_unref);
  g_free ((char *) s->source.prompt_template);
  g_free (s);
}

PtLoader *
pt_loader_new (const PtLoaderSource  *source,
               const guint           *order,
               guint                  n,
               const PtLoaderOptions *options)
{
  static const PtLoaderFuncs funcs_template = { source_prepare, source_collate, source_free_example, 0 };
  PtLoaderFuncs funcs = funcs_template;
  Source *s;

  g_return_val_if_fail (source != NULL && source->dataset != NULL && source->tokenizer != NULL, NULL);
  g_return_val_if_fail (source->image_size > 0 && source->num_image_tokens > 0, NULL);
  s = g_new0 (Source, 1);
  s->source = *source;
  s->source.dataset = pt_dataset_ref (source->dataset);
  s->source.prompt_template = g_strdup (source->prompt_template);
  funcs.image_size = source->image_size;
  return pt_loader_new_full (&funcs, s, source_free, source->dataset, order, n, options);
}
