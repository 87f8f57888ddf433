/* pt-spm.cc — the C++ SentencePiece library behind a C interface. */
#include "config.h"

#include <cstdint>                    // int32_t
#include <exception>                  // std::exception
#include <new>                        // std::nothrow
#include <string_view>
#include <vector>

#include <sentencepiece_processor.h>  // sentencepiece::SentencePieceProcessor

#include "pt-spm.h"

struct _PtSpm {
  sentencepiece::SentencePieceProcessor sp;
};

static char *
message_from_status (const sentencepiece::util::Status &status)
{
  return g_strdup (status.ToString ().c_str ());
}

PtSpm *
pt_spm_new (const void *data, size_t size, char **message)
{
  PtSpm *spm = nullptr;

  *message = nullptr;
  try
    {
      spm = new PtSpm;
      auto status = spm->sp.LoadFromSerializedProto (
        std::string_view (static_cast<const char *> (data), size));
      if (!status.ok ())
        {
          *message = message_from_status (status);
          delete spm;
          return nullptr;
        }
      return spm;
    }
  catch (const std::exception &e)
    {
      *message = g_strdup (e.what ());
    }
  catch (...)
    {
      *message = g_strdup ("unknown error in SentencePiece");
    }
  delete spm;
  return nullptr;
}

void
pt_spm_free (PtSpm *spm)
{
  delete spm;
}

int
pt_spm_piece_size (const PtSpm *spm)
{
  return spm->sp.GetPieceSize ();
}

int
pt_spm_unk_id (const PtSpm *spm)
{
  return spm->sp.unk_id ();
}

int
pt_spm_bos_id (const PtSpm *spm)
{
  return spm->sp.bos_id ();
}

int
pt_spm_eos_id (const PtSpm *spm)
{
  return spm->sp.eos_id ();
}

int
pt_spm_pad_id (const PtSpm *spm)
{
  return spm->sp.pad_id ();
}

gboolean
pt_spm_encode (const PtSpm *spm, const char *text, size_t len, GArray *ids, char **message)
{
  *message = nullptr;
  if (len == 0)
    return TRUE;
  try
    {
      std::vector<int> out;
      auto status = spm->sp.Encode (std::string_view (text, len), &out);
      if (!status.ok ())
        {
          *message = message_from_status (status);
          return FALSE;
        }
      for (int id : out)
        {
          int32_t v = id;
          g_array_append_val (ids, v);
        }
      return TRUE;
    }
  catch (const std::exception &e)
    {
      *message = g_strdup (e.what ());
    }
  catch (...)
    {
      *message = g_strdup ("unknown error in SentencePiece");
    }
  return FALSE;
}
