/* pt-dataset.h — image + question + answer datasets: reading, checking, records.
 *
 * A PtDataset is every record of one dataset, indexed without decoding a
 * single image: JSON Lines, CSV/TSV with a header, or the official VQAv2
 * questions + annotations pair with its COCO image folder. Records are
 * stored compactly (one string arena, a small fixed-size slot per record,
 * each distinct image path once), so 100,000 records cost a few MB.
 *
 * Every line or record that cannot be trained on is kept as a PtProblem
 * naming the file, the line and the reason; the trainer uses the rest (the
 * "usable" records). Loading finds syntax, encoding, missing-field, empty-
 * text and duplicate problems; pt_dataset_scan (pt-dataset-scan.h) adds the
 * image and token-length checks.
 *
 * Threads: loading and scanning build the dataset on one thread. Afterwards
 * it is read-only and may be read from any thread, except that problems may
 * still be added (the loader reports records that fail at train time):
 * pt_dataset_add_problem and the problem/usable getters lock.
 *
 * Fields, per format (unknown keys and columns are ignored):
 *   image      "image" (a path, or {"path": …} as Hugging Face datasets
 *              writes it), "file_name" or "image_path"; relative paths are
 *              relative to the file's folder
 *   question   "question", or "prefix" — a prefix is the whole prompt and
 *              is used as it is, without the prompt template
 *   answer     "answer", "multiple_choice_answer" or "suffix"; without one,
 *              the most common entry of "answers"
 *   answers    optional list of strings or of {"answer": …} objects (VQAv2),
 *              for VQA accuracy; in CSV a cell holding a JSON list
 *   question_type, answer_type   optional strings
 *   question_id                  optional integer (VQAv2 result files need it)
 */
#pragma once

#include <gio/gio.h>   /* GCancellable */

G_BEGIN_DECLS

typedef struct _PtDataset PtDataset;

typedef enum {
  PT_DATASET_FORMAT_AUTO,    /* detect from the content (a folder: VQAv2) */
  PT_DATASET_FORMAT_JSONL,
  PT_DATASET_FORMAT_CSV,     /* comma- or semicolon-separated, RFC 4180 quoting */
  PT_DATASET_FORMAT_TSV,
  PT_DATASET_FORMAT_VQAV2,
  PT_DATASET_FORMAT_PARQUET, /* one file, or a Hugging Face hub folder of them */
  PT_DATASET_FORMAT_ARROW,   /* Arrow IPC: save_to_disk folders, datasets' cache files */
} PtDatasetFormat;

/* Why a line or record cannot be used. Kinds below PT_PROBLEM_TEXT_TOO_LONG
 * make the record unusable; the rest are warnings (the record is used). */
typedef enum {
  PT_PROBLEM_NONE,
  PT_PROBLEM_SYNTAX,             /* malformed JSON or CSV: no record */
  PT_PROBLEM_ENCODING,           /* not UTF-8: no record */
  PT_PROBLEM_LINE_TOO_LONG,      /* over PT_DATASET_MAX_LINE: no record */
  PT_PROBLEM_MISSING_FIELD,      /* no image, question or answer */
  PT_PROBLEM_WRONG_TYPE,         /* a field of the wrong JSON type */
  PT_PROBLEM_EMPTY_QUESTION,
  PT_PROBLEM_EMPTY_ANSWER,
  PT_PROBLEM_DUPLICATE,          /* same image, question and answer as an earlier record
                                  * (records differing only in the answer are all kept) */
  PT_PROBLEM_IMAGE_MISSING,      /* no such file */
  PT_PROBLEM_IMAGE_UNREADABLE,   /* exists but cannot be opened */
  PT_PROBLEM_IMAGE_UNDECODABLE,  /* not an image format PaliTune reads, or corrupt */
  PT_PROBLEM_TOKENS_OVER_LIMIT,  /* prompt + answer do not fit the model at all */
  PT_PROBLEM_LOAD_FAILED,        /* failed while training (reported by the loader) */
  PT_PROBLEM_TEXT_TOO_LONG,      /* warning: over the token budget, will be truncated */
  PT_PROBLEM_NOTE,               /* warning about the whole file (line 0) */
  PT_PROBLEM_N_KINDS
} PtProblemKind;

