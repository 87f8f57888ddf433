/* fuzz-dataset.h — what the dataset readers' targets (csv, jsonl, vqa)
 * check on whatever they read (header-only, like fuzz-common.h). */
#pragma once

#include <glib.h>
#include <stdint.h>            /* uint8_t */

#include "fuzz-common.h"       /* pt_fuzz_fatal_criticals */

#include "pt-dataset.h"
#include "pt-dataset-scan.h"   /* statistics and the report over whatever was read */

/* A reader's result: NULL only with an error; else its statistics and report
 * build, and every record reads back with valid UTF-8 texts, a reason, a
 * prompt and all its answers. */
static inline void
pt_fuzz_check_dataset (PtDataset    *ds,
                       const GError *error)
{
  g_autoptr(PtDatasetStats) st = NULL;
  g_autoptr(JsonNode) report = NULL;

  if (ds == NULL)
    {
      g_assert (error != NULL);
      return;
    }
  st = pt_dataset_compute_stats (ds);
  report = pt_dataset_report_to_json (ds, st, 0, 0);
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
      g_assert (r.image == NULL || g_utf8_validate (r.image, -1, NULL));
    }
}

/* The whole target for a one-file text format: format detection on the
 * bytes, then the reader of format on them, checked as above. */
static inline int
pt_fuzz_read_text (const uint8_t  *data,
                   size_t          size,
                   PtDatasetFormat format,
                   const char     *name)
{
  g_autoptr(PtDataset) ds = NULL;
  g_autoptr(GError) error = NULL;

  pt_fuzz_fatal_criticals ();

  pt_dataset_detect_format ((const char *) data, size, "fuzz", NULL);
  ds = pt_dataset_load_from_data ((const char *) data, size, format, name, "/nonexistent", &error);
  pt_fuzz_check_dataset (ds, error);
  return 0;
}
