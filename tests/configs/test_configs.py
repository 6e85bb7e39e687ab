"""Every config composes, and a wrong config fails before any work with the valid choices."""

import importlib
from pathlib import Path

import pytest
from hydra import compose, initialize
from hydra.errors import ConfigCompositionException
from omegaconf import OmegaConf
from tests.conftest import compose_config

import jovis
from jovis.apps import VERBS
from jovis.config import CONFIG_DIR
from jovis.frame import LabelSchema
from jovis.models import ModelSpec
from jovis.training.fit import train

EXPERIMENTS = sorted(p.stem for p in (CONFIG_DIR / "experiment").glob("*.yaml"))


@pytest.mark.parametrize("experiment", EXPERIMENTS)
def test_every_experiment_composes_and_builds_valid_model_args(experiment, tmp_path):
    cfg = compose_config("train", [f"experiment={experiment}", f"out={tmp_path}"])
    OmegaConf.resolve(cfg)
    schema = LabelSchema.from_dict(OmegaConf.to_container(cfg.labels))
    spec = ModelSpec.from_config(OmegaConf.to_container(cfg))
    assert spec.num_classes == schema.num_classes
    assert spec.in_channels == len(cfg.instrument.channels)
    assert cfg.name == experiment


@pytest.mark.parametrize("name", ["synth", "infer", "export", "benchmark", "realism", "train"])
def test_script_configs_compose(name):
    overrides = {"infer": ["ckpt=x.pt", "input=y"], "export": ["ckpt=x.pt"]}
    cfg = compose_config(name, overrides.get(name, []))
    assert "out" in cfg
    raw = OmegaConf.load(CONFIG_DIR / f"{name}.yaml")
    assert raw.hydra.job.chdir is False and raw.hydra.output_subdir is None


def test_evaluate_config_composes_on_its_own_with_data_as_a_folder():
    from jovis.apps.evaluate import CONFIG_NAME

    with initialize(version_base="1.3", config_path=None):
        cfg = compose(config_name=CONFIG_NAME, overrides=["ckpt=x.pt", "data=synthetic"])
    assert cfg.data == "synthetic" and cfg.dataset is None  # a folder name, not the data group
    raw = OmegaConf.load(CONFIG_DIR / "evaluate.yaml")
    assert raw.hydra.job.chdir is False and raw.hydra.output_subdir is None
    with pytest.raises(ConfigCompositionException, match="data"):
        compose_config("evaluate", ["ckpt=x.pt", "data=frames"])  # why it composes on its own


@pytest.mark.parametrize("verb", list(VERBS))
def test_every_app_reads_the_packaged_configs(verb):
    app = importlib.import_module(f"jovis.apps.{verb}")
    assert callable(app.main)
    assert CONFIG_DIR == (Path(jovis.__file__).parent / "configs").resolve()
    assert (CONFIG_DIR / f"{verb}.yaml").is_file() or not getattr(app, "TAKES_SETTINGS", True)


@pytest.mark.parametrize("trainer", ["cpu", "gpu", "ddp"])
def test_trainer_choices_compose(trainer, tmp_path):
    cfg = compose_config("train", ["experiment=tiny", f"trainer={trainer}", f"out={tmp_path}"])
    assert cfg.trainer.max_steps >= 1


def test_unknown_model_name_fails_before_any_work(tmp_path):
    cfg = compose_config(
        "train", ["experiment=tiny", f"out={tmp_path}", "model.encoder=resnet9000"]
    )
    with pytest.raises(ValueError, match=r"valid choices: .*mobilenet_v3_small.*resnet18"):
        train(cfg)
    assert list(tmp_path.iterdir()) == []  # no run folder was made


def test_wrong_channel_count_fails_before_any_work(tmp_path):
    cfg = compose_config("train", ["experiment=tiny", f"out={tmp_path}", "model.in_channels=3"])
    with pytest.raises(ValueError, match=r"instrument jiram has 2 channels \['L', 'M'\]") as err:
        train(cfg)
    assert "junocam (4: red, green, blue, ch4)" in str(err.value)
    assert "junocam_rgb (3: red, green, blue)" in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_unknown_config_group_choice_names_the_options():
    with pytest.raises(ConfigCompositionException, match="unet_resnet18"):
        compose_config("train", ["model=unet_nonexistent"])
