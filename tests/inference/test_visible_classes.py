"""What an instrument cannot see is never predicted: instrument configs name their visible
classes, checkpoints record them (older ones derive them), and the Predictor gives the others
probability 0."""

import pytest
import torch
import yaml
from torch import nn

from jovis.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from jovis.config import CONFIG_DIR
from jovis.data.normalise import DEFAULT_NORMALISATION
from jovis.frame import LabelSchema
from jovis.inference.predictor import Predictor
from jovis.models import ModelSpec
from jovis.synth.frameset import default_schema
from jovis.visibility import resolve_visible

SPEC = ModelSpec("unet", "mobilenet_v3_small", 3, 3, decoder_width=0.25, encoder_width=0.5)
FINE = LabelSchema.from_dict(yaml.safe_load((CONFIG_DIR / "labels" / "fine.yaml").read_text()))
SEES = {  # instrument: (classes it must see, classes it must not), default schema
    "junocam": ({"background", "vortex"}, {"aurora"}),
    "junocam_rgb": ({"background", "vortex"}, {"aurora"}),
    "uv": ({"background", "aurora"}, {"vortex"}),
    "hst_stis": ({"background", "aurora"}, {"vortex"}),
    "jiram_l": ({"background", "aurora"}, {"vortex"}),
    "jiram_m": ({"background", "vortex"}, {"aurora"}),
    "jiram": ({"background", "aurora", "vortex"}, set()),
}


def instrument(name):
    return yaml.safe_load((CONFIG_DIR / "instrument" / f"{name}.yaml").read_text())


@pytest.mark.parametrize("name", sorted(SEES))
def test_each_instrument_names_the_classes_it_can_see(name):
    names = instrument(name)["visible_classes"]
    schema = default_schema()
    seen = {schema.names[i] for i in resolve_visible(names, schema)}
    assert seen == SEES[name][0] and not seen & SEES[name][1]
    # the fine schema's finer classes follow their coarse class
    fine = {FINE.names[i] for i in resolve_visible(names, FINE)}
    assert ("anticyclone" in fine) == ("vortex" in seen)
    emission = {"polar_emission", "footprint"}
    assert (fine & emission) == (emission if "aurora" in seen else set())


def test_the_recipes_loss_weights_agree_with_their_instrument():
    checked = 0
    for path in sorted((CONFIG_DIR / "experiment").glob("*.yaml")):
        recipe = yaml.safe_load(path.read_text())
        weights = (recipe.get("loss") or {}).get("class_weights")
        overrides = [d for d in recipe.get("defaults", []) if isinstance(d, dict)]
        key = "override /instrument"
        inst = next((d[key] for d in overrides if key in d), None)
        if weights is None or inst is None:
            continue
        visible = resolve_visible(instrument(inst)["visible_classes"], default_schema())
        assert [i for i, w in enumerate(weights) if w] == visible, path.name
        checked += 1
    assert checked >= 4  # uv, visible, ir_cyclones, ir_cyclones_cpu


def test_unknown_or_too_few_class_names_are_clear_errors():
    schema = default_schema()
    with pytest.raises(ValueError, match=r"visible_classes names \['vortx'\].*spelling"):
        resolve_visible(["background", "vortx"], schema)
    with pytest.raises(ValueError, match=r"at least background and one more"):
        resolve_visible(["background", "anticyclone"], schema)  # fine-only: nothing left here
    with pytest.raises(ValueError, match=r"list of class names or null"):
        resolve_visible("vortex", schema)
    assert resolve_visible(None, schema) == [0, 1, 2]


def aurora_loving_model() -> nn.Module:
    """A network whose aurora logit (class 1) beats the others by 10^4 at every pixel."""
    torch.manual_seed(0)
    model = SPEC.build()
    head = [m for m in model.modules() if isinstance(m, nn.Conv2d) and m.out_channels == 3][-1]
    with torch.no_grad():
        head.bias.copy_(torch.tensor([0.0, 1e4, 0.0]))
    return model


def save(path, model, config=None, **extra):
    return save_checkpoint(path, model, spec=SPEC, labels=default_schema(),
                           channels=["red", "green", "blue"], instrument="junocam_rgb",
                           normalisation=DEFAULT_NORMALISATION, config=config or {},
                           **extra)  # fmt: skip


@pytest.mark.parametrize("tta", [False, True])
def test_a_class_the_instrument_cannot_see_is_never_predicted(tmp_path, tta):
    model = aurora_loving_model()
    x = torch.randn(2, 3, 64, 64)
    seeing = save(tmp_path / "all.pt", model)  # an old checkpoint, config {}: every class
    probs = Predictor.from_checkpoint(seeing, device="cpu", precision="fp32", tta=tta).predict(x)
    assert (probs.argmax(1) == 1).all()  # the weights do prefer aurora everywhere
    blind = save(tmp_path / "blind.pt", model, visible_classes=["background", "vortex"])
    predictor = Predictor.from_checkpoint(blind, device="cpu", precision="fp32", tta=tta)
    assert predictor.info.visible_classes == [0, 2]
    probs = predictor.predict(x)
    assert (probs[:, 1] == 0).all() and not (probs.argmax(1) == 1).any()
    torch.testing.assert_close(probs.sum(1), torch.ones(2, 64, 64))
    assert not (predictor.predict_frames([x[0].numpy()])[0].argmax(0) == 1).any()


def test_older_checkpoints_derive_visible_classes_from_their_loss_weights(tmp_path):
    model = SPEC.build()
    uv_like = save(tmp_path / "uv.pt", model, {"loss": {"class_weights": [1.0, 1.0, 0.0]}})
    assert load_checkpoint(uv_like)[1].visible_classes == [0, 1]
    vis_like = save(tmp_path / "vis.pt", model, {"loss": {"class_weights": [1, 0, 1]}})
    assert load_checkpoint(vis_like)[1].visible_classes == [0, 2]
    plain = save(tmp_path / "plain.pt", model, {"loss": {"class_weights": None}})
    assert load_checkpoint(plain)[1].visible_classes == [0, 1, 2]
    # a config that has the instrument's list wins over the loss weights
    cfg = {"instrument": {"visible_classes": ["background", "vortex"]}, "loss": {}}
    assert load_checkpoint(save(tmp_path / "cfg.pt", model, cfg))[1].visible_classes == [0, 2]


def test_a_bad_visible_list_in_a_checkpoint_names_the_file(tmp_path):
    path = save(tmp_path / "model.pt", SPEC.build(), visible_classes=["background", "cloud"])
    with pytest.raises(CheckpointError, match=r"model\.pt: .*visible_classes names \['cloud'\]"):
        load_checkpoint(path)
