"""JunoCam products placed on the planet from their metadata (`jovis.geometry.junocam_view`)
and their vortices located in lat/lon by `infer` (`jovis.inference.outputs.locate_in_view`)."""

import json

import numpy as np
import pytest
from tests.conftest import REAL_DATA

from jovis.catalog import catalog_rows, features_to_geojson
from jovis.frame import Frame
from jovis.geometry.body import planetocentric
from jovis.geometry.junocam_view import (
    LIMB_FRACTION,
    NIGHT_SHARE_MAX,
    NORTH_ANGLE_SPREAD_DEG,
    TWILIGHT_DEG,
    VIEW_RESIDUAL_SHARE,
    frame_view,
    night_share,
    north_angle_uncertainty_km,
    position_uncertainty_km,
    product_view,
    terminator_cut,
    view_residual_km,
)
from jovis.inference.outputs import locate_in_view

META = {
    "SUB_SPACECRAFT_LATITUDE": "78.4 <deg>",
    "SUB_SPACECRAFT_LONGITUDE": "343.4 <deg>",
    "SPACECRAFT_ALTITUDE": "35216.7 <km>",
    "product_kind": "mapprojected",
}


def junocam_frame(meta, size=200, instrument="junocam"):
    image = np.zeros((size, size, 3), np.float32)
    return Frame(image, ["red", "green", "blue"], instrument, "x-mapprojected.png", dict(meta))


def nadir_km_per_px(view, size=200):
    """km over the spheroid between the image's centre and the pixel beside it: the rendered
    sphere's scale stretched onto the flatter pole (~6 % more at 78°N)."""
    from jovis.geometry.body import distance_km

    c = (size - 1) / 2
    lat, lon = view.latlon(np.array([c, c + 1.0]), np.array([c, c]), (size, size))
    return float(distance_km(lat[0], lon[0], lat[1], lon[1]))


def vortex_at(x, y, a=8.0, b=6.0):
    v = {"id": 1, "x": x, "y": y, "semi_major_px": a, "semi_minor_px": b, "angle_deg": 0.0}
    return {"vortices": [{**v, "area_px": int(np.pi * a * b)}], "oval": {}, "class_fractions": {}}


def test_the_limb_is_the_measured_circle_and_the_sub_spacecraft_point_the_centre():
    """The product renders a sphere, so its limb is the circle itself; the metadata's
    sub-spacecraft latitude is planetographic, so the centre is seen at its planetocentric
    value (jovis works in planetocentric latitudes)."""
    view = product_view(META, (200, 200))
    lat, lon = view.latlon(np.array([99.5]), np.array([99.5]), (200, 200))
    assert (lat[0], lon[0]) == pytest.approx((planetocentric(78.4), 343.4), abs=1e-6)
    assert planetocentric(78.4) == pytest.approx(76.79, abs=0.01)
    r = LIMB_FRACTION * 200
    inside, _ = view.latlon(np.array([99.5 + 0.995 * r]), np.array([99.5]), (200, 200))
    outside, _ = view.latlon(np.array([99.5 + 1.005 * r]), np.array([99.5]), (200, 200))
    assert np.isfinite(inside).all() and np.isnan(outside).all()
    # along the image's vertical too: a spheroid's limb would lie ~1 % inside it there
    top, _ = view.latlon(np.array([99.5]), np.array([99.5 - 0.995 * r]), (200, 200))
    assert np.isfinite(top).all()


def test_only_junocam_perspective_products_with_their_metadata_get_a_view():
    assert frame_view(junocam_frame(META)) is not None
    assert frame_view(junocam_frame({**META, "product_kind": "raw"})) is None  # spin frame
    assert frame_view(junocam_frame(META, instrument="uv")) is None
    no_alt = {k: v for k, v in META.items() if k != "SPACECRAFT_ALTITUDE"}
    assert frame_view(junocam_frame(no_alt)) is None
    not_square = junocam_frame(META)
    not_square.image = np.zeros((200, 150, 3), np.float32)
    assert frame_view(not_square) is None


