/* pt-cuda.h — the CUDA backend's public entry points (C linkage). */
#pragma once

#include "pt-backend.h"

G_BEGIN_DECLS

/* Registers "cuda:N" devices with the engine's backend registry. Safe to
 * call when no driver or device is present: the list is then empty. */
void       pt_cuda_register       (void);
/* Number of usable CUDA devices (0 without driver or device). */
int        pt_cuda_device_count   (void);
PtBackend *pt_cuda_backend_new    (const char *device_id, GError **error);

G_END_DECLS
