"""jovis from Python: `detect` runs what ``jovis infer`` runs; `load_detections` reads its outputs.

    import jovis
    found = jovis.detect("pj44_frames/", out="pj44")   # model=auto: the released detectors
    found.catalog                   # one dict per vortex and oval, as catalog.csv (lat, lon, km)
    found.mask("JNCE_2022229_44C00037_V01-mapprojected")   # class id per pixel (255: no data)
    found.features(frame_id)        # the frame's GeoJSON, found.overlay(frame_id) its picture
    pandas.DataFrame(found.catalog)

`detect`'s keyword arguments are ``jovis infer``'s settings (``configs/infer.yaml``), checked as
the command line checks them, nested ones as dicts (``temporal={"mode": "off"}``). The outputs
are the command's, on disk under `out`, so a run from the command line and one from a notebook
are read alike (``load_detections("pj44")``) and a rerun resumes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["Detections", "detect", "load_detections"]


@dataclass
class Detections:
    """An infer output folder, read: what each frame gave and where its files are.

    `frames` holds the manifest rows (one per input: ``status``, ``error``, ``model``, timings,
    ``outputs``) of every detector's folder (``out/<release>/`` under `model=auto`); `catalog`
    the catalogue rows of the frames that succeeded, typed (numbers, None where empty), each
    with the ``model`` that found it; `summary` the command's final JSON line when `detect` ran
    it (None when read from disk); `oval_profile` the oval along longitude of the frames on a
    polar grid (``oval_profile.csv``'s rows, `jovis.oval_profile`), each with its ``model``.
    """

    out: Path
    frames: list[dict[str, Any]]
    catalog: list[dict[str, Any]]
    summary: dict[str, Any] | None = None
    oval_profile: list[dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:
        kinds: dict[str, int] = {}
        for row in self.catalog:
            kinds[row["feature"]] = kinds.get(row["feature"], 0) + 1
        found = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "no features"
        return (f"<Detections {self.out}: {len(self.ok)} frame(s) ok, {len(self.failures)} "
                f"failed; {found}>")  # fmt: skip

    @property
    def ok(self) -> list[str]:
        """The ids of the frames that succeeded."""
        return [row["id"] for row in self.frames if row.get("status") == "ok"]

    @property
    def report(self) -> Path | None:
        """The run's ``report.html`` (under model=auto the index of its detectors' reports), e.g.
        for ``IPython.display.IFrame``; None when the run wrote none."""
        page = self.out / "report.html"
        return page if page.is_file() else None

    @property
    def failures(self) -> list[dict[str, Any]]:
        """``{id, source, error}`` of each frame that failed, with model=auto's frames that no
        detector took (``unassigned.jsonl``)."""
        return [{"id": r.get("id"), "source": r.get("source"), "error": r.get("error")}
                for r in self.frames if r.get("status") != "ok"]  # fmt: skip

    def mask(self, frame_id: str, model: str | None = None) -> np.ndarray:
        """The frame's class ids (H × W uint8, on its own pixels): 0 background, then the
        detector's classes in the order of ``features(frame_id)["properties"]["class_fractions"]``
        (aurora 1, vortex 2 for the released ones); 255 where the frame has no data. `model`
        says which detector's, for a frame model=auto gave to two (a JIRAM frame's L and M
        bands)."""
        from jovis.io.masks import read_mask_png

        return read_mask_png(self._output(frame_id, model, "mask", "masks/{}.png"))

    def features(self, frame_id: str, model: str | None = None) -> dict[str, Any]:
        """The frame's GeoJSON FeatureCollection (outlines in pixels; lat/lon and km in each
        feature's properties where the frame is located)."""
        from jovis.io.json_file import load_json

        return load_json(self._output(frame_id, model, "features", "features/{}.geojson"))

    def overlay(self, frame_id: str, model: str | None = None) -> Path:
        """The frame's overlay picture (PNG), e.g. for ``IPython.display.Image(filename=...)``."""
        return self._output(frame_id, model, "overlay", "overlays/{}.png")

    def _output(self, frame_id: str, model: str | None, kind: str, default: str) -> Path:
        from jovis.inference.manifest import recorded_output

        folder, row = self._frame(frame_id, model)
        if row.get("status") != "ok":
            raise ValueError(f"frame {frame_id!r} failed, so it has no {kind}: {row.get('error')}")
        path = recorded_output(folder, (row.get("outputs") or {}).get(kind),
                               default.format(frame_id))  # fmt: skip
        if path is None:
            raise FileNotFoundError(f"{folder}: the {kind} of frame {frame_id!r} is missing; run "
                                    "the same infer again to write it")  # fmt: skip
        return path

    def _frame(self, frame_id: str, model: str | None) -> tuple[Path, dict[str, Any]]:
        found = [(Path(r["_folder"]), r) for r in self.frames if r.get("id") == frame_id]
        if model is not None:
            found = [(f, r) for f, r in found if model in (r.get("model"), f.name)]
        if len(found) == 1:
            return found[0]
        if not found:
            near = ", ".join(repr(r.get("id")) for r in self.frames[:5])
            of = "" if model is None else f" of model {model!r}"
            raise KeyError(f"no frame {frame_id!r}{of} in {self.out}; its frames are {near}"
                           + (", ..." if len(self.frames) > 5 else ""))  # fmt: skip
        models = ", ".join(repr(r.get("model") or f.name) for f, r in found)
        raise KeyError(f"{len(found)} detectors took frame {frame_id!r} in {self.out} ({models}): "
                       "say which with model=")  # fmt: skip

    def __len__(self) -> int:
        return len(self.frames)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.frames)