def test_a_product_with_a_bad_view_field_keeps_its_pixel_features_and_says_why():
    features = vortex_at(100.0, 100.0)
    located, said = locate_in_view(
        junocam_frame({**META, "SPACECRAFT_ALTITUDE": "unknown"}), features
    )
    assert said["located"].startswith("not located") and "SPACECRAFT_ALTITUDE" in said["located"]
    assert located is None and "lat" not in features["vortices"][0] and "view" not in features
    with pytest.raises(ValueError, match="must be > 0 km"):
        product_view({**META, "SPACECRAFT_ALTITUDE": "-5"}, (200, 200))
    with pytest.raises(ValueError, match=r"LATITUDE = 95\.0 is outside -90\.\.90"):
        product_view({**META, "SUB_SPACECRAFT_LATITUDE": "95"}, (200, 200))
    said = locate_in_view(junocam_frame({**META, "SUB_SPACECRAFT_LATITUDE": "-91.5"}), features)[1]
    assert said["located"].startswith("not located") and "outside -90..90" in said["located"]
    assert product_view({**META, "SUB_SPACECRAFT_LATITUDE": "90"}, (200, 200)).sub_lat == 90.0
    assert locate_in_view(junocam_frame(META, instrument="uv"), vortex_at(1.0, 1.0)) == (None, {})


def test_located_vortices_carry_lat_lon_and_km_into_the_geojson_and_the_catalogue():
    features = vortex_at(99.5, 99.5)
    located, said = locate_in_view(junocam_frame(META), features)
    assert located is not None and said["located"].startswith("JunoCam view model")
    v = features["vortices"][0]
    assert (v["lat"], v["lon"]) == pytest.approx((planetocentric(78.4), 343.4), abs=1e-3)
    view = product_view(META, (200, 200))
    km_per_px = nadir_km_per_px(view)
    assert km_per_px == pytest.approx(35216.7 * view.rad_per_px * 1.066, rel=0.01)
    assert v["semi_major_km"] == pytest.approx(8 * km_per_px, rel=0.05)
    assert v["radius_km"] == pytest.approx(np.sqrt(v["area_px"] / np.pi) * km_per_px, rel=0.05)
    collection = features_to_geojson(features, "x")
    assert collection["properties"]["coordinate_system"].startswith("pixel")  # outlines in px
    assert collection["properties"]["view"]["kind"] == "perspective"
    from jovis.geometry.reproject import PerspectiveView

    assert PerspectiveView.from_dict(collection["properties"]["view"]) == view  # reusable
    assert "planetocentric" in collection["properties"]["latlon_convention"]
    json.dumps(collection)
    row = catalog_rows("x", features)[0]
    assert row["lat"] == v["lat"] and row["radius_km"] == v["radius_km"]
    # the metadata's latitude is planetographic: the catalogue gives it back at nadir
    assert row["lat_planetographic"] == pytest.approx(78.4, abs=1e-3)
    # at nadir the north angle moves nothing: what is left is the view model's residual
    residual_km = VIEW_RESIDUAL_SHARE * 200 * km_per_px
    assert row["position_uncertainty_km"] == v["position_uncertainty_km"]
    assert v["position_uncertainty_km"] == pytest.approx(residual_km, rel=0.05)


def test_a_vortex_whose_turned_view_leaves_the_disk_gets_no_uncertainty(monkeypatch):
    import jovis.inference.outputs as outputs

    def off_the_disk(view, x, y, shape):
        return np.full(np.shape(x), np.nan)

    monkeypatch.setattr(outputs, "position_uncertainty_km", off_the_disk)
    features = vortex_at(99.5, 99.5)
    locate_in_view(junocam_frame(META), features)
    assert features["vortices"][0]["lat"] is not None
    assert features["vortices"][0]["position_uncertainty_km"] is None  # not NaN in the JSON
    json.dumps(features_to_geojson(features, "x"), allow_nan=False)


def test_the_north_angle_uncertainty_is_the_move_of_a_point_turned_about_the_centre():
    view = product_view(META, (200, 200))
    r = LIMB_FRACTION * 200
    xs = 99.5 + np.array([0.0, 0.3, 0.6, 0.9]) * r
    km = north_angle_uncertainty_km(view, xs, np.full(4, 99.5), (200, 200))
    assert km[0] < 5 and np.all(np.diff(km) > 0)  # 0 at nadir, growing towards the limb
    # near nadir the turn moves a point by its distance from nadir times the angle
    lat, lon = view.latlon(xs[1:2], np.array([99.5]), (200, 200))
    from jovis.geometry.body import surface_point

    nadir = surface_point(planetocentric(78.4), 343.4)
    dist = np.linalg.norm(surface_point(lat, lon) - nadir, axis=-1)
    assert km[1] == pytest.approx(dist[0] * np.radians(NORTH_ANGLE_SPREAD_DEG), rel=0.05)
    assert np.isnan(north_angle_uncertainty_km(view, 99.5 + 1.03 * r, 99.5, (200, 200)))


