/* pt-json-scan.c — a small pull parser for JSON in a memory buffer. */
#include "config.h"

#include <string.h>        /* memchr */

#include "pt-json-scan.h"

void
pt_json_scan_init (PtJsonScan *scan,
                   const char *data,
                   gsize       length,
                   guint       first_line)
{
  memset (scan, 0, sizeof *scan);
  scan->start = data;
  scan->p = data;
  scan->end = data + length;
  scan->line = first_line;
  scan->line_start = data;
}

void
pt_json_scan_fail (PtJsonScan *scan,
                   const char *message)
{
  if (scan->error != NULL)
    return;
  scan->error = message;
  scan->error_at = scan->p;
  scan->error_line = scan->line;
}

char *
pt_json_scan_describe (const PtJsonScan *scan)
{
  const char *line_start = scan->line_start;

  if (scan->error == NULL)
    return g_strdup ("no error");
  /* the failure may lie before the current line start only if it happened on
   * an earlier line, which the scanner never leaves after failing */
  if (scan->error_at < line_start)
    line_start = scan->error_at;
  return g_strdup_printf ("line %u, column %u: %s", scan->error_line,
                          (guint) (scan->error_at - line_start) + 1, scan->error);
}

const char *
pt_json_type_name (PtJsonType type)
{
  switch (type)
    {
    case PT_JSON_END:     return "nothing";
    case PT_JSON_OBJECT:  return "an object";
    case PT_JSON_ARRAY:   return "a list";
    case PT_JSON_STRING:  return "a string";
    case PT_JSON_NUMBER:  return "a number";
    case PT_JSON_BOOLEAN: return "a boolean";
    case PT_JSON_NULL:    return "null";
    case PT_JSON_INVALID:
    default:              return "not JSON";
    }
}

static void
skip_ws (PtJsonScan *scan)
{
  const char *p = scan->p;

  while (p < scan->end)
    {
      char c = *p;
      if (c == ' ' || c == '\t' || c == '\r')
        p++;
      else if (c == '\n')
        {
          p++;
          scan->line++;
          scan->line_start = p;
        }
      else
        break;
    }
  scan->p = p;
}

PtJsonType
pt_json_scan_peek (PtJsonScan *scan)
{
  if (scan->error != NULL)
    return PT_JSON_INVALID;
  skip_ws (scan);
  if (scan->p >= scan->end)
    return PT_JSON_END;
  switch (*scan->p)
    {
    case '{': return PT_JSON_OBJECT;
    case '[': return PT_JSON_ARRAY;
    case '"': return PT_JSON_STRING;
    case 't': case 'f': return PT_JSON_BOOLEAN;
    case 'n': return PT_JSON_NULL;
    case '-': case '0': case '1': case '2': case '3': case '4':
    case '5': case '6': case '7': case '8': case '9':
      return PT_JSON_NUMBER;
    default:
      return PT_JSON_INVALID;
    }
}

static gboolean
expect (PtJsonScan *scan, char c, const char *message)
{
  skip_ws (scan);
  if (scan->p >= scan->end)
    {
      pt_json_scan_fail (scan, "unexpected end of input (truncated JSON?)");
      return FALSE;
    }
  if (*scan->p != c)
    {
      pt_json_scan_fail (scan, message);
      return FALSE;
    }
  scan->p++;
  return TRUE;
}

/* ---- strings ---- */

static int
hex4 (const char *p)
{
  int v = 0;

  for (int i = 0; i < 4; i++)
    {
      char c = p[i];
      v <<= 4;
      if (c >= '0' && c <= '9')
        v |= c - '0';
      else if (c >= 'a' && c <= 'f')
        v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        v |= c - 'A' + 10;
      else
        return -1;
    }
  return v;
}

/* Reads \uXXXX (and a following low surrogate) at p (after the backslash-u). */
static gboolean
unicode_escape (PtJsonScan *scan, GString *out)
{
  int hi, lo;
  gunichar cp;

  if (scan->end - scan->p < 4 || (hi = hex4 (scan->p)) < 0)
    {
      pt_json_scan_fail (scan, "bad \\u escape (four hex digits expected)");
      return FALSE;
    }
  scan->p += 4;
  cp = (gunichar) hi;
  if (hi >= 0xD800 && hi <= 0xDBFF)
    {
      if (scan->end - scan->p < 6 || scan->p[0] != '\\' || scan->p[1] != 'u'
          || (lo = hex4 (scan->p + 2)) < 0xDC00 || lo > 0xDFFF)
        {
          pt_json_scan_fail (scan, "unpaired UTF-16 surrogate in a \\u escape");
          return FALSE;
        }
      scan->p += 6;
      cp = 0x10000 + (((gunichar) hi - 0xD800) << 10) + ((gunichar) lo - 0xDC00);
    }
  else if (hi >= 0xDC00 && hi <= 0xDFFF)
    {
      pt_json_scan_fail (scan, "unpaired UTF-16 surrogate in a \\u escape");
      return FALSE;
    }
  else if (hi == 0)
    {
      pt_json_scan_fail (scan, "\\u0000 (a NUL character) in a string");
      return FALSE;
    }
  if (out != NULL)
    g_string_append_unichar (out, cp);
  return TRUE;
}

