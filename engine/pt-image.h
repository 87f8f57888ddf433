/* pt-image.h — decoding, Pillow-exact BICUBIC resizing and SigLIP
 * normalisation of the images PaliGemma sees (spec §3).
 *
 * Decoding goes through GdkPixbuf, for JPEG, PNG, WebP, GIF (first frame),
 * BMP and TIFF only, recognised by their first bytes. The pixel count is
 * checked when the header has been read, before any pixel buffer exists
 * (a decompression-bomb limit). EXIF orientation is applied (what
 * PIL.ImageOps.exif_transpose does, as the datasets library does on load).
 * Grey and palette images become RGB; alpha is handled as the pinned
 * transformers 5.23 convert_to_rgb does it (and ≤ 4.4x did): composited on
 * white exactly as PIL's alpha_composite; PT_IMAGE_ALPHA_DROP instead does
 * what 4.45–4.57 did, PIL's convert("RGB"): alpha dropped, the colour
 * channels kept as stored (transparent GIF pixels get their palette colour).
 * 16-bit PNGs keep the high byte of each sample, as Pillow does for 16-bit
 * RGB; 16-bit grey differs: Pillow opens it as mode I;16
 * and convert("RGB") clips the value to 255 (almost every pixel white),
 * PaliTune keeps the high byte. Truncated files are refused, as Pillow
 * refuses them ("image file is truncated"); bytes after the end are fine.
 * Decoded pixels equal Pillow 13's for every fixture in tests/fixtures/image
 * (JPEG baseline/progressive/4:2:0/grey/EXIF, PNG RGBA/LA/L/P/tRNS/16-bit,
 * GIF, BMP, WebP lossless/lossy, TIFF).
 *
 * Resizing is Pillow's Image.resize(…, BICUBIC) on uint8 RGB, bit for bit:
 * Keys a = −0.5, support 2·max(1, scale), coefficient windows normalised and
 * stored with 22 fractional bits, horizontal pass then vertical (vertical
 * first where Pillow 13 does so: height shrinking by more than twice the
 * width's shrink), rounding and clipping to uint8 after each
 * (src/libImaging/Resample.c). Bit-exact with Pillow 13.0.0 on the fixtures
 * and on 1,500 random size pairs checked while writing it.
 */
#pragma once

#include <stdint.h>   /* uint8_t */
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  int      width;
  int      height;
  uint8_t *data;        /* (H, W, 3) RGB, rows packed (stride 3·W) */
} PtImage;

typedef enum {
  PT_IMAGE_ALPHA_WHITE, /* PIL alpha_composite on white: transformers 5.x and ≤ 4.4x */
  PT_IMAGE_ALPHA_DROP,  /* PIL convert("RGB"): transformers 4.45–4.57 */
} PtImageAlpha;

#define PT_IMAGE_DEFAULT_MAX_PIXELS G_GUINT64_CONSTANT (100000000)

/* Zero-initialised options are the defaults. */
typedef struct {
  guint64      max_pixels;          /* 0 = PT_IMAGE_DEFAULT_MAX_PIXELS */
  gboolean     ignore_orientation;  /* leave EXIF orientation unapplied */
  PtImageAlpha alpha;
} PtImageOptions;

PtImage *pt_image_new               (int width, int height);
void     pt_image_free              (PtImage *image);

/* Decodes a file (options may be NULL). A missing or unreadable file is
 * PT_ERROR_IO; an empty, truncated, corrupt or unknown one
 * PT_ERROR_INVALID_INPUT; one over the pixel limit PT_ERROR_UNSUPPORTED —
 * every message names the file. */
PtImage *pt_image_load              (const char *path, const PtImageOptions *options,
                                     GError **error);
/* The same from bytes in memory (pasted or dropped data); name is for messages. */
PtImage *pt_image_load_from_data    (const void *data, gsize size, const char *name,
                                     const PtImageOptions *options, GError **error);

/* Pillow's BICUBIC resize to width × height (a copy if the size is the same). */
PtImage *pt_image_resize_bicubic    (const PtImage *image, int width, int height);

/* (H, W, 3) uint8 → (3, H, W) float in [-1, 1], as SiglipImageProcessor:
 * float32(float64(x) · (1/255)), then (x − 0.5) / 0.5 in float32. */
void     pt_image_to_pixels         (const PtImage *image, float *out);

/* Resize to size × size and normalise: out is (3, size, size). */
void     pt_image_preprocess        (const PtImage *image, int size, float *out);

/* Decode + resize + normalise a file into out (3, size, size). */
gboolean pt_image_load_pixels       (const char *path, int size, const PtImageOptions *options,
                                     float *out, GError **error);

/* A copy scaled (antialiased bilinear) so that its longer side is at most
 * max_side; never enlarged. */
PtImage *pt_image_thumbnail         (const PtImage *image, int max_side);
/* Decodes a file for display at most max_side pixels on its longer side,
 * letting the JPEG decoder skip detail it does not need. */
PtImage *pt_image_load_thumbnail    (const char *path, int max_side,
                                     const PtImageOptions *options, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtImage, pt_image_free)

G_END_DECLS
