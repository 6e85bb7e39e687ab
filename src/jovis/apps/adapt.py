"""jovis adapt: python scripts/adapt.py ckpt=PATH|model=NAME data=DIR (or input=DIR)
[out=DIR] [steps=200] [resume=RUN_DIR].

Self-training on the unlabelled frames of a flyby (`jovis.adapt`). ``configs/adapt.yaml`` is
composed from Hydra's config store, as for evaluate: in the configs folder ``data`` is the
training data group, and Hydra would take ``data=DIR`` as a choice of it.
"""

from __future__ import annotations

from omegaconf import DictConfig

from jovis.apps.common import checked, jovis_app, report, store_config

CONFIG_NAME = store_config("adapt", groups=())


def frames_folder(cfg: DictConfig) -> str:
    """The flyby's frames: `data`, or `input` as infer calls them (they must agree if both)."""
    data, given = cfg.get("data"), cfg.get("input")
    if data is not None and given is not None and str(data) != str(given):
        raise ValueError(f"adapt: data={data} and input={given} disagree; give one of them")
    if data is None and given is None:
        raise ValueError("adapt needs the flyby's frames: data=DIR (or input=DIR, as for infer)")
    return str(data if data is not None else given)


@jovis_app("adapt", CONFIG_NAME)
def main(cfg: DictConfig) -> None:
    from jovis.adapt import adapt
    from jovis.released import resolve_model

    cfg = checked(cfg)
    cfg.data = frames_folder(cfg)
    cfg.ckpt = str(resolve_model(cfg.get("model"), cfg.ckpt).path)  # a released name or a path
    report("jovis adapt", adapt(cfg))


if __name__ == "__main__":
    main()
