/* pt-model-private.h — the model's internals, shared by its files:
 * pt-model.c (structure, size table, buffers, tensors), pt-lora.c (Linear,
 * LoRA), pt-model-siglip.c, pt-model-gemma.c, pt-model-loss.c (the passes),
 * pt-model-load.c (checkpoints), pt-generate.c.
 */
#pragma once

#include <stdint.h>          /* int32_t, uint8_t */

#include "pt-model.h"        /* public API */
#include "pt-backend.h"      /* PtBackend, PtAttnMask */

G_BEGIN_DECLS

/* ---- parameters -------------------------------------------------------------- */

typedef enum {
  PT_PARAM_MATRIX,   /* large weight in the weight dtype (= act dtype); NF4 in QLoRA */
  PT_PARAM_VECTOR,   /* acc dtype: norm weights, biases, the position embedding */
  PT_PARAM_LORA,     /* acc dtype, always trained */
} PtParamKind;

typedef struct {
  char        *name;      /* canonical checkpoint name or PEFT key */
  int          ndim;
  int64_t      shape[4];
  size_t       numel;
  PtParamKind  kind;
  gboolean     trainable;
  gboolean     decay;     /* weight decay applies (HF Trainer: not biases and norms) */
  gboolean     nf4;       /* stored NF4-quantised (QLoRA base) */
  void        *data;      /* what the passes read: weight dtype (MATRIX) or acc; NULL when nf4 */
  void        *master;    /* trained: acc master (== data when the dtypes agree) */
  void        *grad;      /* trained: acc gradient */
  uint8_t     *q;         /* nf4: ((numel + 1) / 2) packed codes, first element in the high nibble */
  float       *absmax;    /* nf4: (ceil(numel / 64)) F32 block scales */
} PtParam;

/* y = x·Wᵀ (+ b) (+ scaling · dropout(x)·Aᵀ·Bᵀ) */
typedef struct {
  int       in, out;
  PtParam  *w;          /* (out, in) */
  PtParam  *b;          /* (out) or NULL */
  PtParam  *lora_a;     /* (r, in) or NULL */
  PtParam  *lora_b;     /* (out, r) */
  double    scaling;    /* alpha / r, or alpha / sqrt(r) */
  int       id;         /* dropout stream of this module */
} PtLinear;

/* PT_V_*, PT_T_*, PT_TN_*: pt-config.h */

typedef struct {
  PtParam  *ln1_w, *ln1_b, *ln2_w, *ln2_b;   /* (C) */
  PtLinear  lin[PT_V_N];
} PtVisionLayer;

typedef struct {
  PtParam  *norm[PT_TN_N];                   /* (C), used as 1 + w; NULL where the family has none */
  PtLinear  lin[PT_T_N];
} PtTextLayer;

/* ---- activations --------------------------------------------------------------- */

/* One SigLIP layer. Nv = B·P tokens, C = v_hidden, I = v_intermediate, H heads.
 * Stored (training a vision part): one set per layer; otherwise every layer
 * shares one set and x / xout ping-pong. */
typedef struct {
  void *x;              /* (Nv, C) layer input (residual stream) */
  void *ln1;            /* (Nv, C) */
  void *mean1, *rstd1;  /* (Nv) acc */
  void *q, *k, *v;      /* (Nv, C) */
  void *att;            /* (Nv, C) attention output, heads merged */
  void *lse;            /* (B, H, P) acc */
  void *xmid;           /* (Nv, C) residual after attention */
  void *ln2;            /* (Nv, C) */
  void *mean2, *rstd2;  /* (Nv) acc */
  void *h;              /* (Nv, I) fc1 output, before GELU */
  void *xout;           /* (Nv, C) layer output = next layer's x */
} PtVisionActs;

/* One Gemma layer. N = B·T tokens, C = t_hidden, Hq·D and Hkv·D projections,
 * I = t_intermediate. Same storing rule as above. */
