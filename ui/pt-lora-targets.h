/* pt-lora-targets.h — the Train page's per-tower module ticks ↔ lora_targets.
 *
 * The form shows one check per module and tower: Vision (SigLIP) q k v
 * out fc1 fc2, Text (Gemma) q k v o gate up down. PtTrainSettings keeps
 * PEFT names: "q_proj" matches every tower that has the module,
 * "vision.q_proj" / "text.q_proj" one tower only. No GTK here.
 */
#pragma once

#include <glib.h>   /* gboolean */

G_BEGIN_DECLS

/* Ticks are indexed like pt_vision_lora_modules / pt_text_lora_modules
 * (engine/pt-settings.h). Unknown names are ignored. */
void   pt_lora_targets_to_ticks   (const char *const *targets,
                                   gboolean          *vision_ticks,
                                   gboolean          *text_ticks);
/* A module ticked in both towers → "q_proj"; one tower → "vision.q_proj" or
 * "text.q_proj"; a module only one tower has → its plain name. NULL-terminated,
 * in a fixed order; empty (not NULL) when nothing is ticked. */
char **pt_lora_targets_from_ticks (const gboolean    *vision_ticks,
                                   const gboolean    *text_ticks);
/* TRUE when both lists select the same modules of the same towers. */
gboolean pt_lora_targets_equal    (const char *const *a,
                                   const char *const *b);

guint  pt_lora_n_vision_modules   (void);
guint  pt_lora_n_text_modules     (void);

G_END_DECLS
