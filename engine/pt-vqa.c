/* pt-vqa.c — VQA answer normalisation and accuracy (big_vision's VQAv2 evaluator). */
#include "config.h"

#include <string.h>

#include "pt-vqa.h"

static const char punct[] = ";/[]\"{}()=+\\_-><@`,?!";

/* Contractions and number words (the VQA evaluation's table; keys are
 * compared after lowercasing, so the capitalised ones never match — as in
 * the reference). */
static const char *const replacements[][2] = {
  { "aint", "ain't" }, { "arent", "aren't" }, { "cant", "can't" }, { "couldve", "could've" },
  { "couldnt", "couldn't" }, { "couldn'tve", "couldn't've" }, { "couldnt've", "couldn't've" },
  { "didnt", "didn't" }, { "doesnt", "doesn't" }, { "dont", "don't" }, { "hadnt", "hadn't" },
  { "hadnt've", "hadn't've" }, { "hadn'tve", "hadn't've" }, { "hasnt", "hasn't" },
  { "havent", "haven't" }, { "hed", "he'd" }, { "hed've", "he'd've" }, { "he'dve", "he'd've" },
  { "hes", "he's" }, { "howd", "how'd" }, { "howll", "how'll" }, { "hows", "how's" },
  { "Id've", "I'd've" }, { "I'dve", "I'd've" }, { "Im", "I'm" }, { "Ive", "I've" },
  { "isnt", "isn't" }, { "itd", "it'd" }, { "itd've", "it'd've" }, { "it'dve", "it'd've" },
  { "itll", "it'll" }, { "let's", "let's" }, { "maam", "ma'am" }, { "mightnt", "mightn't" },
  { "mightnt've", "mightn't've" }, { "mightn'tve", "mightn't've" }, { "mightve", "might've" },
  { "mustnt", "mustn't" }, { "mustve", "must've" }, { "neednt", "needn't" }, { "notve", "not've" },
  { "oclock", "o'clock" }, { "oughtnt", "oughtn't" }, { "ow's'at", "'ow's'at" },
  { "'ows'at", "'ow's'at" }, { "'ow'sat", "'ow's'at" }, { "shant", "shan't" },
  { "shed've", "she'd've" }, { "she'dve", "she'd've" }, { "she's", "she's" },
  { "shouldve", "should've" }, { "shouldnt", "shouldn't" }, { "shouldnt've", "shouldn't've" },
  { "shouldn'tve", "shouldn't've" }, { "somebody'd", "somebodyd" },
  { "somebodyd've", "somebody'd've" }, { "somebody'dve", "somebody'd've" },
  { "somebodyll", "somebody'll" }, { "somebodys", "somebody's" }, { "someoned", "someone'd" },
  { "someoned've", "someone'd've" }, { "someone'dve", "someone'd've" },
  { "someonell", "someone'll" }, { "someones", "someone's" }, { "somethingd", "something'd" },
  { "somethingd've", "something'd've" }, { "something'dve", "something'd've" },
  { "somethingll", "something'll" }, { "thats", "that's" }, { "thered", "there'd" },
  { "thered've", "there'd've" }, { "there'dve", "there'd've" }, { "therere", "there're" },
  { "theres", "there's" }, { "theyd", "they'd" }, { "theyd've", "they'd've" },
  { "they'dve", "they'd've" }, { "theyll", "they'll" }, { "theyre", "they're" },
  { "theyve", "they've" }, { "twas", "'twas" }, { "wasnt", "wasn't" }, { "wed've", "we'd've" },
  { "we'dve", "we'd've" }, { "weve", "we've" }, { "werent", "weren't" }, { "whatll", "what'll" },
  { "whatre", "what're" }, { "whats", "what's" }, { "whatve", "what've" }, { "whens", "when's" },
  { "whered", "where'd" }, { "wheres", "where's" }, { "whereve", "where've" }, { "whod", "who'd" },
  { "whod've", "who'd've" }, { "who'dve", "who'd've" }, { "wholl", "who'll" }, { "whos", "who's" },
  { "whove", "who've" }, { "whyll", "why'll" }, { "whyre", "why're" }, { "whys", "why's" },
  { "wont", "won't" }, { "wouldve", "would've" }, { "wouldnt", "wouldn't" },
  { "wouldnt've", "wouldn't've" }, { "wouldn'tve", "wouldn't've" }, { "yall", "y'all" },
  { "yall'll", "y'all'll" }, { "y'allll", "y'all'll" }, { "yall'd've", "y'all'd've" },
  { "y'alld've", "y'all'd've" }, { "y'all'dve", "y'all'd've" }, { "youd", "you'd" },
  { "youd've", "you'd've" }, { "you'dve", "you'd've" }, { "youll", "you'll" },
  { "youre", "you're" }, { "youve", "you've" },
  { "none", "0" }, { "zero", "0" }, { "one", "1" }, { "two", "2" }, { "three", "3" },
  { "four", "4" }, { "five", "5" }, { "six", "6" }, { "seven", "7" }, { "eight", "8" },
  { "nine", "9" }, { "ten", "10" },
};

