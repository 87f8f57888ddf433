/* fuzz-csv.c — the CSV/TSV reader on arbitrary bytes. */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput */

#include <stdint.h>        /* uint8_t */

#include "fuzz-dataset.h"    /* pt_fuzz_read_text */

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  /* CSV sniffs its delimiter (comma, semicolon or tab) from the header */
  return pt_fuzz_read_text (data, size, PT_DATASET_FORMAT_CSV, "fuzz.csv");
}
