"""Inbox layout, pickup by glob, and filing of processed / quarantined files."""

from __future__ import annotations

from pathlib import Path

from skiptrace.flows.orchestration.inbox import (
    InboxFile,
    ensure_layout,
    move_processed,
    move_quarantined,
    pending_accounts,
    pending_for_source,
    return_to_inbox,
    source_for_file,
    unmatched_files,
)
from skiptrace.sources.registry import Registry, Source


def _registry(tmp_path: Path) -> Registry:
    src = Source(
        name="acme",
        kind="vendor_batch",
        path="batches/acme_*.psv",
        format="psv",
        reliability=0.8,
        permissible_purpose="collection of an account",
        base_dir=tmp_path,
    )
    return Registry(sources=[src])


def test_pickup_and_filing(tmp_path: Path) -> None:
    reg = _registry(tmp_path)
    root = tmp_path / "drop"
    ensure_layout(root, reg)
    (root / "inbox" / "acme" / "acme_2.psv").write_text("A|B\n")
    (root / "inbox" / "acme" / "acme_1.psv").write_text("A|B\n")
    (root / "inbox" / "acme" / "notes.txt").write_text("not a batch")
    (root / "inbox" / "accounts" / "accounts_20261101.csv").write_text("account_id\n1\n")
    source = reg.sources[0]
    files = pending_for_source(root, source)
    assert [p.name for p in files] == ["acme_1.psv", "acme_2.psv"]
    assert [p.name for p in pending_accounts(root)] == ["accounts_20261101.csv"]
    one = source_for_file(source, files[0])
    assert one.files() == [files[0].resolve()]

    done = move_processed(root, InboxFile("acme", files[0]), "run-1")
    assert done == root / "processed" / "run-1" / "acme" / "acme_1.psv" and done.exists()
    bad = move_quarantined(root, InboxFile("acme", files[1]), "missing columns ['PHONE1']", "run-1")
    assert bad.exists() and not files[1].exists()
    reason = bad.with_name(bad.name + ".reason.txt").read_text()
    assert "missing columns" in reason and "run-1" in reason
    assert [p.name for p in pending_for_source(root, source)] == []


def test_same_name_redelivery_does_not_overwrite(tmp_path: Path) -> None:
    reg = _registry(tmp_path)
    root = tmp_path / "drop"
    ensure_layout(root, reg)
    for _ in range(2):
        f = root / "inbox" / "acme" / "acme_1.psv"
        f.write_text("A|B\n")
        move_quarantined(root, InboxFile("acme", f), "bad", "r")
    names = sorted(p.name for p in (root / "quarantine" / "acme").iterdir())
    assert names == [
        "acme_1.1.psv",
        "acme_1.1.psv.reason.txt",
        "acme_1.psv",
        "acme_1.psv.reason.txt",
    ]


def test_filed_copies_are_private(tmp_path: Path, monkeypatch) -> None:
    """A vendor drops files world-readable; filed under processed/ or quarantine/ they are the
    owner's only (issue 19 case 5), the new folders too."""
    import os
    import stat

    monkeypatch.delenv("SKIPTRACE_FILE_MODE", raising=False)
    reg = _registry(tmp_path)
    root = tmp_path / "drop"
    ensure_layout(root, reg)
    files = []
    for name in ("acme_1.psv", "acme_2.psv"):
        f = root / "inbox" / "acme" / name
        f.write_text("A|123-45-6789\n")
        os.chmod(f, 0o644)
        files.append(f)
    done = move_processed(root, InboxFile("acme", files[0]), "run-1")
    bad = move_quarantined(root, InboxFile("acme", files[1]), "bad", "run-1")
    reason = bad.with_name(bad.name + ".reason.txt")
    for path in (done, bad, reason):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((root / "processed" / "run-1").stat().st_mode) == 0o700


