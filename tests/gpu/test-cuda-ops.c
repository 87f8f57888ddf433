/* test-cuda-ops.c — every op case (tests/engine/op-cases.h) on the CUDA
 * backend against the CPU reference in F64, forward and backward, with
 * identical inputs and NMSE bounds scaled for the CUDA act dtype. An op the
 * CUDA backend lacks is reported "not supported", not failed.
 * Exit 77 (skipped) on machines without a CUDA device.
 * Usage: test-cuda-ops [FILTER]   (runs the cases whose "family/name" contains FILTER) */
#include "config.h"

#include <stdio.h>          /* printf */

#include "pt-backend.h"     /* pt_backend_new, pt_cpu_backend_new */
#include "pt-cuda.h"        /* pt_cuda_device_count, pt_cuda_register */
#include "op-cases.h"       /* pt_op_cases_compare */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) cuda = NULL;
  g_autoptr(PtBackend) cpu = NULL;
  int pass = 0, fail = 0, unsupported = 0;
  gboolean ok;

  if (pt_cuda_device_count () == 0)
    {
      printf ("SKIP: no CUDA device\n");
      return 77;
    }
  pt_cuda_register ();
  cuda = pt_backend_new ("cuda:0", &error);
  if (cuda == NULL)
    {
      fprintf (stderr, "FAIL: %s\n", error->message);
      return 1;
    }
  cpu = pt_cpu_backend_new (PT_DTYPE_F64, 0, &error);
  g_assert_no_error (error);
  printf ("reference: %s (F64); other: %s (act %s, acc %s)\n", cpu->device_name,
          cuda->device_name, pt_dtype_name (cuda->act_dtype), pt_dtype_name (cuda->acc_dtype));

  ok = pt_op_cases_compare (cpu, cuda, argc > 1 ? argv[1] : NULL, &pass, &fail, &unsupported);
  printf ("%d passed, %d failed, %d not supported\n", pass, fail, unsupported);
  return ok ? 0 : 1;
}
