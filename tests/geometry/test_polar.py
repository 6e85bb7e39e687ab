import numpy as np
import pytest

from jovis.geometry import PolarGrid, distance_km
from jovis.geometry.polar import PROJECTIONS


@pytest.mark.parametrize("projection", PROJECTIONS)
@pytest.mark.parametrize("hemisphere", ["north", "south"])
@pytest.mark.parametrize("sense", ["clockwise", "counterclockwise"])
def test_pixel_latlon_pixel_round_trip(projection, hemisphere, sense):
    grid = PolarGrid(
        hemisphere, 250.3, 170.8, 9.7, lon_at_x=123.0, lon_sense=sense, projection=projection
    )
    rng = np.random.default_rng(0)
    x, y = rng.uniform(0, 500, 5000), rng.uniform(0, 340, 5000)
    lat, lon = grid.latlon(x, y)
    ok = np.isfinite(lat)  # orthographic: beyond the limb has no latitude
    assert ok.mean() > 0.5
    x2, y2 = grid.pixel(lat[ok], lon[ok])
    assert np.max(np.hypot(x2 - x[ok], y2 - y[ok])) < 0.01
    assert np.all((lat[ok] >= 0) if hemisphere == "north" else (lat[ok] <= 0))


@pytest.mark.parametrize("projection", PROJECTIONS)
def test_no_latitude_past_the_opposite_pole(projection):
    """At 0.5 px per degree a 400 px frame reaches past 180° of colatitude: those pixels are off
    the planet (NaN), not latitudes beyond ±90° (an oval ring fitted to a straight run of
    pixels has its circle there, and its mean colatitude came out negative)."""
    grid = PolarGrid("north", 0.0, 0.0, 0.5, projection=projection)
    lat, _ = grid.latlon(np.array([10.0, 60.0, 300.0]), np.array([0.0, 0.0, 0.0]))
    assert np.all(np.abs(lat[np.isfinite(lat)]) <= 90.0)
    if projection == "equidistant":  # colatitudes 20°, 120°, 600°
        np.testing.assert_allclose(lat[:2], [70.0, -30.0])
        assert np.isnan(lat[2])


def test_hst_v03_fit_orientation_matches_physics():
    # PHYSICS.md §5: λ = 90° points to +c, 180° to −r, 270° to −c, 0° to +r (λ0 = 94°)
    grid = PolarGrid("north", 240, 486, 17.6, lon_at_x=94.0, lon_sense="counterclockwise")
    for (dx, dy), lon in [((1, 0), 94), ((0, -1), 184), ((-1, 0), 274), ((0, 1), 4)]:
        lat, got = grid.latlon(240 + 100 * dx, 486 + 100 * dy)
        assert got == pytest.approx(lon)
        assert lat == pytest.approx(90 - 100 / 17.6)


def test_scale_areas_and_distances_are_jovian():
    grid = PolarGrid("north", 240, 486, 17.6)
    area = grid.pixel_area_km2(500, 500)
    # 1/17.6° of colatitude near the pole is ~66 km (PHYSICS.md §5)
    assert np.sqrt(area[486, 240]) == pytest.approx(66, rel=0.05)
    ys, xs = np.array([486, 0, 499, 10]), np.array([240, 0, 499, 300])  # the map at points
    np.testing.assert_array_equal(grid.pixel_area_at(xs, ys), area[ys, xs])
    assert float(grid.pixel_area_at(240, 486)) == area[486, 240]
    # 1° of planetocentric latitude at the pole spans b·π/180 (the synthetic frames use this too)
    assert distance_km(89.0, 0.0, 90.0, 0.0) == pytest.approx(1166.8, rel=0.005)
    assert distance_km(70.0, 10.0, 70.0, 10.0) == 0


