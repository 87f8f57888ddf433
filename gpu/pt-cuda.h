/* pt-cuda.h — the CUDA backend's public entry points (C linkage). */
#pragma once

#include "pt-backend.h"

G_BEGIN_DECLS

/* Registers "cuda:N" devices with the engine's backend registry. Safe to
 * call when no driver or device is present: the list is then empty. */
void       pt_cuda_register         (void);
/* Number of usable CUDA devices (0 without driver or device). */
int        pt_cuda_device_count     (void);
/* A backend on "cuda:N" with BF16 activations, or F32 ones when the
 * environment variable PT_CUDA_ACT_DTYPE is "F32". */
PtBackend *pt_cuda_backend_new      (const char *device_id, GError **error);
/* act_dtype PT_DTYPE_BF16 (training) or PT_DTYPE_F32 (tight comparisons
 * with the CPU reference); acc_dtype is F32 either way. */
PtBackend *pt_cuda_backend_new_full (const char *device_id, PtDType act_dtype, GError **error);

G_END_DECLS
