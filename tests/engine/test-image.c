/* test-image.c — decoding, Pillow BICUBIC resizing and SigLIP normalisation
 * against Pillow / SiglipImageProcessor (tests/fixtures/image/images.json,
 * tools/make-processor-fixtures.py); malformed files and bombs. */
#include "config.h"

#include <math.h>        /* fabsf */
#include <string.h>      /* strstr */
#include <stdlib.h>      /* abs */
#include <stdio.h>       /* fopen */
#include <unistd.h>      /* ftruncate */
#include <glib/gstdio.h> /* g_unlink */

#include "pt-error.h"
#include "pt-image.h"
#include "pt-test-util.h"


static JsonObject *
fixtures (void)
{
  return pt_test_fixture_object ("image/images.json", 1 << 24);
}

static char *
image_path (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "image", name, NULL);
}

static PtImage *
load (const char *name, const PtImageOptions *options)
{
  g_autofree char *path = image_path (name);
  g_autoptr(GError) error = NULL;
  PtImage *im = pt_image_load (path, options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (im);
  return im;
}

/* Compares RGB bytes with a base64 reference: the largest difference in
 * uint8 levels, and how many values differ. */
static int
compare_rgb (const PtImage *im, const char *b64, int *n_differ)
{
  gsize len = 0;
  g_autofree guint8 *ref = g_base64_decode (b64, &len);
  int max = 0;

  g_assert_cmpuint (len, ==, (gsize) im->width * im->height * 3);
  *n_differ = 0;
  for (gsize i = 0; i < len; i++)
    {
      int d = abs ((int) im->data[i] - (int) ref[i]);
      max = MAX (max, d);
      *n_differ += d != 0;
    }
  return max;
}

static void
test_resize_matches_pillow (void)
{
  JsonArray *cases = json_object_get_array_member (fixtures (), "resize");
  int worst = 0, total_differ = 0;
  gsize total = 0;

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *source = json_object_get_string_member (c, "source");
      int w = json_object_get_int_member (c, "width");
      int h = json_object_get_int_member (c, "height");
      g_autoptr(PtImage) src = load (source, NULL);
      g_autoptr(PtImage) out = pt_image_resize_bicubic (src, w, h);
      int n_differ, max;

      g_assert_cmpint (out->width, ==, w);
      g_assert_cmpint (out->height, ==, h);
      max = compare_rgb (out, json_object_get_string_member (c, "rgb"), &n_differ);
      g_test_message ("%s %d×%d → %d×%d: max difference %d, %d values differ", source,
                      src->width, src->height, w, h, max, n_differ);
      worst = MAX (worst, max);
      total_differ += n_differ;
      total += (gsize) w * h * 3;
    }
  g_test_message ("resize: max difference %d levels, %d of %" G_GSIZE_FORMAT " values differ",
                  worst, total_differ, total);
  g_assert_cmpint (worst, ==, 0);   /* bit-exact with Pillow */
}

/* The one designed difference (see pt-image.h): gray16.png, where Pillow
 * clips the 16-bit grey value to 255 (mode I;16 → RGB) and PaliTune keeps
 * the high byte, as Pillow does for 16-bit RGB; checked against that. */
static gboolean
known_different (JsonObject *c)
{
  return json_object_has_member (c, "rgb_high_byte");
}

static void
test_decode_matches_pillow (void)
{
  JsonArray *cases = json_object_get_array_member (fixtures (), "decode");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *file = json_object_get_string_member (c, "file");
      PtImageOptions drop = { .alpha = PT_IMAGE_ALPHA_DROP };
      g_autoptr(PtImage) im = load (file, NULL);
      g_autoptr(PtImage) im_white = load (file, &drop);   /* the other alpha rule */
      int n_differ, n_differ_white, max, max_white;

      g_assert_cmpint (im->width, ==, json_object_get_int_member (c, "width"));
      g_assert_cmpint (im->height, ==, json_object_get_int_member (c, "height"));
      max = compare_rgb (im, json_object_get_string_member (c, "rgb"), &n_differ);
      max_white = compare_rgb (im_white, json_object_get_string_member (c, "rgb_drop"),
                               &n_differ_white);
      g_test_message ("%s (PIL mode %s, %d×%d): max difference %d (%d values); alpha dropped %d (%d)",
                      file, json_object_get_string_member (c, "pil_mode"), im->width,
                      im->height, max, n_differ, max_white, n_differ_white);
      if (known_different (c))
        {
          max = compare_rgb (im, json_object_get_string_member (c, "rgb_high_byte"), &n_differ);
          g_test_message ("%s: against the high bytes, max difference %d", file, max);
          g_assert_cmpint (max, ==, 0);
          continue;
        }
      g_assert_cmpint (max, <=, 1);
      g_assert_cmpint (max_white, <=, 1);
    }
}

