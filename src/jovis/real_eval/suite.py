"""`benchmark suite=real`: a checkpoint scored on everything in the real-data folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jovis.io.atomic import write_json
from jovis.real_eval.report import summary, tables
from jovis.real_eval.run import checkpoint_predict, evaluate_real


def run_real_suite(
    ckpt: str | Path,
    out: str | Path,
    *,
    root: str | Path | None = None,
    reference_set: str | Path | None = None,
    folders: list[str] | None = None,
    device: str = "auto",
    tta: bool = False,
    batch_size: int = 4,
    overlays: bool = True,
    resample: str = "auto",
    temporal: Any = "off",
    oval_course: Any = "off",
    look: Any = "off",
) -> tuple[dict[str, Any], list]:
    """Score `ckpt` on the real frames under `root` (default `jovis.paths.real_data_dir()`):
    the stored reference set (materialised under ``out/reference_set``, or `reference_set`, a
    labelled frame set; with the stored set also its JunoCam products as their per-filter
    sets, ``out/reference_set_filters``) and every sub-folder of `root` (or the `folders`
    named, relative to `root`) label-free, the reference JunoCam products whose view was
    fitted (the PJ44 approach) also carried onto a polar grid by their view model
    (``<folder>_carried_*`` keys: the vortex agreement of products minutes apart).
    `temporal`: as `infer`'s (`jovis.inference.temporal`), through the same loop; each scored
    set's frames are the pool of neighbours. `oval_course`: as `infer`'s
    (`jovis.scoring.oval_course`), so the masks scored are those `infer` writes; `look` as
    `infer`'s (`jovis.inference.look`: the per-filter sets and raw products get the
    composites' processing).
    Writes ``out/real.json`` and ``out/overlays/``; returns (the result with a flat
    ``summary``, the rich tables)."""
    from jovis.inference.look import LookSettings
    from jovis.inference.predictor import Predictor
    from jovis.io.junocam import PER_FILTER
    from jovis.paths import real_data_dir
    from jovis.references.frameset import HST_DIR, materialise
    from jovis.references.junocam_geometry import fitted_views

    root = Path(root) if root is not None else real_data_dir()
    if not root.is_dir():
        raise FileNotFoundError(
            f"real frames: no folder {root}; set $JOVIS_REAL_DATA or pass real.root=DIR"
        )
    out = Path(out)
    stored = reference_set is None and (root / HST_DIR).is_dir()
    if stored:
        reference_set = materialise(out / "reference_set", root)
    names = folders if folders is not None else sorted(p.name for p in root.iterdir() if p.is_dir())
    predictor = Predictor.from_checkpoint(ckpt, device=device, tta=tta, batch_size=batch_size)
    info = predictor.info
    filter_set = None
    if stored and info.channels == list(PER_FILTER):  # a detector for the three-colour products
        try:  # the JunoCam reference products again, as their per-filter sets
            filter_set = materialise(out / "reference_set_filters", root, instrument="junocam",
                                     junocam="filters")  # fmt: skip
        except ValueError:  # none of the products has its set here
            filter_set = None
    predict = checkpoint_predict(predictor, batch_size, resample, temporal, oval_course, look)
    result = evaluate_real(
        predict, info.labels, info.channels, out,
        reference_set=reference_set, folders=[root / n for n in names], overlays=overlays,
        filter_set=filter_set, views=fitted_views(root),
    )  # fmt: skip
    result.update({"checkpoint": str(ckpt), "root": str(root), "channels": info.channels,
                   "resample": resample, "temporal": predict.temporal.to_dict(),
                   "oval_course": predict.oval_course.to_dict(),
                   "look": LookSettings.from_value(look).to_dict(),
                   "temporal_frames": predict.records})  # fmt: skip
    result["summary"] = summary(result)
    write_json(out / "real.json", result)
    return result, tables(result, Path(ckpt).parent.name)
