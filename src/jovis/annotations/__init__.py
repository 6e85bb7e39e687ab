"""Annotations in the tools scientists use (labelme, CVAT, GeoJSON, lat/lon ellipse catalogues)
to and from jovis's labelled frame sets: one module per format, `importer` and `export`."""

from jovis.annotations.export import export_predictions, export_run, mask_polygons
from jovis.annotations.importer import ImportSettings, import_annotations
from jovis.annotations.labelme import AnnotationError

__all__ = [
    "AnnotationError",
    "ImportSettings",
    "export_predictions",
    "export_run",
    "import_annotations",
    "mask_polygons",
]
