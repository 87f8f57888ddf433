#!/usr/bin/env python3
"""Pad a small PaliGemma-style SentencePiece tokenizer to the real one's size.

Usage: tools/pad-tokenizer.py SRC/tokenizer.model OUT/tokenizer.model [--size 257152]

For a PaliGemma-3B-shaped test model (tools/make-3b-test-model.sh): the
model's vocabulary (257 216 rows) and the special ids must be where the hub's
tokenizer has them, so that both sides (PaliTune, HF) see the same
sequences and the embedding and the head have their real size:

  * the source's normal pieces keep their ids (<pad>=0 <eos>=1 <bos>=2 <unk>=3
    as tools/train-tokenizer.py makes them; the demo's tokenizer is one);
  * its <locNNNN>/<segNNN> pieces, if any, are taken off the end;
  * UNUSED pieces <unusedN> fill up to 256 000 (never produced when
    encoding, as the padding of the real vocabulary never is);
  * <loc0000>..<loc1023> at 256 000..257 023 and <seg000>..<seg127> at
    257 024..257 151, USER_DEFINED, as in PaliGemma's tokenizer;
  * so <image>, which the processor adds, is 257 152 (the 3B config's
    image_token_index).

Run with /opt/refenv/bin/python. Checks the result with SentencePiece.
"""
import argparse
import os
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

LOC_SEG = [f"<loc{i:04d}>" for i in range(1024)] + [f"<seg{i:03d}>" for i in range(128)]
TEXT_PIECES = 256000   # Gemma's vocabulary before PaliGemma's loc/seg pieces


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("source")
    ap.add_argument("output")
    args = ap.parse_args()

    proto = model_pb2.ModelProto()
    with open(args.source, "rb") as f:
        proto.ParseFromString(f.read())
    loc_seg = set(LOC_SEG)
    while proto.pieces and proto.pieces[-1].piece in loc_seg:
        proto.pieces.pop()
    if any(p.piece in loc_seg for p in proto.pieces):
        sys.exit(f"{args.source}: loc/seg pieces in the middle of the vocabulary")
    n_text = len(proto.pieces)
    if n_text > TEXT_PIECES:
        sys.exit(f"{args.source}: {n_text} pieces, more than {TEXT_PIECES}")
    have = {p.piece for p in proto.pieces}
    k = 0
    while len(proto.pieces) < TEXT_PIECES:
        name = f"<unused{k}>"
        k += 1
        if name in have:
            continue
        p = proto.pieces.add()
        p.piece = name
        p.score = 0.0
        p.type = model_pb2.ModelProto.SentencePiece.UNUSED
    for name in LOC_SEG:
        p = proto.pieces.add()
        p.piece = name
        p.score = 0.0
        p.type = model_pb2.ModelProto.SentencePiece.USER_DEFINED
    data = proto.SerializeToString()

    sp = spm.SentencePieceProcessor(model_proto=data)
    assert sp.get_piece_size() == TEXT_PIECES + len(LOC_SEG) == 257152, sp.get_piece_size()
    assert (sp.pad_id(), sp.eos_id(), sp.bos_id(), sp.unk_id()) == (0, 1, 2, 3)
    assert sp.piece_to_id("<loc0000>") == 256000 and sp.piece_to_id("<seg127>") == 257151
    assert sp.encode("<loc0012><seg003> red") [:2] == [256012, 257027]
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "wb") as f:
        f.write(data)
    print(f"{args.output}: {sp.get_piece_size()} pieces ({n_text} from {args.source}, "
          f"{TEXT_PIECES - n_text} unused, {len(LOC_SEG)} loc/seg); <image> will be {sp.get_piece_size()}")


if __name__ == "__main__":
    main()
