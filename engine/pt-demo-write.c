/* pt-demo-write.c — drawing demo scenes with Cairo and writing the dataset folder. */
#include "config.h"

#include <cairo.h>         /* the only Cairo user in the engine */
#include <errno.h>
#include <fcntl.h>         /* O_WRONLY */
#include <math.h>          /* cos, sin, lround */
#include <stdio.h>         /* FILE, fdopen */
#include <unistd.h>        /* close */
#include <glib/gstdio.h>   /* g_rename, g_unlink */

#include "pt-demo-private.h"
#include "pt-error.h"
#include "pt-json.h"       /* pt_json_append_string, pt_json_to_string */
#include "pt-rng.h"        /* pt_rng_hash */

/* ---- drawing ---- */

/* Brightness mottling: value noise on a TEXTURE_CELLS² grid, smoothstep-
 * interpolated, ±TEXTURE_AMPLITUDE levels; then per-pixel grain of ±noise. */
#define TEXTURE_CELLS     5
#define TEXTURE_AMPLITUDE 6.0

static void
add_texture_and_noise (cairo_surface_t *surface, const PtDemoScene *scene)
{
  guint8 *data = cairo_image_surface_get_data (surface);
  int stride = cairo_image_surface_get_stride (surface);
  int S = scene->image_size, a = scene->noise;
  double grid[TEXTURE_CELLS + 1][TEXTURE_CELLS + 1];

  for (int j = 0; j <= TEXTURE_CELLS; j++)
    for (int i = 0; i <= TEXTURE_CELLS; i++)
      grid[j][i] = TEXTURE_AMPLITUDE
                   * (2 * pt_rng_uniform (scene->texture_seed, (guint64) j * (TEXTURE_CELLS + 1) + i) - 1);

  for (int y = 0; y < S; y++)
    {
      guint32 *row = (guint32 *) (void *) (data + (gsize) y * stride);   /* 0x00RRGGBB */
      double gy = (y + 0.5) / S * TEXTURE_CELLS;
      int j = MIN ((int) gy, TEXTURE_CELLS - 1);
      double ty = gy - j;

      ty = ty * ty * (3 - 2 * ty);
      for (int x = 0; x < S; x++)
        {
          double gx = (x + 0.5) / S * TEXTURE_CELLS;
          int i = MIN ((int) gx, TEXTURE_CELLS - 1);
          double tx = gx - i, top, bottom;
          int shade;
          guint64 h = a > 0 ? pt_rng_hash (scene->noise_seed, (guint64) y * S + x) : 0;
          guint32 p = row[x], out = 0;

          tx = tx * tx * (3 - 2 * tx);
          top = grid[j][i] + (grid[j][i + 1] - grid[j][i]) * tx;
          bottom = grid[j + 1][i] + (grid[j + 1][i + 1] - grid[j + 1][i]) * tx;
          shade = (int) lround (top + (bottom - top) * ty);
          for (int c = 0; c < 3; c++)
            {
              int v = (int) ((p >> (8 * c)) & 0xff) + shade;
              if (a > 0)
                v += (int) ((h >> (16 * c)) % (guint64) (2 * a + 1)) - a;
              out |= (guint32) CLAMP (v, 0, 255) << (8 * c);
            }
          row[x] = out;
        }
    }
}

