/* pt-device-choices.c — the devices, and "All N GPUs" when there are several. */
#include "config.h"

#include <glib/gi18n.h>

#include "pt-backend.h"          /* PtDeviceInfo */
#include "pt-comm.h"             /* PT_DEVICE_ALL_GPUS */
#include "pt-device-choices.h"

static PtDeviceInfo *
info_new (const char *id, const char *name, guint64 memory, double tflops)
{
  PtDeviceInfo *d = g_new0 (PtDeviceInfo, 1);
  d->id = g_strdup (id);
  d->name = g_strdup (name);
  d->total_memory = memory;
  d->peak_tflops = tflops;
  return d;
}

GPtrArray *
pt_device_choices_new (GPtrArray *devices)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_device_info_free);
  guint n_gpus = 0;
  guint64 smallest = G_MAXUINT64;
  double tflops = 0;

  for (guint i = 0; i < devices->len; i++)
    {
      PtDeviceInfo *d = devices->pdata[i];
      g_ptr_array_add (out, info_new (d->id, d->name, d->total_memory, d->peak_tflops));
      if (g_str_has_prefix (d->id, "cuda:") && !g_str_equal (d->id, PT_DEVICE_ALL_GPUS))
        {
          n_gpus++;
          smallest = MIN (smallest, d->total_memory);
          tflops += d->peak_tflops;
        }
    }
  if (n_gpus > 1)
    {
      /* Translators: the device list's choice that trains on every GPU at once */
      g_autofree char *name = g_strdup_printf (ngettext ("All %u GPU", "All %u GPUs", n_gpus), n_gpus);
      g_ptr_array_add (out, info_new (PT_DEVICE_ALL_GPUS, name, smallest, tflops));
    }
  return out;
}

guint
pt_device_choices_n_gpus (GPtrArray *choices)
{
  guint n = 0;
  gboolean all = FALSE;

  for (guint i = 0; i < choices->len; i++)
    {
      PtDeviceInfo *d = choices->pdata[i];
      if (g_str_equal (d->id, PT_DEVICE_ALL_GPUS))
        all = TRUE;
      else if (g_str_has_prefix (d->id, "cuda:"))
        n++;
    }
  return all ? n : 0;
}
