"""`skiptrace archive` on a copy of the database leaves the original's output folders.

Found as a data-loss hazard: runs record absolute output and inbox paths, so archive on a copy of
the production database (copied to try something) removed production's run folders and inbox
copies. A folder now records which database wrote it (manifest.json, INCOMPLETE: the resolved
path and the database's id) and archive removes only its own database's; a copy has the same id
and rows, only the path it is opened at tells it from the original.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from skiptrace import sql
from skiptrace.flows.audit.runs import finish_run, start_run
from skiptrace.flows.cli.main import app
from skiptrace.flows.exports.emit import write_manifest

RUNS = [f"2026110{n}T020000Z-000{n}" for n in range(1, 4)]  # the newest is kept whole


def _production(tmp_path: Path, template: Path, *, db_param: str | None = None) -> Path:
    """A production database with three completed nights, each with its output folder (written
    by the real manifest writer) and its inbox copies; closed, as a copy is taken."""
    db = tmp_path / "prod" / "skiptrace.duckdb"
    db.parent.mkdir()
    shutil.copyfile(template, db)
    con = sql.connect(db)
    try:
        for n, run_id in enumerate(RUNS, start=1):
            params = {
                "db": db_param or str(db),
                "out": str(tmp_path / "out"),
                "inbox": str(tmp_path / "inbox"),
            }
            start_run(con, run_id, as_of=dt.date(2026, 11, n), params=params)
            folder = tmp_path / "out" / run_id
            folder.mkdir(parents=True)
            (folder / "contacts.csv").write_text("account_id\nA1\n")
            write_manifest(con, run_id, folder)
            finish_run(con, run_id, "completed")
            (tmp_path / "inbox" / "processed" / run_id / "accounts").mkdir(parents=True)
    finally:
        con.close()
    return db


def _folders(tmp_path: Path, run_id: str) -> list[Path]:
    return [tmp_path / "out" / run_id, tmp_path / "inbox" / "processed" / run_id]


def _archive(db: Path, *more: str) -> dict:
    out = CliRunner().invoke(app, ["archive", "--keep", "1", "--db", str(db), "--json", *more])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_archive_on_a_copy_leaves_the_originals_folders(tmp_path: Path, migrated_template) -> None:
    """The hazard itself: before, archive on the copy removed the two older nights' folders
    and inbox copies, which production still needed (its own archive keeps 30)."""
    prod = _production(tmp_path, migrated_template)
    copy = tmp_path / "trying" / "skiptrace.duckdb"
    copy.parent.mkdir()
    shutil.copyfile(prod, copy)  # a byte copy: same id, same runs, same recorded paths

    done = _archive(copy)
    assert [r["run_id"] for r in done["runs"]] == RUNS[:2]  # the copy's rows are archived
    for run_id in RUNS:
        assert all(f.is_dir() for f in _folders(tmp_path, run_id)), run_id
    assert done["outputs"]["removed"] == []
    kept = {k["path"]: k["reason"] for k in done["outputs"]["kept"]}
    for folder in _folders(tmp_path, RUNS[0]):
        assert kept[str(folder)].startswith(f"written by the database at {prod.resolve()}")

    done = _archive(prod)  # production's own archive still removes them
    assert sorted(done["outputs"]["removed"]) == sorted(
        str(f) for run_id in RUNS[:2] for f in _folders(tmp_path, run_id)
    )
    assert not any(f.exists() for run_id in RUNS[:2] for f in _folders(tmp_path, run_id))
    assert all(f.is_dir() for f in _folders(tmp_path, RUNS[2]))  # the newest, out/LATEST's


def test_folders_written_before_the_record_go_by_the_runs_database(
    tmp_path: Path, migrated_template, monkeypatch
) -> None:
    """A folder whose manifest names no database (written before it was recorded) is this
    database's when the database its run was given (runs.params; a relative one from the
    working directory, as the output root) is this file: archive removes them on the original
    as before, and keeps them on a copy."""
    prod = _production(tmp_path, migrated_template, db_param="prod/skiptrace.duckdb")
    for run_id in RUNS:  # as an older skiptrace wrote them
        manifest = tmp_path / "out" / run_id / "manifest.json"
        doc = json.loads(manifest.read_text())
        del doc["database"]
        manifest.write_text(json.dumps(doc))
    copy = tmp_path / "trying.duckdb"
    shutil.copyfile(prod, copy)
    monkeypatch.chdir(tmp_path)

    done = _archive(copy)
    assert done["outputs"]["removed"] == []
    assert all(f.is_dir() for run_id in RUNS for f in _folders(tmp_path, run_id))

    done = _archive(Path("prod/skiptrace.duckdb"))
    assert len(done["outputs"]["removed"]) == 4
    assert not any(f.exists() for run_id in RUNS[:2] for f in _folders(tmp_path, run_id))


def test_a_moved_database_says_so_with_moved_from(tmp_path: Path, migrated_template) -> None:
    """Moved by the operator, the database cannot tell a move from a copy whose original went
    elsewhere: its old folders are kept, the reason naming the flag, until `--moved-from OLD`
    says it is the same database. The flag is refused while OLD still exists (a copy)."""
    prod = _production(tmp_path, migrated_template)
    moved = tmp_path / "new-disk" / "skiptrace.duckdb"
    moved.parent.mkdir()
    copy = tmp_path / "trying.duckdb"
    shutil.copyfile(prod, copy)

    refused = CliRunner().invoke(
        app, ["archive", "--keep", "1", "--db", str(copy), "--moved-from", str(prod)]
    )
    assert refused.exit_code == 2, refused.output
    assert f"{prod} still exists" in refused.output
    assert all(f.is_dir() for run_id in RUNS for f in _folders(tmp_path, run_id))

    shutil.move(prod, moved)
    done = _archive(moved)
    assert done["outputs"]["removed"] == []
    reason = {k["path"]: k["reason"] for k in done["outputs"]["kept"]}[
        str(tmp_path / "out" / RUNS[0])
    ]
    assert "no longer there" in reason and f"--moved-from {prod.resolve()}" in reason

    done = _archive(moved, "--moved-from", str(prod))
    assert len(done["outputs"]["removed"]) == 4
    assert not any(f.exists() for run_id in RUNS[:2] for f in _folders(tmp_path, run_id))


def test_a_failed_runs_marker_keeps_the_database_that_wrote_it(tmp_path: Path, con) -> None:
    """The INCOMPLETE marker names the database emit opened; the failure's rewrite (which has
    no connection) keeps that line, and another database's id is never this one's."""
    from skiptrace.flows.exports.emit import database_record, folder_database, mark_incomplete
    from skiptrace.flows.exports.outputs import ThisDatabase

    record = database_record(con)
    assert record["path"] == str((tmp_path / "test.duckdb").resolve()) and record["id"]
    mark_incomplete(tmp_path, "r9", database=record)
    mark_incomplete(tmp_path, "r9", "failed: ShrinkError")
    assert (tmp_path / "INCOMPLETE").read_text().startswith("run r9 failed: ShrinkError")
    assert folder_database(tmp_path) == record
    here = ThisDatabase.of(con)
    assert here.not_written_here(record, None) is None
    other = {**record, "id": "another-database"}
    assert here.not_written_here(other, None) == (
        f"written by another database ({record['path']}, id another-database)"
    )