gboolean
pt_json_scan_string (PtJsonScan *scan,
                     GString    *out)
{
  if (!expect (scan, '"', "a string was expected"))
    return FALSE;

  for (;;)
    {
      const char *run = scan->p;
      const char *stop;

      /* the plain run up to the next quote, backslash or control byte */
      while (scan->p < scan->end)
        {
          unsigned char c = (unsigned char) *scan->p;
          if (c == '"' || c == '\\' || c < 0x20)
            break;
          scan->p++;
        }
      stop = scan->p;
      if (stop > run)
        {
          const char *bad = NULL;
          if (!scan->utf8_valid && !g_utf8_validate_len (run, stop - run, &bad))
            {
              scan->p = bad;
              pt_json_scan_fail (scan, "not valid UTF-8");
              return FALSE;
            }
          if (out != NULL)
            g_string_append_len (out, run, stop - run);
        }
      if (scan->p >= scan->end)
        {
          pt_json_scan_fail (scan, "unterminated string (truncated JSON?)");
          return FALSE;
        }
      if (*scan->p == '"')
        {
          scan->p++;
          return TRUE;
        }
      if (*scan->p != '\\')
        {
          pt_json_scan_fail (scan, *scan->p == '\n' ? "unterminated string (line break inside it)"
                                                    : "control character inside a string");
          return FALSE;
        }
      scan->p++;
      if (scan->p >= scan->end)
        {
          pt_json_scan_fail (scan, "unterminated string (truncated JSON?)");
          return FALSE;
        }
      {
        char c = *scan->p++, r;
        switch (c)
          {
          case '"':  r = '"'; break;
          case '\\': r = '\\'; break;
          case '/':  r = '/'; break;
          case 'b':  r = '\b'; break;
          case 'f':  r = '\f'; break;
          case 'n':  r = '\n'; break;
          case 'r':  r = '\r'; break;
          case 't':  r = '\t'; break;
          case 'u':
            if (!unicode_escape (scan, out))
              return FALSE;
            continue;
          default:
            scan->p--;
            pt_json_scan_fail (scan, "unknown escape sequence in a string");
            return FALSE;
          }
        if (out != NULL)
          g_string_append_c (out, r);
      }
    }
}

/* ---- numbers and literals ---- */

static gboolean
scan_number (PtJsonScan *scan, gboolean *is_integer)
{
  const char *p = scan->p, *end = scan->end;
  const char *digits;

  *is_integer = TRUE;
  if (p < end && *p == '-')
    p++;
  digits = p;
  if (p < end && *p == '0')
    p++;
  else
    while (p < end && g_ascii_isdigit (*p))
      p++;
  if (p == digits)
    {
      scan->p = p;
      pt_json_scan_fail (scan, "bad number");
      return FALSE;
    }
  if (p < end && *p == '.')
    {
      *is_integer = FALSE;
      p++;
      digits = p;
      while (p < end && g_ascii_isdigit (*p))
        p++;
      if (p == digits)
        {
          scan->p = p;
          pt_json_scan_fail (scan, "bad number (digits expected after '.')");
          return FALSE;
        }
    }
  if (p < end && (*p == 'e' || *p == 'E'))
    {
      *is_integer = FALSE;
      p++;
      if (p < end && (*p == '+' || *p == '-'))
        p++;
      digits = p;
      while (p < end && g_ascii_isdigit (*p))
        p++;
      if (p == digits)
        {
          scan->p = p;
          pt_json_scan_fail (scan, "bad number (digits expected in the exponent)");
          return FALSE;
        }
    }
  if (p < end && (g_ascii_isalnum (*p) || *p == '.' || *p == '-' || *p == '+'))
    {
      scan->p = p;
      pt_json_scan_fail (scan, "bad number");
      return FALSE;
    }
  scan->p = p;
  return TRUE;
}

gboolean
pt_json_scan_int64 (PtJsonScan *scan,
                    gint64     *out)
{
  const char *start;
  gboolean is_integer;
  guint64 v = 0;
  gboolean negative = FALSE;

  if (pt_json_scan_peek (scan) != PT_JSON_NUMBER)
    {
      pt_json_scan_fail (scan, "an integer was expected");
      return FALSE;
    }
  start = scan->p;
  if (!scan_number (scan, &is_integer))
    return FALSE;
  if (!is_integer)
    {
      scan->p = start;
      pt_json_scan_fail (scan, "an integer was expected");
      return FALSE;
    }
  if (*start == '-')
    negative = TRUE;
  for (const char *q = start + negative; q < scan->p; q++)
    {
      if (v > (G_MAXINT64 - 9) / 10)
        {
          scan->p = start;
          pt_json_scan_fail (scan, "integer out of range");
          return FALSE;
        }
      v = v * 10 + (guint64) (*q - '0');
    }
  *out = negative ? -(gint64) v : (gint64) v;
  return TRUE;
}

