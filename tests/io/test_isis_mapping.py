"""An ISIS cube's Mapping group places its pixels (`jovis.io.isis_mapping`): checked against the
projections as ISIS computes them (Snyder's formulas with ISIS's pixel convention), written out
here independently of the reader."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.io.test_isis import POLAR_MAPPING, write_cube

from jovis.geometry.body import planetocentric, planetographic
from jovis.geometry.maps import CylindricalMap
from jovis.io import read_frame

A_M, C_M = 71492000.0, 66854000.0


def isis_polar_stereographic(lat_c, lon_east, clat, clon_east, a=A_M, c=C_M):
    """ISIS PolarStereographic::SetGround: projection x, y (m) of planetocentric latitudes and
    east longitudes, true to scale at `clat` (planetocentric), the pole of its sign."""
    e = math.sqrt(1 - (c / a) ** 2)
    sign = 1.0 if clat > 0 else -1.0

    def t_of(phi):
        return np.tan(np.pi / 4 - phi / 2) / ((1 - e * np.sin(phi)) / (1 + e * np.sin(phi))) ** (
            e / 2
        )

    phi = sign * np.radians(planetographic(np.asarray(lat_c)) if e else np.asarray(lat_c))
    lam = sign * (np.radians(lon_east) - math.radians(clon_east))
    t = t_of(phi)
    if abs(clat) == 90:
        dist = a * 2 * t / math.sqrt((1 + e) ** (1 + e) * (1 - e) ** (1 - e))
    else:
        phi_c = math.radians(planetographic(abs(clat)) if e else abs(clat))
        m_c = math.cos(phi_c) / math.sqrt(1 - (e * math.sin(phi_c)) ** 2)
        dist = a * m_c * t / t_of(phi_c)
    return sign * dist * np.sin(lam), -sign * dist * np.cos(lam)


def pixel_of(x, y, mapping):
    """0-based column and row of projection x, y (m) as ISIS's PFPixelMapper places them."""
    res = float(mapping["PixelResolution"].split()[0])
    x0, y0 = (float(mapping[k].split()[0]) for k in ("UpperLeftCornerX", "UpperLeftCornerY"))
    return (x - x0) / res + 0.5 - 1, (y0 - y) / res + 0.5 - 1


@pytest.mark.parametrize(
    ("clat", "clon", "direction"),
    [(90.0, 0.0, "PositiveEast"), (-90.0, 40.0, "PositiveEast"), (70.0, 180.0, "PositiveWest"),
     (-60.0, 10.0, "PositiveWest")],
)  # fmt: skip
def test_a_polar_stereographic_cube_gets_the_grid_isis_projected_it_on(tmp_path, clat, clon,
                                                                       direction):  # fmt: skip
    mapping = {**POLAR_MAPPING, "CenterLatitude": str(clat), "CenterLongitude": str(clon),
               "LongitudeDirection": direction}  # fmt: skip
    frame = read_frame(write_cube(tmp_path / "p.cub", np.ones((64, 64), np.float32),
                                  mapping=mapping))  # fmt: skip
    grid = frame.grid
    assert grid.projection == "oblate_stereographic"
    assert grid.hemisphere == ("north" if clat > 0 else "south")
    rng = np.random.default_rng(2)
    sign = 1 if clat > 0 else -1
    lat = sign * rng.uniform(62, 89.9, 200)
    lon_west = rng.uniform(0, 360, 200)
    clon_east = clon if direction == "PositiveEast" else -clon
    col, row = pixel_of(*isis_polar_stereographic(lat, -lon_west, clat, clon_east), mapping)
    got_lat, got_lon = grid.latlon(col, row)
    np.testing.assert_allclose(got_lat, lat, atol=1e-7)
    np.testing.assert_allclose((got_lon - lon_west + 180) % 360 - 180, 0, atol=1e-7)
    x, y = grid.pixel(lat, lon_west)
    np.testing.assert_allclose(x, col, atol=1e-6)
    np.testing.assert_allclose(y, row, atol=1e-6)
    assert "PolarStereographic" in frame.meta["grid_source"]


def test_the_labels_scale_in_pixels_per_degree_is_not_the_poles():
    """ISIS's Scale keyword (pixels per degree) is of the equatorial radius: declared as the
    pole's px_per_deg of a sphere's stereographic it misplaces latitude 70° by over 1°; the
    sphere of the polar radius by 0.009° (0.06° at 50°); the grid read from the label by
    under 1e-6°."""
    from jovis.geometry import PolarGrid

    lat = np.array([70.0, 50.0])
    col, row = pixel_of(*isis_polar_stereographic(lat, np.zeros(2), 90, 0), POLAR_MAPPING)
    misread = {}
    for name, radius in (("Scale", A_M), ("polar radius", C_M)):
        k = radius / 1000 * math.pi / 180 / 100.0
        sphere = PolarGrid("north", 31.5, 31.5, k, 270.0, "clockwise", "stereographic")
        misread[name] = np.abs(sphere.latlon(col, row)[0] - lat)
    assert misread["Scale"][0] > 1.0 and 0.005 < misread["polar radius"][0] < 0.02
    assert misread["polar radius"][1] > 0.04
    oblate = PolarGrid("north", 31.5, 31.5, C_M / 1000 * math.pi / 180 / 100.0, 270.0,
                       "clockwise", "oblate_stereographic")  # fmt: skip
    assert np.abs(oblate.latlon(col, row)[0] - lat).max() < 1e-6


