"""PDS4 image products (`jovis.io.pds4`): an XML label beside its data file, as the PDS4
``juno_jiram_bundle`` serves JIRAM (PHYSICS.md §4)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jovis.inference.inputs import frame_files
from jovis.io import FrameReadError, read_frame, sniff_format
from jovis.io.limits import declared_size

PDS4_TYPES = {"<f4": "IEEE754LSBSingle", ">f4": "IEEE754MSBSingle", ">i2": "SignedMSB2",
              "<u2": "UnsignedLSB2", "|u1": "UnsignedByte"}  # fmt: skip
JIRAM_ID = "urn:nasa:pds:juno_jiram_bundle:data_calibrated:jir_img_rdr_2025001t000000_v01"


def write_pds4(folder: Path, stem: str, array: np.ndarray, *, axes=("Line", "Sample"),
               data_type: str | None = None, specials: str = "", scaling: str = "",
               ident: str = JIRAM_ID, mission_area: str = "", offset: int = 0,
               array_class: str | None = None) -> Path:  # fmt: skip
    """A PDS4 observational product: `array` (in its own byte order) in ``<stem>.img`` from
    byte `offset`, described by ``<stem>.xml`` as the PDS4 standard lays a label out."""
    data_type = data_type or PDS4_TYPES[array.dtype.str]
    (folder / f"{stem}.img").write_bytes(bytes(offset) + array.tobytes())
    array_class = array_class or f"Array_{array.ndim}D_Image"
    axis_xml = "".join(
        f"<Axis_Array><axis_name>{name}</axis_name><elements>{n}</elements>"
        f"<sequence_number>{i + 1}</sequence_number></Axis_Array>"
        for i, (name, n) in enumerate(zip(axes, array.shape, strict=True))
    )
    special_xml = f"<Special_Constants>{specials}</Special_Constants>" if specials else ""
    label = f"""<?xml version="1.0" encoding="UTF-8"?>
<Product_Observational xmlns="http://pds.nasa.gov/pds4/pds/v1">
  <Identification_Area>
    <logical_identifier>{ident}</logical_identifier>
    <version_id>1.0</version_id>
    <title>test product</title>
    <information_model_version>1.15.0.0</information_model_version>
    <product_class>Product_Observational</product_class>
  </Identification_Area>
  <Observation_Area>
    <Time_Coordinates>
      <start_date_time>2025-01-01T00:10:00.000Z</start_date_time>
      <stop_date_time>2025-01-01T00:10:01.000Z</stop_date_time>
    </Time_Coordinates>
    {mission_area}
  </Observation_Area>
  <File_Area_Observational>
    <File><file_name>{stem}.img</file_name></File>
    <{array_class}>
      <local_identifier>IMAGE</local_identifier>
      <offset unit="byte">{offset}</offset>
      <axes>{array.ndim}</axes>
      <axis_index_order>Last Index Fastest</axis_index_order>
      <Element_Array><data_type>{data_type}</data_type><unit>W/(m**2*sr)</unit>{scaling}</Element_Array>
      {axis_xml}
      {special_xml}
    </{array_class}>
  </File_Area_Observational>
