/* pt-cpu-private.h — the CPU backend's state, shared by its op files. */
#pragma once

#include "pt-backend.h"

G_BEGIN_DECLS

typedef struct {
  PtBackend parent;
  GMutex    lock;        /* guards parent.in_use / peak */
  int       n_threads;
} PtCpuBackend;

G_END_DECLS
