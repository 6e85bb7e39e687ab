"""Tests for jovis.render: display stretches and overlay maps."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from jovis.features import extract_features
from jovis.frame import LabelSchema
from jovis.render import display_image, render_overlay

SCHEMA = LabelSchema.from_dict(
    {
        "classes": [
            {"id": 0, "name": "background", "color": [0, 0, 0]},
            {"id": 1, "name": "aurora", "color": [40, 255, 120]},
            {"id": 2, "name": "vortex", "color": [255, 90, 40]},
        ],
        "ignore_color": [90, 90, 90],
    }
)


def _frame(size: int = 96, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A noisy frame with a bright ring (aurora) and two dark disks (vortices), and its mask."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size]
    c = size / 2
    r = np.hypot(xx - c, yy - c)
    image = (
        1.0 + 0.2 * rng.standard_normal((size, size)) + 3.0 * np.exp(-(((r - 0.3 * size) / 3) ** 2))
    )
    mask = np.zeros((size, size), np.uint8)
    mask[np.abs(r - 0.3 * size) < 4] = 1
    for x, y, rad in ((c, c, 6), (0.8 * size, 0.2 * size, 4)):
        disk = np.hypot(xx - x, yy - y) <= rad
        image[disk] -= 0.5
        mask[disk] = 2
    return image.astype(np.float32)[:, :, None], mask


def _upscaled_base(image, channels, factor, valid=None):
    base = display_image(image, channels, valid)
    h, w = base.shape[:2]
    return cv2.resize(base, (w * factor, h * factor), interpolation=cv2.INTER_CUBIC)


@pytest.mark.parametrize("size", [64, 100, 256])
def test_overlay_shape_and_dtype(size):
    image, mask = _frame(size)
    out = render_overlay(image, ["L"], mask, SCHEMA, min_size=512)
    factor = -(-512 // size)
    assert out.dtype == np.uint8 and out.shape == (size * factor, size * factor, 3)
    assert max(out.shape[:2]) >= 512
    titled = render_overlay(image, ["L"], mask, SCHEMA, title="frame_001 | JIRAM L")
    assert titled.shape[1] == out.shape[1] and titled.shape[0] > out.shape[0]


def test_non_square_frame_uses_integer_factor():
    image, mask = _frame(96)
    out = render_overlay(image[:40], ["L"], mask[:40], SCHEMA, min_size=300)
    assert out.shape == (40 * 4, 96 * 4, 3)


def test_class_colours_blended_in_and_background_untouched():
    image, mask = _frame(64)
    out = render_overlay(image, ["L"], mask, SCHEMA, alpha=0.5, min_size=512).astype(int)
    factor = 8
    base = _upscaled_base(image, ["L"], factor).astype(int)
    for cls in (1, 2):
        colour = np.array(SCHEMA.classes[cls].color)
        # Interior pixels of the class, at least 2 frame pixels from any other class.
        inner = cv2.erode((mask == cls).astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
        ys, xs = np.nonzero(inner)
        assert len(ys) > 0
        py, px = ys * factor + factor // 2, xs * factor + factor // 2
        got, plain = out[py, px], base[py, px]
        assert np.abs(got - colour).sum(axis=1).mean() < np.abs(plain - colour).sum(axis=1).mean()
        np.testing.assert_allclose(got, 0.5 * plain + 0.5 * colour, atol=1.0)
    # Background far from every class pixel and outside the legend (lower-left) is the plain image.
    far = cv2.dilate((mask > 0).astype(np.uint8), np.ones((7, 7), np.uint8)) == 0
    far[40:, :40] = False
    big_far = np.repeat(np.repeat(far, factor, 0), factor, 1)
    assert big_far.any()
    np.testing.assert_array_equal(out[big_far], base[big_far])


def test_features_are_drawn():
    image, mask = _frame(64)
    feats = extract_features(mask, None, SCHEMA)
    plain = render_overlay(image, ["L"], mask, SCHEMA)
    drawn = render_overlay(image, ["L"], mask, SCHEMA, features=feats, title="t")
    assert drawn.shape[0] > plain.shape[0]
    assert not np.array_equal(drawn[drawn.shape[0] - plain.shape[0] :], plain)
    body = drawn[drawn.shape[0] - plain.shape[0] :]
    new_white = (body > 230).all(axis=2) & ~(plain > 230).all(axis=2)
    assert new_white.sum() > 300  # fitted ellipses, dashed ring and labels are white


def test_ignore_and_invalid_not_filled():
    image, mask = _frame(64)
    mask[:, :8] = 255
    valid = np.ones(mask.shape, bool)
    valid[:, :8] = False
    out = render_overlay(image, ["L"], mask, SCHEMA, valid=valid)
    assert (out[: 8 * 8 - 8, 2:50] == (45, 45, 45)).all()  # dark grey no-data, no class colour


@pytest.mark.parametrize(
    "channels", [["L"], ["L", "M"], ["red", "green", "blue"], ["nir", "blue", "green", "red"]]
)
def test_display_image_channels(channels):
    rng = np.random.default_rng(1)
    image = rng.normal(5.0, 2.0, (20, 30, len(channels))).astype(np.float32)
    rgb = display_image(image, channels)
    assert rgb.dtype == np.uint8 and rgb.shape == (20, 30, 3)
    assert rgb.std() > 10


def test_display_image_picks_named_rgb_channels():
    image = np.zeros((4, 4, 4), np.float32)
    image[:, :2, 3] = 1.0  # "red" is the 4th channel
    rgb = display_image(image, ["nir", "blue", "green", "red"])
    assert (rgb[:, :2, 0] == 255).all() and (rgb[:, 2:, 0] == 0).all()
    assert (rgb[:, :, 1:] == 0).all()


def test_display_image_two_channel_false_colour():
    image = np.zeros((4, 4, 2), np.float32)
    image[:, :2, 1] = 1.0
    rgb = display_image(image, ["a", "b"])
    np.testing.assert_array_equal(rgb[:, :, 1], rgb[:, :, 2])
    assert (rgb[:, :2, 1] == 255).all() and (rgb[:, :, 0] == 0).all()


@pytest.mark.parametrize("value", [0.0, -7.5, 1e30])
def test_display_image_constant_and_nan_without_warnings(value):
    image = np.full((16, 16, 1), value, np.float32)
    image[:4] = np.nan
    image[4, 4] = np.inf
    rgb = display_image(image, ["L"])
    assert rgb.shape == (16, 16, 3)
    assert (rgb[:4] == (45, 45, 45)).all() and (rgb[4, 4] == (45, 45, 45)).all()
    assert len(np.unique(rgb[5:].reshape(-1, 3), axis=0)) == 1  # flat picture
    all_nan = display_image(np.full((8, 8, 3), np.nan, np.float32), ["r", "g", "b"])
    assert (all_nan == 45).all()


def test_display_image_log_stretch_monotonic_with_negatives():
    image = np.linspace(-100.0, 50.0, 256, dtype=np.float32).reshape(16, 16, 1)
    rgb = display_image(image, ["L"])
    lum = rgb.astype(int).sum(axis=2).ravel()
    assert lum[-1] > lum[len(lum) // 2] > lum[0]


def test_bad_inputs_raise():
    image, mask = _frame(32)
    with pytest.raises(ValueError, match="channel"):
        display_image(image, ["a", "b"])
    with pytest.raises(ValueError, match="match the image"):
        render_overlay(image, ["L"], mask[:10], SCHEMA)


def test_graticule_is_drawn_along_its_latitude_circles():
    from jovis.geometry import PolarGrid

    grid = PolarGrid("north", 63.5, 63.5, 3.0)
    image = np.zeros((128, 128, 1), np.float32)
    image[0, 0] = 1.0
    mask = np.zeros((128, 128), np.uint8)
    plain = render_overlay(image, ["uv"], mask, SCHEMA, min_size=512)
    gridded = render_overlay(image, ["uv"], mask, SCHEMA, min_size=512, grid=grid)
    changed = np.abs(gridded.astype(int) - plain.astype(int)).sum(axis=2) > 30
    # pixels of the 80°N circle (radius 30 px at 3 px/deg, ×4 upscaled) changed; the pole's
    # surroundings between circles did not
    t = np.linspace(0, 2 * np.pi, 50, endpoint=False)
    xs, ys = grid.pixel(np.full_like(t, 80.0), np.degrees(t))
    on_circle = changed[
        np.round((ys + 0.5) * 4 - 0.5).astype(int), np.round((xs + 0.5) * 4 - 0.5).astype(int)
    ]
    assert on_circle.mean() > 0.8
    assert not changed[4 * 63 + 20 : 4 * 63 + 30, 4 * 63 + 20 : 4 * 63 + 30].any()


def test_graticule_lines_are_traced_once_per_grid_and_drawn_the_same():
    """The traced lines are cached per grid, frame shape and scale: an equal grid reuses them
    (same pixels), a moved pole or another scale does not."""
    from jovis.geometry import PolarGrid
    from jovis.render.graticule import _graticule_lines

    image = np.zeros((96, 96, 1), np.float32)
    image[0, 0] = 1.0
    mask = np.zeros((96, 96), np.uint8)

    def drawn(grid, min_size=384):
        return render_overlay(image, ["uv"], mask, SCHEMA, min_size=min_size, grid=grid)

    first = drawn(PolarGrid("north", 47.5, 47.5, 3.0))
    hits = _graticule_lines.cache_info().hits
    again = drawn(PolarGrid("north", 47.5, 47.5, 3.0))  # equal, not the same object
    assert _graticule_lines.cache_info().hits == hits + 1
    np.testing.assert_array_equal(again, first)
    assert not np.array_equal(drawn(PolarGrid("north", 40.0, 47.5, 3.0)), first)
    assert drawn(PolarGrid("north", 47.5, 47.5, 3.0), min_size=192).shape != first.shape


@pytest.mark.parametrize("channels", [["L"], ["L", "M"], ["red", "green", "blue"]])
def test_display_image_is_the_documented_stretch_exactly(channels):
    """Each colour channel: its 0.5/99.5 percentiles (0.5/99.8 and a log stretch for one
    channel) of the valid pixels → 0/1 in float64, clipped, × 255, rounded; invalid pixels
    dark grey. Written here the plain way, so an in-place rewrite cannot move a pixel."""
    rng = np.random.default_rng(4)
    image = rng.gamma(2.0, 3.0, (40, 50, len(channels))).astype(np.float32)
    image[:5, :, -1] = np.nan
    valid = np.ones((40, 50), bool)
    valid[:, :3] = False
    ok = valid & np.isfinite(image).all(axis=2)

    def plain(plane, hi_pct):
        lo, hi = np.percentile(plane[ok].astype(np.float64), [0.5, hi_pct])
        return np.clip((np.where(ok, plane, lo) - lo) / (hi - lo), 0.0, 1.0).astype(np.float32)

    if len(channels) == 1:
        t = plain(image[:, :, 0], 99.8)
        t = np.log1p(10.0 * t) / np.log1p(10.0)
        u8 = np.round(t * 255.0).astype(np.uint8)
        want = cv2.cvtColor(cv2.applyColorMap(u8, cv2.COLORMAP_MAGMA), cv2.COLOR_BGR2RGB)
    else:
        order = [0, 1, 1] if len(channels) == 2 else [0, 1, 2]
        want = np.dstack([np.round(plain(image[:, :, i], 99.5) * 255.0).astype(np.uint8)
                          for i in order])  # fmt: skip
    want[~ok] = (45, 45, 45)
    np.testing.assert_array_equal(display_image(image, channels, valid), want)


def test_vortex_labels_of_neighbours_are_not_drawn_over_each_other(monkeypatch):
    """A lone vortex is labelled at the upper right of its ellipse; a neighbour whose label
    would land on it takes the next free spot around its own ellipse."""
    from jovis.render import overlay
    from jovis.render.graticule import overlap

    drawn: list[tuple[str, tuple[int, int]]] = []

    def record(out, text, org, color, style):
        drawn.append((text, org))

    monkeypatch.setattr(overlay, "_text", record)
    image = np.zeros((128, 128, 1), np.float32)
    mask = np.zeros((128, 128), np.uint8)

    def vortex(i, x, y):
        return {"id": i, "x": x, "y": y, "semi_major_px": 6.0, "semi_minor_px": 4.0,
                "angle_deg": 0.0, "mean_prob": 0.9}  # fmt: skip

    def labels(vortices):
        drawn.clear()
        render_overlay(image, ["L"], mask, SCHEMA, features={"vortices": vortices}, min_size=512)
        return [(t, org) for t, org in drawn if t.endswith("0.90")]

    ((_, alone),) = labels([vortex(1, 60.0, 60.0)])
    style = overlay._Style(512)
    assert alone == (round((60.5 * 4) + 18) + style.pad // 2, round(60.5 * 4 - 18))
    pair = labels([vortex(1, 60.0, 60.0), vortex(2, 62.0, 61.0)])
    assert pair[0][1] == alone and pair[1][1] != alone

    def box(text, org):
        (tw, th), base = cv2.getTextSize(text, overlay.FONT, style.font, style.text)
        return (org[0], org[1] - th, org[0] + tw, org[1] + base)

    assert not overlap(box(*pair[0]), box(*pair[1]))


def test_the_legend_lists_only_the_classes_the_detector_sees(monkeypatch):
    """A far-UV aurora detector's overlay has no vortex swatch or "vortices: 0" (it cannot see
    vortices), a JunoCam one no aurora swatch; without `seen`, every class."""
    from jovis.render import overlay

    image, mask = _frame(96)
    features = extract_features(mask, None, SCHEMA)
    drawn = []
    real = overlay.legend_rows
    monkeypatch.setattr(
        overlay, "legend_rows", lambda *a, **k: drawn.append(real(*a, **k)) or drawn[-1]
    )
    for seen in (["background", "aurora"], ["background", "vortex"], None):
        render_overlay(image, ["L"], mask, SCHEMA, features=features, seen=seen)
    texts = [[text for _, text in rows] for rows in drawn]
    assert texts[0][0] == "aurora" and not any("vortex" in t for t in texts[0])
    assert texts[1][:2] == ["vortex", "vortices: 2"] and "aurora" not in texts[1]
    assert texts[2][:3] == ["aurora", "vortex", "vortices: 2"]
    # marked pieces the floors left out are said beside the count (else a painted blob
    # without a label reads as a detection the catalogue lost)
    drawn.clear()
    features["vortices_not_kept"] = {"score": 2, "area": 1}
    render_overlay(image, ["L"], mask, SCHEMA, features=features, seen=["background", "vortex"])
    assert drawn[0][1][1] == "vortices: 2 (+3 not kept)"


def test_the_legend_says_how_much_of_the_ring_its_fit_saw():
    """A ring fitted to a short arc (a flat frame's edge pixels: 2% of the angles) reads a
    colatitude that says little; the legend gives the share with the numbers."""
    from jovis.render import overlay

    ring = {"mean_colatitude_deg": 13.5, "width_km": 757.0, "angular_coverage": 0.5944,
            "mean_radius_px": 137.1, "width_px": 11.2}  # fmt: skip
    rows = overlay.legend_rows([], {"oval": {"ring": ring}}, count_vortices=False)
    assert rows == [(None, "oval colat 13.5 deg, w 757 km, 59% of ring")]
    ring = {**ring, "mean_colatitude_deg": None, "angular_coverage": 0.0167}
    rows = overlay.legend_rows([], {"oval": {"ring": ring}}, count_vortices=False)
    assert rows == [(None, "oval r 137.1 px, w 11.2 px, 2% of ring")]


def test_the_meridian_under_the_sun_is_drawn_and_named_on_a_frame_with_a_grid():
    """Dawn and dusk at a glance: the noon meridian (the sub-solar longitude) in its own colour
    from the pole outward, and the legend says where the Sun stood; nothing without a grid."""
    from jovis.geometry import PolarGrid
    from jovis.render import overlay

    grid = PolarGrid("north", 63.5, 63.5, 3.0)
    image = np.zeros((128, 128, 1), np.float32)
    image[0, 0] = 1.0
    mask = np.zeros((128, 128), np.uint8)
    gridded = render_overlay(image, ["uv"], mask, SCHEMA, min_size=512, grid=grid)
    noon = render_overlay(image, ["uv"], mask, SCHEMA, min_size=512, grid=grid, sun_lon_west=75.0)
    yellow = (np.abs(noon.astype(int) - overlay.NOON_RGB).sum(axis=2) < 80) & (
        np.abs(noon.astype(int) - gridded.astype(int)).sum(axis=2) > 30
    )
    yellow = cv2.dilate(yellow.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0  # (1 px lines)

    def hits(lon):
        lats = np.linspace(88.0, 72.0, 20)  # along the meridian, away from the legend
        xs, ys = grid.pixel(lats, np.full_like(lats, lon))
        return yellow[np.round((ys + 0.5) * 4 - 0.5).astype(int),
                      np.round((xs + 0.5) * 4 - 0.5).astype(int)].mean()  # fmt: skip

    assert hits(75.0) > 0.6 and hits(255.0) == 0.0  # noon, not midnight
    rows = overlay.legend_rows([], None, sun_lon_west=150.94)
    assert rows == [(overlay.NOON_RGB, "noon: Sun over 150.9W")]
    bare = render_overlay(image, ["uv"], mask, SCHEMA, min_size=512, sun_lon_west=75.0)
    assert np.array_equal(bare, render_overlay(image, ["uv"], mask, SCHEMA, min_size=512))


def test_a_crowded_field_leaves_labels_out_rather_than_draw_text_over_text(monkeypatch):
    """Vortices packed closer than their labels (a global mosaic's dense catalogue): no label
    is drawn over another, and those with no free spot are counted in the legend."""
    from jovis.render import overlay
    from jovis.render.graticule import overlap

    drawn: list[tuple[str, tuple[int, int]]] = []
    monkeypatch.setattr(
        overlay, "_text", lambda out, text, org, color, style: drawn.append((text, org))
    )
    rows = []
    real = overlay.legend_rows
    monkeypatch.setattr(
        overlay, "legend_rows", lambda *a, **k: rows.append(real(*a, **k)) or rows[-1]
    )
    image = np.zeros((128, 128, 1), np.float32)
    mask = np.zeros((128, 128), np.uint8)
    vortices = [{"id": i, "x": 20.0 + 6 * (i % 15), "y": 20.0 + 6 * (i // 15),
                 "semi_major_px": 2.0, "semi_minor_px": 2.0, "angle_deg": 0.0, "mean_prob": 0.9}
                for i in range(60)]  # fmt: skip
    render_overlay(image, ["L"], mask, SCHEMA, features={"vortices": vortices}, min_size=512)
    labels = [(t, org) for t, org in drawn if t.endswith("0.90")]
    style = overlay._Style(512)

    def box(text, org):
        (tw, th), base = cv2.getTextSize(text, overlay.FONT, style.font, style.text)
        return (org[0], org[1] - th, org[0] + tw, org[1] + base)

    boxes = [box(*label) for label in labels]
    assert all(not overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    left_out = 60 - len(labels)
    assert 0 < left_out < 60
    assert f"{left_out} labels left out (crowded): see catalog.csv" in [t for _, t in rows[0]]


def test_the_legend_sits_in_the_corner_with_the_least_data():
    """A JunoCam product's disk fills its left side and the sky its right: the legend goes to
    the lower right, off the planet (it sat lower-left, over the data, whatever the frame)."""
    from jovis.render.overlay import legend_corner

    valid = np.zeros((100, 200), bool)
    valid[:, :120] = True
    assert legend_corner((100, 200), (50, 20), 4, valid) == (200 - 4 - 50, 100 - 4 - 20)
    assert legend_corner((100, 200), (50, 20), 4, None) == (4, 100 - 4 - 20)  # no mask: as before
    assert legend_corner((100, 200), (50, 20), 4, np.ones((100, 200), bool)) == (4, 76)  # a tie
    # nor over a vortex's label
    assert legend_corner((100, 200), (50, 20), 4, None, [(10, 80, 40, 90)]) == (146, 76)
    image, mask = _frame(64)
    half = np.ones(mask.shape, bool)
    half[:, 32:] = False
    out = render_overlay(image, ["L"], mask, SCHEMA, valid=half, features={"vortices": []},
                         min_size=512)  # fmt: skip
    base = _upscaled_base(image, ["L"], 8, half)
    corner = (slice(512 - 30, 512 - 8), slice(8, 60))  # the lower-left, on the data
    np.testing.assert_array_equal(out[corner], base[corner])
    assert not np.array_equal(out[512 - 30 : 512 - 8, 512 - 60 : 512 - 8],
                              base[512 - 30 : 512 - 8, 512 - 60 : 512 - 8])  # fmt: skip
