"""prefect.yaml: valid RefreshParams, an importable entrypoint, and a data folder that must be set."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from prefect import Flow
from prefect.flows import load_flow_from_entrypoint

from skiptrace.flows.orchestration.deployment import (
    HOME_KEY,
    DeploymentConfigError,
    require_data_folder,
)
from skiptrace.flows.orchestration.params import RefreshParams

ROOT = Path(__file__).resolve().parents[3]


def _config() -> dict:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text())


def test_prefect_yaml_parameters_validate(tmp_path: Path) -> None:
    text = (ROOT / "prefect.yaml").read_text().replace("{{ skiptrace_home }}", str(tmp_path))
    deployments = yaml.safe_load(text)["deployments"]
    assert deployments
    for deployment in deployments:
        params = RefreshParams(**deployment["parameters"]["params"])
        assert params.db.is_relative_to(tmp_path)
        if params.accounts is not None:
            # one file name overwritten every night: without replace, night two is refused
            assert params.replace, deployment["name"]


def test_entrypoint_loads_from_any_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A module path into the installed package, not a file path relative to the project."""
    monkeypatch.chdir(tmp_path)
    for deployment in _config()["deployments"]:
        assert ".py" not in deployment["entrypoint"]
        flow: Flow[..., object] = load_flow_from_entrypoint(
            deployment["entrypoint"], use_placeholder_flow=False
        )
        assert isinstance(flow, Flow) and flow.name == "refresh"


def test_paths_come_from_the_checked_build_step_output() -> None:
    """Parameters and the pull step use the build step's output, never the raw variable."""
    config = _config()
    (step,) = config["build"]
    assert "skiptrace.flows.orchestration.deployment.require_data_folder" in step
    rest = yaml.safe_dump({"pull": config["pull"], "deployments": config["deployments"]})
    assert "$SKIPTRACE_HOME" not in rest
    assert f"{{{{ {HOME_KEY} }}}}" in rest


@pytest.mark.parametrize("value", [None, "", "   ", "{{ $SKIPTRACE_HOME }}"])
def test_unset_data_folder_is_refused(value: str | None) -> None:
    with pytest.raises(DeploymentConfigError, match="SKIPTRACE_HOME is not set"):
        require_data_folder(value)


def test_relative_or_missing_data_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DeploymentConfigError, match="absolute path"):
        require_data_folder("data")
    with pytest.raises(DeploymentConfigError, match="not a folder"):
        require_data_folder(str(tmp_path / "missing"))


def test_data_folder_is_returned_for_templating(tmp_path: Path) -> None:
    assert require_data_folder(str(tmp_path)) == {HOME_KEY: str(tmp_path)}
