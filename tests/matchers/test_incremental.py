"""matchers.incremental: an incremental link run writes exactly what a full run with the same
parameters writes — after changed, new and removed rows, blocks crossing the cap, and global
steps (household guards, one debtor per record) that flip unchanged pairs — and the run
planner picks full runs when the model no longer applies."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import duckdb
import polars as pl
import pytest

from skiptrace import sql
from skiptrace.matchers import incremental
from skiptrace.matchers.link import LinkResult, MatchSettings, link
from tests.matchers import test_guards as pop  # the one population builder

PAIRS = (
    "SELECT account_id, rec_id, source, match_weight, match_probability, role, guard, "
    "levels::VARCHAR AS levels, weights::VARCHAR AS weights "
    "FROM match_pairs WHERE run_id = ? ORDER BY account_id, rec_id"
)
CONFLICTS = (
    "SELECT rec_id, account_id, match_weight, match_probability, echoed, outcome "
    "FROM match_conflicts WHERE run_id = ? ORDER BY ALL"
)
MODEL = (
    "SELECT m.prior, m.threshold, m.candidate_pairs, m.blocking_report::VARCHAR AS report, "
    "r.n_left, r.n_right, r.expected_matches "
    "FROM match_model m JOIN match_run r USING (run_id) WHERE run_id = ?"
)


def assert_same_outputs(con: duckdb.DuckDBPyConnection, a: str, b: str) -> None:
    """Every matcher output of run a equals run b's, bit for bit."""
    for query in (PAIRS, CONFLICTS, MODEL):
        left, right = sql.frame(con, query, [a]), sql.frame(con, query, [b])
        assert left.height > 0 or query is CONFLICTS
        assert left.equals(right), (query, _diff(left, right))


def _diff(a: pl.DataFrame, b: pl.DataFrame) -> Any:
    if "rec_id" not in a.columns:
        return (a.to_dicts(), b.to_dicts())
    return pl.concat([a.join(b, on=a.columns, how="anti"), b.join(a, on=a.columns, how="anti")])


def incremental_then_full(
    con: duckdb.DuckDBPyConnection, run: str, params_from: str, **settings: Any
) -> LinkResult:
    """Run `run` incrementally, then `run`-full from scratch with the same parameters; compare."""
    s = MatchSettings(reuse_params_from=params_from, **settings)
    inc = link(con, run, settings=s, incremental_run=True)
    assert inc.mode == "incremental", inc.increment
    full = link(con, run + "-full", settings=s)
    assert full.mode == "full"
    assert_same_outputs(con, run, run + "-full")
    return inc  # (the next step starts from the full rerun's cache: the same state)


def _pair(con: duckdb.DuckDBPyConnection, run: str, account: str, rec: int) -> dict[str, Any]:
    rows = sql.frame(
        con,
        "SELECT role, guard FROM match_pairs WHERE run_id = ? AND account_id = ? AND rec_id = ?",
        [run, account, rec],
    )
    return rows.row(0, named=True) if rows.height else {"role": None, "guard": None}


