/* pt-export.h — what a run produces for the outside world.
 *
 * - A PEFT adapter folder (adapter_config.json + adapter_model.safetensors)
 *   that Hugging Face PEFT loads onto the base model (LoRA and QLoRA runs).
 * - A merged model folder in the Hugging Face PaliGemma layout (config.json,
 *   model.safetensors or shards, the tokenizer files), the LoRA deltas added
 *   into the base weights (or the fully fine-tuned weights), in the base
 *   checkpoint's dtype.
 * Both come from a run's checkpoint: the best one by default (pt_ckpt_preferred).
 * Every file is written atomically; an existing non-empty folder is refused
 * unless overwrite.
 */
#pragma once

#include <glib.h>

#include "pt-peft.h"       /* PtPeftConfig */
#include "pt-run.h"        /* PtRun */

G_BEGIN_DECLS

/* The PEFT config equivalent to the settings' LoRA (targets as a list when
 * every target is a plain module name, else as a regex over the module paths). */
PtPeftConfig *pt_export_peft_config (const PtTrainSettings *settings);

/* The inverse: LoRA settings equivalent to a PEFT adapter folder's config on
 * this model (mode, rank, alpha, dropout, rsLoRA, targets per tower), with
 * adapter_dir set. Adapters PaliTune cannot run (some layers only,
 * per-module ranks, DoRA, the projector) are PT_ERROR_UNSUPPORTED. */
gboolean pt_settings_from_peft (PtTrainSettings *settings, const char *adapter_dir,
                                const PtModelConfig *model, GError **error);

gboolean pt_export_adapter (PtRun *run, const char *checkpoint, const char *out_dir,
                            gboolean overwrite, GError **error);
gboolean pt_export_merged  (PtRun *run, const char *checkpoint, const char *out_dir,
                            gboolean overwrite, GError **error);

G_END_DECLS
