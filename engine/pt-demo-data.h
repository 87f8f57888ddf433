/* pt-demo-data.h — the built-in demo dataset: coloured shapes and questions.
 *
 * A deterministic generator (a pure function of the seed and the image index)
 * of simple scenes — circles, squares, triangles, stars, hearts, crosses and
 * diamonds in six colours on a light, mildly textured background — and of
 * questions about them that the image alone answers: colour, shape, count,
 * position, existence, PaliGemma-style detection, and the colour question in
 * French. It gives a new user data that a micro PaliGemma learns on a laptop
 * CPU, with no download.
 *
 * Rules the questions keep (the tests check them):
 *   - a question that names "the circle" is asked only when the scene has
 *     exactly one circle; "what shape is red?" only when one shape is red;
 *   - position answers say which side of the image the shape's centre is on
 *     along its dominant axis (left / right / top / bottom), and are asked only
 *     when the centre is clearly off-centre and clearly off the diagonals;
 *   - "exists" answers are yes or no with probability 1/2 each;
 *   - detection answers use PaliGemma's format, y first:
 *     "<locYMIN><locXMIN><locYMAX><locXMAX> circle", each bin
 *     round(coordinate / image_size * 1023) clamped to 0..1023 (big_vision
 *     pp/proj/paligemma/segmentation.py); asked only for shapes unique in
 *     their scene;
 *   - shapes overlap a little but every shape's centre stays visible.
 *
 * Scene i and its questions do not depend on which tasks are enabled, on the
 * number of images or on the number of threads: a task filter selects a subset
 * of the same records.
 */
#pragma once

#include <gio/gio.h>   /* GCancellable, GError */
#include <json-glib/json-glib.h>   /* JsonObject */

G_BEGIN_DECLS

#define PT_DEMO_DATA_VERSION 1
#define PT_DEMO_MAX_SHAPES   8

typedef enum {
  PT_DEMO_CIRCLE,
  PT_DEMO_SQUARE,
  PT_DEMO_TRIANGLE,
  PT_DEMO_STAR,
  PT_DEMO_HEART,
  PT_DEMO_CROSS,
  PT_DEMO_DIAMOND,
  PT_DEMO_N_KINDS
} PtDemoKind;

typedef enum {
  PT_DEMO_RED,
  PT_DEMO_GREEN,
  PT_DEMO_BLUE,
  PT_DEMO_YELLOW,
  PT_DEMO_PURPLE,
  PT_DEMO_ORANGE,
  PT_DEMO_N_COLORS
} PtDemoColor;

typedef enum {
  PT_DEMO_TASK_COLOR,      /* "what color is the circle?" → "red" */
  PT_DEMO_TASK_SHAPE,      /* "what shape is red?" → "circle" */
  PT_DEMO_TASK_COUNT,      /* "how many circles are there?" → "2" */
  PT_DEMO_TASK_POSITION,   /* "where is the star?" → "left" */
  PT_DEMO_TASK_EXISTS,     /* "is there a green triangle?" → "no" */
  PT_DEMO_TASK_DETECT,     /* "detect circle" → "<loc0101><loc0230><loc0388><loc0517> circle" */
  PT_DEMO_TASK_COLOR_FR,   /* "de quelle couleur est le cercle ?" → "rouge" */
  PT_DEMO_N_TASKS
} PtDemoTask;

#define PT_DEMO_ALL_TASKS ((1u << PT_DEMO_N_TASKS) - 1)

typedef struct {
  PtDemoKind  kind;
  PtDemoColor color;
  guint8      rgb[3];          /* the fill: the palette colour with a small jitter */
  double      cx, cy;          /* centre in pixels, inside the shape */
  double      size;            /* half extent in pixels */
  double      x0, y0, x1, y1;  /* exact bounding box of the drawn outline, pixels */
} PtDemoShape;

typedef struct {
  int         image_size;
  int         n_shapes;
  PtDemoShape shapes[PT_DEMO_MAX_SHAPES];   /* drawing order: later ones on top */
  guint8      bg0[3], bg1[3];               /* background gradient end colours */
  double      bg_angle;                     /* gradient direction, radians */
  guint64     texture_seed;                 /* the brightness mottling */
  guint64     noise_seed;                   /* per-pixel noise stream */
  int         noise;                        /* noise amplitude, 0..16 */
  guint64     question_seed;                /* the questions' random stream */
} PtDemoScene;

