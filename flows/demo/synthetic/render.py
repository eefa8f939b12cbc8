"""Vectorized rendering of world facts into the messy strings real files carry.

Each helper turns numpy arrays (ids, days, digits) into polars string Series, adding the noise
real extracts have: one-character typos, nicknames, day/month swaps, SSN digit slips, address
and phone format variety. All randomness comes from the caller's Generator, so the same seed
renders the same bytes; no per-row Python runs here.
"""

from __future__ import annotations

import functools

import numpy as np
import polars as pl
from nicknames import NickNamer

from skiptrace.flows.demo.synthetic import vocab
from skiptrace.flows.demo.synthetic.geo import zip_table
from skiptrace.flows.demo.synthetic.world import FIRST_NAMES, NODATE, SUFFIXES, SURNAME_LIST, World

_LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))

# address styles
S_USPS, S_FULL, S_LOWER, S_HASH, S_TITLE = range(5)
N_STYLES = 5


def choice(rng: np.random.Generator, n: int, probs: list[float] | tuple[float, ...]) -> np.ndarray:
    """Index draws from a small categorical (probabilities need not be normalized)."""
    cdf = np.cumsum(np.asarray(probs, dtype=np.float64))
    return np.minimum(np.searchsorted(cdf, rng.random(n) * cdf[-1], side="right"), len(cdf) - 1)


def gather_idx(idx: np.ndarray) -> pl.Series:
    """Gather indices as a Series, with null where idx < 0 (so the gather yields null)."""
    idx = np.asarray(idx, dtype=np.int64)
    mask = idx < 0
    s = pl.Series(np.where(mask, 0, idx), dtype=pl.Int64)
    if mask.any():
        s = s.scatter(np.flatnonzero(mask), None)
    return s


_TABLES: dict[int, tuple[tuple[str, ...] | list[str], pl.Series]] = {}


def table_lookup(table: list[str] | tuple[str, ...], idx: np.ndarray) -> pl.Series:
    """table[idx] with null for idx < 0 (one gather; the table Series is built once)."""
    hit = _TABLES.get(id(table))
    if hit is None or hit[0] is not table:
        hit = (table, pl.Series(values=list(table), dtype=pl.String))
        if len(_TABLES) < 256:  # keeps a reference, so the id cannot be reused
            _TABLES[id(table)] = hit
    return hit[1].gather(gather_idx(idx))


def fold_accents(s: pl.Series) -> pl.Series:
    """ASCII-fold accented letters, as sources that only carry ASCII do (MUÑOZ -> MUNOZ)."""
    src = [a for a, _ in vocab.ACCENT_FOLD]
    dst = [b for _, b in vocab.ACCENT_FOLD]
    return s.str.replace_many(src, dst)


def typo(s: pl.Series, mask: np.ndarray, rng: np.random.Generator) -> pl.Series:
    """One-character edits (substitute, delete, transpose, double) on the masked rows.

    The first character is kept: real keying slips rarely hit it, and blocking on the first
    letter is what most matchers do, so the generator does not make that impossible.
    """
    idx = np.flatnonzero(
        np.asarray(mask)
        & s.is_not_null().to_numpy()
        & (s.str.len_chars().fill_null(0).to_numpy() >= 3)
    )
    if len(idx) == 0:
        return s
    sub = s.gather(idx)
    n = len(idx)
    op = rng.integers(0, 4, n)
    u = rng.random(n)
    letters = _LETTERS[rng.integers(0, 26, n)]
    df = pl.DataFrame({"s": sub, "u": u, "op": op, "c": letters})
    ln = pl.col("s").str.len_chars().cast(pl.Int64)
    pos = (pl.col("u") * (ln - 1)).floor().cast(pl.Int64) + 1  # 1 .. len-1
    tpos = pl.min_horizontal(pos, ln - 2)
    s_ = pl.col("s")
    out = df.select(
        pl.when(pl.col("op") == 0)
        .then(s_.str.slice(0, pos) + pl.col("c") + s_.str.slice(pos + 1))
        .when(pl.col("op") == 1)
        .then(s_.str.slice(0, pos) + s_.str.slice(pos + 1))
        .when(pl.col("op") == 2)
        .then(
            s_.str.slice(0, tpos)
            + s_.str.slice(tpos + 1, 1)
            + s_.str.slice(tpos, 1)
            + s_.str.slice(tpos + 2)
        )
        .otherwise(s_.str.slice(0, pos + 1) + s_.str.slice(pos))
        .alias("s")
    )["s"]
    return s.scatter(idx, out)


def case_mix(s: pl.Series, upper_mask: np.ndarray) -> pl.Series:
    """Uppercase where masked, else keep the vocabulary's title case."""
    return when_mask(upper_mask, s.str.to_uppercase(), s)


