/* pt-backend.c — dtype helpers and the registry of compute backends. */
#include "config.h"

#include "pt-backend.h"
#include "pt-error.h"     /* PT_ERROR */

#include <unistd.h>       /* sysconf */

size_t
pt_dtype_size (PtDType dtype)
{
  switch (dtype)
    {
    case PT_DTYPE_F32: return 4;
    case PT_DTYPE_F64: return 8;
    case PT_DTYPE_BF16: return 2;
    case PT_DTYPE_F16: return 2;
    case PT_DTYPE_U8: return 1;
    case PT_DTYPE_I32: return 4;
    case PT_N_DTYPES:
    default: return 0;
    }
}

const char *
pt_dtype_name (PtDType dtype)
{
  static const char *names[PT_N_DTYPES] = { "F32", "F64", "BF16", "F16", "U8", "I32" };
  return (unsigned) dtype < PT_N_DTYPES ? names[dtype] : "?";
}

typedef struct {
  char             *prefix;
  PtListDevicesFunc list;
  PtBackendNewFunc  create;
} Registration;

static GMutex registry_lock;
static GPtrArray *registry;   /* of Registration*, never freed */

void
pt_backend_register (const char       *prefix,
                     PtListDevicesFunc list,
                     PtBackendNewFunc  create)
{
  Registration *r;

  g_return_if_fail (prefix != NULL && list != NULL && create != NULL);

  g_mutex_lock (&registry_lock);
  if (registry == NULL)
    registry = g_ptr_array_new ();
  for (guint i = 0; i < registry->len; i++)
    if (g_str_equal (((Registration *) registry->pdata[i])->prefix, prefix))
      {
        g_mutex_unlock (&registry_lock);
        return;
      }
  r = g_new0 (Registration, 1);
  r->prefix = g_strdup (prefix);
  r->list = list;
  r->create = create;
  g_ptr_array_add (registry, r);
  g_mutex_unlock (&registry_lock);
}

void
pt_device_info_free (PtDeviceInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->id);
  g_free (info->name);
  g_free (info);
}

static guint64
host_memory_bytes (void)
{
  long pages = sysconf (_SC_PHYS_PAGES);
  long page_size = sysconf (_SC_PAGESIZE);
  return pages > 0 && page_size > 0 ? (guint64) pages * (guint64) page_size : 0;
}

GPtrArray *
pt_backend_list_devices (void)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_device_info_free);
  PtDeviceInfo *cpu = g_new0 (PtDeviceInfo, 1);

  cpu->id = g_strdup ("cpu");
  cpu->name = g_strdup_printf ("CPU (%u threads)", g_get_num_processors ());
  cpu->total_memory = host_memory_bytes ();
  g_ptr_array_add (out, cpu);

  g_mutex_lock (&registry_lock);
  for (guint i = 0; registry != NULL && i < registry->len; i++)
    {
      Registration *r = registry->pdata[i];
      g_autoptr(GPtrArray) more = r->list ();
      for (guint j = 0; more != NULL && j < more->len; j++)
        g_ptr_array_add (out, g_steal_pointer (&more->pdata[j]));
      if (more != NULL)
        g_ptr_array_set_free_func (more, NULL);
    }
  g_mutex_unlock (&registry_lock);
  return out;
}

PtBackend *
pt_backend_new (const char *device_id,
                GError    **error)
{
  g_return_val_if_fail (device_id != NULL, NULL);

  if (g_str_equal (device_id, "cpu"))
    return pt_cpu_backend_new (PT_DTYPE_F32, 0, error);

  g_mutex_lock (&registry_lock);
  for (guint i = 0; registry != NULL && i < registry->len; i++)
    {
      Registration *r = registry->pdata[i];
      if (g_str_has_prefix (device_id, r->prefix))
        {
          PtBackendNewFunc create = r->create;
          g_mutex_unlock (&registry_lock);
          return create (device_id, error);
        }
    }
  g_mutex_unlock (&registry_lock);

  g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
               "Unknown device “%s”: this build knows “cpu”%s", device_id,
               HAVE_CUDA ? " and “cuda:N”" : " only (built without CUDA)");
  return NULL;
}

const char *
pt_precision_name (PtPrecision precision)
{
  switch (precision)
    {
    case PT_PRECISION_BF16: return "bf16";
    case PT_PRECISION_F32: return "f32";
    case PT_PRECISION_AUTO:
    default: return "auto";
    }
}

gboolean
pt_precision_parse (const char  *text,
                    PtPrecision *out)
{
  for (PtPrecision p = PT_PRECISION_AUTO; p <= PT_PRECISION_F32; p++)
    if (text != NULL && g_ascii_strcasecmp (text, pt_precision_name (p)) == 0)
      {
        *out = p;
        return TRUE;
      }
  return FALSE;
}

PtPrecision
pt_precision_resolve (const char  *device_id,
                      PtPrecision  precision)
{
  if (precision != PT_PRECISION_AUTO)
    return precision;
  if (device_id != NULL && !g_str_equal (device_id, "cpu"))
    return PT_PRECISION_BF16;   /* CUDA computes in BF16 only */
  return pt_cpu_has_bf16_units () ? PT_PRECISION_BF16 : PT_PRECISION_F32;
}

PtBackend *
pt_backend_new_full (const char  *device_id,
                     PtPrecision  precision,
                     guint64      memory_limit,
                     GError     **error)
{
  PtBackend *be;

  g_return_val_if_fail (device_id != NULL, NULL);

  precision = pt_precision_resolve (device_id, precision);
  if (g_str_equal (device_id, "cpu"))
    {
      be = pt_cpu_backend_new (precision == PT_PRECISION_BF16 ? PT_DTYPE_BF16 : PT_DTYPE_F32,
                               0, error);
      if (be != NULL && memory_limit > 0)
        pt_cpu_backend_set_memory_limit (be, memory_limit);
      return be;
    }
  if (precision == PT_PRECISION_F32)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "%s computes in bf16 only; choose precision bf16 or auto, or the CPU for f32",
                   device_id);
      return NULL;
    }
  if (memory_limit > 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "A memory limit applies to the CPU; %s has its own memory", device_id);
      return NULL;
    }
  return pt_backend_new (device_id, error);
}

void
pt_backend_free (PtBackend *be)
{
  if (be != NULL && be->destroy != NULL)
    be->destroy (be);
}