def test_the_position_uncertainty_adds_the_view_models_residual_to_the_north_angle():
    """The residual term is the move of a point seen `VIEW_RESIDUAL_SHARE` of the side away
    (about that many px times the km per px at nadir, more towards the limb); the position
    uncertainty is both terms in quadrature, so never under either; NaN off the disk."""
    view = product_view(META, (200, 200))
    r = LIMB_FRACTION * 200
    xs, ys = 99.5 + np.array([0.0, 0.3, 0.6, 0.9]) * r, np.full(4, 99.5)
    residual = view_residual_km(view, xs, ys, (200, 200))
    km_per_px = nadir_km_per_px(view)
    assert residual[0] == pytest.approx(VIEW_RESIDUAL_SHARE * 200 * km_per_px, rel=0.05)
    assert np.all(np.diff(residual) > 0)  # foreshortened towards the limb
    north = north_angle_uncertainty_km(view, xs, ys, (200, 200))
    both = position_uncertainty_km(view, xs, ys, (200, 200))
    assert both == pytest.approx(np.hypot(north, residual))
    assert np.all(both >= north) and np.all(both >= residual)
    off = 99.5 + 1.03 * r
    assert np.isnan(view_residual_km(view, off, 99.5, (200, 200)))
    assert np.isnan(position_uncertainty_km(view, off, 99.5, (200, 200)))
    # a point so near the limb that a shift outwards leaves the disk keeps the inward moves
    edge = view_residual_km(view, 99.5 + 0.94 * r, 99.5, (200, 200))  # the limb: 0.94-0.95 r
    assert np.isfinite(edge) and edge > residual[-1]


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"{REAL_DATA} not found: needs shared data")
def test_the_tracked_white_oval_of_pj44_is_located_where_it_was_measured():
    """The white oval tracked through 44C00034-37 lies at 59.6°N 353.8°W (its four per-frame
    ellipses located with north angle 0; references README); its ellipse in 44C00037 lands
    within 0.3° of latitude and 1° of longitude of it, with an uncertainty that covers the
    167 km its four positions spread."""
    from jovis.io.reader import read_frame

    path = REAL_DATA / "pj44_north_junocam" / "JNCE_2022229_44C00037_V01-mapprojected.png"
    frame = read_frame(path)
    features = vortex_at(659.0, 1234.0, 41.0, 28.0)
    assert locate_in_view(frame, features)[1]["located"].startswith("JunoCam view model")
    v = features["vortices"][0]
    assert v["lat"] == pytest.approx(59.6, abs=0.3) and v["lon"] == pytest.approx(353.8, abs=1.0)
    assert 1000 < v["radius_km"] < 3000  # a large white oval: ~2000 km
    assert 167 < v["position_uncertainty_km"] < 500


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"{REAL_DATA} not found: needs shared data")
def test_the_white_oval_stays_in_one_place_through_the_pj44_approach():
    """Its ellipse, fitted on each of the four products (taken from 62.6°N to 78.4°N, 16
    minutes), located by each product's own view: within 300 km of one place (the model the
    products were first read with, planetocentric and on the spheroid: 1377 km, drifting 1.5° of
    latitude with the viewpoint)."""
    from jovis.geometry.body import distance_km
    from jovis.references.junocam_geometry import reference_products

    lats, lons = [], []
    for pid, prod, meta in reference_products(REAL_DATA):
        if "_44C000" not in pid:
            continue
        view = product_view(json.loads(meta.read_text()), (1600, 1600))
        oval = [v for v in prod["vortices"] if v["note"].startswith("large white oval")]
        lat, lon = view.latlon(np.array([oval[0]["x"]], float), np.array([oval[0]["y"]], float),
                               (1600, 1600))  # fmt: skip
        lats.append(lat[0])
        lons.append(lon[0])
    assert len(lats) == 4
    spread = distance_km(np.array(lats), np.array(lons), np.median(lats), np.median(lons))
    assert spread.max() < 300, spread


