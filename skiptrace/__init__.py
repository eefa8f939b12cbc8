"""skiptrace: skip tracing and contact data for debt collections.

One installed package over the project's folders (setuptools maps them, see pyproject.toml):

* `skiptrace.sql` (folder `sql/`): the database layer: connect, migrate, run a `.sql` file;
* `skiptrace.sources` (`sources/`): ingest: registry, readers, validation, quarantine, PII hashing;
* `skiptrace.matchers` (`matchers/`): standardize, block, score, guard, resolve, suppress;
* `skiptrace.flows` (`flows/`): orchestration, exports, audit, report, demo and the CLI.

Each layer imports only the layers listed before it (tests/test_layers.py). The modules of this
root package (atomic file writes, masking, progress notices, errors) sit below all of them.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("skiptrace")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
