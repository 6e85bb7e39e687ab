"""`take_bands`: a frame holding the model's bands among others is given those."""

import numpy as np
import pytest

from jovis.frame import Frame
from jovis.inference.prepare import ChannelMismatchError, check_frame, take_bands


def frame_of(channels):
    image = np.stack([np.full((40, 40), i + 1.0, np.float32) for i in range(len(channels))], 2)
    return Frame(image, list(channels), "jiram", "f.IMG", {"k": 1})


def test_the_models_bands_are_taken_in_its_order():
    taken = take_bands(frame_of(["L", "M"]), ["M"])
    assert taken.channels == ["M"] and (taken.image[:, :, 0] == 2.0).all()
    assert taken.meta["bands_taken"] == "M of L, M" and taken.meta["k"] == 1
    four = take_bands(frame_of(["red", "green", "blue", "methane"]), ["blue", "green", "red"])
    assert four.channels == ["blue", "green", "red"]
    assert [float(four.image[0, 0, i]) for i in range(3)] == [3.0, 2.0, 1.0]


@pytest.mark.parametrize(
    ("channels", "expected"),
    [(["L", "M"], ["L", "M"]), (["gray"], ["M"]), (["c0", "c1"], ["L"]), (["L"], ["M"]),
     (["L", "M"], ["uv"])],
)  # fmt: skip
def test_anything_else_is_left_as_it_is(channels, expected):
    frame = frame_of(channels)
    assert take_bands(frame, expected) is frame


@pytest.mark.parametrize("channels", [["gray"], ["c0"], ["band1"]])
def test_a_plane_its_reader_could_not_name_goes_to_a_detector_of_one_band(channels):
    """A one-plane FITS, PDS3 or PDS4 map of a user's JIRAM M frame: the M-band detector
    takes it when asked (model=jiram_m); "band1" was refused as "another band"."""
    from types import SimpleNamespace

    check_frame(frame_of(channels), SimpleNamespace(channels=["M"]))
    check_frame(frame_of(["band1", "band2", "band3"]),
                SimpleNamespace(channels=["red", "green", "blue"]))  # fmt: skip
    with pytest.raises(ChannelMismatchError, match="another band"):
        check_frame(frame_of(["L"]), SimpleNamespace(channels=["M"]))
    with pytest.raises(ChannelMismatchError, match="another band"):
        check_frame(frame_of(["band1x"]), SimpleNamespace(channels=["M"]))


def test_a_frame_without_the_models_band_is_still_refused_by_name():
    from types import SimpleNamespace

    with pytest.raises(ChannelMismatchError, match="expects 1 channel"):
        check_frame(take_bands(frame_of(["L", "M"]), ["uv"]), SimpleNamespace(channels=["uv"]))
