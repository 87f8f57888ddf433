/* pt-parquet-page.c — a Parquet column chunk's pages: headers,
 * decompression (snappy, gzip, zstd), the levels (RLE / bit-packed hybrid)
 * and the values (PLAIN, dictionary), read whole per row group or one cell
 * at a time for an image (see pt-parquet.h). */
#include "config.h"

#include <string.h>
#include <snappy-c.h>            /* snappy_uncompress */
#include <zlib.h>                /* inflate: gzip pages */
#include <zstd.h>                /* ZSTD_decompress */

#include "pt-error.h"
#include "pt-parquet-private.h"
#include "pt-thrift.h"

enum { PAGE_DATA = 0, PAGE_INDEX = 1, PAGE_DICTIONARY = 2, PAGE_DATA_V2 = 3 };
enum { ENC_PLAIN = 0, ENC_PLAIN_DICTIONARY = 2, ENC_RLE = 3, ENC_BIT_PACKED = 4,
       ENC_DELTA_BINARY_PACKED = 5, ENC_DELTA_LENGTH_BYTE_ARRAY = 6, ENC_DELTA_BYTE_ARRAY = 7,
       ENC_RLE_DICTIONARY = 8 };

static const char *
codec_name (int codec)
{
  static const char *const names[] = { "uncompressed", "snappy", "gzip", "LZO", "Brotli",
                                       "LZ4", "zstd", "LZ4_RAW" };
  return codec >= 0 && codec < (int) G_N_ELEMENTS (names) ? names[codec] : "unknown";
}

static const char *
encoding_name (int e)
{
  static const char *const names[] = { "PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE",
                                       "BIT_PACKED", "DELTA_BINARY_PACKED",
                                       "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY",
                                       "RLE_DICTIONARY", "BYTE_STREAM_SPLIT" };
  return e >= 0 && e < (int) G_N_ELEMENTS (names) ? names[e] : "unknown";
}

/* ---- pages ---- */

typedef struct {
  int     type;
  gint32  uncompressed, compressed;
  gint32  num_values;
  int     encoding;
  int     def_encoding, rep_encoding;     /* v1 */
  gint32  def_length, rep_length;         /* v2 */
  gboolean is_compressed;                 /* v2 */
  gsize   header_length;
} PageHeader;

static void
read_data_header (PtThrift *t, int type, PageHeader *h, gboolean v2)
{
  int last = 0, id, ft;

  if (!pt_thrift_enter (t, type))
    return;
  while (pt_thrift_next_field (t, &last, &id, &ft))
    switch (v2 ? id + 100 : id)
      {
      case 1: case 101: h->num_values = (gint32) pt_thrift_int (t, ft); break;
      case 2: case 104: h->encoding = (int) pt_thrift_int (t, ft); break;
      case 3: h->def_encoding = (int) pt_thrift_int (t, ft); break;
      case 4: h->rep_encoding = (int) pt_thrift_int (t, ft); break;
      case 105: h->def_length = (gint32) pt_thrift_int (t, ft); break;
      case 106: h->rep_length = (gint32) pt_thrift_int (t, ft); break;
      case 107: h->is_compressed = pt_thrift_int (t, ft) != 0; break;
      default: pt_thrift_skip (t, ft); break;
      }
  pt_thrift_leave (t);
}

