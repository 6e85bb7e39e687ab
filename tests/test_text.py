"""Text safe to print or log (jovis.text)."""

import os

from jovis.text import printable


def test_a_non_utf8_file_name_prints_as_escapes_and_plain_text_is_unchanged():
    odd = os.fsdecode(b"/in/caf\xe9-\xff.npy")  # Latin-1 bytes: lone surrogates as text
    shown = printable(odd)
    assert shown == "/in/caf\\xe9-\\xff.npy"
    shown.encode("utf-8")  # now encodable: a UTF-8 log or console takes it
    assert printable("café/ε.png") == "café/ε.png" and printable(3) == "3"
