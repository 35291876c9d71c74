"""The Sphinx documentation (``tox -e docs``) lists every guide: a
Markdown file in docs/ outside every toctree fails the ``-W`` build."""

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _toctree_entries() -> set[str]:
    text = (DOCS / "index.md").read_text()
    entries: set[str] = set()
    for block in re.findall(r"```\{toctree\}\n(.*?)```", text, re.S):
        entries.update(line.strip() for line in block.splitlines()
                       if line.strip() and not line.startswith(":"))
    return entries


def test_every_guide_is_in_the_index() -> None:
    guides = {p.stem for p in DOCS.glob("*.md")} - {"index"}
    assert guides <= _toctree_entries(), (
        "add to a toctree in docs/index.md: "
        + ", ".join(sorted(guides - _toctree_entries())))


def test_every_index_entry_exists() -> None:
    missing = [e for e in _toctree_entries()
               if not (DOCS / f"{e}.md").exists()
               and not (DOCS / f"{e}.rst").exists()]
    assert missing == []
