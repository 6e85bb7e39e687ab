"""jovis train experiment=NAME out=DIR [trainer=cpu|gpu|ddp] [resume=PATH] [init=NAME|model.pt]
(or scripts/train.py)."""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from jovis.apps.common import (
    CONFIG_PATH,
    VERSION_BASE,
    checked,
    explained_errors,
    known_settings,
    report,
)


@known_settings("train")
@hydra.main(config_path=CONFIG_PATH, config_name="train", version_base=VERSION_BASE)
@explained_errors("train")
def _main(cfg: DictConfig) -> None:
    from jovis.training.fit import train

    report("jovis train", train(checked(cfg)))


def init_shorthand(args: list[str]) -> list[str]:
    """``init=NAME|PATH`` (a released detector or a model.pt) is ``init.model=NAME|PATH``."""
    return [f"init.model={a[len('init=') :]}" if a.startswith("init=") else a for a in args]


def main() -> None:
    sys.argv = [sys.argv[0], *init_shorthand(sys.argv[1:])]
    _main()


if __name__ == "__main__":
    main()
