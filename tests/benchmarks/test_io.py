from jovis.benchmarks.io import run_io
from jovis.synth import write_frame_set


def test_io_suite_times_every_frame(tmp_path):
    write_frame_set(tmp_path, n=2, size=64, channels=["L", "M"], instrument="jiram", seed=1)
    (tmp_path / "images" / "broken.png").write_bytes(b"")
    result = run_io(str(tmp_path / "images"), repeats=2)
    reads = {r["file"]: r for r in result["reads"]}
    assert reads["synth-0000001.npy"]["median_s"] > 0
    assert reads["synth-0000001.npy"]["shape"] == [64, 64, 2]
    assert "empty file" in reads["broken.png"]["error"]
