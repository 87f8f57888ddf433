/* pt-cpu-backend.c — the CPU reference backend: memory, transfers and the op table.
 *
 * Host memory is the device memory: upload/download/copy are memcpy. The
 * compute ops live beside this file, one file per family.
 */
#include "config.h"

#include <string.h>        /* memcpy, memset */

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
  base = g_try_malloc (total + 63);
  if (base == NULL)
    goto fail;
  {
    guint8 *aligned = (guint8 *) (((guintptr) base + 64 + 63) & ~(guintptr) 63);
    ((void **) aligned)[-1] = base;
    ((size_t *) aligned)[-2] = bytes;
    g_mutex_lock (&self->lock);
    be->in_use += bytes;
    be->peak = MAX (be->peak, be->in_use);
    g_mutex_unlock (&self->lock);
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

PtBackend *
pt_cpu_backend_new (PtDType  act_dtype,
                    int      n_threads,
                    GError **error)
{
  PtCpuBackend *self;

  if (act_dtype != PT_DTYPE_F32 && act_dtype != PT_DTYPE_F64)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "The CPU backend computes in F32 or F64, not %s", pt_dtype_name (act_dtype));
      return NULL;
    }

  self = g_new0 (PtCpuBackend, 1);
  g_mutex_init (&self->lock);
  g_mutex_init (&self->scratch_lock);
  self->n_threads = n_threads > 0 ? n_threads : (int) g_get_num_processors ();
  self->parent.ops = &cpu_ops;
  self->parent.act_dtype = act_dtype;
  self->parent.acc_dtype = act_dtype;
  self->parent.device_id = g_strdup ("cpu");
  self->parent.device_name = g_strdup_printf ("CPU (%d threads)", self->n_threads);
  self->parent.destroy = cpu_destroy;
  return &self->parent;
}
