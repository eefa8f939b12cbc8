"""`skiptrace rejects` prints delivered data literally: `[/]` or `[bold]` in a quarantined line
or a file name is text, not rich markup (issue 19, case 9: MarkupError before)."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from skiptrace import sql


def test_rejects_prints_markup_like_data_literally(tmp_path: Path) -> None:
    from skiptrace.flows.cli.main import app

    db = tmp_path / "db.duckdb"
    con = sql.connect(db)
    con.execute(
        "INSERT INTO input_files (file_no, run_id, source, file_name, status) "
        "VALUES (1, 'r1', 'acme', '[bold]x.csv', 'loaded')"
    )
    con.execute(
        "INSERT INTO quarantine (run_id, file_no, source, path, line_no, raw_line, reason)"
        " VALUES ('r1', 1, 'acme', '/in/[bold]x.csv', 7, '[/],[bold]x,[red]', 'bad date in [/] dob')"
    )
    con.close()
    result = CliRunner().invoke(
        app, ["rejects", "--db", str(db), "--run", "r1"], env={"COLUMNS": "400"}
    )
    assert result.exit_code == 0, result.output
    flat = "".join(result.output.split())  # the table may fold long cells
    # the raw line is masked (letters '*', digits '#'), its brackets printed as they are
    assert "[/],[****]*,[***]" in flat and "baddatein[/]dob" in flat
    assert "[bold]x.csv" in flat


def test_rejects_piped_prints_one_row_per_line(tmp_path: Path) -> None:
    """Piped into less or grep, the table used to fold a raw line into an 80-column cell, one
    character per line."""
    from skiptrace.flows.cli.main import app

    db = tmp_path / "db.duckdb"
    con = sql.connect(db)
    con.execute(
        "INSERT INTO input_files (file_no, run_id, source, file_name, status) "
        "VALUES (1, 'r1', 'acme', 'x.csv', 'loaded')"
    )
    long_line = ",".join(["abcdef"] * 40)
    con.execute(
        "INSERT INTO quarantine (run_id, file_no, source, path, line_no, raw_line, reason)"
        " VALUES ('r1', 1, 'acme', '/in/x.csv', 7, ?, 'wrong_field_count')",
        [long_line],
    )
    con.close()
    result = CliRunner().invoke(app, ["rejects", "--db", str(db)], env={"COLUMNS": None})
    assert result.exit_code == 0, result.output
    masked = ",".join(["******"] * 40)
    (row,) = [line for line in result.output.splitlines() if "wrong_field_count" in line]
    assert masked in row
