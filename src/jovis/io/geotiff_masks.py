"""Class masks as GeoTIFFs with the georeferencing of the GeoTIFF they were predicted on
(``masks/<id>.tif`` beside the mask PNG), so that a GIS (QGIS, GDAL) lays them over the input.

The class ids are the pixel values (a palette image in the schema's colours); a pixel the
detector ignores (off the data) is 255, GDAL's no-data value there. The input's geo tags
(ModelPixelScale, ModelTiepoint or ModelTransformation, the GeoKeys and their parameters) are
copied as they were written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jovis.frame import LabelSchema
from jovis.io.atomic import write_bytes
from jovis.io.geotiff import GDAL_NODATA
from jovis.io.tiff_tags import ASCII, encode_tiff


def write_class_geotiff(path: str | Path, mask: np.ndarray, geo_tags: list,
                        schema: LabelSchema) -> Path:  # fmt: skip
    """Write an H×W class-id mask as a GeoTIFF with `geo_tags` ((tag, field type, values) as
    `jovis.io.geotiff.geo_tags_of` keeps them)."""
    if mask.ndim != 2:
        raise ValueError(f"mask must be H×W, got shape {mask.shape}")
    tags = [(int(t), int(k), v if isinstance(v, str) else tuple(v)) for t, k, v in geo_tags]
    tags = [t for t in tags if t[0] != GDAL_NODATA] + [(GDAL_NODATA, ASCII,
                                                         str(schema.ignore_index))]  # fmt: skip
    data = encode_tiff(np.asarray(mask, np.uint8), tags, schema.palette())
    return write_bytes(path, data)
