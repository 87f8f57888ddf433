/* pt-demo-data.c — demo scenes and the questions about them (no drawing here). */
#include "config.h"

#include <math.h>          /* fabs, hypot, round, sin, cos */
#include <string.h>        /* memset, strcmp */

#include "pt-demo-private.h"
#include "pt-error.h"
#include "pt-rng.h"        /* PtRng, pt_rng_hash */

/* ---- vocabulary ---- */

static const char *const kind_names[PT_DEMO_N_KINDS] = {
  "circle", "square", "triangle", "star", "heart", "cross", "diamond",
};
static const char *const kind_plurals[PT_DEMO_N_KINDS] = {
  "circles", "squares", "triangles", "stars", "hearts", "crosses", "diamonds",
};
/* French with the definite article ("le cercle") and with "de" + article ("du cercle"). */
static const char *const kind_le_fr[PT_DEMO_N_KINDS] = {
  "le cercle", "le carré", "le triangle", "l'étoile", "le cœur", "la croix", "le losange",
};
static const char *const kind_du_fr[PT_DEMO_N_KINDS] = {
  "du cercle", "du carré", "du triangle", "de l'étoile", "du cœur", "de la croix", "du losange",
};

static const char *const color_names[PT_DEMO_N_COLORS] = {
  "red", "green", "blue", "yellow", "purple", "orange",
};
static const char *const color_names_fr[PT_DEMO_N_COLORS] = {
  "rouge", "vert", "bleu", "jaune", "violet", "orange",
};
/* Far apart in RGB (the closest pair, yellow and orange, differ by 67 in green)
 * and all far from the light backgrounds (channels 205..247). */
static const guint8 palette[PT_DEMO_N_COLORS][3] = {
  { 220,  38,  38 },   /* red */
  {  34, 160,  60 },   /* green */
  {  37,  84, 220 },   /* blue */
  { 232, 195,  16 },   /* yellow */
  { 140,  60, 190 },   /* purple */
  { 245, 128,  20 },   /* orange */
};

static const char *const task_names[PT_DEMO_N_TASKS] = {
  "color", "shape", "count", "position", "exists", "detect", "color_fr",
};

enum { POS_LEFT, POS_RIGHT, POS_TOP, POS_BOTTOM };
static const char *const position_names[] = { "left", "right", "top", "bottom" };

/* Question templates. {shape} {shapes} {color} {a_color_shape} {le_forme} {du_forme}
 * are filled by fill_template. Adding a template keeps old seeds' images but
 * changes their questions: bump PT_DEMO_DATA_VERSION. */
static const char *const color_templates[] = {
  "what color is the {shape}?", "what is the color of the {shape}?", "which color is the {shape}?",
  NULL
};
static const char *const color_fr_templates[] = {
  "de quelle couleur est {le_forme} ?", "quelle est la couleur {du_forme} ?", NULL
};
static const char *const shape_templates[] = {
  "what shape is {color}?", "which shape is {color}?", "what is the shape of the {color} object?",
  NULL
};
static const char *const count_all_templates[] = {
  "how many shapes are there?", "how many shapes are in the image?", NULL
};
static const char *const count_kind_templates[] = { "how many {shapes} are there?", NULL };
static const char *const count_color_templates[] = { "how many {color} shapes are there?", NULL };
static const char *const position_templates[] = {
  "where is the {shape}?", "in which part of the image is the {shape}?", NULL
};
static const char *const exists_templates[] = {
  "is there {a_color_shape}?", "is there {a_color_shape} in the image?", NULL
};
static const char *const detect_templates[] = { "detect {shape}", NULL };

/* Position answers need the centre this far from the middle (fraction of the
 * image) and this far from either diagonal. */
#define POS_MIN_OFFSET 0.10
#define POS_MARGIN     0.06

/* Placement: shapes keep this much of their half extents apart, and a new
 * (upper) shape keeps its outline this far (times the lower shape's size)
 * from every lower shape's centre. About 5% of shapes end up partly hidden,
 * none by more than a fifth (test-demo-data's pixel test measures it). */
#define SEPARATION     0.72
#define CENTRE_CLEAR   0.25

