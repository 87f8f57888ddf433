/* fuzz-csv.c — the CSV/TSV reader on arbitrary bytes. */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput, pt_fuzz_fatal_criticals */

#include <stdint.h>        /* uint8_t */

#include "pt-dataset.h"
#include "pt-dataset-scan.h"   /* statistics over whatever was read */

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
  if (ds != NULL)
    {
      g_autoptr(PtDatasetStats) st = pt_dataset_compute_stats (ds);
      for (guint i = 0; i < pt_dataset_get_n_records (ds); i++)
        {
          PtRecord r;
          g_autofree char *reason = pt_dataset_get_record_reason (ds, i);
          pt_dataset_get_record (ds, i, &r);
          g_assert (g_utf8_validate (r.question, -1, NULL));
          g_assert (g_utf8_validate (r.answer, -1, NULL));
          g_assert (r.image == NULL || g_utf8_validate (r.image, -1, NULL));
        }
    }
  else
    g_assert (error != NULL);
  return 0;
}
