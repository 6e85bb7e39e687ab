import pytest
import torch

from jovis.benchmarks.synth import floor_for, run_synth


@pytest.fixture
def one_thread():
    """Tiny renders: on a shared 2-core machine, 2 threads mostly wait for each other."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_synth_suite_times_each_instrument_tiny(one_thread):
    result = run_synth("cpu", size=32, frames=1, batch_size=1, instruments=["uv", "junocam"])
    assert result["suite"] == "synth" and result["device"] == "cpu"
    assert (result["size"], result["frames"], result["batch_size"]) == (32, 1, 1)
    assert result["torch_threads"] == 1
    rows = {r["instrument"]: r for r in result["instruments"]}
    assert rows["uv"]["channels"] == ["uv"]
    assert rows["junocam"]["channels"] == ["red", "green", "blue", "ch4"]
    for row in rows.values():
        assert row["fps"] > 0 and row["seconds"] > 0 and row["frames"] == 1
        assert row["meets_floor"] is None  # the CPU floor is stated at 256 px
        # the CPU-side scene draw alone, and the frames/s it allows any device
        assert row["scene_ms"] > 0 and row["scene_bound_fps"] == pytest.approx(
            1000 / row["scene_ms"], rel=0.01
        )
        assert row["drawn_fps"] > 0  # the rendering of scenes drawn beforehand
    assert result["meets_floor"] is None


def test_floors_apply_where_the_issue_states_them():
    assert floor_for("cpu", 256, 1) == 30.0
    assert floor_for("cpu", 256, 3) is None  # single-channel only
    assert floor_for("cpu", 128, 1) is None
    assert floor_for("cuda", 512, 3) == floor_for("cuda:0", 512, 1) == 2000.0
    assert floor_for("cuda", 256, 1) is None


def test_synth_suite_rejects_bad_settings():
    with pytest.raises(ValueError, match=r"synth\.frames=0"):
        run_synth("cpu", size=64, frames=0)
    with pytest.raises(FileNotFoundError, match=r"valid: .*jiram_l"):
        run_synth("cpu", size=64, frames=1, instruments=["nope"])