const char *
pt_demo_task_name (PtDemoTask task)
{
  g_return_val_if_fail (task < PT_DEMO_N_TASKS, NULL);
  return task_names[task];
}

const char *
pt_demo_kind_name (PtDemoKind kind)
{
  g_return_val_if_fail (kind < PT_DEMO_N_KINDS, NULL);
  return kind_names[kind];
}

const char *
pt_demo_color_name (PtDemoColor color)
{
  g_return_val_if_fail (color < PT_DEMO_N_COLORS, NULL);
  return color_names[color];
}

void
pt_demo_color_rgb (PtDemoColor color, guint8 rgb[3])
{
  g_return_if_fail (color < PT_DEMO_N_COLORS);
  memcpy (rgb, palette[color], 3);
}

/* ---- options ---- */

void
pt_demo_options_init (PtDemoOptions *o)
{
  g_return_if_fail (o != NULL);
  memset (o, 0, sizeof *o);
  o->seed = 0;
  o->n_train = 1000;
  o->n_val = 0;
  o->image_size = 224;
  o->min_shapes = 1;
  o->max_shapes = 5;
  o->easy = FALSE;
  o->min_size = 0.08;
  o->max_size = 0.17;
  o->noise = 0;
  o->tasks = PT_DEMO_ALL_TASKS;
  o->threads = 0;
}

gboolean
pt_demo_options_validate (const PtDemoOptions *o, GError **error)
{
  g_return_val_if_fail (o != NULL, FALSE);

  if (o->image_size < 32 || o->image_size > 1024)
    return g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                        "image size %d is out of range (32 to 1024 pixels)", o->image_size), FALSE;
  if (o->max_shapes < 1 || o->max_shapes > PT_DEMO_MAX_SHAPES)
    return g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                        "at most %d shapes is out of range (1 to %d)", o->max_shapes,
                        PT_DEMO_MAX_SHAPES), FALSE;
  if (o->min_shapes < 1 || o->min_shapes > o->max_shapes)
    return g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                        "at least %d shapes is out of range (1 to the maximum, %d)",
                        o->min_shapes, o->max_shapes), FALSE;
  if (!(o->min_size >= 0.03 && o->min_size <= o->max_size && o->max_size <= 0.4))
    return g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                        "shape sizes %g to %g are out of range (0.03 ≤ min ≤ max ≤ 0.4 of the image)",
                        o->min_size, o->max_size), FALSE;
  if (o->noise < 0 || o->noise > 16)
    return g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                        "noise %d is out of range (0 to 16)", o->noise), FALSE;
  if (o->tasks == 0 || (o->tasks & ~PT_DEMO_ALL_TASKS) != 0)
    return g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                        "no valid tasks selected"), FALSE;
  if (o->n_train < 1 || o->n_train > 10000000)
    return g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                        "%u training images is out of range (1 to 10000000)", o->n_train), FALSE;
  if (o->n_val > 10000000)
    return g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                        "%u validation images is out of range (0 to 10000000)", o->n_val), FALSE;
  if (o->threads < 0 || o->threads > 256)
    return g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                        "%d threads is out of range (0 = automatic, up to 256)", o->threads), FALSE;
  return TRUE;
}

gboolean
pt_demo_parse_tasks (const char *list, guint *mask, GError **error)
{
  g_auto(GStrv) parts = NULL;
  guint m = 0;

  g_return_val_if_fail (list != NULL && mask != NULL, FALSE);

  parts = g_strsplit (list, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *name = g_strstrip (parts[i]);
      gboolean found = FALSE;

      if (*name == '\0')
        continue;
      if (strcmp (name, "all") == 0)
        {
          m |= PT_DEMO_ALL_TASKS;
          continue;
        }
      for (int t = 0; t < PT_DEMO_N_TASKS; t++)
        if (strcmp (name, task_names[t]) == 0)
          {
            m |= 1u << t;
            found = TRUE;
          }
      if (!found)
        {
          g_autofree char *known = pt_demo_tasks_to_string (PT_DEMO_ALL_TASKS);
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "unknown task “%s” (known tasks: %s, or all)", name, known);
          return FALSE;
        }
    }
  if (m == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "the task list “%s” names no task", list);
      return FALSE;
    }
  *mask = m;
  return TRUE;
}

