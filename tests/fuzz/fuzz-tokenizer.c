/* fuzz-tokenizer.c — the tokenizer on arbitrary bytes.
 *
 * First byte even: the rest is text for the fixture tokenizer — encoded
 * (invalid UTF-8 must be refused with an error, valid text must round-trip
 * through decode), and decoded as a list of ids. First byte odd: the rest is
 * a tokenizer.model to load (refused cleanly, or used to encode a sentence).
 */
#include "config.h"

#include "fuzz-common.h"     /* LLVMFuzzerTestOneInput, pt_fuzz_fatal_criticals */

#include <stdint.h>          /* uint8_t */
#include <string.h>          /* memcpy */

#include "pt-tokenizer.h"

static PtTokenizer *
fixture_tokenizer (void)
{
  static PtTokenizer *tok;

  if (tok == NULL)
    {
      g_autofree char *path = g_build_filename (SOURCE_DATADIR, "..", "tests", "fixtures",
                                                "tokenizer", "tokenizer.model", NULL);
      g_autoptr(GError) error = NULL;
      tok = pt_tokenizer_load (path, &error);
      if (tok == NULL)
        g_error ("fuzz-tokenizer: %s", error->message);
    }
  return tok;
}

static void
fuzz_text (const uint8_t *data, size_t size)
{
  PtTokenizer *tok = fixture_tokenizer ();
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
  g_autoptr(GError) error = NULL;
  gboolean valid = g_utf8_validate_len ((const char *) data, size, NULL);
  gboolean ok = pt_tokenizer_encode (tok, (const char *) data, size, ids, &error);
  g_autofree char *text = NULL;
  g_autofree int32_t *raw = NULL;
  size_t n_raw = size / 4;

  g_assert_true (ok == valid);
  g_assert_true (ok == (error == NULL));
  if (ok)
    {
      text = pt_tokenizer_decode (tok, (const int32_t *) ids->data, ids->len, FALSE);
      g_assert_true (g_utf8_validate (text, -1, NULL));
      g_free (g_steal_pointer (&text));
    }
  else
    g_assert_cmpuint (ids->len, ==, 0);

  /* the same bytes as ids, some out of range */
  raw = g_new (int32_t, n_raw + 1);
  memcpy (raw, data, n_raw * 4);
  for (size_t i = 0; i < n_raw; i++)
    if (raw[i] > 0)
      raw[i] %= pt_tokenizer_n_tokens (tok) + 8;
  text = pt_tokenizer_decode (tok, raw, n_raw, size & 1);
  g_assert_true (g_utf8_validate (text, -1, NULL));
}

static void
fuzz_model (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTokenizer) tok = pt_tokenizer_new_from_data (data, size, "fuzz.model", &error);

  g_assert_true ((tok == NULL) == (error != NULL));
  if (tok != NULL)
    {
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
      g_autofree char *text = NULL;
      pt_tokenizer_encode (tok, "answer en <loc0001> what  is\tthis? 12 ünï 🙂\n", -1, ids, NULL);
      text = pt_tokenizer_decode (tok, (const int32_t *) ids->data, ids->len, TRUE);
      g_assert_nonnull (text);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  pt_fuzz_fatal_criticals ();
  if (size == 0)
    return 0;
  if (data[0] & 1)
    fuzz_model (data + 1, size - 1);
  else
    fuzz_text (data + 1, size - 1);
  return 0;
}
