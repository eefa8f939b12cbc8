"""Decisions reach the next run: approve -> debtor, reject -> never linked, decision id in
match_pairs and in explain, nothing lost while a run holds the database, honoured by replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from skiptrace import sql
from skiptrace.flows.audit.lineage import explain_account
from skiptrace.flows.orchestration.replay import replay_run
from skiptrace.flows.review import pages
from skiptrace.flows.review.store import DecisionConflict, Store, User
from skiptrace.matchers.review_decisions import queue_path

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


def test_approve_links_and_reject_stays_rejected_in_the_next_run(review_env) -> None:
    store = Store(review_env.db)
    approve, reject = held(review_env.db, RUN1)
    d_ok, d_no = decide(store, approve, "approve"), decide(store, reject, "reject")
    run_pipeline(review_env, RUN2)
    assert pair_row(review_env.db, RUN2, approve) == ("debtor", d_ok)
    assert pair_row(review_env.db, RUN2, reject) == ("rejected", d_no)
    con = sql.connect(review_env.db, read_only=True)
    try:
        rows = con.execute(
            "SELECT decision_id, decided_by, action, reason, imported_run_id FROM review_decisions "
            "ORDER BY decision_id"
        ).fetchall()
        assert {r[0] for r in rows} == {d_ok, d_no}
        assert all(r[1] == "rita" and r[4] == RUN2 for r in rows)
        # the approved record now supports the account's contacts, and explain names the decision
        doc = explain_account(con, approve["account_id"], run_id=RUN2)
    finally:
        con.close()
    match = next(m for m in doc["matches"] if m["rec_id"] == approve["rec_id"])
    assert match["role"] == "debtor"
    assert match["review"]["decision_id"] == d_ok
    assert match["review"]["decided_by"] == "rita"
    assert any(d_ok in n for n in match["notes"])


def test_a_later_decision_supersedes_and_nothing_is_imported_twice(review_env) -> None:
    store = Store(review_env.db)
    (pair,) = held(review_env.db, RUN1, 1)
    decide(store, pair, "approve")
    run_pipeline(review_env, RUN2)
    later = decide(store, pair, "reject", seen=RUN2)
    with queue_path(review_env.db).open("a") as fh:
        fh.write('{"decision_id": "torn-li')  # a crash mid-append leaves half a line
    run_pipeline(review_env, RUN3)
    assert pair_row(review_env.db, RUN3, pair) == ("rejected", later)
    con = sql.connect(review_env.db, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM review_decisions").fetchall()[0][0] == 2
    finally:
        con.close()


def test_a_decision_made_while_a_run_holds_the_database_waits_for_the_next_run(
    review_env,
) -> None:
    """The workbench writes only the queue file, so a decision can be made mid-run."""
    (pair,) = held(review_env.db, RUN1, 1)
    holder = sql.connect(review_env.db)  # a run holds the database for writing
    try:
        decision = decide(Store(review_env.db), pair, "approve")
    finally:
        holder.close()
    lines = [json.loads(x) for x in queue_path(review_env.db).read_text().splitlines()]
    assert [x["decision_id"] for x in lines] == [decision]
    run_pipeline(review_env, RUN2)
    assert pair_row(review_env.db, RUN2, pair) == ("debtor", decision)


@pytest.mark.slow
def test_replay_honours_the_decisions_its_run_saw(review_env) -> None:
    store = Store(review_env.db)
    (pair,) = held(review_env.db, RUN1, 1)
    decide(store, pair, "approve")
    run_pipeline(review_env, RUN2)
    decide(store, pair, "reject", seen=RUN2)  # made after RUN2: a replay of RUN2 must ignore it
    run_pipeline(review_env, RUN3)
    result = replay_run(review_env.db, RUN2)
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


ROSA = User("rosa", "reviewer", "unused-hash")


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


def test_an_override_is_imported_with_the_decision_it_replaced(review_env) -> None:
    store = Store(review_env.db)
    (pair,) = held(review_env.db, RUN1, 1)
    first = decide(store, pair, "approve")
    kw: dict[str, Any] = {"action": "reject", "reason": "namesake", "seen_run_id": RUN1, **pair}
    second = store.record_decision(user=ROSA, replaces=first, **kw)
    run_pipeline(review_env, RUN2)
    assert pair_row(review_env.db, RUN2, pair) == ("rejected", second)
    con = sql.connect(review_env.db, read_only=True)
    try:
        rows = con.execute(
            "SELECT decision_id, replaces_decision_id FROM review_decisions ORDER BY decided_at"
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


def test_a_run_warns_about_imported_decisions_that_name_no_pair_it_scored(review_env) -> None:
    """A decision queued while a run held the database is not checked by the workbench (nor is
    a line added to the queue file by hand); one naming no pair used to be imported and do
    nothing without a word. The run that imports it now says so in one run warning."""
    store = Store(review_env.db)
    (pair,) = held(review_env.db, RUN1, 1)
    real = decide(store, pair, "approve")
    ghost = decide(
        store,
        {"account_id": "4199999999", "rec_id": 1, "source": "nosuch", "record_id": "ZZZ"},
        "approve",
    )
    stray = decide(store, {**pair, "source": "nosuch", "record_id": "ZZZ"}, "reject")
    run_pipeline(review_env, RUN2)
    assert pair_row(review_env.db, RUN2, pair) == ("debtor", real)
    con = sql.connect(review_env.db, read_only=True)
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
    assert kept == {real, ghost, stray}  # the record of what reviewers decided stays whole


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


def test_explain_of_an_approved_guarded_pair_does_not_say_it_can_never_be_debtor(
    review_env,
) -> None:
    """explain printed "guard X: role can never be debtor" just above "approved by rita" on a
    pair whose role was then debtor (audit finding 12)."""
    pair = guarded(review_env.db, RUN1)
    assert pair, "the small portfolio has no pair a guard holds"
    guard = pair.pop("guard")
    con = sql.connect(review_env.db, read_only=True)
    try:
        before = explain_account(con, pair["account_id"], run_id=RUN1)
    finally:
        con.close()
    (held_notes,) = [m["notes"] for m in before["matches"] if m["rec_id"] == pair["rec_id"]]
    assert held_notes[0].startswith(
        f"guard {guard}: the matcher never links this pair as the debtor on its own"
    )
    decision = decide(Store(review_env.db), pair, "approve")
    run_pipeline(review_env, RUN2)
    con = sql.connect(review_env.db, read_only=True)
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
