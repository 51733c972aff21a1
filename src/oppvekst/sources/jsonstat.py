"""JSON-stat readers: 2.0 datasets and collections, and the old 1.x bundles (`{"dataset": {...}}`).

Own flattening, not pyjstat: pyjstat's to-DataFrame conversion drops `status`, and SSB's markers
(`..` `.` `:`) must survive per cell. Dimension order follows `id`/`size`: the last dimension varies
fastest (row-major), as the JSON-stat format specifies.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from oppvekst.errors import InputError
from oppvekst.observations import FLAG_MISSING, FLAG_VALUE, STATUS_FLAGS

META_KEYS = ("label", "updated", "source", "note", "role", "extension", "href", "link", "error")


def _parse(text: str, file: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} "
                         "(ugyldig JSON)", file=file, row=exc.lineno, field="json") from None


def read_json(path: str | Path, origin: str | None = None) -> Any:
    """A UTF-8 JSON file (JSON-stat, KLASS responses, GeoJSON, TopoJSON), parsed; faults as InputError."""
    path = Path(path)
    file = origin or str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=file) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"JSON must be UTF-8; byte 0x{data[exc.start]:02x} at offset {exc.start} "
                         "is not", file=file, field="encoding") from None
    return _parse(text, file)


def _load(source: str | Path | dict, origin: str | None) -> tuple[Any, str, Path | None]:
    """Parse the source; return (json, name for messages, directory of the file or None)."""
    if isinstance(source, dict):
        return source, origin or "<json-stat>", None
    if isinstance(source, str) and source.lstrip().startswith(("{", "[")):
        file = origin or "<json-stat text>"
        return _parse(source, file), file, None
    path = Path(source)
    return read_json(path, origin), origin or str(path), path.parent


def _category(dim_id: str, dim: Any, size: int, file: str) -> tuple[list[str], list[str], dict]:
    """(codes in cube order, labels, units) of one dimension."""
    field = f"dimension.{dim_id}.category"
    if not isinstance(dim, dict) or not isinstance(dim.get("category"), dict):
        raise InputError("dimension has no category object", file=file, field=field)
    cat = dim["category"]
    index, labels = cat.get("index"), cat.get("label") or {}
    if not isinstance(labels, dict):
        raise InputError("category label must be an object", file=file, field=f"{field}.label")
    if index is None:
        if len(labels) != 1:
            raise InputError("category index missing, allowed only for a single category",
                             file=file, field=f"{field}.index")
        codes = [str(next(iter(labels)))]
    elif isinstance(index, list):
        codes = [str(c) for c in index]
    elif isinstance(index, dict):
        codes = [None] * len(index)
        for code, pos in index.items():
            if not isinstance(pos, int) or isinstance(pos, bool) or not 0 <= pos < len(index) \
                    or codes[pos] is not None:
                raise InputError(f"position {pos!r} of category {code!r} is not a unique 0-based position",
                                 file=file, field=f"{field}.index")
            codes[pos] = str(code)
    else:
        raise InputError("category index must be an array or an object", file=file, field=f"{field}.index")
    if len(codes) != size:
        raise InputError(f"{len(codes)} categories but size says {size}", file=file, field=field)
    return codes, [str(labels.get(c, c)) for c in codes], cat.get("unit") or {}


def _cells(raw: Any, n: int, file: str, field: str, *, fill_one: bool) -> list:
    """Dense list of n cells from an array, a sparse object or (status only) a single string."""
    if raw is None:
        return [None] * n
    if isinstance(raw, str) and fill_one:
        return [raw] * n
    if isinstance(raw, list):
        if len(raw) == n:
            return raw
        if fill_one and len(raw) == 1:  # a one-element status array applies to every cell
            return raw * n
        raise InputError(f"{len(raw)} cells but the product of size is {n}", file=file, field=field)
    if isinstance(raw, dict):
        out: list = [None] * n
        for key, cell in raw.items():
            try:
                pos = int(key)
            except (TypeError, ValueError):
                pos = -1
            if not 0 <= pos < n:
                raise InputError(f"cell index {key!r} outside 0..{n - 1}", file=file, field=field)
            out[pos] = cell
        return out
    raise InputError("must be an array or an object", file=file, field=field)


def _values(cells: list, file: str) -> np.ndarray:
    numeric = True
    for i, v in enumerate(cells):
        if v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)):
            continue
        if isinstance(v, str):
            try:
                float(v)
            except ValueError:
                numeric = False  # a non-numeric dataset such as json-stat.org's order.json
            continue
        raise InputError(f"cell {i} is {type(v).__name__}, not a number, string or null",
                         file=file, row=i, field="value")
    if numeric:
        return np.array([math.nan if v is None else float(v) for v in cells], dtype="float64")
    return np.array(cells, dtype=object)


def _dataset(ds: Any, file: str, prefix: str = "") -> pd.DataFrame:
    """Flatten one dataset (2.0 `class: dataset`, or a 1.x dataset with id/size inside `dimension`)."""
    if not isinstance(ds, dict):
        raise InputError("a dataset must be a JSON object", file=file, field=prefix or "dataset")
    dims = ds.get("dimension")
    if not isinstance(dims, dict):
        raise InputError("no dimension object", file=file, field=f"{prefix}dimension")
    ids = ds.get("id", dims.get("id"))
    sizes = ds.get("size", dims.get("size"))
    role = ds.get("role", dims.get("role"))
    if not isinstance(ids, list) or not isinstance(sizes, list):
        raise InputError("id and size must be arrays", file=file, field=f"{prefix}id")
    if len(ids) != len(sizes):
        raise InputError(f"{len(ids)} ids but {len(sizes)} sizes", file=file, field=f"{prefix}size")
    if any(not isinstance(s, int) or isinstance(s, bool) or s < 0 for s in sizes):
        raise InputError(f"sizes must be whole numbers >= 0, got {sizes}", file=file, field=f"{prefix}size")
    n = int(np.prod(sizes)) if sizes else 1
    columns: dict[str, Any] = {}
    units: dict[str, dict] = {}
    dim_labels: dict[str, str] = {}
    for i, (dim_id, size) in enumerate(zip(ids, sizes)):
        if dim_id not in dims:
            raise InputError(f"id lists {dim_id!r} but there is no such dimension", file=file,
                             field=f"{prefix}dimension.{dim_id}")
        codes, labels, unit = _category(dim_id, dims[dim_id], size, file)
        inner = int(np.prod(sizes[i + 1:])) if i + 1 < len(sizes) else 1
        outer = int(np.prod(sizes[:i])) if i else 1
        positions = np.tile(np.repeat(np.arange(size), inner), outer)
        columns[dim_id] = pd.array(np.array(codes, dtype=object)[positions], dtype="string")
        columns[f"{dim_id}_label"] = pd.array(np.array(labels, dtype=object)[positions], dtype="string")
        if unit:
            units[dim_id] = unit
        dim_labels[dim_id] = dims[dim_id].get("label", dim_id)
    if "value" not in ds:
        raise InputError("no value", file=file, field=f"{prefix}value")
    values = _values(_cells(ds["value"], n, file, f"{prefix}value", fill_one=False), file)
    status = _cells(ds.get("status"), n, file, f"{prefix}status", fill_one=True)
    missing = pd.isna(values) if values.dtype != object else np.array([v is None for v in values])
    flags = np.array([
        (STATUS_FLAGS.get(s, FLAG_MISSING) if miss else FLAG_VALUE) for s, miss in zip(status, missing)
    ], dtype="int64")
    columns["value"] = values
    columns["status"] = pd.Series([None if s is None else str(s) for s in status], dtype=object)
    columns["flag"] = flags
    df = pd.DataFrame(columns)
    df.attrs.update({k: ds[k] for k in META_KEYS if k in ds and k != "role"})
    df.attrs["role"] = role or {}
    df.attrs["unit"] = units
    df.attrs["dimension_labels"] = dim_labels
    df.attrs["source_file"] = file
    return df


def _embedded(item: Any) -> bool:
    return isinstance(item, dict) and "dimension" in item and "value" in item


def _item_name(item: dict, i: int) -> str:
    href = item.get("href")
    if isinstance(href, str) and href.rstrip("/"):
        stem = href.rstrip("/").rsplit("/", 1)[-1]
        return stem.removesuffix(".json")
    return str(item.get("label") or f"item{i}")


def _is_bundle(js: dict) -> bool:
    return "class" not in js and bool(js) and all(_embedded(v) for v in js.values())


def _collection(js: dict, file: str, base: Path | None, prefix: str = "") -> dict[str, pd.DataFrame]:
    items = (js.get("link") or {}).get("item") if isinstance(js.get("link"), dict) else None
    if not isinstance(items, list):
        raise InputError("a collection needs link.item as an array", file=file, field=f"{prefix}link.item")
    out: dict[str, pd.DataFrame] = {}
    for i, item in enumerate(items):
        field = f"{prefix}link.item[{i}]"
        if not isinstance(item, dict):
            raise InputError("an item must be an object", file=file, field=field)
        name = _item_name(item, i)
        cls = item.get("class", "dataset")
        if cls == "collection":
            if "link" in item:
                out.update({f"{name}/{k}": v for k, v in _collection(item, file, base, f"{field}.").items()})
                continue
        elif cls == "dataset":
            if _embedded(item):
                out[name] = _dataset(item, file, f"{field}.")
                out[name].attrs["name"] = name
                continue
            # Only a link: read the dataset from the same folder when it is there (never the network).
            local = base / f"{name}.json" if base is not None else None
            if local is not None and local.is_file():
                out[name] = read_jsonstat(local)
                out[name].attrs["name"] = name
                continue
        else:
            raise InputError(f"unknown item class {cls!r}", file=file, field=f"{field}.class")
        raise InputError(f"the {cls} {item.get('href')!r} is only linked, not embedded, and no local copy "
                         "was found", file=file, field=field)
    return out


def _datasets(js: Any, file: str, base: Path | None) -> dict[str, Any]:
    """Name -> raw dataset JSON, or name -> DataFrame for collections."""
    if not isinstance(js, dict):
        raise InputError("JSON-stat must be a JSON object", file=file, field="class")
    cls = js.get("class")
    if cls == "dataset":
        return {_item_name(js, 0) if js.get("href") else "dataset": js}
    if cls == "collection":
        return _collection(js, file, base)
    if cls is None and _is_bundle(js):
        return dict(js)
    raise InputError(f"unknown or unsupported class {cls!r} (expected dataset, collection or a 1.x bundle)",
                     file=file, field="class")


def read_jsonstat(source: str | Path | dict, *, name: str | None = None,
                  origin: str | None = None) -> pd.DataFrame:
    """One JSON-stat dataset as a long table.

    Columns: one per dimension (category ids), `<dim>_label`, `value` (float64, NaN for null),
    `status` (the raw marker or None) and `flag` (0 value; STATUS_FLAGS for `..` `.` `:`; 1 for any
    other missing cell). Metadata in `df.attrs`. A 1.x bundle or a collection yields the dataset
    called `name`, or the first. `origin` names the source in error messages (e.g. a URL).
    """
    js, file, base = _load(source, origin)
    found = _datasets(js, file, base)
    if not found:
        raise InputError("no dataset in the bundle", file=file, field="dataset")
    if name is not None and name not in found:
        raise InputError(f"no dataset {name!r}; there are {sorted(found)}", file=file, field="dataset")
    key = name if name is not None else next(iter(found))
    item = found[key]
    if isinstance(item, pd.DataFrame):
        return item
    prefix = "" if js.get("class") == "dataset" else f"{key}."
    df = _dataset(item, file, prefix)
    df.attrs["name"] = key
    return df


def read_jsonstat_collection(source: str | Path | dict, *, origin: str | None = None) -> dict[str, pd.DataFrame]:
    """All datasets of a collection (embedded in link.item, or linked to a file in the same folder)
    or of a 1.x bundle, by name (the href's file name without .json, or the bundle key)."""
    js, file, base = _load(source, origin)
    if not isinstance(js, dict) or not (js.get("class") == "collection" or _is_bundle(js)):
        raise InputError("not a JSON-stat collection or 1.x bundle", file=file, field="class")
    found = _datasets(js, file, base)
    out = {}
    for key, item in found.items():
        df = item if isinstance(item, pd.DataFrame) else _dataset(item, file, f"{key}.")
        df.attrs["name"] = key
        out[key] = df
    return out
