"""Blend a frame's tile probabilities into one map as the tiles come, optionally beside the forward.

A large frame is predicted tile by tile; each tile's probabilities are weighted with a Gaussian
(`tiling.gaussian_weights`) and summed into the frame's accumulator. Given a thread pool, the
summing runs on it, one tile after another in the order they were added (a serial lane on a
shared pool: per pixel the float sums are those of a loop in that order, the same bits), while
the caller's thread runs the next tile's forward pass; numpy releases the GIL in both. On a
2-core laptop that hides the blending (~1 s of a 4096² frame) behind the network.
"""

from __future__ import annotations

import threading
from collections import deque
from concurrent.futures import Executor, Future

import numpy as np

from jovis.inference.tiling import gaussian_weights

Box = tuple[int, int, int, int]


class Blender:
    """Weighted average of tiles (each (K, h, w) at box (y, x, h, w)) into a (K, H, W) map.

    `add` tiles, then `result()` once: the map, after every tile added is in. With `pool`, tiles
    wait (their arrays held) until the lane reaches them: never more than a frame's tiles, which
    a blend at the end would hold too. An error while blending is raised by `result()`.
    """

    def __init__(self, shape: tuple[int, int], num_classes: int, pool: Executor | None = None):
        self.acc = np.zeros((num_classes, *shape), np.float32)
        self.norm = np.zeros(shape, np.float32)
        self.pool = pool
        self._waiting: deque[tuple[Box, np.ndarray]] = deque()
        self._lock = threading.Lock()
        self._running = False
        self._lane: Future | None = None
        self._error: BaseException | None = None

    def add(self, box: Box, probs: np.ndarray) -> None:
        if self.pool is None:
            self._blend(box, probs)
            return
        with self._lock:
            if self._error is not None:  # result() raises it: no use blending more
                return
            self._waiting.append((box, probs))
            if self._running:  # the lane's task takes it after the tiles before it
                return
            self._running = True
        self._lane = self.pool.submit(self._drain)

    def result(self) -> np.ndarray:
        if self._lane is not None:
            self._lane.result()  # the last task started: every earlier one has ended
        if self._error is not None:
            raise self._error
        self.acc /= self.norm  # in place: a (K, H, W) temporary is 200 MB at 4096²
        return self.acc

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._waiting or self._error is not None:
                    self._waiting.clear()
                    self._running = self._error is not None  # after an error: no new lane
                    return
                box, probs = self._waiting.popleft()
            try:
                self._blend(box, probs)
            except BaseException as err:  # result() raises it in the caller's thread
                self._error = err

    def _blend(self, box: Box, probs: np.ndarray) -> None:
        y, x, h, w = box
        weight = gaussian_weights(h, w).numpy()
        self.acc[:, y : y + h, x : x + w] += probs * weight
        self.norm[y : y + h, x : x + w] += weight


def blend(tiles: list[tuple[Box, np.ndarray]], shape: tuple[int, int], num_classes: int):
    """The (K, H, W) map of `tiles` blended in order, in this thread."""
    blender = Blender(shape, num_classes)
    for box, probs in tiles:
        blender.add(box, probs)
    return blender.result()
