"""Decisions reach the next run: approve -> debtor, reject -> never linked, decision id in
match_pairs and in explain, nothing lost while a run holds the database, honoured by replay.

The tests share their pipeline runs (module fixtures `next_night` and `superseded`): the
decisions of five tests go to one next run, on pairs of different accounts and records, and two
tests read one approve -> run -> reject -> run history; each test reads a copy of the finished
database. Each run over the small portfolio costs 2-3 s (8-10 s on a loaded machine), and the
tests ran eight of them.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from skiptrace import sql
from skiptrace.flows.audit.lineage import explain_account
from skiptrace.flows.orchestration.replay import replay_run
from skiptrace.flows.review import pages
from skiptrace.flows.review.store import DecisionConflict, Store, User
from skiptrace.matchers.review_decisions import queue_path, sidecar_dir
from tests.pipeline import portfolio_params

from .conftest import run_pipeline

RUN1 = "20261101T000000Z-run1"
RUN2 = "20261102T000000Z-run2"
RUN3 = "20261103T000000Z-run3"
REVIEWER = User("rita", "reviewer", "unused-hash")


def held(db: Path, run_id: str, n: int = 2) -> list[dict[str, Any]]:
    """The first n held pairs of a run (the queue's order), with their source record ids."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(
            "SELECT m.account_id, m.rec_id, m.source, s.record_id FROM match_pairs m "
            "JOIN source_records s USING (rec_id) WHERE m.run_id = ? AND m.role = 'rejected' "
            "ORDER BY m.match_probability DESC, m.account_id, m.rec_id LIMIT ?",
            [run_id, n],
        )
        cols = [d[0] for d in cur.description]
        return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def decide(store: Store, pair: dict[str, Any], action: str, seen: str = RUN1) -> str:
    return store.record_decision(
        user=REVIEWER, action=action, reason=f"{action} in a test", seen_run_id=seen, **pair
    )


def pair_row(db: Path, run_id: str, pair: dict[str, Any]) -> tuple[str, str | None]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT role, review_decision_id FROM match_pairs "
            "WHERE run_id = ? AND account_id = ? AND rec_id = ?",
            [run_id, pair["account_id"], pair["rec_id"]],
        ).fetchall()[0]
    finally:
        con.close()


ROSA = User("rosa", "reviewer", "unused-hash")


def copy_db(src: Path, folder: Path) -> Path:
    """The database at `src` and its workbench folder (the decision queue) copied into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / src.name
    shutil.copyfile(src, db)
    if sidecar_dir(src).exists():
        shutil.copytree(sidecar_dir(src), sidecar_dir(db))
    return db


def guarded(db: Path, run_id: str) -> dict[str, Any]:
    """A held pair of the run that a guard holds (the matcher would never link it)."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        cur = con.execute(
            "SELECT m.account_id, m.rec_id, m.source, s.record_id, m.guard FROM match_pairs m "
            "JOIN source_records s USING (rec_id) WHERE m.run_id = ? AND m.role = 'rejected' "
            "AND m.guard IS NOT NULL ORDER BY m.match_probability DESC, m.account_id, m.rec_id "
            "LIMIT 1",
            [run_id],
        )
        cols = [d[0] for d in cur.description]
        return dict(zip(cols, cur.fetchone() or (), strict=True))
    finally:
        con.close()


def distinct_held(db: Path, run_id: str, n: int, avoid: dict[str, Any]) -> list[dict[str, Any]]:
    """The first n held pairs of a run (the queue's order) that share no account, record or
    source record with one another or with `avoid`: one test's decision cannot move another's
    pair (an approval also demotes another account's debtor pair on the same record)."""
    picked: list[dict[str, Any]] = []
    seen = {avoid["account_id"], avoid["rec_id"], (avoid["source"], avoid["record_id"])}
    for pair in held(db, run_id, 200):
        keys = {pair["account_id"], pair["rec_id"], (pair["source"], pair["record_id"])}
        if keys & seen:
            continue
        picked.append(pair)
        seen |= keys
        if len(picked) == n:
            return picked
    raise AssertionError(f"the small portfolio holds fewer than {n} separate pairs")


