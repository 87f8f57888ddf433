/* bench-loader.c — loader throughput: decode + resize + normalise + tokenize at 224 px.
 *
 * Writes 64 textured 640×480 JPEGs (a typical COCO size) and 512 records
 * over them to /tmp, then runs a whole epoch through pt_loader_new with 1
 * thread and with one per processor, and prints images/s (total and per
 * thread). Every record decodes its image: the loader caches nothing.
 *
 *   build/bench/bench-loader [TOKENIZER_MODEL] [SIZE]
 *   (default tests/fixtures/tokenizer/tokenizer.model, 224; run from the source root)
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>        /* strtol */
#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <glib/gstdio.h>

#include "bench-util.h"          /* bench_cpu_seconds */
#include "pt-dataset.h"
#include "pt-loader.h"
#include "pt-rng.h"            /* pt_rng_hash: reproducible pixels */
#include "pt-tokenizer.h"

#define N_IMAGES  64
#define N_RECORDS 512

static char *
write_dataset (void)
{
  g_autofree char *dir = g_build_filename (g_get_tmp_dir (), "pt-bench-loader", NULL);
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  char *path = g_build_filename (dir, "data.jsonl", NULL);
  g_autoptr(GString) text = g_string_new (NULL);

  g_mkdir_with_parents (images, 0755);
  for (int i = 0; i < N_IMAGES; i++)
    {
      g_autofree char *file = g_strdup_printf ("%s/%03d.jpg", images, i);
      g_autoptr(GdkPixbuf) p = NULL;
      guchar *px;
      int stride;
      if (g_file_test (file, G_FILE_TEST_EXISTS))
        continue;
      p = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 640, 480);
      px = gdk_pixbuf_get_pixels (p);
      stride = gdk_pixbuf_get_rowstride (p);
      /* smooth gradients plus grain: compresses like a photograph */
      for (int y = 0; y < 480; y++)
        for (int x = 0; x < 640; x++)
          {
            guint64 h = pt_rng_hash (i, (guint64) y * 640 + x);
            guchar *q = px + y * stride + 3 * x;
            q[0] = (guchar) ((x * 255 / 640 + (h & 31)) & 255);
            q[1] = (guchar) ((y * 255 / 480 + ((h >> 8) & 31)) & 255);
            q[2] = (guchar) (((x + y + i * 10) & 255) ^ ((h >> 16) & 15));
          }
      g_assert (gdk_pixbuf_save (p, file, "jpeg", NULL, "quality", "90", NULL));
    }
  for (int r = 0; r < N_RECORDS; r++)
    g_string_append_printf (text, "{\"image\": \"images/%03d.jpg\", \"question\": \"what colour is the "
                            "thing number %d in the picture?\", \"answer\": \"a shade of blue %d\"}\n",
                            r % N_IMAGES, r, r);
  g_assert (g_file_set_contents (path, text->str, (gssize) text->len, NULL));
  return path;
}

static void
run (PtDataset *ds, PtTokenizer *tok, int size, int threads)
{
  PtLoaderSource src = { 0 };
  PtLoaderOptions o;
  g_autoptr(PtLoader) l = NULL;
  g_autofree guint *order = g_new (guint, N_RECORDS);
  g_autoptr(GError) error = NULL;
  PtBatch *b;
  guint images = 0;
  gint64 t0;
  double c0, wall, cpu;

  for (guint i = 0; i < N_RECORDS; i++)
    order[i] = i;
  src.dataset = ds;
  src.tokenizer = tok;
  src.image_size = size;
  src.num_image_tokens = (size / 14) * (size / 14);
  src.pad_id = pt_tokenizer_pad_id (tok);
  pt_loader_options_init (&o);
  o.batch_size = 16;
  o.n_threads = threads;
  o.depth = 4;
  t0 = g_get_monotonic_time ();
  c0 = bench_cpu_seconds ();
  l = pt_loader_new (&src, order, N_RECORDS, &o);
  while ((b = pt_loader_next (l, NULL, &error)) != NULL)
    {
      images += (guint) b->B;
      pt_batch_free (b);
    }
  g_assert_no_error (error);
  wall = (g_get_monotonic_time () - t0) / 1e6;
  cpu = bench_cpu_seconds () - c0;
  g_assert (images == N_RECORDS);
  printf ("%2d thread%s  %6.1f images/s (%5.1f per thread), %.2f s wall, %.2f s CPU → %.1f images per CPU-second\n",
          threads, threads == 1 ? " " : "s", images / wall, images / wall / threads, wall, cpu, images / cpu);
}

int
main (int argc, char **argv)
{
  const char *model = argc > 1 ? argv[1] : "tests/fixtures/tokenizer/tokenizer.model";
  int size = argc > 2 ? (int) strtol (argv[2], NULL, 10) : 224;
  g_autofree char *path = write_dataset ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTokenizer) tok = pt_tokenizer_load (model, &error);
  g_autoptr(PtDataset) ds = NULL;

  if (tok == NULL)
    {
      fprintf (stderr, "bench-loader: %s\n", error->message);
      return 1;
    }
  ds = pt_dataset_load (path, PT_DATASET_FORMAT_AUTO, NULL, &error);
  g_assert_no_error (error);
  printf ("%d records over %d 640×480 JPEGs → %d px, batch 16, %u processors\n", N_RECORDS, N_IMAGES,
          size, g_get_num_processors ());
  run (ds, tok, size, 1);
  if (g_get_num_processors () > 1)
    run (ds, tok, size, (int) g_get_num_processors ());
  return 0;
}
