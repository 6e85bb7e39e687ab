"""`scripts/visible_realism.py`: the product-scale texture table's synthetic views can be drawn
from a recipe's altitudes, and a malformed range is refused before any frame is read."""

from tests.apps.test_scripts import run
from tests.conftest import load_script


def _script():
    return load_script("visible_realism")


def test_texture_sets_render_the_synthetic_views_from_the_given_altitudes(monkeypatch):
    script = _script()
    seen = []
    monkeypatch.setattr(script.vt, "set_texture", lambda windows: {"n": len(list(windows))})

    def synthetic_texture(seeds, params, windows):
        seen.append(params)
        return {"n": len(seeds)}

    monkeypatch.setattr(script, "synthetic_texture", synthetic_texture)
    out = script.texture_sets([], 3, 512, 0.8, (30000.0, 280000.0))
    assert out["synthetic"] == {"n": 3}
    assert [p["junocam_altitude_km"] for p in seen] == [(30000.0, 280000.0)] * 2
    assert all(p["junocam_view_size"] == 512 for p in seen)
    seen.clear()
    script.texture_sets([], 3, 512, 0.8)  # without: the renderer's own range
    assert all("junocam_altitude_km" not in p for p in seen)


def test_a_malformed_altitude_range_is_refused_with_the_form_to_use(tmp_path):
    for bad in ("30000", "x,280000", "280000,30000"):
        proc, _ = run("scripts/visible_realism.py", f"out={tmp_path}", f"altitude={bad}", ok=False)
        assert proc.returncode != 0
        assert "altitude=" in proc.stderr and "LO" in proc.stderr, proc.stderr
    assert not any(tmp_path.iterdir())  # nothing written
