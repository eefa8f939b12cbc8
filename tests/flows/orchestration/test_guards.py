"""Run-level safety checks on real ingests into a real DuckDB file (issue 19 cases 2, 3, 11).

Each case is what a careless or hostile delivery did before: completed with exit 0 and a
delta.csv removing every contact. Now the run is refused with one line naming the override.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pytest

from skiptrace import sql
from skiptrace.flows.audit.retention import purge
from skiptrace.flows.audit.runs import finish_run, start_run
from skiptrace.flows.orchestration import guards, stages
from skiptrace.flows.orchestration.params import RefreshParams
from skiptrace.safety import (
    KeyMismatchError,
    KeyMissingError,
    NotWritableError,
    RejectRateError,
    ShrinkError,
)
from skiptrace.sources import pii

HEADER = "account_id,first_name,last_name,ssn,address_line1,city,state,zip,phone"
AS_OF = dt.date(2026, 11, 1)


def accounts_csv(path: Path, n: int, *, trailing: str = "", first: int = 0) -> Path:
    """n accounts with valid rows (`trailing` appended to each data row)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [
        f"A{i:05d},Pat,Lee{i},{100 + i % 600:03d}-{10 + i % 80:02d}-{1000 + i:04d},"
        f"{i} Main St,Albany,NY,12203,518555{i % 10000:04d}{trailing}"
        for i in range(first, first + n)
    ]
    path.write_text("\n".join([HEADER, *rows]) + "\n")
    return path


@pytest.fixture
def world(
    tmp_path: Path, migrated_template: Path
) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path]]:
    """A database file and an empty sources.yml (the account export is the only input).

    The database is a copy of the session's migrated one (tests/conftest.py): each of the 24
    tests here applied every migration to a new file first (0.2-0.5 s each)."""
    (tmp_path / "sources.yml").write_text("[]\n")
    (tmp_path / "db").mkdir(mode=0o700)
    shutil.copyfile(migrated_template, tmp_path / "db" / "st.duckdb")
    con = sql.connect(tmp_path / "db" / "st.duckdb")
    yield con, tmp_path
    con.close()


def params(root: Path, accounts: Path | None, **kw: Any) -> RefreshParams:
    return RefreshParams(
        accounts=accounts,
        sources=root / "sources.yml",
        db=root / "db" / "st.duckdb",
        out=root / "out",
        as_of=AS_OF,
        **kw,
    )


def completed_run(con: duckdb.DuckDBPyConnection, p: RefreshParams, run_id: str) -> None:
    """Ingest as a refresh does and record the run completed (what later runs compare with)."""
    start_run(con, run_id, as_of=AS_OF, params={})
    stages.ingest(con, p, run_id)
    stages.check_delivery(con, p, run_id)
    finish_run(con, run_id, "completed")


def one_line_with_override(exc: BaseException) -> str:
    message = str(exc)
    assert "\n" not in message and "--allow-shrink" in message
    assert getattr(exc, "exit_code", None) == 6
    return message


# --------------------------------------------------------------------------- reject rates


def test_every_row_rejected_refuses_the_run(world) -> None:
    """A trailing delimiter on every row: 0 of 1,000 accounts loaded used to complete."""
    con, root = world
    p = params(root, accounts_csv(root / "in" / "accounts.csv", 1000, trailing=","))
    start_run(con, "r1", as_of=AS_OF, params={})
    ingested = stages.ingest(con, p, "r1")
    assert ingested.rows_in == 1000 and ingested.rows_out == 0
    with pytest.raises(RejectRateError) as err:
        stages.check_delivery(con, p, "r1")
    message = one_line_with_override(err.value)
    assert "1,000 of 1,000 rows rejected (100.0%)" in message and "accounts.csv" in message
    finish_run(con, "r1", "failed")
    # the same command again: the file is skipped as already loaded, and still refused
    start_run(con, "r2", as_of=AS_OF, params={})
    assert stages.ingest(con, p, "r2").rows_in == 0
    with pytest.raises(RejectRateError, match=r"accounts.csv: 1,000 of 1,000 .* --run r1\)"):
        stages.check_delivery(con, p, "r2")
    allowed = stages.check_delivery(con, params(root, p.accounts, allow_shrink=True), "r2")
    assert allowed["files"][0]["reject_rate"] == 1.0
    finish_run(con, "r2", "completed")  # accepted once, by an operator's override
    start_run(con, "r3", as_of=AS_OF, params={})
    assert stages.check_delivery(con, p, "r3") == {"files": [], "accounts": {
        "previous": 0, "removed": 0, "previous_run_id": "r2"}}  # fmt: skip


