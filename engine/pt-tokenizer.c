/* pt-tokenizer.c — the PaliGemma tokenizer (SentencePiece + HF added tokens). */
#include "config.h"

#include <string.h>        /* memcmp, strlen */

#include "pt-error.h"
#include "pt-spm.h"        /* the C++ SentencePiece shim */
#include "pt-tokenizer.h"

/* sentencepiece_model.proto: ModelProto.SentencePiece.Type */
enum { PIECE_NORMAL = 1, PIECE_UNKNOWN = 2, PIECE_CONTROL = 3, PIECE_USER_DEFINED = 4,
       PIECE_UNUSED = 5, PIECE_BYTE = 6 };

#define N_LOC_SEG (PT_TOKENIZER_N_LOC + PT_TOKENIZER_N_SEG)
#define MAX_PIECES (1 << 22)

struct _PtTokenizer {
  char        *name;          /* the file, for messages */
  PtSpm       *spm;
  int          n_pieces;      /* V: pieces in the .model */
  char       **pieces;        /* (V) */
  guint8      *types;         /* (V) PIECE_* */
  GHashTable  *piece_ids;     /* piece → id + 1, model pieces only */
  int32_t      bos, eos, pad, unk;
  int32_t      image;         /* <image> */
  int32_t      model_image;   /* the model's own <image> piece, or -1 */
  int32_t      loc_seg[N_LOC_SEG];
  int32_t      extra_first;   /* first id of the loc/seg the model lacks */
  int          n_extra;       /* how many it lacks */
  char       **extra_names;   /* (n_extra) */
  /* atoms: split points of the text, matched leftmost-longest */
  GHashTable  *atoms;         /* string → id + 1 */
  guint8       atom_first[256];  /* first bytes of atoms */
  int         *atom_lens;     /* distinct atom lengths, longest first */
  int          n_atom_lens;
  int          max_atom_len;
};

/* ---- a minimal protobuf reader (the wire format of tokenizer.model) ---- */

typedef struct {
  const guint8 *p;
  const guint8 *end;
} Reader;

typedef struct {
  guint32       field;
  guint         wire;
  guint64       number;       /* wire 0, 1, 5 */
  const guint8 *bytes;        /* wire 2 */
  gsize         length;
  const guint8 *start;        /* the whole field, key included */
} Field;

static gboolean
read_varint (Reader *r, guint64 *value)
{
  guint64 v = 0;

  for (int shift = 0; shift < 64; shift += 7)
    {
      guint8 b;
      if (r->p >= r->end)
        return FALSE;
      b = *r->p++;
      v |= (guint64) (b & 0x7f) << shift;
      if (!(b & 0x80))
        {
          *value = v;
          return TRUE;
        }
    }
  return FALSE;
}

/* Reads one field; FALSE at a malformed one. */
static gboolean
read_field (Reader *r, Field *f)
{
  guint64 key, len;

  f->start = r->p;
  if (!read_varint (r, &key))
    return FALSE;
  f->field = (guint32) (key >> 3);
  f->wire = key & 7;
  if (f->field == 0 || key >> 3 > G_MAXUINT32)
    return FALSE;
  switch (f->wire)
    {
    case 0:
      return read_varint (r, &f->number);
    case 1:
    case 5:
      {
        gsize n = f->wire == 1 ? 8 : 4;
        if ((gsize) (r->end - r->p) < n)
          return FALSE;
        f->number = 0;
        for (gsize i = 0; i < n; i++)
          f->number |= (guint64) r->p[i] << (8 * i);
        r->p += n;
        return TRUE;
      }
    case 2:
      if (!read_varint (r, &len) || len > (guint64) (r->end - r->p))
        return FALSE;
      f->bytes = r->p;
      f->length = len;
      r->p += len;
      return TRUE;
    default:               /* groups (3, 4) are not in this schema; 6, 7 do not exist */
      return FALSE;
    }
}

static void
write_varint (GByteArray *out, guint64 v)
{
  do
    {
      guint8 b = v & 0x7f;
      v >>= 7;
      if (v)
        b |= 0x80;
      g_byte_array_append (out, &b, 1);
    }
  while (v);
}

/* The normaliser GemmaTokenizerFast applies (convert_slow_tokenizer.py
 * GemmaConverter: Replace(" ", "▁"), no prefix, nothing else):
 * NormalizerSpec { name: "identity", add_dummy_prefix: false,
 * remove_extra_whitespaces: false, escape_whitespaces: true } */
