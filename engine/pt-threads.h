/* pt-threads.h — how the engine's worker threads wait.
 *
 * The CPU backend's OpenMP threads spin after each parallel region by
 * default; with the trainer, the loader threads and the GUI sharing a few
 * cores, spinning steals the time they need (a 50 µs op took 25 ms on a busy
 * 2-core machine). OpenBLAS's workers likewise spin (sched_yield) for about
 * 2^28 cycles after each product before they sleep; OPENBLAS_THREAD_TIMEOUT=4
 * makes them sleep at once, which cut the CPU time of a micro-model training
 * step by a quarter on a busy 2-core machine, for the same results. libgomp
 * and OpenBLAS read their variables once, before main, so the programs call
 * pt_threads_init first: when OMP_WAIT_POLICY or OPENBLAS_THREAD_TIMEOUT is
 * unset it sets it ("passive", "4") and re-executes the program (once).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void pt_threads_init (int argc, char **argv);

G_END_DECLS
