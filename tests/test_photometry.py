import cv2
import numpy as np
import pytest

from jovis.frame import Frame
from jovis.geometry import PolarGrid
from jovis.photometry import oval_brightness
from tests.test_features import SCHEMA


def ring_mask(size=120):
    mask = np.zeros((size, size), np.uint8)
    cv2.circle(mask, (60, 60), 40, 1, -1)
    cv2.circle(mask, (60, 60), 34, 0, -1)
    return mask


def test_brightness_inside_the_oval_in_kr_km2():
    mask = ring_mask()
    grid = PolarGrid("north", 59.5, 59.5, 4.0)
    image = np.full((120, 120, 1), 2.0, np.float32)
    image[0:5] = 1000.0  # outside the oval: must not count
    valid = np.ones((120, 120), bool)
    valid[60:62, 60:62] = False  # a hole with no data inside
    frame = Frame(image, ["uv"], "uv", meta={"units": "kR"}, grid=grid, valid=valid)
    result = oval_brightness(frame, mask, SCHEMA)
    region = np.zeros((120, 120), np.uint8)
    cv2.circle(region, (60, 60), 40, 1, -1)
    inside = region.astype(bool) & valid
    expected = 2.0 * grid.pixel_area_km2(120, 120)[inside].sum()
    # the region is the fitted course's inside: its outer edge is the arcs' median radius plus
    # half their width, a pixel or two beyond a drawn ring's edge (the median pixel of a ring lies
    # outward of its middle, and the outline takes the pixels it crosses)
    assert result["integrated"] == pytest.approx(expected, rel=0.05)
    assert result["units"] == "kR·km²" and result["channel"] == "uv"
    assert 0.99 < result["coverage"] < 1.0 and result["enclosure"] == "course"


def arc_mask(cut: bool, size=160):
    """Three quarters of a ring of radius 50-56 px (an oval the limb cuts), whole or broken by a
    4-px gap (the detector missed a stretch)."""
    mask = np.zeros((size, size), np.uint8)
    cv2.ellipse(mask, (80, 80), (56, 56), 0, 0, 270, 1, -1)
    cv2.ellipse(mask, (80, 80), (50, 50), 0, 0, 360, 0, -1)
    if cut:
        mask[76 : 84 + 60, 78:82] = 0  # across the arc below the centre
    return mask


def test_a_broken_arc_encloses_what_the_whole_one_does():
    # filling the largest arc's outline took the polar cap inside a whole C-shaped arc and a
    # sliver of a broken one (x10 between HST frames 20 min apart); the course takes both
    grid = PolarGrid("north", 79.5, 79.5, 4.0)
    image = np.full((160, 160, 1), 5.0, np.float32)  # polar emission inside, as on real frames
    frame = Frame(image, ["uv"], "uv", meta={"units": "kR"}, grid=grid,
                  valid=np.ones((160, 160), bool))  # fmt: skip
    whole = oval_brightness(frame, arc_mask(cut=False), SCHEMA)
    broken = oval_brightness(frame, arc_mask(cut=True), SCHEMA)
    assert whole["enclosure"] == broken["enclosure"] == "course"
    assert broken["integrated"] == pytest.approx(whole["integrated"], rel=0.02)
    disk = 5.0 * grid.pixel_area_km2(160, 160)[(np.hypot(*np.mgrid[-80:80, -80:80] + 0.5) <= 56)]
    assert whole["integrated"] == pytest.approx(disk.sum(), rel=0.05)  # the whole cap inside


def test_a_blob_no_course_fits_is_filled_as_before():
    mask = np.zeros((120, 120), np.uint8)
    cv2.circle(mask, (60, 60), 5, 1, -1)
    grid = PolarGrid("north", 59.5, 59.5, 4.0)
    frame = Frame(np.ones((120, 120, 1), np.float32), ["uv"], "uv", grid=grid,
                  valid=np.ones((120, 120), bool))  # fmt: skip
    result = oval_brightness(frame, mask, SCHEMA)
    assert result["enclosure"] == "largest arc" and result["pixels"] == int(mask.sum())


def test_without_grid_or_aurora():
    frame = Frame(np.ones((120, 120, 2), np.float32), ["L", "M"])
    assert oval_brightness(frame, ring_mask(), SCHEMA)["units"] == "frame units·px"
    assert oval_brightness(frame, np.zeros((120, 120), np.uint8), SCHEMA) is None


def test_the_cached_area_map_gives_the_per_pixel_numbers(monkeypatch):
    import jovis.photometry as photometry

    grid = PolarGrid("north", 59.5, 59.5, 4.0)
    rng = np.random.default_rng(0)
    image = rng.uniform(0, 50, (120, 120, 1)).astype(np.float32)
    frame = Frame(image, ["uv"], "uv", meta={"units": "kR"}, grid=grid,
                  valid=np.ones((120, 120), bool))  # fmt: skip
    cached = oval_brightness(frame, ring_mask(), SCHEMA)  # the region is 35 % of the frame
    monkeypatch.setattr(photometry, "CACHED_AREA_SHARE", 1.0)  # every pixel's area computed
    assert oval_brightness(frame, ring_mask(), SCHEMA) == cached


def test_the_share_of_the_region_with_data_reaches_the_catalogue_and_the_oval_series(tmp_path):
    # half the frame without data (a limb): the sum misses half the region, and says so
    from jovis.catalog import CATALOG_COLUMNS, catalog_rows
    from jovis.features import extract_features
    from jovis.tracking.inputs import read_frames
    from jovis.tracking.oval_series import oval_series

    mask = ring_mask()
    valid = np.ones((120, 120), bool)
    valid[:, :60] = False
    frame = Frame(np.ones((120, 120, 1), np.float32), ["uv"], "uv", meta={"units": "kR"},
                  grid=PolarGrid("north", 59.5, 59.5, 4.0), valid=valid)  # fmt: skip
    features = extract_features(mask, None, SCHEMA)
    features["oval"]["brightness"] = oval_brightness(frame, mask, SCHEMA)
    (row,) = catalog_rows("f1", features)
    assert row["brightness_coverage"] == pytest.approx(0.5, abs=0.02)
    with open(tmp_path / "catalog.csv", "w") as fh:
        fh.write(",".join(CATALOG_COLUMNS) + "\n")
        fh.write(",".join("" if row[c] is None else str(row[c]) for c in CATALOG_COLUMNS) + "\n")
    (tmp_path / "manifest.jsonl").write_text(
        '{"id": "f1", "status": "ok", "time": "2016-05-21T02:17:42"}\n'
    )
    (series,) = oval_series(read_frames([tmp_path]))
    assert series["brightness_coverage"] == pytest.approx(0.5, abs=0.02)
