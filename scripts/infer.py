"""Batch inference: python scripts/infer.py ckpt=PATH input=DIR|GLOB|LIST.txt out=DIR.

Exit status 0 when every input succeeded, 2 when some failed (listed in manifest.jsonl), 3 when
the disk filled up (the run stopped cleanly; rerun once there is space).
"""

import sys

import hydra
from omegaconf import DictConfig

from jovis.cli import emit_result
from jovis.inference.cli import infer_from_config, print_summary


@hydra.main(config_path="../configs", config_name="infer", version_base="1.3")
def main(cfg: DictConfig) -> None:
    result = infer_from_config(cfg)
    print_summary(result)
    emit_result(result)
    if result.get("error") == "disk_full":
        sys.exit(3)
    if result["failed"]:
        sys.exit(2)


if __name__ == "__main__":
    main()
