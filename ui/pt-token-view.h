/* pt-token-view.h — a prompt as the model reads it: one chip per token.
 *
 * Chips are coloured by role: the image tokens (one chip, "256 × <image>"),
 * the prefix (<bos>, the prompt and its "\n": attended in both directions)
 * and the suffix (the answer and <eos>: the tokens the loss is computed
 * on). Tokens that truncation drops are struck through.
 */
#pragma once

#include <gtk/gtk.h>

#include "pt-processor.h"   /* PtEncoded */
#include "pt-tokenizer.h"   /* PtTokenizer */

G_BEGIN_DECLS

typedef enum {
  PT_TOKEN_IMAGE,
  PT_TOKEN_PREFIX,
  PT_TOKEN_SUFFIX,
  PT_TOKEN_N_ROLES
} PtTokenRole;

#define PT_TYPE_TOKEN_VIEW (pt_token_view_get_type ())

G_DECLARE_FINAL_TYPE (PtTokenView, pt_token_view, PT, TOKEN_VIEW, GtkWidget)

GtkWidget *pt_token_view_new        (void);
void       pt_token_view_clear      (PtTokenView *self);
/* Shows full (encoded without a length limit); kept, when not NULL, is the
 * same example truncated to the maximum text length: what it drops is
 * marked. */
void       pt_token_view_set_tokens (PtTokenView *self, const PtTokenizer *tokenizer,
                                     const PtEncoded *full, const PtEncoded *kept);
/* Chips of a role (the image chip counts once) and chips marked as cut. */
guint      pt_token_view_get_n_chips (PtTokenView *self, PtTokenRole role);
guint      pt_token_view_get_n_cut   (PtTokenView *self);
/* The text of chip i (for tests), or NULL. */
const char *pt_token_view_get_chip_text (PtTokenView *self, guint i);

/* How a piece is shown: "▁" kept, "\n" as "↵", nothing invisible. */
char      *pt_token_view_display_piece (const char *piece);

G_END_DECLS