/* Lines longer than this are reported as too long without being read whole. */
#define PT_DATASET_MAX_LINE (16u * 1024u * 1024u)

/* One record as the trainer and the browser see it. Strings point into the
 * dataset and live as long as it does. */
typedef struct {
  const char   *image;          /* absolute path; NULL if the record names none */
  const char   *question;       /* "" if missing */
  const char   *answer;         /* "" if missing */
  const char   *question_type;  /* NULL if absent */
  const char   *answer_type;    /* NULL if absent */
  guint         n_answers;      /* ground-truth answers (pt_dataset_get_answer) */
  gboolean      is_prefix;      /* question came from "prefix": no template */
  const char   *file;           /* the file it was read from */
  guint         line;           /* 1-based line where it starts */
  gint64        question_id;    /* "question_id" (VQAv2, optional elsewhere), or -1 */
  guint         image_index;    /* among the dataset's distinct images; G_MAXUINT if none */
  int           width, height;  /* image size once scanned, else 0 */
  PtProblemKind problem;        /* first problem that makes it unusable, or PT_PROBLEM_NONE */
} PtRecord;

typedef struct {
  const char   *file;     /* the file it was found in */
  guint         line;     /* 1-based; 0 = about the whole file */
  int           record;   /* the record it concerns, or -1 if the line gave none */
  PtProblemKind kind;
  const char   *reason;   /* one sentence */
} PtProblem;

/* Loading. path is a file (format detected from its content unless given),
 * a VQAv2 folder, or a folder holding one .jsonl/.csv/.tsv. A path that
 * does not exist or cannot be opened, or a file that is no dataset at all
 * (empty, binary, no known column, unknown JSON, a forced format nothing in
 * it fits) is a PT_ERROR_INVALID_INPUT naming it; a read failing midway is
 * PT_ERROR_IO. Bad lines and records are problems, not errors. */
PtDataset  *pt_dataset_load            (const char *path, PtDatasetFormat format,
                                        GCancellable *cancellable, GError **error);
/* Where a dataset of several splits or unusual column names is loaded
 * (zero-initialised: the defaults). */
typedef struct {
  const char *split;      /* NULL: "train", or the only split there is */
  const char *columns;    /* Parquet/Arrow column names per field:
                           * "image=img,question=query,answer=label" (NULL: the
                           * datasets library's names) */
} PtDatasetLoadOptions;

/* pt_dataset_load, and also: a Parquet or Arrow file; a Hugging Face hub
 * folder (README.md `configs:` data_files per split, or
 * data/SPLIT-NNNNN-of-NNNNN.parquet names); a save_to_disk folder
 * (state.json, or dataset_dict.json and a folder per split). A split that
 * is not there, or a mapping naming a missing column, is a
 * PT_ERROR_INVALID_INPUT listing what there is. Images embedded in the
 * tables are not read (their paths are pt-embedded.h references). */
PtDataset  *pt_dataset_load_with_options (const char *path, PtDatasetFormat format,
                                          const PtDatasetLoadOptions *options,
                                          GCancellable *cancellable, GError **error);
/* The splits of a Parquet/Arrow dataset (NULL-terminated; "train" for a
 * single file); empty for any other dataset; NULL with an error if path
 * does not exist or a save_to_disk description is damaged. */
GStrv       pt_dataset_list_splits     (const char *path, GError **error);
/* The split that was loaded (NULL unless tables), and all the splits
 * where it came from. */
const char *pt_dataset_get_split       (PtDataset *dataset);
const char *const *pt_dataset_get_splits (PtDataset *dataset);
/* Checks a column mapping's syntax (before anything is loaded). */
gboolean    pt_dataset_check_columns   (const char *columns, GError **error);

