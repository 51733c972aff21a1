"""The catalogue of bundled data files (data/catalogue.yaml): each file under data/ named once.

An entry gives the file's path (relative to data/), its format, the layout its reader needs (encoding,
delimiter, header row, sheet, column types) and the SOURCES.md section that documents it. Code asks
for a file by name and gets it parsed by the one reader of its format in `sources`:

    from oppvekst.sources import catalogue
    raw = catalogue.load("ssb_13556_neet")                 # a DataFrame (csv: pandas-typed)
    obs = catalogue.load("kindergarten_coverage_telemark", mapping={...})   # observations (TableMapping)
    catalogue.path("geo_municipalities_2024")             # only where a path itself is needed

Kedro's DataCatalog is the model: a name, a reader and its options, declared once.
"""

from __future__ import annotations

import itertools
import re
from functools import cache
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from oppvekst import config
from oppvekst.errors import InputError
from oppvekst.sources.jsonstat import read_json, read_jsonstat, read_jsonstat_collection
from oppvekst.sources.statbank import read_population, read_statbank_csv, read_statbank_wide
from oppvekst.sources.tabular import (
    Layout,
    TableMapping,
    jsonstat_to_observations,
    read_cells,
    read_csv_frame,
    read_table,
)

CATALOGUE_FILE = "catalogue.yaml"
SOURCES_FILE = "SOURCES.md"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")  # a Python identifier: a derivation takes its inputs by name
Format = Literal["csv", "excel", "statbank_csv", "jsonstat", "json", "geojson", "topojson"]
LAYOUT_FIELDS = ("encoding", "delimiter", "sheet", "header_row")  # shared with a TableMapping
# which options each format reads (anything else in an entry is a mistake)
OPTIONS: dict[str, set[str]] = {
    "csv": {"encoding", "delimiter", "header_row", "dtype"},
    "excel": {"sheet", "header_row"},
    "statbank_csv": {"encoding", "layout", "header_rows"},
    "jsonstat": {"dataset", "collection"},
    "json": set(), "geojson": set(), "topojson": set(),
}


class Entry(BaseModel):
    """One bundled file."""
    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1)      # relative to data/
    format: Format
    section: str = Field(min_length=1)   # SOURCES.md heading, up to its " — " title: "5. neet/"
    encoding: str | None = None          # None: UTF-8, else ISO-8859-1 (sources._text.read_text)
    delimiter: str | None = None         # None: sniffed from the header line
    header_row: int = Field(1, ge=1)
    sheet: str | int | None = None
    dtype: str | dict[str, str] | None = None   # "str": every column as text
    layout: Literal["long", "population", "wide"] | None = None
    header_rows: int | None = Field(None, ge=1)
    dataset: str | None = None
    collection: bool = False

    @model_validator(mode="after")
    def _options_of_format(self) -> Entry:
        given = {f for f in self.model_fields_set if f not in ("path", "format", "section")}
        stray = given - OPTIONS[self.format]
        if stray:
            raise ValueError(f"{sorted(stray)} do not apply to format {self.format!r} "
                             f"(it takes {sorted(OPTIONS[self.format]) or 'no options'})")
        if self.format == "statbank_csv" and self.layout is None:
            raise ValueError("a statbank_csv entry needs a layout (long, population or wide)")
        if self.header_rows is not None and self.layout != "wide":
            raise ValueError("header_rows applies to layout wide only")
        if self.collection and self.dataset:
            raise ValueError("give either dataset or collection")
        return self

    def layout_of(self) -> Layout:
        return Layout(self.encoding, self.delimiter, self.sheet, self.header_row)


# -- one reader per format (the readers themselves are in sources.statbank, .tabular, .jsonstat) ---------

def _statbank(path: Path, e: Entry) -> pd.DataFrame:
    if e.layout == "population":
        return read_population(path, e.encoding)
    if e.layout == "wide":
        return read_statbank_wide(path, e.header_rows, e.encoding)
    return read_statbank_csv(path, e.encoding)


def _jsonstat(path: Path, e: Entry) -> pd.DataFrame | dict[str, pd.DataFrame]:
    return read_jsonstat_collection(path) if e.collection else read_jsonstat(path, name=e.dataset)


def _json_of_type(kind: str | None):
    def read(path: Path, e: Entry) -> Any:
        data = read_json(path)
        if kind and not (isinstance(data, dict) and data.get("type") == kind):
            raise InputError(f"not a {e.format} file (no \"type\": \"{kind}\")", file=str(path), field="type")
        return data
    return read


READERS = {
    "csv": lambda path, e: read_csv_frame(path, e.layout_of(), e.dtype),
    "excel": lambda path, e: read_cells(path, e.layout_of()),
    "statbank_csv": _statbank,
    "jsonstat": _jsonstat,
    "json": _json_of_type(None),
    "geojson": _json_of_type("FeatureCollection"),
    "topojson": _json_of_type("Topology"),
}


