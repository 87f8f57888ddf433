/* fuzz-jsonl.c — the JSON Lines reader (and format detection) on arbitrary bytes. */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput, pt_fuzz_fatal_criticals */

#include <stdint.h>        /* uint8_t */

#include "fuzz-dataset.h"    /* pt_fuzz_check_dataset */

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(PtDataset) ds = NULL;
  g_autoptr(GError) error = NULL;

  pt_fuzz_fatal_criticals ();

  pt_dataset_detect_format ((const char *) data, size, "fuzz", NULL);
  ds = pt_dataset_load_from_data ((const char *) data, size, PT_DATASET_FORMAT_JSONL, "fuzz.jsonl",
                                  "/nonexistent", &error);
  pt_fuzz_check_dataset (ds, error);
  return 0;
}