/* The header at data (length bytes available). */
static gboolean
parse_page_header (PtParquetFile *f, const guint8 *data, gsize length, PageHeader *h,
                   const char *column, GError **error)
{
  PtThrift t;
  int last = 0, id, ft;

  memset (h, 0, sizeof *h);
  h->type = -1;
  h->is_compressed = TRUE;
  h->def_encoding = h->rep_encoding = ENC_RLE;
  pt_thrift_init (&t, data, length);
  pt_thrift_enter (&t, PT_THRIFT_STRUCT);
  while (pt_thrift_next_field (&t, &last, &id, &ft))
    switch (id)
      {
      case 1: h->type = (int) pt_thrift_int (&t, ft); break;
      case 2: h->uncompressed = (gint32) pt_thrift_int (&t, ft); break;
      case 3: h->compressed = (gint32) pt_thrift_int (&t, ft); break;
      case 5: read_data_header (&t, ft, h, FALSE); break;
      case 7:
        {
          /* DictionaryPageHeader: num_values, encoding */
          int l2 = 0, id2, ft2;
          if (!pt_thrift_enter (&t, ft))
            break;
          while (pt_thrift_next_field (&t, &l2, &id2, &ft2))
            if (id2 == 1)
              h->num_values = (gint32) pt_thrift_int (&t, ft2);
            else if (id2 == 2)
              h->encoding = (int) pt_thrift_int (&t, ft2);
            else
              pt_thrift_skip (&t, ft2);
          pt_thrift_leave (&t);
        }
        break;
      case 8: read_data_header (&t, ft, h, TRUE); break;
      default: pt_thrift_skip (&t, ft); break;
      }
  if (t.error != NULL)
    return pt_parquet_fail (f, error, "column %s: a page header is damaged (%s)", column, t.error);
  h->header_length = (gsize) (t.p - data);
  if (h->compressed < 0 || h->uncompressed < 0 || (gsize) h->uncompressed > MAX_PAGE
      || h->num_values < 0 || (guint32) h->num_values > MAX_PAGE_VALUES
      || h->def_length < 0 || h->rep_length < 0
      || (gint64) h->def_length + h->rep_length > h->compressed
      || (gint64) h->def_length + h->rep_length > h->uncompressed)
    return pt_parquet_fail (f, error, "column %s: a page header has impossible sizes or counts",
                            column);
  return TRUE;
}

static gboolean
decompress (PtParquetFile *f, int codec, const guint8 *src, gsize src_len, guint8 *dst,
            gsize dst_len, const char *column, GError **error)
{
  switch (codec)
    {
    case 0:
      if (src_len != dst_len)
        return pt_parquet_fail (f, error, "column %s: an uncompressed page of %" G_GSIZE_FORMAT " bytes "
                                "claims %" G_GSIZE_FORMAT, column, src_len, dst_len);
      memcpy (dst, src, src_len);
      return TRUE;
    case 1:
      {
        size_t n = 0;
        if (snappy_uncompressed_length ((const char *) src, src_len, &n) != SNAPPY_OK
            || n != dst_len)
          return pt_parquet_fail (f, error, "column %s: a snappy page is damaged", column);
        if (snappy_uncompress ((const char *) src, src_len, (char *) dst, &n) != SNAPPY_OK
            || n != dst_len)
          return pt_parquet_fail (f, error, "column %s: a snappy page is damaged", column);
        return TRUE;
      }
    case 2:
      {
        z_stream z;
        int rc;
        memset (&z, 0, sizeof z);
        if (inflateInit2 (&z, 15 + 32) != Z_OK)   /* gzip or zlib header */
          return pt_parquet_fail (f, error, "column %s: zlib cannot start", column);
        z.next_in = (Bytef *) src;
        z.avail_in = (uInt) src_len;
        z.next_out = dst;
        z.avail_out = (uInt) dst_len;
        rc = inflate (&z, Z_FINISH);
        inflateEnd (&z);
        if ((rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && z.avail_out == 0))
            || z.total_out != dst_len)
          return pt_parquet_fail (f, error, "column %s: a gzip page is damaged", column);
        return TRUE;
      }
    case 6:
      {
        size_t n = ZSTD_decompress (dst, dst_len, src, src_len);
        if (ZSTD_isError (n) || n != dst_len)
          return pt_parquet_fail (f, error, "column %s: a zstd page is damaged (%s)", column,
                                  ZSTD_isError (n) ? ZSTD_getErrorName (n) : "wrong size");
        return TRUE;
      }
    default:
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "%s: column %s is compressed with %s; PaliTune reads uncompressed, snappy, "
                   "gzip and zstd Parquet (pyarrow’s compression= option)",
                   f->display, column, codec_name (codec));
      return FALSE;
    }
}

/* ---- the RLE / bit-packed hybrid ---- */

