"""PJ44's JunoCam products carried onto one polar grid (`jovis.real_eval.carried`): the
reference ellipses of 44C00034-36 were carried from 44C00037 by the same view model, so carried
back they must land on each other; a shift of one mask must show."""

from __future__ import annotations

import json

import numpy as np
import pytest

from jovis.io import read_frame
from jovis.real_eval import score_folder
from jovis.real_eval.carried import carry
from jovis.real_eval.report import summary
from jovis.references.frameset import materialise
from jovis.references.junocam_geometry import fitted_views
from jovis.scoring.label_free import label_free_scores
from jovis.synth.frameset import default_schema
from tests.conftest import REAL_DATA

pytestmark = pytest.mark.skipif(
    not (REAL_DATA / "pj44_north_junocam").is_dir(),
    reason=f"real frames not found at {REAL_DATA} (../shared/data/real)",
)


@pytest.fixture(scope="module")
def pj44(tmp_path_factory):
    from jovis.io.masks import read_mask_png

    ref = materialise(tmp_path_factory.mktemp("ref"), REAL_DATA, instrument="junocam")
    rows = [json.loads(line) for line in (ref / "manifest.jsonl").read_text().splitlines()]
    rows = [r for r in rows if "_44C000" in r["id"]]
    return [read_frame(r["image"]) for r in rows], [read_mask_png(ref / r["mask"]) for r in rows]


def test_views_are_the_fitted_ones():
    views = fitted_views(REAL_DATA)
    assert sorted(views) == [f"JNCE_2022229_44C000{k}_V01" for k in (34, 35, 36, 37)]
    # north up: each composite's terminator is cut at one incidence with the angle 0-0.25°
    assert all(view.north_angle_deg == 0.0 for view in views.values())


def test_reference_labels_carried_back_land_on_each_other(pj44):
    frames, masks = pj44
    ((polar, carried),) = carry(frames, masks, fitted_views(REAL_DATA))
    assert len(polar) == 4 and all(f.grid.hemisphere == "north" for f in polar)
    rows = label_free_scores(polar, carried)["rows"]
    assert rows[-1]["id"].startswith("JNCE_2022229_44C00037")
    assert rows[-1]["vortex_agreement"] > 0.85
    shifted = [*carried[:3], np.roll(carried[3], 12, axis=1)]  # 1.5° on the 8 px/deg grid
    rows = label_free_scores(polar, shifted)["rows"]
    assert rows[-1]["vortex_agreement"] < 0.5


def test_frames_without_a_fitted_view_are_not_carried(pj44):
    frames, masks = pj44
    assert carry(frames, masks, {}) == []


def test_score_folder_reports_the_carried_products(pj44):
    frames, masks = pj44
    by_id = {f.id: m for f, m in zip(frames, masks, strict=True)}

    def predict(group):  # the reference labels as the "prediction"; nothing elsewhere
        return [(by_id.get(f.id, np.where(f.valid, 0, 255).astype(np.uint8)), None) for f in group]

    folder = REAL_DATA / "pj44_north_junocam"
    out = score_folder(predict, folder, default_schema(), ["red", "green", "blue"],
                       views=fitted_views(REAL_DATA))  # fmt: skip
    (carried,) = out["carried"]
    assert len(carried["frames"]) == 4
    flat = summary({"folders": [out]})
    median = flat["pj44_north_junocam_carried_vortex_agreement_median"]
    assert median == pytest.approx(
        np.median([a for _, a in flat["pj44_north_junocam_carried_vortex_agreement_pairs"]]),
        abs=1e-4,
    )
    assert 0.5 < median < 0.7  # 0.40 / 0.61 / 0.96: 44C00034-35 label fewer vortices
    assert (
        score_folder(predict, folder, default_schema(), ["red", "green", "blue"])["carried"] == []
    )
