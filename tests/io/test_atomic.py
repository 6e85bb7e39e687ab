"""`jovis.io.atomic`'s JSON Lines writer (manifests, model=auto's unassigned frames)."""

from pathlib import Path

import numpy as np
import pytest

from jovis.io.atomic import write_jsonl
from jovis.io.json_file import read_jsonl


def test_write_jsonl_writes_one_object_per_line_and_leaves_no_temporary(tmp_path):
    rows = [{"id": "a", "n": np.int64(3), "x": np.float32(0.5), "p": Path("f/a.png")},
            {"id": "b", "grid": np.arange(2)}]  # fmt: skip
    path = write_jsonl(tmp_path / "manifest.jsonl", rows)
    assert read_jsonl(path) == [{"id": "a", "n": 3, "x": 0.5, "p": "f/a.png"},
                                {"id": "b", "grid": [0, 1]}]  # fmt: skip
    assert path.read_text().count("\n") == 2 and [p.name for p in tmp_path.iterdir()] == [
        "manifest.jsonl"]  # fmt: skip
    # what JSON cannot hold is refused, the earlier file kept whole
    with pytest.raises(TypeError, match="cannot write object as JSON"):
        write_jsonl(path, [{"id": "c", "bad": object()}])
    assert [r["id"] for r in read_jsonl(path)] == ["a", "b"]
    assert [p.name for p in tmp_path.iterdir()] == ["manifest.jsonl"]
    # a writer that wants everything as text (the inference manifest) says so
    write_jsonl(path, [{"id": "c", "any": {1, 2}}], default=lambda v: sorted(v))
    assert read_jsonl(path) == [{"id": "c", "any": [1, 2]}]
