/* fuzz-vqa.c — the VQAv2 reader: the input is "questions JSON \0 annotations JSON". */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput, pt_fuzz_fatal_criticals */

#include <stdint.h>        /* uint8_t */
#include <string.h>        /* memchr */

#include "fuzz-dataset.h"    /* pt_fuzz_check_dataset */

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
  pt_fuzz_check_dataset (ds, error);
  return 0;
}
