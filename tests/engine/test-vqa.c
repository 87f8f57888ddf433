/* test-vqa.c — VQA normalisation and scoring, worked by hand from the
 * VQAv2 evaluation rules (big_vision's evaluator, spec §7). */
#include "config.h"

#include <string.h>   /* strstr */

#include "pt-json.h"
#include "pt-vqa.h"

static void
test_strip (void)
{
  g_autofree char *a = pt_vqa_strip ("\tyes\n ");
  g_assert_cmpstr (a, ==, "yes");
}

static void
test_normalize (void)
{
  struct { const char *in, *out; } cases[] = {
    { "Two", "2" },
    { "the red one", "red 1" },
    { "A dog.", "dog" },
    { "3.5", "3.5" },
    { "dont", "don't" },
    { "yes!", "yes" },                 /* "!" not space-adjacent → space, then split */
    { "black/white", "black white" },
    { "black / white", "black white" },/* space-adjacent: removed */
    { "1,000", "1000" },               /* digit,digit: every mark removed */
    { "hello, world", "hello world" },
    { "e.g. cats", "eg cats" },
    { "Im here", "im here" },          /* capitalised table keys never match */
    { "  an   apple  ", "apple" },
    { "t-shirt", "t shirt" },
    { "", "" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *n = pt_vqa_normalize (cases[i].in);
      g_assert_cmpstr (n, ==, cases[i].out);
    }
}

static void
test_score_vqav2 (void)
{
  const char *ten_yes[10] = { "yes", "yes", "yes", "yes", "yes", "yes", "yes", "yes", "yes", "yes" };
  /* 2 × "two", 8 × "three": disagreement → normalisation applies */
  const char *mixed[10] = { "two", "2", "three", "three", "three", "three", "three", "three", "three", "three" };
  const char *one_match[10] = { "red", "blue", "blue", "blue", "blue", "blue", "blue", "blue", "blue", "blue" };

  g_assert_cmpfloat (pt_vqa_score ("yes", ten_yes, 10), ==, 1.0);
  g_assert_cmpfloat (pt_vqa_score ("Yes", ten_yes, 10), ==, 0.0);  /* agreeing GTs: no normalisation */
  g_assert_cmpfloat (pt_vqa_score ("no", ten_yes, 10), ==, 0.0);
  /* "2" matches 2 GTs after normalisation ("two" → "2"): leaving out a match
   * (2 subsets) gives 1/3, leaving out a non-match (8 subsets) 2/3 */
  g_assert_cmpfloat_with_epsilon (pt_vqa_score ("2", mixed, 10), (2 * (1.0 / 3) + 8 * (2.0 / 3)) / 10, 1e-12);
  /* one matching GT: 9 subsets keep it (1/3), one drops it (0) */
  g_assert_cmpfloat_with_epsilon (pt_vqa_score ("red", one_match, 10), 9 * (1.0 / 3) / 10, 1e-12);
  g_assert_cmpfloat (pt_vqa_score ("three", mixed, 10), ==, 1.0);
}

static void
test_score_few_answers (void)
{
  const char *one[1] = { "circle" };
  const char *two[2] = { "2", "two" };

  g_assert_cmpfloat (pt_vqa_score ("circle", one, 1), ==, 1.0);
  g_assert_cmpfloat (pt_vqa_score(" circle\n", one, 1), ==, 1.0);
  g_assert_cmpfloat (pt_vqa_score ("square", one, 1), ==, 0.0);
  g_assert_cmpfloat (pt_vqa_score ("2", two, 2), ==, 1.0);   /* disagree → normalised */
  g_assert_cmpfloat (pt_vqa_score ("x", one, 0), ==, 0.0);
}

static void
test_accumulator (void)
{
  g_autoptr(PtVqaAccumulator) acc = pt_vqa_accumulator_new ();
  g_autoptr(JsonNode) json = NULL;
  g_autofree char *text = NULL;
  const char *gts[3] = { "red", "red", "blue" };

  pt_vqa_accumulator_add (acc, "red", "red", NULL, 0, "color", NULL);
  pt_vqa_accumulator_add (acc, "blue", "red", NULL, 0, "color", NULL);
  pt_vqa_accumulator_add (acc, "3", "3", NULL, 0, "count", "number");
  pt_vqa_accumulator_add (acc, "red", "red", gts, 3, "color", "other");
  g_assert_cmpuint (pt_vqa_accumulator_count (acc), ==, 4);
  g_assert_cmpfloat_with_epsilon (pt_vqa_accumulator_exact_match (acc), 3.0 / 4, 1e-12);
  /* last: 2 matches of 3 → leave-one-out (1/3 + 1/3 + 2/3) / 3 = 4/9 */
  g_assert_cmpfloat_with_epsilon (pt_vqa_accumulator_vqa_accuracy (acc), (1 + 0 + 1 + 4.0 / 9) / 4, 1e-12);

  json = pt_vqa_accumulator_to_json (acc);
  text = pt_json_to_string (json, FALSE);
  g_assert_nonnull (strstr (text, "\"by_type\": {\"color\": {\"n\": 3"));
  g_assert_nonnull (strstr (text, "\"count\": {\"n\": 1, \"vqa_accuracy\": 1.0, \"exact_match\": 1.0}"));
  g_assert_nonnull (strstr (text, "\"by_answer_type\": {\"number\""));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/vqa/strip", test_strip);
  g_test_add_func ("/engine/vqa/normalize", test_normalize);
  g_test_add_func ("/engine/vqa/score-vqav2", test_score_vqav2);
  g_test_add_func ("/engine/vqa/score-few-answers", test_score_few_answers);
  g_test_add_func ("/engine/vqa/accumulator", test_accumulator);
  return g_test_run ();
}