def test_the_graticule_of_a_located_product_runs_on_the_disk_with_the_pole_where_it_is_seen():
    from jovis.geometry.locate import ViewLocator

    view = product_view(META, (200, 200))
    lines = ViewLocator(view, (200, 200)).graticule(200, 200)
    kinds = {(g["kind"], g["value"]) for g in lines}
    assert ("lat", 80.0) in kinds and ("lon", 0.0) in kinds and ("lat", -80.0) not in kinds
    pts = np.concatenate([np.asarray(g["points"]) for g in lines])
    lat, _ = view.latlon(pts[:, 0], pts[:, 1], (200, 200))
    assert np.isfinite(lat).mean() > 0.95  # drawn on the planet, not the sky
    lon_line = next(np.asarray(g["points"]) for g in lines if g["kind"] == "lon")
    start, _ = view.latlon(*lon_line[0], (200, 200))
    end, _ = view.latlon(*lon_line[-5], (200, 200))  # the very end grazes the limb
    assert start > end  # a meridian runs from the pole in view outward (its label at the end)


def test_a_product_without_its_metadata_says_so_and_what_to_fetch():
    """PJ45's composite as the shared folder holds it (no -metadata.json): pixel features, and
    the GeoJSON and the manifest row say why there is no lat/lon."""
    bare = {"product_id": "JNCE_2022272_45C00088_V01", "product_kind": "mapprojected"}
    features = vortex_at(100.0, 100.0)
    located, said = locate_in_view(junocam_frame(bare), features)
    assert located is None and "lat" not in features["vortices"][0]
    assert said["located"] == (
        "not located: no JNCE_2022272_45C00088_V01-metadata.json beside it (the JunoCam website "
        "serves it with the images; it gives the view and the time)"
    )
    no_alt = {k: v for k, v in META.items() if k != "SPACECRAFT_ALTITUDE"}
    no_alt["metadata_file"] = "x-metadata.json"
    said = locate_in_view(junocam_frame(no_alt), features)[1]
    assert said["located"] == "not located: x-metadata.json lacks SPACECRAFT_ALTITUDE"
    # raw framelets laid out in the spin frame: no view to miss, and no lat/lon either, which the
    # GeoJSON said nothing about (its geometry needs SPICE)
    raw = {**bare, "product_kind": "raw", "raw_layout": "spin"}
    located, said = locate_in_view(junocam_frame(raw), features)
    assert located is None and "lat" not in features["vortices"][0]
    assert said["located"].startswith("not located: raw framelets in the camera's spin frame")
    assert "SPICE" in said["located"]


def lit_side(meta, size=200, past_terminator_deg=0.0):
    """The disk pixels of a product of `meta` that the Sun lights at its START_TIME (and as
    far as `past_terminator_deg` beyond the terminator)."""
    from jovis.geometry.body import surface_normal, surface_point
    from jovis.geometry.sun import subsolar_point
    from jovis.times import parse_time

    sun = surface_point(*subsolar_point(parse_time(meta["START_TIME"])))
    ys, xs = np.mgrid[0:size, 0:size].astype(float)
    view = product_view(meta, (size, size))
    cos_i = surface_normal(view.surface(xs, ys, (size, size))) @ (sun / np.linalg.norm(sun))
    return np.isfinite(cos_i) & (cos_i > -np.sin(np.radians(past_terminator_deg)))


