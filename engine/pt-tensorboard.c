/* pt-tensorboard.c — TFRecord event files with scalar summaries, by hand. */
#include "config.h"

#include <errno.h>
#include <glib/gstdio.h>     /* g_fopen, g_remove */
#include <math.h>            /* isfinite */
#include <stdio.h>           /* FILE */
#include <string.h>

#include "pt-error.h"
#include "pt-tensorboard.h"

#define FILE_PREFIX "events.out.tfevents."

/* ---- CRC-32C and TFRecord framing ---- */

guint32
pt_crc32c (guint32     crc,
           const void *data,
           gsize       length)
{
  static guint32 table[256];
  static gsize ready;
  const guint8 *p = data;

  if (g_once_init_enter (&ready))
    {
      for (guint32 i = 0; i < 256; i++)
        {
          guint32 c = i;
          for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;   /* Castagnoli, reflected */
          table[i] = c;
        }
      g_once_init_leave (&ready, 1);
    }
  crc = ~crc;
  for (gsize i = 0; i < length; i++)
    crc = table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return ~crc;
}

guint32
pt_tb_masked_crc (const void *data,
                  gsize       length)
{
  guint32 crc = pt_crc32c (0, data, length);
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

static void
put_le (GByteArray *out, guint64 v, int bytes)
{
  guint8 b[8];
  for (int i = 0; i < bytes; i++)
    b[i] = (guint8) (v >> (8 * i));
  g_byte_array_append (out, b, bytes);
}

void
pt_tb_append_record (GByteArray   *out,
                     const guint8 *data,
                     gsize         length)
{
  guint8 len[8];

  for (int i = 0; i < 8; i++)
    len[i] = (guint8) ((guint64) length >> (8 * i));
  g_byte_array_append (out, len, 8);
  put_le (out, pt_tb_masked_crc (len, 8), 4);
  g_byte_array_append (out, data, (guint) length);
  put_le (out, pt_tb_masked_crc (data, length), 4);
}

/* ---- protobuf, the few wire types an Event needs ---- */

static void
put_varint (GByteArray *out, guint64 v)
{
  while (v >= 0x80)
    {
      guint8 b = (guint8) (v | 0x80);
      g_byte_array_append (out, &b, 1);
      v >>= 7;
    }
  {
    guint8 b = (guint8) v;
    g_byte_array_append (out, &b, 1);
  }
}

static void
put_key (GByteArray *out, guint field, guint wire_type)
{
  put_varint (out, (field << 3) | wire_type);
}

static void
put_bytes (GByteArray *out, guint field, const void *data, gsize length)
{
  put_key (out, field, 2);
  put_varint (out, length);
  g_byte_array_append (out, data, (guint) length);
}

static void
put_double (GByteArray *out, guint field, double v)
{
  guint64 bits;
  memcpy (&bits, &v, 8);
  put_key (out, field, 1);
  put_le (out, bits, 8);
}

static void
put_float (GByteArray *out, guint field, float v)
{
  guint32 bits;
  memcpy (&bits, &v, 4);
  put_key (out, field, 5);
  put_le (out, bits, 4);
}

/* Event { wall_time = 1; step = 2; file_version = 3 | summary = 5 } */
static GByteArray *
event_new (double wall_time, gint64 step)
{
  GByteArray *e = g_byte_array_new ();
  put_double (e, 1, wall_time);
  if (step != 0)
    {
      put_key (e, 2, 0);
      put_varint (e, (guint64) step);
    }
  return e;
}

/* ---- scalars of a metrics row ---- */

void
pt_tb_scalar_free (PtTbScalar *s)
{
  g_free (s->tag);
  g_free (s);
}

static void
add (GPtrArray *out, double value, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
add (GPtrArray *out, double value, const char *format, ...)
{
  PtTbScalar *s;
  va_list args;

  if (!isfinite (value))
    return;   /* a skipped step, an evaluation without accuracy: no point */
  s = g_new0 (PtTbScalar, 1);
  va_start (args, format);
  s->tag = g_strdup_vprintf (format, args);
  va_end (args);
  s->value = value;
  g_ptr_array_add (out, s);
}

static void
add_table (GPtrArray *out, JsonObject *details, const char *name)
{
  JsonNode *n = json_object_get_member (details, name);
  g_autoptr(GList) members = NULL;

  if (n == NULL || !JSON_NODE_HOLDS_OBJECT (n))
    return;
  members = json_object_get_members (json_node_get_object (n));
  for (GList *l = members; l != NULL; l = l->next)
    {
      JsonNode *t = json_object_get_member (json_node_get_object (n), l->data);
      JsonObject *o;
      if (t == NULL || !JSON_NODE_HOLDS_OBJECT (t))
        continue;
      o = json_node_get_object (t);
      if (json_object_has_member (o, "vqa_accuracy"))
        add (out, json_object_get_double_member_with_default (o, "vqa_accuracy", NAN),
             "eval/%s/%s/vqa_accuracy", name, (const char *) l->data);
      if (json_object_has_member (o, "exact_match"))
        add (out, json_object_get_double_member_with_default (o, "exact_match", NAN),
             "eval/%s/%s/exact_match", name, (const char *) l->data);
    }
}

GPtrArray *
pt_tb_row_scalars (const PtMetricsRow *row)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) pt_tb_scalar_free);

  if (row->kind == PT_METRICS_TRAIN)
    {
      const PtStepMetrics *m = &row->train;
      add (out, m->loss, "train/loss");
      add (out, m->lr, "train/learning_rate");
      add (out, m->grad_norm, "train/grad_norm");
      add (out, m->samples_per_s, "train/samples_per_s");
      add (out, m->tokens_per_s, "train/tokens_per_s");
      add (out, m->step_ms, "train/step_ms");
      add (out, m->memory_in_use / 1073741824.0, "train/memory_gib");
      add (out, m->memory_peak / 1073741824.0, "train/memory_peak_gib");
    }
  else
    {
      const PtEvalMetrics *m = row->eval;
      add (out, m->val_loss, "eval/val_loss");
      add (out, m->vqa_accuracy, "eval/vqa_accuracy");
      add (out, m->exact_match, "eval/exact_match");
      if (m->details != NULL && JSON_NODE_HOLDS_OBJECT (m->details))
        {
          add_table (out, json_node_get_object (m->details), "by_type");
          add_table (out, json_node_get_object (m->details), "by_answer_type");
        }
    }
  return out;
}

