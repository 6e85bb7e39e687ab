"""jovis track: link vortices and the auroral oval across frames (issue 15).

    python scripts/track.py input=RUN_DIR out=DIR [truth=SEQ_DIR] [link.max_gap=2]

Prints a summary, then one JSON line: {"out", "frames", "tracks", "polygon_rate_deg_per_day",
"polygon_rate_err", ... and with truth= "idf1", "idf1_circumpolar", "id_switches_polar", ...}.
"""

from __future__ import annotations

from typing import Any

from omegaconf import DictConfig

from jovis.apps.common import CONFIG_PATH, checked, jovis_app, report
from jovis.config import check_at_least, to_plain


def track_from_config(cfg: Any) -> dict[str, Any]:
    """`jovis.tracking.run.track` from a composed ``configs/track.yaml``."""
    from jovis.tracking.run import track

    plain = to_plain(cfg)
    inputs = plain["input"]
    inputs = [inputs] if isinstance(inputs, str) else list(inputs or [])
    if not inputs:
        raise ValueError("configs/track.yaml: input= is empty; give infer output folders, "
                         "catalogue CSVs or GeoJSON files: input=[DIR1,DIR2]")  # fmt: skip
    match_km = check_at_least("match_km", plain.get("match_km", 1000.0), 0,
                              "distance within which a track point matches the truth's",
                              integer=False, above=True)  # fmt: skip
    summary = track(inputs, plain["out"], link=plain.get("link"), jitter=plain.get("jitter"),
                    truth=plain.get("truth"), match_km=match_km)  # fmt: skip
    return {k: v for k, v in summary.items() if k != "metrics"}


@jovis_app("track", "track", CONFIG_PATH)
def main(cfg: DictConfig) -> None:
    report("jovis track", track_from_config(checked(cfg)))


if __name__ == "__main__":
    main()
