/* bench-image.c — images per second per core for what the data loader does
 * to each record image: decode a ~640×480 JPEG, resize it to 224 × 224
 * (Pillow BICUBIC) and normalise it to (3, 224, 224) floats.
 *
 *   build/bench/bench-image [SECONDS] [SIZE] [JPEG]
 *
 * Without a JPEG, one is made: a 640×480 synthetic photo (gradients, edges,
 * noise) at quality 90. Prints the split between decode and resize+normalise
 * and the rate per core, both from thread CPU time (so a busy machine does
 * not skew them), then the wall-clock rate with one thread per core.
 */
#include "config.h"

#include <math.h>                    /* sin */
#include <stdio.h>
#include <stdlib.h>                  /* atof */
#include <time.h>                    /* clock_gettime */

#include <gdk-pixbuf/gdk-pixbuf.h>   /* making the test JPEG */

#include "pt-image.h"

static char *
make_jpeg (gsize *len)
{
  const int w = 640, h = 480;
  g_autoptr(GdkPixbuf) pb = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, w, h);
  guint8 *px = gdk_pixbuf_get_pixels (pb);
  int stride = gdk_pixbuf_get_rowstride (pb);
  GRand *rand = g_rand_new_with_seed (1);
  char *data = NULL;

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        guint8 *p = px + y * stride + x * 3;
        double n = g_rand_double_range (rand, -12, 12);
        p[0] = CLAMP (127 + 100 * sin (x / 37.0) * cos (y / 23.0) + n, 0, 255);
        p[1] = CLAMP (255.0 * x / w + n, 0, 255);
        p[2] = ((x / 80 + y / 60) % 2) ? 220 : 30;
      }
  g_rand_free (rand);
  if (!gdk_pixbuf_save_to_buffer (pb, &data, len, "jpeg", NULL, "quality", "90", NULL))
    g_error ("cannot encode the test JPEG");
  return data;
}

/* CPU time of the calling thread, in µs. */
static gint64
cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

typedef struct {
  const char *data;
  gsize       len;
  int         size;
  double      seconds;
  guint       done;
} Work;

static gpointer
worker (gpointer user_data)
{
  Work *w = user_data;
  g_autofree float *out = g_new (float, 3 * w->size * w->size);
  gint64 end = g_get_monotonic_time () + (gint64) (w->seconds * 1e6);

  while (g_get_monotonic_time () < end)
    {
      g_autoptr(PtImage) im = pt_image_load_from_data (w->data, w->len, "bench.jpg", NULL, NULL);
      pt_image_preprocess (im, w->size, out);
      w->done++;
    }
  return NULL;
}

int
main (int argc, char **argv)
{
  double seconds = argc > 1 ? atof (argv[1]) : 3.0;
  int size = argc > 2 ? atoi (argv[2]) : 224;
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(PtImage) probe = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree float *out = g_new (float, 3 * size * size);
  int n_threads = g_get_num_processors ();
  gint64 t0, t_decode = 0, t_rest = 0;
  int reps = 0;
  Work one = { 0 };
  Work *all;
  GThread **threads;
  guint total = 0;

  if (argc > 3 ? !g_file_get_contents (argv[3], &data, &len, &error) : !(data = make_jpeg (&len)))
    g_error ("%s", error ? error->message : "no input");
  probe = pt_image_load_from_data (data, len, "bench.jpg", NULL, &error);
  if (probe == NULL)
    g_error ("%s", error->message);
  printf ("input: %d×%d JPEG, %" G_GSIZE_FORMAT " bytes → (3, %d, %d) floats\n",
          probe->width, probe->height, len, size, size);

  /* one thread, CPU time: decode vs resize + normalise */
  t0 = g_get_monotonic_time ();
  while (g_get_monotonic_time () - t0 < seconds * 1e6)
    {
      gint64 a = cpu_us (), b;
      g_autoptr(PtImage) im = pt_image_load_from_data (data, len, "bench.jpg", NULL, NULL);
      b = cpu_us ();
      pt_image_preprocess (im, size, out);
      t_decode += b - a;
      t_rest += cpu_us () - b;
      reps++;
    }
  printf ("per image (CPU time): decode %.2f ms + resize and normalise %.2f ms = %.2f ms\n",
          t_decode / 1e3 / reps, t_rest / 1e3 / reps, (t_decode + t_rest) / 1e3 / reps);
  printf ("per core: %.1f images/s\n", reps / ((t_decode + t_rest) / 1e6));

  one = (Work) { data, len, size, seconds, 0 };
  worker (&one);
  printf ("one thread, wall clock: %.1f images/s\n", one.done / seconds);

  all = g_new0 (Work, n_threads);
  threads = g_new (GThread *, n_threads);
  for (int i = 0; i < n_threads; i++)
    {
      all[i] = (Work) { data, len, size, seconds, 0 };
      threads[i] = g_thread_new ("bench", worker, &all[i]);
    }
  for (int i = 0; i < n_threads; i++)
    {
      g_thread_join (threads[i]);
      total += all[i].done;
    }
  printf ("%d threads: %.1f images/s (%.1f per core)\n", n_threads, total / seconds,
          total / seconds / n_threads);
  g_free (all);
  g_free (threads);
  return 0;
}
