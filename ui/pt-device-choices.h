/* pt-device-choices.h — what the Train page's device list offers. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* devices (of PtDeviceInfo*, pt_backend_list_devices) as the list shows
 * them, copied: each device, then — only when there is more than one GPU —
 * "All N GPUs" (PT_DEVICE_ALL_GPUS: one trainer per GPU, gradients summed
 * with NCCL), its memory that of the smallest GPU (each holds a copy). */
GPtrArray *pt_device_choices_new     (GPtrArray *devices);
/* The number of GPUs "All N GPUs" stands for in choices, 0 when absent. */
guint      pt_device_choices_n_gpus  (GPtrArray *choices);

G_END_DECLS
