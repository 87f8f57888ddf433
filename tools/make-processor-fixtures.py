#!/usr/bin/env python3
"""Reference outputs of Hugging Face's PaliGemma preprocessing for PaliTune's tests.

Run with the pinned environment:  /opt/refenv/bin/python tools/make-processor-fixtures.py
(transformers 4.57.6, tokenizers, Pillow, numpy). Writes, all small:

  tests/fixtures/processor/processor.json  token ids (GemmaTokenizerFast.encode, decode) and
                                           PaliGemmaProcessor input_ids / token_type_ids /
                                           labels for prompt/suffix pairs (image_seq_length 4)
  tests/fixtures/image/*.{png,jpg,gif,bmp,webp,tif}  tiny source images (and header-only bombs)
  tests/fixtures/image/images.json         what Pillow decodes them to, Pillow BICUBIC resizes,
                                           SiglipImageProcessor pixel_values, the uint8 → float map

The images are made here from a fixed seed, so rerunning reproduces the same files.
"""
import base64
import io
import json
import os
import struct
import sys
import warnings
import zlib

import shutil
import tempfile

import numpy as np
import PIL
from PIL import Image, ImageOps

import transformers
from transformers import GemmaTokenizerFast, PaliGemmaProcessor, SiglipImageProcessor
from transformers.image_transforms import convert_to_rgb

warnings.filterwarnings("ignore")
transformers.logging.set_verbosity_error()

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FIX = os.path.join(ROOT, "tests", "fixtures")
TOK = os.path.join(FIX, "tokenizer", "tokenizer.model")
TOK_NO_LOC = os.path.join(FIX, "tokenizer", "no-loc-seg.model")
IMG = os.path.join(FIX, "image")
IMAGE_SEQ = 4

TEXTS = [
    "answer en what colour is the cube?",
    "",
    " leading space",
    "trailing space ",
    "multiple   spaces  here",
    "  ",
    " ",
    "tab\tseparated\t\tvalues",
    "line one\nline two\n\n",
    "\n",
    "windows\r\nline",
    "1234567890 and 3.14159, 1,000 -7 +8 #9",
    "What's the COLOR of Bob's car? Don't know.",
    "café naïve Zürich",
    "e\u0301 (combining accent)",
    "日本語のテキスト",
    "مرحبا بالعالم",
    "emoji 🙂👍🏽 and 🇫🇷",
    "no-break\u00a0space and zero\u200bwidth",
    "full-width ＡＢＣ１２３ and ligature ﬁ",
    "<loc0001><loc1023><seg127> cat",
    "detect cat ; dog",
    "<loc0012><loc0034><loc0567><loc0890> cat ; <loc0000><loc0000><loc1023><loc1023> dog",
    "a<eos>b<bos>c<pad>d<unk>e<mask>",
    "<image>in the middle",
    "<loc9999> <loc12> <<loc0001>> <image <seg12",
    "literal <0x41> byte piece text",
    "▁ literal lower one eighth block ▁▁",
    "control \x01\x02 chars \x7f",
    "a" * 40 + " " + "the " * 10,
    "caption es",
    "segment red circle\n",
]

PAIRS = [
    ("answer en what colour is the cube?", "red"),
    ("answer what color is the square?", "blue"),
    ("answer how many circles are there?", "3"),
    ("caption en", "A small red circle next to a blue square."),
    ("", "empty prompt"),
    ("empty suffix", ""),
    ("  spaced   prompt ", "  spaced answer  "),
    ("question?\n", "answer\n"),
    ("detect cat", "<loc0012><loc0034><loc0567><loc0890> cat"),
    ("segment dog", "<loc0000><loc0100><loc0200><loc0300> <seg001><seg127> dog"),
    ("answer en 1234 + 5678?", "6912"),
    ("answer en what's this?", "it's a dog's ball"),
    ("café?", "naïve 日本"),
    ("emoji 🙂", "👍🏽"),
    ("tab\there", "tab\tthere"),
    ("answer en where?", "on the beach<eos>"),
    ("with <bos> inside", "and <pad> inside"),
    ("<image>answer en leading image token", "ok"),
    ("answer en pi?", "3.14159"),
    ("answer en long " + "very " * 20, "short"),
    ("short", "long answer " * 12),
    ("windows\r\n", "crlf\r\n"),
    ("zero\u200bwidth", "nbsp\u00a0x"),
    ("full-width ＡＢＣ", "ﬁne"),
    ("answer en is it?", "yes"),
    ("answer en is it?", "no"),
    ("answer en count", "0"),
    ("describe", "A large green triangle, two yellow stars and one purple hexagon."),
    ("answer en <loc0001>?", "<seg000>"),
    ("\n", "\n"),
]