def load_detections(out: str | Path) -> Detections:
    """Read an infer output folder (``jovis infer ... out=DIR``, one detector's or model=auto's
    folder of detectors); raises FileNotFoundError naming the folder when it holds none."""
    from jovis.catalog import catalog_rows_from_geojson
    from jovis.inference.manifest import (
        MAIN,
        TORN_LINE_FIX,
        detector_folders,
        recorded_output,
    )
    from jovis.io.json_file import load_json, read_jsonl
    from jovis.oval_profile import profile_rows_from_geojson

    out = Path(out)
    folders = detector_folders(out)
    if not folders:
        raise FileNotFoundError(f"{out} holds no jovis infer output (no {MAIN} in it or in a "
                                "folder of it): give the out= of an infer run")  # fmt: skip
    frames: list[dict[str, Any]] = []
    catalog: list[dict[str, Any]] = []
    profile: list[dict[str, Any]] = []
    for folder in folders:
        for row in read_jsonl(folder / MAIN, TORN_LINE_FIX):
            frames.append({**row, "_folder": str(folder)})
            if row.get("status") != "ok":
                continue
            default = f"features/{row.get('id')}.geojson"
            path = recorded_output(folder, (row.get("outputs") or {}).get("features"), default)
            if path is None:
                continue  # (a frame whose files went missing: `features` names it)
            collection = load_json(path)
            for item in catalog_rows_from_geojson(collection):
                catalog.append({**item, "model": row.get("model")})
            for item in profile_rows_from_geojson(collection):
                profile.append({**item, "model": row.get("model")})
    unassigned = out / "unassigned.jsonl"  # model=auto's frames no detector took
    if unassigned.is_file():
        frames += [{**row, "_folder": str(out)} for row in read_jsonl(unassigned)]
    return Detections(out=out, frames=frames, catalog=catalog, oval_profile=profile)


def detect(input: str | Path | list | dict | np.ndarray, out: str | Path | None = None, *,
           model: str | Path | None = None, **settings: Any) -> Detections:  # fmt: skip
    """Run ``jovis infer`` on `input` (a file, a folder, a glob, a list file, or a list of
    paths) into `out` (None: infer's default, ``outputs/infer``) and read what it wrote.

    `input` may also be frames in memory: an array (H × W, H × W × C, or C × H × W as a PyTorch
    tensor holds it; a tensor or any array-like is converted), a list of them, or a dict of them
    by name; they are saved as ``out/arrays/<name>.npy`` (``array-0``, ... when
    unnamed) and run as those files, so give `model` (an array says nothing of its instrument)
    and its scale or grid (``px_per_deg=``, or ``map={...}``: a polar projection's grid gives
    its features lat/lon).

    `model` is a released detector's name (``jovis models``), ``auto`` (one per frame by its
    instrument) or a checkpoint path; None (the default) is auto, or the checkpoint that
    ``ckpt=`` names, as for the command. `settings` are infer's other settings (``tta=True``,
    ``device="cpu"``, ``temporal={"mode": "off"}``); an unknown one is refused naming the
    nearest, as on the command line. A frame that cannot be read does not raise: it is in
    ``failures``, as in the command's manifest.
    """
    from jovis.apps.infer import infer_from_config

    arrays = _arrays(input)
    given = {**({} if model is None else {"model": model}), "input": "arrays" if arrays else input,
             **({} if out is None else {"out": out}), **settings}  # fmt: skip
    cfg = app_config("infer", given, "detect()")
    if arrays:  # (OmegaConf holds no array: saved as frames in out/arrays/, then named)
        cfg.input = _saved(arrays, Path(str(cfg.out)) / ARRAYS)
    summary = infer_from_config(cfg)
    detections = load_detections(summary["out"])
    detections.summary = summary
    return detections