static const guint8 gemma_normalizer[] = {
  0x0a, 8, 'i', 'd', 'e', 'n', 't', 'i', 't', 'y',
  0x18, 0, 0x20, 0, 0x28, 1,
};

/* Parses the pieces of a ModelProto and rewrites it for SentencePiece with
 * Gemma's normaliser (and without self-test samples, which a changed
 * normaliser could fail). */
static gboolean
parse_model (PtTokenizer *tok, const guint8 *data, gsize size, GByteArray *rewritten,
             GError **error)
{
  Reader r = { data, data + size };
  g_autoptr(GPtrArray) pieces = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GByteArray) types = g_byte_array_new ();
  gboolean have_trainer = FALSE;

  while (r.p < r.end)
    {
      Field f;
      if (!read_field (&r, &f))
        goto bad;
      if (f.field == 1)
        {
          Reader pr = { f.bytes, f.bytes + f.length };
          const guint8 *piece = NULL;
          gsize piece_len = 0;
          guint8 type = PIECE_NORMAL;

          if (f.wire != 2)
            goto bad;
          while (pr.p < pr.end)
            {
              Field pf;
              if (!read_field (&pr, &pf))
                goto bad;
              if (pf.field == 1 && pf.wire == 2)
                {
                  piece = pf.bytes;
                  piece_len = pf.length;
                }
              else if (pf.field == 3 && pf.wire == 0)
                type = pf.number <= PIECE_BYTE ? (guint8) pf.number : 0;
            }
          if (piece == NULL || piece_len == 0)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                           "%s: piece %u is empty", tok->name, pieces->len);
              return FALSE;
            }
          if (!g_utf8_validate_len ((const char *) piece, piece_len, NULL))
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                           "%s: piece %u is not valid UTF-8", tok->name, pieces->len);
              return FALSE;
            }
          if (type < PIECE_NORMAL)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                           "%s: piece %u has an unknown type", tok->name, pieces->len);
              return FALSE;
            }
          if (pieces->len >= MAX_PIECES)
            {
              g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                           "%s: more than %d pieces", tok->name, MAX_PIECES);
              return FALSE;
            }
          g_ptr_array_add (pieces, g_strndup ((const char *) piece, piece_len));
          g_byte_array_append (types, &type, 1);
        }
      else if (f.field == 2 && f.wire == 2)
        have_trainer = TRUE;
      if (f.field != 3 && f.field != 4 && f.field != 5)
        g_byte_array_append (rewritten, f.start, r.p - f.start);
    }
  if (pieces->len == 0 || !have_trainer)
    goto bad;

  write_varint (rewritten, (3 << 3) | 2);
  write_varint (rewritten, sizeof gemma_normalizer);
  g_byte_array_append (rewritten, gemma_normalizer, sizeof gemma_normalizer);

  tok->n_pieces = pieces->len;
  g_ptr_array_add (pieces, NULL);
  tok->pieces = (char **) g_ptr_array_steal (pieces, NULL);
  tok->types = g_byte_array_steal (types, NULL);
  return TRUE;

bad:
  g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
               "%s is not a SentencePiece tokenizer.model (truncated or corrupt)", tok->name);
  return FALSE;
}

/* ---- atoms ---- */

static void
add_atom (PtTokenizer *tok, const char *text, int32_t id)
{
  int len = strlen (text);

  g_hash_table_replace (tok->atoms, g_strdup (text), GINT_TO_POINTER (id + 1));
  tok->atom_first[(guint8) text[0]] = 1;
  tok->max_atom_len = MAX (tok->max_atom_len, len);
}

static int
compare_desc (gconstpointer a, gconstpointer b)
{
  return *(const int *) b - *(const int *) a;
}

static void
index_atom_lengths (PtTokenizer *tok)
{
  GHashTableIter iter;
  gpointer key;
  g_autoptr(GArray) lens = g_array_new (FALSE, FALSE, sizeof (int));
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  g_hash_table_iter_init (&iter, tok->atoms);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      int len = strlen (key);
      if (!g_hash_table_contains (seen, GINT_TO_POINTER (len)))
        {
          g_hash_table_add (seen, GINT_TO_POINTER (len));
          g_array_append_val (lens, len);
        }
    }
  g_array_sort (lens, compare_desc);
  g_free (tok->atom_lens);
  tok->n_atom_lens = lens->len;
  tok->atom_lens = (int *) g_array_free (g_steal_pointer (&lens), FALSE);
}

