"""Timing code in child processes: the parts the benchmarks that compare code trees or systems
share (delta_alone.py, stage_alone.py, match_steps.py, vs_splink.py).

Each of them runs what it times in a fresh child process (a tree's skiptrace imported there,
`_code_root.use_code_root`; the child's memory its own) and reads the child's figures from the
JSON on its last line of output. The trees alternate round by round (`alternating`), so a
machine whose load drifts slows every tree alike. CPU seconds (`cpu_seconds`) are reported next
to wall time: on a shared machine they move less when another process competes for the cores.

The medians stay each script's own: match_steps.py takes every step's median over the rounds
(statistics.median: the mean of the middle two for an even count), vs_splink.py reports the whole
run with the median wall time (the lower middle), so one shared median would change a figure.

Standard library only: vs_splink.py's Splink worker may run under another interpreter that has
only splink and duckdb (`--splink-python`).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

#: How much of a failed child's stderr its error quotes (the traceback's end).
STDERR_TAIL = 6000


def alternating(items: Sequence[T], repeat: int) -> Iterator[tuple[int, int, T]]:
    """(round from 1, index, item) for `repeat` rounds of every item in order: the code trees
    (or systems) alternate rather than one tree's runs coming one after another."""
    for round_no in range(1, repeat + 1):
        for k, item in enumerate(items):
            yield round_no, k, item


def run_child(
    cmd: Sequence[str], *, what: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> str:
    """Run a child process to its end; its stdout. A child that fails raises RuntimeError
    naming `what`, with the end of its stderr (the output is captured, so it would be lost)."""
    proc = subprocess.run(list(cmd), capture_output=True, text=True, check=False, env=env, cwd=cwd)
    if proc.returncode != 0:
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{proc.stderr[-STDERR_TAIL:]}")
    return proc.stdout


def child_json(
    cmd: Sequence[str], *, what: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> dict[str, Any]:
    """Run a child process (`run_child`); the JSON object on its last line of stdout."""
    out = run_child(cmd, what=what, env=env, cwd=cwd)
    return dict(json.loads(out.strip().splitlines()[-1]))


def cpu_seconds() -> float:
    """User + system CPU seconds of this process so far, every thread's (DuckDB's included)."""
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def peak_rss_bytes() -> int:
    """This process's peak RSS so far, bytes (ru_maxrss, which Linux gives in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def database_copies(
    db: Path, roots: Sequence[Path], repeat: int, keep: Path | None, scratch: str
) -> Iterator[tuple[int, Path, Path]]:
    """(round from 1, code root, a fresh copy of the database `db`) for each tree of `roots` in
    turn, `repeat` rounds (`alternating`): each run changes its own copy. A copy is made in
    `keep`/r<round>-<tree> and stays there, or without `keep` in `scratch` beside `db`, removed
    once the run is done (left in place when the run fails, to look at)."""
    for round_no, k, root in alternating(roots, repeat):
        folder = keep / f"r{round_no}-{k}" if keep else db.parent / scratch
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        copy = folder / db.name
        shutil.copyfile(db, copy)
        yield round_no, root, copy
        if not keep:
            shutil.rmtree(folder)


def git_head(root: Path, *status_args: str) -> str | None:
    """The short commit of the git checkout `root`, with '+dirty' when `git status --porcelain
    <status_args>` lists anything; None where git cannot tell (a `git archive` snapshot: the
    benchmarks read its commit from a COMMIT file first)."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(root), *args], capture_output=True, text=True, check=True
        )
        return done.stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", *status_args)
    except (OSError, subprocess.CalledProcessError):
        return None
    return head + ("+dirty" if dirty else "")
