import zipfile

import pytest

from jovis.inference.inputs import frame_set_rows, list_inputs, unique_ids


def test_folder_glob_list_and_single_file(tmp_path):
    names = ["b.png", "a.npy", "notes.txt", ".hidden.png", "c.fits.gz", "d.tar.gz", "e.fits.fz"]
    for name in names:  # (e.fits.fz: fpack's tile-compressed FITS, left out of folders before)
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    # d.tar.gz is no archive: kept, so that the run records it as failed with its reason
    assert [p.name for p in list_inputs(tmp_path)] == [
        "a.npy",
        "b.png",
        "c.fits.gz",
        "e.fits.fz",
        "d.tar.gz",  # (archives after the frames)
    ]
    assert [p.name for p in list_inputs(f"{tmp_path}/*")] == [
        "a.npy",
        "b.png",
        "c.fits.gz",
        "d.tar.gz",
        "e.fits.fz",
        "notes.txt",
    ]
    listing = tmp_path / "list.txt"
    listing.write_text("# frames\nb.png\n\n" + str(tmp_path / "a.npy") + "\n")
    assert [p.name for p in list_inputs(listing)] == ["b.png", "a.npy"]
    assert list_inputs(tmp_path / "b.png") == [tmp_path / "b.png"]
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        list_inputs(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="no frames found"):
        list_inputs(f"{tmp_path}/*.fits")


