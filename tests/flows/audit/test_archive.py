"""Archive: old runs' rows leave the database for verified Parquet files; lineage stays readable.

The runs are the lineage cases (tests/flows/audit/test_lineage.py) plus earlier nights holding
copies of the run's rows, as a nightly database looks after a while.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from skiptrace import sql
from skiptrace.atomic import sha256_file
from skiptrace.flows.audit.archive import (
    ARCHIVED_TABLES,
    ArchiveError,
    archive_root,
    archive_runs,
    archived_run_views,
    restore_run,
)
from skiptrace.flows.audit.lineage import explain_account
from skiptrace.flows.cli.main import app
from tests.flows.audit.test_lineage import RUN, build_cases
from tests.snippet import last_line, run_snippet

NIGHTS = [f"2026102{n}T090000Z-nite" for n in range(1, 4)]  # three nights before RUN


def _copy_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, day: int) -> None:
    con.execute(
        "INSERT INTO runs (run_id, as_of, started_at, ended_at, status) VALUES (?, ?, ?, ?, ?)",
        [run_id, dt.date(2026, 10, day), dt.datetime(2026, 10, day, 9), None, status],
    )
    for table in ARCHIVED_TABLES:
        con.execute(
            f"INSERT INTO {table} SELECT * REPLACE (? AS run_id) FROM {table} WHERE run_id = ?",
            [run_id, RUN],
        )


@pytest.fixture(scope="module")
def nightly_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The nightly database built once: every migration, the lineage cases, three earlier nights.

    Why: each test built it in a new file, applying the 120-odd migrations and the cases again
    (0.3-0.5 s a test); copying the closed file takes milliseconds.
    """
    db = tmp_path_factory.mktemp("nightly") / "skiptrace.duckdb"
    con = sql.connect(db)
    try:
        build_cases(con)
        _copy_run(con, NIGHTS[0], "completed", 21)
        _copy_run(con, NIGHTS[1], "failed", 22)
        _copy_run(con, NIGHTS[2], "completed", 23)
    finally:
        con.close()
    assert [p.name for p in db.parent.iterdir()] == [db.name]  # nothing beside it to copy
    return db


@pytest.fixture
def nightly(
    nightly_template: Path, tmp_path: Path
) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path]]:
    """A private copy of the nightly database, open."""
    db = tmp_path / "skiptrace.duckdb"
    shutil.copyfile(nightly_template, db)
    con = sql.connect(db)
    yield con, db
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, list[str]]:
    return {
        t: sorted(
            repr(row)
            for row in con.execute(f"SELECT * FROM {t} WHERE run_id = ?", [run_id]).fetchall()
        )
        for t in ARCHIVED_TABLES
    }


def test_old_runs_move_to_verified_private_files(nightly) -> None:
    con, db = nightly
    before = {r: _rows(con, r) for r in NIGHTS}
    assert sum(len(v) for v in before[NIGHTS[0]].values()) > 0
    result = archive_runs(con, db, keep=2)  # RUN and NIGHTS[2] are the two newest completed
    # the older failed night goes too; OLD_RUN (2026-10-01) has no rows but is recorded
    assert [r.run_id for r in result.runs] == sorted(["20261001T090000Z-0000", *NIGHTS[:2]])
    for run_id in NIGHTS[:2]:
        assert all(not rows for rows in _rows(con, run_id).values())  # gone from the database
        folder = archive_root(db) / run_id
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        recorded = json.loads(
            con.execute("SELECT tables FROM run_archives WHERE run_id = ?", [run_id]).fetchone()[0]
        )
        for table in ARCHIVED_TABLES:
            path = folder / f"{table}.parquet"
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
            back = con.execute(f"SELECT * FROM read_parquet('{path}')").fetchall()
            assert sorted(map(repr, back)) == before[run_id][table]
            assert recorded[table]["rows"] == len(before[run_id][table])
    assert _rows(con, NIGHTS[2]) == before[NIGHTS[2]]  # kept whole
    assert archive_runs(con, db, keep=2).runs == []  # nothing left to do


def test_a_running_run_is_never_archived(nightly) -> None:
    con, db = nightly
    con.execute("UPDATE runs SET status = 'running' WHERE run_id = ?", [NIGHTS[1]])
    assert NIGHTS[1] not in [r.run_id for r in archive_runs(con, db, keep=1).runs]


def test_explain_reads_an_archived_run_as_before(nightly) -> None:
    con, db = nightly
    before = explain_account(con, "A1", run_id=NIGHTS[0])
    archive_runs(con, db, keep=2)
    assert explain_account(con, "A1", run_id=NIGHTS[0]) == before
    # the views are gone afterwards: the tables read as the database holds them
    n = con.execute("SELECT count(*) FROM contact_points WHERE run_id = ?", [NIGHTS[0]])
    assert n.fetchone() == (0,)


