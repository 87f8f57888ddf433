#!/usr/bin/env python3
"""Writes the Hugging Face dataset fixtures under tests/fixtures/hf/ with the
datasets library itself (pinned in tools/requirements-reference.txt):

  hub/            a hub folder as push_to_hub leaves it: README.md with
                  `configs:` data_files per split, data/train-0000N-of-00002
                  .parquet (snappy, data pages v1, dictionary; zstd, data pages
                  v2, no dictionary) and data/validation-00000-of-00001.parquet
                  (gzip), row groups of 64 rows
  saved/          DatasetDict.save_to_disk: dataset_dict.json, train/ in 3
                  Arrow shards, validation/ in 1 (stream format, state.json)
  single.parquet  one Parquet file as Dataset.to_parquet writes it (images
                  uncompressed and PLAIN, the rest snappy with dictionaries)
  single-delta.parquet  the same rows in the DELTA encodings (question,
                  answers: DELTA_BYTE_ARRAY; image bytes, multiple_choice_answer:
                  DELTA_LENGTH_BYTE_ARRAY; question_id: DELTA_BINARY_PACKED)
  single.arrow    one Arrow IPC file in the file format (ARROW1 magics)

VQAv2 columns: image (Image feature: {bytes: 16×16 PNG, path}), question,
multiple_choice_answer, answers (a list of 10 {answer, answer_confidence,
answer_id}), question_type, answer_type, question_id. Row i (0-based, over
train then validation) is fully determined by i, so the tests know every
value: see row() below.

  /opt/refenv/bin/python tools/make-hf-fixtures.py
  /opt/refenv/bin/python tools/make-hf-fixtures.py --rows 100000 --out /tmp/big
      (the benchmark dataset: one hub folder, not committed)
"""
import argparse
import io
import json
import os
import shutil

import datasets
import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq
from PIL import Image

datasets.disable_progress_bars()

COLORS = ["red", "green", "blue", "yellow", "white", "black", "purple", "orange"]
RGB = {"red": (220, 20, 20), "green": (20, 200, 40), "blue": (30, 40, 220),
       "yellow": (240, 230, 30), "white": (250, 250, 250), "black": (5, 5, 5),
       "purple": (140, 30, 160), "orange": (250, 140, 10)}
FEATURES = datasets.Features({
    "image": datasets.Image(),
    "question": datasets.Value("string"),
    "multiple_choice_answer": datasets.Value("string"),
    "answers": datasets.List({"answer": datasets.Value("string"),
                              "answer_confidence": datasets.Value("string"),
                              "answer_id": datasets.Value("int32")}),
    "question_type": datasets.Value("string"),
    "answer_type": datasets.Value("string"),
    "question_id": datasets.Value("int64"),
})

_png_cache = {}


