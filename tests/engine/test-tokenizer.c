/* test-tokenizer.c — SentencePiece tokenizer against GemmaTokenizerFast
 * (tests/fixtures/processor/processor.json, tools/make-processor-fixtures.py),
 * malformed models and text. */
#include "config.h"

#include <string.h>      /* memcmp */

#include "pt-error.h"
#include "pt-test-util.h"
#include "pt-tokenizer.h"


static JsonObject *
fixtures (void)
{
  return pt_test_fixture_object ("processor/processor.json", 1 << 22);
}

static PtTokenizer *
load_fixture_model (const char *relative)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", relative, NULL);

  return pt_test_load_tokenizer (path);
}

static GArray *
int_array (JsonArray *a)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (int32_t));

  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      int32_t v = json_array_get_int_element (a, i);
      g_array_append_val (out, v);
    }
  return out;
}

static void
assert_ids_equal (GArray *got, GArray *want, const char *what)
{
  if (got->len != want->len
      || (got->len > 0 && memcmp (got->data, want->data, got->len * sizeof (int32_t)) != 0))
    {
      GString *s = g_string_new (NULL);
      g_string_append_printf (s, "%s:\n  got ", what);
      for (guint i = 0; i < got->len; i++)
        g_string_append_printf (s, " %d", g_array_index (got, int32_t, i));
      g_string_append (s, "\n  want");
      for (guint i = 0; i < want->len; i++)
        g_string_append_printf (s, " %d", g_array_index (want, int32_t, i));
      g_test_message ("%s", s->str);
      g_string_free (s, TRUE);
      g_test_fail ();
    }
}

static void
test_special_ids (void)
{
  g_autoptr(PtTokenizer) tok = load_fixture_model ("tokenizer/tokenizer.model");
  JsonObject *f = fixtures ();
  JsonArray *loc = json_object_get_array_member (f, "loc");
  JsonArray *seg = json_object_get_array_member (f, "seg");

  g_assert_cmpint (pt_tokenizer_vocab_size (tok), ==, json_object_get_int_member (f, "vocab_size"));
  g_assert_cmpint (pt_tokenizer_n_tokens (tok), ==, json_object_get_int_member (f, "n_tokens"));
  g_assert_cmpint (pt_tokenizer_image_id (tok), ==, json_object_get_int_member (f, "image_token_id"));
  g_assert_cmpint (pt_tokenizer_bos_id (tok), ==, json_object_get_int_member (f, "bos"));
  g_assert_cmpint (pt_tokenizer_eos_id (tok), ==, json_object_get_int_member (f, "eos"));
  g_assert_cmpint (pt_tokenizer_pad_id (tok), ==, json_object_get_int_member (f, "pad"));
  g_assert_cmpint (pt_tokenizer_unk_id (tok), ==, json_object_get_int_member (f, "unk"));
  g_assert_cmpint (pt_tokenizer_piece_to_id (tok, "\n"), ==, json_object_get_int_member (f, "newline"));
  g_assert_cmpint (pt_tokenizer_loc_id (tok, 0), ==, json_array_get_int_element (loc, 0));
  g_assert_cmpint (pt_tokenizer_loc_id (tok, 1), ==, json_array_get_int_element (loc, 1));
  g_assert_cmpint (pt_tokenizer_loc_id (tok, 1023), ==, json_array_get_int_element (loc, 2));
  g_assert_cmpint (pt_tokenizer_seg_id (tok, 0), ==, json_array_get_int_element (seg, 0));
  g_assert_cmpint (pt_tokenizer_seg_id (tok, 127), ==, json_array_get_int_element (seg, 1));
  g_assert_cmpstr (pt_tokenizer_id_to_piece (tok, pt_tokenizer_image_id (tok)), ==, "<image>");
  g_assert_cmpstr (pt_tokenizer_id_to_piece (tok, 2), ==, "<bos>");
  g_assert_null (pt_tokenizer_id_to_piece (tok, -1));
  g_assert_null (pt_tokenizer_id_to_piece (tok, 1 << 30));
  g_assert_cmpint (pt_tokenizer_piece_to_id (tok, "<image>"), ==, pt_tokenizer_image_id (tok));
  g_assert_cmpint (pt_tokenizer_piece_to_id (tok, "no such piece"), ==, -1);
  g_assert_true (pt_tokenizer_is_special (tok, 1));
  g_assert_true (pt_tokenizer_is_special (tok, pt_tokenizer_image_id (tok)));
  g_assert_false (pt_tokenizer_is_special (tok, pt_tokenizer_loc_id (tok, 5)));
  g_assert_false (pt_tokenizer_is_special (tok, pt_tokenizer_piece_to_id (tok, "\n")));
}

