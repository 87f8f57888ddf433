/* pt-json.h — JSON output that json-glib 1.6 gets wrong, and typed reads.
 *
 * json-glib 1.6's generator writes 1e-08 as "1e-08.0" (invalid JSON), so
 * every JSON file PaliTune writes goes through pt_json_to_string: shortest
 * round-tripping numbers, NaN/inf as null, UTF-8 kept, control characters
 * escaped.
 */
#pragma once

#include <json-glib/json-glib.h>   /* JsonNode */

G_BEGIN_DECLS

/* pretty: two-space indentation and a trailing newline; otherwise one line. */
char     *pt_json_to_string    (JsonNode *node, gboolean pretty);
/* Appends the shortest decimal that reads back as the same double. */
void      pt_json_append_double (GString *out, double value);
/* Appends a JSON string literal. */
void      pt_json_append_string (GString *out, const char *value);

/* Parses text (which must be valid UTF-8) into a node; errors name the file. */
JsonNode *pt_json_parse        (const char *text, gssize length, const char *what, GError **error);
/* Reads and parses a file (refusing files over max_bytes). */
JsonNode *pt_json_load_file    (const char *path, gsize max_bytes, GError **error);

/* Typed reads of an object's member that never warn: the fallback when the
 * member is absent, null or of another type (files users can edit). */
const char *pt_json_get_string (JsonObject *object, const char *key, const char *fallback);
gint64      pt_json_get_int    (JsonObject *object, const char *key, gint64 fallback);
double      pt_json_get_double (JsonObject *object, const char *key, double fallback);

G_END_DECLS
