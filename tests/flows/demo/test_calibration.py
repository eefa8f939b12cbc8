"""flows.demo.calibration: a run's confidence measured against the generator's truth."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from skiptrace.flows.demo.calibration import calibration_report


def test_calibration_report_against_truth(con, tmp_path: Path) -> None:
    truth = tmp_path / "truth"
    truth.mkdir()
    with open(truth / "accounts.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["account_id", "person_id", "cur_address_line1", "cur_city", "cur_state",
                    "cur_zip", "cur_phones", "cur_emails", "moved", "deceased", "bankrupt",
                    "findable_address"])  # fmt: skip
        w.writerow(
            ["A1", "P1", "12 Main St", "Rome", "GA", "30161", "4045550100", "", "N", "N", "N", "Y"]
        )
        w.writerow(["A2", "P2", "5 Oak Ave", "Rome", "GA", "30161", "4045550200;4045550201", "a@b.com",
                    "N", "N", "N", "Y"])  # fmt: skip
    rows = [
        ("A1", "phone", "+14045550100", 0.9, {"phone": "4045550100"}),
        ("A1", "phone", "+14045550111", 0.2, {"phone": "4045550111"}),
        ("A2", "phone", "+14045550201", 0.8, {"phone": "4045550201"}),
        ("A2", "email", "a@b.com", 0.7, {"email": "a@b.com"}),
        ("A1", "address", "12 MAIN ST|30161", 0.6,
         {"zip": "30161", "street_number": "12", "street_name": "MAIN", "address_line1": "12 MAIN ST"}),
        ("A2", "address", "9 ELM ST|30161", 0.3,
         {"zip": "30161", "street_number": "9", "street_name": "ELM", "address_line1": "9 ELM ST"}),
    ]  # fmt: skip
    for acct, ctype, key, conf, cols in rows:
        vals = {"run_id": "r", "account_id": acct, "contact_type": ctype, "contact_key": key,
                "rank": 1, "role": "debtor", "confidence": conf, "status": "new",
                "factors": json.dumps({"model": "m1", "x": {}}), **cols}  # fmt: skip
        con.execute(
            f"INSERT INTO contact_points ({', '.join(vals)}) VALUES ({', '.join('?' for _ in vals)})",
            list(vals.values()),
        )
    rep = calibration_report(con, "r", truth)
    assert rep.n == 6 and rep.model_version == "m1"
    assert rep.base_rate == pytest.approx(4 / 6)
    assert rep.by_type["phone"]["n"] == 3 and rep.by_type["phone"]["accuracy"] == pytest.approx(
        2 / 3
    )
    assert sum(r["n"] for r in rep.reliability) == 6
    assert "ECE=" in rep.render()


def test_fit_pools_a_labeled_file_with_a_generated_portfolio(tmp_path: Path) -> None:
    """`skiptrace calibrate --fit --labeled FILE`'s path, small: the model file records both
    data sets, and the address model is fitted on both while phones stay generator-only."""
    import polars as pl

    from skiptrace.flows.demo.calibration import fit_from_portfolio
    from skiptrace.matchers.calibrate import GENERATOR_SHARE
    from skiptrace.matchers.confidence import FEATURES, load_model

    rows = [
        {"account_id": f"X{i}", "contact_type": "address", "correct": i % 3 != 0,
         **{f"x_{f.name}": 0.0 for f in FEATURES}, "x_valid": float(i % 3 != 0)}
        for i in range(120)
    ]  # fmt: skip
    labeled = tmp_path / "indep" / "labeled_factors.parquet"
    labeled.parent.mkdir()
    pl.DataFrame(rows).write_parquet(labeled)
    labeled.with_suffix(".json").write_text(json.dumps({"name": "independent test set"}))
    out = tmp_path / "model.json"
    res = fit_from_portfolio(
        tmp_path / "work", seed=3, accounts=150, out=out, check_seed=None, labeled=[labeled]
    )
    model = load_model(out)
    names = [d["name"] for d in model.meta["datasets"]]
    assert names == ["generator seed 3 n150", "independent test set"]
    assert model.meta["address"]["fitted_on"] == sorted(names)
    assert model.meta["phone"]["fitted_on"] == ["generator seed 3 n150"]
    assert model.meta["generator_share"] == GENERATOR_SHARE and model.meta["fitted_at"]
    assert all("ece" in d["ece"] for d in model.meta["datasets"])
    assert res["reliability"]["independent test set"]
