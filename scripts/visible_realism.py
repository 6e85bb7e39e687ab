"""Visible realism table: label-free statistics of real JunoCam composites beside synthetic frames.

    python scripts/visible_realism.py [out=outputs/visreal] [n=16] [size=256] [view=perspective]
        [sets=DIR,...]   # extra synthetic frame sets (folder format, e.g. a frozen held-out set)
        [cols=8]         # frames per set in montage.png
        [view_size=1024] [product_prob=0.8]  # the product-scale texture table (0: none)
        [altitude=LO,HI]  # its synthetic views' altitudes, km (default: the renderer's range)
        [model_scale=1] [fade=F]  # the model-scale texture table (0: none); F: also with
                                  # junocam_fine_fade_px=F

Texture table (`jovis.realism.visible_texture`): the real composites zoomed to ``view_size`` px
and cut into 256 px windows beside `n` synthetic perspective frames that are 256 px windows of a
``view_size`` view (``junocam_product_prob`` = `product_prob`, the view1024 recipe's), with the
current `SynthParams` and with the fine texture off (the renderer before it).

Model-scale texture table (`model_scale=1`, the default): the same statistics on the whole real
composites zoomed to 256 px a side (as infer's resample=auto feeds the released 256 px
detectors) beside `n` whole 256 px synthetic views at the products' altitudes (seeds
20000000+), and with ``junocam_fine_fade_px`` = `fade` when given.

Real frames: every ``*-mapprojected.png`` colour composite under the real-data root
(`jovis.paths.real_data_dir`). Synthetic: `render_batch` (instrument junocam_rgb, seeds 0..n-1,
``view``) with the current `SynthParams`. Writes ``visible_realism.md``, ``.json`` and
``montage.png`` (the frames as the model sees them, normalised) under `out`
(temp file then rename) and prints the table. Statistics: `jovis.realism.visible`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import cv2
import numpy as np

from jovis.data.normalise import normalise_frame
from jovis.frame import Frame
from jovis.io import read_frame
from jovis.paths import real_data_dir
from jovis.realism import visible_texture as vt
from jovis.realism.visible import resized, set_stats, table
from jovis.synth import render_batch


def _args(argv: list[str]) -> dict[str, str]:
    out = {}
    for a in argv:
        if "=" not in a:
            raise SystemExit(f"argument {a!r}: use key=value (out, n, size, view, sets)")
        k, v = a.split("=", 1)
        out[k] = v
    return out


def _pair(text: str, key: str) -> tuple[float, float]:
    try:
        lo, hi = (float(v) for v in text.split(","))
    except ValueError:
        raise SystemExit(f"{key}={text!r}: give two numbers, LO,HI (e.g. 30000,280000)") from None
    if not 0 < lo <= hi:
        raise SystemExit(f"{key}={text!r}: need 0 < LO <= HI")
    return lo, hi


def synthetic(n: int, size: int, view: str | None) -> list[Frame]:
    batch = render_batch(list(range(n)), size, ["red", "green", "blue"], view=view)
    img = batch.image.permute(0, 2, 3, 1).numpy()
    return [Frame(img[i], ["red", "green", "blue"], valid=batch.valid[i].numpy()) for i in range(n)]


def synthetic_texture(seeds: list[int], params: dict, windows) -> dict[str, float]:
    """Texture of 256 px synthetic perspective views (`params`), cut by `windows`
    (`vt.frame_windows` or `vt.model_scale_window`)."""
    batch = render_batch(seeds, vt.WINDOW, ["red", "green", "blue"], view="perspective",
                         params=params)  # fmt: skip
    img, val = batch.image.permute(0, 2, 3, 1).numpy(), batch.valid.numpy()
    return vt.set_texture(w for i in range(len(seeds)) for w in windows(img[i], val[i]))


def texture_sets(real: list[Frame], n: int, view_size: int, product_prob: float,
                 altitude_km: tuple[float, float] | None = None) -> dict:  # fmt: skip
    """Product-scale texture statistics of the real products and of synthetic windows (views
    from `altitude_km` when given, e.g. a recipe's ``junocam_altitude_km``)."""
    windows = (w for f in real for w in vt.product_windows(f, view_size))
    out = {"real products": vt.set_texture(windows)}
    off = {"junocam_fine_contrast": (0.0, 0.0), "junocam_spot_contrast": (0.0, 0.0)}
    for name, extra in (("synthetic", {}), ("synthetic, texture off", off)):
        params = {"junocam_view_size": view_size, "junocam_product_prob": product_prob} | extra
        if altitude_km is not None:
            params["junocam_altitude_km"] = altitude_km
        out[name] = synthetic_texture(list(range(n)), params, vt.frame_windows)
    return out


def model_scale_sets(real: list[Frame], n: int, prob: float, fade: float | None) -> dict:
    """Texture of the whole real composites zoomed to 256 px a side and of `n` 256 px synthetic
    perspective views (seeds 20000000+, 30,000-280,000 km as the products), as the released
    detectors see them; with `fade`, also with ``junocam_fine_fade_px`` = `fade`."""
    windows = (w for f in real for w in vt.model_scale_window(f.image, f.valid))
    out = {"real composites": vt.set_texture(windows)}
    base = {"junocam_product_prob": prob, "junocam_altitude_km": (30000.0, 280000.0)}
    runs = [("synthetic", base)]
    if fade is not None:
        runs.append(
            (f"synthetic, junocam_fine_fade_px {fade:g}", base | {"junocam_fine_fade_px": fade})
        )
    seeds = list(range(20000000, 20000000 + n))
    for name, params in runs:
        out[name] = synthetic_texture(seeds, params, vt.model_scale_window)
    return out


def folder(path: Path) -> list[Frame]:
    files = sorted((path / "images").glob("*.npy"))
    if not files:
        raise SystemExit(f"{path}/images holds no .npy frames (sets= wants a synthetic frame set)")
    frames = []
    for f in files:
        mask = cv2.imread(str(path / "masks" / (f.stem + ".png")), cv2.IMREAD_GRAYSCALE)
        if mask is None:
            raise SystemExit(f"{path}/masks/{f.stem}.png missing (the set's valid pixels)")
        frames.append(Frame(np.load(f), ["red", "green", "blue"], valid=mask != 255))
    return frames


def _tile(frame: Frame, size: int) -> np.ndarray:
    """The frame as the model sees it (normalised), as an 8-bit BGR tile."""
    image, valid = resized(frame, size)
    norm = normalise_frame(Frame(image[:, :, :3], ["red", "green", "blue"], valid=valid))
    rgb = (np.clip(norm, 0, 1) * 255).astype(np.uint8).transpose(1, 2, 0)
    return np.ascontiguousarray(rgb[:, :, ::-1])


def montage(rows: dict[str, list[Frame]], size: int, path: Path, cols: int = 8) -> None:
    """One labelled row band per set (up to `cols` frames each), written to `path`."""
    bands = []
    for name, frames in rows.items():
        tiles = [_tile(f, size) for f in frames[:cols]]
        tiles += [np.zeros_like(tiles[0])] * (cols - len(tiles))
        band = np.concatenate(tiles, 1)
        cv2.putText(band, name, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (0, 255, 255), 2)
        bands.append(band)
    tmp = path.with_suffix(".tmp.png")
    cv2.imwrite(str(tmp), np.concatenate(bands, 0))
    os.replace(tmp, path)


def main(argv: list[str]) -> int:
    a = _args(argv)
    out = Path(a.get("out", "outputs/visreal"))
    n, size = int(a.get("n", 16)), int(a.get("size", 256))
    view = a.get("view", "perspective")
    altitude = _pair(a["altitude"], "altitude") if "altitude" in a else None  # before any work
    real = sorted(real_data_dir().glob("*/*_[0-9][0-9]C[0-9]*-mapprojected.png"))  # RGB sets
    frames = {"real composites": [read_frame(p) for p in real]}
    for extra in filter(None, a.get("sets", "").split(",")):
        frames[Path(extra).name] = folder(Path(extra))
    frames[f"synthetic ({view})"] = synthetic(n, size, None if view == "none" else view)
    sets = {name: set_stats(f, size) for name, f in frames.items()}
    out.mkdir(parents=True, exist_ok=True)
    montage(frames, size, out / "montage.png", cols=int(a.get("cols", 8)))
    text = table(sets)
    view_size = int(a.get("view_size", 1024))
    if view_size:
        prob = float(a.get("product_prob", 0.8))
        tex = texture_sets(frames["real composites"], n, view_size, prob, altitude)
        sets["texture"] = tex
        text += f"\n\nProduct-scale texture (disk {view_size} px, 256 px windows):\n\n"
        text += table(tex, vt.KEYS)
    if int(a.get("model_scale", 1)):
        fade = float(a["fade"]) if "fade" in a else None
        tex = model_scale_sets(
            frames["real composites"], n, float(a.get("product_prob", 0.8)), fade
        )
        sets["texture_model_scale"] = tex
        text += "\n\nModel-scale texture (whole frames zoomed to 256 px a side):\n\n"
        text += table(tex, vt.KEYS)
    print(text)
    for name, body in (
        ("visible_realism.md", text + "\n"),
        ("visible_realism.json", json.dumps(sets, indent=1, default=float)),
    ):
        tmp = out / (name + ".tmp")
        tmp.write_text(body)
        os.replace(tmp, out / name)
    return 0 if all(np.isfinite(v["p50_red"]) for k, v in sets.items() if "texture" not in k) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