def test_a_glob_through_a_link_to_a_folder_above_lists_each_file_once(tmp_path):
    """``**`` follows ``sub/up -> ..`` back into the folder, a level deeper each time: the same
    frame (and the same dangling link) under ever longer names; each is listed once."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.png").write_bytes(b"x")
    (tmp_path / "sub" / "up").symlink_to("..")
    (tmp_path / "gone.png").symlink_to("nowhere.png")
    found = list_inputs(f"{tmp_path}/**/*.png")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in found) == ["gone.png", "sub/a.png"]


def test_a_folder_of_subfolders_says_how_to_give_their_frames(tmp_path):
    for name in ("pj44", "pj43"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.png").write_bytes(b"x")
    with pytest.raises(FileNotFoundError, match=r"no frames found in the folder itself .* it "
                       r"has 2: pj43, pj44\); give a subfolder, or a glob such as"):  # fmt: skip
        list_inputs(tmp_path)
    assert [p.parent.name for p in list_inputs(f"{tmp_path}/*/*.png")] == ["pj43", "pj44"]
    # an archive holding no frame: the folder's hint says so
    with zipfile.ZipFile(tmp_path / "JNCE_2022229_44C00037_V01.zip", "w") as zf:
        zf.writestr("readme.txt", "no frames here")
    with pytest.raises(FileNotFoundError, match=r"in the folder itself or its archives "
                       r"\(JNCE_2022229_44C00037_V01.zip\)"):  # fmt: skip
        list_inputs(tmp_path)


def test_unique_ids_disambiguate_clashing_stems(tmp_path):
    paths = [tmp_path / "a.png", tmp_path / "a.npy", tmp_path / "x" / "b.png"]
    assert unique_ids(paths) == ["a-png", "a-npy", "b"]


def test_a_frame_set_folder_gives_its_manifest_images_and_rows(tmp_path):
    from jovis.synth import write_frame_set

    write_frame_set(tmp_path, n=2, size=32, channels=["L"], instrument="jiram_l", seed=7)
    paths = list_inputs(tmp_path)
    assert [p.name for p in paths] == ["synth-0000007.npy", "synth-0000008.npy"]
    rows = frame_set_rows(tmp_path)
    assert rows[str(paths[0])]["grid"]["kind"] == "polar"
    # the set's images folder given alone: its rows still come with them (the grid above all)
    from_images = frame_set_rows(tmp_path / "images")
    assert list(from_images) == [str(p) for p in list_inputs(tmp_path / "images")]
    assert from_images[str(paths[1])]["grid"]["kind"] == "polar"
    (tmp_path / "other").mkdir()
    assert frame_set_rows(tmp_path / "other") == frame_set_rows(tmp_path / "images" / "x") == {}


def test_folder_lists_one_file_per_product(tmp_path):
    names = [
        "JNCE_2021052_32C00054_V01-red.png",
        "JNCE_2021052_32C00054_V01-green.png",
        "JNCE_2021052_32C00054_V01-blue.png",
        "JNCE_2021052_32C00054_V01-metadata.json",
        "JIR_IMG_RDR_2017.LBL",
        "JIR_IMG_RDR_2017.IMG",
        "ATTACHED.IMG",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in list_inputs(tmp_path)] == [
        "ATTACHED.IMG",
        "JIR_IMG_RDR_2017.LBL",
        "JNCE_2021052_32C00054_V01-blue.png",
    ]


def test_folder_takes_one_product_per_junocam_observation(tmp_path, caplog):
    # a website image set: raw framelets, the per-filter set and the composite of one view;
    # the detector is made for the composite, so a folder gives it once (a set without a
    # composite gives its per-filter set, a raw alone its raw); files named explicitly all count
    names = [f"JNCE_2022229_44C00037_V01-{k}.png" for k in ("raw", "red", "green", "blue",
                                                            "mapprojected")]  # fmt: skip
    names += [f"JNCE_2022229_44C00036_V01-{k}.jpg" for k in ("raw", "red", "green", "blue")]
    names += ["JNCE_2022229_44C00035_V01-raw.png", "JNCE_2022229_44M00040_V01-raw.png",
              "other.png"]  # fmt: skip
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    with caplog.at_level("INFO", logger="jovis.inference.inputs"):
        taken = [p.name for p in list_inputs(tmp_path)]
    assert taken == [
        "JNCE_2022229_44C00035_V01-raw.png",
        "JNCE_2022229_44C00036_V01-blue.jpg",
        "JNCE_2022229_44C00037_V01-mapprojected.png",
        "JNCE_2022229_44M00040_V01-raw.png",
        "other.png",
    ]
    # a left-out per-filter set is named as the set, not by the one file that stands for it
    assert "3 product(s) of JunoCam observations whose other product is taken left" in caplog.text
    assert "the per-filter set JNCE_2022229_44C00037_V01-red/-green/-blue.png" in caplog.text
    assert len(list_inputs(tmp_path, every_product=True)) == 8  # raw, set, composite; raw, set...
    # named explicitly, every product counts, but a per-filter set's three files are one frame
    # (each was read as the whole set: the same frame three times under three names)
    caplog.clear()
    with caplog.at_level("INFO", logger="jovis.inference.inputs"):
        globbed = [p.name for p in list_inputs(f"{tmp_path}/*44C00037*")]
    assert globbed == ["JNCE_2022229_44C00037_V01-blue.png",
                       "JNCE_2022229_44C00037_V01-mapprojected.png",
                       "JNCE_2022229_44C00037_V01-raw.png"]  # fmt: skip
    assert "2 file(s) read through another file of their product" in caplog.text
    # a label and its data file named together are one product too
    for name in ("map.xml", "map.img", "JIR.LBL", "JIR.IMG"):
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in list_inputs(f"{tmp_path}/[mJ][aI][pR].*")] == ["JIR.LBL", "map.xml"]
    listed = tmp_path / "list.txt"
    listed.write_text(
        "JNCE_2022229_44C00036_V01-red.jpg\nJNCE_2022229_44C00036_V01-green.jpg\n",
        encoding="utf-8-sig",
    )  # (a list saved by Notepad: its first name was lost)
    assert [p.name for p in list_inputs(listed)] == ["JNCE_2022229_44C00036_V01-red.jpg"]


def test_a_glob_reads_a_frames_sidecars_with_it_not_as_frames(tmp_path, caplog):
    """`input='PJ44/*'` failed each product's -metadata.json as "unrecognised content" (rc 2);
    a sidecar named beside its frame is read with it. One whose frame is not named is still
    attempted (named explicitly: it fails, saying why)."""
    pj44 = "JNCE_2022229_44C00037_V01"
    names = [f"{pj44}-mapprojected.png", f"{pj44}-metadata.json",
             "JNCE_2022229_44C00038_V01-metadata.json",  # its product is not here
             "mosaic.png", "mosaic.png.map.json", "mosaic.pgw", "mosaic.prj", "disk.jpg",
             "disk.jpg.view.json", "disk.jpg.aux.xml", "notes.txt.map.json"]  # fmt: skip
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    with caplog.at_level("INFO", logger="jovis.inference.inputs"):
        taken = [p.name for p in list_inputs(f"{tmp_path}/*")]
    assert taken == [f"{pj44}-mapprojected.png", "JNCE_2022229_44C00038_V01-metadata.json",
                     "disk.jpg", "mosaic.png",
                     "notes.txt.map.json"]  # fmt: skip
    assert "6 file(s) read through another file of their product" in caplog.text
    listed = tmp_path / "list.txt"
    listed.write_text("mosaic.png\nmosaic.png.map.json\nmosaic.pgw\n")
    assert [p.name for p in list_inputs(listed)] == ["mosaic.png"]
    assert [p.name for p in list_inputs([str(tmp_path / "mosaic.pgw")])] == ["mosaic.pgw"]


def test_a_glob_naming_two_products_of_one_observation_says_both_are_predicted(tmp_path, caplog):
    """A glob over a JunoCam folder names the composite and the per-filter set of each
    observation: both are predicted (named explicitly), and the run's log says the catalogue
    then holds that observation's vortices twice; a folder takes one and says nothing of it.
    The run that writes the catalogue says it (`plan_jobs`), not the listing: model=auto lists
    the input to group it and each group's run lists its part again (said twice)."""
    from jovis.inference.plan import plan_jobs

    def planned(spec):
        plan = plan_jobs(spec, tmp_path / "out", "key", False, 0, 1)
        return [job.path.name for job in plan.jobs]

    pj44 = "JNCE_2022229_44C00037_V01"
    for name in (f"{pj44}-mapprojected.png", f"{pj44}-red.png", f"{pj44}-green.png",
                 f"{pj44}-blue.png", "mosaic.png"):  # fmt: skip
        (tmp_path / name).write_bytes(b"x")
    with caplog.at_level("INFO", logger="jovis.inference.inputs"):
        taken = planned(f"{tmp_path}/*")
    assert taken == [f"{pj44}-blue.png", f"{pj44}-mapprojected.png", "mosaic.png"]
    assert "1 file(s) are further products of JunoCam observations" in caplog.text
    assert f"the per-filter set {pj44}-red/-green/-blue.png" in caplog.text
    caplog.clear()
    with caplog.at_level("INFO", logger="jovis.inference.inputs"):
        assert len(planned(tmp_path)) == 2
    assert "further products" not in caplog.text
    # a list whose entries hold the two products: said once, for the whole list
    with caplog.at_level("INFO", logger="jovis.inference.inputs"):
        planned([str(tmp_path / f"{pj44}-mapprojected.png"), f"{tmp_path}/*-red.png"])
    assert caplog.text.count("further products") == 1
    caplog.clear()
    with caplog.at_level("INFO", logger="jovis.inference.inputs"):  # a listing alone: silent
        assert len(list_inputs(f"{tmp_path}/*")) == 3
    assert "further products" not in caplog.text


