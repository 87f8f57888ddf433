/* fuzz-parquet.c — the Parquet reader on arbitrary bytes: the footer, every
 * column of every row group (values and presence only), and the cells an
 * image loader would fetch. */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput */

#include <stdint.h>          /* uint8_t */

#include "pt-parquet.h"

/* Caps the work one input can ask for (a fuzzer wants many per second). */
#define MAX_GROUPS 16
#define MAX_LEAVES 32

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(PtParquetFile) f = NULL;

  pt_fuzz_fatal_criticals ();
  f = pt_parquet_open_data (data, size, "fuzz.parquet", NULL);
  if (f == NULL)
    return 0;
  for (guint g = 0; g < MIN (pt_parquet_get_n_row_groups (f), MAX_GROUPS); g++)
    for (guint l = 0; l < MIN (pt_parquet_get_n_leaves (f), MAX_LEAVES); l++)
      {
        const PtParquetLeaf *leaf = pt_parquet_get_leaf (f, l);
        const PtParquetChunk *c = pt_parquet_get_chunk (f, g, l);
        for (int presence = 0; presence < 2; presence++)
          {
            PtColumnValues v;
            pt_column_values_init (&v);
            if (pt_parquet_read_column (f, g, l, presence, &v, NULL))
              g_assert (v.first->len == (guint) pt_parquet_get_row_group_rows (f, g) + 1);
            pt_column_values_clear (&v);
          }
        if (leaf->type == PT_PARQUET_BYTE_ARRAY && leaf->max_rep == 0)
          for (gint64 row = 0; row < MIN (pt_parquet_get_row_group_rows (f, g), 3); row++)
            {
              GBytes *b = pt_parquet_read_cell (f, c->start, c->length, c->codec, leaf->max_def,
                                                row, NULL);
              if (b != NULL)
                g_bytes_unref (b);
            }
      }
  return 0;
}
