/* pt-nf4.h — bitsandbytes NF4 quantisation on the host (QLoRA base weights).
 *
 * The weight is flattened row-major and cut into blocks of 64 consecutive
 * elements (a block may straddle rows); each block keeps its fp32 absmax and
 * one 4-bit index per element into the NF4 code, two indices per byte with
 * the FIRST element in the HIGH nibble (an odd count pads the last low
 * nibble with the index of 0.0). Dequantisation: w = code[idx] · absmax.
 *
 * Double quantisation (bnb_4bit_use_double_quant) stores the absmax vector
 * itself in 8 bits: offset = mean(absmax), then (absmax - offset) in blocks
 * of 256 with their own fp32 absmax2 and the signed 8-bit dynamic map;
 * absmax = code8[q] · absmax2 + offset.
 *
 * Ground truth: bitsandbytes 0.50 (functional.py, backends/default/ops.py,
 * csrc/kernels.cu dQuantizeNF4); tests/fixtures/nf4/ holds its output.
 */
#pragma once

#include <stddef.h>   /* size_t */
#include <stdint.h>   /* uint8_t */
#include <glib.h>   /* G_BEGIN_DECLS, MIN */

G_BEGIN_DECLS

#define PT_NF4_BLOCK 64      /* elements per absmax */
#define PT_NF4_DQ_BLOCK 256  /* absmax values per absmax2 (double quantisation) */

/* The 16 NF4 values, index 0..15 (bitsandbytes get_4bit_type ("nf4")). */
extern const float pt_nf4_code[16];
/* The 256 values of bitsandbytes create_dynamic_map (signed=True), sorted. */
extern const float pt_nf4_code8[256];

/* (n + 63) / 64 absmax values; (n + 1) / 2 packed bytes */
size_t  pt_nf4_n_blocks     (size_t n);
size_t  pt_nf4_packed_size  (size_t n);

/* The NF4 index nearest to x (x already divided by its absmax, in [-1, 1]):
 * bitsandbytes' decision tree, strict `>` at the fp32 midpoints (a value on a
 * midpoint takes the lower code; NaN gives 0). */
uint8_t pt_nf4_index        (float x);

/* x (n) → packed ((n+1)/2), absmax (n_blocks). Each element is multiplied by
 * 1/absmax of its block (fp32) and clamped to [-1, 1]; an all-zero block
 * gets absmax 0 and index 7 (0.0) everywhere. */
void    pt_nf4_quantize     (const float *x, size_t n, uint8_t *packed, float *absmax);
/* out (n) = code[idx] · absmax[i / 64] in fp32 */
void    pt_nf4_dequantize   (const uint8_t *packed, const float *absmax, size_t n, float *out);

/* indices (n, one per byte) ⇄ packed ((n+1)/2 bytes) */
void    pt_nf4_pack         (const uint8_t *idx, size_t n, uint8_t *packed);
void    pt_nf4_unpack       (const uint8_t *packed, size_t n, uint8_t *idx);

/* Blockwise 8-bit quantisation with pt_nf4_code8 (bitsandbytes
 * quantize_blockwise): per 256-block absmax2, a · (1/absmax2) clamped to
 * [-1, 1], nearest code by fp32 midpoints, ties to the lower code. */
void    pt_nf4_quantize_blockwise8 (const float *a, size_t n, uint8_t *q, float *absmax2);

/* Double quantisation of absmax (n_blocks): qabsmax (n_blocks),
 * absmax2 ((n_blocks + 255) / 256), offset = mean(absmax) (summed in double,
 * rounded to fp32). */
void    pt_nf4_double_quantize   (const float *absmax, size_t n_blocks, uint8_t *qabsmax,
                                  float *absmax2, float *offset);
/* absmax (n_blocks) = code8[qabsmax] · absmax2[i / 256] + offset, in fp32 */
void    pt_nf4_double_dequantize (const uint8_t *qabsmax, const float *absmax2, float offset,
                                  size_t n_blocks, float *absmax);
/* absmax replaced by what bitsandbytes computes with after double
 * quantisation (quantize, then dequantize): the values to upload for
 * nf4_dequantize when double quantisation is on. */
void    pt_nf4_compress_absmax   (float *absmax, size_t n_blocks);

G_END_DECLS
