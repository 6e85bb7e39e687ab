"""Class masks as PDS4 products on the map of the PDS4 map they were predicted on
(``masks/<id>.xml`` label and ``masks/<id>.img`` data beside the mask PNG), so that GDAL, a GIS,
`pdr` and jovis read the mask where they read the input.

The class ids are UnsignedByte pixels of an Array_2D_Image; a pixel the detector ignores (off
the data) holds the schema's ignore id, the array's ``missing_constant``. The input's
``cart:Cartography`` is copied as it was written (`jovis.io.pds4_cartography.CartMap.xml`).
The data file is written before the label, each whole or not at all: a label is never left
naming a missing or short file.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np

from jovis.frame import LabelSchema
from jovis.io.atomic import write_bytes, write_text


def class_label(stem: str, shape: tuple[int, int], cart_xml: str, schema: LabelSchema) -> str:
    """The PDS4 label of an H×W class-id mask stored as ``<stem>.img`` on the map `cart_xml`."""
    lines, samples = shape
    classes = ", ".join(f"{c.id} {c.name}" for c in schema.classes)
    ident = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in stem.lower())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Product_Observational xmlns="http://pds.nasa.gov/pds4/pds/v1">
  <Identification_Area>
    <logical_identifier>urn:nasa:pds:jovis:masks:{ident}</logical_identifier>
    <version_id>1.0</version_id>
    <title>jovis class mask of {escape(stem)}</title>
    <information_model_version>1.16.0.0</information_model_version>
    <product_class>Product_Observational</product_class>
  </Identification_Area>
  <Observation_Area>
    <Time_Coordinates>
      <start_date_time xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true" nilReason="inapplicable"/>
      <stop_date_time xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true" nilReason="inapplicable"/>
    </Time_Coordinates>
    <Target_Identification>
      <name>Jupiter</name>
      <type>Planet</type>
    </Target_Identification>
    <Discipline_Area>
      {cart_xml.strip()}
    </Discipline_Area>
  </Observation_Area>
  <File_Area_Observational>
    <File>
      <file_name>{escape(stem)}.img</file_name>
    </File>
    <Array_2D_Image>
      <local_identifier>class_mask</local_identifier>
      <offset unit="byte">0</offset>
      <axes>2</axes>
      <axis_index_order>Last Index Fastest</axis_index_order>
      <description>jovis class ids ({escape(classes)}); {schema.ignore_index}: off the data</description>
      <Element_Array>
        <data_type>UnsignedByte</data_type>
      </Element_Array>
      <Axis_Array>
        <axis_name>Line</axis_name>
        <elements>{lines}</elements>
        <sequence_number>1</sequence_number>
      </Axis_Array>
      <Axis_Array>
        <axis_name>Sample</axis_name>
        <elements>{samples}</elements>
        <sequence_number>2</sequence_number>
      </Axis_Array>
      <Special_Constants>
        <missing_constant>{schema.ignore_index}</missing_constant>
      </Special_Constants>
    </Array_2D_Image>
  </File_Area_Observational>
</Product_Observational>
"""  # noqa: E501


def write_class_pds4(path: str | Path, mask: np.ndarray, cart_xml: str,
                     schema: LabelSchema) -> Path:  # fmt: skip
    """Write an H×W class-id mask as the PDS4 product `path` (its label, ``.xml``) and its data
    file beside it (``.img``), on the map `cart_xml` (a cart:Cartography element)."""
    if mask.ndim != 2:
        raise ValueError(f"mask must be H×W, got shape {mask.shape}")
    path = Path(path)
    write_bytes(path.with_suffix(".img"), np.ascontiguousarray(mask, dtype=np.uint8).tobytes())
    return write_text(path, class_label(path.stem, mask.shape, cart_xml, schema))
