/* fuzz-common.h — what every fuzz target shares (header-only, so the
 * libFuzzer builds of tools/fuzz.sh need nothing else). */
#pragma once

#include <glib.h>
#include <stdint.h>   /* uint8_t */
#include <stdlib.h>   /* abort */

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

/* A failed g_return_if_fail anywhere is a bug: abort, which libFuzzer
 * reports and saves (GLib's own fatal path traps). */
static inline GLogWriterOutput
pt_fuzz_abort_on_critical (GLogLevelFlags   level,
                           const GLogField *fields,
                           gsize            n_fields,
                           gpointer         user_data)
{
  GLogWriterOutput out = g_log_writer_default (level, fields, n_fields, user_data);

  if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
    abort ();
  return out;
}

/* Call first in LLVMFuzzerTestOneInput. */
static inline void
pt_fuzz_fatal_criticals (void)
{
  static gboolean done;

  if (!done)
    g_log_set_writer_func (pt_fuzz_abort_on_critical, NULL, NULL);
  done = TRUE;
}
