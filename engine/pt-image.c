/* pt-image.c — decoding images with GdkPixbuf, safely, into RGB. */
#include "config.h"

#include <string.h>                   /* memcmp, memcpy */

#include <gdk-pixbuf/gdk-pixbuf.h>    /* GdkPixbufLoader */

#include "pt-error.h"
#include "pt-embedded.h"     /* images inside Parquet / Arrow files */
#include "pt-file.h"         /* pt_file_read */
#include "pt-image.h"

PtImage *
pt_image_new (int width, int height)
{
  PtImage *im;

  g_return_val_if_fail (width > 0 && height > 0, NULL);

  im = g_new0 (PtImage, 1);
  im->width = width;
  im->height = height;
  im->data = g_new0 (uint8_t, (gsize) width * height * 3);
  return im;
}

void
pt_image_free (PtImage *image)
{
  if (image == NULL)
    return;
  g_free (image->data);
  g_free (image);
}

/* The GdkPixbuf module for the first bytes, or NULL: only these formats. */
static const char *
sniff_format (const guint8 *d, gsize n)
{
  if (n >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff)
    return "jpeg";
  if (n >= 8 && memcmp (d, "\x89PNG\r\n\x1a\n", 8) == 0)
    return "png";
  if (n >= 6 && (memcmp (d, "GIF87a", 6) == 0 || memcmp (d, "GIF89a", 6) == 0))
    return "gif";
  if (n >= 12 && memcmp (d, "RIFF", 4) == 0 && memcmp (d + 8, "WEBP", 4) == 0)
    return "webp";
  if (n >= 14 && d[0] == 'B' && d[1] == 'M')
    return "bmp";
  if (n >= 4 && (memcmp (d, "II*\0", 4) == 0 || memcmp (d, "MM\0*", 4) == 0))
    return "tiff";
  return NULL;
}

/* ---- truncation: GdkPixbuf decodes truncated PNG, BMP, WebP and (cut
 * inside the last scan) JPEG files without complaint, filling the rest;
 * Pillow refuses them ("image file is truncated"), and so does PaliTune. */

static guint32
be32 (const guint8 *p)
{
  return (guint32) p[0] << 24 | (guint32) p[1] << 16 | (guint32) p[2] << 8 | p[3];
}

static guint32
le32 (const guint8 *p)
{
  return (guint32) p[3] << 24 | (guint32) p[2] << 16 | (guint32) p[1] << 8 | p[0];
}

/* Every chunk whole, up to IEND. */
static gboolean
png_complete (const guint8 *d, gsize n)
{
  gsize p = 8;

  while (p + 12 <= n)
    {
      guint32 len = be32 (d + p);
      if (len > 0x7fffffff || len > n - p - 12)
        return FALSE;
      if (memcmp (d + p + 4, "IEND", 4) == 0)
        return TRUE;
      p += 12 + len;
    }
  return FALSE;
}

/* The marker segments and entropy-coded scans, up to EOI. */
static gboolean
jpeg_complete (const guint8 *d, gsize n)
{
  gsize p = 2;

  for (;;)
    {
      guint8 m;
      gsize len;

      while (p < n && d[p] != 0xff)     /* tolerate stray bytes between segments */
        p++;
      while (p < n && d[p] == 0xff)
        p++;
      if (p >= n)
        return FALSE;
      m = d[p++];
      if (m == 0xd9)
        return TRUE;
      if (m == 0x01 || (m >= 0xd0 && m <= 0xd7))
        continue;
      if (p + 2 > n)
        return FALSE;
      len = (gsize) d[p] << 8 | d[p + 1];
      if (len < 2 || len > n - p)
        return FALSE;
      p += len;
      if (m == 0xda)                    /* start of scan: skip the entropy-coded data */
        {
          while (p + 1 < n && !(d[p] == 0xff && d[p + 1] != 0 && (d[p + 1] < 0xd0 || d[p + 1] > 0xd7)))
            p++;
          if (p + 1 >= n)
            return FALSE;
        }
    }
}

