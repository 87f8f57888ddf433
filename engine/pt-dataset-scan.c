/* pt-dataset-scan.c — image and token-length checks. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <gdk-pixbuf/gdk-pixbuf.h>   /* gdk_pixbuf_get_file_info */
#include <glib/gstdio.h>             /* g_stat, g_access */
#include <unistd.h>                  /* R_OK */

#include "pt-dataset-private.h"
#include "pt-dataset-scan.h"
#include "pt-error.h"
#include "pt-embedded.h"             /* images inside Parquet / Arrow files */
#include "pt-image.h"                /* pt_image_load: the deep check */

void
pt_scan_options_init (PtScanOptions *o)
{
  memset (o, 0, sizeof *o);
  o->check_images = TRUE;
}

/* The full decode when no decoder is given: the one training uses. */
static gboolean
default_decode (const char *path, int *width, int *height, char **reason)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtImage) image = pt_image_load (path, NULL, &error);

  if (image == NULL)
    {
      *reason = g_strdup (error->message);
      return FALSE;
    }
  *width = image->width;
  *height = image->height;
  return TRUE;
}

typedef struct {
  PtDataset           *ds;
  const PtScanOptions *options;
  GCancellable        *cancellable;
  char               **reasons;    /* per image */
  gint                 next;       /* atomic: next image to check */
  gint                 done;       /* atomic */
} Scan;

static void
check_one (Scan *sc, guint i)
{
  PtImageSlot *im = &g_array_index (sc->ds->images, PtImageSlot, i);
  const char *path = sc->ds->arena + im->path;
  GStatBuf st;
  int w = 0, h = 0;

  if (im->status != PT_IMAGE_UNCHECKED && !(sc->options->decode_images && im->status == PT_IMAGE_OK))
    return;
  if (im->status == PT_IMAGE_UNCHECKED && pt_embedded_is_reference (path, NULL))
    {
      /* embedded bytes: no file to look at, the header check is a decode */
      char *why = NULL;
      if (!default_decode (path, &w, &h, &why))
        {
          im->status = PT_IMAGE_UNDECODABLE;
          sc->reasons[i] = why;
          return;
        }
      im->width = (guint32) w;
      im->height = (guint32) h;
      im->status = PT_IMAGE_OK;
    }
  if (im->status == PT_IMAGE_UNCHECKED)
    {
      if (g_stat (path, &st) != 0)
        {
          int saved = errno;
          im->status = saved == ENOENT || saved == ENOTDIR ? PT_IMAGE_MISSING : PT_IMAGE_UNREADABLE;
          sc->reasons[i] = im->status == PT_IMAGE_MISSING
                             ? g_strdup_printf ("the image %s does not exist", path)
                             : g_strdup_printf ("the image %s cannot be read: %s", path, g_strerror (saved));
          return;
        }
      if (!S_ISREG (st.st_mode))
        {
          im->status = PT_IMAGE_UNREADABLE;
          sc->reasons[i] = g_strdup_printf ("the image %s is not a regular file", path);
          return;
        }
      if (g_access (path, R_OK) != 0)
        {
          int saved = errno;
          im->status = PT_IMAGE_UNREADABLE;
          sc->reasons[i] = g_strdup_printf ("the image %s cannot be read: %s", path, g_strerror (saved));
          return;
        }
      if (st.st_size == 0)
        {
          im->status = PT_IMAGE_UNDECODABLE;
          sc->reasons[i] = g_strdup_printf ("the image %s is an empty file", path);
          return;
        }
      if (gdk_pixbuf_get_file_info (path, &w, &h) == NULL || w <= 0 || h <= 0)
        {
          im->status = PT_IMAGE_UNDECODABLE;
          sc->reasons[i] = g_strdup_printf ("the image %s is not in a format PaliTune reads, "
                                            "or its header is damaged", path);
          return;
        }
      im->width = (guint32) w;
      im->height = (guint32) h;
      im->status = PT_IMAGE_OK;
    }
  if (sc->options->decode_images)
    {
      PtImageDecodeFunc decode = sc->options->decode ? sc->options->decode : default_decode;
      char *why = NULL;
      if (!decode (path, &w, &h, &why))
        {
          im->status = PT_IMAGE_UNDECODABLE;
          /* the decoder's messages name the file already */
          sc->reasons[i] = why != NULL && strstr (why, path) != NULL
                             ? g_strdup (why)
                             : g_strdup_printf ("the image %s cannot be decoded: %s", path,
                                                why ? why : "unknown error");
          g_free (why);
          return;
        }
      im->width = (guint32) w;
      im->height = (guint32) h;
      im->status = PT_IMAGE_DECODED;
    }
}

static gpointer
worker (gpointer data)
{
  Scan *sc = data;
  guint n = sc->ds->images->len;
  gint i;

  while ((i = g_atomic_int_add (&sc->next, 1)) < (gint) n)
    {
      if (g_cancellable_is_cancelled (sc->cancellable))
        break;
      check_one (sc, (guint) i);
      g_atomic_int_inc (&sc->done);
    }
  return NULL;
}