typedef struct {
  void *x;              /* (N, C) layer input (residual stream) */
  void *rn1;            /* (N, C) input_layernorm output */
  void *rstd1;          /* (N) acc */
  void *q;              /* (N, Hq·D) after RoPE */
  void *k, *v;          /* (N, Hkv·D), k after RoPE */
  void *att;            /* (N, Hq·D) */
  void *lse;            /* (B, Hq, T) acc */
  void *attn_out;       /* (N, C) o_proj output, before the post-attention norm (Gemma 2) */
  void *rstd_pa;        /* (N) acc (Gemma 2) */
  void *xmid;           /* (N, C) */
  void *rn2;            /* (N, C) pre-MLP norm output */
  void *rstd2;          /* (N) acc */
  void *gate, *up;      /* (N, I) */
  void *mlp_out;        /* (N, C) down_proj output, before the post-MLP norm (Gemma 2) */
  void *rstd_pf;        /* (N) acc (Gemma 2) */
  void *xout;           /* (N, C) */
} PtTextActs;

/* Shapes of one decoder pass (training: T tokens per row, keys = the same
 * tokens; generation: keys in the KV cache). */
typedef struct {
  int               B, T;         /* query rows and tokens per row */
  const int32_t    *pos_start;    /* (B) host: position of token 0 of each row, or NULL */
  int               pos0;         /* position of token 0 when pos_start is NULL */
  const PtAttnMask *mask;
  /* KV cache (generation), or NULL: keys are this pass's k, v (Tk = T) */
  void             *k_cache;      /* (B, tk_alloc, Hkv, D) for this layer */
  void             *v_cache;
  int               tk_alloc;
  int               cache_off;    /* this pass's tokens go to cache rows cache_off.. */
  gboolean          dropout;      /* LoRA dropout (training) */
} PtTextPass;

/* ---- the model ------------------------------------------------------------------ */

enum { PT_BUF_WEIGHTS, PT_BUF_VECTORS, PT_BUF_GRADS, PT_BUF_ACTS, PT_BUF_SCRATCH, PT_N_BUFS };

typedef struct {
  guint8 *base;         /* NULL while sizing */
  size_t  size;
} PtCarver;

struct _PtModel {
  PtBackend     *be;              /* NULL for an estimate */
  PtModelConfig *config;
  PtDType        act, acc, wdt;   /* activation, accumulation, weight dtypes */

  /* what is trained */
  gboolean       has_settings;
  PtTrainMode    mode;
  int            lora_rank;
  gboolean       lora_disabled;  /* inference with the base weights alone */
  double         lora_alpha, lora_dropout, lora_scaling;
  gboolean       use_rslora;
  gboolean       lora_vision[PT_V_N], lora_text[PT_T_N];
  gboolean       train_vision, train_projector, train_decoder;   /* full mode */
  gboolean       training;
  guint64        seed;
  guint64        rng_step;
  int            max_batch, max_seq;

  /* parameters, in a fixed order */
  PtParam      **params;
  guint          n_params;
  GHashTable    *by_name;         /* name → PtParam* */
  PtTrainable   *trainables;
  guint          n_trainables;
  guint64        n_trainable_params;

  /* structure */
  PtLinear       patch;           /* (C, 3·p·p) over im2col patches, bias */
  PtParam       *pos_emb;         /* (P, C) acc */
  PtVisionLayer *vl;
  PtParam       *post_ln_w, *post_ln_b;
  PtLinear       proj;            /* (Ct, Cv), bias */
  PtParam       *embed;           /* (V, Ct) tied with the head */
  PtTextLayer   *tl;
  PtParam       *final_norm;

  gboolean       vision_trained;  /* some vision parameter is trained */
  gboolean       image_grad;      /* backward must reach the image features */
  gboolean       store_vision;    /* vision activations kept for backward */
  int            max_lin_in;      /* widest Linear input, for the LoRA scratch */
  size_t         max_lin_numel;   /* largest NF4 matrix, for the dequantisation scratch */
  int            logits_rows;     /* rows of logits per chunk */

  /* buffers */
  void          *buf[PT_N_BUFS];
  size_t         buf_size[PT_N_BUFS];
  guint64        tally_master;    /* bytes of master copies inside VECTORS */

