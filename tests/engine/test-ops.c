/* test-ops.c — the CPU backend's compute ops.
 *
 * For every case of the op table (op-cases-table.c):
 *   /engine/ops/reference/…  F64 and F32 forward against naive references
 *   /engine/ops/gradcheck/…  every backward against central finite
 *                            differences of Σ out·R in the F64 backend
 *   /engine/ops/f32-vs-f64/… F32 forward and backward against F64 (NMSE)
 *   /engine/ops/threads/…    1 thread and 3 threads give identical bits (the
 *                            products through OpenBLAS: NMSE 1e-12, see below)
 *   /engine/ops/bf16-vs-f64/… the BF16 backend (act BF16, acc F32, as CUDA)
 *                            against F64, within the case's BF16 bound
 * plus semantics the table cannot express: conversion bit patterns, im2col
 * against a direct convolution, NF4 against bitsandbytes' output.
 */
#include "config.h"

#include <math.h>           /* isnan, nextafterf, fabs */
#include <string.h>         /* memcpy */

#include "pt-backend.h"     /* pt_cpu_backend_new */
#include "pt-half.h"        /* pt_f32_to_bf16 … (bit-pattern checks) */
#include "pt-test-util.h"   /* pt_test_load_json */
#include "pt-nf4.h"         /* the host quantiser under test */
#include "op-cases.h"       /* the op case table and its checks */

static PtBackend *cpu_f64, *cpu_f32, *cpu_f32_1, *cpu_f32_3, *cpu_bf16;

static void
finish (PtOcResult result,
        GString   *log)
{
  if (g_test_verbose () || result == PT_OC_FAIL)
    g_test_message ("%s", log->str);
  if (result == PT_OC_UNSUPPORTED)
    g_test_skip ("not supported");
  else if (result == PT_OC_FAIL)
    g_test_fail_printf ("%s", log->str);
}

static void
test_reference (gconstpointer data)
{
  const PtOpCase *c = data;
  g_autoptr(GString) log = g_string_new ("F64:\n");
  PtOcResult r = pt_op_case_check_reference (c, cpu_f64, 1e-20, log);

  if (r == PT_OC_PASS)
    {
      g_string_append (log, "F32:\n");
      r = pt_op_case_check_reference (c, cpu_f32, c->nmse > 0 ? c->nmse : 1e-9, log);
    }
  finish (r, log);
}

static void
test_gradcheck (gconstpointer data)
{
  g_autoptr(GString) log = g_string_new (NULL);

  finish (pt_op_case_check_gradients (data, cpu_f64, 1e-6, log), log);
}

static void
test_f32_vs_f64 (gconstpointer data)
{
  g_autoptr(GString) log = g_string_new (NULL);

  finish (pt_op_case_compare (data, cpu_f64, cpu_f32, log), log);
}

static void
test_bf16_vs_f64 (gconstpointer data)
{
  g_autoptr(GString) log = g_string_new (NULL);
  finish (pt_op_case_compare (data, cpu_f64, cpu_bf16, log), log);
}

/* PaliTune's own kernels give the same bits for any thread count. OpenBLAS
 * does not promise that: on some processors (seen on an AMD EPYC, family
 * 25 model 1) its sgemm splits the rows differently per thread count and
 * the remainder rows go through another micro-kernel, changing the last
 * bit of a few sums. The products are held to rounding-level agreement. */
static void
test_threads (gconstpointer data)
{
  const PtOpCase *c = data;
  g_autoptr(GString) log = g_string_new (NULL);
  gboolean blas = c->family == &pt_oc_gemm || c->family == &pt_oc_gemm_batched;

  finish (pt_op_case_compare_bound (data, cpu_f32_1, cpu_f32_3, blas ? 1e-12 : 0.0, log), log);
}

/* ---- conversions: bit patterns ------------------------------------------- */

static float
bits (uint32_t u)
{
  return pt_bits_to_f32 (u);
}

