"""jovis: aurora ovals and storm vortices in Jupiter's polar frames."""

__version__ = "0.1.0"
