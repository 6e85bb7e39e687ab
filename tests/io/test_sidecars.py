from pathlib import Path

from jovis.io.sidecars import junocam_metadata, sidecars, world_files


def test_a_frames_sidecar_names():
    png = Path("/d/JNCE_2022229_44C00037_V01-mapprojected.png")
    assert [p.name for p in sidecars(png)] == [
        f"{png.name}.map.json", f"{png.name}.view.json", f"{png.name}.aux.xml",
        "JNCE_2022229_44C00037_V01-mapprojected.wld", "JNCE_2022229_44C00037_V01-mapprojected.pgw",
        f"{png.name}w", "JNCE_2022229_44C00037_V01-mapprojected.prj",
        "expaurarr_north_iinx_jinx.npz", "expaurarr_south_iinx_jinx.npz",
        "JNCE_2022229_44C00037_V01-metadata.json",
    ]  # fmt: skip
    assert [p.suffix for p in world_files(Path("m.tif"))] == [".wld", ".tfw", ".tifw"]
    assert junocam_metadata(Path("mosaic.png")) is None
    assert junocam_metadata(Path("JNCR_2017033_04R00001_V01.IMG")).name == (
        "JNCR_2017033_04R00001_V01-metadata.json")  # fmt: skip