/* The scene on an RGB24 surface, noise included. */
static cairo_surface_t *
draw_scene (const PtDemoScene *scene)
{
  int S = scene->image_size;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_RGB24, S, S);
  cairo_t *cr = cairo_create (surface);
  double c = S / 2.0, dx = cos (scene->bg_angle) * c, dy = sin (scene->bg_angle) * c;
  cairo_pattern_t *bg = cairo_pattern_create_linear (c - dx, c - dy, c + dx, c + dy);

  cairo_pattern_add_color_stop_rgb (bg, 0, scene->bg0[0] / 255.0, scene->bg0[1] / 255.0,
                                    scene->bg0[2] / 255.0);
  cairo_pattern_add_color_stop_rgb (bg, 1, scene->bg1[0] / 255.0, scene->bg1[1] / 255.0,
                                    scene->bg1[2] / 255.0);
  cairo_set_source (cr, bg);
  cairo_paint (cr);
  cairo_pattern_destroy (bg);

  for (int i = 0; i < scene->n_shapes; i++)
    {
      const PtDemoShape *sh = &scene->shapes[i];
      double xy[2 * PT_DEMO_MAX_VERTICES];
      int n = pt_demo_outline (sh->kind, sh->size, xy);

      if (n == 0)
        cairo_arc (cr, sh->cx, sh->cy, sh->size, 0, 2 * G_PI);
      else
        {
          cairo_move_to (cr, sh->cx + xy[0], sh->cy + xy[1]);
          for (int k = 1; k < n; k++)
            cairo_line_to (cr, sh->cx + xy[2 * k], sh->cy + xy[2 * k + 1]);
          cairo_close_path (cr);
        }
      cairo_set_source_rgb (cr, sh->rgb[0] / 255.0, sh->rgb[1] / 255.0, sh->rgb[2] / 255.0);
      cairo_fill (cr);
    }
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  add_texture_and_noise (surface, scene);
  cairo_surface_mark_dirty (surface);
  return surface;
}

void
pt_demo_scene_render (const PtDemoScene *scene, guint8 *rgb)
{
  cairo_surface_t *surface;
  const guint8 *data;
  int stride, S;

  g_return_if_fail (scene != NULL && rgb != NULL);

  surface = draw_scene (scene);
  data = cairo_image_surface_get_data (surface);
  stride = cairo_image_surface_get_stride (surface);
  S = scene->image_size;
  for (int y = 0; y < S; y++)
    {
      const guint32 *row = (const guint32 *) (const void *) (data + (gsize) y * stride);
      for (int x = 0; x < S; x++)
        {
          guint8 *px = rgb + ((gsize) y * S + x) * 3;
          px[0] = (row[x] >> 16) & 0xff;
          px[1] = (row[x] >> 8) & 0xff;
          px[2] = row[x] & 0xff;
        }
    }
  cairo_surface_destroy (surface);
}

