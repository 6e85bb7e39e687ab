import numpy as np
import pytest

from jovis.frame import Frame
from jovis.geometry import EQUATORIAL_RADIUS_KM, POLAR_RADIUS_KM, PolarGrid
from jovis.geometry.reproject import PerspectiveView, reproject_to_polar

FAR = 1.0e9  # km: an orthographic view


def ortho(rad_px: float, sub_lat: float) -> PerspectiveView:
    return PerspectiveView(
        sub_lat=sub_lat,
        sub_lon=180.0,
        distance_km=FAR,
        north_angle_deg=0.0,
        rad_per_px=EQUATORIAL_RADIUS_KM / FAR / rad_px,
    )


def test_projection_of_known_points():
    view = ortho(200.0, 0.0)
    shape = (501, 501)
    x, y, vis = view.project(np.array([0.0, 90.0, 0.0]), np.array([180.0, 0.0, 90.0]), shape)
    assert vis[0]  # the other two lie exactly on the limb
    assert (x[0], y[0]) == pytest.approx((250, 250), abs=1e-6)  # sub-spacecraft point: centre
    assert (x[1], y[1]) == pytest.approx(
        (250, 250 - 200 * POLAR_RADIUS_KM / EQUATORIAL_RADIUS_KM), abs=1e-3
    )  # north pole straight up
    # SIII is a west longitude: 90°W is 90° east of the 180°W sub-point, on the right (east) limb
    assert (x[2], y[2]) == pytest.approx((450, 250), abs=1e-3)
    tilted = PerspectiveView(0, 180, FAR, 90.0, view.rad_per_px)
    x, y, _ = tilted.project(np.array([90.0]), np.array([0.0]), shape)
    assert (x[0], y[0]) == pytest.approx(
        (250 + 200 * POLAR_RADIUS_KM / EQUATORIAL_RADIUS_KM, 250), abs=1e-3
    )  # north now points right


def test_known_spot_lands_at_its_latitude_and_longitude():
    view = ortho(220.0, 55.0)
    shape = (480, 480)
    spot_lat, spot_lon = 75.0, 210.0
    sx, sy, vis = view.project(np.array(spot_lat), np.array(spot_lon), shape)
    assert vis
    yy, xx = np.mgrid[0:480, 0:480]
    disk = np.exp(-((xx - sx) ** 2 + (yy - sy) ** 2) / (2 * 3.0**2)).astype(np.float32)
    frame = Frame(disk, ["uv"], "uv")
    grid = PolarGrid("north", 200, 200, 4.0, lon_at_x=0.0)  # corners reach 20°N: partly hidden
    polar, _ = reproject_to_polar(frame, view, grid, (400, 400))
    img = np.where(polar.valid, polar.image[:, :, 0], 0)
    py, px = np.unravel_index(np.argmax(img), img.shape)
    ex, ey = grid.pixel(spot_lat, spot_lon)
    assert np.hypot(px - ex, py - ey) <= 1.0
    # the far side of the planet is not valid: the south-facing limb cuts the grid
    assert not polar.valid.all() and polar.valid[200, 200]


def test_mask_is_nearest_and_ignore_beyond_limb():
    view = ortho(100.0, 20.0)
    frame = Frame(np.ones((240, 240), np.float32), ["uv"])
    mask = np.zeros((240, 240), np.uint8)
    mask[:, 120:] = 2
    grid = PolarGrid("north", 150, 150, 2.0)
    polar, out = reproject_to_polar(frame, view, grid, (300, 300), mask=mask)
    assert set(np.unique(out)) <= {0, 2, 255}
    assert np.array_equal(out == 255, ~polar.valid)


def test_infer_reprojects_disk_frames_from_a_view_sidecar(tiny_run, tmp_path):
    import json

    import cv2

    from jovis.inference import run_inference

    view = ortho(60.0, 70.0)
    disk = np.zeros((128, 128, 2), np.float32)
    cv2.circle(disk, (64, 64), 60, (1.0, 0.5), -1)
    np.save(tmp_path / "disk.npy", disk)
    sidecar = {
        "view": view.__dict__,
        "grid": {"hemisphere": "north", "pole_x": 47.5, "pole_y": 47.5, "px_per_deg": 2.0},
        "size": [96, 96],
    }
    (tmp_path / "disk.npy.view.json").write_text(json.dumps(sidecar))
    out = tmp_path / "out"
    result = run_inference(
        tiny_run["checkpoint"], tmp_path / "disk.npy", out, device="cpu", progress=False
    )
    assert result["ok"] == 1
    from jovis.io.masks import read_mask_png

    mask = read_mask_png(out / "masks" / "disk.png")
    assert mask.shape == (96, 96)  # predicted on the polar grid, not the disk
    gj = json.loads((out / "features" / "disk.geojson").read_text())
    assert gj["properties"]["grid"]["px_per_deg"] == 2.0


def test_latlon_inverts_project_with_an_off_centre_planet_and_is_nan_on_the_sky():
    view = PerspectiveView(
        70.0, 30.0, 71492.0 + 50000.0, 7.0, 0.0011, centre_x=410.0, centre_y=380.0
    )
    lat, lon = np.array([75.0, 62.0, 85.0]), np.array([40.0, 10.0, 300.0])
    x, y, vis = view.project(lat, lon, (800, 800))
    assert vis.all()
    la, lo = view.latlon(x, y, (800, 800))
    np.testing.assert_allclose(la, lat, atol=1e-6)
    np.testing.assert_allclose(lo, lon, atol=1e-6)
    assert np.isnan(view.latlon(np.array([-900.0]), np.array([-900.0]), (800, 800))[0]).all()