def test_a_refused_runs_files_go_back_to_the_inbox(tmp_path: Path) -> None:
    """A refused run changes nothing: what it filed under processed/<run_id>/ waits again."""
    reg = _registry(tmp_path)
    root = tmp_path / "drop"
    ensure_layout(root, reg)
    batch = root / "inbox" / "acme" / "acme_1.psv"
    batch.write_text("A|B\n")
    export = root / "inbox" / "accounts" / "accounts_20261101.csv"
    export.write_text("account_id\n1\n")
    move_processed(root, InboxFile("acme", batch), "run-2")
    move_processed(root, InboxFile("accounts", export), "run-2")
    back = return_to_inbox(root, "run-2")
    assert sorted(p.name for p in back) == ["accounts_20261101.csv", "acme_1.psv"]
    assert [p.name for p in pending_accounts(root)] == ["accounts_20261101.csv"]
    assert [p.name for p in pending_for_source(root, reg.sources[0])] == ["acme_1.psv"]
    assert not (root / "processed" / "run-2").exists()
    assert return_to_inbox(root, "run-never") == []


def test_a_file_named_with_an_ssn_is_set_aside_before_it_is_read(tmp_path: Path) -> None:
    """An inbox file named `accounts_<an SSN>.csv`: quarantined before it is read, under a name
    with the number masked, and no message, reason file, warning or table of the run names it;
    the run goes on with the other files."""
    from skiptrace import sql
    from skiptrace.flows.audit.runs import start_run
    from skiptrace.flows.orchestration import stages
    from skiptrace.flows.orchestration.params import RefreshParams

    (tmp_path / "sources.yml").write_text("[]\n")
    root = tmp_path / "drop"
    (root / "inbox" / "accounts").mkdir(parents=True)
    header = "account_id,first_name,last_name\n"
    (root / "inbox" / "accounts" / "accounts_531770021.csv").write_text(header + "A9,Bo,Ng\n")
    (root / "inbox" / "accounts" / "accounts.csv").write_text(header + "A1,Ann,Lee\n")
    params = RefreshParams(
        sources=tmp_path / "sources.yml", inbox=root, db=tmp_path / "i.duckdb", out=tmp_path / "o"
    )
    con = sql.connect(params.db)
    start_run(con, "r-inbox", as_of=params.as_of, params={})
    st = stages.ingest(con, params, "r-inbox")

    (failed,) = st.details["quarantined_files"]
    assert failed["path"].endswith("accounts/accounts_xxxxx0021.csv")
    assert "SSN-shaped" in failed["reason"] and "accounts_*****0021.csv" in failed["reason"]
    moved = root / "quarantine" / "accounts" / "accounts_xxxxx0021.csv"
    assert moved.read_text() == header + "A9,Bo,Ng\n"  # set aside whole, never read
    reason = moved.with_name(moved.name + ".reason.txt").read_text()
    assert "file: accounts_xxxxx0021.csv" in reason
    (warning,) = [r[0] for r in con.execute("SELECT message FROM run_warnings").fetchall()]
    assert "accounts_xxxxx0021.csv" in warning
    assert [r[0] for r in con.execute("SELECT file_name FROM input_files").fetchall()] == [
        "accounts.csv"
    ]
    con.execute("CHECKPOINT")
    con.close()
    texts = [params.db.read_bytes(), reason.encode(), str(st.details).encode()]
    assert not any(b"531770021" in t for t in texts)
    assert not any("531770021" in p.name for p in root.rglob("*"))


