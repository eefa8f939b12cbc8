"""Email normalization: the Python twin and the SQL macro agree on every hand-checked case."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import duckdb
import pytest

from skiptrace.matchers.emails import email_norm, is_valid_email

DATA = Path(__file__).parent / "data"
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\t")


def _unescape(s: str) -> str:
    """The CSV spells invisible characters as \\t and \\uXXXX so a reviewer can see them."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else "\t", s)


def _cases() -> list[tuple[str, str | None, str]]:
    with (DATA / "email_cases.csv").open(newline="", encoding="utf-8") as f:
        return [(_unescape(r["raw"]), r["expected"] or None, r["note"]) for r in csv.DictReader(f)]


CASES = _cases()


def test_enough_hand_checked_cases() -> None:
    assert len(CASES) >= 10


@pytest.mark.parametrize(("raw", "expected", "note"), CASES, ids=[c[2] for c in CASES])
def test_python_email_norm(raw: str, expected: str | None, note: str) -> None:
    assert email_norm(raw) == expected
    assert is_valid_email(raw) == (expected is not None)


def test_sql_macro_agrees_on_every_case(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE TEMP TABLE email_cases (i INTEGER, raw VARCHAR)")
    con.executemany(
        "INSERT INTO email_cases VALUES (?, ?)", [[i, c[0]] for i, c in enumerate(CASES)]
    )
    got = con.execute("SELECT email_norm(raw) FROM email_cases ORDER BY i").fetchall()
    assert [g[0] for g in got] == [c[1] for c in CASES]


def test_null() -> None:
    assert email_norm(None) is None