static gboolean
rle_decode (const guint8 *p, gsize length, int bit_width, guint32 *out, guint n)
{
  const guint8 *end = p + length;
  guint done = 0;
  guint bytes = (guint) (bit_width + 7) / 8;

  if (bit_width < 0 || bit_width > 32)
    return FALSE;
  while (done < n)
    {
      guint64 header = 0;
      for (int shift = 0;; shift += 7)
        {
          if (p >= end || shift > 35)
            return FALSE;
          header |= (guint64) (*p & 0x7f) << shift;
          if ((*p++ & 0x80) == 0)
            break;
        }
      if (header & 1)
        {
          /* bit-packed: (header >> 1) groups of 8 values, LSB first */
          guint64 count = (header >> 1) * 8;
          guint64 need = (header >> 1) * (guint64) bit_width;
          guint64 bitpos = 0;
          if (need > (guint64) (end - p))
            {
              /* the last run may be cut short: take what is there */
              need = (guint64) (end - p);
              count = MIN (count, bit_width ? need * 8 / (guint) bit_width : count);
            }
          for (guint64 k = 0; k < count && done < n; k++)
            {
              guint32 v = 0;
              for (int b = 0; b < bit_width; b++, bitpos++)
                v |= (guint32) ((p[bitpos >> 3] >> (bitpos & 7)) & 1) << b;
              out[done++] = v;
            }
          p += need;
          if (count == 0)
            return FALSE;
        }
      else
        {
          guint64 count = header >> 1;
          guint32 v = 0;
          if (bytes > (gsize) (end - p) || count == 0)
            return FALSE;
          for (guint b = 0; b < bytes; b++)
            v |= (guint32) p[b] << (8 * b);
          p += bytes;
          if (bit_width < 32 && (v >> bit_width) != 0)
            return FALSE;
          for (guint64 k = 0; k < count && done < n; k++)
            out[done++] = v;
        }
    }
  return TRUE;
}

static int
bit_width_of (guint32 max)
{
  int w = 0;

  while (max > 0)
    {
      w++;
      max >>= 1;
    }
  return w;
}

/* A decoded data page: levels, and where its values start. */
typedef struct {
  guint32      *reps, *defs;   /* NULL where the leaf has none */
  guint         n;             /* level slots */
  guint         n_present;     /* slots with def == max_def */
  const guint8 *values;
  gsize         values_length;
  int           encoding;
  guint8       *owned;
  guint8       *decoded;       /* values rebuilt by the DELTA encodings */
} Page;

static void
page_clear (Page *pg)
{
  g_free (pg->reps);
  g_free (pg->defs);
  g_free (pg->owned);
  g_free (pg->decoded);
  memset (pg, 0, sizeof *pg);
}

/* Levels of a v1 page: a 4-byte length, then the hybrid. */
static gboolean
v1_levels (const guint8 **p, const guint8 *end, int max, guint n, guint32 **out)
{
  guint32 len;

  if (end - *p < 4)
    return FALSE;
  len = pt_read_le32 (*p);
  *p += 4;
  if (len > (guint64) (end - *p))
    return FALSE;
  *out = g_new (guint32, MAX (n, 1));
  if (!rle_decode (*p, len, bit_width_of ((guint32) max), *out, n))
    return FALSE;
  *p += len;
  return TRUE;
}

