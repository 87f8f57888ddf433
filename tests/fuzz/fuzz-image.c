/* fuzz-image.c — image decoding from memory on arbitrary bytes: refused with
 * an error or decoded, then resized and normalised; never a crash. A small
 * pixel limit keeps each run fast. */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput, pt_fuzz_fatal_criticals */

#include <stdint.h>          /* uint8_t */

#include "pt-image.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  PtImageOptions options = { .max_pixels = 1 << 20 };
  g_autoptr(GError) error = NULL;
  g_autoptr(PtImage) im = NULL;

  pt_fuzz_fatal_criticals ();

  if (size > 0)
    options.alpha = data[size - 1] & 1 ? PT_IMAGE_ALPHA_WHITE : PT_IMAGE_ALPHA_DROP;
  im = pt_image_load_from_data (data, size, "fuzz", &options, &error);
  g_assert_true ((im == NULL) == (error != NULL));
  if (im != NULL)
    {
      g_autofree float *px = g_new (float, 3 * 14 * 14);
      g_autoptr(PtImage) thumb = pt_image_thumbnail (im, 16);
      g_assert_true (im->width > 0 && im->height > 0);
      g_assert_true ((guint64) im->width * im->height <= options.max_pixels);
      pt_image_preprocess (im, 14, px);
      g_assert_true (thumb->width <= 16 && thumb->height <= 16);
    }
  return 0;
}
