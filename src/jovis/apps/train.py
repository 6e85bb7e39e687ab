"""jovis train experiment=NAME out=DIR [trainer=cpu|gpu|ddp] [resume=PATH] (or scripts/train.py)."""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from jovis.apps.common import CONFIG_PATH, VERSION_BASE, checked, report


@hydra.main(config_path=CONFIG_PATH, config_name="train", version_base=VERSION_BASE)
def main(cfg: DictConfig) -> None:
    from jovis.training.fit import train

    report("jovis train", train(checked(cfg)))


if __name__ == "__main__":
    main()
