/* test-cuda-smoke.c — a CUDA device opens, cuBLAS initialises, a kernel runs.
 * Exit 77 (skipped) on machines without a CUDA device. */
#include "config.h"

#include <stdio.h>

#include "pt-backend.h"
#include "pt-cuda.h"

int
main (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtBackend) be = NULL;
  float host[1000], back[1000];
  void *dev;

  if (pt_cuda_device_count () == 0)
    {
      printf ("SKIP: no CUDA device\n");
      return 77;
    }
  pt_cuda_register ();
  be = pt_backend_new ("cuda:0", &error);
  if (be == NULL)
    {
      fprintf (stderr, "FAIL: %s\n", error->message);
      return 1;
    }
  printf ("device: %s, %.1f GiB\n", be->device_name, be->total_memory / 1073741824.0);

  for (int i = 0; i < 1000; i++)
    host[i] = (float) i;
  dev = be->ops->alloc (be, sizeof host, &error);
  if (dev == NULL)
    {
      fprintf (stderr, "FAIL: %s\n", error->message);
      return 1;
    }
  be->ops->upload (be, dev, host, sizeof host);
  be->ops->scale (be, dev, PT_DTYPE_F32, 1000, 0.5);
  be->ops->download (be, back, dev, sizeof host);
  be->ops->free (be, dev);
  if (!be->ops->check (be, &error))
    {
      fprintf (stderr, "FAIL: %s\n", error->message);
      return 1;
    }
  for (int i = 0; i < 1000; i++)
    if (back[i] != 0.5f * i)
      {
        fprintf (stderr, "FAIL: element %d is %g, expected %g\n", i, back[i], 0.5f * i);
        return 1;
      }
  printf ("PASS\n");
  return 0;
}
