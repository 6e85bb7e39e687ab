"""Overlay maps of frames, masks and features (OpenCV; RGB uint8 arrays, the caller writes them)."""

from jovis.render.display import display_image
from jovis.render.overlay import render_overlay

__all__ = ["display_image", "render_overlay"]
