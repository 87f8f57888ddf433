/* fuzz-arrow.c — the Arrow IPC reader on arbitrary bytes: the schema, every
 * record batch, every column as text (structs into "answer" and into their
 * only child), and as images. */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput */

#include <stdint.h>          /* uint8_t */

#include "pt-arrow.h"

#define MAX_BATCHES 16
#define MAX_COLUMNS 32

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(PtArrowFile) f = NULL;
  gint64 rows;

  pt_fuzz_fatal_criticals ();
  f = pt_arrow_open_data (data, size, "fuzz.arrow", NULL);
  if (f == NULL)
    return 0;
  for (guint b = 0; b < MAX_BATCHES && pt_arrow_next_batch (f, &rows, NULL); b++)
    for (guint c = 0; c < MIN (pt_arrow_get_n_columns (f), MAX_COLUMNS); c++)
      {
        const char *const children[] = { NULL, "answer" };
        for (guint k = 0; k < G_N_ELEMENTS (children); k++)
          {
            PtColumnValues v;
            pt_column_values_init (&v);
            if (pt_arrow_read_column (f, c, children[k], &v, NULL))
              g_assert (v.first->len == (guint) rows + 1);
            pt_column_values_clear (&v);
          }
        {
          PtColumnValues v;
          pt_column_values_init (&v);
          if (pt_arrow_read_images (f, c, "/fuzz.arrow", &v, NULL))
            g_assert (v.first->len == (guint) rows + 1);
          pt_column_values_clear (&v);
        }
      }
  return 0;
}
