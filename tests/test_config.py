"""Settings turned into run-key digests: values name the key; fields added later leave the
keys made before them unchanged while at their defaults."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jovis.config import dataclass_keys, mode_settings, settings_digest


@dataclass(frozen=True)
class Old:
    mode: str = "on"
    width: float = 1.0


@dataclass(frozen=True)
class New:
    mode: str = "on"
    width: float = 1.0
    grow: float = 0.0


def test_a_later_field_at_its_default_keeps_the_old_key():
    assert settings_digest(New(), later_fields=("grow",)) == settings_digest(Old())
    assert settings_digest(New(grow=0.1), later_fields=("grow",)) != settings_digest(Old())
    assert settings_digest(Old(width=2.0)) != settings_digest(Old())
    assert len(settings_digest(Old())) == 8


def test_mode_settings_take_names_booleans_and_mappings():
    assert mode_settings(Old, None, "x", none_mode="off").mode == "off"
    assert mode_settings(Old, False, "x", none_mode="on").mode == "off"
    assert mode_settings(Old, {"width": 3.0}, "x", none_mode="on").width == 3.0
    with pytest.raises(ValueError, match="x: unknown keys"):
        dataclass_keys(Old, {"wdth": 3.0}, "x")
