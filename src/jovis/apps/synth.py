"""jovis synth: write a synthetic labelled frame set.

    python scripts/synth.py out=DIR n=64 size=256 instrument=jiram_l hemisphere=north seed=0 \
        split=train
    python scripts/synth.py form=hst_latlon out=DIR n=3     # far-UV frames as HST STIS products
    python scripts/synth.py sequence=perijoves hemisphere=north out=DIR   # one scene at 20 times

Prints a short summary, then one JSON line:
{"out", "n", "size", "instrument", "seconds", "frames_per_s"}.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig

from jovis.apps.common import CONFIG_PATH, checked, jovis_app, report
from jovis.config import check_at_least, to_plain

SCRIPT_SIZES = (64, 2048)
FORMS = ("frameset", "hst_latlon")


def synth_from_config(cfg: Any) -> dict[str, Any]:
    """`write_frame_set` from a composed ``configs/synth.yaml``."""
    from jovis.frame import LabelSchema
    from jovis.synth import write_frame_set

    plain = to_plain(cfg)
    for key in ("n", "size"):
        if not isinstance(plain.get(key), int):
            raise ValueError(
                f"configs/synth.yaml: {key} must be an integer, got {plain.get(key)!r}"
            )
    lo, hi = SCRIPT_SIZES
    if not lo <= plain["size"] <= hi:
        raise ValueError(f"configs/synth.yaml: size must be {lo}..{hi} pixels, got {plain['size']}")
    check_at_least("seed", plain.get("seed"), 0, "the first frame's seed; frame i takes seed + i")
    form = plain.get("form", "frameset")
    if form not in FORMS:
        raise ValueError(
            f"configs/synth.yaml: form must be one of {', '.join(FORMS)}, got {form!r}"
        )
    if form == "hst_latlon":  # unlabelled products, as a real visit's files are
        from jovis.synth.products import write_hst_latlon

        return write_hst_latlon(plain["out"], plain["n"], plain["size"], str(plain["hemisphere"]),
                                int(plain["seed"]), plain.get("params"))  # fmt: skip
    sequence = plain.get("sequence") or {}
    frames = check_at_least(
        "sequence.frames", sequence.get("frames") or 0, 0,
        "frames of one scene at several times; 0: independent frames",
    )  # fmt: skip
    if frames > 0:  # sequence=perijoves: one scene at several times
        from jovis.synth.sequence_set import write_sequence

        return write_sequence(
            plain["out"], plain["size"], list(plain["instrument"]["channels"]),
            str(plain["instrument"]["name"]), str(plain["hemisphere"]), int(plain["seed"]),
            str(plain["split"]), plain.get("params"), LabelSchema.from_dict(plain["labels"]),
            sequence,
        )  # fmt: skip
    return write_frame_set(
        out=plain["out"],
        n=plain["n"],
        size=plain["size"],
        channels=list(plain["instrument"]["channels"]),
        instrument=str(plain["instrument"]["name"]),
        hemisphere=str(plain["hemisphere"]),
        seed=int(plain["seed"]),
        split=str(plain["split"]),
        params=plain.get("params"),
        schema=LabelSchema.from_dict(plain["labels"]),
        view=plain.get("view"),
    )


@jovis_app("synth", "synth", CONFIG_PATH)
def main(cfg: DictConfig) -> None:
    report("jovis synth", synth_from_config(checked(cfg)))


if __name__ == "__main__":
    main()
