/* pt-dataset-load.c — format detection, the line reader, and loading. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>               /* O_RDONLY */
#include <string.h>
#include <unistd.h>              /* read, close */
#include <glib/gstdio.h>         /* g_open, g_stat */

#include "pt-dataset-private.h"
#include "pt-error.h"
#include "pt-json-scan.h"        /* top-level keys of a JSON file */

/* ---- the line reader ---- */

#define CHUNK (1u << 20)

struct _PtLineReader {
  int         fd;               /* -1: reading from mem */
  char       *display;
  const char *mem;
  char       *buf;              /* file mode: holds buf[start, fill) unread */
  gsize       cap, start, fill;
  gboolean    eof;
  gboolean    at_start;
  guint       line;             /* number of the next line */
};

PtLineReader *
pt_line_reader_new_file (const char *path,
                         GError    **error)
{
  PtLineReader *r;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);

  if (fd < 0)
    {
      int saved = errno;
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Cannot open %s: %s", display,
                   g_strerror (saved));
      return NULL;
    }
  r = g_new0 (PtLineReader, 1);
  r->fd = fd;
  r->display = g_filename_display_name (path);
  r->cap = CHUNK;
  r->buf = g_malloc (r->cap);
  r->line = 1;
  r->at_start = TRUE;
  return r;
}

PtLineReader *
pt_line_reader_new_data (const char *data,
                         gsize       length)
{
  PtLineReader *r = g_new0 (PtLineReader, 1);

  r->fd = -1;
  r->mem = data;
  r->fill = length;
  r->eof = TRUE;
  r->line = 1;
  r->at_start = TRUE;
  return r;
}

void
pt_line_reader_free (PtLineReader *r)
{
  if (r == NULL)
    return;
  if (r->fd >= 0)
    close (r->fd);
  g_free (r->buf);
  g_free (r->display);
  g_free (r);
}

/* Reads more into buf; FALSE on a read error. */
static gboolean
fill_more (PtLineReader *r, char *into, gsize room, gsize *got, GError **error)
{
  gssize n;

  do
    n = read (r->fd, into, room);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read %s: %s", r->display,
                   g_strerror (saved));
      return FALSE;
    }
  *got = (gsize) n;
  if (n == 0)
    r->eof = TRUE;
  return TRUE;
}

/* Skips the rest of an over-long line (file mode), counting its bytes. */
static PtLineStatus
skip_long_line (PtLineReader *r, gsize *length, GError **error)
{
  gsize total = r->fill - r->start;

  r->start = r->fill = 0;
  for (;;)
    {
      gsize got;
      const char *nl;
      if (!fill_more (r, r->buf, r->cap, &got, error))
        return PT_LINE_ERROR;
      if (got == 0)
        break;
      nl = memchr (r->buf, '\n', got);
      if (nl != NULL)
        {
          total += (gsize) (nl - r->buf);
          r->start = (gsize) (nl - r->buf) + 1;
          r->fill = got;
          break;
        }
      total += got;
    }
  *length = total;
  return PT_LINE_TOO_LONG;
}

