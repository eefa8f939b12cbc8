"""SSN validation, the SQL HMAC (checked against Python's hmac), masking and key handling."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import duckdb
import pytest

from skiptrace import masking
from skiptrace.sources import pii
from skiptrace.sources.errors import KeyNotConfiguredError

VALID = ["123-54-6789", "123546789", "123 54 6789", "001-01-0001", "665-12-3456", "899-99-9999"]
INVALID = [
    "000-12-3456",  # area 000
    "666-12-3456",  # area 666
    "900-12-3456",  # area 9xx
    "123-00-4567",  # group 00
    "123-45-0000",  # serial 0000
    "12345678",  # 8 digits
    "1234567890",  # 10 digits
    "12345678X",
]
#: Placeholder SSNs: valid by the allocation rules, never issued (advertising and specimen cards,
#: a run of one digit, the digits in order).
PLACEHOLDERS = [
    "078-05-1120",  # Woolworth wallet card
    "078051120",
    "219-09-9999",  # Social Security Board pamphlet
    "123-45-6789",
    "123456789",
    *(str(d) * 9 for d in range(1, 9)),
]


@pytest.mark.parametrize("value", VALID)
def test_valid_ssn_shapes(value: str) -> None:
    assert pii.is_valid_ssn(value)


@pytest.mark.parametrize("value", INVALID)
def test_invalid_ssn_shapes(value: str) -> None:
    assert not pii.is_valid_ssn(value)


@pytest.mark.parametrize("value", PLACEHOLDERS)
def test_placeholder_ssns_are_invalid(value: str) -> None:
    assert not pii.is_valid_ssn(value)


def test_placeholder_list_is_built_not_written() -> None:
    assert len(pii.PLACEHOLDER_SSNS) == 11
    assert {pii.normalize_ssn(v) for v in PLACEHOLDERS} == set(pii.PLACEHOLDER_SSNS)


def test_repair_does_not_bring_back_a_placeholder() -> None:
    con = duckdb.connect()
    values = ["078/05/1120", "78051120", "123_45_6789", "219 09 9999-", "078/05/1121"]
    digits, reason = pii.ssn_repair_sql("v")
    got = con.execute(
        f"SELECT v, {digits}, {reason}, {pii.ssn_placeholder_sql('v')} FROM unnest(?) t(v)",
        [values],
    ).fetchall()
    assert {v: (d, r, p) for v, d, r, p in got} == {
        "078/05/1120": (None, None, True),
        "78051120": (None, None, True),  # the leading zero restored: still the Woolworth number
        "123_45_6789": (None, None, True),
        "219 09 9999-": (None, None, True),
        "078/05/1121": ("078051121", "repaired_ssn_separators", False),
    }


def test_sql_validation_matches_python() -> None:
    con = duckdb.connect()
    values = VALID + INVALID + PLACEHOLDERS
    got = con.execute(
        f"SELECT v, {pii.ssn_valid_sql(pii.ssn_digits_sql('v'))} FROM unnest(?) t(v)", [values]
    ).fetchall()
    assert {v: ok for v, ok in got} == {v: pii.is_valid_ssn(v) for v in values}


@pytest.mark.parametrize("key", [b"short", b"k" * 64, b"a-much-longer-key-" * 8])
def test_sql_hmac_equals_python_hmac(key: bytes) -> None:
    """The SQL HMAC (two sha256 over blobs) must be byte-for-byte RFC 2104 HMAC-SHA256."""
    con = duckdb.connect()
    digits = ["123546789", "987654321", "001010001"]
    rows = con.execute(
        f"SELECT v, {pii.ssn_hash_sql('v')} FROM unnest($vals) t(v)",
        {"vals": digits, **pii.hmac_pads(key)},
    ).fetchall()
    for value, got in rows:
        assert got == hmac.new(key, value.encode(), hashlib.sha256).hexdigest()
        assert got == pii.hmac_ssn(value, key)


def test_hmac_ssn_normalizes_separators() -> None:
    assert pii.hmac_ssn("123-54-6789", b"k") == pii.hmac_ssn("123546789", b"k")


def test_key_from_env_beats_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    keyfile = tmp_path / "k.key"
    keyfile.write_text("file-key-0123456789abcdef\n")
    monkeypatch.setenv("SKIPTRACE_KEY_FILE", str(keyfile))
    monkeypatch.setenv("SKIPTRACE_HMAC_KEY", "env-key-0123456789")
    assert pii.load_key() == b"env-key-0123456789"
    monkeypatch.delenv("SKIPTRACE_HMAC_KEY")
    assert pii.load_key() == b"file-key-0123456789abcdef"


def test_missing_key_is_an_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SKIPTRACE_HMAC_KEY")
    monkeypatch.setenv("SKIPTRACE_KEY_FILE", str(tmp_path / "absent.key"))
    with pytest.raises(KeyNotConfiguredError):
        pii.load_key()


def test_ensure_key_file_creates_0600_once(tmp_path: Path) -> None:
    path = pii.ensure_key_file(tmp_path / "sub" / "hmac.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = path.read_text()
    assert len(first.strip()) == 64
    path.chmod(0o644)
    assert pii.ensure_key_file(path) == path
    assert path.read_text() == first  # never overwritten: old hashes stay valid
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_ensure_hmac_key_noop_with_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert pii.ensure_hmac_key() is None
    monkeypatch.delenv("SKIPTRACE_HMAC_KEY")
    monkeypatch.delenv("SKIPTRACE_KEY_FILE", raising=False)
    created = pii.ensure_hmac_key()
    assert created == Path("data/hmac.key") and created.exists()


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("a,123-54-6789,b", "a,***-**-6789,b"),
        ("123546789", "*****6789"),
        ("x 123 54 6789 y", "x *** ** 6789 y"),
        ("123546789,987654321", "*****6789,*****4321"),  # adjacent runs both masked
        ("(217) 555-0134", "(217) 555-0134"),  # a phone is not SSN-shaped
        ("2175550134", "2175550134"),  # nor is a ten-digit run
    ],
)
def test_masking_sql_and_python_agree(text: str, masked: str) -> None:
    assert masking.mask_ssn_runs(text) == masked
    got = (
        duckdb.connect()
        .execute(f"SELECT {masking.mask_ssn_runs_sql('$t')}", {"t": text})
        .fetchone()
    )
    assert got == (masked,)
