/* pt-threads.c — how the engine's worker threads wait. */
#include "config.h"

#include <stdlib.h>        /* setenv */
#include <unistd.h>        /* execv */

#include "pt-threads.h"

void
pt_threads_init (int    argc,
                 char **argv)
{
  gboolean changed = FALSE;

  if (g_getenv ("PALITUNE_NO_REEXEC") != NULL)
    return;
#if HAVE_OPENMP
  if (g_getenv ("OMP_WAIT_POLICY") == NULL)
    {
      setenv ("OMP_WAIT_POLICY", "passive", 1);
      changed = TRUE;
    }
#endif
#if HAVE_OPENBLAS_THREADS
  if (g_getenv ("OPENBLAS_THREAD_TIMEOUT") == NULL)
    {
      setenv ("OPENBLAS_THREAD_TIMEOUT", "4", 1);
      changed = TRUE;
    }
#endif
  if (!changed)
    return;
  setenv ("PALITUNE_NO_REEXEC", "1", 1);   /* never loop, whatever happens */
  execv ("/proc/self/exe", argv);
  /* exec failed (no /proc): carry on with the default policies */
}
