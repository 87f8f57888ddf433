/* test-cuda-ops.c — every op case (tests/engine/op-cases.h) on the CUDA
 * backend against the CPU reference in F64, forward and backward, with
 * identical inputs: F32 activations (the F32 bounds of the table) and BF16
 * activations (its BF16 bounds), each with the backend's own choice of
 * attention path, then the attention cases again through each path forced
 * (PT_CUDA_ATTENTION=gemm: scores through cuBLAS; =flash: the flash
 * kernels). The op table is the one reference for every op: the CPU backend
 * (F32, F64, BF16: tests/engine/test-ops.c), these kernels and the emulator
 * (suite gpu-emu) are all checked against it. The CUDA backend implements
 * the whole table, so here a case it does not support is a failure.
 * Exit 77 (skipped) on machines without a CUDA device.
 * Usage: test-cuda-ops [FILTER]   (runs the cases whose "family/name" contains FILTER) */
#include "config.h"

#include <stdio.h>          /* printf */
#include <string.h>         /* strstr */

#include "pt-backend.h"     /* pt_cpu_backend_new */
#include "pt-cuda.h"        /* pt_cuda_device_count, pt_cuda_backend_new_full */
#include "op-cases.h"       /* pt_op_cases_compare */

/* The cases a pass runs: all (matching the user's filter) with the backend's
 * own attention path; with a forced path only the attention cases, NULL
 * when the user's filter names none. */
static const char *
pass_filter (const char *path, const char *filter, gboolean *skip)
{
  *skip = FALSE;
  if (path == NULL)
    return filter;
  if (filter == NULL)
    return "attention/";
  *skip = strstr (filter, "attention") == NULL;
  return filter;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) cpu = NULL;
  const PtDType acts[2] = { PT_DTYPE_F32, PT_DTYPE_BF16 };
  /* NULL: the backend's choice; then each attention path forced */
  const char *const paths[3] = { NULL, "gemm", "flash" };
  const char *filter = argc > 1 ? argv[1] : NULL;
  gboolean ok = TRUE;

  if (pt_cuda_device_count () == 0)
    {
      printf ("SKIP: no CUDA device\n");
      return 77;
    }
  cpu = pt_cpu_backend_new (PT_DTYPE_F64, 0, &error);
  g_assert_no_error (error);
  for (int x = 0; x < 3; x++)
    for (int a = 0; a < 2; a++)
      {
        g_autoptr(PtBackend) cuda = NULL;
        gboolean skip;
        const char *f = pass_filter (paths[x], filter, &skip);
        int pass = 0, fail = 0, unsupported = 0;

        if (skip)
          continue;
        if (paths[x] != NULL)
          g_setenv ("PT_CUDA_ATTENTION", paths[x], TRUE);
        else
          g_unsetenv ("PT_CUDA_ATTENTION");
        cuda = pt_cuda_backend_new_full ("cuda:0", acts[a], &error);
        if (cuda == NULL)
          {
            fprintf (stderr, "FAIL: %s\n", error->message);
            return 1;
          }
        printf ("reference: %s (F64); other: %s (act %s, acc %s, attention %s)\n",
                cpu->device_name, cuda->device_name, pt_dtype_name (cuda->act_dtype),
                pt_dtype_name (cuda->acc_dtype), paths[x] ? paths[x] : "auto");
        if (!pt_op_cases_compare (cpu, cuda, f, &pass, &fail, &unsupported))
          ok = FALSE;
        printf ("act %s, attention %s: %d passed, %d failed, %d not supported\n",
                pt_dtype_name (acts[a]), paths[x] ? paths[x] : "auto", pass, fail, unsupported);
        if (unsupported > 0 || pass + fail == 0)
          ok = FALSE;   /* a missing op, or a filter that matched nothing */
      }
  g_unsetenv ("PT_CUDA_ATTENTION");
  return ok ? 0 : 1;
}
