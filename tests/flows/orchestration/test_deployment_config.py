"""prefect.yaml's deployment parameters are valid RefreshParams, and fit a nightly schedule."""

from __future__ import annotations

from pathlib import Path

import yaml

from skiptrace.flows.orchestration.params import RefreshParams

ROOT = Path(__file__).resolve().parents[3]


def test_prefect_yaml_parameters_validate(tmp_path: Path) -> None:
    text = (ROOT / "prefect.yaml").read_text().replace("{{ $SKIPTRACE_HOME }}", str(tmp_path))
    deployments = yaml.safe_load(text)["deployments"]
    assert deployments
    for deployment in deployments:
        params = RefreshParams(**deployment["parameters"]["params"])
        assert params.db.is_relative_to(tmp_path)
        if params.accounts is not None:
            # one file name overwritten every night: without replace, night two is refused
            assert params.replace, deployment["name"]