/* Uncompressed (BI_RGB, BI_BITFIELDS) pixel rows all present. */
static gboolean
bmp_complete (const guint8 *d, gsize n)
{
  guint32 offset, header;
  gint64 w, h;
  guint bpp, compression;

  if (n < 26)
    return FALSE;
  offset = le32 (d + 10);
  header = le32 (d + 14);
  if (header == 12)
    {
      w = d[18] | d[19] << 8;
      h = d[20] | d[21] << 8;
      bpp = d[24] | d[25] << 8;
      compression = 0;
    }
  else
    {
      if (header < 40 || n < 14 + 40)
        return FALSE;
      w = (gint32) le32 (d + 18);
      h = (gint32) le32 (d + 22);
      bpp = d[28] | d[29] << 8;
      compression = le32 (d + 30);
    }
  if (compression != 0 && compression != 3)
    return TRUE;                         /* RLE / embedded: the decoder checks */
  if (h < 0)
    h = -h;
  return (guint64) offset + (guint64) ((w * bpp + 31) / 32 * 4) * (guint64) h <= n;
}

/* The RIFF container as long as it says. */
static gboolean
webp_complete (const guint8 *d, gsize n)
{
  return (guint64) le32 (d + 4) + 8 <= n;
}

/* GdkPixbuf's BMP decoder takes the header size, the pixel data offset and
 * the width on trust and allocates from them (up to 4 GiB) before it reports
 * the image size: check them first. The size goes to *width × *height. */
static gboolean
bmp_header_ok (const guint8 *d, gsize n, gint64 *width, gint64 *height)
{
  static const guint32 sizes[] = { 12, 16, 40, 52, 56, 64, 108, 124 };
  guint32 header, offset;
  gboolean known = FALSE;

  if (n < 26)
    return FALSE;
  offset = le32 (d + 10);
  header = le32 (d + 14);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    known |= header == sizes[i];
  if (!known || n < 14 + (gsize) header || offset < 14 + header || offset > n)
    return FALSE;
  if (header == 12)
    {
      *width = d[18] | d[19] << 8;
      *height = d[20] | d[21] << 8;
    }
  else
    {
      *width = (gint32) le32 (d + 18);
      *height = (gint32) le32 (d + 22);
    }
  *height = ABS (*height);
  return *width > 0 && *height > 0;
}

static gboolean
is_complete (const char *format, const guint8 *d, gsize n)
{
  if (g_str_equal (format, "png"))
    return png_complete (d, n);
  if (g_str_equal (format, "jpeg"))
    return jpeg_complete (d, n);
  if (g_str_equal (format, "bmp"))
    return bmp_complete (d, n);
  if (g_str_equal (format, "webp"))
    return webp_complete (d, n);
  return TRUE;                           /* GIF and TIFF decoders refuse truncation */
}

/* ---- GIF: GdkPixbuf gives transparent pixels of the first frame (and any
 * part of the screen it leaves uncovered) as (0, 0, 0, 0); PIL's
 * convert("RGB") gives the palette colour of the transparent index (else of
 * the background index): *hidden gets that colour. And a frame of width or
 * height 0 makes GdkPixbuf's decoder fail an assertion: refuse it first.
 * FALSE for such a frame; anything else is left to the decoder. */

static gboolean
gif_skip_blocks (const guint8 *d, gsize n, gsize *p)
{
  while (*p < n && d[*p] != 0)
    *p += d[*p] + 1;
  *p += 1;
  return *p <= n;
}

