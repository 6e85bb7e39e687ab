"""The pointers into the docs resolve: every `README "Title"` or `docs/notes/<file>.md "Title"`
named in the code, configs, scripts and docs is found in that file (a heading or a bold lead),
and the README's links into docs/notes/ name files and headings that exist."""

import re

from tests.conftest import REPO

REF = re.compile(r'(README|(?:docs/notes/)?(\w+)\.md)\s+"([^"]+)"')
LINK = re.compile(r"\]\((docs/notes/\w+\.md)(?:#([\w\-]+))?\)")


def flat(text: str) -> str:
    return " ".join(text.split())


def sources():
    for pattern in ("src/jovis/**/*.py", "scripts/*", "configs/**/*.yaml", "*.md", "docs/**/*.md"):
        for path in REPO.glob(pattern):
            if path.is_file() and not path.is_symlink() and ".egg-info" not in str(path):
                yield path


def sections(file) -> list[str]:
    """The headings and bold leads of a markdown file: what a `"Title"` may name."""
    text = file.read_text()
    heads = [h.lstrip("#").strip() for h in text.splitlines() if h.startswith("#")]
    return heads + [flat(b) for b in re.findall(r"\*\*(.+?)\*\*", text, flags=re.S)]


def target(path, ref: str, stem: str | None):
    if ref == "README":
        return REPO / "README.md"
    if ref.startswith("docs/notes/"):
        return REPO / ref
    if stem and path.parent == REPO / "docs" / "notes":  # a sibling note named `uv.md "..."`
        return path.parent / f"{stem}.md"
    return None


def test_every_named_section_exists_in_the_file_it_names():
    missing = []
    for path in sources():
        text = path.read_text(errors="replace")
        if path.suffix != ".md":  # a title wrapped over comment lines
            text = re.sub(r"\n\s*#+ ?", " ", text)
        for m in REF.finditer(text):
            file = target(path, m.group(1), m.group(2))
            if file is None:
                continue
            title = flat(m.group(3)).rstrip(".,;: ")
            if not file.is_file() or not any(title in s for s in sections(file)):
                missing.append(f'{path.relative_to(REPO)}: {m.group(1)} "{title}"')
    assert not missing, "\n".join(missing)


def anchor(heading: str) -> str:
    return re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")


def test_the_readme_links_into_docs_notes_resolve():
    links = LINK.findall((REPO / "README.md").read_text())
    assert links, "the README indexes docs/notes/"
    for file, fragment in links:
        text = (REPO / file).read_text()
        anchors = {anchor(h.lstrip("#").strip()) for h in text.splitlines() if h.startswith("#")}
        assert not fragment or fragment in anchors, f"{file}#{fragment}"


def test_every_notes_section_is_in_the_readme_index():
    """A dated experiment written into docs/notes/ and left out of the README's index is one a
    reader of the README never finds (five sections of 2026-12-07 were)."""
    linked = set(LINK.findall((REPO / "README.md").read_text()))
    missing = []
    for file in sorted((REPO / "docs" / "notes").glob("*.md")):
        rel = f"docs/notes/{file.name}"
        for line in file.read_text().splitlines():
            if line.startswith("## ") and (rel, anchor(line[3:].strip())) not in linked:
                missing.append(f"{rel}: {line[3:].strip()}")
    assert not missing, "README's notes index lacks:\n" + "\n".join(missing)
