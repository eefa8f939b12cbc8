"""A name romanized from a script without written vowels (Arabic, Hebrew: محمد -> MHMD) against
the Latin spelling of the same name (MOHAMMED): compared on the consonant skeleton of both
sides, at most the 'similar' level, and no data where the skeletons differ (sql/match/compare.sql;
the flag from matchers/names.py, written_without_vowels).

The identities are built from raw names by the real standardizer, then compared by compare.sql
on real DuckDB sides."""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import polars as pl
import pytest

from skiptrace import sql
from skiptrace.matchers import compare
from skiptrace.matchers.compare import (
    FIRST_DIFFERENT,
    FIRST_EXACT,
    FIRST_JW80,
    LAST_DIFFERENT,
    LAST_EXACT,
    LAST_JW80,
    MIDDLE_DIFFERENT,
    NO_DATA,
)
from skiptrace.matchers.names import (
    standardize_name,
    standardize_name_frame,
    written_without_vowels,
)
from tests.matchers import test_guards as pop  # the one population builder

BORN = dt.date(1981, 3, 14)

# The given names and surnames of the auditor's Arabic-script accounts, with the spelling a US
# vendor or court writes for the same person (/tmp case c_names_rom).
ARABIC_US = [
    ("محمد", "MOHAMMED"), ("أحمد", "AHMED"), ("حسن", "HASSAN"), ("خالد", "KHALED"),
    ("عمر", "OMAR"), ("يوسف", "YOUSEF"), ("إبراهيم", "IBRAHIM"), ("سعيد", "SAEED"),
    ("عبدالله", "ABDULLAH"), ("فاطمة", "FATIMA"), ("مريم", "MARIAM"), ("زينب", "ZAINAB"),
    ("نور", "NOOR"), ("سارة", "SARA"), ("هدى", "HUDA"), ("رنا", "RANA"), ("سلمى", "SALMA"),
    ("أمل", "AMAL"),
]  # fmt: skip


def _identity(first: str, last: str, middle: str | None = None) -> dict[str, Any]:
    p = standardize_name(first, middle, last)
    row = pop.person(p.first_std, p.last_std, dob=BORN, ssn=None, number="40", street="ELM",
                     zip5="48201", middle=p.middle_initial)  # fmt: skip
    row["first_canon"] = p.first_canon
    row["name_abjad"] = p.name_abjad
    return row


def _levels_many(
    con: duckdb.DuckDBPyConnection, pairs: list[tuple[dict[str, Any], dict[str, Any]]]
) -> list[dict[str, Any]]:
    """Levels of each (account, record) pair, in order: account A<i> against record i."""
    con.execute("DELETE FROM acct_std; DELETE FROM rec_std")
    src = {"source": "header", "kind": "person_records"}
    Rows = list[tuple[Any, dict[str, Any], dict[str, Any]]]
    rows_l: Rows = [
        (f"A{i}", {k: v for k, v in a.items() if k != "name_abjad"}, {})
        for i, (a, _) in enumerate(pairs)
    ]
    rows_r: Rows = [
        (i, {k: v for k, v in r.items() if k != "name_abjad"}, src)
        for i, (_, r) in enumerate(pairs)
    ]
    pop.insert_many(con, "acct_std", rows_l)
    pop.insert_many(con, "rec_std", rows_r)
    for i, (a, r) in enumerate(pairs):
        con.execute(
            "UPDATE acct_std SET name_abjad = ? WHERE account_id = ?", [a["name_abjad"], f"A{i}"]
        )
        con.execute("UPDATE rec_std SET name_abjad = ? WHERE rec_id = ?", [r["name_abjad"], i])
    compare.prepare_sides(con)
    compare.compare_pairs(con, "SELECT 'A' || id AS account_id, id AS rec_id FROM _mr")
    got = {r["rec_id"]: r for r in sql.rows(con, "SELECT * FROM _match_cmp")}
    return [got[i] for i in range(len(pairs))]


def _levels(con: duckdb.DuckDBPyConnection, a: dict[str, Any], r: dict[str, Any]) -> dict[str, Any]:
    return _levels_many(con, [(a, r)])[0]


def test_the_flag_marks_scripts_without_written_vowels() -> None:
    assert written_without_vowels("محمد")
    assert written_without_vowels(None, "", "כהן")
    assert written_without_vowels("ܐܬܘܪ")  # Syriac
    assert written_without_vowels("ﻣﺤﻤﺪ")  # Arabic presentation forms
    # alphabets that write their vowels, and Latin with accents
    for name in ("ИВАНОВ", "王伟", "ΓΙΩΡΓΟΣ", "ދިވެހި", "JOSÉ", "MOHAMMED", "", None):
        assert not written_without_vowels(name)
    assert standardize_name("محمد", None, "حسن").name_abjad
    assert standardize_name(None, None, None, None, "HASSAN, محمد").name_abjad
    assert not standardize_name("ИВАН", None, "ИВАНОВ").name_abjad


