"""A skiptrace command run in a child Python process by a snippet that arranges its own signal.

The signal tests (purge, archive, replay, push, a Ctrl-C leaving a command) start the real CLI
in a process of its own, from a `python -c` snippet that sends the signal at the moment the
test is about (inside a function the command calls), so where it lands does not depend on the
machine's speed. This is the one way they start it: the repository first on the path, the
caller's environment otherwise, two minutes at most.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_snippet(snippet: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -c snippet args...` with this checkout first on PYTHONPATH; output captured."""
    return subprocess.run(
        [sys.executable, "-c", snippet, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


def last_line(done: subprocess.CompletedProcess[str]) -> str:
    """The last line of the child's stderr: where the command's one error line must be."""
    return done.stderr.strip().splitlines()[-1]