char *
pt_demo_tasks_to_string (guint mask)
{
  GString *s = g_string_new (NULL);

  for (int t = 0; t < PT_DEMO_N_TASKS; t++)
    if (mask & (1u << t))
      g_string_append_printf (s, "%s%s", s->len ? "," : "", task_names[t]);
  return g_string_free (s, FALSE);
}

int
pt_demo_loc_bin (double coord, int size)
{
  double bin;

  g_return_val_if_fail (size > 0, 0);
  bin = round (coord / size * 1023.0);
  return (int) CLAMP (bin, 0.0, 1023.0);
}

/* ---- geometry ---- */

int
pt_demo_outline (PtDemoKind kind, double size, double *xy)
{
  int n = 0;
  double x0 = G_MAXDOUBLE, y0 = G_MAXDOUBLE, x1 = -G_MAXDOUBLE, y1 = -G_MAXDOUBLE;

#define V(X, Y) (xy[2 * n] = (X), xy[2 * n + 1] = (Y), n++)
  switch (kind)
    {
    case PT_DEMO_CIRCLE:
      return 0;
    case PT_DEMO_SQUARE:
      V (-0.82, -0.82); V (0.82, -0.82); V (0.82, 0.82); V (-0.82, 0.82);
      break;
    case PT_DEMO_TRIANGLE:
      V (0.0, -0.95); V (1.0, 0.85); V (-1.0, 0.85);
      break;
    case PT_DEMO_STAR:
      for (int i = 0; i < 10; i++)
        {
          double r = (i % 2) ? 0.46 : 1.1;
          double a = -G_PI / 2 + i * G_PI / 5;
          V (r * cos (a), r * sin (a));
        }
      break;
    case PT_DEMO_HEART:
      /* x = 16 sin³t, y = 13 cos t − 5 cos 2t − 2 cos 3t − cos 4t, y flipped. */
      for (int i = 0; i < PT_DEMO_MAX_VERTICES; i++)
        {
          double t = 2 * G_PI * i / PT_DEMO_MAX_VERTICES;
          double st = sin (t);
          V (st * st * st,
             -(13 * cos (t) - 5 * cos (2 * t) - 2 * cos (3 * t) - cos (4 * t)) / 16.0);
        }
      break;
    case PT_DEMO_CROSS:
      {
        const double t = 0.34;
        V (-t, -1); V (t, -1); V (t, -t); V (1, -t); V (1, t); V (t, t);
        V (t, 1); V (-t, 1); V (-t, t); V (-1, t); V (-1, -t); V (-t, -t);
      }
      break;
    case PT_DEMO_DIAMOND:
      V (0, -1); V (0.72, 0); V (0, 1); V (-0.72, 0);
      break;
    case PT_DEMO_N_KINDS:
    default:
      g_return_val_if_reached (0);
    }
#undef V

  /* Centre on the bounding box and scale. */
  for (int i = 0; i < n; i++)
    {
      x0 = MIN (x0, xy[2 * i]);
      x1 = MAX (x1, xy[2 * i]);
      y0 = MIN (y0, xy[2 * i + 1]);
      y1 = MAX (y1, xy[2 * i + 1]);
    }
  for (int i = 0; i < n; i++)
    {
      xy[2 * i] = (xy[2 * i] - (x0 + x1) / 2) * size;
      xy[2 * i + 1] = (xy[2 * i + 1] - (y0 + y1) / 2) * size;
    }
  return n;
}

/* The outline's bounding box relative to the centre, and its largest radius. */
static void
outline_extent (PtDemoKind kind, double size, double box[4], double *radius)
{
  double xy[2 * PT_DEMO_MAX_VERTICES];
  int n = pt_demo_outline (kind, size, xy);

  if (n == 0)
    {
      box[0] = box[1] = -size;
      box[2] = box[3] = size;
      *radius = size;
      return;
    }
  box[0] = box[1] = G_MAXDOUBLE;
  box[2] = box[3] = -G_MAXDOUBLE;
  *radius = 0;
  for (int i = 0; i < n; i++)
    {
      box[0] = MIN (box[0], xy[2 * i]);
      box[1] = MIN (box[1], xy[2 * i + 1]);
      box[2] = MAX (box[2], xy[2 * i]);
      box[3] = MAX (box[3], xy[2 * i + 1]);
      *radius = MAX (*radius, hypot (xy[2 * i], xy[2 * i + 1]));
    }
}