static gboolean
gif_check (const guint8 *d, gsize n, guint8 hidden[3], gboolean *has_hidden)
{
  const guint8 *gct = NULL;
  int transparent = -1;
  gboolean first = TRUE;
  gsize p = 13;

  *has_hidden = FALSE;
  if (n < 13)
    return TRUE;
  if (d[10] & 0x80)
    {
      gct = d + 13;
      p += (gsize) 3 << ((d[10] & 7) + 1);
    }
  while (p < n && d[p] != 0x3b)
    {
      if (d[p] == 0x21 && p + 1 < n)                       /* extension */
        {
          if (first && d[p + 1] == 0xf9 && p + 7 < n && d[p + 2] == 4 && (d[p + 3] & 1))
            transparent = d[p + 6];
          p += 2;
          if (!gif_skip_blocks (d, n, &p))
            return TRUE;
        }
      else if (d[p] == 0x2c && p + 10 <= n)                /* an image */
        {
          const guint8 *table = gct;
          guint w = d[p + 5] | d[p + 6] << 8, h = d[p + 7] | d[p + 8] << 8;
          guint8 flags = d[p + 9];

          if (w == 0 || h == 0)
            return FALSE;
          p += 10;
          if (flags & 0x80)
            {
              table = d + p;
              p += (gsize) 3 << ((flags & 7) + 1);
            }
          if (first)
            {
              int index = transparent >= 0 ? transparent : d[11];
              if (table != NULL && (gsize) (table - d) + 3 * index + 3 <= n)
                {
                  memcpy (hidden, table + 3 * index, 3);
                  *has_hidden = TRUE;
                }
              first = FALSE;
            }
          p += 1;                                          /* LZW code size */
          if (!gif_skip_blocks (d, n, &p))
            return TRUE;
        }
      else
        p++;                     /* GdkPixbuf skips bytes that start no block; so do we */
    }
  return TRUE;
}

/* ---- EXIF orientation: GdkPixbuf reads it from JPEG and TIFF; PIL's
 * exif_transpose also from PNG eXIf and WebP EXIF chunks, so read those. */

/* Tag 0x0112 of IFD0 in a TIFF-structured EXIF blob; 0 if none. */
static int
exif_orientation (const guint8 *p, gsize n)
{
  gboolean le;
  guint32 ifd;
  guint count;

  if (n >= 6 && memcmp (p, "Exif\0\0", 6) == 0)
    {
      p += 6;
      n -= 6;
    }
  if (n < 8 || !(memcmp (p, "II*\0", 4) == 0 || memcmp (p, "MM\0*", 4) == 0))
    return 0;
  le = p[0] == 'I';
#define U16(q) (le ? (guint) (q)[0] | (guint) (q)[1] << 8 : (guint) (q)[1] | (guint) (q)[0] << 8)
  ifd = le ? le32 (p + 4) : be32 (p + 4);
  if (ifd > n - 2 || n < 2)
    return 0;
  count = U16 (p + ifd);
  for (guint i = 0; i < count; i++)
    {
      const guint8 *e = p + ifd + 2 + 12 * i;
      if ((gsize) (e - p) + 12 > n)
        return 0;
      if (U16 (e) == 0x0112 && U16 (e + 2) == 3)
        {
          guint v = U16 (e + 8);
          return v >= 1 && v <= 8 ? (int) v : 0;
        }
    }
#undef U16
  return 0;
}

static int
png_orientation (const guint8 *d, gsize n)
{
  gsize p = 8;

  while (p + 12 <= n)
    {
      guint32 len = be32 (d + p);
      if (len > n - p - 12)
        return 0;
      if (memcmp (d + p + 4, "eXIf", 4) == 0)
        return exif_orientation (d + p + 8, len);
      p += 12 + len;
    }
  return 0;
}

static int
webp_orientation (const guint8 *d, gsize n)
{
  gsize p = 12;

  while (p + 8 <= n)
    {
      guint32 len = le32 (d + p + 4);
      if (len > n - p - 8)
        return 0;
      if (memcmp (d + p, "EXIF", 4) == 0)
        return exif_orientation (d + p + 8, len);
      p += 8 + len + (len & 1);
    }
  return 0;
}

typedef struct {
  guint64  max_pixels;
  int      max_side;      /* > 0: decode smaller where the decoder can (thumbnails) */
  int      width;
  int      height;
  gboolean too_big;
  gboolean empty;
} SizeCheck;

static void
size_prepared_cb (GdkPixbufLoader *loader,
                  int              width,
                  int              height,
                  gpointer         user_data)
{
  SizeCheck *check = user_data;

  check->width = width;
  check->height = height;
  if (width <= 0 || height <= 0 || (guint64) width * (guint64) height > check->max_pixels)
    {
      /* a 0 × 0 size makes the decoders stop before allocating pixels */
      check->empty = width <= 0 || height <= 0;
      check->too_big = !check->empty;
      gdk_pixbuf_loader_set_size (loader, 0, 0);
      return;
    }
  if (check->max_side > 0 && (width > 2 * check->max_side || height > 2 * check->max_side))
    {
      /* decode at about twice the thumbnail size; the final filter does the rest */
      double s = 2.0 * check->max_side / MAX (width, height);
      gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * s + 0.5)),
                                  MAX (1, (int) (height * s + 0.5)));
    }
}

