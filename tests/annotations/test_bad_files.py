"""Bad annotation files are named with the reason; what cannot be placed is listed; nothing is
half-written."""

import json

import pytest
from tests.annotations.test_fixtures import frames  # noqa: F401  (the fixture)

from jovis.annotations import AnnotationError, import_annotations
from jovis.data.datasets import read_manifest
from jovis.io.masks import read_mask_png


def write(path, obj):
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def test_a_file_of_the_wrong_schema_is_named_and_nothing_is_written(tmp_path, frames, schema):  # noqa: F811
    bad = write(tmp_path / "x.json", {"imagePath": "plain.npy", "objects": []})
    with pytest.raises(AnnotationError, match=r"x\.json.*not a GeoJSON"):
        import_annotations(bad, frames, tmp_path / "set", schema)
    bad = write(tmp_path / "c.csv", "frame_id,lat\nplain,70\n")
    with pytest.raises(AnnotationError, match=r"c\.csv.*\['lon'"):
        import_annotations(bad, frames, tmp_path / "set", schema)
    bad = write(tmp_path / "a.xml", "<annotations><meta/></annotations>")
    with pytest.raises(AnnotationError, match=r"a\.xml.*CVAT for images"):
        import_annotations(bad, frames, tmp_path / "set", schema)
    assert not (tmp_path / "set").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".set")]


def test_unplaceable_shapes_are_listed_and_the_rest_imported(tmp_path, frames, schema):  # noqa: F811
    write(tmp_path / "plain.json", {"imagePath": "plain.npy", "shapes": [
        {"label": "aurora", "shape_type": "polygon", "points": [[1, 1], [8, 1], [8, 8]]},
        {"label": "storm", "shape_type": "polygon", "points": [[1, 1], [8, 1], [8, 8]]},
        {"label": "vortex", "shape_type": "polygon",
         "points": [[100, 100], [120, 100], [120, 120]]},
        {"label": "vortex", "shape_type": "line", "points": [[1, 1], [8, 8]]},
    ]})  # fmt: skip

    def point(frame_id, lat):
        props = {"class": "vortex", "frame_id": frame_id, "radius_km": 900}
        return {"type": "Feature", "properties": props,
                "geometry": {"type": "Point", "coordinates": [10, lat]}}  # fmt: skip

    features = [point("plain", 80), point("gridded", -80), point("nosuch", 80)]
    write(tmp_path / "g.geojson", {"type": "FeatureCollection", "features": features})
    result = import_annotations(
        tmp_path, frames, tmp_path / "set", schema, {"unlabelled": "ignore"}
    )
    reasons = " | ".join(s["reason"] for s in result["skipped_shapes"])
    assert result["placed"] == 1 and result["skipped"] == 6, reasons
    for words in ("unknown class 'storm'", "outside the frame", "has no area", "has no grid",
                  "hemisphere", "no frame named 'nosuch'",
                  "save a GIS layer as <frame>.geojson"):  # fmt: skip
        assert words in reasons
    (row,) = read_manifest(tmp_path / "set")
    mask = read_mask_png(tmp_path / "set" / row["mask"])
    assert mask[2, 7] == 1 and mask[7, 2] == 255  # unlabelled = ignore
    report = json.loads((tmp_path / "set" / "import_report.json").read_text())
    assert len(report["skipped"]) == 6


def test_a_shape_far_outside_the_frame_is_skipped_not_a_crash(tmp_path, frames, schema):  # noqa: F811
    """A vertex at 1e30 stopped the whole import with NumPy's "Maximum allowed size exceeded",
    one at 1e9 asked for gigabytes, and OpenCV's ellipse fit of such a vortex did not converge;
    a vortex cut by the frame's edge is still placed."""
    far = [[20, 20], [1e9, 22], [30, 30], [25, 35], [18, 28]]
    write(tmp_path / "plain.json", {"imagePath": "plain.npy", "shapes": [
        {"label": "aurora", "shape_type": "polygon", "points": [[1, 1], [1e30, 2], [3, 9]]},
        {"label": "vortex", "shape_type": "polygon", "points": far},
        {"label": "vortex", "shape_type": "circle", "points": [[10, 10], [1e9, 10]]},
        {"label": "vortex", "shape_type": "polygon",
         "points": [[-5, 10], [6, 12], [8, 18], [2, 22], [-8, 16]]},
    ]})  # fmt: skip
    result = import_annotations(tmp_path / "plain.json", frames, tmp_path / "set", schema)
    reasons = [s["reason"] for s in result["skipped_shapes"]]
    assert result["placed"] == 1 and len(reasons) == 3, reasons
    assert all("px from the frame's centre, over 10x its side" in r for r in reasons)


