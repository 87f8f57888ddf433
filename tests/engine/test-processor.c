/* test-processor.c — token ids, types and labels against PaliGemmaProcessor
 * (tests/fixtures/processor/processor.json), truncation, prompts, batching. */
#include "config.h"

#include <string.h>      /* memcmp */

#include "pt-error.h"
#include "pt-dataset.h"     /* pt_prompt_apply */
#include "pt-processor.h"
#include "pt-test-util.h"

static PtTokenizer *tokenizer;

static JsonObject *
fixtures (void)
{
  return pt_test_fixture_object ("processor/processor.json", 1 << 22);
}

static PtTokenizer *
tok (void)
{
  if (tokenizer == NULL)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "tokenizer",
                                                     "tokenizer.model", NULL);
      tokenizer = pt_test_load_tokenizer (path);
    }
  return tokenizer;
}

static int n_image_tokens (void)
{
  return json_object_get_int_member (fixtures (), "image_seq_length");
}

/* TRUE if a (JSON ints) equals v[0..n). */
static gboolean
same_ints (JsonArray *a, const int32_t *v, int n)
{
  if ((int) json_array_get_length (a) != n)
    return FALSE;
  for (int i = 0; i < n; i++)
    if (json_array_get_int_element (a, i) != v[i])
      return FALSE;
  return TRUE;
}

static void
test_training_examples (void)
{
  JsonArray *cases = json_object_get_array_member (fixtures (), "processor");
  guint n = json_array_get_length (cases);

  g_assert_cmpuint (n, >=, 30);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *prompt = json_object_get_string_member (c, "prompt");
      const char *suffix = json_object_get_string_member (c, "suffix");
      g_autoptr(GError) error = NULL;
      g_autoptr(PtEncoded) e = pt_processor_encode (tok (), n_image_tokens (), prompt, suffix, 0,
                                                    &error);

      g_assert_no_error (error);
      if (!same_ints (json_object_get_array_member (c, "input_ids"), e->input_ids, e->n)
          || !same_ints (json_object_get_array_member (c, "token_type_ids"), e->token_type, e->n)
          || !same_ints (json_object_get_array_member (c, "labels"), e->labels, e->n))
        {
          g_test_message ("case %u “%s” / “%s” differs from PaliGemmaProcessor", i, prompt, suffix);
          g_test_fail ();
        }
      g_assert_false (e->truncated);
      g_assert_cmpint (e->prefix_len + e->n_suffix, ==, e->n);
      g_assert_cmpint (e->input_ids[e->n - 1], ==, pt_tokenizer_eos_id (tok ()));
    }
}

static void
test_inference_examples (void)
{
  JsonArray *cases = json_object_get_array_member (fixtures (), "inference");

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *prompt = json_object_get_string_member (c, "prompt");
      g_autoptr(PtEncoded) e = pt_processor_encode (tok (), n_image_tokens (), prompt, NULL, 0,
                                                    NULL);

      g_assert_true (same_ints (json_object_get_array_member (c, "input_ids"), e->input_ids, e->n));
      g_assert_cmpint (e->prefix_len, ==, e->n);
      g_assert_cmpint (e->n_suffix, ==, 0);
      for (int t = 0; t < e->n; t++)
        {
          g_assert_cmpint (e->token_type[t], ==, 0);
          g_assert_cmpint (e->labels[t], ==, -100);
        }
    }
}

static void
test_truncation (void)
{
  PtTokenizer *t = tok ();
  int N = n_image_tokens ();
  g_autoptr(PtEncoded) full = pt_processor_encode (t, N, "answer en what colour is it?",
                                                   "a large green triangle", 0, NULL);
  int P = full->prefix_len - N, S = full->n_suffix;
  int32_t nl = pt_tokenizer_piece_to_id (t, "\n");

  g_assert_cmpint (P, >, 4);
  g_assert_cmpint (S, >, 4);
  /* exactly fitting: untouched */
  {
    g_autoptr(PtEncoded) e = pt_processor_encode (t, N, "answer en what colour is it?",
                                                  "a large green triangle", P + S, NULL);
    g_assert_false (e->truncated);
    g_assert_cmpint (e->n, ==, full->n);
  }
  /* one short: the suffix loses its <eos> */
  {
    g_autoptr(PtEncoded) e = pt_processor_encode (t, N, "answer en what colour is it?",
                                                  "a large green triangle", P + S - 1, NULL);
    g_assert_true (e->truncated);
    g_assert_cmpint (e->n, ==, full->n - 1);
    g_assert_cmpint (e->prefix_len, ==, full->prefix_len);
    g_assert_cmpmem (e->input_ids, e->n * 4, full->input_ids, (full->n - 1) * 4);
    g_assert_cmpint (e->labels[e->n - 1], !=, pt_tokenizer_eos_id (t));
  }
  /* no room for the suffix: the prompt is cut, keeping <bos> and "\n"; one label remains */
  {
    g_autoptr(PtEncoded) e = pt_processor_encode (t, N, "answer en what colour is it?",
                                                  "a large green triangle", 4, NULL);
    g_assert_true (e->truncated);
    g_assert_cmpint (e->n, ==, N + 4);
    g_assert_cmpint (e->prefix_len, ==, N + 3);
    g_assert_cmpint (e->n_suffix, ==, 1);
    g_assert_cmpint (e->input_ids[N], ==, pt_tokenizer_bos_id (t));
    g_assert_cmpint (e->input_ids[N + 1], ==, full->input_ids[N + 1]);
    g_assert_cmpint (e->input_ids[N + 2], ==, nl);
    g_assert_cmpint (e->input_ids[N + 3], ==, full->input_ids[full->prefix_len]);
    g_assert_cmpint (e->labels[N + 3], ==, e->input_ids[N + 3]);
    g_assert_cmpint (e->token_type[N + 2], ==, 0);
    g_assert_cmpint (e->token_type[N + 3], ==, 1);
  }
  /* inference prefix cut to fit */
  {
    g_autoptr(PtEncoded) e = pt_processor_encode (t, N, "answer en what colour is it?", NULL, 3,
                                                  NULL);
    g_assert_true (e->truncated);
    g_assert_cmpint (e->n, ==, N + 3);
    g_assert_cmpint (e->input_ids[N + 2], ==, nl);
  }
}