@pytest.fixture(scope="module")
def next_night(first_run_db: Path, review_portfolio, tmp_path_factory) -> dict[str, Any]:
    """RUN2 after the decisions of five tests, each on pairs of its own, made in this order:

    * "held": an approval queued while a connection holds the database for writing (the queue
      file read back right then);
    * "approve" / "reject": an approval and a rejection;
    * "override": rita approves, rosa rejects replacing rita's decision;
    * "warn": an approval, one naming no account and one naming no source record;
    * "guarded": an approval of a pair a guard holds (its RUN1 explain read before).
    """
    db = copy_db(first_run_db, tmp_path_factory.mktemp("next-night"))
    store = Store(db)
    g = guarded(db, RUN1)
    assert g, "the small portfolio has no pair a guard holds"
    guard = g.pop("guard")
    con = sql.connect(db, read_only=True)
    try:
        before = explain_account(con, g["account_id"], run_id=RUN1)
    finally:
        con.close()
    p_held, p_ok, p_no, p_over, p_warn = distinct_held(db, RUN1, 5, avoid=g)
    night: dict[str, Any] = {"pairs": {"held": p_held, "approve": p_ok, "reject": p_no,
                                       "override": p_over, "warn": p_warn, "guarded": g},
                             "guard": guard, "explain_before": before}  # fmt: skip
    holder = sql.connect(db)  # a run holds the database for writing
    try:
        night["held"] = decide(store, p_held, "approve")
    finally:
        holder.close()
    night["queue_when_held"] = [json.loads(x) for x in queue_path(db).read_text().splitlines()]
    night["approve"], night["reject"] = (
        decide(store, p_ok, "approve"),
        decide(store, p_no, "reject"),
    )
    night["first"] = decide(store, p_over, "approve")
    kw: dict[str, Any] = {"action": "reject", "reason": "namesake", "seen_run_id": RUN1, **p_over}
    night["second"] = store.record_decision(user=ROSA, replaces=night["first"], **kw)
    night["real"] = decide(store, p_warn, "approve")
    night["ghost"] = decide(
        store,
        {"account_id": "4199999999", "rec_id": 1, "source": "nosuch", "record_id": "ZZZ"},
        "approve",
    )
    night["stray"] = decide(store, {**p_warn, "source": "nosuch", "record_id": "ZZZ"}, "reject")
    night["guarded"] = decide(store, g, "approve")
    night["queued"] = {q["decision_id"] for q in store.queued()}
    run_pipeline(portfolio_params(review_portfolio, db), RUN2)
    night["db"] = db
    return night


@pytest.fixture
def night(next_night: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """`next_night` over a private copy of its database (a test may queue more decisions)."""
    return {**next_night, "db": copy_db(next_night["db"], tmp_path)}


@pytest.fixture(scope="module")
def superseded(first_run_db: Path, review_portfolio, tmp_path_factory) -> dict[str, Any]:
    """A held pair approved, RUN2, the pair rejected (seen in RUN2), half a queue line left by
    a crash mid-append, RUN3: the history the supersede and replay tests read (neither writes
    to the database; replay works in a scratch copy)."""
    db = copy_db(first_run_db, tmp_path_factory.mktemp("superseded"))
    env = portfolio_params(review_portfolio, db)
    store = Store(db)
    (pair,) = held(db, RUN1, 1)
    first = decide(store, pair, "approve")
    run_pipeline(env, RUN2)
    later = decide(store, pair, "reject", seen=RUN2)  # made after RUN2: its replay ignores it
    with queue_path(db).open("a") as fh:
        fh.write('{"decision_id": "torn-li')  # a crash mid-append leaves half a line
    run_pipeline(env, RUN3)
    return {"db": db, "pair": pair, "first": first, "later": later}


def test_approve_links_and_reject_stays_rejected_in_the_next_run(night) -> None:
    db, approve, reject = night["db"], night["pairs"]["approve"], night["pairs"]["reject"]
    d_ok, d_no = night["approve"], night["reject"]
    assert pair_row(db, RUN2, approve) == ("debtor", d_ok)
    assert pair_row(db, RUN2, reject) == ("rejected", d_no)
    con = sql.connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT decision_id, decided_by, action, reason, imported_run_id FROM review_decisions "
            "ORDER BY decision_id"
        ).fetchall()
        # the approved record now supports the account's contacts, and explain names the decision
        doc = explain_account(con, approve["account_id"], run_id=RUN2)
    finally:
        con.close()
    # every queued decision imported once, by this run; these two as rita made them
    assert {r[0] for r in rows} == night["queued"] and len(rows) == len(night["queued"])
    assert all(r[4] == RUN2 for r in rows)
    mine = [r for r in rows if r[0] in {d_ok, d_no}]
    assert {r[0] for r in mine} == {d_ok, d_no}
    assert all(r[1] == "rita" and r[4] == RUN2 for r in mine)
    match = next(m for m in doc["matches"] if m["rec_id"] == approve["rec_id"])
    assert match["role"] == "debtor"
    assert match["review"]["decision_id"] == d_ok
    assert match["review"]["decided_by"] == "rita"
    assert any(d_ok in n for n in match["notes"])


