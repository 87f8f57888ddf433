/* test-tensorboard.c — the TensorBoard events of a run: read back with a
 * decoder of their own (framing, CRCs, protobuf) and checked against
 * metrics.jsonl; rewritten on resume; and byte for byte the fixture that
 * TensorBoard's own reader accepted (tools/check-tensorboard.py). */
#include "config.h"

#include <math.h>
#include <string.h>

#include "pt-metrics.h"
#include "pt-json.h"         /* pt_json_parse */
#include "pt-run.h"
#include "pt-tensorboard.h"
#include "pt-test-util.h"

typedef struct {
  double wall_time;
  gint64 step;
  char  *file_version;
  GPtrArray *tags;     /* of char* */
  GArray    *values;   /* of float */
} Event;

static void
event_free (Event *e)
{
  g_free (e->file_version);
  g_ptr_array_unref (e->tags);
  g_array_unref (e->values);
  g_free (e);
}

static guint64
get_le (const guint8 *p, int bytes)
{
  guint64 v = 0;
  for (int i = bytes - 1; i >= 0; i--)
    v = (v << 8) | p[i];
  return v;
}

static guint64
varint (const guint8 **p, const guint8 *end)
{
  guint64 v = 0;
  for (int shift = 0; *p < end; shift += 7)
    {
      guint8 b = *(*p)++;
      v |= (guint64) (b & 0x7f) << shift;
      if (!(b & 0x80))
        return v;
    }
  g_error ("varint runs past the end");
  return 0;
}

/* Value { tag = 1; simple_value = 2 } */
static void
parse_value (const guint8 *p, const guint8 *end, Event *e)
{
  char *tag = NULL;
  float value = NAN;

  while (p < end)
    {
      guint64 key = varint (&p, end);
      if (key == ((1 << 3) | 2))
        {
          guint64 n = varint (&p, end);
          g_assert_cmpuint (n, <=, (guint64) (end - p));
          tag = g_strndup ((const char *) p, n);
          p += n;
        }
      else if (key == ((2 << 3) | 5))
        {
          guint32 bits = (guint32) get_le (p, 4);
          memcpy (&value, &bits, 4);
          p += 4;
        }
      else
        g_error ("unexpected Value field %" G_GUINT64_FORMAT, key >> 3);
    }
  g_assert_nonnull (tag);
  g_ptr_array_add (e->tags, tag);
  g_array_append_val (e->values, value);
}

static Event *
parse_event (const guint8 *p, const guint8 *end)
{
  Event *e = g_new0 (Event, 1);

  e->tags = g_ptr_array_new_with_free_func (g_free);
  e->values = g_array_new (FALSE, FALSE, sizeof (float));
  while (p < end)
    {
      guint64 key = varint (&p, end);
      switch (key)
        {
        case (1 << 3) | 1:
          {
            guint64 bits = get_le (p, 8);
            memcpy (&e->wall_time, &bits, 8);
            p += 8;
            break;
          }
        case (2 << 3) | 0:
          e->step = (gint64) varint (&p, end);
          break;
        case (3 << 3) | 2:
          {
            guint64 n = varint (&p, end);
            e->file_version = g_strndup ((const char *) p, n);
            p += n;
            break;
          }
        case (5 << 3) | 2:
          {
            guint64 n = varint (&p, end);
            const guint8 *s = p, *send = p + n;
            g_assert_cmpuint (n, <=, (guint64) (end - p));
            while (s < send)   /* Summary { repeated Value value = 1 } */
              {
                guint64 k = varint (&s, send), m;
                g_assert_cmpuint (k, ==, (1 << 3) | 2);
                m = varint (&s, send);
                parse_value (s, s + m, e);
                s += m;
              }
            p = send;
            break;
          }
        default:
          g_error ("unexpected Event field %" G_GUINT64_FORMAT, key >> 3);
        }
    }
  return e;
}

