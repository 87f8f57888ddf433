/* pt-record-filter.h — which records the dataset browser shows.
 *
 * A filter is the conjunction of what is set: text found in the question,
 * the prompt prefix or any answer (case-insensitive); an exact answer; an
 * exact question type; only records with a problem (unusable, or usable
 * with a warning). Applying it walks the dataset once (100,000 records in a
 * few milliseconds) and gives the matching record indices, ascending.
 */
#pragma once

#include <glib.h>

#include "pt-dataset.h"   /* PtDataset */

G_BEGIN_DECLS

typedef struct {
  char     *text;           /* NULL or "": any */
  char     *answer;         /* NULL: any */
  char     *question_type;  /* NULL: any; "" = records without a type */
  gboolean  problems_only;
} PtRecordFilter;

void      pt_record_filter_clear    (PtRecordFilter *filter);
gboolean  pt_record_filter_is_empty (const PtRecordFilter *filter);
gboolean  pt_record_filter_equal    (const PtRecordFilter *a, const PtRecordFilter *b);
void      pt_record_filter_copy     (const PtRecordFilter *src, PtRecordFilter *dest);

/* TRUE if record index of dataset passes. has_problem is a bitmap of
 * records with a problem entry (NULL: only unusable records count). */
gboolean  pt_record_filter_match    (const PtRecordFilter *filter, PtDataset *dataset,
                                     guint index, const guint8 *has_problem);
/* The matching indices (g_free them), *n_out of them. */
guint    *pt_record_filter_apply    (const PtRecordFilter *filter, PtDataset *dataset,
                                     const guint8 *has_problem, guint *n_out);

/* A bitmap (one byte per record) of records that have any problem entry,
 * warnings included. */
guint8   *pt_record_filter_problem_map (PtDataset *dataset);

G_END_DECLS