static gboolean
decode_page_inner (PtParquetFile *f, const PtParquetLeaf *leaf, int codec, const PageHeader *h,
                   const guint8 *payload, Page *pg, GError **error)
{
  const guint8 *p, *end;

  memset (pg, 0, sizeof *pg);
  pg->n = (guint) h->num_values;
  pg->encoding = h->encoding;
  if (h->type == PAGE_DATA)
    {
      pg->owned = g_malloc (MAX ((gsize) h->uncompressed, 1));
      if (!decompress (f, codec, payload, (gsize) h->compressed, pg->owned,
                       (gsize) h->uncompressed, leaf->path, error))
        return FALSE;
      p = pg->owned;
      end = p + h->uncompressed;
      if ((leaf->max_rep > 0 && h->rep_encoding != ENC_RLE)
          || (leaf->max_def > 0 && h->def_encoding != ENC_RLE))
        return pt_parquet_fail (f, error, "column %s: levels in %s encoding are not supported",
                                leaf->path,
                                encoding_name (leaf->max_rep > 0 && h->rep_encoding != ENC_RLE
                                                 ? h->rep_encoding : h->def_encoding));
      if ((leaf->max_rep > 0 && !v1_levels (&p, end, leaf->max_rep, pg->n, &pg->reps))
          || (leaf->max_def > 0 && !v1_levels (&p, end, leaf->max_def, pg->n, &pg->defs)))
        return pt_parquet_fail (f, error, "column %s: the levels of a page are damaged",
                                leaf->path);
      pg->values = p;
      pg->values_length = (gsize) (end - p);
    }
  else
    {
      /* v2: levels first, never compressed; then the values */
      gsize levels = (gsize) h->rep_length + (gsize) h->def_length;
      gsize vlen = (gsize) h->uncompressed - levels;
      const guint8 *src = payload + levels;
      gsize src_len = (gsize) h->compressed - levels;
      if (leaf->max_rep > 0)
        {
          pg->reps = g_new (guint32, MAX (pg->n, 1));
          if (!rle_decode (payload, (gsize) h->rep_length, bit_width_of ((guint32) leaf->max_rep),
                           pg->reps, pg->n))
            return pt_parquet_fail (f, error, "column %s: the repetition levels of a page are damaged",
                                    leaf->path);
        }
      if (leaf->max_def > 0)
        {
          pg->defs = g_new (guint32, MAX (pg->n, 1));
          if (!rle_decode (payload + h->rep_length, (gsize) h->def_length,
                           bit_width_of ((guint32) leaf->max_def), pg->defs, pg->n))
            return pt_parquet_fail (f, error, "column %s: the definition levels of a page are damaged",
                                    leaf->path);
        }
      pg->owned = g_malloc (MAX (vlen, 1));
      if (!decompress (f, h->is_compressed ? codec : 0, src, src_len, pg->owned, vlen,
                       leaf->path, error))
        return FALSE;
      pg->values = pg->owned;
      pg->values_length = vlen;
    }
  for (guint i = 0; i < pg->n; i++)
    {
      guint32 d = pg->defs != NULL ? pg->defs[i] : 0;
      if (d > (guint32) leaf->max_def || (pg->reps != NULL && pg->reps[i] > (guint32) leaf->max_rep))
        return pt_parquet_fail (f, error, "column %s: a page has levels above the schema’s",
                                leaf->path);
      pg->n_present += d == (guint32) leaf->max_def;
    }
  return TRUE;
}

/* Levels and values of a data page; on failure pg holds nothing. */
static gboolean
decode_page (PtParquetFile *f, const PtParquetLeaf *leaf, int codec, const PageHeader *h,
             const guint8 *payload, Page *pg, GError **error)
{
  if (decode_page_inner (f, leaf, codec, h, payload, pg, error))
    return TRUE;
  page_clear (pg);
  return FALSE;
}

/* ---- values ---- */

typedef struct {
  const guint8 *p;
  guint32       n;
} Slice;

/* The next PLAIN value of the leaf's type at *p (booleans: bit *bit). */
static gboolean
plain_next (const PtParquetLeaf *leaf, const guint8 **p, const guint8 *end, guint *bit, Slice *out)
{
  static const guint8 truth[2] = { 0, 1 };
  gsize size;

  switch (leaf->type)
    {
    case PT_PARQUET_BOOLEAN:
      if (*p >= end)
        return FALSE;
      out->p = &truth[((*p)[0] >> *bit) & 1];
      out->n = 1;
      if (++*bit == 8)
        {
          *bit = 0;
          (*p)++;
        }
      return TRUE;
    case PT_PARQUET_BYTE_ARRAY:
      if (end - *p < 4)
        return FALSE;
      size = pt_read_le32 (*p);
      *p += 4;
      break;
    case PT_PARQUET_INT32: case PT_PARQUET_FLOAT: size = 4; break;
    case PT_PARQUET_INT64: case PT_PARQUET_DOUBLE: size = 8; break;
    case PT_PARQUET_INT96: size = 12; break;
    default: size = (gsize) MAX (leaf->type_length, 0); break;
    }
  if (size > (gsize) (end - *p))
    return FALSE;
  out->p = *p;
  out->n = (guint32) size;
  *p += size;
  return TRUE;
}