def test_explain_of_an_archived_run_on_a_read_only_connection(nightly) -> None:
    con, db = nightly
    before = explain_account(con, "A1", run_id=NIGHTS[0])
    archive_runs(con, db, keep=2)
    con.close()
    ro = sql.connect(db, read_only=True)
    try:
        assert explain_account(ro, "A1", run_id=NIGHTS[0]) == before
    finally:
        ro.close()


def test_restore_puts_the_rows_back(nightly) -> None:
    con, db = nightly
    before = _rows(con, NIGHTS[0])
    archive_runs(con, db, keep=2)
    restore_run(con, NIGHTS[0])
    assert _rows(con, NIGHTS[0]) == before
    assert not (archive_root(db) / NIGHTS[0]).exists()
    assert con.execute(
        "SELECT count(*) FROM run_archives WHERE run_id = ?", [NIGHTS[0]]
    ).fetchone() == (0,)
    with pytest.raises(Exception, match="is not archived"):
        restore_run(con, NIGHTS[0])


def test_a_run_archived_before_support_roles_reads_and_restores_with_them(nightly) -> None:
    """An archive written before migration 099 has no role column in contact_support's file:
    explain and restore fill it from the evidence prefix, as the migration filled the table."""
    con, db = nightly
    before = explain_account(con, "A3", run_id=NIGHTS[0])
    rows = _rows(con, NIGHTS[0])
    archive_runs(con, db, keep=2)
    path = archive_root(db) / NIGHTS[0] / "contact_support.parquet"
    con.execute(  # the file as an older version wrote it
        f"COPY (SELECT * EXCLUDE (role) FROM read_parquet('{path}')) TO '{path}.old'"
        " (FORMAT parquet)"
    )
    Path(f"{path}.old").replace(path)
    tables = json.loads(
        con.execute("SELECT tables FROM run_archives WHERE run_id = ?", [NIGHTS[0]]).fetchone()[0]
    )
    tables["contact_support"]["sha256"] = sha256_file(path)
    con.execute(
        "UPDATE run_archives SET tables = ? WHERE run_id = ?", [json.dumps(tables), NIGHTS[0]]
    )
    after = explain_account(con, "A3", run_id=NIGHTS[0])
    assert after == before
    assert {s["record_id"] for c in after["contacts"] for s in c["support"]} >= {"CH-3"}
    restore_run(con, NIGHTS[0])
    assert _rows(con, NIGHTS[0]) == rows
    assert con.execute(
        "SELECT DISTINCT role FROM contact_support WHERE run_id = ? ORDER BY 1", [NIGHTS[0]]
    ).fetchall() == [("debtor",), ("third_party",)]


def test_a_run_archived_with_json_levels_reads_and_restores_as_structs(nightly) -> None:
    """An archive written before migration 100 holds a pair's levels and partial weights as
    JSON text in match_pairs' file: explain and restore convert them as the migration did."""
    con, db = nightly
    before = explain_account(con, "A1", run_id=NIGHTS[0])
    rows = _rows(con, NIGHTS[0])
    archive_runs(con, db, keep=2)
    path = archive_root(db) / NIGHTS[0] / "match_pairs.parquet"
    # the file as an older version wrote it: JSON objects, a comparison without a value left out
    old = [
        (r[0], r[1], json.dumps({k: v for k, v in r[2].items() if v is not None}),
         json.dumps({k: v for k, v in r[3].items() if v is not None}))
        for r in con.execute(
            f"SELECT account_id, rec_id, levels, weights FROM read_parquet('{path}')"
        ).fetchall()
    ]  # fmt: skip
    con.execute("CREATE TEMP TABLE old_json (account_id VARCHAR, rec_id BIGINT, l JSON, w JSON)")
    con.executemany("INSERT INTO old_json VALUES (?, ?, ?, ?)", old)
    con.execute(
        f"COPY (SELECT p.* REPLACE (o.l AS levels, o.w AS weights) FROM read_parquet('{path}') p"
        f" JOIN old_json o USING (account_id, rec_id)) TO '{path}.old' (FORMAT parquet)"
    )
    Path(f"{path}.old").replace(path)
    kinds = con.execute(f"SELECT DISTINCT typeof(levels) FROM read_parquet('{path}')").fetchall()
    assert kinds in ([("JSON",)], [("VARCHAR",)])
    tables = json.loads(
        con.execute("SELECT tables FROM run_archives WHERE run_id = ?", [NIGHTS[0]]).fetchone()[0]
    )
    tables["match_pairs"]["sha256"] = sha256_file(path)
    con.execute(
        "UPDATE run_archives SET tables = ? WHERE run_id = ?", [json.dumps(tables), NIGHTS[0]]
    )
    assert explain_account(con, "A1", run_id=NIGHTS[0]) == before
    restore_run(con, NIGHTS[0])
    assert _rows(con, NIGHTS[0]) == rows


