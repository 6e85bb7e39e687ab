"""The size and CPU cost of every model configuration in ``configs/model/``: what a release can
afford (fp16 bytes against a size limit) before any training is spent on it.

    python scripts/model_zoo.py [size=256] [in_channels=1] [encoder_width=0.75 decoder_width=0.25]
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch
import yaml

from jovis.models.factory import build_model

MODEL_DIR = Path(__file__).resolve().parents[1] / "configs" / "model"
BUILD_KEYS = ("arch", "encoder", "decoder_width", "encoder_width")


def model_configs(folder: Path = MODEL_DIR) -> dict[str, dict[str, Any]]:
    """`{name: build settings}` of each ``<name>.yaml``, following its ``defaults`` parent."""
    raw = {p.stem: yaml.safe_load(p.read_text()) or {} for p in sorted(folder.glob("*.yaml"))}

    def resolved(name: str) -> dict[str, Any]:
        cfg = dict(raw[name])
        parents = [d for d in cfg.pop("defaults", []) if isinstance(d, str) and d in raw]
        base = resolved(parents[0]) if parents else {}
        return {**base, **cfg}

    return {n: {k: resolved(n)[k] for k in BUILD_KEYS if k in resolved(n)} for n in raw}


def measure(settings: dict[str, Any], in_channels: int, size: int, repeats: int = 3) -> dict:
    """Parameters, fp16 megabytes and median CPU milliseconds of one forward pass at `size`²."""
    model = build_model(in_channels=in_channels, num_classes=3, **settings).eval()
    model = model.to(memory_format=torch.channels_last)
    params = sum(p.numel() for p in model.parameters())
    x = torch.randn(1, in_channels, size, size).to(memory_format=torch.channels_last)
    times = []
    with torch.inference_mode():
        model(x)  # warm-up
        for _ in range(repeats):
            t0 = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t0)
    return {"parameters": params, "fp16_mb": round(params * 2 / 1e6, 2),
            "cpu_ms": round(1000 * sorted(times)[len(times) // 2], 1)}  # fmt: skip


def zoo_table(size: int = 256, in_channels: int = 1, names: list[str] | None = None,
              overrides: dict[str, float] | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """One row per model configuration (or `names`), widths overridden where the model allows."""
    rows = []
    for name, settings in model_configs().items():
        if names and name not in names:
            continue
        settings = dict(settings)
        for key, value in (overrides or {}).items():
            if key not in ("decoder_width", "encoder_width"):
                raise ValueError(f"{key}=: only decoder_width and encoder_width can be overridden")
            settings[key] = value
        try:
            rows.append({"model": name, **settings, **measure(settings, in_channels, size)})
        except ValueError as err:  # e.g. a width a fixed-head model cannot take
            rows.append({"model": name, **settings, "error": str(err)})
    return sorted(rows, key=lambda r: r.get("parameters", 0))
