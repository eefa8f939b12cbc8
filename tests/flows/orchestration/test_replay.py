"""Replay: a run's inputs are restored in a scratch copy and its contacts re-derived and compared."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
import pytest

from skiptrace import sql
from skiptrace.flows.orchestration.replay import (
    ReplayContext,
    ReplayError,
    compare_runs,
    replay_run,
)
from tests.flows.audit.test_lineage import RUN, build_cases, put
from tests.pipeline import portfolio_params


@pytest.fixture
def db(tmp_path: Path, migrated_template: Path) -> Path:
    """The lineage cases in a database file; since the run, file 5 was superseded by file 6.
    The file starts as a copy of the session's migrated database (tests/conftest.py), not a
    new one every migration is applied to (0.3-0.5 s for each of the ten tests)."""
    path = tmp_path / "live.duckdb"
    shutil.copyfile(migrated_template, path)
    con = sql.connect(path)
    build_cases(con)
    con.execute("UPDATE input_files SET status = 'superseded' WHERE file_no = 5")
    put(con, "input_files", [
        {"file_no": 6, "run_id": "20261201T000000Z-bbbb", "source": "vendorx",
         "kind": "vendor_batch", "file_name": "vendorx_return_2.csv", "status": "loaded",
         "loaded_at": dt.datetime(2026, 12, 1)},
    ])  # fmt: skip
    put(
        con,
        "source_records",
        [{"rec_id": 6 * 10**10 + 2, "file_no": 6, "line_no": 2, "source": "vendorx"}],
    )
    con.close()
    return path


def copy_contacts(con: duckdb.DuckDBPyConnection, ctx: ReplayContext) -> None:
    """A stand-in for the stages: checks it sees the run's inputs, reproduces the contacts."""
    current = con.execute(
        "SELECT DISTINCT file_no FROM current_source_records ORDER BY 1"
    ).fetchall()
    assert [r[0] for r in current] == [2, 3, 4, 5]  # file 5 restored, file 6 hidden
    assert ctx.as_of == dt.date(2026, 11, 1) and ctx.replay_run_id.startswith(f"{RUN}-replay-")
    for table in ("contact_points", "match_pairs", "suppressions", "account_flags"):
        con.execute(
            f"INSERT INTO {table} SELECT * REPLACE (? AS run_id) FROM {table} WHERE run_id = ?",
            [ctx.replay_run_id, ctx.run_id],
        )


def record_default_rules(db: Path) -> None:
    """The run recorded the shipped default rules, as a run since migration 106 does."""
    from skiptrace.flows.audit.run_config import read_rules, record_config

    con = sql.connect(db)
    record_config(con, RUN, read_rules(None))
    con.close()


def test_identical_replay_leaves_the_live_database_alone(db: Path) -> None:
    record_default_rules(db)
    result = replay_run(db, RUN, runner=copy_contacts)
    assert result.identical and result.contact_differences == 0 and result.pair_differences == 0
    assert result.verified and result.by_kind == {}
    assert result.contacts_original == result.contacts_replay == 7
    assert "IDENTICAL" in result.summary() and result.workdir is None
    assert "re-applied the shipped default rules as the run recorded them" in result.summary()
    con = sql.connect(db, read_only=True)
    statuses = con.execute("SELECT file_no, status FROM input_files ORDER BY 1").fetchall()
    assert statuses[4:] == [(5, "superseded"), (6, "loaded")]
    assert con.execute("SELECT count(*) FROM runs WHERE run_id LIKE '%replay%'").fetchall() == [
        (0,)
    ]
    con.close()


