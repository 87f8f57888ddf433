/* pt-dataset-stats.c — statistics of the usable records and the JSON report. */
#include "config.h"

#include <stdlib.h>      /* qsort */
#include <string.h>

#include "pt-dataset-private.h"
#include "pt-dataset-scan.h"

static void
clear_count (gpointer p)
{
  g_free (((PtCount *) p)->text);
}

static int
count_cmp (gconstpointer a, gconstpointer b)
{
  const PtCount *x = a, *y = b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  return strcmp (x->text, y->text);
}

static int
size_cmp (gconstpointer a, gconstpointer b)
{
  const PtSizeCount *x = a, *y = b;

  if (x->count != y->count)
    return x->count > y->count ? -1 : 1;
  if (x->width != y->width)
    return x->width < y->width ? -1 : 1;
  return (x->height > y->height) - (x->height < y->height);
}

/* Counts of arena strings (offsets), as a sorted PtCount array. */
static GArray *
table (GHashTable *counts, PtDataset *ds)
{
  GArray *out = g_array_sized_new (FALSE, FALSE, sizeof (PtCount), g_hash_table_size (counts));
  GHashTableIter it;
  gpointer key, value;

  g_array_set_clear_func (out, clear_count);
  g_hash_table_iter_init (&it, counts);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      PtCount c = { g_strdup (key), GPOINTER_TO_UINT (value) };
      g_array_append_val (out, c);
    }
  g_array_sort (out, count_cmp);
  return out;
}

static void
bump (GHashTable *counts, const char *text)
{
  gpointer old;

  if (text == NULL)
    return;
  old = g_hash_table_lookup (counts, text);
  g_hash_table_insert (counts, (gpointer) text, GUINT_TO_POINTER (GPOINTER_TO_UINT (old) + 1));
}

static guint
words (const char *s)
{
  guint n = 0;
  gboolean in_word = FALSE;

  for (; s != NULL && *s; s++)
    {
      gboolean space = g_ascii_isspace (*s);
      n += !space && !in_word;
      in_word = !space;
    }
  return n;
}

static int
int_cmp (gconstpointer a, gconstpointer b)
{
  int x = *(const int *) a, y = *(const int *) b;
  return (x > y) - (x < y);
}

const char *
pt_size_bucket_label (int bucket)
{
  static const char *const labels[PT_N_SIZE_BUCKETS] = {
    "<224", "224-447", "448-895", "896-1791", ">=1792", "unknown"
  };
  g_return_val_if_fail (bucket >= 0 && bucket < PT_N_SIZE_BUCKETS, NULL);
  return labels[bucket];
}

