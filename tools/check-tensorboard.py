#!/usr/bin/env python3
"""Reads a run folder's TensorBoard events with TensorBoard's own reader
(tensorboard.backend.event_processing.event_accumulator) and checks every
scalar against the run's metrics.jsonl: each finite number of each row is
there under its tag at its step (as a float32), and nothing else is.

    /opt/refenv/bin/python tools/check-tensorboard.py RUN_DIR [RUN_DIR ...]

The tags are spelled here on their own (not read from the C code), from the
list in engine/pt-tensorboard.h. Exit status 0 when every folder matches.
"""
import json
import math
import os
import struct
import sys

from tensorboard.backend.event_processing import event_accumulator

TRAIN = [("loss", "train/loss", 1.0), ("lr", "train/learning_rate", 1.0),
         ("grad_norm", "train/grad_norm", 1.0), ("samples_per_s", "train/samples_per_s", 1.0),
         ("tokens_per_s", "train/tokens_per_s", 1.0), ("step_ms", "train/step_ms", 1.0),
         ("memory", "train/memory_gib", 1.0 / 2**30), ("memory_peak", "train/memory_peak_gib", 1.0 / 2**30)]
EVAL = [("val_loss", "eval/val_loss"), ("vqa_accuracy", "eval/vqa_accuracy"),
        ("exact_match", "eval/exact_match")]


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def number(row, key):
    v = row.get(key)
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return None
    return float(v) if math.isfinite(v) else None


def expected(run_dir):
    """{tag: {step: value}} from metrics.jsonl (later rows of a step win, as in TensorBoard)."""
    out = {}
    with open(os.path.join(run_dir, "metrics.jsonl"), encoding="utf-8") as f:
        for line in f:
            if not line.endswith("\n"):
                break   # cut by a crash: the readers skip it
            try:
                row = json.loads(line)
            except ValueError:
                continue
            step = row.get("step") if isinstance(row, dict) else None
            if not isinstance(step, int) or step < 0:
                continue

            def put(tag, v):
                if v is not None:
                    out.setdefault(tag, {})[step] = f32(v)

            if row.get("type") == "train":
                for key, tag, scale in TRAIN:
                    v = number(row, key)
                    put(tag, None if v is None else v * scale)
            elif row.get("type") == "eval":
                v = number(row, "val_loss")
                put("eval/val_loss", v if v is not None else number(row, "loss"))
                for key, tag in EVAL[1:]:
                    put(tag, number(row, key))
                for table in ("by_type", "by_answer_type"):
                    for name, t in (row.get(table) or {}).items():
                        if isinstance(t, dict):
                            for key in ("vqa_accuracy", "exact_match"):
                                if key in t:
                                    put("eval/%s/%s/%s" % (table, name, key), number(t, key))
    return out


def check(run_dir):
    acc = event_accumulator.EventAccumulator(run_dir, size_guidance={event_accumulator.SCALARS: 0})
    acc.Reload()
    want = expected(run_dir)
    got = {tag: {e.step: e.value for e in acc.Scalars(tag)} for tag in acc.Tags()["scalars"]}
    problems = []
    for tag in sorted(set(want) | set(got)):
        w, g = want.get(tag, {}), got.get(tag, {})
        for step in sorted(set(w) | set(g)):
            if step not in g:
                problems.append("%s step %d: missing in the events (metrics.jsonl: %r)" % (tag, step, w[step]))
            elif step not in w:
                problems.append("%s step %d: %r in the events, not in metrics.jsonl" % (tag, step, g[step]))
            elif f32(g[step]) != w[step]:
                problems.append("%s step %d: events %r, metrics.jsonl %r" % (tag, step, g[step], w[step]))
    n = sum(len(v) for v in want.values())
    if problems:
        print("%s: %d problems" % (run_dir, len(problems)))
        for p in problems:
            print("  " + p)
        return False
    print("%s: %d scalars under %d tags, each as in metrics.jsonl" % (run_dir, n, len(want)))
    return True


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    ok = all([check(d) for d in sys.argv[1:]])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
