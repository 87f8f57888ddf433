/* pt-checkpoint-private.h — shared between pt-checkpoint.c and pt-checkpoint-bnb.c. */
#pragma once

#include <glib.h>

#include "pt-checkpoint.h"   /* PT_TENSOR_MAX_DIMS, PtStTensor */

G_BEGIN_DECLS

/* a stored tensor and the index of the file holding it */
typedef struct {
  const PtStTensor *tensor;
  guint             file;
} PtStoredSlot;

/* a tensor the checkpoint made itself (a dequantised weight) */
typedef struct {
  PtStTensor info;
  char      *name;
  int64_t    shape[PT_TENSOR_MAX_DIMS];
  void      *data;
} PtOwnedTensor;

void           pt_owned_tensor_free  (PtOwnedTensor *t);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtOwnedTensor, pt_owned_tensor_free)

/* one of the extra tensors bitsandbytes stores beside a 4-bit weight */
gboolean       pt_bnb_is_component   (const char *name);
/* Dequantises the weight whose quant state is stored under state_name
 * (".quant_state.bitsandbytes__nf4"); stored maps stored names to
 * PtStoredSlot*; file names the file in errors. */
PtOwnedTensor *pt_bnb_dequantize     (GHashTable *stored, const char *state_name, const char *file,
                                      GError **error);

G_END_DECLS
