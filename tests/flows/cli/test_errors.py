"""Configuration mistakes end as one line on stderr with a documented exit code (issue 18).

Each case goes through the real command (Typer's runner calls the same click command, error
boundary included, as the shell does); the malformed sources.yml also runs in a subprocess to
show that it fails before Prefect is even imported.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skiptrace import errors
from skiptrace.flows.cli.main import app
from skiptrace.flows.orchestration.params import RefreshParams

ROOT = Path(__file__).resolve().parents[3]

GOOD_SOURCES = """\
- name: acme
  kind: person_records
  path: acme.csv
  reliability: 0.8
  permissible_purpose: "FCRA 604(a)(3)(A): collection of an account"
"""


@pytest.fixture
def setup(tmp_path: Path) -> Path:
    (tmp_path / "sources.yml").write_text(GOOD_SOURCES)
    (tmp_path / "accounts.csv").write_text("account_id,first_name,last_name\nA1,Ann,Lee\n")
    (tmp_path / "acme.csv").write_text("record_id,first_name,last_name\nR1,Ann,Lee\n")
    return tmp_path


def _fails(args: list[str], code: int, *needles: str) -> str:
    """Run the command; assert the exit code and ONE `skiptrace: error:` line on stderr."""
    result = CliRunner().invoke(app, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == code, (result.exit_code, result.output)
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("skiptrace: error: "), lines[0]
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


def _run_args(root: Path, *extra: str) -> list[str]:
    return ["run", "--sources", str(root / "sources.yml"), "--accounts",
            str(root / "accounts.csv"), "--db", str(root / "st.duckdb"), *extra]  # fmt: skip


def test_malformed_sources_yml_names_the_file_and_line(setup: Path) -> None:
    (setup / "sources.yml").write_text("- name: acme\n  kind: person_records\n   path: [x\n")
    _fails(_run_args(setup), errors.CONFIG, str(setup / "sources.yml"), "not valid YAML", "line 3")


def test_malformed_sources_yml_fails_before_prefect_starts(setup: Path) -> None:
    """In a fresh process: exit 3, one line, and Prefect never imported (so never retried)."""
    (setup / "sources.yml").write_text("- name: acme\n  kind: [\n")
    probe = (
        "import atexit, sys\n"
        "atexit.register(lambda: print('prefect imported:', 'prefect' in sys.modules))\n"
        f"sys.argv = ['skiptrace', *{_run_args(setup)!r}]\n"
        "from skiptrace.flows.cli.main import main\n"
        "main()\n"
    )
    env = {**os.environ, "PREFECT_HOME": str(setup / "prefect-home")}
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == errors.CONFIG, done.stderr
    assert done.stderr.strip().splitlines() == [
        line for line in done.stderr.strip().splitlines() if line.startswith("skiptrace: error:")
    ]
    assert str(setup / "sources.yml") in done.stderr
    assert "prefect imported: False" in done.stdout


def test_unknown_kind_names_the_source(setup: Path) -> None:
    (setup / "sources.yml").write_text(GOOD_SOURCES.replace("person_records", "vendr_batch"))
    _fails(_run_args(setup), errors.CONFIG, "source 'acme'", "kind", "'vendr_batch'")


def test_invalid_source_field_names_the_source(setup: Path) -> None:
    (setup / "sources.yml").write_text(GOOD_SOURCES.replace("0.8", "8"))
    _fails(_run_args(setup), errors.CONFIG, "source 'acme'", "reliability")


def test_bad_profile_is_a_configuration_error(setup: Path) -> None:
    (setup / "profile.yml").write_text("columns: {account_number: ACCT}\n")
    _fails(_run_args(setup, "--profile", str(setup / "profile.yml")), errors.CONFIG, "profile.yml")
    _fails(_run_args(setup, "--profile", "no_such_profile"), errors.CONFIG, "built-in profiles")


def test_bad_rules_file_is_a_configuration_error(setup: Path) -> None:
    (setup / "rules.yml").write_text("rules: [{id: x}]\n")
    _fails(_run_args(setup, "--rules", str(setup / "rules.yml")), errors.CONFIG, "rules.yml")
    _fails(_run_args(setup, "--rules", str(setup / "none.yml")), errors.CONFIG, "--rules")


def test_missing_account_export_is_an_input_error(setup: Path) -> None:
    args = _run_args(setup)
    args[args.index("--accounts") + 1] = str(setup / "missing.csv")
    _fails(args, errors.INPUT, "missing.csv")


def test_busy_database_advises_an_option_run_has(setup: Path) -> None:
    """Another run holds the lock: exit 5 at once, and the --wait it advises exists on run."""
    from skiptrace.flows.orchestration.lock import db_lock

    with db_lock(setup / "st.duckdb", run_id="R-other"):
        line = _fails(_run_args(setup), errors.BUSY, "R-other", "--wait")
    flags = re.findall(r"--[a-z-]+", line)
    run_help = CliRunner().invoke(app, ["run", "--help"]).output
    assert flags and all(flag in run_help for flag in flags)


def test_unreachable_collections_database_fails_before_prefect(
    setup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The run's first step would pull outcomes from it: a server that does not answer is exit
    8 (retry later) at once, from the option or the environment, password never shown."""
    nowhere = "postgresql://u@/collections?host=/nonexistent"
    _fails(_run_args(setup, "--push-url", nowhere), errors.UNREACHABLE, "cannot connect")
    monkeypatch.setenv("SKIPTRACE_PUSH_URL", "postgresql://u:Secr3t@/collections?host=/nonexistent")
    line = _fails(_run_args(setup), errors.UNREACHABLE, "cannot connect", "u:***@")
    assert "Secr3t" not in line
    assert not (setup / "st.duckdb").exists()  # nothing started
    assert not (setup / "st.duckdb.lock").exists()  # nor locked: nothing left behind


