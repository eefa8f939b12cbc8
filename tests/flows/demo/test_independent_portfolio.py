"""bench/_independent/portfolio.py: the pseudopeople portfolio builder writes inputs skiptrace
reads and truth the demo scorer reads (a few hundred rows per dataset; the benchmark itself
is bench/independent.py, not a test)."""

from __future__ import annotations

import csv
import importlib
import sys
from pathlib import Path

import pytest

pytest.importorskip("pseudopeople")

ROOT = Path(__file__).resolve().parents[3]


def _portfolio_module():
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        return importlib.import_module("_independent.portfolio")
    finally:
        sys.path.remove(str(ROOT / "bench"))


@pytest.mark.slow  # pseudopeople noises a cut of its sample population (~10 s)
def test_builder_writes_registry_inputs_and_truth(tmp_path: Path) -> None:
    from skiptrace.sources.registry import load_registry

    port = _portfolio_module().build_portfolio(tmp_path, seed=5, max_rows=300)
    registry = load_registry(port.sources_path)
    assert {s.name for s in registry.sources} == {
        "w2_1099", "form_1040", "surveys", "wic", "ssa_deaths",
    }  # fmt: skip
    assert all(s.files() for s in registry.sources)
    accounts = list(csv.DictReader(port.accounts_path.open()))
    truth = list(csv.DictReader((port.truth_dir / "accounts.csv").open()))
    assert accounts and len(truth) == len(accounts)
    assert {a["account_id"] for a in accounts} == {t["account_id"] for t in truth}
    records = list(csv.DictReader((port.truth_dir / "records.csv").open()))
    # every record of an account's person names that account; the rest are strangers
    assert {r["relation"] for r in records} <= {"self", "unrelated"}
    assert any(r["debtor_account_id"] for r in records)
    assert all(bool(r["debtor_account_id"]) == (r["relation"] == "self") for r in records)


def test_doubled_noise_doubles_probabilities() -> None:
    import pseudopeople as psp

    base = psp.get_config()["taxes_w2_and_1099"]["column_noise"]["ssn"]["make_typos"]
    doubled = _portfolio_module().doubled_noise_config()["taxes_w2_and_1099"]
    typos = doubled["column_noise"]["ssn"]["make_typos"]
    assert typos["cell_probability"] == pytest.approx(2 * base["cell_probability"])
    assert typos["token_probability"] == base["token_probability"]
