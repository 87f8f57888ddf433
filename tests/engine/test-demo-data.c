/* test-demo-data.c — the demo generator's scenes, questions and pixels.
 *
 * Answers are re-derived here from the scene description with this file's own
 * vocabulary tables and parsing of the question text; colours are checked on
 * the rendered pixels against colour rules written here ("red: R high, G and B
 * low"), and boxes against the extent of the rendered shape.
 */
#include "config.h"

#include <math.h>      /* fabs, round */
#include <stdio.h>     /* sscanf */
#include <string.h>    /* strstr */
#include <gdk-pixbuf/gdk-pixbuf.h>

#include "pt-demo-data.h"
#include "pt-error.h"
#include "pt-json.h"

static const char *const kinds[] = {
  "circle", "square", "triangle", "star", "heart", "cross", "diamond",
};
static const char *const plurals[] = {
  "circles", "squares", "triangles", "stars", "hearts", "crosses", "diamonds",
};
static const char *const kinds_fr[] = {
  "cercle", "carré", "triangle", "étoile", "cœur", "croix", "losange",
};
static const char *const colors[] = { "red", "green", "blue", "yellow", "purple", "orange" };
static const char *const colors_fr[] = { "rouge", "vert", "bleu", "jaune", "violet", "orange" };

/* What a person would call each colour, on 8-bit sRGB. */
static gboolean
looks_like (int color, const guint8 *p)
{
  int r = p[0], g = p[1], b = p[2];

  switch (color)
    {
    case 0: return r > 170 && g < 90 && b < 90;                     /* red */
    case 1: return g > r + 70 && g > b + 60;                         /* green */
    case 2: return b > r + 110 && b > g + 80;                        /* blue */
    case 3: return r > 190 && g > 160 && b < 80;                     /* yellow */
    case 4: return r > 100 && b > 150 && g < 100;                    /* purple */
    case 5: return r > 200 && g > 90 && g < 160 && b < 80;           /* orange */
    default: return FALSE;
    }
}

static int
find_word (const char *const *table, int n, const char *text)
{
  int found = -1;

  /* the longest match wins ("cross" vs "crosses" are in different tables) */
  for (int i = 0; i < n; i++)
    {
      g_autofree char *spaced = g_strdup_printf (" %s", table[i]);
      const char *at = strstr (text, spaced);
      if (at != NULL)
        {
          char next = at[strlen (spaced)];
          if (next == ' ' || next == '?' || next == '\0')
            {
              g_assert_cmpint (found, ==, -1);   /* one referent per question */
              found = i;
            }
        }
    }
  return found;
}

static int
count_kind (const PtDemoScene *s, int kind)
{
  int n = 0;
  for (int i = 0; i < s->n_shapes; i++)
    n += (int) s->shapes[i].kind == kind;
  return n;
}

static int
count_color (const PtDemoScene *s, int color)
{
  int n = 0;
  for (int i = 0; i < s->n_shapes; i++)
    n += (int) s->shapes[i].color == color;
  return n;
}

static const PtDemoShape *
the_one (const PtDemoScene *s, int kind)
{
  g_assert_cmpint (count_kind (s, kind), ==, 1);   /* "the circle" is unique */
  for (int i = 0; i < s->n_shapes; i++)
    if ((int) s->shapes[i].kind == kind)
      return &s->shapes[i];
  g_assert_not_reached ();
}

typedef struct {
  int asked[PT_DEMO_N_TASKS];
  int yes, no;
  int positions[4];
  int count_zero;
} Stats;