def test_pixel_area_is_the_footprint_of_the_ifov_and_grows_toward_the_limb():
    altitude, ifov = 30000.0, 0.001
    view = PerspectiveView(0.0, 180.0, EQUATORIAL_RADIUS_KM + altitude, 0.0, ifov)
    shape = (501, 501)
    centre = float(view.pixel_area_km2(250.0, 250.0, shape))
    assert centre == pytest.approx((altitude * ifov) ** 2, rel=0.01)  # nadir: (h·IFOV)²
    edge_x = 250 + 0.9 * np.tan(np.arcsin(EQUATORIAL_RADIUS_KM / view.distance_km)) / ifov
    assert float(view.pixel_area_km2(edge_x, 250.0, shape)) > 2 * centre  # oblique near the limb
    assert np.isnan(view.pixel_area_km2(-2000.0, 250.0, shape))  # the sky
    assert view.to_dict()["kind"] == "perspective"


def test_a_recorded_view_reads_back_and_another_kind_is_refused():
    view = ortho(60.0, 70.0)
    assert PerspectiveView.from_dict(view.to_dict()) == view
    assert PerspectiveView.from_dict(dict(view.__dict__)) == view  # bare fields, as before
    with pytest.raises(TypeError, match="not a perspective view"):
        PerspectiveView.from_dict({**view.to_dict(), "kind": "polar"})


def test_a_rendered_sphere_view_has_a_round_limb_and_planetographic_latitudes():
    """globe="sphere" (the JunoCam website's products): the image is a sphere of the equatorial
    radius whose latitudes are planetographic, so its limb is round (the spheroid's is flattened
    along the projected axis), the centre sees the planetographic `sub_lat`, and positions come
    out planetocentric; project and latlon invert each other."""
    from jovis.geometry.body import planetocentric, planetographic

    altitude = 40000.0
    distance = EQUATORIAL_RADIUS_KM + altitude
    limb_px = 300.0
    scale = np.tan(np.arcsin(EQUATORIAL_RADIUS_KM / distance)) / limb_px
    sphere = PerspectiveView(30.0, 200.0, distance, 2.0, scale, globe="sphere")
    spheroid = PerspectiveView(30.0, 200.0, distance, 0.0, scale)
    shape = (801, 801)
    lat, lon = sphere.latlon(np.array([400.0]), np.array([400.0]), shape)
    assert (lat[0], lon[0]) == pytest.approx((planetocentric(30.0), 200.0), abs=1e-6)
    for view, up_is_round in ((sphere, True), (spheroid, False)):
        near_top, _ = view.latlon(np.array([400.0]), np.array([400.0 - 0.995 * limb_px]), shape)
        assert np.isfinite(near_top[0]) == up_is_round
    beyond, _ = sphere.latlon(np.array([400.0 + 1.005 * limb_px]), np.array([400.0]), shape)
    assert np.isnan(beyond).all()
    lats, lons = np.array([20.0, 45.0, 60.0]), np.array([190.0, 230.0, 170.0])
    x, y, visible = sphere.project(lats, lons, shape)
    assert visible.all()
    back_lat, back_lon = sphere.latlon(x, y, shape)
    np.testing.assert_allclose(back_lat, lats, atol=1e-6)
    np.testing.assert_allclose(back_lon, lons, atol=1e-6)
    # a point's place on the sphere is its planetographic latitude: the one the sphere shows
    # straight below the camera is planetocentric(sub_lat) on the spheroid
    assert planetographic(back_lat[1]) > back_lat[1]
    assert sphere.altitude_km == pytest.approx(altitude)
    assert spheroid.altitude_km > altitude  # its surface at 30° lies inside the sphere
    assert PerspectiveView.from_dict(sphere.to_dict()) == sphere
    with pytest.raises(ValueError, match="globe='ellipsoid'"):
        PerspectiveView(30.0, 200.0, distance, 0.0, scale, globe="ellipsoid")


def test_a_bad_view_in_a_sidecar_names_the_file_and_the_field(tmp_path):
    """A `.view.json` with an unknown globe or a distance of 0: the error names the frame and
    the value (as for an unknown field), so a batch records it and carries on."""
    import json

    from jovis.geometry.reproject import polar_from_settings

    frame = Frame(np.zeros((32, 32, 1), np.float32), ["uv"], source=str(tmp_path / "f.fits"))
    grid = {"hemisphere": "north", "pole_x": 15.5, "pole_y": 15.5, "px_per_deg": 1.0}
    for bad, said in (({"globe": "ellipsoid"}, "globe='ellipsoid'"),
                      ({"distance_km": 0.0}, "distance_km > 0"),
                      ({"tilt": 3.0}, "tilt")):  # fmt: skip
        view = {**ortho(10.0, 70.0).to_dict(), **bad}
        (tmp_path / "f.fits.view.json").write_text(
            json.dumps({"view": view, "grid": grid, "size": [16, 16]})
        )
        with pytest.raises(ValueError, match=r"bad reproject\.view") as err:
            polar_from_settings(frame, None)
        assert "f.fits" in str(err.value) and said in str(err.value)