char *
pt_vqa_strip (const char *text)
{
  char *out;

  g_return_val_if_fail (text != NULL, NULL);

  out = g_strdup (text);
  for (char *p = out; *p; p++)
    if (*p == '\n' || *p == '\t')
      *p = ' ';
  return g_strstrip (out);
}

static gboolean
has_digit_comma_digit (const char *s)
{
  for (const char *p = s; p[0] && p[1] && p[2]; p++)
    if (g_ascii_isdigit (p[0]) && p[1] == ',' && g_ascii_isdigit (p[2]))
      return TRUE;
  return FALSE;
}

/* " p" or "p " occurs in s */
static gboolean
space_adjacent (const char *s, char p)
{
  for (const char *q = s; *q; q++)
    if (*q == p && ((q > s && q[-1] == ' ') || q[1] == ' '))
      return TRUE;
  return FALSE;
}

static const char *
replacement_for (const char *word)
{
  for (guint i = 0; i < G_N_ELEMENTS (replacements); i++)
    if (g_str_equal (word, replacements[i][0]))
      return replacements[i][1];
  return word;
}

char *
pt_vqa_normalize (const char *text)
{
  gboolean digit_comma;
  GString *out;
  g_autofree char *lower = NULL;
  g_auto(GStrv) words = NULL;
  GString *joined = g_string_new (NULL);

  g_return_val_if_fail (text != NULL, NULL);

  /* Punctuation: removed when the text has digit,digit or the mark touches a
   * space (in the original text), else replaced by a space. */
  digit_comma = has_digit_comma_digit (text);
  out = g_string_new (text);
  for (const char *p = punct; *p; p++)
    {
      gboolean remove;
      GString *next;

      remove = digit_comma || space_adjacent (text, *p);
      next = g_string_sized_new (out->len);
      for (gsize i = 0; i < out->len; i++)
        {
          if (out->str[i] == *p)
            {
              if (!remove)
                g_string_append_c (next, ' ');
            }
          else
            g_string_append_c (next, out->str[i]);
        }
      g_string_free (out, TRUE);
      out = next;
    }

  /* Full stops not followed by a digit go. */
  {
    GString *next = g_string_sized_new (out->len);
    for (gsize i = 0; i < out->len; i++)
      if (!(out->str[i] == '.' && !g_ascii_isdigit (out->str[i + 1])))
        g_string_append_c (next, out->str[i]);
    g_string_free (out, TRUE);
    out = next;
  }

  /* Lowercase, split on whitespace, drop articles, map words. */
  lower = g_utf8_strdown (out->str, -1);
  g_string_free (out, TRUE);
  for (char *p = lower; *p; p++)
    if (g_ascii_isspace (*p))
      *p = ' ';
  words = g_strsplit (lower, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    {
      const char *w = words[i];
      if (*w == '\0' || g_str_equal (w, "a") || g_str_equal (w, "an") || g_str_equal (w, "the"))
        continue;
      if (joined->len)
        g_string_append_c (joined, ' ');
      g_string_append (joined, replacement_for (w));
    }
  return g_string_free (joined, FALSE);
}

double
pt_vqa_score (const char        *prediction,
              const char *const *answers,
              guint              n_answers)
{
  g_autofree char *pred = NULL;
  g_autofree gboolean *match = NULL;
  g_autoptr(GPtrArray) gts = g_ptr_array_new_with_free_func (g_free);
  gboolean disagree = FALSE;
  guint matches = 0;
  double total = 0;

  g_return_val_if_fail (prediction != NULL, 0);
  if (n_answers == 0)
    return 0;

  pred = pt_vqa_strip (prediction);
  for (guint i = 0; i < n_answers; i++)
    {
      g_ptr_array_add (gts, pt_vqa_strip (answers[i]));
      if (i > 0 && !g_str_equal (gts->pdata[i], gts->pdata[0]))
        disagree = TRUE;
    }
  if (disagree)
    {
      char *norm = pt_vqa_normalize (pred);
      g_free (pred);
      pred = norm;
      for (guint i = 0; i < n_answers; i++)
        {
          norm = pt_vqa_normalize (gts->pdata[i]);
          g_free (gts->pdata[i]);
          gts->pdata[i] = norm;
        }
    }

  match = g_new0 (gboolean, n_answers);
  for (guint i = 0; i < n_answers; i++)
    {
      match[i] = g_str_equal (pred, gts->pdata[i]);
      matches += match[i];
    }

  if (n_answers <= 2)
    return MIN (1.0, (double) matches / n_answers);

  /* leave-one-out: mean over subsets of min(matches among the others / 3, 1) */
  for (guint i = 0; i < n_answers; i++)
    total += MIN (1.0, (matches - match[i]) / 3.0);
  return total / n_answers;
}

gboolean
pt_vqa_exact_match (const char *prediction,
                    const char *answer)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;
  g_autofree char *la = NULL;
  g_autofree char *lb = NULL;

  g_return_val_if_fail (prediction != NULL && answer != NULL, FALSE);

  a = pt_vqa_strip (prediction);
  b = pt_vqa_strip (answer);
  la = g_utf8_casefold (a, -1);
  lb = g_utf8_casefold (b, -1);
  return g_str_equal (la, lb);
}

