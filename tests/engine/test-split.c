/* test-split.c — seeded train/validation split and per-epoch shuffles. */
#include "config.h"

#include <math.h>        /* fabs */
#include <string.h>

#include "dataset-test-util.h"
#include "pt-error.h"
#include "pt-split.h"

/* n usable records (and a few broken lines among them). */
static PtDataset *
dataset_of (guint n, guint broken_every)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      if (broken_every > 0 && i % broken_every == 0)
        g_string_append (text, "{broken\n");
      g_string_append_printf (text, "{\"image\": \"%u.png\", \"question\": \"q\", \"answer\": \"a\"}\n", i);
    }
  return load_text (text->str, PT_DATASET_FORMAT_JSONL, "/d");
}

static void
assert_partition (PtDataset *ds, const PtSplit *s)
{
  guint n;
  g_autofree guint *usable = pt_dataset_get_usable (ds, &n);
  g_autofree guint8 *side = g_new0 (guint8, pt_dataset_get_n_records (ds));

  g_assert_cmpuint (s->n_train + s->n_val, ==, n);
  for (guint i = 0; i < s->n_train; i++)
    {
      g_assert_true (pt_dataset_record_is_usable (ds, s->train[i]));
      g_assert_cmpuint (side[s->train[i]]++, ==, 0);
      if (i > 0)
        g_assert_cmpuint (s->train[i - 1], <, s->train[i]);
    }
  for (guint i = 0; i < s->n_val; i++)
    {
      g_assert_true (pt_dataset_record_is_usable (ds, s->val[i]));
      g_assert_cmpuint (side[s->val[i]]++, ==, 0);
      if (i > 0)
        g_assert_cmpuint (s->val[i - 1], <, s->val[i]);
    }
}

static void
test_split_sizes (void)
{
  g_autoptr(PtDataset) ds = dataset_of (95, 10);   /* 95 usable, 10 broken lines */
  static const struct { double split; guint n_val; } cases[] = {
    { 0, 0 }, { 0.1, 10 }, { 0.5, 48 }, { 0.01, 1 }, { 0.98, 94 }, { 1, 1 }, { 30, 30 }, { 94, 94 },
  };

  g_assert_cmpuint (pt_dataset_get_n_usable (ds), ==, 95);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtSplit) s = pt_split_new (ds, cases[i].split, 42, &error);
      g_assert_no_error (error);
      /* a fraction is rounded up, as datasets' train_test_split: ceil(0.1 · 95) = 10 */
      g_assert_cmpuint (s->n_val, ==, cases[i].n_val);
      assert_partition (ds, s);
    }
  {
    const double bad[] = { 95, 200, 2.5, -0.1, NAN };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr(GError) error = NULL;
        g_autoptr(PtSplit) s = pt_split_new (ds, bad[i], 42, &error);
        g_assert_null (s);
        g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
      }
  }
}

static void
test_split_determinism (void)
{
  g_autoptr(PtDataset) ds = dataset_of (1000, 0);
  g_autoptr(PtSplit) a = pt_split_new (ds, 0.1, 7, NULL);
  g_autoptr(PtSplit) b = pt_split_new (ds, 0.1, 7, NULL);
  g_autoptr(PtSplit) c = pt_split_new (ds, 0.1, 8, NULL);
  guint same = 0;

  g_assert_cmpmem (a->val, a->n_val * sizeof (guint), b->val, b->n_val * sizeof (guint));
  g_assert_cmpmem (a->train, a->n_train * sizeof (guint), b->train, b->n_train * sizeof (guint));
  /* another seed draws another validation set: about 10% overlap by chance */
  for (guint i = 0, j = 0; i < a->n_val && j < c->n_val;)
    {
      if (a->val[i] == c->val[j])
        same++, i++, j++;
      else if (a->val[i] < c->val[j])
        i++;
      else
        j++;
    }
  g_assert_cmpuint (same, <, 30);
  /* the validation records are spread over the file, not a block */
  g_assert_cmpuint (a->val[0], <, 100);
  g_assert_cmpuint (a->val[a->n_val - 1], >, 900);
}