def test_reject_rate_limit_is_per_source(world) -> None:
    """4 of 50 rows broken (8%) passes a source allowing 10% and fails the default 5%. (A bad
    field no longer rejects a row, so the broken rows carry a stray extra field.)"""
    con, root = world
    good = accounts_csv(root / "in" / "accounts.csv", 50)
    vendor = root / "in" / "vendor.csv"
    lines = ["record_id,first_name,last_name,dob"] + [
        f"V{i},Pat,Lee{i},1970-01-01{'' if i >= 4 else ',stray'}" for i in range(50)
    ]
    vendor.write_text("\n".join(lines) + "\n")
    entry = (
        "- {name: vend, kind: person_records, path: in/vendor.csv, format: csv, "
        "reliability: 0.8, permissible_purpose: test, columns: {record_id: record_id, "
        "first_name: first_name, last_name: last_name, dob: dob}%s}\n"
    )
    (root / "sources.yml").write_text(entry % ", max_reject_rate: 0.1")
    start_run(con, "r1", as_of=AS_OF, params={})
    stages.ingest(con, params(root, good), "r1")
    rates = {f["source"]: f for f in stages.check_delivery(con, params(root, good), "r1")["files"]}
    assert rates["vend"]["rows_rejected"] == 4 and rates["vend"]["max_reject_rate"] == 0.1
    (root / "sources.yml").write_text(entry % "")
    with pytest.raises(RejectRateError, match=r"vend file vendor.csv: 4 of 50 rows rejected"):
        stages.check_delivery(con, params(root, good), "r1")


# --------------------------------------------------------------------------- shrink


def test_header_only_account_file_with_replace_is_refused(world) -> None:
    con, root = world
    delivered = root / "in" / "accounts.csv"
    completed_run(con, params(root, accounts_csv(delivered, 200)), "r1")
    delivered.write_text(HEADER + "\n")  # tonight's export: the header and nothing else
    p = params(root, delivered, replace=True)
    start_run(con, "r2", as_of=AS_OF, params={})
    stages.ingest(con, p, "r2")
    with pytest.raises(ShrinkError) as err:
        stages.check_delivery(con, p, "r2")
    message = one_line_with_override(err.value)
    assert "remove 200 of the 200 accounts of run r1 (100.0%)" in message
    assert stages.check_delivery(con, params(root, delivered, allow_shrink=True), "r2")