ARRAYS = "arrays"  # the folder of `out` that frames given in memory are saved in
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")  # (no '.': a frame's id ends at its first)


def _arrays(input: Any) -> dict[str, np.ndarray] | None:
    """{name: array} of frames given in memory (an array, a list of them, a dict of them by
    name), else None (paths). An array is a NumPy array or anything that converts to one: a
    PyTorch tensor (on any device, with or without grad), an xarray DataArray, ..."""
    one = _in_memory(input)
    if one is not None:
        return {"array-0": one}
    if isinstance(input, Mapping) and input:
        frames = {str(k): _in_memory(v) for k, v in input.items()}
        return frames if all(v is not None for v in frames.values()) else None
    if isinstance(input, list | tuple) and input:
        frames = {f"array-{i}": _in_memory(v) for i, v in enumerate(input)}
        return frames if all(v is not None for v in frames.values()) else None
    return None


def _in_memory(value: Any) -> np.ndarray | None:
    """`value` as a NumPy array when it is a frame in memory, else None (a path, text, a list)."""
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor, maybe on CUDA
        return value.detach().cpu().numpy()
    if hasattr(value, "__array__") and not isinstance(value, str | bytes | Path | Mapping):
        return np.asarray(value)
    return None


def _saved(arrays: dict[str, np.ndarray], folder: Path) -> list[str]:
    """Each array as ``<folder>/<name>.npy`` (written whole); their paths, in order."""
    from jovis.io.atomic import make_folder, write_npy

    bad = [name for name in arrays if not SAFE_NAME.fullmatch(name)]
    if bad:
        raise ValueError(f"detect(): array names {bad} are not plain names (letters, digits, "
                         "'_', '-'): they name the frames' outputs")  # fmt: skip
    make_folder(folder, "out")
    return [str(write_npy(folder / f"{name}.npy", np.asarray(array)))
            for name, array in arrays.items()]  # fmt: skip


def app_config(verb: str, given: Mapping[str, Any], caller: str, *, stored: bool = True):
    """``configs/<verb>.yaml`` with `given`'s values set (nested settings as dicts), checked as
    the command line checks them: an unknown key is refused naming the nearest, booleans
    strictly. `caller` names the function in the errors (``detect()``); `stored`: composed from
    Hydra's config store as infer's app composes it, else from the configs folder as track's
    (a config stored under a name can no longer be composed from a folder under that name)."""
    from omegaconf import OmegaConf

    from jovis.apps.common import check_places, strict_booleans, unknown_setting

    named = [f"{key}=x" for key in _dotted(given)]
    why = unknown_setting(verb, named)
    if why:
        raise ValueError(f"{caller}: {why}")
    defaults = _composed(verb, stored)
    cfg = defaults.copy()
    for key, value in given.items():
        OmegaConf.update(cfg, key, _plain(value), merge=True)
    strict_booleans(cfg, defaults)
    try:  # (out="" wrote into the working folder)
        check_places(cfg)
    except ValueError as err:
        raise ValueError(f"{caller}: {err}") from None
    return cfg


def _dotted(values: Mapping[str, Any], prefix: str = "") -> Iterator[str]:
    for key, value in values.items():
        if isinstance(value, Mapping) and value:
            yield from _dotted(value, f"{prefix}{key}.")
        else:
            yield f"{prefix}{key}"


def _plain(value: Any) -> Any:
    """Paths as text (OmegaConf holds no Path), lists and dicts through."""
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _composed(verb: str, stored: bool):
    """The verb's config with its defaults, composed as its app composes it: from Hydra's
    config store (`store_config`, infer) or from the configs folder. A Hydra that is already set
    up (called inside the user's own Hydra app) is put back after."""
    from hydra import compose, initialize, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    from jovis.apps.common import VERSION_BASE, store_config
    from jovis.config import CONFIG_DIR

    earlier = GlobalHydra.instance().hydra if GlobalHydra.instance().is_initialized() else None
    GlobalHydra.instance().clear()
    try:
        if not stored:
            with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base=VERSION_BASE):
                return compose(config_name=verb)
        with initialize(config_path=None, version_base=VERSION_BASE):
            return compose(config_name=store_config(verb))
    finally:
        if earlier is not None:  # (`initialize` put back its own singleton: fetched again)
            GlobalHydra.instance().clear()
            GlobalHydra.instance().initialize(earlier)
