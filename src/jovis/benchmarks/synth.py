"""suite=synth: frames/s of the torch renderer (`jovis.synth.render_batch`) per instrument.

Each instrument's channels come from ``configs/instrument/<name>.yaml``. Warm-up batches are not
timed; on CUDA the clock stops after ``torch.cuda.synchronize``. Every timed batch gets fresh
seeds, so nothing is served from a cache. The floors of issue 3 are reported as pass/fail where
they apply: ≥ 30 frames/s at 256×256 single-channel on the CPU, ≥ 2000 frames/s at 512×512 on a
CUDA device.

Each row also times the per-frame scene draw alone (``scene_ms``: vortex placement, oval and
footprints in plain Python/numpy on the CPU, `jovis.synth.renderer.draw_batch`), which no device
speeds up: a renderer can never pass ``scene_bound_fps`` = 1000 / ``scene_ms`` frames/s (an
H200 rendered 75-111 frames/s at 512²), and the rendering of scenes drawn beforehand
(``drawn_fps``), the rate left when the draw runs elsewhere.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import torch

from jovis.devices import resolve_device
from jovis.io.instrument import load_instrument

INSTRUMENTS = ("jiram_l", "jiram_m", "uv", "junocam")
# device kind → (frame side the floor is stated at, frames/s, single-channel only)
FLOORS = {"cpu": (256, 30.0, True), "cuda": (512, 2000.0, False)}
SEED0 = 40_000_000  # benchmark seeds: a range no training, validation or report uses


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def floor_for(device: str, size: int, n_channels: int) -> float | None:
    """The issue-3 frames/s floor that applies to this run, or None when none is stated."""
    floor_size, floor_fps, single = FLOORS["cuda" if device.startswith("cuda") else "cpu"]
    return floor_fps if size == floor_size and (n_channels == 1 or not single) else None


def time_instrument(
    name: str, device: str, size: int, frames: int, batch_size: int, warmup: int
) -> dict[str, Any]:
    """Render `frames` frames of instrument `name` in batches; frames/s without the warm-up.
    Then `frames` more in two timed halves: their scenes drawn (``scene_ms`` a frame,
    ``scene_bound_fps``), then rendered from those draws (``drawn_fps``: the rate with the scene
    draw moved elsewhere, as ``data.scene_workers`` does in training)."""
    from jovis.synth import render_batch
    from jovis.synth.renderer import draw_batch

    channels = list(load_instrument(name)["channels"])
    seed = SEED0

    def batch(n: int) -> None:
        nonlocal seed
        render_batch(list(range(seed, seed + n)), size, channels, device=device)
        seed += n

    for _ in range(warmup):
        batch(batch_size)
    _sync(device)
    start, done = time.perf_counter(), 0
    while done < frames:
        n = min(batch_size, frames - done)
        batch(n)
        done += n
    _sync(device)
    seconds = time.perf_counter() - start
    floor_fps = floor_for(device, size, len(channels))
    fps = frames / seconds
    batches = [list(range(s, min(s + batch_size, seed + frames)))
               for s in range(seed, seed + frames, batch_size)]  # fmt: skip
    start = time.perf_counter()
    drawn = [draw_batch(b, size) for b in batches]
    draw_seconds = time.perf_counter() - start
    start = time.perf_counter()
    for b, d in zip(batches, drawn, strict=True):
        render_batch(b, size, channels, device=device, drawn=d)
    _sync(device)
    drawn_fps = frames / (time.perf_counter() - start)
    return {
        "instrument": name,
        "channels": channels,
        "frames": frames,
        "seconds": round(seconds, 4),
        "fps": round(fps, 1),
        "scene_ms": round(1000.0 * draw_seconds / frames, 2),
        "scene_bound_fps": round(frames / draw_seconds, 1),
        "drawn_fps": round(drawn_fps, 1),
        "floor_fps": floor_fps,
        "meets_floor": None if floor_fps is None else fps >= floor_fps,
    }


def run_synth(
    device: str = "auto",
    size: int | None = None,
    frames: int | None = None,
    batch_size: int | None = None,
    instruments: Sequence[str] = INSTRUMENTS,
    warmup: int = 1,
) -> dict[str, Any]:
    """Time `render_batch` for each instrument.

    Parameters
    ----------
    device : str
        ``auto``, ``cpu`` or ``cuda``.
    size : int, optional
        Frame side in px (None: 256 on a CPU, 512 on CUDA: the sizes the floors are stated at).
    frames : int, optional
        Frames timed per instrument (None: 64 on a CPU, 32 batches on CUDA).
    batch_size : int, optional
        Frames per `render_batch` call (None: 16 on a CPU, 256 on CUDA).
    instruments : sequence of str
        Names under ``configs/instrument/``.
    warmup : int
        Untimed batches per instrument first (allocator, kernels, caches).

    Returns
    -------
    dict
        ``suite``, ``device``, ``device_name``, ``size``, ``batch_size``, ``frames``,
        ``torch_threads``, ``instruments`` (one row each: ``fps``, ``seconds``, ``channels``,
        ``scene_ms``, ``scene_bound_fps``, ``drawn_fps``, ``floor_fps``, ``meets_floor``) and
        ``meets_floor`` (all applicable floors met, or None when none applies).
    """
    device = resolve_device(device)
    cuda = device.startswith("cuda")
    size = int(size) if size is not None else (512 if cuda else 256)
    batch_size = int(batch_size) if batch_size is not None else (256 if cuda else 16)
    frames = int(frames) if frames is not None else (32 * batch_size if cuda else 64)
    for key, value in (("size", size), ("frames", frames), ("batch_size", batch_size)):
        if value < 1:
            raise ValueError(f"synth.{key}={value} must be >= 1")
    if warmup < 0:
        raise ValueError(f"synth.warmup={warmup} must be >= 0")
    if not instruments:
        raise ValueError(
            "synth.instruments is empty; name at least one of " + ", ".join(INSTRUMENTS)
        )
    rows = [time_instrument(n, device, size, frames, batch_size, warmup) for n in instruments]
    verdicts = [r["meets_floor"] for r in rows if r["meets_floor"] is not None]
    return {
        "suite": "synth",
        "device": device,
        "device_name": torch.cuda.get_device_name(device) if cuda else "cpu",
        "size": size,
        "batch_size": batch_size,
        "frames": frames,
        "torch_threads": torch.get_num_threads(),
        "instruments": rows,
        "meets_floor": all(verdicts) if verdicts else None,
    }
