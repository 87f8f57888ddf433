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

JsonObject *
pt_test_fixture_object (const char *relative,
                        gsize       max_bytes)
{
  static GMutex lock;
  static GHashTable *loaded;   /* relative → JsonObject */
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&lock);
  JsonObject *obj;

  if (loaded == NULL)
    loaded = g_hash_table_new (g_str_hash, g_str_equal);
  obj = g_hash_table_lookup (loaded, relative);
  if (obj == NULL)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "fixtures", relative, NULL);
      g_autoptr(JsonNode) node = pt_test_load_json (path, max_bytes);

      obj = json_node_dup_object (node);
      g_hash_table_insert (loaded, g_strdup (relative), obj);
    }
  return obj;
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
