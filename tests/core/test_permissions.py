"""Files holding personal data are private whatever the umask, or as SKIPTRACE_FILE_MODE says."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from skiptrace.atomic import (
    atomic_write_text,
    check_file_mode,
    dir_mode,
    private_dir,
    private_umask,
)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The most permissive umask a careless service account could have."""
    previous = os.umask(0o000)
    yield
    os.umask(previous)


def test_atomic_files_and_new_folders_are_private_under_an_open_umask(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SKIPTRACE_FILE_MODE", raising=False)
    target = tmp_path / "out" / "run1" / "contacts.csv"
    atomic_write_text(target, "account_id\nA1\n")
    assert _mode(target) == 0o600
    assert _mode(target.parent) == 0o700 and _mode(target.parent.parent) == 0o700


def test_an_existing_file_is_replaced_by_a_private_one(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SKIPTRACE_FILE_MODE", raising=False)
    target = tmp_path / "report.html"
    target.write_text("old")
    os.chmod(target, 0o666)
    atomic_write_text(target, "new")
    assert _mode(target) == 0o600 and target.read_text() == "new"


def test_group_sharing_by_configured_mode(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKIPTRACE_FILE_MODE", "0640")
    target = tmp_path / "shared" / "delta.csv"
    atomic_write_text(target, "x\n")
    assert _mode(target) == 0o640
    assert _mode(target.parent) == 0o750


def test_private_umask_covers_files_other_libraries_create(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import duckdb

    monkeypatch.delenv("SKIPTRACE_FILE_MODE", raising=False)
    with private_umask():
        con = duckdb.connect(str(tmp_path / "db.duckdb"))
        con.execute("CREATE TABLE t AS SELECT 1 AS x")
        con.close()
        (tmp_path / "part").mkdir()
    assert _mode(tmp_path / "db.duckdb") == 0o600
    assert _mode(tmp_path / "part") == 0o700
    assert os.umask(0o022) == 0o000  # restored afterwards
    os.umask(0o000)


def test_existing_output_root_keeps_its_mode(tmp_path: Path, open_umask: None) -> None:
    root = tmp_path / "share"
    root.mkdir()
    os.chmod(root, 0o775)
    private_dir(root / "run1")
    assert _mode(root) == 0o775 and _mode(root / "run1") == dir_mode()


@pytest.mark.parametrize("value", ["0700", "0755", "rw", "0040"])
def test_invalid_modes_are_refused_with_the_reason(value: str) -> None:
    with pytest.raises(ValueError, match="SKIPTRACE_FILE_MODE"):
        check_file_mode(value)


def test_valid_modes() -> None:
    assert check_file_mode(None) == 0o600
    assert check_file_mode("0640") == 0o640 and check_file_mode("0o660") == 0o660


def test_the_folder_made_for_a_database_is_private(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It holds the database and the HMAC key: others must not delete, rename or plant files
    beside them. The database connection, the run lock and the key each may make it first."""
    from skiptrace import sql
    from skiptrace.flows.orchestration.lock import db_lock
    from skiptrace.sources.pii import ensure_key_file

    monkeypatch.delenv("SKIPTRACE_FILE_MODE", raising=False)
    sql.connect(tmp_path / "a" / "db" / "st.duckdb").close()
    with db_lock(tmp_path / "b" / "st.duckdb", run_id="R1"):
        pass
    ensure_key_file(tmp_path / "c" / "hmac.key")
    for folder in ("a", "a/db", "b", "c"):
        assert _mode(tmp_path / folder) == 0o700, folder


def test_a_generated_portfolio_is_private(
    tmp_path: Path, open_umask: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Synthetic, but with names, dates of birth and SSNs like a real account export."""
    from skiptrace.flows.demo.synthetic import generate_portfolio

    monkeypatch.delenv("SKIPTRACE_FILE_MODE", raising=False)
    generate_portfolio(tmp_path / "demo" / "portfolio", accounts=20, seed=3)
    made = [tmp_path / "demo", *(tmp_path / "demo").rglob("*")]
    assert len(made) > 10
    for path in made:
        assert _mode(path) == (0o700 if path.is_dir() else 0o600), path
    assert os.umask(0o000) == 0o000  # the caller's umask is back
