"""Released detectors shipped inside the package, and the one resolver of `model=` / `ckpt=`.

Each release is a folder ``src/jovis/released/<name>-v<k>/`` holding ``model.pt`` (a
self-describing checkpoint with fp16 weights, read with ``weights_only=True`` through
`jovis.checkpoint`), ``card.json`` (the figures `jovis models` shows and a test checks) and
``CARD.md`` (the same for people). Weights never change in place: a new version is a new folder
(``uv-v2``) with its own card, and the bare name (``uv``) resolves to the newest version.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

RELEASED_DIR = Path(__file__).resolve().parent
FOLDER = re.compile(r"^(?P<name>[a-z][a-z0-9_]*)-v(?P<version>[1-9][0-9]*)$")
# Check frame sets, one folder per content (the first 16 hex digits of the card's
# frames_sha256): releases made on one generator share theirs (they were 2-5 MB a release).
CHECKS_DIR = "checks"


def check_set_folder(root: Path, frames_sha256: str) -> Path:
    """Where the check frames of that digest are stored under the releases' `root`."""
    return root / CHECKS_DIR / frames_sha256[:16]


# What each released name detects; a name here may have no version shipped yet.
NAMES = {
    "uv": "far-UV polar projections (HST STIS, Juno UVS): the main auroral oval",
    "visible_rgb": "JunoCam three-channel products (red, green, blue): vortices",
    "jiram_l": "JIRAM L-band (3.4 µm H3+) frames: the auroral oval",
    "jiram_m": "JIRAM M-band (5 µm) frames: cyclones",
}
# model=auto: the frame's instrument (`Frame.instrument`, set by `jovis.io.read_frame` from the
# FITS header, the JunoCam product id or the PDS3 INSTRUMENT_ID) → released name.
AUTO = {
    "hst_stis": "uv",
    "hst_acs": "uv",  # the Solar Blind Channel's far-UV frames (`jovis.io.fits.hst_camera`)
    "uv": "uv",
    "uvs": "uv",
    "junocam": "visible_rgb",
    "junocam_rgb": "visible_rgb",
    "jiram_l": "jiram_l",
    "jiram": "jiram_l",
    "jiram_m": "jiram_m",
}
# model=auto on a frame whose reader could not tell the instrument (a renamed JunoCam composite,
# a JPEG export): colour channels are taken as a visible-light composite.
COLOUR_CHANNELS = ["red", "green", "blue"]
COLOUR_GUESS = "visible_rgb"
CARD_FIELDS = (
    "name", "version", "description", "instrument", "model", "size_mb", "sha256",
    "training", "data", "hardware", "synthetic_heldout", "check", "real_frames",
    "failure_modes", "licence", "credits",
)  # fmt: skip


class UnknownModelError(ValueError):
    """A `model=` that names no released detector and no file; the message lists the choices."""


@dataclass(frozen=True)
class Release:
    name: str
    version: int
    folder: Path

    @property
    def tag(self) -> str:
        return f"{self.name}-v{self.version}"

    @property
    def weights(self) -> Path:
        return self.folder / "model.pt"

    @cached_property
    def card(self) -> dict[str, Any]:
        path = self.folder / "card.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as err:
            raise ValueError(f"{path}: unreadable model card ({err}); reinstall jovis") from err

    @property
    def check_set(self) -> Path:
        """Its 8 labelled synthetic check frames (a frame set), as its card's score was taken."""
        return check_set_folder(self.folder.parent, self.card["check"]["frames_sha256"])

    @property
    def view_altitude_km(self) -> tuple[float, float] | None:
        """The spacecraft altitudes, km, of its perspective training views, from its card's
        data (None: it saw no perspective view)."""
        from jovis.geometry.training import geometry_of_config

        data = self.card.get("data") or {}
        params = data.get("params")
        size = (self.card.get("training") or {}).get("size") or 1
        config = {"kind": "synthetic", "size": size, "view": data.get("view", "polar"),
                  "params": params if isinstance(params, dict) else {}}  # fmt: skip
        geometry = geometry_of_config({"data": config})
        return None if geometry is None else geometry.view_altitude_km

    def covers_altitude(self, altitude_km: float) -> bool:
        span = self.view_altitude_km
        return span is not None and span[0] <= altitude_km <= span[1]


