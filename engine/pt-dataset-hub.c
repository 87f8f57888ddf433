/* pt-dataset-hub.c — which files make up a split of a Hugging Face dataset
 * folder, as the hub and the datasets library lay them out:
 *
 *   hub folder       README.md whose YAML front matter has `configs:` with
 *                    `data_files` per split (paths or globs, the first
 *                    config), or else files named
 *                    [data/]SPLIT-NNNNN-of-NNNNN.parquet (or SPLIT.parquet,
 *                    or SPLIT/NAME.parquet)
 *   save_to_disk     a Dataset: state.json listing its data-NNNNN-of-NNNNN
 *                    .arrow files; a DatasetDict: dataset_dict.json naming
 *                    the splits, one such folder each
 *
 * Only names are read here (and the small JSON/README files); the readers
 * read the tables. */
#include "config.h"

#include <string.h>

#include "pt-dataset-private.h"
#include "pt-error.h"
#include "pt-json.h"              /* pt_json_load_file */

#define MAX_META_BYTES ((gsize) 4 << 20)

static void
add_split (GPtrArray *splits, GHashTable *files, const char *split, char *file)
{
  GPtrArray *list = g_hash_table_lookup (files, split);

  if (list == NULL)
    {
      list = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (files, g_strdup (split), list);
      g_ptr_array_add (splits, g_strdup (split));
    }
  g_ptr_array_add (list, file);
}

gboolean
pt_table_file_kind (const char *name, PtDatasetFormat *format)
{
  if (g_str_has_suffix (name, ".parquet"))
    *format = PT_DATASET_FORMAT_PARQUET;
  else if (g_str_has_suffix (name, ".arrow"))
    *format = PT_DATASET_FORMAT_ARROW;
  else
    return FALSE;
  return TRUE;
}

/* Table files below dir (depth ≤ 3), relative paths, sorted. */
static void
list_tables (const char *root, const char *rel, int depth, GPtrArray *out)
{
  g_autofree char *dir = rel[0] ? g_build_filename (root, rel, NULL) : g_strdup (root);
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  PtDatasetFormat fmt;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *r = rel[0] ? g_build_filename (rel, name, NULL) : g_strdup (name);
      g_autofree char *full = g_build_filename (root, r, NULL);
      if (name[0] == '.')
        continue;
      if (g_file_test (full, G_FILE_TEST_IS_DIR))
        {
          if (depth < 3)
            list_tables (root, r, depth + 1, out);
        }
      else if (pt_table_file_kind (name, &fmt))
        g_ptr_array_add (out, g_steal_pointer (&r));
    }
}

static int
str_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* ---- README.md configs ---- */

static char *
yaml_value (const char *s)
{
  g_autofree char *v = g_strstrip (g_strdup (s));
  gsize n = strlen (v);

  if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0])
    return g_strndup (v + 1, n - 2);
  return g_steal_pointer (&v);
}

static void
match_pattern (const char *pattern, GPtrArray *tables, const char *dir, const char *split,
               GPtrArray *splits, GHashTable *files)
{
  g_autoptr(GPatternSpec) spec = g_pattern_spec_new (pattern);

  for (guint i = 0; i < tables->len; i++)
    if (g_pattern_spec_match_string (spec, tables->pdata[i]))
      add_split (splits, files, split, g_build_filename (dir, tables->pdata[i], NULL));
}

/* The data_files of the first config in README.md's front matter: a list
 * of {split, path} (path a string or a list), as the hub writes it. */
static gboolean
read_readme_configs (const char *dir, GPtrArray *tables, GPtrArray *splits, GHashTable *files)
{
  g_autofree char *readme = g_build_filename (dir, "README.md", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  gboolean in_front = FALSE, in_configs = FALSE;
  int configs_seen = 0;
  g_autofree char *split = NULL;
  gsize len;

  if (!g_file_get_contents (readme, &text, &len, NULL) || len > MAX_META_BYTES
      || !g_str_has_prefix (text, "---"))
    return FALSE;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      const char *t;
      g_strchomp (line);
      if (strcmp (line, "---") == 0)
        break;
      in_front = TRUE;
      if (line[0] != ' ' && line[0] != '-' && line[0] != '\0')
        {
          in_configs = g_str_has_prefix (line, "configs:");
          continue;
        }
      if (!in_configs)
        continue;
      t = line;
      while (*t == ' ')
        t++;
      if (g_str_has_prefix (t, "- config_name:"))
        {
          if (++configs_seen > 1)
            break;
          continue;
        }
      if (g_str_has_prefix (t, "- split:") || g_str_has_prefix (t, "split:"))
        {
          g_free (split);
          split = yaml_value (strchr (t, ':') + 1);
          continue;
        }
      if (split != NULL && (g_str_has_prefix (t, "path:") || g_str_has_prefix (t, "- path:")))
        {
          g_autofree char *v = yaml_value (strchr (t, ':') + 1);
          if (v[0] != '\0')
            match_pattern (v, tables, dir, split, splits, files);
          continue;
        }
      /* a list of paths under "path:" */
      if (split != NULL && t[0] == '-' && t[1] == ' ' && strchr (t, ':') == NULL)
        {
          g_autofree char *v = yaml_value (t + 2);
          match_pattern (v, tables, dir, split, splits, files);
        }
    }
  return in_front && splits->len > 0;
}

/* ---- names ---- */

