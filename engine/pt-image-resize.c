/* pt-image-resize.c — Pillow's antialiased resampling (BICUBIC for the model,
 * BILINEAR for thumbnails) on uint8 RGB, and SigLIP normalisation.
 *
 * Written from the description of src/libImaging/Resample.c (Pillow): a
 * separable filter whose support widens with the downscale factor, one
 * window of weights per output pixel normalised to sum 1 and rounded to
 * 22-bit fixed point, a horizontal pass over the source rows the vertical
 * pass will read, then a vertical pass; each pass rounds (adds ½) and clips
 * to uint8 (Pillow 13 runs the vertical pass first when the height
 * shrinks much more than the width). Every floating-point step is done in the same order and type as
 * there, so the results are identical, not merely close.
 */
#include "config.h"

#include <math.h>          /* ceil */
#include <string.h>        /* memcpy */

#include "pt-image.h"

#define PRECISION_BITS (32 - 8 - 2)

typedef struct {
  double (*fn) (double x);
  double support;
} Filter;

/* Keys' cubic convolution with a = −0.5. */
static double
bicubic (double x)
{
  const double a = -0.5;

  if (x < 0.0)
    x = -x;
  if (x < 1.0)
    return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0)
    return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

static double
triangle (double x)
{
  if (x < 0.0)
    x = -x;
  return x < 1.0 ? 1.0 - x : 0.0;
}

static const Filter bicubic_filter = { bicubic, 2.0 };
static const Filter bilinear_filter = { triangle, 1.0 };

/* For each of out_size outputs: the first source index, the count, and
 * ksize fixed-point weights. Returns ksize. */
static int
precompute_coeffs (int in_size, int out_size, const Filter *filter, int **bounds_out,
                   int32_t **weights_out)
{
  /* Pillow passes the box as float: in1 − in0 is exact below 2^24 */
  const float in0 = 0.0f, in1 = (float) in_size;
  double scale, filterscale, support, ss;
  double *k;
  int32_t *weights;
  int *bounds;
  int ksize;

  filterscale = scale = (double) (in1 - in0) / out_size;
  if (filterscale < 1.0)
    filterscale = 1.0;
  support = filter->support * filterscale;
  ksize = (int) ceil (support) * 2 + 1;
  ss = 1.0 / filterscale;

  k = g_new (double, ksize);
  weights = g_new0 (int32_t, (gsize) out_size * ksize);
  bounds = g_new (int, (gsize) out_size * 2);
  for (int xx = 0; xx < out_size; xx++)
    {
      double center = in0 + (xx + 0.5) * scale;
      double ww = 0.0;
      int xmin = (int) (center - support + 0.5);
      int xmax = (int) (center + support + 0.5);

      if (xmin < 0)
        xmin = 0;
      if (xmax > in_size)
        xmax = in_size;
      xmax -= xmin;
      for (int x = 0; x < xmax; x++)
        {
          double w = filter->fn ((x + xmin - center + 0.5) * ss);
          k[x] = w;
          ww += w;
        }
      for (int x = 0; x < xmax; x++)
        {
          double v = ww != 0.0 ? k[x] / ww : k[x];
          weights[(gsize) xx * ksize + x] = v < 0 ? (int32_t) (-0.5 + v * (1 << PRECISION_BITS))
                                                  : (int32_t) (0.5 + v * (1 << PRECISION_BITS));
        }
      bounds[xx * 2 + 0] = xmin;
      bounds[xx * 2 + 1] = xmax;
    }
  g_free (k);
  *bounds_out = bounds;
  *weights_out = weights;
  return ksize;
}

static inline uint8_t
clip8 (int32_t v)
{
  v >>= PRECISION_BITS;    /* arithmetic shift, as Pillow's lookup table index */
  return v < 0 ? 0 : v > 255 ? 255 : (uint8_t) v;
}

/* out (rows, out_w, 3) ← rows [first, first + rows) of in (·, in_w, 3) */
static void
resample_horizontal (uint8_t *out, int out_w, const uint8_t *in, int in_w, int first, int rows,
                     int ksize, const int *bounds, const int32_t *weights)
{
  for (int y = 0; y < rows; y++)
    {
      const uint8_t *src = in + (gsize) (y + first) * in_w * 3;     // (in_w, 3)
      uint8_t *dst = out + (gsize) y * out_w * 3;                    // (out_w, 3)
      for (int xx = 0; xx < out_w; xx++)
        {
          const int32_t *k = weights + (gsize) xx * ksize;
          const uint8_t *s = src + (gsize) bounds[xx * 2] * 3;
          int n = bounds[xx * 2 + 1];
          int32_t s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
          for (int x = 0; x < n; x++)
            {
              s0 += s[x * 3 + 0] * k[x];
              s1 += s[x * 3 + 1] * k[x];
              s2 += s[x * 3 + 2] * k[x];
            }
          dst[xx * 3 + 0] = clip8 (s0);
          dst[xx * 3 + 1] = clip8 (s1);
          dst[xx * 3 + 2] = clip8 (s2);
        }
    }
}

/* out (out_h, w, 3) ← in (·, w, 3); bounds index rows of in. Row by row
 * into an accumulator, so that the inner loop runs along memory. */