def test_a_damaged_archive_is_refused(nightly) -> None:
    con, db = nightly
    archive_runs(con, db, keep=2)
    path = archive_root(db) / NIGHTS[0] / "contact_points.parquet"
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    with pytest.raises(ArchiveError, match="sha256"):
        explain_account(con, "A1", run_id=NIGHTS[0])
    with pytest.raises(ArchiveError, match="sha256"):
        restore_run(con, NIGHTS[0])
    path.unlink()
    with pytest.raises(ArchiveError, match="missing"):
        restore_run(con, NIGHTS[0])
    assert ArchiveError.exit_code == 4


def test_a_folder_left_by_an_interrupted_archive_is_rewritten(nightly) -> None:
    """Files written but the delete never committed (a kill in between): the rows are still in
    the database and the next archive writes the folder again."""
    con, db = nightly
    stale = archive_root(db) / NIGHTS[0]
    stale.mkdir(parents=True)
    (stale / "contact_points.parquet").write_bytes(b"half written")
    before = _rows(con, NIGHTS[0])
    archive_runs(con, db, keep=2)
    restore_run(con, NIGHTS[0])
    assert _rows(con, NIGHTS[0]) == before


def test_dry_run_changes_nothing(nightly) -> None:
    con, db = nightly
    before = _rows(con, NIGHTS[0])
    result = archive_runs(con, db, keep=2, dry_run=True)
    assert "would archive 3 run(s)" in result.summary()
    assert result.runs[1].rows["contact_points"] == len(before["contact_points"])
    assert _rows(con, NIGHTS[0]) == before and not archive_root(db).exists()


def test_views_only_for_archived_runs(nightly) -> None:
    con, _ = nightly
    with archived_run_views(con, RUN) as archived:
        assert not archived


def test_cli_archives_and_restores(nightly) -> None:
    con, db = nightly
    con.close()
    out = CliRunner().invoke(app, ["archive", "--list", "--db", str(db)])
    assert out.exit_code == 0 and out.output.strip() == "no archived runs"
    out = CliRunner().invoke(app, ["archive", "--keep", "2", "--db", str(db)])
    assert out.exit_code == 0, out.output
    assert "archived 3 run(s)" in out.output and "2 newest completed runs kept" in out.output
    out = CliRunner().invoke(
        app, ["explain", "A1", "--run", NIGHTS[0], "--db", str(db), "--format", "json"]
    )
    assert out.exit_code == 0, out.output
    doc = json.loads(out.output)
    assert doc["run"]["run_id"] == NIGHTS[0] and doc["contacts"]
    out = CliRunner().invoke(app, ["archive", "--list", "--db", str(db)])
    assert out.exit_code == 0, out.output
    listed = out.output.splitlines()
    assert [line.split()[0] for line in listed] == sorted(["20261001T090000Z-0000", *NIGHTS[:2]])
    assert "as of 2026-10-21  completed" in listed[1] and str(archive_root(db)) in listed[1]
    out = CliRunner().invoke(app, ["archive", "--restore", NIGHTS[0], "--db", str(db)])
    assert out.exit_code == 0 and f"restored run {NIGHTS[0]}" in out.output
    out = CliRunner().invoke(app, ["archive", "--restore", NIGHTS[0], "--db", str(db)])
    assert out.exit_code == 2 and "is not archived" in out.output


def test_a_database_moved_with_its_archive_still_reads_it(nightly, tmp_path: Path) -> None:
    """run_archives names the folder relative to `<db>.archive`: a backup restored elsewhere
    (database and archive together) reads its archived runs."""
    import shutil

    con, db = nightly
    before = explain_account(con, "A1", run_id=NIGHTS[0])
    archive_runs(con, db, keep=2)
    con.close()
    moved = tmp_path / "restored" / "skiptrace.duckdb"
    moved.parent.mkdir()
    shutil.copyfile(db, moved)
    shutil.copytree(archive_root(db), archive_root(moved))
    shutil.rmtree(archive_root(db))
    ro = sql.connect(moved, read_only=True)
    try:
        assert explain_account(ro, "A1", run_id=NIGHTS[0]) == before
    finally:
        ro.close()


