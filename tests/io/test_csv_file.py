"""`jovis.io.csv_file.read_csv_rows`: a user's CSV table read, or refused naming it and why."""

import pytest

from jovis.io.csv_file import read_csv_rows


def test_a_byte_order_mark_and_spaces_are_no_part_of_the_names(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text(" Frame_ID , lat,lon\nA, 80.5 ,10\n", encoding="utf-8-sig")
    assert read_csv_rows(path) == (["frame_id", "lat", "lon"],
                                   [{"frame_id": "A", "lat": "80.5", "lon": "10"}])  # fmt: skip


@pytest.mark.parametrize(
    ("text", "encoding"),
    [("frame_id;lat;lon\nA;80,5;-10,25\n", "utf-8-sig"),  # Excel, decimal mark a comma
     ("frame_id\tlat\tlon\nA\t80.5\t-10.25\n", "utf-8"),  # a table pasted as TSV
     ("frame_id\tlat\tlon\r\nA\t80.5\t-10.25\r\n", "utf-16")],  # Excel's "Unicode Text"
)  # fmt: skip
def test_semicolons_or_tabs_in_the_header_set_the_separator(tmp_path, text, encoding):
    path = tmp_path / "cat.csv"
    path.write_text(text, encoding=encoding)
    assert read_csv_rows(path)[1] == [{"frame_id": "A", "lat": "80.5", "lon": "-10.25"}]


def test_a_comma_separated_files_quoted_commas_stay(tmp_path):
    path = tmp_path / "cat.csv"
    path.write_text('frame_id,note\nA,"1,5"\n', encoding="utf-8")
    assert read_csv_rows(path)[1] == [{"frame_id": "A", "note": "1,5"}]


def test_a_row_longer_than_the_header_keeps_its_named_fields(tmp_path):
    """csv puts a long row's extra fields in a list under the key None: `.strip()` on it raised
    AttributeError out of the catalogue importer."""
    path = tmp_path / "cat.csv"
    path.write_text("frame_id,lat,lon\nA,80,10,oops,more\n", encoding="utf-8")
    _, [row] = read_csv_rows(path)
    assert row["frame_id"] == "A" and row["lon"] == "10"


def test_a_file_that_is_not_a_csv_is_refused_naming_it(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"frame_id,lat\n\xff\xfe,1\n")  # (UTF-16 text, a binary file)
    with pytest.raises(ValueError, match=r"bad.csv: not a readable CSV \("):
        read_csv_rows(path)
