/* pt-profile.h — a backend decorator that times every op (bench --profile). */
#pragma once

#include "pt-backend.h"

G_BEGIN_DECLS

/* more than the ops in PtBackendOps */
#define PT_PROFILE_MAX_OPS 64

typedef struct {
  const char *op;        /* the PtBackendOps member: "gemm", "attention_forward", … */
  guint64     calls;
  double      seconds;   /* wall time, summed */
} PtProfileRow;

/* A backend that runs every op on inner (which it owns from now on) and
 * times it. */
PtBackend *pt_profile_backend_new (PtBackend *inner);
/* forgets the times so far (after a warm-up step) */
void       pt_profile_reset       (PtBackend *be);
/* the ops called since, longest total time first; array of PtProfileRow */
GArray    *pt_profile_rows        (PtBackend *be);

G_END_DECLS