static char *
loc_seg_name (int i)
{
  return i < PT_TOKENIZER_N_LOC ? g_strdup_printf ("<loc%04d>", i)
                                : g_strdup_printf ("<seg%03d>", i - PT_TOKENIZER_N_LOC);
}

static gboolean
setup (PtTokenizer *tok, GError **error)
{
  int32_t next;

  tok->piece_ids = g_hash_table_new (g_str_hash, g_str_equal);
  for (int i = 0; i < tok->n_pieces; i++)
    if (!g_hash_table_contains (tok->piece_ids, tok->pieces[i]))
      g_hash_table_insert (tok->piece_ids, tok->pieces[i], GINT_TO_POINTER (i + 1));

  tok->atoms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (int i = 0; i < tok->n_pieces; i++)
    if (tok->types[i] == PIECE_CONTROL || tok->types[i] == PIECE_UNKNOWN
        || tok->types[i] == PIECE_USER_DEFINED)
      if (!g_hash_table_contains (tok->atoms, tok->pieces[i]))
        add_atom (tok, tok->pieces[i], i);

  /* PaliGemmaProcessor: add_special_tokens(<image>) then add_tokens(EXTRA_TOKENS);
   * each new token takes the next id */
  tok->model_image = pt_tokenizer_piece_to_id (tok, "<image>");
  next = tok->n_pieces;
  tok->image = tok->model_image >= 0 ? tok->model_image : next++;
  add_atom (tok, "<image>", tok->image);
  tok->extra_first = next;
  tok->extra_names = g_new0 (char *, N_LOC_SEG + 1);
  for (int i = 0; i < N_LOC_SEG; i++)
    {
      g_autofree char *name = loc_seg_name (i);
      int32_t id = pt_tokenizer_piece_to_id (tok, name);
      if (id < 0)
        {
          id = next++;
          add_atom (tok, name, id);
          tok->extra_names[tok->n_extra++] = g_steal_pointer (&name);
        }
      tok->loc_seg[i] = id;
    }
  index_atom_lengths (tok);

  tok->bos = pt_spm_bos_id (tok->spm);
  tok->eos = pt_spm_eos_id (tok->spm);
  tok->pad = pt_spm_pad_id (tok->spm);
  tok->unk = pt_spm_unk_id (tok->spm);
  if (tok->bos < 0 || tok->eos < 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_UNSUPPORTED,
                   "%s has no <bos> or no <eos> piece; PaliGemma needs both", tok->name);
      return FALSE;
    }
  return TRUE;
}

PtTokenizer *
pt_tokenizer_new_from_data (const void *data, gsize size, const char *name, GError **error)
{
  g_autoptr(PtTokenizer) tok = g_new0 (PtTokenizer, 1);
  g_autoptr(GByteArray) rewritten = g_byte_array_new ();
  g_autofree char *message = NULL;

  g_return_val_if_fail (data != NULL || size == 0, NULL);

  tok->name = g_strdup (name ? name : "tokenizer.model");
  if (size == 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "%s is empty", tok->name);
      return NULL;
    }
  if (!parse_model (tok, data, size, rewritten, error))
    return NULL;
  tok->spm = pt_spm_new (rewritten->data, rewritten->len, &message);
  if (tok->spm == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s is not a usable SentencePiece model: %s", tok->name, message);
      return NULL;
    }
  if (pt_spm_piece_size (tok->spm) != tok->n_pieces)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "%s: SentencePiece sees %d pieces, the file has %d", tok->name,
                   pt_spm_piece_size (tok->spm), tok->n_pieces);
      return NULL;
    }
  if (!setup (tok, error))
    return NULL;
  return g_steal_pointer (&tok);
}

PtTokenizer *
pt_tokenizer_load (const char *path, GError **error)
{
  g_autoptr(GMappedFile) file = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *display = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  file = g_mapped_file_new (path, FALSE, &local);
  if (file == NULL)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_IO, "Cannot read the tokenizer %s: %s",
                   display, local->message);
      return NULL;
    }
  return pt_tokenizer_new_from_data (g_mapped_file_get_contents (file),
                                     g_mapped_file_get_length (file), display, error);
}

