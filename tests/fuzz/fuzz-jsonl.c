/* fuzz-jsonl.c — the JSON Lines reader (and format detection) on arbitrary bytes. */
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

  pt_dataset_detect_format ((const char *) data, size, "fuzz", NULL);
  ds = pt_dataset_load_from_data ((const char *) data, size, PT_DATASET_FORMAT_JSONL, "fuzz.jsonl",
                                  "/nonexistent", &error);
  if (ds != NULL)
    {
      g_autoptr(PtDatasetStats) st = pt_dataset_compute_stats (ds);
      g_autoptr(JsonNode) report = pt_dataset_report_to_json (ds, st, 0, 0);
      for (guint i = 0; i < pt_dataset_get_n_records (ds); i++)
        {
          PtRecord r;
          g_autofree char *reason = pt_dataset_get_record_reason (ds, i);
          g_autofree char *prompt = pt_dataset_get_prompt (ds, i, NULL);
          pt_dataset_get_record (ds, i, &r);
          for (guint k = 0; k < r.n_answers; k++)
            g_assert (pt_dataset_get_answer (ds, i, k) != NULL);
          g_assert (g_utf8_validate (r.question, -1, NULL));
          g_assert (g_utf8_validate (r.answer, -1, NULL));
        }
    }
  return 0;
}
