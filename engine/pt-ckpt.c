/* pt-ckpt.c — a run's checkpoints, written atomically. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>           /* open */
#include <glib/gstdio.h>     /* g_rename, g_mkdir_with_parents */
#include <string.h>
#include <unistd.h>          /* fsync */

#include "pt-ckpt.h"
#include "pt-error.h"
#include "pt-json.h"         /* pt_json_to_string, pt_json_load_file */
#include "pt-safetensors.h"  /* PtSafetensorsWriter */

static gint64 inject_after = -1;

void
pt_ckpt_inject_failure (gint64 after_bytes)
{
  inject_after = after_bytes;
}

static void
fsync_dir (const char *path)
{
  int fd = open (path, O_RDONLY | O_DIRECTORY);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

static gboolean
io_error (GError **error, const char *what, const char *path)
{
  int saved = errno;
  g_autofree char *display = g_filename_display_name (path);
  g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot %s %s: %s", what, display, g_strerror (saved));
  return FALSE;
}

/* Downloads every trained tensor (or moment) into host buffers kept in keep. */
static gboolean
write_tensors (const char *path, PtModel *model, PtOptimizer *opt, gboolean moments,
               GError **error)
{
  g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func (g_free);
  guint n = pt_model_n_trainables (model);

  for (guint i = 0; i < n; i++)
    {
      const PtTrainable *t = pt_model_get_trainable (model, i);
      for (int which = 0; which < (moments ? 2 : 1); which++)
        {
          float *host = g_try_new (float, t->numel ? t->numel : 1);
          g_autofree char *name = NULL;

          if (host == NULL)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_NO_MEMORY,
                           "Out of memory saving %s", t->name);
              return FALSE;
            }
          g_ptr_array_add (keep, host);
          if (moments)
            {
              if (!pt_optimizer_read_state (opt, i, which, host, t->numel, error))
                return FALSE;
              name = g_strdup_printf ("%s.%s", t->name, which == 0 ? "exp_avg" : "exp_avg_sq");
            }
          else
            {
              if (!pt_model_get_tensor (model, t->name, host, t->numel, error))
                return FALSE;
              name = g_strdup (t->name);
            }
          if (!pt_safetensors_writer_add (w, name, PT_ST_F32, t->ndim, t->shape, host, error))
            return FALSE;
        }
    }
  pt_safetensors_writer_set_metadata (w, "format", "pt");
  pt_safetensors_writer_set_metadata (w, "writer", "PaliTune " PACKAGE_VERSION);
  if (inject_after >= 0)
    {
      pt_safetensors_writer_inject_failure (w, inject_after);
      inject_after = -1;
    }
  return pt_safetensors_writer_write (w, path, error);
}

char *
pt_ckpt_save (PtRun       *run,
              int          step,
              PtModel     *model,
              PtOptimizer *opt,
              JsonNode    *state,
              GError     **error)
{
  g_autofree char *final = pt_run_checkpoint_dir (run, step);
  g_autofree char *parent = g_path_get_dirname (final);
  g_autofree char *base = g_path_get_basename (final);
  g_autofree char *partial_name = g_strdup_printf (".%s.partial", base);
  g_autofree char *partial = g_build_filename (parent, partial_name, NULL);
  g_autofree char *old_name = g_strdup_printf (".%s.old", base);
  g_autofree char *old = g_build_filename (parent, old_name, NULL);
  g_autofree char *weights = g_build_filename (partial, "trainable.safetensors", NULL);
  g_autofree char *moments = g_build_filename (partial, "optimizer.safetensors", NULL);
  g_autofree char *state_path = g_build_filename (partial, "state.json", NULL);
  g_autofree char *state_text = NULL;

  g_return_val_if_fail (run != NULL && model != NULL && state != NULL, NULL);

  pt_rmtree (partial, NULL);
  if (g_mkdir_with_parents (partial, 0755) != 0)
    return io_error (error, "create", partial), NULL;

  state_text = pt_json_to_string (state, TRUE);
  if (!write_tensors (weights, model, NULL, FALSE, error)
      || (opt != NULL && !write_tensors (moments, model, opt, TRUE, error))
      || !pt_file_write_atomic (state_path, state_text, strlen (state_text), error))
    {
      pt_rmtree (partial, NULL);
      return NULL;
    }
  fsync_dir (partial);

  /* swap into place: an existing checkpoint of this step is replaced */
  pt_rmtree (old, NULL);
  if (g_file_test (final, G_FILE_TEST_EXISTS) && g_rename (final, old) != 0)
    {
      io_error (error, "replace", final);
      pt_rmtree (partial, NULL);
      return NULL;
    }
  if (g_rename (partial, final) != 0)
    {
      io_error (error, "finish", final);
      pt_rmtree (partial, NULL);
      return NULL;
    }
  fsync_dir (parent);
  pt_rmtree (old, NULL);
  return g_steal_pointer (&final);
}

