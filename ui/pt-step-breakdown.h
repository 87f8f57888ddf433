/* pt-step-breakdown.h — where one optimiser step's time goes: waiting for
 * data, forward, backward and the optimiser, as a stacked bar with the four
 * numbers beside it. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PT_TYPE_STEP_BREAKDOWN (pt_step_breakdown_get_type ())

G_DECLARE_FINAL_TYPE (PtStepBreakdown, pt_step_breakdown, PT, STEP_BREAKDOWN, GtkWidget)

typedef enum {
  PT_STEP_PART_DATA,
  PT_STEP_PART_FORWARD,
  PT_STEP_PART_BACKWARD,
  PT_STEP_PART_OPTIMIZER,
  PT_STEP_N_PARTS
} PtStepPart;

GtkWidget *pt_step_breakdown_new       (void);
/* Milliseconds of each part (PT_STEP_N_PARTS values); NULL clears. */
void       pt_step_breakdown_set_times (PtStepBreakdown *self, const double *ms);
/* The legend as shown ("data 3 ms · forward 40 ms · …"), for tests. */
const char *pt_step_breakdown_get_text (PtStepBreakdown *self);

G_END_DECLS
