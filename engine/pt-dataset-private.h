/* pt-dataset-private.h — how the readers build a PtDataset (engine only). */
#pragma once

#include "pt-dataset.h"
#include "pt-parquet.h"     /* PtColumnValues */

G_BEGIN_DECLS

#define PT_NO_STRING G_MAXUINT32
#define PT_NO_IMAGE  G_MAXUINT32

/* One record: offsets into the string arena (PT_NO_STRING if absent). */
typedef struct {
  guint32 question;
  guint32 answer;
  guint32 question_type;
  guint32 answer_type;
  guint32 answers_first;    /* into the answers offset array */
  guint32 n_answers;
  guint32 image;            /* into images, or PT_NO_IMAGE */
  guint32 line;
  guint16 file;
  guint8  is_prefix;
  guint8  reserved;
  gint    problem;          /* PtProblemKind of the first fatal problem (atomic) */
  gint64  question_id;      /* VQAv2 "question_id" (also read from JSONL/CSV), or -1 */
} PtRecordSlot;

typedef enum {
  PT_IMAGE_UNCHECKED,
  PT_IMAGE_OK,              /* header read */
  PT_IMAGE_DECODED,         /* and fully decoded */
  PT_IMAGE_MISSING,
  PT_IMAGE_UNREADABLE,
  PT_IMAGE_UNDECODABLE,
} PtImageStatus;

typedef struct {
  guint32 path;             /* arena offset */
  guint32 width;
  guint32 height;
  guint32 status;           /* PtImageStatus */
  guint32 reason;           /* arena offset of the check's message, or PT_NO_STRING */
} PtImageSlot;

typedef struct {
  guint32       file;
  guint32       line;
  gint32        record;
  PtProblemKind kind;
  char         *reason;
} PtProblemSlot;

struct _PtDataset {
  gatomicrefcount ref;
  PtDatasetFormat format;
  char         *path;
  GPtrArray    *files;        /* char *: files records came from */
  char         *arena;        /* NUL-terminated strings; offset 0 is "" */
  gsize         arena_len;
  gsize         arena_cap;
  GArray       *records;      /* PtRecordSlot */
  GArray       *answers;      /* guint32 arena offsets */
  GArray       *images;       /* PtImageSlot */
  GMutex        lock;         /* problems and n_usable after loading */
  GArray       *problems;     /* PtProblemSlot */
  guint         n_sorted;     /* problems[0, n_sorted) are sorted; loader failures follow */
  guint         n_usable;
  GPtrArray    *notes;        /* char *, NULL-terminated */
  guint16      *tokens;       /* per record: prompt + answer tokens once scanned, or NULL */
  char         *split;        /* the split read (tables), or NULL */
  GStrv         splits;       /* the splits where it came from (tables), or NULL */
  /* while building only */
  GHashTable   *image_index;  /* path → index + 1 */
  GHashTable   *interned;     /* short string → arena offset + 1 */
  GString      *scratch;
  gboolean      failed_arena; /* the arena outgrew 4 GiB */
};

/* A record as a reader collects it, before it is stored. */
typedef struct {
  GString   *image;
  GString   *question;
  GString   *answer;
  GString   *question_type;
  GString   *answer_type;
  GString   *answers;         /* NUL-separated */
  guint      n_answers;
  gboolean   has_image, has_question, has_answer, has_question_type, has_answer_type;
  gboolean   is_prefix;
  gint64     question_id;     /* -1 if none */
  int        answer_rank;     /* which answer key filled answer (lower wins) */
  int        question_rank;
  int        image_rank;
} PtRecordDraft;

/* What a record key (JSON Lines) or column (CSV, TSV) holds. */
typedef enum {
  PT_FIELD_IMAGE,
  PT_FIELD_QUESTION,
  PT_FIELD_ANSWER,
  PT_FIELD_QUESTION_TYPE,
  PT_FIELD_ANSWER_TYPE,
  PT_FIELD_ANSWERS,
  PT_FIELD_QUESTION_ID,
  PT_FIELD_OTHER,
} PtRecordField;

/* The field a key or column name fills (compared exactly, or ignoring ASCII
 * case) and in *rank which of its spellings it is (lower wins when a record
 * has several); PT_FIELD_OTHER and rank 0 for any other name. */
PtRecordField pt_record_field_lookup (const char *name, gboolean ignore_case, int *rank);

void        pt_record_draft_init   (PtRecordDraft *draft);
void        pt_record_draft_reset  (PtRecordDraft *draft);
void        pt_record_draft_clear  (PtRecordDraft *draft);
void        pt_record_draft_add_answer (PtRecordDraft *draft, const char *text, gsize length);

PtDataset  *pt_dataset_new_building (PtDatasetFormat format, const char *path);
guint       pt_dataset_add_file     (PtDataset *dataset, const char *name);
guint32     pt_dataset_add_string   (PtDataset *dataset, const char *text, gsize length);
guint32     pt_dataset_intern       (PtDataset *dataset, const char *text, gsize length);
guint       pt_dataset_add_image    (PtDataset *dataset, const char *absolute_path);
/* Stores a draft read at file:line; relative image paths start at base_dir.
 * A missing image/question/answer becomes a problem. Returns the index. */
guint       pt_dataset_add_draft    (PtDataset *dataset, PtRecordDraft *draft, guint file,
                                     guint line, const char *base_dir);
/* The same with a problem found by the reader (kind != NONE) recorded
 * instead of the missing-field check. */
guint       pt_dataset_add_draft_with_problem (PtDataset *dataset, PtRecordDraft *draft,
                                               guint file, guint line, const char *base_dir,
                                               PtProblemKind kind, const char *reason);