@dataclass(frozen=True)
class Pick:
    """What `model=`/`ckpt=` resolved to: the checkpoint file, its label and why it was chosen."""

    path: Path
    model: str  # the release tag (uv-v1) or the path as given
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"model": self.model, "checkpoint": str(self.path), "model_reason": self.reason}


def releases(root: Path = RELEASED_DIR) -> list[Release]:
    """Every shipped release, by name then version."""
    found = []
    for folder in sorted(root.iterdir()) if root.is_dir() else []:
        match = FOLDER.match(folder.name)
        if match and (folder / "model.pt").is_file():
            found.append(Release(match["name"], int(match["version"]), folder))
    return sorted(found, key=lambda r: (r.name, r.version))


def choices(root: Path = RELEASED_DIR) -> list[str]:
    """The words `model=` takes: auto, each released name and each name-vK."""
    shipped = releases(root)
    return ["auto", *sorted({r.name for r in shipped}), *[r.tag for r in shipped]]


def find_release(word: str, root: Path = RELEASED_DIR) -> Release:
    """The release `word` names: ``uv`` (its newest version) or ``uv-v1`` (exactly that one)."""
    shipped = releases(root)
    exact = [r for r in shipped if word in (r.tag, r.name)]
    if exact:
        return exact[-1]
    hint = (
        f" ({word} is planned: {NAMES[word]}; no version is shipped yet)" if word in NAMES else ""
    )
    raise UnknownModelError(
        f"model={word}: no released detector or checkpoint file of that name{hint}; valid "
        f"choices: {', '.join(choices(root))}, or a path to a model.pt (`jovis models` lists them)"
    )


def for_instrument(
    instrument: str,
    root: Path = RELEASED_DIR,
    channels: list[str] | None = None,
    altitude_km: float | None = None,
) -> Release:
    """model=auto: the newest release for a frame of this instrument; with the frame's
    `channels`, refused when the release takes another number of channels (a JunoCam
    methane-band frame is JunoCam too, but the released detector takes the colour products).
    With the frame's spacecraft `altitude_km` (a JunoCam product's metadata), the newest
    version whose perspective training views were taken from that altitude, when the newest
    of all was not (`visible_rgb-v5`'s views start at 30,000 km, and on synthetic views from
    10,000-30,000 km `visible_rgb-v4` scores vortex IoU 0.600 against its 0.377). A frame of
    unknown instrument with red, green and blue channels gets the colour detector
    (`colour_guess`); any other unknown frame is refused."""
    name = AUTO.get(str(instrument).lower())
    if name is None and colour_guess(instrument, channels):
        name = COLOUR_GUESS
    if name is None:
        seen = "" if channels is None else f" with {len(channels)} channel(s) {list(channels)}"
        raise UnknownModelError(
            f"model=auto: no released detector for instrument {instrument!r}{seen} (the reader "
            f"could not tell it, or none is made for it); instruments auto knows: "
            f"{', '.join(AUTO)}, and colour images ({'/'.join(COLOUR_CHANNELS)}) of unknown "
            f"instrument; give model=NAME ({', '.join(choices(root)[1:])}) or a checkpoint path"
        )
    found = find_release(name, root)
    takes = found.card.get("channels")  # checked on the newest: an older version is not named
    if channels is not None and takes is not None and len(channels) != len(takes):
        raise UnknownModelError(
            f"model=auto: no released detector for {instrument} frames with "
            f"{len(channels)} channel(s) {list(channels)}: {found.tag} takes {len(takes)} "
            f"{list(takes)}; train a detector on frames with these channels (the `channels` of "
            f"configs/instrument/*.yaml) and give ckpt=PATH"
        )
    return by_altitude(found, altitude_km, root)


