"""FITS frames: HST STIS FUV polar projections (``*_proj.fits``, PHYSICS.md §5) and plain images."""

from __future__ import annotations

import io
import math
import warnings
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.io.fits.verify import VerifyError

from jovis.frame import PLATE_SCALE_KEY, Frame
from jovis.geometry.polar import PolarGrid
from jovis.geometry.remap import remap_valid, square_polar_grid
from jovis.io.errors import FrameReadError
from jovis.io.generic import MAX_CUBE_PLANES
from jovis.io.hst_forms import (
    SKYPLANE_KEYS,
    cut_beyond_limb,
    hemisphere_of,
    is_skyplane,
    read_flatproj,
    skyplane_to_polar,
)
from jovis.io.instrument import grid_for_shape, load_instrument

# Day 0 of the Modified Julian Date (UTC), HST's EXPSTART / TEXPSTRT
MJD_EPOCH = datetime(1858, 11, 17)

# Hubble's far-UV aurora cameras; their products (polar projections, lat-lon maps, flatproj
# arrays, sky-plane crops) come from the same projection pipelines, so all are read with the
# STIS settings of configs/instrument/hst_stis.yaml.
HST_FAR_UV = ("hst_stis", "hst_acs")
HST_FAR_UV_PRODUCTS = "hst_stis"
_CORRUPT = ("truncat", "missing end card", "not multiple of 2880", "empty or corrupt")


def _source(path: Path) -> Path | io.BytesIO:
    """The file, or a gzip-compressed one's whole content: decompressed here so that a truncated
    archive is named as such (astropy would read its first HDUs and call the rest missing)."""
    from jovis.io.reader import GZIP_MAGIC, gunzip

    with open(path, "rb") as fh:
        compressed = fh.read(len(GZIP_MAGIC)) == GZIP_MAGIC
    return io.BytesIO(gunzip(path)) if compressed else path


