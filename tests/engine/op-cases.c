/* op-cases.c — the harness: guarded buffers, seeded inputs, the three checks. */
#include "config.h"

#include <math.h>           /* frexp, ldexp, nearbyint, isnan, … */
#include <string.h>         /* memset, memcmp */

#include "pt-half.h"        /* encoding exact values as BF16 / F16 */
#include "op-cases.h"

#define GUARD 256           /* guard bytes on each side of every buffer */
#define GUARD_BYTE 0xA5
#define FD_SAMPLES 64       /* elements per tensor checked by finite differences */

char *
pt_op_case_path (const PtOpCase *c)
{
  return g_strdup_printf ("%s/%s", c->family->name, c->name);
}

/* ---- dtypes on the host -------------------------------------------------- */

/* x rounded to a binary format with `bits` significand bits (implicit one
 * included), smallest normal exponent emin, largest finite value max:
 * scale to an integer count of quanta, round half to even, scale back. */
static double
round_format (double x,
              int    bits,
              int    emin,
              double max)
{
  int e;
  double quantum, r;

  if (x == 0.0 || !isfinite (x))
    return x;
  frexp (x, &e);                       /* |x| in [2^(e-1), 2^e) */
  quantum = ldexp (1.0, MAX (e - 1, emin) - (bits - 1));
  r = nearbyint (x / quantum) * quantum;   /* default rounding: ties to even */
  return fabs (r) > max ? copysign (INFINITY, x) : r;
}

double
pt_oc_round (double  x,
             PtDType dtype)
{
  switch (dtype)
    {
    case PT_DTYPE_F32: return round_format (x, 24, -126, 0x1.fffffep127);
    case PT_DTYPE_BF16: return round_format (x, 8, -126, 0x1.fep127);
    case PT_DTYPE_F16: return round_format (x, 11, -14, 65504.0);
    case PT_DTYPE_I32:
      if (isnan (x))
        return 0;
      return x >= 2147483647.0 ? 2147483647.0 : x <= -2147483648.0 ? -2147483648.0 : trunc (x);
    case PT_DTYPE_U8: return CLAMP (trunc (x), 0, 255);
    case PT_DTYPE_F64:
    case PT_N_DTYPES:
    default: return x;
    }
}

/* precision rank: the coarser dtype of two has the lower rank */
static int
rank (PtDType d)
{
  switch (d)
    {
    case PT_DTYPE_BF16: return 0;
    case PT_DTYPE_F16: return 1;
    case PT_DTYPE_F32: return 2;
    case PT_DTYPE_F64: return 3;
    default: return 4;
    }
}

/* x (exactly representable in dtype) → dtype's bytes at dst[i] */
static void
encode (void    *dst,
        PtDType  dtype,
        size_t   i,
        double   x)
{
  switch (dtype)
    {
    case PT_DTYPE_F32: ((float *) dst)[i] = (float) x; break;
    case PT_DTYPE_F64: ((double *) dst)[i] = x; break;
    case PT_DTYPE_BF16: ((uint16_t *) dst)[i] = pt_f32_to_bf16 ((float) x); break;
    case PT_DTYPE_F16: ((uint16_t *) dst)[i] = pt_f32_to_f16 ((float) x); break;
    case PT_DTYPE_I32: ((int32_t *) dst)[i] = (int32_t) x; break;
    case PT_DTYPE_U8: ((uint8_t *) dst)[i] = (uint8_t) x; break;
    case PT_N_DTYPES:
    default: g_assert_not_reached ();
    }
}

static double
decode (const void *src,
        PtDType     dtype,
        size_t      i)
{
  switch (dtype)
    {
    case PT_DTYPE_F32: return ((const float *) src)[i];
    case PT_DTYPE_F64: return ((const double *) src)[i];
    case PT_DTYPE_BF16: return pt_bits_to_f32 ((uint32_t) ((const uint16_t *) src)[i] << 16);
    case PT_DTYPE_F16: return pt_f16_to_f32 (((const uint16_t *) src)[i]);
    case PT_DTYPE_I32: return ((const int32_t *) src)[i];
    case PT_DTYPE_U8: return ((const uint8_t *) src)[i];
    case PT_N_DTYPES:
    default: g_assert_not_reached ();
    }
}

