"""A served run gets the flow cloudpickled into its process: the copy must still validate.

This is the failure of issue 18 without a server: with `from __future__ import annotations`
in refresh.py, the by-value copy of `refresh_flow` could not resolve `RefreshParams`.
"""

from __future__ import annotations

from pathlib import Path

import cloudpickle
import pytest
from prefect import Flow

from skiptrace.flows.orchestration import refresh
from skiptrace.flows.orchestration.params import RefreshParams

FLOWS = [obj for obj in vars(refresh).values() if isinstance(obj, Flow)]


def test_module_defines_the_flows() -> None:
    assert {f.name for f in FLOWS} >= {"refresh", "ingest", "match", "emit"}


@pytest.mark.parametrize("flow", FLOWS, ids=lambda f: f.name)
def test_pickled_flow_validates_its_parameters(flow: Flow, tmp_path: Path) -> None:
    copy = cloudpickle.loads(cloudpickle.dumps(flow))
    raw = {"accounts": str(tmp_path / "a.csv"), "sources": str(tmp_path / "s.yml")}
    parameters = {"params": raw} if flow.name == "refresh" else {"params": raw, "run_id": "r1"}
    validated = copy.validate_parameters(parameters)
    assert isinstance(validated["params"], RefreshParams)
    assert validated["params"].accounts == tmp_path / "a.csv"