static void
test_convert_bits (void)
{
  /* bf16: ties to even, NaN canonical, overflow to inf */
  g_assert_cmphex (pt_f32_to_bf16 (bits (0x3F808000)), ==, 0x3F80);
  g_assert_cmphex (pt_f32_to_bf16 (bits (0x3F818000)), ==, 0x3F82);
  g_assert_cmphex (pt_f32_to_bf16 (bits (0x3F808001)), ==, 0x3F81);
  g_assert_cmphex (pt_f32_to_bf16 (bits (0xBF808000)), ==, 0xBF80);
  g_assert_cmphex (pt_f32_to_bf16 (bits (0x7F7FFFFF)), ==, 0x7F80);
  g_assert_cmphex (pt_f32_to_bf16 (bits (0xFFC12345)), ==, 0x7FC0);
  g_assert_cmphex (pt_f32_to_bf16 (bits (0x00000001)), ==, 0x0000);
  g_assert_cmpfloat (pt_bf16_to_f32 (0x4049), ==, 3.140625f);

  /* f16: subnormals, ties, overflow */
  g_assert_cmphex (pt_f32_to_f16 (65504.0f), ==, 0x7BFF);
  g_assert_cmphex (pt_f32_to_f16 (65519.0f), ==, 0x7BFF);
  g_assert_cmphex (pt_f32_to_f16 (65520.0f), ==, 0x7C00);
  g_assert_cmphex (pt_f32_to_f16 (0x1p-24f), ==, 0x0001);
  g_assert_cmphex (pt_f32_to_f16 (0x1p-25f), ==, 0x0000);
  g_assert_cmphex (pt_f32_to_f16 (3 * 0x1p-26f), ==, 0x0001);
  g_assert_cmphex (pt_f32_to_f16 (3 * 0x1p-25f), ==, 0x0002);
  g_assert_cmphex (pt_f32_to_f16 (0x1p-14f), ==, 0x0400);
  g_assert_cmphex (pt_f32_to_f16 (1.0f + 0x1p-11f), ==, 0x3C00);
  g_assert_cmphex (pt_f32_to_f16 (1.0f + 3 * 0x1p-11f), ==, 0x3C02);
  g_assert_cmphex (pt_f32_to_f16 (-2.0f), ==, 0xC000);
  g_assert_cmphex (pt_f32_to_f16 (INFINITY), ==, 0x7C00);
  g_assert_cmphex (pt_f32_to_f16 (NAN) & 0x7E00, ==, 0x7E00);
  g_assert_cmpfloat (pt_f16_to_f32 (0x0001), ==, 0x1p-24f);
  g_assert_cmpfloat (pt_f16_to_f32 (0x03FF), ==, 1023 * 0x1p-24f);
  g_assert_cmpfloat (pt_f16_to_f32 (0xFBFF), ==, -65504.0f);
  g_assert_true (isinf (pt_f16_to_f32 (0xFC00)) && pt_f16_to_f32 (0xFC00) < 0);

#ifdef __FLT16_MANT_DIG__
  /* against the compiler's _Float16: every half, and a sweep of floats */
  for (uint32_t h = 0; h < 65536; h++)
    {
      _Float16 hf;
      memcpy (&hf, &(uint16_t) { (uint16_t) h }, 2);
      if (isnan ((float) hf))
        g_assert_true (isnan (pt_f16_to_f32 ((uint16_t) h)));
      else
        g_assert_cmpfloat (pt_f16_to_f32 ((uint16_t) h), ==, (float) hf);
    }
  for (uint32_t u = 0; u < 0xFF800000u; u += 0x3F01)
    {
      float f = bits (u);
      _Float16 hf = (_Float16) f;
      uint16_t want;
      memcpy (&want, &hf, 2);
      if (!isnan (f))
        g_assert_cmphex (pt_f32_to_f16 (f), ==, want);
    }
#endif
}

/* the backend op agrees with pt-half.h bit for bit (NaN payloads aside) */
static void
test_convert_op_bits (void)
{
  enum { N = 4099 };
  g_autofree float *src = g_new (float, N);
  g_autofree uint16_t *bf = g_new (uint16_t, N);
  g_autofree uint16_t *hf = g_new (uint16_t, N);

  for (int i = 0; i < N; i++)
    src[i] = bits ((uint32_t) i * 1048571u);
  cpu_f32->ops->convert (cpu_f32, bf, PT_DTYPE_BF16, src, PT_DTYPE_F32, N);
  cpu_f32->ops->convert (cpu_f32, hf, PT_DTYPE_F16, src, PT_DTYPE_F32, N);
  for (int i = 0; i < N; i++)
    {
      g_assert_cmphex (bf[i], ==, pt_f32_to_bf16 (src[i]));
      g_assert_cmphex (hf[i], ==, pt_f32_to_f16 (src[i]));
    }
}