static void
test_image_token_in_text (void)
{
  const char *bad_prompts[] = { "answer <image> here", "<image><image>two images", "x<image>" };

  for (guint i = 0; i < G_N_ELEMENTS (bad_prompts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(PtEncoded) e = pt_processor_encode (tok (), 4, bad_prompts[i], "a", 0, &error);
      g_assert_null (e);
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
    }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PtEncoded) e = pt_processor_encode (tok (), 4, "ok", "an <image> answer", 0, &error);
    g_assert_null (e);
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  }
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(PtEncoded) e = pt_processor_encode (tok (), 4, "bad \xff utf8", "a", 0, &error);
    g_assert_null (e);
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  }
}

static void
test_format_prompt (void)
{
  struct { const char *tmpl, *q, *want; } cases[] = {
    { "answer {question}", "what colour is the cube?", "answer what colour is the cube?" },
    { "answer en {question}", "", "answer en " },
    { "{question}", "why?", "why?" },
    { "Q: {question} / again: {question}", "x", "Q: x / again: x" },
    { "caption en", "ignored?", "caption en ignored?" },
    { "", "just this", "just this" },
    { "{question}", "{question}", "{question}" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *s = pt_prompt_apply (cases[i].tmpl, cases[i].q);
      g_assert_cmpstr (s, ==, cases[i].want);
    }
}

static void
test_collate (void)
{
  PtTokenizer *t = tok ();
  const int S = 14;
  g_autoptr(PtEncoded) a = pt_processor_encode (t, 4, "answer en what colour?", "red", 0, NULL);
  g_autoptr(PtEncoded) b = pt_processor_encode (t, 4, "caption en", "a small red circle next to a blue square", 0, NULL);
  g_autoptr(PtEncoded) c = pt_processor_encode (t, 4, "detect cat", NULL, 0, NULL);
  PtEncoded *examples[] = { a, b, c };
  g_autofree float *pa = g_new (float, 3 * S * S);
  g_autofree float *pb = g_new (float, 3 * S * S);
  const float *pixels[] = { pa, pb, NULL };
  const guint records[] = { 10, 11, 12 };
  g_autoptr(PtBatch) batch = NULL;
  int T, labelled = 0;

  for (int i = 0; i < 3 * S * S; i++)
    {
      pa[i] = i * 0.001f;
      pb[i] = -i * 0.001f;
    }
  batch = pt_processor_collate (examples, pixels, records, 3, S, 0, 0);
  T = MAX (MAX (a->n, b->n), c->n);
  g_assert_cmpint (batch->B, ==, 3);
  g_assert_cmpint (batch->T, ==, T);
  g_assert_cmpint (batch->image_size, ==, S);
  for (int i = 0; i < 3; i++)
    {
      const PtEncoded *e = examples[i];
      g_assert_cmpint (batch->seq_len[i], ==, e->n);
      g_assert_cmpint (batch->prefix_len[i], ==, e->prefix_len);
      g_assert_cmpuint (batch->record_index[i], ==, records[i]);
      g_assert_cmpmem (batch->input_ids + i * T, e->n * 4, e->input_ids, e->n * 4);
      for (int k = e->n; k < T; k++)
        {
          g_assert_cmpint (batch->input_ids[i * T + k], ==, 0);
          g_assert_cmpint (batch->token_type[i * T + k], ==, 0);
          g_assert_cmpint (batch->labels[i * T + k], ==, -100);
        }
      labelled += e->n_suffix;
    }
  g_assert_cmpint (batch->n_label_tokens, ==, labelled);
  g_assert_cmpint (batch->n_label_tokens, ==, a->n_suffix + b->n_suffix);
  g_assert_cmpmem (batch->pixels, 3 * S * S * 4, pa, 3 * S * S * 4);
  g_assert_cmpmem (batch->pixels + 3 * S * S, 3 * S * S * 4, pb, 3 * S * S * 4);
  g_assert_cmpfloat (batch->pixels[2 * 3 * S * S + 5], ==, 0.0f);

  /* pad_to widens; a NULL record_index numbers the rows */
  {
    g_autoptr(PtBatch) wide = pt_processor_collate (examples, NULL, NULL, 3, S, 7, T + 5);
    g_assert_cmpint (wide->T, ==, T + 5);
    g_assert_cmpint (wide->input_ids[T + 4], ==, 7);
    g_assert_cmpuint (wide->record_index[2], ==, 2);
    g_assert_cmpint (wide->n_label_tokens, ==, labelled);
  }
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/processor/training", test_training_examples);
  g_test_add_func ("/engine/processor/inference", test_inference_examples);
  g_test_add_func ("/engine/processor/truncation", test_truncation);
  g_test_add_func ("/engine/processor/image-token-in-text", test_image_token_in_text);
  g_test_add_func ("/engine/processor/format-prompt", test_format_prompt);
  g_test_add_func ("/engine/processor/collate", test_collate);
  ret = g_test_run ();
  g_clear_pointer (&tokenizer, pt_tokenizer_free);
  return ret;
}
