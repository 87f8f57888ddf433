/* test-cuda-memory.c — device memory accounting, running out of memory, and
 * latched errors: asking for more than the device has is PT_ERROR_NO_MEMORY
 * (not a crash, not a sticky error), and a failed library call surfaces in
 * check(). Exit 77 (skipped) without a CUDA device.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "pt-backend.h"
#include "pt-cuda.h"
#include "pt-error.h"

static PtBackend *
new_backend (void)
{
  g_autoptr(GError) error = NULL;
  PtBackend *be = pt_cuda_backend_new_full ("cuda:0", PT_DTYPE_BF16, &error);
  g_assert_no_error (error);
  return be;
}

static void
test_accounting (void)
{
  g_autoptr(PtBackend) be = new_backend ();
  g_autoptr(GError) error = NULL;
  void *a = be->ops->alloc (be, 1000, &error);
  void *b;

  g_assert_no_error (error);
  b = be->ops->alloc (be, 3000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (be->in_use, ==, 4000);
  be->ops->free (be, a);
  g_assert_cmpuint (be->in_use, ==, 3000);
  be->ops->free (be, b);
  g_assert_cmpuint (be->in_use, ==, 0);
  g_assert_cmpuint (be->peak, ==, 4000);
  g_assert_true (be->ops->check (be, &error));
}

static void
test_out_of_memory (void)
{
  g_autoptr(PtBackend) be = new_backend ();
  g_autoptr(GError) error = NULL;
  const size_t sizes[2] = { be->total_memory + ((size_t) 1 << 30), G_MAXSIZE - 4096 };
  float host[256], back[256];
  void *p;

  g_assert_cmpuint (be->total_memory, >, 0);
  for (int i = 0; i < 2; i++)
    {
      p = be->ops->alloc (be, sizes[i], &error);
      g_assert_null (p);
      g_assert_error (error, PT_ERROR, PT_ERROR_NO_MEMORY);
      g_test_message ("%s", error->message);
      g_clear_error (&error);
      g_assert_cmpuint (be->in_use, ==, 0);
    }
  p = be->ops->host_alloc (be, G_MAXSIZE - 4096, &error);
  g_assert_null (p);
  g_assert_error (error, PT_ERROR, PT_ERROR_NO_MEMORY);
  g_clear_error (&error);

  /* the device still works, and no error was latched */
  for (int i = 0; i < 256; i++)
    host[i] = (float) i;
  p = be->ops->alloc (be, sizeof host, &error);
  g_assert_no_error (error);
  be->ops->upload (be, p, host, sizeof host);
  be->ops->scale (be, p, PT_DTYPE_F32, 256, 2.0);
  be->ops->download (be, back, p, sizeof back);
  be->ops->free (be, p);
  for (int i = 0; i < 256; i++)
    g_assert_cmpfloat (back[i], ==, 2.0f * i);
  g_assert_true (be->ops->check (be, &error));
  g_assert_no_error (error);
}

static void
test_latched_error (void)
{
  g_autoptr(PtBackend) be = new_backend ();
  g_autoptr(GError) error = NULL;
  float *a = be->ops->alloc (be, 64 * sizeof (float), &error);

  g_assert_no_error (error);
  be->ops->zero (be, a, 64 * sizeof (float));
  /* lda 1 is too small for a 4x4 row-major A: cuBLAS refuses the call */
  be->ops->gemm (be, FALSE, FALSE, 4, 4, 4, 1.0, a, PT_DTYPE_F32, 1, a, PT_DTYPE_F32, 4,
                 0.0, a + 32, PT_DTYPE_F32, 4);
  g_assert_false (be->ops->check (be, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_DEVICE);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "gemm"));
  be->ops->free (be, a);
}

int
main (int argc, char **argv)
{
  if (pt_cuda_device_count () == 0)
    {
      printf ("SKIP: no CUDA device\n");
      return 77;
    }
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gpu/memory/accounting", test_accounting);
  g_test_add_func ("/gpu/memory/out-of-memory", test_out_of_memory);
  g_test_add_func ("/gpu/memory/latched-error", test_latched_error);
  return g_test_run ();
}