/* ---- im2col + GEMM = Conv2d (stride P, no padding) ----------------------- */

static void
test_im2col_conv (void)
{
  enum { B = 2, CIN = 3, H = 30, W = 29, P = 7, COUT = 5, HP = H / P, WP = W / P, F = CIN * P * P };
  PtBackend *be = cpu_f64;
  g_autofree double *pixels = g_new (double, B * CIN * H * W);
  g_autofree double *weight = g_new (double, COUT * F);         /* (Cout, Cin, P, P) */
  g_autofree double *cols = g_new (double, B * HP * WP * F);
  g_autofree double *conv = g_new (double, B * HP * WP * COUT); /* (B, patches, Cout) */
  PtRng rng = { 99, 0 };
  double err = 0, norm = 0;

  for (int i = 0; i < B * CIN * H * W; i++)
    pixels[i] = 2 * pt_rng_next_double (&rng) - 1;
  for (int i = 0; i < COUT * F; i++)
    weight[i] = 2 * pt_rng_next_double (&rng) - 1;
  be->ops->im2col (be, cols, pixels, B, CIN, H, W, P);
  be->ops->gemm (be, FALSE, TRUE, B * HP * WP, COUT, F, 1.0, cols, PT_DTYPE_F64, F,
                 weight, PT_DTYPE_F64, F, 0.0, conv, PT_DTYPE_F64, COUT);

  for (int b = 0; b < B; b++)
    for (int o = 0; o < COUT; o++)
      for (int py = 0; py < HP; py++)
        for (int px = 0; px < WP; px++)
          {
            double sum = 0, got = conv[((b * HP + py) * WP + px) * COUT + o];
            for (int c = 0; c < CIN; c++)
              for (int y = 0; y < P; y++)
                for (int x = 0; x < P; x++)
                  sum += pixels[((b * CIN + c) * H + py * P + y) * W + px * P + x]
                         * weight[((o * CIN + c) * P + y) * P + x];
            err += (got - sum) * (got - sum);
            norm += sum * sum;
          }
  g_assert_cmpfloat (err / norm, <, 1e-24);
}

/* ---- NF4 against bitsandbytes ---------------------------------------------- */

static JsonArray *
member_array (JsonObject *o,
              const char *name)
{
  g_assert_true (json_object_has_member (o, name));
  return json_object_get_array_member (o, name);
}

static float *
floats_of (JsonArray *a)
{
  float *out = g_new (float, MAX (json_array_get_length (a), 1));

  for (guint i = 0; i < json_array_get_length (a); i++)
    out[i] = (float) json_array_get_double_element (a, i);
  return out;
}

static uint8_t *
bytes_of (JsonArray *a)
{
  uint8_t *out = g_new (uint8_t, MAX (json_array_get_length (a), 1));

  for (guint i = 0; i < json_array_get_length (a); i++)
    out[i] = (uint8_t) json_array_get_int_element (a, i);
  return out;
}

static JsonObject *
load_nf4_fixture (JsonNode **root)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", "nf4", "nf4.json",
                                                 NULL);

  *root = pt_test_load_json (path, 16 << 20);
  return json_node_get_object (*root);
}

/* Indices: exactly those of the CUDA kernel's decision tree (packed_tree);
 * bitsandbytes' CPU path differs only for values on fp32-rounded midpoints
 * (see tools/make-nf4-fixtures.py). Dequantisation: exactly bitsandbytes'. */