def test_a_later_decision_supersedes_and_nothing_is_imported_twice(superseded) -> None:
    db, pair, later = superseded["db"], superseded["pair"], superseded["later"]
    assert pair_row(db, RUN2, pair) == ("debtor", superseded["first"])
    assert pair_row(db, RUN3, pair) == ("rejected", later)
    con = sql.connect(db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM review_decisions").fetchall()[0][0] == 2
    finally:
        con.close()


def test_a_decision_made_while_a_run_holds_the_database_waits_for_the_next_run(night) -> None:
    """The workbench writes only the queue file, so a decision can be made mid-run."""
    decision = night["held"]
    assert [x["decision_id"] for x in night["queue_when_held"]] == [decision]
    assert pair_row(night["db"], RUN2, night["pairs"]["held"]) == ("debtor", decision)


@pytest.mark.slow
def test_replay_honours_the_decisions_its_run_saw(superseded) -> None:
    result = replay_run(superseded["db"], RUN2)  # the rejection made after RUN2 is ignored
    assert result.identical, result.summary()


def test_decisions_in_the_same_second_keep_their_order(tmp_path: Path) -> None:
    """The latest decision per pair wins by (decided_at, decision_id): both carry microseconds, so
    a reviewer who corrects a click within the same second is not overruled by a random id."""
    store = Store(tmp_path / "skiptrace.duckdb")
    pair = {"account_id": "A1", "rec_id": 1, "source": "acme", "record_id": "R1"}
    ids = [decide(store, pair, action) for action in ("approve", "reject", "approve", "reject")]
    keys = [(q["decided_at"], q["decision_id"]) for q in store.queued()]
    assert [q["decision_id"] for q in store.queued()] == ids
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    assert all(len(q["decided_at"]) == len("2026-12-04T21:50:49.123456") for q in store.queued())


def test_a_second_reviewer_is_refused_unless_replacing_the_pending_decision(tmp_path: Path) -> None:
    """rita approves, rosa rejects: rosa's decision would silently win at the next run, so it is
    refused (showing rita's) until rosa names rita's decision as the one hers replaces."""
    store = Store(tmp_path / "skiptrace.duckdb")
    pair = {"account_id": "A1", "rec_id": 1, "source": "acme", "record_id": "R1"}
    first = decide(store, pair, "approve")
    kw: dict[str, Any] = {"action": "reject", "reason": "namesake", "seen_run_id": RUN1, **pair}
    with pytest.raises(DecisionConflict) as refused:
        store.record_decision(user=ROSA, **kw)
    assert refused.value.earlier["decision_id"] == first
    assert "rita" in str(refused.value) and "approve" in str(refused.value)
    with pytest.raises(DecisionConflict):  # replacing some other decision is not replacing this
        store.record_decision(user=ROSA, replaces="d-not-the-one", **kw)
    assert [q["decision_id"] for q in store.queued()] == [first]
    second = store.record_decision(user=ROSA, replaces=first, **kw)
    assert store.queued()[-1]["replaces"] == first
    # rita now meets rosa's pending decision; rosa may correct her own without a warning
    with pytest.raises(DecisionConflict) as again:
        decide(store, pair, "approve")
    assert again.value.earlier["decision_id"] == second
    store.record_decision(user=ROSA, **{**kw, "action": "approve"})
    # another pair, or a decision a completed run already took in, is no conflict
    store.record_decision(user=ROSA, **{**kw, "record_id": "R2"})
    latest = store.queued()[-2]["decision_id"]
    assert store.record_decision(user=REVIEWER, applied={latest}, **kw)


def test_an_override_is_imported_with_the_decision_it_replaced(night) -> None:
    db, pair = night["db"], night["pairs"]["override"]
    first, second = night["first"], night["second"]
    store = Store(db)
    kw: dict[str, Any] = {"action": "reject", "reason": "namesake", "seen_run_id": RUN1, **pair}
    assert pair_row(db, RUN2, pair) == ("rejected", second)
    con = sql.connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT decision_id, replaces_decision_id FROM review_decisions"
            " WHERE account_id = ? AND source = ? AND record_id = ? ORDER BY decided_at",
            [pair["account_id"], pair["source"], pair["record_id"]],
        ).fetchall()
        applied = pages.applied_decisions(con, pair["account_id"])
    finally:
        con.close()
    assert rows == [(first, None), (second, first)]
    # once a run applied rosa's decision, rita deciding again is an ordinary later decision
    assert applied == {first, second}
    assert store.pending(pair["account_id"], pair["source"], pair["record_id"], applied) is None
    again = {**kw, "action": "approve", "seen_run_id": RUN2}
    with pytest.raises(DecisionConflict):  # unknown (a run holds the database): still pending
        store.record_decision(user=REVIEWER, applied=None, **again)
    store.record_decision(user=REVIEWER, applied=applied, **again)


