"""The shared-data location: one place, overridable by JOVIS_DATA and JOVIS_REAL_DATA."""

import pytest

from jovis import paths
from jovis.synth import SynthParams, render_batch
from jovis.synth.validate import BUILTIN_FOOTPRINTS, footprint_source
from tests.conftest import REPO


def test_defaults_sit_beside_the_checkout(monkeypatch):
    monkeypatch.delenv(paths.DATA_ENV, raising=False)
    monkeypatch.delenv(paths.REAL_DATA_ENV, raising=False)
    assert paths.checkout_root() == REPO
    assert paths.data_dir() == (REPO.parent / "shared" / "data").resolve()
    assert paths.real_data_dir() == paths.data_dir() / "real"
    assert paths.reference_dir() == paths.data_dir() / "reference"


def test_environment_variables_move_the_data(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path / "data"))
    monkeypatch.delenv(paths.REAL_DATA_ENV, raising=False)
    assert paths.real_data_dir() == tmp_path / "data" / "real"
    assert paths.reference_dir() == tmp_path / "data" / "reference"
    monkeypatch.setenv(paths.REAL_DATA_ENV, str(tmp_path / "frames"))
    assert paths.real_data_dir() == tmp_path / "frames"


def test_footprint_table_is_looked_up_in_the_reference_folder(monkeypatch, tmp_path):
    monkeypatch.setenv(paths.DATA_ENV, str(tmp_path))
    monkeypatch.chdir(tmp_path)  # and not found from the checkout's root either
    monkeypatch.setattr(paths, "checkout_root", lambda: None)
    # the default table not at hand: the built-in footprints stand in (a fresh install)
    assert footprint_source(SynthParams()) == BUILTIN_FOOTPRINTS
    # a table the user names is looked up in the same folder, and must be there
    expected = tmp_path / "reference" / "other" / "hess.txt"
    with pytest.raises(ValueError, match=f"footprint_table=.*{expected}.*JOVIS_DATA"):
        render_batch([0], 64, ["L"], params={"footprint_table": "other/hess.txt"})
    real_table = REPO.parent / "shared" / "data" / "reference" / "hess2011_footprints.txt"
    if real_table.is_file():  # the same table in the folder JOVIS_DATA names: drawn from there
        table = tmp_path / "reference" / "hess2011_footprints.txt"
        table.parent.mkdir()
        table.write_bytes(real_table.read_bytes())
        assert footprint_source(SynthParams()) == table.resolve()
        assert render_batch([0], 64, ["L"]).features(0)["footprints"]
