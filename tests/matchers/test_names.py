"""Name standardization: hand-checked table, nickname canon, phonetic keys, the cache builder."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from skiptrace.matchers import names
from skiptrace.matchers.names import canonical_given_name, phonetic_key, standardize_name

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[2]


def _cases() -> list[dict[str, str]]:
    with (DATA / "name_cases.csv").open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


CASES = _cases()


def test_enough_hand_checked_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c["note"] for c in CASES])
def test_name_table(case: dict[str, str]) -> None:
    def arg(k: str) -> str | None:
        return case[k] or None

    p = standardize_name(arg("first"), arg("middle"), arg("last"), arg("suffix"), arg("full_name"))
    got = {
        "first_std": p.first_std,
        "middle_std": p.middle_std,
        "last_std": p.last_std,
        "suffix_std": p.suffix_std,
        "first_canon": p.first_canon,
        "last_phonetic": p.last_phonetic,
    }
    want = {k: (case[k] or None) for k in got}
    assert got == want


@pytest.mark.parametrize(
    ("nickname", "canonical"),
    [
        ("Bob", "ROBERT"),
        ("bobby", "ROBERT"),
        ("Peggy", "MARGARET"),
        ("Maggie", "MARGARET"),
        ("Bill", "WILLIAM"),
        ("BILLY", "WILLIAM"),
        ("Liz", "ELIZABETH"),
        ("Betty", "ELIZABETH"),
        ("Jim", "JAMES"),
        ("Dick", "RICHARD"),
        ("Jack", "JOHN"),
        ("Polly", "MARY"),
        ("Ike", "ISAAC"),  # long tail from the package: a single, same-initial canonical
        # formal names are their own canonical even where the package lists them as nicknames
        ("Robert", "ROBERT"),
        ("Mary", "MARY"),
        ("Michael", "MICHAEL"),
        ("John", "JOHN"),
        # ambiguous short forms are left alone rather than guessed
        ("Chris", "CHRIS"),
        ("Al", "AL"),
        ("Ted", "TED"),
        # cross-gender or unrelated package edges are not followed
        ("Erin", "ERIN"),
        ("Cole", "COLE"),
        ("Felix", "FELIX"),
        # unknown names and formatting
        ("Zyxwv", "ZYXWV"),
        (" o'bob ", "OBOB"),
        ("Mary-Ann", "MARY ANN"),
        ("", ""),
    ],
)
def test_canonical_given_name(nickname: str, canonical: str) -> None:
    assert canonical_given_name(nickname) == canonical


def test_canonical_map_is_idempotent() -> None:
    """Every canonical maps to itself, so canon(canon(x)) == canon(x) for all known names."""
    mapping = names._canonical_map()
    assert len(mapping) > 2000
    bad = {k: v for k, v in mapping.items() if mapping.get(v, v) != v}
    assert bad == {}


def test_canonical_map_does_not_depend_on_hash_seed() -> None:
    """The package's tables are sets; the map must not inherit their iteration order."""
    code = (
        "import hashlib, json; from matchers.names import _canonical_map as m; "
        "print(hashlib.sha256(json.dumps(sorted(m().items())).encode()).hexdigest())"
    )
    digests = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    assert len(digests) == 1


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("SMITH", "SMYTH"),
        ("STEVENS", "STEPHENS"),
        ("PHILLIPS", "FILLIPS"),
        ("KATHERINE", "CATHERINE"),
        ("MCDONALD", "MACDONALD"),
        ("DE LA CRUZ", "DELACRUZ"),
        ("GONZALEZ", "GONZALES"),
        ("WRIGHT", "RIGHT"),
    ],
)
def test_phonetic_key_groups_spelling_variants(a: str, b: str) -> None:
    assert phonetic_key(a) == phonetic_key(b) is not None


@pytest.mark.parametrize(("a", "b"), [("SMITH", "SCHMIDT"), ("JONES", "JOHNSON")])
def test_phonetic_key_separates_different_names(a: str, b: str) -> None:
    assert phonetic_key(a) != phonetic_key(b)


def test_nickname_and_formal_share_first_phonetic() -> None:
    """first_phonetic is built on the canonical: BOB and ROBERT land in one block."""
    bob = standardize_name(first="Bob", last="Smith")
    robert = standardize_name(full_name="SMITH, ROBERT")
    assert bob.first_phonetic == robert.first_phonetic == phonetic_key("ROBERT")
    assert bob.first_std == "BOB"  # the spelling itself is kept for exact comparison


def test_suffix_values_stay_distinct() -> None:
    """JR and II may or may not be the same person: both are kept for the matcher to judge."""
    got = {
        standardize_name(first="John", last="Smith", suffix=s).suffix_std
        for s in ("Jr", "Junior", "II", "2nd", "Sr", "Senior", "III", "3rd", "IV", "V", "Esq")
    }
    assert got == {"JR", "II", "SR", "III", "IV", "V", None}


def test_middle_initial() -> None:
    assert standardize_name(first="Ann", middle="beth", last="Lee").middle_initial == "B"
    assert standardize_name(first="Ann", last="Lee").middle_initial is None


def _load(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "INSERT INTO input_files (file_no, source, kind, status) VALUES"
        " (1, 'accounts', 'accounts', 'loaded'), (2, 'vendor', 'person_records', 'loaded')"
    )
    con.execute(
        "INSERT INTO accounts (file_no, line_no, account_id, first_name, last_name, full_name)"
        " VALUES (1, 2, 'A1', NULL, NULL, 'SMITH, ROBERT J'),"
        "        (1, 3, 'A2', 'Peggy', 'Olson', NULL),"
        "        (1, 4, 'A3', 'Peggy', 'Olson', '')"  # same key as A2: NULL and '' agree
    )
    con.execute(
        "INSERT INTO source_records (rec_id, file_no, line_no, first_name, last_name, suffix)"
        " VALUES (20000000002, 2, 2, 'Bob', 'Smith', 'Jr.')"
    )


def test_standardize_names_fills_cache_incrementally(con: duckdb.DuckDBPyConnection) -> None:
    _load(con)
    assert names.standardize_names(con) == 3
    assert names.standardize_names(con) == 0  # nothing new: no re-parse
    rows = con.execute(
        "SELECT name_raw, first_std, first_canon, last_std, suffix_std, last_phonetic"
        " FROM std_name_cache ORDER BY name_raw"
    ).fetchall()
    assert rows == [
        ("Bob||Smith|Jr.|", "BOB", "ROBERT", "SMITH", "JR", "SM0"),
        ("Peggy||Olson||", "PEGGY", "MARGARET", "OLSON", None, "OLSN"),
        ("||||SMITH, ROBERT J", "ROBERT", "ROBERT", "SMITH", None, "SM0"),
    ]
    con.execute(
        "INSERT INTO source_records (rec_id, file_no, line_no, full_name)"
        " VALUES (20000000003, 2, 3, 'Dr. William Smyth III')"
    )
    assert names.standardize_names(con) == 1