static gboolean
literal (PtJsonScan *scan, const char *word)
{
  gsize n = strlen (word);

  if ((gsize) (scan->end - scan->p) < n || memcmp (scan->p, word, n) != 0
      || (scan->p + n < scan->end && g_ascii_isalnum (scan->p[n])))
    {
      pt_json_scan_fail (scan, "unknown word (strings need double quotes)");
      return FALSE;
    }
  scan->p += n;
  return TRUE;
}

/* ---- containers ---- */

/* The '{' or '[' that opens a container, within the nesting limit. */
static gboolean
container_begin (PtJsonScan *scan, char open, const char *message)
{
  if (!expect (scan, open, message))
    return FALSE;
  if (++scan->depth > PT_JSON_MAX_DEPTH)
    {
      pt_json_scan_fail (scan, "nested too deeply");
      return FALSE;
    }
  return TRUE;
}

/* Up to a container's next member: FALSE at the closing bracket (consumed)
 * or on error; else TRUE past the ',' that must come before every member but
 * the first (n counts those read), and that must not trail. */
static gboolean
member_start (PtJsonScan *scan, guint n, char close)
{
  gboolean object = close == '}';

  if (scan->error != NULL)
    return FALSE;
  skip_ws (scan);
  if (scan->p < scan->end && *scan->p == close)
    {
      scan->p++;
      scan->depth--;
      return FALSE;
    }
  if (n > 0 && !expect (scan, ',', object ? "',' or '}' expected" : "',' or ']' expected"))
    return FALSE;
  skip_ws (scan);
  if (scan->p < scan->end && *scan->p == close)
    {
      pt_json_scan_fail (scan, object ? "trailing comma before '}'" : "trailing comma before ']'");
      return FALSE;
    }
  return TRUE;
}

gboolean
pt_json_scan_object_begin (PtJsonScan *scan)
{
  return container_begin (scan, '{', "an object was expected");
}

gboolean
pt_json_scan_object_next (PtJsonScan *scan,
                          guint      *n,
                          GString    *key)
{
  if (!member_start (scan, *n, '}'))
    return FALSE;
  if (scan->p < scan->end && *scan->p != '"')
    {
      pt_json_scan_fail (scan, "a quoted key was expected");
      return FALSE;
    }
  if (key != NULL)
    g_string_truncate (key, 0);
  if (!pt_json_scan_string (scan, key)
      || !expect (scan, ':', "':' expected after the key"))
    return FALSE;
  (*n)++;
  return TRUE;
}

gboolean
pt_json_scan_array_begin (PtJsonScan *scan)
{
  return container_begin (scan, '[', "a list was expected");
}

gboolean
pt_json_scan_array_next (PtJsonScan *scan,
                         guint      *n)
{
  if (!member_start (scan, *n, ']'))
    return FALSE;
  if (scan->p >= scan->end)
    {
      pt_json_scan_fail (scan, "unexpected end of input (truncated JSON?)");
      return FALSE;
    }
  (*n)++;
  return TRUE;
}

gboolean
pt_json_scan_skip (PtJsonScan *scan)
{
  gboolean is_integer;
  guint n = 0;

  switch (pt_json_scan_peek (scan))
    {
    case PT_JSON_OBJECT:
      if (!pt_json_scan_object_begin (scan))
        return FALSE;
      while (pt_json_scan_object_next (scan, &n, NULL))
        if (!pt_json_scan_skip (scan))
          return FALSE;
      return scan->error == NULL;
    case PT_JSON_ARRAY:
      if (!pt_json_scan_array_begin (scan))
        return FALSE;
      while (pt_json_scan_array_next (scan, &n))
        if (!pt_json_scan_skip (scan))
          return FALSE;
      return scan->error == NULL;
    case PT_JSON_STRING:
      return pt_json_scan_string (scan, NULL);
    case PT_JSON_NUMBER:
      return scan_number (scan, &is_integer);
    case PT_JSON_BOOLEAN:
      return literal (scan, *scan->p == 't' ? "true" : "false");
    case PT_JSON_NULL:
      return literal (scan, "null");
    case PT_JSON_END:
      pt_json_scan_fail (scan, "unexpected end of input (truncated JSON?)");
      return FALSE;
    case PT_JSON_INVALID:
    default:
      pt_json_scan_fail (scan, scan->error ? scan->error : "a value was expected");
      return FALSE;
    }
}
