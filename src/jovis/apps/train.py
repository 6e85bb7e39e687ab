"""jovis train experiment=NAME out=DIR [trainer=cpu|gpu|ddp] [resume=PATH] [init=NAME|model.pt]
(or scripts/train.py)."""

from __future__ import annotations

import sys

from omegaconf import DictConfig

from jovis.apps.common import CONFIG_PATH, checked, jovis_app, report


@jovis_app("train", "train", CONFIG_PATH)
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