static void
test_encode_matches_hf (void)
{
  g_autoptr(PtTokenizer) tok = load_fixture_model ("tokenizer/tokenizer.model");
  JsonArray *cases = json_object_get_array_member (fixtures (), "encode");
  guint n = json_array_get_length (cases);

  g_assert_cmpuint (n, >=, 30);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *text = json_object_get_string_member (c, "text");
      g_autoptr(GArray) want = int_array (json_object_get_array_member (c, "ids"));
      g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (int32_t));
      g_autoptr(GError) error = NULL;
      g_autofree char *what = g_strdup_printf ("encode %u “%s”", i, text);

      g_assert_true (pt_tokenizer_encode (tok, text, -1, got, &error));
      g_assert_no_error (error);
      assert_ids_equal (got, want, what);
    }
}

static void
test_decode_matches_hf (void)
{
  g_autoptr(PtTokenizer) tok = load_fixture_model ("tokenizer/tokenizer.model");
  JsonArray *cases = json_object_get_array_member (fixtures (), "decode");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      g_autoptr(GArray) ids = int_array (json_object_get_array_member (c, "ids"));
      gboolean skip = json_object_get_boolean_member (c, "skip_special");
      g_autofree char *text = pt_tokenizer_decode (tok, (int32_t *) ids->data, ids->len, skip);
      const char *want = json_object_get_string_member (c, "text");

      if (g_strcmp0 (text, want) != 0)
        {
          g_test_message ("decode case %u (skip %d): got “%s”, want “%s”", i, skip, text, want);
          g_test_fail ();
        }
    }
}

/* encode → decode gives the text back (no specials skipped), for every case
 * but those with a literal "▁", which decodes to a space (as in HF). */
static void
test_round_trip (void)
{
  g_autoptr(PtTokenizer) tok = load_fixture_model ("tokenizer/tokenizer.model");
  JsonArray *cases = json_object_get_array_member (fixtures (), "encode");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      const char *text = json_object_get_string_member (json_array_get_object_element (cases, i),
                                                        "text");
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
      g_autofree char *back = NULL;

      if (strstr (text, "\xe2\x96\x81") != NULL)
        continue;
      g_assert_true (pt_tokenizer_encode (tok, text, -1, ids, NULL));
      back = pt_tokenizer_decode (tok, (int32_t *) ids->data, ids->len, FALSE);
      g_assert_cmpstr (back, ==, text);
    }
}

