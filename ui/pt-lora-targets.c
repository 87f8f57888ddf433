/* pt-lora-targets.c — the Train page's per-tower module ticks ↔ lora_targets. */
#include "config.h"

#include <string.h>        /* strlen */

#include "pt-lora-targets.h"
#include "pt-settings.h"   /* pt_vision_lora_modules, pt_text_lora_modules */

static int
index_of (const char *const *list,
          const char        *name)
{
  for (int i = 0; list[i] != NULL; i++)
    if (g_str_equal (list[i], name))
      return i;
  return -1;
}

guint
pt_lora_n_vision_modules (void)
{
  return g_strv_length ((char **) pt_vision_lora_modules);
}

guint
pt_lora_n_text_modules (void)
{
  return g_strv_length ((char **) pt_text_lora_modules);
}

void
pt_lora_targets_to_ticks (const char *const *targets,
                          gboolean          *vision_ticks,
                          gboolean          *text_ticks)
{
  guint nv = pt_lora_n_vision_modules ();
  guint nt = pt_lora_n_text_modules ();

  g_return_if_fail (vision_ticks != NULL && text_ticks != NULL);

  memset (vision_ticks, 0, nv * sizeof (gboolean));
  memset (text_ticks, 0, nt * sizeof (gboolean));
  for (guint i = 0; targets != NULL && targets[i] != NULL; i++)
    {
      const char *t = targets[i];
      gboolean vision = TRUE, text = TRUE;
      int k;

      if (g_str_has_prefix (t, "vision."))
        {
          t += strlen ("vision.");
          text = FALSE;
        }
      else if (g_str_has_prefix (t, "text."))
        {
          t += strlen ("text.");
          vision = FALSE;
        }
      if (vision && (k = index_of (pt_vision_lora_modules, t)) >= 0)
        vision_ticks[k] = TRUE;
      if (text && (k = index_of (pt_text_lora_modules, t)) >= 0)
        text_ticks[k] = TRUE;
    }
}

char **
pt_lora_targets_from_ticks (const gboolean *vision_ticks,
                            const gboolean *text_ticks)
{
  GPtrArray *out = g_ptr_array_new ();

  g_return_val_if_fail (vision_ticks != NULL && text_ticks != NULL, NULL);

  /* modules both towers have first (in the text tower's order), then the
   * text tower's own, then the vision tower's own */
  for (guint t = 0; pt_text_lora_modules[t] != NULL; t++)
    {
      const char *name = pt_text_lora_modules[t];
      int v = index_of (pt_vision_lora_modules, name);

      if (v < 0)
        continue;
      if (vision_ticks[v] && text_ticks[t])
        g_ptr_array_add (out, g_strdup (name));
      else if (vision_ticks[v])
        g_ptr_array_add (out, g_strconcat ("vision.", name, NULL));
      else if (text_ticks[t])
        g_ptr_array_add (out, g_strconcat ("text.", name, NULL));
    }
  for (guint t = 0; pt_text_lora_modules[t] != NULL; t++)
    if (text_ticks[t] && index_of (pt_vision_lora_modules, pt_text_lora_modules[t]) < 0)
      g_ptr_array_add (out, g_strdup (pt_text_lora_modules[t]));
  for (guint v = 0; pt_vision_lora_modules[v] != NULL; v++)
    if (vision_ticks[v] && index_of (pt_text_lora_modules, pt_vision_lora_modules[v]) < 0)
      g_ptr_array_add (out, g_strdup (pt_vision_lora_modules[v]));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

gboolean
pt_lora_targets_equal (const char *const *a,
                       const char *const *b)
{
  guint nv = pt_lora_n_vision_modules ();
  guint nt = pt_lora_n_text_modules ();
  g_autofree gboolean *va = g_new (gboolean, nv);
  g_autofree gboolean *ta = g_new (gboolean, nt);
  g_autofree gboolean *vb = g_new (gboolean, nv);
  g_autofree gboolean *tb = g_new (gboolean, nt);

  pt_lora_targets_to_ticks (a, va, ta);
  pt_lora_targets_to_ticks (b, vb, tb);
  return memcmp (va, vb, nv * sizeof (gboolean)) == 0 && memcmp (ta, tb, nt * sizeof (gboolean)) == 0;
}
