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


def resumed_settings(cfg: DictConfig, given: list[str]) -> DictConfig:
    """With ``resume=RUN``, the settings not `given` on the command line (``key=value`` items)
    are the resumed run's own (its config.yaml): ``jovis adapt resume=RUN``, as the message of
    an interrupted run says, stopped asking for data= (and took the defaults for the rest)."""
    from omegaconf import OmegaConf

    from jovis.adapt.state import resume_paths

    if not cfg.get("resume"):
        return cfg
    saved_path = resume_paths(cfg.resume)[0] / "config.yaml"
    if not saved_path.is_file():
        return cfg
    saved = OmegaConf.load(saved_path)
    keys = {item.lstrip("+~").partition("=")[0] for item in given}
    # the saved ckpt is the resolved file: a released name may now resolve to newer weights
    saved.model = None
    if keys & {"model", "ckpt"}:  # one names the other: a new one replaces the saved file
        saved.ckpt = None
    if keys & {"data", "input"}:
        saved.data = saved.input = None
    for key in keys:  # (each a known setting: unknown ones were refused before the app ran)
        OmegaConf.update(saved, key, OmegaConf.select(cfg, key), merge=False)
    return saved


@jovis_app("adapt", CONFIG_NAME)
def main(cfg: DictConfig) -> None:
    from hydra.core.hydra_config import HydraConfig

    from jovis.adapt import adapt
    from jovis.released import resolve_model

    cfg = resumed_settings(checked(cfg), list(HydraConfig.get().overrides.task))
    cfg.data = frames_folder(cfg)
    cfg.ckpt = str(resolve_model(cfg.get("model"), cfg.ckpt).path)  # a released name or a path
    report("jovis adapt", adapt(cfg))


if __name__ == "__main__":
    main()
