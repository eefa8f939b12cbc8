"""SSNs several accounts carry (sql/match/shared_ssn.sql): a placeholder number keyed on many
people is treated as missing and warned about; one person placed several times is one identity.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import duckdb
import pytest

from skiptrace import sql
from skiptrace.matchers import compare
from skiptrace.matchers.link import MatchSettings, link
from tests.matchers import test_guards as pop  # the one population builder

#: The filler a collections system keys where it does not know the SSN (not a listed one).
FILLER = 777_00_4444


def _stranger(i: int, ssn: int | None = FILLER) -> dict[str, Any]:
    """Person i of a run of different people (other names, DOBs, addresses)."""
    return pop.person(
        pop.FIRST[i % len(pop.FIRST)],
        pop.LAST[(3 * i + 1) % len(pop.LAST)],
        dob=dt.date(1945 + 2 * i, 1 + i % 12, 1 + i % 27),
        ssn=ssn,
        number=str(300 + i),
        street=pop.STREETS[i % len(pop.STREETS)],
        zip5=pop.ZIPS[i % len(pop.ZIPS)],
    )


def _placeholder_accounts(con: duckdb.DuckDBPyConnection, n: int) -> None:
    """n accounts of different people keyed with FILLER, and each one's vendor return echoing
    it (the vendor copies the SSN it was sent), as the collections system sends them."""
    for i in range(n):
        p = _stranger(i)
        pop.insert(con, "acct_std", f"PH{i:02d}", p)
        pop.insert(
            con, "rec_std", 7000 + i, p, source="vendor", kind="vendor_batch",
            account_id=f"PH{i:02d}",
        )  # fmt: skip


def test_a_filler_ssn_on_many_people_is_treated_as_missing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Twelve people keyed with one unlisted filler SSN: left as an SSN, every pair of them
    agreed exactly on it, the anchor pairs took them as matches and the fitted weight of a
    different surname fell from about -11 to -1 (each of them then half-linked to the
    others' vendor rows). Read as a placeholder: no SSN on any of them, the model keeps its
    weights, nobody is linked or held for another's row, and the run warns with the counts."""
    pop.background(con, n=150)
    _placeholder_accounts(con, 12)
    result = link(con, "t")
    weights = dict(
        sql.frame(
            con,
            "SELECT comparison, log2(m / u) FROM match_params WHERE run_id = 't' AND level = 1 "
            "AND comparison IN ('first_name', 'last_name', 'dob')",
        ).iter_rows()
    )
    assert max(weights.values()) < -8, weights
    pairs = sql.frame(
        con,
        "SELECT account_id, rec_id, role, (levels).ssn AS ssn FROM match_pairs "
        "WHERE run_id = 't' AND (account_id LIKE 'PH%' OR rec_id BETWEEN 7000 AND 7099)",
    )
    own = pairs.filter(pairs["rec_id"] - 7000 == pairs["account_id"].str.slice(2).cast(int))
    assert own.height == 12 and set(own["role"]) == {"debtor"}
    assert set(own["ssn"]) == {compare.NO_DATA}  # the filler is no SSN, not an agreement
    assert pairs.height == 12, pairs.filter(~pairs["rec_id"].is_in(own["rec_id"].implode()))
    assert len(result.warnings) == 1
    assert (
        "12 accounts under names that disagree (and by 12 source records)" in (result.warnings[0])
    )
    assert "PH00, PH01, PH02, ..." in result.warnings[0] and "4444" not in result.warnings[0]


def _sides(con: duckdb.DuckDBPyConnection, **settings: Any) -> dict[str, Any]:
    compare.prepare_sides(con, **settings)
    return {
        "accounts": dict(sql.frame(con, "SELECT id, ssn_hash IS NULL FROM _ml").iter_rows()),
        "records": dict(sql.frame(con, "SELECT id, ssn_hash IS NULL FROM _mr").iter_rows()),
        "last4": sql.frame(con, "SELECT id FROM _ml WHERE ssn_last4 IS NULL")["id"].to_list(),
        "identity": dict(sql.frame(con, "SELECT * FROM _acct_identity").iter_rows()),
        "placeholders": sql.rows(con, "SELECT accounts, records FROM _ssn_placeholder"),
    }


@pytest.fixture
def shared(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    def acct(key: str, row: dict[str, Any], **changes: Any) -> None:
        pop.insert(con, "acct_std", key, {**row, **changes})

    for i in range(4):  # four people on one number: a placeholder above the default 3
        acct(f"FILL{i}", _stranger(i))
    pop.insert(con, "rec_std", 1, _stranger(0), source="vendor", kind="vendor_batch")
    for i in range(3):  # three people on one number: not over the limit
        acct(f"THREE{i}", _stranger(10 + i, ssn=777_00_5555))
    one = _stranger(20, ssn=777_00_6666)  # one person placed five times, one DOB missing
    for i in range(5):
        acct(f"ONE{i}", one, dob=None if i == 4 else one["dob"])
    pop.insert(con, "rec_std", 2, one, source="header", kind="person_records")
    two = _stranger(21, ssn=777_00_7777)  # two accounts, one name, suffixes that conflict
    acct("SR", two, suffix_std="SR")
    acct("JR", two, suffix_std="JR")
    three = _stranger(22, ssn=777_00_8888)  # two accounts, one name, dates that conflict
    acct("DOB1", three)
    acct("DOB2", three, dob=dt.date(1990, 1, 1))
    nick = _stranger(23, ssn=777_00_9999)  # a nickname on one placement: one given name
    acct("NICK1", nick, first_std="BILL", first_canon="WILLIAM")
    acct("NICK2", nick, first_std="WILLIAM", first_canon="WILLIAM")
    plain = _stranger(24, ssn=None)  # no SSN: never one identity, however alike
    acct("NOSSN1", plain)
    acct("NOSSN2", plain)
    return con


def test_which_shared_ssns_are_placeholders_and_which_are_one_person(
    shared: duckdb.DuckDBPyConnection,
) -> None:
    got = _sides(shared)
    assert got["placeholders"] == [{"accounts": 4, "records": 1}]
    assert {k for k, gone in got["accounts"].items() if gone} == {
        "FILL0", "FILL1", "FILL2", "FILL3", "NOSSN1", "NOSSN2",
    }  # fmt: skip
    assert got["records"][1] is True and got["records"][2] is False
    assert {"FILL0", "FILL1", "FILL2", "FILL3"} <= set(got["last4"])
    assert got["identity"] == {
        **dict.fromkeys(("ONE0", "ONE1", "ONE2", "ONE3", "ONE4"), "ONE0"),
        "NICK1": "NICK1",
        "NICK2": "NICK1",
    }


def test_the_placeholder_limit_is_the_setting(shared: duckdb.DuckDBPyConnection) -> None:
    """At 2 the three people of one number are a placeholder too; one person's five accounts
    under one name never are, whatever the limit."""
    got = _sides(shared, ssn_placeholder_accounts=2)
    assert sorted(p["accounts"] for p in got["placeholders"]) == [3, 4]
    assert got["accounts"]["THREE0"] is True and got["accounts"]["ONE0"] is False
    assert MatchSettings().ssn_placeholder_accounts == 3
    with pytest.raises(ValueError):
        MatchSettings(ssn_placeholder_accounts=0)