def test_files_no_glob_matches_are_named(tmp_path: Path) -> None:
    """A source's glob also takes its files gzipped; what it does not match, and whatever lies
    in a folder named after no source, stays in the inbox and is named, one line a folder (an
    SSN-shaped number in a name masked). Before, such files sat there unmentioned."""
    reg = _registry(tmp_path)
    root = tmp_path / "drop"
    ensure_layout(root, reg)
    acme = root / "inbox" / "acme"
    for name in ("acme_1.psv", "acme_2.psv.gz", "acme-3.psv", "notes_531770021.txt", ".part"):
        (acme / name).write_text("A|B\n")
    (root / "inbox" / "acmee").mkdir()
    (root / "inbox" / "acmee" / "acme_4.psv").write_text("A|B\n")
    (root / "inbox" / "accounts" / "accounts_20261101.csv").write_text("account_id\n1\n")
    pending = pending_for_source(root, reg.sources[0])
    assert [p.name for p in pending] == ["acme_1.psv", "acme_2.psv.gz"]
    (acme / "acme_1.psv.gz").write_text("A|B\n")  # each inbox file is loaded alone
    assert source_for_file(reg.sources[0], pending[0]).files() == [pending[0].resolve()]
    (acme / "acme_1.psv.gz").unlink()
    assert unmatched_files(root, reg) == [
        "left in the inbox, not matching acme_*.psv or acme_*.psv.gz: "
        "inbox/acme/acme-3.psv, inbox/acme/notes_*****0021.txt",
        "left in the inbox, in a folder no source reads: inbox/acmee/acme_4.psv",
    ]


def test_a_night_whose_files_the_globs_miss_says_so(tmp_path: Path) -> None:
    """Night 2 re-sends the accounts under a new name, the people file gzipped (read: the glob
    takes `.gz`; skipped, its content is loaded) and a dated people file the glob misses. Before,
    the dated file stayed in the inbox unmentioned and the run said nothing new was delivered.
    Now a warning names it, and the night is one on which nothing new was *loaded*."""
    import gzip
    import shutil

    from skiptrace import sql
    from skiptrace.flows.audit.runs import finish_run, start_run
    from skiptrace.flows.orchestration import stages
    from skiptrace.flows.orchestration.params import RefreshParams

    (tmp_path / "sources.yml").write_text(
        "- {name: people, kind: person_records, path: people.csv, format: csv, reliability: 0.8,"
        " permissible_purpose: test, columns: {record_id: id, first_name: first, last_name: last}}\n"
    )
    root = tmp_path / "drop"
    for folder in ("accounts", "people"):
        (root / "inbox" / folder).mkdir(parents=True)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text("account_id,first_name,last_name\nA1,Ann,Lee\n")
    people = tmp_path / "people.csv"
    people.write_text("id,first,last\nP1,Ann,Lee\n")
    shutil.copy(accounts, root / "inbox" / "accounts" / "accounts_1101.csv")
    shutil.copy(people, root / "inbox" / "people" / "people.csv")
    params = RefreshParams(
        sources=tmp_path / "sources.yml", inbox=root, db=tmp_path / "i.duckdb", out=tmp_path / "o"
    )
    con = sql.connect(params.db)
    start_run(con, "r1", as_of=params.as_of, params={})
    stages.ingest(con, params, "r1")
    finish_run(con, "r1", "completed")

    shutil.copy(accounts, root / "inbox" / "accounts" / "accounts_1102.csv")
    (root / "inbox" / "people" / "people.csv.gz").write_bytes(gzip.compress(people.read_bytes()))
    (root / "inbox" / "people" / "people_20261102.csv").write_text("id,first,last\nP2,Bo,Ng\n")
    start_run(con, "r2", as_of=params.as_of, params={})
    st = stages.ingest(con, params, "r2")
    assert [Path(f["path"]).name for f in st.details["files"]] == [
        "accounts_1102.csv",
        "people.csv.gz",
    ]
    warnings = {r[0] for r in con.execute("SELECT message FROM run_warnings").fetchall()}
    assert warnings == {
        "left in the inbox, not matching people.csv or people.csv.gz: "
        "inbox/people/people_20261102.csv",
        "nothing new was loaded: every file read was loaded before (accounts_1102.csv, "
        "people.csv.gz); 1 file(s) left in the inbox were not read: their names match no "
        "source's glob",
    }
    assert (root / "inbox" / "people" / "people_20261102.csv").exists()
    con.close()
