"""Shared helpers for text files: encoding detection, delimiter sniffing, SSB number cells."""

from __future__ import annotations

import codecs
import math
import re
from pathlib import Path

from oppvekst.errors import InputError
from oppvekst.observations import FLAG_MISSING, FLAG_VALUE, STATUS_FLAGS

# SSB's standard table symbols beyond STATUS_FLAGS (ssb.no "Standardtegn i tabeller"):
# "..." figures not yet available (treated as missing), "-" nil (a true zero).
EXTRA_MISSING = {"...": FLAG_MISSING}
NIL = "-"

_C1 = re.compile("[\x80-\x9f]")


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column of a byte offset."""
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return line, column


def decode_bytes(data: bytes, file: str, encoding: str | None = None) -> tuple[str, str]:
    """Decode a file's bytes; return (text, encoding used).

    With `encoding` given, decode strictly with it. Without, try UTF-8 (BOM or not), then ISO-8859-1;
    Latin-1 maps every byte, so text with C1 control characters (0x80-0x9F, which no SSB export has)
    counts as undecodable (typical of a cp1252 or binary file).
    """
    if encoding:
        try:
            codec = codecs.lookup(encoding).name
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r}", file=file, field="encoding") from None
        if codec == "utf-8":
            codec = "utf-8-sig"
        try:
            return data.decode(codec), codec
        except UnicodeDecodeError as exc:
            line, col = _position(data, exc.start)
            raise InputError(
                f"byte 0x{data[exc.start]:02x} at line {line}, column {col} is not valid {encoding} "
                f"(ugyldig tegnkoding / wrong encoding)", file=file, row=line, field="encoding") from None
    try:
        return data.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    text = data.decode("iso-8859-1")
    match = _C1.search(text)
    if match:
        line, col = _position(data, match.start())
        raise InputError(
            f"the file is neither UTF-8 (byte 0x{data[first_bad]:02x} at offset {first_bad}) nor "
            f"ISO-8859-1 (control byte 0x{ord(match.group()):02x} at line {line}, column {col}); "
            "declare the encoding (ukjent tegnkoding / unknown encoding)",
            file=file, row=line, field="encoding")
    return text, "iso-8859-1"


def read_text(path: str | Path, encoding: str | None = None) -> tuple[str, str]:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    return decode_bytes(data, str(path), encoding)


def parse_number(cell: str, *, decimal_comma: bool) -> tuple[float, int] | None:
    """An SSB number cell -> (value, flag); None when the cell is not a number or a known symbol."""
    text = cell.strip()
    if text == "":
        return math.nan, FLAG_MISSING
    if text in STATUS_FLAGS:
        return math.nan, STATUS_FLAGS[text]
    if text in EXTRA_MISSING:
        return math.nan, EXTRA_MISSING[text]
    if text == NIL:
        return 0.0, FLAG_VALUE
    text = text.replace("\u00a0", "").replace(" ", "")
    if decimal_comma:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    if math.isnan(value) or math.isinf(value):
        return None
    return value, FLAG_VALUE
