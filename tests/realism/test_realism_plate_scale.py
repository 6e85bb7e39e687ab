"""Plate scale of training views and of products as fed, on known geometry."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from jovis.frame import Frame
from jovis.geometry.body import EQUATORIAL_RADIUS_KM as R_EQ_KM
from jovis.geometry.resample import plan_resampling
from jovis.geometry.training import TrainingGeometry
from jovis.realism import plate_scale as ps
from jovis.references.junocam_geometry import LIMB_RADIUS_PX

FULL_DISK = {"junocam_disk_fill": (1.0, 1.0), "junocam_mosaic_prob": 1.0}


def _geometry(size: int = 32, view_size: int = 0) -> TrainingGeometry:
    return TrainingGeometry("equidistant", size / 60.0, 30.0, size, "random",
                            {"north": 270.0, "south": 90.0},
                            {"north": "clockwise", "south": "counterclockwise"},
                            {"polar": 0.25, "perspective": 0.75}, view_size)  # fmt: skip


def _metadata(path, lat=90.0, lon=0.0, alt=50000.0):
    path.write_text(json.dumps({"SUB_SPACECRAFT_LATITUDE": str(lat),
                                "SUB_SPACECRAFT_LONGITUDE": str(lon),
                                "SPACECRAFT_ALTITUDE": f"{alt} <km>"}))  # fmt: skip
    return path


@pytest.mark.parametrize("view_size", [0, 96])
def test_fed_zoom_is_the_resampling_rule_for_a_frame_without_a_grid(view_size):
    geometry = _geometry(32, view_size)
    frame = Frame(np.zeros((48, 64, 3), np.float32), ["red", "green", "blue"])
    plan, _ = plan_resampling(frame, geometry)
    assert ps.fed_zoom(geometry, frame.shape) == pytest.approx(plan.scale)


def test_product_scale_from_metadata_altitude_and_limb(tmp_path):
    alt = 50000.0
    meta = _metadata(tmp_path / "p-metadata.json", alt=alt)
    out = ps.product_scale(meta, zoom=0.25)
    distance = R_EQ_KM + alt  # the products render a sphere of the equatorial radius
    rad_per_px = math.tan(math.asin(R_EQ_KM / distance)) / LIMB_RADIUS_PX
    assert out["altitude_km"] == pytest.approx(alt)
    assert out["km_px"] == pytest.approx(alt * rad_per_px)
    assert out["km_px_fed"] == pytest.approx(4 * alt * rad_per_px)
    assert out["limb_px_fed"] == pytest.approx(LIMB_RADIUS_PX / 4)


def test_full_disk_training_views_fill_the_frame_and_scale_with_altitude():
    params = {**FULL_DISK, "junocam_altitude_km": (40000.0, 40000.0)}
    views = ps.training_views(params, 64, 3)
    assert views["limb_px"] == pytest.approx([32.0] * 3)
    radius = 66854.0
    disk = math.asin(1.0 / (1.0 + 40000.0 / radius))
    assert views["km_px"] == pytest.approx([40000.0 * math.tan(disk) / 32.0] * 3)
    low = ps.scales_at_altitude(FULL_DISK, 64, 30000.0, n=20)
    high = ps.scales_at_altitude(FULL_DISK, 64, 250000.0, n=20)
    assert low.max() < high.min()


def test_reference_rows_need_metadata_and_are_scaled_by_the_zoom(tmp_path):
    (tmp_path / "a").mkdir()
    _metadata(tmp_path / "a" / "A-metadata.json", lat=80.0, alt=40000.0)
    ellipse = {"x": 800, "y": 700, "a": 20, "b": 30, "angle": 0, "kind": "vortex"}
    ellipses = tmp_path / "ellipses.json"
    ellipses.write_text(json.dumps({"products": {
        "A": {"image": "a/A-mapprojected.png", "vortices": [ellipse]},
        "B": {"image": "b/B-mapprojected.png", "vortices": [ellipse]},  # no metadata: left out
    }}))  # fmt: skip
    rows = ps.reference_vortices(ellipses, tmp_path, zoom=0.5)
    assert [r["product"] for r in rows] == ["A"]
    assert rows[0]["a_px"] == pytest.approx(15.0)
    assert rows[0]["km_px"] == pytest.approx(rows[0]["r_km"] / 15.0)
    assert 500 < rows[0]["r_km"] < 5000  # 30 px at ~40 km/px, foreshortened or not
    products = ps.products(ellipses, tmp_path, 0.5, FULL_DISK, 64)
    assert [p["product"] for p in products] == ["A"]
    assert products[0]["ratio_at_altitude"] == pytest.approx(
        products[0]["km_px_fed"] / products[0]["training_at_altitude"][1]
    )


def test_synthetic_vortex_rows_and_the_comparison():
    rows = ps.synthetic_vortices(2, 64, {"junocam_product_prob": 1.0})
    assert rows and all(r["a_px"] > 0 and r["km_px"] == pytest.approx(r["r_km"] / r["a_px"])
                        for r in rows)  # fmt: skip
    views = {"km_px": np.array([100.0, 200.0, 300.0]), "limb_px": np.array([30.0, 32.0, 34.0])}
    real_products = [{"km_px_fed": 400.0, "limb_px_fed": 32.0}]
    real_vortices = [{"km_px": 300.0, "a_px": 5.0, "r_km": 1500.0}]
    table = ps.compare(views, rows, real_products, real_vortices)
    assert table["subspacecraft_km_px"]["ratio"] == pytest.approx(2.0)
    assert table["limb_px"]["ratio"] == pytest.approx(1.0)
    assert table["vortex_a_px"]["products_n"] == 1