def when_mask(mask: np.ndarray, a: pl.Series, b: pl.Series) -> pl.Series:
    """a where mask else b (all-true / all-false masks skip the conditional)."""
    mask = np.asarray(mask, dtype=bool)
    if mask.all():
        return a
    if not mask.any():
        return b
    return pl.select(
        pl.when(pl.lit(pl.Series(mask, dtype=pl.Boolean))).then(a).otherwise(b)
    ).to_series()


def null_where(s: pl.Series, mask: np.ndarray) -> pl.Series:
    idx = np.flatnonzero(mask)
    if len(idx) == 0:
        return s
    return s.scatter(idx, None)


# --------------------------------------------------------------------------- names


@functools.lru_cache(maxsize=1)
def _nick_table() -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """CSR table: for each FIRST_NAMES index, the common nicknames the package knows."""
    nn = NickNamer()
    start: list[int] = []
    count: list[int] = []
    values: list[str] = []
    for name in FIRST_NAMES:
        key = name.lower().translate(str.maketrans(dict[str, str | int | None](vocab.ACCENT_FOLD)))
        nicks = sorted(n for n in nn.nicknames_of(key) if n in vocab.COMMON_NICKS)
        start.append(len(values))
        count.append(len(nicks))
        values.extend(n.capitalize() for n in nicks)
    return np.array(start, np.int64), np.array(count, np.int64), tuple(values)


def first_names(
    first_idx: np.ndarray, rng: np.random.Generator, p_nick: float, p_typo: float
) -> pl.Series:
    """Given names with nicknames (Bob for Robert) and typos sprinkled in."""
    start, count, values = _nick_table()
    n = len(first_idx)
    f = np.asarray(first_idx, dtype=np.int64)
    valid = f >= 0
    fc = np.where(valid, count[np.where(valid, f, 0)], 0)
    use_nick = valid & (fc > 0) & (rng.random(n) < p_nick)
    nick_pos = np.where(
        use_nick,
        start[np.where(valid, f, 0)] + np.floor(rng.random(n) * np.maximum(fc, 1)).astype(np.int64),
        -1,
    )
    base = table_lookup(FIRST_NAMES, f)
    if use_nick.any():
        nick = table_lookup(values, nick_pos)
        base = when_mask(use_nick, nick, base)
    return typo(base, rng.random(n) < p_typo, rng)


def last_names(last_idx: np.ndarray, rng: np.random.Generator, p_typo: float) -> pl.Series:
    s = table_lookup(SURNAME_LIST, last_idx)
    return typo(s, rng.random(len(last_idx)) < p_typo, rng)


def middle_names(
    middle_idx: np.ndarray, rng: np.random.Generator, p_full: float, p_initial: float
) -> pl.Series:
    """Middle name as full, initial only, or dropped (probabilities of full / initial)."""
    s = table_lookup(FIRST_NAMES, middle_idx)
    mode = choice(rng, len(middle_idx), [p_full, p_initial, max(0.0, 1 - p_full - p_initial)])
    s = when_mask(mode == 1, s.str.slice(0, 1), s)
    return null_where(s, mode == 2)


def suffixes(suffix_code: np.ndarray, rng: np.random.Generator, p_show: float) -> pl.Series:
    code = np.where((suffix_code > 0) & (rng.random(len(suffix_code)) < p_show), suffix_code, -1)
    return table_lookup(SUFFIXES, code)


# --------------------------------------------------------------------------- numbers