PtLineStatus
pt_line_reader_next (PtLineReader *r,
                     const char  **line,
                     gsize        *length,
                     guint        *line_number,
                     GError      **error)
{
  const char *base;

  for (;;)
    {
      const char *nl;
      gsize avail = r->fill - r->start;

      base = r->fd >= 0 ? r->buf : r->mem;
      nl = avail > 0 ? memchr (base + r->start, '\n', avail) : NULL;
      if (nl != NULL || (r->eof && avail > 0))
        {
          gsize len = nl != NULL ? (gsize) (nl - (base + r->start)) : avail;
          const char *text = base + r->start;
          r->start += len + (nl != NULL);
          *line_number = r->line++;
          if (r->at_start)
            {
              r->at_start = FALSE;
              if (len >= 3 && memcmp (text, "\xEF\xBB\xBF", 3) == 0)
                {
                  text += 3;
                  len -= 3;
                }
            }
          *line = text;
          *length = len;
          return len > PT_DATASET_MAX_LINE ? PT_LINE_TOO_LONG : PT_LINE_OK;
        }
      if (r->eof)
        return PT_LINE_EOF;

      /* file mode: need more bytes for this line */
      if (avail >= PT_DATASET_MAX_LINE)
        {
          *line_number = r->line++;
          r->at_start = FALSE;
          *line = NULL;
          return skip_long_line (r, length, error);
        }
      if (r->start > 0)
        {
          memmove (r->buf, r->buf + r->start, avail);
          r->start = 0;
          r->fill = avail;
        }
      if (r->fill == r->cap)
        {
          r->cap = MIN (r->cap * 2, (gsize) PT_DATASET_MAX_LINE + CHUNK);
          r->buf = g_realloc (r->buf, r->cap);
        }
      {
        gsize got;
        if (!fill_more (r, r->buf + r->fill, r->cap - r->fill, &got, error))
          return PT_LINE_ERROR;
        r->fill += got;
      }
    }
}

/* ---- format detection ---- */

static const char *const vqa_keys[] = {
  "questions", "annotations", "data_subtype", "task_type", "data_type", "license", "info", NULL
};

static gboolean
in_list (const char *const *list, const char *s)
{
  for (; *list; list++)
    if (g_ascii_strcasecmp (*list, s) == 0)
      return TRUE;
  return FALSE;
}

/* A key of a record's image, question or answer (any spelling, any case). */
static gboolean
is_record_key (const char *key)
{
  int rank;

  switch (pt_record_field_lookup (key, TRUE, &rank))
    {
    case PT_FIELD_IMAGE:
    case PT_FIELD_QUESTION:
    case PT_FIELD_ANSWER:
    case PT_FIELD_ANSWERS:
      return TRUE;
    default:
      return FALSE;
    }
}

/* The top-level keys of the JSON object at data (as far as the prefix goes). */
static PtDatasetFormat
detect_json_object (const char *data, gsize length, const char *name, GError **error)
{
  PtJsonScan scan;
  g_autoptr(GString) key = g_string_new (NULL);
  g_autoptr(GString) seen = g_string_new (NULL);
  guint n = 0;

  pt_json_scan_init (&scan, data, length, 1);
  if (!pt_json_scan_object_begin (&scan))
    goto unknown;
  while (pt_json_scan_object_next (&scan, &n, key))
    {
      if (in_list (vqa_keys, key->str))
        return PT_DATASET_FORMAT_VQAV2;
      if (is_record_key (key->str))
        return PT_DATASET_FORMAT_JSONL;
      if (n <= 8)
        g_string_append_printf (seen, "%s“%s”", seen->len ? ", " : "", key->str);
      if (!pt_json_scan_skip (&scan))
        break;
    }
  if (pt_json_scan_failed (&scan) && n == 0)
    {
      /* a broken first line: JSON Lines whose first record is bad */
      const char *nl = memchr (data, '\n', length);
      if (nl != NULL && scan.error_at < nl)
        return PT_DATASET_FORMAT_JSONL;
    }
unknown:
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
               "%s is JSON but not a dataset PaliTune reads: its first object has %s%s "
               "(JSON Lines records need “image”, “question” and “answer”; VQAv2 files hold "
               "“questions” or “annotations”)",
               name, seen->len ? "the keys " : "no dataset keys", seen->str);
  return PT_DATASET_FORMAT_AUTO;
}

