#!/usr/bin/env python3
"""Train a small PaliGemma-style SentencePiece tokenizer.

Usage: tools/train-tokenizer.py CORPUS.txt OUT/tokenizer.model [--vocab-size N] [--no-loc-seg]

The recipe mirrors the layout of the PaliGemma tokenizer (Gemma's SentencePiece
model with the detection/segmentation pieces appended, spec §3):

  * BPE with byte fallback (<0x00>..<0xFF>), digits split, no dummy prefix,
    whitespace kept as is (no NFKC, no collapsing: the "identity" rule, which
    is what GemmaTokenizerFast's converter assumes: its normaliser only
    replaces " " by "▁");
  * <pad>=0 <eos>=1 <bos>=2 <unk>=3, then <mask> (control, as in Gemma) and
    "\\n" as a user-defined piece (atomic, like Gemma's id 108);
  * then the normal pieces, then 1024 <locNNNN> and 128 <segNNN> appended as
    USER_DEFINED pieces at the END of the vocabulary (so <image>, which the
    Hugging Face processor adds, gets id = number of pieces).

Python is for generating files only; PaliTune reads the .model with its C++
SentencePiece shim (engine/pt-tokenizer.cc). Run with /opt/refenv/bin/python.
"""
import argparse
import io
import os
import sys

import sentencepiece as spm
from sentencepiece import sentencepiece_model_pb2 as model_pb2

LOC_SEG = [f"<loc{i:04d}>" for i in range(1024)] + [f"<seg{i:03d}>" for i in range(128)]


def train(corpus, vocab_size):
    out = io.BytesIO()
    spm.SentencePieceTrainer.train(
        input=corpus,
        model_writer=out,
        model_type="bpe",
        vocab_size=vocab_size,
        hard_vocab_limit=False,
        character_coverage=1.0,
        byte_fallback=True,
        split_digits=True,
        split_by_whitespace=True,
        allow_whitespace_only_pieces=True,
        add_dummy_prefix=False,
        remove_extra_whitespaces=False,
        normalization_rule_name="identity",
        pad_id=0, pad_piece="<pad>",
        eos_id=1, eos_piece="<eos>",
        bos_id=2, bos_piece="<bos>",
        unk_id=3, unk_piece="<unk>",
        control_symbols=["<mask>"],
        user_defined_symbols=["\n"],
        num_threads=1,
        minloglevel=2,
    )
    proto = model_pb2.ModelProto()
    proto.ParseFromString(out.getvalue())
    return proto


def append_loc_seg(proto):
    have = {p.piece for p in proto.pieces}
    for name in LOC_SEG:
        if name in have:
            sys.exit(f"{name} is already a piece")
        p = proto.pieces.add()
        p.piece = name
        p.score = 0.0
        p.type = model_pb2.ModelProto.SentencePiece.USER_DEFINED


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus")
    ap.add_argument("output")
    ap.add_argument("--vocab-size", type=int, default=600,
                    help="pieces before the 1152 loc/seg pieces (default 600)")
    ap.add_argument("--no-loc-seg", action="store_true",
                    help="leave out <locNNNN>/<segNNN> (the processor then adds them after <image>)")
    args = ap.parse_args()

    proto = train(args.corpus, args.vocab_size)
    assert [p.piece for p in proto.pieces[:6]] == ["<pad>", "<eos>", "<bos>", "<unk>", "<mask>", "\n"], \
        [p.piece for p in proto.pieces[:6]]
    if not args.no_loc_seg:
        append_loc_seg(proto)
    data = proto.SerializeToString()

    # the result must load in SentencePiece and keep the special ids
    sp = spm.SentencePieceProcessor(model_proto=data)
    assert (sp.pad_id(), sp.eos_id(), sp.bos_id(), sp.unk_id()) == (0, 1, 2, 3)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    with open(args.output, "wb") as f:
        f.write(data)
    print(f"{args.output}: {sp.get_piece_size()} pieces "
          f"({len(proto.pieces) - (0 if args.no_loc_seg else len(LOC_SEG))} + "
          f"{0 if args.no_loc_seg else len(LOC_SEG)} loc/seg); <image> will be {sp.get_piece_size()}")


if __name__ == "__main__":
    main()
