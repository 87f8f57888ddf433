/* pt-loc.c — PaliGemma's location answers as boxes. */
#include "config.h"

#include <string.h>   /* strncmp, strchr */

#include "pt-loc.h"

#define N_BINS 1024

void
pt_loc_box_free (PtLocBox *box)
{
  if (box == NULL)
    return;
  g_free (box->label);
  g_free (box);
}

/* "<locNNNN>" at p: its bin (clamped to 0..1023) and the length, or 0. */
static gsize
read_token (const char *p,
            const char *name,
            int         digits,
            int        *bin)
{
  gsize n = strlen (name);
  int v = 0;

  if (p[0] != '<' || strncmp (p + 1, name, n) != 0)
    return 0;
  p += 1 + n;
  for (int i = 0; i < digits; i++)
    {
      if (!g_ascii_isdigit (p[i]))
        return 0;
      v = v * 10 + (p[i] - '0');
    }
  if (p[digits] != '>')
    return 0;
  if (bin != NULL)
    *bin = MIN (v, N_BINS - 1);
  return 1 + n + digits + 1;
}

GPtrArray *
pt_loc_parse (const char *text)
{
  GPtrArray *boxes = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_loc_box_free);
  const char *p = text;

  if (text == NULL)
    return boxes;
  while (*p != '\0')
    {
      int bins[4];
      const char *q = p;
      const char *end;
      gsize len = 0;
      int k;

      for (k = 0; k < 4; k++)
        {
          len = read_token (q, "loc", 4, &bins[k]);
          if (len == 0)
            break;
          q += len;
        }
      if (k < 4)
        {
          p++;
          continue;
        }
      /* segmentation tokens may follow the box */
      while ((len = read_token (q, "seg", 3, NULL)) > 0)
        q += len;
      /* the label runs to the next ";" or the next location token */
      end = q;
      while (*end != '\0' && *end != ';' && read_token (end, "loc", 4, NULL) == 0)
        end++;
      {
        PtLocBox *box = g_new0 (PtLocBox, 1);
        g_autofree char *label = g_strndup (q, end - q);

        box->y0 = (double) MIN (bins[0], bins[2]) / N_BINS;
        box->x0 = (double) MIN (bins[1], bins[3]) / N_BINS;
        box->y1 = (double) MAX (bins[0], bins[2]) / N_BINS;
        box->x1 = (double) MAX (bins[1], bins[3]) / N_BINS;
        box->label = g_strdup (g_strstrip (label));
        g_ptr_array_add (boxes, box);
      }
      p = *end == ';' ? end + 1 : end;
    }
  return boxes;
}

gboolean
pt_loc_has_boxes (const char *text)
{
  g_autoptr(GPtrArray) boxes = pt_loc_parse (text);

  return boxes->len > 0;
}