/* Appends a value as text: numbers in decimal, bytes as they are. */
static void
push_value (PtColumnValues *v, const PtParquetLeaf *leaf, Slice s)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  switch (leaf->type)
    {
    case PT_PARQUET_BOOLEAN:
      pt_column_values_push (v, s.p[0] ? "true" : "false", s.p[0] ? 4 : 5);
      return;
    case PT_PARQUET_INT32:
      {
        gint32 x;
        memcpy (&x, s.p, 4);
        g_snprintf (buf, sizeof buf, "%d", GINT32_FROM_LE (x));
      }
      break;
    case PT_PARQUET_INT64:
      {
        gint64 x;
        memcpy (&x, s.p, 8);
        g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, GINT64_FROM_LE (x));
      }
      break;
    case PT_PARQUET_FLOAT:
      {
        float x;
        memcpy (&x, s.p, 4);
        g_ascii_formatd (buf, sizeof buf, "%g", x);
      }
      break;
    case PT_PARQUET_DOUBLE:
      {
        double x;
        memcpy (&x, s.p, 8);
        g_ascii_dtostr (buf, sizeof buf, x);
      }
      break;
    case PT_PARQUET_INT96:
      buf[0] = '\0';
      break;
    default:
      pt_column_values_push (v, s.p, s.n);
      return;
    }
  pt_column_values_push (v, buf, strlen (buf));
}

/* The dictionary page's values. */
static gboolean
read_dictionary (PtParquetFile *f, const PtParquetLeaf *leaf, int codec, const PageHeader *h,
                 const guint8 *payload, guint8 **owned, GArray *dict, GError **error)
{
  const guint8 *p, *end;
  guint bit = 0;

  if (h->encoding != ENC_PLAIN && h->encoding != ENC_PLAIN_DICTIONARY)
    return pt_parquet_fail (f, error, "column %s: a dictionary in %s encoding", leaf->path,
                            encoding_name (h->encoding));
  g_clear_pointer (owned, g_free);
  g_array_set_size (dict, 0);
  *owned = g_malloc (MAX ((gsize) h->uncompressed, 1));
  if (!decompress (f, codec, payload, (gsize) h->compressed, *owned, (gsize) h->uncompressed,
                   leaf->path, error))
    return FALSE;
  p = *owned;
  end = p + h->uncompressed;
  for (gint32 i = 0; i < h->num_values; i++)
    {
      Slice s;
      if (!plain_next (leaf, &p, end, &bit, &s))
        return pt_parquet_fail (f, error, "column %s: its dictionary page is damaged", leaf->path);
      g_array_append_val (dict, s);
    }
  return TRUE;
}

/* Limits what DELTA_BYTE_ARRAY's shared prefixes may rebuild from one page. */
#define MAX_DELTA_BYTES ((gsize) 256 << 20)

/* DELTA_BINARY_PACKED integers, DELTA_LENGTH_BYTE_ARRAY (lengths, then the
 * bytes) and DELTA_BYTE_ARRAY (prefix lengths, then suffixes as
 * DELTA_LENGTH_BYTE_ARRAY; each value starts with the previous one's prefix). */
