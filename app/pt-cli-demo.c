/* pt-cli-demo.c — palitune-cli demo-data: generate the built-in demo dataset. */
#include "config.h"

#include <math.h>   /* NAN, isnan */

#include <glib/gi18n.h>
#include <stdio.h>          /* fflush */
#include <unistd.h>         /* isatty */

#include "pt-cli.h"
#include "pt-json.h"     /* pt_json_load_file */
#include "pt-demo-data.h"   /* pt_demo_generate, pt_demo_write_corpus */

static void
progress_cb (guint64 done, guint64 total, gpointer user_data)
{
  gint64 *last = user_data;
  gint64 now = g_get_monotonic_time ();

  if (done < total && now - *last < 200000)
    return;
  *last = now;
  g_printerr ("\r");
  /* Translators: progress, "120 / 1000 images" */
  g_printerr (g_dngettext (NULL, "%lu / %lu image", "%lu / %lu images", (gulong) total),
              (gulong) done, (gulong) total);
  if (done == total)
    g_printerr ("\n");
}

static gboolean
parse_count (const char *what, const char *text, guint64 max, guint64 *out)
{
  g_autoptr(GError) error = NULL;

  if (!g_ascii_string_to_unsigned (text, 10, 0, max, out, &error))
    {
      pt_cli_usage_error ("%s: %s", what, error->message);
      return FALSE;
    }
  return TRUE;
}

