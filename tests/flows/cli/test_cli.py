"""The `skiptrace run` and `skiptrace serve` options reach the flow's RefreshParams.

No flow runs and no Prefect server starts: `run_refresh` and `refresh_flow` are stubbed, so
these check only the wiring from command-line options to the flow's parameters.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from skiptrace.flows.cli.main import app


def test_run_passes_partition_options(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--partitions, --dask-address and --partition-dir end up in the params the flow gets."""
    import skiptrace.flows.cli.main
    import skiptrace.flows.orchestration.refresh
    from skiptrace.flows.orchestration.params import RefreshParams

    seen: list[RefreshParams] = []

    def fake_run_refresh(params: RefreshParams, **_: Any) -> dict[str, Any]:
        seen.append(params)
        return {}

    monkeypatch.setattr(skiptrace.flows.orchestration.refresh, "run_refresh", fake_run_refresh)
    monkeypatch.setattr(skiptrace.flows.cli.main, "_print_summary", lambda summary, out: None)
    sources = tmp_path / "sources.yml"
    sources.write_text("[]\n")
    args = ["run", "--sources", str(sources), "--inbox", str(tmp_path / "inbox"),
            "--db", str(tmp_path / "st.duckdb"), "--partitions", "3",
            "--dask-address", "tcp://scheduler:8786", "--partition-dir", str(tmp_path / "parts")]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    (params,) = seen
    assert params.partitions == 3 and params.dask_address == "tcp://scheduler:8786"
    assert params.partition_dir == tmp_path / "parts"
    # without the option: the flow's default (next to the database), decided in the match stage
    seen.clear()
    result = CliRunner().invoke(app, args[:-2])
    assert result.exit_code == 0, result.output
    assert seen[0].partition_dir is None


class _FakeFlow:
    """Stands in for `refresh_flow`: records what `serve` would have served."""

    name = "refresh"

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.watched: list[str] = []  # deployments schedule_check would have watched

    def serve(self, **kwargs: Any) -> None:
        self.calls.append(kwargs)


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> _FakeFlow:
    """The fake flow, served as against a running server; the check for a scheduled run
    (schedule_check) records what it would watch instead of asking an API."""
    import skiptrace.flows.orchestration.refresh
    from skiptrace.flows.orchestration import prefect_startup, schedule_check

    fake = _FakeFlow()
    monkeypatch.setattr(skiptrace.flows.orchestration.refresh, "refresh_flow", fake)
    monkeypatch.setattr(prefect_startup, "uses_running_server", lambda: True)
    monkeypatch.setattr(
        schedule_check, "watch_first_scheduled_run",
        lambda flow, name, warn: fake.watched.append(f"{flow}/{name}"),
    )  # fmt: skip
    return fake


