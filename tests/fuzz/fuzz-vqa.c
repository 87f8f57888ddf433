/* fuzz-vqa.c — the VQAv2 reader: the input is "questions JSON \0 annotations JSON". */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput, pt_fuzz_fatal_criticals */

#include <stdint.h>        /* uint8_t */
#include <string.h>        /* memchr */

#include "pt-dataset.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  const char *split = memchr (text, '\0', size);
  g_autoptr(PtDataset) ds = NULL;
  g_autoptr(GError) error = NULL;
  gsize qlen = split ? (gsize) (split - text) : size;

  pt_fuzz_fatal_criticals ();

  ds = pt_dataset_load_vqa_from_data (text, qlen, split ? split + 1 : NULL,
                                      split ? size - qlen - 1 : 0, "/nonexistent", &error);
  if (ds != NULL)
    for (guint i = 0; i < pt_dataset_get_n_records (ds); i++)
      {
        PtRecord r;
        g_autofree char *reason = pt_dataset_get_record_reason (ds, i);
        pt_dataset_get_record (ds, i, &r);
        for (guint k = 0; k < r.n_answers; k++)
          g_assert (pt_dataset_get_answer (ds, i, k) != NULL);
      }
  else
    g_assert (error != NULL);
  return 0;
}