def test_graticule_lines_lie_on_their_latitude_and_longitude():
    grid = PolarGrid("south", 100, 100, 5.0, lon_at_x=10, lon_sense="counterclockwise")
    lines = grid.graticule(200, 200)
    kinds = {line["kind"] for line in lines}
    assert kinds == {"lat", "lon"}
    for line in lines:
        pts = np.array(line["points"])
        lat, lon = grid.latlon(pts[:, 0], pts[:, 1])
        if line["kind"] == "lat":
            np.testing.assert_allclose(lat, line["value"], atol=0.05)
        else:
            assert np.all(np.abs((lon[lat > -89] - line["value"] + 180) % 360 - 180) < 0.5)
        assert (pts >= -0.5).all() and (pts <= 199.5).all()


def test_graticule_lines_are_the_maximal_runs_of_points_inside_the_frame():
    """A circle crossing the frame's edges is cut into its runs inside (written here the plain
    way: one point at a time), none shorter than 2 points."""
    grid = PolarGrid("north", 10.0, 150.0, 5.0)  # the pole near the left edge
    xs, ys = grid.pixel(np.full(721, 70.0), np.linspace(0.0, 360.0, 721))
    inside = (xs >= -0.5) & (ys >= -0.5) & (xs <= 119.5) & (ys <= 199.5)
    runs, run = [], []
    for x, y, ok in zip(xs, ys, inside, strict=True):
        if ok:
            run.append([round(float(x), 2), round(float(y), 2)])
        else:
            runs, run = runs + [run] * (len(run) >= 2), []
    runs += [run] * (len(run) >= 2)
    lines = [g for g in grid.graticule(200, 120) if g["kind"] == "lat" and g["value"] == 70.0]
    assert len(runs) >= 2 and [g["points"] for g in lines] == runs


def test_plain_data_round_trip_and_validation():
    grid = PolarGrid("north", 1, 2, 3.0, approximate=True, source="fit")
    assert PolarGrid.from_dict(grid.to_dict()) == grid
    with pytest.raises(ValueError, match="valid choices: equidistant"):
        PolarGrid("north", 0, 0, 1.0, projection="mercator")
    with pytest.raises(ValueError, match="unknown PolarGrid keys"):
        PolarGrid.from_dict({**grid.to_dict(), "scale": 2})


@pytest.mark.parametrize("projection", PROJECTIONS)
def test_latitude_range_of_a_frame_from_a_few_pixels_equals_the_whole_frames(projection):
    """The graticule's latitude range (from a few pixels a row) is exactly that of every pixel
    centre: poles inside, outside and on pixel edges, limbs crossing the frame."""
    from jovis.geometry.polar import _lat_range

    rng = np.random.default_rng(7)
    for i in range(40):
        h, w = (int(v) for v in rng.integers(1, 120, 2))
        px, py = rng.uniform(-80, 200, 2)
        if i % 3 == 0:
            px, py = np.round([px, py]) + 0.5 * (i % 2)
        grid = PolarGrid(hemisphere=("north", "south")[i % 2], pole_x=px, pole_y=py,
                         px_per_deg=rng.uniform(0.3, 4), projection=projection)  # fmt: skip
        lat = grid.latlon(*np.mgrid[0:h, 0:w][::-1])[0]
        finite = lat[np.isfinite(lat)]
        whole = (finite.min(), finite.max()) if finite.size else (0.0, 0.0)
        assert _lat_range(grid, h, w) == whole, (h, w, px, py, grid.px_per_deg)