/* (H, W, 3) from a pixbuf, with PIL's alpha handling; hidden (if not NULL)
 * is the colour PIL shows where alpha is 0. */
static PtImage *
image_from_pixbuf (GdkPixbuf *pixbuf, PtImageAlpha alpha, const guint8 *hidden)
{
  int w = gdk_pixbuf_get_width (pixbuf);
  int h = gdk_pixbuf_get_height (pixbuf);
  int channels = gdk_pixbuf_get_n_channels (pixbuf);
  int stride = gdk_pixbuf_get_rowstride (pixbuf);
  const guint8 *pixels = gdk_pixbuf_read_pixels (pixbuf);
  PtImage *im = pt_image_new (w, h);

  for (int y = 0; y < h; y++)
    {
      const guint8 *s = pixels + (gsize) y * stride;
      uint8_t *d = im->data + (gsize) y * w * 3;
      for (int x = 0; x < w; x++, s += channels, d += 3)
        {
          guint32 a = channels == 4 ? s[3] : 255;
          if (alpha == PT_IMAGE_ALPHA_WHITE && a != 255)
            {
              /* PIL alpha_composite(white, image): 7 extra bits of precision,
               * divisions by 255 rounded as (v + (v >> 8)) >> 8 */
              for (int c = 0; c < 3; c++)
                {
                  guint32 coef1 = a << 7, coef2 = (255 - a) << 7;
                  guint32 t = s[c] * coef1 + 255 * coef2 + (0x80 << 7);
                  d[c] = a == 0 ? 255 : (uint8_t) (((t >> 8) + t) >> 8 >> 7);
                }
            }
          else if (a == 0 && hidden != NULL)
            memcpy (d, hidden, 3);
          else
            {
              d[0] = s[0];
              d[1] = s[1];
              d[2] = s[2];
            }
        }
    }
  return im;
}

#define TOO_BIG "The image %s is %d × %d pixels, more than the limit of %" G_GUINT64_FORMAT " pixels"

