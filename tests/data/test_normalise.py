"""normalise_frame works in strips of rows: the same bits as on the whole plane at once."""

import numpy as np
import pytest

from jovis.data import normalise
from jovis.data.normalise import DEFAULT_NORMALISATION, normalise_frame
from jovis.frame import Frame


def _whole_plane(frame: Frame, settings) -> np.ndarray:
    """The computation before strips: each channel in one piece."""
    image, valid = frame.image, frame.valid
    out = np.zeros((image.shape[2], *image.shape[:2]), dtype=np.float32)
    for c in range(image.shape[2]):
        values = image[:, :, c][valid]
        lo, hi = np.percentile(values, [settings["low"], settings["high"]])
        scale = 1.0 / (hi - lo) if hi > lo else 1.0
        channel = np.clip((image[:, :, c] - lo) * scale, *settings["clip"])
        np.copyto(out[c], channel, where=valid)
    return out


@pytest.mark.parametrize("strip", [1, 7, 64, 1 << 16])
def test_strips_give_the_whole_planes_bits(monkeypatch, strip):
    rng = np.random.default_rng(strip)
    image = (rng.lognormal(size=(37, 23, 2)) * 300).astype(np.float32)
    image[5:9, 3:20] = np.nan
    frame = Frame(image=image, channels=["L", "M"], instrument="jiram")
    assert not frame.valid.all()
    monkeypatch.setattr(normalise, "STRIP_VALUES", strip)
    got = normalise_frame(frame, DEFAULT_NORMALISATION)
    want = _whole_plane(frame, DEFAULT_NORMALISATION)
    assert got.tobytes() == want.tobytes()
    assert (got[:, ~frame.valid] == 0).all()
