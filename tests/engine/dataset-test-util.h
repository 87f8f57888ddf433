/* dataset-test-util.h — helpers shared by the dataset tests. */
#pragma once

#include <string.h>

#include "pt-dataset.h"

/* The fixture path tests/fixtures/data/NAME. */
static inline char *
fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "data", name, NULL);
}

/* The first problem reported on line into *p; FALSE if there is none. */
static inline gboolean
first_problem_at (PtDataset *ds, guint line, PtProblem *p)
{
  for (guint i = 0; i < pt_dataset_get_n_problems (ds); i++)
    {
      g_assert_true (pt_dataset_get_problem (ds, i, p));
      if (p->line == line)
        return TRUE;
    }
  return FALSE;
}

/* The kind of the first problem reported on line, or PT_PROBLEM_NONE. */
static inline PtProblemKind
problem_at (PtDataset *ds, guint line)
{
  PtProblem p;

  return first_problem_at (ds, line, &p) ? p.kind : PT_PROBLEM_NONE;
}

/* Its reason, or NULL. */
static inline const char *
reason_at (PtDataset *ds, guint line)
{
  PtProblem p;

  return first_problem_at (ds, line, &p) ? p.reason : NULL;
}

/* Problems on lines other than those listed (0-terminated) fail the test. */
static inline void
assert_problem_lines (PtDataset *ds, const guint *lines)
{
  for (guint i = 0; i < pt_dataset_get_n_problems (ds); i++)
    {
      PtProblem p;
      gboolean expected = FALSE;
      g_assert_true (pt_dataset_get_problem (ds, i, &p));
      for (const guint *l = lines; *l; l++)
        expected |= *l == p.line;
      if (!expected)
        g_error ("unexpected problem at %s:%u: %s", p.file, p.line, p.reason);
    }
}

/* Loads text as format from memory, relative paths under base_dir. */
static inline PtDataset *
load_text (const char *text, PtDatasetFormat format, const char *base_dir)
{
  g_autoptr(GError) error = NULL;
  PtDataset *ds = pt_dataset_load_from_data (text, strlen (text), format, "mem", base_dir, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  return ds;
}

/* The record on line (its index), or -1. */
static inline int
record_on_line (PtDataset *ds, guint line)
{
  for (guint i = 0; i < pt_dataset_get_n_records (ds); i++)
    {
      PtRecord r;
      pt_dataset_get_record (ds, i, &r);
      if (r.line == line)
        return (int) i;
    }
  return -1;
}