def test_differences_are_listed_masked(db: Path, tmp_path: Path) -> None:
    def drift(con: duckdb.DuckDBPyConnection, ctx: ReplayContext) -> None:
        copy_contacts(con, ctx)
        con.execute(
            "UPDATE contact_points SET confidence = confidence + 1e-6 WHERE run_id = ?"
            " AND contact_type = 'phone' AND role = 'debtor' AND account_id = 'A1'",
            [ctx.replay_run_id],
        )
        con.execute(
            "DELETE FROM contact_points WHERE run_id = ? AND contact_type = 'email'",
            [ctx.replay_run_id],
        )

    result = replay_run(db, RUN, runner=drift, keep=True, workdir=tmp_path)
    assert not result.identical and result.contact_differences == 2
    changes = {(d["change"], d["contact_key"]) for d in result.differences}
    assert changes == {("changed", "***-***-0123"), ("missing", "m***@example.com")}
    changed = next(d for d in result.differences if d["change"] == "changed")
    assert changed["confidence_replay"] - changed["confidence_original"] == pytest.approx(1e-6)
    assert result.by_kind == {"contact confidence changed": 1, "contact missing": 1}
    text = result.summary()
    assert "DIFFERENT" in text and "confidence 0.81 -> 0.810001" in text
    assert "6175550123" not in text and "mary.debt" not in text
    assert result.workdir and Path(result.workdir, "replay.duckdb").is_file()


def test_noise_below_1e9_is_not_a_difference(db: Path) -> None:
    con = sql.connect(db)
    con.execute(
        "INSERT INTO contact_points SELECT * REPLACE ('other' AS run_id, confidence + 1e-12 AS confidence)"
        " FROM contact_points WHERE run_id = ?",
        [RUN],
    )
    assert compare_runs(con, RUN, "other").contact_differences == 0
    con.close()


def test_runs_that_cannot_be_replayed(db: Path) -> None:
    with pytest.raises(ReplayError, match="not found"):
        replay_run(db, "nope", runner=copy_contacts)
    con = sql.connect(db)
    put(con, "purge_log", [{"file_no": 2, "purged_at": dt.datetime(2030, 1, 1)}])
    con.close()
    with pytest.raises(ReplayError, match="purged") as raised:
        replay_run(db, RUN, runner=copy_contacts)
    # the files by name and loaded date, sorted by name (not "file(s) 2"); purged when
    assert "input file(s) credhdr_2026-10.csv (loaded 2026-11-01, purged 2030-01-01) were" in str(
        raised.value
    )
    con = sql.connect(db)
    put(con, "purge_log", [{"file_no": 1, "purged_at": dt.datetime(2030, 1, 1)}])
    con.close()
    with pytest.raises(ReplayError, match="purged") as raised:
        replay_run(db, RUN, runner=copy_contacts)
    assert "accounts_2026-11.csv (loaded 2026-11-01, purged 2030-01-01), credhdr_2026-10.csv" in (
        str(raised.value)
    )
    con = sql.connect(db)
    con.execute("DELETE FROM run_inputs")
    con.close()
    with pytest.raises(ReplayError, match="no recorded inputs"):
        replay_run(db, RUN, runner=copy_contacts)