gboolean
pt_oc_attn_visible (const PtAttnMask *mask,
                    int               b,
                    int               i,
                    int               j,
                    int               Tk)
{
  int key_start, key_end, prefix_end;

  if (mask == NULL)
    return TRUE;
  key_start = mask->key_start != NULL ? mask->key_start[b] : 0;
  key_end = mask->key_end != NULL ? mask->key_end[b] : Tk;
  prefix_end = mask->prefix_end != NULL ? mask->prefix_end[b] : 0;
  return key_start <= j && j < key_end
         && (j < prefix_end || (mask->causal && j <= mask->q_offset + i))
         && (mask->window <= 0 || mask->q_offset + i < prefix_end || j > mask->q_offset + i - mask->window);
}

/* ---- runs: one case's buffers on one backend ----------------------------- */

static PtDType
resolve (PtBackend *be,
         int        kind)
{
  return kind == PT_OC_ACT ? be->act_dtype : kind == PT_OC_ACC ? be->acc_dtype : (PtDType) kind;
}

static size_t
bytes_of (PtOcRun *r,
          int      i)
{
  return MAX (r->spec[i].n, 1) * pt_dtype_size (r->dtype[i]);
}

static void *
alloc_guarded (PtOcRun *r,
               size_t   bytes,
               void   **base)
{
  g_autoptr(GError) error = NULL;
  guint8 guard[GUARD];
  guint8 *b;

  b = r->be->ops->alloc (r->be, bytes + 2 * GUARD, &error);
  g_assert_no_error (error);
  memset (guard, GUARD_BYTE, GUARD);
  r->be->ops->upload (r->be, b, guard, GUARD);
  r->be->ops->upload (r->be, b + GUARD + bytes, guard, GUARD);
  *base = b;
  return b + GUARD;
}

static void
check_guard (PtOcRun    *r,
             void       *base,
             size_t      bytes,
             const char *what,
             const char *name,
             const char *when)
{
  guint8 expect[GUARD], got[GUARD];

  if (base == NULL)
    return;
  memset (expect, GUARD_BYTE, GUARD);
  r->be->ops->download (r->be, got, base, GUARD);
  if (memcmp (got, expect, GUARD) != 0)
    g_string_append_printf (r->errors, "%s: wrote before %s %s; ", when, what, name);
  r->be->ops->download (r->be, got, (guint8 *) base + GUARD + bytes, GUARD);
  if (memcmp (got, expect, GUARD) != 0)
    g_string_append_printf (r->errors, "%s: wrote past the end of %s %s; ", when, what, name);
}

static void
check_guards (PtOcRun    *r,
              const char *when)
{
  g_autoptr(GError) error = NULL;

  r->be->ops->synchronize (r->be);
  if (!r->be->ops->check (r->be, &error))
    g_string_append_printf (r->errors, "%s: device error: %s; ", when, error->message);
  for (int i = 0; i < r->n; i++)
    {
      check_guard (r, r->t_base[i], bytes_of (r, i), "tensor", r->spec[i].name, when);
      check_guard (r, r->g_base[i], bytes_of (r, i), "gradient of", r->spec[i].name, when);
    }
}

static PtOcRun *
run_new (PtBackend      *be,
         const PtOpCase *c)
{
  PtOcRun *r = g_new0 (PtOcRun, 1);

  r->be = be;
  r->c = c;
  r->n = c->family->n_tensors;
  r->errors = g_string_new (NULL);
  c->family->build (c, r->spec);
  for (int i = 0; i < r->n; i++)
    {
      r->dtype[i] = resolve (be, r->spec[i].kind);
      r->t[i] = alloc_guarded (r, bytes_of (r, i), &r->t_base[i]);
      if (r->spec[i].flags & (PT_OC_GRAD | PT_OC_DIFF))
        r->g[i] = alloc_guarded (r, bytes_of (r, i), &r->g_base[i]);
    }
  return r;
}

