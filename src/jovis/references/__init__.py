"""Reference labels for the shared real frames (HST main oval, JunoCam vortices)."""

from jovis.references.frameset import STORED, build_reference_set, materialise

__all__ = ["STORED", "build_reference_set", "materialise"]
