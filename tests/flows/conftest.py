"""Fixtures shared by the flow tests: one small generated portfolio per session."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def small_portfolio(tmp_path_factory: pytest.TempPathFactory):
    """A 300-account synthetic portfolio (deterministic)."""
    from skiptrace.flows.demo.synthetic import generate_portfolio

    root: Path = tmp_path_factory.mktemp("portfolio")
    return generate_portfolio(root, accounts=300, seed=11)