static void
run_free (PtOcRun *r)
{
  for (int i = 0; i < r->n; i++)
    {
      r->be->ops->free (r->be, r->t_base[i]);
      r->be->ops->free (r->be, r->g_base[i]);
    }
  g_string_free (r->errors, TRUE);
  g_free (r);
}

static void
upload (PtOcRun      *r,
        void         *dst,
        PtDType       dtype,
        const double *x,
        size_t        n)
{
  g_autofree guint8 *tmp = g_malloc (MAX (n, 1) * pt_dtype_size (dtype));

  for (size_t i = 0; i < n; i++)
    encode (tmp, dtype, i, x != NULL ? x[i] : (dtype == PT_DTYPE_I32 ? -777 : NAN));
  r->be->ops->upload (r->be, dst, tmp, n * pt_dtype_size (dtype));
}

static void
download (PtOcRun    *r,
          const void *src,
          PtDType     dtype,
          size_t      n,
          double     *out)
{
  g_autofree guint8 *tmp = g_malloc (MAX (n, 1) * pt_dtype_size (dtype));

  r->be->ops->download (r->be, tmp, src, n * pt_dtype_size (dtype));
  for (size_t i = 0; i < n; i++)
    out[i] = decode (tmp, dtype, i);
}

/* Uploads the inputs (h), fills pure outputs with NaN, runs the forward. */
static void
run_forward (PtOcRun *r,
             double **h)
{
  for (int i = 0; i < r->n; i++)
    if (r->spec[i].flags & PT_OC_IN)
      upload (r, r->t[i], r->dtype[i], h[i], r->spec[i].n);
    else if (r->spec[i].flags & PT_OC_OUT)
      upload (r, r->t[i], r->dtype[i], NULL, r->spec[i].n);
  r->c->family->forward (r);
  check_guards (r, "forward");
}

/* douts into the DIFF outputs' gradient buffers; GRAD buffers start at g0
 * (ACCUM) or NaN (assigned: every element must be written). */
static void
run_backward (PtOcRun *r,
              double **dout,
              double **g0)
{
  for (int i = 0; i < r->n; i++)
    {
      if (r->spec[i].flags & PT_OC_DIFF)
        upload (r, r->g[i], r->dtype[i], dout[i], r->spec[i].n);
      if (r->spec[i].flags & PT_OC_GRAD)
        upload (r, r->g[i], r->dtype[i], (r->spec[i].flags & PT_OC_ACCUM) ? g0[i] : NULL,
                r->spec[i].n);
    }
  r->c->family->backward (r);
  check_guards (r, "backward");
}

/* ---- host arrays ------------------------------------------------------- */

typedef struct {
  int     n;
  double *x[PT_OC_MAX_TENSORS];
} Host;

static void
host_clear (Host *h)
{
  for (int i = 0; i < PT_OC_MAX_TENSORS; i++)
    g_clear_pointer (&h->x[i], g_free);
}

static void
host_alloc (Host             *h,
            const PtOcTensor *spec,
            int               n)
{
  h->n = n;
  for (int i = 0; i < n; i++)
    h->x[i] = g_new0 (double, MAX (spec[i].n, 1));
}

static void
host_copy (Host             *dst,
           const Host       *src,
           const PtOcTensor *spec)
{
  host_alloc (dst, spec, src->n);
  for (int i = 0; i < src->n; i++)
    memcpy (dst->x[i], src->x[i], spec[i].n * sizeof (double));
}

static guint64
case_seed (const PtOpCase *c,
           int             salt)
{
  g_autofree char *path = pt_op_case_path (c);
  return (guint64) g_str_hash (path) * 1000003u + (guint64) salt;
}

/* Seeded input values, rounded to the coarser dtype of the backends in
 * `bes` (NULL-terminated): every backend then receives identical values. */