def by_altitude(found: Release, altitude_km: float | None, root: Path = RELEASED_DIR) -> Release:
    """The newest version of `found`'s name whose perspective training views were taken from
    `altitude_km`, when `found` (the newest) was not; `found` otherwise."""
    if altitude_km is None or found.covers_altitude(altitude_km):
        return found
    covering = [
        r for r in releases(root) if r.name == found.name and r.covers_altitude(altitude_km)
    ]
    return covering[-1] if covering else found


def for_bands(
    channels: list[str], altitude_km: float | None = None, root: Path = RELEASED_DIR
) -> list[Release]:
    """model=auto for a frame of several bands that no release takes together (a JIRAM I1
    frame's L and M; a JunoCam frame of all four filters): the newest release of each name that
    takes some of its bands (by `altitude_km` as `for_instrument` picks), each then given those
    (`jovis.inference.prepare.take_bands`). Empty when none does."""
    found = []
    for name in NAMES:
        try:
            newest = find_release(name, root)
        except UnknownModelError:  # a name with no version shipped yet
            continue
        takes = newest.card.get("channels") or []
        if takes and len(takes) < len(channels) and set(takes) <= set(channels):
            found.append(by_altitude(newest, altitude_km, root))
    return found


def colour_guess(instrument: str | None, channels: list[str] | None) -> bool:
    """Whether model=auto takes a frame as a visible-light colour composite though its reader
    could not tell the instrument: instrument ``unknown`` and channels exactly red, green, blue
    (a JunoCam composite renamed or re-saved; a single-channel frame could be far-UV, infrared
    or visible, so it is not guessed)."""
    return str(instrument).lower() == "unknown" and list(channels or []) == COLOUR_CHANNELS


def resolve_model(
    model: str | None = None,
    ckpt: str | Path | None = None,
    *,
    instrument: str | None = None,
    channels: list[str] | None = None,
    altitude_km: float | None = None,
    root: Path = RELEASED_DIR,
) -> Pick:
    """The checkpoint `model=` (a released name, ``auto`` or a path) or `ckpt=` (a path) means.

    ``auto`` needs `instrument`, the frame's (`Frame.instrument`), and checks the frame's
    `channels` against the pick's when given, and prefers a version trained on views from the
    frame's `altitude_km` (`for_instrument`). Giving both `model` and
    `ckpt` is an error unless they agree.
    """
    if model is None or str(model) == "":
        if ckpt is None:
            raise ValueError(
                "no model given: add model=NAME (a released detector: "
                f"{', '.join(choices(root))}) or ckpt=PATH (a model.pt from a training run)"
            )
        return Pick(Path(ckpt), str(ckpt), "ckpt= given")
    word = str(model)
    if word == "auto":
        if instrument is None:
            raise ValueError("model=auto needs the frame's instrument to pick a detector")
        found = for_instrument(instrument, root, channels, altitude_km)
        reason = f"auto: instrument {instrument} → {found.name}"
        if colour_guess(instrument, channels):
            reason = (f"auto: instrument unknown, colour channels {'/'.join(COLOUR_CHANNELS)} → "
                      f"{found.name}, taken as a visible-light composite")  # fmt: skip
        newest = find_release(found.name, root)
        if found != newest:
            span = newest.view_altitude_km
            views = (
                "no perspective view"
                if span is None
                else f"views from {span[0]:.0f}-{span[1]:.0f} km"
            )
            reason += (f" ({found.tag}: taken from {altitude_km:.0f} km, outside {newest.tag}'s "
                       f"training {views})")  # fmt: skip
        pick = Pick(found.weights, found.tag, reason)
    elif "/" in word or word.endswith((".pt", ".ckpt")) or Path(word).is_file():
        pick = Pick(Path(word), word, "model= path")
    else:
        found = find_release(word, root)
        pick = Pick(found.weights, found.tag, f"released {found.tag}")
    if ckpt is not None and Path(ckpt).resolve() != pick.path.resolve():
        raise ValueError(
            f"model={model} and ckpt={ckpt} name two different checkpoints; give one of them"
        )
    return pick