gboolean
pt_demo_scene_save_png (const PtDemoScene *scene, const char *path, GError **error)
{
  cairo_surface_t *surface;
  cairo_status_t status;

  g_return_val_if_fail (scene != NULL && path != NULL, FALSE);

  surface = draw_scene (scene);
  status = cairo_surface_status (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_write_to_png (surface, path);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, PT_ERROR, status == CAIRO_STATUS_NO_MEMORY ? PT_ERROR_NO_MEMORY : PT_ERROR_IO,
                   "could not write the image %s: %s", path, cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

/* ---- the images, on every core ---- */

typedef struct {
  const PtDemoOptions *options;
  const char          *images_dir;
  GCancellable        *cancellable;
  gint                 total;
  gint                 next;     /* atomic: the next image to draw */
  gint                 done;     /* atomic */
  gint                 failed;   /* atomic flag */
  GMutex               lock;     /* guards error */
  GError              *error;
} ImageJob;

static char *
image_name (guint64 index)
{
  return g_strdup_printf ("%06" G_GUINT64_FORMAT ".png", index);
}

/* Draws and saves one image; FALSE when there is nothing left to do. */
static gboolean
image_job_step (ImageJob *job)
{
  gint index = g_atomic_int_add (&job->next, 1);
  PtDemoScene scene;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;
  g_autofree char *tmp = NULL;
  g_autoptr(GError) error = NULL;

  if (index >= job->total || g_atomic_int_get (&job->failed)
      || g_cancellable_is_cancelled (job->cancellable))
    return FALSE;

  pt_demo_scene_generate (job->options, index, &scene);
  name = image_name (index);
  path = g_build_filename (job->images_dir, name, NULL);
  tmp = g_strdup_printf ("%s/.%s.tmp", job->images_dir, name);
  if (pt_demo_scene_save_png (&scene, tmp, &error))
    {
      if (g_rename (tmp, path) != 0)
        {
          int saved = errno;
          g_set_error (&error, PT_ERROR, PT_ERROR_IO, "could not rename %s to %s: %s", tmp, path,
                       g_strerror (saved));
        }
    }
  if (error != NULL)
    {
      g_unlink (tmp);
      g_mutex_lock (&job->lock);
      if (job->error == NULL)
        job->error = g_steal_pointer (&error);
      g_mutex_unlock (&job->lock);
      g_atomic_int_set (&job->failed, 1);
      return FALSE;
    }
  g_atomic_int_inc (&job->done);
  return TRUE;
}

static gpointer
image_worker (gpointer data)
{
  while (image_job_step (data))
    ;
  return NULL;
}

static gboolean
draw_images (const PtDemoOptions *options, const char *images_dir, PtDemoProgressFunc progress,
             gpointer user_data, GCancellable *cancellable, GError **error)
{
  ImageJob job = {
    .options = options, .images_dir = images_dir, .cancellable = cancellable,
    .total = (gint) (options->n_train + options->n_val),
  };
  g_autoptr(GPtrArray) threads = g_ptr_array_new ();
  int n_threads = options->threads > 0 ? options->threads : (int) g_get_num_processors ();

  g_mutex_init (&job.lock);
  n_threads = CLAMP (n_threads, 1, MIN (job.total, 256));
  for (int t = 1; t < n_threads; t++)
    {
      GThread *thread = g_thread_try_new ("pt-demo-data", image_worker, &job, NULL);
      if (thread == NULL)
        break;   /* fewer helpers, same output */
      g_ptr_array_add (threads, thread);
    }
  /* this thread draws too, and reports progress */
  while (image_job_step (&job))
    if (progress != NULL)
      progress ((guint64) g_atomic_int_get (&job.done), (guint64) job.total, user_data);
  for (guint t = 0; t < threads->len; t++)
    g_thread_join (threads->pdata[t]);
  g_mutex_clear (&job.lock);

  if (job.error != NULL)
    {
      g_propagate_error (error, job.error);
      return FALSE;
    }
  if (g_cancellable_is_cancelled (cancellable))
    return g_set_error (error, PT_ERROR, PT_ERROR_CANCELLED, "stopped before all images were drawn"),
           FALSE;
  if (progress != NULL)
    progress ((guint64) job.total, (guint64) job.total, user_data);
  return TRUE;
}

/* ---- records ---- */

static void
append_record (GString *out, const char *image, const PtDemoQuestion *q)
{
  g_string_append (out, "{\"image\": ");
  pt_json_append_string (out, image);
  /* a detection prompt is a whole PaliGemma prefix ("detect circle"): it is
   * written as "prefix", which the reader uses as is, without the dataset's
   * question template ("answer {question}") */
  g_string_append (out, q->task == PT_DEMO_TASK_DETECT ? ", \"prefix\": " : ", \"question\": ");
  pt_json_append_string (out, q->question);
  g_string_append (out, ", \"answer\": ");
  pt_json_append_string (out, q->answer);
  g_string_append (out, ", \"question_type\": ");
  pt_json_append_string (out, pt_demo_task_name (q->task));
  g_string_append (out, ", \"answers\": [");
  pt_json_append_string (out, q->answer);
  g_string_append (out, "]}\n");
}

/* Writes the records of images first .. first+count-1 to path through a
 * temporary file in the same folder. */
static gboolean
write_jsonl (const PtDemoOptions *options, const char *path, guint64 first, guint64 count,
             guint64 *n_records, GCancellable *cancellable, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  g_autoptr(GString) line = g_string_new (NULL);
  FILE *f;
  int fd, saved;
  gboolean ok = TRUE;

  *n_records = 0;
  fd = g_mkstemp_full (tmp, O_WRONLY, 0644);
  if (fd < 0 || (f = fdopen (fd, "w")) == NULL)
    {
      saved = errno;
      if (fd >= 0)
        close (fd);
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "could not create a file in %s: %s", dir,
                   g_strerror (saved));
      return FALSE;
    }
  for (guint64 i = first; i < first + count && ok; i++)
    {
      PtDemoScene scene;
      g_autofree char *name = image_name (i);
      g_autofree char *image = g_strconcat ("images/", name, NULL);

      if (i % 1024 == 0 && g_cancellable_is_cancelled (cancellable))
        break;
      pt_demo_scene_generate (options, i, &scene);
      g_string_truncate (line, 0);
      for (int t = 0; t < PT_DEMO_N_TASKS; t++)
        {
          PtDemoQuestion q;

          if (!(options->tasks & (1u << t)) || !pt_demo_scene_question (&scene, t, &q))
            continue;
          append_record (line, image, &q);
          pt_demo_question_clear (&q);
          (*n_records)++;
        }
      ok = fwrite (line->str, 1, line->len, f) == line->len;
    }
  saved = errno;
  if (fclose (f) != 0 && ok)
    {
      saved = errno;
      ok = FALSE;
    }
  if (!ok)
    g_set_error (error, PT_ERROR, PT_ERROR_IO, "could not write %s: %s", path, g_strerror (saved));
  else if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_CANCELLED, "stopped before %s was written", path);
      ok = FALSE;
    }
  else if (g_rename (tmp, path) != 0)
    {
      saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "could not rename %s to %s: %s", tmp, path,
                   g_strerror (saved));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp);
  return ok;
}