def ssn_typos(ssn: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One-digit slips or adjacent transpositions that still look like a valid SSN."""
    out = ssn.copy()
    idx = np.flatnonzero(mask & (ssn > 0))
    if len(idx) == 0:
        return out
    v = ssn[idx]
    pos = rng.integers(0, 8, len(idx))  # digit position from the right, 0..7 (pairs for swaps)
    p10 = 10 ** pos.astype(np.int64)
    d0 = (v // p10) % 10
    d1 = (v // (p10 * 10)) % 10
    swapped = v - d0 * p10 - d1 * p10 * 10 + d1 * p10 + d0 * p10 * 10
    delta = rng.integers(1, 10, len(idx))
    subst = v - d0 * p10 + ((d0 + delta) % 10) * p10
    use_swap = (rng.random(len(idx)) < 0.4) & (d0 != d1)
    cand = np.where(use_swap, swapped, subst)
    area, group, serial = cand // 1_000_000, (cand // 10_000) % 100, cand % 10_000
    ok = (area > 0) & (area != 666) & (area < 900) & (group > 0) & (serial > 0)
    # fall back to a slip in the serial that cannot produce 0000
    fallback = v - (v % 10) + ((v % 10) % 9 + 1)
    fallback = np.where(fallback == v, v - (v % 10) + ((v % 10 + 1) % 9 + 1), fallback)
    out[idx] = np.where(ok, cand, fallback)
    return out


def ssn_strings(ssn: np.ndarray, dashed: np.ndarray) -> pl.Series:
    s = pl.Series(ssn, dtype=pl.Int64).cast(pl.String).str.zfill(9)
    d = s.str.slice(0, 3) + "-" + s.str.slice(3, 2) + "-" + s.str.slice(5, 4)
    out = when_mask(dashed, d, s)
    return null_where(out, ssn <= 0)


_PH_P0 = ("", "(", "", "+1 ", "", "1-")
_PH_P1 = ("", ") ", ".", " ", "-", "-")
_PH_P2 = ("", "-", ".", " ", "-", "-")


def phone_strings(number: np.ndarray, fmt: np.ndarray) -> pl.Series:
    """Formats: 0 5551234567, 1 (555) 123-4567, 2 555.123.4567, 3 +1 555 123 4567,
    4 555-123-4567, 5 1-555-123-4567. Zero numbers become null."""
    s = pl.Series(number, dtype=pl.Int64).cast(pl.String)
    f = np.asarray(fmt, dtype=np.int64)
    out = pl.select(
        pl.concat_str(
            [
                table_lookup(_PH_P0, f),
                s.str.slice(0, 3),
                table_lookup(_PH_P1, f),
                s.str.slice(3, 3),
                table_lookup(_PH_P2, f),
                s.str.slice(6, 4),
            ]
        )
    ).to_series()
    return null_where(out, number <= 0)


def phone_digits(number: np.ndarray) -> pl.Series:
    return null_where(pl.Series(number, dtype=pl.Int64).cast(pl.String), number <= 0)


# --------------------------------------------------------------------------- dates


def swap_day_month(days: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Swap day and month where that still gives a real, different date."""
    d = np.asarray(days, dtype=np.int64)
    ok = mask & (d != NODATE)
    if not ok.any():
        return days
    dt = np.where(ok, d, 0).astype("datetime64[D]")
    month_start = dt.astype("datetime64[M]")
    year = dt.astype("datetime64[Y]").astype(np.int64) + 1970
    month = month_start.astype(np.int64) % 12 + 1
    day = (dt - month_start).astype(np.int64) + 1
    ok &= (day <= 12) & (day != month)
    swapped = ((year - 1970) * 12 + (day - 1)).astype("datetime64[M]").astype("datetime64[D]") + (
        month - 1
    )
    return np.where(ok, swapped.astype(np.int64), d).astype(np.int32)


def date_strings(days: np.ndarray, fmt: str) -> pl.Series:
    d = np.asarray(days, dtype=np.int64)
    s = pl.Series(np.where(d == NODATE, 0, d), dtype=pl.Int32).cast(pl.Date).dt.strftime(fmt)
    return null_where(s, d == NODATE)


def mixed_dates(days: np.ndarray, fmts: list[str], which: np.ndarray) -> pl.Series:
    out = date_strings(days, fmts[0])
    for k, f in enumerate(fmts[1:], start=1):
        if (which == k).any():
            out = when_mask(which == k, date_strings(days, f), out)
    return out


# --------------------------------------------------------------------------- addresses


def _style_table(forms: list[tuple[str, ...]]) -> tuple[str, ...]:
    """Flatten per-style tables: index = style * len(forms[0]) + item."""
    return tuple(x for form in forms for x in form)


_DIR_ABBR = tuple(a for a, _ in vocab.DIRECTIONALS)
_DIR_FULL = tuple(f for _, f in vocab.DIRECTIONALS)
_DIR_TABLE = _style_table(
    [
        _DIR_ABBR,
        _DIR_FULL,
        tuple(a.lower() + ("." if len(a) == 1 else "") for a in _DIR_ABBR),
        _DIR_ABBR,
        _DIR_ABBR,
    ]
)
_ST_ABBR = tuple(a for a, _ in vocab.STREET_TYPES)
_ST_FULL = tuple(f for _, f in vocab.STREET_TYPES)
_ST_TABLE = _style_table(
    [
        _ST_ABBR,
        _ST_FULL,
        tuple(a.lower() + ("" if a.lower() == f.lower() else ".") for a, f in vocab.STREET_TYPES),
        _ST_ABBR,
        tuple(a.capitalize() for a in _ST_ABBR),
    ]
)
_UNIT_ABBR = tuple(u[0] for u in vocab.UNIT_TYPES)
_UNIT_TABLE = _style_table(
    [
        tuple(u + " " for u in _UNIT_ABBR),
        tuple(u.capitalize() + " " for u in _UNIT_ABBR),
        tuple(u.lower() + ("" if u in ("UNIT", "LOT") else ".") + " " for u in _UNIT_ABBR),
        tuple("#" for _ in _UNIT_ABBR),
        tuple(u.capitalize() + " " for u in _UNIT_ABBR),
    ]
)
_BOX_TABLE = ("PO BOX ", "P.O. Box ", "p.o. box ", "PO BOX ", "Po Box ")


def address_strings(
    world: World,
    ids: np.ndarray,
    style: np.ndarray,
    unit_line2: np.ndarray,
    rng: np.random.Generator,
    p_typo: float = 0.0,
    zip_mode: np.ndarray | None = None,
) -> dict[str, pl.Series]:
    """Render addresses: line1, line2, city, state, zip.

    style: 0 '123 N MAIN ST APT 4', 1 '123 North Main Street Apt 4',
    2 '123 n. main st., apt. 4', 3 '123 N MAIN ST #4', 4 '123 N Main St Apt 4'.
    unit_line2 puts the unit in line 2. zip_mode: 0 ZIP5, 1 ZIP+4, 2 nine digits.
    Address id -1 renders as all-null.
    """
    a = world.addrs.arrays()
    ids = np.asarray(ids, dtype=np.int64)
    n = len(ids)
    missing = ids < 0
    safe = np.where(missing, 0, ids)
    style = np.asarray(style, dtype=np.int64)
    number = a["number"][safe]
    predir = a["predir"][safe].astype(np.int64)
    street = a["street"][safe].astype(np.int64)
    stype = a["stype"][safe].astype(np.int64)
    utype = a["unit_type"][safe].astype(np.int64)
    unit = a["unit"][safe]
    pobox = a["pobox"][safe]
    z = a["zip"][safe]
    is_box = pobox > 0
    has_unit = utype >= 0
    nd, nst, nu = len(_DIR_ABBR), len(_ST_ABBR), len(_UNIT_ABBR)

    name = table_lookup(vocab.STREETS, np.where(is_box, -1, street))
    if p_typo > 0:
        name = typo(name, rng.random(n) < p_typo, rng)
    is_upper = np.isin(style, [S_USPS, S_HASH])
    is_lower = style == S_LOWER
    name = when_mask(
        is_upper, name.str.to_uppercase(), when_mask(is_lower, name.str.to_lowercase(), name)
    )
    pre = table_lookup(_DIR_TABLE, np.where(predir >= 0, style * nd + predir, -1))
    suf = table_lookup(_ST_TABLE, np.where(stype >= 0, style * nst + stype, -1))
    num = null_where(pl.Series(number, dtype=pl.Int32).cast(pl.String), is_box)
    street_part = pl.select(
        pl.concat_str([num, pre, name, suf], separator=" ", ignore_nulls=True)
    ).to_series()
    box = pl.select(
        pl.concat_str(
            [table_lookup(_BOX_TABLE, style), pl.Series(pobox, dtype=pl.Int32).cast(pl.String)]
        )
    ).to_series()
    core = when_mask(is_box, box, street_part)
    unit_txt = pl.select(
        pl.concat_str(
            [
                table_lookup(_UNIT_TABLE, np.where(has_unit, style * nu + utype, -1)),
                pl.Series(unit, dtype=pl.Int32).cast(pl.String),
            ]
        )
    ).to_series()
    inline = has_unit & ~np.asarray(unit_line2, dtype=bool)
    line1 = when_mask(
        inline,
        pl.select(
            pl.concat_str([core, table_lookup((", ", " "), np.where(is_lower, 0, 1)), unit_txt])
        ).to_series(),
        core,
    )
    line2 = null_where(unit_txt, inline | ~has_unit)
    zips, cities = _zip_cols()
    city_title = table_lookup(cities, z)
    city = when_mask(is_upper, city_title.str.to_uppercase(), city_title)
    state = table_lookup(world.zt.states, world.zt.state_idx[z])
    zip5 = table_lookup(zips, z)
    if zip_mode is not None:
        p4 = (
            pl.Series(a["plus4"][safe].astype(np.int32), dtype=pl.Int32)
            .cast(pl.String)
            .str.zfill(4)
        )
        zp = pl.select(
            pl.when(pl.lit(pl.Series(zip_mode == 1)))
            .then(zip5 + "-" + p4)
            .when(pl.lit(pl.Series(zip_mode == 2)))
            .then(zip5 + p4)
            .otherwise(zip5)
        ).to_series()
    else:
        zp = zip5
    out = {"line1": line1, "line2": line2, "city": city, "state": state, "zip": zp}
    if missing.any():
        out = {k: null_where(v, missing) for k, v in out.items()}
    return out


@functools.lru_cache(maxsize=1)
def _zip_cols() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """ZIP and city strings of the (process-wide) ZIP table, as lookup tuples."""
    zt = zip_table()
    return tuple(zt.zip5.tolist()), tuple(zt.city.tolist())
