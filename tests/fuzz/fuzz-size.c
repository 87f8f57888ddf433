/* fuzz-size.c — the memory sizes of --memory-limit and init-model
 * --max-shard-size (pt_memory_size_parse) and the precision names: any
 * bytes, no crash; an accepted size is a whole number of bytes that the
 * plain byte count reads back as. */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput, pt_fuzz_fatal_criticals */

#include <stdint.h>          /* uint8_t */

#include "pt-backend.h"      /* pt_precision_parse */
#include "pt-settings.h"     /* pt_memory_size_parse */

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);   /* stops at a NUL */
  guint64 bytes = 0, back = 0;
  PtPrecision precision;

  pt_fuzz_fatal_criticals ();
  if (pt_memory_size_parse (text, &bytes))
    {
      g_autofree char *plain = g_strdup_printf ("%" G_GUINT64_FORMAT, bytes);
      g_autofree char *formatted = pt_memory_size_format (bytes);
      g_assert (pt_memory_size_parse (plain, &back));
      g_assert (back == bytes);
      g_assert (pt_memory_size_parse (formatted, &back));
      g_assert (back == bytes);
    }
  if (pt_precision_parse (text, &precision))
    g_assert (g_ascii_strcasecmp (pt_precision_name (precision), text) == 0);
  return 0;
}