/* ---- accumulator ---- */

typedef struct {
  guint  n;
  double vqa_sum;
  double exact_sum;
} Tally;

struct _PtVqaAccumulator {
  Tally       all;
  GHashTable *by_type;          /* question_type → Tally* */
  GHashTable *by_answer_type;   /* answer_type → Tally* */
  GPtrArray  *type_order;       /* first-seen order, for stable JSON */
  GPtrArray  *answer_type_order;
};

PtVqaAccumulator *
pt_vqa_accumulator_new (void)
{
  PtVqaAccumulator *acc = g_new0 (PtVqaAccumulator, 1);

  acc->by_type = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  acc->by_answer_type = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  acc->type_order = g_ptr_array_new ();
  acc->answer_type_order = g_ptr_array_new ();
  return acc;
}

void
pt_vqa_accumulator_free (PtVqaAccumulator *acc)
{
  if (acc == NULL)
    return;
  g_ptr_array_unref (acc->type_order);
  g_ptr_array_unref (acc->answer_type_order);
  g_hash_table_unref (acc->by_type);
  g_hash_table_unref (acc->by_answer_type);
  g_free (acc);
}

static Tally *
tally_for (GHashTable *table, GPtrArray *order, const char *key)
{
  Tally *t = g_hash_table_lookup (table, key);

  if (t == NULL)
    {
      char *k = g_strdup (key);
      t = g_new0 (Tally, 1);
      g_hash_table_insert (table, k, t);
      g_ptr_array_add (order, k);
    }
  return t;
}

static void
tally_add (Tally *t, double vqa, double exact)
{
  t->n++;
  t->vqa_sum += vqa;
  t->exact_sum += exact;
}

void
pt_vqa_accumulator_add (PtVqaAccumulator  *acc,
                        const char        *prediction,
                        const char        *answer,
                        const char *const *answers,
                        guint              n_answers,
                        const char        *question_type,
                        const char        *answer_type)
{
  double vqa, exact;

  g_return_if_fail (acc != NULL && prediction != NULL);

  exact = answer != NULL && pt_vqa_exact_match (prediction, answer) ? 1.0 : 0.0;
  if (answers != NULL && n_answers > 0)
    vqa = pt_vqa_score (prediction, answers, n_answers);
  else if (answer != NULL)
    vqa = pt_vqa_score (prediction, &answer, 1);
  else
    vqa = 0;

  tally_add (&acc->all, vqa, exact);
  if (question_type != NULL && *question_type != '\0')
    tally_add (tally_for (acc->by_type, acc->type_order, question_type), vqa, exact);
  if (answer_type != NULL && *answer_type != '\0')
    tally_add (tally_for (acc->by_answer_type, acc->answer_type_order, answer_type), vqa, exact);
}

guint
pt_vqa_accumulator_count (PtVqaAccumulator *acc)
{
  return acc->all.n;
}

double
pt_vqa_accumulator_vqa_accuracy (PtVqaAccumulator *acc)
{
  return acc->all.n ? acc->all.vqa_sum / acc->all.n : 0.0;
}

double
pt_vqa_accumulator_exact_match (PtVqaAccumulator *acc)
{
  return acc->all.n ? acc->all.exact_sum / acc->all.n : 0.0;
}

static void
add_tally_members (JsonBuilder *b, const Tally *t)
{
  json_builder_set_member_name (b, "n");
  json_builder_add_int_value (b, t->n);
  json_builder_set_member_name (b, "vqa_accuracy");
  json_builder_add_double_value (b, t->n ? t->vqa_sum / t->n : 0.0);
  json_builder_set_member_name (b, "exact_match");
  json_builder_add_double_value (b, t->n ? t->exact_sum / t->n : 0.0);
}

static void
add_table (JsonBuilder *b, const char *name, GHashTable *table, GPtrArray *order)
{
  json_builder_set_member_name (b, name);
  json_builder_begin_object (b);
  for (guint i = 0; i < order->len; i++)
    {
      json_builder_set_member_name (b, order->pdata[i]);
      json_builder_begin_object (b);
      add_tally_members (b, g_hash_table_lookup (table, order->pdata[i]));
      json_builder_end_object (b);
    }
  json_builder_end_object (b);
}

JsonNode *
pt_vqa_accumulator_to_json (PtVqaAccumulator *acc)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  add_tally_members (b, &acc->all);
  add_table (b, "by_type", acc->by_type, acc->type_order);
  add_table (b, "by_answer_type", acc->by_answer_type, acc->answer_type_order);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}
