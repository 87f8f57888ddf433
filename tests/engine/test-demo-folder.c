/* test-demo-folder.c — the demo dataset folder, its corpus, and palitune-cli demo-data.
 *
 * Determinism: same seed → byte-identical JSONL and identical PNG pixels
 * (decoded with GdkPixbuf), whatever the thread count; another seed → other
 * data. The folder contract: refuses to overwrite, leaves no temporary files,
 * records match demo-data.json. The CLI runs as a real process (PT_CLI).
 */
#include "config.h"

#include <string.h>        /* strcmp, memcmp */
#include <sys/wait.h>      /* WIFEXITED */
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <json-glib/json-glib.h>

#include "pt-demo-data.h"
#include "pt-error.h"
#include "pt-json.h"       /* pt_json_load_file */
#include "pt-run.h"        /* pt_rmtree */
#include "pt-test-util.h"  /* pt_test_make_temp_dir */

static void
small_options (PtDemoOptions *o, guint64 seed)
{
  pt_demo_options_init (o);
  o->seed = seed;
  o->n_train = 10;
  o->n_val = 3;
  o->image_size = 112;
  o->noise = 2;
}

static char *
read_text (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static GdkPixbuf *
load_image (const char *dir, guint index)
{
  g_autofree char *name = g_strdup_printf ("images/%06u.png", index);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  GdkPixbuf *pixbuf = gdk_pixbuf_new_from_file (path, &error);

  g_assert_no_error (error);
  return pixbuf;
}

static gboolean
same_pixels (GdkPixbuf *a, GdkPixbuf *b)
{
  gsize la, lb;
  const guint8 *pa = gdk_pixbuf_read_pixels (a), *pb = gdk_pixbuf_read_pixels (b);

  la = gdk_pixbuf_get_byte_length (a);
  lb = gdk_pixbuf_get_byte_length (b);
  return la == lb && gdk_pixbuf_get_rowstride (a) == gdk_pixbuf_get_rowstride (b)
         && memcmp (pa, pb, la) == 0;
}

/* No temporary or unexpected files anywhere in the folder. */
static void
assert_clean (const char *dir, guint n_images)
{
  g_autofree char *images = g_build_filename (dir, "images", NULL);
  g_autoptr(GDir) d = g_dir_open (images, 0, NULL);
  const char *name;
  guint count = 0;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_assert_false (name[0] == '.');
      g_assert_true (g_str_has_suffix (name, ".png"));
      count++;
    }
  g_assert_cmpuint (count, ==, n_images);
  g_clear_pointer (&d, g_dir_close);
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    g_assert_false (name[0] == '.');
}

