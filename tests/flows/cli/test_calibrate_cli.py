"""`skiptrace calibrate --fit --labeled`: a wrong labelled file fails in one line, at once."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from skiptrace import errors
from skiptrace.flows.cli.main import app


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