@pytest.mark.slow
def test_real_pipeline_replays_identically_with_complete_lineage(
    tiny_portfolio, tmp_path: Path, migrated_template: Path
) -> None:
    """The real stages on a generated portfolio: every contact traces back, and replay agrees.
    The 80-account portfolio (30 of its accounts have a guarded pair) runs every stage twice
    (the run, then its replay) for less than the 300-account one did."""
    import re

    from skiptrace.flows.audit.lineage import (
        explain_account,
        lineage_gaps,
        record_run_inputs,
        to_json,
    )
    from skiptrace.flows.audit.runs import finish_run, start_run
    from skiptrace.flows.orchestration import stages
    from skiptrace.flows.report.run_report import write_report

    params = portfolio_params(tiny_portfolio, tmp_path / "st.duckdb")
    run_id = "20261101T000000Z-real"
    shutil.copyfile(migrated_template, params.db)  # the session's migrated database
    con = sql.connect(params.db)
    start_run(con, run_id, as_of=params.as_of, params=params.model_dump(mode="json"))
    stages.ingest(con, params, run_id)
    assert record_run_inputs(con, run_id) > 1
    stages.standardize(con, run_id)
    stages.match(con, run_id)
    stages.resolve(con, run_id, params.as_of)
    stages.suppress(con, run_id, params.as_of)
    finish_run(con, run_id, "completed")
    assert lineage_gaps(con, run_id) == []
    accounts = [r[0] for r in con.execute(
        "SELECT DISTINCT account_id FROM match_pairs WHERE run_id = ? AND guard IS NOT NULL"
        " ORDER BY 1 LIMIT 3", [run_id]).fetchall()]  # fmt: skip
    assert len(accounts) == 3
    for account_id in accounts:
        doc = to_json(explain_account(con, account_id))
        assert '"waterfall_from": "matchers.explain"' in doc
        assert not re.search(r"\b\d{3}-\d{2}-\d{4}\b", doc)
    html = write_report(con, run_id, params.out).read_text()
    assert "Every contact traces back" in html
    con.close()
    result = replay_run(params.db, run_id)
    assert result.identical, result.summary()


def test_an_archived_run_replays_from_its_files(db: Path) -> None:
    """`skiptrace archive` moved the run's rows out of the database: the replay restores them
    into its scratch copy from the verified files and compares as before; the live database
    and its archive stay as they were."""
    from skiptrace.flows.audit.archive import archive_root, archive_runs

    con = sql.connect(db)
    con.execute(
        "INSERT INTO runs (run_id, as_of, started_at, status)"
        " VALUES ('20261202T000000Z-newr', DATE '2026-12-02', TIMESTAMP '2026-12-02', 'completed')"
    )
    assert RUN in [r.run_id for r in archive_runs(con, db, keep=1).runs]
    con.close()
    result = replay_run(db, RUN, runner=copy_contacts)
    assert result.identical and result.contacts_original == result.contacts_replay == 7
    con = sql.connect(db, read_only=True)
    try:
        assert con.execute(
            "SELECT count(*) FROM contact_points WHERE run_id = ?", [RUN]
        ).fetchone() == (0,)
        assert con.execute(
            "SELECT count(*) FROM run_archives WHERE run_id = ?", [RUN]
        ).fetchone() == (1,)
    finally:
        con.close()
    assert (archive_root(db) / RUN / "contact_points.parquet").is_file()


def resuppress(con: duckdb.DuckDBPyConnection, ctx: ReplayContext) -> None:
    """A stand-in for the stages that really suppresses: the run's contacts, pairs and flags
    copied, then the replay's suppress stage as run_stages calls it."""
    from skiptrace.flows.orchestration.replay import suppress_as_recorded

    for table in ("match_pairs", "account_flags"):
        con.execute(
            f"INSERT INTO {table} SELECT * REPLACE (? AS run_id) FROM {table} WHERE run_id = ?",
            [ctx.replay_run_id, ctx.run_id],
        )
    con.execute(  # the contact points as resolve writes them, before suppression
        "INSERT INTO contact_points SELECT * REPLACE (? AS run_id, resolved_reasons AS reasons,"
        " resolved_status AS status, false AS on_hold, NULL AS dial_mode)"
        " FROM contact_points WHERE run_id = ?",
        [ctx.replay_run_id, ctx.run_id],
    )
    suppress_as_recorded(con, ctx)