static void
host_inputs (Host             *h,
             const PtOpCase   *c,
             const PtOcTensor *spec,
             PtBackend       **bes)
{
  host_alloc (h, spec, c->family->n_tensors);
  for (int i = 0; i < h->n; i++)
    {
      PtRng rng = { case_seed (c, i), 0 };
      const PtOcTensor *t = &spec[i];
      PtDType coarse = PT_DTYPE_F64;

      if (c->family->init != NULL)
        c->family->init (c, i, h->x[i], t->n, &rng);
      for (size_t e = 0; e < t->n && c->family->init == NULL; e++)
        {
          double u = pt_rng_next_double (&rng);
          h->x[i][e] = (t->flags & PT_OC_INT) ? floor (t->lo + u * (t->hi - t->lo + 1))
                                              : t->lo + u * (t->hi - t->lo);
        }
      if (t->flags & PT_OC_INT)
        continue;
      for (int b = 0; bes[b] != NULL; b++)
        if (rank (resolve (bes[b], t->kind)) < rank (coarse))
          coarse = resolve (bes[b], t->kind);
      for (size_t e = 0; e < t->n; e++)
        h->x[i][e] = pt_oc_round (h->x[i][e], coarse);
    }
}

/* dout for the DIFF outputs (random or the family's constant), g0 for the
 * accumulated gradients (random when `random_g0`, else zero), rounded like
 * the inputs. */
static void
host_douts (Host             *dout,
            Host             *g0,
            const PtOpCase   *c,
            const PtOcTensor *spec,
            PtBackend       **bes,
            gboolean          random_g0)
{
  host_alloc (dout, spec, c->family->n_tensors);
  host_alloc (g0, spec, c->family->n_tensors);
  for (int i = 0; i < dout->n; i++)
    {
      PtRng rng = { case_seed (c, 100 + i), 0 };
      PtDType coarse = PT_DTYPE_F64;

      for (int b = 0; bes[b] != NULL; b++)
        if (rank (resolve (bes[b], spec[i].kind)) < rank (coarse))
          coarse = resolve (bes[b], spec[i].kind);
      for (size_t e = 0; e < spec[i].n; e++)
        {
          double r = c->family->dout_constant != NULL ? c->family->dout_constant (c)
                                                      : 2 * pt_rng_next_double (&rng) - 1;
          dout->x[i][e] = pt_oc_round (r, coarse);
          g0->x[i][e] = random_g0 ? pt_oc_round (2 * pt_rng_next_double (&rng) - 1, coarse) : 0.0;
        }
    }
}

static gboolean
defined (const PtOpCase *c,
         int             tensor,
         size_t          i)
{
  return c->family->defined == NULL || c->family->defined (c, tensor, i);
}

/* ---- comparisons ------------------------------------------------------- */

/* NMSE of got against want over the defined elements; non-finite values
 * must match exactly (same infinity, or both NaN). Integers must be equal. */
static gboolean
compare_arrays (const PtOpCase *c,
                int             tensor,
                const char     *what,
                const double   *got,
                const double   *want,
                size_t          n,
                gboolean        exact,
                double          bound,
                GString        *log)
{
  double num = 0, den = 0, nmse;
  size_t worst = 0;
  double worst_err = -1;

  for (size_t i = 0; i < n; i++)
    {
      double err;

      if (!defined (c, tensor, i))
        continue;
      if (!isfinite (got[i]) || !isfinite (want[i]))
        {
          gboolean same = (isnan (got[i]) && isnan (want[i])) || got[i] == want[i];
          if (!same)
            {
              g_string_append_printf (log, "  %s: element %zu is %g, expected %g\n",
                                      what, i, got[i], want[i]);
              return FALSE;
            }
          continue;
        }
      err = fabs (got[i] - want[i]);
      if (exact && err != 0)
        {
          g_string_append_printf (log, "  %s: element %zu is %.17g, expected %.17g\n",
                                  what, i, got[i], want[i]);
          return FALSE;
        }
      if (err > worst_err)
        {
          worst_err = err;
          worst = i;
        }
      num += err * err;
      den += want[i] * want[i];
    }
  nmse = den > 0 ? num / den : num;
  g_string_append_printf (log, "  %s: nmse %.3g (bound %.3g)", what, nmse, bound);
  if (worst_err > 0)
    g_string_append_printf (log, ", worst element %zu: %.9g vs %.9g", worst, got[worst], want[worst]);
  g_string_append_c (log, '\n');
  return nmse <= bound;
}