void
pt_tokenizer_free (PtTokenizer *tok)
{
  if (tok == NULL)
    return;
  g_clear_pointer (&tok->spm, pt_spm_free);
  g_clear_pointer (&tok->piece_ids, g_hash_table_unref);
  g_clear_pointer (&tok->atoms, g_hash_table_unref);
  g_strfreev (tok->pieces);
  g_strfreev (tok->extra_names);
  g_free (tok->types);
  g_free (tok->atom_lens);
  g_free (tok->name);
  g_free (tok);
}

static gboolean
is_extra_id (const PtTokenizer *tok, int32_t id)
{
  return id >= tok->extra_first && id < tok->extra_first + tok->n_extra;
}

gboolean
pt_tokenizer_set_image_token (PtTokenizer *tok, int32_t id, GError **error)
{
  g_return_val_if_fail (tok != NULL, FALSE);

  if (id == tok->image)
    return TRUE;
  if (tok->model_image >= 0)
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The image token id %d disagrees with the <image> piece of %s (%d)",
                   id, tok->name, tok->model_image);
      return FALSE;
    }
  if (id < 0 || id < tok->n_pieces || is_extra_id (tok, id))
    {
      const char *other = pt_tokenizer_id_to_piece (tok, id);
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT,
                   "The image token id %d is not free in %s%s%s%s", id, tok->name,
                   other ? " (it is “" : "", other ? other : "", other ? "”)" : "");
      return FALSE;
    }
  tok->image = id;
  g_hash_table_replace (tok->atoms, g_strdup ("<image>"), GINT_TO_POINTER (id + 1));
  return TRUE;
}

/* ---- encode ---- */

static gboolean
encode_plain (const PtTokenizer *tok, const char *text, gsize len, GArray *ids, GError **error)
{
  g_autofree char *message = NULL;

  if (len == 0)
    return TRUE;
  if (!pt_spm_encode (tok->spm, text, len, ids, &message))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_FAILED, "SentencePiece could not encode text: %s",
                   message);
      return FALSE;
    }
  return TRUE;
}

gboolean
pt_tokenizer_encode (const PtTokenizer *tok, const char *text, gssize length, GArray *ids,
                     GError **error)
{
  gsize len, start = 0, i = 0;
  guint old_len;
  g_autofree char *key = NULL;

  g_return_val_if_fail (tok != NULL, FALSE);
  g_return_val_if_fail (text != NULL || length == 0, FALSE);
  g_return_val_if_fail (ids != NULL && g_array_get_element_size (ids) == sizeof (int32_t), FALSE);

  len = length < 0 ? strlen (text) : (gsize) length;
  if (!g_utf8_validate_len (text, len, NULL))
    {
      g_set_error (error, PT_ERROR, PT_ERROR_INVALID_INPUT, "The text is not valid UTF-8");
      return FALSE;
    }
  old_len = ids->len;
  key = g_malloc (tok->max_atom_len + 1);
  while (i < len)
    {
      int32_t atom = -1;
      int atom_len = 0;

      if (tok->atom_first[(guint8) text[i]])
        for (int k = 0; k < tok->n_atom_lens && atom < 0; k++)
          {
            int l = tok->atom_lens[k];
            gpointer v;
            if ((gsize) l > len - i)
              continue;
            memcpy (key, text + i, l);
            key[l] = '\0';
            if ((v = g_hash_table_lookup (tok->atoms, key)) != NULL)
              {
                atom = GPOINTER_TO_INT (v) - 1;
                atom_len = l;
              }
          }
      if (atom < 0)
        {
          i++;
          continue;
        }
      if (!encode_plain (tok, text + start, i - start, ids, error))
        goto fail;
      g_array_append_val (ids, atom);
      i += atom_len;
      start = i;
    }
  if (!encode_plain (tok, text + start, len - start, ids, error))
    goto fail;
  return TRUE;

fail:
  g_array_set_size (ids, old_len);
  return FALSE;
}

/* ---- decode ---- */