static void
test_pixel_values (void)
{
  JsonArray *cases = json_object_get_array_member (fixtures (), "pixel_values");
  gsize len = 0;
  g_autofree float *map = (float *) g_base64_decode (
    json_object_get_string_member (fixtures (), "value_map_f32"), &len);
  g_autoptr(PtImage) ramp = pt_image_new (16, 16);
  g_autofree float *out = g_new (float, 3 * 256);

  /* every uint8 level maps to SiglipImageProcessor's float32, bit for bit */
  g_assert_cmpuint (len, ==, 256 * sizeof (float));
  for (int v = 0; v < 256; v++)
    ramp->data[v * 3] = ramp->data[v * 3 + 1] = ramp->data[v * 3 + 2] = v;
  pt_image_to_pixels (ramp, out);
  for (int v = 0; v < 256; v++)
    {
      g_assert_true (memcmp (&out[v], &map[v], sizeof (float)) == 0);
      g_assert_true (memcmp (&out[512 + v], &map[v], sizeof (float)) == 0);
    }

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      int size = json_object_get_int_member (c, "size");
      g_autofree char *path = image_path (json_object_get_string_member (c, "file"));
      g_autofree float *ref = (float *) g_base64_decode (
        json_object_get_string_member (c, "chw_f32"), &len);
      g_autofree float *px = g_new (float, 3 * size * size);
      g_autoptr(GError) error = NULL;
      float max = 0;

      g_assert_cmpuint (len, ==, (gsize) 3 * size * size * sizeof (float));
      g_assert_true (pt_image_load_pixels (path, size, NULL, px, &error));
      g_assert_no_error (error);
      for (int k = 0; k < 3 * size * size; k++)
        max = MAX (max, fabsf (px[k] - ref[k]));
      g_test_message ("%s → %d: max |pixel_values difference| %g", path, size, max);
      g_assert_cmpfloat (max, <=, 2.0f / 255 + 1e-6f);   /* one uint8 level */
    }
}

static void
test_from_memory (void)
{
  g_autofree char *path = image_path ("photo.jpg");
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(PtImage) a = load ("photo.jpg", NULL);
  g_autoptr(PtImage) b = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  b = pt_image_load_from_data (data, len, "pasted image", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (a->width, ==, b->width);
  g_assert_cmpmem (a->data, a->width * a->height * 3, b->data, b->width * b->height * 3);
}

static void
test_orientation (void)
{
  PtImageOptions raw = { .ignore_orientation = TRUE };
  g_autoptr(PtImage) upright = load ("photo.jpg", NULL);
  g_autoptr(PtImage) turned = load ("orient6.jpg", NULL);
  g_autoptr(PtImage) unturned = load ("orient6.jpg", &raw);

  g_assert_cmpint (upright->width, ==, 40);
  g_assert_cmpint (turned->width, ==, upright->height);
  g_assert_cmpint (turned->height, ==, upright->width);
  g_assert_cmpint (unturned->width, ==, upright->width);
  g_assert_cmpmem (unturned->data, 40 * 24 * 3, upright->data, 40 * 24 * 3);
}

static void
assert_rejected (const void *data, gsize size, const char *name, int code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtImage) im = pt_image_load_from_data (data, size, name, NULL, &error);

  g_assert_null (im);
  g_assert_error (error, PT_ERROR, code);
  g_assert_nonnull (strstr (error->message, name));
}

