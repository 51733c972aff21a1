"""Every setting of Oppvekst, declared once (name, default, help), and the one place that reads them.

Settings come from environment variables (`OPPVEKST_*`) and are read at call time, so a test or a
second instance can point them elsewhere. Secrets have no default. No other module reads
`os.environ`; the README's configuration table is `markdown_table()` (a test keeps them equal).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from oppvekst.errors import InputError

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"  # the bundled public data; provenance in data/SOURCES.md


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None          # None: no default (a secret, or off unless set)
    help: str
    kind: str = "str"            # str | int (whole number >= minimum) | bool | path
    secret: bool = False
    minimum: int = 1
    default_text: str | None = None   # how the README shows a default computed from another setting


_SETTINGS = [
    Setting("OPPVEKST_HOME", "var", "Folder for everything the system writes (warehouse, content database, "
            "cache)", "path"),
    Setting("OPPVEKST_WAREHOUSE", None, "The DuckDB statistics warehouse", "path",
            default_text="`$OPPVEKST_HOME/warehouse.duckdb`"),
    Setting("OPPVEKST_DB_URL", None, "The content database (SQLAlchemy URL; PostgreSQL by "
            "`postgresql+psycopg2://…`)", default_text="`sqlite:///$OPPVEKST_HOME/content.sqlite`"),
    Setting("OPPVEKST_CACHE", None, "The PxWeb download cache", "path", default_text="`$OPPVEKST_HOME/cache`"),
    Setting("OPPVEKST_OFFLINE", "0", "Forbid network access (the PxWeb client answers from its cache only)",
            "bool"),
    Setting("OPPVEKST_PSEUDONYM_KEY", None, "Key of the keyed pseudonyms for linked microdata (at least 16 "
            "bytes); never stored with the data", secret=True),
    Setting("OPPVEKST_PSEUDONYM_KEY_FILE", None, "A file holding the pseudonym key instead (not both)", "path"),
    Setting("OPPVEKST_SPARK_MASTER", "local[2]", "Spark master for `derive --engine spark` (a cluster URL in "
            "production)"),
    Setting("OPPVEKST_SPARK_PARTITIONS", "4", "Spark SQL shuffle partitions", "int"),
    Setting("OPPVEKST_SPARK_DRIVER_MEMORY", "4g", "Spark driver memory"),
    Setting("OPPVEKST_RATE_LIMIT", "600", "Requests per minute per client without login", "int"),
    Setting("OPPVEKST_RATE_LIMIT_USER", "1200", "Requests per minute per signed-in user", "int"),
    Setting("OPPVEKST_RATE_LIMIT_LOGIN", "10", "Login attempts per minute per client", "int"),
    Setting("OPPVEKST_MAX_BODY_BYTES", "1000000", "Largest request body in bytes", "int"),
    Setting("OPPVEKST_MAX_QUERY_REGIONS", "500", "Most regions in one API query", "int"),
    Setting("OPPVEKST_MAX_FAILED_LOGINS", "5", "Failed logins in a row before an account is locked", "int"),
    Setting("OPPVEKST_LOCKOUT_MINUTES", "15", "Minutes a locked account stays locked", "int", minimum=0),
    Setting("OPPVEKST_TOKEN", None, "An administrator's API token for the register-rights commands of the CLI",
            secret=True),
    Setting("OPPVEKST_EDITOR_TOKEN", None, "Legacy shared secret for editing the evidence base (off unless set; "
            "prefer an administrator's API token)", secret=True),
    Setting("OPPVEKST_DISCLOSURE_POLICY", None, "Disclosure-control policy file", "path",
            default_text="the bundled `disclosure/policy.yaml`"),
]
SETTINGS: dict[str, Setting] = {s.name: s for s in _SETTINGS}


def raw(name: str) -> str | None:
    """The setting's text as set, else its default (None where it has none)."""
    value = os.environ.get(SETTINGS[name].name)   # KeyError for an undeclared setting
    return value if value not in (None, "") else SETTINGS[name].default


def integer(name: str) -> int:
    value = raw(name)
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError("must be a whole number", field=name) from None
    if number < SETTINGS[name].minimum:
        raise InputError("must be positive" if SETTINGS[name].minimum == 1 else
                         f"must be at least {SETTINGS[name].minimum}", field=name)
    return number


def flag(name: str) -> bool:
    return (raw(name) or "").lower() in ("1", "true", "yes")


def home() -> Path:
    """Everything the system writes lives under OPPVEKST_HOME (default ./var)."""
    path = Path(raw("OPPVEKST_HOME")).resolve()   # type: ignore[arg-type]
    path.mkdir(parents=True, exist_ok=True)
    return path


def warehouse_path() -> Path:
    return Path(raw("OPPVEKST_WAREHOUSE") or home() / "warehouse.duckdb")


def content_db_url() -> str:
    """Editable content (evidence base, accounts, reports, audit): SQLite by default, PostgreSQL by URL."""
    return raw("OPPVEKST_DB_URL") or f"sqlite:///{home() / 'content.sqlite'}"


def cache_dir() -> Path:
    path = Path(raw("OPPVEKST_CACHE") or home() / "cache")
    path.mkdir(parents=True, exist_ok=True)
    return path


def offline() -> bool:
    return flag("OPPVEKST_OFFLINE")


def markdown_table() -> str:
    """The README's configuration table, made from the declarations."""
    lines = ["| setting | default | what it is |", "|---|---|---|"]
    for s in _SETTINGS:
        default = s.default_text or (f"`{s.default}`" if s.default is not None else
                                     ("none (secret)" if s.secret else "not set"))
        lines.append(f"| `{s.name}` | {default} | {s.help} |")
    return "\n".join(lines)


def current() -> list[dict]:
    """Every setting with the value in force (secrets shown only as set / not set)."""
    out = []
    for s in _SETTINGS:
        value = raw(s.name)
        shown = ("(set)" if value else "(not set)") if s.secret else value
        out.append({"name": s.name, "value": shown, "from_environment": s.name in os.environ,
                    "help": s.help})
    return out
