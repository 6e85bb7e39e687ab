"""The command-line apps: one module per verb, each the Hydra glue around a library call.

``jovis <verb> key=value ...`` (installed by ``[project.scripts]``), ``python -m jovis <verb>``
and ``python scripts/<verb>.py`` all run ``jovis.apps.<verb>.main``: compose the config, call
the library, print a table for people and, as the last line, one JSON object for programs.
"""

from __future__ import annotations

import difflib
import importlib
import io
import os
import sys


def safe_console() -> None:
    """Make stdout and stderr escape what they cannot encode (``\\udcNN``) instead of writing
    invalid bytes or failing: a file name that is not UTF-8 reaches the apps' logs and failure
    lines as lone surrogates, and a run must still print valid UTF-8 naming it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(errors="backslashreplace")
        except (AttributeError, ValueError, io.UnsupportedOperation):
            pass  # not a reconfigurable text stream (a test's capture, a redirected object)


safe_console()  # on import: every app (jovis <verb>, python scripts/<verb>.py) imports this

PIPED_COLUMNS = 160


def wide_tables() -> None:
    """Print the apps' tables at least 160 columns wide into a file, a pipe or a notebook's
    ``!jovis`` cell, where Rich takes 80 (`jovis models` wrapped each row over four lines). A
    terminal keeps its own width. A narrower COLUMNS is not kept when piped: GNU readline
    exports COLUMNS=80 to the children of any Python that loaded it (IPython, pytest). Called
    by the command-line entry points only: `jovis.detect` leaves a Python session alone."""
    try:
        piped = not sys.stdout.isatty()
    except (AttributeError, ValueError):  # no stdout, or a closed one
        return
    columns = os.environ.get("COLUMNS", "")
    if piped and not (columns.isdigit() and int(columns) >= PIPED_COLUMNS):
        os.environ["COLUMNS"] = str(PIPED_COLUMNS)


VERBS = {
    "train": "train a segmentation model (experiment=NAME out=DIR)",
    "infer": "batch inference ([model=NAME|auto (default) or ckpt=PATH] input=DIR|GLOB|LIST.txt"
    "|[A,B])",
    "evaluate": "score a checkpoint on a labelled frame set (ckpt=PATH data=DIR)",
    "synth": "write a synthetic labelled frame set (out=DIR n=64 size=256)",
    "export": "export a checkpoint to ONNX or TorchScript (ckpt=PATH format=onnx)",
    "benchmark": "time or score the pipeline (suite=io|infer|synth|train|real|scaling|temporal|"
    "oval_course|instances|viewpoints|orientations|perturbations)",
    "adapt": "self-train a checkpoint on unlabelled frames of a flyby (ckpt=PATH data=DIR)",
    "realism": "UV realism report: synthetic vs real HST STIS frames (out=DIR)",
    "labels": "import annotations (labelme, CVAT, GeoJSON, catalogue CSV, DS9 .reg) or export "
    "predictions",
    "models": "list the released detectors shipped with jovis (for model=NAME)",
    "track": "link vortices and the oval across frames: ids, drift rates (input=DIR out=DIR)",
}


def usage() -> str:
    lines = ["usage: jovis <verb> [key=value ...] [-m] [--config-dir DIR] [--help]",
             "       jovis --version", ""]  # fmt: skip
    lines += [f"  {verb:<10} {text}" for verb, text in VERBS.items()]
    lines += [
        "",
        "`jovis <verb> --help` shows the verb's settings (Hydra). From Python:",
        "jovis.detect(input, out=DIR) runs infer, jovis.load_detections(DIR) reads a run;",
        "jovis.track(found, out=DIR) runs track, jovis.load_tracks(DIR) reads one.",
    ]
    return "\n".join(lines)


def version_line() -> str:
    """``jovis 0.1.0 (torch ..., torchvision ..., Python ...)``: what a methods section cites and a
    bug report needs; read from the installed packages' metadata (importing torch takes
    seconds)."""
    from importlib import metadata

    from jovis import __version__

    def installed(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    names = ("torch", "torchvision", "opencv-python-headless")
    libs = ", ".join(f"{name} {installed(name)}" for name in names)
    return f"jovis {__version__} ({libs}, Python {sys.version.split()[0]})"


def main() -> None:
    """Entry point of the `jovis` command: run the verb's app with the remaining arguments."""
    args = sys.argv[1:]
    wide_tables()
    if not args or args[0] in ("-h", "--help"):
        print(usage())
        sys.exit(0 if args else 2)
    if args[0] in ("-V", "--version"):
        print(version_line())
        sys.exit(0)
    verb = args[0]
    if verb not in VERBS:
        near = difflib.get_close_matches(verb, list(VERBS), n=1, cutoff=0.6)
        hint = f" (did you mean {near[0]}?)" if near else ""
        print(f"jovis: unknown verb {verb!r}{hint}; valid verbs: {', '.join(VERBS)}",
              file=sys.stderr)  # fmt: skip
        sys.exit(2)
    app = importlib.import_module(f"jovis.apps.{verb}")
    # Hydra reads its overrides from sys.argv: the verb is the dispatcher's, not the app's.
    sys.argv = [f"{sys.argv[0]} {verb}", *args[1:]]
    app.main()
