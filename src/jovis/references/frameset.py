"""The stored reference frame set (``real_v2/``): build it from the real frames, and
materialise a folder that `FolderDataset` / `scripts/evaluate.py` read.

The stored set holds ``manifest.jsonl`` whose ``image`` paths are relative to the real-data root
(``../shared/data/real``; rows carry ``"image_root": "real"``), ``params.json`` (the HST
procedure's `OvalParams`) and ``junocam_ellipses.json`` (the hand-placed JunoCam ellipses). The HST
oval labels, traced from the frames, are stored as ``masks/`` (class ids: 0 background, 1 aurora,
255 no data), ``sectors/`` (1 bright, 2 faint oval sectors, 0 elsewhere, 255 no data) and
``features/`` (truth JSON). JunoCam rows name their ellipses (``"labels":
"junocam_ellipses.json"``) instead: their masks and features are drawn from the ellipses and the
product's own valid-data mask when a frame set is materialised, so nothing derived from a real
product is stored.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import cv2

from jovis.io import read_frame
from jovis.io.atomic import write_json, write_jsonl, write_png
from jovis.io.masks import read_mask_png, write_mask_png
from jovis.paths import real_data_dir
from jovis.references.hst_oval import OvalParams, label_frames
from jovis.references.junocam_vortices import product_labels
from jovis.references.overlay import ellipse_overlay, oval_overlay
from jovis.synth.frameset import default_schema

STORED = Path(__file__).parent / "real_v2"
HST_DIR = "hst_stis_north_2016-05-21"
REFERENCE_OVAL = Path("..") / "reference"  # relative to the real-data root
ELLIPSES = "junocam_ellipses.json"


def check_real_root(real_root: str | Path) -> Path:
    root = Path(real_root)
    if not (root / HST_DIR).is_dir():
        raise FileNotFoundError(
            f"{root}: no {HST_DIR}/ here; pass the real-data root (../shared/data/real)"
        )
    return root


def build_reference_set(real_root: str | Path, out: str | Path, params: OvalParams | None = None,
                        overlays: str | Path | None = None) -> dict[str, Any]:  # fmt: skip
    """Make the HST oval labels and the JunoCam ellipse labels from the frames under
    `real_root`; write the stored set under `out` (manifest last), and overlays if asked."""
    root, out, p = check_real_root(real_root), Path(out), params or OvalParams()
    schema = default_schema()
    rows = []
    paths = sorted((root / HST_DIR).glob("*_proj.fits"))
    if not paths:
        raise FileNotFoundError(f"{root / HST_DIR}: no *_proj.fits frames")
    frames = [read_frame(path) for path in paths]
    labels = label_frames(frames, root / REFERENCE_OVAL / p.reference, p)
    for path, frame, lab in zip(paths, frames, labels, strict=True):
        fid = frame.id
        write_mask_png(out / "masks" / f"{fid}.png", lab["mask"], schema)
        write_mask_png(out / "sectors" / f"{fid}.png", lab["sectors"], schema)
        write_json(out / "features" / f"{fid}.json", lab["features"])
        if overlays is not None:
            write_png(Path(overlays) / f"{fid}.png",
                      oval_overlay(frame, lab["sectors"], lab["features"]))  # fmt: skip
        rows.append(_row(fid, path.relative_to(root).as_posix(), "hst_stis", "north", frame.grid))
    ellipses = json.loads((STORED / ELLIPSES).read_text())
    for fid, product in ellipses["products"].items():
        if overlays is not None:
            _, _, features = product_labels(root, fid, product)
            rgb = cv2.cvtColor(cv2.imread(str(root / product["image"])), cv2.COLOR_BGR2RGB)
            write_png(Path(overlays) / f"{fid}.png", ellipse_overlay(rgb, features["vortices"]))
        rows.append(_row(fid, product["image"], "junocam", product["hemisphere"], None))
    if out.resolve() != STORED.resolve():
        write_json(out / ELLIPSES, ellipses)
    write_json(out / "params.json", {"hst_oval": p.to_dict()})
    write_jsonl(out / "manifest.jsonl", rows)
    return {
        "out": str(out),
        "frames": len(rows),
        "hst": len(paths),
        "junocam": len(ellipses["products"]),
    }


def _row(fid: str, image: str, instrument: str, hemisphere: str, grid) -> dict[str, Any]:
    row = {"id": fid, "image": image, "image_root": "real", "instrument": instrument,
           "hemisphere": hemisphere, "split": "test"}  # fmt: skip
    if instrument == "hst_stis":
        row.update(mask=f"masks/{fid}.png", features=f"features/{fid}.json",
                   sectors=f"sectors/{fid}.png")  # fmt: skip
    else:
        row["labels"] = ELLIPSES
    if grid is not None:
        row["grid"] = grid.to_dict()
    return row


JUNOCAM_PRODUCTS = ("mapprojected", "filters")


def materialise(out: str | Path, real_root: str | Path | None = None,
                stored: str | Path = STORED, instrument: str | None = None,
                junocam: str = "mapprojected") -> Path:  # fmt: skip
    """Write a frame set folder at `out` that `FolderDataset` reads: the stored masks, sectors and
    features copied (JunoCam ones drawn from their ellipses), the manifest's image paths made
    absolute under `real_root` (default `jovis.paths.real_data_dir()`); `instrument` keeps only
    that instrument's frames (one checkpoint scores one instrument).

    `junocam="filters"`: only the JunoCam products, each as its per-filter set
    (``-red/-green/-blue.png``, read as one frame; id ``<product>-filters``) instead of its
    map-projected composite. Both are the same view of the planet on the same pixels (shifts
    under 1 px on the nine labelled products), so the ellipses label either; products without
    a set are left out."""
    if junocam not in JUNOCAM_PRODUCTS:
        raise ValueError(f"junocam={junocam!r}: valid choices are {', '.join(JUNOCAM_PRODUCTS)}")
    root = check_real_root(real_root or real_data_dir()).resolve()
    stored, out = Path(stored), Path(out)
    rows = [json.loads(x) for x in (stored / "manifest.jsonl").read_text().splitlines() if x]
    rows = [r for r in rows if instrument is None or r["instrument"] == instrument]
    if junocam == "filters":
        rows = [_as_filter_set(r, root) for r in rows if r.get("labels") == ELLIPSES]
        rows = [r for r in rows if r is not None]
    if not rows:
        raise ValueError(
            f"{stored}/manifest.jsonl: no frames of instrument={instrument!r}"
            + (" with a per-filter set" if junocam == "filters" else "")
        )
    for row in rows:
        row.pop("image_root", None)
        image = root / row["image"]
        if not image.is_file():
            raise FileNotFoundError(f"{image} (frame {row['id']}) not found under {root}")
        row["image"] = str(image)
        if row.get("labels") == ELLIPSES:
            _draw_ellipse_labels(row, root, stored, out)
            continue
        for key in ("mask", "features", "sectors"):
            if key in row:
                target = out / row[key]
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(stored / row[key], target)
    write_jsonl(out / "manifest.jsonl", rows)
    return out


def _as_filter_set(row: dict[str, Any], root: Path) -> dict[str, Any] | None:
    """A JunoCam composite's row turned into its per-filter set's, None without a set."""
    image = str(row["image"]).replace("-mapprojected.png", "-green.png")
    if image == row["image"] or not (root / image).is_file():
        return None
    return {**row, "image": image, "id": f"{row['id']}-filters", "product": row["id"]}


def _draw_ellipse_labels(row: dict[str, Any], root: Path, stored: Path, out: Path) -> None:
    """Write a JunoCam row's mask and features under `out` from its stored ellipses (read on
    the row's own image: the composite, or the per-filter set)."""
    product_id = row.pop("product", row["id"])
    product = json.loads((stored / row.pop("labels")).read_text())["products"][product_id]
    product = {**product, "image": str(Path(row["image"]).relative_to(root))}
    _, mask, features = product_labels(root, row["id"], product)
    write_mask_png(out / "masks" / f"{row['id']}.png", mask, default_schema())
    write_json(out / "features" / f"{row['id']}.json", features)
    row.update(mask=f"masks/{row['id']}.png", features=f"features/{row['id']}.json")


def load_mask(stored: str | Path, fid: str, kind: str = "masks"):
    return read_mask_png(Path(stored) / kind / f"{fid}.png")
