"""Refit the shipped confidence model from scratch: the generator plus independent data.

    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/refit_confidence.py --cross-check

Issue 16, class 5. A confidence model fitted only on `skiptrace generate` is calibrated there
and overconfident on data the project did not write. This one command:

1. builds and runs (`skiptrace run`, as bench/independent.py does, without the Splink
   baseline) the pseudopeople tuning seeds (default 11, 12, 13) at each noise level (default:
   pseudopeople's default noise only; adding the doubled-noise portfolios made the fit worse
   on default noise and on the demo), each folder keeping `labeled_factors.parquet` + `.json`: the emitted
   debtor contacts with the model's inputs, labelled against truth;
2. with `--cross-check`, for each tuning seed: fits on the generator and the *other* seeds,
   and scores that seed under the fitted model (ECE, rank-1 address precision / recall at
   confidence >= 0.9, ranks re-derived as resolution orders them), so over-fitting shows;
3. generates the training portfolio (`skiptrace calibrate --fit`'s, seed 20240611), pools it
   with every portfolio of step 1 (each data set weighted equally per contact type), fits one
   model per contact type, checks it on a separately generated demo-seed portfolio, and
   writes `matchers/rules/confidence_model.json` (or `--out`) recording what it was fitted on;
4. prints ECE per data set and a reliability table per data set.

The held-out seed is refused: it is never fitted on. Product code never imports this file;
`skiptrace calibrate --fit --labeled FILE ...` is the same fit from files already written.
Results and timing: docs/benchmarks.md, "Refitting confidence".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TypedDict

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

from _independent.score import rescored_figures  # noqa: E402
from independent import HELD_OUT_SEED, RETIRED_HELD_OUT_SEEDS, TUNING_SEEDS, bench_portfolio  # noqa: E402

DEFAULT_WORKDIR = Path("/tmp/skiptrace-refit")


def portfolio_frames(
    seeds: list[int], noises: list[str], workdir: Path, reuse: bool
) -> list[dict[str, Any]]:
    """Run (or, with `reuse`, re-read) each tuning portfolio; its labelled factor frame."""
    from skiptrace.matchers.calibrate import read_labeled

    out = []
    for seed in seeds:
        for noise in noises:
            wd = workdir / f"seed{seed}_{noise}"
            path = wd / "labeled_factors.parquet"
            if not (reuse and path.is_file()):
                t0 = time.perf_counter()
                bench_portfolio(seed, noise, wd, splink=False)
                print(
                    f"seed {seed} noise {noise}: built and run in {time.perf_counter() - t0:.0f} s"
                )
            frame, info = read_labeled(path)
            out.append({"seed": seed, "noise": noise, "frame": frame, "info": info,
                        "truth": wd / "portfolio" / "truth"})  # fmt: skip
    return out


def figures(port: dict[str, Any], model: Any) -> dict[str, Any]:
    from skiptrace.matchers.calibrate import rescore

    frame = port["frame"]
    return rescored_figures(frame, rescore(frame, model), port["truth"])


def _row(label: str, fig: dict[str, Any]) -> str:
    hc = fig["address"]["hc"]
    alla = fig["address"]["all"]
    return (
        f"  {label:<34} ECE {fig['ece']:.4f}   rank-1 P/R all {alla['precision']:.4f} /"
        f" {alla['recall']:.4f}   at >= 0.9 {hc['precision']:.4f} / {hc['recall']:.4f}"
        f" ({hc['emitted']} emitted)"
    )


class _Share(TypedDict, total=False):
    """fit_pooled's generator share when --generator-share is given (else its default)."""

    generator_share: float


def cross_check(
    gen: Any, ports: list[dict[str, Any]], workdir: Path, share: _Share
) -> dict[str, Any]:
    """Fit without one tuning seed, score that seed: the honest view of over-fitting."""
    from skiptrace.flows.demo.calibration import fit_pooled

    out: dict[str, Any] = {}
    print("cross-check: fitted on the generator + the other seeds, scored on the left-out one")
    for seed in sorted({p["seed"] for p in ports}):
        train = [gen] + [(p["frame"], p["info"]) for p in ports if p["seed"] != seed]
        res = fit_pooled(train, workdir, out=None, check_seed=None, **share)
        for p in (p for p in ports if p["seed"] == seed):
            fig = figures(p, res["model_object"])
            out[f"seed{seed}_{p['noise']}"] = fig
            print(_row(f"seed {seed} noise {p['noise']} (left out)", fig))
    return out