/* Re-derives the answer of q from the scene. */
static void
check_question (const PtDemoScene *s, const PtDemoQuestion *q, Stats *stats)
{
  int S = s->image_size;
  const PtDemoShape *sh;
  int k, c;

  stats->asked[q->task]++;
  switch (q->task)
    {
    case PT_DEMO_TASK_COLOR:
      g_assert_true (g_str_has_suffix (q->question, "?"));
      k = find_word (kinds, 7, q->question);
      g_assert_cmpint (k, >=, 0);
      sh = the_one (s, k);
      g_assert_cmpstr (q->answer, ==, colors[sh->color]);
      break;
    case PT_DEMO_TASK_COLOR_FR:
      k = -1;
      for (int i = 0; i < 7; i++)
        if (strstr (q->question, kinds_fr[i]) != NULL)
          {
            g_assert_cmpint (k, ==, -1);
            k = i;
          }
      g_assert_cmpint (k, >=, 0);
      g_assert_true (g_str_has_suffix (q->question, " ?"));
      sh = the_one (s, k);
      g_assert_cmpstr (q->answer, ==, colors_fr[sh->color]);
      break;
    case PT_DEMO_TASK_SHAPE:
      c = find_word (colors, 6, q->question);
      g_assert_cmpint (c, >=, 0);
      g_assert_cmpint (count_color (s, c), ==, 1);
      for (int i = 0; i < s->n_shapes; i++)
        if ((int) s->shapes[i].color == c)
          g_assert_cmpstr (q->answer, ==, kinds[s->shapes[i].kind]);
      break;
    case PT_DEMO_TASK_COUNT:
      {
        int expected;
        g_assert_true (g_str_has_prefix (q->question, "how many "));
        if ((k = find_word (plurals, 7, q->question)) >= 0)
          expected = count_kind (s, k);
        else if ((c = find_word (colors, 6, q->question)) >= 0)
          expected = count_color (s, c);
        else
          {
            g_assert_nonnull (strstr (q->question, "how many shapes"));
            expected = s->n_shapes;
          }
        g_assert_cmpint (atoi (q->answer), ==, expected);
        g_assert_true (g_ascii_isdigit (q->answer[0]) && q->answer[1] == '\0');
        stats->count_zero += expected == 0;
      }
      break;
    case PT_DEMO_TASK_POSITION:
      {
        double dx, dy;
        const char *expected;
        k = find_word (kinds, 7, q->question);
        g_assert_cmpint (k, >=, 0);
        sh = the_one (s, k);
        dx = sh->cx / S - 0.5;
        dy = sh->cy / S - 0.5;
        /* clearly off-centre and clearly off the diagonals */
        g_assert_cmpfloat (MAX (fabs (dx), fabs (dy)), >=, 0.10);
        g_assert_cmpfloat (fabs (fabs (dx) - fabs (dy)), >=, 0.06);
        if (fabs (dx) > fabs (dy))
          expected = dx < 0 ? "left" : "right";
        else
          expected = dy < 0 ? "top" : "bottom";
        g_assert_cmpstr (q->answer, ==, expected);
        for (int p = 0; p < 4; p++)
          stats->positions[p] += strcmp (q->answer, (const char *[]) { "left", "right", "top", "bottom" }[p]) == 0;
      }
      break;
    case PT_DEMO_TASK_EXISTS:
      {
        gboolean present = FALSE;
        k = find_word (kinds, 7, q->question);
        c = find_word (colors, 6, q->question);
        g_assert_cmpint (k, >=, 0);
        g_assert_cmpint (c, >=, 0);
        g_assert_nonnull (strstr (q->question, strchr ("aeiou", colors[c][0]) ? " an " : " a "));
        for (int i = 0; i < s->n_shapes; i++)
          present |= (int) s->shapes[i].kind == k && (int) s->shapes[i].color == c;
        g_assert_cmpstr (q->answer, ==, present ? "yes" : "no");
        stats->yes += present;
        stats->no += !present;
      }
      break;
    case PT_DEMO_TASK_DETECT:
      {
        int b[4];
        char label[32];
        double bin = S / 1023.0;
        g_assert_true (g_str_has_prefix (q->question, "detect "));
        k = find_word (kinds, 7, q->question);
        g_assert_cmpint (k, >=, 0);
        sh = the_one (s, k);
        g_assert_cmpint (sscanf (q->answer, "<loc%4d><loc%4d><loc%4d><loc%4d> %31s",
                                 &b[0], &b[1], &b[2], &b[3], label), ==, 5);
        g_assert_cmpstr (label, ==, kinds[k]);
        g_assert_cmpuint (strlen (q->answer), ==, 4 * 9 + 1 + strlen (kinds[k]));
        for (int i = 0; i < 4; i++)
          g_assert_true (b[i] >= 0 && b[i] <= 1023);
        /* y first; each bin within half a bin of the shape's box */
        g_assert_cmpfloat (fabs (b[0] * bin - sh->y0), <=, bin / 2 + 1e-9);
        g_assert_cmpfloat (fabs (b[1] * bin - sh->x0), <=, bin / 2 + 1e-9);
        g_assert_cmpfloat (fabs (b[2] * bin - sh->y1), <=, bin / 2 + 1e-9);
        g_assert_cmpfloat (fabs (b[3] * bin - sh->x1), <=, bin / 2 + 1e-9);
      }
      break;
    case PT_DEMO_N_TASKS:
    default:
      g_assert_not_reached ();
    }
}

