/* pt-threads.h — how the engine's worker threads wait.
 *
 * The CPU backend's OpenMP threads spin after each parallel region by
 * default; with the trainer, the loader threads and the GUI sharing a few
 * cores, spinning steals the time they need (a 50 µs op took 25 ms on a busy
 * 2-core machine). libgomp reads OMP_WAIT_POLICY once, before main, so the
 * programs call pt_threads_init first: when the variable is unset it sets it
 * to "passive" and re-executes the program (once).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void pt_threads_init (int argc, char **argv);

G_END_DECLS