static double
bound_for (const PtOpCase *c,
           PtDType         act)
{
  double f32 = c->nmse > 0 ? c->nmse : 1e-9;
  double bf16 = c->nmse_bf16 > 0 ? c->nmse_bf16 : 2e-4;

  switch (act)
    {
    case PT_DTYPE_F64: return f32 * 1e-12;
    case PT_DTYPE_F32: return f32;
    case PT_DTYPE_F16: return MAX (f32, bf16 / 64);   /* 3 more significand bits */
    default: return bf16;
    }
}

static gboolean
has_backward (const PtOpCase *c,
              const PtOcTensor *spec)
{
  if (c->family->backward == NULL)
    return FALSE;
  for (int i = 0; i < c->family->n_tensors; i++)
    if (spec[i].flags & PT_OC_GRAD)
      return TRUE;
  return FALSE;
}

static gboolean
report_errors (PtOcRun *r,
               GString *log)
{
  if (r->errors->len == 0)
    return TRUE;
  g_string_append_printf (log, "  %s: %s\n", r->be->device_name, r->errors->str);
  return FALSE;
}

PtOcResult
pt_op_case_compare (const PtOpCase *c,
                    PtBackend      *reference,
                    PtBackend      *other,
                    GString        *log)
{
  return pt_op_case_compare_bound (c, reference, other, bound_for (c, other->act_dtype), log);
}

PtOcResult
pt_op_case_compare_bound (const PtOpCase *c,
                          PtBackend      *reference,
                          PtBackend      *other,
                          double          bound,
                          GString        *log)
{
  PtBackend *bes[] = { reference, other, NULL };
  PtOcTensor spec[PT_OC_MAX_TENSORS] = { { 0 } };
  Host h = { 0 }, dout = { 0 }, g0 = { 0 };
  PtOcRun *ra, *rb;
  gboolean ok = TRUE;

  if (!c->family->supported (other->ops, c) || !c->family->supported (reference->ops, c))
    return PT_OC_UNSUPPORTED;

  c->family->build (c, spec);
  host_inputs (&h, c, spec, bes);
  ra = run_new (reference, c);
  rb = run_new (other, c);
  run_forward (ra, h.x);
  run_forward (rb, h.x);
  ok = report_errors (ra, log) && report_errors (rb, log);
  for (int i = 0; ok && i < ra->n; i++)
    if (spec[i].flags & PT_OC_OUT)
      {
        g_autofree double *a = g_new (double, MAX (spec[i].n, 1));
        g_autofree double *b = g_new (double, MAX (spec[i].n, 1));
        download (ra, ra->t[i], ra->dtype[i], spec[i].n, a);
        download (rb, rb->t[i], rb->dtype[i], spec[i].n, b);
        /* an exact output in a coarser dtype (a BF16 act backend): the
         * reference's value as that dtype holds it */
        if (c->family->exact && rb->dtype[i] != ra->dtype[i])
          for (size_t j = 0; j < spec[i].n; j++)
            a[j] = pt_oc_round (a[j], rb->dtype[i]);
        ok &= compare_arrays (c, i, spec[i].name, b, a, spec[i].n,
                              c->family->exact || (spec[i].flags & PT_OC_INT), bound, log);
      }

  if (ok && has_backward (c, spec))
    {
      host_douts (&dout, &g0, c, spec, bes, FALSE);
      run_backward (ra, dout.x, g0.x);
      run_backward (rb, dout.x, g0.x);
      ok = report_errors (ra, log) && report_errors (rb, log);
      for (int i = 0; ok && i < ra->n; i++)
        if (spec[i].flags & PT_OC_GRAD)
          {
            g_autofree char *what = g_strdup_printf ("d%s", spec[i].name);
            g_autofree double *a = g_new (double, MAX (spec[i].n, 1));
            g_autofree double *b = g_new (double, MAX (spec[i].n, 1));
            download (ra, ra->g[i], ra->dtype[i], spec[i].n, a);
            download (rb, rb->g[i], rb->dtype[i], spec[i].n, b);
            ok &= compare_arrays (c, i, what, b, a, spec[i].n, FALSE, bound, log);
          }
    }

  run_free (ra);
  run_free (rb);
  host_clear (&h);
  host_clear (&dout);
  host_clear (&g0);
  return ok ? PT_OC_PASS : PT_OC_FAIL;
}

