"""Content versions: a label plus a hash of the files, package versions and Unicode tables that
determine a component's results.

Used for the matcher (``matchers.link.matcher_version``: an auditor can tell two runs scored by
different code apart, and the incremental cache is dropped when it changes) and for each
standardization cache (``std_version`` of the address, name and phone caches). Not to be confused
with ``skiptrace.flows.audit.runs.code_version``, the package + git commit recorded with a run.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

#: Repository root: source paths are hashed relative to it, so a version does not depend on
#: where the checkout lives.
ROOT = Path(__file__).resolve().parents[1]


def content_version(label: str, files: Iterable[Path], packages: Iterable[str] = ()) -> str:
    """``<label>+<12 hex>``: a hash of `files` (path relative to the repository and content),
    of the installed versions of `packages` and of Python's Unicode database.

    Why a content hash and not a hand-bumped number: nobody remembers to bump a number when a
    Pub 28 table or a nickname rule changes, and a forgotten bump silently leaves two forms of
    one value in the cache. Why the packages too: usaddress's CRF model, phonenumbers' metadata
    (validity, line type, time zone), the nickname table and the ZIP table ship inside those
    packages, so upgrading one changes results without touching our files; and the Unicode
    tables behind accent folding, ``upper()`` and ``\\d`` come with Python. Callers cache the
    result per process (a few files read once), so a run pays for it once.
    """
    h = hashlib.sha256()
    for path in sorted(Path(f).resolve() for f in files):
        try:
            name = path.relative_to(ROOT).as_posix()
        except ValueError:  # outside the checkout (tests hash temporary files): name only
            name = path.name
        h.update(name.encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    for package in sorted(packages):
        try:
            installed = metadata.version(package)
        except metadata.PackageNotFoundError:
            installed = "absent"
        h.update(f"{package}=={installed}\0".encode())
    h.update(f"unicode=={unicodedata.unidata_version}".encode())
    return f"{label}+{h.hexdigest()[:12]}"