@pytest.fixture
def db(con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
    pop.background(con, n=150)
    # no suffix anywhere: a one-sided JR would hold the bare row below whatever the household
    debtor = dict(pop.DEBTOR, suffix_std=None)
    pop.insert(con, "acct_std", "DEBTOR", debtor)
    pop.insert(con, "rec_std", 1, dict(debtor), source="header", kind="person_records")
    # the debtor's NCOA-like row: name and address only, no suffix, DOB or SSN
    either = dict(debtor, dob=None, ssn_hash=None, ssn_last4=None, phone_e164=None)
    pop.insert(con, "rec_std", 13, either, source="ncoa", kind="ncoa")
    return con


def test_incremental_run_equals_full_run_after_changes(db: duckdb.DuckDBPyConnection) -> None:
    first = link(db, "a")
    assert first.mode == "full" and first.increment["reason"] == "full run"
    assert _pair(db, "a", "DEBTOR", 13)["role"] == "debtor"  # no other generation known yet
    assert _pair(db, "a", "BG0007", 1007)["role"] == "debtor"

    # a father shows up (a new record, born a generation earlier): the debtor's bare row,
    # unchanged and carried over, must now be 'generation_ambiguous' — a guard that depends on
    # the account's other pairs
    father = pop.person("JOHN", "SMITHFIELD", dob=dt.date(1952, 11, 20), ssn=555_99_0001,
                        number="42", street="WILLOW", zip5="10001")  # fmt: skip
    pop.insert(db, "rec_std", 2, father, source="header", kind="person_records")
    # a second account with BG0007's identity (its SSN, name, DOB): BG0007's unchanged record
    # becomes the debtor record of both (a rule over the record's other pairs)
    twin = db.execute("SELECT * EXCLUDE (account_id) FROM acct_std WHERE account_id = 'BG0007'")
    cols = [d[0] for d in twin.description or []]
    pop.insert(db, "acct_std", "TWIN7", dict(zip(cols, twin.fetchall()[0], strict=True)))
    # a move, a removed record, an echoed vendor row, and a rare surname (term frequencies move)
    db.execute(
        "UPDATE acct_std SET street_number = '77', std_line1 = '77 OAK ST', zip5 = '60601' "
        "WHERE account_id = 'BG0003'"
    )
    db.execute("DELETE FROM rec_std WHERE rec_id = 1010")
    moved = pop.person("ZEBEDIAH", "QUIXLEY", dob=None, ssn=None, number="5", street="ELM",
                       zip5="94105")  # fmt: skip
    pop.insert(db, "rec_std", 6001, moved, source="vendor", kind="vendor_batch",
               account_id="BG0020")  # fmt: skip

    inc = incremental_then_full(db, "b", "a")
    assert inc.increment["accounts_new"] == 1 and inc.increment["accounts_changed"] == 1
    assert inc.increment["records_new"] == 2 and inc.increment["records_removed"] == 1
    assert 0 < inc.increment["pairs_compared"] < inc.increment["pairs_carried"]
    assert _pair(db, "b", "DEBTOR", 13) == {"role": "rejected", "guard": "generation_ambiguous"}
    assert _pair(db, "b", "BG0007", 1007)["role"] == _pair(db, "b", "TWIN7", 1007)["role"]
    assert _pair(db, "b", "TWIN7", 1007)["role"] == "debtor"
    shared = sql.frame(
        db, "SELECT outcome FROM match_conflicts WHERE run_id = 'b' AND rec_id = 1007"
    )
    assert shared["outcome"].to_list() == ["same_person", "same_person"]

    # nothing changed since: everything carried, nothing compared, same outputs
    again = incremental_then_full(db, "c", "a")
    assert again.increment["pairs_compared"] == 0 and again.increment["pairs_carried"] > 0

    # the father leaves (file superseded): the household evidence goes with him
    db.execute("DELETE FROM rec_std WHERE rec_id = 2")
    gone = incremental_then_full(db, "d", "a")
    assert gone.increment["records_removed"] == 1
    assert _pair(db, "d", "DEBTOR", 13)["role"] == "debtor"
    stored = sql.frame(db, "SELECT * FROM match_increments WHERE run_id = 'd'").row(0, named=True)
    assert stored["mode"] == "incremental" and stored["params_from"] == "a"


def test_blocks_crossing_the_cap_both_ways(db: duckdb.DuckDBPyConnection) -> None:
    """Pairs proposed only by a block that goes over the cap disappear, and come back when it
    falls under again — though neither side of them changed. (The block is of the 'name' pass,
    which takes name_block_cap.)"""
    cap = 4
    streets, zips = ["ELM", "OAK", "PINE", "LAKE"], ["10001", "60601", "94105", "73301"]

    def zed(i: int) -> dict[str, Any]:  # the same name; no other blocking key in common
        return pop.person("ZORAN", "QUENTINSKY", dob=dt.date(1950 + i, 1 + i, 1 + i),
                          ssn=300_000_000 + i, number=str(100 + i), street=streets[i],
                          zip5=zips[i])  # fmt: skip

    for i in range(2):
        pop.insert(db, "acct_std", f"Z{i}", zed(i))
        pop.insert(db, "rec_std", 7000 + i, zed(i), source="header", kind="person_records")
    link(db, "a", settings=MatchSettings(name_block_cap=cap))  # name block 2 x 2: kept
    assert _candidate(db, "Z0", 7001) and _candidate(db, "Z1", 7000)

    pop.insert(db, "rec_std", 7002, zed(2), source="header", kind="person_records")  # 2 x 3
    over = incremental_then_full(db, "b", "a", name_block_cap=cap)
    assert over.increment["blocks_flipped"] >= 1
    assert not _candidate(db, "Z0", 7001) and not _candidate(db, "Z1", 7000)

    db.execute("DELETE FROM rec_std WHERE rec_id IN (7001, 7002)")  # 2 x 1
    under = incremental_then_full(db, "c", "a", name_block_cap=cap)
    assert under.increment["blocks_flipped"] >= 1
    assert _candidate(db, "Z1", 7000)  # neither side changed: the block came back under the cap


def _candidate(db: duckdb.DuckDBPyConnection, account: str, rec: int) -> bool:
    """Is the pair a candidate of the last run? (match_pairs keeps only pairs above the review
    floor; the cache keeps every candidate of the state the last run matched.)"""
    rows = db.execute(
        "SELECT count(*) FROM match_cache_pairs WHERE account_id = ? AND rec_id = ?",
        [account, rec],
    ).fetchall()
    return bool(rows[0][0])


def test_cache_is_written_with_the_run_or_not_at_all(
    db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    link(db, "a")
    db.execute("DELETE FROM rec_std WHERE rec_id = 1005")

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(incremental, "record_increment", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        link(db, "b", settings=MatchSettings(reuse_params_from="a"), incremental_run=True)
    monkeypatch.undo()
    state = db.execute("SELECT run_id FROM match_cache_state").fetchall()
    assert state == [("a",)]  # rolled back with the run's pairs
    assert db.execute("SELECT count(*) FROM match_pairs WHERE run_id = 'b'").fetchall() == [(0,)]
    again = incremental_then_full(db, "b", "a")
    assert again.increment["records_removed"] == 1


@pytest.mark.parametrize(
    "stops_before",
    ["match/cache_clear.sql", "match/cache_write_pairs.sql", "match/cache_write.sql"],
)
def test_a_cache_write_that_stops_half_way_is_never_carried_from(
    db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, stops_before: str
) -> None:
    """The cache is written after the run's pairs commit, in transactions of its own (and in
    slices). A run killed between those commits keeps its pairs; the next run then either
    carries from the previous, whole state (killed before the cache was touched) or, once the
    cache was cleared, finds no state and compares everything — and writes what a full run
    writes either way."""
    from skiptrace import sql as sql_mod

    link(db, "a")
    monkeypatch.setattr(incremental, "CACHE_CHUNK_ROWS", 2)  # several slices (4 in run b)
    db.execute("DELETE FROM rec_std WHERE rec_id = 1005")
    db.execute("UPDATE acct_std SET zip5 = '60601' WHERE account_id = 'BG0003'")
    real_run = sql_mod.run
    slices: list[int] = []

    def killed(con: duckdb.DuckDBPyConnection, name: str, /, **params: Any) -> None:
        if name == "match/cache_write_pairs.sql":
            slices.append(params["chunk"])
        if name == stops_before and (name != "match/cache_write_pairs.sql" or len(slices) == 2):
            raise KeyboardInterrupt  # a kill: no except clause of the matcher's catches it
        real_run(con, name, **params)

    monkeypatch.setattr(sql_mod, "run", killed)
    with pytest.raises(KeyboardInterrupt):
        link(db, "b", settings=MatchSettings(reuse_params_from="a"), incremental_run=True)
    monkeypatch.setattr(sql_mod, "run", real_run)
    assert db.execute("SELECT count(*) FROM match_pairs WHERE run_id = 'b'").fetchall()[0][0] > 0
    state = db.execute("SELECT run_id FROM match_cache_state").fetchall()

    db.execute("DELETE FROM rec_std WHERE rec_id = 1006")  # and the data moves on
    s = MatchSettings(reuse_params_from="a")
    # the next runs write their caches in slices too, a few each: 2 rows of an incremental
    # run's ~8 new pairs, 250 of a full run's ~800 (was 2 of those: ~400 slices, each a
    # transaction, 7 of the 9 s a case took)
    incremental_after = stops_before == "match/cache_clear.sql"
    monkeypatch.setattr(incremental, "CACHE_CHUNK_ROWS", 2 if incremental_after else 250)
    after = link(db, "c", settings=s, incremental_run=True)
    monkeypatch.setattr(incremental, "CACHE_CHUNK_ROWS", 250)
    full = link(db, "c-full", settings=s)
    assert_same_outputs(db, "c", "c-full")
    if stops_before == "match/cache_clear.sql":
        assert state == [("a",)]  # the previous state, whole
        assert after.mode == "incremental" and after.increment["base_run_id"] == "a"
        assert after.increment["records_removed"] == 2  # against state a: 1005 and 1006
    else:
        assert slices[:2] == [0, 1]  # (stopped at the second slice, or after all of them)
        assert state == []  # cleared and not completed: no usable cache
        assert after.mode == "full" and "no cached state" in after.increment["reason"]
    assert full.mode == "full"
    assert db.execute("SELECT run_id FROM match_cache_state").fetchall() == [("c-full",)]


def test_unusable_cache_means_a_full_comparison(db: duckdb.DuckDBPyConnection) -> None:
    link(db, "a")
    other_cap = link(
        db, "b", settings=MatchSettings(block_cap=50, reuse_params_from="a"), incremental_run=True
    )
    assert other_cap.mode == "full" and "block_cap" in other_cap.increment["reason"]
    other_name_cap = link(
        db, "b2", settings=MatchSettings(name_block_cap=7, reuse_params_from="a"),
        incremental_run=True,
    )  # fmt: skip
    assert other_name_cap.mode == "full" and "name_block_cap" in other_name_cap.increment["reason"]
    db.execute("UPDATE match_cache_state SET matcher_version = 'skiptrace-fs/0+old'")
    old = link(db, "c", settings=MatchSettings(reuse_params_from="a"), incremental_run=True)
    assert old.mode == "full" and "matcher" in old.increment["reason"]
    db.execute("DELETE FROM match_cache_state")
    empty = link(db, "d", settings=MatchSettings(reuse_params_from="a"), incremental_run=True)
    assert empty.mode == "full" and "no cached state" in empty.increment["reason"]
    assert_same_outputs(db, "c", "d")


def test_plan_run_reuses_the_last_completed_model_only_while_it_applies(
    db: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    from skiptrace.flows.audit.runs import finish_run, start_run

    s = MatchSettings()
    first = incremental.plan_run(db, "r2", s)
    assert not first.incremental and "first run" in first.reason
    start_run(db, "r1", as_of=dt.date(2026, 11, 1), params={})
    link(db, "r1")
    assert not incremental.plan_run(db, "r2", s).incremental  # r1 not completed yet
    finish_run(db, "r1", "completed")

    plan = incremental.plan_run(db, "r2", s)
    assert plan.incremental and plan.params_from == "r1"
    assert plan.settings == dataclasses.replace(s, reuse_params_from="r1")
    assert not incremental.plan_run(db, "r0", s).incremental  # only earlier runs count

    changed = incremental.plan_run(db, "r2", MatchSettings(threshold=0.95))
    assert not changed.incremental and "threshold" in changed.reason
    guards = incremental.plan_run(db, "r2", MatchSettings(guards=("suffix_conflict",)))
    assert not guards.incremental and "guards" in guards.reason
    rebuild = incremental.plan_run(db, "r2", s, full_rebuild=True)
    assert not rebuild.incremental and rebuild.settings.reuse_params_from is None
    explicit = incremental.plan_run(db, "r2", MatchSettings(reuse_params_from="r1"))
    assert explicit.incremental and explicit.params_from == "r1"

    monkeypatch.setattr(incremental, "matcher_version", lambda: "skiptrace-fs/9+new")
    code = incremental.plan_run(db, "r2", s)
    assert not code.incremental and "matcher code changed" in code.reason