static int
hex_digit (char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* "<0xNN>" as tokenizers' ByteFallback decoder recognises it. */
static int
byte_piece (const char *piece)
{
  int hi, lo;

  if (strlen (piece) != 6 || memcmp (piece, "<0x", 3) != 0 || piece[5] != '>')
    return -1;
  hi = hex_digit (piece[3]);
  lo = hex_digit (piece[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

static void
flush_bytes (GString *out, GByteArray *bytes)
{
  if (bytes->len == 0)
    return;
  if (g_utf8_validate_len ((const char *) bytes->data, bytes->len, NULL))
    g_string_append_len (out, (const char *) bytes->data, bytes->len);
  else
    for (guint i = 0; i < bytes->len; i++)
      g_string_append (out, "\xef\xbf\xbd");   /* U+FFFD per byte */
  g_byte_array_set_size (bytes, 0);
}

char *
pt_tokenizer_decode (const PtTokenizer *tok, const int32_t *ids, gsize n, gboolean skip_special)
{
  GString *out = g_string_new (NULL);
  g_autoptr(GByteArray) bytes = g_byte_array_new ();

  g_return_val_if_fail (tok != NULL, NULL);
  g_return_val_if_fail (ids != NULL || n == 0, NULL);

  for (gsize i = 0; i < n; i++)
    {
      const char *piece = pt_tokenizer_id_to_piece (tok, ids[i]);
      int b;

      if (piece == NULL || (skip_special && pt_tokenizer_is_special (tok, ids[i])))
        continue;
      if ((b = byte_piece (piece)) >= 0)
        {
          guint8 v = b;
          g_byte_array_append (bytes, &v, 1);
          continue;
        }
      flush_bytes (out, bytes);
      for (const char *p = piece; *p; )
        if (p[0] == '\xe2' && p[1] == '\x96' && p[2] == '\x81')    /* ▁ (stops at the NUL) */
          {
            g_string_append_c (out, ' ');
            p += 3;
          }
        else
          g_string_append_c (out, *p++);
    }
  flush_bytes (out, bytes);
  return g_string_free (out, FALSE);
}

/* ---- lookups ---- */

const char *
pt_tokenizer_id_to_piece (const PtTokenizer *tok, int32_t id)
{
  g_return_val_if_fail (tok != NULL, NULL);

  if (id == tok->image)
    return "<image>";
  if (id >= 0 && id < tok->n_pieces)
    return tok->pieces[id];
  if (is_extra_id (tok, id))
    return tok->extra_names[id - tok->extra_first];
  return NULL;
}

int32_t
pt_tokenizer_piece_to_id (const PtTokenizer *tok, const char *piece)
{
  gpointer v;

  g_return_val_if_fail (tok != NULL && piece != NULL, -1);

  if ((v = g_hash_table_lookup (tok->piece_ids, piece)) != NULL)
    return GPOINTER_TO_INT (v) - 1;
  if (tok->atoms != NULL && (v = g_hash_table_lookup (tok->atoms, piece)) != NULL)
    return GPOINTER_TO_INT (v) - 1;
  return -1;
}

int
pt_tokenizer_vocab_size (const PtTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, 0);
  return tok->n_pieces;
}

int
pt_tokenizer_n_tokens (const PtTokenizer *tok)
{
  g_return_val_if_fail (tok != NULL, 0);
  return MAX (MAX (tok->n_pieces, tok->image + 1), tok->extra_first + tok->n_extra);
}

gboolean
pt_tokenizer_is_special (const PtTokenizer *tok, int32_t id)
{
  g_return_val_if_fail (tok != NULL, FALSE);

  if (id == tok->image)
    return TRUE;
  if (id >= 0 && id < tok->n_pieces)
    return tok->types[id] == PIECE_CONTROL || tok->types[id] == PIECE_UNKNOWN;
  return FALSE;
}

int32_t
pt_tokenizer_bos_id (const PtTokenizer *tok)
{
  return tok->bos;
}

int32_t
pt_tokenizer_eos_id (const PtTokenizer *tok)
{
  return tok->eos;
}

int32_t
pt_tokenizer_pad_id (const PtTokenizer *tok)
{
  return tok->pad;
}

int32_t
pt_tokenizer_unk_id (const PtTokenizer *tok)
{
  return tok->unk;
}

int32_t
pt_tokenizer_image_id (const PtTokenizer *tok)
{
  return tok->image;
}

int32_t
pt_tokenizer_loc_id (const PtTokenizer *tok, int i)
{
  g_return_val_if_fail (i >= 0 && i < PT_TOKENIZER_N_LOC, -1);
  return tok->loc_seg[i];
}

int32_t
pt_tokenizer_seg_id (const PtTokenizer *tok, int i)
{
  g_return_val_if_fail (i >= 0 && i < PT_TOKENIZER_N_SEG, -1);
  return tok->loc_seg[PT_TOKENIZER_N_LOC + i];
}