def demo_check(workdir: Path) -> dict[str, Any]:
    """Rank-1 address figures of the demo-seed check run (`skiptrace demo`'s definitions)."""
    from _independent.score import address_scores, labeled_factors

    from skiptrace.matchers.calibrate import DEMO_SEED

    truth = workdir / f"check_{DEMO_SEED}" / "truth"
    return address_scores(
        labeled_factors(workdir / f"check_{DEMO_SEED}.duckdb", "calib", truth), truth
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seeds", default=",".join(map(str, TUNING_SEEDS)))
    ap.add_argument(
        "--noise", default="default",
        help="comma list: default, double (doubled noise did not help: docs/benchmarks.md)",
    )  # fmt: skip
    ap.add_argument(
        "--generator-share", type=float, default=None,
        help="share of each contact type's weight the generated portfolio keeps",
    )  # fmt: skip
    ap.add_argument("--accounts", type=int, default=8000, help="generated training portfolio")
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    ap.add_argument("--out", type=Path, help="model file (default: the shipped one)")
    ap.add_argument("--cross-check", action="store_true", help="leave-one-seed-out figures")
    ap.add_argument(
        "--reuse", action="store_true",
        help="re-read portfolios already run in --workdir (only when the code has not changed)",
    )  # fmt: skip
    ap.add_argument("--json", type=Path, help="write every figure here")
    args = ap.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",") if s]
    if set(seeds) & {HELD_OUT_SEED, *RETIRED_HELD_OUT_SEEDS}:
        print("held-out seeds are never fitted on", file=sys.stderr)
        return 2

    from skiptrace.flows.demo.calibration import FIT_SEED, fit_pooled, generator_frame, render_fit
    from skiptrace.matchers.confidence import DEFAULT_MODEL_PATH, load_model

    share: _Share = (
        {} if args.generator_share is None else {"generator_share": args.generator_share}
    )
    t0 = time.perf_counter()
    ports = portfolio_frames(seeds, args.noise.split(","), args.workdir, args.reuse)
    shipped = load_model()
    print(f"before: the model in use ({shipped.version}), scored the same way")
    before = {}
    for p in ports:
        before[f"seed{p['seed']}_{p['noise']}"] = fig = figures(p, shipped)
        print(_row(f"seed {p['seed']} noise {p['noise']}", fig))
    gen = generator_frame(args.workdir / "generator", seed=FIT_SEED, accounts=args.accounts)
    report: dict[str, Any] = {"before": before}
    if args.cross_check:
        report["cross_check"] = cross_check(gen, ports, args.workdir, share)
    res = fit_pooled(
        [gen] + [(p["frame"], p["info"]) for p in ports],
        args.workdir,
        out=args.out or DEFAULT_MODEL_PATH,
        **share,
    )
    print(render_fit(res))
    report["demo_check"] = demo_check(args.workdir)
    d = report["demo_check"]
    print(
        f"demo seed check, real run with the new model: rank-1 address P / R"
        f" {d['all']['precision']:.4f} / {d['all']['recall']:.4f}, at >= 0.9"
        f" {d['hc']['precision']:.4f} / {d['hc']['recall']:.4f} ({d['hc']['emitted']} emitted)"
    )
    print("after: the new model, in-sample on every tuning portfolio")
    report["after"] = {}
    for p in ports:
        report["after"][f"seed{p['seed']}_{p['noise']}"] = fig = figures(p, res["model_object"])
        print(_row(f"seed {p['seed']} noise {p['noise']}", fig))
    seconds = time.perf_counter() - t0
    print(f"wrote {args.out or DEFAULT_MODEL_PATH} ({res['model']}) in {seconds:.0f} s")
    if args.json:
        res.pop("model_object", None)
        report["fit"] = res
        report["seconds"] = round(seconds, 1)
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=1, default=str))
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