def test_a_product_lit_where_its_view_has_night_is_not_located():
    """JunoCam sees nothing of the night side, so a product's data lie on the lit side of the
    view its metadata give; one whose image is turned or mirrored against it (or of another
    pointing, as the shared 43C00079) would get every position wrong, and is not located."""
    meta = {**META, "START_TIME": "2022-08-17T14:15:43.029"}  # 44C00037's view and time
    lit = lit_side(meta)
    assert 0.2 < lit.sum() / lit_side(meta, past_terminator_deg=90).sum() < 0.8  # a terminator
    right = junocam_frame(meta)
    right.valid = lit.copy()
    assert night_share(right, frame_view(right)) == 0.0
    features = vortex_at(99.5, 99.5)
    located, said = locate_in_view(right, features)
    assert located is not None and "0.0% of its data past twilight" in said["located"]
    # haze seen a few degrees past the terminator is no reason to doubt the view
    right.valid = lit_side(meta, past_terminator_deg=0.8 * TWILIGHT_DEG)
    assert night_share(right, frame_view(right)) == 0.0
    # the same image mirrored left to right: its data lie on the night side
    turned = junocam_frame(meta)
    turned.valid = lit[:, ::-1].copy()
    share = night_share(turned, frame_view(turned))
    assert share > NIGHT_SHARE_MAX
    features = vortex_at(99.5, 99.5)
    located, said = locate_in_view(turned, features)
    assert located is None and "lat" not in features["vortices"][0]
    assert said["located"].startswith(f"not located: {share:.0%} of its data lie more than")
    # without a time there is nothing to check against: located as before
    untimed = junocam_frame(META)
    untimed.valid = lit[:, ::-1].copy()
    assert night_share(untimed, frame_view(untimed)) is None
    assert locate_in_view(untimed, vortex_at(99.5, 99.5))[0] is not None


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"{REAL_DATA} not found: needs shared data")
def test_the_shared_products_lie_on_their_lit_side_but_43c00079():
    """Each shared product with its metadata has its data on the lit side of its view (the
    per-filter sets too), except 43C00079 ("Radiation trend monitoring"): its lit half-disk is
    not what its metadata's view from 83°S shows minutes after 43C00078 (a crescent)."""
    from jovis.io.reader import read_frame

    shares = {}
    for path in sorted(REAL_DATA.glob("*junocam*/JNCE_*-mapprojected.png")) + sorted(
        REAL_DATA.glob("*junocam*/JNCE_*-red.png")
    ):
        frame = read_frame(path)
        view = frame_view(frame)
        if view is not None:
            shares[path.name] = night_share(frame, view)
    assert len(shares) >= 12
    bad = {name for name, share in shares.items() if share > NIGHT_SHARE_MAX}
    assert bad == {f"JNCE_2022186_43C00079_V01-{kind}.png" for kind in ("mapprojected", "red")}
    assert max(share for name, share in shares.items() if name not in bad) < 0.02


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason=f"{REAL_DATA} not found: needs shared data")
def test_every_composite_is_cut_at_one_incidence_along_its_terminator():
    """The composites of two perijoves (PJ44 from 62-78°N, PJ43 from 83°S) are cut at their
    terminator where the Sun stands 0.43° above the horizon: through their views the edge
    pixels there read cos i 0.0073-0.0080 in every product, each within a spread of 0.003
    (read as planetocentric on the spheroid: medians from -0.0013 to 0.0134)."""
    from jovis.io.reader import read_frame

    medians = {}
    for product in ("44C00034", "44C00035", "44C00036", "44C00037", "43C00078", "43C00080"):
        (path,) = REAL_DATA.glob(f"*junocam*/JNCE_*_{product}_V01-mapprojected.png")
        frame = read_frame(path)
        cut = terminator_cut(frame, frame_view(frame))
        assert cut["pixels"] > 1000, product
        assert cut["spread"] < 0.003, (product, cut)
        medians[product] = cut["cos_i"]
    assert max(medians.values()) - min(medians.values()) < 0.0015, medians


def test_the_terminator_cut_says_how_well_the_view_fits_and_is_reported():
    """A product whose data end where cos i = 0.0075, read through its own view: one incidence
    (spread under 0.003); through a view turned by 2°, a spread five times that; no time or no
    terminator in the frame: None. `infer` reports it with the located product."""
    from dataclasses import replace

    meta = {**META, "START_TIME": "2022-08-17T14:15:43.029"}  # 44C00037's view and time
    frame = junocam_frame(meta, size=400)
    frame.valid = lit_side(meta, size=400, past_terminator_deg=-np.degrees(np.arcsin(0.0075)))
    view = frame_view(frame)
    cut = terminator_cut(frame, view)
    assert cut["cos_i"] == pytest.approx(0.0075, abs=0.002) and cut["spread"] < 0.003
    assert cut["pixels"] > 300
    turned = terminator_cut(frame, replace(view, north_angle_deg=2.0))
    assert turned["spread"] > 5 * cut["spread"]
    features = vortex_at(199.5, 199.5)
    said = locate_in_view(frame, features)[1]
    assert said["terminator_cut"] == cut
    assert f"at cos i {cut['cos_i']:.4f}" in said["located"]
    untimed = junocam_frame(META, size=400)
    untimed.valid = frame.valid
    assert terminator_cut(untimed, frame_view(untimed)) is None
    assert "terminator_cut" not in locate_in_view(untimed, vortex_at(199.5, 199.5))[1]
    whole = junocam_frame(meta, size=400)
    whole.valid = lit_side(meta, size=400, past_terminator_deg=90)  # the disk, no terminator
    assert terminator_cut(whole, frame_view(whole)) is None
    short = junocam_frame(meta, size=400)  # data that stop 4° before it (a swath's edge)
    short.valid = lit_side(meta, size=400, past_terminator_deg=-4.0)
    assert terminator_cut(short, frame_view(short)) is None
    tips = junocam_frame(meta, size=400)  # meeting it over a short stretch only (141 px)
    tips.valid = frame.valid.copy()
    tips.valid[90:] = False
    assert terminator_cut(tips, frame_view(tips)) is None