/* Every record of the file, each CRC checked. */
static GPtrArray *
read_events (const char *path)
{
  g_autofree char *text = NULL;
  gsize length = 0;
  const guint8 *p, *end;
  GPtrArray *events = g_ptr_array_new_with_free_func ((GDestroyNotify) event_free);

  g_assert_true (g_file_get_contents (path, &text, &length, NULL));
  p = (const guint8 *) text;
  end = p + length;
  while (p < end)
    {
      guint64 n;
      g_assert_cmpint (end - p, >=, 12);
      n = get_le (p, 8);
      g_assert_cmphex (get_le (p + 8, 4), ==, pt_tb_masked_crc (p, 8));
      p += 12;
      g_assert_cmpuint (n + 4, <=, (guint64) (end - p));
      g_assert_cmphex (get_le (p + n, 4), ==, pt_tb_masked_crc (p, n));
      g_ptr_array_add (events, parse_event (p, p + n));
      p += n + 4;
    }
  return events;
}

/* The one events file of a run folder. */
static char *
events_path (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  char *found = NULL;

  while ((name = g_dir_read_name (d)) != NULL)
    if (g_str_has_prefix (name, "events.out.tfevents."))
      {
        g_assert_null (found);   /* one file */
        found = g_build_filename (dir, name, NULL);
      }
  g_assert_nonnull (found);
  return found;
}

/* Every finite number of every row is in the events at its step, in order. */
static void
assert_events_match (const char *dir)
{
  g_autofree char *path = events_path (dir);
  g_autoptr(GPtrArray) events = read_events (path);
  g_autoptr(GPtrArray) rows = pt_metrics_read (dir, -1, NULL);
  guint e = 1;

  g_assert_cmpuint (events->len, >=, 1);
  g_assert_cmpstr (((Event *) events->pdata[0])->file_version, ==, "brain.Event:2");
  for (guint i = 0; i < rows->len; i++)
    {
      g_autoptr(GPtrArray) scalars = pt_tb_row_scalars (rows->pdata[i]);
      Event *ev;

      if (scalars->len == 0)
        continue;
      g_assert_cmpuint (e, <, events->len);
      ev = events->pdata[e++];
      g_assert_cmpint (ev->step, ==, ((PtMetricsRow *) rows->pdata[i])->step);
      g_assert_cmpuint (ev->tags->len, ==, scalars->len);
      for (guint k = 0; k < scalars->len; k++)
        {
          PtTbScalar *s = scalars->pdata[k];
          g_assert_cmpstr (ev->tags->pdata[k], ==, s->tag);
          g_assert_cmpfloat (g_array_index (ev->values, float, k), ==, (float) s->value);
        }
    }
  g_assert_cmpuint (e, ==, events->len);
}

static void
test_crc32c (void)
{
  /* the check value of CRC-32C, and RFC 3720's 32 zero bytes */
  static const guint8 zeros[32] = { 0 };
  g_assert_cmphex (pt_crc32c (0, "123456789", 9), ==, 0xe3069283);
  g_assert_cmphex (pt_crc32c (0, zeros, 32), ==, 0x8a9136aa);
  g_assert_cmphex (pt_crc32c (pt_crc32c (0, "1234", 4), "56789", 5), ==, 0xe3069283);
}

static PtRun *
new_run (const char *root)
{
  g_autoptr(PtTrainSettings) s = pt_train_settings_new ();
  g_autofree char *data = g_build_filename (root, "d.jsonl", NULL);
  g_autofree char *dir = g_build_filename (root, "run", NULL);
  g_autoptr(GError) error = NULL;
  PtRun *run;

  g_assert_true (g_file_set_contents (data, "{}\n", -1, NULL));
  s->model_dir = g_strdup (root);
  s->data_path = g_strdup (data);
  run = pt_run_create_at (dir, "tb", s, &error);
  g_assert_no_error (error);
  return run;
}