PtDatasetStats *
pt_dataset_compute_stats (PtDataset *ds)
{
  PtDatasetStats *st = g_new0 (PtDatasetStats, 1);
  /* keys point into the arena, which no longer moves */
  g_autoptr(GHashTable) answers = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) qtypes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) atypes = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GHashTable) sizes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  g_autofree guint8 *image_seen = NULL;
  g_autoptr(GArray) token_counts = g_array_new (FALSE, FALSE, sizeof (int));
  guint64 qwords = 0, awords = 0;

  g_return_val_if_fail (ds != NULL, NULL);
  st->format = ds->format;
  st->records = ds->records->len;
  st->min_width = st->min_height = G_MAXINT;
  image_seen = g_new0 (guint8, MAX (ds->images->len, 1));

  g_mutex_lock (&ds->lock);
  st->problems = ds->problems->len;
  for (guint i = 0; i < ds->problems->len; i++)
    {
      PtProblemKind k = g_array_index (ds->problems, PtProblemSlot, i).kind;
      st->by_kind[k]++;
      st->warnings += !pt_problem_kind_is_fatal (k);
    }
  g_mutex_unlock (&ds->lock);

  for (guint r = 0; r < ds->records->len; r++)
    {
      PtRecordSlot *slot = pt_dataset_slot (ds, r);
      if (g_atomic_int_get (&slot->problem) != PT_PROBLEM_NONE)
        continue;
      st->usable++;
      bump (answers, pt_dataset_str (ds, slot->answer));
      bump (qtypes, pt_dataset_str (ds, slot->question_type));
      bump (atypes, pt_dataset_str (ds, slot->answer_type));
      st->with_answers += slot->n_answers > 0;
      qwords += words (pt_dataset_str (ds, slot->question));
      awords += words (pt_dataset_str (ds, slot->answer));
      if (ds->tokens != NULL && ds->tokens[r] > 0)
        {
          int t = ds->tokens[r];
          g_array_append_val (token_counts, t);
        }
      if (slot->image != PT_NO_IMAGE && !image_seen[slot->image])
        {
          const PtImageSlot *im = &g_array_index (ds->images, PtImageSlot, slot->image);
          image_seen[slot->image] = 1;
          st->images++;
          if (im->status != PT_IMAGE_UNCHECKED)
            st->images_checked++;
          if (im->width > 0 && im->height > 0)
            {
              gint64 key = ((gint64) im->width << 32) | im->height;
              guint side = MAX (im->width, im->height);
              PtSizeCount *c = g_hash_table_lookup (sizes, &key);
              if (c == NULL)
                {
                  c = g_new0 (PtSizeCount, 1);
                  c->width = (int) im->width;
                  c->height = (int) im->height;
                  g_hash_table_insert (sizes, g_memdup2 (&key, sizeof key), c);
                }
              c->count++;
              st->size_buckets[side < 224 ? PT_SIZE_UNDER_224 : side < 448 ? PT_SIZE_UNDER_448
                               : side < 896 ? PT_SIZE_UNDER_896 : side < 1792 ? PT_SIZE_UNDER_1792
                               : PT_SIZE_LARGER]++;
              st->min_width = MIN (st->min_width, (int) im->width);
              st->min_height = MIN (st->min_height, (int) im->height);
              st->max_width = MAX (st->max_width, (int) im->width);
              st->max_height = MAX (st->max_height, (int) im->height);
            }
          else
            st->size_buckets[PT_SIZE_UNKNOWN]++;
        }
    }
  if (st->min_width == G_MAXINT)
    st->min_width = st->min_height = 0;
  st->answers = table (answers, ds);
  st->question_types = table (qtypes, ds);
  st->answer_types = table (atypes, ds);
  st->sizes = g_array_new (FALSE, FALSE, sizeof (PtSizeCount));
  {
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init (&it, sizes);
    while (g_hash_table_iter_next (&it, &key, &value))
      g_array_append_vals (st->sizes, value, 1);
    g_array_sort (st->sizes, size_cmp);
  }
  if (st->usable > 0)
    {
      st->question_words_mean = (double) qwords / st->usable;
      st->answer_words_mean = (double) awords / st->usable;
    }
  if (token_counts->len > 0)
    {
      double sum = 0;
      g_array_sort (token_counts, int_cmp);
      for (guint i = 0; i < token_counts->len; i++)
        sum += g_array_index (token_counts, int, i);
      st->has_tokens = TRUE;
      st->tokens_min = g_array_index (token_counts, int, 0);
      st->tokens_max = g_array_index (token_counts, int, token_counts->len - 1);
      st->tokens_p95 = g_array_index (token_counts, int, (guint) ((token_counts->len - 1) * 0.95));
      st->tokens_mean = sum / token_counts->len;
    }
  return st;
}

void
pt_dataset_stats_free (PtDatasetStats *st)
{
  if (st == NULL)
    return;
  g_clear_pointer (&st->answers, g_array_unref);
  g_clear_pointer (&st->question_types, g_array_unref);
  g_clear_pointer (&st->answer_types, g_array_unref);
  g_clear_pointer (&st->sizes, g_array_unref);
  g_free (st);
}

/* ---- the JSON report ---- */

static void
counts_member (JsonBuilder *b, const char *name, const char *key, GArray *counts, guint top)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "distinct");
  json_builder_add_int_value (b, counts->len);
  json_builder_set_member_name (b, "top");
  json_builder_begin_array (b);
  for (guint i = 0; i < counts->len && (top == 0 || i < top); i++)
    {
      const PtCount *c = &g_array_index (counts, PtCount, i);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, key);
      json_builder_add_string_value (b, c->text);
      json_builder_set_member_name (b, "count");
      json_builder_add_int_value (b, c->count);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static void
int_member (JsonBuilder *b, const char *name, gint64 value)
{
  json_builder_set_member_name (b, name);
  json_builder_add_int_value (b, value);
}

