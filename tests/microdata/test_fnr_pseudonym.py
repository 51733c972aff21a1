"""Identity numbers (check digits by hand) and keyed pseudonyms (RFC 4231 reference values)."""

import hashlib
import hmac

import numpy as np
import pytest

from oppvekst.errors import InputError
from oppvekst.microdata import fnr
from oppvekst.microdata.pseudonym import PseudonymKeyError, load_key, pseudonyms

# 01010750160, by hand (DESIGN.md glossary):
#   k1: 0·3+1·7+0·6+1·1+0·8+7·9+5·4+0·5+1·2 = 93; 93 mod 11 = 5; 11−5 = 6
#   k2: 0·5+1·4+0·3+1·2+0·7+7·6+5·5+0·4+1·3+6·2 = 88; 88 mod 11 = 0 → 0
#   individual number 501 with year 07 → born 2007 (500–999 is 2000–2039): 1 January 2007.
REAL_FORMAT = "01010750160"
# 15 March 2010 as a synthetic person (month + 80 = 83), individual number 512:
#   k1: 1·3+5·7+8·6+3·1+1·8+0·9+5·4+1·5+2·2 = 126; 126 mod 11 = 5; 11−5 = 6
#   k2: 1·5+5·4+8·3+3·2+1·7+0·6+5·5+1·4+2·3+6·2 = 109; 109 mod 11 = 10; 11−10 = 1
SYNTHETIC = "15831051261"


def test_hand_checked_numbers():
    p = fnr.parse([REAL_FORMAT, SYNTHETIC])
    assert p.valid.tolist() == [True, True]
    assert p.kind.tolist() == ["fnr", "synthetic"]
    assert p.birth_date.astype(str).tolist() == ["2007-01-01", "2010-03-15"]


@pytest.mark.parametrize("value, reason", [
    ("01010750161", "check digits"),            # last digit changed
    ("15831051271", "check digits"),
    ("0101075016", "not 11 digits"),
    ("0101075016x", "not 11 digits"),
    ("31021051230", "calendar"),                 # 31 February 2010 (check digits made valid below)
    ("01015080000", "individual number"),        # individual 800 with year 50: no century fits
])
def test_invalid_numbers_are_rejected(value, reason):
    if reason in ("calendar", "individual number"):  # give these valid check digits so the date/range rule is hit
        d = np.array([[int(c) for c in value[:9]]])
        k1, k2 = fnr.check_digits(d)
        assert k1[0] < 10 and k2[0] < 10
        value = value[:9] + f"{k1[0]}{k2[0]}"
    p = fnr.parse([value])
    assert not p.valid[0] and reason in p.reason[0]


def test_d_number_and_nav_synthetic_are_recognised():
    d = np.array([[4, 1, 0, 1, 0, 7, 5, 0, 1], [0, 1, 4, 1, 0, 7, 5, 0, 1]])   # day + 40; month + 40
    k1, k2 = fnr.check_digits(d)
    values = ["".join(map(str, row)) + f"{a}{b}" for row, a, b in zip(d, k1, k2) if a < 10 and b < 10]
    p = fnr.parse(values)
    assert p.valid.all()
    assert set(p.kind) <= {"dnr", "synthetic_nav"} and len(values) >= 1


def test_validate_names_file_row_and_field():
    with pytest.raises(InputError) as exc:
        fnr.validate([SYNTHETIC, "15831051262"], file="k.parquet", field="fnr", first_row=1)
    assert exc.value.row == 2 and exc.value.field == "fnr" and exc.value.file == "k.parquet"
    with pytest.raises(InputError, match="only synthetic"):
        fnr.validate([REAL_FORMAT], file="k.parquet", field="fnr", require_synthetic=True)


def test_generator_gives_unique_valid_synthetic_numbers():
    rng = np.random.default_rng(7)
    dates = np.datetime64("1950-01-01") + rng.integers(0, 365 * 74, 200_000)
    dates[:400] = np.datetime64("1999-12-31")              # 400 on one day: fits in 000–499 ∪ 900–999
    numbers = fnr.synthetic(dates, rng)
    p = fnr.parse(numbers)
    assert p.valid.all() and set(p.kind) == {"synthetic"}
    assert (p.birth_date == dates).all()
    assert len(numbers.unique()) == len(numbers)
    months = np.array([int(s[2:4]) for s in numbers.to_pylist()[:1000]])
    assert (months > 80).all()


def test_generator_refuses_more_people_than_numbers_on_a_day():
    dates = np.full(600, np.datetime64("2010-06-01"))      # 500–999 holds fewer than 500 valid numbers
    with pytest.raises(ValueError, match="valid individual numbers"):
        fnr.synthetic(dates, np.random.default_rng(1))


# -- pseudonyms ------------------------------------------------------------------------------------------

def test_pseudonym_is_hmac_sha256_truncated():
    # RFC 4231 test case 2: HMAC-SHA256(key "Jefe", "what do ya want for nothing?")
    # = 5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843
    pid = pseudonyms(["what do ya want for nothing?"], b"Jefe")[0]
    assert pid == int.from_bytes(bytes.fromhex("5bdcc146bf60754e"), "big", signed=True)
    ref = hmac.new(b"k" * 32, SYNTHETIC.encode(), hashlib.sha256).digest()[:8]
    assert pseudonyms([SYNTHETIC], b"k" * 32)[0] == int.from_bytes(ref, "big", signed=True)


def test_pseudonyms_are_deterministic_and_keyed():
    a = pseudonyms([SYNTHETIC, REAL_FORMAT], b"a" * 32)
    assert (a == pseudonyms([SYNTHETIC, REAL_FORMAT], b"a" * 32)).all()
    assert not (a == pseudonyms([SYNTHETIC, REAL_FORMAT], b"b" * 32)).any()


def test_key_comes_from_the_environment_or_a_file(monkeypatch, tmp_path):
    monkeypatch.delenv("OPPVEKST_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("OPPVEKST_PSEUDONYM_KEY_FILE", raising=False)
    with pytest.raises(PseudonymKeyError, match="OPPVEKST_PSEUDONYM_KEY"):
        load_key()
    monkeypatch.setenv("OPPVEKST_PSEUDONYM_KEY", "x" * 40)
    assert load_key() == b"x" * 40
    keyfile = tmp_path / "key"
    keyfile.write_bytes(b"y" * 40 + b"\n")
    monkeypatch.setenv("OPPVEKST_PSEUDONYM_KEY_FILE", str(keyfile))
    with pytest.raises(PseudonymKeyError, match="not both"):
        load_key()
    monkeypatch.delenv("OPPVEKST_PSEUDONYM_KEY")
    assert load_key() == b"y" * 40
    keyfile.write_bytes(b"short")
    with pytest.raises(PseudonymKeyError, match="shorter"):
        load_key()
