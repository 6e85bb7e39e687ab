"""The checks of an adapt config, before anything is read or written."""

from __future__ import annotations

from typing import Any

from jovis.adapt.steps import batch_split
from jovis.config import check_at_least
from jovis.inference.scale import check_limb_hint, check_scale_hint


def check_settings(cfg: dict[str, Any]) -> None:
    """`ValueError` naming the key for a setting out of range, before anything is written."""
    counts = {"steps": (cfg["steps"], "student steps"),
              "batch_size": (cfg["batch_size"], "crops per step"),
              "save_every": (cfg["save_every"], "steps between checkpoints"),
              "guard.every": (cfg["guard"]["every"], "steps between guard checks"),
              "teacher.refresh_every": (cfg["teacher"]["refresh_every"],
                                        "steps between pseudo-label refreshes")}  # fmt: skip
    for key, (value, meaning) in counts.items():
        check_at_least(key, value, 1, meaning)
    for key, value in (("lr", cfg["lr"]), ("guard.agreement_drop", cfg["guard"]["agreement_drop"]),
                       ("guard.synthetic_drop", cfg["guard"]["synthetic_drop"])):  # fmt: skip
        check_at_least(key, value, 0, "a rate or a drop", integer=False)
    # these reached AdamW, int() or the synthetic renderer first: a traceback, or a message
    # that named no key
    check_at_least("weight_decay", cfg.get("weight_decay", 0.0), 0, "AdamW's decay",
                   integer=False)  # fmt: skip
    check_at_least("guard.synthetic_frames", cfg["guard"].get("synthetic_frames", 0), 0,
                   "frames of the fixed synthetic check; 0: no synthetic check")  # fmt: skip
    for key, value, low, meaning in (
        ("size", cfg.get("size"), 32, "side of the training crops, px; null: the checkpoint's"),
        ("guard.synthetic_seed", cfg["guard"].get("synthetic_seed"), 0,
         "seed of the synthetic check; null: the checkpoint's data.val_seed"),
    ):  # fmt: skip
        if value is not None:
            check_at_least(key, value, low, meaning)
    ratio = cfg["guard"].get("area_ratio")
    if ratio is not None and (not isinstance(ratio, int | float) or ratio <= 1):
        raise ValueError(f"adapt: guard.area_ratio={ratio!r} must be > 1, or null (off)")
    sigmas = cfg["teacher"].get("emission_sigmas")
    if sigmas is not None and (isinstance(sigmas, bool) or not isinstance(sigmas, int | float)
                               or sigmas <= 0):  # fmt: skip
        raise ValueError(f"adapt: teacher.emission_sigmas={sigmas!r} must be > 0, or null (off)")
    disk = cfg["teacher"].get("emission_disk_px", 15)
    if isinstance(disk, bool) or not isinstance(disk, int) or disk < 3:
        raise ValueError(f"adapt: teacher.emission_disk_px={disk!r} must be an integer ≥ 3")
    for key in ("momentum", "threshold"):  # (checked again where used; here before any folder)
        value = cfg["teacher"].get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ValueError(f"adapt: teacher.{key}={value!r}: must be in [0, 1]")
    share = check_at_least("real_share", cfg["real_share"], 0,
                           "share of a step's frames that are real", integer=False)  # fmt: skip
    batch_split(int(cfg["batch_size"]), float(share))
    scale = check_scale_hint(cfg.get("px_per_deg"))
    check_limb_hint(cfg.get("limb_radius_px"), scale)


def crop_size(cfg: dict[str, Any], info: Any) -> int:
    """Side of the training crops: ``size``, else the checkpoint's training frame size."""
    return int(cfg.get("size") or (info.config.get("data") or {}).get("size") or 256)
