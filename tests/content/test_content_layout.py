"""The content database has one owner: engines and schemas are made only in oppvekst.content, and
access and disclosure do not import each other (issue 14, "Done when")."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "oppvekst"


def _py(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_engines_and_schemas_are_made_only_in_content():
    offenders = [str(p.relative_to(SRC)) for p in _py(SRC)
                 if re.search(r"\bcreate_(engine|all)\b", p.read_text(encoding="utf-8"))
                 and SRC / "content" not in p.parents]
    assert offenders == []


def test_access_and_disclosure_do_not_import_each_other():
    def importing(folder: str, other: str) -> list[str]:
        pattern = re.compile(rf"^\s*(from|import)\s+oppvekst\.{other}\b|^\s*from\s+oppvekst\s+import\s+.*\b{other}\b",
                             re.MULTILINE)
        return [str(p.relative_to(SRC)) for p in _py(SRC / folder) if pattern.search(p.read_text(encoding="utf-8"))]

    assert importing("access", "disclosure") == []
    assert importing("disclosure", "access") == []
