/* test-loc.c — PaliGemma location answers → boxes: y first, bins of 1024,
 * several objects, labels, segmentation tokens, and text that is not a box. */
#include "config.h"

#include "pt-loc.h"

static void
check_box (const PtLocBox *b, double y0, double x0, double y1, double x1, const char *label)
{
  g_assert_cmpfloat (b->y0, ==, y0);
  g_assert_cmpfloat (b->x0, ==, x0);
  g_assert_cmpfloat (b->y1, ==, y1);
  g_assert_cmpfloat (b->x1, ==, x1);
  g_assert_cmpstr (b->label, ==, label);
}

static void
test_one (void)
{
  g_autoptr(GPtrArray) boxes = pt_loc_parse ("<loc0123><loc0456><loc0789><loc1000> circle");

  g_assert_cmpuint (boxes->len, ==, 1);
  /* y first: ymin xmin ymax xmax, each bin / 1024 */
  check_box (boxes->pdata[0], 123 / 1024.0, 456 / 1024.0, 789 / 1024.0, 1000 / 1024.0, "circle");
}

static void
test_several (void)
{
  g_autoptr(GPtrArray) boxes =
    pt_loc_parse ("<loc0000><loc0512><loc0512><loc1023> red star ; <loc0256><loc0000><loc0768><loc0256> circle;"
                  "<loc0100><loc0100><loc0200><loc0200>");

  g_assert_cmpuint (boxes->len, ==, 3);
  check_box (boxes->pdata[0], 0, 0.5, 0.5, 1023 / 1024.0, "red star");
  check_box (boxes->pdata[1], 0.25, 0, 0.75, 0.25, "circle");
  check_box (boxes->pdata[2], 100 / 1024.0, 100 / 1024.0, 200 / 1024.0, 200 / 1024.0, "");
  g_assert_true (pt_loc_has_boxes ("<loc0000><loc0000><loc0001><loc0001> x"));
}

/* Objects written back to back without " ; " still split at each location run. */
static void
test_adjacent (void)
{
  g_autoptr(GPtrArray) boxes =
    pt_loc_parse ("<loc0010><loc0020><loc0030><loc0040> a<loc0050><loc0060><loc0070><loc0080> b");

  g_assert_cmpuint (boxes->len, ==, 2);
  check_box (boxes->pdata[0], 10 / 1024.0, 20 / 1024.0, 30 / 1024.0, 40 / 1024.0, "a");
  check_box (boxes->pdata[1], 50 / 1024.0, 60 / 1024.0, 70 / 1024.0, 80 / 1024.0, "b");
}

/* Segmentation tokens after a box are skipped; swapped corners are ordered;
 * bins past 1023 are clamped. */
static void
test_segments_and_order (void)
{
  g_autoptr(GPtrArray) boxes =
    pt_loc_parse ("<loc0768><loc0768><loc0256><loc0256><seg012><seg100><seg127> cat ; <loc9999><loc0000><loc0000><loc0000> edge");

  g_assert_cmpuint (boxes->len, ==, 2);
  check_box (boxes->pdata[0], 0.25, 0.25, 0.75, 0.75, "cat");
  check_box (boxes->pdata[1], 0, 0, 1023 / 1024.0, 0, "edge");
}

/* Not four location tokens in a row: no box. */
static void
test_not_boxes (void)
{
  const char *const texts[] = {
    "", "red", "2", "<loc0123><loc0456><loc0789> three only", "<loc123><loc0456><loc0789><loc1000> short bin",
    "<loc0123><loc0456><loc0789><locXXXX> x", "<loc0123> <loc0456> <loc0789> <loc1000> spaced",
    "<seg001><seg002>", "loc0123 loc0456 loc0789 loc1000", "<loc0123><loc0456><loc0789><loc1000",
  };

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GPtrArray) boxes = pt_loc_parse (texts[i]);
      g_assert_cmpuint (boxes->len, ==, 0);
      g_assert_false (pt_loc_has_boxes (texts[i]));
    }
  {
    g_autoptr(GPtrArray) none = pt_loc_parse (NULL);
    g_assert_cmpuint (none->len, ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/loc/one", test_one);
  g_test_add_func ("/ui/loc/several", test_several);
  g_test_add_func ("/ui/loc/adjacent", test_adjacent);
  g_test_add_func ("/ui/loc/segments-and-order", test_segments_and_order);
  g_test_add_func ("/ui/loc/not-boxes", test_not_boxes);
  return g_test_run ();
}
