"""jovis evaluate: python scripts/evaluate.py model=NAME|auto|PATH (or ckpt=PATH) data=DIR.

``configs/evaluate.yaml`` is composed on its own, from Hydra's config store rather than the
configs folder: in the folder, ``data`` is also the training config group
(``data=synthetic|folder``), and Hydra would take ``data=DIR`` as a choice of that group.
``--config-dir DIR`` still adds a user's folder (e.g. ``--config-name`` of their own variant).
"""

from __future__ import annotations

import warnings
from pathlib import Path

from omegaconf import DictConfig, OmegaConf

from jovis.apps.common import checked, emit_result, jovis_app, store_config

CONFIG_NAME = store_config("evaluate", groups=())


def dataset_folder(cfg: DictConfig) -> str:
    """The frame set to score: `data`, or the deprecated `dataset` alias (with a warning)."""
    data = None if OmegaConf.is_missing(cfg, "data") else cfg.data
    if cfg.get("dataset") is None:
        if data is None:
            raise ValueError("evaluate needs data=DIR: a labelled frame set (manifest.jsonl)")
        return str(data)
    warnings.warn(
        "evaluate: dataset=DIR is deprecated and will be removed; use data=DIR",
        FutureWarning,
        stacklevel=2,
    )
    if data is not None and str(data) != str(cfg.dataset):
        raise ValueError(
            f"evaluate: data={data} and its deprecated alias dataset={cfg.dataset} disagree; "
            "give data=DIR only"
        )
    return str(cfg.dataset)


def pick_model(cfg: DictConfig, data: str):
    """`model=`/`ckpt=` through the one resolver; auto by the frame set's first instrument."""
    from jovis.inference.inputs import frame_set_rows
    from jovis.released import resolve_model

    instrument = None
    if cfg.get("model") == "auto":
        rows = list(frame_set_rows(data).values())
        instrument = rows[0].get("instrument") if rows else None
    return resolve_model(cfg.get("model"), cfg.ckpt, instrument=instrument)


def default_out(pick) -> Path:
    """eval/ beside a trained checkpoint; outputs/eval/<release> for a released one (the
    package folder is never written)."""
    from jovis.released import RELEASED_DIR

    if pick.path.resolve().is_relative_to(RELEASED_DIR):
        return Path("outputs") / "eval" / pick.model
    return pick.path.parent / "eval"


@jovis_app("evaluate", CONFIG_NAME)
def main(cfg: DictConfig) -> None:
    from jovis.evaluation import evaluate, print_table
    from jovis.tracking.sequence_eval import track_sequence, wants_tracking

    cfg = checked(cfg)
    data = dataset_folder(cfg)
    pick = pick_model(cfg, data)
    out = cfg.out or default_out(pick)
    result = evaluate(
        pick.path,
        data,
        out,
        device=cfg.device,
        tta=bool(cfg.tta),
        batch_size=cfg.batch_size,
        split=cfg.split,
        resample=str(cfg.get("resample", "auto")),
        px_per_deg=cfg.get("px_per_deg"),
        limb_radius_px=cfg.get("limb_radius_px"),
        oval_course=cfg.get("oval_course", "auto"),  # a mode or a mapping
        look=cfg.get("look", "off"),  # a mode or a mapping
        score_hidden=bool(cfg.get("score_hidden", False)),
        min_vortex_score=cfg.get("min_vortex_score"),
    )
    if wants_tracking(cfg.get("track", "auto"), data):  # a synthetic sequence: track it too
        result.update(track_sequence(pick.path, data, out, device=cfg.device, tta=bool(cfg.tta),
                                     resample=str(cfg.get("resample", "auto")),
                                     px_per_deg=cfg.get("px_per_deg")))  # fmt: skip
    result.update(pick.to_dict())
    print_table(result)
    result.pop("confusion_matrix")
    result.pop("vortex_instances", None)
    emit_result(result)


if __name__ == "__main__":
    main()