static gboolean
delta_values (PtParquetFile *f, const PtParquetLeaf *leaf, Page *pg, GArray *out, GError **error)
{
  const guint8 *p = pg->values, *end = pg->values + pg->values_length;
  guint n = pg->n_present;
  g_autofree guint64 *a = g_new (guint64, MAX (n, 1));
  g_autofree guint64 *b = NULL;
  gsize used;

  if (!pt_parquet_delta_ints (p, (gsize) (end - p), a, n, &used))
    return pt_parquet_fail (f, error, "column %s: a DELTA-encoded page is damaged", leaf->path);
  p += used;
  if (pg->encoding == ENC_DELTA_BINARY_PACKED)
    {
      gsize size = leaf->type == PT_PARQUET_INT32 ? 4 : 8;
      if (leaf->type != PT_PARQUET_INT32 && leaf->type != PT_PARQUET_INT64)
        return pt_parquet_fail (f, error, "column %s: DELTA_BINARY_PACKED on a non-integer column",
                                leaf->path);
      pg->decoded = g_malloc (MAX (n * size, 1));
      for (guint i = 0; i < n; i++)
        {
          guint64 le = GUINT64_TO_LE (a[i]);
          guint32 le32 = GUINT32_TO_LE ((guint32) a[i]);
          Slice s = { pg->decoded + i * size, (guint32) size };
          memcpy (pg->decoded + i * size, size == 4 ? (const void *) &le32 : (const void *) &le,
                  size);
          g_array_append_val (out, s);
        }
      return TRUE;
    }
  if (leaf->type != PT_PARQUET_BYTE_ARRAY)
    return pt_parquet_fail (f, error, "column %s: a DELTA byte-array encoding on another type",
                            leaf->path);
  if (pg->encoding == ENC_DELTA_LENGTH_BYTE_ARRAY)
    {
      for (guint i = 0; i < n; i++)
        {
          Slice s = { p, (guint32) a[i] };
          if (a[i] > (guint64) (end - p))
            return pt_parquet_fail (f, error, "column %s: a DELTA_LENGTH_BYTE_ARRAY page is "
                                    "shorter than its lengths", leaf->path);
          p += a[i];
          g_array_append_val (out, s);
        }
      return TRUE;
    }
  /* DELTA_BYTE_ARRAY: a holds the prefix lengths, b the suffix lengths */
  {
    gsize total = 0, prev = 0, at = 0;
    const guint8 *suffix;
    b = g_new (guint64, MAX (n, 1));
    if (!pt_parquet_delta_ints (p, (gsize) (end - p), b, n, &used))
      return pt_parquet_fail (f, error, "column %s: a DELTA_BYTE_ARRAY page is damaged",
                              leaf->path);
    p += used;
    suffix = p;
    for (guint i = 0; i < n; i++)
      {
        if (a[i] > prev || b[i] > (guint64) (end - p) || a[i] + b[i] > MAX_DELTA_BYTES - total)
          return pt_parquet_fail (f, error, "column %s: a DELTA_BYTE_ARRAY page is damaged",
                                  leaf->path);
        p += b[i];
        prev = (gsize) (a[i] + b[i]);
        total += prev;
      }
    pg->decoded = g_malloc (MAX (total, 1));
    p = suffix;
    prev = 0;
    for (guint i = 0; i < n; i++)
      {
        Slice s = { pg->decoded + at, (guint32) (a[i] + b[i]) };
        if (i > 0)
          memcpy (pg->decoded + at, pg->decoded + prev, a[i]);
        memcpy (pg->decoded + at + a[i], p, b[i]);
        p += b[i];
        prev = at;
        at += s.n;
        g_array_append_val (out, s);
      }
    return TRUE;
  }
}

/* The page's present values, PLAIN or as dictionary indices, into slices. */
static gboolean
page_values (PtParquetFile *f, const PtParquetLeaf *leaf, Page *pg, GArray *dict, GArray *out,
             GError **error)
{
  g_array_set_size (out, 0);
  if (pg->encoding == ENC_PLAIN)
    {
      const guint8 *p = pg->values, *end = pg->values + pg->values_length;
      guint bit = 0;
      for (guint i = 0; i < pg->n_present; i++)
        {
          Slice s;
          if (!plain_next (leaf, &p, end, &bit, &s))
            return pt_parquet_fail (f, error, "column %s: a page holds fewer values than its levels say",
                                    leaf->path);
          g_array_append_val (out, s);
        }
      return TRUE;
    }
  if (pg->encoding == ENC_PLAIN_DICTIONARY || pg->encoding == ENC_RLE_DICTIONARY)
    {
      g_autofree guint32 *idx = NULL;
      if (pg->n_present == 0)
        return TRUE;
      if (pg->values_length < 1)
        return pt_parquet_fail (f, error, "column %s: a dictionary-encoded page is empty",
                                leaf->path);
      idx = g_new (guint32, pg->n_present);
      if (!rle_decode (pg->values + 1, pg->values_length - 1, pg->values[0], idx, pg->n_present))
        return pt_parquet_fail (f, error, "column %s: the dictionary indices of a page are damaged",
                                leaf->path);
      for (guint i = 0; i < pg->n_present; i++)
        {
          if (idx[i] >= dict->len)
            return pt_parquet_fail (f, error, "column %s: a page refers to dictionary entry %u of %u",
                                    leaf->path, idx[i], dict->len);
          g_array_append_val (out, g_array_index (dict, Slice, idx[i]));
        }
      return TRUE;
    }
  if (pg->encoding == ENC_DELTA_BINARY_PACKED || pg->encoding == ENC_DELTA_LENGTH_BYTE_ARRAY
      || pg->encoding == ENC_DELTA_BYTE_ARRAY)
    return delta_values (f, leaf, pg, out, error);
  g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
               "%s: column %s is stored in %s encoding; PaliTune reads PLAIN, dictionary "
               "and DELTA encodings", f->display, leaf->path, encoding_name (pg->encoding));
  return FALSE;
}

