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
        " email_norm('bob@@x.com'), email_norm('a..b@x.com')"
    ).fetchone()
    assert row == ("1 Main St||X|NY|10001", "bob@example.com", None, None)
