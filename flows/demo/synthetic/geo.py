"""ZIP / city / state / area-code tables for the generator, built offline from packages.

Addresses must be internally consistent (a ZIP belongs to its city and state) and phones must
carry area codes that really serve that ZIP, otherwise the pipeline's ZIP-state and
area-code/time-zone cross-checks would be tested against nonsense. `zipcodes` ships the USPS
table; `phonenumbers` tells which area codes are in service.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import phonenumbers
import zipcodes

from skiptrace.flows.demo.synthetic.vocab import STATE_POPULATION

#: Exchanges (NXX) never generated: N11 service codes, 555 (fiction/directory), 950/958/959
#: (carrier access, test), 976 (premium).
_BAD_EXCHANGES: frozenset[int] = frozenset(
    [n * 100 + 11 for n in range(2, 10)] + [555, 950, 958, 959, 976]
)


@dataclass(frozen=True)
class ZipTable:
    """Standard, active ZIPs of the 50 states + DC, sorted by (state, zip).

    Sorting by state makes "a random ZIP in the same state" a slice lookup, which keeps move
    destinations vectorized.
    """

    zip5: np.ndarray  # '<U5'
    city: np.ndarray  # object (title case, as USPS prints it)
    state: np.ndarray  # '<U2'
    state_idx: np.ndarray  # int32 index into `states`
    states: tuple[str, ...]
    state_weight: np.ndarray  # float64, sums to 1
    state_start: np.ndarray  # int64 first row of each state
    state_count: np.ndarray  # int64 rows of each state
    ac_start: np.ndarray  # int64 per ZIP: first area code in `ac_values`
    ac_count: np.ndarray  # int64 per ZIP: how many area codes serve it
    ac_values: np.ndarray  # int64 area codes (valid, in service)
    exchanges: np.ndarray  # int64 usable NXX codes

    def __len__(self) -> int:
        return len(self.zip5)


def _area_code_valid(ac: str) -> bool:
    """True when phonenumbers accepts ordinary numbers in this area code."""
    probes = ("2345678", "4567890", "7891234", "9012345")
    return all(phonenumbers.is_valid_number(phonenumbers.parse(f"+1{ac}{p}")) for p in probes)


@functools.lru_cache(maxsize=1)
def zip_table() -> ZipTable:
    """Build (once per process) the ZIP table from the `zipcodes` package."""
    rows = [
        r
        for r in zipcodes.list_all()
        if r["active"] and r["zip_code_type"] == "STANDARD" and r["state"] in STATE_POPULATION
    ]
    rows.sort(key=lambda r: (r["state"], r["zip_code"]))
    states = tuple(sorted(STATE_POPULATION))
    st_index = {s: i for i, s in enumerate(states)}
    state_idx = np.array([st_index[r["state"]] for r in rows], dtype=np.int32)
    counts = np.bincount(state_idx, minlength=len(states)).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    weights = np.array([STATE_POPULATION[s] for s in states], dtype=np.float64)
    weights /= weights.sum()

    valid = {ac: _area_code_valid(ac) for ac in sorted({a for r in rows for a in r["area_codes"]})}
    by_state: dict[str, list[int]] = {}
    for r in rows:
        by_state.setdefault(r["state"], []).extend(int(a) for a in r["area_codes"] if valid.get(a))
    ac_start: list[int] = []
    ac_count: list[int] = []
    values: list[int] = []
    for r in rows:
        codes = [int(a) for a in r["area_codes"] if valid.get(a)]
        if not codes:  # a few ZIPs list none: fall back to the state's codes
            codes = sorted(set(by_state.get(r["state"], []))) or [212]
        ac_start.append(len(values))
        ac_count.append(len(codes))
        values.extend(codes)
    exchanges = np.array([x for x in range(200, 1000) if x not in _BAD_EXCHANGES], np.int64)
    return ZipTable(
        zip5=np.array([r["zip_code"] for r in rows], dtype="<U5"),
        city=np.array([r["city"] for r in rows], dtype=object),
        state=np.array([r["state"] for r in rows], dtype="<U2"),
        state_idx=state_idx,
        states=states,
        state_weight=weights,
        state_start=starts,
        state_count=counts,
        ac_start=np.array(ac_start, dtype=np.int64),
        ac_count=np.array(ac_count, dtype=np.int64),
        ac_values=np.array(values, dtype=np.int64),
        exchanges=exchanges,
    )