/* "train-00000-of-00002.parquet" → "train"; "validation.parquet" →
 * "validation"; a file in a folder named after its split → that name. */
static char *
split_of_name (const char *rel)
{
  g_autofree char *base = g_path_get_basename (rel);
  g_autofree char *parent = g_path_get_dirname (rel);
  char *dot = strrchr (base, '.');
  GRegex *re;
  g_autoptr(GMatchInfo) m = NULL;
  char *split = NULL;

  if (dot != NULL)
    *dot = '\0';
  re = g_regex_new ("^(.+?)-\\d{5}-of-\\d{5}$", 0, 0, NULL);
  if (g_regex_match (re, base, 0, &m))
    split = g_match_info_fetch (m, 1);
  g_regex_unref (re);
  if (split == NULL)
    {
      static const char *const known[] = { "train", "validation", "test", "val", "dev", NULL };
      g_autofree char *pbase = g_path_get_basename (parent);
      for (guint i = 0; known[i] != NULL && split == NULL; i++)
        if (strcmp (base, known[i]) == 0)
          split = g_strdup (known[i]);
        else if (strcmp (pbase, known[i]) == 0)
          split = g_strdup (known[i]);
    }
  /* "data-00000-of-00001" is save_to_disk's name, not a split */
  if (split != NULL && strcmp (split, "data") == 0)
    g_clear_pointer (&split, g_free);
  return split;
}

/* ---- save_to_disk ---- */

static gboolean
read_state (const char *dir, const char *split, GPtrArray *splits, GHashTable *files,
            GError **error)
{
  g_autofree char *state = g_build_filename (dir, "state.json", NULL);
  g_autoptr(JsonNode) root = pt_json_load_file (state, MAX_META_BYTES, error);
  JsonObject *o;
  JsonArray *a;

  if (root == NULL)
    return FALSE;
  o = JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
  a = o != NULL && json_object_has_member (o, "_data_files")
      && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "_data_files"))
        ? json_object_get_array_member (o, "_data_files") : NULL;
  if (a == NULL || json_array_get_length (a) == 0)
    {
      g_autofree char *display = g_filename_display_name (state);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s lists no data files (“_data_files”)", display);
      return FALSE;
    }
  if (split == NULL)
    {
      JsonNode *s = json_object_get_member (o, "_split");
      split = s != NULL && JSON_NODE_HOLDS_VALUE (s) && json_node_get_value_type (s) == G_TYPE_STRING
                ? json_node_get_string (s) : "train";
    }
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *n = json_array_get_element (a, i);
      JsonObject *e = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *name = e != NULL ? json_object_get_string_member_with_default (e, "filename", NULL)
                                   : NULL;
      if (name == NULL || strchr (name, '/') != NULL || name[0] == '.')
        {
          g_autofree char *display = g_filename_display_name (state);
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s: data file %u has no plain “filename”", display, i + 1);
          return FALSE;
        }
      add_split (splits, files, split, g_build_filename (dir, name, NULL));
    }
  return TRUE;
}

static gboolean
read_dataset_dict (const char *dir, GPtrArray *splits, GHashTable *files, GError **error)
{
  g_autofree char *path = g_build_filename (dir, "dataset_dict.json", NULL);
  g_autoptr(JsonNode) root = pt_json_load_file (path, MAX_META_BYTES, error);
  JsonArray *a;

  if (root == NULL)
    return FALSE;
  a = JSON_NODE_HOLDS_OBJECT (root)
      && json_object_has_member (json_node_get_object (root), "splits")
      && JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_node_get_object (root), "splits"))
        ? json_object_get_array_member (json_node_get_object (root), "splits") : NULL;
  if (a == NULL || json_array_get_length (a) == 0)
    {
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s names no “splits”", display);
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *n = json_array_get_element (a, i);
      const char *split = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
                            ? json_node_get_string (n) : NULL;
      g_autofree char *sub = NULL;
      if (split == NULL || strchr (split, '/') != NULL || split[0] == '.' || split[0] == '\0')
        {
          g_autofree char *display = g_filename_display_name (path);
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s: split %u is not a plain name",
                       display, i + 1);
          return FALSE;
        }
      sub = g_build_filename (dir, split, NULL);
      if (!read_state (sub, split, splits, files, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
pt_table_folder_resolve (const char *dir,
                         GPtrArray  *splits,
                         GHashTable *files,
                         GError    **error)
{
  g_autofree char *dict = g_build_filename (dir, "dataset_dict.json", NULL);
  g_autofree char *state = g_build_filename (dir, "state.json", NULL);
  g_autoptr(GPtrArray) tables = g_ptr_array_new_with_free_func (g_free);

  if (g_file_test (dict, G_FILE_TEST_IS_REGULAR))
    return read_dataset_dict (dir, splits, files, error);
  if (g_file_test (state, G_FILE_TEST_IS_REGULAR))
    return read_state (dir, NULL, splits, files, error);
  list_tables (dir, "", 0, tables);
  if (tables->len == 0)
    return TRUE;
  g_ptr_array_sort (tables, str_cmp);
  if (read_readme_configs (dir, tables, splits, files))
    return TRUE;
  for (guint i = 0; i < tables->len; i++)
    {
      g_autofree char *split = split_of_name (tables->pdata[i]);
      add_split (splits, files, split != NULL ? split : "train",
                 g_build_filename (dir, tables->pdata[i], NULL));
    }
  return TRUE;
}
