"""Fit and check the confidence model on generated portfolios, against the generator's truth.

* `label`: marks a run's debtor contact points right or wrong with the demo scorer's own rule
  (`evaluate.label_contacts`: address = same ZIP5 + street number + same street name
  (Jaro-Winkler >= 0.9 or one typing slip) + units not contradicting, or same ZIP5 + PO box
  number; phone = one of the person's current phones; email likewise), so what is fitted is
  exactly what the demo measures;
* `calibration_report`: ECE and reliability of a finished run against truth;
* `fit_from_portfolio` (`skiptrace calibrate --fit [--labeled FILE ...]`, or `python -m
  skiptrace.flows.demo.calibration fit`): generates a portfolio with a seed *different from the
  demo's*, runs the pipeline on it, pools its labeled contacts with labeled contact files from
  any other source (`--labeled`: e.g. the independent benchmark's pseudopeople portfolios,
  written by bench/independent.py; this module never imports bench/), fits
  (`matchers.calibrate.fit_model`, one model per contact type), writes
  `matchers/rules/confidence_model.json` with what it was fitted on (every data set, the code
  commit, the date, ECE per data set), and reports ECE on a separately generated demo-seed
  portfolio.

Why pool: a model fitted only on the project's own generator is calibrated on the generator
and overconfident on data the project did not write (issue 16: ECE 0.15 on pseudopeople).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from skiptrace.flows.demo.evaluate import label_contacts
from skiptrace.matchers.calibrate import (
    DATASET,
    DEMO_SEED,
    FIT_SEED,
    GENERATOR_SHARE,
    CalibrationReport,
    contact_frame,
    ece_by_dataset,
    few_labels,
    fit_model,
    pool,
    read_labeled,
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


def code_commit() -> str:
    """The git commit of this checkout (`+dirty` with uncommitted changes), or "unknown"."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def generator_frame(
    workdir: Path, *, seed: int, accounts: int
) -> tuple[pl.DataFrame, dict[str, Any]]:
    """Generate a portfolio (seed != the demo's), run the pipeline, label its emitted contacts."""
    if seed == DEMO_SEED:
        raise ValueError("fit on a seed different from the demo's, or the demo ECE is optimistic")
    workdir.mkdir(parents=True, exist_ok=True)
    con, p = run_pipeline(
        workdir / f"fit_{seed}", workdir / f"fit_{seed}.duckdb", accounts=accounts, seed=seed
    )
    labeled = label(contact_frame(con, "calib"), p.truth_dir)
    con.close()
    info = {"name": f"generator seed {seed} n{accounts}", "source": "skiptrace generate",
            "seed": seed, "accounts": accounts, "rows": labeled.height}  # fmt: skip
    return labeled, info


def fit_from_portfolio(
    workdir: Path,
    *,
    seed: int = FIT_SEED,
    accounts: int = 4000,
    out: Path = DEFAULT_MODEL_PATH,
    check_seed: int | None = DEMO_SEED,
    check_accounts: int = 2000,
    isotonic: bool = True,
    labeled: Sequence[Path] = (),
    balance: bool = True,
    generator_share: float = GENERATOR_SHARE,
) -> dict[str, Any]:
    """Generate (seed != demo), run, label; pool with `labeled` files; fit, save; check on demo.

    Each `labeled` file is read (and checked) before the generator portfolio is run, so a wrong
    path fails in a second, not after minutes.
    """
    others = [read_labeled(Path(f)) for f in labeled]
    generated = generator_frame(workdir, seed=seed, accounts=accounts)
    return fit_pooled(
        [generated, *others], workdir, out=out, check_seed=check_seed,
        check_accounts=check_accounts, isotonic=isotonic, balance=balance,
        generator_share=generator_share,
    )  # fmt: skip


