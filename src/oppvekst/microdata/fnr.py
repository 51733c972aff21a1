"""National identity numbers (fødselsnummer): synthetic generation and validation, vectorised.

Layout (DESIGN.md glossary): DDMMYY + 3-digit individual number + 2 mod-11 check digits
(weights 3 7 6 1 8 9 4 5 2, then 5 4 3 2 7 6 5 4 3 2). A D-number adds 4 to the first digit.
Synthetic test persons add 80 (Skatteetaten) or 40 (NAV) to the month, so they can never be real
people; the generator here always uses +80. An individual number whose check digit would be 10 is
never issued, so the generator skips it.

Individual number and century (Skatteetaten's rules): 000–499 → 1900–1999; 500–749 → 1854–1899;
500–999 → 2000–2039; 900–999 → 1940–1999.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from oppvekst.errors import InputError

W1 = np.array([3, 7, 6, 1, 8, 9, 4, 5, 2], dtype=np.int64)
W2 = np.array([5, 4, 3, 2, 7, 6, 5, 4, 3, 2], dtype=np.int64)
SYNTHETIC_MONTH_OFFSET = 80  # Skatteetaten's synthetic persons (DESIGN.md glossary)
KINDS = ("fnr", "dnr", "synthetic", "synthetic_nav")


def check_digits(first9: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Both mod-11 check digits for an (n, 9) digit matrix; 10 marks a number that is never issued."""
    k1 = (11 - (first9 @ W1) % 11) % 11
    k2 = (11 - (np.column_stack([first9, np.where(k1 == 10, 0, k1)]) @ W2) % 11) % 11
    return k1, k2


def _as_arrow(values) -> pa.StringArray:
    arr = values if isinstance(values, (pa.Array, pa.ChunkedArray)) else pa.array(values, type=pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string())


@dataclass(frozen=True)
class Parsed:
    valid: np.ndarray        # bool
    reason: np.ndarray       # '' where valid
    kind: np.ndarray         # fnr / dnr / synthetic / synthetic_nav
    birth_date: np.ndarray   # datetime64[D], NaT where invalid


DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def parse(values) -> Parsed:
    """Check every number: 11 digits, both check digits, a real calendar date, individual number in range."""
    arr = _as_arrow(values)
    n = len(arr)
    reason = np.full(n, "", dtype=object)
    shape = pc.fill_null(pc.match_substring_regex(arr, r"^[0-9]{11}$"), False)
    ok_shape = shape.to_numpy(zero_copy_only=False)
    reason[~ok_shape] = "not 11 digits"
    good = pc.fill_null(pc.if_else(shape, arr, "00000000000"), "00000000000").cast(pa.string())
    good = pa.concat_arrays([good])  # a fresh, contiguous buffer: every value is 11 bytes long now
    data = np.frombuffer(good.buffers()[2], dtype=np.uint8)
    start = int(np.frombuffer(good.buffers()[1], dtype=np.int32)[good.offset])
    d = data[start:start + 11 * n].reshape(n, 11).astype(np.int64) - 48
    k1, k2 = check_digits(d[:, :9])
    bad_check = ok_shape & ((k1 == 10) | (k2 == 10) | (k1 != d[:, 9]) | (k2 != d[:, 10]))
    reason[bad_check] = "check digits do not match (mod 11)"
    day = d[:, 0] * 10 + d[:, 1]
    month = d[:, 2] * 10 + d[:, 3]
    yy = d[:, 4] * 10 + d[:, 5]
    ind = d[:, 6] * 100 + d[:, 7] * 10 + d[:, 8]
    kind = np.full(n, "fnr", dtype=object)
    dnr = day > 40
    day = np.where(dnr, day - 40, day)
    kind[dnr] = "dnr"
    synth = month > 80
    nav = (month > 40) & ~synth
    month = np.where(synth, month - 80, np.where(nav, month - 40, month))
    kind[synth] = "synthetic"
    kind[nav] = "synthetic_nav"
    # Century from the individual number; where two ranges overlap the earlier rule wins as documented.
    century = np.where(ind <= 499, 1900,
                       np.where((ind >= 900) & (yy >= 40), 1900,
                                np.where(yy <= 39, 2000, np.where(ind <= 749, 1800, -1))))
    year = century + yy
    bad_century = ok_shape & ~bad_check & ((century < 0) | ((century == 1800) & (yy < 54)))
    reason[bad_century] = "individual number does not fit the birth year"
    checked = ok_shape & ~bad_check & ~bad_century
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    mlen = DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
    bad_date = checked & ((month < 1) | (month > 12) | (day < 1) | (day > mlen))
    reason[bad_date] = "not a calendar date (day/month)"
    valid = checked & ~bad_date
    ym = np.where(valid, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    birth = ym.astype("datetime64[D]") + np.where(valid, day - 1, 0).astype("timedelta64[D]")
    birth[~valid] = np.datetime64("NaT")
    return Parsed(valid=valid, reason=reason, kind=kind, birth_date=birth)


def validate(values, *, file: str, field: str, first_row: int = 1, require_synthetic: bool = False) -> Parsed:
    """Raise InputError on the first invalid (or, if required, non-synthetic) number; rows from `first_row`."""
    parsed = parse(values)
    bad = ~parsed.valid
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"invalid national identity number: {parsed.reason[i]}", file=file,
                         row=i + first_row, field=field)
    if require_synthetic:
        real = parsed.kind != "synthetic"
        if real.any():
            i = int(np.flatnonzero(real)[0])
            raise InputError(f"a {parsed.kind[i]} number where only synthetic (+80 month) numbers are allowed",
                             file=file, row=i + first_row, field=field)
    return parsed


