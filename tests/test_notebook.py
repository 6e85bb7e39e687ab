"""The quickstart notebook runs end to end."""

import re

import nbformat
import pytest
from nbclient import NotebookClient

from jovis.paths import real_data_dir
from tests.conftest import REPO

REAL_HST = real_data_dir() / "hst_stis_north_2016-05-21"


def _execute(tmp_path):
    nb = nbformat.read(REPO / "notebooks" / "quickstart.ipynb", as_version=4)
    client = NotebookClient(
        nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    cells = [cell for cell in nb.cells if cell.cell_type == "code"]
    outputs = [o for cell in cells for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.output_type == "error"]
    return cells


def _flyby_section(cells):
    """The last cell's printed text and whether it showed an overlay (section 5)."""
    last = cells[-1].get("outputs", [])
    text = "".join(o.get("text", "") for o in last if o.output_type == "stream")
    return text, any("image/png" in o.get("data", {}) for o in last)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_quickstart_notebook_executes(tmp_path):
    cells = _execute(tmp_path)
    outputs = [o for cell in cells[:-1] for o in cell.get("outputs", [])]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no overlay was displayed"
    text, shown = _flyby_section(cells)
    expected = "4 ok, 0 failed" if sorted(REAL_HST.glob("*.fits")) else "3 ok, 0 failed"
    assert expected in text and re.search(
        r"uv-v\d+: \d frame\(s\) \(auto: instrument hst_stis", text
    )
    assert shown, "section 5 showed no overlay of the released detector"


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_the_notebooks_flyby_section_runs_without_the_shared_frames(tmp_path, monkeypatch):
    monkeypatch.setenv("JOVIS_REAL_DATA", str(tmp_path / "absent"))  # the kernel inherits it
    text, shown = _flyby_section(_execute(tmp_path))
    assert "3 ok, 0 failed" in text and "catalogue rows" in text and shown
