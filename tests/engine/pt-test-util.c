/* pt-test-util.c — see pt-test-util.h. */
#include "config.h"

#include "pt-json.h"        /* pt_json_load_file */
#include "pt-test-util.h"

JsonNode *
pt_test_load_json (const char *path,
                   gsize       max_bytes)
{
  g_autoptr(GError) error = NULL;
  JsonNode *node = pt_json_load_file (path, max_bytes, &error);

  g_assert_no_error (error);
  return node;
}

PtTokenizer *
pt_test_load_tokenizer (const char *path)
{
  g_autoptr(GError) error = NULL;
  PtTokenizer *tok = pt_tokenizer_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (tok);
  return tok;
}

char *
pt_test_make_temp_dir (const char *tmpl)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (tmpl, &error);

  g_assert_no_error (error);
  return dir;
}
