"""The model-zoo table: every configs/model entry resolved, measured, and widths overridden."""

import pytest
from tests.apps.test_scripts import run

from jovis.models.factory import build_model
from jovis.models.zoo import model_configs, zoo_table


def test_every_model_config_resolves_with_its_parent():
    configs = model_configs()
    assert len(configs) >= 9
    small = configs["unet_resnet18_small"]  # `defaults: [unet_resnet18]` plus its own width
    assert small == {"arch": "unet", "encoder": "resnet18", "decoder_width": 0.5,
                     "encoder_width": 1.0}  # fmt: skip


def test_rows_count_the_parameters_of_the_model_that_would_be_built():
    (row,) = zoo_table(64, 1, ["unet_mobilenet_v3_small"], {"encoder_width": 0.75})
    built = build_model("unet", "mobilenet_v3_small", 1, 3, decoder_width=0.25, encoder_width=0.75)
    params = sum(p.numel() for p in built.parameters())
    assert row["parameters"] == params and row["fp16_mb"] == round(params * 2 / 1e6, 2)
    assert row["encoder_width"] == 0.75 and row["cpu_ms"] > 0


def test_a_width_a_fixed_head_cannot_take_is_a_row_error_and_other_keys_are_refused():
    (row,) = zoo_table(64, 1, ["deeplabv3_resnet50"], {"decoder_width": 0.5})
    assert "error" in row and "parameters" not in row
    with pytest.raises(ValueError, match="only decoder_width and encoder_width"):
        zoo_table(64, 1, ["unet_mobilenet_v3_small"], {"arch": 1.0})


def test_model_zoo_script_prints_the_table_and_its_json_line():
    proc, result = run("scripts/model_zoo.py", "size=64", "names=unet_mobilenet_v3_small")
    assert [r["model"] for r in result["rows"]] == ["unet_mobilenet_v3_small"]
    assert "1.04 MB" in proc.stdout
    bad, _ = run("scripts/model_zoo.py", "sise=64", ok=False)
    assert bad.returncode == 2