static void
test_malformed (void)
{
  const char *files[] = { "photo.jpg", "progressive.jpg", "rgba.png", "anim.gif", "rgb24.bmp",
                          "lossless.webp", "lossy.webp", "rgb.tif", "palette.png" };
  GRand *rand = g_rand_new_with_seed (7);
  guint8 noise[2048];

  assert_rejected ("", 0, "empty.png", PT_ERROR_INVALID_INPUT);
  assert_rejected ("hello, I am a text file\n", 24, "text.png", PT_ERROR_INVALID_INPUT);
  assert_rejected ("<svg xmlns='http://www.w3.org/2000/svg'/>", 41, "x.svg", PT_ERROR_INVALID_INPUT);
  for (int r = 0; r < 20; r++)
    {
      for (guint i = 0; i < sizeof noise; i++)
        noise[i] = g_rand_int_range (rand, 0, 256);
      assert_rejected (noise, sizeof noise, "noise.jpg", PT_ERROR_INVALID_INPUT);
    }
  for (guint f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autofree char *path = image_path (files[f]);
      g_autofree char *data = NULL;
      gsize len = 0;

      g_assert_true (g_file_get_contents (path, &data, &len, NULL));
      /* truncated anywhere: refused, with a message naming the file */
      for (gsize cut = 0; cut < len; cut += cut + 40 < len ? MAX (1, len / 23) : 1)
        assert_rejected (data, cut, files[f], PT_ERROR_INVALID_INPUT);
      /* bytes after the end are fine */
      {
        g_autofree char *longer = g_malloc0 (len + 100);
        g_autoptr(PtImage) im = NULL;
        memcpy (longer, data, len);
        im = pt_image_load_from_data (longer, len + 100, files[f], NULL, NULL);
        g_assert_nonnull (im);
      }
      /* flipped bits */
      for (int r = 0; r < 30; r++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(PtImage) im = NULL;
          g_autofree char *copy = g_memdup2 (data, len);
          copy[g_rand_int_range (rand, 0, len)] ^= 1 << g_rand_int_range (rand, 0, 8);
          im = pt_image_load_from_data (copy, len, files[f], NULL, &error);
          g_assert_true ((im == NULL) == (error != NULL));
        }
    }
  g_rand_free (rand);

  /* no pixels: refused before GdkPixbuf's decoder fails an assertion */
  {
    const char *empty[] = { "zero-frame.gif", "zero-screen.gif", "zero-width.tif" };
    for (guint f = 0; f < G_N_ELEMENTS (empty); f++)
      {
        g_autofree char *path = image_path (empty[f]);
        g_autoptr(GError) error = NULL;
        g_autoptr(PtImage) im = pt_image_load (path, NULL, &error);
        g_assert_null (im);
        g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
      }
  }

  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PtImage) im = pt_image_load ("/nonexistent/image.jpg", NULL, &error);
    g_assert_null (im);
    g_assert_error (error, PT_ERROR, PT_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "/nonexistent/image.jpg"));
  }
}

static void
test_bombs (void)
{
  const char *bombs[] = { "bomb.png", "bomb.gif", "bomb.bmp", "bomb.jpg", "bomb.tif", "bomb.webp" };

  for (guint i = 0; i < G_N_ELEMENTS (bombs); i++)
    {
      g_autofree char *path = image_path (bombs[i]);
      g_autoptr(GError) error = NULL;
      g_autoptr(PtImage) im = pt_image_load (path, NULL, &error);
      g_assert_null (im);
      g_assert_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED);
      g_assert_nonnull (strstr (error->message, bombs[i]));
      g_assert_nonnull (strstr (error->message, g_str_has_suffix (bombs[i], "webp")
                                                ? "16384 × 16384" : "20000 × 20000"));
    }
  /* the limit is configurable */
  {
    PtImageOptions small = { .max_pixels = 40 * 24 - 1 };
    g_autofree char *path = image_path ("photo.jpg");
    g_autoptr(GError) error = NULL;
    g_autoptr(PtImage) im = pt_image_load (path, &small, &error);
    g_assert_null (im);
    g_assert_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED);
    small.max_pixels = 40 * 24;
    g_clear_error (&error);
    im = pt_image_load (path, &small, &error);
    g_assert_no_error (error);
  }
}

static void
test_thumbnail (void)
{
  g_autoptr(PtImage) src = load ("smooth-320x240.png", NULL);
  g_autoptr(PtImage) t = pt_image_thumbnail (src, 64);
  g_autoptr(PtImage) same = pt_image_thumbnail (src, 1000);
  g_autofree char *path = image_path ("photo.jpg");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtImage) jt = pt_image_load_thumbnail (path, 8, NULL, &error);
  long sum_src = 0, sum_t = 0;

  g_assert_cmpint (t->width, ==, 64);
  g_assert_cmpint (t->height, ==, 48);
  g_assert_cmpint (same->width, ==, 320);
  g_assert_cmpmem (same->data, 320 * 240 * 3, src->data, 320 * 240 * 3);
  /* an antialiasing filter keeps the mean colour */
  for (int i = 0; i < 320 * 240 * 3; i++)
    sum_src += src->data[i];
  for (int i = 0; i < 64 * 48 * 3; i++)
    sum_t += t->data[i];
  g_assert_cmpfloat (fabs (sum_src / (320.0 * 240) - sum_t / (64.0 * 48)), <, 3 * 2.0);
  g_assert_no_error (error);
  g_assert_cmpint (jt->width, ==, 8);
  g_assert_cmpint (jt->height, ==, 5);
}

/* The data loader decodes on several threads at once. */
static const char *thread_files[] = { "photo.jpg", "rgba.png", "anim.gif", "rgb24.bmp",
                                      "lossless.webp", "rgb.tif", "progressive.jpg" };

static gpointer
decode_thread (gpointer user_data)
{
  PtImage **want = user_data;

  for (int round = 0; round < 10; round++)
    for (guint f = 0; f < G_N_ELEMENTS (thread_files); f++)
      {
        g_autofree char *path = image_path (thread_files[f]);
        g_autoptr(PtImage) im = pt_image_load (path, NULL, NULL);
        g_autofree float *px = g_new (float, 3 * 28 * 28);
        if (im == NULL || im->width != want[f]->width || im->height != want[f]->height
            || memcmp (im->data, want[f]->data, (gsize) im->width * im->height * 3) != 0)
          return GINT_TO_POINTER (FALSE);
        pt_image_preprocess (im, 28, px);
      }
  return GINT_TO_POINTER (TRUE);
}

