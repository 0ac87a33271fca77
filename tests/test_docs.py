"""Documentation kept in step with its sources."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "docs" / "semantics.md"


@pytest.mark.skipif(not SHARED.exists(), reason="../shared is not beside the repository")
def test_semantics_copy_matches_the_normative_text() -> None:
    original = SHARED.read_text(encoding="utf-8")
    expected = original.replace(
        "`../seeds/000_fc2d6d5293aa6c00.txt`",
        "`shared/seeds/000_fc2d6d5293aa6c00.txt` (beside the repository)",
    ).replace("`../data/holiday-cn/`", "`shared/data/holiday-cn/`")
    assert (ROOT / "docs" / "semantics.md").read_text(encoding="utf-8") == expected


def test_every_doc_linked_from_the_readme_exists() -> None:
    import re

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for link in re.findall(r"\]\(((?:docs|rules|examples|schema)/[^)#]+)\)", readme):
        assert (ROOT / link).exists(), link
