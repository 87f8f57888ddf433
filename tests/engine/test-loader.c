/* test-loader.c — the batch loader: order, determinism under any timing,
 * failures, resume, cancel and shutdown (with stand-in prepare/collate). */
#include "config.h"

#include <string.h>

#include "dataset-test-util.h"
#include "pt-error.h"
#include "pt-loader.h"
#include "pt-processor.h"  /* pt_processor_encode: the reference rows */
#include "pt-rng.h"        /* pt_rng_hash: jittered timing */

#define S 2                /* image size of the stand-in batches */

typedef struct {
  guint    fail_mod;       /* records with record % fail_mod == fail_rem fail */
  guint    fail_rem;
  guint    jitter_us;      /* prepare sleeps up to this long */
  gint     prepared;       /* atomic */
  gint     live;           /* examples not yet freed (atomic) */
  GMutex   gate_lock;      /* held by the test to stall prepare */
  gboolean use_gate;
} Fake;

typedef struct {
  guint record;
} Example;

static gpointer
fake_prepare (gpointer user_data, guint record, float *pixels, GError **error)
{
  Fake *f = user_data;
  Example *ex;

  if (f->use_gate)
    {
      g_mutex_lock (&f->gate_lock);
      g_mutex_unlock (&f->gate_lock);
    }
  if (f->jitter_us > 0)
    g_usleep (pt_rng_hash (record, 1) % f->jitter_us);
  g_atomic_int_inc (&f->prepared);
  if (f->fail_mod > 0 && record % f->fail_mod == f->fail_rem)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "record %u is broken", record);
      return NULL;
    }
  for (int i = 0; i < 3 * S * S; i++)
    pixels[i] = (float) record;
  ex = g_new (Example, 1);
  ex->record = record;
  g_atomic_int_inc (&f->live);
  return ex;
}

static PtBatch *
fake_collate (gpointer user_data, gpointer *examples, const float *const *pixels,
              const guint *records, int n)
{
  PtBatch *b = pt_batch_new (n, 1, S);

  for (int i = 0; i < n; i++)
    {
      const Example *ex = examples[i];
      g_assert_cmpuint (ex->record, ==, records[i]);
      g_assert_cmpfloat (pixels[i][0], ==, (float) records[i]);
      memcpy (b->pixels + (gsize) i * 3 * S * S, pixels[i], sizeof (float) * 3 * S * S);
      b->record_index[i] = records[i];
      b->input_ids[i] = (int32_t) ex->record;
    }
  return b;
}

static Fake *current_fake;

static void
fake_free (gpointer example)
{
  g_atomic_int_add (&current_fake->live, -1);
  g_free (example);
}

static const PtLoaderFuncs funcs = { fake_prepare, fake_collate, fake_free, S };

static PtDataset *
dataset_of (guint n)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append_printf (text, "{\"image\": \"%u.png\", \"question\": \"q\", \"answer\": \"a\"}\n", i);
  return load_text (text->str, PT_DATASET_FORMAT_JSONL, "/d");
}

/* The order 0..n-1 reversed and interleaved: anything but sorted. */
static guint *
make_order (guint n)
{
  guint *order = g_new (guint, n);
  for (guint i = 0; i < n; i++)
    order[i] = (i * 37 + 11) % n;   /* n coprime to 37 */
  return order;
}

