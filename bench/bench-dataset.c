/* bench-dataset.c — indexing speed and memory of the dataset reader.
 *
 * Writes a 100,000-line JSON Lines file (VQAv2-like records: ten
 * ground-truth answers each) to /tmp, then times pt_dataset_load on it
 * (best of three; no image is opened), the statistics, the split and an
 * epoch order, and prints the memory the index holds.
 *
 *   build/bench/bench-dataset [N_RECORDS]
 *   build/bench/bench-dataset PATH
 *       times loading an existing dataset instead (e.g. a 100,000-row
 *       Parquet hub folder from tools/make-hf-fixtures.py --rows 100000)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>        /* strtol */
#include <string.h>
#include <glib/gstdio.h>

#include "bench-util.h"          /* bench_cpu_seconds */
#include "pt-dataset.h"
#include "pt-dataset-scan.h"   /* pt_dataset_compute_stats */
#include "pt-rng.h"            /* pt_rng_hash: reproducible text */
#include "pt-split.h"

static const char *const words[] = {
  "what", "color", "is", "the", "man", "holding", "how", "many", "people", "are", "in", "this",
  "picture", "does", "dog", "have", "a", "collar", "where", "cat", "sitting", "kind", "of", "food",
  "on", "plate", "table", "there", "any", "cars", "street", "which", "side", "sky", "wearing", "hat",
};
static const char *const answers[] = { "yes", "no", "2", "1", "red", "white", "blue", "3", "black",
                                       "green", "tennis", "kitchen", "pizza", "frisbee", "4" };

static long
rss_kib (void)
{
  g_autofree char *status = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL)
      || (p = strstr (status, "VmRSS:")) == NULL)
    return -1;
  return strtol (p + 6, NULL, 10);
}

static char *
write_file (guint n)
{
  g_autofree char *dir = g_build_filename (g_get_tmp_dir (), "pt-bench-dataset", NULL);
  char *path = g_build_filename (dir, "data.jsonl", NULL);
  FILE *f;

  g_mkdir_with_parents (dir, 0755);
  f = fopen (path, "w");
  g_assert (f != NULL);
  for (guint i = 0; i < n; i++)
    {
      guint64 h = pt_rng_hash (7, i);
      guint nw = 5 + h % 6;
      const char *answer = answers[(h >> 8) % G_N_ELEMENTS (answers)];
      fprintf (f, "{\"image\": \"images/COCO_train2014_%012u.jpg\", \"question\": \"", i / 5);
      for (guint w = 0; w < nw; w++)
        fprintf (f, "%s%s", w ? " " : "", words[pt_rng_hash (i, w) % G_N_ELEMENTS (words)]);
      fprintf (f, "?\", \"multiple_choice_answer\": \"%s\", \"answers\": [", answer);
      for (guint k = 0; k < 10; k++)
        fprintf (f, "%s{\"answer\": \"%s\", \"answer_confidence\": \"yes\", \"answer_id\": %u}", k ? ", " : "",
                 k < 7 ? answer : answers[pt_rng_hash (i, 100 + k) % G_N_ELEMENTS (answers)], k + 1);
      fprintf (f, "], \"question_type\": \"%s %s\", \"answer_type\": \"%s\", \"question_id\": %u}\n",
               words[h % 8], words[(h >> 4) % 8], (h >> 12) % 3 == 0 ? "yes/no" : "other", i);
    }
  fclose (f);
  return path;
}

int
main (int argc, char **argv)
{
  gboolean given = argc > 1 && g_file_test (argv[1], G_FILE_TEST_EXISTS);
  guint n = argc > 1 && !given ? (guint) strtol (argv[1], NULL, 10) : 100000;
  g_autofree char *path = given ? g_strdup (argv[1]) : write_file (n);
  GStatBuf st;
  double best = 1e9, best_cpu = 1e9;
  long rss_before, rss_after = 0;
  g_autoptr(PtDataset) keep = NULL;

  g_stat (path, &st);
  if (given)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtDataset) ds = pt_dataset_load (path, PT_DATASET_FORMAT_AUTO, NULL, &error);
      g_assert_no_error (error);
      n = pt_dataset_get_n_records (ds);
      printf ("dataset    %s: %u records (%s)\n", path, n,
              pt_dataset_format_to_string (pt_dataset_get_format (ds)));
    }
  else
    printf ("file       %s: %u records, %.1f MB\n", path, n, st.st_size / 1e6);
  rss_before = rss_kib ();
  for (int rep = 0; rep < 3; rep++)
    {
      g_autoptr(GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      double c0 = bench_cpu_seconds ();
      PtDataset *ds = pt_dataset_load (path, PT_DATASET_FORMAT_AUTO, NULL, &error);
      double s = (g_get_monotonic_time () - t0) / 1e6;
      g_assert_no_error (error);
      g_assert (pt_dataset_get_n_records (ds) == n);
      best = MIN (best, s);
      best_cpu = MIN (best_cpu, bench_cpu_seconds () - c0);
      if (rep == 0)
        {
          keep = ds;
          rss_after = rss_kib ();
        }
      else
        pt_dataset_unref (ds);
    }
  printf ("index      %.3f s wall, %.3f s CPU (best of 3): %.0f records/s", best, best_cpu,
          n / best);
  if (!given)
    printf (", %.0f MB/s", st.st_size / 1e6 / best);
  printf ("\n");
  printf ("memory     %.1f MB held by the index (%.0f bytes/record); RSS +%.1f MB after the first load\n",
          pt_dataset_get_memory_size (keep) / 1e6, (double) pt_dataset_get_memory_size (keep) / n,
          (rss_after - rss_before) / 1024.0);
  {
    gint64 t0 = g_get_monotonic_time ();
    g_autoptr(PtDatasetStats) stats = pt_dataset_compute_stats (keep);
    printf ("statistics %.3f s (%u distinct answers)\n", (g_get_monotonic_time () - t0) / 1e6,
            stats->answers->len);
  }
  {
    gint64 t0 = g_get_monotonic_time ();
    g_autoptr(PtSplit) split = pt_split_new (keep, 0.1, 42, NULL);
    g_autofree guint *order = pt_split_epoch_order (split, 42, 3);
    printf ("split      %.3f s for a 10%% split and one epoch order\n", (g_get_monotonic_time () - t0) / 1e6);
  }
  if (!given)
    g_unlink (path);
  return 0;
}
