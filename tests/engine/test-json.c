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

/* inputs json-glib 1.6 mishandles: deep nesting overflows its recursive
 * parser's stack; "\\777" octal escapes give strings that are not UTF-8 */
static void
test_hostile (void)
{
  GString *deep = g_string_new ("{\"a\": ");
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonNode) node = NULL;
  g_autofree char *text = NULL;

  for (int i = 0; i < 200000; i++)
    g_string_append_c (deep, '[');
  text = g_string_free (deep, FALSE);
  node = pt_json_parse (text, -1, "deep.json", &error);
  g_assert_null (node);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "deep.json"));
  g_clear_error (&error);

  /* brackets inside strings and comments do not count */
  {
    GString *s = g_string_new ("{\"a\": \"");
    for (int i = 0; i < 1000; i++)
      g_string_append (s, "[{");
    g_string_append (s, "\", \"b\": '[[[[[[', \"c\": [[1]]}");
    g_autofree char *t = g_string_free (s, FALSE);
    g_autoptr(JsonNode) ok = pt_json_parse (t, -1, "strings.json", &error);
    g_assert_no_error (error);
    g_assert_nonnull (ok);
  }

  node = pt_json_parse ("{\"a\": \"\\777\"}", -1, "octal.json", &error);
  g_assert_null (node);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "octal.json"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/json/doubles", test_doubles);
  g_test_add_func ("/engine/json/round-trip", test_round_trip);
  g_test_add_func ("/engine/json/parse-errors", test_parse_errors);
  g_test_add_func ("/engine/json/hostile", test_hostile);
  return g_test_run ();
}
