/* test-safetensors.c — the safetensors reader and writer against files the
 * Python safetensors package wrote, round trips, atomic writes, malformed input. */
#include "config.h"

#include <string.h>        /* memcmp, strstr */
#include <glib/gstdio.h>   /* g_mkdir */

#include "pt-error.h"
#include "pt-run.h"          /* pt_rmtree */
#include "pt-safetensors.h"
#include "pt-test-util.h"

static char *
fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "fixtures", "io", name, NULL);
}

static guint
count_entries (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  guint n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

static void
test_read_python_file (void)
{
  g_autofree char *path = fixture ("mixed.safetensors");
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSafetensors) st = pt_safetensors_open (path, &error);
  const PtStTensor *t;
  g_auto(GStrv) keys = NULL;
  int32_t i32[3];
  int64_t i64[2];
  guint16 f16[3];

  g_assert_no_error (error);
  g_assert_cmpuint (pt_safetensors_n_tensors (st), ==, 13);
  /* name order */
  g_assert_cmpstr (pt_safetensors_tensor (st, 0)->name, ==, "a_bool");
  g_assert_cmpstr (pt_safetensors_tensor (st, 12)->name, ==, "z\"q\\é");

  t = pt_safetensors_find (st, "g_i32");
  g_assert_nonnull (t);
  g_assert_cmpint (t->dtype, ==, PT_ST_I32);
  g_assert_cmpint (t->n_dims, ==, 1);
  g_assert_cmpint (t->shape[0], ==, 3);
  memcpy (i32, t->data, sizeof i32);
  g_assert_cmpint (i32[0], ==, 7);
  g_assert_cmpint (i32[1], ==, -8);
  g_assert_cmpint (i32[2], ==, 9);

  t = pt_safetensors_find (st, "j_i64");
  memcpy (i64, t->data, sizeof i64);
  g_assert_cmpint (i64[0], ==, G_GINT64_CONSTANT (1) << 40);
  g_assert_cmpint (i64[1], ==, -5);

  t = pt_safetensors_find (st, "e_f16");
  g_assert_cmpint (t->dtype, ==, PT_ST_F16);
  memcpy (f16, t->data, sizeof f16);
  g_assert_cmphex (f16[0], ==, 0x3e00);   /* 1.5 */
  g_assert_cmphex (f16[1], ==, 0xc080);   /* -2.25 */

  t = pt_safetensors_find (st, "f_bf16");
  g_assert_cmpint (t->n_dims, ==, 2);
  g_assert_cmpint (t->shape[0], ==, 1);
  g_assert_cmpint (t->shape[1], ==, 3);
  g_assert_cmpuint (t->n_bytes, ==, 6);

  t = pt_safetensors_find (st, "scalar");
  g_assert_cmpint (t->n_dims, ==, 0);
  g_assert_cmpuint (t->n_elements, ==, 1);
  g_assert_cmpfloat (*(const float *) t->data, ==, 2.5f);

  t = pt_safetensors_find (st, "empty");
  g_assert_cmpuint (t->n_elements, ==, 0);
  g_assert_cmpuint (t->n_bytes, ==, 0);

  g_assert_null (pt_safetensors_find (st, "nope"));
  g_assert_cmpstr (pt_safetensors_metadata (st, "format"), ==, "p\nt\"é");
  g_assert_null (pt_safetensors_metadata (st, "other"));
  keys = pt_safetensors_metadata_keys (st);
  g_assert_cmpuint (g_strv_length (keys), ==, 1);
}

/* rewriting every tensor of a Python-written file gives the same bytes */
static void
rewrite_and_compare (const char *name)
{
  g_autofree char *path = fixture (name);
  g_autofree char *dir = pt_test_make_temp_dir ("pt-test-st-XXXXXX");
  g_autofree char *out = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSafetensors) st = pt_safetensors_open (path, &error);
  g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
  g_auto(GStrv) keys = NULL;
  g_autofree char *a = NULL, *b = NULL;
  gsize la = 0, lb = 0;

  g_assert_no_error (error);
  /* add in reverse order: the writer sorts */
  for (guint i = pt_safetensors_n_tensors (st); i-- > 0;)
    {
      const PtStTensor *t = pt_safetensors_tensor (st, i);
      g_assert_true (pt_safetensors_writer_add (w, t->name, t->dtype, t->n_dims, t->shape, t->data, &error));
      g_assert_no_error (error);
    }
  keys = pt_safetensors_metadata_keys (st);
  for (guint i = 0; keys[i] != NULL; i++)
    pt_safetensors_writer_set_metadata (w, keys[i], pt_safetensors_metadata (st, keys[i]));
  g_assert_true (pt_safetensors_writer_write (w, out, &error));
  g_assert_no_error (error);

  g_assert_true (g_file_get_contents (path, &a, &la, NULL));
  g_assert_true (g_file_get_contents (out, &b, &lb, NULL));
  g_assert_cmpuint (pt_safetensors_writer_file_size (w), ==, lb);
  g_assert_cmpmem (a, la, b, lb);
  pt_rmtree (dir, NULL);
}

