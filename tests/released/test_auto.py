"""model=auto's grouping of the inputs (`jovis.released.auto`)."""

from __future__ import annotations

from jovis.released.auto import auto_inputs


def test_a_groups_list_keeps_a_symlinked_frame_at_its_link(tmp_path):
    """The files beside a link (its map.json, world file, metadata) are the user's for that
    frame: the list a group's run reads names the link, not its target."""
    archive, flyby = tmp_path / "archive", tmp_path / "flyby"
    archive.mkdir()
    flyby.mkdir()
    (archive / "a.png").write_bytes(b"")
    (flyby / "a.png").symlink_to(archive / "a.png")
    listing = auto_inputs(flyby, tmp_path / "out", [flyby / "a.png"], total=2)
    assert listing.read_text().split() == [str(flyby / "a.png")]