gboolean
pt_parquet_read_column (PtParquetFile  *f,
                        guint           g,
                        guint           l,
                        gboolean        presence_only,
                        PtColumnValues *out,
                        GError        **error)
{
  const PtParquetLeaf *leaf = pt_parquet_get_leaf (f, l);
  const PtParquetChunk *c = pt_parquet_get_chunk (f, g, l);
  g_autofree guint8 *buf = NULL;
  g_autofree guint8 *dict_owned = NULL;
  g_autoptr(GArray) dict = g_array_new (FALSE, FALSE, sizeof (Slice));
  g_autoptr(GArray) vals = g_array_new (FALSE, FALSE, sizeof (Slice));
  gint64 rows = 0, want = f->rg_rows[g], values = 0;
  gsize pos = 0;
  guint first_row = out->first->len - 1;

  buf = g_malloc ((gsize) c->length);
  if (!pt_parquet_read_at (f, c->start, (gsize) c->length, buf, error))
    return FALSE;
  while (pos < (gsize) c->length && values < c->num_values)
    {
      PageHeader h;
      Page pg;
      const guint8 *payload;
      guint next = 0;

      if (!parse_page_header (f, buf + pos, (gsize) c->length - pos, &h, leaf->path, error))
        return FALSE;
      payload = buf + pos + h.header_length;
      if ((gsize) h.compressed > (gsize) c->length - pos - h.header_length)
        return pt_parquet_fail (f, error, "column %s of row group %u: a page runs past its chunk",
                                leaf->path, g + 1);
      pos += h.header_length + (gsize) h.compressed;
      if (h.type == PAGE_DICTIONARY)
        {
          if (!presence_only
              && !read_dictionary (f, leaf, c->codec, &h, payload, &dict_owned, dict, error))
            return FALSE;
          continue;
        }
      if (h.type != PAGE_DATA && h.type != PAGE_DATA_V2)
        continue;
      if (!decode_page (f, leaf, c->codec, &h, payload, &pg, error)
          || (!presence_only && !page_values (f, leaf, &pg, dict, vals, error)))
        {
          page_clear (&pg);
          return FALSE;
        }
      for (guint i = 0; i < pg.n; i++)
        {
          guint32 rep = pg.reps != NULL ? pg.reps[i] : 0;
          guint32 def = pg.defs != NULL ? pg.defs[i] : (guint32) leaf->max_def;
          if (rep == 0)
            {
              if (rows++ > 0)
                pt_column_values_end_row (out);
            }
          else if (rows == 0)
            {
              page_clear (&pg);
              return pt_parquet_fail (f, error, "column %s of row group %u starts inside a row",
                                      leaf->path, g + 1);
            }
          if (def == (guint32) leaf->max_def)
            {
              if (presence_only)
                pt_column_values_push (out, "", 0);
              else
                push_value (out, leaf, g_array_index (vals, Slice, next++));
            }
        }
      values += pg.n;
      page_clear (&pg);
    }
  if (rows > 0)
    pt_column_values_end_row (out);
  if (rows != want)
    {
      /* leave out as it was: whole row groups or nothing */
      g_array_set_size (out->first, first_row + 1);
      return pt_parquet_fail (f, error, "column %s of row group %u has %" G_GINT64_FORMAT " rows, the row "
                              "group %" G_GINT64_FORMAT, leaf->path, g + 1, rows, want);
    }
  return TRUE;
}

