"""Synthetic far-UV frames written as HST STIS 0.25° latitude–longitude FITS products.

What a scientist feeds `infer model=auto`: the reader recognises the product by its header
(``TELESCOP = HST``, ``INSTRUME = STIS``, ``BUNIT = kR``) and reprojects it onto a polar grid
(`jovis.io.fits.latlon_to_polar`), so the whole real-product path (instrument pick, reprojection,
plate-scale resampling, class masking) runs on a machine without any real frame. The layout is
the one the reader documents: row i at latitude −90 + 180·i/719 (row 0 = south pole), column j
at SIII west longitude 360 − 360·j/1439; 0 = not observed (PHYSICS.md §5).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
from astropy.io import fits

from jovis.io.atomic import atomic_path
from jovis.io.fits import latlon_product_position
from jovis.synth.sample import make_sample

LATLON_SHAPE = (720, 1440)
VISIT_START = datetime(2016, 5, 21, 2, 0, 0)  # any visit start; frames follow every `cadence_s`


def polar_to_latlon(image: np.ndarray, valid: np.ndarray, grid) -> np.ndarray:
    """A polar frame's first channel on the 0.25° lat-lon layout; 0 where it has no data."""
    h, w = LATLON_SHAPE
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float64)
    lat, lon = latlon_product_position(cols, rows, (h, w))
    x, y = grid.pixel(lat, lon)
    x, y = x.astype(np.float32), y.astype(np.float32)
    data = np.where(valid, image[..., 0], 0.0).astype(np.float32)
    out = cv2.remap(data, x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    inside = cv2.remap(valid.astype(np.float32), x, y, cv2.INTER_NEAREST,
                       borderMode=cv2.BORDER_CONSTANT, borderValue=0)  # fmt: skip
    out[inside < 0.5] = 0.0
    out[(out == 0.0) & (inside >= 0.5)] = 1e-3  # a valid pixel must not read as "not observed"
    return out


def write_hst_latlon(out: str | Path, n: int, size: int, hemisphere: str, seed: int,
                     params: dict | None = None, cadence_s: float = 100.0) -> dict:  # fmt: skip
    """Render `n` synthetic far-UV frames (seeds ``seed + i``) and write each as an HST STIS
    lat-lon product ``<out>/synth_hst_<seed>_latlon.fits`` (written to a temporary name, then
    renamed), ``cadence_s`` apart in DATE-OBS like the exposures of one visit, with the
    scene's sub-solar point as ``CMLS``/``DECS`` (so the overlay's noon and the profile's local
    times are the rendered scene's, not the real Sun's at DATE-OBS)."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        frame, labels = make_sample(seed + i, size, ["uv"], "hst_stis", hemisphere, params)
        header = fits.Header()
        stamp = VISIT_START + timedelta(seconds=i * cadence_s)
        sun = labels.features["sun"]  # the scene's own Sun, as the HST products' headers give it
        header.update({"TELESCOP": "HST", "INSTRUME": "STIS", "HEMISPH": frame.meta["hemisphere"],
                       "DATE-OBS": stamp.strftime("%Y-%m-%dT%H:%M:%S"), "EXPTIME": 100.0,
                       "CMLS": sun["lon"], "DECS": sun["lat"],
                       "ORIGIN": "jovis synthetic frame", "JVSSEED": seed + i})  # fmt: skip
        sci = fits.ImageHDU(polar_to_latlon(frame.image, frame.valid, frame.grid), name="SCI")
        sci.header["BUNIT"] = "kR"
        path = folder / f"synth_hst_{seed + i}_latlon.fits"
        with atomic_path(path) as tmp:
            fits.HDUList([fits.PrimaryHDU(header=header), sci]).writeto(tmp)
        files.append(str(path))
    return {"out": str(folder), "n": n, "form": "hst_latlon", "files": files}
