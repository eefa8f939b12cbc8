"""Fit and check the confidence model on generated portfolios, against the generator's truth.

* `label`: marks a run's debtor contact points right or wrong with the demo scorer's own rule
  (`evaluate.label_contacts`: address = same ZIP5 + street number + same street name
  (Jaro-Winkler >= 0.9 or one typing slip) + units not contradicting, or same ZIP5 + PO box
  number; phone = one of the person's current phones; email likewise), so what is fitted is
  exactly what the demo measures;
* `calibration_report`: ECE and reliability of a finished run against truth;
* `fit_from_portfolio` (`skiptrace calibrate --fit`, or `python -m
  skiptrace.flows.demo.calibration fit`): generates a portfolio with a seed *different from the
  demo's*, runs the pipeline on it, fits (`matchers.calibrate.fit_model`), writes
  `matchers/rules/confidence_model.json`, and reports ECE on a separately generated demo-seed
  portfolio.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from skiptrace.flows.demo.evaluate import label_contacts
from skiptrace.matchers.calibrate import (
    DEMO_SEED,
    FIT_SEED,
    CalibrationReport,
    contact_frame,
    fit_model,
    reliability_table,
    report_from_labeled,
    rescore,
)
from skiptrace.matchers.confidence import DEFAULT_MODEL_PATH, ConfidenceModel


def label(frame: pl.DataFrame, truth_dir: Path) -> pl.DataFrame:
    """Add `correct` (bool) using the demo scorer's rule."""
    return label_contacts(frame, Path(truth_dir))


def calibration_report(
    con: duckdb.DuckDBPyConnection, run_id: str, truth_dir: Path, bins: int = 10
) -> CalibrationReport:
    """ECE and reliability table of the run's emitted debtor contacts against generator truth."""
    frame = contact_frame(con, run_id)
    version = con.execute(
        "SELECT any_value(json_extract_string(factors, '$.model')) FROM contact_points WHERE run_id = ?",
        [run_id],
    ).fetchall()
    labeled = label(frame, truth_dir)
    return report_from_labeled(labeled, run_id, str(version[0][0] if version else ""), bins)


# --- end to end on generated portfolios -----------------------------------------------------


def run_pipeline(
    portfolio_dir: Path,
    db: Path,
    *,
    accounts: int,
    seed: int,
    model: ConfidenceModel | Path | None = None,
    run_id: str = "calib",
) -> tuple[duckdb.DuckDBPyConnection, Any]:
    """Generate a portfolio and run ingest -> standardize -> match -> resolve -> suppress."""
    from skiptrace import sql
    from skiptrace.flows.demo.synthetic import generate_portfolio
    from skiptrace.flows.orchestration import stages
    from skiptrace.flows.orchestration.params import RefreshParams
    from skiptrace.matchers.resolve import resolve_contacts
    from skiptrace.matchers.suppress import apply_suppressions
    from skiptrace.sources.pii import ensure_hmac_key

    ensure_hmac_key(db)
    p = generate_portfolio(portfolio_dir, accounts=accounts, seed=seed)
    if db.exists():
        db.unlink()
    con = sql.connect(db)
    params = RefreshParams(accounts=p.accounts_path, sources=p.sources_path, db=db, as_of=p.as_of)
    from skiptrace.flows.audit.runs import start_run

    start_run(con, run_id, as_of=p.as_of, params={"calibration": True, "seed": seed})
    stages.ingest(con, params, run_id)
    stages.standardize(con, run_id)
    stages.match(con, run_id)
    resolve_contacts(con, run_id, p.as_of, model=model)
    apply_suppressions(con, run_id, p.as_of)
    return con, p


def fit_from_portfolio(
    workdir: Path,
    *,
    seed: int = FIT_SEED,
    accounts: int = 4000,
    out: Path = DEFAULT_MODEL_PATH,
    check_seed: int | None = DEMO_SEED,
    check_accounts: int = 2000,
    isotonic: bool = True,
) -> dict[str, Any]:
    """Generate (seed != demo), run, label, fit, save; then measure on the demo seed."""
    if seed == DEMO_SEED:
        raise ValueError("fit on a seed different from the demo's, or the demo ECE is optimistic")
    workdir.mkdir(parents=True, exist_ok=True)
    con, p = run_pipeline(
        workdir / f"fit_{seed}", workdir / f"fit_{seed}.duckdb", accounts=accounts, seed=seed
    )
    labeled = label(contact_frame(con, "calib"), p.truth_dir)
    con.close()
    version = f"fit-seed{seed}-n{accounts}-{dt.date.today().isoformat()}"
    model = fit_model(
        labeled,
        version=version,
        isotonic=isotonic,
        meta={"fitted": True, "seed": seed, "accounts": accounts, "rows": labeled.height,
              "label_rule": "skiptrace.flows.demo.evaluate.label_contacts", "population": "emitted debtor contacts"},
    )  # fmt: skip
    train_ece, _ = reliability_table(rescore(labeled, model), labeled["correct"])
    model.meta["train_ece"] = round(train_ece, 5)
    result: dict[str, Any] = {
        "model": version,
        "train_rows": labeled.height,
        "train_ece": train_ece,
    }
    if check_seed is not None:
        tmp = workdir / "candidate_model.json"
        model.save(tmp)
        con, p = run_pipeline(
            workdir / f"check_{check_seed}", workdir / f"check_{check_seed}.duckdb",
            accounts=check_accounts, seed=check_seed, model=tmp,
        )  # fmt: skip
        rep = calibration_report(con, "calib", p.truth_dir)
        con.close()
        model.meta["check"] = {"seed": check_seed, "accounts": check_accounts, "ece": rep.ece, "n": rep.n,
                               "by_type": {t: s["ece"] for t, s in rep.by_type.items()}}  # fmt: skip
        result["check"] = rep.as_dict()
        result["check_text"] = rep.render()
    model.save(out)
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m skiptrace.flows.demo.calibration", description=__doc__.split("\n")[0]
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit", help="fit the confidence model on a generated portfolio")
    f.add_argument("--seed", type=int, default=FIT_SEED)
    f.add_argument("--accounts", type=int, default=4000)
    f.add_argument("--workdir", type=Path, default=Path("data/calibration"))
    f.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    f.add_argument("--check-seed", type=int, default=DEMO_SEED)
    f.add_argument("--check-accounts", type=int, default=2000)
    f.add_argument("--no-isotonic", action="store_true")
    r = sub.add_parser("report", help="calibration of a finished run against generator truth")
    r.add_argument("--db", type=Path, required=True)
    r.add_argument("--run", required=True)
    r.add_argument("--truth", type=Path, required=True)
    r.add_argument("--bins", type=int, default=10)
    args = ap.parse_args(argv)
    if args.cmd == "fit":
        res = fit_from_portfolio(
            args.workdir, seed=args.seed, accounts=args.accounts, out=args.out,
            check_seed=args.check_seed, check_accounts=args.check_accounts, isotonic=not args.no_isotonic,
        )  # fmt: skip
        print(
            f"fitted {res['model']} on {res['train_rows']} contacts (train ECE {res['train_ece']:.4f})"
        )
        if "check_text" in res:
            print(res["check_text"])
        return 0
    from skiptrace import sql

    con = sql.connect(args.db, read_only=True)
    rep = calibration_report(con, args.run, args.truth, args.bins)
    print(rep.render())
    print(json.dumps(rep.as_dict(), indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