static void
test_writer_matches_python (void)
{
  rewrite_and_compare ("mixed.safetensors");
  rewrite_and_compare ("empty.safetensors");
  rewrite_and_compare ("dtypes.safetensors");
}

static void
test_round_trip (void)
{
  g_autofree char *dir = pt_test_make_temp_dir ("pt-test-st-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "rt.safetensors", NULL);
  g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSafetensors) st = NULL;
  float a[6] = { 1, -2, 3.5f, 1e-30f, -0.0f, 7 };
  double b[2] = { 1.0 / 3.0, -1e300 };
  guint8 c[5] = { 1, 2, 3, 4, 5 };
  int64_t sa[2] = { 2, 3 }, sb[1] = { 2 }, sc[3] = { 1, 5, 1 };
  const PtStTensor *t;

  g_assert_true (pt_safetensors_writer_add (w, "w.a", PT_ST_F32, 2, sa, a, &error));
  g_assert_true (pt_safetensors_writer_add (w, "b", PT_ST_F64, 1, sb, b, &error));
  g_assert_true (pt_safetensors_writer_add (w, "c", PT_ST_U8, 3, sc, c, &error));
  g_assert_no_error (error);
  /* a repeated name is refused */
  g_assert_false (pt_safetensors_writer_add (w, "b", PT_ST_F64, 1, sb, b, &error));
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);
  pt_safetensors_writer_set_metadata (w, "format", "pt");
  pt_safetensors_writer_set_metadata (w, "step", "12");
  pt_safetensors_writer_set_metadata (w, "format", "np");   /* replaces */
  g_assert_cmpuint (pt_safetensors_writer_n_tensors (w), ==, 3);
  g_assert_true (pt_safetensors_writer_write (w, path, &error));
  g_assert_no_error (error);

  st = pt_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pt_safetensors_n_tensors (st), ==, 3);
  t = pt_safetensors_find (st, "w.a");
  g_assert_cmpmem (t->data, t->n_bytes, a, sizeof a);
  g_assert_cmpint (t->shape[1], ==, 3);
  t = pt_safetensors_find (st, "b");
  g_assert_cmpmem (t->data, t->n_bytes, b, sizeof b);
  g_assert_true (((guintptr) t->data) % 8 == 0);   /* widest first: aligned */
  t = pt_safetensors_find (st, "c");
  g_assert_cmpmem (t->data, t->n_bytes, c, sizeof c);
  g_assert_cmpint (t->n_dims, ==, 3);
  g_assert_cmpstr (pt_safetensors_metadata (st, "format"), ==, "np");
  g_assert_cmpstr (pt_safetensors_metadata (st, "step"), ==, "12");
  g_clear_pointer (&st, pt_safetensors_free);
  g_assert_cmpuint (count_entries (dir), ==, 1);
  pt_rmtree (dir, NULL);
}