def test_lineage_commands_answer_in_one_line_with_their_codes(tmp_path: Path) -> None:
    """explain, replay and the review workbench use the same boundary and codes as run."""
    from skiptrace import sql

    db = tmp_path / "st.duckdb"
    sql.connect(db).close()  # a migrated database without runs
    _fails(["explain", "A1", "--db", str(db)], errors.USAGE, "no completed run")
    _fails(["replay", "R-none", "--db", str(db)], errors.USAGE, "R-none", "not found")
    _fails(["replay", "R-none", "--db", str(tmp_path / "none.duckdb")], errors.INPUT, "none")
    _fails(["review", "--db", str(tmp_path / "none.duckdb")], errors.INPUT, "does not exist")
    _fails(["review", "--db", str(db)], errors.CONFIG, "skiptrace review user add")
    import datetime as dt

    from skiptrace.flows.audit.runs import finish_run, start_run

    con = sql.connect(db)
    start_run(con, "R-failed", as_of=dt.date(2026, 11, 1), params={})
    finish_run(con, "R-failed", "failed")
    con.close()
    _fails(["replay", "R-failed", "--db", str(db)], errors.REFUSED, "not completed")
    (tmp_path / "portfolio" / "truth").mkdir(parents=True)
    _fails(["calibrate", "--truth", str(tmp_path / "portfolio"), "--db", str(db)], errors.INPUT,
           "not a generator truth folder", "portfolio/truth")  # fmt: skip


