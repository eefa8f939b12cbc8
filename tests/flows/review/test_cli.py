"""`skiptrace review user ...` and the serve command's user errors: one line, exit 2."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

from typer.testing import CliRunner

from skiptrace import errors
from skiptrace.flows.cli.main import app
from skiptrace.flows.review.auth import verify_password
from skiptrace.flows.review.store import Store

runner = CliRunner()


def test_user_add_reads_the_password_from_stdin_and_stores_an_argon2_hash(tmp_path: Path) -> None:
    db = tmp_path / "st.duckdb"
    result = runner.invoke(
        app, ["review", "user", "add", "rita", "--role", "reviewer", "--db", str(db)],
        input="a long enough secret\n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    store = Store(db)
    user = store.user("rita")
    assert user is not None and user.role == "reviewer" and user.can_decide
    assert user.password_hash.startswith("$argon2id$")
    assert "a long enough secret" not in store.users_path.read_text()
    assert verify_password(user, "a long enough secret")
    assert not verify_password(user, "a long enough secreT")
    assert stat.S_IMODE(os.stat(store.users_path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(store.dir).st_mode) == 0o700
    listed = runner.invoke(app, ["review", "user", "list", "--db", str(db)])
    assert listed.stdout.strip() == "rita\treviewer"


def test_user_errors_are_one_line_with_the_documented_codes(tmp_path: Path) -> None:
    db = tmp_path / "st.duckdb"
    short = runner.invoke(app, ["review", "user", "add", "rita", "--db", str(db)], input="short\n")
    assert short.exit_code == errors.USAGE and "at least" in short.stderr
    bad = runner.invoke(
        app, ["review", "user", "add", "no/slash", "--db", str(db)], input="long enough pw\n"
    )
    assert bad.exit_code == errors.USAGE and len(bad.stderr.strip().splitlines()) == 1
    gone = runner.invoke(app, ["review", "user", "remove", "nobody", "--db", str(db)])
    assert gone.exit_code == errors.USAGE and "no user" in gone.stderr
    missing = runner.invoke(app, ["review", "--db", str(db)])
    assert missing.exit_code == errors.INPUT and "does not exist" in missing.stderr
    assert "Traceback" not in missing.output
    for result in (short, bad, gone, missing):
        assert result.stderr.startswith("skiptrace: error: ")


def test_serve_without_users_says_how_to_add_one(con, tmp_path: Path) -> None:
    result = runner.invoke(app, ["review", "--db", str(tmp_path / "test.duckdb")])
    assert result.exit_code == errors.CONFIG
    assert "skiptrace review user add" in result.stderr


def test_serve_on_a_port_in_use_prints_no_banner_above_the_error(con, tmp_path: Path) -> None:
    """The error is the one line: no "review workbench: http://..." above it saying it serves."""
    db = tmp_path / "test.duckdb"
    added = runner.invoke(
        app, ["review", "user", "add", "rita", "--db", str(db)], input="a long enough secret\n"
    )
    assert added.exit_code == 0, added.output
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(app, ["review", "--db", str(db), "--port", str(port)])
    assert result.exit_code == errors.USAGE
    line = f"skiptrace: error: port {port} on 127.0.0.1 is in use; pick another with --port"
    assert result.stderr == line + "\n"
    assert result.stdout == ""


def test_the_groups_db_reaches_every_user_subcommand(tmp_path: Path, monkeypatch) -> None:
    """`skiptrace review --db DB user add ...` (the way README writes --db: on the group) stores
    the user next to DB, not next to the default database; so do list and remove."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SKIPTRACE_DB", raising=False)
    db = tmp_path / "elsewhere" / "st.duckdb"
    added = runner.invoke(
        app, ["review", "--db", str(db), "user", "add", "rita", "--role", "reviewer"],
        input="a long enough secret\n",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert Store(db).user("rita") is not None
    assert not (tmp_path / "data").exists()  # nothing next to data/skiptrace.duckdb
    listed = runner.invoke(app, ["review", "--db", str(db), "user", "list"])
    assert listed.stdout.strip() == "rita\treviewer"
    removed = runner.invoke(app, ["review", "--db", str(db), "user", "remove", "rita"])
    assert removed.exit_code == 0, removed.output
    assert Store(db).users() == {}
    # --db on both levels naming different files is a mistake, not a silent choice
    both = runner.invoke(
        app, ["review", "--db", str(db), "user", "list", "--db", str(tmp_path / "other.duckdb")]
    )
    assert both.exit_code == errors.USAGE and "--db" in both.stderr


def test_user_commands_honour_skiptrace_db(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "env" / "st.duckdb"
    monkeypatch.setenv("SKIPTRACE_DB", str(db))
    added = runner.invoke(app, ["review", "user", "add", "vic"], input="a long enough secret\n")
    assert added.exit_code == 0, added.output
    assert Store(db).user("vic") is not None and not (tmp_path / "data").exists()
