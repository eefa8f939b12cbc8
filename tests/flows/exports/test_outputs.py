"""Output retention (ops audit): out/<run_id>/ and processed/<run_id>/ of archived runs go with
them, but only folders skiptrace wrote for a run the database knows, never the newest completed
run's or one a push has not taken; out/LATEST names the last good export set."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb

from skiptrace.flows.audit.archive import archive_runs
from skiptrace.flows.audit.runs import finish_run, start_run
from skiptrace.flows.exports.emit import mark_incomplete
from skiptrace.flows.exports.outputs import LATEST, remove_old_outputs, write_latest

AS_OF = dt.date(2026, 11, 1)


def _run(con: duckdb.DuckDBPyConnection, root: Path, run_id: str, status: str) -> Path:
    # as every run records them: the output and inbox roots, and the database (the `con`
    # fixture's file), by which a folder without a database of its own is this database's
    params = {"out": str(root / "out"), "inbox": str(root / "ib"), "db": str(root / "test.duckdb")}
    start_run(con, run_id, as_of=AS_OF, params=params)
    finish_run(con, run_id, status)
    folder = root / "out" / run_id
    folder.mkdir(parents=True)
    (folder / "contacts.csv").write_text("account_id\nA1\n")
    if status == "completed":
        (folder / "manifest.json").write_text(json.dumps({"run_id": run_id}))
    else:
        mark_incomplete(folder, run_id, "failed: Killed")
    (root / "ib" / "processed" / run_id / "accounts").mkdir(parents=True)
    return folder


def test_archived_runs_lose_their_folders_and_nothing_else(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    r1 = _run(con, tmp_path, "20261101T000000Z-0001", "completed")
    r2 = _run(con, tmp_path, "20261102T000000Z-0002", "abandoned")
    r3 = _run(con, tmp_path, "20261103T000000Z-0003", "completed")
    r4 = _run(con, tmp_path, "20261104T000000Z-0004", "completed")
    (r3 / "manifest.json").write_text(json.dumps({"run_id": "someone-else"}))  # not r3's
    stray = tmp_path / "out" / "20261101T000000Z-9999"  # a run id the database does not know
    stray.mkdir()
    (stray / "manifest.json").write_text(json.dumps({"run_id": stray.name}))

    dry = remove_old_outputs(con, also=["20261101T000000Z-0001"], dry_run=True)
    assert dry.removed == [str(r1), str(tmp_path / "ib" / "processed" / r1.name)] and r1.is_dir()

    archive_runs(con, tmp_path / "test.duckdb", keep=1)  # r1, r2, r3 archived; r4 the newest
    done = remove_old_outputs(con)
    assert not r1.exists() and not r2.exists()  # a manifest; an INCOMPLETE marker of the run
    assert not (tmp_path / "ib" / "processed" / r1.name).exists()
    assert (
        r3.is_dir()
        and {"path": str(r3), "reason": f"no manifest.json or INCOMPLETE of run {r3.name}"}
        in done.kept
    )
    assert r4.is_dir() and stray.is_dir()
    assert (tmp_path / "ib" / "processed" / r4.name).is_dir()


def test_a_run_the_push_has_not_taken_keeps_its_folder(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    r1 = _run(con, tmp_path, "20261101T000000Z-0001", "completed")
    r2 = _run(con, tmp_path, "20261102T000000Z-0002", "completed")
    _run(con, tmp_path, "20261103T000000Z-0003", "completed")
    con.execute("INSERT INTO pushes (run_id, status) VALUES ('20261101T000000Z-0001', 'completed')")
    archive_runs(con, tmp_path / "test.duckdb", keep=1)
    done = remove_old_outputs(con)
    assert not r1.exists()  # pushed
    assert r2.is_dir() and {"path": str(r2), "reason": "not pushed yet"} in done.kept


def test_latest_is_replaced_atomically(tmp_path: Path) -> None:
    write_latest(tmp_path, "20261101T000000Z-0001")
    write_latest(tmp_path, "20261102T000000Z-0002")
    assert (tmp_path / LATEST).read_text() == "20261102T000000Z-0002\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [LATEST]


def test_latest_moves_only_to_a_newer_run_by_as_of(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """Newer by (as_of, run_id), as `skiptrace push` orders runs: a backfill run later but
    dated earlier leaves LATEST where it is; a run this database does not know is replaced."""
    for run_id, as_of in [("20261101T000000Z-0001", dt.date(2026, 11, 10)),
                          ("20261102T000000Z-0002", dt.date(2026, 10, 25)),
                          ("20261103T000000Z-0003", dt.date(2026, 11, 10))]:  # fmt: skip
        start_run(con, run_id, as_of=as_of, params={})
        finish_run(con, run_id, "completed")
    (tmp_path / LATEST).write_text("20250101T000000Z-gone\n")
    assert write_latest(tmp_path, "20261101T000000Z-0001", con=con) is not None
    assert write_latest(tmp_path, "20261102T000000Z-0002", con=con) is None  # the backfill
    assert (tmp_path / LATEST).read_text() == "20261101T000000Z-0001\n"
    assert write_latest(tmp_path, "20261103T000000Z-0003", con=con) is not None  # same day, later
    assert write_latest(tmp_path, "20261101T000000Z-0001", con=con) is None
    assert (tmp_path / LATEST).read_text() == "20261103T000000Z-0003\n"


def test_archive_keeps_the_run_latest_names_behind_backfills(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """With --keep-runs 1 and a backfill run after it, the newest run by as-of (the one LATEST
    names and the next delta follows) is neither archived nor has its folder removed."""
    head = _run(con, tmp_path, "20261101T000000Z-0001", "completed")
    backfill = "20261102T000000Z-0002"
    start_run(con, backfill, as_of=dt.date(2026, 1, 1), params={"out": str(tmp_path)})
    finish_run(con, backfill, "completed")
    archive_runs(con, tmp_path / "test.duckdb", keep=1)
    assert remove_old_outputs(con).removed == []
    assert head.is_dir()
    assert con.execute("SELECT count(*) FROM run_archives").fetchone() == (0,)