static gboolean
check_images (PtDataset *ds, const PtScanOptions *o, GCancellable *cancellable, GError **error)
{
  Scan sc = { ds, o, cancellable, NULL, 0, 0 };
  guint n = ds->images->len;
  int n_threads = o->n_threads > 0 ? o->n_threads : (int) MIN (g_get_num_processors (), 8u);
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  double reported = -1;
  gint i;

  sc.reasons = g_new0 (char *, MAX (n, 1));
  n_threads = CLAMP (n_threads, 1, (int) MAX (n / 16, 1u));
  for (int t = 1; t < n_threads; t++)
    g_ptr_array_add (threads, g_thread_new ("pt-scan", worker, &sc));
  /* this thread works too, and reports progress */
  while ((i = g_atomic_int_add (&sc.next, 1)) < (gint) n)
    {
      double fraction;
      if (g_cancellable_is_cancelled (cancellable))
        break;
      check_one (&sc, (guint) i);
      g_atomic_int_inc (&sc.done);
      fraction = (double) g_atomic_int_get (&sc.done) / n;
      if (o->progress != NULL && fraction - reported >= 0.01)
        {
          o->progress (fraction * (o->count_tokens ? 0.8 : 1.0), o->progress_data);
          reported = fraction;
        }
    }
  for (guint t = 0; t < threads->len; t++)
    g_thread_join (threads->pdata[t]);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    {
      /* images not reached stay unchecked; a later scan resumes */
      for (guint k = 0; k < n; k++)
        g_free (sc.reasons[k]);
      g_free (sc.reasons);
      return FALSE;
    }

  /* every record whose image failed, with the image's reason */
  for (guint r = 0; r < ds->records->len; r++)
    {
      PtRecordSlot *slot = pt_dataset_slot (ds, r);
      PtImageSlot *im;
      if (slot->image == PT_NO_IMAGE || slot->problem != PT_PROBLEM_NONE)
        continue;
      im = &g_array_index (ds->images, PtImageSlot, slot->image);
      if (sc.reasons[slot->image] == NULL)
        continue;
      pt_dataset_problem (ds, slot->file, slot->line, (int) r,
                          im->status == PT_IMAGE_MISSING ? PT_PROBLEM_IMAGE_MISSING
                          : im->status == PT_IMAGE_UNREADABLE ? PT_PROBLEM_IMAGE_UNREADABLE
                          : PT_PROBLEM_IMAGE_UNDECODABLE,
                          "%s", sc.reasons[slot->image]);
    }
  for (guint k = 0; k < n; k++)
    g_free (sc.reasons[k]);
  g_free (sc.reasons);
  return TRUE;
}

static gboolean
check_tokens (PtDataset *ds, const PtScanOptions *o, GCancellable *cancellable, GError **error)
{
  guint n = ds->records->len;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autofree guint16 *tokens = g_new0 (guint16, MAX (n, 1));

  /* count everything first; problems are added only once the pass completes */
  for (guint r = 0; r < n; r++)
    {
      PtRecordSlot *slot = pt_dataset_slot (ds, r);
      g_autofree char *prompt = NULL;
      int a, b;

      if (slot->problem != PT_PROBLEM_NONE)
        continue;
      prompt = pt_dataset_get_prompt (ds, r, o->prompt_template);
      g_string_assign (text, prompt);
      g_string_append_c (text, '\n');
      a = o->count_tokens (text->str, o->count_tokens_data);
      b = o->count_tokens (pt_dataset_str (ds, slot->answer), o->count_tokens_data);
      if (a < 0 || b < 0)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_FAILED,
                       "The tokenizer failed on %s line %u", (const char *) ds->files->pdata[slot->file],
                       slot->line);
          return FALSE;
        }
      tokens[r] = (guint16) MIN (a + b + 2, G_MAXUINT16);   /* <bos> … <eos> */
      if ((r & 1023) == 0)
        {
          if (g_cancellable_set_error_if_cancelled (cancellable, error))
            return FALSE;
          if (o->progress != NULL)
            o->progress ((o->check_images ? 0.8 : 0.0) + (o->check_images ? 0.2 : 1.0) * r / n,
                         o->progress_data);
        }
    }
  for (guint r = 0; r < n; r++)
    {
      PtRecordSlot *slot = pt_dataset_slot (ds, r);
      int total = tokens[r];
      if (total == 0)
        continue;
      if (o->hard_max_tokens > 0 && total > o->hard_max_tokens)
        pt_dataset_problem (ds, slot->file, slot->line, (int) r, PT_PROBLEM_TOKENS_OVER_LIMIT,
                            "prompt and answer take %d tokens; the model fits at most %d", total,
                            o->hard_max_tokens);
      else if (o->max_tokens > 0 && total > o->max_tokens)
        pt_dataset_problem (ds, slot->file, slot->line, (int) r, PT_PROBLEM_TEXT_TOO_LONG,
                            "prompt and answer take %d tokens, over the limit of %d: training "
                            "truncates them", total, o->max_tokens);
    }
  ds->tokens = g_steal_pointer (&tokens);
  return TRUE;
}

gboolean
pt_dataset_scan (PtDataset           *ds,
                 const PtScanOptions *o,
                 GCancellable        *cancellable,
                 GError             **error)
{
  PtScanOptions defaults;
  gboolean ok = TRUE;

  g_return_val_if_fail (ds != NULL, FALSE);
  if (o == NULL)
    {
      pt_scan_options_init (&defaults);
      o = &defaults;
    }
  if (o->check_images || o->decode_images)
    ok = check_images (ds, o, cancellable, error);
  if (ok && o->count_tokens != NULL && ds->tokens == NULL)
    ok = check_tokens (ds, o, cancellable, error);
  pt_dataset_sort_problems (ds);
  if (ok && o->progress != NULL)
    o->progress (1.0, o->progress_data);
  return ok;
}

int
pt_dataset_get_token_count (PtDataset *ds,
                            guint      index)
{
  g_return_val_if_fail (ds != NULL && index < ds->records->len, -1);
  if (ds->tokens == NULL || ds->tokens[index] == 0)
    return -1;
  return ds->tokens[index];
}
