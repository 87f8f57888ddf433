/* pt-test-util.h — small helpers the engine tests share: fixture files that
 * must load, and temporary folders. */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>   /* JsonNode */

#include "pt-tokenizer.h"          /* PtTokenizer */

G_BEGIN_DECLS

/* The JSON file at path (at most max_bytes); any error fails the test. */
JsonNode    *pt_test_load_json      (const char *path, gsize max_bytes);
/* The object in tests/fixtures/<relative> (JSON, at most max_bytes), read
 * once per process (any thread) and kept until it exits; any error fails
 * the test. */
JsonObject  *pt_test_fixture_object (const char *relative, gsize max_bytes);
/* The SentencePiece model at path; any error fails the test. */
PtTokenizer *pt_test_load_tokenizer (const char *path);
/* A new empty folder in the temporary directory, named after tmpl (which
 * ends in XXXXXX); failing to make it fails the test. Remove it with
 * pt_rmtree (pt-run.h). */
char        *pt_test_make_temp_dir  (const char *tmpl);

G_END_DECLS
