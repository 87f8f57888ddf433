/* pt-test-ui.c — helpers for GUI tests: run the main loop, take screenshots. */
#include "config.h"

#include <glib/gstdio.h>

#include <adwaita.h>

#include "pt-test-ui.h"

void
pt_test_init_widgets (void)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  /* what AdwApplication does for the real app: Adwaita, then our style.css */
  adw_init ();
  gtk_css_provider_load_from_resource (css, "/io/github/palitune/PaliTune/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (), GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
pt_test_wait_until (gboolean (*condition) (gpointer),
                    gpointer   data,
                    guint      timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);
  gboolean ok;

  while (!(ok = condition (data)) && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);
  return ok;
}

void
pt_test_spin (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* TRUE when the texture has more than one colour. */
static gboolean
texture_has_content (GdkTexture *texture)
{
  int w = gdk_texture_get_width (texture);
  int h = gdk_texture_get_height (texture);
  g_autofree guint32 *pixels = g_new (guint32, (gsize) w * h);

  gdk_texture_download (texture, (guchar *) pixels, (gsize) w * 4);
  for (gsize i = 1; i < (gsize) w * h; i++)
    if (pixels[i] != pixels[0])
      return TRUE;
  return FALSE;
}

static void
after_paint_cb (GdkFrameClock *clock,
                gboolean      *painted)
{
  *painted = TRUE;
}

static gboolean
is_true (gpointer data)
{
  return *(gboolean *) data;
}

/* Queues a frame and waits until it is painted: layout is then up to date. */
void
pt_test_wait_for_frame (GtkWidget *widget)
{
  GdkFrameClock *clock = gtk_widget_get_frame_clock (widget);
  gboolean painted = FALSE;
  gulong id;

  g_assert_nonnull (clock);
  id = g_signal_connect (clock, "after-paint", G_CALLBACK (after_paint_cb), &painted);
  gtk_widget_queue_draw (widget);
  g_assert_true (pt_test_wait_until (is_true, &painted, 5000));
  g_signal_handler_disconnect (clock, id);
}

char *
pt_test_screenshot (GtkWidget  *widget,
                    const char *name)
{
  const char *dir = g_getenv ("PT_SCREENSHOT_DIR");
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  GskRenderer *renderer;
  char *path;
  int w, h;

  /* a widget paintable shows the widget's last drawn frame: draw one first */
  pt_test_wait_for_frame (widget);
  paintable = gtk_widget_paintable_new (widget);
  w = gtk_widget_get_width (widget);
  h = gtk_widget_get_height (widget);
  g_assert_cmpint (w, >, 0);
  g_assert_cmpint (h, >, 0);
  gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), w, h);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
  g_assert_nonnull (node);
  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, w, h));
  g_assert_true (texture_has_content (texture));

  if (dir == NULL)
    dir = g_get_tmp_dir ();
  g_mkdir_with_parents (dir, 0755);
  path = g_strdup_printf ("%s/%s.png", dir, name);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("screenshot: %s", path);
  return path;
}
