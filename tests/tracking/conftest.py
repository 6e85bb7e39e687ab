"""A tiny synthetic northern sequence (5 JIRAM M frames one perijove apart, a vortex born
half-way) shared by the tracking tests."""

import pytest

from jovis.synth.sequence_set import write_sequence


@pytest.fixture(scope="session")
def seq(tmp_path_factory):
    out = tmp_path_factory.mktemp("seq") / "north"
    write_sequence(out, 64, ["M"], "jiram_m", "north", 11, "test", None, None,
                   {"frames": 5, "days": 53.0, "born_at": 0.5})  # fmt: skip
    return out