def synthetic(birth_dates: np.ndarray, rng: np.random.Generator) -> pa.StringArray:
    """Unique synthetic fødselsnummer (+80 on the month) for the given birth dates (datetime64[D]).

    Each birth date gets distinct individual numbers drawn at random from those with valid check digits,
    in the range that encodes the century (000–499 or 900–999 for 1940–1999, 000–499 for 1900–1939,
    500–999 for 2000–2039).
    """
    dates = np.asarray(birth_dates, dtype="datetime64[D]")
    uniq, inv = np.unique(dates, return_inverse=True)
    ymd = pd.DatetimeIndex(uniq)
    years = ymd.year.to_numpy()
    if ((years < 1900) | (years > 2039)).any():
        raise ValueError("synthetic numbers are generated for births 1900–2039 only")
    # Candidates per date: 000–499 (1900–1999) plus 900–999 (1940–1999), or 500–999 (2000–2039).
    width = 600
    grid = np.arange(width)[None, :]
    in_1900s = np.where(grid < 500, grid, 400 + grid)          # 0..499, then 900..999
    cand = np.where((years >= 2000)[:, None], 500 + grid, in_1900s).astype(np.int32)   # (dates, 600)
    usable = np.where((years >= 2000)[:, None], grid < 500,
                      np.where((years >= 1940)[:, None], True, grid < 500))
    month = ymd.month.to_numpy() + SYNTHETIC_MONTH_OFFSET
    day = ymd.day.to_numpy()
    prefix = np.column_stack([day // 10, day % 10, month // 10, month % 10, (years % 100) // 10, years % 10])
    nd = len(uniq)
    # The check digits are linear in the digits: date part per date plus individual part per candidate.
    ind = np.stack([cand // 100, (cand // 10) % 10, cand % 10], axis=-1).astype(np.int32)
    k1 = (11 - ((prefix @ W1[:6])[:, None] + ind @ W1[6:]) % 11) % 11
    s2 = (prefix @ W2[:6])[:, None] + ind @ W2[6:9] + W2[9] * np.where(k1 == 10, 0, k1)
    k2 = (11 - s2 % 11) % 11
    valid = usable & (k1 != 10) & (k2 != 10)
    # Random order of the valid candidates per date (invalid ones sorted last).
    keys = np.where(valid, rng.random((nd, width)), 2.0)
    order = np.argsort(keys, axis=1)
    # Rank of each person within its birth date, in random order.
    perm = rng.permutation(len(dates))
    srt = perm[np.argsort(inv[perm], kind="stable")]
    counts = np.bincount(inv, minlength=nd)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(dates), dtype=np.int64)
    rank[srt] = np.arange(len(dates)) - np.repeat(starts, counts)
    if (counts > valid.sum(axis=1)).any():
        raise ValueError("more persons on one birth date than there are valid individual numbers")
    pick = order[inv, rank]
    chosen = cand[inv, pick]
    digits = np.column_stack([prefix[inv], chosen // 100, (chosen // 10) % 10, chosen % 10,
                              k1[inv, pick], k2[inv, pick]])
    return _strings(digits)


def _strings(digits: np.ndarray) -> pa.StringArray:
    """An arrow string array from an (n, 11) digit matrix, without a Python loop."""
    n = len(digits)
    data = pa.py_buffer((digits.astype(np.uint8) + 48).tobytes())
    offsets = pa.py_buffer((np.arange(n + 1, dtype=np.int32) * 11).tobytes())
    return pa.Array.from_buffers(pa.string(), n, [None, offsets, data])
