#!/usr/bin/env python3
"""Writes the dataset fixtures under tests/fixtures/data/ (small, committed).

Run from the repository root with any Python that has Pillow:
  /opt/refenv/bin/python tools/make-data-fixtures.py

The files are what the dataset tests read: a good and a bad file of each
format, a VQAv2 folder, and tiny images (good, corrupt, truncated, empty).
The bad files hold one problem per line; the tests know which line is which.
"""
import io
import json
import os

from PIL import Image

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "data")


def write(path, data, mode="wb"):
    path = os.path.join(ROOT, path)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


def image_bytes(size, color, fmt, mode="RGB"):
    buf = io.BytesIO()
    Image.new(mode, size, color).save(buf, format=fmt)
    return buf.getvalue()


def noisy_jpeg(size):
    # A JPEG with detail in it, so that a truncated copy really lacks data.
    img = Image.new("RGB", size)
    img.putdata([((x * 37 + y * 11) % 256, (x * 5 + y * 53) % 256, (x * y) % 256)
                 for y in range(size[1]) for x in range(size[0])])
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def main():
    # ---- images ----
    write("images/red.png", image_bytes((32, 24), (255, 0, 0), "PNG"))
    write("images/blue.jpg", image_bytes((40, 30), (0, 0, 255), "JPEG"))
    write("images/green.png", image_bytes((20, 20), (0, 255, 0, 128), "PNG", "RGBA"))
    write("images/wide.png", image_bytes((300, 100), (128, 128, 128), "PNG"))
    jpeg = noisy_jpeg((64, 64))
    write("images/truncated.jpg", jpeg[: len(jpeg) * 2 // 5])
    # a JPEG start marker and then garbage: the header cannot be parsed
    write("images/corrupt.jpg", b"\xff\xd8\xff\xe0" + bytes(range(7, 250)) * 4)
    write("images/empty.png", b"")
    write("images/not-an-image.png", b"this is text, not a PNG\n")

    # ---- JSON Lines ----
    good = [
        {"image": "images/red.png", "question": "What colour is it?", "answer": "red",
         "question_type": "what color", "answer_type": "other"},
        {"image": "images/blue.jpg", "question": "What colour is it?",
         "multiple_choice_answer": "blue", "answers": [{"answer": "blue", "answer_id": 1},
                                                        {"answer": "navy", "answer_id": 2},
                                                        {"answer": "blue", "answer_id": 3}],
         "question_type": "what color", "answer_type": "other", "question_id": 7},
        {"image": {"path": "images/green.png", "bytes": None}, "prefix": "caption en",
         "suffix": "a green square", "extra": {"nested": [1, 2, {"x": None}]}},
        {"file_name": "images/wide.png", "question": "Is it wide?", "answers": ["yes", "yes", "no"],
         "answer_type": "yes/no"},
        {"image": "images/red.png", "question": "Is it red? ünïcödé “quotes” \\ \t", "answer": "yes",
         "answer_type": "yes/no"},
    ]
    write("good.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in good), "w")

    bad_lines = [
        # 1: fine
        json.dumps({"image": "images/red.png", "question": "q1", "answer": "a1"}),
        # 2: truncated JSON
        '{"image": "images/red.png", "question": "q2", "answ',
        # 3: wrong type (question is a number)
        json.dumps({"image": "images/red.png", "question": 3, "answer": "a3"}),
        # 4: missing answer
        json.dumps({"image": "images/red.png", "question": "q4"}),
        # 5: blank line (not a record)
        "",
        # 6: missing image file
        json.dumps({"image": "images/missing.png", "question": "q6", "answer": "a6"}),
        # 7: corrupt JPEG
        json.dumps({"image": "images/corrupt.jpg", "question": "q7", "answer": "a7"}),
        # 8: duplicate of line 1 (same image, question and answer)
        json.dumps({"image": "images/red.png", "question": "q1", "answer": "a1"}),
        # 9: empty question
        json.dumps({"image": "images/blue.jpg", "question": "  ", "answer": "a9"}),
        # 10: empty image file
        json.dumps({"image": "images/empty.png", "question": "q10", "answer": "a10"}),
        # 11: a JSON list, not an object
        '["images/red.png", "q11", "a11"]',
        # 12: fine, with CRLF ending
        json.dumps({"image": "images/blue.jpg", "question": "q12", "answer": "a12"}) + "\r",
        # 13: not UTF-8 (Latin-1 é) — written as bytes below
        None,
        # 14: empty answer
        json.dumps({"image": "images/blue.jpg", "question": "q14", "answer": ""}),
        # 15: text after the object
        json.dumps({"image": "images/blue.jpg", "question": "q15", "answer": "a15"}) + " x",
        # 16: answers of the wrong type
        json.dumps({"image": "images/blue.jpg", "question": "q16", "answer": "a16", "answers": [1, 2]}),
        # 17: not an image
        json.dumps({"image": "images/not-an-image.png", "question": "q17", "answer": "a17"}),
    ]
    out = bytearray()
    for line in bad_lines:
        if line is None:
            out += b'{"image": "images/blue.jpg", "question": "caf\xe9", "answer": "a13"}'
        else:
            out += line.encode("utf-8")
        out += b"\n"
    write("bad.jsonl", bytes(out))
    write("empty.jsonl", b"")

    # ---- CSV / TSV ----
    # BOM, CRLF, quoted fields with commas, quotes and a line break, a blank line,
    # an answers column holding a JSON list, unknown columns
    csv_text = ("\ufeffimage,question,answer,answers,notes\r\n"
                "images/red.png,What colour is it?,red,,x\r\n"
                "\"images/blue.jpg\",\"Which colour, exactly?\",\"a \"\"deep\"\" blue\",\"[\"\"blue\"\", \"\"navy\"\"]\",\r\n"
                "\r\n"
                "images/wide.png,\"Describe it\r\nin two lines\",\"wide\r\nand grey\",,\r\n"
                "images/green.png,Is it green?,yes,,\"trailing\"\r\n")
    write("good.csv", csv_text.encode("utf-8"))
    tsv_text = ("image\tprefix\tsuffix\n"
                "images/red.png\tcaption en\ta red rectangle\n"
                "images/blue.jpg\tcaption en\ta blue rectangle\n")
    write("good.tsv", tsv_text.encode("utf-8"))
    bad_csv = (b"image,question,answer\n"                      # 1
               b"images/red.png,q2,a2\n"                         # 2 fine
               b"images/red.png,q3\n"                            # 3 too few fields
               b"images/missing.png,q4,a4\n"                     # 4 missing image
               b"images/blue.jpg,caf\xe9,a5\n"                   # 5 not UTF-8
               b"images/blue.jpg,q6,\n"                          # 6 empty answer
               b",q7,a7\n"                                       # 7 empty image path
               b"images/red.png,q2,a2\n"                         # 8 duplicate of line 2
               b"images/blue.jpg,\"unterminated,a9\n"            # 9 a quote that never closes
               b"images/blue.jpg,q10,a10\n")
    write("bad.csv", bad_csv)
    write("no-answer-column.csv", b"image,question,label\nimages/red.png,q,a\n")

    # ---- VQAv2 ----
    questions = {
        "info": {"description": "fixture"}, "task_type": "Open-Ended", "data_type": "mscoco",
        "license": {"name": "CC"}, "data_subtype": "val2014",
        "questions": [
            {"image_id": 42, "question": "What is on the plate?", "question_id": 420},
            {"image_id": 42, "question": "How many forks?", "question_id": 421},
            {"image_id": 73, "question": "Is it raining?", "question_id": 730},
            {"image_id": 99, "question": "Where is the photo?", "question_id": 990},   # no image
            {"image_id": 73, "question": "What colour is the sky?", "question_id": 731},  # no annotation
        ],
    }

    def ann(qid, image_id, answers, qtype, atype):
        return {"question_id": qid, "image_id": image_id, "question_type": qtype, "answer_type": atype,
                "multiple_choice_answer": max(set(answers), key=answers.count),
                "answers": [{"answer": a, "answer_confidence": "yes", "answer_id": i + 1}
                            for i, a in enumerate(answers)]}
    annotations = {
        "info": {"description": "fixture"}, "license": {"name": "CC"}, "data_subtype": "val2014",
        "annotations": [
            ann(420, 42, ["pizza"] * 7 + ["food"] * 3, "what is on the", "other"),
            ann(421, 42, ["2"] * 6 + ["3"] * 4, "how many", "number"),
            ann(730, 73, ["no"] * 9 + ["yes"], "is it", "yes/no"),
            ann(990, 99, ["kitchen"] * 10, "where is the", "other"),
            ann(5555, 1, ["stray"] * 10, "what", "other"),   # matches no question
        ],
        "data_type": "mscoco",
    }
    # single-line files, as the official ones are
    write("vqa/v2_OpenEnded_mscoco_val2014_questions.json", json.dumps(questions), "w")
    write("vqa/v2_mscoco_val2014_annotations.json", json.dumps(annotations), "w")
    write("vqa/val2014/COCO_val2014_000000000042.jpg", image_bytes((48, 32), (200, 100, 50), "JPEG"))
    write("vqa/val2014/COCO_val2014_000000000073.jpg", image_bytes((32, 48), (50, 100, 200), "JPEG"))


if __name__ == "__main__":
    main()