@pytest.fixture
def rules_run(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """RUN suppressed with `--rules myrules.yml` (a relative path, as the audit typed it), a
    copy of the default rules; returns the rules file."""
    from skiptrace.flows.orchestration import stages
    from skiptrace.matchers.rules import DEFAULT_RULES

    monkeypatch.chdir(tmp_path)
    rules = tmp_path / "myrules.yml"
    rules.write_text(DEFAULT_RULES.read_text())
    con = sql.connect(db)
    con.execute("DELETE FROM suppressions WHERE run_id = ?", [RUN])
    con.execute(  # what resolve writes: suppress starts over from resolved_*
        "UPDATE contact_points SET resolved_reasons = reasons, resolved_status = CASE status"
        " WHEN 'suppressed' THEN 'new' ELSE status END WHERE run_id = ?",
        [RUN],
    )
    con.execute("UPDATE runs SET params = ? WHERE run_id = ?", ['{"rules": "myrules.yml"}', RUN])
    stages.suppress(con, RUN, dt.date(2026, 11, 1), Path("myrules.yml"))
    con.close()
    return rules


def turn_off_mobile_rule(rules: Path) -> None:
    """The audit's edit: mobile_without_consent no longer fires."""
    text = rules.read_text()
    i = text.index("- id: mobile_without_consent")
    j = text.index("when:", i)
    k = text.index("\n", j)
    rules.write_text(text[:j] + 'when: "false"' + text[k:])


def test_replay_applies_the_rules_the_run_recorded_not_the_edited_file(
    db: Path, rules_run: Path
) -> None:
    """The rules file edited after the run: the replay re-applies what the run applied (the
    recorded text) and reproduces it, and says the file has changed since."""
    turn_off_mobile_rule(rules_run)
    result = replay_run(db, RUN, runner=resuppress)
    assert result.identical and result.verified, result.summary()
    assert result.rules["source"] == "recorded" and result.rules["given"] == "myrules.yml"
    text = result.summary()
    assert "IDENTICAL" in text
    assert "re-applied rules file myrules.yml as the run recorded them" in text
    assert f"{rules_run} has changed since" in text


def test_a_run_without_recorded_rules_is_never_called_identical(db: Path, rules_run: Path) -> None:
    """A run from before migration 106 (no recorded rules) is replayed with the file as it is
    now: unchanged, the result is UNVERIFIED, not IDENTICAL; edited, the lost TCPA decisions
    are differences by kind (dial mode, reasons, suppression rows), not IDENTICAL as before."""
    con = sql.connect(db)
    con.execute("DELETE FROM run_config_files WHERE run_id = ?", [RUN])
    con.close()
    result = replay_run(db, RUN, runner=resuppress)
    assert result.identical and not result.verified
    assert result.verdict() == "UNVERIFIED" and "IDENTICAL" not in result.summary()
    assert "NOT VERIFIED: the run recorded no copy of its rules" in result.summary()

    turn_off_mobile_rule(rules_run)
    result = replay_run(db, RUN, runner=resuppress)
    assert not result.identical and result.verdict() == "DIFFERENT"
    assert result.suppression_differences == 2  # A1's and A3's phone: manual_dial_only gone
    assert result.by_kind["suppression missing"] == 2
    assert result.by_kind["contact dial_mode changed"] == 2
    assert result.by_kind["contact reasons changed"] == 2
    text = result.summary()
    assert "A1 phone ***-***-0123 (debtor) dial_mode manual -> autodialer" in text
    assert "A1 phone ***-***-0123 (debtor) mobile_without_consent → manual_dial_only" in text
    assert "6175550123" not in text


def test_every_field_a_collector_acts_on_is_compared(db: Path) -> None:
    """Hold, reasons, time zone, a suppression decision and an account flag each count, by
    kind; run_id and the confidence explanation (NOT_COMPARED) do not."""
    from skiptrace.flows.orchestration.replay import CONTACT_KEYS, NOT_COMPARED

    record_default_rules(db)

    def drift(con: duckdb.DuckDBPyConnection, ctx: ReplayContext) -> None:
        copy_contacts(con, ctx)
        rid = ctx.replay_run_id
        con.execute(
            "UPDATE contact_points SET on_hold = true, reasons = 'HOLD: x', time_zone = 'UTC',"
            " factors = '{}' WHERE run_id = ? AND account_id = 'A1' AND contact_type = 'phone'",
            [rid],
        )
        con.execute("DELETE FROM suppressions WHERE run_id = ?", [rid])
        con.execute("UPDATE account_flags SET confidence = 0.5 WHERE run_id = ?", [rid])

    result = replay_run(db, RUN, runner=drift)
    assert not result.identical and result.contact_differences == 1
    assert result.by_kind == {
        "contact on_hold changed": 1, "contact reasons changed": 1,
        "contact time_zone changed": 1, "suppression missing": 1, "flag missing": 2,
        "flag added": 2,
    }  # fmt: skip
    assert result.differences[0]["fields"] == ["time_zone", "reasons", "on_hold"]
    con = sql.connect(db, read_only=True)
    columns = {r[0] for r in con.execute("DESCRIBE contact_points").fetchall()}
    con.close()
    assert set(NOT_COMPARED) <= columns and set(CONTACT_KEYS) <= columns
    assert "dial_mode" not in NOT_COMPARED and "on_hold" not in NOT_COMPARED


def test_the_replay_command_exits_9_when_different_and_4_when_unverified(
    db: Path, rules_run: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from skiptrace import errors
    from skiptrace.flows.cli.main import app
    from skiptrace.flows.orchestration import replay as replay_module

    monkeypatch.setattr(replay_module, "run_stages", resuppress)
    runner = CliRunner()
    out = runner.invoke(app, ["replay", RUN, "--db", str(db)])
    assert out.exit_code == errors.OK and "IDENTICAL" in out.output, out.output
    con = sql.connect(db)
    con.execute("DELETE FROM run_config_files WHERE run_id = ?", [RUN])
    con.close()
    out = runner.invoke(app, ["replay", RUN, "--db", str(db)])
    assert out.exit_code == errors.INPUT and "UNVERIFIED" in out.output, out.output
    assert "cannot be verified" in out.output.splitlines()[-1]
    turn_off_mobile_rule(rules_run)
    out = runner.invoke(app, ["replay", RUN, "--db", str(db)])
    assert out.exit_code == errors.NOT_REPRODUCED and "suppression missing" in out.output


def test_the_scratch_copy_is_private_beside_the_database_and_removed(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy is the whole database: made beside it (not in the shared /tmp), in a 0700
    folder, the file 0600 whatever the umask; removed after the replay, a failed one too."""
    import os
    import stat
    import tempfile

    monkeypatch.delenv("SKIPTRACE_FILE_MODE", raising=False)
    monkeypatch.setattr(tempfile, "tempdir", str(db.parent / "shared-tmp"))  # a /tmp stand-in
    (db.parent / "shared-tmp").mkdir()
    seen: dict[str, int] = {}

    def inspect(con: duckdb.DuckDBPyConnection, ctx: ReplayContext) -> None:
        (scratch,) = [p for p in db.parent.iterdir() if p.name.startswith(".skiptrace-replay-")]
        seen["folder"] = stat.S_IMODE(scratch.stat().st_mode)
        seen["file"] = stat.S_IMODE((scratch / "replay.duckdb").stat().st_mode)
        seen["others"] = len(
            [p for p in scratch.iterdir() if stat.S_IMODE(p.stat().st_mode) & 0o077]
        )
        copy_contacts(con, ctx)

    previous = os.umask(0o022)
    try:
        record_default_rules(db)
        assert replay_run(db, RUN, runner=inspect).identical
        assert seen == {"folder": 0o700, "file": 0o600, "others": 0}

        def fail(con: duckdb.DuckDBPyConnection, ctx: ReplayContext) -> None:
            raise KeyboardInterrupt  # Ctrl-C mid-replay

        with pytest.raises(KeyboardInterrupt):
            replay_run(db, RUN, runner=fail)
    finally:
        os.umask(previous)
    assert not [p for p in db.parent.iterdir() if p.name.startswith(".skiptrace-replay-")]
    assert not list((db.parent / "shared-tmp").iterdir())
