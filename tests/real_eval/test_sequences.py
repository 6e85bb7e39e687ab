"""The folders the label-free scores and `jovis adapt` read: what `infer` would read in them."""

import cv2
import numpy as np

from jovis.real_eval.sequences import read_folder


def test_a_folder_gives_each_junocam_observation_once_and_names_what_it_cannot_read(tmp_path):
    # a website image set (composite, per-filter set, raw framelets of one view) is one frame:
    # its forms would otherwise be scored against each other, and adapt's held-out split could
    # hold one form of an observation whose other form it trains on
    pid = "JNCE_2022229_44C00037_V01"
    disk = np.zeros((32, 32), np.uint8)
    cv2.circle(disk, (16, 16), 12, 120, -1)
    cv2.imwrite(str(tmp_path / f"{pid}-mapprojected.png"), np.dstack([disk] * 3))
    for name in ("red", "green", "blue"):
        cv2.imwrite(str(tmp_path / f"{pid}-{name}.png"), disk)
    cv2.imwrite(str(tmp_path / f"{pid}-raw.png"), np.zeros((384, 16), np.uint8))
    (tmp_path / "broken.png").write_bytes(b"not a png")
    frames, errors = read_folder(tmp_path)
    assert [f.meta["product_kind"] for f in frames] == ["mapprojected"]
    assert len(errors) == 1 and "broken.png" in errors[0]
