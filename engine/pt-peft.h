/* pt-peft.h — PEFT LoRA adapter folders (adapter_config.json +
 * adapter_model.safetensors), as peft 0.17.1 with transformers 4.57.6 reads
 * and writes them (spec §5).
 *
 * Module paths are those of PaliGemmaForConditionalGeneration in memory
 * (transformers ≥ 4.52): model.vision_tower.vision_model.encoder.layers.N.…,
 * model.multi_modal_projector.linear, model.language_model.layers.N.…,
 * lm_head. PEFT matches target_modules against them and names the adapter
 * tensors base_model.model.<path>.lora_A.weight / .lora_B.weight. Adapters
 * saved with transformers ≤ 4.51 use the legacy paths
 * (language_model.model.layers.N.…, vision_tower.vision_model.…); both are
 * read, the current one is written.
 */
#pragma once

#include <glib.h>

#include "pt-checkpoint.h"   /* PtCheckpoint helpers, PtTensorSpec */
#include "pt-config.h"       /* PtModelConfig */
#include "pt-safetensors.h"  /* PtSafetensorsWriter, PtStTensor */

G_BEGIN_DECLS

typedef enum {
  PT_PEFT_LAYOUT_CURRENT = 0,  /* transformers 5: model.language_model.…, model.vision_tower.encoder.… */
  PT_PEFT_LAYOUT_LEGACY,       /* transformers ≤ 4.51: language_model.model.…, vision_tower.vision_model.… */
  PT_PEFT_LAYOUT_V4,           /* transformers 4.52–4.57: model.vision_tower.vision_model.encoder.… */
} PtPeftLayout;

/* The linear layers LoRA can wrap. */
typedef enum {
  PT_LORA_V_Q = 0, PT_LORA_V_K, PT_LORA_V_V, PT_LORA_V_OUT, PT_LORA_V_FC1, PT_LORA_V_FC2,
  PT_LORA_PROJECTOR,
  PT_LORA_T_Q, PT_LORA_T_K, PT_LORA_T_V, PT_LORA_T_O, PT_LORA_T_GATE, PT_LORA_T_UP, PT_LORA_T_DOWN,
  PT_LORA_N_MODULES
} PtLoraModule;

typedef enum { PT_TOWER_VISION, PT_TOWER_PROJECTOR, PT_TOWER_TEXT } PtTower;

const char *pt_lora_module_name  (PtLoraModule module);   /* "q_proj", "fc1", "linear", … */
PtTower     pt_lora_module_tower (PtLoraModule module);
/* in/out features of the layer: LoRA A is (r, in), B is (out, r). */
void        pt_lora_module_dims  (PtLoraModule module, const PtModelConfig *config, int *in, int *out);

/* The in-memory module path (layer ignored for the projector). */
char       *pt_peft_module_path  (PtLoraModule module, int layer, PtPeftLayout layout);

typedef struct {
  PtLoraModule module;
  int          layer;    /* -1 for the projector */
  gboolean     is_b;     /* lora_B (out, r) rather than lora_A (r, in) */
} PtLoraKey;

/* Parses an adapter tensor name in any layout; FALSE when it is not a LoRA
 * A/B weight of a PaliGemma linear layer. layout may be NULL. */
gboolean    pt_peft_parse_key    (const char *name, PtLoraKey *key, PtPeftLayout *layout);
/* base_model.model.<path>.lora_{A,B}.weight */
char       *pt_peft_key_name     (const PtLoraKey *key, PtPeftLayout layout);

/* ---- adapter_config.json ---------------------------------------------------- */

typedef struct {
  char    *key;      /* a regex, matched as re.match(rf"(.*\.)?({key})$", path) */
  double   value;
} PtPeftPattern;

typedef struct {
  char     *peft_type;               /* "LORA" */
  char     *task_type;               /* "CAUSAL_LM" or NULL */
  char     *base_model_name_or_path;
  char     *revision;
  char     *peft_version;
  int       r;                       /* 8 */
  double    lora_alpha;              /* 8 */
  double    lora_dropout;            /* 0 */
  char    **target_modules;          /* a list … */
  char     *target_modules_regex;    /* … or a regex (re.fullmatch), or "all-linear"; NULL when a list */
  char    **exclude_modules;
  char     *exclude_modules_regex;
  char     *bias;                    /* "none" */
  gboolean  use_rslora;
  gboolean  use_dora;
  gboolean  fan_in_fan_out;
  gboolean  lora_bias;
  gboolean  inference_mode;
  char     *init_lora_weights;       /* "true", "false", "gaussian", … */
  char    **modules_to_save;
  GArray   *rank_pattern;            /* of PtPeftPattern, file order */
  GArray   *alpha_pattern;           /* of PtPeftPattern */
  int      *layers_to_transform;     /* NULL: all */
  int       n_layers_to_transform;
  char    **layers_pattern;
  gboolean  has_unsupported;         /* target_parameters, trainable_token_indices, layer_replication, … */
  char     *unsupported;             /* which, for the message */
} PtPeftConfig;

