"""The schema is created by numbered migrations and is idempotent."""

from __future__ import annotations

from pathlib import Path

from skiptrace import sql


def test_migrations_are_numbered_and_applied_once(tmp_path: Path) -> None:
    db = tmp_path / "m.duckdb"
    con = sql.connect(db)
    version = sql.schema_version(con)
    assert version == max(v for v, _ in sql.migrations())
    con.close()
    con = sql.connect(db)  # re-open: nothing re-applied
    rows = con.execute(
        "SELECT count(*), count(DISTINCT version) FROM schema_migrations"
    ).fetchall()[0]
    assert rows[0] == rows[1] == len(sql.migrations())


def test_shared_macros(con) -> None:
    row = con.execute(
        "SELECT addr_raw('1 Main St', NULL, 'X', 'NY', '10001'), email_norm('  Bob@Example.COM '),"
        " email_norm('bob@@x.com'), email_norm('a..b@x.com'), email_norm('patrick.@gmail.com'),"
        " email_norm('carl@gmail.com.')"
    ).fetchone()
    assert row == ("1 Main St||X|NY|10001", "bob@example.com", None, None, None, "carl@gmail.com")


def test_a_database_killed_before_its_migrations_were_checkpointed_opens(tmp_path: Path) -> None:
    """A migration stays in DuckDB's write-ahead log until the next checkpoint, and a process
    killed before it (kill -9, power loss) leaves it there. Opening the database replays the log
    before any extension is loaded, so a logged statement that needs an extension's function
    would leave a database nobody can open: migration 100's first form converted the pairs'
    JSON with json_transform and failed exactly so (the `json` extension cannot be installed
    here). Every migration is applied to an empty database in a child process killed before
    it checkpoints, and the database must then open and read at the latest version."""
    import signal
    import subprocess
    import sys

    import duckdb

    db = tmp_path / "killed.duckdb"
    child = (
        "import os, signal, duckdb\n"
        "from skiptrace import sql\n"
        f"con = duckdb.connect({str(db)!r}, config={{'wal_autocheckpoint': '1TB'}})\n"
        "sql.migrate(con)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    proc = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-2000:]
    assert db.with_name(db.name + ".wal").exists()  # the migrations are in the log only
    con = duckdb.connect(str(db))
    try:
        assert sql.schema_version(con) == max(v for v, _ in sql.migrations())
    finally:
        con.close()


def test_upgrading_an_existing_database_says_so_once(tmp_path: Path, caplog) -> None:
    """Any command that opens a database for writing applies the newer migrations, and some
    convert large tables (migration 100: about 41 s per 7M match pairs). The user is told which
    database moves from which version to which, once; a new database and an up-to-date one say
    nothing."""
    import logging

    import duckdb

    *older, (newest, _) = sql.migrations()
    db = tmp_path / "older.duckdb"
    con = duckdb.connect(str(db))
    sql.schema_version(con)  # creates schema_migrations
    for version, name in older:  # the database an older skiptrace left behind
        con.execute(sql.load(f"migrations/{name}"))
        con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
    con.close()
    caplog.set_level(logging.WARNING, logger="skiptrace")

    sql.connect(db).close()
    notices = [r.getMessage() for r in caplog.records if r.name == "skiptrace.sql"]
    assert notices == [
        f"upgrading database {db} from schema version {older[-1][0]} to {newest}"
        " (once per new version; conversions of large tables can take minutes)"
    ]

    caplog.clear()
    sql.connect(db).close()  # up to date now
    sql.connect(tmp_path / "new.duckdb").close()  # created, not upgraded
    assert [r for r in caplog.records if r.name == "skiptrace.sql"] == []


def test_duckdb_draws_no_progress_bar(tmp_path: Path) -> None:
    """skiptrace reports progress in its own stage log; DuckDB's bar on stdout would interleave
    with it (and with a script's own output) for every statement over two seconds."""
    con = sql.connect(tmp_path / "bar.duckdb")
    try:
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)
    finally:
        con.close()