/* Counts the delimiter candidates outside quotes in the header line. */
static PtDatasetFormat
detect_delimited (const char *data, gsize length, const char *name, GError **error)
{
  guint commas = 0, tabs = 0, semis = 0;
  gboolean quoted = FALSE;
  const char *p = data, *end = data + length;
  g_autofree char *first = NULL;

  for (; p < end && (quoted || (*p != '\n' && *p != '\r')); p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (!quoted)
        {
          commas += *p == ',';
          tabs += *p == '\t';
          semis += *p == ';';
        }
    }
  if (tabs > 0 && tabs >= commas && tabs >= semis)
    return PT_DATASET_FORMAT_TSV;
  if (commas > 0 || semis > 0)
    return PT_DATASET_FORMAT_CSV;
  first = g_utf8_make_valid (data, MIN ((gsize) (p - data), 60));
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
               "%s is not a dataset PaliTune reads: it starts with “%s”, which is neither a "
               "JSON object (JSON Lines, VQAv2) nor a CSV/TSV header naming the “image”, "
               "“question” and “answer” columns", name, first);
  return PT_DATASET_FORMAT_AUTO;
}

PtDatasetFormat
pt_dataset_detect_format (const char *data,
                          gsize       length,
                          const char *name,
                          GError    **error)
{
  const guchar *u = (const guchar *) data;
  gsize scan_len = MIN (length, 4096);

  g_return_val_if_fail (data != NULL || length == 0, PT_DATASET_FORMAT_AUTO);
  if (name == NULL)
    name = "the data";
  if (length == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is empty", name);
      return PT_DATASET_FORMAT_AUTO;
    }
  if (length >= 2 && ((u[0] == 0xFF && u[1] == 0xFE) || (u[0] == 0xFE && u[1] == 0xFF)))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is UTF-16 text; save it as UTF-8", name);
      return PT_DATASET_FORMAT_AUTO;
    }
  if (length >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      data += 3;
      length -= 3;
      scan_len = MIN (length, 4096);
    }
  {
    static const struct { const char *magic; gsize n; const char *what; } magics[] = {
      { "PK\x03\x04", 4, "a ZIP archive (unpack it first)" },
      { "\x89PNG", 4, "a PNG image, not a dataset" },
      { "\xFF\xD8\xFF", 3, "a JPEG image, not a dataset" },
      { "\x1F\x8B", 2, "gzip-compressed (decompress it first)" },
    };
    if (length >= 4 && memcmp (data, "PAR1", 4) == 0)
      return PT_DATASET_FORMAT_PARQUET;
    if ((length >= 6 && memcmp (data, "ARROW1", 6) == 0)
        || (length >= 8 && memcmp (data, "\xFF\xFF\xFF\xFF", 4) == 0 && u[7] == 0))
      return PT_DATASET_FORMAT_ARROW;
    for (guint i = 0; i < G_N_ELEMENTS (magics); i++)
      if (length >= magics[i].n && memcmp (data, magics[i].magic, magics[i].n) == 0)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is %s", name, magics[i].what);
          return PT_DATASET_FORMAT_AUTO;
        }
    if (memchr (data, '\0', scan_len) != NULL)
      {
        g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                     "%s is a binary file, not JSON Lines, CSV/TSV or VQAv2 JSON", name);
        return PT_DATASET_FORMAT_AUTO;
      }
  }
  while (length > 0 && g_ascii_isspace (*data))
    {
      data++;
      length--;
    }
  if (length == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s holds only blank lines", name);
      return PT_DATASET_FORMAT_AUTO;
    }
  if (*data == '{')
    return detect_json_object (data, length, name, error);
  if (*data == '[')
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is a JSON list; PaliTune reads JSON Lines, one object per line "
                   "(datasets’ to_json writes them by default)", name);
      return PT_DATASET_FORMAT_AUTO;
    }
  return detect_delimited (data, length, name, error);
}

/* ---- loading ---- */