static void
test_determinism (void)
{
  g_autofree char *a = pt_test_make_temp_dir ("pt-demo-XXXXXX");
  g_autofree char *b = pt_test_make_temp_dir ("pt-demo-XXXXXX");
  g_autofree char *c = pt_test_make_temp_dir ("pt-demo-XXXXXX");
  g_autoptr(GError) error = NULL;
  PtDemoOptions o;
  g_autofree char *train_a = NULL, *train_b = NULL, *train_c = NULL;
  g_autofree char *val_a = NULL, *val_b = NULL;
  g_autofree char *info_a = NULL, *info_b = NULL;

  small_options (&o, 42);
  o.threads = 1;
  g_assert_true (pt_demo_generate (&o, a, FALSE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  o.threads = 3;
  g_assert_true (pt_demo_generate (&o, b, FALSE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  small_options (&o, 43);
  g_assert_true (pt_demo_generate (&o, c, FALSE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  train_a = read_text (a, "train.jsonl");
  train_b = read_text (b, "train.jsonl");
  train_c = read_text (c, "train.jsonl");
  val_a = read_text (a, "val.jsonl");
  val_b = read_text (b, "val.jsonl");
  info_a = read_text (a, "demo-data.json");
  info_b = read_text (b, "demo-data.json");
  g_assert_cmpstr (train_a, ==, train_b);
  g_assert_cmpstr (val_a, ==, val_b);
  g_assert_cmpstr (info_a, ==, info_b);
  g_assert_cmpstr (train_a, !=, train_c);
  for (guint i = 0; i < 13; i++)
    {
      g_autoptr(GdkPixbuf) pa = load_image (a, i);
      g_autoptr(GdkPixbuf) pb = load_image (b, i);
      g_autoptr(GdkPixbuf) pc = load_image (c, i);

      g_assert_cmpint (gdk_pixbuf_get_width (pa), ==, 112);
      g_assert_cmpint (gdk_pixbuf_get_height (pa), ==, 112);
      g_assert_true (same_pixels (pa, pb));
      g_assert_false (same_pixels (pa, pc));
    }
  assert_clean (a, 13);
  assert_clean (b, 13);
  pt_rmtree (a, NULL);
  pt_rmtree (b, NULL);
  pt_rmtree (c, NULL);
}

/* Each JSONL line parses, names an existing image, and carries answers == [answer]. */
static guint
check_jsonl (const char *dir, const char *name, guint first_image, guint n_images, guint task_mask,
             GHashTable *lines_out)
{
  g_autofree char *text = read_text (dir, name);
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  guint n = 0;

  g_assert_true (g_str_has_suffix (text, "\n"));
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = pt_json_parse (lines[i], -1, name, &error);
      JsonObject *r;
      JsonArray *answers;
      const char *image, *type;
      guint index;
      gboolean known = FALSE;

      g_assert_no_error (error);
      r = json_node_get_object (node);
      g_assert_cmpuint (json_object_get_size (r), ==, 5);
      image = json_object_get_string_member (r, "image");
      g_assert_true (g_str_has_prefix (image, "images/") && g_str_has_suffix (image, ".png"));
      index = (guint) g_ascii_strtoull (image + 7, NULL, 10);
      g_assert_cmpuint (index, >=, first_image);
      g_assert_cmpuint (index, <, first_image + n_images);
      {
        g_autofree char *path = g_build_filename (dir, image, NULL);
        g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
      }
      type = json_object_get_string_member (r, "question_type");
      for (int t = 0; t < PT_DEMO_N_TASKS; t++)
        if (strcmp (type, pt_demo_task_name (t)) == 0)
          {
            g_assert_true (task_mask & (1u << t));
            known = TRUE;
          }
      g_assert_true (known);
      /* detection prompts are whole prefixes; everything else a question */
      if (strcmp (type, "detect") == 0)
        {
          g_assert_true (g_str_has_prefix (json_object_get_string_member (r, "prefix"), "detect "));
          g_assert_false (json_object_has_member (r, "question"));
        }
      else
        g_assert_cmpstr (json_object_get_string_member (r, "question"), !=, "");
      answers = json_object_get_array_member (r, "answers");
      g_assert_cmpuint (json_array_get_length (answers), ==, 1);
      g_assert_cmpstr (json_array_get_string_element (answers, 0), ==,
                       json_object_get_string_member (r, "answer"));
      if (lines_out != NULL)
        g_hash_table_add (lines_out, g_strdup (lines[i]));
      n++;
    }
  return n;
}

static void
test_records (void)
{
  g_autofree char *dir = pt_test_make_temp_dir ("pt-demo-XXXXXX");
  g_autofree char *sub = pt_test_make_temp_dir ("pt-demo-XXXXXX");
  g_autoptr(GError) error = NULL;
  g_autoptr(GHashTable) all = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) some = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(JsonNode) info = NULL;
  g_autofree char *info_path = NULL;
  JsonObject *obj;
  GHashTableIter iter;
  gpointer key;
  PtDemoOptions o;
  guint n_train, n_val, n_sub;

  small_options (&o, 7);
  g_assert_true (pt_demo_generate (&o, dir, FALSE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  n_train = check_jsonl (dir, "train.jsonl", 0, 10, PT_DEMO_ALL_TASKS, all);
  n_val = check_jsonl (dir, "val.jsonl", 10, 3, PT_DEMO_ALL_TASKS, NULL);
  g_assert_cmpuint (n_train, >=, 10 * 5);

  info_path = g_build_filename (dir, "demo-data.json", NULL);
  info = pt_json_load_file (info_path, 1 << 20, &error);
  g_assert_no_error (error);
  obj = json_node_get_object (info);
  g_assert_cmpint (json_object_get_int_member (obj, "version"), ==, PT_DEMO_DATA_VERSION);
  g_assert_cmpint (json_object_get_int_member (obj, "seed"), ==, 7);
  g_assert_cmpint (json_object_get_int_member (obj, "n_train"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (obj, "n_val"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (obj, "image_size"), ==, 112);
  g_assert_cmpint (json_object_get_int_member (obj, "train_records"), ==, n_train);
  g_assert_cmpint (json_object_get_int_member (obj, "val_records"), ==, n_val);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (obj, "tasks")), ==,
                    PT_DEMO_N_TASKS);

  /* a task filter keeps the same images and selects a subset of the same records */
  o.tasks = (1u << PT_DEMO_TASK_COLOR) | (1u << PT_DEMO_TASK_DETECT);
  o.n_val = 0;
  g_assert_true (pt_demo_generate (&o, sub, FALSE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  n_sub = check_jsonl (sub, "train.jsonl", 0, 10, o.tasks, some);
  g_assert_cmpuint (n_sub, >, 0);
  g_assert_cmpuint (n_sub, <, n_train);
  g_hash_table_iter_init (&iter, some);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_assert_true (g_hash_table_contains (all, key));
  {
    g_autoptr(GdkPixbuf) pa = load_image (dir, 4);
    g_autoptr(GdkPixbuf) pb = load_image (sub, 4);
    g_assert_true (same_pixels (pa, pb));
  }
  pt_rmtree (dir, NULL);
  pt_rmtree (sub, NULL);
}

static void
test_overwrite (void)
{
  g_autofree char *dir = pt_test_make_temp_dir ("pt-demo-XXXXXX");
  g_autofree char *file = g_build_filename (dir, "notes.txt", NULL);
  g_autofree char *val = g_build_filename (dir, "val.jsonl", NULL);
  g_autofree char *sub = g_build_filename (dir, "new", "deeper", NULL);
  g_autoptr(GError) error = NULL;
  PtDemoOptions o;

  small_options (&o, 1);
  g_assert_true (g_file_set_contents (file, "mine\n", -1, NULL));
  g_assert_false (pt_demo_generate (&o, dir, FALSE, NULL, NULL, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "not empty"));
  g_assert_nonnull (strstr (error->message, dir));
  g_clear_error (&error);
  g_assert_false (pt_demo_generate (&o, file, TRUE, NULL, NULL, NULL, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "not a folder"));
  g_clear_error (&error);

  g_assert_true (pt_demo_generate (&o, dir, TRUE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_test (val, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS));   /* other files are left alone */
  /* overwriting without validation removes the old val.jsonl (its answers
   * would no longer match the images) */
  o.n_val = 0;
  g_assert_true (pt_demo_generate (&o, dir, TRUE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (g_file_test (val, G_FILE_TEST_EXISTS));
  /* a missing folder is created, parents too */
  g_assert_true (pt_demo_generate (&o, sub, FALSE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  assert_clean (sub, 10);
  pt_rmtree (dir, NULL);
}

static void
progress_cb (guint64 done, guint64 total, gpointer user_data)
{
  guint64 *last = user_data;

  g_assert_cmpuint (done, >=, *last);
  g_assert_cmpuint (done, <=, total);
  *last = done;
}

static void
cancel_cb (guint64 done, guint64 total, gpointer user_data)
{
  if (done >= 2)
    g_cancellable_cancel (user_data);
}

static void
test_progress_and_cancel (void)
{
  g_autofree char *dir = pt_test_make_temp_dir ("pt-demo-XXXXXX");
  g_autofree char *dir2 = pt_test_make_temp_dir ("pt-demo-XXXXXX");
  g_autofree char *train = g_build_filename (dir2, "train.jsonl", NULL);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  guint64 last = 0;
  PtDemoOptions o;

  small_options (&o, 3);
  g_assert_true (pt_demo_generate (&o, dir, FALSE, progress_cb, &last, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (last, ==, 13);

  o.n_train = 200;
  o.threads = 1;
  g_assert_false (pt_demo_generate (&o, dir2, FALSE, cancel_cb, cancellable, cancellable, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_CANCELLED);
  g_assert_false (g_file_test (train, G_FILE_TEST_EXISTS));   /* no half dataset */
  pt_rmtree (dir, NULL);
  pt_rmtree (dir2, NULL);
}

static void
test_corpus (void)
{
  g_autofree char *dir = pt_test_make_temp_dir ("pt-demo-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "corpus.txt", NULL);
  g_autofree char *text = NULL;
  g_autofree char *small_text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GHashTable) set = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GError) error = NULL;
  PtDemoOptions o;
  guint checked = 0;

  pt_demo_options_init (&o);
  o.max_shapes = 8;
  g_assert_true (pt_demo_write_corpus (&o, path, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_true (g_utf8_validate (text, -1, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL && lines[i][0] != '\0'; i++)
    {
      g_assert_false (g_hash_table_contains (set, lines[i]));   /* no duplicates */
      g_assert_null (strstr (lines[i], "<loc"));
      g_hash_table_add (set, lines[i]);
    }
  g_assert_true (g_hash_table_contains (set, "answer"));
  g_assert_true (g_hash_table_contains (set, "detect"));
  g_assert_true (g_hash_table_contains (set, "de quelle couleur est l'étoile ?"));
  g_assert_true (g_hash_table_contains (set, "is there an orange heart?"));

  /* every question and answer the generator asks is in the corpus */
  for (guint64 index = 0; index < 300; index++)
    {
      PtDemoScene s;

      pt_demo_scene_generate (&o, index, &s);
      for (int t = 0; t < PT_DEMO_N_TASKS; t++)
        {
          PtDemoQuestion q;
          const char *answer;

          if (!pt_demo_scene_question (&s, t, &q))
            continue;
          answer = t == PT_DEMO_TASK_DETECT ? strrchr (q.answer, '>') + 2 : q.answer;
          g_assert_true (g_hash_table_contains (set, q.question));
          g_assert_true (g_hash_table_contains (set, answer));
          pt_demo_question_clear (&q);
          checked++;
        }
    }
  g_test_message ("%u corpus lines; %u questions checked", g_hash_table_size (set), checked);

  /* the task filter applies */
  o.tasks = 1u << PT_DEMO_TASK_COLOR_FR;
  g_assert_true (pt_demo_write_corpus (&o, path, &error));
  g_assert_true (g_file_get_contents (path, &small_text, NULL, NULL));
  g_assert_nonnull (strstr (small_text, "rouge\n"));
  g_assert_null (strstr (small_text, "red\n"));
  g_assert_null (strstr (small_text, "how many"));
  pt_rmtree (dir, NULL);
}

/* ---- palitune-cli demo-data ---- */

static int
run_cli (const char *const *args, char **err_out)
{
  const char *cli = g_getenv ("PT_CLI");
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status = -1;

  g_ptr_array_add (argv, (char *) cli);
  g_ptr_array_add (argv, (char *) "demo-data");
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) args[i]);
  g_ptr_array_add (argv, NULL);
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                &status, &error);
  g_assert_no_error (error);
  if (err_out != NULL)
    *err_out = g_steal_pointer (&err);
  g_assert_true (WIFEXITED (status));
  return WEXITSTATUS (status);
}

static void
test_cli (void)
{
  g_autofree char *dir = pt_test_make_temp_dir ("pt-demo-XXXXXX");
  g_autofree char *out = g_build_filename (dir, "demo", NULL);
  g_autofree char *corpus = g_build_filename (dir, "corpus.txt", NULL);
  g_autofree char *corpus2 = g_build_filename (dir, "corpus2.txt", NULL);
  g_autofree char *err = NULL;
  g_autofree char *info = NULL;

  if (g_getenv ("PT_CLI") == NULL)
    {
      g_test_skip ("PT_CLI is not set");
      return;
    }

  g_assert_cmpint (run_cli ((const char *[]) { "--out", out, "--n", "6", "--val", "2", "--image-size", "112",
                                               "--seed", "9", "--tasks", "color,count", "--max-shapes", "3",
                                               "--corpus", corpus, "-q", NULL }, NULL), ==, 0);
  assert_clean (out, 8);
  g_assert_true (g_file_test (corpus, G_FILE_TEST_IS_REGULAR));
  info = read_text (out, "demo-data.json");
  g_assert_nonnull (strstr (info, "\"seed\": 9"));
  g_assert_nonnull (strstr (info, "\"max_shapes\": 3"));
  check_jsonl (out, "train.jsonl", 0, 6, (1u << PT_DEMO_TASK_COLOR) | (1u << PT_DEMO_TASK_COUNT), NULL);
  check_jsonl (out, "val.jsonl", 6, 2, (1u << PT_DEMO_TASK_COLOR) | (1u << PT_DEMO_TASK_COUNT), NULL);

  /* --like: the scenes, size, count and seed of an existing dataset (or of
   * data/demo/demo.json's "dataset"); what is given on the line wins */
  {
    g_autofree char *like = g_build_filename (out, "demo-data.json", NULL);
    g_autofree char *again = g_build_filename (dir, "again", NULL);
    g_autofree char *other = g_build_filename (dir, "other", NULL);
    g_autofree char *a = NULL, *b = NULL, *c = NULL;

    g_assert_cmpint (run_cli ((const char *[]) { "--out", again, "--like", like, "--tasks", "color,count",
                                                 "-q", NULL }, NULL), ==, 0);
    a = read_text (out, "val.jsonl");
    b = read_text (again, "val.jsonl");
    g_assert_cmpstr (a, ==, b);
    g_assert_cmpint (run_cli ((const char *[]) { "--out", other, "--like", like, "--seed", "10",
                                                 "--tasks", "color,count", "-q", NULL }, NULL), ==, 0);
    c = read_text (other, "val.jsonl");
    g_assert_cmpstr (a, !=, c);
    g_free (c);
    c = read_text (other, "demo-data.json");
    g_assert_nonnull (strstr (c, "\"seed\": 10"));
    g_assert_nonnull (strstr (c, "\"max_shapes\": 3"));
    g_assert_nonnull (strstr (c, "\"image_size\": 112"));
  }

  /* a second run refuses the non-empty folder, --force overwrites */
  g_assert_cmpint (run_cli ((const char *[]) { "--out", out, "--n", "4", "-q", NULL }, &err), ==, 2);
  g_assert_nonnull (strstr (err, "not empty"));
  g_assert_true (g_str_has_prefix (err, "palitune-cli: "));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (run_cli ((const char *[]) { "--out", out, "--n", "4", "--image-size", "112", "--force",
                                               "-q", NULL }, NULL), ==, 0);
  g_assert_false (g_file_test (corpus2, G_FILE_TEST_EXISTS));
  /* --corpus alone writes only the corpus */
  g_assert_cmpint (run_cli ((const char *[]) { "--corpus", corpus2, NULL }, NULL), ==, 0);
  g_assert_true (g_file_test (corpus2, G_FILE_TEST_IS_REGULAR));

  /* bad usage: exit 2 with one clear line */
  {
    const char *const *bad[] = {
      (const char *[]) { NULL },
      (const char *[]) { "--out", out, "--image-size", "10", "--force", NULL },
      (const char *[]) { "--out", out, "--tasks", "colour", "--force", NULL },
      (const char *[]) { "--out", out, "--n", "ten", "--force", NULL },
      (const char *[]) { "--out", out, "--n", "0", "--force", NULL },
      (const char *[]) { "--out", out, "--seed", "-1", "--force", NULL },
      (const char *[]) { "--out", out, "--max-shapes", "9", "--force", NULL },
      (const char *[]) { "--out", out, "--min-size", "0.5", "--force", NULL },
      (const char *[]) { "--out", out, "--bogus", NULL },
      (const char *[]) { "--out", out, "extra", NULL },
      (const char *[]) { "--out", out, "--like", corpus, "--force", NULL },   /* not JSON */
      (const char *[]) { "--out", out, "--like", out, "--force", NULL },      /* a folder */
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_assert_cmpint (run_cli (bad[i], &err), ==, 2);
        g_assert_true (g_str_has_prefix (err, "palitune-cli: "));
        g_assert_cmpint (strlen (err), <, 300);
        g_test_message ("%s", err);
        g_clear_pointer (&err, g_free);
      }
  }
  /* the failed runs did not touch the dataset */
  assert_clean (out, 8);
  pt_rmtree (dir, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/demo-data/determinism", test_determinism);
  g_test_add_func ("/engine/demo-data/records", test_records);
  g_test_add_func ("/engine/demo-data/overwrite", test_overwrite);
  g_test_add_func ("/engine/demo-data/progress-cancel", test_progress_and_cancel);
  g_test_add_func ("/engine/demo-data/corpus", test_corpus);
  g_test_add_func ("/engine/demo-data/cli", test_cli);
  return g_test_run ();
}
