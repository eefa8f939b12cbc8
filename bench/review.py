"""Review workbench benchmark (issue 22): how long each page takes to answer, over real HTTP.

Target: every page under 200 ms on a 100,000-account database.

    flock /tmp/skiptrace-heavy.lock .venv/bin/skiptrace demo --accounts 100000 --workdir demo100k
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/review.py --db demo100k/skiptrace.duckdb
    .venv/bin/python bench/review.py --db demo/skiptrace.duckdb --screenshots docs/img

The workbench runs in this process (uvicorn in a thread, as `skiptrace review` serves it) and a
real HTTP client logs in and requests each page `--repeat` times after one warm-up request:
the queue (first page and a later page), held pairs (the first `--pairs` of the queue: two
records side by side and the waterfall), the disputed-flags page and account pages (the
accounts with the most scored records, the heaviest `explain`). Every request opens the
database read-only and closes it again, as in production. Reported per page: median, p95 and
max milliseconds. A temporary reviewer user is added to the database's sidecar and removed.
Results go to bench/results/review-<accounts>.json.

`--screenshots DIR` instead writes DIR/review_queue.png and DIR/review_account.png with
Playwright and Debian's chromium (the README's pictures).
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import duckdb
import httpx

from skiptrace.flows.review.auth import hash_password
from skiptrace.flows.review.store import Store
from skiptrace.flows.review.testing import CHROMIUM_ARGS, BackgroundServer, chromium_path

RESULTS = Path(__file__).resolve().parent / "results"
TARGET_MS = 200.0
BENCH_USER = "bench-reviewer"


def sample_targets(db: Path, pairs: int, accounts: int) -> dict[str, Any]:
    """Pages to request: held pairs in queue order, the accounts with the most scored records."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        run = con.execute(
            "SELECT run_id FROM runs WHERE status = 'completed' ORDER BY run_id DESC LIMIT 1"
        ).fetchall()[0][0]
        held = con.execute(
            "SELECT account_id, rec_id FROM match_pairs WHERE run_id = ? AND role = 'rejected' "
            "ORDER BY match_probability DESC, account_id, rec_id LIMIT ?",
            [run, pairs],
        ).fetchall()
        busiest = con.execute(
            "SELECT account_id FROM match_pairs WHERE run_id = ? GROUP BY account_id "
            "ORDER BY count(*) DESC, account_id LIMIT ?",
            [run, accounts],
        ).fetchall()
        n_accounts = con.execute("SELECT count(DISTINCT account_id) FROM accounts").fetchall()[0][0]
        queue_len = con.execute(
            "SELECT count(*) FROM match_pairs WHERE run_id = ? AND role = 'rejected'", [run]
        ).fetchall()[0][0]
    finally:
        con.close()
    return {
        "run_id": run,
        "accounts": int(n_accounts),
        "queue_length": int(queue_len),
        "pairs": [f"/pair?account={quote(a)}&rec={r}" for a, r in held],
        "account_pages": [f"/account?id={quote(a)}" for (a,) in busiest],
    }


def login(client: httpx.Client, password: str) -> None:
    page = client.get("/login").text
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    r = client.post("/login", data={"csrf": token, "username": BENCH_USER, "password": password})
    if r.status_code != 303:
        raise SystemExit(f"bench login failed: HTTP {r.status_code}")


def timed(client: httpx.Client, path: str, repeat: int) -> list[float]:
    client.get(path)  # warm-up: first-use imports, DuckDB metadata
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        r = client.get(path)
        out.append((time.perf_counter() - t0) * 1000)
        if r.status_code != 200:
            raise SystemExit(f"{path}: HTTP {r.status_code}")
    return out


def summarize(ms: list[float]) -> dict[str, float]:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
    return {"n": len(ms), "median_ms": round(statistics.median(ms), 1),
            "p95_ms": round(p95, 1), "max_ms": round(ms[-1], 1)}  # fmt: skip


def bench(db: Path, repeat: int, pairs: int, accounts: int) -> dict[str, Any]:
    targets = sample_targets(db, pairs, accounts)
    store = Store(db)
    password = secrets.token_urlsafe(16)
    store.save_user(BENCH_USER, "reviewer", hash_password(password))
    server = BackgroundServer(db).start()
    try:
        with httpx.Client(base_url=server.url, follow_redirects=False, timeout=30) as client:
            login(client, password)
            pages: dict[str, list[float]] = {
                "queue (first page)": timed(client, "/queue", repeat),
                "queue (page 10)": timed(client, "/queue?page=10", repeat),
                "disputed flags": timed(client, "/flags", repeat),
                "held pair": [m for p in targets["pairs"] for m in timed(client, p, repeat)],
                "account": [m for p in targets["account_pages"] for m in timed(client, p, repeat)],
            }
    finally:
        server.stop()
        store.remove_user(BENCH_USER)
    result = {
        "database": str(db),
        "accounts": targets["accounts"],
        "run_id": targets["run_id"],
        "queue_length": targets["queue_length"],
        "target_ms": TARGET_MS,
        "pages": {name: summarize(ms) for name, ms in pages.items()},
    }
    result["all_under_target"] = all(p["max_ms"] < TARGET_MS for p in result["pages"].values())
    return result


def screenshots(db: Path, out: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise SystemExit("no chromium found: apt-get install chromium")
    targets = sample_targets(db, 1, 1)
    store = Store(db)
    password = secrets.token_urlsafe(16)
    store.save_user(BENCH_USER, "reviewer", hash_password(password))
    server = BackgroundServer(db).start()
    out.mkdir(parents=True, exist_ok=True)
    written = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{server.url}/login")
            page.fill("#username", BENCH_USER)
            page.fill("#password", password)
            page.click("#login")
            page.wait_for_url(f"{server.url}/queue")
            for name, path in (
                ("review_queue.png", "/queue"),
                ("review_pair.png", targets["pairs"][0]),
                ("review_account.png", targets["account_pages"][0]),
            ):
                page.goto(server.url + path)
                page.screenshot(path=str(out / name), full_page=False)
                written.append(out / name)
            browser.close()
    finally:
        server.stop()
        store.remove_user(BENCH_USER)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, required=True, help="database after at least one run")
    ap.add_argument("--repeat", type=int, default=20, help="requests per page (after a warm-up)")
    ap.add_argument("--pairs", type=int, default=10, help="held pairs to request")
    ap.add_argument("--accounts", type=int, default=5, help="account pages to request")
    ap.add_argument("--screenshots", type=Path, help="write the README screenshots here instead")
    args = ap.parse_args(argv)
    if not args.db.is_file():
        raise SystemExit(f"database {args.db} does not exist")
    if args.screenshots:
        for p in screenshots(args.db, args.screenshots):
            print(p)
        return 0
    result = bench(args.db, args.repeat, args.pairs, args.accounts)
    print(f"{result['accounts']:,} accounts, run {result['run_id']}, "
          f"{result['queue_length']:,} held pairs; target {TARGET_MS:.0f} ms")  # fmt: skip
    print(f"{'page':<20}{'n':>5}{'median ms':>11}{'p95 ms':>9}{'max ms':>9}")
    for name, s in result["pages"].items():
        print(f"{name:<20}{s['n']:>5}{s['median_ms']:>11}{s['p95_ms']:>9}{s['max_ms']:>9}")
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"review-{result['accounts']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"all pages under {TARGET_MS:.0f} ms: {result['all_under_target']}  ({path})")
    return 0 if result["all_under_target"] else 1


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