/* A page header at offset (reading no more than needed, within the chunk). */
static gboolean
read_page_header (PtParquetFile *f, gint64 offset, gint64 end, PageHeader *h, const char *column,
                  GError **error)
{
  gsize want = (gsize) MIN (end - offset, 256);
  g_autofree guint8 *buf = NULL;

  /* headers are small; statistics can make one larger: grow and retry */
  for (;;)
    {
      GError *local = NULL;
      buf = g_realloc (buf, want);
      if (!pt_parquet_read_at (f, offset, want, buf, error))
        return FALSE;
      if (parse_page_header (f, buf, want, h, column, &local)
          && h->compressed <= end - offset - (gint64) h->header_length)
        return TRUE;
      if (local == NULL)
        return pt_parquet_fail (f, error, "column %s: a page runs past its chunk", column);
      if ((gint64) want >= end - offset || want >= (1u << 20))
        {
          g_propagate_error (error, local);
          return FALSE;
        }
      g_error_free (local);
      want = (gsize) MIN (end - offset, (gint64) want * 8);
    }
}

GBytes *
pt_parquet_read_cell (PtParquetFile *f,
                      gint64         start,
                      gint64         length,
                      int            codec,
                      int            max_def,
                      gint64         row,
                      GError       **error)
{
  PtParquetLeaf leaf = { (char *) "image", NULL, PT_PARQUET_BYTE_ARRAY, 0, max_def, 0, FALSE };
  gint64 pos = start, end, dict_at = -1, seen = 0;
  PageHeader dict_h = { 0 };

  if (start < 4 || length <= 0 || start > f->size || length > f->size - start || max_def < 0
      || max_def > 32 || row < 0)
    {
      pt_parquet_fail (f, error, "an image reference points outside it");
      return NULL;
    }
  end = start + length;
  while (pos < end)
    {
      PageHeader h;
      g_autofree guint8 *payload = NULL;
      g_autoptr(GArray) dict = NULL;
      g_autoptr(GArray) vals = NULL;
      g_autofree guint8 *dict_owned = NULL;
      Page pg;
      guint k = 0;

      if (!read_page_header (f, pos, end, &h, leaf.path, error))
        return NULL;
      if (h.type == PAGE_DICTIONARY)
        {
          dict_at = pos + (gint64) h.header_length;
          dict_h = h;
        }
      if ((h.type != PAGE_DATA && h.type != PAGE_DATA_V2) || row >= seen + h.num_values)
        {
          if (h.type == PAGE_DATA || h.type == PAGE_DATA_V2)
            seen += h.num_values;
          pos += (gint64) h.header_length + h.compressed;
          continue;
        }
      /* the page that holds the row */
      payload = g_malloc (MAX ((gsize) h.compressed, 1));
      if (!pt_parquet_read_at (f, pos + (gint64) h.header_length, (gsize) h.compressed, payload, error)
          || !decode_page (f, &leaf, codec, &h, payload, &pg, error))
        return NULL;
      for (gint64 i = 0; i < row - seen; i++)
        k += pg.defs == NULL || pg.defs[i] == (guint32) max_def;
      if (pg.defs != NULL && pg.defs[row - seen] != (guint32) max_def)
        {
          page_clear (&pg);
          g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s: the row has no image bytes",
                       f->display);
          return NULL;
        }
      dict = g_array_new (FALSE, FALSE, sizeof (Slice));
      vals = g_array_new (FALSE, FALSE, sizeof (Slice));
      if (pg.encoding == ENC_PLAIN_DICTIONARY || pg.encoding == ENC_RLE_DICTIONARY)
        {
          g_autofree guint8 *dpayload = NULL;
          if (dict_at < 0)
            {
              page_clear (&pg);
              pt_parquet_fail (f, error, "column %s: a dictionary-encoded page without a dictionary",
                               leaf.path);
              return NULL;
            }
          dpayload = g_malloc (MAX ((gsize) dict_h.compressed, 1));
          if (!pt_parquet_read_at (f, dict_at, (gsize) dict_h.compressed, dpayload, error)
              || !read_dictionary (f, &leaf, codec, &dict_h, dpayload, &dict_owned, dict, error))
            {
              page_clear (&pg);
              return NULL;
            }
        }
      if (!page_values (f, &leaf, &pg, dict, vals, error))
        {
          page_clear (&pg);
          return NULL;
        }
      {
        Slice s = g_array_index (vals, Slice, k);
        GBytes *bytes = g_bytes_new (s.p, s.n);
        page_clear (&pg);
        return bytes;
      }
    }
  pt_parquet_fail (f, error, "row %" G_GINT64_FORMAT " of an image column is past its pages", row);
  return NULL;
}