/* The same readers over a buffer (tests, fuzzing): JSONL, CSV or TSV (or
 * AUTO); name is the file name used in problems, base_dir the folder
 * relative image paths start from. */
PtDataset  *pt_dataset_load_from_data  (const char *data, gsize length, PtDatasetFormat format,
                                        const char *name, const char *base_dir, GError **error);
/* VQAv2 from buffers: annotations may be NULL (test split: no answers);
 * image_dir may be NULL (image paths then name the expected files). */
PtDataset  *pt_dataset_load_vqa_from_data (const char *questions, gsize questions_length,
                                           const char *annotations, gsize annotations_length,
                                           const char *image_dir, GError **error);

/* Detects JSONL / CSV / TSV / VQAv2 from the first bytes of a file. */
PtDatasetFormat pt_dataset_detect_format (const char *data, gsize length, const char *name,
                                          GError **error);

PtDataset  *pt_dataset_ref             (PtDataset *dataset);
void        pt_dataset_unref           (PtDataset *dataset);

PtDatasetFormat pt_dataset_get_format  (PtDataset *dataset);
const char *pt_dataset_get_path        (PtDataset *dataset);
const char *pt_dataset_format_to_string (PtDatasetFormat format);   /* "jsonl", "csv", "tsv", "vqav2", "parquet", "arrow" */
gboolean    pt_dataset_format_from_string (const char *s, PtDatasetFormat *format);

/* Records: every record read, usable or not, in file order. */
guint       pt_dataset_get_n_records   (PtDataset *dataset);
void        pt_dataset_get_record      (PtDataset *dataset, guint index, PtRecord *record);
const char *pt_dataset_get_answer      (PtDataset *dataset, guint index, guint k);
gboolean    pt_dataset_record_is_usable (PtDataset *dataset, guint index);
/* The reason the record is unusable (or its first warning), or NULL. */
char       *pt_dataset_get_record_reason (PtDataset *dataset, guint index);
/* Usable records, ascending. */
guint       pt_dataset_get_n_usable    (PtDataset *dataset);
guint      *pt_dataset_get_usable      (PtDataset *dataset, guint *n_usable);

/* Distinct image files. */
guint       pt_dataset_get_n_images    (PtDataset *dataset);
const char *pt_dataset_get_image_path  (PtDataset *dataset, guint image_index);

/* Problems, sorted by file and line (loader failures are appended). */
guint       pt_dataset_get_n_problems  (PtDataset *dataset);
gboolean    pt_dataset_get_problem     (PtDataset *dataset, guint index, PtProblem *problem);
/* Adds a problem (thread-safe); an unusable kind makes the record unusable. */
void        pt_dataset_add_problem     (PtDataset *dataset, int record, PtProblemKind kind,
                                        const char *format, ...) G_GNUC_PRINTF (4, 5);
gboolean    pt_problem_kind_is_fatal   (PtProblemKind kind);
const char *pt_problem_kind_to_string  (PtProblemKind kind);   /* "syntax", "image-missing", … */

/* Bytes the index holds (records, strings, images, problems), roughly. */
gsize       pt_dataset_get_memory_size (PtDataset *dataset);

/* Warnings about the whole dataset (e.g. no image folder found). */
const char *const *pt_dataset_get_notes (PtDataset *dataset);

/* ---- prompts ---- */

/* Replaces every "{question}" in template with question (NULL template:
 * the default "answer {question}"); a template without the placeholder gets
 * the question appended after a space. */
char       *pt_prompt_apply            (const char *template_, const char *question);
/* The prompt for a record: the template applied to its question, or its
 * prefix as it is. */
char       *pt_dataset_get_prompt      (PtDataset *dataset, guint index, const char *template_);
/* Templates offered in the interface: "answer {question}" (the seed
 * workflow's), "answer en {question}" (big_vision's), NULL-terminated. */
const char *const *pt_prompt_templates (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PtDataset, pt_dataset_unref)

G_END_DECLS
