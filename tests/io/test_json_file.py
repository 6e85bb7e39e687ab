"""`jovis.io.json_file.load_json`: a user's JSON file read, or refused naming it and why."""

import pytest

from jovis.io.json_file import load_json


def test_a_json_file_is_read(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"lat": [90, 50]}', encoding="utf-8")
    assert load_json(path) == {"lat": [90, 50]}
    for encoding in ("utf-8-sig", "utf-16"):  # Notepad's "UTF-8 with BOM", PowerShell's `>`
        path.write_text('{"lat": [90, 50]}', encoding=encoding)
        assert load_json(path) == {"lat": [90, 50]}


@pytest.mark.parametrize(
    "content, reason",
    [(b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
     (b'{"a": 1', "Expecting"), (b'{"a": "\xff"}', "codec can't decode")],
)  # fmt: skip
def test_a_file_that_is_not_json_is_refused_naming_it(tmp_path, content, reason):
    """A document nested deeper than the parser goes raised RecursionError, which is no
    ValueError: every reader that caught decoding errors only let it end the whole run."""
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=rf"bad.json: not valid JSON \(.*{reason}"):
        load_json(path)
