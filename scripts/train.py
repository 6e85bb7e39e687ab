"""Train a segmentation model: python scripts/train.py experiment=NAME out=DIR [trainer=...]."""

import hydra
from omegaconf import DictConfig

from jovis.cli import emit_result
from jovis.training.fit import train


@hydra.main(config_path="../configs", config_name="train", version_base="1.3")
def main(cfg: DictConfig) -> None:
    emit_result(train(cfg))


if __name__ == "__main__":
    main()