/* ---- files ---- */

static gboolean
append_records (const char *path, const char *mode, GByteArray *records, GError **error)
{
  FILE *f = g_fopen (path, mode);
  gboolean ok;

  if (f == NULL)
    {
      int saved = errno;
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot write the TensorBoard events: %s",
                   g_strerror (saved));
      return FALSE;
    }
  ok = fwrite (records->data, 1, records->len, f) == records->len;
  ok = (fclose (f) == 0) && ok;
  if (!ok)
    g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot write the TensorBoard events (disk full?)");
  return ok;
}

char *
pt_tb_file_new (const char *run_dir,
                double      wall_time,
                GError    **error)
{
  g_autofree char *name = g_strdup_printf (FILE_PREFIX "%" G_GINT64_FORMAT ".%s",
                                           (gint64) wall_time, g_get_host_name ());
  g_autofree char *path = g_build_filename (run_dir, name, NULL);
  g_autoptr(GByteArray) e = event_new (wall_time, 0);
  g_autoptr(GByteArray) records = g_byte_array_new ();
  static const char version[] = "brain.Event:2";

  put_bytes (e, 3, version, strlen (version));
  pt_tb_append_record (records, e->data, e->len);
  if (!append_records (path, "wb", records, error))
    return NULL;
  return g_steal_pointer (&path);
}

gboolean
pt_tb_file_append (const char         *path,
                   const PtMetricsRow *row,
                   double              wall_time,
                   GError            **error)
{
  g_autoptr(GPtrArray) scalars = pt_tb_row_scalars (row);
  g_autoptr(GByteArray) e = NULL;
  g_autoptr(GByteArray) summary = g_byte_array_new ();
  g_autoptr(GByteArray) records = g_byte_array_new ();

  if (scalars->len == 0)
    return TRUE;
  for (guint i = 0; i < scalars->len; i++)
    {
      PtTbScalar *s = scalars->pdata[i];
      g_autoptr(GByteArray) value = g_byte_array_new ();
      put_bytes (value, 1, s->tag, strlen (s->tag));
      put_float (value, 2, (float) s->value);
      put_bytes (summary, 1, value->data, value->len);
    }
  e = event_new (wall_time, row->step);
  put_bytes (e, 5, summary->data, summary->len);
  pt_tb_append_record (records, e->data, e->len);
  return append_records (path, "ab", records, error);
}

gboolean
pt_tb_remove_files (const char *run_dir,
                    GError    **error)
{
  g_autoptr(GDir) dir = g_dir_open (run_dir, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;
      if (!g_str_has_prefix (name, FILE_PREFIX))
        continue;
      path = g_build_filename (run_dir, name, NULL);
      if (g_remove (path) != 0 && errno != ENOENT)
        {
          int saved = errno;
          g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot remove the old TensorBoard events %s: %s",
                       name, g_strerror (saved));
          return FALSE;
        }
    }
  return TRUE;
}