def test_an_unreadable_file_is_recorded_and_the_others_imported(tmp_path, frames, schema):  # noqa: F811
    """One corrupt or wrong-schema file in a folder of annotations: named with its reason in the
    skipped list and import_report.json, and the rest of the folder imported (the house rule for
    a batch); before, it stopped the whole import."""
    shape = {"label": "aurora", "shape_type": "polygon", "points": [[1, 1], [8, 1], [8, 8]]}
    write(tmp_path / "plain.json", {"imagePath": "plain.npy", "shapes": [shape]})
    write(tmp_path / "torn.json", '{"imagePath": "plain.npy", "shap')
    write(tmp_path / "coco.json", {"images": [], "annotations": []})
    # nested deeper than the JSON parser goes: a RecursionError, which ended the whole import
    write(tmp_path / "deep.geojson", "[" * 100_000 + "]" * 100_000)
    result = import_annotations(tmp_path, frames, tmp_path / "set", schema)
    assert result["frames"] == 1 and result["placed"] == 1 and result["skipped"] == 3
    reasons = {s["where"]: s["reason"] for s in result["skipped_shapes"]}
    assert (
        reasons["torn.json"].startswith("file not read:")
        and "not readable JSON" in reasons["torn.json"]
    )
    assert "not a GeoJSON" in reasons["coco.json"]
    assert "nested too deeply" in reasons["deep.geojson"]
    report = json.loads((tmp_path / "set" / "import_report.json").read_text())
    assert {s["where"] for s in report["skipped"]} == {"torn.json", "coco.json", "deep.geojson"}


def test_an_existing_set_is_kept_unless_overwrite(tmp_path, frames, schema):  # noqa: F811
    doc = {"imagePath": "plain.npy", "shapes": [
        {"label": "aurora", "shape_type": "rectangle", "points": [[1, 1], [8, 8]]}]}  # fmt: skip
    write(tmp_path / "plain.json", doc)
    import_annotations(tmp_path / "plain.json", frames, tmp_path / "set", schema)
    with pytest.raises(FileExistsError, match="overwrite=true"):
        import_annotations(tmp_path / "plain.json", frames, tmp_path / "set", schema)
    doc["shapes"][0]["points"] = [[1, 1], [4, 4]]
    write(tmp_path / "plain.json", doc)
    import_annotations(
        tmp_path / "plain.json", frames, tmp_path / "set", schema, {"overwrite": True}
    )
    (row,) = read_manifest(tmp_path / "set")
    assert (read_mask_png(tmp_path / "set" / row["mask"]) == 1).sum() == 16


def test_an_ellipse_with_a_negative_axis_is_skipped_not_a_crash(tmp_path, frames, schema):  # noqa: F811
    """CVAT XML edited by hand (rx="-3"): "math domain error" stopped the whole import."""
    xml = """<?xml version="1.0"?><annotations><version>1.1</version>
      <image id="0" name="plain.npy" width="64" height="64">
        <ellipse label="vortex" cx="20.5" cy="20.5" rx="-3" ry="2" z_order="0"/>
        <ellipse label="vortex" cx="40.5" cy="12.5" rx="3" ry="2" z_order="0"/>
      </image></annotations>"""
    result = import_annotations(write(tmp_path / "a.xml", xml), frames, tmp_path / "set", schema)
    assert result["placed"] == 1
    assert result["skipped_shapes"][0]["reason"].startswith("degenerate ellipse")


def test_geojson_nan_or_a_negative_radius_is_named_and_the_rest_placed(tmp_path, frames, schema):  # noqa: F811
    """One NaN position made the whole collection read as a map's coordinates (every feature
    then "has no radius jovis can place"); a radius of -900 km drew a 900 km ring."""

    def feature(geometry, **props):
        return {"type": "Feature", "properties": {"class": "vortex", "frame_id": "gridded",
                                                  **props}, "geometry": geometry}  # fmt: skip

    features = [
        feature({"type": "Point", "coordinates": [10, 80]}, radius_km=900),
        feature({"type": "Point", "coordinates": [float("nan"), 80]}, radius_km=900),
        feature({"type": "Point", "coordinates": [40, 75]}, radius_km=-900),
        feature({"type": "Polygon", "coordinates": [[[0, 70], [90, 70], [float("inf"), 70],
                                                     [0, 70]]]}, **{"class": "aurora"}),
    ]  # fmt: skip
    path = write(tmp_path / "g.geojson", json.dumps({"type": "FeatureCollection",
                                                     "features": features}))  # fmt: skip
    result = import_annotations(path, frames, tmp_path / "set", schema)
    reasons = [s["reason"] for s in result["skipped_shapes"]]
    assert result["placed"] == 1, reasons
    assert reasons == ["its coordinates hold NaN or Infinity",
                       "a Point's radius must be a finite number > 0, got -900.0",
                       "its coordinates hold NaN or Infinity"]  # fmt: skip


@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ({"latitude": "sideways"}, "latitude='sideways'; valid choices: planetocentric"),
        ({"longitude": "up"}, "longitude='up'; valid choices: west, east"),
        ({"axes": "miles"}, "axes='miles'; valid choices: km, deg"),
        ({"min_confidence": "abc"}, "min_confidence='abc': must be a number"),
        ({"format": "word"}, "format='word'; valid choices"),
    ],
)
def test_a_wrong_setting_is_refused_before_any_file_is_read(tmp_path, frames, schema, setting,  # noqa: F811
                                                            words):  # fmt: skip
    """latitude=sideways passed with a GeoJSON jovis wrote (its own convention wins) and the
    set was written; each is now refused naming the key, whatever the files hold."""
    geo = write(tmp_path / "plain.geojson", {"type": "FeatureCollection", "features": []})
    with pytest.raises(ValueError) as info:
        import_annotations(geo, frames, tmp_path / "set", schema, settings=setting)
    assert words in str(info.value)
    assert not (tmp_path / "set").exists()
