/* pt-vqa.h — VQA answer normalisation and accuracy (big_vision's VQAv2 evaluator).
 *
 * Spec §7: strip "\n"/"\t" to spaces and trim; only when the ground truths
 * disagree, normalise prediction and ground truths (punctuation, full stops,
 * lowercase, articles, number words, contractions); the score is the mean
 * over the leave-one-out subsets of min(matches / 3, 1).
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>   /* JsonNode */

G_BEGIN_DECLS

/* "\n" and "\t" become spaces, then leading/trailing whitespace is trimmed. */
char    *pt_vqa_strip      (const char *text);
/* The full VQA normalisation (postprocess_vqav2_text). */
char    *pt_vqa_normalize  (const char *text);

/* VQA accuracy of one prediction against its ground-truth answers.
 * With 10 answers (VQAv2) this is exactly big_vision's leave-one-out score;
 * with n answers the leave-one-out runs over n subsets. With one or two
 * answers leave-one-out is meaningless, so the score is then
 * min(1, matches / n) (one answer: exact match after normalisation). */
double   pt_vqa_score      (const char *prediction, const char *const *answers, guint n_answers);

/* Exact match: equal after pt_vqa_strip, ignoring case. */
gboolean pt_vqa_exact_match (const char *prediction, const char *answer);

/* Accumulates scores over an evaluation, overall and per type. */
typedef struct _PtVqaAccumulator PtVqaAccumulator;

PtVqaAccumulator *pt_vqa_accumulator_new   (void);
void              pt_vqa_accumulator_free  (PtVqaAccumulator *acc);
/* answers may be NULL/empty: then only exact match against answer counts.
 * question_type / answer_type may be NULL. */
void              pt_vqa_accumulator_add   (PtVqaAccumulator  *acc,
                                            const char        *prediction,
                                            const char        *answer,
                                            const char *const *answers,
                                            guint              n_answers,
                                            const char        *question_type,
                                            const char        *answer_type);
guint             pt_vqa_accumulator_count         (PtVqaAccumulator *acc);
double            pt_vqa_accumulator_vqa_accuracy  (PtVqaAccumulator *acc);   /* 0..1 */
double            pt_vqa_accumulator_exact_match   (PtVqaAccumulator *acc);   /* 0..1 */
/* {"n", "vqa_accuracy", "exact_match", "by_type": {question_type: {n, vqa_accuracy,
 *  exact_match}}, "by_answer_type": {…}} */
JsonNode         *pt_vqa_accumulator_to_json       (PtVqaAccumulator *acc);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtVqaAccumulator, pt_vqa_accumulator_free)

G_END_DECLS