</Product_Observational>
"""
    (folder / f"{stem}.xml").write_text(label)
    return folder / f"{stem}.xml"


def radiance(lines: int = 256, samples: int = 24) -> np.ndarray:
    rng = np.random.default_rng(4)
    return rng.uniform(0.001, 0.5, (lines, samples)).astype("<f4")


def test_a_jiram_i1_rdr_reads_l_over_m_from_its_label_or_its_data_file(tmp_path):
    image = radiance()
    label = write_pds4(tmp_path, "jir_img_rdr_2025001t000000_v01", image)
    for path in (label, label.with_suffix(".img")):
        assert sniff_format(path) == "pds4"
        frame = read_frame(path)
        assert frame.instrument == "jiram" and frame.channels == ["L", "M"]
        np.testing.assert_array_equal(frame.image[:, :, 0], image[:128])
        np.testing.assert_array_equal(frame.image[:, :, 1], image[128:])
        assert frame.meta["time"] == "2025-01-01T00:10:00.000Z"
        assert frame.meta["units"] == "W/(m**2*sr)" and frame.meta["format"] == "pds4"
        assert "byte_order_note" not in frame.meta and frame.valid.all()
    assert declared_size(label, "pds4") == (256 * 24,)


def test_floats_labelled_in_one_byte_order_and_written_in_the_other_are_read_sanely(tmp_path):
    image = radiance()
    label = write_pds4(tmp_path, "jir_img_rdr_x", image, data_type="IEEE754MSBSingle")
    frame = read_frame(label)
    np.testing.assert_array_equal(frame.image[:, :, 0], image[:128])
    assert frame.meta["byte_order"] == "little"
    assert "read as little-endian" in frame.meta["byte_order_note"]


def test_special_constants_are_no_data_and_scaling_is_applied(tmp_path):
    counts = np.arange(40 * 30, dtype=">i2").reshape(40, 30)
    counts[3, 4], counts[5, 6] = -32768, -32767
    label = write_pds4(
        tmp_path, "other", counts, ident="urn:nasa:pds:some_bundle:data:other",
        specials="<missing_constant>-32768</missing_constant>"
                 "<invalid_constant>-32767</invalid_constant>",
        scaling="<scaling_factor>0.5</scaling_factor><value_offset>10</value_offset>",
    )  # fmt: skip
    frame = read_frame(label, instrument="jiram_m")
    assert frame.instrument == "jiram_m" and frame.channels == ["gray"]
    assert not frame.valid[3, 4] and not frame.valid[5, 6] and frame.valid.sum() == 40 * 30 - 2
    assert frame.image[0, 7, 0] == pytest.approx(7 * 0.5 + 10)
    assert frame.meta["scaling"] == [0.5, 10.0]


def test_a_3d_image_takes_the_axis_not_named_line_or_sample_as_its_bands(tmp_path):
    cube = np.random.default_rng(1).random((3, 20, 16)).astype("<f4")
    label = write_pds4(tmp_path, "cube", cube, axes=("Band", "Line", "Sample"),
                       ident="urn:nasa:pds:x:data:cube", offset=100)  # fmt: skip
    frame = read_frame(label)
    assert frame.image.shape == (20, 16, 3) and frame.channels == ["band1", "band2", "band3"]
    np.testing.assert_array_equal(frame.image, np.moveaxis(cube, 0, -1))


@pytest.mark.parametrize(("band", "instrument"), [("M", "jiram_m"), ("L", "jiram_l")])
def test_a_single_band_jiram_product_without_a_mode_takes_its_filter(tmp_path, band, instrument):
    # without a mode id a 128-line product was "band1" of a jiram frame: auto took it as L
    filter_xml = f"<img:filter_name>{band}</img:filter_name>"
    area = f"<Mission_Area><img:Optical_Filter xmlns:img='urn:x'>{filter_xml}</img:Optical_Filter>"
    area += "</Mission_Area>"
    frame = read_frame(write_pds4(tmp_path, "jir_img_rdr_f", radiance(128), mission_area=area))
    assert frame.instrument == instrument and frame.channels == [band]


def test_a_jiram_mode_in_the_mission_area_is_used(tmp_path):
    mission = ("<Mission_Area><jiram:Instrument_Parameters xmlns:jiram='urn:x'>"
               "<jiram:instrument_mode_id>I2</jiram:instrument_mode_id>"
               "</jiram:Instrument_Parameters></Mission_Area>")  # fmt: skip
    frame = read_frame(write_pds4(tmp_path, "jir_img_rdr_m", radiance(128), mission_area=mission))
    assert frame.instrument == "jiram_m" and frame.channels == ["M"]
    assert frame.meta["instrument_mode"] == "I2"


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda f: (f / "p.img").write_bytes((f / "p.img").read_bytes()[:-9]), "p.img is trunc"),
        (lambda f: (f / "p.img").unlink(), "file_name p.img does not exist"),
        (lambda f: (f / "p.xml").write_text((f / "p.xml").read_text().replace(
            "Array_2D_Image", "Array_2D_Spectrum")), "it has Array_2D_Spectrum"),
        (lambda f: (f / "p.xml").write_text("<?xml version='1.0'?><Product_Bundle/>"),
         "not a PDS4 observational product"),
        (lambda f: (f / "p.xml").write_text((f / "p.xml").read_text().replace(
            "IEEE754LSBSingle", "ComplexLSB8")), "not an image jovis reads"),
    ],
)  # fmt: skip
def test_broken_products_are_refused_naming_the_reason(tmp_path, damage, reason):
    write_pds4(tmp_path, "p", radiance(64), ident="urn:nasa:pds:x:data:p")
    damage(tmp_path)
    with pytest.raises(FrameReadError, match=reason) as err:
        read_frame(tmp_path / "p.xml")
    assert "p.xml" in str(err.value)


def test_a_folder_lists_each_product_once_and_no_other_xml(tmp_path):
    write_pds4(tmp_path, "jir_img_rdr_a", radiance())
    spectra = np.zeros((256, 336), "<f4") + 0.1
    write_pds4(tmp_path, "jir_spe_rdr_a", spectra, array_class="Array_2D_Spectrum")
    write_pds4(tmp_path, "jir_spe_rdr_b", spectra, array_class="Array_2D")
    (tmp_path / "bundle_juno_jiram.xml").write_text("<?xml version='1.0'?><Product_Bundle/>")
    (tmp_path / "collection_data.xml").write_text("<?xml version='1.0'?><Product_Collection/>")
    listed = frame_files(sorted(tmp_path.iterdir()))
    assert [p.name for p in listed] == ["jir_img_rdr_a.xml", "jir_spe_rdr_b.xml"]
    with pytest.raises(FrameReadError, match="JIRAM spectrometer product"):
        read_frame(tmp_path / "jir_spe_rdr_b.xml")  # labelled as a plain array: refused by name
    with pytest.raises(FrameReadError, match="not a PDS4 observational product's label"):
        read_frame(tmp_path / "bundle_juno_jiram.xml")


def test_the_pixel_limit_is_checked_from_the_label(tmp_path):
    label = write_pds4(tmp_path, "jir_img_rdr_b", radiance())
    with pytest.raises(FrameReadError, match="declares 6144 = "):
        read_frame(label.with_suffix(".img"), max_pixels=1000)


def test_a_junocam_pds4_product_is_refused_not_read_as_one_grey_strip(tmp_path):
    framelets = np.zeros((384, 16), np.uint8) + 7
    ident = "urn:nasa:pds:juno_junocam:data_raw:jnce_2025001_70c00001_v01"
    label = write_pds4(tmp_path, "JNCE_2025001_70C00001_V01", framelets, ident=ident)
    with pytest.raises(FrameReadError, match="JunoCam PDS4 product"):
        read_frame(label)