def test_the_flag_is_stored_with_the_standardized_name() -> None:
    """Both paths of the cache builder (split fields per value, full names per tuple)."""
    pending = pl.DataFrame(
        {"name_raw": ["a", "b", "c"], "first_name": ["محمد", "MOHAMMED", ""],
         "middle_name": ["", "", ""], "last_name": ["حسن", "HASSAN", ""],
         "suffix": ["", "", ""], "full_name": ["", "", "דוד כהן"]}
    )  # fmt: skip
    frame = standardize_name_frame(pending)
    got = dict(zip(frame["name_raw"], frame["name_abjad"], strict=True))
    assert got == {"a": True, "b": False, "c": True}


@pytest.mark.parametrize(
    "a,b,skeleton",
    [("MOHAMMED", "MHMD", "MHMD"), ("MUHAMMAD", "MHMD", "MHMD"), ("MOHAMED", "MHMD", "MHMD"),
     ("ABDULLAH", "BDLLH", "BDL"), ("FATIMA", "FTMH", "FTM"), ("YOUSEF", "YWSF", "SF"),
     ("ABD AL RAHMAN", "BD LRHMN", "BDLRHMN"), ("KASSEM", "QSM", "KSM")],
)  # fmt: skip
def test_skeleton(con: duckdb.DuckDBPyConnection, a: str, b: str, skeleton: str) -> None:
    compare.prepare_sides(con)
    compare.compare_pairs(con, "SELECT NULL::VARCHAR AS account_id, NULL::BIGINT AS rec_id LIMIT 0")
    got = con.execute("SELECT _name_skeleton(?), _name_skeleton(?)", [a, b]).fetchall()[0]
    assert got == (skeleton, skeleton)


def test_an_arabic_script_name_is_similar_to_its_us_spelling(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """محمد حسن against MOHAMMED HASSAN: before, MHMD / HSN read as another person's name
    (FIRST_DIFFERENT, LAST_DIFFERENT) and records linked on SSN and address were rejected."""
    pairs = [(_identity(ar, "حسن"), _identity(us, "HASSAN")) for ar, us in ARABIC_US]
    for (ar, us), lv in zip(ARABIC_US, _levels_many(con, pairs), strict=True):
        assert (lv["first_name"], lv["last_name"]) == (FIRST_JW80, LAST_JW80), (ar, us)


def test_either_side_may_be_the_romanized_one(con: duckdb.DuckDBPyConnection) -> None:
    lv = _levels(con, _identity("MUHAMMAD", "ABDULLAH"), _identity("محمد", "عبدالله"))
    assert (lv["first_name"], lv["last_name"]) == (FIRST_JW80, LAST_JW80)


def test_skeletons_that_differ_are_no_data_not_a_disagreement(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """محمد حسن against JANET BROWN (a name the conventions do not bring together, or another
    person's): the romanization says nothing either way, as before names in other scripts were
    romanized, when the name was missing. A one-letter skeleton (علي, ALI: L) is too little to
    agree on. A middle initial that differs across scripts is no data too (أحمد is HMD)."""
    lv = _levels(con, _identity("محمد", "حسن", "أحمد"), _identity("JANET", "BROWN", "ANN"))
    assert (lv["first_name"], lv["last_name"], lv["middle_initial"]) == (NO_DATA,) * 3
    lv = _levels(con, _identity("علي", "حسن"), _identity("ALI", "HASSAN"))
    assert (lv["first_name"], lv["last_name"]) == (NO_DATA, LAST_JW80)


def test_two_names_in_the_same_script_compare_as_any_names(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Both sides in Arabic script: one convention, so equal is exact and different is a
    disagreement; both in Latin letters: unchanged (a typed MHMD is no skeleton)."""
    lv = _levels(con, _identity("محمد", "حسن"), _identity("محمد", "حسن"))
    assert (lv["first_name"], lv["last_name"]) == (FIRST_EXACT, LAST_EXACT)
    lv = _levels(con, _identity("محمد", "حسن", "أحمد"), _identity("فاطمة", "خالد", "عمر"))
    assert (lv["first_name"], lv["last_name"], lv["middle_initial"]) == (
        FIRST_DIFFERENT, LAST_DIFFERENT, MIDDLE_DIFFERENT,
    )  # fmt: skip
    lv = _levels(con, _identity("MHMD", "HSN"), _identity("MOHAMMED", "HASSAN"))
    assert (lv["first_name"], lv["last_name"]) == (FIRST_DIFFERENT, LAST_DIFFERENT)