gboolean
pt_ckpt_load_weights (const char *ckpt_dir,
                      PtModel    *model,
                      GError    **error)
{
  g_autofree char *path = g_build_filename (ckpt_dir, "trainable.safetensors", NULL);
  g_autoptr(PtSafetensors) st = pt_safetensors_open (path, error);
  guint n = pt_model_n_trainables (model);

  if (st == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      const PtTrainable *t = pt_model_get_trainable (model, i);
      const PtStTensor *found = pt_safetensors_find (st, t->name);

      if (found == NULL || found->dtype != PT_ST_F32 || found->n_elements != t->numel)
        {
          g_autofree char *display = g_filename_display_name (path);
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       found == NULL ? "%s has no tensor %s: the checkpoint was made with other settings"
                                     : "%s: tensor %s has the wrong size or type", display, t->name);
          return FALSE;
        }
      if (!pt_model_set_tensor (model, t->name, (const float *) found->data, t->ndim, t->shape,
                                error))
        return FALSE;
    }
  return TRUE;
}

gboolean
pt_ckpt_load_optimizer (const char  *ckpt_dir,
                        PtOptimizer *opt,
                        PtModel     *model,
                        GError     **error)
{
  g_autofree char *path = g_build_filename (ckpt_dir, "optimizer.safetensors", NULL);
  g_autoptr(PtSafetensors) st = pt_safetensors_open (path, error);
  guint n = pt_model_n_trainables (model);

  if (st == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      const PtTrainable *t = pt_model_get_trainable (model, i);
      for (int which = 0; which < 2; which++)
        {
          g_autofree char *name = g_strdup_printf ("%s.%s", t->name, which == 0 ? "exp_avg" : "exp_avg_sq");
          const PtStTensor *found = pt_safetensors_find (st, name);
          if (found == NULL || found->dtype != PT_ST_F32 || found->n_elements != t->numel)
            {
              g_autofree char *display = g_filename_display_name (path);
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                           "%s lacks a valid %s", display, name);
              return FALSE;
            }
          if (!pt_optimizer_write_state (opt, i, which, (const float *) found->data, t->numel, error))
            return FALSE;
        }
    }
  return TRUE;
}

JsonNode *
pt_ckpt_load_state (const char *ckpt_dir,
                    GError    **error)
{
  g_autofree char *path = g_build_filename (ckpt_dir, "state.json", NULL);
  JsonNode *node = pt_json_load_file (path, 16 * 1024 * 1024, error);

  if (node != NULL && !JSON_NODE_HOLDS_OBJECT (node))
    {
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is not a checkpoint state", display);
      json_node_unref (node);
      return NULL;
    }
  return node;
}

gboolean
pt_ckpt_is_name (const char *name)
{
  if (name == NULL || !g_str_has_prefix (name, "step-") || strlen (name) != 12)
    return FALSE;
  for (const char *p = name + 5; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static gint
compare_paths (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
pt_ckpt_list (PtRun *run)
{
  g_autofree char *dir = g_build_filename (pt_run_get_dir (run), "checkpoints", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autofree char *state = NULL;
      if (!pt_ckpt_is_name (name))
        continue;
      path = g_build_filename (dir, name, NULL);
      state = g_build_filename (path, "state.json", NULL);
      if (g_file_test (state, G_FILE_TEST_IS_REGULAR))
        g_ptr_array_add (out, g_steal_pointer (&path));
    }
  g_ptr_array_sort (out, compare_paths);   /* zero-padded step numbers sort by step */
  return out;
}

char *
pt_ckpt_latest (PtRun *run)
{
  g_autoptr(GPtrArray) all = pt_ckpt_list (run);
  return all->len ? g_strdup (all->pdata[all->len - 1]) : NULL;
}

char *
pt_ckpt_preferred (PtRun *run)
{
  JsonNode *best = pt_run_get_best (run);

  if (best != NULL && JSON_NODE_HOLDS_OBJECT (best))
    {
      const char *name = pt_json_get_string (json_node_get_object (best), "checkpoint", NULL);
      if (pt_ckpt_is_name (name))
        {
          g_autofree char *path = g_build_filename (pt_run_get_dir (run), "checkpoints", name, NULL);
          g_autofree char *state = g_build_filename (path, "state.json", NULL);
          if (g_file_test (state, G_FILE_TEST_IS_REGULAR))
            return g_steal_pointer (&path);
        }
    }
  return pt_ckpt_latest (run);
}

void
pt_ckpt_prune (PtRun      *run,
               int         keep,
               const char *keep_also)
{
  g_autoptr(GPtrArray) all = pt_ckpt_list (run);
  g_autofree char *dir = g_build_filename (pt_run_get_dir (run), "checkpoints", NULL);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  for (int i = 0; i < (int) all->len - keep; i++)
    {
      g_autofree char *base = g_path_get_basename (all->pdata[i]);
      if (keep_also != NULL && g_str_equal (base, keep_also))
        continue;
      pt_rmtree (all->pdata[i], NULL);
    }
  /* leftovers of a crash mid-save */
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (name[0] == '.' && (g_str_has_suffix (name, ".partial") || g_str_has_suffix (name, ".old")))
      {
        g_autofree char *path = g_build_filename (dir, name, NULL);
        pt_rmtree (path, NULL);
      }
}
