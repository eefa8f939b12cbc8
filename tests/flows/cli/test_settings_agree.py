"""Each setting is declared once: the run / serve options, RefreshParams, MatchSettings,
prefect.yaml and the documentation agree.

The options are read from the real click commands Typer builds, so a test failure here is what a
user would see in `skiptrace run --help`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from skiptrace.flows.cli.main import app
from skiptrace.flows.cli.options import flag_for
from skiptrace.flows.orchestration.params import MATCH_OVERRIDES, RefreshParams
from skiptrace.matchers.settings import MatchSettings

ROOT = Path(__file__).resolve().parents[3]
SERVE_ONLY = {"--cron", "--timezone", "--name"}
RUN_ONLY = {"--quiet"}


def _command(name: str) -> Any:
    return typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]


def _flags(name: str) -> dict[str, Any]:
    """{first long flag: click parameter} of a command, --help aside."""
    out = {}
    for param in _command(name).params:
        longs = [o for o in param.opts if o.startswith("--")]
        if longs and longs[0] != "--help":
            out[longs[0]] = param
    return out


def test_run_and_serve_options_are_refreshparams_fields() -> None:
    fields = {flag_for(name) for name in RefreshParams.model_fields}
    assert set(_flags("run")) == fields | RUN_ONLY
    assert set(_flags("serve")) == (fields - {"--as-of"}) | SERVE_ONLY
    # the documented options that had gone missing or differed between the two commands
    for flag in ("--rules", "--wait", "--threshold", "--full-rebuild", "--profile"):
        assert flag in _flags("run") and flag in _flags("serve"), flag


def test_option_help_comes_from_the_models() -> None:
    """One description per setting: the two commands show the same help, the model's."""
    run, serve = _flags("run"), _flags("serve")
    for name, info in RefreshParams.model_fields.items():
        flag = flag_for(name)
        assert info.description and info.description in run[flag].help, flag
        if flag in serve:
            assert run[flag].help == serve[flag].help, flag
    for name in MATCH_OVERRIDES:
        described = MatchSettings.__pydantic_fields__[name].description  # type: ignore[attr-defined]
        assert RefreshParams.model_fields[name].description == described
        assert described in run[flag_for(name)].help
    assert "[0.0<x<=1.0]" in run["--threshold"].help  # the range, from MatchSettings


def test_match_overrides_share_matchsettings_ranges() -> None:
    for name in MATCH_OVERRIDES:
        ours = RefreshParams.model_fields[name].metadata
        theirs = MatchSettings.__pydantic_fields__[name].metadata  # type: ignore[attr-defined]
        assert ours == theirs, name
    params = RefreshParams(accounts=Path("a.csv"), sources=Path("s.yml"), block_cap=7)
    assert params.match_settings() == MatchSettings(block_cap=7)
    with pytest.raises(ValueError):
        RefreshParams(accounts=Path("a.csv"), sources=Path("s.yml"), threshold=0.0)


def test_prefect_yaml_parameters_are_refreshparams(tmp_path: Path) -> None:
    """prefect.yaml's parameters are named as RefreshParams' fields and validate against it
    (RefreshParams forbids unknown keys: a misspelt one fails here, not silently at night)."""
    text = (ROOT / "prefect.yaml").read_text().replace("{{ $SKIPTRACE_HOME }}", str(tmp_path))
    deployments = yaml.safe_load(text)["deployments"]
    assert deployments
    for deployment in deployments:
        params = deployment["parameters"]["params"]
        assert set(params) <= set(RefreshParams.model_fields), deployment["name"]
        RefreshParams(**params)
    with pytest.raises(ValueError, match="lock_wiat"):
        RefreshParams(**{**deployments[0]["parameters"]["params"], "lock_wiat": 5})


def test_served_parameters_are_refreshparams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What serve hands its deployment validates as RefreshParams: every field but as_of."""
    from skiptrace.flows.cli.main import _served_parameters

    options: dict[str, Any] = {n: None for n in RefreshParams.model_fields if n != "as_of"}
    options.update(sources=Path("sources.yml"), accounts=Path("a.csv"), lock_wait=600.0)
    monkeypatch.chdir(tmp_path)
    params = _served_parameters(options)["params"]
    assert set(params) == set(RefreshParams.model_fields) - {"as_of"}
    assert RefreshParams(**params).sources == tmp_path.resolve() / "sources.yml"


#: Lines of the docs that show a command, and the command.
_COMMAND_LINE = re.compile(r"skiptrace (run|serve)\b(.*)")


@pytest.mark.parametrize(
    "doc", ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").glob("*.md"))]
)
def test_documented_run_and_serve_options_exist(doc: str) -> None:
    """Every --option written after `skiptrace run` / `skiptrace serve` in the docs exists."""
    text = (ROOT / doc).read_text()
    # join shell continuation lines so an option on the next line counts for its command
    text = re.sub(r"\\\n\s*", " ", text)
    for line in text.splitlines():
        for match in _COMMAND_LINE.finditer(line):
            command, rest = match.groups()
            rest = re.split(r"skiptrace (?!run|serve)\w+|`\s*[,;.]|\)\s", rest)[0]
            known = _flags(command)
            for flag in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest):
                negated = flag.startswith("--no-") and f"--{flag[5:]}" in known
                assert flag in known or negated or flag == "--help", (doc, command, flag, line)