def fit_pooled(
    frames: Sequence[tuple[pl.DataFrame, dict[str, Any]]],
    workdir: Path,
    *,
    out: Path | None = DEFAULT_MODEL_PATH,
    check_seed: int | None = DEMO_SEED,
    check_accounts: int = 2000,
    isotonic: bool = True,
    balance: bool = True,
    generator_share: float = GENERATOR_SHARE,
) -> dict[str, Any]:
    """Pool labeled frames (each with its description), fit, record provenance, check, save.

    The first frame is the generated portfolio (its seed and size name the model version).
    `out=None` fits and checks without writing (cross-checks).
    """
    gen_info = frames[0][1]
    named = [(f, str(i["name"])) for f, i in frames]
    warnings = few_labels(named[1:]) if balance else []
    for line in warnings:  # now, not after the check's minutes
        print(f"warning: {line}", file=sys.stderr)
    pooled = pool(named, balance=balance, first_share=generator_share)
    today = dt.date.today().isoformat()
    seed, accounts = gen_info.get("seed"), gen_info.get("accounts")
    extra = f"+{len(frames) - 1}labeled" if len(frames) > 1 else ""
    version = f"fit-seed{seed}-n{accounts}{extra}-{today}"
    datasets = [{k: v for k, v in i.items() if k != "file"} for _, i in frames]
    model = fit_model(
        pooled,
        version=version,
        isotonic=isotonic,
        meta={"fitted": True, "fitted_at": today, "commit": code_commit(), "seed": seed,
              "accounts": accounts, "rows": pooled.height, "balanced": balance,
              "generator_share": generator_share if balance and len(frames) > 1 else None,
              "label_rule": "skiptrace.flows.demo.evaluate.label_contacts",
              "population": "emitted debtor contacts"},
    )  # fmt: skip
    per_set = ece_by_dataset(pooled, model)
    for d in datasets:
        d["ece"] = per_set.get(d["name"], {})
    model.meta["datasets"] = datasets
    if warnings:
        model.meta["warnings"] = warnings
    model.meta["note"] = (
        "one logistic model + isotonic map per contact type, each fitted on the data sets that "
        "have that type: "
        + "; ".join(f"{t}: {', '.join(model.meta[t].get('fitted_on', []))}" for t in model.models)
        + ". A data set without phones or emails (pseudopeople) leaves those models to the others."
    )
    train_ece, _ = reliability_table(rescore(pooled, model), pooled["correct"])
    model.meta["train_ece"] = round(train_ece, 5)
    result: dict[str, Any] = {
        "warnings": warnings,
        "model": version,
        "model_object": model,
        "train_rows": pooled.height,
        "train_ece": train_ece,
        "datasets": datasets,
        "reliability": {
            str(name): reliability_table(rescore(sub, model), sub["correct"])[1]
            for (name,), sub in pooled.group_by(DATASET, maintain_order=True)
        },
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
    if out is not None:
        model.save(out)
    return result


def render_fit(res: dict[str, Any]) -> str:
    """ECE per data set and a reliability table per data set, for the terminal."""
    lines = [
        f"fitted {res['model']} on {res['train_rows']} contacts (pooled ECE {res['train_ece']:.4f})"
    ]
    for d in res["datasets"]:
        e = d.get("ece", {})
        per_type = "  ".join(f"{t} {e[f'ece_{t}']:.4f}" for t in ("address", "phone", "email")
                             if f"ece_{t}" in e)  # fmt: skip
        lines.append(
            f"  {d['name']:<40} n={e.get('n', 0):<6} ECE {e.get('ece', 0.0):.4f}  {per_type}"
        )
    for name, table in res["reliability"].items():
        lines.append(f"reliability, {name} (in-sample)")
        lines.append(f"{'bin':>11} {'n':>7} {'conf':>7} {'acc':>7}")
        for r in table:
            lines.append(
                f"[{r['lo']:.1f}, {r['hi']:.1f}) {r['n']:>7} {r['mean_confidence']:>7.3f} {r['accuracy']:>7.3f}"
            )
    if "check_text" in res:
        lines.append("check on the demo seed (generated separately, not fitted on):")
        lines.append(res["check_text"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m skiptrace.flows.demo.calibration", description=__doc__.split("\n")[0]
    )
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit", help="fit the confidence model on a generated portfolio")
    f.add_argument("--seed", type=int, default=FIT_SEED)
    f.add_argument("--accounts", type=int, default=8000)
    f.add_argument("--workdir", type=Path, default=Path("data/calibration"))
    f.add_argument("--out", type=Path, default=DEFAULT_MODEL_PATH)
    f.add_argument("--check-seed", type=int, default=DEMO_SEED)
    f.add_argument("--check-accounts", type=int, default=2000)
    f.add_argument("--no-isotonic", action="store_true")
    f.add_argument(
        "--labeled",
        type=Path,
        action="append",
        default=[],
        help="a labeled contact file to pool with the generator (repeatable)",
    )
    f.add_argument(
        "--generator-share",
        type=float,
        default=GENERATOR_SHARE,
        help="share of each contact type's weight the generated portfolio keeps (0-1)",
    )
    f.add_argument(
        "--no-balance",
        action="store_true",
        help="weight rows equally instead of each data set equally",
    )
    r = sub.add_parser("report", help="calibration of a finished run against generator truth")
    r.add_argument("--db", type=Path, required=True)
    r.add_argument("--run", required=True)
    r.add_argument("--truth", type=Path, required=True)
    r.add_argument("--bins", type=int, default=10)
    args = ap.parse_args(argv)
    if args.cmd == "fit":
        if not 0.0 <= args.generator_share <= 1.0:
            ap.error("--generator-share must be between 0 and 1")
        res = fit_from_portfolio(
            args.workdir, seed=args.seed, accounts=args.accounts, out=args.out,
            check_seed=args.check_seed, check_accounts=args.check_accounts,
            isotonic=not args.no_isotonic, labeled=args.labeled, balance=not args.no_balance,
            generator_share=args.generator_share,
        )  # fmt: skip
        print(render_fit(res))
        return 0
    from skiptrace import sql

    con = sql.connect(args.db, read_only=True)
    rep = calibration_report(con, args.run, args.truth, args.bins)
    print(rep.render())
    print(json.dumps(rep.as_dict(), indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