JsonNode *
pt_dataset_report_to_json (PtDataset            *ds,
                           const PtDatasetStats *st,
                           guint                 max_problems,
                           guint                 top)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  const guint *k = st->by_kind;
  guint n_problems;

  g_return_val_if_fail (ds != NULL && st != NULL, NULL);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "path");
  json_builder_add_string_value (b, ds->path);
  json_builder_set_member_name (b, "format");
  json_builder_add_string_value (b, pt_dataset_format_to_string (ds->format));
  if (ds->split != NULL)
    {
      json_builder_set_member_name (b, "split");
      json_builder_add_string_value (b, ds->split);
      json_builder_set_member_name (b, "splits");
      json_builder_begin_array (b);
      for (guint i = 0; ds->splits[i] != NULL; i++)
        json_builder_add_string_value (b, ds->splits[i]);
      json_builder_end_array (b);
    }
  int_member (b, "records", st->records);
  int_member (b, "usable", st->usable);
  int_member (b, "unusable", st->records - MIN (st->usable, st->records));
  int_member (b, "warnings", st->warnings);
  int_member (b, "duplicates", k[PT_PROBLEM_DUPLICATE]);

  json_builder_set_member_name (b, "counts");
  json_builder_begin_object (b);
  for (int kind = PT_PROBLEM_SYNTAX; kind < PT_PROBLEM_N_KINDS; kind++)
    {
      g_autofree char *name = g_strdelimit (g_strdup (pt_problem_kind_to_string (kind)), "-", '_');
      int_member (b, name, k[kind]);
    }
  json_builder_end_object (b);

  json_builder_set_member_name (b, "images");
  json_builder_begin_object (b);
  int_member (b, "distinct", st->images);
  int_member (b, "checked", st->images_checked);
  int_member (b, "min_width", st->min_width);
  int_member (b, "min_height", st->min_height);
  int_member (b, "max_width", st->max_width);
  int_member (b, "max_height", st->max_height);
  json_builder_set_member_name (b, "histogram");
  json_builder_begin_array (b);
  for (int i = 0; i < PT_N_SIZE_BUCKETS; i++)
    {
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "longer_side");
      json_builder_add_string_value (b, pt_size_bucket_label (i));
      int_member (b, "count", st->size_buckets[i]);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "sizes");
  json_builder_begin_array (b);
  for (guint i = 0; i < st->sizes->len && (top == 0 || i < top); i++)
    {
      const PtSizeCount *c = &g_array_index (st->sizes, PtSizeCount, i);
      json_builder_begin_object (b);
      int_member (b, "width", c->width);
      int_member (b, "height", c->height);
      int_member (b, "count", c->count);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);

  counts_member (b, "answers", "answer", st->answers, top);
  counts_member (b, "question_types", "question_type", st->question_types, top);
  counts_member (b, "answer_types", "answer_type", st->answer_types, top);
  int_member (b, "with_answer_lists", st->with_answers);
  json_builder_set_member_name (b, "question_words_mean");
  json_builder_add_double_value (b, st->question_words_mean);
  json_builder_set_member_name (b, "answer_words_mean");
  json_builder_add_double_value (b, st->answer_words_mean);

  json_builder_set_member_name (b, "tokens");
  if (st->has_tokens)
    {
      json_builder_begin_object (b);
      int_member (b, "min", st->tokens_min);
      int_member (b, "max", st->tokens_max);
      int_member (b, "p95", st->tokens_p95);
      json_builder_set_member_name (b, "mean");
      json_builder_add_double_value (b, st->tokens_mean);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);

  n_problems = pt_dataset_get_n_problems (ds);
  int_member (b, "problem_count", n_problems);
  json_builder_set_member_name (b, "problems");
  json_builder_begin_array (b);
  for (guint i = 0; i < n_problems && (max_problems == 0 || i < max_problems); i++)
    {
      PtProblem p;
      if (!pt_dataset_get_problem (ds, i, &p))
        break;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, p.file);
      int_member (b, "line", p.line);
      json_builder_set_member_name (b, "record");
      if (p.record >= 0)
        json_builder_add_int_value (b, p.record);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, pt_problem_kind_to_string (p.kind));
      json_builder_set_member_name (b, "fatal");
      json_builder_add_boolean_value (b, pt_problem_kind_is_fatal (p.kind));
      json_builder_set_member_name (b, "reason");
      json_builder_add_string_value (b, p.reason);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);

  json_builder_set_member_name (b, "notes");
  json_builder_begin_array (b);
  for (const char *const *n = pt_dataset_get_notes (ds); *n; n++)
    json_builder_add_string_value (b, *n);
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
