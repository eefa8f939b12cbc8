"""Blocking keys hashed from their parts give the blocks the key text gave.

blocking_keys.sql hashes each pass's key from its parts, hash(pass, part, ...), instead of
from the text part || '|' || part (issue 20: no strings built per key). These tests hold the
text keys as they were built before (REFERENCE, a copy of the old definitions) and check, on a
population with missing parts, that the same rows get a key in every pass (a NULL part still
drops the key, and one name alone still makes NAME|NAME in the name passes) and that within
each pass two rows share a hashed key exactly when they share the text key.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from skiptrace import sql
from skiptrace.matchers import compare
from tests.matchers import test_guards as pop  # the one population builder

#: The key text of each pass as blocking_keys.sql built it before the keys were hashed from
#: their parts (a NULL part makes the text NULL: no key in that pass).
REFERENCE: dict[int, str] = {
    0: "ssn_hash",
    1: "ssn_last4 || '|' || strftime(dob, '%Y%m%d')",
    2: "last_phonetic || '|' || left(first_std, 1) || '|' || left(zip5, 3)",
    3: "last_std || '|' || street_number",
    4: "least(coalesce(first_phonetic, first_std), coalesce(last_phonetic, last_std)) || '|' "
    "|| greatest(coalesce(first_phonetic, first_std), coalesce(last_phonetic, last_std))",
    5: "strftime(dob, '%Y%m%d') || '|' || coalesce(first_phonetic, first_std)",
    6: "strftime(dob, '%Y%m%d') || '|' || coalesce(last_phonetic, last_std)",
    7: "strftime(dob, '%Y%m%d') || '|' || left(zip5, 3)",
    8: "strftime(dob, '%Y%m%d') || '|' || street_number",
    9: "street_number || '|' || zip5",
    10: "street_name || '|' || city",
    11: "coalesce(first_phonetic, first_std) || '|' || city",
    12: "std_line1 || '|' || zip5",
    14: "email_norm",
    16: "coalesce(first_phonetic, first_std) || '|' || left(last_std, 1) || '|' || left(zip5, 3)",
    17: "least(first_std, last_std) || '|' || greatest(first_std, last_std)",
    18: "street_name || '|' || zip5",
}


def _population(con: duckdb.DuckDBPyConnection) -> None:
    """The background population plus rows missing one part or another on both sides."""
    pop.background(con, n=120)
    gaps = [
        pop.person("ANNA", None, dob=dt.date(1970, 1, 2), ssn=None, number="7", street="OAK",
                   zip5="10001"),
        pop.person(None, "ZIMMER", dob=None, ssn=123_45_6789, number=None, street="OAK",
                   zip5=None),
        pop.person(None, None, dob=dt.date(1970, 1, 2), ssn=None, number="7", street=None,
                   zip5="10001", email="A@B.COM"),
        pop.person("ANNA", "ZIMMER", dob=dt.date(1970, 1, 2), ssn=123_45_6789, number="7",
                   street="OAK", zip5="10001", phone="+12125550100", email="A@B.COM"),
    ]  # fmt: skip
    for k, row in enumerate(gaps):
        pop.insert(con, "acct_std", f"GAP{k}", row)
        pop.insert(con, "rec_std", 9000 + k, row, source="header", kind="person_records")


def _keys(con: duckdb.DuckDBPyConnection, side: str) -> tuple[set, set]:
    """(pass, id, text) of the reference keys and of the hashed keys (their text) on one side."""
    reference = set()
    for code, text in REFERENCE.items():
        reference |= set(
            con.execute(
                f"SELECT {code}, id, {text} FROM {side} WHERE ({text}) IS NOT NULL"
            ).fetchall()
        )
    reference |= set(con.execute(f"SELECT 13, id, unnest(phones) FROM {side}").fetchall())
    hashed = set(
        con.execute(f"SELECT pass, id, bkey FROM _match_block_hashed('{side}', true)").fetchall()
    )
    return reference, hashed


def test_the_same_rows_get_the_same_key_text_in_every_pass(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _population(con)
    compare.prepare_sides(con)
    sql.run(con, "match/blocking_keys.sql")
    for side in ("_ml", "_mr"):
        reference, hashed = _keys(con, side)
        assert len(reference) > 1500
        assert {p for p, _, _ in reference} == set(REFERENCE) | {13}
        assert hashed == reference


def test_two_rows_share_a_hashed_key_exactly_when_they_share_its_text(
    con: duckdb.DuckDBPyConnection,
) -> None:
    _population(con)
    compare.prepare_sides(con)
    sql.run(con, "match/blocking_keys.sql")
    counts = con.execute(
        "SELECT pass, count(DISTINCT h), count(DISTINCT bkey), count(DISTINCT (h, bkey)) "
        "FROM (SELECT * FROM _match_block_hashed('_ml', true) "
        "      UNION ALL SELECT * FROM _match_block_hashed('_mr', true)) "
        "GROUP BY pass"
    ).fetchall()
    assert len(counts) == len(REFERENCE) + 1
    for _, hashes, texts, both in counts:
        assert hashes == texts == both
    # and the key tables blocking joins on are these hashes
    keys = set(con.execute("SELECT pass, id, h FROM _match_block_keys('_mr')").fetchall())
    assert keys == set(
        con.execute("SELECT pass, id, h FROM _match_block_hashed('_mr', true)").fetchall()
    )
