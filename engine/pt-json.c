/* pt-json.c — JSON output that json-glib 1.6 gets wrong, and typed reads. */
#include "config.h"

#include <math.h>          /* isfinite */
#include <stdio.h>         /* snprintf */
#include <stdlib.h>        /* strtod */
#include <string.h>
#include <glib/gstdio.h>   /* g_stat */

#include "pt-error.h"
#include "pt-json.h"

void
pt_json_append_double (GString *out,
                       double   value)
{
  char buf[40];

  if (!isfinite (value))
    {
      g_string_append (out, "null");
      return;
    }
  for (int precision = 15; precision <= 17; precision++)
    {
      snprintf (buf, sizeof buf, "%.*g", precision, value);
      if (strtod (buf, NULL) == value)
        break;
    }
  /* the C locale's decimal point is '.', but be safe under other locales */
  for (char *p = buf; *p; p++)
    if (*p == ',')
      *p = '.';
  g_string_append (out, buf);
  if (strpbrk (buf, ".eEn") == NULL)
    g_string_append (out, ".0");
}

void
pt_json_append_string (GString    *out,
                       const char *value)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) value; *p; p++)
    {
      switch (*p)
        {
        case '"':  g_string_append (out, "\\\""); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\n': g_string_append (out, "\\n"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\t': g_string_append (out, "\\t"); break;
        case '\b': g_string_append (out, "\\b"); break;
        case '\f': g_string_append (out, "\\f"); break;
        default:
          if (*p < 0x20)
            g_string_append_printf (out, "\\u%04x", *p);
          else
            g_string_append_c (out, (char) *p);
        }
    }
  g_string_append_c (out, '"');
}

static void
indent (GString *out, gboolean pretty, int depth)
{
  if (!pretty)
    return;
  g_string_append_c (out, '\n');
  for (int i = 0; i < depth; i++)
    g_string_append (out, "  ");
}

static void
append_node (GString *out, JsonNode *node, gboolean pretty, int depth)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_NULL:
      g_string_append (out, "null");
      break;
    case JSON_NODE_VALUE:
      {
        GType t = json_node_get_value_type (node);
        if (t == G_TYPE_STRING)
          pt_json_append_string (out, json_node_get_string (node));
        else if (t == G_TYPE_INT64)
          g_string_append_printf (out, "%" G_GINT64_FORMAT, json_node_get_int (node));
        else if (t == G_TYPE_DOUBLE)
          pt_json_append_double (out, json_node_get_double (node));
        else if (t == G_TYPE_BOOLEAN)
          g_string_append (out, json_node_get_boolean (node) ? "true" : "false");
        else
          g_string_append (out, "null");
        break;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (node);
        guint n = json_array_get_length (a);
        g_string_append_c (out, '[');
        for (guint i = 0; i < n; i++)
          {
            if (i)
              g_string_append (out, pretty ? "," : ", ");
            indent (out, pretty, depth + 1);
            append_node (out, json_array_get_element (a, i), pretty, depth + 1);
          }
        if (n)
          indent (out, pretty, depth);
        g_string_append_c (out, ']');
        break;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObject *o = json_node_get_object (node);
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        gboolean first = TRUE;
        g_string_append_c (out, '{');
        json_object_iter_init_ordered (&iter, o);
        while (json_object_iter_next_ordered (&iter, &name, &member))
          {
            if (!first)
              g_string_append (out, pretty ? "," : ", ");
            first = FALSE;
            indent (out, pretty, depth + 1);
            pt_json_append_string (out, name);
            g_string_append (out, ": ");
            append_node (out, member, pretty, depth + 1);
          }
        if (!first)
          indent (out, pretty, depth);
        g_string_append_c (out, '}');
        break;
      }
    default:
      g_string_append (out, "null");
    }
}

char *
pt_json_to_string (JsonNode *node,
                   gboolean  pretty)
{
  GString *out = g_string_new (NULL);

  g_return_val_if_fail (node != NULL, NULL);

  append_node (out, node, pretty, 0);
  if (pretty)
    g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

/* json-glib's parser recurses once per nesting level, so a few hundred
 * kilobytes of "[[[[…" overflow the stack: refuse deep nesting before
 * parsing. No file PaliTune reads nests more than a handful of levels. */
#define MAX_JSON_DEPTH 256

static gboolean
nesting_ok (const char *text, gssize length)
{
  int depth = 0;

  /* lexing as json-glib's scanner does: "…" with escapes, '…' without, and
   * C comments, so a bracket counts exactly when the parser would see it */
  for (gssize i = 0; i < length; i++)
    {
      char c = text[i];
      if (c == '"')
        {
          for (i++; i < length && text[i] != '"'; i++)
            if (text[i] == '\\')
              i++;
        }
      else if (c == '\'')
        {
          for (i++; i < length && text[i] != '\''; i++)
            ;
        }
      else if (c == '/' && i + 1 < length && text[i + 1] == '*')
        {
          for (i += 2; i + 1 < length && !(text[i] == '*' && text[i + 1] == '/'); i++)
            ;
          i++;
        }
      else if (c == '[' || c == '{')
        {
          if (++depth > MAX_JSON_DEPTH)
            return FALSE;
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return TRUE;
}

/* json-glib's scanner accepts escapes JSON does not have ("\777" octal)
 * and can hand back strings that are not UTF-8: check every string */
static gboolean
strings_valid (JsonNode *node)
{
  switch (json_node_get_node_type (node))
    {
    case JSON_NODE_VALUE:
      return json_node_get_value_type (node) != G_TYPE_STRING
             || g_utf8_validate (json_node_get_string (node), -1, NULL);
    case JSON_NODE_ARRAY:
      {
        JsonArray *a = json_node_get_array (node);
        for (guint i = 0; i < json_array_get_length (a); i++)
          if (!strings_valid (json_array_get_element (a, i)))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_OBJECT:
      {
        JsonObjectIter iter;
        const char *name;
        JsonNode *member;
        json_object_iter_init (&iter, json_node_get_object (node));
        while (json_object_iter_next (&iter, &name, &member))
          if (!g_utf8_validate (name, -1, NULL) || !strings_valid (member))
            return FALSE;
        return TRUE;
      }
    case JSON_NODE_NULL:
    default:
      return TRUE;
    }
}

JsonNode *
pt_json_parse (const char *text,
               gssize      length,
               const char *what,
               GError    **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (length < 0)
    length = (gssize) strlen (text);
  if (!g_utf8_validate (text, length, NULL))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is not valid UTF-8 text", what);
      return NULL;
    }
  if (!nesting_ok (text, length))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is not valid JSON: nested more than %d levels deep", what, MAX_JSON_DEPTH);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, text, length, &local_error))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is not valid JSON: %s",
                   what, local_error->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is empty", what);
      return NULL;
    }
  if (!strings_valid (root))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is not valid JSON: a string has an invalid escape sequence", what);
      return NULL;
    }
  return json_node_ref (root);
}

JsonNode *
pt_json_load_file (const char *path,
                   gsize       max_bytes,
                   GError    **error)
{
  g_autofree char *text = NULL;
  g_autofree char *display = g_filename_display_name (path);
  gsize length = 0;
  GStatBuf st;

  if (g_stat (path, &st) == 0 && (gsize) st.st_size > max_bytes)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is too large (%.1f MiB; at most %.1f MiB expected)", display,
                   st.st_size / 1048576.0, max_bytes / 1048576.0);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &length, NULL))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read %s", display);
      return NULL;
    }
  return pt_json_parse (text, (gssize) length, display, error);
}