def test_run_setup_problems_are_found_before_prefect_starts(
    setup: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing required source file, a bad file mode and another HMAC key than the database's
    used to be found inside the flow, after Prefect's start (9-13 s), each creating the database
    and a key file first."""
    (setup / "acme.csv").unlink()
    _fails(_run_args(setup), errors.INPUT, "acme", "no file matches", "optional: true")
    assert not (setup / "st.duckdb").exists()
    (setup / "acme.csv").write_text("record_id,first_name,last_name\nR1,Ann,Lee\n")

    monkeypatch.setenv("SKIPTRACE_FILE_MODE", "abc")
    _fails(_run_args(setup), errors.CONFIG, "SKIPTRACE_FILE_MODE")
    monkeypatch.delenv("SKIPTRACE_FILE_MODE")

    from skiptrace import sql
    from skiptrace.flows.orchestration.guards import check_key

    monkeypatch.setenv("SKIPTRACE_HMAC_KEY", "the key the database was made with")
    con = sql.connect(setup / "st.duckdb")
    check_key(con, setup / "st.duckdb")  # records its fingerprint
    con.close()
    monkeypatch.setenv("SKIPTRACE_HMAC_KEY", "another key, not the first")
    _fails(_run_args(setup, "--out", str(setup / "out")), errors.REFUSED, "not the key database")
    assert not (setup / "out").exists() and not (setup / "st.duckdb.lock").exists()
    monkeypatch.delenv("SKIPTRACE_HMAC_KEY")
    _fails(_run_args(setup), errors.CONFIG, "no HMAC key was found")
    assert not (setup / "hmac.key").exists()  # nothing made on the way


def test_missing_columns_are_found_before_prefect_from_the_headers(setup: Path) -> None:
    """A pipe-delimited file in a CSV source, or an export without its key column, used to be
    found by the load after Prefect's start (12-14 s), one file per attempt."""
    mapped = GOOD_SOURCES + "  columns: {record_id: ID, first_name: FIRST, last_name: LAST}\n"
    (setup / "sources.yml").write_text(mapped)
    (setup / "acme.csv").write_text("ID|FIRST|LAST\nR1|Ann|Lee\n")
    _fails(_run_args(setup), errors.INPUT, "acme.csv", "ID")
    (setup / "acme.csv").write_text("ID,FIRST,LAST\nR1,Ann,Lee\n")
    (setup / "accounts.csv").write_text("acct,first_name,last_name\nA1,Ann,Lee\n")
    _fails(_run_args(setup), errors.INPUT, "accounts.csv", "account_id")
    assert not (setup / "st.duckdb").exists()


def test_an_archive_or_empty_delivery_is_one_line_before_prefect(setup: Path) -> None:
    """A zipped account export said "missing required column(s) ...; the file has ['PK...']",
    an empty source file "...; the file has []"; both are input file errors found from the
    first bytes, before the database exists."""
    import zipfile

    with zipfile.ZipFile(setup / "accounts.csv", "w") as z:
        z.writestr("accounts.csv", "account_id,first_name,last_name\nA1,Ann,Lee\n")
    _fails(_run_args(setup), errors.INPUT, "accounts.csv: a zip archive (or Excel workbook): "
           "deliver the extracted text file")  # fmt: skip
    (setup / "accounts.csv").write_text("account_id,first_name,last_name\nA1,Ann,Lee\n")
    (setup / "acme.csv").write_bytes(b"")
    _fails(_run_args(setup), errors.INPUT, "acme.csv: the file is empty (0 bytes)")
    assert not (setup / "st.duckdb").exists()


def test_header_check_agrees_with_the_load_on_every_layout(tmp_path: Path) -> None:
    """Every file of a generated portfolio (CSV, pipe, tab, fixed width) passes the header
    check, and a file the load refuses for its columns is refused by the check with the same
    message."""
    import duckdb

    from skiptrace import sql
    from skiptrace.flows.demo.synthetic import generate_portfolio
    from skiptrace.sources.errors import MissingColumnsError
    from skiptrace.sources.ingest import (
        check_account_columns,
        check_source_columns,
        ingest_source,
    )
    from skiptrace.sources.registry import AccountProfile, load_registry

    portfolio = generate_portfolio(tmp_path / "p", accounts=20, seed=5)
    check_account_columns(portfolio.accounts_path, AccountProfile())
    registry = load_registry(portfolio.sources_path)
    formats = set()
    for source in registry.sources:
        check_source_columns(source)
        formats.add(source.format)
    assert {"csv", "psv", "tsv", "fixed_width"} <= formats
    vendor = next(s for s in registry.sources if s.format == "psv")
    path = vendor.files()[0]
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0].replace("|", ","), *lines[1:]]) + "\n")
    with pytest.raises(MissingColumnsError) as checked:
        check_source_columns(vendor)
    con: duckdb.DuckDBPyConnection = sql.connect(tmp_path / "st.duckdb")
    with pytest.raises(MissingColumnsError) as loaded:
        ingest_source(con, vendor, "r1")
    con.close()
    assert str(checked.value) == str(loaded.value)


