"""Score a checkpoint: python scripts/evaluate.py ckpt=PATH data=DIR [out=DIR]."""

import sys
from pathlib import Path

import hydra
from omegaconf import DictConfig

from jovis.cli import emit_result, rename_override
from jovis.evaluation import evaluate, print_table


@hydra.main(config_path="../configs", config_name="evaluate", version_base="1.3")
def main(cfg: DictConfig) -> None:
    out = cfg.out or Path(cfg.ckpt).parent / "eval"
    result = evaluate(
        cfg.ckpt,
        cfg.dataset,
        out,
        device=cfg.device,
        tta=bool(cfg.tta),
        batch_size=int(cfg.batch_size),
        split=cfg.split,
    )
    print_table(result)
    result.pop("confusion_matrix")
    result.pop("vortex_instances", None)
    emit_result(result)


if __name__ == "__main__":
    sys.argv = rename_override(sys.argv, "data", "dataset")
    main()
