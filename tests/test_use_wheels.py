"""scripts/use_wheels.sh: the device scripts' offline install of carried wheels."""

import os
import subprocess
import sys
import zipfile

from tests.conftest import REPO


def probe_wheel(folder):
    """A minimal pure-Python wheel of a package `jovis_probe`."""
    folder.mkdir()
    path = folder / "jovis_probe-1.0-py3-none-any.whl"
    info = "jovis_probe-1.0.dist-info"
    with zipfile.ZipFile(path, "w") as whl:
        whl.writestr("jovis_probe/__init__.py", "VALUE = 42\n")
        whl.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: jovis_probe\nVersion: 1.0\n")
        whl.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                     "Tag: py3-none-any\n")  # fmt: skip
        whl.writestr(f"{info}/RECORD", "")
    return path


def use_wheels(tmp_path, wheels):
    script = ('source "$REPO/scripts/use_wheels.sh" && use_wheels "$LOG" && '
              '"$PY" -c "import jovis_probe; print(jovis_probe.VALUE)"')  # fmt: skip
    env = {**os.environ, "REPO": str(REPO), "PY": sys.executable, "WHEELS": str(wheels),
           "SITE": str(tmp_path / "site"), "LOG": str(tmp_path / "wheels.log")}  # fmt: skip
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=300,
                          env=env)  # fmt: skip


def test_carried_wheels_are_installed_offline_and_importable(tmp_path):
    proc = use_wheels(tmp_path, probe_wheel(tmp_path / "wheels").parent)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "42"
    assert (tmp_path / "site" / "jovis_probe" / "__init__.py").is_file()


def test_a_broken_wheel_fails_naming_its_log(tmp_path):
    (tmp_path / "wheels").mkdir()
    (tmp_path / "wheels" / "broken-1.0-py3-none-any.whl").write_text("not a zip")
    proc = use_wheels(tmp_path, tmp_path / "wheels")
    assert proc.returncode == 2 and "wheel install failed" in proc.stdout
    assert str(tmp_path / "wheels.log") in proc.stdout