/* ---- scenes ---- */

static double
uniform (PtRng *rng, double lo, double hi)
{
  return lo + (hi - lo) * pt_rng_next_double (rng);
}

static void
light_colour (PtRng *rng, guint8 rgb[3])
{
  for (int c = 0; c < 3; c++)
    rgb[c] = (guint8) (205 + pt_rng_next_below (rng, 43));
}

void
pt_demo_scene_generate (const PtDemoOptions *o, guint64 index, PtDemoScene *scene)
{
  guint64 id;
  PtRng rng;
  double S, lo, hi, pad;
  int want;

  g_return_if_fail (o != NULL && scene != NULL);

  id = pt_rng_hash (o->seed, index);
  rng = (PtRng) { id, 0 };
  S = o->image_size;
  lo = o->easy ? 0.20 : o->min_size;
  hi = o->easy ? 0.30 : o->max_size;
  pad = 0.02 * S;
  want = o->easy ? 1 : o->min_shapes + (int) pt_rng_next_below (&rng, o->max_shapes - o->min_shapes + 1);

  memset (scene, 0, sizeof *scene);
  scene->image_size = o->image_size;
  scene->noise = o->noise;
  scene->noise_seed = pt_rng_hash (id, 0x6e6f697365);     /* "noise" */
  scene->texture_seed = pt_rng_hash (id, 0x74657874);     /* "text" */
  scene->question_seed = pt_rng_hash (id, 0x7175657374);  /* "quest" */
  light_colour (&rng, scene->bg0);
  light_colour (&rng, scene->bg1);
  scene->bg_angle = uniform (&rng, 0, 2 * G_PI);

  for (int i = 0; i < want; i++)
    {
      PtDemoShape *sh = &scene->shapes[scene->n_shapes];
      gboolean placed = FALSE;

      sh->kind = pt_rng_next_below (&rng, PT_DEMO_N_KINDS);
      sh->color = pt_rng_next_below (&rng, PT_DEMO_N_COLORS);
      for (int c = 0; c < 3; c++)
        sh->rgb[c] = (guint8) CLAMP ((int) palette[sh->color][c] + (int) pt_rng_next_below (&rng, 17) - 8,
                                     0, 255);
      for (int attempt = 0; attempt < 100 && !placed; attempt++)
        {
          double box[4], radius, s = S * uniform (&rng, lo, hi);
          double cx_lo, cx_hi, cy_lo, cy_hi;

          outline_extent (sh->kind, s, box, &radius);
          cx_lo = pad - box[0];
          cx_hi = S - pad - box[2];
          cy_lo = pad - box[1];
          cy_hi = S - pad - box[3];
          if (cx_hi < cx_lo || cy_hi < cy_lo)
            continue;
          sh->cx = uniform (&rng, cx_lo, cx_hi);
          sh->cy = uniform (&rng, cy_lo, cy_hi);
          sh->size = s;
          placed = TRUE;
          for (int j = 0; j < scene->n_shapes && placed; j++)
            {
              const PtDemoShape *o2 = &scene->shapes[j];
              double d = hypot (sh->cx - o2->cx, sh->cy - o2->cy);

              double box2[4], radius2;

              /* Limited overlap, and this (upper) shape never reaches the
               * lower one's centre: every centre stays visible. Shapes of
               * one colour never touch (they would merge into one blob). */
              outline_extent (o2->kind, o2->size, box2, &radius2);
              if (d < SEPARATION * (s + o2->size) || d < radius + CENTRE_CLEAR * o2->size + 1.5
                  || (o2->color == sh->color && d < radius + radius2 + 2))
                placed = FALSE;
            }
          if (placed)
            {
              sh->x0 = sh->cx + box[0];
              sh->y0 = sh->cy + box[1];
              sh->x1 = sh->cx + box[2];
              sh->y1 = sh->cy + box[3];
            }
        }
      if (!placed)
        break;   /* no room left: fewer shapes than drawn for */
      scene->n_shapes++;
    }
  g_assert (scene->n_shapes >= 1);   /* the first shape always fits (max_size ≤ 0.4) */
}

