"""Write a synthetic labelled frame set.

    python scripts/synth.py out=DIR n=64 size=256 instrument=jiram_l hemisphere=north seed=0 \
        split=train

Prints a short summary, then one JSON line:
{"out", "n", "size", "instrument", "seconds", "frames_per_s"}.
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig
from rich.console import Console
from rich.table import Table

import jovis.synth
from jovis.cli import emit_result


@hydra.main(config_path="../configs", config_name="synth", version_base="1.3")
def main(cfg: DictConfig) -> None:
    result = jovis.synth.synth_from_config(cfg)
    table = Table(title="jovis synth", show_header=False)
    for key, value in result.items():
        table.add_row(key, str(value))
    Console(stderr=False).print(table)
    emit_result(result)


if __name__ == "__main__":
    main()