@pytest.mark.parametrize(
    ("name", "clat", "direction", "kind"),
    [("SimpleCylindrical", None, "PositiveEast", "Planetocentric"),
     ("SimpleCylindrical", None, "PositiveWest", "Planetographic"),
     ("Equirectangular", 30.0, "PositiveEast", "Planetographic"),
     ("Equirectangular", -45.0, "PositiveWest", "Planetocentric")],
)  # fmt: skip
def test_cylindrical_cubes_get_the_map_isis_projected_them_on(tmp_path, name, clat, direction,
                                                              kind):  # fmt: skip
    mapping = {**POLAR_MAPPING, "ProjectionName": name, "CenterLongitude": "150.0",
               "LongitudeDirection": direction, "LatitudeType": kind,
               "UpperLeftCornerX": "-2500000.0", "UpperLeftCornerY": "-1000000.0",
               "PixelResolution": "50000.0"}  # fmt: skip
    del mapping["CenterLatitude"]
    if clat is not None:
        mapping["CenterLatitude"] = str(clat)
    frame = read_frame(write_cube(tmp_path / "c.cub", np.ones((40, 100), np.float32),
                                  mapping=mapping))  # fmt: skip
    assert frame.grid is None
    cylindrical = CylindricalMap.from_dict(frame.meta["map"])
    # ISIS SetCoordinate: lat = y / R, lon = clon + x / (R cos clat); R the LocalRadius of clat
    rows, cols = np.mgrid[0:40, 0:100]
    x = -2500000.0 + (cols + 0.5) * 50000.0
    y = -1000000.0 - (rows + 0.5) * 50000.0
    if clat is None:
        radius, along = A_M, A_M
    else:
        phi = math.radians(clat)
        radius = A_M * C_M / math.hypot(C_M * math.cos(phi), A_M * math.sin(phi))
        along = radius * math.cos(phi)
    lat = np.degrees(y / radius)
    lon = 150.0 + np.degrees(x / along) * (1 if direction == "PositiveEast" else -1)
    lon_west = -lon if direction == "PositiveEast" else lon
    if kind == "Planetographic":
        lat = planetocentric(lat)
    got_lat, got_lon = cylindrical.latlon(cols, rows)
    np.testing.assert_allclose(got_lat, lat, atol=1e-9)
    np.testing.assert_allclose((got_lon - lon_west + 180) % 360 - 180, 0, atol=1e-9)


@pytest.mark.parametrize(
    ("polar_m", "projection"), [(A_M, "orthographic"), (C_M, "planetographic_orthographic")]
)
def test_a_polar_orthographic_cube_gets_isis_orthographic(tmp_path, polar_m, projection):
    """ISIS's Orthographic about the south pole: x = a cos φg sin Δλ, y = a cos φg cos Δλ with φg
    planetographic (on a sphere the same as planetocentric)."""
    mapping = {**POLAR_MAPPING, "ProjectionName": "Orthographic", "PolarRadius": str(polar_m),
               "CenterLatitude": "-90.0"}  # fmt: skip
    grid = read_frame(write_cube(tmp_path / "o.cub", np.ones((64, 64), np.float32),
                                 mapping=mapping)).grid  # fmt: skip
    assert grid.projection == projection
    lat, lon_east = np.array([-89.0, -80.0, -65.0, -40.0]), np.array([10.0, 250.0, 100.0, 0.0])
    graphic = np.radians(lat if polar_m == A_M else planetographic(lat))
    x = A_M * np.cos(graphic) * np.sin(np.radians(lon_east))
    y = A_M * np.cos(graphic) * np.cos(np.radians(lon_east))
    got_lat, got_lon = grid.latlon(*pixel_of(x, y, mapping))
    np.testing.assert_allclose(got_lat, lat, atol=1e-9)
    np.testing.assert_allclose(got_lon, -lon_east % 360, atol=1e-9)
    np.testing.assert_allclose(grid.pixel(lat, -lon_east % 360), pixel_of(x, y, mapping),
                               atol=1e-7)  # fmt: skip
    # the pole's scale: one degree of planetocentric colatitude is c²/a·π/180 km there
    near = grid.pixel(np.array([-89.99, -90.0]), np.array([0.0, 0.0]))
    km = np.hypot(*np.diff(np.array(near), axis=1)[:, 0]) * 100.0 / 0.01
    assert km == pytest.approx(polar_m**2 / A_M / 1000 * math.pi / 180, rel=1e-5)


@pytest.mark.parametrize(
    ("change", "why"),
    [({"ProjectionName": "Sinusoidal"}, "Sinusoidal"),
     ({"ProjectionName": "Orthographic", "CenterLatitude": "45.0", "PolarRadius": "71492000.0"},
      "centred at latitude 45"),
     ({"TargetName": "Ganymede"}, "Ganymede"),
     ({"PolarRadius": "60000000.0"}, "neither a sphere"),
     ({"PixelResolution": "NULL"}, "pixelresolution")],
)  # fmt: skip
def test_maps_jovis_cannot_place_are_read_without_geometry_and_say_why(tmp_path, change, why):
    mapping = {**POLAR_MAPPING, **change}
    frame = read_frame(write_cube(tmp_path / "n.cub", np.ones((16, 16), np.float32),
                                  mapping=mapping))  # fmt: skip
    assert frame.grid is None and "map" not in frame.meta
    assert frame.meta["grid_source"].startswith("none") and why in frame.meta["grid_source"]
