"""Import skiptrace from another code tree (a `git archive` of another commit), for benchmarks
that compare two trees in child processes."""

from __future__ import annotations

import sys
from pathlib import Path


def use_code_root(code_root: Path) -> None:
    """Import skiptrace, the mapped subpackages included, from `code_root`.

    The package is installed with a setuptools package-dir mapping (skiptrace.matchers =
    matchers/, ...): `code_root` on sys.path finds its `skiptrace/` folder, and `code_root`
    itself is added to the package's search path so that skiptrace.matchers etc. resolve to
    `code_root`/matchers ahead of the editable install. Fails loudly rather than silently timing
    the wrong code.

    A skiptrace already imported (bench/_private.py imports `skiptrace.atomic` before a script's
    main runs) is forgotten first: otherwise its package, and with it every subpackage, would
    still resolve to the editable install.
    """
    for name in [m for m in sys.modules if m == "skiptrace" or m.startswith("skiptrace.")]:
        del sys.modules[name]
    sys.path.insert(0, str(code_root))
    import skiptrace

    if str(code_root) not in skiptrace.__path__:
        skiptrace.__path__.append(str(code_root))
    import skiptrace.sql

    where = Path(skiptrace.sql.__file__ or "").resolve()
    if not where.is_relative_to(code_root.resolve()):
        raise RuntimeError(f"skiptrace imported from {where}, not from {code_root}")