/* A record's side depends on its own index: breaking other records moves none across. */
static void
test_split_stability (void)
{
  g_autoptr(PtDataset) ds = dataset_of (200, 0);
  g_autoptr(PtSplit) before = pt_split_new (ds, 20, 3, NULL);
  g_autoptr(PtSplit) after = NULL;
  guint dropped = before->train[5];

  pt_dataset_add_problem (ds, (int) dropped, PT_PROBLEM_LOAD_FAILED, "gone");
  after = pt_split_new (ds, 20, 3, NULL);
  g_assert_cmpmem (before->val, before->n_val * sizeof (guint), after->val, after->n_val * sizeof (guint));
  g_assert_cmpuint (after->n_train, ==, before->n_train - 1);
}

static void
test_separate_validation (void)
{
  g_autoptr(PtDataset) train = dataset_of (30, 0);
  g_autoptr(PtDataset) val = dataset_of (7, 3);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSplit) s = pt_split_new_separate (train, val, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (s->n_train, ==, 30);
  g_assert_cmpuint (s->n_val, ==, 7);
  g_assert_true (s->val_dataset == val);
}

/* Epoch orders: a permutation of the training records, a function of (seed, epoch). */
static void
test_epoch_order (void)
{
  g_autoptr(PtDataset) ds = dataset_of (500, 0);
  g_autoptr(PtSplit) s = pt_split_new (ds, 0.1, 11, NULL);
  g_autofree guint *e0 = pt_split_epoch_order (s, 11, 0);
  g_autofree guint *e0b = pt_split_epoch_order (s, 11, 0);
  g_autofree guint *e1 = pt_split_epoch_order (s, 11, 1);
  g_autofree guint *other = pt_split_epoch_order (s, 12, 0);
  g_autofree guint8 *seen = g_new0 (guint8, 500);
  guint fixed = 0;

  g_assert_cmpmem (e0, s->n_train * sizeof (guint), e0b, s->n_train * sizeof (guint));
  g_assert_true (memcmp (e0, e1, s->n_train * sizeof (guint)) != 0);
  g_assert_true (memcmp (e0, other, s->n_train * sizeof (guint)) != 0);
  for (guint i = 0; i < s->n_train; i++)
    {
      g_assert_true (pt_dataset_record_is_usable (ds, e0[i]));
      g_assert_cmpuint (seen[e0[i]]++, ==, 0);
      fixed += e0[i] == s->train[i];
    }
  g_assert_cmpuint (fixed, <, 10);   /* ~1 expected for a random permutation */
  g_assert_cmpuint (pt_epoch_n_batches (450, 16, FALSE), ==, 29);
  g_assert_cmpuint (pt_epoch_n_batches (450, 16, TRUE), ==, 28);
}

/* Fisher-Yates draws every permutation equally often: over 6000 epochs each
 * of the 3! orders of three records appears 1000 ± 4σ (σ ≈ 28.9) times. */
static void
test_shuffle_uniform (void)
{
  guint counts[6] = { 0 };
  const guint n = 6000;
  double chi2 = 0;

  for (guint e = 0; e < n; e++)
    {
      guint v[3] = { 0, 1, 2 };
      pt_shuffle (v, 3, 99, e);
      counts[v[0] * 2 + (v[1] > v[2])]++;
    }
  for (guint i = 0; i < 6; i++)
    {
      double d = counts[i] - n / 6.0;
      g_assert_cmpfloat (fabs (d), <, 4 * 28.9);
      chi2 += d * d / (n / 6.0);
    }
  /* χ² with 5 degrees of freedom: 20.5 is the 0.999 quantile */
  g_assert_cmpfloat (chi2, <, 20.5);
  /* and every position of a longer shuffle is uniform too */
  {
    guint first[10] = { 0 };
    for (guint e = 0; e < 10000; e++)
      {
        guint v[10];
        for (guint i = 0; i < 10; i++)
          v[i] = i;
        pt_shuffle (v, 10, 5, e);
        first[v[0]]++;
      }
    for (guint i = 0; i < 10; i++)
      g_assert_cmpfloat (fabs (first[i] - 1000.0), <, 4 * 30.0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/split/sizes", test_split_sizes);
  g_test_add_func ("/engine/split/determinism", test_split_determinism);
  g_test_add_func ("/engine/split/stability", test_split_stability);
  g_test_add_func ("/engine/split/separate-validation", test_separate_validation);
  g_test_add_func ("/engine/split/epoch-order", test_epoch_order);
  g_test_add_func ("/engine/split/shuffle-uniform", test_shuffle_uniform);
  return g_test_run ();
}