def test_as_of_in_another_date_format(setup: Path) -> None:
    _fails(_run_args(setup, "--as-of", "11/01/2026"), errors.USAGE, "--as-of", "11/01/2026")


def test_as_of_after_tomorrow_is_refused_before_anything_is_stored(setup: Path) -> None:
    """A mistyped year would complete and then hold out/LATEST and the push on that run until
    the date came: refused with the options, nothing created. Tomorrow is allowed (the agency's
    calendar may be ahead of the machine's clock)."""
    ahead = dt.date.today() + dt.timedelta(days=2)
    line = _fails(_run_args(setup, "--as-of", ahead.isoformat()), errors.USAGE, "--as-of")
    assert "after tomorrow" in line
    assert not (setup / "st.duckdb").exists()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    assert RefreshParams(accounts=setup / "accounts.csv", sources=setup / "sources.yml",
                         as_of=tomorrow).as_of == tomorrow  # fmt: skip


@pytest.mark.parametrize("command", ["run", "serve"])
def test_threshold_out_of_range_on_run_and_serve(setup: Path, command: str) -> None:
    args = _run_args(setup, "--threshold", "5")
    args[0] = command
    _fails(args, errors.USAGE, "--threshold", "less than or equal to 1")
    args[-1] = "0"
    _fails(args, errors.USAGE, "--threshold", "greater than 0")


def test_parser_errors_are_one_line_too(setup: Path) -> None:
    _fails(_run_args(setup, "--threshold", "abc"), errors.USAGE, "--threshold")
    _fails(_run_args(setup, "--no-such-option"), errors.USAGE, "--no-such-option")
    _fails(["run", "--accounts", str(setup / "accounts.csv")], errors.USAGE, "--sources")
    _fails(["run", "--sources", str(setup / "sources.yml")], errors.USAGE, "--accounts FILE")


def test_rejects_on_a_missing_database(tmp_path: Path) -> None:
    _fails(["rejects", "--db", str(tmp_path / "none.duckdb")], errors.INPUT, "none.duckdb")
    _fails(["explain", "A1", "--db", str(tmp_path / "none.duckdb")], errors.INPUT)


def test_version() -> None:
    from skiptrace import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.stdout.strip() == f"skiptrace {__version__}"


def test_help_lists_the_exit_codes() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    for code, meaning in errors.EXIT_CODES.items():
        assert re.search(rf"\b{code}\s+{re.escape(meaning[:30])}", result.output), meaning


