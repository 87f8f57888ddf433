/* pt-demo-private.h — what the demo generator's files share. */
#pragma once

#include "pt-demo-data.h"

G_BEGIN_DECLS

#define PT_DEMO_MAX_VERTICES 72

/* The outline of a shape of half extent size, centred on its bounding box:
 * n vertices (x, y) relative to the centre, y down. Returns 0 for the circle
 * (radius size). */
int        pt_demo_outline       (PtDemoKind kind, double size, double *xy /* (n, 2) */);
/* Every question and answer string of the enabled tasks, and the prefixes. */
GPtrArray *pt_demo_corpus_lines  (guint tasks, int max_shapes);

G_END_DECLS
