"""`skiptrace calibrate`: a wrong labelled file for --fit --labeled fails in one line, at once;
--outcomes checks a run against collectors' verdicts and exports them (the database:
tests/matchers/test_calibrate_outcomes.py)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from skiptrace import errors, sql
from skiptrace.flows.cli.main import app
from skiptrace.matchers.calibrate_outcomes import MIN_LABELS
from tests.matchers.test_calibrate_outcomes import built_db, copied_db


def _one_error_line(args: list[str], code: int) -> str:
    result = CliRunner().invoke(app, args)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == code, (result.exit_code, result.output)
    assert len(lines) == 1 and lines[0].startswith("skiptrace: error: "), result.stderr
    return lines[0]


def test_labeled_without_fit_is_a_usage_error(tmp_path: Path) -> None:
    line = _one_error_line(["calibrate", "--labeled", str(tmp_path / "x.parquet")], errors.USAGE)
    assert "--labeled needs --fit" in line


def test_a_missing_labeled_file_fails_before_any_portfolio_is_run(tmp_path: Path) -> None:
    out = tmp_path / "model.json"
    args = ["calibrate", "--fit", "--labeled", str(tmp_path / "nope.parquet"), "--out", str(out)]
    line = _one_error_line(args, errors.INPUT)
    assert "nope.parquet" in line and not out.exists()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Path:
    """test_calibrate_outcomes' database, made once for the file; each test gets a copy."""
    return built_db(tmp_path_factory.mktemp("calibrate-cli"), migrated_template)


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Path:
    return copied_db(built, tmp_path)


def _invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["calibrate", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cli_checks_a_run_and_exports_its_labels(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "outcome_labels.parquet"
    code, stdout, stderr = _invoke(
        ["--outcomes", "--run", "R1", "--db", str(db), "--export-labels", str(out)]
    )
    assert code == errors.OK, stderr
    assert "verdicts dated after 2026-11-01, up to 2026-11-10" in stdout
    assert "6 labels: phone 4 (2 right party, 2 not); address 2 (0 right party, 2 not)" in stdout
    assert f"Fewer than {MIN_LABELS}" in stdout
    assert "n=6" in stdout and "ECE=0.3167" in stdout
    assert "[0.8, 0.9)       3   0.850   0.667" in stdout
    assert "phone: n=4" in stdout and "address: n=2" in stdout
    assert "wrote 5 labeled contacts" in stdout and "1 left out: an earlier right party" in stdout
    assert pl.read_parquet(out).height == 5 and "--fit --labeled" in stdout
    assert f"warning: fewer than {MIN_LABELS} labels of a type (address 2, phone 3)" in stderr
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600


def test_cli_defaults_to_the_latest_completed_run_and_says_when_there_are_no_labels(
    db: Path,
) -> None:
    code, stdout, _ = _invoke(["--outcomes", "--db", str(db)])
    assert code == errors.OK and "run R2: verdicts dated after 2026-11-10, any later date" in stdout
    assert "1 labels: phone 1 (1 right party, 0 not)" in stdout
    con = sql.connect(db)
    con.execute("DELETE FROM contact_outcomes WHERE outcome_date > DATE '2026-11-10'")
    con.close()
    code, stdout, _ = _invoke(["--outcomes", "--db", str(db)])
    assert code == errors.OK and "no labels" in stdout and "ECE" not in stdout


def test_cli_since_pools_runs_each_in_its_own_window(db: Path, tmp_path: Path) -> None:
    out = tmp_path / "since.parquet"
    args = ["--outcomes", "--since", "2026-10-01", "--db", str(db), "--export-labels", str(out)]
    code, stdout, stderr = _invoke(args)
    assert code == errors.OK, stderr
    assert "2 runs, R1 (as_of 2026-11-01) to R2 (as_of 2026-11-10)" in stdout
    assert "7 labels: phone 5 (3 right party, 2 not); address 2" in stdout
    assert "run R1..R2 (2 runs)  model m-R1, m-R2  n=7" in stdout
    frame = pl.read_parquet(out)
    assert frame.group_by("run_id").len().sort("run_id").rows() == [("R1", 5), ("R2", 1)]


@pytest.mark.parametrize(
    ("args", "code", "needle"),
    [
        (["--outcomes", "--run", "R9"], errors.USAGE, "'R9' not found"),
        (["--outcomes", "--run", "R0"], errors.REFUSED, "not completed"),
        (["--export-labels", "x.parquet"], errors.USAGE, "--export-labels needs --outcomes"),
        (["--outcomes", "--fit"], errors.USAGE, "not with --fit or --truth"),
        (["--outcomes", "--export-labels", "x.json"], errors.USAGE, "give a .parquet name"),
        (["--since", "2026-11-01"], errors.USAGE, "--since needs --outcomes"),
        (["--outcomes", "--since", "11/01/2026"], errors.USAGE, "YYYY-MM-DD"),
        (["--outcomes", "--since", "2027-01-01"], errors.USAGE, "no completed run"),
        (["--outcomes", "--since", "2026-11-01", "--run", "R1"], errors.USAGE, "not both"),
    ],
)
def test_cli_errors_are_one_line_with_their_codes(
    db: Path, args: list[str], code: int, needle: str
) -> None:
    got, _, stderr = _invoke([*args, "--db", str(db)])
    lines = stderr.strip().splitlines()
    assert got == code and len(lines) == 1 and lines[0].startswith("skiptrace: error: "), stderr
    assert needle in lines[0]


def test_cli_missing_database_is_an_input_error(tmp_path: Path) -> None:
    code, _, stderr = _invoke(["--outcomes", "--db", str(tmp_path / "none.duckdb")])
    assert code == errors.INPUT and "does not exist" in stderr


@pytest.mark.parametrize("where", ["file_as_folder", "proc"])
def test_an_unwritable_export_path_fails_before_the_check_in_one_line(
    db: Path, tmp_path: Path, where: str
) -> None:
    """Checked before the work: one line, the code of an unwritable output folder (3, as
    refresh's --out), no report printed and no traceback."""
    (tmp_path / "plain").write_text("x")
    out = {
        "file_as_folder": tmp_path / "plain" / "labels.parquet",
        "proc": Path("/proc/nope/x.parquet"),
    }[where]
    result = CliRunner().invoke(
        app,
        ["calibrate", "--outcomes", "--run", "R1", "--db", str(db), "--export-labels", str(out)],
    )
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == errors.CONFIG, (result.exit_code, result.output)
    assert len(lines) == 1 and lines[0].startswith("skiptrace: error: --export-labels "), lines
    assert "labels:" not in result.stdout and "ECE" not in result.stdout


def test_cli_export_of_no_labels_gives_no_refit_advice(db: Path, tmp_path: Path) -> None:
    con = sql.connect(db)
    con.execute("DELETE FROM contact_outcomes WHERE outcome_date > DATE '2026-11-01'")
    con.close()
    out = tmp_path / "none.parquet"
    code, stdout, stderr = _invoke(
        ["--outcomes", "--run", "R1", "--db", str(db), "--export-labels", str(out)]
    )
    assert code == errors.OK, stderr
    assert "wrote 0 labeled contacts" in stdout and "nothing to refit with" in stdout
    assert "--fit --labeled" not in stdout + stderr