static gboolean
read_head (const char *path, char *buf, gsize size, gsize *got, GError **error)
{
  gssize n = 0;
  int fd = g_open (path, O_RDONLY | O_CLOEXEC, 0);
  g_autofree char *display = g_filename_display_name (path);

  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "Cannot open %s: %s", display,
                   g_strerror (saved));
      return FALSE;
    }
  *got = 0;
  while (*got < size)
    {
      do
        n = read (fd, buf + *got, size - *got);
      while (n < 0 && errno == EINTR);
      if (n <= 0)
        break;
      *got += (gsize) n;
    }
  if (n < 0)
    {
      int saved = errno;
      close (fd);
      g_set_error (error, PT_ERROR, saved == EISDIR ? PT_ERROR_INVALID_INPUT : PT_ERROR_IO,
                   "Cannot read %s: %s", display, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  return TRUE;
}

/* A folder: VQAv2, or the one JSON Lines / CSV / TSV file in it. */
static char *
single_table_in (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  char *found = NULL;
  guint n = 0;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (name, ".jsonl") || g_str_has_suffix (name, ".csv")
        || g_str_has_suffix (name, ".tsv"))
      {
        if (n++ == 0)
          found = g_build_filename (dir, name, NULL);
      }
  if (n != 1)
    g_clear_pointer (&found, g_free);
  return found;
}

static gboolean
has_vqa_questions (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (strstr (name, "questions") != NULL && g_str_has_suffix (name, ".json"))
      return TRUE;
  return FALSE;
}

/* A forced format that fits nothing: every record a syntax or encoding problem. */
static gboolean
parsed_any (PtDataset *ds)
{
  for (guint i = 0; i < ds->records->len; i++)
    {
      PtProblemKind k = pt_dataset_slot (ds, i)->problem;
      if (k != PT_PROBLEM_SYNTAX && k != PT_PROBLEM_ENCODING)
        return TRUE;
    }
  return ds->records->len == 0;
}

static const char *
first_reason (PtDataset *ds)
{
  return ds->problems->len > 0 ? g_array_index (ds->problems, PtProblemSlot, 0).reason : "?";
}

/* The files of a table dataset's split, read into one dataset. */
static PtDataset *
load_tables (const char *path, GPtrArray *splits, GHashTable *files,
             const PtDatasetLoadOptions *options, GCancellable *cancellable, GError **error)
{
  g_autoptr(PtDataset) ds = NULL;
  g_autofree char *display = g_filename_display_name (path);
  PtColumnMap map;
  const char *split = options != NULL ? options->split : NULL;
  GPtrArray *list;
  gboolean ok = TRUE;

  if (split == NULL)
    split = splits->len == 1 || g_hash_table_lookup (files, "train") == NULL
              ? splits->pdata[0] : "train";
  list = g_hash_table_lookup (files, split);
  if (list == NULL)
    {
      g_autofree char *all = NULL;
      g_ptr_array_add (splits, NULL);
      all = g_strjoinv (", ", (char **) splits->pdata);
      g_ptr_array_remove_index (splits, splits->len - 1);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s has no split “%s” (its splits: %s)",
                   display, split, all);
      return NULL;
    }
  if (!pt_column_map_parse (options != NULL ? options->columns : NULL, &map, error))
    return NULL;
  {
    PtDatasetFormat first;
    pt_table_file_kind (list->pdata[0], &first);
    ds = pt_dataset_new_building (first, path);
  }
  for (guint i = 0; ok && i < list->len; i++)
    {
      const char *file = list->pdata[i];
      PtDatasetFormat kind = PT_DATASET_FORMAT_PARQUET;
      if (!pt_table_file_kind (file, &kind))
        {
          char head[8] = { 0 };
          gsize got = 0;
          if (!read_head (file, head, sizeof head, &got, error))
            {
              ok = FALSE;
              break;
            }
          kind = got >= 4 && memcmp (head, "PAR1", 4) == 0 ? PT_DATASET_FORMAT_PARQUET
                                                           : PT_DATASET_FORMAT_ARROW;
        }
      ok = kind == PT_DATASET_FORMAT_PARQUET
             ? pt_parquet_read_dataset (ds, file, &map, cancellable, error)
             : pt_arrow_read_dataset (ds, file, &map, cancellable, error);
    }
  pt_column_map_clear (&map);
  if (!ok || !pt_dataset_finish (ds, error))
    return NULL;
  ds->split = g_strdup (split);
  g_ptr_array_add (splits, NULL);
  ds->splits = g_strdupv ((char **) splits->pdata);
  g_ptr_array_remove_index (splits, splits->len - 1);
  return g_steal_pointer (&ds);
}