def test_cli_refuses_a_database_another_process_holds(tmp_path: Path, migrated_template) -> None:
    """A run holds the database (DuckDB's file lock): one line and the busy exit code."""
    import subprocess
    import sys

    db = tmp_path / "busy.duckdb"
    shutil.copyfile(migrated_template, db)  # a migrated database (tests/conftest.py)
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({str(db)!r});"
         " print('open', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        out = CliRunner().invoke(app, ["archive", "--keep", "1", "--db", str(db)])
        assert out.exit_code == 5, out.output
        assert "database busy" in out.output and f"pid {holder.pid}" in out.output
    finally:
        holder.kill()
        holder.wait()


def test_report_of_an_archived_run_reads_its_files(nightly, tmp_path: Path) -> None:
    con, db = nightly
    con.close()
    out = tmp_path / "out"
    args = ["report", NIGHTS[0], "--out", str(out), "--db", str(db)]
    assert CliRunner().invoke(app, args).exit_code == 0
    before = (out / NIGHTS[0] / "report.html").read_text()
    assert CliRunner().invoke(app, ["archive", "--keep", "2", "--db", str(db)]).exit_code == 0
    out2 = tmp_path / "out2"
    result = CliRunner().invoke(app, [*args[:2], "--out", str(out2), "--db", str(db)])
    assert result.exit_code == 0, result.output
    after = (out2 / NIGHTS[0] / "report.html").read_text()
    assert len(_numbers(before)) > 10  # a report with figures, and the same ones from the files
    assert _numbers(after) == _numbers(before)


def _numbers(html: str) -> list[str]:
    """The report's figures (its generation time aside)."""
    import re

    text = re.sub(r"generated [^<]*", "", html)
    return re.findall(r">\s*([0-9][0-9,.]*)\s*<", text)


def test_cli_waits_for_no_run_holding_the_run_lock(nightly) -> None:
    """The run lock a refresh holds (<db>.lock): archive is refused with the busy code, naming
    the holder, and moves nothing."""
    from skiptrace.flows.orchestration.lock import db_lock

    con, db = nightly
    con.close()
    with db_lock(db, run_id="20261201T020000Z-nite"):
        out = CliRunner().invoke(app, ["archive", "--keep", "1", "--db", str(db)])
    assert out.exit_code == 5, out.output
    assert "20261201T020000Z-nite" in out.output
    assert not archive_root(db).exists()
    missing = CliRunner().invoke(app, ["archive", "--db", str(db.with_name("none.duckdb"))])
    assert missing.exit_code == 4 and not db.with_name("none.duckdb.lock").exists()


#: `skiptrace archive` with a SIGTERM sent to itself as it writes a run's second file.
SIGTERM_MID_ARCHIVE = (
    "import os, signal, sys\n"
    "from skiptrace.flows.audit import archive\n"
    "real = archive.fsync_path\n"
    "written = []\n"
    "def fsync_path(path):\n"
    "    real(path)\n"
    "    written.append(path)\n"
    "    if len(written) == 2:\n"
    "        os.kill(os.getpid(), signal.SIGTERM)\n"
    "archive.fsync_path = fsync_path\n"
    "sys.argv[0] = 'skiptrace'\n"
    "from skiptrace.flows.cli.main import main\n"
    "main()\n"
)


def test_an_archive_stopped_by_sigterm_leaves_no_copies_and_says_so(nightly) -> None:
    """Found sending SIGTERM to a real `skiptrace archive` at many moments: the command had no
    handler, so SIGTERM ended the process with no line, and the run's half-written Parquet
    copies (personal data) stayed in <db>.archive/.<run>.tmp until the next archive. Now it
    is one line (exit 143), the staging folder is removed, the run's rows are still in the
    database and a re-run archives them."""
    import signal

    con, db = nightly
    before = _rows(con, NIGHTS[0])
    con.close()
    done = run_snippet(SIGTERM_MID_ARCHIVE, "archive", "--keep", "2", "--db", str(db))
    assert done.returncode == 128 + signal.SIGTERM, done.stderr[-3000:]
    last = last_line(done)
    assert last.startswith(
        "skiptrace: error: interrupted by SIGTERM: skiptrace archive stopped;"
    ), done.stderr[-3000:]
    assert "recorded failed" not in done.stderr and "this is a bug" not in done.stderr
    root = archive_root(db)
    assert not [p for p in root.iterdir() if p.name.endswith(".tmp")], list(root.iterdir())
    con = sql.connect(db)
    try:
        assert _rows(con, NIGHTS[0]) == before
        assert len(archive_runs(con, db, 2).runs) == 3  # a re-run archives them
    finally:
        con.close()