static char *
describe (const PtDemoOptions *o, guint64 train_records, guint64 val_records)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "generator");
  json_builder_add_string_value (b, "palitune demo-data");
  json_builder_set_member_name (b, "version");
  json_builder_add_int_value (b, PT_DEMO_DATA_VERSION);
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) o->seed);
  json_builder_set_member_name (b, "n_train");
  json_builder_add_int_value (b, o->n_train);
  json_builder_set_member_name (b, "n_val");
  json_builder_add_int_value (b, o->n_val);
  json_builder_set_member_name (b, "image_size");
  json_builder_add_int_value (b, o->image_size);
  json_builder_set_member_name (b, "min_shapes");
  json_builder_add_int_value (b, o->easy ? 1 : o->min_shapes);
  json_builder_set_member_name (b, "max_shapes");
  json_builder_add_int_value (b, o->easy ? 1 : o->max_shapes);
  json_builder_set_member_name (b, "easy");
  json_builder_add_boolean_value (b, o->easy);
  json_builder_set_member_name (b, "min_size");
  json_builder_add_double_value (b, o->easy ? 0.20 : o->min_size);
  json_builder_set_member_name (b, "max_size");
  json_builder_add_double_value (b, o->easy ? 0.30 : o->max_size);
  json_builder_set_member_name (b, "noise");
  json_builder_add_int_value (b, o->noise);
  json_builder_set_member_name (b, "tasks");
  json_builder_begin_array (b);
  for (int t = 0; t < PT_DEMO_N_TASKS; t++)
    if (o->tasks & (1u << t))
      json_builder_add_string_value (b, pt_demo_task_name (t));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "train_records");
  json_builder_add_int_value (b, (gint64) train_records);
  json_builder_set_member_name (b, "val_records");
  json_builder_add_int_value (b, (gint64) val_records);
  json_builder_set_member_name (b, "train_images");
  json_builder_add_string_value (b, "images 0 to n_train - 1");
  json_builder_set_member_name (b, "val_images");
  json_builder_add_string_value (b, "images n_train to n_train + n_val - 1");
  json_builder_set_member_name (b, "detect_format");
  json_builder_add_string_value (b, "<locYMIN><locXMIN><locYMAX><locXMAX> label, "
                                    "bin = round(pixel / image_size * 1023)");
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return pt_json_to_string (root, TRUE);
}

