"""Settings: declared once in oppvekst.config, read nowhere else, documented from the declarations."""

import ast
import re
from pathlib import Path

import pytest

from oppvekst import config
from oppvekst.errors import InputError

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "oppvekst"


def _reads_environment(tree: ast.AST) -> list[int]:
    """Lines that touch os.environ / os.getenv / os.putenv."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "os" \
                and node.attr in ("environ", "getenv", "putenv", "unsetenv"):
            lines.append(node.lineno)
        if isinstance(node, ast.ImportFrom) and node.module == "os" \
                and any(a.name in ("environ", "getenv") for a in node.names):
            lines.append(node.lineno)
    return sorted(lines)


def test_no_module_but_config_reads_the_environment():
    offenders = []
    for path in SRC.rglob("*.py"):
        if path == SRC / "config.py":
            continue
        offenders += [f"{path.relative_to(ROOT)}:{n}" for n in _reads_environment(ast.parse(path.read_text()))]
    assert offenders == []


def test_the_scan_finds_an_environment_read():
    assert _reads_environment(ast.parse("import os\nx = os.environ.get('A')\ny = os.getenv('B')")) == [2, 3]


def test_every_setting_named_in_the_code_is_declared():
    named = set()
    for path in SRC.rglob("*.py"):
        named |= set(re.findall(r"\bOPPVEKST_[A-Z0-9_]*[A-Z0-9]\b", path.read_text()))
    assert named - set(config.SETTINGS) == set()


def test_readme_table_is_the_declarations():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("<!-- settings -->\n", 1)[1].split("\n<!-- /settings -->", 1)[0]
    assert block == config.markdown_table()


def test_defaults_and_values(monkeypatch, tmp_path):
    monkeypatch.delenv("OPPVEKST_RATE_LIMIT", raising=False)
    assert config.integer("OPPVEKST_RATE_LIMIT") == 600
    monkeypatch.setenv("OPPVEKST_RATE_LIMIT", "7")
    assert config.integer("OPPVEKST_RATE_LIMIT") == 7
    monkeypatch.setenv("OPPVEKST_HOME", str(tmp_path / "h"))
    monkeypatch.delenv("OPPVEKST_WAREHOUSE", raising=False)
    assert config.warehouse_path() == tmp_path / "h" / "warehouse.duckdb"
    assert config.content_db_url() == f"sqlite:///{tmp_path / 'h' / 'content.sqlite'}"
    monkeypatch.setenv("OPPVEKST_OFFLINE", "yes")
    assert config.offline() is True
    monkeypatch.setenv("OPPVEKST_OFFLINE", "0")
    assert config.offline() is False


def test_bad_numbers_name_the_setting(monkeypatch):
    monkeypatch.setenv("OPPVEKST_MAX_BODY_BYTES", "many")
    with pytest.raises(InputError, match="OPPVEKST_MAX_BODY_BYTES.*whole number"):
        config.integer("OPPVEKST_MAX_BODY_BYTES")
    monkeypatch.setenv("OPPVEKST_MAX_BODY_BYTES", "0")
    with pytest.raises(InputError, match="positive"):
        config.integer("OPPVEKST_MAX_BODY_BYTES")
    monkeypatch.setenv("OPPVEKST_LOCKOUT_MINUTES", "0")        # zero minutes is allowed: no lockout
    assert config.integer("OPPVEKST_LOCKOUT_MINUTES") == 0
    with pytest.raises(KeyError):
        config.raw("OPPVEKST_NOT_A_SETTING")


def test_secrets_are_not_shown(monkeypatch):
    monkeypatch.setenv("OPPVEKST_PSEUDONYM_KEY", "k" * 32)
    shown = {r["name"]: r for r in config.current()}
    assert shown["OPPVEKST_PSEUDONYM_KEY"]["value"] == "(set)" and shown["OPPVEKST_PSEUDONYM_KEY"]["from_environment"]
    assert "k" * 32 not in str(config.current())
    assert config.SETTINGS["OPPVEKST_PSEUDONYM_KEY"].default is None
