#!/usr/bin/env python3
"""Give the tokens a pretraining never used their initial embedding rows back.

    demo-restore-unused-rows.py INIT_DIR MODEL_DIR CORPUS OUT_SAFETENSORS

PaliGemma ties the output layer to the token embeddings, so during a long
pretraining every row gets a gradient through the softmax, also the rows of
tokens that never occur: they are pushed ever further from any hidden state.
The demo's fine-tune answers in French, with exactly such tokens; a LoRA on the
decoder (which cannot touch the embeddings) then starts ~10 nats away and does
not get there in minutes. Restoring those rows to their values at
initialisation undoes only that drift: the pretrained question types answer
as before (tools/pretrain-demo.sh checks), and the French words start from a
neutral place.

"Used" tokens: those of every line of CORPUS (the pretraining tasks' questions
and answers, `palitune-cli demo-data --corpus`), tokenized the ways the
processor meets them (alone, after "answer ", followed by "\\n"), and the
special tokens. Run with /opt/refenv/bin/python (sentencepiece, safetensors,
numpy); an offline recipe step, not a PaliTune dependency.
"""
import sys

import numpy as np
import sentencepiece as spm
from safetensors.numpy import load_file, save_file

EMBED = "language_model.model.embed_tokens.weight"
N_SPECIAL = 5   # <pad> <eos> <bos> <unk> <mask>: kept as trained


def main():
    init_dir, model_dir, corpus, out = sys.argv[1:5]
    sp = spm.SentencePieceProcessor(model_file=model_dir + "/tokenizer.model")
    used = set(range(N_SPECIAL))
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            for text in (line, " " + line, "answer " + line, line + "\n", "answer " + line + "\n"):
                used.update(sp.encode(text))
    weights = load_file(model_dir + "/model.safetensors")
    initial = load_file(init_dir + "/model.safetensors")[EMBED]
    rows = weights[EMBED].copy()
    unused = np.array([i for i in range(rows.shape[0]) if i not in used], dtype=np.int64)
    rows[unused] = initial[unused]
    weights[EMBED] = rows
    save_file(weights, out, metadata={"format": "pt"})
    print(f"{len(used)} tokens used by the pretraining; {len(unused)} rows restored")


if __name__ == "__main__":
    main()