static PtImage *
decode (const guint8 *data, gsize size, const char *name, const PtImageOptions *options,
        int max_side, GError **error)
{
  static const PtImageOptions defaults = { 0 };
  g_autoptr(GdkPixbufLoader) loader = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(GdkPixbuf) oriented = NULL;
  SizeCheck check = { 0 };
  guint8 hidden[3];
  gboolean has_hidden = FALSE;
  const char *format;
  GdkPixbuf *pixbuf;
  gboolean ok;

  if (options == NULL)
    options = &defaults;
  check.max_pixels = options->max_pixels ? options->max_pixels : PT_IMAGE_DEFAULT_MAX_PIXELS;
  check.max_side = max_side;

  if (size == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "The image %s is empty", name);
      return NULL;
    }
  format = sniff_format (data, size);
  if (format == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is not an image PaliTune reads (JPEG, PNG, WebP, GIF, BMP or TIFF)",
                   name);
      return NULL;
    }
  if (g_str_equal (format, "gif") && !gif_check (data, size, hidden, &has_hidden))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "Cannot decode the image %s: a GIF frame has no pixels", name);
      return NULL;
    }
  if (g_str_equal (format, "bmp"))
    {
      gint64 w, h;
      if (!bmp_header_ok (data, size, &w, &h))
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "Cannot decode the image %s: its BMP header is not valid", name);
          return NULL;
        }
      if ((guint64) w * (guint64) h > check.max_pixels)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, TOO_BIG, name, (int) w, (int) h,
                       check.max_pixels);
          return NULL;
        }
    }
  loader = gdk_pixbuf_loader_new_with_type (format, &local);
  if (loader == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "Cannot decode %s: no %s decoder is installed (%s)", name, format,
                   local->message);
      return NULL;
    }
  g_signal_connect (loader, "size-prepared", G_CALLBACK (size_prepared_cb), &check);
  ok = gdk_pixbuf_loader_write (loader, data, size, &local);
  /* close in any case, so that the loader can be freed */
  ok = gdk_pixbuf_loader_close (loader, ok ? &local : NULL) && ok;
  if (check.empty)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "The image %s has no pixels (%d × %d)",
                   name, check.width, check.height);
      return NULL;
    }
  if (check.too_big)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED, TOO_BIG, name, check.width,
                   check.height, check.max_pixels);
      return NULL;
    }
  pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
  if (!ok || pixbuf == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Cannot decode the image %s: %s",
                   name, local ? local->message : "corrupt or truncated data");
      return NULL;
    }
  if (!is_complete (format, data, size))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The image %s is truncated: the file ends before the image does", name);
      return NULL;
    }
  if (gdk_pixbuf_get_colorspace (pixbuf) != GDK_COLORSPACE_RGB
      || gdk_pixbuf_get_bits_per_sample (pixbuf) != 8
      || gdk_pixbuf_get_n_channels (pixbuf) < 3 || gdk_pixbuf_get_n_channels (pixbuf) > 4
      || (guint64) gdk_pixbuf_get_width (pixbuf) * gdk_pixbuf_get_height (pixbuf)
         > check.max_pixels)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "The image %s decodes to an unexpected pixel layout", name);
      return NULL;
    }
  if (!options->ignore_orientation)
    {
      int o = g_str_equal (format, "png") ? png_orientation (data, size)
              : g_str_equal (format, "webp") ? webp_orientation (data, size) : 0;
      if (o > 1 && gdk_pixbuf_get_option (pixbuf, "orientation") == NULL)
        {
          char value[2] = { (char) ('0' + o), 0 };
          gdk_pixbuf_set_option (pixbuf, "orientation", value);
        }
      oriented = gdk_pixbuf_apply_embedded_orientation (pixbuf);
      if (oriented != NULL)
        pixbuf = oriented;
    }
  return image_from_pixbuf (pixbuf, options->alpha, has_hidden ? hidden : NULL);
}

PtImage *
pt_image_load_from_data (const void *data, gsize size, const char *name,
                         const PtImageOptions *options, GError **error)
{
  g_return_val_if_fail (data != NULL || size == 0, NULL);

  return decode (data, size, name ? name : "(image data)", options, 0, error);
}

/* Encoded image files larger than this are refused before reading. */
#define MAX_IMAGE_FILE_BYTES ((gsize) 512 << 20)

static PtImage *
load_file (const char *path, const PtImageOptions *options, int max_side, GError **error)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *display = NULL;

  /* an image embedded in a dataset table: only its bytes are read */
  if (pt_embedded_is_reference (path, NULL))
    bytes = pt_embedded_read (path, MAX_IMAGE_FILE_BYTES, error);
  else
    bytes = pt_file_read (path, MAX_IMAGE_FILE_BYTES, "the image", error);
  if (bytes == NULL)
    return NULL;
  display = pt_embedded_describe (path);
  return decode (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), display, options,
                 max_side, error);
}

PtImage *
pt_image_load (const char *path, const PtImageOptions *options, GError **error)
{
  g_return_val_if_fail (path != NULL, NULL);

  return load_file (path, options, 0, error);
}

PtImage *
pt_image_load_thumbnail (const char *path, int max_side, const PtImageOptions *options,
                         GError **error)
{
  g_autoptr(PtImage) full = NULL;

  g_return_val_if_fail (path != NULL && max_side > 0, NULL);

  full = load_file (path, options, max_side, error);
  return full ? pt_image_thumbnail (full, max_side) : NULL;
}

gboolean
pt_image_load_pixels (const char *path, int size, const PtImageOptions *options, float *out,
                      GError **error)
{
  g_autoptr(PtImage) image = NULL;

  g_return_val_if_fail (path != NULL && size > 0 && out != NULL, FALSE);

  image = pt_image_load (path, options, error);
  if (image == NULL)
    return FALSE;
  pt_image_preprocess (image, size, out);
  return TRUE;
}
