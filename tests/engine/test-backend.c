/* test-backend.c — the backend registry and the CPU backend's memory ops. */
#include "config.h"

#include <string.h>

#include "pt-backend.h"
#include "pt-error.h"

static void
test_dtype_sizes (void)
{
  g_assert_cmpuint (pt_dtype_size (PT_DTYPE_F32), ==, 4);
  g_assert_cmpuint (pt_dtype_size (PT_DTYPE_F64), ==, 8);
  g_assert_cmpuint (pt_dtype_size (PT_DTYPE_BF16), ==, 2);
  g_assert_cmpuint (pt_dtype_size (PT_DTYPE_F16), ==, 2);
  g_assert_cmpuint (pt_dtype_size (PT_DTYPE_U8), ==, 1);
  g_assert_cmpuint (pt_dtype_size (PT_DTYPE_I32), ==, 4);
  g_assert_cmpstr (pt_dtype_name (PT_DTYPE_BF16), ==, "BF16");
}

static void
test_devices_list_cpu_first (void)
{
  g_autoptr(GPtrArray) devices = pt_backend_list_devices ();
  PtDeviceInfo *cpu;

  g_assert_cmpuint (devices->len, >=, 1);
  cpu = devices->pdata[0];
  g_assert_cmpstr (cpu->id, ==, "cpu");
  g_assert_cmpuint (cpu->total_memory, >, 0);
}

static void
test_unknown_device_is_an_error (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = pt_backend_new ("tpu:0", &error);

  g_assert_null (be);
  g_assert_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED);
}

static void
test_cpu_memory_accounting (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = pt_backend_new ("cpu", &error);
  float host[100], back[100];
  void *a, *b;

  g_assert_no_error (error);
  g_assert_cmpint (be->act_dtype, ==, PT_DTYPE_F32);
  a = be->ops->alloc (be, sizeof host, &error);
  g_assert_no_error (error);
  g_assert_true (((guintptr) a & 63) == 0);
  b = be->ops->alloc (be, sizeof host, &error);
  g_assert_cmpuint (be->in_use, ==, 2 * sizeof host);

  for (int i = 0; i < 100; i++)
    host[i] = i * 0.5f;
  be->ops->upload (be, a, host, sizeof host);
  be->ops->copy (be, b, a, sizeof host);
  be->ops->zero (be, a, sizeof host);
  be->ops->download (be, back, b, sizeof host);
  g_assert_cmpmem (back, sizeof back, host, sizeof host);
  be->ops->download (be, back, a, sizeof host);
  g_assert_cmpfloat (back[99], ==, 0.0f);

  be->ops->free (be, a);
  be->ops->free (be, b);
  g_assert_cmpuint (be->in_use, ==, 0);
  g_assert_cmpuint (be->peak, ==, 2 * sizeof host);
  g_assert_true (be->ops->check (be, &error));
}

static void
test_cpu_huge_alloc_fails_cleanly (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = pt_cpu_backend_new (PT_DTYPE_F32, 1, NULL);
  void *p = be->ops->alloc (be, G_MAXSIZE - 10, &error);

  g_assert_null (p);
  g_assert_error (error, PT_ERROR, PT_ERROR_NO_MEMORY);
  g_assert_cmpuint (be->in_use, ==, 0);
}

static void
test_cpu_rejects_bf16 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = pt_cpu_backend_new (PT_DTYPE_BF16, 1, &error);

  g_assert_null (be);
  g_assert_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/backend/dtype-sizes", test_dtype_sizes);
  g_test_add_func ("/engine/backend/devices", test_devices_list_cpu_first);
  g_test_add_func ("/engine/backend/unknown-device", test_unknown_device_is_an_error);
  g_test_add_func ("/engine/backend/cpu-memory", test_cpu_memory_accounting);
  g_test_add_func ("/engine/backend/cpu-huge-alloc", test_cpu_huge_alloc_fails_cleanly);
  g_test_add_func ("/engine/backend/cpu-rejects-bf16", test_cpu_rejects_bf16);
  return g_test_run ();
}
