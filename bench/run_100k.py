"""`skiptrace run` end to end at 100k accounts (issue 20): wall time including Prefect.

bench/scale.py times the stages as plain functions; this script runs the real command, as an
operator would, in a child process, and splits its wall time into:

- `to first stage`: process start, imports, preflight, Prefect's API (the ephemeral server, or
  a running one) and the flow run, up to the `runs.started_at` the flow writes;
- the stages, from the run's `run_summary.json` (the seconds the stages measured themselves);
- `rest`: wall minus both: subflow and task run bookkeeping between stages, finalize, the
  report and the Prefect shutdown.

Peak RSS is the highest sum of the command's process tree (the command plus the ephemeral
Prefect server or usaddress workers it starts), sampled every 100 ms.

    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/run_100k.py
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/run_100k.py --server  # running API
    .venv/bin/python bench/run_100k.py --accounts 2000                           # quick check

`--server` starts `prefect server start` (127.0.0.1, a free port, its own PREFECT_HOME under
the work folder), waits for it to answer, then runs the command with PREFECT_API_URL pointing
at it, as a deployment with a long-lived server would; the server is stopped afterwards and
its start-up is not counted.

`--code COMMIT` runs another commit's code with this checkout's virtualenv, for before/after
figures taken alternately under the same load: the commit is extracted with `git archive` into
the work folder and laid out as the installed package (`skiptrace/`, with `sql/`, `sources/`,
`matchers/`, `flows/` inside), which PYTHONPATH puts ahead of the editable install. The portfolio is the one bench/scale.py generates and caches
(seed 7, 5 records per account). Results: bench/results/run-<accounts>[-server].json.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scale import DEFAULT_WORKDIR, RESULTS, ROOT, get_portfolio

TARGET_SECONDS = 30.0


class TreeSampler(threading.Thread):
    """Peak resident set of a process plus its live descendants, summed at one instant."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True, name="tree-rss")
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._halt = threading.Event()

    def run(self) -> None:
        import psutil

        with contextlib.suppress(psutil.Error):
            root = psutil.Process(self.pid)
            while not self._halt.is_set():
                total = 0
                with contextlib.suppress(psutil.Error):
                    total = root.memory_info().rss
                    for child in root.children(recursive=True):
                        with contextlib.suppress(psutil.Error):
                            total += child.memory_info().rss
                self.peak = max(self.peak, total)
                self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def prefect_server(home: Path) -> Iterator[str]:
    """A `prefect server start` on 127.0.0.1 for the length of the block; yields its API URL."""
    port = free_port()
    env = os.environ | {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_UI_ENABLED": "false",
    }
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [str(ROOT / ".venv/bin/prefect"), "server", "start", "--host", "127.0.0.1",
         "--port", str(port), "--no-ui"],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}/api"
    try:
        deadline = time.monotonic() + 120
        while True:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(url + "/health", timeout=2) as r,
            ):
                if r.status == 200:
                    break
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"prefect server did not start: see {home / 'server.log'}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def code_of(commit: str, workdir: Path) -> Path:
    """A folder whose `skiptrace` package is `commit`'s code (see the module docstring)."""
    sha = subprocess.check_output(["git", "-C", str(ROOT), "rev-parse", commit], text=True).strip()
    root = workdir / f"code-{sha[:12]}"
    if (root / "pkg" / "skiptrace").is_dir():
        return root / "pkg"
    shutil.rmtree(root, ignore_errors=True)
    (root / "src").mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", sha], check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(root / "src")], input=archive, check=True)
    pkg = root / "pkg" / "skiptrace"
    shutil.copytree(root / "src" / "skiptrace", pkg)
    for folder in ("sql", "sources", "matchers", "flows"):
        # commits since cc10851 carry skiptrace/<folder> as symlinks, which copytree followed
        if not (pkg / folder).exists():
            (pkg / folder).symlink_to(root / "src" / folder)
    return root / "pkg"