PtOcResult
pt_op_case_check_reference (const PtOpCase *c,
                            PtBackend      *be,
                            double          bound,
                            GString        *log)
{
  PtBackend *bes[] = { be, NULL };
  PtOcTensor spec[PT_OC_MAX_TENSORS] = { { 0 } };
  Host h = { 0 }, want = { 0 };
  PtOcRun *r;
  gboolean ok;

  if (c->family->reference == NULL)
    return PT_OC_PASS;
  if (!c->family->supported (be->ops, c))
    return PT_OC_UNSUPPORTED;

  c->family->build (c, spec);
  host_inputs (&h, c, spec, bes);
  host_copy (&want, &h, spec);
  c->family->reference (c, want.x);

  r = run_new (be, c);
  /* the reference value stored in the output's dtype on this backend */
  for (int i = 0; i < r->n; i++)
    if ((spec[i].flags & PT_OC_OUT) && !(spec[i].flags & PT_OC_INT))
      for (size_t e = 0; e < spec[i].n; e++)
        want.x[i][e] = pt_oc_round (want.x[i][e], r->dtype[i]);
  run_forward (r, h.x);
  ok = report_errors (r, log);
  for (int i = 0; ok && i < r->n; i++)
    if (spec[i].flags & PT_OC_OUT)
      {
        g_autofree double *got = g_new (double, MAX (spec[i].n, 1));
        download (r, r->t[i], r->dtype[i], spec[i].n, got);
        ok &= compare_arrays (c, i, spec[i].name, got, want.x[i], spec[i].n,
                              c->family->exact || (spec[i].flags & PT_OC_INT), bound, log);
      }
  run_free (r);
  host_clear (&h);
  host_clear (&want);
  return ok ? PT_OC_PASS : PT_OC_FAIL;
}

/* Σ out·R over the DIFF outputs */
static double
loss_of (PtOcRun *r,
         double **R)
{
  double loss = 0;

  for (int i = 0; i < r->n; i++)
    if (r->spec[i].flags & PT_OC_DIFF)
      {
        g_autofree double *out = g_new (double, MAX (r->spec[i].n, 1));
        download (r, r->t[i], r->dtype[i], r->spec[i].n, out);
        for (size_t e = 0; e < r->spec[i].n; e++)
          if (defined (r->c, i, e))
            loss += out[e] * R[i][e];
      }
  return loss;
}