def test_readme_exit_codes_table_matches() -> None:
    """The README's "Exit codes" table is the one in skiptrace/errors.py."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    rows = dict(re.findall(r"^\| (\d+) \| (.+?) \|$", section, flags=re.M))
    assert {int(k): v for k, v in rows.items()} == errors.EXIT_CODES


def test_error_classes_carry_their_codes() -> None:
    from skiptrace.flows.orchestration.lock import DatabaseBusyError
    from skiptrace.sources import errors as ingest_errors

    assert ingest_errors.MissingColumnsError("f.csv", ["a"], ["b"]).exit_code == errors.INPUT
    assert ingest_errors.RegistryError("x").exit_code == errors.CONFIG
    assert ingest_errors.ProfileError("x").exit_code == errors.CONFIG
    assert ingest_errors.MappingError("x").exit_code == errors.CONFIG
    assert ingest_errors.RedeliveryError("f", "s", 1, "ab" * 32).exit_code == errors.REFUSED
    assert DatabaseBusyError("x").exit_code == errors.BUSY
    assert errors.Unreachable("x").exit_code == errors.UNREACHABLE
    assert errors.NotReproduced("x").exit_code == errors.NOT_REPRODUCED
    assert isinstance(ingest_errors.RegistryError("x"), ValueError)  # callers catching ValueError


def test_out_of_memory_is_one_line_naming_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A real DuckDB out-of-memory error ends as a configuration error naming the limit and the
    settings to change (a 1M portfolio at SKIPTRACE_DUCKDB_MEMORY=4GB does this in resolve), not
    as 'internal error ... (this is a bug)'."""
    import duckdb
    import typer

    from skiptrace.flows.cli.boundary import SkiptraceGroup

    small = typer.Typer(cls=SkiptraceGroup)

    @small.command()
    def squeeze() -> None:
        con = duckdb.connect()
        con.execute("SET memory_limit = '10MB'")
        con.execute("SELECT list(i) FROM range(5000000) t(i)").fetchall()

    @small.command()
    def other() -> None:  # two commands keep `squeeze` a subcommand
        pass

    monkeypatch.setenv("SKIPTRACE_DUCKDB_MEMORY", "10MB")
    result = CliRunner().invoke(small, ["squeeze"])
    assert result.exit_code == errors.CONFIG
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("skiptrace: error: the database ran out of memory (Out of Memory")
    assert "memory limit: 10MB" in lines[0] and "SKIPTRACE_DUCKDB_MEMORY" in lines[0]
    assert "this is a bug" not in result.stderr


def test_demo_and_generate_never_overwrite_a_folder_they_did_not_make(tmp_path: Path) -> None:
    """`demo --workdir .` used to empty the current folder (database included) without a word."""
    keep = tmp_path / "work" / "notes.txt"
    keep.parent.mkdir()
    keep.write_text("important")
    _fails(["demo", "-n", "10", "--workdir", str(keep.parent)], errors.USAGE, "not empty")
    _fails(["demo", "-n", "10", "--workdir", str(keep)], errors.USAGE, "not a folder")
    _fails(["generate", str(keep.parent), "-n", "10"], errors.USAGE, "portfolio.json")
    _fails(["generate", str(keep), "-n", "10"], errors.USAGE, "not a folder")
    assert keep.read_text() == "important"
    made = tmp_path / "gen"
    for _ in range(2):  # a folder generate made is regenerated in place
        assert CliRunner().invoke(app, ["generate", str(made), "-n", "10"]).exit_code == 0


def test_rejects_refuses_a_negative_limit_and_an_unknown_run(tmp_path: Path) -> None:
    from skiptrace import sql

    db = tmp_path / "st.duckdb"
    sql.connect(db).close()
    _fails(["rejects", "--db", str(db), "--limit", "-1"], errors.USAGE, "--limit")
    _fails(["rejects", "--db", str(db), "--run", "R-none"], errors.USAGE, "R-none", "not found")


def test_folders_given_for_files_are_named_as_such(setup: Path) -> None:
    args = _run_args(setup)
    args[args.index("--accounts") + 1] = str(setup)
    _fails(args, errors.INPUT, "a folder", "--inbox")
    args = _run_args(setup)
    args[args.index("--sources") + 1] = str(setup)
    _fails(args, errors.CONFIG, "a folder")


def test_a_calibration_file_that_is_not_one_is_a_usage_error(tmp_path: Path) -> None:
    from skiptrace.flows.cli.lineage import _calibration

    bad = tmp_path / "accounts.csv"
    bad.write_text("account_id\nA1\n")
    with pytest.raises(errors.UsageError, match="not a JSON file"):
        _calibration(bad)
    bad.write_text('{"reliability": 3}')
    with pytest.raises(errors.UsageError, match="reliability rows"):
        _calibration(bad)
