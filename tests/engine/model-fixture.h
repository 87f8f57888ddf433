/* model-fixture.h — reading tests/fixtures/model/ (tools/make-model-fixtures.py). */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "pt-backend.h"
#include "pt-batch.h"
#include "pt-config.h"
#include "pt-model.h"
#include "pt-safetensors.h"
#include "pt-settings.h"

G_BEGIN_DECLS

/* a 1-thread CPU backend computing in dtype */
PtBackend       *fx_cpu          (PtDType dtype);
/* tests/fixtures/model/<cfg>[/<file>] */
char            *fx_path         (const char *cfg, const char *file);
PtModelConfig   *fx_config       (const char *cfg);
/* batch.safetensors as a PtBatch (seq_len / prefix_len from the mask and token types) */
PtBatch         *fx_batch        (const char *cfg);
PtSafetensors   *fx_case         (const char *cfg, const char *name);
/* the case's settings object (metadata "case") */
JsonObject      *fx_meta         (PtSafetensors *st);
/* settings for a case's mode / targets / r / alpha / rslora / train_* / optimiser keys */
PtTrainSettings *fx_settings     (JsonObject *meta);
/* an aligned float32 copy of tensor name (NULL if absent); numel may be NULL */
float           *fx_tensor       (PtSafetensors *st, const char *name, size_t *numel);
int32_t         *fx_tensor_i32   (PtSafetensors *st, const char *name, size_t *numel);
/* the base weights (pt_model_load_base on the fixture folder) */
void             fx_load_base    (PtModel *model, const char *cfg);
/* every "init.<key>" tensor of st into the model */
void             fx_load_init    (PtModel *model, PtSafetensors *st);
/* every LoRA B of the model drawn uniformly from [lo, lo + (hi - lo)) by a
 * PtRng of seed, in tensor order, so that the adapters matter and A has
 * gradients too */
void             fx_random_lora_b (PtModel *model, guint64 seed, double lo, double hi);
/* max |got - ref| / max |ref| */
double           fx_rel_err      (const float *got, const float *ref, size_t n);
/* max |got - ref| / max (max |ref|, floor) */
double           fx_rel_err_floor (const float *got, const float *ref, size_t n, double floor);
double           fx_abs_max      (const float *x, size_t n);
/* a backend tensor of n elements in dtype → new float32 host array */
float           *fx_download     (PtBackend *be, const void *src, PtDType dtype, size_t n);

G_END_DECLS