/* ---- questions ---- */

static int
count_kind (const PtDemoScene *scene, PtDemoKind kind)
{
  int n = 0;

  for (int i = 0; i < scene->n_shapes; i++)
    n += scene->shapes[i].kind == kind;
  return n;
}

static int
count_color (const PtDemoScene *scene, PtDemoColor color)
{
  int n = 0;

  for (int i = 0; i < scene->n_shapes; i++)
    n += scene->shapes[i].color == color;
  return n;
}

static gboolean
has_pair (const PtDemoScene *scene, int kind, int color)
{
  for (int i = 0; i < scene->n_shapes; i++)
    if ((int) scene->shapes[i].kind == kind && (int) scene->shapes[i].color == color)
      return TRUE;
  return FALSE;
}

/* left/right/top/bottom, or -1 when the centre is too close to the middle or to a diagonal. */
static int
position_of (const PtDemoScene *scene, const PtDemoShape *sh)
{
  double dx = sh->cx / scene->image_size - 0.5;
  double dy = sh->cy / scene->image_size - 0.5;
  double ax = fabs (dx), ay = fabs (dy);

  if (MAX (ax, ay) < POS_MIN_OFFSET || fabs (ax - ay) < POS_MARGIN)
    return -1;
  if (ax > ay)
    return dx < 0 ? POS_LEFT : POS_RIGHT;
  return dy < 0 ? POS_TOP : POS_BOTTOM;
}

static const char *
pick_template (PtRng *rng, const char *const *templates)
{
  guint n = g_strv_length ((char **) templates);

  return templates[pt_rng_next_below (rng, n)];
}

/* Fills {shape} {shapes} {color} {a_color_shape} {le_forme} {du_forme}. */
static char *
fill_template (const char *template, int kind, int color)
{
  GString *s = g_string_new (NULL);

  for (const char *p = template; *p; p++)
    {
      const char *end;
      g_autofree char *name = NULL;

      if (*p != '{' || (end = strchr (p, '}')) == NULL)
        {
          g_string_append_c (s, *p);
          continue;
        }
      name = g_strndup (p + 1, end - p - 1);
      if (strcmp (name, "shape") == 0)
        g_string_append (s, kind_names[kind]);
      else if (strcmp (name, "shapes") == 0)
        g_string_append (s, kind_plurals[kind]);
      else if (strcmp (name, "color") == 0)
        g_string_append (s, color_names[color]);
      else if (strcmp (name, "a_color_shape") == 0)
        g_string_append_printf (s, "%s %s %s", strchr ("aeiou", color_names[color][0]) ? "an" : "a",
                                color_names[color], kind_names[kind]);
      else if (strcmp (name, "le_forme") == 0)
        g_string_append (s, kind_le_fr[kind]);
      else if (strcmp (name, "du_forme") == 0)
        g_string_append (s, kind_du_fr[kind]);
      else
        g_assert_not_reached ();
      p = end;
    }
  return g_string_free (s, FALSE);
}

static char *
detect_answer (const PtDemoScene *scene, const PtDemoShape *sh)
{
  int S = scene->image_size;

  return g_strdup_printf ("<loc%04d><loc%04d><loc%04d><loc%04d> %s",
                          pt_demo_loc_bin (sh->y0, S), pt_demo_loc_bin (sh->x0, S),
                          pt_demo_loc_bin (sh->y1, S), pt_demo_loc_bin (sh->x1, S),
                          kind_names[sh->kind]);
}