def test_a_run_warns_about_imported_decisions_that_name_no_pair_it_scored(night) -> None:
    """A decision queued while a run held the database is not checked by the workbench (nor is
    a line added to the queue file by hand); one naming no pair used to be imported and do
    nothing without a word. The run that imports it now says so in one run warning."""
    db, pair = night["db"], night["pairs"]["warn"]
    real, ghost, stray = night["real"], night["ghost"], night["stray"]
    assert pair_row(db, RUN2, pair) == ("debtor", real)
    con = sql.connect(db, read_only=True)
    try:
        warnings = con.execute(
            "SELECT stage, message FROM run_warnings WHERE run_id = ? AND message LIKE '%review%'",
            [RUN2],
        ).fetchall()
        kept = {r[0] for r in con.execute("SELECT decision_id FROM review_decisions").fetchall()}
    finally:
        con.close()
    assert len(warnings) == 1, warnings
    stage, message = warnings[0]
    assert stage == "match" and "\n" not in message
    assert message.startswith("2 review decision(s) imported from the workbench queue name no pair")
    assert f"account 4199999999 / nosuch ZZZ by rita (no such account, decision {ghost})" in message
    assert f"/ nosuch ZZZ by rita (no such source record, decision {stray})" in message
    assert real not in message
    # the decisions on pairs the run scored (the other tests') are not named either
    assert not [d for d in night["queued"] - {ghost, stray} if d in message]
    # the record of what reviewers decided stays whole
    assert {real, ghost, stray} <= kept and kept == night["queued"]


def test_explain_of_an_approved_guarded_pair_does_not_say_it_can_never_be_debtor(night) -> None:
    """explain printed "guard X: role can never be debtor" just above "approved by rita" on a
    pair whose role was then debtor (audit finding 12)."""
    pair, guard, decision = night["pairs"]["guarded"], night["guard"], night["guarded"]
    before = night["explain_before"]
    (held_notes,) = [m["notes"] for m in before["matches"] if m["rec_id"] == pair["rec_id"]]
    assert held_notes[0].startswith(
        f"guard {guard}: the matcher never links this pair as the debtor on its own"
    )
    con = sql.connect(night["db"], read_only=True)
    try:
        doc = explain_account(con, pair["account_id"], run_id=RUN2)
    finally:
        con.close()
    (match,) = [m for m in doc["matches"] if m["rec_id"] == pair["rec_id"]]
    assert match["role"] == "debtor" and match["guard"] == guard
    assert not any("never be debtor" in n for n in match["notes"])
    guard_note, review_note = match["notes"][-2:]
    assert guard_note == (
        f"guard {guard} held this pair (the matcher never links it on its own); linked as the"
        " debtor by a review decision"
    )
    assert review_note.startswith(f"review decision {decision}: approved by rita at ")
