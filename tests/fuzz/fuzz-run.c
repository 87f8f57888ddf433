/* fuzz-run.c — a run folder's run.json (hand-edited, damaged, from another
 * version): opening the run and reading its settings, which must then
 * survive their own round trip through JSON; and the same bytes as its
 * metrics.jsonl, read into typed rows (pt_metrics_read). */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput, pt_fuzz_fatal_criticals */

#include <glib/gstdio.h>     /* g_remove */
#include <stdint.h>          /* uint8_t */

#include "pt-metrics.h"
#include "pt-run.h"
#include "pt-settings.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static char *dir;
  g_autofree char *path = NULL;
  g_autofree char *metrics = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTrainSettings) s = NULL;
  PtRun *run;

  pt_fuzz_fatal_criticals ();

  if (dir == NULL)
    dir = g_dir_make_tmp ("pt-fuzz-run-XXXXXX", NULL);
  g_assert (dir != NULL);

  /* settings alone: parse, validate, write, read back the same */
  s = pt_train_settings_from_json ((const char *) data, (gssize) size, &error);
  if (s == NULL)
    g_assert (error != NULL);
  else
    {
      g_autofree char *json = pt_train_settings_to_json (s);
      g_autoptr(PtTrainSettings) back = pt_train_settings_from_json (json, -1, &error);
      g_autofree char *again = NULL;

      g_assert (back != NULL);
      again = pt_train_settings_to_json (back);
      g_assert (g_str_equal (json, again));
      pt_train_settings_validate (s, NULL);
    }
  g_clear_error (&error);

  /* the whole run folder */
  path = g_build_filename (dir, "run.json", NULL);
  g_assert (g_file_set_contents (path, (const char *) data, (gssize) size, NULL));
  run = pt_run_open (dir, &error);
  if (run == NULL)
    g_assert (error != NULL);
  else
    {
      g_autoptr(JsonNode) last = NULL;
      g_assert (pt_run_get_settings (run) != NULL);
      (void) pt_run_get_name (run);
      (void) pt_run_status_to_string (pt_run_get_status (run));
      (void) pt_run_get_error (run);
      g_assert (pt_run_get_step (run) >= 0);
      g_assert (pt_run_get_total_steps (run) >= 0);
      g_assert (pt_run_get_step (run) <= pt_run_get_total_steps (run));
      g_assert (pt_run_get_duration (run) >= 0);
      pt_run_free (run);
    }

  /* metrics.jsonl: every row typed, or skipped */
  metrics = g_build_filename (dir, "metrics.jsonl", NULL);
  g_assert (g_file_set_contents (metrics, (const char *) data, (gssize) size, NULL));
  rows = pt_metrics_read (dir, -1, NULL);
  g_assert (rows != NULL);
  for (guint i = 0; i < rows->len; i++)
    {
      PtMetricsRow *row = rows->pdata[i];
      g_assert (row->step >= 0);
      g_assert (row->kind == PT_METRICS_TRAIN || row->eval != NULL);
    }
  g_assert (g_remove (metrics) == 0);
  return 0;
}
