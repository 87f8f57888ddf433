/* pt-nccl.h — NCCL behind the collective interface (pt-comm.h): gradients
 * summed between GPUs in device memory, on the CUDA backend's stream. */
#pragma once

#include "pt-comm.h"   /* PtComm */

G_BEGIN_DECLS

/* Registers the NCCL device reducer with pt-comm: a communicator with several
 * ranks (or PT_COMM_DEVICE=1) whose backend is a CUDA device gets an NCCL
 * communicator over the same ranks (the unique id goes out through the host
 * communicator). */
void      pt_nccl_register (void);

/* Opens libnccl.so.2 (once); FALSE with the reason when it is missing. */
gboolean  pt_nccl_load     (GError **error);

/* Attaches an NCCL communicator for be to comm (what the registration does). */
gboolean  pt_nccl_attach   (PtComm *comm, PtBackend *be, GError **error);

G_END_DECLS