  /* activations (training) */
  void          *pixels;          /* (B, 3, S, S) act */
  void          *patches;         /* (Nv, 3·p·p) im2col */
  PtVisionActs  *va;              /* (v_layers) */
  void          *v_final;         /* (Nv, Cv) last residual */
  void          *v_out;           /* (Nv, Cv) post_layernorm output */
  void          *v_meanf, *v_rstdf; /* (Nv) acc */
  void          *img;             /* (Nv, Ct) projected, scaled image features */
  PtTextActs    *ta;              /* (t_layers) */
  void          *t_final;         /* (N, C) last residual */
  void          *fnorm;           /* (N, C) final norm output */
  void          *rstdf;           /* (N) acc */
  /* forward scratch */
  void          *v_g;             /* (Nv, Iv) GELU output (recomputed in backward) */
  void          *v_tmp;           /* (Nv, Cv) */
  void          *t_a;             /* (N, I) GeGLU output (recomputed in backward) */
  void          *t_tmp;           /* (N, C) */
  /* backward scratch (text and vision alias) */
  void          *d_res, *d_norm;  /* (N, C) */
  void          *d_q, *d_k, *d_v, *d_att;   /* (N, Hq·D) (N, Hkv·D) … */
  void          *d_gate, *d_up, *d_a;       /* (N, I) */
  void          *dv_res, *dv_norm, *dv_q, *dv_k, *dv_v, *dv_att, *dv_h;  /* vision, (Nv, ·) */
  void          *d_img;           /* (Nv, Ct) */
  /* LoRA and NF4 scratch */
  void          *lora_x;          /* (N, max_in) act: dropped-out input / its gradient */
  void          *lora_u, *lora_du;/* (N, r) acc */
  void          *deq;             /* (max out·in) weight dtype: a dequantised NF4 matrix */
  /* loss */
  void          *hsel;            /* (rows, C) */
  void          *logits;          /* (rows, V) */
  void          *losses;          /* (rows) acc */
  void          *dh;              /* (rows, C) */
  /* index arrays (int32, backend memory) */
  int32_t       *d_ids;           /* (N) */
  int32_t       *d_img_pos;       /* (Nv) */
  int32_t       *d_rows;          /* (N) */
  int32_t       *d_targets;       /* (N) */
  int32_t       *d_emb_ids;       /* (N) */
  int32_t       *d_emb_pos;       /* (N) */
};

/* pt-model.c */
void      *pt_carve              (PtCarver *c, size_t bytes);
gboolean   pt_model_upload_f32   (PtModel *model, void *dst, PtDType dtype, const float *src,
                                  size_t n, GError **error);
gboolean   pt_model_download_f32 (PtModel *model, float *dst, const void *src, PtDType dtype,
                                  size_t n, GError **error);
size_t     pt_model_param_bytes  (PtModel *model, const PtParam *p);
/* The parameter of that name (PEFT's spelling or PaliTune's); NULL with an
 * error naming it if the model has none. */
PtParam   *pt_model_find_param   (PtModel *model, const char *name, GError **error);
double     pt_round_to_dtype     (double x, PtDType dtype);
/* "(d0, d1, …)" for messages */
char      *pt_shape_string       (int n, const int64_t *shape);

/* pt-lora.c */
const void *pt_linear_weight     (PtModel *model, const PtLinear *lin);
gboolean    pt_linear_needs_input (const PtLinear *lin);
void        pt_linear_forward    (PtModel *model, void *out, const void *inp, const PtLinear *lin,
                                  int N, gboolean dropout);
void        pt_linear_backward   (PtModel *model, void *dinp, gboolean accumulate, const void *dout,
                                  const void *inp, const PtLinear *lin, int N, gboolean dropout);
char       *pt_lora_peft_key     (const char *module, const char *ab);
char       *pt_lora_canonical_key (const char *name);
uint64_t    pt_lora_dropout_seed (PtModel *model);
gboolean    pt_model_quantize_param (PtModel *model, PtParam *p, const float *data, GError **error);

/* pt-model-siglip.c */
void        pt_siglip_forward    (PtModel *model, int B, gboolean dropout);
void        pt_siglip_backward   (PtModel *model, int B);
void        pt_siglip_set_acts   (PtModel *model, PtCarver *acts, PtCarver *scratch, int B,
                                  gboolean store);

/* pt-model-gemma.c */
void        pt_gemma_layer_forward  (PtModel *model, const PtTextLayer *layer, const PtTextActs *a,
                                     const PtTextPass *pass);
void        pt_gemma_layer_backward (PtModel *model, const PtTextLayer *layer, const PtTextActs *a,
                                     const PtTextPass *pass, gboolean need_dinp);
void        pt_gemma_embed       (PtModel *model, void *x0, const int32_t *d_ids, int N,
                                  const void *img, const int32_t *d_img_pos, int n_img);
double      pt_gemma_normalizer  (PtModel *model);

G_END_DECLS
