"""Run a bench script with skiptrace imported from another code tree.

    git archive <commit> | tar -x -C /tmp/code-<commit>
    flock /tmp/skiptrace-heavy.lock .venv/bin/python bench/with_code.py /tmp/code-<commit> \\
        /tmp/code-<commit>/bench/scale.py --accounts 1000000 --workdir bench/results/tmp/scale

Why: a benchmark that imports skiptrace from the working tree reads its SQL files and lazily
imported modules while it runs (a 1M run takes ten minutes), so the tree cannot change until it
ends, and two commits cannot be timed one after the other without checking either out. With
the code imported from a `git archive` (`_code_root.use_code_root`), the tree stays free and the
figures belong to one commit. Scripts with a `--code-root` option of their own
(`vs_splink.py`, `blocking_statements.py`, `stage_alone.py`) do not need this. The usaddress
worker processes of standardize import the installed package, not the archive's.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def main() -> None:
    if len(sys.argv) < 3:
        raise SystemExit("usage: with_code.py CODE_ROOT SCRIPT [ARGS...]")
    root, script = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
    from _code_root import use_code_root

    use_code_root(root)
    sys.path.insert(0, str(script.parent))
    sys.argv = [str(script), *sys.argv[3:]]
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    from _private import run_private

    raise SystemExit(run_private(main))