static gboolean
remove_if_present (const char *dir, const char *name, GError **error)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "could not remove the old %s: %s", path,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
pt_demo_generate (const PtDemoOptions *options, const char *out_dir, gboolean force,
                  PtDemoProgressFunc progress, gpointer user_data, GCancellable *cancellable,
                  GError **error)
{
  g_autofree char *images_dir = NULL;
  g_autofree char *train_path = NULL;
  g_autofree char *val_path = NULL;
  g_autofree char *info_path = NULL;
  g_autofree char *info = NULL;
  g_autoptr(GError) local = NULL;
  guint64 train_records = 0, val_records = 0;

  g_return_val_if_fail (options != NULL && out_dir != NULL, FALSE);

  if (!pt_demo_options_validate (options, error))
    return FALSE;

  if (g_file_test (out_dir, G_FILE_TEST_EXISTS))
    {
      g_autoptr(GDir) dir = NULL;

      if (!g_file_test (out_dir, G_FILE_TEST_IS_DIR))
        return g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                            "%s exists and is not a folder", out_dir), FALSE;
      dir = g_dir_open (out_dir, 0, &local);
      if (dir == NULL)
        return g_set_error (error, PT_ERROR, PT_ERROR_IO, "could not read the folder %s: %s",
                            out_dir, local->message), FALSE;
      if (g_dir_read_name (dir) != NULL && !force)
        return g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                            "%s is not empty: choose a new or empty folder, or allow overwriting "
                            "(--force)", out_dir), FALSE;
    }

  images_dir = g_build_filename (out_dir, "images", NULL);
  train_path = g_build_filename (out_dir, "train.jsonl", NULL);
  val_path = g_build_filename (out_dir, "val.jsonl", NULL);
  info_path = g_build_filename (out_dir, "demo-data.json", NULL);
  if (g_mkdir_with_parents (images_dir, 0755) != 0)
    {
      int saved = errno;
      return g_set_error (error, PT_ERROR, PT_ERROR_IO, "could not create the folder %s: %s",
                          images_dir, g_strerror (saved)), FALSE;
    }
  /* An overwritten dataset must never pair old records with new images. */
  if (!remove_if_present (out_dir, "demo-data.json", error)
      || !remove_if_present (out_dir, "train.jsonl", error)
      || !remove_if_present (out_dir, "val.jsonl", error))
    return FALSE;

  if (!draw_images (options, images_dir, progress, user_data, cancellable, error))
    return FALSE;
  if (options->n_val > 0
      && !write_jsonl (options, val_path, options->n_train, options->n_val, &val_records,
                       cancellable, error))
    return FALSE;
  if (!write_jsonl (options, train_path, 0, options->n_train, &train_records, cancellable, error))
    return FALSE;

  info = describe (options, train_records, val_records);
  if (!g_file_set_contents (info_path, info, -1, &local))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "could not write %s: %s", info_path, local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
pt_demo_write_corpus (const PtDemoOptions *options, const char *path, GError **error)
{
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GString) text = g_string_new (NULL);
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (options != NULL && path != NULL, FALSE);

  if (!pt_demo_options_validate (options, error))
    return FALSE;
  lines = pt_demo_corpus_lines (options->tasks, options->easy ? 1 : options->max_shapes);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf (text, "%s\n", (const char *) lines->pdata[i]);
  if (!g_file_set_contents (path, text->str, text->len, &local))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "could not write the corpus: %s", local->message);
      return FALSE;
    }
  return TRUE;
}

void
pt_demo_options_update_from_json (PtDemoOptions *o,
                                  JsonObject    *object)
{
  g_return_if_fail (o != NULL && object != NULL);

  /* clamped into the C types first: out-of-range then fails validation */
  o->seed = (guint64) pt_json_get_int (object, "seed", (gint64) o->seed);
  o->n_train = (guint) CLAMP (pt_json_get_int (object, "n_train", o->n_train), 0, G_MAXUINT);
  o->n_val = (guint) CLAMP (pt_json_get_int (object, "n_val", o->n_val), 0, G_MAXUINT);
  o->image_size = (int) CLAMP (pt_json_get_int (object, "image_size", o->image_size), -1, G_MAXINT);
  o->min_shapes = (int) CLAMP (pt_json_get_int (object, "min_shapes", o->min_shapes), -1, G_MAXINT);
  o->max_shapes = (int) CLAMP (pt_json_get_int (object, "max_shapes", o->max_shapes), -1, G_MAXINT);
  o->min_size = pt_json_get_double (object, "min_size", o->min_size);
  o->max_size = pt_json_get_double (object, "max_size", o->max_size);
  o->noise = (int) CLAMP (pt_json_get_int (object, "noise", o->noise), -1, G_MAXINT);
  {
    JsonNode *easy = json_object_get_member (object, "easy");
    if (easy != NULL && JSON_NODE_HOLDS_VALUE (easy) && json_node_get_value_type (easy) == G_TYPE_BOOLEAN)
      o->easy = json_node_get_boolean (easy);
  }
}