def test_the_oblate_orthographic_map_is_the_spheroid_seen_from_above_its_pole():
    """Each point's distance from the pole on the map is its distance from the spin axis on the
    1-bar spheroid (`surface_point`), at the map's km per pixel; the sphere's orthographic grid
    of the same equatorial radius misplaces 80° by the reduced latitude's 0.6°."""
    import math

    from jovis.geometry.body import EQUATORIAL_RADIUS_KM, POLAR_RADIUS_KM, surface_point

    km_per_px = 15.0
    for hemisphere, sign in (("north", 1.0), ("south", -1.0)):
        grid = PolarGrid(hemisphere, 1800, 1800, POLAR_RADIUS_KM * math.pi / 180 / km_per_px,
                         lon_at_x=270.0, projection="oblate_orthographic")  # fmt: skip
        lat = sign * np.array([89.9, 84.0, 80.0, 70.0, 45.0, 10.0])
        lon = np.array([0.0, 45.0, 90.0, 180.0, 270.0, 300.0])
        x, y = grid.pixel(lat, lon)
        axis_km = np.hypot(*surface_point(lat, lon)[:, :2].T)
        np.testing.assert_allclose(np.hypot(x - 1800, y - 1800) * km_per_px, axis_km, rtol=1e-9)
        assert grid.limb_radius_px == pytest.approx(EQUATORIAL_RADIUS_KM / km_per_px)
    sphere = PolarGrid("north", 1800, 1800, EQUATORIAL_RADIUS_KM * math.pi / 180 / km_per_px,
                       projection="orthographic")  # fmt: skip
    oblate = PolarGrid("north", 1800, 1800, POLAR_RADIUS_KM * math.pi / 180 / km_per_px,
                       projection="oblate_orthographic")  # fmt: skip
    x, y = oblate.pixel(80.0, 0.0)
    assert sphere.latlon(x, y)[0] - 80.0 == pytest.approx(0.637, abs=0.005)
    assert np.isnan(oblate.latlon(1800 + oblate.limb_radius_px + 1, 1800)[0])


def test_the_oblate_stereographic_map_is_conformal_and_true_to_scale_at_the_pole():
    """A pixel's step in x and in y covers the same distance on the 1-bar spheroid anywhere
    (the projection is conformal: to 1e-6), and that distance is the km per px at the pole,
    growing away from it as the ellipsoid's polar stereographic scale factor does (to 1e-6);
    the sphere's stereographic of the polar radius is not conformal on the spheroid."""
    import math

    from jovis.geometry.body import (
        EQUATORIAL_RADIUS_KM,
        POLAR_RADIUS_KM,
        planetographic,
        surface_point,
    )

    def steps(grid, lat):
        x, y = grid.pixel(lat, 30.0)
        here = surface_point(*grid.latlon(x, y))
        return [float(np.linalg.norm(surface_point(*grid.latlon(x + dx, y + dy)) - here))
                for dx, dy in ((1e-3, 0.0), (0.0, 1e-3))]  # fmt: skip

    e = math.sqrt(1 - (POLAR_RADIUS_KM / EQUATORIAL_RADIUS_KM) ** 2)
    big_e = math.sqrt((1 + e) ** (1 + e) * (1 - e) ** (1 - e))
    for hemisphere, sign in (("north", 1.0), ("south", -1.0)):
        grid = PolarGrid(hemisphere, 0, 0, POLAR_RADIUS_KM * math.pi / 180 / 10.0,
                         projection="oblate_stereographic")  # fmt: skip
        assert np.allclose(steps(grid, sign * 89.999), 1e-2, rtol=1e-6)  # 10 km per px
        for lat in (80.0, 60.0, 30.0):
            along_x, along_y = steps(grid, sign * lat)
            assert along_x == pytest.approx(along_y, rel=1e-6)
            # Snyder eq. 21-32: k = ρ / (a·m), m = cos φg / sqrt(1 − e² sin² φg)
            x, y = grid.pixel(sign * lat, 30.0)
            phi = math.radians(float(planetographic(lat)))
            m = math.cos(phi) / math.sqrt(1 - (e * math.sin(phi)) ** 2)
            k = math.hypot(x, y) * 10.0 / (EQUATORIAL_RADIUS_KM * m)
            assert along_x == pytest.approx(1e-2 / k, rel=1e-5)  # km per 1e-3 px
            t = math.tan(math.pi / 4 - phi / 2) * ((1 + e * math.sin(phi)) /
                                                   (1 - e * math.sin(phi))) ** (e / 2)  # fmt: skip
            assert math.hypot(x, y) * 10.0 == pytest.approx(
                2 * EQUATORIAL_RADIUS_KM * t / big_e, rel=1e-9
            )
    sphere = PolarGrid("north", 0, 0, POLAR_RADIUS_KM * math.pi / 180 / 10.0,
                       projection="stereographic")  # fmt: skip
    along_x, along_y = steps(sphere, 50.0)
    assert abs(along_x / along_y - 1) > 1e-3