/* A table file or folder: its splits and files; FALSE without error if
 * path is neither. */
static gboolean
table_layout (const char *path, gboolean is_dir, PtDatasetFormat format, GPtrArray *splits,
              GHashTable *files, GError **error)
{
  if (is_dir)
    return pt_table_folder_resolve (path, splits, files, error);
  if (format == PT_DATASET_FORMAT_AUTO)
    {
      char head[8] = { 0 };
      gsize got = 0;
      if (!pt_table_file_kind (path, &format))
        {
          if (!read_head (path, head, sizeof head, &got, error))
            return FALSE;
          format = pt_dataset_detect_format (head, got, "", NULL);
        }
    }
  if (format == PT_DATASET_FORMAT_PARQUET || format == PT_DATASET_FORMAT_ARROW)
    {
      GPtrArray *list = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (list, g_strdup (path));
      g_ptr_array_add (splits, g_strdup ("train"));
      g_hash_table_insert (files, g_strdup ("train"), list);
    }
  return TRUE;
}

GStrv
pt_dataset_list_splits (const char *path,
                        GError    **error)
{
  g_autoptr(GPtrArray) splits = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                       (GDestroyNotify) g_ptr_array_unref);
  gboolean is_dir;

  g_return_val_if_fail (path != NULL, NULL);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *display = g_filename_display_name (path);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s does not exist", display);
      return NULL;
    }
  is_dir = g_file_test (path, G_FILE_TEST_IS_DIR);
  if (!table_layout (path, is_dir, PT_DATASET_FORMAT_AUTO, splits, files, error))
    return NULL;
  g_ptr_array_add (splits, NULL);
  return (GStrv) g_ptr_array_steal (splits, NULL);
}

gboolean
pt_dataset_check_columns (const char *columns,
                          GError    **error)
{
  PtColumnMap map;

  if (!pt_column_map_parse (columns, &map, error))
    return FALSE;
  pt_column_map_clear (&map);
  return TRUE;
}

PtDataset *
pt_dataset_load (const char     *path,
                 PtDatasetFormat format,
                 GCancellable   *cancellable,
                 GError        **error)
{
  return pt_dataset_load_with_options (path, format, NULL, cancellable, error);
}

