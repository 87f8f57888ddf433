/* fuzz-csv.c — the CSV/TSV reader on arbitrary bytes. */
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

  /* CSV sniffs its delimiter (comma, semicolon or tab) from the header */
  pt_dataset_detect_format ((const char *) data, size, "fuzz", NULL);
  ds = pt_dataset_load_from_data ((const char *) data, size, PT_DATASET_FORMAT_CSV, "fuzz.csv",
                                  "/nonexistent", &error);
  pt_fuzz_check_dataset (ds, error);
  return 0;
}
