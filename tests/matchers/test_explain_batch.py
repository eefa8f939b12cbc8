"""matchers.explain.account_batch: an account's waterfalls from one read are the waterfalls
explain_pair gives pair by pair (stored pairs, a pair the run never stored, conflicts)."""

from __future__ import annotations

import datetime as dt

import duckdb
import pytest

from skiptrace import sql
from skiptrace.matchers.explain import account_batch, explain_pair, load_run_params
from skiptrace.matchers.link import link
from tests.matchers import test_guards as pop  # the one population builder


@pytest.fixture
def linked(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    pop.background(con, n=150)
    twin = pop.person(
        "ZELDA", "QUARTERMAINE", dob=dt.date(1971, 7, 7), ssn=777_00_1111, number="9",
        street="ELM", zip5="94105",
    )  # fmt: skip
    # twins of one SSN whose middle initials differ: two people, so the echoed record 91 is
    # TWIN-B's and TWIN-A is outscored (one person's two accounts would share it)
    pop.insert(con, "acct_std", "TWIN-A", {**twin, "middle_initial": "A"})
    pop.insert(con, "acct_std", "TWIN-B", {**twin, "middle_initial": "B"})
    pop.insert(con, "rec_std", 90, twin, source="header", kind="person_records")
    pop.insert(con, "rec_std", 91, twin, source="vendor", kind="vendor_batch", account_id="TWIN-B")
    link(con, "t")
    return con


def test_batch_explanations_equal_single_ones(linked: duckdb.DuckDBPyConnection) -> None:
    recs = [
        r["rec_id"]
        for r in sql.rows(
            linked,
            "SELECT rec_id FROM match_pairs WHERE run_id = 't' AND account_id = 'TWIN-A'"
            " ORDER BY rec_id",
        )
    ]
    assert 90 in recs and 91 in recs
    recs.append(5000)  # never stored for TWIN-A: recomputed inside the batch too
    single = [explain_pair(linked, "t", "TWIN-A", r).to_dict() for r in recs]
    with account_batch(linked, "t", "TWIN-A"):
        batched = [explain_pair(linked, "t", "TWIN-A", r).to_dict() for r in recs]
    assert batched == single
    assert {d["rec_id"]: d["conflict"] for d in batched}[91] == "outscored"
    assert batched[-1]["stored"] is False
    params = load_run_params(linked, "t")
    assert (
        explain_pair(linked, "t", "TWIN-A", 91, run_params=params).to_dict()
        == single[recs.index(91)]
    )
    # a batch of another account or run leaves this pair's explanation alone
    with account_batch(linked, "t", "TWIN-B"):
        assert explain_pair(linked, "t", "TWIN-A", 91).to_dict() == single[recs.index(91)]


def test_a_run_without_parameters_fails_the_same_in_a_batch(
    linked: duckdb.DuckDBPyConnection,
) -> None:
    with pytest.raises(LookupError):
        explain_pair(linked, "no-such-run", "TWIN-A", 91)
    with account_batch(linked, "no-such-run", "TWIN-A"), pytest.raises(LookupError):
        explain_pair(linked, "no-such-run", "TWIN-A", 91)