static void
test_nf4_quantize (void)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *nf4 = json_object_get_object_member (load_nf4_fixture (&root), "nf4");
  size_t n = json_object_get_int_member (nf4, "n");
  g_autofree float *x = floats_of (member_array (nf4, "x"));
  g_autofree float *want_absmax = floats_of (member_array (nf4, "absmax"));
  g_autofree float *want_deq = floats_of (member_array (nf4, "dequant"));
  g_autofree uint8_t *bnb_packed = bytes_of (member_array (nf4, "packed"));
  g_autofree uint8_t *tree_packed = bytes_of (member_array (nf4, "packed_tree"));
  g_autofree uint8_t *packed = g_new (uint8_t, pt_nf4_packed_size (n));
  g_autofree float *absmax = g_new (float, pt_nf4_n_blocks (n));
  g_autofree float *deq = g_new (float, n);
  g_autofree float *deq_op = g_new (float, n);
  int differ = 0;

  g_assert_cmpuint (json_array_get_length (member_array (nf4, "packed")), ==, pt_nf4_packed_size (n));
  pt_nf4_quantize (x, n, packed, absmax);
  for (size_t b = 0; b < pt_nf4_n_blocks (n); b++)
    g_assert_cmpfloat (absmax[b], ==, want_absmax[b]);
  for (size_t i = 0; i < pt_nf4_packed_size (n); i++)
    {
      if (packed[i] != tree_packed[i])
        g_error ("packed byte %zu is 0x%02x, the decision tree gives 0x%02x (x = %a, %a)",
                 i, packed[i], tree_packed[i], x[2 * i], 2 * i + 1 < n ? x[2 * i + 1] : 0);
      differ += packed[i] != bnb_packed[i];
    }
  g_assert_cmpint (differ, <=, 3);

  pt_nf4_dequantize (bnb_packed, absmax, n, deq);
  cpu_f32->ops->nf4_dequantize (cpu_f32, deq_op, PT_DTYPE_F32, bnb_packed, absmax, n);
  for (size_t i = 0; i < n; i++)
    {
      g_assert_cmpfloat (deq[i], ==, want_deq[i]);
      g_assert_cmpfloat (deq_op[i], ==, want_deq[i]);
    }
}

static void
test_nf4_double_quant (void)
{
  g_autoptr(JsonNode) root = NULL;
  JsonObject *top = load_nf4_fixture (&root);
  JsonObject *dq = json_object_get_object_member (top, "dq");
  JsonArray *code8 = member_array (top, "code8");
  size_t nb = json_array_get_length (member_array (dq, "absmax"));
  g_autofree float *absmax = floats_of (member_array (dq, "absmax"));
  g_autofree uint8_t *want_q = bytes_of (member_array (dq, "qabsmax"));
  g_autofree float *want_absmax2 = floats_of (member_array (dq, "absmax2"));
  g_autofree float *want_deq = floats_of (member_array (dq, "dequant"));
  g_autofree uint8_t *bnb_q = bytes_of (member_array (dq, "qabsmax_bnb"));
  g_autofree float *bnb_absmax2 = floats_of (member_array (dq, "absmax2_bnb"));
  g_autofree float *bnb_deq = floats_of (member_array (dq, "dequant_bnb"));
  g_autofree uint8_t *q = g_new (uint8_t, nb);
  g_autofree float *absmax2 = g_new (float, nb / PT_NF4_DQ_BLOCK + 1);
  g_autofree float *deq = g_new (float, nb);
  float offset;

  g_assert_cmpuint (json_array_get_length (code8), ==, 256);
  for (int i = 0; i < 256; i++)
    g_assert_cmpfloat (pt_nf4_code8[i], ==, (float) json_array_get_double_element (code8, i));

  pt_nf4_double_quantize (absmax, nb, q, absmax2, &offset);
  g_assert_cmpfloat (offset, ==, (float) json_object_get_double_member (dq, "offset"));
  for (size_t b = 0; b < (nb + PT_NF4_DQ_BLOCK - 1) / PT_NF4_DQ_BLOCK; b++)
    g_assert_cmpfloat (absmax2[b], ==, want_absmax2[b]);
  for (size_t i = 0; i < nb; i++)
    g_assert_cmpuint (q[i], ==, want_q[i]);

  pt_nf4_double_dequantize (q, absmax2, offset, nb, deq);
  for (size_t i = 0; i < nb; i++)
    g_assert_cmpfloat (deq[i], ==, want_deq[i]);
  /* what bitsandbytes' own CPU kernel stored dequantises the same way */
  pt_nf4_double_dequantize (bnb_q, bnb_absmax2, offset, nb, deq);
  for (size_t i = 0; i < nb; i++)
    g_assert_cmpfloat (deq[i], ==, bnb_deq[i]);

  memcpy (deq, absmax, nb * sizeof (float));
  pt_nf4_compress_absmax (deq, nb);
  for (size_t i = 0; i < nb; i++)
    g_assert_cmpfloat (deq[i], ==, want_deq[i]);
}

