/* test-cuda-ops.c — every op case (tests/engine/op-cases.h) on the CUDA
 * backend against the CPU reference in F64, forward and backward, with
 * identical inputs, twice: F32 activations (the F32 bounds of the table) and
 * BF16 activations (its BF16 bounds). The CUDA backend implements the whole
 * table, so here a case it does not support is a failure.
 * Exit 77 (skipped) on machines without a CUDA device.
 * Usage: test-cuda-ops [--attention=flash|gemm] [FILTER]
 *   (runs the cases whose "family/name" contains FILTER; --attention forces
 *   one attention path, as PT_CUDA_ATTENTION does) */
#include "config.h"

#include <stdio.h>          /* printf */
#include <string.h>         /* strlen */

#include "pt-backend.h"     /* pt_cpu_backend_new */
#include "pt-cuda.h"        /* pt_cuda_device_count, pt_cuda_backend_new_full */
#include "op-cases.h"       /* pt_op_cases_compare */

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) cpu = NULL;
  const PtDType acts[2] = { PT_DTYPE_F32, PT_DTYPE_BF16 };
  gboolean ok = TRUE;

  if (pt_cuda_device_count () == 0)
    {
      printf ("SKIP: no CUDA device\n");
      return 77;
    }
  if (argc > 1 && g_str_has_prefix (argv[1], "--attention="))
    {
      g_setenv ("PT_CUDA_ATTENTION", argv[1] + strlen ("--attention="), TRUE);
      argc--;
      argv++;
    }
  cpu = pt_cpu_backend_new (PT_DTYPE_F64, 0, &error);
  g_assert_no_error (error);
  for (int a = 0; a < 2; a++)
    {
      g_autoptr(PtBackend) cuda = pt_cuda_backend_new_full ("cuda:0", acts[a], &error);
      int pass = 0, fail = 0, unsupported = 0;

      if (cuda == NULL)
        {
          fprintf (stderr, "FAIL: %s\n", error->message);
          return 1;
        }
      printf ("reference: %s (F64); other: %s (act %s, acc %s)\n", cpu->device_name,
              cuda->device_name, pt_dtype_name (cuda->act_dtype), pt_dtype_name (cuda->acc_dtype));
      if (!pt_op_cases_compare (cpu, cuda, argc > 1 ? argv[1] : NULL, &pass, &fail, &unsupported))
        ok = FALSE;
      printf ("act %s: %d passed, %d failed, %d not supported\n", pt_dtype_name (acts[a]),
              pass, fail, unsupported);
      if (unsupported > 0 || pass + fail == 0)
        ok = FALSE;   /* a missing op, or a filter that matched nothing */
    }
  return ok ? 0 : 1;
}