int
pt_cli_demo_data (int argc, char **argv)
{
  g_autofree char *out_dir = NULL;
  g_autofree char *corpus = NULL;
  g_autofree char *tasks = NULL;
  g_autofree char *seed_text = NULL;
  g_autofree char *n_text = NULL;
  g_autofree char *val_text = NULL;
  g_autofree char *like = NULL;
  /* -1 / NAN: not given (the defaults, or --like's) */
  int image_size = -1, min_shapes = -1, max_shapes = -1, noise = -1, threads = 0;
  double min_size = NAN, max_size = NAN;
  gboolean easy = FALSE, force = FALSE, quiet = FALSE;
  const GOptionEntry entries[] = {
    { "out", 'o', 0, G_OPTION_ARG_FILENAME, &out_dir, N_("Folder to create (images/, train.jsonl, val.jsonl, demo-data.json)"), N_("DIR") },
    { "n", 'n', 0, G_OPTION_ARG_STRING, &n_text, N_("Training images (default 1000)"), N_("N") },
    { "val", 0, 0, G_OPTION_ARG_STRING, &val_text, N_("Validation images (default 0)"), N_("N") },
    { "seed", 's', 0, G_OPTION_ARG_STRING, &seed_text, N_("Random seed (default 0)"), N_("S") },
    { "tasks", 't', 0, G_OPTION_ARG_STRING, &tasks, N_("Question types: color,shape,count,position,exists,detect,color_fr or all (default)"), N_("LIST") },
    { "image-size", 0, 0, G_OPTION_ARG_INT, &image_size, N_("Image width and height in pixels (default 224)"), N_("PX") },
    { "min-shapes", 0, 0, G_OPTION_ARG_INT, &min_shapes, N_("Fewest shapes per image (default 1)"), N_("K") },
    { "max-shapes", 0, 0, G_OPTION_ARG_INT, &max_shapes, N_("Most shapes per image (default 5, at most 8)"), N_("K") },
    { "min-size", 0, 0, G_OPTION_ARG_DOUBLE, &min_size, N_("Smallest shape half extent, fraction of the image (default 0.08)"), N_("F") },
    { "max-size", 0, 0, G_OPTION_ARG_DOUBLE, &max_size, N_("Largest shape half extent, fraction of the image (default 0.17)"), N_("F") },
    { "easy", 0, 0, G_OPTION_ARG_NONE, &easy, N_("One big shape per image"), NULL },
    { "noise", 0, 0, G_OPTION_ARG_INT, &noise, N_("Per-pixel grain, 0 to 16 levels (default 0; makes PNGs much larger)"), N_("A") },
    { "like", 0, 0, G_OPTION_ARG_FILENAME, &like, N_("Scenes, sizes, count and seed as FILE describes them: data/demo/demo.json (its “dataset”) or a dataset’s demo-data.json; the options given here win"), N_("FILE") },
    { "corpus", 0, 0, G_OPTION_ARG_FILENAME, &corpus, N_("Also write every question and answer to FILE (tokenizer training text); alone, writes only that"), N_("FILE") },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, N_("Write into a folder that is not empty"), NULL },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &threads, N_("Threads (default: one per processor)"), N_("N") },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, N_("No progress or summary"), NULL },
    { NULL }
  };
  PtDemoOptions options;
  g_autoptr(GError) error = NULL;
  guint64 value;
  gint64 start, last = 0;
  double seconds;
  int code;

  if (!pt_cli_parse ("demo-data", "", entries, &argc, &argv, &code))
    return code;
  if (argc > 1)
    return pt_cli_usage_error (_("demo-data: unexpected argument “%s” (see “palitune-cli demo-data --help”)"),
                               argv[1]);
  if (out_dir == NULL && corpus == NULL)
    return pt_cli_usage_error (_("demo-data: say where to write the dataset with --out DIR"));

  pt_demo_options_init (&options);
  if (like != NULL)
    {
      g_autoptr(JsonNode) root = pt_json_load_file (like, 1 << 20, &error);
      JsonObject *o;

      if (root == NULL)
        return pt_cli_fail (error);
      o = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
      if (o != NULL && json_object_has_member (o, "dataset")
          && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "dataset")))
        o = json_object_get_object_member (o, "dataset");
      if (o == NULL)
        {
          g_autofree char *display = g_filename_display_name (like);
          return pt_cli_usage_error (_("demo-data: %s does not describe a dataset (a JSON object)"), display);
        }
      pt_demo_options_update_from_json (&options, o);
    }
  if (n_text != NULL)
    {
      if (!parse_count ("--n", n_text, G_MAXUINT, &value))
        return PT_EXIT_USAGE;
      options.n_train = (guint) value;
    }
  if (val_text != NULL)
    {
      if (!parse_count ("--val", val_text, G_MAXUINT, &value))
        return PT_EXIT_USAGE;
      options.n_val = (guint) value;
    }
  if (seed_text != NULL && !parse_count ("--seed", seed_text, G_MAXINT64, &options.seed))
    return PT_EXIT_USAGE;
  if (tasks != NULL && !pt_demo_parse_tasks (tasks, &options.tasks, &error))
    return pt_cli_fail (error);
  if (image_size != -1)
    options.image_size = image_size;
  if (min_shapes != -1)
    options.min_shapes = min_shapes;
  if (max_shapes != -1)
    options.max_shapes = max_shapes;
  if (!isnan (min_size))
    options.min_size = min_size;
  if (!isnan (max_size))
    options.max_size = max_size;
  if (easy)
    options.easy = TRUE;
  if (noise != -1)
    options.noise = noise;
  options.threads = threads;
  if (!pt_demo_options_validate (&options, &error))
    return pt_cli_fail (error);

  if (corpus != NULL && !pt_demo_write_corpus (&options, corpus, &error))
    return pt_cli_fail (error);
  if (out_dir == NULL)
    return PT_EXIT_OK;

  start = g_get_monotonic_time ();
  if (!pt_demo_generate (&options, out_dir, force,
                         quiet || !isatty (fileno (stderr)) ? NULL : progress_cb, &last,
                         NULL, &error))
    return pt_cli_fail (error);
  seconds = (g_get_monotonic_time () - start) / 1e6;
  if (!quiet)
    /* Translators: "wrote 1000 images (100 for validation) to FOLDER in 2.5 s (400 images/s)" */
    g_print (g_dngettext (NULL, "wrote %u image (%u for validation) to %s in %.1f s (%.0f images/s)\n",
                          "wrote %u images (%u for validation) to %s in %.1f s (%.0f images/s)\n",
                          options.n_train + options.n_val),
             options.n_train + options.n_val, options.n_val, out_dir, seconds,
             (options.n_train + options.n_val) / MAX (seconds, 1e-6));
  return PT_EXIT_OK;
}
