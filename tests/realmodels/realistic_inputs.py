"""Realistic, deterministic inputs for the real-model corpus (tests/realmodels/corpus.json).

    import realistic_inputs
    feeds = realistic_inputs.make_feeds(entry)   # dict input name -> numpy array

Each input of a corpus entry names a generator ("kind") and its parameters; the generators
make what the shipping package would feed its model, without downloading anything:

  image      a scene drawn with Pillow (its bundled FreeType font), then the package's own
             pre-processing: resize, colour order, scale, mean/std, letterbox padding, layout.
             Scenes: text-page, text-line, captcha, layout-page, shapes (objects on a
             gradient, for detectors).
  audio      a 16 kHz speech-like waveform (voiced syllables: harmonics of a gliding pitch
             under a syllable envelope, noise bursts for fricatives, pauses, room noise),
             cut into the model's windows (context samples + chunk), one row per window.
  bytes      a file's bytes the way magika reads them: the first `beg` and last `end` bytes
             after stripping whitespace, padded with `padding`, as int32.
  zeros      a zero tensor (recurrent state at the start of a stream).
  scalar     a 0-d tensor holding `value` (e.g. the sample rate).

Everything comes from fixed seeds and fixed text, so two runs (and ORT and Kiln) see the same
arrays; the exact pixels depend on the pinned Pillow (scripts/requirements.txt).
"""
import numpy as np
from PIL import Image, ImageDraw, ImageFont

_DTYPES = {"float32": np.float32, "float16": np.float16, "int64": np.int64,
           "int32": np.int32, "uint8": np.uint8}

PAGE_TEXT = [
    "Kiln compiles ONNX models ahead of time",
    "Invoice No. 2024-0713   Total: 1,284.50 EUR",
    "The quick brown fox jumps over the lazy dog.",
    "Delivery address: 42 Harbour Road, Leith",
    "Batch size 1, one thread, median of runs",
    "Tel. +44 131 555 0192   www.example.org",
]


def _font(size):
    return ImageFont.load_default(size=size)


# ---------------------------------------------------------------- scenes (PIL RGB images)

