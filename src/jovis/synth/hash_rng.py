"""Counter-based random numbers in torch: a 32-bit integer hash of (frame key, stream, index).

Every value depends only on the frame's seed, a stream name and the element's index, so frame i
gets the same numbers whatever batch it is rendered in and on whatever device, with no Python loop
over frames or pixels and no generator state. All arithmetic is int64 with values kept below
2**32 and multipliers below 2**31, so nothing overflows.
"""

from __future__ import annotations

import zlib

import torch

_M32 = 0xFFFFFFFF
_C = 0x45D9F3B  # Mueller's 32-bit mixing constant (< 2**31)


def mix32(x: torch.Tensor) -> torch.Tensor:
    """A well-mixed 32-bit hash of int64 values in [0, 2**32) (same shape)."""
    x = ((x >> 16) ^ x) * _C & _M32
    x = ((x >> 16) ^ x) * _C & _M32
    return (x >> 16) ^ x


def stream_id(name: str) -> int:
    return zlib.crc32(name.encode())


def frame_keys(seeds: torch.Tensor) -> torch.Tensor:
    """Per-frame 32-bit keys (B,) int64 from int64 seeds (any value ≥ 0)."""
    lo, hi = seeds & _M32, (seeds >> 32) & _M32
    return mix32(mix32(lo ^ 0x2545F491) ^ hi)


def hashes(keys: torch.Tensor, stream: str, shape: tuple[int, ...]) -> torch.Tensor:
    """Hash values (B, *shape) int64 in [0, 2**32) for element indices 0..prod(shape)-1."""
    n = 1
    for s in shape:
        n *= int(s)
    idx = torch.arange(n, device=keys.device, dtype=torch.int64).view(1, *shape)
    k = mix32(keys.view(-1, *([1] * len(shape))) ^ stream_id(stream))
    return mix32(idx ^ k)  # k is already well mixed per frame and stream: one round suffices


def uniform(keys: torch.Tensor, stream: str, shape: tuple[int, ...]) -> torch.Tensor:
    """Uniform float32 in [0, 1), shape (B, *shape)."""
    return hashes(keys, stream, shape).to(torch.float32) * (1.0 / 4294967296.0)


def normal(keys: torch.Tensor, stream: str, shape: tuple[int, ...]) -> torch.Tensor:
    """Standard normal float32 (B, *shape) by Box–Muller on the two 16-bit halves of one hash."""
    h = hashes(keys, stream, shape)
    u1 = ((h >> 16) + 1).to(torch.float32) * (1.0 / 65536.0)  # (0, 1]
    u2 = (h & 0xFFFF).to(torch.float32) * (1.0 / 65536.0)
    return torch.sqrt(-2.0 * torch.log(u1)) * torch.cos(6.283185307179586 * u2)


def hash_at(keys: torch.Tensor, stream: str, index: torch.Tensor) -> torch.Tensor:
    """Hash values at given non-negative int64 indices (B, ...) of each frame (same shape)."""
    k = mix32(keys.view(-1, *([1] * (index.dim() - 1))) ^ stream_id(stream))
    return mix32((index & _M32) ^ k)


def uniform_at(keys: torch.Tensor, stream: str, index: torch.Tensor) -> torch.Tensor:
    """Uniform float32 in [0, 1) at given indices (see `hash_at`)."""
    return hash_at(keys, stream, index).to(torch.float32) * (1.0 / 4294967296.0)
