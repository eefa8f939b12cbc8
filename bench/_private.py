"""Run a benchmark's entry point with files private to their owner.

Why: benchmarks write portfolios, run databases, database copies and exports. The data is
synthetic (or a public test set) but laid out like the real thing, and a copy of a real
database is one `--db` away. `skiptrace run` makes its files 0600 and folders 0700; so does
every script here, through this one wrapper, rather than each copy site remembering a mode.
"""

from __future__ import annotations

from collections.abc import Callable


def run_private(main: Callable[[], int | None]) -> int:
    """Call `main` under skiptrace's private umask and return its exit code (None is 0)."""
    from skiptrace.atomic import private_umask

    with private_umask():
        return main() or 0