gboolean
pt_demo_scene_question (const PtDemoScene *scene, PtDemoTask task, PtDemoQuestion *q)
{
  PtRng rng;
  int cand[PT_DEMO_N_KINDS * PT_DEMO_N_COLORS];   /* shapes, kinds, colours or pairs */
  int nc = 0;
  const PtDemoShape *sh;

  g_return_val_if_fail (scene != NULL && q != NULL, FALSE);
  g_return_val_if_fail (task < PT_DEMO_N_TASKS, FALSE);

  memset (q, 0, sizeof *q);
  q->task = task;
  rng = (PtRng) { scene->question_seed, (guint64) task << 32 };

  switch (task)
    {
    case PT_DEMO_TASK_COLOR:
    case PT_DEMO_TASK_COLOR_FR:
    case PT_DEMO_TASK_POSITION:
    case PT_DEMO_TASK_DETECT:
      /* these name "the circle": only kinds that occur once */
      for (int i = 0; i < scene->n_shapes; i++)
        if (count_kind (scene, scene->shapes[i].kind) == 1
            && (task != PT_DEMO_TASK_POSITION || position_of (scene, &scene->shapes[i]) >= 0))
          cand[nc++] = i;
      if (nc == 0)
        return FALSE;
      sh = &scene->shapes[cand[pt_rng_next_below (&rng, nc)]];
      if (task == PT_DEMO_TASK_COLOR)
        {
          q->question = fill_template (pick_template (&rng, color_templates), sh->kind, sh->color);
          q->answer = g_strdup (color_names[sh->color]);
        }
      else if (task == PT_DEMO_TASK_COLOR_FR)
        {
          q->question = fill_template (pick_template (&rng, color_fr_templates), sh->kind, sh->color);
          q->answer = g_strdup (color_names_fr[sh->color]);
        }
      else if (task == PT_DEMO_TASK_POSITION)
        {
          q->question = fill_template (pick_template (&rng, position_templates), sh->kind, sh->color);
          q->answer = g_strdup (position_names[position_of (scene, sh)]);
        }
      else
        {
          q->question = fill_template (pick_template (&rng, detect_templates), sh->kind, sh->color);
          q->answer = detect_answer (scene, sh);
        }
      return TRUE;

    case PT_DEMO_TASK_SHAPE:
      for (int i = 0; i < scene->n_shapes; i++)
        if (count_color (scene, scene->shapes[i].color) == 1)
          cand[nc++] = i;
      if (nc == 0)
        return FALSE;
      sh = &scene->shapes[cand[pt_rng_next_below (&rng, nc)]];
      q->question = fill_template (pick_template (&rng, shape_templates), sh->kind, sh->color);
      q->answer = g_strdup (kind_names[sh->kind]);
      return TRUE;

    case PT_DEMO_TASK_COUNT:
      {
        guint variant = pt_rng_next_below (&rng, 3);
        gboolean present = pt_rng_next_below (&rng, 4) != 0;   /* 1/4: ask about an absent one */
        int n_values = variant == 1 ? PT_DEMO_N_KINDS : PT_DEMO_N_COLORS;
        int value;

        if (variant == 0)
          {
            q->question = fill_template (pick_template (&rng, count_all_templates), 0, 0);
            q->answer = g_strdup_printf ("%d", scene->n_shapes);
            return TRUE;
          }
        for (int v = 0; v < n_values; v++)
          {
            int count = variant == 1 ? count_kind (scene, v) : count_color (scene, v);
            if ((count > 0) == present)
              cand[nc++] = v;
          }
        if (nc == 0)   /* every kind (or colour) present: ask about a present one */
          for (int v = 0; v < n_values; v++)
            cand[nc++] = v;
        value = cand[pt_rng_next_below (&rng, nc)];
        if (variant == 1)
          {
            q->question = fill_template (pick_template (&rng, count_kind_templates), value, 0);
            q->answer = g_strdup_printf ("%d", count_kind (scene, value));
          }
        else
          {
            q->question = fill_template (pick_template (&rng, count_color_templates), 0, value);
            q->answer = g_strdup_printf ("%d", count_color (scene, value));
          }
        return TRUE;
      }

    case PT_DEMO_TASK_EXISTS:
      {
        gboolean yes = pt_rng_next_below (&rng, 2) == 1;
        gboolean hard = pt_rng_next_below (&rng, 2) == 1;
        int kind, color, pair;

        if (yes)
          {
            sh = &scene->shapes[pt_rng_next_below (&rng, scene->n_shapes)];
            kind = sh->kind;
            color = sh->color;
          }
        else
          {
            /* absent pairs; half the time only those sharing a kind or a
             * colour with something present (a red circle among red things) */
            for (int pass = hard ? 0 : 1; pass < 2 && nc == 0; pass++)
              for (int k = 0; k < PT_DEMO_N_KINDS; k++)
                for (int c = 0; c < PT_DEMO_N_COLORS; c++)
                  if (!has_pair (scene, k, c)
                      && (pass == 1 || count_kind (scene, k) > 0 || count_color (scene, c) > 0))
                    cand[nc++] = k * PT_DEMO_N_COLORS + c;
            g_assert (nc > 0);   /* 42 pairs, at most 8 present */
            pair = cand[pt_rng_next_below (&rng, nc)];
            kind = pair / PT_DEMO_N_COLORS;
            color = pair % PT_DEMO_N_COLORS;
          }
        q->question = fill_template (pick_template (&rng, exists_templates), kind, color);
        q->answer = g_strdup (yes ? "yes" : "no");
        return TRUE;
      }

    case PT_DEMO_N_TASKS:
    default:
      g_return_val_if_reached (FALSE);
    }
}