static void
test_no_loc_seg_model (void)
{
  g_autoptr(PtTokenizer) tok = load_fixture_model ("tokenizer/no-loc-seg.model");
  JsonObject *f = json_object_get_object_member (fixtures (), "no_loc_seg");
  g_autoptr(GArray) want = int_array (json_object_get_array_member (f, "ids"));
  g_autoptr(GArray) got = g_array_new (FALSE, FALSE, sizeof (int32_t));
  g_autofree char *text = NULL, *skipped = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (pt_tokenizer_vocab_size (tok), ==, json_object_get_int_member (f, "vocab_size"));
  g_assert_cmpint (pt_tokenizer_n_tokens (tok), ==, json_object_get_int_member (f, "n_tokens"));
  g_assert_cmpint (pt_tokenizer_image_id (tok), ==, json_object_get_int_member (f, "image_token_id"));
  g_assert_true (pt_tokenizer_encode (tok, json_object_get_string_member (f, "text"), -1, got, NULL));
  assert_ids_equal (got, want, "no-loc-seg encode");
  text = pt_tokenizer_decode (tok, (int32_t *) got->data, got->len, FALSE);
  skipped = pt_tokenizer_decode (tok, (int32_t *) got->data, got->len, TRUE);
  g_assert_cmpstr (text, ==, json_object_get_string_member (f, "decoded"));
  g_assert_cmpstr (skipped, ==, json_object_get_string_member (f, "decoded_skip"));

  /* config.json's image_token_index must be free (here the processor's own: 600) */
  g_assert_false (pt_tokenizer_set_image_token (tok, 5, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_false (pt_tokenizer_set_image_token (tok, pt_tokenizer_loc_id (tok, 3), &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  g_assert_true (pt_tokenizer_set_image_token (tok, 600, &error));
  g_assert_no_error (error);
  g_assert_true (pt_tokenizer_set_image_token (tok, 5000, &error));
  g_assert_cmpint (pt_tokenizer_image_id (tok), ==, 5000);
  g_assert_cmpint (pt_tokenizer_piece_to_id (tok, "<image>"), ==, 5000);
  g_assert_cmpint (pt_tokenizer_n_tokens (tok), ==, 5001);
  g_array_set_size (got, 0);
  g_assert_true (pt_tokenizer_encode (tok, "x<image>", -1, got, NULL));
  g_assert_cmpint (g_array_index (got, int32_t, got->len - 1), ==, 5000);
  g_assert_null (pt_tokenizer_id_to_piece (tok, 600));
}

static void
test_invalid_text (void)
{
  g_autoptr(PtTokenizer) tok = load_fixture_model ("tokenizer/tokenizer.model");
  const char *bad[] = { "\xff", "abc\xc3", "\xed\xa0\x80 surrogate", "\xc0\x80 overlong", "ok\xfe" };
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
  int32_t sentinel = 77;

  g_array_append_val (ids, sentinel);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_false (pt_tokenizer_encode (tok, bad[i], -1, ids, &error));
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
      g_assert_cmpuint (ids->len, ==, 1);   /* nothing appended */
    }
  {
    g_autoptr(GError) error = NULL;
    g_assert_false (pt_tokenizer_encode (tok, "a\0b", 3, ids, &error));   /* NUL inside */
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  }
  g_assert_true (pt_tokenizer_encode (tok, "ab", 1, ids, NULL));            /* length honoured */
  g_assert_cmpuint (ids->len, ==, 2);
  g_assert_true (pt_tokenizer_encode (tok, "", -1, ids, NULL));
  g_assert_cmpuint (ids->len, ==, 2);
}

static void
assert_model_rejected (const void *data, gsize size, const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTokenizer) tok = pt_tokenizer_new_from_data (data, size, what, &error);

  g_assert_null (tok);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, what));
}