def test_a_glob_reads_the_flatproj_index_files_with_their_products(tmp_path):
    """`input='hst_stis_2014_2022/*'` failed the two `expaurarr_*_iinx_jinx.npz` files that
    rebuild the flatproj products beside them as "unrecognised content"; they are the products'
    sidecars (`hst_forms.read_flatproj` reads them by that name). Alone, one is still attempted."""
    names = ["jup_14-001-03-02-53_0030_v01_stis_f25srf2_flatproj.fits",
             "expaurarr_north_iinx_jinx.npz", "expaurarr_south_iinx_jinx.npz"]  # fmt: skip
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    assert [p.name for p in list_inputs(f"{tmp_path}/*")] == [names[0]]
    alone = str(tmp_path / "expaurarr_north_iinx_jinx.npz")
    assert [p.name for p in list_inputs(alone)] == ["expaurarr_north_iinx_jinx.npz"]


def test_an_infer_outputs_manifest_is_not_taken_for_a_frame_sets(tmp_path):
    # infer out=. beside the frames' folder writes a manifest whose rows name no image: the
    # frames below it are listed as a plain folder; the output folder itself is refused by name
    (tmp_path / "manifest.jsonl").write_text('{"id": "a", "status": "ok", "source": "x.png"}\n')
    frames = tmp_path / "frames"
    frames.mkdir()
    (frames / "a.png").write_bytes(b"x")
    assert [p.name for p in list_inputs(frames)] == ["a.png"]
    with pytest.raises(FileNotFoundError, match=r"it is a jovis infer output.*rows' `source`"):
        list_inputs(tmp_path)
    # infer out= the frames' own folder: the manifest beside them; a rerun (resume) was refused
    (frames / "manifest.jsonl").write_text('{"id": "a", "status": "ok", "source": "a.png"}\n')
    assert [p.name for p in list_inputs(frames)] == ["a.png"] and frame_set_rows(frames) == {}
    # a manifest that is neither a frame set's nor an output's is still refused naming its row
    (frames / "manifest.jsonl").write_text('{"id": "b", "mask": "masks/b.png"}\n')
    with pytest.raises(ValueError, match=r"its row 'b' names no image"):
        list_inputs(frames)


