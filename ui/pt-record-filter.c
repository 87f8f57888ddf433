/* pt-record-filter.c — which records the dataset browser shows. */
#include "config.h"

#include <string.h>

#include "pt-record-filter.h"

void
pt_record_filter_clear (PtRecordFilter *filter)
{
  g_clear_pointer (&filter->text, g_free);
  g_clear_pointer (&filter->answer, g_free);
  g_clear_pointer (&filter->question_type, g_free);
  filter->problems_only = FALSE;
}

gboolean
pt_record_filter_is_empty (const PtRecordFilter *filter)
{
  return (filter->text == NULL || *filter->text == '\0') && filter->answer == NULL
         && filter->question_type == NULL && !filter->problems_only;
}

static const char *
nonempty (const char *s)
{
  return s != NULL && *s != '\0' ? s : NULL;
}

gboolean
pt_record_filter_equal (const PtRecordFilter *a,
                        const PtRecordFilter *b)
{
  return g_strcmp0 (nonempty (a->text), nonempty (b->text)) == 0
         && g_strcmp0 (a->answer, b->answer) == 0
         && g_strcmp0 (a->question_type, b->question_type) == 0
         && a->problems_only == b->problems_only;
}

void
pt_record_filter_copy (const PtRecordFilter *src,
                       PtRecordFilter       *dest)
{
  if (src == dest)
    return;
  pt_record_filter_clear (dest);
  dest->text = g_strdup (src->text);
  dest->answer = g_strdup (src->answer);
  dest->question_type = g_strdup (src->question_type);
  dest->problems_only = src->problems_only;
}

/* Case-insensitive search for an already case-folded needle. ASCII
 * haystacks (nearly all) are compared in place; others are folded. */
static gboolean
contains_folded (const char *haystack,
                 const char *needle,
                 gsize       needle_len)
{
  const char *p;

  if (haystack == NULL)
    return FALSE;
  for (p = haystack; *p != '\0'; p++)
    if ((guchar) *p >= 0x80)
      {
        g_autofree char *folded = g_utf8_casefold (haystack, -1);
        return strstr (folded, needle) != NULL;
      }
  if ((gsize) (p - haystack) < needle_len)
    return FALSE;
  for (const char *h = haystack; (gsize) (p - h) >= needle_len; h++)
    if (g_ascii_strncasecmp (h, needle, needle_len) == 0)
      return TRUE;
  return FALSE;
}

static gboolean
match_one (const PtRecordFilter *filter,
           const char           *folded_text,
           gsize                 folded_len,
           PtDataset            *dataset,
           guint                 index,
           const guint8         *has_problem)
{
  PtRecord r;

  pt_dataset_get_record (dataset, index, &r);
  if (filter->problems_only)
    {
      gboolean problem = has_problem != NULL ? has_problem[index] != 0 : r.problem != PT_PROBLEM_NONE;
      if (!problem)
        return FALSE;
    }
  if (filter->answer != NULL && strcmp (r.answer, filter->answer) != 0)
    return FALSE;
  if (filter->question_type != NULL
      && strcmp (r.question_type != NULL ? r.question_type : "", filter->question_type) != 0)
    return FALSE;
  if (folded_text != NULL)
    {
      if (contains_folded (r.question, folded_text, folded_len)
          || contains_folded (r.answer, folded_text, folded_len))
        return TRUE;
      for (guint k = 0; k < r.n_answers; k++)
        if (contains_folded (pt_dataset_get_answer (dataset, index, k), folded_text, folded_len))
          return TRUE;
      return FALSE;
    }
  return TRUE;
}

gboolean
pt_record_filter_match (const PtRecordFilter *filter,
                        PtDataset            *dataset,
                        guint                 index,
                        const guint8         *has_problem)
{
  g_autofree char *folded = nonempty (filter->text) ? g_utf8_casefold (filter->text, -1) : NULL;

  return match_one (filter, folded, folded != NULL ? strlen (folded) : 0, dataset, index, has_problem);
}

guint *
pt_record_filter_apply (const PtRecordFilter *filter,
                        PtDataset            *dataset,
                        const guint8         *has_problem,
                        guint                *n_out)
{
  guint n = pt_dataset_get_n_records (dataset);
  g_autofree char *folded = nonempty (filter->text) ? g_utf8_casefold (filter->text, -1) : NULL;
  gsize folded_len = folded != NULL ? strlen (folded) : 0;
  guint *out = g_new (guint, MAX (n, 1));
  guint k = 0;

  for (guint i = 0; i < n; i++)
    if (match_one (filter, folded, folded_len, dataset, i, has_problem))
      out[k++] = i;
  *n_out = k;
  return out;
}

guint8 *
pt_record_filter_problem_map (PtDataset *dataset)
{
  guint n = pt_dataset_get_n_records (dataset);
  guint8 *map = g_new0 (guint8, MAX (n, 1));

  for (guint i = 0; i < pt_dataset_get_n_problems (dataset); i++)
    {
      PtProblem p;
      if (pt_dataset_get_problem (dataset, i, &p) && p.record >= 0 && (guint) p.record < n)
        map[p.record] = 1;
    }
  for (guint i = 0; i < n; i++)
    if (!pt_dataset_record_is_usable (dataset, i))
      map[i] = 1;
  return map;
}
