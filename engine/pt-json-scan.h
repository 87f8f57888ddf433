/* pt-json-scan.h — a small pull parser for JSON in a memory buffer.
 *
 * The dataset readers need to pull a few string fields out of 100,000 JSON
 * Lines in well under a second, skip whatever else a record holds, and
 * report where a malformed line goes wrong; the VQAv2 files are single
 * documents of hundreds of MB. json-glib builds a tree of every node, so the
 * readers use this instead: no allocation except the strings asked for,
 * strict RFC 8259 syntax, UTF-8 checked inside strings, nesting capped.
 *
 * Errors stop the scan: every call after the first failure returns FALSE
 * and scan->error / scan->error_at say what and where.
 */
#pragma once

#include <glib.h>     /* gboolean, GString */

G_BEGIN_DECLS

typedef enum {
  PT_JSON_END,        /* nothing but whitespace is left */
  PT_JSON_OBJECT,
  PT_JSON_ARRAY,
  PT_JSON_STRING,
  PT_JSON_NUMBER,
  PT_JSON_BOOLEAN,
  PT_JSON_NULL,
  PT_JSON_INVALID,    /* a byte that starts no JSON value */
} PtJsonType;

#define PT_JSON_MAX_DEPTH 200

typedef struct {
  const char *start;      /* the buffer */
  const char *p;          /* the next unread byte */
  const char *end;
  guint       line;       /* line of p (1-based, counting from first_line) */
  const char *line_start; /* first byte of that line */
  const char *error;      /* static description of the first failure, or NULL */
  const char *error_at;   /* where it happened */
  guint       error_line;
  int         depth;
  gboolean    utf8_valid; /* the caller checked the whole buffer: strings skip the check */
} PtJsonScan;

void       pt_json_scan_init        (PtJsonScan *scan, const char *data, gsize length, guint first_line);

/* Skips whitespace and says what comes next (consumes nothing else). */
PtJsonType pt_json_scan_peek        (PtJsonScan *scan);
/* A JSON type's name for messages: "a string", "an object", … */
const char *pt_json_type_name       (PtJsonType type);

/* Objects: begin consumes '{'; next returns TRUE with the member's key
 * (decoded into key, replacing its contents) and the ':' consumed, so the
 * caller reads or skips the value; FALSE at '}' (consumed) or on error.
 * n counts members read so far (start it at 0). Arrays likewise. */
gboolean   pt_json_scan_object_begin (PtJsonScan *scan);
gboolean   pt_json_scan_object_next  (PtJsonScan *scan, guint *n, GString *key);
gboolean   pt_json_scan_array_begin  (PtJsonScan *scan);
gboolean   pt_json_scan_array_next   (PtJsonScan *scan, guint *n);

/* Values. string appends the decoded text to out (which may be NULL to
 * discard); int64 accepts an integer (no fraction or exponent). */
gboolean   pt_json_scan_string      (PtJsonScan *scan, GString *out);
gboolean   pt_json_scan_int64       (PtJsonScan *scan, gint64 *out);
gboolean   pt_json_scan_skip        (PtJsonScan *scan);

/* TRUE if the scan failed. */
static inline gboolean
pt_json_scan_failed (const PtJsonScan *scan)
{
  return scan->error != NULL;
}

/* Records a failure at the current position (keeps the first one). */
void       pt_json_scan_fail        (PtJsonScan *scan, const char *message);
/* "line L, column C: MESSAGE" for the first failure; column in bytes. */
char      *pt_json_scan_describe    (const PtJsonScan *scan);

G_END_DECLS