static void
test_nf4_pack (void)
{
  const uint8_t idx[5] = { 1, 2, 15, 0, 9 };
  uint8_t packed[3], back[5];

  pt_nf4_pack (idx, 5, packed);
  g_assert_cmphex (packed[0], ==, 0x12);
  g_assert_cmphex (packed[1], ==, 0xF0);
  g_assert_cmphex (packed[2], ==, 0x97);   /* odd count: padding quantises 0.0 */
  pt_nf4_unpack (packed, 5, back);
  g_assert_cmpmem (back, 5, idx, 5);

  /* midpoints go to the lower code; NaN to 0 */
  g_assert_cmpuint (pt_nf4_index (0.8614784181118011f), ==, 14);
  g_assert_cmpuint (pt_nf4_index (nextafterf (0.8614784181118011f, 2)), ==, 15);
  g_assert_cmpuint (pt_nf4_index (0.0f), ==, 7);
  g_assert_cmpuint (pt_nf4_index (-1.0f), ==, 0);
  g_assert_cmpuint (pt_nf4_index (NAN), ==, 0);
}

/* ---- dropout keeps about 1 - p ----------------------------------------------- */

static void
test_dropout_rate (void)
{
  enum { N = 200000 };
  g_autofree float *x = g_new (float, N);
  int kept = 0;

  for (int i = 0; i < N; i++)
    x[i] = 1.0f;
  cpu_f32->ops->dropout (cpu_f32, x, x, N, 0.3, 1234, 0);
  for (int i = 0; i < N; i++)
    {
      g_assert_true (x[i] == 0.0f || x[i] == 1.0f / 0.7f);
      kept += x[i] != 0.0f;
    }
  g_assert_cmpfloat (fabs (kept / (double) N - 0.7), <, 0.005);
}

/* Finite differences run the forward twice per checked element: the large
 * cases (there for the threaded paths) are left to the F32/F64 comparison. */
static gboolean
small_case (const PtOpCase *c)
{
  PtOcTensor spec[PT_OC_MAX_TENSORS] = { { 0 } };
  size_t total = 0;

  c->family->build (c, spec);
  for (int i = 0; i < c->family->n_tensors; i++)
    total += spec[i].n;
  return total <= 20000;
}

static void
add_case_tests (void)
{
  for (const PtOpCase *c = pt_op_cases; c->family != NULL; c++)
    {
      g_autofree char *path = pt_op_case_path (c);
      g_autofree char *ref = g_strdup_printf ("/engine/ops/reference/%s", path);
      g_autofree char *grad = g_strdup_printf ("/engine/ops/gradcheck/%s", path);
      g_autofree char *cmp = g_strdup_printf ("/engine/ops/f32-vs-f64/%s", path);
      g_autofree char *thr = g_strdup_printf ("/engine/ops/threads/%s", path);
      g_autofree char *bf = g_strdup_printf ("/engine/ops/bf16-vs-f64/%s", path);

      if (c->family->reference != NULL)
        g_test_add_data_func (ref, c, test_reference);
      if (c->family->backward != NULL && small_case (c))
        g_test_add_data_func (grad, c, test_gradcheck);
      g_test_add_data_func (cmp, c, test_f32_vs_f64);
      g_test_add_data_func (thr, c, test_threads);
      g_test_add_data_func (bf, c, test_bf16_vs_f64);
    }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);
  cpu_f64 = pt_cpu_backend_new (PT_DTYPE_F64, 2, NULL);
  cpu_f32 = pt_cpu_backend_new (PT_DTYPE_F32, 2, NULL);
  cpu_f32_1 = pt_cpu_backend_new (PT_DTYPE_F32, 1, NULL);
  cpu_f32_3 = pt_cpu_backend_new (PT_DTYPE_F32, 3, NULL);
  cpu_bf16 = pt_cpu_backend_new (PT_DTYPE_BF16, 2, NULL);

  add_case_tests ();
  g_test_add_func ("/engine/ops/convert/bits", test_convert_bits);
  g_test_add_func ("/engine/ops/convert/op-bits", test_convert_op_bits);
  g_test_add_func ("/engine/ops/im2col/conv", test_im2col_conv);
  g_test_add_func ("/engine/ops/nf4/quantize", test_nf4_quantize);
  g_test_add_func ("/engine/ops/nf4/double-quant", test_nf4_double_quant);
  g_test_add_func ("/engine/ops/nf4/pack", test_nf4_pack);
  g_test_add_func ("/engine/ops/dropout/rate", test_dropout_rate);

  status = g_test_run ();
  pt_backend_free (cpu_f64);
  pt_backend_free (cpu_f32);
  pt_backend_free (cpu_f32_1);
  pt_backend_free (cpu_f32_3);
  pt_backend_free (cpu_bf16);
  return status;
}