def test_serve_warns_at_once_without_a_server(
    served: _FakeFlow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without PREFECT_API_URL Prefect's temporary server has no scheduler: one warning line,
    and the schedule is still served (the user may only be trying the command)."""
    from skiptrace.flows.orchestration import prefect_startup, schedule_check

    monkeypatch.setattr(prefect_startup, "uses_running_server", lambda: False)
    (tmp_path / "sources.yml").write_text("[]\n")
    args = ["serve", "--sources", str(tmp_path / "sources.yml"), "--db", str(tmp_path / "x.db"),
            "--accounts", str(tmp_path / "accounts.csv")]  # fmt: skip
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert result.output.count(schedule_check.TEMPORARY_SERVER_WARNING) == 1
    assert served.watched == [] and len(served.calls) == 1


def test_serve_passes_schedule_options(
    served: _FakeFlow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An inbox-mode, partitioned deployment: every option is in the served parameters, paths
    absolute (runs start later, and the partition folder is sent to Dask workers), no as_of."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources.yml").write_text("[]\n")
    result = CliRunner().invoke(
        app,
        ["serve", "--sources", "sources.yml", "--inbox", "drop", "--db", "data/st.duckdb",
         "--out", "out", "--threshold", "0.8", "--block-cap", "50", "--name-block-cap", "30",
         "--replace",
         "--partitions", "4", "--dask-address", "tcp://scheduler:8786",
         "--partition-dir", "shared/parts", "--wait", "30", "--name", "n", "--cron", "0 3 * * *"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    (call,) = served.calls
    assert call["name"] == "n" and call["global_limit"] == 1
    params = call["parameters"]["params"]
    here = tmp_path.resolve()
    assert "as_of" not in params
    assert params["accounts"] is None and params["inbox"] == str(here / "drop")
    assert params["sources"] == str(here / "sources.yml")
    assert params["db"] == str(here / "data" / "st.duckdb")
    assert params["partition_dir"] == str(here / "shared" / "parts")
    assert params["partitions"] == 4 and params["dask_address"] == "tcp://scheduler:8786"
    assert params["threshold"] == 0.8 and params["block_cap"] == 50
    assert params["name_block_cap"] == 30
    assert params["replace"] is True and params["full_rebuild"] is False
    assert params["lock_wait"] == 30.0


def test_serve_defaults_and_validation(served: _FakeFlow, tmp_path: Path) -> None:
    """Without the new options the served parameters are what they were (in-process, the
    matcher's settings); without --accounts or --inbox there is nothing to run."""
    (tmp_path / "sources.yml").write_text("[]\n")
    base = ["serve", "--sources", str(tmp_path / "sources.yml"), "--db", str(tmp_path / "x.duckdb")]
    result = CliRunner().invoke(app, [*base, "--accounts", str(tmp_path / "accounts.csv")])
    assert result.exit_code == 0, result.output
    assert served.watched == ["refresh/nightly-refresh"]
    params = served.calls[0]["parameters"]["params"]
    assert params["accounts"] == str((tmp_path / "accounts.csv").resolve())
    assert params["inbox"] is None and params["partition_dir"] is None
    assert (params["partitions"], params["dask_address"]) == (1, None)
    assert (params["block_cap"], params["name_block_cap"]) == (None, None)
    assert params["lock_wait"] == 600.0 and params["full_rebuild"] is False
    result = CliRunner().invoke(app, base)
    assert (
        result.exit_code == 2
        and "(--accounts FILE) or an inbox root (--inbox DIR)" in result.output
    )
    assert len(served.calls) == 1


def test_run_quiet_prints_only_the_final_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--quiet: no tables, no bar; one line with the run id and where the outputs are."""
    import logging

    import skiptrace.flows.orchestration.refresh

    summary = {
        "run_id": "R1", "as_of": "2026-11-01", "stages": [], "files": [],
        "totals": {"emitted": 12, "suppressed": 3, "quarantined": 1, "matched": 5, "associates": 0},
    }  # fmt: skip
    monkeypatch.setattr(
        skiptrace.flows.orchestration.refresh, "run_refresh", lambda p, **_: summary
    )
    monkeypatch.setattr(logging.getLogger("skiptrace"), "level", logging.NOTSET)
    monkeypatch.setattr(logging.getLogger("prefect"), "level", logging.NOTSET)
    for name in ("PREFECT_LOGGING_LEVEL", "PREFECT_SERVER_LOGGING_LEVEL"):
        monkeypatch.setenv(name, os.environ.get(name, "INFO"))  # restored after the test
    (tmp_path / "sources.yml").write_text("[]\n")
    (tmp_path / "a.csv").write_text("account_id\nA1\n")
    result = CliRunner().invoke(
        app, ["run", "--sources", str(tmp_path / "sources.yml"), "--accounts",
              str(tmp_path / "a.csv"), "--db", str(tmp_path / "st.duckdb"), "--out", "o", "-q"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "run R1 completed: 12 contacts emitted, 3 suppressed, 1 rows quarantined; outputs: o/R1"
    ]


def test_match_policy_flows_from_the_command_to_the_settings(tmp_path: Path) -> None:
    """--match-policy is generated from MatchSettings through RefreshParams; a value outside
    the two policies is refused by the command line."""
    from skiptrace.flows.orchestration.params import RefreshParams

    (tmp_path / "sources.yml").write_text("[]\n")
    base = {"sources": tmp_path / "sources.yml", "accounts": tmp_path / "accounts.csv"}
    params = RefreshParams(**base, match_policy="dedup")
    assert params.match_settings().match_policy == "dedup"
    assert RefreshParams(**base).match_settings().match_policy == "collections"
    result = CliRunner().invoke(app, ["run", "--help"])
    assert "--match-policy" in result.output
    bad = CliRunner().invoke(
        app, ["run", "--sources", str(tmp_path / "sources.yml"), "--match-policy", "household"]
    )
    assert bad.exit_code != 0


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    """Every command and group of the click tree, with its path of names."""
    found = [(path, command)]
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        found += _commands(sub, (*path, name))
    return found


def test_every_command_help_reflows_to_the_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich help keeps a docstring's line breaks after its first paragraph, and a docstring
    wrapped at the source's 100 columns then printed half-empty lines in an 80-column terminal
    (`skiptrace push --help`, `calibrate --help`). Every command's help is one line per
    paragraph, and the rendered help of each has no line cut short in the middle of a
    sentence."""
    import typer.main

    tree = _commands(typer.main.get_command(app))
    assert len(tree) > 15  # the whole tree was walked
    for path, command in tree:
        for paragraph in (command.help or "").split("\n\n"):
            assert "\n" not in paragraph, (path, paragraph)
    monkeypatch.setenv("COLUMNS", "80")
    push = CliRunner().invoke(app, ["push", "--help"], terminal_width=80)
    assert "pushing a run twice changes nothing" in " ".join(push.output.split())
    lines = [line.strip() for line in push.output.splitlines()]
    assert "twice changes" not in lines  # the old render: a 14-character line


def test_serve_refuses_allow_shrink_in_one_line(
    served: _FakeFlow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Served, --allow-shrink was stored in the deployment and let every later night's shrink
    through (an empty export published a delta removing every contact, exit 0). It is for one
    run: serve refuses it, usage (exit 2), and serves nothing."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sources.yml").write_text("[]\n")
    result = CliRunner().invoke(
        app, ["serve", "--sources", "sources.yml", "--accounts", "a.csv", "--allow-shrink"]
    )
    assert result.exit_code == 2, result.output
    assert served.calls == []
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "--allow-shrink is for one run" in lines[0]
