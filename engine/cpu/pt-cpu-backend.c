/* pt-cpu-backend.c — the CPU reference backend: memory, transfers and the op table.
 *
 * Host memory is the device memory: upload/download/copy are memcpy. The
 * compute ops live beside this file, one file per family.
 */
#include "config.h"

#include <string.h>        /* memcpy, memset */
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>         /* __get_cpuid_count */
#endif

#include "pt-backend.h"
#include "pt-error.h"      /* PT_ERROR */
#include "pt-cpu-private.h"

static void *
cpu_alloc (PtBackend *be, size_t bytes, GError **error)
{
  PtCpuBackend *self = (PtCpuBackend *) be;
  /* 64-byte aligned, with the size stored in front for accounting */
  size_t total = bytes + 64;
  guint8 *base;

  if (bytes > G_MAXSIZE - 64)
    goto fail;
  /* the budget is taken before the allocation, under the lock, so two
   * threads cannot both squeeze under it */
  g_mutex_lock (&self->lock);
  if (self->memory_limit > 0 && be->in_use + bytes > self->memory_limit)
    {
      guint64 in_use = be->in_use;
      g_mutex_unlock (&self->lock);
      g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY,
                   "Out of memory: %.1f MiB more would exceed the memory limit of %.1f MiB "
                   "(%.1f MiB in use)", bytes / 1048576.0, self->memory_limit / 1048576.0,
                   in_use / 1048576.0);
      return NULL;
    }
  be->in_use += bytes;
  be->peak = MAX (be->peak, be->in_use);
  g_mutex_unlock (&self->lock);

  base = g_try_malloc (total + 63);
  if (base == NULL)
    {
      g_mutex_lock (&self->lock);
      be->in_use -= bytes;
      g_mutex_unlock (&self->lock);
      goto fail;
    }
  {
    guint8 *aligned = (guint8 *) (((guintptr) base + 64 + 63) & ~(guintptr) 63);
    ((void **) aligned)[-1] = base;
    ((size_t *) aligned)[-2] = bytes;
    return aligned;
  }

fail:
  g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY,
               "Out of host memory allocating %.1f MiB", bytes / 1048576.0);
  return NULL;
}

static void
cpu_free (PtBackend *be, void *ptr)
{
  PtCpuBackend *self = (PtCpuBackend *) be;

  if (ptr == NULL)
    return;
  g_mutex_lock (&self->lock);
  be->in_use -= ((size_t *) ptr)[-2];
  g_mutex_unlock (&self->lock);
  g_free (((void **) ptr)[-1]);
}

static void
cpu_zero (PtBackend *be, void *ptr, size_t bytes)
{
  memset (ptr, 0, bytes);
}

static void
cpu_copy (PtBackend *be, void *dst, const void *src, size_t bytes)
{
  if (dst != src)
    memmove (dst, src, bytes);
}

static void
cpu_synchronize (PtBackend *be)
{
}

static gboolean
cpu_check (PtBackend *be, GError **error)
{
  return TRUE;
}

static void
cpu_destroy (PtBackend *be)
{
  PtCpuBackend *self = (PtCpuBackend *) be;

  pt_cpu_scratch_free (self);
  pt_cpu_bf16_scratch_free (self);
  pt_cpu_gemm_free (self);
  g_clear_pointer (&self->f32, pt_backend_free);
  g_mutex_clear (&self->bf16_lock);
  g_mutex_clear (&self->scratch_lock);
  g_mutex_clear (&self->lock);
  g_free (be->device_id);
  g_free (be->device_name);
  g_free (self);
}

static const PtBackendOps cpu_ops = {
  .name = "cpu",
  .alloc = cpu_alloc,
  .free = cpu_free,
  .host_alloc = cpu_alloc,
  .host_free = cpu_free,
  .zero = cpu_zero,
  .upload = cpu_copy,
  .download = cpu_copy,
  .copy = cpu_copy,
  .synchronize = cpu_synchronize,
  .check = cpu_check,
  .convert = pt_cpu_convert,

  .gemm = pt_cpu_gemm,
  .gemm_batched = pt_cpu_gemm_batched,

  .add = pt_cpu_add,
  .scale = pt_cpu_scale,
  .softcap = pt_cpu_softcap,
  .gelu_forward = pt_cpu_gelu_forward,
  .gelu_backward = pt_cpu_gelu_backward,
  .geglu_forward = pt_cpu_geglu_forward,
  .geglu_backward = pt_cpu_geglu_backward,
  .dropout = pt_cpu_dropout,

  .bias_add = pt_cpu_bias_add,
  .bias_backward = pt_cpu_bias_backward,

  .layernorm_forward = pt_cpu_layernorm_forward,
  .layernorm_backward = pt_cpu_layernorm_backward,
  .rmsnorm_forward = pt_cpu_rmsnorm_forward,
  .rmsnorm_backward = pt_cpu_rmsnorm_backward,

  .rope = pt_cpu_rope,

  .attention_forward = pt_cpu_attention_forward,
  .attention_backward = pt_cpu_attention_backward,

  .embedding_forward = pt_cpu_embedding_forward,
  .embedding_backward = pt_cpu_embedding_backward,
  .gather_rows = pt_cpu_gather_rows,
  .scatter_rows = pt_cpu_scatter_rows,
  .im2col = pt_cpu_im2col,

  .cross_entropy = pt_cpu_cross_entropy,
  .argmax = pt_cpu_argmax,

  .sum_squares = pt_cpu_sum_squares,
  .adamw = pt_cpu_adamw,

  .nf4_dequantize = pt_cpu_nf4_dequantize,
};