PtOcResult
pt_op_case_check_gradients (const PtOpCase *c,
                            PtBackend      *be,
                            double          tol,
                            GString        *log)
{
  PtBackend *bes[] = { be, NULL };
  PtOcTensor spec[PT_OC_MAX_TENSORS] = { { 0 } };
  Host h = { 0 }, dout = { 0 }, g0 = { 0 };
  PtOcRun *r;
  gboolean ok;

  c->family->build (c, spec);
  if (!has_backward (c, spec))
    return PT_OC_PASS;
  if (!c->family->supported (be->ops, c))
    return PT_OC_UNSUPPORTED;
  g_assert_cmpint (be->act_dtype, ==, PT_DTYPE_F64);

  host_inputs (&h, c, spec, bes);
  host_douts (&dout, &g0, c, spec, bes, TRUE);
  r = run_new (be, c);
  run_forward (r, h.x);
  run_backward (r, dout.x, g0.x);
  ok = report_errors (r, log);

  for (int i = 0; ok && i < r->n; i++)
    {
      g_autofree double *grad = NULL;
      PtRng rng = { case_seed (c, 200 + i), 0 };
      size_t n = spec[i].n, stride, first;
      double max_err = 0, max_fd = 0, max_an = 0;

      if (!(spec[i].flags & PT_OC_GRAD))
        continue;
      grad = g_new (double, MAX (n, 1));
      download (r, r->g[i], r->dtype[i], n, grad);
      for (size_t e = 0; e < n; e++)
        {
          if (!defined (c, i, e))
            continue;
          if (spec[i].flags & PT_OC_ACCUM)
            grad[e] -= g0.x[i][e];
          if (!isfinite (grad[e]))
            {
              g_string_append_printf (log, "  d%s: element %zu is %g (not written?)\n",
                                      spec[i].name, e, grad[e]);
              ok = FALSE;
              break;
            }
        }
      if (!ok)
        break;

      /* every element of small tensors, an evenly spread sample of large ones */
      stride = n <= FD_SAMPLES ? 1 : n / FD_SAMPLES;
      first = n <= FD_SAMPLES ? 0 : pt_rng_next_below (&rng, (uint32_t) stride);
      for (size_t e = first; e < n; e += stride)
        {
          double x0 = h.x[i][e], step = 1e-5 * MAX (1.0, fabs (x0)), lp, lm, fd;

          if (!defined (c, i, e))
            continue;
          h.x[i][e] = x0 + step;
          run_forward (r, h.x);
          lp = loss_of (r, dout.x);
          h.x[i][e] = x0 - step;
          run_forward (r, h.x);
          lm = loss_of (r, dout.x);
          h.x[i][e] = x0;
          fd = (lp - lm) / (2 * step);
          max_err = MAX (max_err, fabs (fd - grad[e]));
          max_fd = MAX (max_fd, fabs (fd));
          max_an = MAX (max_an, fabs (grad[e]));
        }
      ok = report_errors (r, log);
      g_string_append_printf (log, "  d%s: max |fd - analytic| %.3g, max |fd| %.3g\n",
                              spec[i].name, max_err, max_fd);
      if (max_fd == 0 ? max_an > 1e-12 : max_err > tol * max_fd)
        ok = FALSE;
    }

  run_free (r);
  host_clear (&h);
  host_clear (&dout);
  host_clear (&g0);
  return ok ? PT_OC_PASS : PT_OC_FAIL;
}

gboolean
pt_op_cases_compare (PtBackend  *reference,
                     PtBackend  *other,
                     const char *filter,
                     int        *n_pass,
                     int        *n_fail,
                     int        *n_unsupported)
{
  int pass = 0, fail = 0, unsupported = 0;

  for (const PtOpCase *c = pt_op_cases; c->family != NULL; c++)
    {
      g_autofree char *path = pt_op_case_path (c);
      g_autoptr(GString) log = g_string_new (NULL);
      PtOcResult result;

      if (filter != NULL && strstr (path, filter) == NULL)
        continue;
      result = pt_op_case_compare (c, reference, other, log);
      switch (result)
        {
        case PT_OC_PASS: pass++; break;
        case PT_OC_FAIL: fail++; break;
        case PT_OC_UNSUPPORTED: unsupported++; break;
        default: break;
        }
      g_print ("%-48s %s\n%s", path,
               result == PT_OC_PASS ? "ok" : result == PT_OC_FAIL ? "FAIL" : "not supported",
               result == PT_OC_FAIL ? log->str : "");
    }
  if (n_pass != NULL)
    *n_pass = pass;
  if (n_fail != NULL)
    *n_fail = fail;
  if (n_unsupported != NULL)
    *n_unsupported = unsupported;
  return fail == 0;
}