PtPeftConfig *pt_peft_config_new       (void);   /* peft's LoraConfig defaults, task CAUSAL_LM */
void          pt_peft_config_free      (PtPeftConfig *config);
/* Parses (types checked, unknown keys ignored). */
PtPeftConfig *pt_peft_config_from_json (const char *json, gssize length, const char *what, GError **error);
/* path: adapter_config.json or the adapter folder; parses and validates. */
PtPeftConfig *pt_peft_config_load      (const char *path, GError **error);
/* What PaliTune can train / apply: LoRA without DoRA, bias "none", no
 * modules_to_save, r ≥ 1, …; PT_ERROR_UNSUPPORTED with the reason. */
gboolean      pt_peft_config_validate  (const PtPeftConfig *config, GError **error);
/* adapter_config.json as peft 0.17.1 writes it (every key, sorted, indent 2). */
char         *pt_peft_config_to_json   (const PtPeftConfig *config);

/* peft's check_target_module_exists: does LoRA apply to this module path
 * (exclude_modules, modules_to_save, target list "== t or endswith .t",
 * regex fullmatch, layers_to_transform / layers_pattern)? "all-linear" is
 * resolved by pt_peft_resolve, not here. */
gboolean      pt_peft_module_matches   (const PtPeftConfig *config, const char *path);
/* rank_pattern / alpha_pattern lookups (peft get_pattern_key). */
int           pt_peft_rank_for         (const PtPeftConfig *config, const char *path);
double        pt_peft_alpha_for        (const PtPeftConfig *config, const char *path);

/* ---- the modules of the model ----------------------------------------------- */

typedef enum {
  PT_MODULE_CONTAINER,   /* a module holding others */
  PT_MODULE_LINEAR,
  PT_MODULE_EMBEDDING,
  PT_MODULE_CONV2D,
  PT_MODULE_NORM,        /* LayerNorm, GemmaRMSNorm */
  PT_MODULE_OTHER,       /* activations, rotary embedding */
} PtModuleKind;

typedef struct {
  char         *path;    /* "" is the model itself */
  const char   *type;    /* torch class name, e.g. "Linear", "GemmaRMSNorm" */
  PtModuleKind  kind;
  int           lora;    /* PtLoraModule, or -1 */
  int           layer;   /* -1 outside the layer stacks */
} PtModuleInfo;

/* named_modules() of PaliGemmaForConditionalGeneration in transformers
 * 4.57.6, in its order (a GPtrArray of PtModuleInfo* that frees them). */
GPtrArray    *pt_peft_model_modules    (const PtModelConfig *model);

typedef struct {
  PtLoraModule module;
  int          layer;
  char        *path;     /* current layout */
  int          r;
  double       alpha;
  double       scaling;  /* alpha / r, or alpha / sqrt(r) with use_rslora */
  int          in, out;
} PtLoraTarget;

/* The layers PEFT wraps for this config on this model, in module order (a
 * GPtrArray of PtLoraTarget* that frees them). Errors as PEFT's: nothing
 * matched, or a matched module LoRA cannot wrap (PT_ERROR_UNSUPPORTED for
 * embeddings, the patch convolution and lm_head, which PEFT would wrap but
 * PaliTune does not). */
GPtrArray    *pt_peft_resolve          (const PtPeftConfig *config, const PtModelConfig *model,
                                        GError **error);

/* ---- adapter folders -------------------------------------------------------- */

typedef struct _PtPeftAdapter PtPeftAdapter;

/* Opens an adapter folder for this model: the config (validated), the
 * tensors (either layout), checking that exactly the resolved layers have
 * both A and B, with shapes (r, in) and (out, r) in a float dtype. */
PtPeftAdapter      *pt_peft_adapter_open    (const char *dir, const PtModelConfig *model, GError **error);
void                pt_peft_adapter_free    (PtPeftAdapter *adapter);
const PtPeftConfig *pt_peft_adapter_config  (const PtPeftAdapter *adapter);
PtPeftLayout        pt_peft_adapter_layout  (const PtPeftAdapter *adapter);
/* of PtLoraTarget* */
GPtrArray          *pt_peft_adapter_targets (const PtPeftAdapter *adapter);
const PtStTensor   *pt_peft_adapter_lookup  (const PtPeftAdapter *adapter, PtLoraModule module,
                                             int layer, gboolean is_b);

/* Writes adapter_model.safetensors (tensors named with pt_peft_key_name,
 * PT_PEFT_LAYOUT_CURRENT; "format": "pt" metadata is added) and
 * adapter_config.json into dir, each atomically. */
gboolean            pt_peft_adapter_save    (const char *dir, const PtPeftConfig *config,
                                             PtSafetensorsWriter *tensors, GError **error);

void                pt_lora_target_free     (PtLoraTarget *target);
void                pt_module_info_free     (PtModuleInfo *info);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtPeftConfig, pt_peft_config_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtPeftAdapter, pt_peft_adapter_free)

G_END_DECLS