/* Runs a loader to the end: "k:r r r|k:r r|…" */
static char *
run (Fake *f, PtDataset *ds, const guint *order, guint n, int B, int threads, int depth,
     guint start, gboolean drop_last)
{
  PtLoaderOptions o;
  g_autoptr(PtLoader) l = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  PtBatch *b;
  guint k;
  g_autoptr(GError) error = NULL;

  pt_loader_options_init (&o);
  o.batch_size = B;
  o.n_threads = threads;
  o.depth = depth;
  o.start_batch = start;
  o.drop_last = drop_last;
  current_fake = f;
  l = pt_loader_new_custom (&funcs, f, ds, order, n, &o);
  while ((b = pt_loader_next (l, &k, &error)) != NULL)
    {
      g_string_append_printf (out, "%u:", k);
      for (int i = 0; i < b->B; i++)
        {
          g_assert_cmpint (b->input_ids[i], ==, (int32_t) b->record_index[i]);
          g_assert_cmpfloat (b->pixels[(gsize) i * 3 * S * S + 5], ==, (float) b->record_index[i]);
          g_string_append_printf (out, "%s%u", i ? " " : "", b->record_index[i]);
        }
      g_string_append_c (out, '|');
      pt_batch_free (b);
    }
  g_assert_no_error (error);
  g_clear_pointer (&l, pt_loader_free);
  g_assert_cmpint (g_atomic_int_get (&f->live), ==, 0);
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* What the batches must be, computed directly from the order. */
static char *
expected (const Fake *f, const guint *order, guint n, guint B, guint start, gboolean drop_last)
{
  GString *out = g_string_new (NULL);
  guint n_batches = drop_last ? n / B : (n + B - 1) / B;

  for (guint k = start; k < n_batches; k++)
    {
      GString *rows = g_string_new (NULL);
      for (guint i = k * B; i < MIN ((k + 1) * B, n); i++)
        if (!(f->fail_mod > 0 && order[i] % f->fail_mod == f->fail_rem))
          g_string_append_printf (rows, "%s%u", rows->len ? " " : "", order[i]);
      if (rows->len > 0)
        g_string_append_printf (out, "%u:%s|", k, rows->str);
      g_string_free (rows, TRUE);
    }
  return g_string_free (out, FALSE);
}

static void
test_order_and_determinism (void)
{
  const guint n = 103;
  g_autoptr(PtDataset) ds = dataset_of (n);
  g_autofree guint *order = make_order (n);
  Fake f = { 7, 3, 300, 0, 0, { 0 }, FALSE };
  g_autofree char *want = expected (&f, order, n, 8, 0, FALSE);
  const int threads[] = { 1, 2, 5, 16 };
  const int depths[] = { 1, 2, 7 };

  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    for (guint d = 0; d < G_N_ELEMENTS (depths); d++)
      {
        g_autofree char *got = run (&f, ds, order, n, 8, threads[t], depths[d], 0, FALSE);
        g_assert_cmpstr (got, ==, want);
      }
  /* every failure was reported on its record */
  {
    guint failed = 0;
    for (guint i = 0; i < pt_dataset_get_n_problems (ds); i++)
      {
        PtProblem p;
        pt_dataset_get_problem (ds, i, &p);
        g_assert_cmpint (p.kind, ==, PT_PROBLEM_LOAD_FAILED);
        g_assert_cmpint ((guint) p.record % 7, ==, 3);
        g_assert_nonnull (strstr (p.reason, "is broken"));
        failed++;
      }
    g_assert_cmpuint (failed, ==, 15);   /* once each, though every run met them */
    g_assert_false (pt_dataset_record_is_usable (ds, 3));
    g_assert_true (pt_dataset_record_is_usable (ds, 4));
  }
}

static void
test_resume_and_drop_last (void)
{
  const guint n = 50;
  g_autoptr(PtDataset) ds = dataset_of (n);
  g_autofree guint *order = make_order (n);
  Fake f = { 0, 0, 100, 0, 0, { 0 }, FALSE };
  g_autofree char *full = run (&f, ds, order, n, 6, 3, 2, 0, FALSE);
  g_autofree char *tail = run (&f, ds, order, n, 6, 3, 2, 5, FALSE);
  g_autofree char *dropped = run (&f, ds, order, n, 6, 3, 2, 0, TRUE);
  g_autofree char *past_end = run (&f, ds, order, n, 6, 3, 2, 99, FALSE);
  g_autofree char *want_full = expected (&f, order, n, 6, 0, FALSE);
  g_autofree char *want_tail = expected (&f, order, n, 6, 5, FALSE);
  g_autofree char *want_dropped = expected (&f, order, n, 6, 0, TRUE);

  g_assert_cmpstr (full, ==, want_full);
  g_assert_cmpstr (tail, ==, want_tail);
  g_assert_true (g_str_has_suffix (full, tail));
  g_assert_true (g_str_has_prefix (tail, "5:"));
  g_assert_cmpstr (dropped, ==, want_dropped);
  g_assert_true (g_str_has_suffix (dropped, "|") && strstr (dropped, "8:") == NULL);
  g_assert_cmpstr (past_end, ==, "");
}

/* A batch whose every record fails is skipped; the rest keep their numbers. */
static void
test_all_failed_batch (void)
{
  const guint n = 12;
  g_autoptr(PtDataset) ds = dataset_of (n);
  guint order[12] = { 0, 3, 6, 9, 1, 2, 4, 5, 7, 8, 10, 11 };
  Fake f = { 3, 0, 0, 0, 0, { 0 }, FALSE };   /* 0 3 6 9 fail: batch 0 */
  g_autofree char *got = run (&f, ds, order, n, 4, 2, 2, 0, FALSE);

  g_assert_cmpstr (got, ==, "1:1 2 4 5|2:7 8 10 11|");
}

typedef struct {
  PtLoader *loader;
  guint     delay_ms;
} CancelArgs;

static gpointer
cancel_later (gpointer data)
{
  CancelArgs *a = data;
  g_usleep (a->delay_ms * 1000);
  pt_loader_cancel (a->loader);
  return NULL;
}

static void
test_cancel (void)
{
  const guint n = 64;
  g_autoptr(PtDataset) ds = dataset_of (n);
  g_autofree guint *order = make_order (n);
  Fake f = { 0, 0, 0, 0, 0, { 0 }, TRUE };
  PtLoaderOptions o;
  PtLoader *l;
  CancelArgs args;
  GThread *t;
  g_autoptr(GError) error = NULL;
  PtBatch *b;

  g_mutex_init (&f.gate_lock);
  g_mutex_lock (&f.gate_lock);     /* every prepare blocks */
  pt_loader_options_init (&o);
  o.batch_size = 4;
  o.n_threads = 3;
  current_fake = &f;
  l = pt_loader_new_custom (&funcs, &f, ds, order, n, &o);
  args.loader = l;
  args.delay_ms = 50;
  t = g_thread_new ("cancel", cancel_later, &args);
  b = pt_loader_next (l, NULL, &error);     /* blocks until cancelled */
  g_assert_null (b);
  g_assert_error (error, PT_ERROR, PT_ERROR_CANCELLED);
  g_thread_join (t);
  g_mutex_unlock (&f.gate_lock);            /* the workers finish their record and stop */
  pt_loader_free (l);
  g_assert_cmpint (g_atomic_int_get (&f.live), ==, 0);
  g_assert_cmpint (g_atomic_int_get (&f.prepared), <=, 3);
  g_mutex_clear (&f.gate_lock);
}

/* Freeing a loader whose workers wait for room (nothing consumed) returns promptly. */
static void
test_shutdown_unconsumed (void)
{
  const guint n = 200;
  g_autoptr(PtDataset) ds = dataset_of (n);
  g_autofree guint *order = make_order (n);
  Fake f = { 0, 0, 0, 0, 0, { 0 }, FALSE };
  PtLoaderOptions o;
  PtLoader *l;
  PtBatch *b;
  guint k = 99;

  pt_loader_options_init (&o);
  o.batch_size = 5;
  o.n_threads = 4;
  o.depth = 2;
  current_fake = &f;
  l = pt_loader_new_custom (&funcs, &f, ds, order, n, &o);
  g_assert_cmpuint (pt_loader_get_n_batches (l), ==, 40);
  b = pt_loader_next (l, &k, NULL);
  g_assert_cmpuint (k, ==, 0);
  pt_batch_free (b);
  g_usleep (20000);
  /* bounded: never more than depth batches prepared ahead of the trainer */
  g_assert_cmpint (g_atomic_int_get (&f.prepared), <=, 5 * 3);
  pt_loader_free (l);
  g_assert_cmpint (g_atomic_int_get (&f.live), ==, 0);
}

/* The PaliGemma loader on the committed fixtures: each row is what the image
 * decoder and the processor give for that record on their own. */
static void
test_paligemma_source (void)
{
  g_autofree char *data = fixture ("bad.jsonl");
  g_autofree char *model = g_test_build_filename (G_TEST_DIST, "fixtures", "tokenizer", "tokenizer.model", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtDataset) ds = pt_dataset_load (data, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_autoptr(PtTokenizer) tok = pt_tokenizer_load (model, &error);
  g_autoptr(PtLoader) l = NULL;
  PtLoaderSource src = { 0 };
  PtLoaderOptions o;
  /* lines 1 and 12 are usable; 6 (missing image) and 7 (corrupt) fail at load time */
  guint order[4];
  const int size = 28;
  PtBatch *b;
  guint k;

  g_assert_no_error (error);
  order[0] = (guint) record_on_line (ds, 12);
  order[1] = (guint) record_on_line (ds, 6);
  order[2] = (guint) record_on_line (ds, 1);
  order[3] = (guint) record_on_line (ds, 7);
  src.dataset = ds;
  src.tokenizer = tok;
  src.image_size = size;
  src.num_image_tokens = 4;
  src.prompt_template = "answer en {question}";
  src.pad_id = pt_tokenizer_pad_id (tok);
  pt_loader_options_init (&o);
  o.batch_size = 2;
  o.n_threads = 2;
  l = pt_loader_new (&src, order, 4, &o);

  for (guint want_k = 0; want_k < 2; want_k++)
    {
      PtRecord r;
      g_autofree char *prompt = NULL;
      g_autofree float *pixels = g_new (float, 3 * size * size);
      g_autoptr(PtEncoded) enc = NULL;

      b = pt_loader_next (l, &k, &error);
      g_assert_no_error (error);
      g_assert_nonnull (b);
      g_assert_cmpuint (k, ==, want_k);
      g_assert_cmpint (b->B, ==, 1);          /* the other record of each batch failed */
      g_assert_cmpuint (b->record_index[0], ==, order[2 * want_k]);
      pt_dataset_get_record (ds, b->record_index[0], &r);
      g_assert_true (pt_image_load_pixels (r.image, size, NULL, pixels, &error));
      g_assert_cmpmem (b->pixels, sizeof (float) * 3 * size * size, pixels, sizeof (float) * 3 * size * size);
      prompt = g_strdup_printf ("answer en %s", r.question);
      enc = pt_processor_encode (tok, 4, prompt, r.answer, 0, &error);
      g_assert_no_error (error);
      g_assert_cmpint (b->seq_len[0], ==, enc->n);
      g_assert_cmpint (b->prefix_len[0], ==, enc->prefix_len);
      g_assert_cmpmem (b->input_ids, enc->n * sizeof (int32_t), enc->input_ids, enc->n * sizeof (int32_t));
      g_assert_cmpmem (b->labels, enc->n * sizeof (int32_t), enc->labels, enc->n * sizeof (int32_t));
      g_assert_cmpint (b->input_ids[0], ==, pt_tokenizer_image_id (tok));
      pt_batch_free (b);
    }
  g_assert_null (pt_loader_next (l, &k, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (pt_loader_get_n_failed (l), ==, 2);
  g_assert_cmpint (problem_at (ds, 6), ==, PT_PROBLEM_LOAD_FAILED);
  g_assert_cmpint (problem_at (ds, 7), ==, PT_PROBLEM_LOAD_FAILED);
  g_assert_nonnull (strstr (reason_at (ds, 6), "missing.png"));
  {
    /* the browser finds a loader failure on its record */
    g_autofree char *reason = pt_dataset_get_record_reason (ds, order[1]);
    g_assert_nonnull (strstr (reason, "missing.png"));
    g_assert_false (pt_dataset_record_is_usable (ds, order[1]));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/loader/order-determinism", test_order_and_determinism);
  g_test_add_func ("/engine/loader/resume-drop-last", test_resume_and_drop_last);
  g_test_add_func ("/engine/loader/all-failed-batch", test_all_failed_batch);
  g_test_add_func ("/engine/loader/cancel", test_cancel);
  g_test_add_func ("/engine/loader/shutdown-unconsumed", test_shutdown_unconsumed);
  g_test_add_func ("/engine/loader/paligemma-source", test_paligemma_source);
  return g_test_run ();
}