@pytest.mark.parametrize("url", ["https://www.missionjuno.swri.edu/Vault/VaultDownload?VaultID=1",
                                 "s3://bucket/pj44/*.png"])  # fmt: skip
def test_a_web_address_is_refused_naming_the_fix(url):
    """Its '?' or '*' made it a glob that matched nothing: "no frames found"."""
    with pytest.raises(FileNotFoundError, match=r"a web address; jovis reads files on this"):
        list_inputs(url)


def test_a_list_file_written_by_powershell_or_in_another_encoding(tmp_path):
    """PowerShell's `ls *.fits > list.txt` writes UTF-16: a UnicodeDecodeError traceback."""
    for name in ("a.fits", "b.fits"):
        (tmp_path / name).write_bytes(b"x")
    listed = tmp_path / "list.txt"
    listed.write_text("a.fits\r\nb.fits\r\n", encoding="utf-16")
    assert [p.name for p in list_inputs(listed)] == ["a.fits", "b.fits"]
    listed.write_bytes("a.fits\n".encode("latin-1") + b"\xe9\xff.fits\n")
    with pytest.raises(ValueError, match=r"list.txt: a list file must be UTF-8 text"):
        list_inputs(listed)


def test_a_list_of_inputs_gives_each_ones_frames_once(tmp_path, caplog):
    """``input=[a,b]`` (Hydra's list, the form jovis's own quoting advice gives, or a Python
    list): model=auto crashed with "expected str ... not ListConfig", a checkpoint's run said
    "no frames found"."""
    from omegaconf import OmegaConf

    from jovis.synth import write_frame_set

    (tmp_path / "pj44").mkdir()
    for name in ("a.png", "b.png"):
        (tmp_path / "pj44" / name).write_bytes(b"x")
    (tmp_path / "c.fits").write_bytes(b"x")
    given = [str(tmp_path / "pj44"), f"{tmp_path}/*.fits", str(tmp_path / "pj44" / "a.png"),
             str(tmp_path / "gone.fits"), f"{tmp_path}/*.nothing"]  # fmt: skip
    expected = ["a.png", "b.png", "c.fits", "gone.fits"]  # a.png once; gone.fits to be recorded
    for spec in (given, tuple(given), OmegaConf.create({"input": given}).input):
        assert [p.name for p in list_inputs(spec)] == expected
    assert "*.nothing: no frames found" in caplog.text
    with pytest.raises(FileNotFoundError, match=r"input=\[\]: an empty list names no frames"):
        list_inputs([])
    with pytest.raises(FileNotFoundError, match=r"no frames found in any of them"):
        list_inputs([f"{tmp_path}/*.nothing"])
    with pytest.raises(FileNotFoundError, match=r"a web address"):
        list_inputs([str(tmp_path / "c.fits"), "https://example.org/a.fits"])
    # a frame set among them keeps its manifest rows (the grid a bare .npy lacks)
    write_frame_set(tmp_path / "set", n=1, size=32, channels=["L"], instrument="jiram_l", seed=7)
    rows = frame_set_rows([tmp_path / "set", tmp_path / "c.fits"])
    assert list(rows) == [str(tmp_path / "set" / "images" / "synth-0000007.npy")]


