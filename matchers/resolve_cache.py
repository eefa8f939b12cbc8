"""Full or incremental resolve: the evidence cache's state key and the plan (issue 20).

Resolve's evidence part (links -> evidence -> standardized evidence -> address variants) is a
pure function of an account's link set, its records and its on-file contacts; it is recomputed
only for the accounts whose digest changed and carried for the rest from the cache of migration
050 (`sql/resolve/01b_cache_dirty.sql` .. `11_cache_write.sql`). The scoring part and suppress
and emit run for every account every run (docs/scaling.md, "Incremental resolve").

The cache is only valid for the code and settings that computed it, so its state row carries a
key made of one short hash per component. A run whose components differ recomputes everything,
and the reason names the component, so a full resolve is never a surprise in the run summary.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from skiptrace import sql

if TYPE_CHECKING:
    from skiptrace.matchers.confidence import ConfidenceModel

#: matchers.resolve.ResolveSettings (any dataclass of settings): not imported, resolve imports
#: this module.
ResolveSettings = Any

#: Component of the state key -> what a changed one is called in the reason.
COMPONENTS = {
    "settings": "resolve settings changed",
    "model": "confidence model changed",
    "sql": "resolve SQL changed",
    "matcher": "matcher version changed",
    "std": "standardizer version changed",
    "rules": "rules file changed",
}
#: Settings that do not change what resolve computes.
_NOT_COMPARED = ("keep_temp",)


@dataclass
class ResolvePlan:
    """What resolve_contacts does: the whole evidence part, or only the dirty accounts'."""

    incremental: bool
    reason: str
    state_key: str
    base_run_id: str | None = None


def _short_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:12]


@cache
def _resolve_sql_hash() -> str:
    """Every file of sql/resolve (the evidence part's SQL and what the cache rows feed)."""
    h = hashlib.sha256()
    for path in sorted((sql.SQL_DIR / "resolve").glob("*.sql")):
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:12]


@cache
def _versions_hash() -> tuple[str, str]:
    """Matcher and standardizer content versions (cached per process like their callers do)."""
    from skiptrace.matchers.address import address_std_version
    from skiptrace.matchers.names import name_std_version
    from skiptrace.matchers.phones import phone_std_version
    from skiptrace.matchers.settings import matcher_version

    std = "|".join((address_std_version(), phone_std_version(), name_std_version()))
    return _short_hash(matcher_version().encode()), _short_hash(std.encode())


def _rules_hash(rules: Path | None) -> str:
    from skiptrace.matchers.rules import DEFAULT_RULES

    path = Path(rules) if rules else DEFAULT_RULES
    try:
        return _short_hash(path.read_bytes())
    except OSError:  # suppress reports a missing rules file in its own words
        return "missing"


def state_key(settings: ResolveSettings, model: ConfidenceModel, rules: Path | None = None) -> str:
    """`settings=<hash>;model=<hash>;...`: what the cached evidence was computed with."""
    raw = {k: v for k, v in dataclasses.asdict(settings).items() if k not in _NOT_COMPARED}
    matcher, std = _versions_hash()
    parts = {
        "settings": _short_hash(json.dumps(raw, sort_keys=True).encode()),
        "model": _short_hash(json.dumps(model.to_json(), sort_keys=True).encode()),
        "sql": _resolve_sql_hash(),
        "matcher": matcher,
        "std": std,
        "rules": _rules_hash(rules),
    }
    return ";".join(f"{k}={parts[k]}" for k in COMPONENTS)


def _parts(key: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in key.split(";") if "=" in p)


def plan_resolve(
    con: duckdb.DuckDBPyConnection,
    settings: ResolveSettings,
    model: ConfidenceModel,
    *,
    rules: Path | None = None,
    full_rebuild: bool = False,
) -> ResolvePlan:
    """Full when asked, on the first resolve, when the cache was written under another key
    (the reason names which component changed), or when its tables no longer hold what its
    state row says (rows deleted or a table emptied: a missing or foreign cache). Otherwise
    incremental from the cached state."""
    key = state_key(settings, model, rules)
    if full_rebuild:
        return ResolvePlan(False, "full rebuild requested", key)
    state = sql.rows(con, "resolve/cache_state.sql")
    if not state or state[0]["run_id"] is None:
        return ResolvePlan(False, "first resolve (no cache)", key)
    row: dict[str, Any] = state[0]
    base = str(row["run_id"])
    if row["state_key"] != key:
        old, new = _parts(str(row["state_key"] or "")), _parts(key)
        changed = [COMPONENTS[k] for k in COMPONENTS if old.get(k) != new.get(k)]
        return ResolvePlan(False, ", ".join(changed) or "foreign cache", key, base)
    if (row["accounts"], row["evidence_rows"], row["variant_rows"]) != (
        row["n_accounts"],
        row["n_evidence"],
        row["n_variants"],
    ):
        return ResolvePlan(
            False, "cache tables do not match their state (foreign cache)", key, base
        )
    return ResolvePlan(True, f"cache of {base}", key, base)