void
pt_demo_question_clear (PtDemoQuestion *q)
{
  if (q == NULL)
    return;
  g_clear_pointer (&q->question, g_free);
  g_clear_pointer (&q->answer, g_free);
}

/* ---- corpus ---- */

static void
add_line (GPtrArray *lines, GHashTable *seen, char *line)
{
  if (g_hash_table_contains (seen, line))
    {
      g_free (line);
      return;
    }
  g_hash_table_add (seen, line);
  g_ptr_array_add (lines, g_strdup (line));
}

static void
add_templates (GPtrArray *lines, GHashTable *seen, const char *const *templates)
{
  for (guint t = 0; templates[t] != NULL; t++)
    for (int k = 0; k < PT_DEMO_N_KINDS; k++)
      for (int c = 0; c < PT_DEMO_N_COLORS; c++)
        add_line (lines, seen, fill_template (templates[t], k, c));
}

GPtrArray *
pt_demo_corpus_lines (guint tasks, int max_shapes)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  add_line (lines, seen, g_strdup ("answer"));
  add_line (lines, seen, g_strdup ("detect"));
  if (tasks & (1u << PT_DEMO_TASK_COLOR))
    {
      add_templates (lines, seen, color_templates);
      for (int c = 0; c < PT_DEMO_N_COLORS; c++)
        add_line (lines, seen, g_strdup (color_names[c]));
    }
  if (tasks & (1u << PT_DEMO_TASK_SHAPE))
    {
      add_templates (lines, seen, shape_templates);
      for (int k = 0; k < PT_DEMO_N_KINDS; k++)
        add_line (lines, seen, g_strdup (kind_names[k]));
    }
  if (tasks & (1u << PT_DEMO_TASK_COUNT))
    {
      add_templates (lines, seen, count_all_templates);
      add_templates (lines, seen, count_kind_templates);
      add_templates (lines, seen, count_color_templates);
      for (int n = 0; n <= max_shapes; n++)
        add_line (lines, seen, g_strdup_printf ("%d", n));
    }
  if (tasks & (1u << PT_DEMO_TASK_POSITION))
    {
      add_templates (lines, seen, position_templates);
      for (guint p = 0; p < G_N_ELEMENTS (position_names); p++)
        add_line (lines, seen, g_strdup (position_names[p]));
    }
  if (tasks & (1u << PT_DEMO_TASK_EXISTS))
    {
      add_templates (lines, seen, exists_templates);
      add_line (lines, seen, g_strdup ("yes"));
      add_line (lines, seen, g_strdup ("no"));
    }
  if (tasks & (1u << PT_DEMO_TASK_DETECT))
    {
      add_templates (lines, seen, detect_templates);
      for (int k = 0; k < PT_DEMO_N_KINDS; k++)
        add_line (lines, seen, g_strdup (kind_names[k]));
    }
  if (tasks & (1u << PT_DEMO_TASK_COLOR_FR))
    {
      add_templates (lines, seen, color_fr_templates);
      for (int c = 0; c < PT_DEMO_N_COLORS; c++)
        add_line (lines, seen, g_strdup (color_names_fr[c]));
    }
  return lines;
}