def load_tokenizer(model_file):
    """transformers 5: GemmaTokenizer(Fast) converts a SentencePiece model only through
    from_pretrained on a folder holding tokenizer.model (its vocab_file argument is gone)."""
    d = tempfile.mkdtemp()
    shutil.copy(model_file, os.path.join(d, "tokenizer.model"))
    return GemmaTokenizerFast.from_pretrained(d)


def tokenizer_fixtures():
    fast = load_tokenizer(TOK)
    ip = SiglipImageProcessor(size={"height": 28, "width": 28})
    ip.image_seq_length = IMAGE_SEQ
    proc = PaliGemmaProcessor(image_processor=ip, tokenizer=fast)
    tok = proc.tokenizer  # add_bos_token / add_eos_token now False, <image> and extras added
    image = Image.new("RGB", (8, 8), (10, 20, 30))

    out = {
        "model": "tokenizer/tokenizer.model",
        "transformers": transformers.__version__,
        "image_seq_length": IMAGE_SEQ,
        "vocab_size": fast.vocab_size,
        "n_tokens": len(tok),
        "image_token_id": proc.image_token_id,
        "bos": tok.bos_token_id, "eos": tok.eos_token_id, "pad": tok.pad_token_id,
        "unk": tok.unk_token_id,
        "newline": tok.convert_tokens_to_ids("\n"),
        "loc": [tok.convert_tokens_to_ids(f"<loc{i:04d}>") for i in (0, 1, 1023)],
        "seg": [tok.convert_tokens_to_ids(f"<seg{i:03d}>") for i in (0, 127)],
        "encode": [], "decode": [], "processor": [], "inference": [],
    }
    for text in TEXTS:
        ids = tok.encode(text, add_special_tokens=False)
        out["encode"].append({"text": text, "ids": ids})
        out["decode"].append({"ids": ids, "skip_special": False, "text": tok.decode(ids)})
        out["decode"].append({"ids": ids, "skip_special": True,
                              "text": tok.decode(ids, skip_special_tokens=True)})
    # byte-fallback runs, specials inside runs, unknown ids
    b = [tok.convert_tokens_to_ids(f"<0x{v:02X}>") for v in range(256)]
    for ids in ([b[0xE6], b[0x97], b[0xA5]], [b[0xE6], b[0x97]], [b[0xE6], 1, b[0x97], b[0xA5]],
                [b[0x41], 5, b[0xFF], b[0x42]], [2, 300, b[0x80], 1, 0], [99999, 5, -1 + 0, 1752],
                [proc.image_token_id] * 3 + [2, 273, 5, 1]):
        for skip in (False, True):
            try:
                text = tok.decode(ids, skip_special_tokens=skip)
            except Exception:  # an id the fast tokenizer refuses: leave the case out
                continue
            out["decode"].append({"ids": ids, "skip_special": skip, "text": text})

    for prompt, suffix in PAIRS:
        r = proc(text=prompt, images=image, suffix=suffix)
        out["processor"].append({
            "prompt": prompt, "suffix": suffix,
            "input_ids": list(map(int, r["input_ids"][0])),
            "token_type_ids": list(map(int, r["token_type_ids"][0])),
            "labels": list(map(int, r["labels"][0])),
        })
    for prompt, _ in PAIRS[:10]:
        r = proc(text=prompt, images=image)
        out["inference"].append({"prompt": prompt, "input_ids": list(map(int, r["input_ids"][0]))})

    # a model without loc/seg pieces: the processor appends <image> then the 1152 extras
    fast2 = load_tokenizer(TOK_NO_LOC)
    proc2 = PaliGemmaProcessor(image_processor=ip, tokenizer=fast2)
    tok2 = proc2.tokenizer
    text = "detect <loc0001><loc1023> cat ; <seg000><seg127> <image>"
    out["no_loc_seg"] = {
        "model": "tokenizer/no-loc-seg.model",
        "vocab_size": fast2.vocab_size,
        "n_tokens": len(tok2),
        "image_token_id": proc2.image_token_id,
        "text": text,
        "ids": tok2.encode(text, add_special_tokens=False),
    }
    ids = out["no_loc_seg"]["ids"]
    out["no_loc_seg"]["decoded"] = tok2.decode(ids)
    out["no_loc_seg"]["decoded_skip"] = tok2.decode(ids, skip_special_tokens=True)
    os.makedirs(os.path.join(FIX, "processor"), exist_ok=True)
    with open(os.path.join(FIX, "processor", "processor.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=0)
        f.write("\n")


# ---------------------------------------------------------------- images

def b64(a):
    return base64.b64encode(np.ascontiguousarray(a, dtype=np.uint8).tobytes()).decode()


def rng_image(rng, w, h, mode="RGB"):
    c = {"RGB": 3, "RGBA": 4, "L": 1, "LA": 2}[mode]
    a = rng.integers(0, 256, size=(h, w, c), dtype=np.uint8)
    return Image.fromarray(a[:, :, 0] if c == 1 else a, mode)


def smooth_image(rng, w, h):
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127 + 120 * np.sin(x / 17.0) * np.cos(y / 23.0)
    g = 255 * x / max(w - 1, 1)
    b = 255 * ((x // 40 + y // 40) % 2)  # hard edges: ringing and clipping
    a = np.stack([r, g, b], -1) + rng.normal(0, 3, size=(h, w, 3))
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")


def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bombs(small_jpeg, small_tiff, small_webp):
    """Files whose headers claim 20000×20000 pixels (400 megapixels; WebP: 16384×16384,
    its maximum) with hardly any data behind them."""
    n = 20000
    png = (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 2, 0, 0, 0))
           + png_chunk(b"IDAT", zlib.compress(b"\0" * 64)))
    gif = b"GIF89a" + struct.pack("<HH", n, n) + b"\x00\x00\x00" + b",\x00\x00\x00\x00" + \
        struct.pack("<HH", n, n) + b"\x00\x02\x02\x44\x01\x00;"
    bmp_info = struct.pack("<IiiHHIIiiII", 40, n, n, 1, 24, 0, 0, 2835, 2835, 0, 0)
    bmp = b"BM" + struct.pack("<IHHI", 54 + 64, 0, 0, 54) + bmp_info + b"\0" * 64
    # a real JPEG with its SOF0 size patched, cut a little after the start of scan
    jpg = bytearray(small_jpeg)
    sof = jpg.index(b"\xff\xc0")
    jpg[sof + 5:sof + 9] = struct.pack(">HH", n, n)
    jpg = bytes(jpg[:jpg.index(b"\xff\xda") + 40])
    # TIFF (little-endian, as Pillow writes it): ImageWidth / ImageLength patched
    tif = bytearray(small_tiff)
    ifd = struct.unpack_from("<I", tif, 4)[0]
    for i in range(struct.unpack_from("<H", tif, ifd)[0]):
        e = ifd + 2 + 12 * i
        tag, typ = struct.unpack_from("<HH", tif, e)
        if tag in (256, 257):
            struct.pack_into("<HHII", tif, e, tag, 4, 1, n)
    # lossless WebP: the VP8L header holds 14-bit width − 1 and height − 1
    webp = bytearray(small_webp)
    vp8l = webp.index(b"VP8L") + 8
    assert webp[vp8l] == 0x2f
    bits = struct.unpack_from("<I", webp, vp8l + 1)[0]
    bits = (bits & ~((1 << 28) - 1)) | (16383 << 14) | 16383
    struct.pack_into("<I", webp, vp8l + 1, bits)
    return {"bomb.png": png, "bomb.gif": gif, "bomb.bmp": bmp, "bomb.jpg": jpg,
            "bomb.tif": bytes(tif), "bomb.webp": bytes(webp)}


def exif_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif.tobytes()


def pil_reference(path):
    """What a Hugging Face pipeline hands SiglipImageProcessor: PIL.Image.open, the
    EXIF orientation applied (datasets' Image feature does), convert_to_rgb."""
    im = Image.open(path)
    im = ImageOps.exif_transpose(im)
    return np.asarray(convert_to_rgb(im))


def image_fixtures():
    rng = np.random.default_rng(20240611)
    os.makedirs(IMG, exist_ok=True)
    manifest = {"pillow": PIL.__version__, "transformers": transformers.__version__,
                "resize": [], "decode": [], "pixel_values": []}

    # --- sources for the resize cases (lossless PNG) ---
    sources = {
        "noise-7x5.png": rng_image(rng, 7, 5),
        "noise-13x11.png": rng_image(rng, 13, 11),
        "noise-1x9.png": rng_image(rng, 1, 9),
        "noise-9x1.png": rng_image(rng, 9, 1),
        "noise-200x3.png": rng_image(rng, 200, 3),
        "noise-3x200.png": rng_image(rng, 3, 200),
        "noise-97x61.png": rng_image(rng, 97, 61),
        "noise-2x2.png": rng_image(rng, 2, 2),
        "noise-1x1.png": rng_image(rng, 1, 1),
        "noise-48x36.png": rng_image(rng, 48, 36),
        "smooth-320x240.png": smooth_image(rng, 320, 240),
    }
    for name, im in sources.items():
        im.save(os.path.join(IMG, name), optimize=True)
    cases = [
        ("noise-7x5.png", 3, 2), ("noise-7x5.png", 7, 5), ("noise-7x5.png", 14, 10),
        ("noise-7x5.png", 7, 2), ("noise-7x5.png", 3, 5), ("noise-13x11.png", 5, 7),
        ("noise-13x11.png", 29, 31), ("noise-13x11.png", 12, 10), ("noise-13x11.png", 12, 3), ("noise-1x9.png", 4, 4),
        ("noise-1x9.png", 1, 3), ("noise-9x1.png", 2, 6), ("noise-9x1.png", 17, 1),
        ("noise-200x3.png", 5, 17), ("noise-3x200.png", 31, 2), ("noise-3x200.png", 1, 1),
        ("noise-97x61.png", 2, 2), ("noise-97x61.png", 1, 1), ("noise-97x61.png", 14, 14),
        ("noise-97x61.png", 33, 20), ("noise-2x2.png", 17, 23), ("noise-1x1.png", 5, 5),
        ("noise-48x36.png", 224, 224), ("smooth-320x240.png", 224, 224),
        ("smooth-320x240.png", 28, 28), ("smooth-320x240.png", 161, 119),
    ]
    for name, w, h in cases:
        im = Image.open(os.path.join(IMG, name)).convert("RGB")
        out = np.asarray(im.resize((w, h), resample=Image.BICUBIC))
        manifest["resize"].append({"source": name, "width": w, "height": h, "rgb": b64(out)})

    # --- formats ---
    base = rng_image(rng, 16, 12)
    arr = np.asarray(base)
    rgba = np.concatenate([arr, rng.integers(0, 256, size=(12, 16, 1), dtype=np.uint8)], -1)
    rgba[0, :4, 3] = 0      # fully transparent pixels keep their colour in the file
    rgba[1, :4, 3] = 255
    Image.fromarray(rgba, "RGBA").save(os.path.join(IMG, "rgba.png"))
    la = np.stack([arr[:, :, 0], arr[:, :, 1]], -1)
    Image.fromarray(la, "LA").save(os.path.join(IMG, "gray-alpha.png"))
    Image.fromarray(arr[:, :, 0], "L").save(os.path.join(IMG, "gray.png"))
    pal = base.quantize(colors=16)
    pal.save(os.path.join(IMG, "palette.png"))
    pal.info["transparency"] = 3
    pal.save(os.path.join(IMG, "palette-trns.png"), transparency=3)
    # 16-bit: written with the high byte ≠ low byte, so truncation and rounding differ
    a16 = (arr.astype(np.uint16) * 257 + rng.integers(0, 257, size=arr.shape).astype(np.uint16))
    png16 = io.BytesIO()
    rows = b"".join(b"\0" + a16[y].astype(">u2").tobytes() for y in range(a16.shape[0]))
    png16.write(b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 12, 16, 2, 0, 0, 0))
                + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))
    open(os.path.join(IMG, "rgb16.png"), "wb").write(png16.getvalue())
    g16 = a16[:, :, 0]
    rows = b"".join(b"\0" + g16[y].astype(">u2").tobytes() for y in range(g16.shape[0]))
    open(os.path.join(IMG, "gray16.png"), "wb").write(
        b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 12, 16, 0, 0, 0, 0))
        + png_chunk(b"IDAT", zlib.compress(rows)) + png_chunk(b"IEND", b""))
    smooth = smooth_image(rng, 40, 24)
    smooth.save(os.path.join(IMG, "photo.jpg"), quality=90)
    smooth.save(os.path.join(IMG, "orient6.jpg"), quality=90, exif=exif_orientation(6))
    smooth.save(os.path.join(IMG, "orient3.jpg"), quality=90, exif=exif_orientation(3))
    smooth.convert("L").save(os.path.join(IMG, "gray.jpg"), quality=90)
    base.save(os.path.join(IMG, "orient6.png"), exif=exif_orientation(6))
    base.save(os.path.join(IMG, "orient8.webp"), lossless=True, exif=exif_orientation(8))
    base.save(os.path.join(IMG, "orient5.tif"), exif=exif_orientation(5))
    smooth.save(os.path.join(IMG, "photo-420.jpg"), quality=75, subsampling=2)
    smooth.save(os.path.join(IMG, "progressive.jpg"), quality=85, progressive=True)
    frames = [base.quantize(colors=32), rng_image(rng, 16, 12).quantize(colors=32)]
    frames[0].save(os.path.join(IMG, "anim.gif"), save_all=True, append_images=frames[1:],
                   duration=100, loop=0)
    base.quantize(colors=16).save(os.path.join(IMG, "gif-trns.gif"), transparency=3)
    base.save(os.path.join(IMG, "rgb24.bmp"))
    smooth.save(os.path.join(IMG, "lossless.webp"), lossless=True)
    smooth.save(os.path.join(IMG, "lossy.webp"), quality=80)
    base.save(os.path.join(IMG, "rgb.tif"))
    decode_cases = ["rgba.png", "gray-alpha.png", "gray.png", "palette.png", "palette-trns.png",
                    "rgb16.png", "gray16.png", "photo.jpg", "orient6.jpg", "orient3.jpg", "orient6.png", "orient8.webp",
                    "orient5.tif", "gray.jpg",
                    "photo-420.jpg", "progressive.jpg", "anim.gif", "gif-trns.gif", "rgb24.bmp", "lossless.webp", "lossy.webp",
                    "rgb.tif"]
    for name in decode_cases:
        path = os.path.join(IMG, name)
        ref = pil_reference(path)
        im = ImageOps.exif_transpose(Image.open(path))
        if name == "gray16.png":
            # Pillow's I;16 → RGB clips to 255; PaliTune keeps the high byte
            entry_high = np.repeat((np.asarray(Image.open(path)) >> 8)[:, :, None], 3, -1)
        entry = {"file": name, "pil_mode": Image.open(path).mode, "width": ref.shape[1],
                 "height": ref.shape[0], "rgb": b64(ref),
                 "rgb_drop": b64(np.asarray(im.convert("RGB")))}
        if name == "gray16.png":
            entry["rgb_high_byte"] = b64(entry_high)
        manifest["decode"].append(entry)

    read = lambda name: open(os.path.join(IMG, name), "rb").read()
    for name, data in bombs(read("photo.jpg"), read("rgb.tif"), read("lossless.webp")).items():
        open(os.path.join(IMG, name), "wb").write(data)

    # --- SiglipImageProcessor end to end, and the uint8 → float map ---
    for name, size in (("photo.jpg", 28), ("smooth-320x240.png", 14)):
        ip = SiglipImageProcessor(size={"height": size, "width": size})
        im = Image.open(os.path.join(IMG, name))
        pv = ip(images=convert_to_rgb(im), return_tensors="np")["pixel_values"][0]
        manifest["pixel_values"].append({
            "file": name, "size": size,
            "chw_f32": base64.b64encode(pv.astype("<f4").tobytes()).decode()})
    ramp = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, -1)
    ip = SiglipImageProcessor(do_resize=False)
    pv = ip(images=Image.fromarray(ramp, "RGB"), return_tensors="np")["pixel_values"][0]
    manifest["value_map_f32"] = base64.b64encode(pv[0].reshape(-1).astype("<f4").tobytes()).decode()

    with open(os.path.join(IMG, "images.json"), "w") as f:
        json.dump(manifest, f, indent=0)
        f.write("\n")


if __name__ == "__main__":
    tokenizer_fixtures()
    image_fixtures()
    print("fixtures written", file=sys.stderr)