static void
test_malformed_models (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "tokenizer",
                                                 "tokenizer.model", NULL);
  g_autofree char *good = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(PtTokenizer) missing = NULL;
  guint8 noise[4096];
  GRand *rand = g_rand_new_with_seed (42);
  /* a well-formed proto with a piece and a trainer spec, but unusable pieces */
  static const guint8 empty_piece[] = { 0x0a, 0x02, 0x0a, 0x00, 0x12, 0x00 };
  static const guint8 no_pieces[] = { 0x12, 0x02, 0x18, 0x02 };
  static const guint8 group[] = { 0x0b, 0x0c };

  g_assert_true (g_file_get_contents (path, &good, &len, NULL));
  assert_model_rejected ("", 0, "empty.model");
  assert_model_rejected ("this is not a model\n", 20, "text.model");
  assert_model_rejected (empty_piece, sizeof empty_piece, "empty-piece.model");
  assert_model_rejected (no_pieces, sizeof no_pieces, "no-pieces.model");
  assert_model_rejected (group, sizeof group, "group.model");
  /* truncations everywhere in the first bytes and at a spread of points */
  for (gsize cut = 1; cut < len; cut += cut < 64 ? 1 : 997)
    {
      g_autoptr(GError) e = NULL;
      g_autoptr(PtTokenizer) tok = pt_tokenizer_new_from_data (good, cut, "cut.model", &e);
      /* a cut between two pieces can still be a valid (smaller) model */
      g_assert_true ((tok == NULL) == (e != NULL));
      if (e != NULL)
        g_assert_error (e, PT_ERROR, PT_ERROR_INVALID_INPUT);
    }
  for (int round = 0; round < 20; round++)
    {
      g_autoptr(GError) e = NULL;
      g_autoptr(PtTokenizer) tok = NULL;
      for (guint i = 0; i < sizeof noise; i++)
        noise[i] = g_rand_int_range (rand, 0, 256);
      tok = pt_tokenizer_new_from_data (noise, sizeof noise, "noise.model", &e);
      g_assert_true ((tok == NULL) == (e != NULL));
    }
  /* flipped bytes in the real model */
  for (int round = 0; round < 50; round++)
    {
      g_autoptr(GError) e = NULL;
      g_autoptr(PtTokenizer) tok = NULL;
      g_autofree char *copy = g_memdup2 (good, len);
      copy[g_rand_int_range (rand, 0, len)] ^= 1 << g_rand_int_range (rand, 0, 8);
      tok = pt_tokenizer_new_from_data (copy, len, "flipped.model", &e);
      g_assert_true ((tok == NULL) == (e != NULL));
      if (tok != NULL)
        {
          g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
          g_autofree char *text = NULL;
          pt_tokenizer_encode (tok, "what colour is the <loc0001> cube?\n", -1, ids, NULL);
          text = pt_tokenizer_decode (tok, (int32_t *) ids->data, ids->len, TRUE);
          g_assert_nonnull (text);
        }
    }
  g_rand_free (rand);

  missing = pt_tokenizer_load ("/nonexistent/tokenizer.model", &error);
  g_assert_null (missing);
  g_assert_error (error, PT_ERROR, PT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/tokenizer.model"));
}

typedef struct {
  PtTokenizer *tok;
  GArray      *want;
  gboolean     ok;
} ThreadData;

static gpointer
encode_thread (gpointer user_data)
{
  ThreadData *d = user_data;

  d->ok = TRUE;
  for (int i = 0; i < 200; i++)
    {
      g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (int32_t));
      pt_tokenizer_encode (d->tok, "answer en how many red circles are there?\n", -1, ids, NULL);
      if (ids->len != d->want->len || (ids->len > 0 && memcmp (ids->data, d->want->data, ids->len * 4) != 0))
        d->ok = FALSE;
    }
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr(PtTokenizer) tok = load_fixture_model ("tokenizer/tokenizer.model");
  g_autoptr(GArray) want = g_array_new (FALSE, FALSE, sizeof (int32_t));
  ThreadData data[4];
  GThread *threads[4];

  pt_tokenizer_encode (tok, "answer en how many red circles are there?\n", -1, want, NULL);
  for (int i = 0; i < 4; i++)
    {
      data[i] = (ThreadData) { tok, want, FALSE };
      threads[i] = g_thread_new ("encode", encode_thread, &data[i]);
    }
  for (int i = 0; i < 4; i++)
    {
      g_thread_join (threads[i]);
      g_assert_true (data[i].ok);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/tokenizer/special-ids", test_special_ids);
  g_test_add_func ("/engine/tokenizer/encode", test_encode_matches_hf);
  g_test_add_func ("/engine/tokenizer/decode", test_decode_matches_hf);
  g_test_add_func ("/engine/tokenizer/round-trip", test_round_trip);
  g_test_add_func ("/engine/tokenizer/no-loc-seg", test_no_loc_seg_model);
  g_test_add_func ("/engine/tokenizer/invalid-text", test_invalid_text);
  g_test_add_func ("/engine/tokenizer/malformed-models", test_malformed_models);
  g_test_add_func ("/engine/tokenizer/threads", test_threads);
  return g_test_run ();
}
