/* bench-util.h — what the CPU benchmarks share (header-only). */
#pragma once

#include <time.h>    /* clock_gettime */

/* CPU seconds the whole process has used (all threads, user + system): what
 * a run costs even when other jobs share the machine. */
static inline double
bench_cpu_seconds (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}