class Catalogue:
    """The entries of one catalogue file over one data folder (the bundled one: `default()`)."""

    def __init__(self, entries: dict[str, Entry], data_dir: Path, file: Path):
        self.entries, self.data_dir, self.file = entries, data_dir, file

    @classmethod
    def from_yaml(cls, file: Path, data_dir: Path | None = None) -> Catalogue:
        try:
            raw = yaml.safe_load(file.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(f"cannot read the data catalogue: {exc}", file=str(file)) from None
        if not isinstance(raw, dict):
            raise InputError("the data catalogue must map names to entries", file=str(file))
        entries = {}
        for name, spec in raw.items():
            if not isinstance(name, str) or not NAME.match(name):
                raise InputError(f"name {name!r} is not lower_snake_case", file=str(file), field=str(name))
            try:
                entries[name] = Entry.model_validate(spec)
            except ValidationError as exc:
                err = exc.errors()[0]
                loc = ".".join([name, *map(str, err["loc"])])
                raise InputError(err["msg"], file=str(file), field=loc) from None
        return cls(entries, data_dir or file.parent, file)

    def names(self) -> list[str]:
        return list(self.entries)

    def entry(self, name: str) -> Entry:
        try:
            return self.entries[name]
        except KeyError:
            raise KeyError(f"no bundled file {name!r} in {self.file.name}") from None

    def path(self, name: str) -> Path:
        return self.data_dir / self.entry(name).path

    def load(self, name: str, mapping: TableMapping | dict | str | Path | None = None) -> Any:
        """The file parsed by its format's reader; with a `mapping` (csv, excel, jsonstat), observations
        (sources.tabular). The catalogue states the file's layout; a mapping may not contradict it."""
        e, path = self.entry(name), self.path(name)
        if mapping is None:
            return READERS[e.format](path, e)
        if e.format == "jsonstat" and not e.collection:
            return jsonstat_to_observations(read_jsonstat(path, name=e.dataset), mapping)
        if e.format not in ("csv", "excel"):
            raise ValueError(f"{name!r} ({e.format}) cannot be read with a table mapping")
        m = TableMapping.load(mapping)
        declared = {f: getattr(e, f) for f in LAYOUT_FIELDS if f in e.model_fields_set}
        clash = [f for f in declared if f in m.model_fields_set and getattr(m, f) != declared[f]]
        if clash:
            raise InputError(f"the mapping's {clash[0]} differs from the catalogue's "
                             f"({getattr(m, clash[0])!r}, catalogue: {declared[clash[0]]!r})",
                             file=str(path), field=clash[0])
        return read_table(path, m.model_copy(update=declared))

    # -- the checks tests/sources/test_sources_catalogue.py runs --------------------------------------
    def problems(self) -> list[str]:
        """Faults between the catalogue, the files under data/ and SOURCES.md (empty: all is well)."""
        out = []
        sections = _sections(self.data_dir / SOURCES_FILE)
        seen: dict[str, str] = {}
        for name, e in self.entries.items():
            if e.path in seen:
                out.append(f"{name}: {e.path} is catalogued already as {seen[e.path]}")
            seen[e.path] = name
            if not (self.data_dir / e.path).is_file():
                out.append(f"{name}: no file {e.path}")
            heading = next((h for h in sections if h == e.section or h.startswith(e.section + " — ")), None)
            if heading is None:
                out.append(f"{name}: no section {e.section!r} in {SOURCES_FILE}")
            elif Path(e.path).name not in sections[heading]:
                out.append(f"{name}: {SOURCES_FILE} section {e.section!r} does not name {Path(e.path).name}")
        own = {SOURCES_FILE, self.file.name}
        for f in sorted(self.data_dir.rglob("*")):
            rel = f.relative_to(self.data_dir).as_posix()
            if f.is_file() and rel not in own and rel not in seen:
                out.append(f"{rel}: not in {self.file.name}")
        return out


def _expand(token: str) -> list[str]:
    """`a_{2018,2019}.json` -> a_2018.json, a_2019.json (SOURCES.md names file groups so)."""
    parts = re.split(r"\{([^{}]*)\}", token)
    choices = [[p] if i % 2 == 0 else p.split(",") for i, p in enumerate(parts)]
    return ["".join(c) for c in itertools.product(*choices)]


def _sections(sources_md: Path) -> dict[str, set[str]]:
    """SOURCES.md heading -> the file names its section mentions in `backticks`."""
    out: dict[str, set[str]] = {}
    current: set[str] | None = None
    for line in sources_md.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            current = out.setdefault(line[3:].strip(), set())
        elif current is not None:
            for token in re.findall(r"`([^`]+)`", line):
                current.update(Path(t.strip()).name for t in _expand(token) if t.strip())
    return out


@cache
def default() -> Catalogue:
    """The bundled catalogue (data/catalogue.yaml over data/)."""
    return Catalogue.from_yaml(config.DATA_DIR / CATALOGUE_FILE, config.DATA_DIR)


def names() -> list[str]:
    return default().names()


def entry(name: str) -> Entry:
    return default().entry(name)


def path(name: str) -> Path:
    return default().path(name)


def load(name: str, mapping: TableMapping | dict | str | Path | None = None) -> Any:
    return default().load(name, mapping)