PtDataset *
pt_dataset_load_with_options (const char                 *path,
                              PtDatasetFormat             format,
                              const PtDatasetLoadOptions *options,
                              GCancellable               *cancellable,
                              GError                    **error)
{
  g_autoptr(PtDataset) ds = NULL;
  g_autofree char *display = NULL;
  g_autofree char *table = NULL;
  g_autofree char *head = NULL;
  gsize got = 0;
  gboolean ok, forced;

  g_return_val_if_fail (path != NULL, NULL);
  display = g_filename_display_name (path);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s does not exist", display);
      return NULL;
    }
  if (format == PT_DATASET_FORMAT_AUTO || format == PT_DATASET_FORMAT_PARQUET
      || format == PT_DATASET_FORMAT_ARROW)
    {
      g_autoptr(GPtrArray) splits = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                           (GDestroyNotify) g_ptr_array_unref);
      if (!table_layout (path, g_file_test (path, G_FILE_TEST_IS_DIR), format, splits, files,
                         error))
        return NULL;
      if (splits->len > 0)
        return load_tables (path, splits, files, options, cancellable, error);
      if (format != PT_DATASET_FORMAT_AUTO)
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s holds no .parquet or .arrow files", display);
          return NULL;
        }
    }
  if (options != NULL && options->split != NULL && strcmp (options->split, "train") != 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s has no splits (it is not a Parquet or Arrow dataset): leave out --split %s",
                   display, options->split);
      return NULL;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      if (format == PT_DATASET_FORMAT_VQAV2 || has_vqa_questions (path))
        format = PT_DATASET_FORMAT_VQAV2;
      else if ((table = single_table_in (path)) != NULL)
        path = table;
      else
        {
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                       "%s is a folder without a VQAv2 questions file (*questions*.json) "
                       "or a single .jsonl/.csv/.tsv file", display);
          return NULL;
        }
    }
  forced = format != PT_DATASET_FORMAT_AUTO;
  if (format == PT_DATASET_FORMAT_AUTO)
    {
      g_autofree char *name = g_filename_display_name (path);
      head = g_malloc (65536);
      if (!read_head (path, head, 65536, &got, error))
        return NULL;
      format = pt_dataset_detect_format (head, got, name, error);
      if (format == PT_DATASET_FORMAT_AUTO)
        return NULL;
    }

  ds = pt_dataset_new_building (format, path);
  switch (format)
    {
    case PT_DATASET_FORMAT_JSONL:
      ok = pt_jsonl_read_file (ds, path, cancellable, error);
      break;
    case PT_DATASET_FORMAT_CSV:
    case PT_DATASET_FORMAT_TSV:
      ok = pt_csv_read_file (ds, path, format == PT_DATASET_FORMAT_TSV ? '\t' : 0, cancellable, error);
      break;
    case PT_DATASET_FORMAT_VQAV2:
      ok = pt_vqa_read_path (ds, path, cancellable, error);
      break;
    case PT_DATASET_FORMAT_PARQUET:
    case PT_DATASET_FORMAT_ARROW:
    case PT_DATASET_FORMAT_AUTO:
    default:
      g_assert_not_reached ();
    }
  if (!ok || !pt_dataset_finish (ds, error))
    return NULL;
  if (forced && !parsed_any (ds))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s does not read as %s: none of its %u records could be parsed (first: %s)",
                   display, pt_dataset_format_to_string (format), pt_dataset_get_n_records (ds),
                   first_reason (ds));
      return NULL;
    }
  return g_steal_pointer (&ds);
}

PtDataset *
pt_dataset_load_from_data (const char     *data,
                           gsize           length,
                           PtDatasetFormat format,
                           const char     *name,
                           const char     *base_dir,
                           GError        **error)
{
  g_autoptr(PtDataset) ds = NULL;
  gboolean ok;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  if (name == NULL)
    name = "data";
  if (format == PT_DATASET_FORMAT_AUTO)
    {
      format = pt_dataset_detect_format (data, length, name, error);
      if (format == PT_DATASET_FORMAT_AUTO)
        return NULL;
    }
  if (format == PT_DATASET_FORMAT_VQAV2)
    return pt_dataset_load_vqa_from_data (data, length, NULL, 0, base_dir, error);
  if (format == PT_DATASET_FORMAT_PARQUET || format == PT_DATASET_FORMAT_ARROW)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is a %s table, which PaliTune reads from files only", name,
                   format == PT_DATASET_FORMAT_PARQUET ? "Parquet" : "Arrow");
      return NULL;
    }
  ds = pt_dataset_new_building (format, name);
  if (format == PT_DATASET_FORMAT_JSONL)
    ok = pt_jsonl_read_data (ds, data, length, name, base_dir);
  else
    ok = pt_csv_read_data (ds, data, length, format == PT_DATASET_FORMAT_TSV ? '\t' : 0,
                           name, base_dir, error);
  if (!ok || !pt_dataset_finish (ds, error))
    return NULL;
  return g_steal_pointer (&ds);
}

PtDataset *
pt_dataset_load_vqa_from_data (const char *questions,
                               gsize       questions_length,
                               const char *annotations,
                               gsize       annotations_length,
                               const char *image_dir,
                               GError    **error)
{
  g_autoptr(PtDataset) ds = pt_dataset_new_building (PT_DATASET_FORMAT_VQAV2, "questions.json");

  g_return_val_if_fail (questions != NULL || questions_length == 0, NULL);
  if (!pt_vqa_read_data (ds, questions, questions_length, "questions.json",
                         annotations, annotations_length, "annotations.json", image_dir,
                         NULL, error)
      || !pt_dataset_finish (ds, error))
    return NULL;
  return g_steal_pointer (&ds);
}
