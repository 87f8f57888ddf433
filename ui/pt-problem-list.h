/* pt-problem-list.h — what is wrong in a dataset: one row per problem
 * (file, line, kind, reason), errors first-class and warnings marked as
 * such. Activating a row that concerns a record emits ::record-activated
 * with its index. Built lazily, like the record grid.
 */
#pragma once

#include <adwaita.h>

#include "pt-dataset.h"   /* PtDataset */

G_BEGIN_DECLS

#define PT_TYPE_PROBLEM_LIST (pt_problem_list_get_type ())

G_DECLARE_FINAL_TYPE (PtProblemList, pt_problem_list, PT, PROBLEM_LIST, AdwBin)

GtkWidget   *pt_problem_list_new          (void);
void         pt_problem_list_set_dataset  (PtProblemList *self, PtDataset *dataset);
guint        pt_problem_list_get_n_items  (PtProblemList *self);
GtkListView *pt_problem_list_get_view     (PtProblemList *self);
/* What activating row position does (tests drive it). */
void         pt_problem_list_activate_row (PtProblemList *self, guint position);

G_END_DECLS