def _current_accounts(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT count(*) FROM current_accounts").fetchall()[0][0])


def _statuses(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, Any]]:
    rows = con.execute(
        "SELECT file_name, status, superseded_by FROM input_files WHERE source = 'accounts'"
    ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def first_snapshot(con: duckdb.DuckDBPyConnection, root: Path) -> Path:
    """An account profile of `delivery: snapshot`, its first export (accounts_2026-11-01.csv,
    200 accounts) loaded by the completed run r1; returns the profile."""
    profile = root / "snapshot.yml"
    profile.write_text("delivery: snapshot\n")
    first = accounts_csv(root / "in" / "accounts_2026-11-01.csv", 200)
    completed_run(con, params(root, first, profile=profile), "r1")
    return profile


def test_a_snapshot_export_closes_the_accounts_it_no_longer_carries(world) -> None:
    """delivery: snapshot: each dated export is the whole portfolio, so the new one supersedes
    the earlier ones (no --replace, whatever their names) and an account it lacks is closed."""
    con, root = world
    profile = first_snapshot(con, root)
    second = accounts_csv(root / "in" / "accounts_2026-11-02.csv", 190)  # 10 accounts closed
    completed_run(con, params(root, second, profile=profile), "r2")
    assert _current_accounts(con) == 190
    file_no = con.execute(
        "SELECT file_no FROM input_files WHERE file_name = 'accounts_2026-11-02.csv'"
    ).fetchall()[0][0]
    assert _statuses(con)["accounts_2026-11-01.csv"] == ("superseded", file_no)

    # a snapshot that drops half the portfolio is refused, and the refusal changes nothing
    third = accounts_csv(root / "in" / "accounts_2026-11-03.csv", 95)
    start_run(con, "r3", as_of=AS_OF, params={})
    stages.ingest(con, params(root, third, profile=profile), "r3")
    assert _current_accounts(con) == 95
    with pytest.raises(ShrinkError, match="remove 95 of the 190 accounts of run r2"):
        stages.check_delivery(con, params(root, third, profile=profile), "r3")
    from skiptrace.sources.ingest import revert_run_loads

    assert revert_run_loads(con, "r3") == 1
    assert _current_accounts(con) == 190
    statuses = _statuses(con)
    assert statuses["accounts_2026-11-02.csv"] == ("loaded", None)
    assert statuses["accounts_2026-11-03.csv"] == ("refused", None)
    # delivered again (meant, say, after a portfolio sale): loaded again, not skipped
    start_run(con, "r4", as_of=AS_OF, params={})
    stages.ingest(con, params(root, third, profile=profile, allow_shrink=True), "r4")
    assert _current_accounts(con) == 95


def _break_address(path: Path, line: int, *, quote_all: bool = False) -> None:
    """Line `line` of `path` (0 = header) with a quoted line break in its address, as a CRM
    export writes one: the row spans two physical lines (both quarantined). `quote_all`: every
    field of the row quoted, as csv.QUOTE_ALL writes it."""
    lines = path.read_text().splitlines()
    fields = lines[line].split(",")
    fields[4] = '"' + fields[4] + '\nSuite 2"'
    if quote_all:
        fields = [f if f.startswith('"') else f'"{f}"' for f in fields]
    lines[line] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")


def test_a_snapshot_keeps_the_accounts_whose_rows_it_quarantined(world) -> None:
    """A snapshot export whose rows for two accounts hold a quoted line break in the address:
    their four physical lines are quarantined (2%, under max_reject_rate). Those accounts are
    not missing from the export, it could not read them: before, they were closed with the old
    file (exit 0, their contacts marked removed in delta.csv). Their previous version stays
    current and the run says so (exit 7); the accounts the export lacks are closed as before,
    and the next readable export takes over."""
    con, root = world
    profile = first_snapshot(con, root)
    second = accounts_csv(root / "in" / "accounts_2026-11-02.csv", 198)  # 2 accounts closed
    _break_address(second, 21, quote_all=True)  # A00020 (the later line first: no shift)
    _break_address(second, 11)  # A00010
    completed_run(con, params(root, second, profile=profile), "r2")
    assert con.execute("SELECT count(*) FROM quarantine WHERE run_id = 'r2'").fetchall() == [(4,)]
    assert _current_accounts(con) == 198
    kept = con.execute(
        "SELECT account_id, file_name FROM current_accounts JOIN input_files USING (file_no)"
        " WHERE file_name <> 'accounts_2026-11-02.csv' ORDER BY 1"
    ).fetchall()
    assert kept == [("A00010", "accounts_2026-11-01.csv"), ("A00020", "accounts_2026-11-01.csv")]
    assert _warnings(con, "r2") == [
        (
            "ingest",
            "2 accounts kept from the previous export: their rows in accounts_2026-11-02.csv "
            "were quarantined (skiptrace rejects --run r2)",
        )
    ]
    third = accounts_csv(root / "in" / "accounts_2026-11-03.csv", 198)
    completed_run(con, params(root, third, profile=profile), "r3")
    assert _current_accounts(con) == 198 and _warnings(con, "r3") == []
    files = con.execute(
        "SELECT DISTINCT file_name FROM current_accounts JOIN input_files USING (file_no)"
    ).fetchall()
    assert files == [("accounts_2026-11-03.csv",)]


def test_a_snapshot_that_cannot_name_a_quarantined_row_warns_of_its_closures(world) -> None:
    """A quarantined row whose account id field itself is broken names no account: the
    snapshot's closures may include it. It cannot be kept, so the run says how many accounts close and
    how many rows went unidentified (exit 7), rather than close them silently."""
    con, root = world
    profile = first_snapshot(con, root)
    second = accounts_csv(root / "in" / "accounts_2026-11-02.csv", 190)  # 10 accounts closed
    lines = second.read_text().splitlines()
    lines[6] = lines[6].replace("A00005,", '"A00005"x,', 1)  # malformed quotes in the id
    second.write_text("\n".join(lines) + "\n")
    completed_run(con, params(root, second, profile=profile), "r2")
    assert _current_accounts(con) == 189
    assert _warnings(con, "r2") == [
        (
            "ingest",
            "accounts_2026-11-02.csv closes 11 account(s) while 1 of its quarantined rows have "
            "no readable account id: an account may be closed only because its row was "
            "quarantined; check them (skiptrace rejects --run r2)",
        )
    ]


def test_an_increment_that_looks_like_the_whole_portfolio_is_a_warning(world) -> None:
    """Under the default `delivery: increments` a dated full export leaves the accounts it lacks
    current, and they keep being worked: the run says so and how to change it (exit 7)."""
    con, root = world
    completed_run(con, params(root, accounts_csv(root / "in" / "accounts_1101.csv", 200)), "r1")
    start_run(con, "r2", as_of=AS_OF, params={})
    p = params(root, accounts_csv(root / "in" / "accounts_1102.csv", 190))
    stages.ingest(con, p, "r2")
    found = stages.check_delivery(con, p, "r2")
    assert _current_accounts(con) == 200  # the union: the ten stay
    (hint,) = found["snapshot_hints"]
    assert "holds 190 of the 200 accounts of run r1 that are still current" in hint
    assert "not the other 10, which only accounts_1101.csv still carries" in hint
    assert "delivery: snapshot" in hint
    warned = con.execute("SELECT message FROM run_warnings WHERE run_id = 'r2'").fetchall()
    assert warned == [(hint,)]
    # a file of new accounts only is what increments are: no warning
    start_run(con, "r3", as_of=AS_OF, params={})
    p = params(root, accounts_csv(root / "in" / "accounts_1103.csv", 5, first=500))
    stages.ingest(con, p, "r3")
    assert "snapshot_hints" not in stages.check_delivery(con, p, "r3")


def test_a_base_file_re_sent_beside_an_update_file_is_no_snapshot_hint(world) -> None:
    """Base file + update files, the usual increments: accounts.csv re-sent (--replace) while
    accounts_upd_n03.csv's ten new accounts stay current. They are in an update file beside it,
    so not missing from it (the warning said "holds 475 of the 485 ... not the other 10")."""
    con, root = world
    base = root / "in" / "accounts.csv"
    completed_run(con, params(root, accounts_csv(base, 475)), "r1")
    update = accounts_csv(root / "in" / "accounts_upd_n03.csv", 10, first=500)
    completed_run(con, params(root, update), "r2")
    start_run(con, "r3", as_of=AS_OF, params={})
    accounts_csv(base, 475).write_text(base.read_text().replace("Albany", "Troy"))  # changed
    p = params(root, base, replace=True)
    stages.ingest(con, p, "r3")
    assert _current_accounts(con) == 485
    assert "snapshot_hints" not in stages.check_delivery(con, p, "r3")
    assert _warnings(con, "r3") == []
    finish_run(con, "r3", "completed")
    # a dated full export beside them still warns, counting only what the update file lacks
    start_run(con, "r4", as_of=AS_OF, params={})
    p = params(root, accounts_csv(root / "in" / "accounts_1104.csv", 465))
    stages.ingest(con, p, "r4")
    (hint,) = stages.check_delivery(con, p, "r4")["snapshot_hints"]
    assert "holds 465 of the 475 accounts of run r3 that are still current" in hint
    assert "not the other 10, which only accounts.csv still carries" in hint


def test_accounts_removed_with_replace_are_no_snapshot_hint(world) -> None:
    """The documented way to close accounts under increments (the same file name, --replace)
    leaves them not current: nothing stays worked, so nothing to warn about."""
    con, root = world
    delivered = root / "in" / "accounts.csv"
    completed_run(con, params(root, accounts_csv(delivered, 200)), "r1")
    start_run(con, "r2", as_of=AS_OF, params={})
    p = params(root, accounts_csv(delivered, 170), replace=True)
    stages.ingest(con, p, "r2")
    assert _current_accounts(con) == 170
    assert "snapshot_hints" not in stages.check_delivery(con, p, "r2")


def test_normal_churn_passes_and_the_limit_is_configurable(world) -> None:
    con, root = world
    delivered = root / "in" / "accounts.csv"
    completed_run(con, params(root, accounts_csv(delivered, 100)), "r1")
    accounts_csv(delivered, 90, first=10)  # 10 paid off, the rest unchanged
    p = params(root, delivered, replace=True)
    start_run(con, "r2", as_of=AS_OF, params={})
    stages.ingest(con, p, "r2")
    found = stages.check_delivery(con, p, "r2")
    assert found["accounts"]["removed"] == 10 and found["accounts"]["previous"] == 100
    with pytest.raises(ShrinkError, match=r"10 of the 100 accounts .* max_shrink 5%"):
        stages.check_delivery(con, params(root, delivered, replace=True, max_shrink=0.05), "r2")


def _contacts(con: duckdb.DuckDBPyConnection, run_id: str, n: int) -> None:
    con.execute(
        "INSERT INTO contact_points (run_id, account_id, contact_type, contact_key, rank, role, "
        "status, confidence) SELECT ?, 'A' || i, 'phone', '+1518555' || lpad(i::VARCHAR, 4, '0'), "
        "1, 'debtor', 'new', 0.9 FROM range(?) t(i)",
        [run_id, n],
    )


def test_contacts_removed_before_emit_are_refused(world, caplog: pytest.LogCaptureFixture) -> None:
    con, root = world
    p = params(root, accounts_csv(root / "in" / "accounts.csv", 5))
    for run_id in ("r1", "r2"):
        start_run(con, run_id, as_of=AS_OF, params={})
    finish_run(con, "r1", "completed")
    _contacts(con, "r1", 100)
    _contacts(con, "r2", 79)  # 21 of 100 gone
    with pytest.raises(ShrinkError) as err:
        stages.check_contacts(con, p, "r2")
    message = one_line_with_override(err.value)
    assert "remove 21 of the 100 contacts of run r1 (21.0%)" in message
    assert "nothing was exported" in message
    # allowed, the run goes on and exports: its warning does not say nothing was exported
    with caplog.at_level("WARNING", logger="skiptrace"):
        stages.check_contacts(con, params(root, p.accounts, allow_shrink=True), "r2")
    assert "allowed by allow_shrink" in caplog.text and "nothing was exported" not in caplog.text
    con.execute("DELETE FROM contact_points WHERE run_id = 'r2'")
    _contacts(con, "r2", 80)
    assert stages.check_contacts(con, p, "r2")["removed"] == 20


def test_redelivery_after_purge_loads_again(world) -> None:
    """After purge, the same file was skipped as already loaded (0 rows read) and the run then
    removed everything; now purge records the file as purged and the re-delivery loads."""
    con, root = world
    delivered = accounts_csv(root / "in" / "accounts.csv", 120)
    completed_run(con, params(root, delivered), "r1")
    _contacts(con, "r1", 120)
    result = purge(con, "1d", now=dt.datetime.now() + dt.timedelta(days=30))
    assert [f.accounts_rows for f in result.files] == [120]
    status = con.execute("SELECT status FROM input_files").fetchall()
    assert status == [("purged",)]
    start_run(con, "r2", as_of=AS_OF, params={})
    ingested = stages.ingest(con, params(root, delivered), "r2")
    assert ingested.rows_in == 120 and ingested.rows_out == 120
    assert sql.rows(con, "guards/accounts_removed.sql", prev_run_id="r1")[0]["removed"] == 0
    # and without the re-delivery the contact guard stops the empty run before emit
    start_run(con, "r3", as_of=AS_OF, params={})
    with pytest.raises(ShrinkError, match="remove 120 of the 120 contacts"):
        stages.check_contacts(con, params(root, delivered), "r3")


# --------------------------------------------------------------------------- HMAC key


@pytest.fixture
def no_key_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SKIPTRACE_HMAC_KEY", raising=False)
    monkeypatch.delenv("SKIPTRACE_KEY_FILE", raising=False)


def test_key_lives_next_to_the_database_whatever_the_working_directory(
    world, no_key_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    con, root = world
    db = root / "db" / "st.duckdb"
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    fingerprint = guards.check_key(con, db, "r1")
    key_file = root / "db" / "hmac.key"
    assert key_file.is_file() and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert not (elsewhere / "data").exists()
    key = key_file.read_bytes().strip()
    assert fingerprint == pii.key_fingerprint(key) and key.hex() not in fingerprint
    # ingest hashes with that key, found from the connection's database, not from the cwd
    p = params(root, accounts_csv(root / "in" / "accounts.csv", 3))
    stages.ingest(con, p, "r1")
    (got,) = con.execute("SELECT ssn_hash FROM accounts WHERE account_id = 'A00000'").fetchone()
    assert got == pii.hmac_ssn("100-10-1000", key)
    monkeypatch.chdir(root)
    assert guards.check_key(con, db, "r2") == fingerprint  # same key from another directory


def test_run_with_another_key_is_refused(
    world, no_key_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    con, root = world
    db = root / "db" / "st.duckdb"
    guards.check_key(con, db, "r1")
    monkeypatch.setenv("SKIPTRACE_HMAC_KEY", "a-different-key-0123456789")
    with pytest.raises(KeyMismatchError) as err:
        guards.check_key(con, db, "r2")
    assert err.value.exit_code == 6 and "\n" not in str(err.value)
    assert "$SKIPTRACE_HMAC_KEY" in str(err.value)
    assert "a-different-key" not in str(err.value)  # the key itself is never printed
    monkeypatch.delenv("SKIPTRACE_HMAC_KEY")
    other = root / "other.key"
    other.write_text("another-key-file-0123456789\n")
    monkeypatch.setenv("SKIPTRACE_KEY_FILE", str(other))  # still honoured, and still checked
    with pytest.raises(KeyMismatchError, match=r"other\.key"):
        guards.check_key(con, db, "r3")


def test_database_with_hashes_but_no_key_is_refused_not_rekeyed(world, no_key_env: None) -> None:
    """A database hashed under the old cwd-relative key: no new key is created beside it."""
    con, root = world
    db = root / "db" / "st.duckdb"
    con.execute(
        "INSERT INTO accounts (file_no, line_no, account_id, ssn_hash) VALUES (1, 2, 'A', 'f')"
    )
    with pytest.raises(KeyMissingError) as err:
        guards.check_key(con, db, "r1")
    assert err.value.exit_code == 3 and str(root / "db" / "hmac.key") in str(err.value)
    assert not (root / "db" / "hmac.key").exists()


# --------------------------------------------------------------------------- writable


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """Make `path` unwritable for this process, root included (immutable flag for root, whose
    writes ignore permission bits)."""
    if os.geteuid() == 0:
        if not shutil.which("chattr"):
            pytest.skip("running as root without chattr: cannot make a path read-only")
        done = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"chattr +i not supported here: {done.stderr.decode().strip()}")
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o500 if path.is_dir() else 0o400)
        try:
            yield
        finally:
            path.chmod(mode)


def test_read_only_output_folder_is_found_before_the_run(world) -> None:
    _, root = world
    p = params(root, accounts_csv(root / "in" / "accounts.csv", 3))
    guards.preflight(p)  # writable: passes, and creates the output root
    with read_only(root / "out"), pytest.raises(NotWritableError) as err:
        guards.preflight(p)
    assert err.value.exit_code == 3 and f"output folder {root / 'out'}" in str(err.value)
    assert "--out" in str(err.value)


def test_read_only_database_is_found_before_the_run(world) -> None:
    con, root = world
    con.close()
    p = params(root, accounts_csv(root / "in" / "accounts.csv", 3))
    with read_only(root / "db" / "st.duckdb"), pytest.raises(NotWritableError, match="--db"):
        guards.preflight(p)
    with read_only(root / "db"), pytest.raises(NotWritableError, match="database folder"):
        guards.preflight(p)


def test_command_line_reports_an_unwritable_output_folder_in_one_line(world) -> None:
    """Found before Prefect starts: one line, exit code 3, no traceback, nothing run."""
    import sys

    _, root = world
    accounts = accounts_csv(root / "in" / "accounts.csv", 3)
    (root / "out").mkdir()
    with read_only(root / "out"):
        done = subprocess.run(
            [
                sys.executable, "-m", "skiptrace", "run", "--accounts", str(accounts),
                "--sources", str(root / "sources.yml"), "--db", str(root / "db" / "st.duckdb"),
                "--out", str(root / "out"),
            ],
            capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    assert done.returncode == 3, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("skiptrace: ")]
    assert line.startswith(f"skiptrace: error: output folder {root / 'out'} is not writable")


# --------------------------------------------------------------------------- guardrails (ops audit)


def _warnings(con: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT stage, message FROM run_warnings WHERE run_id = ? ORDER BY recorded_at", [run_id]
    ).fetchall()


def test_an_allowed_shrink_is_a_run_warning(world) -> None:
    """--allow-shrink let a header-only export through with two WARNING log lines and exit 0;
    what it lets through is now a run warning (run_summary.json, the report, exit 7)."""
    con, root = world
    delivered = root / "in" / "accounts.csv"
    completed_run(con, params(root, accounts_csv(delivered, 200)), "r1")
    delivered.write_text(HEADER + "\n")
    p = params(root, delivered, replace=True, allow_shrink=True)
    start_run(con, "r2", as_of=AS_OF, params={})
    stages.ingest(con, p, "r2")
    stages.check_delivery(con, p, "r2")
    ((stage, message),) = _warnings(con, "r2")
    assert stage == guards.ALLOWED_STAGE
    assert message.startswith("allowed by allow_shrink (--allow-shrink): this delivery would ")
    assert "remove 200 of the 200 accounts of run r1" in message


def test_gradual_shrinkage_is_refused_against_the_window(world) -> None:
    """797 -> 680 -> 580 accounts (snapshot exports): each night under 20% of the night
    before, 27% over two nights. The second night is refused against the largest of the last
    shrink_window completed runs; an allowed shrink is where the window starts again."""
    con, root = world
    profile = root / "snapshot.yml"
    profile.write_text("delivery: snapshot\n")

    def night(run_id: str, n: int, **kw: Any) -> RefreshParams:
        p = params(
            root, accounts_csv(root / "in" / f"accounts_{run_id}.csv", n), profile=profile, **kw
        )
        start_run(con, run_id, as_of=AS_OF, params={})
        stages.ingest(con, p, run_id)
        return p

    completed_run(
        con, params(root, accounts_csv(root / "in" / "a1.csv", 797), profile=profile), "r1"
    )
    p = night("r2", 680)
    assert stages.check_delivery(con, p, "r2")["accounts"]["removed"] == 117  # 14.7%: passes
    finish_run(con, "r2", "completed")
    p = night("r3", 580)  # 14.7% fewer than r2, 27.2% fewer than r1
    with pytest.raises(ShrinkError) as err:
        stages.check_delivery(con, p, "r3")
    message = one_line_with_override(err.value)
    assert "leave 580 accounts, 27.2% fewer than the 797 of run r1" in message
    assert "last 2 completed runs (shrink_window 7)" in message
    # the previous run only, as before: passes
    assert stages.check_delivery(con, p.model_copy(update={"shrink_window": 1}), "r3")
    # meant (a portfolio sold): allowed once, recorded, and the window starts again there
    allowed = p.model_copy(update={"allow_shrink": True})
    assert stages.check_delivery(con, allowed, "r3")["window"]["baseline_run_id"] == "r1"
    assert [s for s, _ in _warnings(con, "r3")] == [guards.ALLOWED_STAGE]
    finish_run(con, "r3", "completed")
    p = night("r4", 575)
    assert "window" not in stages.check_delivery(con, p, "r4")


def test_window_applies_to_contacts_before_emit(world) -> None:
    con, root = world
    p = params(root, accounts_csv(root / "in" / "accounts.csv", 5))
    for run_id, n in (("r1", 100), ("r2", 86), ("r3", 74)):
        start_run(con, run_id, as_of=AS_OF, params={})
        _contacts(con, run_id, n)
        if run_id != "r3":
            finish_run(con, run_id, "completed")
    with pytest.raises(ShrinkError, match=r"leave 74 contacts, 26.0% fewer than the 100 of run r1"):
        stages.check_contacts(con, p, "r3")


def one_vendor_record(root: Path, pattern: str) -> Path:
    """in/vendor.csv with one person record, the only source of sources.yml (its files:
    `pattern`); returns the file."""
    vendor = root / "in" / "vendor.csv"
    vendor.parent.mkdir()
    vendor.write_text("record_id,first_name,last_name\nV1,Pat,Lee\n")
    (root / "sources.yml").write_text(
        f"- {{name: vend, kind: person_records, path: {pattern}, format: csv, reliability: 0.8,"
        " permissible_purpose: test, columns: {record_id: record_id, first_name: first_name,"
        " last_name: last_name}}\n"
    )
    return vendor


def test_a_night_of_files_loaded_before_is_a_warning(world) -> None:
    """Yesterday's export re-sent under tonight's name: every file a skipped duplicate, an empty
    delta and exit 0. Now a run warning (exit 7). One new file among old ones is a normal night."""
    con, root = world
    one_vendor_record(root, "in/vendor.csv")
    first = accounts_csv(root / "in" / "accounts_1101.csv", 50)
    completed_run(con, params(root, first), "r1")
    assert _warnings(con, "r1") == []
    resent = root / "in" / "accounts_1102.csv"
    shutil.copy(first, resent)
    start_run(con, "r2", as_of=AS_OF, params={})
    stages.ingest(con, params(root, resent), "r2")
    assert _warnings(con, "r2") == [
        (
            "ingest",
            (
                "nothing new was delivered: every file was loaded before (accounts_1102.csv, vendor.csv)"
            ),
        )
    ]
    # tonight the accounts are new and the vendor file is last night's: nothing to say
    start_run(con, "r3", as_of=AS_OF, params={})
    stages.ingest(
        con, params(root, accounts_csv(root / "in" / "accounts_1103.csv", 50, first=9)), "r3"
    )
    assert _warnings(con, "r3") == []


def test_a_night_of_copies_in_other_bytes_is_a_warning(world) -> None:
    """Last night's files re-sent with CRLF line ends and gzipped: before, both loaded again
    (other sha256s), every record twice. Now each is skipped as the loaded file it copies, and
    the night is one that delivered nothing new (exit 7)."""
    import gzip

    con, root = world
    vendor = one_vendor_record(root, "in/vendor*.csv")
    first = accounts_csv(root / "in" / "accounts_1101.csv", 50)
    completed_run(con, params(root, first), "r1")
    resent = root / "in" / "accounts_1102.csv"
    resent.write_bytes(first.read_bytes().replace(b"\n", b"\r\n"))
    vendor.with_name("vendor.csv.gz").write_bytes(gzip.compress(vendor.read_bytes()))
    start_run(con, "r2", as_of=AS_OF, params={})
    st = stages.ingest(con, params(root, resent), "r2")
    assert [f["status"] for f in st.details["files"]] == ["skipped_duplicate"] * 3
    assert _warnings(con, "r2") == [
        (
            "ingest",
            "nothing new was delivered: every file was loaded before "
            "(accounts_1102.csv, vendor.csv, vendor.csv.gz)",
        )
    ]


def test_a_standing_override_in_a_deployment_is_ignored_and_said() -> None:
    p = RefreshParams(accounts=Path("a.csv"), sources=Path("s.yml"), allow_shrink=True)
    kept, note = guards.without_standing_override(p, {"params": {"allow_shrink": True}})
    assert kept.allow_shrink is False and note and "every night" in note
    # a custom run of a deployment without it: the one-run override stands
    assert guards.without_standing_override(p, {"params": {"allow_shrink": False}}) == (p, None)
    assert guards.without_standing_override(p, None) == (p, None)
