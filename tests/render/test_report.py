"""Tests for jovis.render.report: an offline, movable, escaped report.html."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar
from urllib.parse import unquote

import numpy as np
import pytest

from jovis.io.atomic import leftover_temporaries, write_png
from jovis.render.report import write_report

EVIL = 'bad <script>alert("x")</script> & co.fits'


class _Page(HTMLParser):
    """Collects tags, attributes and text; checks that every opened element is closed."""

    VOID: ClassVar[set[str]] = {"meta", "img", "br", "link", "input", "hr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.text: list[str] = []
        self.decl: str | None = None

    def handle_decl(self, decl: str) -> None:
        self.decl = decl

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag) -> None:
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-1:]}"
        self.stack.pop()

    def handle_data(self, data) -> None:
        self.text.append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert page.stack == [], f"unclosed elements: {page.stack}"
    return page


def _run(out: Path, ids: list[str]) -> list[dict]:
    """Ok records with tiny overlay PNGs on disk, their paths as the runner records them."""
    rows = []
    for k, frame_id in enumerate(ids):
        overlay = out / "overlays" / f"{frame_id}.png"
        write_png(overlay, np.full((6, 8, 3), 40 * k, np.uint8))
        rows.append(
            {
                "id": frame_id,
                "source": f"/data/{frame_id}.fits",
                "status": "ok",
                "vortices": k + 1,
                "aurora_fraction": 0.125 * k,
                "outputs": {
                    "mask": str(out / "masks" / f"{frame_id}.png"),
                    "overlay": str(overlay),
                    "features": str(out / "features" / f"{frame_id}.geojson"),
                },
                "run_key": "abc-tta0-probs0",
            }
        )
    return rows


def _failed(source: str, error: str) -> dict:
    return {"id": Path(source).stem, "source": source, "status": "failed", "error": error}


def test_report_is_valid_offline_html5(tmp_path):
    out = tmp_path / "run"
    rows = [*_run(out, ["a", "b"]), _failed("/data/c.img", "ValueError: no label")]
    path = write_report(out, rows, summary={"device": "cuda:0", "frames_per_s": 12.5})
    assert path == out / "report.html" and path.is_file()
    assert leftover_temporaries(out) == []
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    for needle in ("http://", "https://", "//cdn", "<script", "<link", "@import", "url("):
        assert needle not in text.lower(), needle
    page = _parse(path)
    assert page.decl and page.decl.lower() == "doctype html"
    assert page.all("html")[0].get("lang") == "en"
    assert {"charset": "utf-8"} in page.all("meta")
    assert page.all("style"), "CSS must be inline"
    assert "prefers-color-scheme:dark" in text and "color-scheme:light dark" in text


def test_images_are_relative_existing_and_lazy(tmp_path):
    out = tmp_path / "run"
    rows = _run(out, ["a", "frame 2#x"])
    page = _parse(write_report(out, rows))
    imgs = page.all("img")
    assert len(imgs) == 2
    for img in imgs:
        assert img.get("alt") and img.get("src")
        assert img.get("loading") == "lazy"
        src = unquote(img["src"])
        assert not Path(src).is_absolute() and not src.startswith("/")
        assert src.startswith("overlays/") and (out / src).is_file()
        assert (img["width"], img["height"]) == ("8", "6")  # read from the PNG header
    links = {a["href"] for a in page.all("a")}
    assert {img["src"] for img in imgs} <= links  # each image links to the full-size PNG


def test_cwd_relative_outputs_and_a_moved_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = _run(Path("runs/r1"), ["a"])  # recorded as "runs/r1/overlays/a.png"
    assert rows[0]["outputs"]["overlay"] == "runs/r1/overlays/a.png"
    page = _parse(write_report("runs/r1", rows))
    assert [i["src"] for i in page.all("img")] == ["overlays/a.png"]

    # The folder moved since the run: the recorded paths are stale, the report still links.
    shutil.move("runs/r1", "moved")
    page = _parse(write_report(tmp_path / "moved", rows))
    assert [i["src"] for i in page.all("img")] == ["overlays/a.png"]


def test_missing_overlay_has_no_broken_image(tmp_path):
    out = tmp_path / "run"
    rows = _run(out, ["a", "b"])
    (out / "overlays" / "b.png").unlink()
    page = _parse(write_report(out, rows))
    assert [unquote(i["src"]) for i in page.all("img")] == ["overlays/a.png"]
    assert "overlay missing" in "".join(page.text)


def test_counts_captions_and_summary(tmp_path):
    out = tmp_path / "run"
    rows = _run(out, ["a", "b", "c"])  # 1 + 2 + 3 vortices; aurora 0, 12.5, 25 %
    rows += [_failed("/x/d.fits", "OSError: truncated"), _failed("/x/e.fits", "KeyError: 'x'")]
    summary = {"frames_per_s": 3.25, "device": "cpu", "checkpoint": "/m/best.ckpt", "failures": []}
    text = write_report(out, rows, title="PJ12 north", summary=summary).read_text()
    counts = dict(re.findall(r'data-count="(\w+)"[^>]*>(\d+)<', text))
    assert counts == {"ok": "3", "failed": "2", "vortices": "6"}
    page = _parse(out / "report.html")
    words = " ".join(page.text)
    assert "PJ12 north" in words and "12.5 %" in words and "3 vortices" in words
    assert "1 vortex " in words
    cells = [t.strip() for t in page.text if t.strip()]
    for key, value in (("frames_per_s", "3.25"), ("device", "cpu"), ("checkpoint", "/m/best.ckpt")):
        assert cells[cells.index(key) + 1] == value
    assert "failures" not in cells  # lists are not key figures


def test_a_product_outside_the_training_altitudes_is_marked_on_its_card(tmp_path):
    out = tmp_path / "run"
    rows = _run(out, ["near", "far", "plain"])
    rows[0].update(altitude_km=5000.0, altitude_in_training_views=False)
    rows[1].update(altitude_km=60453.8, altitude_in_training_views=True)
    text = write_report(out, rows).read_text()
    assert text.count('data-warning="altitude"') == 1
    words = " ".join(_parse(out / "report.html").text)
    assert "taken from 5000 km, outside the model's training views" in words
    assert "60453.8" not in words


@pytest.mark.parametrize(
    ("flag", "warning", "words"),
    [
        ("whole_disk_view", "framing", "not a whole-disk view: declare its map="),  # a map in views
        ("plate_scale_known", "scale", "plate scale unknown: declare its map= or give"),  # no grid
    ],
)
def test_a_frame_fed_at_a_doubtful_scale_is_marked_on_its_card(tmp_path, flag, warning, words):
    out = tmp_path / "run"
    rows = _run(out, ["flagged", "fine"])
    rows[0][flag] = False
    text = write_report(out, rows).read_text()
    assert text.count(f'data-warning="{warning}"') == 1
    assert words in " ".join(_parse(out / "report.html").text)


@pytest.mark.parametrize("framing", ["no sky", "disk cut by the frame's edges"])
def test_a_crop_of_a_view_is_marked_with_its_own_fix(tmp_path, framing):
    """A crop of a disk (``view_framing`` says how it was told) is fixed by limb_radius_px,
    not by map=."""
    out = tmp_path / "run"
    rows = _run(out, ["crop", "fine"])
    rows[0].update(whole_disk_view=False, view_framing=framing)
    text = write_report(out, rows).read_text()
    assert text.count('data-warning="framing"') == 1
    words = " ".join(_parse(out / "report.html").text)
    assert f"not a whole-disk view ({framing}): give limb_radius_px=" in words
    assert "declare its map=" not in words


def test_failures_are_listed_and_escaped(tmp_path):
    out = tmp_path / "run"
    error = "ValueError: header says <NAXIS=3> & 'BITPIX' \"-32\""
    rows = [*_run(out, ["a"]), _failed(f"/in/{EVIL}", error)]
    path = write_report(out, rows, title="<b>title</b>")
    text = path.read_text(encoding="utf-8")
    assert "<script>" not in text and "<b>title</b>" not in text and "<NAXIS" not in text
    assert "&lt;script&gt;" in text
    page = _parse(path)
    assert "script" not in {t for t, _ in page.tags}
    words = "".join(page.text)  # what the reader sees, entities decoded
    assert f"/in/{EVIL}" in words and error in words and "<b>title</b>" in words
    assert "None: every input" not in words


@pytest.mark.parametrize("status", ["ok", "failed"])
def test_empty_sections(tmp_path, status):
    out = tmp_path / "run"
    rows = _run(out, ["a"]) if status == "ok" else [_failed("/in/a.fits", "boom")]
    page = _parse(write_report(out, rows))
    words = "".join(page.text)
    if status == "ok":
        assert "None: every input was processed." in words
    else:
        assert "No frame was processed successfully." in words and page.all("img") == []


def test_rejects_rows_that_are_not_records(tmp_path):
    with pytest.raises(ValueError, match="manifest records"):
        write_report(tmp_path, ["a.fits"])  # type: ignore[list-item]


@pytest.mark.parametrize(
    ("seen", "shown", "hidden"),
    [(None, ["2 vortices", "aurora 12.5"], []),
     (["background", "vortex"], ["2 vortices"], ["aurora"]),  # the JunoCam detector
     (["background", "aurora"], ["aurora 12.5"], ["vortices", "vortex"])],  # the far-UV one
)  # fmt: skip
def test_cards_show_only_the_classes_the_detector_sees(tmp_path, seen, shown, hidden):
    out = tmp_path / "run"
    summary = None if seen is None else {"classes_seen": seen}
    text = " ".join(_parse(write_report(out, _run(out, ["a", "b"]), summary=summary)).text)
    for figure in shown:
        assert figure in text
    for word in hidden:
        assert word not in text  # "aurora 0 %" on a frame the detector cannot see it in


def test_a_cards_count_says_the_marked_vortices_the_floors_left_out(tmp_path):
    out = tmp_path / "run"
    rows = _run(out, ["a", "b"])
    rows[1]["vortices_not_kept"] = 3  # the manifest's count (`write_frame_outputs`)
    text = " ".join(_parse(write_report(out, rows)).text)
    assert "1 vortex ·" in text and "2 vortices (+3 not kept)" in text


def test_a_frame_left_unlocated_is_marked_with_the_reason(tmp_path):
    out = tmp_path / "run"
    rows = _run(out, ["bare", "located", "polar"])
    rows[0]["located"] = "not located: no X-metadata.json beside it (<fetch it>)"
    rows[1]["located"] = "JunoCam view model from the metadata"
    text = write_report(out, rows).read_text()
    assert text.count('data-warning="location"') == 1
    assert "no lat/lon: no X-metadata.json beside it (&lt;fetch it&gt;)" in text


def test_model_auto_index_lists_each_detector_and_every_failure(tmp_path):
    """model=auto: each detector's report held only the frames it was given ("None: every
    input was processed") while frames no detector took were in unassigned.jsonl alone; the
    index at out/report.html counts them all and links each detector's report."""
    from jovis.render.report import write_index

    out = tmp_path / "o"
    uv = _run(out / "uv-v6", ["hst1"])
    (out / "uv-v6" / "report.html").write_text("<!DOCTYPE html>")
    rgb = [*_run(out / "visible_rgb-v7", ["jc1", "jc2"]), _failed("/data/jc3.png", "cut PNG")]
    runs = [("uv-v6", uv, ["background", "aurora"]), ("visible_rgb-v7", rgb, None)]
    lost = [{"source": f"/data/{EVIL}", "error": "no released detector for methane"}]
    page = _parse(write_index(out, runs, lost))
    text = " ".join(" ".join(page.text).split())
    counts = re.findall(r'data-count="(\w+)"[^>]*>(\d+)<', (out / "report.html").read_text())
    assert dict(counts) == {"ok": "3", "failed": "2", "vortices": "3"}  # uv's 1 not counted
    assert [a["href"] for a in page.all("a")] == ["uv-v6/report.html"]  # rgb wrote no report
    assert "uv-v6 1 0 —" in text and "visible_rgb-v7 2 1 3" in text
    assert "/data/jc3.png (given to visible_rgb-v7) cut PNG" in text
    assert f"/data/{EVIL} (given to no detector) no released detector for methane" in text
    assert "<script>" not in (out / "report.html").read_text()
    # a far-UV run alone: no vortex count at all
    page = _parse(write_index(tmp_path / "uv", [("uv-v6", uv, ["background", "aurora"])], []))
    assert "vortices" not in " ".join(page.text) and "None: every input" in " ".join(page.text)


def test_the_runs_tables_are_linked_when_they_are_there(tmp_path):
    out = tmp_path / "run"
    rows = _run(out, ["a"])
    (out / "catalog.csv").write_text("frame_id\n")
    hrefs = [a["href"] for a in _parse(write_report(out, rows)).all("a")]
    assert "catalog.csv" in hrefs and "oval_profile.csv" not in hrefs
    (out / "oval_profile.csv").write_text("frame_id\n")  # frames on a polar grid with aurora
    write_png(out / "oval_profile.png", np.zeros((30, 72, 3), np.uint8))  # and its chart
    page = _parse(write_report(out, rows))
    assert "oval_profile.csv" in [a["href"] for a in page.all("a")]
    [chart] = [i for i in page.all("img") if i["src"] == "oval_profile.png"]
    assert (chart["width"], chart["height"]) == ("72", "30")