/* A line or row that gave no record: stored empty, with its problem. */
guint       pt_dataset_add_broken   (PtDataset *dataset, guint file, guint line,
                                     PtProblemKind kind, const char *format, ...) G_GNUC_PRINTF (5, 6);
/* Appends a problem; an unusable kind marks the record (caller locks after loading). */
void        pt_dataset_add_problem_locked (PtDataset *dataset, guint file, guint line, int record,
                                           PtProblemKind kind, char *reason);
/* A problem found while building (no locking). */
void        pt_dataset_problem      (PtDataset *dataset, guint file, guint line, int record,
                                     PtProblemKind kind, const char *format, ...) G_GNUC_PRINTF (6, 7);
void        pt_dataset_note         (PtDataset *dataset, const char *format, ...) G_GNUC_PRINTF (2, 3);
static inline PtRecordSlot *
pt_dataset_slot (PtDataset *dataset, guint index)
{
  return &g_array_index (dataset->records, PtRecordSlot, index);
}
static inline const char *
pt_dataset_str (PtDataset *dataset, guint32 offset)
{
  return offset == PT_NO_STRING ? NULL : dataset->arena + offset;
}
/* Empty texts, duplicates, the usable count, problem order; frees the
 * build-time tables. FALSE (with error) if the dataset is too large. */
gboolean    pt_dataset_finish       (PtDataset *dataset, GError **error);
/* Sorts problems by (file, line, record) and recomputes the usable count. */
void        pt_dataset_sort_problems (PtDataset *dataset);

/* The readers. */
gboolean    pt_jsonl_read_file   (PtDataset *dataset, const char *path, GCancellable *cancellable,
                                  GError **error);
gboolean    pt_jsonl_read_data   (PtDataset *dataset, const char *data, gsize length,
                                  const char *name, const char *base_dir);
gboolean    pt_csv_read_file     (PtDataset *dataset, const char *path, char delimiter,
                                  GCancellable *cancellable, GError **error);
gboolean    pt_csv_read_data     (PtDataset *dataset, const char *data, gsize length, char delimiter,
                                  const char *name, const char *base_dir, GError **error);
gboolean    pt_vqa_read_path     (PtDataset *dataset, const char *path, GCancellable *cancellable,
                                  GError **error);
gboolean    pt_vqa_read_data     (PtDataset *dataset, const char *questions, gsize questions_length,
                                  const char *questions_name,
                                  const char *annotations, gsize annotations_length,
                                  const char *annotations_name, const char *image_dir,
                                  GCancellable *cancellable, GError **error);

/* A JSON list of answers (strings or {"answer": …}) into draft; complaints
 * are appended to complaint. */
gboolean    pt_jsonl_parse_answers (PtRecordDraft *draft, const char *text, gsize length,
                                    GString *complaint);

/* ---- tables (Parquet, Arrow): pt-dataset-table.c ---- */

/* The user's column names per field (--columns image=img,question=query). */
typedef struct {
  char     *column[PT_FIELD_OTHER];
  gboolean  is_prefix;        /* "prefix=…" was given */
} PtColumnMap;

/* "image=img,question=query,answer=label" (NULL or "": no mapping). */
gboolean    pt_column_map_parse   (const char *spec, PtColumnMap *map, GError **error);
void        pt_column_map_clear   (PtColumnMap *map);
/* Which of a table's top-level columns fills each field (-1: none): the
 * mapping's, else the datasets library's names. No image, question or
 * answer column, or a mapped column the table lacks, is an error. */
gboolean    pt_column_map_resolve (const PtColumnMap *map, const char *const *names,
                                   guint n_names, const char *display, int *columns,
                                   gboolean *is_prefix, GError **error);
/* Rows of column values (NULL: no such column) into records; the image
 * values are paths or pt-embedded.h references. */
void        pt_dataset_add_table_rows (PtDataset *dataset, guint file, guint first_line,
                                       guint n_rows, PtColumnValues *const *fields,
                                       gboolean is_prefix, const char *base_dir,
                                       PtRecordDraft *draft);
/* Whether a file name is a Parquet or Arrow table, by its extension. */
gboolean    pt_table_file_kind      (const char *name, PtDatasetFormat *format);
/* The table files of a dataset folder per split (pt-dataset-hub.c):
 * splits gets the names in order (char *), files split → GPtrArray of
 * paths. Nothing added: not such a folder. */
gboolean    pt_table_folder_resolve (const char *dir, GPtrArray *splits, GHashTable *files,
                                     GError **error);
gboolean    pt_parquet_read_dataset (PtDataset *dataset, const char *path, const PtColumnMap *map,
                                     GCancellable *cancellable, GError **error);
gboolean    pt_arrow_read_dataset   (PtDataset *dataset, const char *path, const PtColumnMap *map,
                                     GCancellable *cancellable, GError **error);

/* Lines of a file or buffer, without holding more than PT_DATASET_MAX_LINE. */
typedef struct _PtLineReader PtLineReader;

typedef enum {
  PT_LINE_OK,
  PT_LINE_TOO_LONG,   /* the line was skipped; *length is how long it was */
  PT_LINE_EOF,
  PT_LINE_ERROR,
} PtLineStatus;

PtLineReader *pt_line_reader_new_file (const char *path, GError **error);
PtLineReader *pt_line_reader_new_data (const char *data, gsize length);
/* The next line without its "\n" (a "\r" before it is kept); a UTF-8 BOM at
 * the start is dropped. *line stays valid until the next call. */
PtLineStatus  pt_line_reader_next     (PtLineReader *reader, const char **line, gsize *length,
                                       guint *line_number, GError **error);
void          pt_line_reader_free     (PtLineReader *reader);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtLineReader, pt_line_reader_free)

G_END_DECLS