def png(index):
    # One image per 4 rows (several questions per image, as in VQAv2),
    # 16×16, a colour with a small index-dependent mark so images differ.
    key = index // 4
    if key not in _png_cache:
        color = COLORS[key % len(COLORS)]
        img = Image.new("RGB", (16, 16), RGB[color])
        img.putpixel((key % 16, (key // 16) % 16), (128, 128, 128))
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        _png_cache[key] = buf.getvalue()
    return _png_cache[key]


def row(i):
    color = COLORS[(i // 4) % len(COLORS)]
    if i % 2 == 0:
        question, answer, qtype, atype = f"what color is square {i}?", color, "what color is the", "other"
        others = [color] * 7 + ["gray", "dark " + color, color]
    else:
        question, answer, qtype, atype = f"is square {i} {color}?", "yes", "is the", "yes/no"
        others = ["yes"] * 9 + ["no"]
    answers = [{"answer": a, "answer_confidence": "yes" if k % 3 else "maybe", "answer_id": k + 1}
               for k, a in enumerate(others)]
    return {"image": {"bytes": png(i), "path": f"square_{i // 4:06d}.png"},
            "question": question, "multiple_choice_answer": answer, "answers": answers,
            "question_type": qtype, "answer_type": atype, "question_id": 1000 + i}


def dataset(first, count):
    return datasets.Dataset.from_list([row(i) for i in range(first, first + count)],
                                      features=FEATURES)


README = """---
dataset_info:
  features:
  - name: image
    dtype: image
  - name: question
    dtype: string
configs:
- config_name: default
  data_files:
  - split: train
    path: data/train-*
  - split: validation
    path: data/validation-*
---

# PaliTune test fixture

A tiny VQAv2-like dataset written by tools/make-hf-fixtures.py.
"""


def write_hub(out, n_train, n_val, group):
    data = os.path.join(out, "data")
    os.makedirs(data, exist_ok=True)
    first = (n_train + 1) // 2 // group * group or n_train
    shards = [(0, first, dict(compression="snappy", data_page_version="1.0", use_dictionary=True)),
              (first, n_train - first, dict(compression="zstd", data_page_version="2.0",
                                            use_dictionary=False))]
    # The datasets library's table (its schema metadata included), written by
    # pyarrow with each shard's options: datasets' own to_parquet leaves image
    # columns uncompressed and PLAIN (single.parquet is written that way).
    for k, (start, count, opts) in enumerate(shards):
        pq.write_table(dataset(start, count).data.table,
                       os.path.join(data, f"train-{k:05d}-of-00002.parquet"),
                       row_group_size=group, **opts)
    pq.write_table(dataset(n_train, n_val).data.table,
                   os.path.join(data, "validation-00000-of-00001.parquet"), row_group_size=group,
                   compression="gzip", data_page_version="1.0", use_dictionary=True)
    with open(os.path.join(out, "README.md"), "w") as f:
        f.write(README)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                  "..", "tests", "fixtures", "hf"))
    ap.add_argument("--rows", type=int, default=0,
                    help="write only a hub folder of this many train rows (benchmark)")
    args = ap.parse_args()
    if args.rows:
        write_hub(args.out, args.rows, 1000, 100)
        return
    out = args.out
    for name in ("hub", "saved", "single.parquet", "single-delta.parquet", "single.arrow"):
        p = os.path.join(out, name)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.remove(p)
    os.makedirs(out, exist_ok=True)

    # 160 train rows (96 + 64: row groups 64, 32 | 64, 64 in v2), 48 validation
    write_hub(os.path.join(out, "hub"), 160, 48, 64)

    dd = datasets.DatasetDict({"train": dataset(0, 150), "validation": dataset(150, 20)})
    dd.save_to_disk(os.path.join(out, "saved"), num_shards={"train": 3, "validation": 1})

    # datasets' own writer: images uncompressed PLAIN, other columns snappy
    dataset(0, 40).to_parquet(os.path.join(out, "single.parquet"), batch_size=16)
    # the DELTA encodings, data pages v2 (pyarrow writes them only when asked)
    pq.write_table(dataset(0, 40).data.table, os.path.join(out, "single-delta.parquet"),
                   row_group_size=16, compression="snappy", use_dictionary=False,
                   data_page_version="2.0",
                   column_encoding={"question": "DELTA_BYTE_ARRAY",
                                    "multiple_choice_answer": "DELTA_LENGTH_BYTE_ARRAY",
                                    "image.bytes": "DELTA_LENGTH_BYTE_ARRAY",
                                    "answers.list.element.answer": "DELTA_BYTE_ARRAY",
                                    "question_id": "DELTA_BINARY_PACKED"})
    table = dataset(0, 40).with_format("arrow")[:]
    with pa.OSFile(os.path.join(out, "single.arrow"), "wb") as sink:
        with pa.ipc.new_file(sink, table.schema) as writer:
            for batch in table.to_batches(max_chunksize=25):
                writer.write_batch(batch)


if __name__ == "__main__":
    main()
