/* test-json.c — JSON output: numbers json-glib 1.6 mangles, escapes, parse errors. */
#include "config.h"

#include <math.h>      /* NAN */
#include <string.h>    /* strstr */

#include "pt-error.h"
#include "pt-json.h"

static char *
double_text (double v)
{
  GString *s = g_string_new (NULL);
  pt_json_append_double (s, v);
  return g_string_free (s, FALSE);
}

static void
test_doubles (void)
{
  struct { double v; const char *text; } cases[] = {
    { 1e-8, "1e-08" }, { 2e-5, "2e-05" }, { 0.1, "0.1" }, { 8, "8.0" }, { -0.0, "-0.0" },
    { 1.0 / 3.0, "0.3333333333333333" }, { 1e300, "1e+300" }, { NAN, "null" }, { INFINITY, "null" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *t = double_text (cases[i].v);
      g_assert_cmpstr (t, ==, cases[i].text);
    }
}

static void
test_round_trip (void)
{
  const char *text = "{\"a\": [1, 2.5, 1e-08, true, null], \"s\": \"q\\\"\\n\\u0001é\", \"o\": {}}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = pt_json_parse (text, -1, "test", &error);
  g_autofree char *out = NULL;
  g_autofree char *pretty = NULL;
  g_autoptr(JsonNode) again = NULL;

  g_assert_no_error (error);
  out = pt_json_to_string (node, FALSE);
  g_assert_cmpstr (out, ==, "{\"a\": [1, 2.5, 1e-08, true, null], \"s\": \"q\\\"\\n\\u0001é\", \"o\": {}}");
  pretty = pt_json_to_string (node, TRUE);
  again = pt_json_parse (pretty, -1, "pretty", &error);
  g_assert_no_error (error);
  g_assert_true (json_node_equal (node, again));
}

static void
test_parse_errors (void)
{
  const char *bad[] = { "", "{", "{\"a\": }", "\xff\xfe", "[1,]" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(JsonNode) node = pt_json_parse (bad[i], -1, "bad.json", &error);
      g_assert_null (node);
      g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
      g_assert_nonnull (strstr (error->message, "bad.json"));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/json/doubles", test_doubles);
  g_test_add_func ("/engine/json/round-trip", test_round_trip);
  g_test_add_func ("/engine/json/parse-errors", test_parse_errors);
  return g_test_run ();
}