typedef struct {
  guint64  seed;
  guint    n_train;      /* images in train.jsonl */
  guint    n_val;        /* images in val.jsonl (indices after the train ones) */
  int      image_size;   /* 32..1024 pixels, square */
  int      min_shapes;   /* 1..max_shapes */
  int      max_shapes;   /* 1..PT_DEMO_MAX_SHAPES */
  gboolean easy;         /* one big shape per image (curriculum start) */
  double   min_size;     /* shape half extent as a fraction of the image size */
  double   max_size;
  int      noise;        /* per-pixel grain in 8-bit levels, 0..16 (costs PNG size) */
  guint    tasks;        /* bit mask of (1 << PtDemoTask) */
  int      threads;      /* 0: one per processor */
} PtDemoOptions;

typedef struct {
  PtDemoTask task;
  char      *question;
  char      *answer;
} PtDemoQuestion;

/* Progress of pt_demo_generate, called on the calling thread. */
typedef void (*PtDemoProgressFunc) (guint64 done, guint64 total, gpointer user_data);

/* Defaults: seed 0, 1000 train and 0 val images, 224 px, 1..5 shapes of half
 * extent 0.08..0.17, noise 0, all tasks, threads 0. */
void         pt_demo_options_init      (PtDemoOptions *options);
gboolean     pt_demo_options_validate  (const PtDemoOptions *options, GError **error);
/* Overrides options with the members of a JSON object that describes a
 * dataset (as demo-data.json and data/demo/demo.json's "dataset" do): seed,
 * n_train, n_val, image_size, min_shapes, max_shapes, easy, min_size,
 * max_size, noise. Absent or mistyped members leave the option as it was;
 * ranges are pt_demo_options_validate's business. */
void         pt_demo_options_update_from_json (PtDemoOptions *options, JsonObject *object);

const char  *pt_demo_task_name         (PtDemoTask task);    /* "color", "color_fr", … */
const char  *pt_demo_kind_name         (PtDemoKind kind);    /* "circle", … */
const char  *pt_demo_color_name        (PtDemoColor color);  /* "red", … */
/* The nominal sRGB of a colour (before jitter). */
void         pt_demo_color_rgb         (PtDemoColor color, guint8 rgb[3]);
/* "color,shape, count" → a task mask; "all" → every task. Unknown names fail. */
gboolean     pt_demo_parse_tasks       (const char *list, guint *mask, GError **error);
/* The tasks of a mask as a comma-separated list ("color,shape"). */
char        *pt_demo_tasks_to_string   (guint mask);

/* Scene number index of the options' stream (train images are 0..n_train-1,
 * val images follow). Pure: no allocation, no I/O. */
void         pt_demo_scene_generate    (const PtDemoOptions *options, guint64 index,
                                        PtDemoScene *scene);
/* Draws the scene into rgb, (S, S, 3) row-major 8-bit sRGB, S = image_size. */
void         pt_demo_scene_render      (const PtDemoScene *scene, guint8 *rgb);
/* Writes the scene as an 8-bit RGB PNG (not atomically; see pt_demo_generate). */
gboolean     pt_demo_scene_save_png    (const PtDemoScene *scene, const char *path,
                                        GError **error);
/* The question of one task about the scene: FALSE when the scene has no
 * answerable question of that kind (e.g. no shape is unique). */
gboolean     pt_demo_scene_question    (const PtDemoScene *scene, PtDemoTask task,
                                        PtDemoQuestion *question);
void         pt_demo_question_clear    (PtDemoQuestion *question);

/* PaliGemma's location bin of a pixel coordinate: round(coord / size * 1023),
 * clamped to 0..1023. */
int          pt_demo_loc_bin           (double coord, int size);

/* Writes out_dir/images/NNNNNN.png, train.jsonl (and val.jsonl when n_val > 0)
 * and demo-data.json (the settings and counts, written last). Records:
 * {"image": "images/000000.png", "question": …, "answer": …,
 *  "question_type": "color", "answers": [answer]}, one per enabled task per
 * image when that task is answerable. Every file is written to a temporary
 * name and renamed. Refuses a non-empty out_dir unless force; with force, the
 * dataset's own files are replaced (an old val.jsonl is removed when n_val is
 * 0) and other files are left alone. */
gboolean     pt_demo_generate          (const PtDemoOptions *options, const char *out_dir,
                                        gboolean force, PtDemoProgressFunc progress,
                                        gpointer user_data, GCancellable *cancellable,
                                        GError **error);
/* Writes every question the enabled tasks can ask and every answer (detection
 * answers without their location tokens), the task prefixes "answer" and
 * "detect", one per line, UTF-8, no duplicates: the text a tokenizer for the
 * demo's language is trained on. Written atomically. */
gboolean     pt_demo_write_corpus      (const PtDemoOptions *options, const char *path,
                                        GError **error);

G_END_DECLS