/* The BF16 backend's table: cpu_ops with the activation ops replaced. */
static const PtBackendOps *
cpu_bf16_ops (void)
{
  static PtBackendOps ops;
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      ops = cpu_ops;
      pt_cpu_bf16_ops_init (&ops);
      g_once_init_leave (&done, 1);
    }
  return &ops;
}

/* Whether the processor multiplies BF16 in hardware: AVX512-BF16
 * (CPUID.(7,1):EAX[5]) with the OS saving the AVX-512 state, or AMX-BF16
 * (CPUID.(7,0):EDX[22]) with the OS saving the tile state (XCR0 bits 17,
 * 18; Linux grants the tiles to a process that asks, which oneDNN does).
 * PALITUNE_CPU_BF16=0 or 1 overrides the answer (tests, comparisons). */
gboolean
pt_cpu_has_bf16_units (void)
{
  const char *env = g_getenv ("PALITUNE_CPU_BF16");

  if (env != NULL && (g_str_equal (env, "0") || g_str_equal (env, "1")))
    return g_str_equal (env, "1");
#if defined(__x86_64__) && defined(__GNUC__)
  {
    unsigned int a, b, c, d, xcr0_lo = 0, xcr0_hi = 0;
    gboolean avx512_bf16, amx_bf16;

    if (!__get_cpuid_count (1, 0, &a, &b, &c, &d) || !(c & bit_OSXSAVE))
      return FALSE;
    __asm__ ("xgetbv" : "=a" (xcr0_lo), "=d" (xcr0_hi) : "c" (0));
    if (!__get_cpuid_count (7, 0, &a, &b, &c, &d))
      return FALSE;
    amx_bf16 = (d & (1u << 22)) != 0 && (xcr0_lo & (3u << 17)) == (3u << 17);
    avx512_bf16 = __get_cpuid_count (7, 1, &a, &b, &c, &d) && (a & (1u << 5)) != 0
                  && (xcr0_lo & 0xE6u) == 0xE6u;   /* SSE, AVX, opmask, ZMM state */
    return avx512_bf16 || amx_bf16;
  }
#else
  return FALSE;
#endif
}

void
pt_cpu_backend_set_memory_limit (PtBackend *be,
                                 guint64    bytes)
{
  PtCpuBackend *self = (PtCpuBackend *) be;

  g_return_if_fail (be != NULL && be->destroy == cpu_destroy);
  g_mutex_lock (&self->lock);
  self->memory_limit = bytes;
  be->total_memory = bytes;
  g_mutex_unlock (&self->lock);
}

PtBackend *
pt_cpu_backend_new (PtDType  act_dtype,
                    int      n_threads,
                    GError **error)
{
  PtCpuBackend *self;

  if (act_dtype != PT_DTYPE_F32 && act_dtype != PT_DTYPE_F64 && act_dtype != PT_DTYPE_BF16)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "The CPU backend computes in F32, F64 or BF16, not %s",
                   pt_dtype_name (act_dtype));
      return NULL;
    }

  self = g_new0 (PtCpuBackend, 1);
  g_mutex_init (&self->lock);
  g_mutex_init (&self->scratch_lock);
  g_mutex_init (&self->bf16_lock);
  self->n_threads = n_threads > 0 ? n_threads : (int) g_get_num_processors ();
  self->parent.ops = &cpu_ops;
  self->parent.act_dtype = act_dtype;
  self->parent.acc_dtype = act_dtype;
  if (act_dtype == PT_DTYPE_BF16)
    {
      /* BF16 activations, F32 accumulation: the CUDA backend's pair */
      self->f32 = pt_cpu_backend_new (PT_DTYPE_F32, self->n_threads, NULL);
      self->parent.ops = cpu_bf16_ops ();
      self->parent.acc_dtype = PT_DTYPE_F32;
      self->bf16_native = pt_cpu_gemm_bf16_native (self);
    }
  self->parent.device_id = g_strdup ("cpu");
  self->parent.device_name = g_strdup_printf ("CPU (%d threads%s)", self->n_threads,
                                              act_dtype == PT_DTYPE_BF16 ? ", BF16" : "");
  self->parent.destroy = cpu_destroy;
  return &self->parent;
}