static void
test_run_events (void)
{
  g_autofree char *root = pt_test_make_temp_dir ("pt-tb-XXXXXX");
  g_autoptr(PtRun) run = new_run (root);
  g_autoptr(GError) error = NULL;

  g_assert_true (pt_run_truncate_metrics (run, 0, &error));   /* a new run: its file */
  g_assert_no_error (error);
  for (int step = 1; step <= 4; step++)
    {
      PtStepMetrics m = { 0 };
      g_autoptr(JsonNode) row = NULL;
      m.step = step;
      m.loss = step == 3 ? NAN : 2.0 / step;   /* step 3 skipped: no loss point */
      m.lr = 1e-4 * step;
      m.grad_norm = 0.5 + step;
      m.samples_per_s = 10 * step;
      m.tokens_per_s = 1000 * step;
      m.step_ms = 100 + step;
      m.memory_in_use = (guint64) step << 28;
      m.memory_peak = (guint64) step << 29;
      m.elapsed_s = step * 0.1;
      row = pt_step_metrics_to_json (&m);
      g_assert_true (pt_run_append_metrics (run, row, &error));
      g_assert_no_error (error);
      if (step == 2)
        {
          g_autoptr(JsonNode) eval = pt_json_parse (
            "{\"type\": \"eval\", \"step\": 2, \"val_loss\": 1.5, \"vqa_accuracy\": 0.25, "
            "\"exact_match\": null, \"by_type\": {\"color\": {\"n\": 2, \"vqa_accuracy\": 0.5, "
            "\"exact_match\": 0.5}}, \"by_answer_type\": {\"other\": {\"n\": 2, \"vqa_accuracy\": 0.25, "
            "\"exact_match\": 0.0}}}", -1, "row", NULL);
          g_assert_true (pt_run_append_metrics (run, eval, &error));
        }
    }
  assert_events_match (pt_run_get_dir (run));

  /* resuming at step 2 keeps rows ≤ 2 in both files */
  g_assert_true (pt_run_truncate_metrics (run, 2, &error));
  g_assert_no_error (error);
  assert_events_match (pt_run_get_dir (run));
  {
    g_autofree char *path = events_path (pt_run_get_dir (run));
    g_autoptr(GPtrArray) events = read_events (path);
    g_assert_cmpuint (events->len, ==, 4);   /* version, step 1, step 2, eval 2 */
    g_assert_cmpint (((Event *) events->pdata[3])->step, ==, 2);
    g_assert_cmpuint (((Event *) events->pdata[3])->tags->len, ==, 6);
  }
  pt_rmtree (root, NULL);
}

/* The fixture run (tests/fixtures/tensorboard): the events rewritten from its
 * metrics.jsonl are the bytes TensorBoard's reader was shown to read. */
static void
test_fixture (void)
{
  g_autofree char *src = g_build_filename (g_getenv ("PT_SOURCE_ROOT"), "tests", "fixtures", "tensorboard", NULL);
  g_autofree char *root = pt_test_make_temp_dir ("pt-tb-XXXXXX");
  g_autofree char *expected_path = g_build_filename (src, "events.out.tfevents.expected", NULL);
  g_autofree char *written_path = NULL;
  g_autofree char *expected = NULL, *written = NULL;
  gsize expected_len = 0, written_len = 0;
  g_autoptr(PtRun) run = NULL;
  g_autoptr(GError) error = NULL;
  const char *files[] = { "run.json", "metrics.jsonl" };

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *from = g_build_filename (src, files[i], NULL);
      g_autofree char *to = g_build_filename (root, files[i], NULL);
      g_autofree char *text = NULL;
      gsize n = 0;
      g_assert_true (g_file_get_contents (from, &text, &n, NULL));
      g_assert_true (g_file_set_contents (to, text, n, NULL));
    }
  run = pt_run_open (root, &error);
  g_assert_no_error (error);
  g_assert_true (pt_run_truncate_metrics (run, G_MAXINT, &error));
  g_assert_no_error (error);
  assert_events_match (root);
  written_path = events_path (root);
  g_assert_true (g_file_get_contents (written_path, &written, &written_len, NULL));
  if (g_getenv ("PT_UPDATE_FIXTURES") != NULL)
    g_assert_true (g_file_set_contents (expected_path, written, written_len, NULL));
  g_assert_true (g_file_get_contents (expected_path, &expected, &expected_len, NULL));
  g_assert_cmpmem (written, written_len, expected, expected_len);
  pt_rmtree (root, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/tensorboard/crc32c", test_crc32c);
  g_test_add_func ("/engine/tensorboard/run-events", test_run_events);
  g_test_add_func ("/engine/tensorboard/fixture", test_fixture);
  return g_test_run ();
}
