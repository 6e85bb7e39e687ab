import pytest

from jovis.benchmarks.synth import run_synth


def test_synth_suite_times_each_instrument_tiny():
    result = run_synth("cpu", size=64, frames=4, batch_size=2, instruments=["uv", "junocam"])
    assert result["suite"] == "synth" and result["device"] == "cpu"
    assert (result["size"], result["frames"], result["batch_size"]) == (64, 4, 2)
    assert result["torch_threads"] >= 1
    rows = {r["instrument"]: r for r in result["instruments"]}
    assert rows["uv"]["channels"] == ["uv"]
    assert rows["junocam"]["channels"] == ["red", "green", "blue"]
    for row in rows.values():
        assert row["fps"] > 0 and row["seconds"] > 0 and row["frames"] == 4
        assert row["meets_floor"] is None  # the CPU floor is stated at 256 px
    assert result["meets_floor"] is None


def test_synth_suite_applies_the_cpu_floor_at_256_single_channel():
    result = run_synth("cpu", size=256, frames=2, batch_size=2, instruments=["jiram_l"], warmup=0)
    row = result["instruments"][0]
    assert row["floor_fps"] == 30.0
    assert row["meets_floor"] == (row["fps"] >= 30.0) == result["meets_floor"]


def test_synth_suite_rejects_bad_settings():
    with pytest.raises(ValueError, match=r"synth\.frames=0"):
        run_synth("cpu", size=64, frames=0)
    with pytest.raises(FileNotFoundError, match=r"valid: .*jiram_l"):
        run_synth("cpu", size=64, frames=1, instruments=["nope"])