static void
test_loc_bin (void)
{
  /* big_vision: round(coordinate / size * 1023), clamped */
  g_assert_cmpint (pt_demo_loc_bin (0, 224), ==, 0);
  g_assert_cmpint (pt_demo_loc_bin (224, 224), ==, 1023);
  g_assert_cmpint (pt_demo_loc_bin (-3, 224), ==, 0);
  g_assert_cmpint (pt_demo_loc_bin (300, 224), ==, 1023);
  g_assert_cmpint (pt_demo_loc_bin (100, 224), ==, 457);   /* 456.70 */
  g_assert_cmpint (pt_demo_loc_bin (56, 112), ==, 512);    /* 511.5 rounds up */
}

static void
test_options (void)
{
  PtDemoOptions o;
  guint mask = 0;
  g_autofree char *names = NULL;
  g_autoptr(GError) error = NULL;

  pt_demo_options_init (&o);
  g_assert_true (pt_demo_options_validate (&o, &error));
  g_assert_cmpint (o.image_size, ==, 224);
  g_assert_cmpuint (o.tasks, ==, PT_DEMO_ALL_TASKS);

  o.image_size = 16;
  g_assert_false (pt_demo_options_validate (&o, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "image size 16"));
  g_clear_error (&error);
  pt_demo_options_init (&o);
  o.max_shapes = 9;
  g_assert_false (pt_demo_options_validate (&o, &error));
  g_clear_error (&error);
  pt_demo_options_init (&o);
  o.min_shapes = 6;
  g_assert_false (pt_demo_options_validate (&o, &error));
  g_clear_error (&error);
  pt_demo_options_init (&o);
  o.min_size = 0.3;
  g_assert_false (pt_demo_options_validate (&o, &error));
  g_clear_error (&error);
  pt_demo_options_init (&o);
  o.n_train = 0;
  g_assert_false (pt_demo_options_validate (&o, &error));
  g_clear_error (&error);

  /* a dataset description in JSON: what it names, with the rest kept */
  {
    g_autoptr(JsonNode) node = pt_json_parse ("{\"seed\": 5, \"n_train\": 30, \"image_size\": 112,"
                                              " \"min_shapes\": 2, \"max_shapes\": 3, \"min_size\": 0.1,"
                                              " \"noise\": \"loud\", \"easy\": 1}", -1, "test", &error);
    g_assert_no_error (error);
    pt_demo_options_init (&o);
    pt_demo_options_update_from_json (&o, json_node_get_object (node));
    g_assert_cmpuint (o.seed, ==, 5);
    g_assert_cmpuint (o.n_train, ==, 30);
    g_assert_cmpint (o.image_size, ==, 112);
    g_assert_cmpint (o.min_shapes, ==, 2);
    g_assert_cmpint (o.max_shapes, ==, 3);
    g_assert_cmpfloat (o.min_size, ==, 0.1);
    g_assert_cmpfloat (o.max_size, ==, 0.17);   /* absent: kept */
    g_assert_cmpint (o.noise, ==, 0);           /* mistyped: kept */
    g_assert_false (o.easy);
    g_assert_true (pt_demo_options_validate (&o, &error));
    json_node_unref (node);
    node = pt_json_parse ("{\"max_shapes\": 1e30, \"n_train\": -3}", -1, "test", &error);
    g_assert_no_error (error);
    pt_demo_options_update_from_json (&o, json_node_get_object (node));
    g_assert_false (pt_demo_options_validate (&o, &error));
    g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
    g_clear_error (&error);
  }

  g_assert_true (pt_demo_parse_tasks (" color_fr, count ,detect", &mask, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (mask, ==, (1u << PT_DEMO_TASK_COLOR_FR) | (1u << PT_DEMO_TASK_COUNT)
                              | (1u << PT_DEMO_TASK_DETECT));
  names = pt_demo_tasks_to_string (mask);
  g_assert_cmpstr (names, ==, "count,detect,color_fr");
  g_assert_true (pt_demo_parse_tasks ("all", &mask, &error));
  g_assert_cmpuint (mask, ==, PT_DEMO_ALL_TASKS);
  g_assert_false (pt_demo_parse_tasks ("color,colour", &mask, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "“colour”"));
  g_clear_error (&error);
  g_assert_false (pt_demo_parse_tasks (" , ", &mask, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
}

/* Scene geometry and every question of many scenes, in several settings. */
static void
test_answers (void)
{
  static const struct { int size, min, max; gboolean easy; } settings[] = {
    { 224, 1, 5, FALSE }, { 112, 1, 8, FALSE }, { 112, 1, 1, TRUE }, { 224, 3, 6, FALSE },
  };
  Stats stats = { { 0 } };
  int n_scenes = 0, n_shapes[PT_DEMO_MAX_SHAPES + 1] = { 0 };

  for (guint set = 0; set < G_N_ELEMENTS (settings); set++)
    {
      PtDemoOptions o;

      pt_demo_options_init (&o);
      o.seed = 11 + set;
      o.image_size = settings[set].size;
      o.min_shapes = settings[set].min;
      o.max_shapes = settings[set].max;
      o.easy = settings[set].easy;
      for (guint64 index = 0; index < 400; index++)
        {
          PtDemoScene s;

          pt_demo_scene_generate (&o, index, &s);
          n_scenes++;
          n_shapes[s.n_shapes]++;
          g_assert_cmpint (s.n_shapes, >=, o.easy ? 1 : o.min_shapes - 1);   /* may run out of room */
          g_assert_cmpint (s.n_shapes, <=, o.easy ? 1 : o.max_shapes);
          for (int i = 0; i < s.n_shapes; i++)
            {
              const PtDemoShape *sh = &s.shapes[i];
              g_assert_true (sh->x0 >= 0 && sh->y0 >= 0 && sh->x1 <= s.image_size && sh->y1 <= s.image_size);
              g_assert_true (sh->x0 < sh->cx && sh->cx < sh->x1 && sh->y0 < sh->cy && sh->cy < sh->y1);
              /* the box is centred on the centre, about the size given */
              g_assert_cmpfloat (fabs ((sh->x0 + sh->x1) / 2 - sh->cx), <, 1e-6);
              g_assert_cmpfloat (fabs ((sh->y0 + sh->y1) / 2 - sh->cy), <, 1e-6);
              g_assert_cmpfloat (sh->x1 - sh->x0, >, 1.3 * sh->size);
              g_assert_cmpfloat (sh->x1 - sh->x0, <, 2.4 * sh->size);
            }
          for (int t = 0; t < PT_DEMO_N_TASKS; t++)
            {
              PtDemoQuestion q;
              if (!pt_demo_scene_question (&s, t, &q))
                continue;
              g_assert_cmpint (q.task, ==, t);
              check_question (&s, &q, &stats);
              pt_demo_question_clear (&q);
            }
        }
    }

  for (int t = 0; t < PT_DEMO_N_TASKS; t++)
    {
      g_test_message ("%s asked in %d of %d scenes", pt_demo_task_name (t), stats.asked[t], n_scenes);
      g_assert_cmpint (stats.asked[t], >, n_scenes / 3);
    }
  g_test_message ("exists: %d yes, %d no; positions l/r/t/b %d %d %d %d; counts of 0: %d",
                  stats.yes, stats.no, stats.positions[0], stats.positions[1], stats.positions[2],
                  stats.positions[3], stats.count_zero);
  /* yes/no balanced (binomial sd ≈ 0.9% at 1600) */
  g_assert_cmpfloat ((double) stats.yes / (stats.yes + stats.no), >, 0.45);
  g_assert_cmpfloat ((double) stats.yes / (stats.yes + stats.no), <, 0.55);
  for (int p = 0; p < 4; p++)
    g_assert_cmpint (stats.positions[p], >, stats.asked[PT_DEMO_TASK_POSITION] / 8);
  g_assert_cmpint (stats.count_zero, >, 0);
  for (int n = 1; n <= 8; n++)
    g_assert_cmpint (n_shapes[n], >, 0);
}

/* The nearest palette colour to p, and its distance. */
static int
nearest_color (const guint8 *p, double *distance)
{
  int best = -1;
  double best_d = G_MAXDOUBLE;

  for (int c = 0; c < PT_DEMO_N_COLORS; c++)
    {
      guint8 rgb[3];
      double d;
      pt_demo_color_rgb (c, rgb);
      d = sqrt ((double) (p[0] - rgb[0]) * (p[0] - rgb[0]) + (double) (p[1] - rgb[1]) * (p[1] - rgb[1])
                + (double) (p[2] - rgb[2]) * (p[2] - rgb[2]));
      if (d < best_d)
        {
          best_d = d;
          best = c;
        }
    }
  *distance = best_d;
  return best;
}

/* Rendered pixels: the colour at every centre, boxes around the drawn
 * pixels, and how much of each shape stays visible. */
static void
test_pixels (void)
{
  PtDemoOptions o;
  int checked = 0, min_visible_pct = 100, overlapped = 0;

  pt_demo_options_init (&o);
  o.seed = 5;
  o.noise = 4;
  for (int size_i = 0; size_i < 2; size_i++)
    {
      o.image_size = size_i ? 112 : 224;
      for (guint64 index = 0; index < 40; index++)
        {
          PtDemoScene s;
          int S;
          g_autofree guint8 *rgb = NULL;
          g_autofree guint8 *solo_rgb = NULL;
          g_autofree guint8 *bg_rgb = NULL;

          pt_demo_scene_generate (&o, index, &s);
          S = s.image_size;
          rgb = g_malloc ((gsize) S * S * 3);
          solo_rgb = g_malloc ((gsize) S * S * 3);
          bg_rgb = g_malloc ((gsize) S * S * 3);
          pt_demo_scene_render (&s, rgb);
          for (int i = 0; i < s.n_shapes; i++)
            {
              const PtDemoShape *sh = &s.shapes[i];
              const guint8 *p = rgb + ((gsize) (int) sh->cy * S + (int) sh->cx) * 3;
              PtDemoScene solo = s;
              int own = 0, kept = 0, bx0 = S, by0 = S, bx1 = -1, by1 = -1;
              double d;

              /* every centre is visible and shows the shape's colour */
              g_assert_true (looks_like (sh->color, p));
              g_assert_cmpint (nearest_color (p, &d), ==, sh->color);
              g_assert_cmpfloat (d, <, 30);

              /* the shape alone and the background alone, without grain */
              solo.noise = 0;
              solo.n_shapes = 0;
              pt_demo_scene_render (&solo, bg_rgb);
              solo.n_shapes = 1;
              solo.shapes[0] = *sh;
              pt_demo_scene_render (&solo, solo_rgb);
              for (int y = 0; y < S; y++)
                for (int x = 0; x < S; x++)
                  {
                    gsize at = ((gsize) y * S + x) * 3;
                    const guint8 *q = solo_rgb + at;
                    int change = abs (q[0] - bg_rgb[at]) + abs (q[1] - bg_rgb[at + 1])
                                 + abs (q[2] - bg_rgb[at + 2]);

                    if (change > 24)   /* covered by at least ~5% */
                      {
                        bx0 = MIN (bx0, x);
                        by0 = MIN (by0, y);
                        bx1 = MAX (bx1, x);
                        by1 = MAX (by1, y);
                      }
                    if (nearest_color (q, &d) != (int) sh->color || d > 40)
                      continue;
                    own++;
                    kept += nearest_color (rgb + at, &d) == (int) sh->color && d < 40;
                  }
              /* the box holds the drawn pixels and is tight (pixel x covers x..x+1) */
              g_assert_cmpint (own, >, 20);
              g_assert_cmpfloat (bx0, >=, floor (sh->x0));
              g_assert_cmpfloat (by0, >=, floor (sh->y0));
              g_assert_cmpfloat (bx1 + 1, <=, ceil (sh->x1));
              g_assert_cmpfloat (by1 + 1, <=, ceil (sh->y1));
              g_assert_cmpfloat (bx0, <=, sh->x0 + 1);
              g_assert_cmpfloat (by0, <=, sh->y0 + 1);
              g_assert_cmpfloat (bx1 + 1, >=, sh->x1 - 1);
              g_assert_cmpfloat (by1 + 1, >=, sh->y1 - 1);
              /* overlaps leave most of every shape visible */
              min_visible_pct = MIN (min_visible_pct, 100 * kept / own);
              overlapped += kept < own * 98 / 100;
              g_assert_cmpint (kept, >=, own * 7 / 10);
              checked++;
            }
        }
    }
  g_test_message ("%d shapes checked, %d partly hidden; the least visible keeps %d%% of its pixels",
                  checked, overlapped, min_visible_pct);
}

/* The background is light, and grain stays mild. */
static void
test_background (void)
{
  PtDemoOptions o;
  PtDemoScene s;
  g_autofree guint8 *rgb = NULL;
  g_autofree guint8 *clean = NULL;

  pt_demo_options_init (&o);
  o.image_size = 112;
  o.noise = 3;
  pt_demo_scene_generate (&o, 3, &s);
  s.n_shapes = 0;
  rgb = g_malloc (112 * 112 * 3);
  clean = g_malloc (112 * 112 * 3);
  pt_demo_scene_render (&s, rgb);
  s.noise = 0;
  pt_demo_scene_render (&s, clean);
  for (int i = 0; i < 112 * 112 * 3; i++)
    {
      g_assert_cmpint (clean[i], >=, 205 - 7);
      g_assert_cmpint (abs ((int) rgb[i] - (int) clean[i]), <=, 3);
    }
}

/* One 224 px image and a sheet of eight 112 px ones, for a person to look at. */
static void
test_screenshot (void)
{
  const char *dir = g_getenv ("PT_SCREENSHOT_DIR");
  g_autofree char *single = NULL;
  g_autofree char *sheet_path = NULL;
  g_autofree guint8 *sheet = NULL;
  g_autofree guint8 *tile = NULL;
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GdkPixbuf) back = NULL;
  g_autoptr(GError) error = NULL;
  const int T = 112, gap = 4, W = 4 * T + 3 * gap, H = 2 * T + gap;
  PtDemoOptions o;
  PtDemoScene s;

  if (dir == NULL)
    {
      g_test_skip ("PT_SCREENSHOT_DIR is not set");
      return;
    }
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  pt_demo_options_init (&o);
  single = g_build_filename (dir, "demo-data-224.png", NULL);
  pt_demo_scene_generate (&o, 2, &s);
  g_assert_true (pt_demo_scene_save_png (&s, single, &error));
  g_assert_no_error (error);
  back = gdk_pixbuf_new_from_file (single, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_pixbuf_get_width (back), ==, 224);
  g_assert_false (gdk_pixbuf_get_has_alpha (back));

  o.image_size = T;
  sheet = g_malloc ((gsize) W * H * 3);
  memset (sheet, 255, (gsize) W * H * 3);
  tile = g_malloc ((gsize) T * T * 3);
  for (int i = 0; i < 8; i++)
    {
      int x0 = (i % 4) * (T + gap), y0 = (i / 4) * (T + gap);
      pt_demo_scene_generate (&o, i, &s);
      pt_demo_scene_render (&s, tile);
      for (int y = 0; y < T; y++)
        memcpy (sheet + ((gsize) (y0 + y) * W + x0) * 3, tile + (gsize) y * T * 3, (gsize) T * 3);
    }
  pixbuf = gdk_pixbuf_new_from_data (sheet, GDK_COLORSPACE_RGB, FALSE, 8, W, H, W * 3, NULL, NULL);
  sheet_path = g_build_filename (dir, "demo-data-sheet-112.png", NULL);
  g_assert_true (gdk_pixbuf_save (pixbuf, sheet_path, "png", &error, NULL));
  g_assert_no_error (error);
  g_test_message ("wrote %s and %s", single, sheet_path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/demo-data/loc-bin", test_loc_bin);
  g_test_add_func ("/engine/demo-data/options", test_options);
  g_test_add_func ("/engine/demo-data/answers", test_answers);
  g_test_add_func ("/engine/demo-data/pixels", test_pixels);
  g_test_add_func ("/engine/demo-data/background", test_background);
  g_test_add_func ("/engine/demo-data/screenshot", test_screenshot);
  return g_test_run ();
}