def scene_text_page(h, w, rng):
    """A scanned-looking page: lines of dark text of a few sizes, a ruled box, paper noise."""
    img = Image.new("RGB", (w, h), (246, 244, 238))
    d = ImageDraw.Draw(img)
    y, i = max(8, h // 30), 0
    while y < h - 20:
        size = int(max(12, min(h, w) / (16 + 6 * (i % 3))))
        x = 10 + int(rng.integers(0, max(1, w // 12)))
        d.text((x, y), PAGE_TEXT[i % len(PAGE_TEXT)], fill=(20, 20, 30), font=_font(size))
        y += int(size * 1.8)
        i += 1
        if i == 3:
            d.rectangle([w // 10, y, w - w // 10, y + h // 8], outline=(40, 40, 40), width=2)
            d.text((w // 10 + 8, y + 6), "Qty  Item          Price", fill=(30, 30, 30),
                   font=_font(max(12, h // 28)))
            y += h // 8 + 12
    return _add_noise(img, rng, 6)


def scene_text_line(h, w, rng, text="Kiln 2024: compiled as shipped"):
    """One line of text, cropped as a detector would crop it: height h, as wide as the text
    (w is ignored)."""
    font = _font(int(h * 0.72))
    w = int(font.getlength(text) + h * 0.3)
    img = Image.new("RGB", (w, h), (235, 236, 230))
    ImageDraw.Draw(img).text((int(h * 0.15), int(h * 0.08)), text, fill=(15, 15, 25), font=font)
    return _add_noise(img, rng, 5)


def scene_captcha(h, w, rng, text="7kP3"):
    """A captcha: jittered coloured characters, interference lines and dots."""
    img = Image.new("RGB", (w, h), tuple(int(v) for v in rng.integers(200, 250, 3)))
    d = ImageDraw.Draw(img)
    step = w / (len(text) + 1)
    for i, ch in enumerate(text):
        color = tuple(int(v) for v in rng.integers(0, 120, 3))
        x = int(step * (i + 0.5) + rng.integers(-3, 4))
        y = int(rng.integers(0, max(1, h // 6)))
        d.text((x, y), ch, fill=color, font=_font(int(h * 0.75)))
    for _ in range(4):
        pts = [tuple(int(v) for v in (rng.integers(0, w), rng.integers(0, h))) for _ in range(2)]
        d.line(pts, fill=tuple(int(v) for v in rng.integers(0, 200, 3)), width=1)
    for _ in range(w * h // 60):
        d.point((int(rng.integers(0, w)), int(rng.integers(0, h))),
                fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    return img


def scene_layout_page(h, w, rng):
    """A document page: title, two text columns, a table grid and a figure."""
    img = Image.new("RGB", (w, h), (252, 252, 250))
    d = ImageDraw.Draw(img)
    m = w // 14
    d.text((m, h // 30), "Annual Report 2024", fill=(10, 10, 10), font=_font(h // 22))
    col_w = (w - 3 * m) // 2
    body = _font(max(10, h // 60))
    for c in range(2):
        x0 = m + c * (col_w + m)
        for r in range(12):
            words = PAGE_TEXT[(r + c) % len(PAGE_TEXT)]
            d.text((x0, h // 8 + r * (h // 48)), words[: max(8, col_w // 7)], fill=(30, 30, 30),
                   font=body)
    ty = h // 2
    for r in range(6):
        d.line([(m, ty + r * h // 40), (w - m, ty + r * h // 40)], fill=(0, 0, 0), width=1)
    for c in range(5):
        x = m + c * (w - 2 * m) // 4
        d.line([(x, ty), (x, ty + 5 * h // 40)], fill=(0, 0, 0), width=1)
    fy = ty + 5 * h // 40 + h // 20
    d.rectangle([m, fy, w // 2, h - h // 10], fill=(200, 215, 235), outline=(60, 60, 90))
    for i in range(5):
        bh = int(rng.integers(h // 20, h // 6))
        bx = m + 10 + i * (w // 2 - m) // 6
        d.rectangle([bx, h - h // 10 - bh, bx + (w // 2 - m) // 9, h - h // 10 - 2],
                    fill=(70, 100, 170))
    d.text((w // 2 + m // 2, fy), "Figure 1: revenue by quarter", fill=(30, 30, 30), font=body)
    return _add_noise(img, rng, 3)


def scene_shapes(h, w, rng):
    """Objects for a detector: a gradient background, two person-like figures, boxes, discs."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.stack([90 + 80 * yy / h, 120 + 60 * xx / w, 150 - 50 * yy / h], axis=-1)
    img = Image.fromarray(base.clip(0, 255).astype(np.uint8), "RGB")
    d = ImageDraw.Draw(img)
    for k in range(2):  # a head, a torso, arms and legs, in skin and clothing colours
        cx, s = int(w * (0.3 + 0.4 * k)), min(h, w) / 6
        skin = (224, 172, 140) if k == 0 else (150, 100, 70)
        d.ellipse([cx - s * 0.35, h * 0.18, cx + s * 0.35, h * 0.18 + s * 0.8], fill=skin)
        d.rectangle([cx - s * 0.6, h * 0.18 + s * 0.85, cx + s * 0.6, h * 0.62],
                    fill=tuple(int(v) for v in rng.integers(30, 220, 3)))
        d.rectangle([cx - s * 0.95, h * 0.2 + s, cx - s * 0.65, h * 0.55], fill=skin)
        d.rectangle([cx + s * 0.65, h * 0.2 + s, cx + s * 0.95, h * 0.55], fill=skin)
        d.rectangle([cx - s * 0.55, h * 0.62, cx - s * 0.1, h * 0.92], fill=(40, 40, 80))
        d.rectangle([cx + s * 0.1, h * 0.62, cx + s * 0.55, h * 0.92], fill=(40, 40, 80))
    for _ in range(5):
        x0, y0 = int(rng.integers(0, w - 20)), int(rng.integers(0, h - 20))
        r = int(rng.integers(6, max(7, min(h, w) // 10)))
        color = tuple(int(v) for v in rng.integers(0, 255, 3))
        if rng.random() < 0.5:
            d.ellipse([x0, y0, x0 + r, y0 + r], fill=color)
        else:
            d.rectangle([x0, y0, x0 + r, y0 + r * 2 // 3], fill=color)
    return _add_noise(img, rng, 8)


def _add_noise(img, rng, sigma):
    a = np.asarray(img, np.float32)
    a = a + rng.normal(0.0, sigma, a.shape).astype(np.float32)
    return Image.fromarray(a.clip(0, 255).astype(np.uint8), "RGB")


SCENES = {"text-page": scene_text_page, "text-line": scene_text_line,
          "captcha": scene_captcha, "layout-page": scene_layout_page, "shapes": scene_shapes}


# ---------------------------------------------------------------- pre-processing

def image_input(spec, rng):
    """The image tensor: scene -> resize/keep-ratio -> colour -> scale/mean/std -> pad -> layout."""
    n, c, h, w = spec["shape"]
    sh, sw = spec.get("scene_size", [h, w])
    img = SCENES[spec["scene"]](sh, sw, rng)
    sw, sh = img.size
    if spec.get("keep_ratio"):  # resize to height h keeping the aspect ratio, at most width w
        nw = min(w, max(1, int(round(sw * h / sh))))
        img = img.resize((nw, h), Image.BILINEAR)
    elif (sh, sw) != (h, w) and "pad_value" not in spec:  # else: letterbox, no resize
        img = img.resize((w, h), Image.BILINEAR)
    a = np.asarray(img.convert("L") if c == 1 else img, np.float32)
    if c == 1:
        a = a[:, :, None]
    if spec.get("color", "RGB") == "BGR":
        a = a[:, :, ::-1]
    a = a * spec.get("scale", 1.0)
    if "mean" in spec:
        a = (a - np.asarray(spec["mean"], np.float32)) / np.asarray(spec["std"], np.float32)
    if a.shape[0] != h or a.shape[1] != w:  # pad right/bottom (letterbox or fixed-width line)
        out = np.full((h, w, c), spec.get("pad_value", 0.0), np.float32)
        out[: a.shape[0], : a.shape[1]] = a[:h, :w]
        a = out
    a = np.ascontiguousarray(a.transpose(2, 0, 1)[None])
    return np.repeat(a, n, axis=0).astype(_DTYPES[spec.get("dtype", "float32")])


def speech_waveform(seconds, sr, rng):
    """A speech-like signal: syllables of gliding harmonics, fricative bursts, pauses."""
    t = np.arange(int(seconds * sr)) / sr
    f0 = 140 + 40 * np.sin(2 * np.pi * 0.7 * t) + 15 * np.sin(2 * np.pi * 3.1 * t)
    phase = 2 * np.pi * np.cumsum(f0) / sr
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12))
    syllable = np.clip(np.sin(2 * np.pi * 4.0 * t), 0, None) ** 0.7
    talk = ((t % 1.6) < 1.1).astype(np.float64)  # 1.1 s talk, 0.5 s pause
    fric = rng.normal(0, 1, t.shape) * (np.sin(2 * np.pi * 2.0 * t + 1.0) > 0.93)
    x = 0.25 * voiced * syllable * talk + 0.08 * fric * talk + 0.004 * rng.normal(0, 1, t.shape)
    return (x / max(1e-9, np.max(np.abs(x))) * 0.6).astype(np.float32)


def audio_input(spec, rng):
    """Windows of `context + chunk` samples (the previous window's tail, then the chunk)."""
    sr, chunk, ctx = spec.get("sample_rate", 16000), spec["chunk"], spec.get("context", 0)
    rows, start = spec["shape"][0], spec.get("start_chunk", 0)
    wav = speech_waveform(max(1.0, (start + rows + 1) * chunk / sr), sr, rng)
    padded = np.concatenate([np.zeros(ctx, np.float32), wav])
    out = np.stack([padded[(start + i) * chunk:(start + i) * chunk + ctx + chunk]
                    for i in range(rows)])
    return np.ascontiguousarray(out.reshape(spec["shape"]).astype(np.float32))


def python_source(nbytes):
    """A plausible Python module of about nbytes bytes."""
    parts, i = ['"""Inventory helpers."""\nimport json\nimport os\n\n'], 0
    while sum(map(len, parts)) < nbytes:
        parts.append(f"\ndef load_item_{i}(path, default=None):\n"
                     f"    \"\"\"Reads item {i} from a JSON file.\"\"\"\n"
                     f"    if not os.path.exists(path):\n        return default\n"
                     f"    with open(path) as f:\n        data = json.load(f)\n"
                     f"    return data.get('item_{i}', default)\n")
        i += 1
    parts.append("\n\nif __name__ == '__main__':\n    print(load_item_0('items.json'))\n")
    return "".join(parts).encode()


def bytes_input(spec, rng):
    content = python_source(spec.get("file_size", 3000)).strip()
    beg, end, pad = spec["beg"], spec["end"], spec["padding"]
    head = list(content[:beg]) + [pad] * max(0, beg - len(content))
    tail = [pad] * max(0, end - len(content)) + list(content[-end:])
    return np.asarray([head + tail] * spec["shape"][0], dtype=_DTYPES[spec.get("dtype", "int32")])


def make_feeds(entry):
    """All inputs of one corpus entry, from seed entry['seed'] (default 0)."""
    rng = np.random.default_rng(entry.get("seed", 0))
    feeds = {}
    for spec in entry["inputs"]:
        kind, dtype = spec["kind"], _DTYPES[spec.get("dtype", "float32")]
        if kind == "image":
            feeds[spec["name"]] = image_input(spec, rng)
        elif kind == "audio":
            feeds[spec["name"]] = audio_input(spec, rng)
        elif kind == "bytes":
            feeds[spec["name"]] = bytes_input(spec, rng)
        elif kind == "zeros":
            feeds[spec["name"]] = np.zeros(spec["shape"], dtype)
        elif kind == "scalar":
            feeds[spec["name"]] = np.array(spec["value"], dtype)
        else:
            raise ValueError(f"{entry['name']}: unknown input kind '{kind}'")
    return feeds
