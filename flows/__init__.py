"""Orchestration, exports, audit, reports and the command line: everything above the matchers.

Subpackages by job, each importing only those listed before it: `audit` < `exports` <
`report` < `orchestration` < `demo` < `cli` (tests/test_layers.py).
"""
