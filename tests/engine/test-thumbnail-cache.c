/* test-thumbnail-cache.c — the browser's thumbnail LRU: sizes, caching, failures, eviction, threads. */
#include "config.h"

#include <string.h>

#include "dataset-test-util.h"
#include "pt-error.h"
#include "pt-thumbnail-cache.h"

static void
test_sizes_and_hits (void)
{
  g_autoptr(PtThumbnailCache) c = pt_thumbnail_cache_new (16, 0);
  g_autofree char *red = fixture ("images/red.png");     /* 32 × 24, pure red */
  g_autofree char *wide = fixture ("images/wide.png");   /* 300 × 100 */
  g_autofree char *green = fixture ("images/green.png"); /* 20 × 20 */
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) a = NULL, b = NULL, w = NULL, g = NULL, p = NULL;
  int width = 0, height = 0;
  const guint8 *px;
  gsize n;

  a = pt_thumbnail_cache_get (c, red, &width, &height, &error);
  g_assert_no_error (error);
  g_assert_cmpint (width, ==, 16);
  g_assert_cmpint (height, ==, 12);
  px = g_bytes_get_data (a, &n);
  g_assert_cmpuint (n, ==, 16 * 12 * 3);
  g_assert_cmpuint (px[0], ==, 255);
  g_assert_cmpuint (px[1], ==, 0);
  g_assert_cmpuint (px[n - 1], ==, 0);
  /* the second request is the cached copy itself */
  b = pt_thumbnail_cache_get (c, red, &width, &height, &error);
  g_assert_true (a == b);
  w = pt_thumbnail_cache_get (c, wide, &width, &height, &error);
  g_assert_cmpint (width, ==, 16);
  g_assert_cmpint (height, >=, 5);   /* 100 · 16 / 300 = 5.33, rounded by the decoder */
  g_assert_cmpint (height, <=, 6);
  g_clear_pointer (&w, g_bytes_unref);
  g = pt_thumbnail_cache_get (c, green, &width, &height, &error);
  g_assert_cmpint (width, ==, 16);
  p = pt_thumbnail_cache_peek (c, red, &width, &height);
  g_assert_true (p == a);
  g_assert_cmpuint (pt_thumbnail_cache_get_entries (c), ==, 3);
  pt_thumbnail_cache_clear (c);
  g_assert_cmpuint (pt_thumbnail_cache_get_entries (c), ==, 0);
  g_assert_null (pt_thumbnail_cache_peek (c, red, &width, &height));
  /* handed-out bytes outlive the cache's copy */
  px = g_bytes_get_data (a, &n);
  g_assert_cmpuint (px[0], ==, 255);
}

static void
test_failures_cached (void)
{
  g_autoptr(PtThumbnailCache) c = pt_thumbnail_cache_new (16, 0);
  const char *names[] = { "images/corrupt.jpg", "images/empty.png", "images/missing.png",
                          "images/not-an-image.png" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    for (int again = 0; again < 2; again++)
      {
        g_autofree char *path = fixture (names[i]);
        g_autoptr(GError) error = NULL;
        int w = -1, h = -1;
        g_autoptr(GBytes) b = pt_thumbnail_cache_get (c, path, &w, &h, &error);
        g_assert_null (b);
        g_assert_nonnull (error);
        g_assert_true (error->domain == PT_ERROR);
        g_assert_cmpint (w, ==, -1);
      }
  g_assert_cmpuint (pt_thumbnail_cache_get_entries (c), ==, G_N_ELEMENTS (names));
}

static void
test_eviction (void)
{
  /* room for about two 16 × 12 thumbnails (576 bytes each, plus bookkeeping) */
  g_autoptr(PtThumbnailCache) c = pt_thumbnail_cache_new (16, 1400);
  const char *names[] = { "images/red.png", "images/blue.jpg", "images/green.png", "images/wide.png" };
  int w, h;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = fixture (names[i]);
      g_autoptr(GBytes) b = pt_thumbnail_cache_get (c, path, &w, &h, NULL);
      g_assert_nonnull (b);
      g_assert_cmpuint (pt_thumbnail_cache_get_bytes (c), <=, 1400);
    }
  /* the oldest went first, the newest stayed */
  {
    g_autofree char *first = fixture (names[0]);
    g_autofree char *last = fixture (names[3]);
    g_autoptr(GBytes) gone = pt_thumbnail_cache_peek (c, first, &w, &h);
    g_autoptr(GBytes) kept = pt_thumbnail_cache_peek (c, last, &w, &h);
    g_assert_null (gone);
    g_assert_nonnull (kept);
  }
}

typedef struct {
  PtThumbnailCache *cache;
  char            **paths;
  guint             n_paths;
  guint             seed;
} Worker;

static gpointer
hammer (gpointer data)
{
  Worker *wk = data;

  for (guint i = 0; i < 200; i++)
    {
      guint k = (i * 7 + wk->seed) % wk->n_paths;
      int w = 0, h = 0;
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) b = pt_thumbnail_cache_get (wk->cache, wk->paths[k], &w, &h, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (g_bytes_get_size (b), ==, (gsize) 3 * w * h);
    }
  return NULL;
}

static void
test_threads (void)
{
  /* a small budget, so threads evict under each other's feet */
  g_autoptr(PtThumbnailCache) c = pt_thumbnail_cache_new (24, 3000);
  char *paths[] = { fixture ("images/red.png"), fixture ("images/blue.jpg"), fixture ("images/green.png"),
                    fixture ("images/wide.png"), fixture ("images/truncated.jpg"), NULL };
  Worker workers[6];
  GThread *threads[6];
  g_autoptr(GError) error = NULL;
  int w, h;

  /* the truncated JPEG is refused by the decoder: not part of the hammering */
  g_assert_null (pt_thumbnail_cache_get (c, paths[4], &w, &h, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    {
      workers[t] = (Worker) { c, paths, 4, t };
      threads[t] = g_thread_new ("hammer", hammer, &workers[t]);
    }
  for (guint t = 0; t < G_N_ELEMENTS (threads); t++)
    g_thread_join (threads[t]);
  g_assert_cmpuint (pt_thumbnail_cache_get_bytes (c), <=, 3000);
  for (guint i = 0; paths[i]; i++)
    g_free (paths[i]);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/thumbnail-cache/sizes-hits", test_sizes_and_hits);
  g_test_add_func ("/engine/thumbnail-cache/failures-cached", test_failures_cached);
  g_test_add_func ("/engine/thumbnail-cache/eviction", test_eviction);
  g_test_add_func ("/engine/thumbnail-cache/threads", test_threads);
  return g_test_run ();
}