static void
test_atomic_failure (void)
{
  g_autofree char *dir = pt_test_make_temp_dir ("pt-test-st-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "model.safetensors", NULL);
  g_autofree char *sub = g_build_filename (dir, "sub", NULL);
  g_autofree char *missing = g_build_filename (dir, "no", "such", "x.safetensors", NULL);
  g_autofree char *before = NULL, *after = NULL;
  gsize lb = 0, la = 0;
  g_autoptr(GError) error = NULL;
  float big[4096];
  int64_t shape[1] = { 4096 };

  for (int i = 0; i < 4096; i++)
    big[i] = (float) i;

  /* a good first version */
  {
    g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
    g_assert_true (pt_safetensors_writer_add (w, "x", PT_ST_F32, 1, shape, big, &error));
    g_assert_true (pt_safetensors_writer_write (w, path, &error));
    g_assert_no_error (error);
  }
  g_assert_true (g_file_get_contents (path, &before, &lb, NULL));

  /* failures at several points of the write: the old file stays, no temp is left */
  for (gint64 fail_at = 0; fail_at < 16400; fail_at += 4100)
    {
      g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
      float other[4096] = { 0 };
      g_assert_true (pt_safetensors_writer_add (w, "x", PT_ST_F32, 1, shape, other, &error));
      pt_safetensors_writer_inject_failure (w, fail_at);
      g_assert_false (pt_safetensors_writer_write (w, path, &error));
      g_assert_error (error, PT_ERROR, PT_ERROR_IO);
      g_assert_nonnull (strstr (error->message, "model.safetensors"));
      g_clear_error (&error);
      g_assert_true (g_file_get_contents (path, &after, &la, NULL));
      g_assert_cmpmem (before, lb, after, la);
      g_clear_pointer (&after, g_free);
      g_assert_cmpuint (count_entries (dir), ==, 1);
    }

  /* the destination is a folder: rename fails, the folder stays, no temp left */
  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  {
    g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
    g_assert_true (pt_safetensors_writer_add (w, "x", PT_ST_F32, 1, shape, big, &error));
    g_assert_false (pt_safetensors_writer_write (w, sub, &error));
    g_assert_error (error, PT_ERROR, PT_ERROR_IO);
    g_clear_error (&error);
    g_assert_true (g_file_test (sub, G_FILE_TEST_IS_DIR));
    g_assert_cmpuint (count_entries (dir), ==, 2);
  }

  /* a folder that does not exist */
  {
    g_autoptr(PtSafetensorsWriter) w = pt_safetensors_writer_new ();
    g_assert_false (pt_safetensors_writer_write (w, missing, &error));
    g_assert_error (error, PT_ERROR, PT_ERROR_IO);
    g_assert_nonnull (strstr (error->message, "x.safetensors"));
    g_clear_error (&error);
  }

  /* pt_file_write_atomic replaces a file whole */
  g_assert_true (pt_file_write_atomic (path, "hello", 5, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &after, &la, NULL));
  g_assert_cmpmem (after, la, "hello", 5);
  g_assert_cmpuint (count_entries (dir), ==, 2);
  pt_rmtree (dir, NULL);
}

/* ---- malformed input ------------------------------------------------------------- */

static GBytes *
file_bytes (const char *header, const void *data, gsize data_len)
{
  GByteArray *a = g_byte_array_new ();
  guint64 n = strlen (header);
  guint8 len[8];

  for (int i = 0; i < 8; i++)
    len[i] = (guint8) (n >> (8 * i));
  g_byte_array_append (a, len, 8);
  g_byte_array_append (a, (const guint8 *) header, (guint) n);
  if (data_len > 0)
    g_byte_array_append (a, data, (guint) data_len);
  return g_byte_array_free_to_bytes (a);
}

static void
expect_bad (GBytes *bytes, int code, const char *fragment)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(PtSafetensors) st = pt_safetensors_open_bytes (bytes, "bad.safetensors", &error);

  if (st != NULL)
    g_error ("accepted a malformed file (expected: %s)", fragment);
  g_assert_error (error, PT_ERROR, code);
  g_assert_nonnull (strstr (error->message, "bad.safetensors"));
  if (fragment != NULL && strstr (error->message, fragment) == NULL)
    g_error ("message “%s” lacks “%s”", error->message, fragment);
  g_bytes_unref (bytes);
}

