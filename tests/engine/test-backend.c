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
test_cpu_rejects_f16 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = pt_cpu_backend_new (PT_DTYPE_F16, 1, &error);

  g_assert_null (be);
  g_assert_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED);
}

/* BF16 activations with F32 accumulation, as the CUDA backend */
static void
test_cpu_bf16 (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = pt_cpu_backend_new (PT_DTYPE_BF16, 1, &error);

  g_assert_no_error (error);
  g_assert_cmpint (be->act_dtype, ==, PT_DTYPE_BF16);
  g_assert_cmpint (be->acc_dtype, ==, PT_DTYPE_F32);
}

/* the memory limit is a capacity: alloc past it fails and leaves the
 * accounting as it was; freeing makes room again */
static void
test_cpu_memory_limit (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = pt_cpu_backend_new (PT_DTYPE_F32, 1, NULL);
  void *a, *b;

  pt_cpu_backend_set_memory_limit (be, 1000);
  g_assert_cmpuint (be->total_memory, ==, 1000);
  a = be->ops->alloc (be, 600, &error);
  g_assert_no_error (error);
  b = be->ops->alloc (be, 600, &error);
  g_assert_null (b);
  g_assert_error (error, PT_ERROR, PT_ERROR_NO_MEMORY);
  g_assert_nonnull (strstr (error->message, "memory limit"));
  g_clear_error (&error);
  g_assert_cmpuint (be->in_use, ==, 600);
  be->ops->free (be, a);
  b = be->ops->alloc (be, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (be->peak, ==, 1000);
  be->ops->free (be, b);
}

/* --precision: names, and what auto picks */
static void
test_precision (void)
{
  PtPrecision p = PT_PRECISION_F32;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = NULL;

  g_assert_true (pt_precision_parse ("auto", &p) && p == PT_PRECISION_AUTO);
  g_assert_true (pt_precision_parse ("BF16", &p) && p == PT_PRECISION_BF16);
  g_assert_true (pt_precision_parse ("f32", &p) && p == PT_PRECISION_F32);
  g_assert_false (pt_precision_parse ("fp8", &p));
  g_assert_false (pt_precision_parse (NULL, &p));
  g_assert_cmpstr (pt_precision_name (PT_PRECISION_BF16), ==, "bf16");
  /* a GPU computes in BF16; on the CPU auto follows the BF16 units */
  g_assert_cmpint (pt_precision_resolve ("cuda:0", PT_PRECISION_AUTO), ==, PT_PRECISION_BF16);
  g_assert_cmpint (pt_precision_resolve ("cpu", PT_PRECISION_AUTO), ==,
                   pt_cpu_has_bf16_units () ? PT_PRECISION_BF16 : PT_PRECISION_F32);
  g_assert_cmpint (pt_precision_resolve ("cpu", PT_PRECISION_F32), ==, PT_PRECISION_F32);
  g_setenv ("PALITUNE_CPU_BF16", "1", TRUE);
  g_assert_cmpint (pt_precision_resolve ("cpu", PT_PRECISION_AUTO), ==, PT_PRECISION_BF16);
  g_setenv ("PALITUNE_CPU_BF16", "0", TRUE);
  g_assert_cmpint (pt_precision_resolve ("cpu", PT_PRECISION_AUTO), ==, PT_PRECISION_F32);
  g_unsetenv ("PALITUNE_CPU_BF16");

  be = pt_backend_new_full ("cpu", PT_PRECISION_BF16, 1 << 20, &error);
  g_assert_no_error (error);
  g_assert_cmpint (be->act_dtype, ==, PT_DTYPE_BF16);
  g_assert_cmpuint (be->total_memory, ==, 1 << 20);
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
  g_test_add_func ("/engine/backend/cpu-rejects-f16", test_cpu_rejects_f16);
  g_test_add_func ("/engine/backend/cpu-bf16", test_cpu_bf16);
  g_test_add_func ("/engine/backend/cpu-memory-limit", test_cpu_memory_limit);
  g_test_add_func ("/engine/backend/precision", test_precision);
  return g_test_run ();
}