static void
resample_vertical (uint8_t *out, int out_h, const uint8_t *in, int w, int ksize,
                   const int *bounds, const int32_t *weights)
{
  gsize stride = (gsize) w * 3;
  g_autofree int32_t *acc = g_new (int32_t, stride);

  for (int yy = 0; yy < out_h; yy++)
    {
      const int32_t *k = weights + (gsize) yy * ksize;
      const uint8_t *src = in + (gsize) bounds[yy * 2] * stride;
      int n = bounds[yy * 2 + 1];
      uint8_t *dst = out + (gsize) yy * stride;

      for (gsize i = 0; i < stride; i++)
        acc[i] = 1 << (PRECISION_BITS - 1);
      for (int y = 0; y < n; y++)
        {
          const uint8_t *row = src + y * stride;
          int32_t ky = k[y];
          for (gsize i = 0; i < stride; i++)
            acc[i] += row[i] * ky;
        }
      for (gsize i = 0; i < stride; i++)
        dst[i] = clip8 (acc[i]);
    }
}

static PtImage *
resample (const PtImage *im, int width, int height, const Filter *filter)
{
  gboolean need_h = width != im->width, need_v = height != im->height;
  /* Pillow 13 runs the vertical pass first when that shrinks the work
   * enough: height reduced by more than twice what the width is (found by
   * comparing both orders with Pillow 13.0.0 over a grid of sizes) */
  gboolean vertical_first = height < im->height
                            && im->height - height > 2 * (im->width - width);
  g_autofree int *bounds_h = NULL, *bounds_v = NULL;
  g_autofree int32_t *weights_h = NULL, *weights_v = NULL;
  g_autofree uint8_t *temp = NULL;
  int ksize_h = 0, ksize_v = 0;
  PtImage *out = pt_image_new (width, height);

  if (!need_h && !need_v)
    {
      memcpy (out->data, im->data, (gsize) width * height * 3);
      return out;
    }
  if (need_v)
    ksize_v = precompute_coeffs (im->height, height, filter, &bounds_v, &weights_v);
  if (need_h)
    ksize_h = precompute_coeffs (im->width, width, filter, &bounds_h, &weights_h);

  if (!need_h)
    resample_vertical (out->data, height, im->data, width, ksize_v, bounds_v, weights_v);
  else if (!need_v)
    resample_horizontal (out->data, width, im->data, im->width, 0, height, ksize_h, bounds_h,
                         weights_h);
  else if (vertical_first)
    {
      temp = g_new (uint8_t, (gsize) im->width * height * 3);        // (height, W, 3)
      resample_vertical (temp, height, im->data, im->width, ksize_v, bounds_v, weights_v);
      resample_horizontal (out->data, width, temp, im->width, 0, height, ksize_h, bounds_h,
                           weights_h);
    }
  else
    {
      /* only the source rows the vertical pass reads */
      int first = bounds_v[0];
      int last = bounds_v[height * 2 - 2] + bounds_v[height * 2 - 1];
      for (int i = 0; i < height; i++)
        bounds_v[i * 2] -= first;
      temp = g_new (uint8_t, (gsize) width * (last - first) * 3);     // (rows, width, 3)
      resample_horizontal (temp, width, im->data, im->width, first, last - first, ksize_h,
                           bounds_h, weights_h);
      resample_vertical (out->data, height, temp, width, ksize_v, bounds_v, weights_v);
    }
  return out;
}

PtImage *
pt_image_resize_bicubic (const PtImage *image, int width, int height)
{
  g_return_val_if_fail (image != NULL && width > 0 && height > 0, NULL);
  return resample (image, width, height, &bicubic_filter);
}

PtImage *
pt_image_thumbnail (const PtImage *image, int max_side)
{
  int w, h;

  g_return_val_if_fail (image != NULL && max_side > 0, NULL);

  w = image->width;
  h = image->height;
  if (w > max_side || h > max_side)
    {
      if (w >= h)
        {
          h = MAX (1, (int) ((double) h * max_side / w + 0.5));
          w = max_side;
        }
      else
        {
          w = MAX (1, (int) ((double) w * max_side / h + 0.5));
          h = max_side;
        }
    }
  return resample (image, w, h, &bilinear_filter);
}

void
pt_image_to_pixels (const PtImage *image, float *out)
{
  float lut[256];
  gsize plane;

  g_return_if_fail (image != NULL && out != NULL);

  /* rescale: image.astype(float64) * (1/255) → float32;
   * normalize: (x − 0.5) / 0.5 with float32 arrays */
  for (int v = 0; v < 256; v++)
    {
      float x = (float) ((double) v * (1.0 / 255.0));
      lut[v] = (x - 0.5f) / 0.5f;
    }
  plane = (gsize) image->width * image->height;
  for (gsize i = 0; i < plane; i++)
    for (int c = 0; c < 3; c++)
      out[c * plane + i] = lut[image->data[i * 3 + c]];
}

void
pt_image_preprocess (const PtImage *image, int size, float *out)
{
  g_autoptr(PtImage) resized = NULL;

  g_return_if_fail (image != NULL && size > 0 && out != NULL);

  resized = pt_image_resize_bicubic (image, size, size);
  pt_image_to_pixels (resized, out);
}