static void
test_malformed (void)
{
  static const guint8 zeros[64] = { 0 };
  struct { const char *header; gsize data; int code; const char *fragment; } cases[] = {
    { "not json at all", 0, PT_ERROR_INVALID_INPUT, "JSON" },
    { "{\"a\": ", 0, PT_ERROR_INVALID_INPUT, "JSON" },
    { "[]", 0, PT_ERROR_INVALID_INPUT, "JSON object" },
    { "{\"a\": 5}", 0, PT_ERROR_INVALID_INPUT, "“a”" },
    { "{\"a\": {\"shape\": [1], \"data_offsets\": [0, 4]}}", 4, PT_ERROR_INVALID_INPUT, "dtype" },
    { "{\"a\": {\"dtype\": \"F32\", \"data_offsets\": [0, 4]}}", 4, PT_ERROR_INVALID_INPUT, "shape" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", 4, PT_ERROR_INVALID_INPUT, "data_offsets" },
    { "{\"a\": {\"dtype\": \"F99\", \"shape\": [1], \"data_offsets\": [0, 4]}}", 4, PT_ERROR_UNSUPPORTED, "F99" },
    { "{\"a\": {\"dtype\": 4, \"shape\": [1], \"data_offsets\": [0, 4]}}", 4, PT_ERROR_INVALID_INPUT, "dtype" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", 4, PT_ERROR_INVALID_INPUT, "shape" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", 4, PT_ERROR_INVALID_INPUT, "shape" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": \"1\", \"data_offsets\": [0, 4]}}", 4, PT_ERROR_INVALID_INPUT, "shape" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 8]}}", 4, PT_ERROR_INVALID_INPUT, "outside" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", 4, PT_ERROR_INVALID_INPUT, "outside" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]}}", 8, PT_ERROR_INVALID_INPUT, "data_offsets" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, -4]}}", 4, PT_ERROR_INVALID_INPUT, "data_offsets" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", 8, PT_ERROR_INVALID_INPUT, "need 8" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, "
      "\"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}", 12, PT_ERROR_INVALID_INPUT, "overlap" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [4611686018427387904, 4611686018427387904], "
      "\"data_offsets\": [0, 4]}}", 4, PT_ERROR_INVALID_INPUT, "too large" },
    { "{\"a\": {\"dtype\": \"F64\", \"shape\": [4611686018427387904], \"data_offsets\": [0, 4]}}",
      4, PT_ERROR_INVALID_INPUT, "too large" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [99999999999999999999], \"data_offsets\": [0, 4]}}",
      4, PT_ERROR_INVALID_INPUT, "shape" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1], "
      "\"data_offsets\": [0, 4]}}", 4, PT_ERROR_INVALID_INPUT, "dimensions" },
    { "{\"__metadata__\": [1]}", 0, PT_ERROR_INVALID_INPUT, "__metadata__" },
    { "{\"__metadata__\": {\"k\": 1}}", 0, PT_ERROR_INVALID_INPUT, "__metadata__" },
    { "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"\xff\": 1}", 4,
      PT_ERROR_INVALID_INPUT, "UTF-8" },
  };
  GByteArray *a;
  guint8 len[8];

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    expect_bad (file_bytes (cases[i].header, zeros, cases[i].data), cases[i].code, cases[i].fragment);

  /* too short to hold a length */
  expect_bad (g_bytes_new_static ("", 0), PT_ERROR_INVALID_INPUT, "bytes");
  expect_bad (g_bytes_new_static ("\x02\0\0\0\0\0\0", 7), PT_ERROR_INVALID_INPUT, "bytes");
  /* a header length beyond the file, and beyond any sane header */
  expect_bad (g_bytes_new_static ("\x10\0\0\0\0\0\0\0{}", 10), PT_ERROR_INVALID_INPUT, "truncated");
  expect_bad (g_bytes_new_static ("\xff\xff\xff\xff\xff\xff\xff\xff{}", 10), PT_ERROR_INVALID_INPUT, "allowed");
  /* deep nesting must not overflow the parser's stack */
  a = g_byte_array_new ();
  {
    guint64 n = 400000;
    for (int i = 0; i < 8; i++)
      len[i] = (guint8) (n >> (8 * i));
    g_byte_array_append (a, len, 8);
    g_byte_array_append (a, (const guint8 *) "{\"a\":", 5);
    for (guint64 i = 5; i < n; i++)
      g_byte_array_append (a, (const guint8 *) "[", 1);
    expect_bad (g_byte_array_free_to_bytes (a), PT_ERROR_INVALID_INPUT, "nested");
  }

  /* a real file cut short anywhere */
  {
    g_autofree char *path = fixture ("mixed.safetensors");
    g_autofree char *contents = NULL;
    gsize length = 0;
    g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
    for (gsize cut = 0; cut < length; cut += 7)
      expect_bad (g_bytes_new (contents, cut), PT_ERROR_INVALID_INPUT, NULL);
  }
}

static void
test_open_errors_name_the_file (void)
{
  g_autofree char *dir = pt_test_make_temp_dir ("pt-test-st-XXXXXX");
  g_autofree char *path = g_build_filename (dir, "broken.safetensors", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  g_autoptr(GError) error = NULL;
  PtSafetensors *st;

  g_assert_true (g_file_set_contents (path, "\x40\0\0\0\0\0\0\0{\"a\":", 13, NULL));
  st = pt_safetensors_open (path, &error);
  g_assert_null (st);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_assert_nonnull (strstr (error->message, "broken.safetensors"));
  g_clear_error (&error);

  st = pt_safetensors_open (missing, &error);
  g_assert_null (st);
  g_assert_error (error, PT_ERROR, PT_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.safetensors"));
  g_clear_error (&error);

  st = pt_safetensors_open (dir, &error);
  g_assert_null (st);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  g_clear_error (&error);

  /* an empty file */
  g_assert_true (g_file_set_contents (path, "", 0, NULL));
  st = pt_safetensors_open (path, &error);
  g_assert_null (st);
  g_assert_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT);
  pt_rmtree (dir, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/safetensors/read-python", test_read_python_file);
  g_test_add_func ("/engine/safetensors/writer-matches-python", test_writer_matches_python);
  g_test_add_func ("/engine/safetensors/round-trip", test_round_trip);
  g_test_add_func ("/engine/safetensors/atomic-failure", test_atomic_failure);
  g_test_add_func ("/engine/safetensors/malformed", test_malformed);
  g_test_add_func ("/engine/safetensors/errors-name-the-file", test_open_errors_name_the_file);
  return g_test_run ();
}