def run_once(p: Any, workdir: Path, env: dict[str, str]) -> dict[str, Any]:
    """One `skiptrace run --quiet` from an empty database; the figures of the run."""
    import duckdb

    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    db, out = workdir / "skiptrace.duckdb", workdir / "out"
    cmd = [
        str(ROOT / ".venv/bin/skiptrace"), "run", "--quiet",
        "--accounts", str(p.accounts_path), "--sources", str(p.sources_path),
        "--db", str(db), "--out", str(out), "--as-of", str(p.as_of),
    ]  # fmt: skip
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    stdout, stderr = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.stop()
    if proc.returncode != 0:
        sys.stderr.write(stderr.decode(errors="replace")[-4000:])
        raise SystemExit(f"skiptrace run exited {proc.returncode}")
    con = duckdb.connect(str(db), read_only=True)
    try:
        run_id, run_started = con.execute(
            "SELECT run_id, started_at FROM runs ORDER BY started_at DESC LIMIT 1"
        ).fetchone()  # type: ignore[misc]
    finally:
        con.close()
    summary = json.loads((out / run_id / "run_summary.json").read_text())
    stages = {s["name"]: float(s["seconds"]) for s in summary["stages"]}
    to_first = (run_started - started).total_seconds()
    return {
        "run_id": run_id,
        "wall_s": wall,
        "to_first_stage_s": to_first,
        "stages": stages,
        "rest_s": wall - to_first - sum(stages.values()),
        "peak_rss_tree": sampler.peak,
        "stdout": stdout.decode(errors="replace").strip(),
    }


def render(r: dict[str, Any]) -> str:
    lines = [f"{'to first stage':<16} {r['to_first_stage_s']:7.1f} s"]
    lines += [f"{name:<16} {s:7.1f} s" for name, s in r["stages"].items()]
    lines.append(f"{'rest':<16} {r['rest_s']:7.1f} s  (between stages, finalize, report, exit)")
    lines.append(
        f"{'wall':<16} {r['wall_s']:7.1f} s  ({r['wall_s'] / TARGET_SECONDS:.0%} of the "
        f"{TARGET_SECONDS:.0f} s target); peak RSS (process tree) {r['peak_rss_tree'] / 1e9:.2f} GB"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--workdir", type=Path, default=DEFAULT_WORKDIR)
    ap.add_argument(
        "--server", action="store_true", help="against a running `prefect server` (PREFECT_API_URL)"
    )
    ap.add_argument("--memory-limit", default=None, help="SKIPTRACE_DUCKDB_MEMORY, e.g. 5GB")
    ap.add_argument("--code", default=None, metavar="COMMIT", help="run COMMIT's code instead")
    args = ap.parse_args(argv)

    p, gen_s, generated = get_portfolio(args.workdir, args.accounts, 5.0, args.seed)
    print(
        f"portfolio: {p.n_accounts:,} accounts, {p.n_source_records:,} source records"
        + (f" (generated in {gen_s:.1f} s, not counted)" if generated else " (cached)")
    )
    env = dict(os.environ)
    env.setdefault("SKIPTRACE_HMAC_KEY", "bench-key-not-secret")
    # Prefect gives its ephemeral server 20 s to answer; on this shared machine under load the
    # boot alone has taken longer, and a failed run measures nothing (same for --code runs)
    env.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    env.pop("PREFECT_API_URL", None)
    if args.memory_limit:
        env["SKIPTRACE_DUCKDB_MEMORY"] = args.memory_limit
    tag = f"{args.accounts}" + ("-server" if args.server else "")
    if args.code:
        env["PYTHONPATH"] = str(code_of(args.code, args.workdir))
        tag += f"-{args.code}"
        print(f"code: {args.code} ({env['PYTHONPATH']})")
    workdir = args.workdir / f"cli-run-{tag}"
    if args.server:
        home = args.workdir / f"prefect-home-{tag}"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        with prefect_server(home) as url:
            print(f"prefect server: {url} (start-up not counted)")
            result = run_once(p, workdir, env | {"PREFECT_API_URL": url})
    else:
        print("prefect: ephemeral (no PREFECT_API_URL)")
        result = run_once(p, workdir, env)
    print(result.pop("stdout"))
    print(render(result))
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"run-{tag}.json"
    result |= {"command": " ".join(["bench/run_100k.py", *(argv or sys.argv[1:])])}
    path.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"results: {path}")
    return 0


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