def test_a_list_files_lines_are_inputs_of_their_own(tmp_path, caplog):
    """A glob or a folder on a line of a list file was taken as one file's name and failed as
    "file does not exist"; each line is now read as input= reads it, relative to the list's
    folder, and a listed file that is missing is kept (recorded as failed) and logged with
    where its path was read from."""
    (tmp_path / "sub").mkdir()
    for name in ("a.png", "b.png", "sub/c.npy", "sub/d.npy"):
        (tmp_path / name).write_bytes(b"x")
    listed = tmp_path / "list.txt"
    listed.write_text("*.png\nsub\nmissing.fits\na.png\n")
    with caplog.at_level("INFO", logger="jovis.inference.inputs"):
        found = list_inputs(listed)
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "a.png", "b.png", "sub/c.npy", "sub/d.npy", "missing.fits"]  # fmt: skip
    assert f"1 listed path(s) name no file ({tmp_path / 'missing.fits'})" in caplog.text
    assert f"relative paths are read from its own folder, {tmp_path}" in caplog.text
    assert "1 file(s) named twice (again, or through a link) taken once" in caplog.text
    listed.write_text("# nothing but a comment\n")
    with pytest.raises(FileNotFoundError, match="no frames found"):
        list_inputs(listed)


def test_pictures_jovis_wrote_are_not_frames(tmp_path, caplog):
    """A recursive glob over a folder that held a run's out= predicted the last run's masks and
    overlays (and oval_profile.png) as frames, and a labelled frame set's masks (its labels)
    likewise; a folder of frames that happens to be called masks, with no manifest beside it,
    is still read."""
    run = tmp_path / "out" / "uv-v6"
    for name in ("frames/a.png", "out/uv-v6/masks/a.png", "out/uv-v6/overlays/a.png",
                 "out/uv-v6/oval_profile.png", "mine/masks/b.png", "set/images/c.png",
                 "set/masks/c.png"):  # fmt: skip
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    (run / "manifest.jsonl").write_text('{"source": "frames/a.png", "status": "ok"}\n')
    (tmp_path / "set" / "manifest.jsonl").write_text('{"image": "images/c.png"}\n')
    with caplog.at_level("WARNING", logger="jovis.inference.inputs"):
        found = list_inputs(f"{tmp_path}/**/*.png")
    assert [p.relative_to(tmp_path).as_posix() for p in found] == [
        "frames/a.png", "mine/masks/b.png", "set/images/c.png"]  # fmt: skip
    assert "4 picture(s) that jovis wrote (masks, overlays) left out" in caplog.text
    with pytest.raises(FileNotFoundError, match="no frames found"):
        list_inputs(run / "masks")
