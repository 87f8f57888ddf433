/* pt-safetensors.h — the .safetensors file format: a validating reader and an
 * atomic writer.
 *
 * Layout: u64 little-endian header length N, N bytes of JSON
 *   {"__metadata__": {"k": "v", …}, "name": {"dtype": "F32", "shape": [2, 3],
 *    "data_offsets": [begin, end]}, …}
 * then the tensor bytes (row-major, little-endian), offsets relative to the
 * first byte after the header.
 *
 * The reader maps the file and checks everything before handing out a
 * pointer: header length against the file size, the header is a JSON object
 * (at most 100 MB), every dtype is known, shapes are non-negative without
 * overflow, byte ranges lie inside the data section, do not overlap, and
 * hold exactly prod(shape) * dtype size bytes. Errors name the file.
 *
 * Tensor data pointers point into the mapping and may be unaligned when a
 * file was written without padding: read them with memcpy (or through
 * pt_checkpoint_read, which converts dtypes).
 */
#pragma once

#include <stdint.h>   /* int64_t, uint64_t */
#include <glib.h>     /* GBytes, GError */

G_BEGIN_DECLS

/* The safetensors dtypes PaliTune reads (sub-byte F4/F6 are not). */
typedef enum {
  PT_ST_BOOL = 0,
  PT_ST_U8,
  PT_ST_I8,
  PT_ST_F8_E5M2,
  PT_ST_F8_E4M3,
  PT_ST_I16,
  PT_ST_U16,
  PT_ST_F16,
  PT_ST_BF16,
  PT_ST_I32,
  PT_ST_U32,
  PT_ST_F32,
  PT_ST_F64,
  PT_ST_I64,
  PT_ST_U64,
  PT_ST_N_DTYPES
} PtStDtype;

#define PT_ST_MAX_DIMS        32
#define PT_ST_MAX_HEADER_SIZE 100000000   /* bytes, as the reference parser */

const char *pt_st_dtype_name       (PtStDtype dtype);           /* "F32", "BF16", … */
gboolean    pt_st_dtype_from_name  (const char *name, PtStDtype *dtype);
size_t      pt_st_dtype_size       (PtStDtype dtype);           /* bytes per element */

typedef struct {
  const char    *name;       /* as stored in the file */
  PtStDtype      dtype;
  int            n_dims;
  const int64_t *shape;      /* (n_dims) */
  guint64        n_elements; /* prod(shape); 1 for a scalar */
  guint64        n_bytes;
  const void    *data;       /* into the mapping; possibly unaligned */
} PtStTensor;

typedef struct _PtSafetensors PtSafetensors;

/* Maps and validates a file. */
PtSafetensors    *pt_safetensors_open          (const char *path, GError **error);
/* Validates bytes already in memory (a reference is kept); what names them in errors. */
PtSafetensors    *pt_safetensors_open_bytes    (GBytes *bytes, const char *what, GError **error);
void              pt_safetensors_free          (PtSafetensors *st);

const char       *pt_safetensors_path          (const PtSafetensors *st);  /* display name */
guint             pt_safetensors_n_tensors     (const PtSafetensors *st);
/* Tensors are indexed in name order (byte order of the UTF-8 names). */
const PtStTensor *pt_safetensors_tensor        (const PtSafetensors *st, guint index);
const PtStTensor *pt_safetensors_find          (const PtSafetensors *st, const char *name);
/* The __metadata__ map: NULL when the key is absent. */
const char       *pt_safetensors_metadata      (const PtSafetensors *st, const char *key);
/* Its keys, sorted; free with g_strfreev. */
char            **pt_safetensors_metadata_keys (const PtSafetensors *st);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSafetensors, pt_safetensors_free)

/* ---- writer ---------------------------------------------------------------
 * Collects tensors (data borrowed until the write) and metadata, then writes
 * the file atomically: a temporary file in the destination folder, fsync,
 * rename over the destination, fsync of the folder. On any error the old file
 * is untouched and the temporary file is removed. The output is byte-for-byte
 * what the Python safetensors package writes for the same tensors: data
 * ordered by dtype (widest first) then name, header entries in data order,
 * "__metadata__" first (its keys in insertion order; Python's order is
 * random when there are several), the header padded with spaces to a
 * multiple of 8. */

typedef struct _PtSafetensorsWriter PtSafetensorsWriter;

PtSafetensorsWriter *pt_safetensors_writer_new          (void);
void                 pt_safetensors_writer_free         (PtSafetensorsWriter *w);
/* data holds prod(shape) * dtype size bytes and must stay valid until the
 * write; a repeated name or a bad shape is an error. */
gboolean             pt_safetensors_writer_add          (PtSafetensorsWriter *w,
                                                         const char          *name,
                                                         PtStDtype            dtype,
                                                         int                  n_dims,
                                                         const int64_t       *shape,
                                                         const void          *data,
                                                         GError             **error);
void                 pt_safetensors_writer_set_metadata (PtSafetensorsWriter *w,
                                                         const char          *key,
                                                         const char          *value);
guint                pt_safetensors_writer_n_tensors    (const PtSafetensorsWriter *w);
/* Total file size the write will produce. */
guint64              pt_safetensors_writer_file_size    (PtSafetensorsWriter *w);
gboolean             pt_safetensors_writer_write        (PtSafetensorsWriter *w,
                                                         const char          *path,
                                                         GError             **error);
/* For tests: make the next write fail with an I/O error after this many bytes
 * (< 0: never). */
void                 pt_safetensors_writer_inject_failure (PtSafetensorsWriter *w,
                                                           gint64               after_bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtSafetensorsWriter, pt_safetensors_writer_free)

/* Writes contents to path atomically (temporary file in the same folder,
 * fsync, rename); used for the JSON files beside the tensors. */
gboolean pt_file_write_atomic (const char *path, const void *contents, gsize length, GError **error);

G_END_DECLS