static void
test_threads (void)
{
  PtImage *want[G_N_ELEMENTS (thread_files)];
  GThread *threads[4];

  for (guint f = 0; f < G_N_ELEMENTS (thread_files); f++)
    want[f] = load (thread_files[f], NULL);
  for (int i = 0; i < 4; i++)
    threads[i] = g_thread_new ("decode", decode_thread, want);
  for (int i = 0; i < 4; i++)
    g_assert_true (GPOINTER_TO_INT (g_thread_join (threads[i])));
  for (guint f = 0; f < G_N_ELEMENTS (thread_files); f++)
    pt_image_free (want[f]);
}

/* A file that changes, shrinks or disappears while it is read: each load
 * either works or says why, and nothing crashes (files are read, not mapped:
 * a mapped file that shrinks raises SIGBUS). */
typedef struct {
  const char *path;
  const char *data;
  gsize       len;
  gint        stop;
  gint        rounds;   /* rewrites done */
} Rewriter;

static gpointer
rewrite_thread (gpointer user_data)
{
  Rewriter *r = user_data;
  guint i = 0;

  while (!g_atomic_int_get (&r->stop))
    {
      gsize cut = (i++ * 7919) % (r->len + 1);

      g_atomic_int_inc (&r->rounds);
      if (i % 5 == 0)
        g_unlink (r->path);
      else
        g_file_set_contents (r->path, r->data, i % 2 ? (gssize) r->len : (gssize) cut, NULL);
      /* in place too: truncate an existing file (what g_file_set_contents avoids) */
      {
        FILE *f = fopen (r->path, "r+");
        if (f != NULL)
          {
            if (ftruncate (fileno (f), (off_t) cut) != 0)
              g_warning ("ftruncate failed");
            fclose (f);
          }
      }
    }
  return NULL;
}

static void
test_file_changing (void)
{
  g_autofree char *src = image_path ("photo.jpg");
  g_autofree char *data = NULL;
  g_autofree char *dir = g_dir_make_tmp ("pt-image-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "x.jpg", NULL);
  Rewriter r = { path, NULL, 0, 0, 0 };
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  guint loads = 0;
  GThread *thread;
  guint ok = 0, refused = 0;

  g_assert_true (g_file_get_contents (src, &data, &r.len, NULL));
  r.data = data;
  g_assert_true (g_file_set_contents (path, data, (gssize) r.len, NULL));
  thread = g_thread_new ("rewrite", rewrite_thread, &r);
  /* at least 300 loads, and as many as it takes for 300 rewrites to happen
   * meanwhile (a busy machine may run the threads one after the other) */
  for (guint i = 0; i < 300 || (g_atomic_int_get (&r.rounds) < 300 && g_get_monotonic_time () < deadline); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtImage) im = NULL;

      loads++;
      im = i % 2 ? pt_image_load (path, NULL, &error)
                 : pt_image_load_thumbnail (path, 64, NULL, &error);
      g_assert_true ((im == NULL) == (error != NULL));
      if (im != NULL)
        ok++;
      else
        {
          g_assert_true (g_error_matches (error, PT_ERROR, PT_ERROR_IO)
                         || g_error_matches (error, PT_ERROR, PT_ERROR_INVALID_INPUT));
          refused++;
        }
    }
  g_atomic_int_set (&r.stop, 1);
  g_thread_join (thread);
  g_test_message ("%u loads of a file rewritten %d times meanwhile: %u decoded, %u refused",
                  loads, g_atomic_int_get (&r.rounds), ok, refused);
  g_assert_cmpint (g_atomic_int_get (&r.rounds), >=, 300);
  g_unlink (path);
  g_rmdir (dir);

  /* not a file at all */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PtImage) im = pt_image_load ("/", NULL, &error);
    g_assert_null (im);
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/image/resize", test_resize_matches_pillow);
  g_test_add_func ("/engine/image/decode", test_decode_matches_pillow);
  g_test_add_func ("/engine/image/pixel-values", test_pixel_values);
  g_test_add_func ("/engine/image/from-memory", test_from_memory);
  g_test_add_func ("/engine/image/orientation", test_orientation);
  g_test_add_func ("/engine/image/malformed", test_malformed);
  g_test_add_func ("/engine/image/bombs", test_bombs);
  g_test_add_func ("/engine/image/thumbnail", test_thumbnail);
  g_test_add_func ("/engine/image/threads", test_threads);
  g_test_add_func ("/engine/image/file-changing", test_file_changing);
  return g_test_run ();
}