def read_fits(path: Path, instrument: str | None = None) -> Frame:
    """Read the first 2-D image HDU of a FITS file (or a gzip-compressed one) as a frame.

    HST STIS FUV products (``TELESCOP = HST``, ``INSTRUME = STIS``) become instrument
    ``hst_stis`` with one channel ``uv`` in kR. NaN pixels, zero pixels of FUV products (hidden
    or limb-clipped, PHYSICS.md §5) and pixels off the disk of the grid are ``valid = False``
    (negative FUV values are background-subtracted noise and stay valid); image values are
    kept as stored. The grid comes from the instrument config for the image shape
    (``grids: {"500x500": ...}``, approximate), or, for a 0.25° latitude–longitude product, the
    frame is reprojected onto an exact polar grid (``latlon_to_polar``); otherwise it is None
    and ``meta["grid_source"]`` says why.

    Raises
    ------
    FrameReadError
        Truncated or corrupt file, no image HDU, image not 2-D (or a cube of more than
        `MAX_CUBE_PLANES` planes).
    """
    path = Path(path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # checksum: an HDU whose DATASUM keyword no longer matches its data is damaged
            with fits.open(_source(path), memmap=False, checksum=True) as hdus:
                index, hdu = _image_hdu(path, hdus)
                data = _image_data(path, hdu)
                mask_ext = _mask_hdu(hdus, index, data.shape)
                headers = [hdus[0].header] + ([hdu.header] if index else [])
                meta = _header_meta(*headers)
        except FrameReadError as err:
            # a file cut inside an extension's header reads as the HDUs before it: say it is
            # cut, not that it lacks an image
            if reason := _corrupt_reason(caught):
                raise FrameReadError(path, reason) from err
            raise
        except VerifyError as err:  # a card astropy cannot parse (a damaged header)
            reason = str(err).split(", fix it")[0]
            raise FrameReadError(path, f"corrupt FITS header: {reason}") from err
        except (OSError, ValueError, TypeError, IndexError, KeyError) as err:
            raise FrameReadError(
                path, _corrupt_reason(caught) or f"truncated or corrupt FITS ({err})"
            ) from err
    if reason := _corrupt_reason(caught):
        raise FrameReadError(path, reason)
    if caught:
        meta["fits_warnings"] = [str(w.message) for w in caught]

    units = str(meta.get("BUNIT", "") or "").strip()
    hst = hst_camera(meta)
    fuv = (hst in HST_FAR_UV) or units.lower() == "kr"
    name = hst or instrument or "unknown"
    products = _instrument_cfg(HST_FAR_UV_PRODUCTS if hst in HST_FAR_UV else name)
    if data.ndim == 1:  # a "flatproj" product: valid pixels of a colatitude-longitude grid
        settings = products.get("flatproj_to_polar")
        image, valid, grid, note = read_flatproj(path, data, meta, settings)
        if fuv:
            valid &= image[:, :, 0] != 0  # 0 = hidden or not observed, as in the other forms
        channels = [_plane_name(fuv, hst, units)]
        meta.update(note, format="fits", hdu=index, units=units or None, dtype=str(data.dtype))
        meta.update(_time(meta), grid_approximate=False, grid_source=grid.source)
        return Frame(image, channels, name, str(path), meta, grid, valid)
    if data.ndim == 3:
        image = np.moveaxis(data, 0, -1)
        channels = [f"band{i + 1}" for i in range(image.shape[2])]
    else:
        image = data[:, :, None]
        channels = [_plane_name(fuv, hst, units)]
    valid = np.isfinite(image).all(axis=2)
    if mask_ext is not None:
        valid &= mask_ext
    if fuv:
        # Exactly 0 marks hidden / limb-clipped pixels (PHYSICS §5). Negative values are kept:
        # they are background-subtracted noise on the faint disk (13–14% of a v03 frame), and
        # marking them invalid would speckle the disk with "no data".
        valid &= (image != 0).all(axis=2)
    meta.update(format="fits", hdu=index, units=units or None, dtype=str(data.dtype))
    meta.update(_time(meta))
    image, valid, grid = _to_grid(path, image, valid, meta, products)
    if grid is None:
        shape = image.shape[:2]
        note = f"none: no polar grid known for a {shape[0]}x{shape[1]} {name} product"
        if refused := meta.get("grid_refused"):
            note += f" ({refused})"
        elif fuv and (missing := [k for k in SKYPLANE_KEYS if k not in meta]):
            # e.g. a pipeline product straight from the archive (_flt, _x2d): the sky plane
            note += (f"; as a sky-plane image it lacks the limb keys {', '.join(missing)}: "
                     "project it onto a polar grid first (the APIS or JARVIS pipelines) or "
                     "add those keys")  # fmt: skip
        meta.update(grid_approximate=None, grid_source=note)
    else:
        lat, _ = grid.latlon_image(*image.shape[:2])
        sign = 1.0 if grid.hemisphere == "north" else -1.0
        with np.errstate(invalid="ignore"):
            valid &= np.isfinite(lat) & (lat * sign >= 0)  # off the disk of the grid
        meta.update(grid_approximate=grid.approximate, grid_source=grid.source)
    return Frame(image, channels, name, str(path), meta, grid, valid)


def hst_camera(meta: dict[str, Any]) -> str | None:
    """Which Hubble camera took the frame, None for another telescope's: ``hst_stis`` or
    ``hst_acs`` for the far-UV aurora imagers (STIS's MAMA detectors; ACS's Solar Blind Channel,
    or an ACS product in kR that does not name its detector), else ``hst_<camera>_<detector>``
    (``hst_wfc3_uvis``, ``hst_stis_ccd``): visible or near-IR light, named so that
    ``model=auto`` can say it has no detector for them."""
    if str(meta.get("TELESCOP", "")).strip().upper() != "HST":
        return None
    camera = str(meta.get("INSTRUME", "")).strip().lower() or "unknown"
    detector = str(meta.get("DETECTOR", "")).strip().lower()
    in_kr = str(meta.get("BUNIT", "") or "").strip().lower() == "kr"
    if camera == "stis" and detector != "ccd":
        return "hst_stis"
    if camera == "acs" and (detector == "sbc" or (not detector and in_kr)):
        return "hst_acs"
    return f"hst_{camera}" + ("" if camera == "unknown" else f"_{detector or 'unknown'}")


def _to_grid(
    path: Path, image: np.ndarray, valid: np.ndarray, meta: dict[str, Any], cfg: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, PolarGrid | None]:
    """The frame on a polar grid: a lat-lon product or sky-plane crop reprojected, a product of a
    configured shape as it is, otherwise no grid."""
    latlon = cfg.get("latlon_to_polar")
    shape = image.shape[:2]
    if latlon and tuple(latlon.get("shape", (720, 1440))) == shape:
        image, valid, grid = latlon_to_polar(image, valid, hemisphere_of(path, meta), latlon)
        meta["reprojected_from"] = f"latlon {shape[0]}x{shape[1]}"
        meta["latlon_shape"] = [int(shape[0]), int(shape[1])]  # (its pixels' lat/lon: below)
        valid, meta["beyond_limb_px"] = cut_beyond_limb(image, valid, meta, grid, latlon)
        return image, valid, grid
    grid = grid_for_shape(cfg, shape)
    pole = hemisphere_of(path, meta) if grid is not None and "HEMISPH" in meta else None
    if pole is not None and pole != grid.hemisphere:
        # a product of the configured shape from the other pole: that grid would put it at the
        # wrong pole (its latitudes' sign) and no grid of this pole is known
        meta["grid_refused"] = (f"the configured {shape[0]}x{shape[1]} grid is of the "
                                f"{grid.hemisphere} pole, the header's HEMISPH = "
                                f"{pole}; fed at that grid's plate scale, "
                                f"{grid.px_per_deg:g} px/deg, without lat/lon")  # fmt: skip
        # the same pipeline's projection of the other pole: its scale, not its pole or longitudes
        meta[PLATE_SCALE_KEY] = float(grid.px_per_deg)
        return image, valid, None
    if grid is None and is_skyplane(meta, shape):
        hemisphere = hemisphere_of(path, meta)
        settings = cfg.get("skyplane_to_polar")
        image, valid, grid, note = skyplane_to_polar(image, valid, meta, hemisphere, settings)
        meta.update(note)
    return image, valid, grid


def _mask_hdu(hdus: fits.HDUList, index: int, shape: tuple[int, ...]) -> np.ndarray | None:
    """The integer valid-data mask extension after the image (sky-plane crops), as bool."""
    if index + 1 >= len(hdus) or not getattr(hdus[index + 1], "is_image", False):
        return None
    ext = hdus[index + 1]
    if str(ext.header.get("EXTNAME", "")).strip().upper() in ("DQ", "ERR", "SCI"):
        return None  # HST data-quality flags: non-zero means bad, not valid
    mask = ext.data
    if mask is None or mask.shape != shape or mask.dtype.kind not in "ub" or mask.max() > 1:
        return None  # only a 0/1 uint8 mask (1 = data) is taken as the valid-data mask
    return np.asarray(mask) != 0


def latlon_to_polar(
    image: np.ndarray, valid: np.ndarray, hemisphere: str, settings: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, PolarGrid]:
    """Reproject a 0.25° latitude–longitude product onto a square polar equidistant grid.

    Parameters
    ----------
    image : ndarray, float32, shape (H, W, C)
        Row i at latitude −90 + 180·i/(H−1), column j at SIII west longitude 360 − 360·j/(W−1).
    valid : ndarray of bool, shape (H, W)
    hemisphere : 'north' or 'south'
    settings : dict
        ``size`` (output px, square), ``max_colatitude`` (deg at the image edge), ``lon_down``
        (SIII longitude pointing down from the pole, seen from above it; default 180).

    Returns
    -------
    image : ndarray, float32, shape (size, size, C)
        Bilinear over valid source pixels only (normalised by the interpolated validity); NaN
        where invalid.
    valid : ndarray of bool, shape (size, size)
        The source validity resampled with nearest neighbour.
    grid : PolarGrid
        Exact, with the pole at the image centre.
    """
    max_colat = float(settings["max_colatitude"])
    grid = square_polar_grid(
        hemisphere,
        settings,
        f"reprojected from a 0.25° lat-lon product to {max_colat:g}° colatitude",
    )
    size = int(settings["size"])
    lat, lon = grid.latlon_image(size, size)
    map_x, map_y = latlon_product_pixel(lat, lon, valid.shape)
    out, out_valid = remap_valid(image, valid, map_x, map_y)
    return out, out_valid, grid


def latlon_product_pixel(lat, lon, shape: tuple[int, int]):
    """(column, row) in a 0.25° lat-lon product of `shape` of planetocentric lat / SIII west
    lon: row i at latitude −90 + 180·i/(H−1), column j at 360 − 360·j/(W−1)."""
    h, w = shape
    return (360.0 - lon) * (w - 1) / 360.0, (lat + 90.0) * (h - 1) / 180.0


def latlon_product_position(x, y, shape: tuple[int, int]):
    """(lat, SIII west lon in [0, 360)) of a lat-lon product's pixels (column `x`, row `y`):
    `latlon_product_pixel` inverted."""
    h, w = shape
    return -90.0 + 180.0 * y / (h - 1), (360.0 - 360.0 * x / (w - 1)) % 360.0


def _image_hdu(path: Path, hdus: fits.HDUList) -> tuple[int, Any]:
    """The first HDU with image data; FrameReadError when there is none, or when other HDUs of
    its EXTNAME hold images of its shape too (an HST file of several imsets: SCI,1, SCI,2, ...
    one exposure each), of which the first alone would be read."""
    kinds = []
    for index, hdu in enumerate(hdus):
        if _has_image(hdu):
            name = str(hdu.header.get("EXTNAME", "")).strip().upper()
            same = [h for h in hdus[index + 1 :] if _has_image(h) and _axes(h) == _axes(hdu)
                    and str(h.header.get("EXTNAME", "")).strip().upper() == name]  # fmt: skip
            if name and same:
                raise FrameReadError(path, f"{len(same) + 1} image extensions named {name} "
                                           "(several exposures, as an HST file of several "
                                           "imsets): jovis reads one frame per file and would "
                                           "read the first alone; write each to its own file "
                                           f"(astropy: fits.open(f)[('{name}', k)])")  # fmt: skip
            return index, hdu
        kinds.append(f"{type(hdu).__name__} (no image data)")
    raise FrameReadError(path, f"no image data in this FITS file: HDUs are {', '.join(kinds)}")


def _axes(hdu: Any) -> tuple:
    return tuple(hdu.header.get(f"NAXIS{i}") for i in range(1, int(hdu.header["NAXIS"]) + 1))


def _has_image(hdu: Any) -> bool:
    return getattr(hdu, "is_image", False) and int(hdu.header.get("NAXIS", 0)) > 0


def _image_data(path: Path, hdu: Any) -> np.ndarray:
    header = hdu.header
    shape = tuple(int(header[f"NAXIS{i}"]) for i in range(int(header["NAXIS"]), 0, -1))
    squeezed = tuple(n for n in shape[:-2] if n != 1) + shape[-2:]
    if not (
        len(shape) == 1
        or len(squeezed) == 2
        or (len(squeezed) == 3 and squeezed[0] <= MAX_CUBE_PLANES)
    ):
        raise FrameReadError(
            path,
            f"image HDU {header.get('EXTNAME', '')!s} has shape {shape}: expected a 2-D image "
            f"(or a cube of at most {MAX_CUBE_PLANES} planes)",
        )
    try:
        data = hdu.data
    except ValueError as err:  # astropy cannot reshape a short read
        raise FrameReadError(path, f"truncated FITS: image data incomplete ({err})") from err
    expected = math.prod(shape)
    if data is None or data.size < expected:
        got = 0 if data is None else data.size
        raise FrameReadError(path, f"truncated FITS: {got} of {expected} image values present")
    return np.asarray(data, dtype=np.float32).reshape(squeezed)


def _header_meta(*headers: fits.Header) -> dict[str, Any]:
    """Every card as plain data (later headers win); COMMENT / HISTORY joined with newlines."""
    meta: dict[str, Any] = {}
    notes: dict[str, list[str]] = {}
    for header in headers:
        for key, value in header.items():
            if key in ("COMMENT", "HISTORY", ""):
                if key and str(value).strip():
                    notes.setdefault(key, []).append(str(value))
            else:
                meta[key] = _plain(value)
    meta.update({k: "\n".join(v) for k, v in notes.items()})
    return meta


def _plain(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, str):
        return value.rstrip()
    return None if type(value).__name__ == "Undefined" else str(value)


def _time(meta: dict[str, Any]) -> dict[str, Any]:
    """Observation start (ISO) from UDATE, else DATE-OBS (+ TIME-OBS), else HST's EXPSTART or
    TEXPSTRT (MJD: a file whose date cards are gone, or an extension that keeps only those),
    and exposure seconds."""
    out: dict[str, Any] = {}
    stamp = str(meta.get("UDATE") or "").strip()
    if not stamp and meta.get("DATE-OBS"):
        stamp = str(meta["DATE-OBS"]).strip()
        if "T" not in stamp and meta.get("TIME-OBS"):
            stamp += f"T{str(meta['TIME-OBS']).strip()}"
    if not stamp:
        mjds = [meta.get(k) for k in ("EXPSTART", "TEXPSTRT")]
        mjd = next((v for v in mjds if isinstance(v, int | float) and math.isfinite(v)), None)
        if mjd is not None:
            stamp = (MJD_EPOCH + timedelta(days=float(mjd))).isoformat(timespec="milliseconds")
    if stamp:
        out["time"] = stamp.replace(" ", "T")
    for key in ("EXPT", "EXPTIME", "TEXPTIME"):
        if isinstance(meta.get(key), int | float):
            out["exposure_s"] = float(meta[key])
            break
    return out


def _corrupt_reason(caught: list[warnings.WarningMessage]) -> str | None:
    """Why astropy's warnings say the file is damaged, or None. A DATASUM that does not match
    the data (MAST's products carry one) is damage (it was read as if whole); a CHECKSUM alone
    that does not match is a header edited by a tool that did not update it, and stays a
    warning (``meta["fits_warnings"]``)."""
    for w in caught:
        text = str(w.message)
        if text.lower().startswith("datasum verification failed"):
            return (
                f"corrupt FITS: the data of {text.split(' for ')[-1].strip().rstrip('.')} "
                "do not match their DATASUM (damaged, e.g. in transfer: download it again)"
            )
        if any(marker in text.lower() for marker in _CORRUPT):
            return f"truncated or corrupt FITS: {' '.join(text.split())}"
    return None


def _instrument_cfg(name: str) -> dict[str, Any]:
    try:
        return load_instrument(name)
    except FileNotFoundError:
        return {}


def _plane_name(fuv: bool, hst: str | None, units: str) -> str:
    """The channel of a one-plane image: ``uv`` for far-UV brightness; a Hubble visible
    camera's plane named by its unit (or camera), so that the far-UV detector refuses it as
    another band; else ``gray``, a plane of any band (a user's JIRAM map: its unit stays in
    ``meta["units"]``, and the detector of its band takes it)."""
    if fuv:
        return "uv"
    return (units or hst) if hst else "gray"
