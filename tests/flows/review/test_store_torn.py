"""The review queue after a crash: a torn last line costs only that line, never the next."""

from __future__ import annotations

from pathlib import Path

from skiptrace import sql
from skiptrace.flows.review.store import Store, User
from skiptrace.matchers.review_decisions import import_queued

REVIEWER = User("rita", "reviewer", "unused")


def _decide(store: Store, account_id: str) -> str:
    return store.record_decision(
        user=REVIEWER, account_id=account_id, rec_id=7, source="vendor_acme", record_id="V-7",
        action="reject", reason="not the debtor", seen_run_id="r1",
    )  # fmt: skip


def test_a_decision_after_a_torn_line_is_kept(tmp_path: Path, migrated_template: Path) -> None:
    """A crash (power lost, a full disk) in the middle of an append leaves a line without its
    newline; the comments said it is skipped and "read again next time". But the next decision
    was appended to it: one unreadable line, the reviewer's acknowledged decision lost in the
    workbench and in the run's import alike. Now the torn line is ended first."""
    db = tmp_path / "skiptrace.duckdb"
    db.write_bytes(migrated_template.read_bytes())
    store = Store(db)
    first = _decide(store, "A1")
    with store.queue_path.open("a", encoding="utf-8") as fh:
        fh.write('{"decision_id": "d-torn", "kind": "pair", "account_id": "A')  # the crash
    after = _decide(store, "A2")
    assert [d["decision_id"] for d in store.queued()] == [first, after]
    con = sql.connect(db)
    try:
        assert import_queued(con, "r2") == 2
        ids = con.execute("SELECT decision_id FROM review_decisions ORDER BY 1").fetchall()
    finally:
        con.close()
    assert sorted([(first,), (after,)]) == ids
