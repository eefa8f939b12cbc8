"""Source files as views of the simulated world, each with its own layout and noise.

Every builder returns a `FileSpec`: the file's string columns in file order plus, per row, whose
record it is (person id, the account it describes, the account it is near, the relation). That
is the ground truth; the writer (`skiptrace.flows.demo.synthetic.write`) turns it into bytes and truth CSVs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from skiptrace.flows.demo.synthetic import render as R
from skiptrace.flows.demo.synthetic import vocab
from skiptrace.flows.demo.synthetic.world import (
    FIRST_NAMES,
    G_BACKGROUND,
    G_DEBTOR,
    G_HOUSEHOLD,
    G_NAMESAKE,
    G_RELATIVE,
    M_F,
    NODATE,
    R_FATHER,
    R_SELF,
    R_SON,
    R_SPOUSE,
    R_UNRELATED,
    SURNAME_LIST,
    YEAR,
    World,
    add_background,
)

_EMPTY = np.empty(0, np.int64)


@dataclass
class FileSpec:
    """One output file before serialization, plus the truth about each of its rows."""

    source: str  # source name in sources.yml ('accounts' for the account export)
    file_name: str
    fmt: str  # csv | psv | tsv | fixed_width
    frame: pl.DataFrame  # all-string columns in file order
    record_col: str  # column holding the record id
    pid: np.ndarray  # person each row describes
    debtor_acct: np.ndarray  # account index whose debtor the row describes, else -1
    related_acct: np.ndarray  # account index the row is near, else -1
    relation: np.ndarray  # R_* code
    ssn_col: str | None = None
    date_cols: dict[str, str] = field(default_factory=dict)  # column -> strftime format
    widths: list[tuple[str, int]] | None = None
    header: bool = True
    max_rows_per_file: int | None = None
    # (row, person, address) triples: an address this row shows as that person's own
    own_rows: np.ndarray = field(default_factory=lambda: _EMPTY)
    own_pids: np.ndarray = field(default_factory=lambda: _EMPTY)
    own_addrs: np.ndarray = field(default_factory=lambda: _EMPTY)


def _between(
    rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, n: int
) -> np.ndarray:
    lo = np.broadcast_to(np.asarray(lo, dtype=np.int64), (n,))
    hi = np.broadcast_to(np.asarray(hi, dtype=np.int64), (n,))
    hi = np.maximum(hi, lo + 1)
    return (lo + np.floor(rng.random(n) * (hi - lo))).astype(np.int64)


def _series(values: np.ndarray | list[str], dtype: type[pl.DataType] = pl.String) -> pl.Series:
    return pl.Series(values=values, dtype=dtype)


def _const(value: str, n: int) -> pl.Series:
    return pl.repeat(value, n, dtype=pl.String, eager=True)


def _ids(prefix: str, n: int, width: int) -> pl.Series:
    return (
        prefix + pl.Series(np.arange(1, n + 1), dtype=pl.Int64).cast(pl.String).str.zfill(width)
    ).alias("id")


def _concat(parts: list[pl.Series], sep: str = " ") -> pl.Series:
    return pl.select(pl.concat_str(parts, separator=sep, ignore_nulls=True)).to_series()


# --------------------------------------------------------------------------- shared pieces


def make_emails(world: World, rng: np.random.Generator) -> tuple[pl.Series, pl.Series]:
    """Current and former email per person (null when none): name-based, de-duplicated.

    Only debtors, their households and namesakes get rendered emails: those are the only
    people whose emails any file or truth carries, and it halves the work at scale.
    """
    P = world.people.arrays()
    n = world.people.size
    who = np.flatnonzero(np.isin(P["group"], [G_DEBTOR, G_HOUSEHOLD, G_NAMESAKE]))
    m = len(who)
    fold = [a for a, _ in vocab.ACCENT_FOLD]
    to = [b for _, b in vocab.ACCENT_FOLD]
    fn = R.table_lookup(FIRST_NAMES, P["first"][who]).str.replace_many(fold, to).str.to_lowercase()
    ln = R.table_lookup(SURNAME_LIST, P["last"][who]).str.replace_many(fold, to).str.to_lowercase()
    fn = fn.str.replace_all(r"[^a-z]", "")
    ln = ln.str.replace_all(r"[^a-z]", "")
    dob = P["dob"][who].astype(np.int64)
    year = (dob.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970) % 100
    domains = tuple(d for d, _ in vocab.EMAIL_DOMAINS)
    weights = [w for _, w in vocab.EMAIL_DOMAINS]

    fn0 = fn.str.slice(0, 1)
    seps = (".", "", "", "_", ".")

    def one() -> pl.Series:
        # forms: first.last12, flast12, firstlast85 (birth year), first_last, last.f123
        form = R.choice(rng, m, [0.3, 0.2, 0.2, 0.1, 0.2])
        nn = rng.integers(1, 100, m)
        digits = np.where(form == 2, year, np.where(form == 4, rng.integers(100, 1000, m), nn))
        dig = _series(digits, pl.Int64).cast(pl.String)
        dig = R.when_mask(form == 2, dig.str.zfill(2), dig)
        dig = R.null_where(dig, form == 3)
        head = R.when_mask(form == 1, fn0, R.when_mask(form == 4, ln, fn))
        tail = R.when_mask(form == 4, fn0, ln)
        dom = R.table_lookup(domains, R.choice(rng, m, weights))
        return _concat([head, R.table_lookup(seps, form), tail, dig, _const("@", m), dom], sep="")

    cur = R.null_where(one(), ~P["has_email"][who])
    old = R.null_where(one(), ~P["has_email_old"][who])
    both = pl.concat([cur, old])
    # the k-th holder of an address gets k appended to the local part: emails are personal
    k = both.to_frame("e").select(pl.int_range(pl.len()).over("e").alias("k"))["k"].to_numpy()
    dup = np.flatnonzero((k > 0) & both.is_not_null().to_numpy())
    fixed = both
    if len(dup):
        sub = both.gather(dup)
        local = sub.str.extract(r"^([^@]*)@", 1)
        domain = sub.str.extract(r"@(.*)$", 1)
        fixed = both.scatter(dup, local + _series(k[dup], pl.Int64).cast(pl.String) + "x@" + domain)
    pos = np.full(n, -1, np.int64)
    pos[who] = np.arange(m)
    return _gather(fixed.slice(0, m), pos), _gather(fixed.slice(m, m), pos)


def names_block(
    world: World,
    pids: np.ndarray,
    rng: np.random.Generator,
    *,
    p_nick: float,
    p_typo_first: float,
    p_typo_last: float,
    p_mid_full: float,
    p_mid_init: float,
    p_suffix: float,
    p_upper: float,
    fold: bool,
) -> dict[str, pl.Series]:
    """first / middle / last / suffix strings for the given people, with source noise."""
    P = world.people.arrays()
    n = len(pids)
    first = R.first_names(P["first"][pids], rng, p_nick, p_typo_first)
    middle = R.middle_names(P["middle"][pids], rng, p_mid_full, p_mid_init)
    last = R.last_names(P["last"][pids], rng, p_typo_last)
    suffix = R.suffixes(P["suffix"][pids], rng, p_suffix)
    up = rng.random(n) < p_upper
    out = {"first": first, "middle": middle, "last": last}
    out = {k: R.case_mix(v, up) for k, v in out.items()}
    out["suffix"] = suffix
    if fold:
        out = {k: R.fold_accents(v) for k, v in out.items()}
    return out


def _full_name(nb: dict[str, pl.Series], last_first: np.ndarray) -> pl.Series:
    """'FIRST M LAST SFX' or 'LAST, FIRST M SFX'."""
    fl = _concat([nb["first"], nb["middle"], nb["last"], nb["suffix"]])
    lf = _concat([nb["last"] + ",", nb["first"], nb["middle"], nb["suffix"]])
    return R.when_mask(last_first, lf, fl)


def _addr_cols(
    world: World,
    ids: np.ndarray,
    rng: np.random.Generator,
    styles: list[float],
    p_line2: float,
    p_typo: float,
    zip_modes: list[float] | None,
) -> dict[str, pl.Series]:
    n = len(ids)
    style = R.choice(rng, n, styles)
    line2 = rng.random(n) < p_line2
    zm = R.choice(rng, n, zip_modes) if zip_modes else None
    return R.address_strings(world, ids, style, line2, rng, p_typo, zm)


def _flags(mask: np.ndarray) -> pl.Series:
    return R.table_lookup(("N", "Y"), mask.astype(np.int64))


def _typoed_ssn(
    ssn: np.ndarray, rng: np.random.Generator, p_missing: float, p_typo: float
) -> np.ndarray:
    s = R.ssn_typos(ssn, rng.random(len(ssn)) < p_typo, rng)
    return np.where(rng.random(len(ssn)) < p_missing, 0, s)


def _noisy_dob(
    dob: np.ndarray, rng: np.random.Generator, p_missing: float, p_swap: float
) -> np.ndarray:
    d = R.swap_day_month(dob, rng.random(len(dob)) < p_swap)
    return np.where(rng.random(len(dob)) < p_missing, NODATE, d).astype(np.int64)


def _first_per_account(accts: np.ndarray, pids: np.ndarray, n: int) -> np.ndarray:
    """For each account index, the first pid listed for it (accts sorted), else -1."""
    out = np.full(n, -1, np.int64)
    if len(accts):
        first = np.searchsorted(accts, np.arange(n), side="left")
        has = (first < len(accts)) & (accts[np.minimum(first, len(accts) - 1)] == np.arange(n))
        out[has] = pids[first[has]]
    return out


def _slots(row: np.ndarray, score: np.ndarray, k: int, m: int) -> np.ndarray:
    """Rank candidates within each row by descending score; (m, k) matrix of candidate idx."""
    order = np.lexsort((-score, row))
    rs = row[order]
    pos = np.arange(len(rs)) - np.searchsorted(rs, rs, side="left")
    keep = pos < k
    out = np.full((m, k), -1, np.int64)
    out[rs[keep], pos[keep]] = order[keep]
    return out


def _gather(s: pl.Series, idx: np.ndarray) -> pl.Series:
    return s.gather(R.gather_idx(idx))


# --------------------------------------------------------------------------- accounts


ACCOUNT_COLUMNS: tuple[str, ...] = (
    "account_id", "first_name", "middle_name", "last_name", "suffix", "full_name", "ssn", "dob",
    "address_line1", "address_line2", "city", "state", "zip", "phone", "phone_2", "phone_3",
    "phone_consent", "email", "balance", "placed_date", "cease_desist", "bankruptcy", "deceased",
    "attorney_represented", "attorney_name", "attorney_phone", "dispute", "do_not_call",
)  # fmt: skip


def account_ids(world: World) -> pl.Series:
    """Ten-digit account numbers, increasing with account index (the export is sorted)."""
    gaps = world.rngs["sources"].integers(1, 97, world.n_accounts)
    return _series(4_100_000_000 + np.cumsum(gaps), pl.Int64).cast(pl.String)


def build_accounts(
    world: World, acct_id: pl.Series, emails: tuple[pl.Series, pl.Series]
) -> FileSpec:
    rng = world.rngs["sources"]
    P = world.people.arrays()
    n = world.n_accounts
    pid = world.debtor
    nb = names_block(
        world, pid, rng, p_nick=0.04, p_typo_first=0.02, p_typo_last=0.015, p_mid_full=0.5,
        p_mid_init=0.35, p_suffix=0.8, p_upper=0.6, fold=False,
    )  # fmt: skip
    only_full = rng.random(n) < 0.10
    full = _full_name(nb, rng.random(n) < 0.5)
    cols: dict[str, pl.Series] = {"account_id": acct_id}
    for c, k in (
        ("first_name", "first"),
        ("middle_name", "middle"),
        ("last_name", "last"),
        ("suffix", "suffix"),
    ):
        cols[c] = R.null_where(nb[k], only_full)
    cols["full_name"] = R.null_where(full, ~only_full)
    ssn = _typoed_ssn(P["ssn"][pid], rng, 0.05, 0.01)
    cols["ssn"] = R.ssn_strings(ssn, rng.random(n) < 0.4)
    dob = _noisy_dob(P["dob"][pid], rng, 0.02, 0.01)
    cols["dob"] = R.mixed_dates(
        dob, ["%Y-%m-%d", "%m/%d/%Y"], (rng.random(n) < 0.15).astype(np.int64)
    )
    ad = _addr_cols(
        world, world.acct_addr, rng, [0.45, 0.12, 0.08, 0.15, 0.2], 0.4, 0.02, [0.85, 0.12, 0.03]
    )
    cols.update(
        address_line1=ad["line1"],
        address_line2=ad["line2"],
        city=ad["city"],
        state=ad["state"],
        zip=ad["zip"],
    )
    mob = np.where(P["mob_old"][pid] > 0, P["mob_old"][pid], P["mob"][pid])
    mob = np.where(rng.random(n) < 0.08, 0, mob)
    land_a = np.where(P["old"][pid] >= 0, P["land_old"][pid], P["land"][pid])
    spouse_mob = np.where(world.spouse >= 0, P["mob"][np.maximum(world.spouse, 0)], 0)
    other = np.where(
        rng.random(n) < 0.35, spouse_mob, np.where(rng.random(n) < 0.5, P["voip"][pid], 0)
    )
    work = world.phones.new_masked(world.addrs.zip_of(world.acct_addr), rng.random(n) < 0.04)
    other = np.where((other == 0) & (rng.random(n) < 0.15), work, other)
    fmt_p = [0.3, 0.3, 0.1, 0.05, 0.2, 0.05]
    for c, num in (("phone", mob), ("phone_2", land_a), ("phone_3", other)):
        cols[c] = R.phone_strings(num, R.choice(rng, n, fmt_p))
    cols["phone_consent"] = _flags((mob > 0) & (rng.random(n) < 0.4))
    e_cur, e_old = emails
    em = R.when_mask(P["has_email_old"][pid], _gather(e_old, pid), _gather(e_cur, pid))
    cols["email"] = R.null_where(em, rng.random(n) < 0.4)
    cents = np.clip(np.round(rng.lognormal(np.log(1200 * 100), 1.0, n)), 2500, 5_000_000).astype(
        np.int64
    )
    cols["balance"] = (
        _series(cents // 100, pl.Int64).cast(pl.String)
        + "."
        + _series(cents % 100, pl.Int64).cast(pl.String).str.zfill(2)
    )
    cols["placed_date"] = R.date_strings(world.as_of - rng.integers(15, 1100, n), "%Y-%m-%d")
    represented = rng.random(n) < 0.015
    cols["cease_desist"] = _flags(rng.random(n) < 0.01)
    cols["bankruptcy"] = _flags(P["bankrupt"][pid] & (rng.random(n) < 0.35))
    cols["deceased"] = _flags((P["dod"][pid] != NODATE) & (rng.random(n) < 0.25))
    cols["attorney_represented"] = _flags(represented)
    a_first = R.table_lookup(FIRST_NAMES, rng.integers(0, len(FIRST_NAMES), n))
    a_last = R.table_lookup(SURNAME_LIST, rng.integers(0, 300, n))
    a_last2 = R.table_lookup(SURNAME_LIST, rng.integers(0, 300, n))
    form = R.choice(rng, n, [0.4, 0.3, 0.3])
    firm = pl.select(
        pl.when(pl.lit(_series(form == 0, pl.Boolean)))
        .then("Law Office of " + a_first + " " + a_last)
        .when(pl.lit(_series(form == 1, pl.Boolean)))
        .then(a_last + " & " + a_last2 + " LLP")
        .otherwise(a_last + " Law Group, PC")
    ).to_series()
    cols["attorney_name"] = R.null_where(firm, ~represented)
    att_phone = world.phones.new_masked(world.addrs.zip_of(world.acct_addr), represented)
    cols["attorney_phone"] = R.phone_strings(att_phone, np.ones(n, np.int64))
    cols["dispute"] = _flags(rng.random(n) < 0.03)
    cols["do_not_call"] = _flags(rng.random(n) < 0.02)
    frame = pl.DataFrame({c: cols[c] for c in ACCOUNT_COLUMNS})
    acc = np.arange(n, dtype=np.int64)
    return FileSpec(
        source="accounts", file_name="accounts.csv", fmt="csv", frame=frame, record_col="account_id",
        pid=pid, debtor_acct=acc, related_acct=acc, relation=np.full(n, R_SELF, np.int8),
        ssn_col="ssn", date_cols={"dob": "%Y-%m-%d", "placed_date": "%Y-%m-%d"},
    )  # fmt: skip


# --------------------------------------------------------------------------- vendor batch

_MOBILE_CARRIERS = (
    "VERIZON WIRELESS",
    "AT&T MOBILITY",
    "T-MOBILE USA",
    "US CELLULAR",
    "CRICKET WIRELESS",
)
_LAND_CARRIERS = ("AT&T", "VERIZON", "LUMEN", "FRONTIER", "WINDSTREAM", "COMCAST")
_VOIP_CARRIERS = ("BANDWIDTH.COM", "GOOGLE VOICE", "VONAGE", "TWILIO")
VENDOR_ADDRS, VENDOR_PHONES, VENDOR_EMAILS, VENDOR_RELS = 3, 5, 2, 2


def build_vendor(world: World, acct_id: pl.Series, emails: tuple[pl.Series, pl.Series]) -> FileSpec:
    """ACME batch return: one row per found account, ranked candidates, some stale or wrong."""
    rng = world.rngs["vendor"]
    P = world.people.arrays()
    n, as_of = world.n_accounts, world.as_of
    acc = np.flatnonzero(rng.random(n) < 0.70)
    m = len(acc)
    alt = np.where(
        world.father[acc] >= 0,
        world.father[acc],
        np.where(world.son[acc] >= 0, world.son[acc], world.namesake[acc]),
    )
    wrong = (alt >= 0) & (rng.random(m) < 0.25)
    subj = np.where(wrong, alt, world.debtor[acc])
    alt_rel = np.where(
        world.father[acc] >= 0, R_FATHER, np.where(world.son[acc] >= 0, R_SON, R_UNRELATED)
    )
    relation = np.where(wrong, alt_rel, R_SELF).astype(np.int8)
    rows = np.arange(m)
    dead = P["dod"][subj] != NODATE
    dod = P["dod"][subj].astype(np.int64)

    def cap(last_seen: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return np.where(
            dead[idx], np.minimum(last_seen, dod[idx] - 1), np.minimum(last_seen, as_of - 2)
        )

    # ---- address candidates
    moved = P["old"][subj] >= 0
    settled = np.where(moved, P["move_date"][subj], P["res_start"][subj]).astype(np.int64)
    res_start = P["res_start"][subj].astype(np.int64)
    mdate = P["move_date"][subj].astype(np.int64)
    rel_first = _first_per_account(world.relative_acct, world.relatives, n)[acc]
    wrong_new = world.addrs.new(world.addrs.zip_of(P["cur"][subj]), 0.3)
    wrong_addr = np.where(
        (rel_first >= 0) & (rng.random(m) < 0.5), P["cur"][np.maximum(rel_first, 0)], wrong_new
    )
    cand = [
        (P["cur"][subj], rng.random(m) < np.where(moved, 0.7, 0.96), settled, as_of - rng.integers(3, 150, m)),
        (P["old"][subj], moved & (rng.random(m) < 0.85), res_start, mdate + rng.integers(-45, 120, m)),
        (P["prev"][subj], (P["prev"][subj] >= 0) & (rng.random(m) < 0.5), res_start - rng.integers(365, int(8 * YEAR), m), res_start + rng.integers(-30, 60, m)),
        (wrong_addr, rng.random(m) < 0.22, as_of - rng.integers(int(2 * YEAR), int(8 * YEAR), m), np.zeros(m, np.int64)),
    ]  # fmt: skip
    a_row, a_addr, a_fs, a_ls = [], [], [], []
    for addr, incl, fs, ls in cand:
        fs = np.asarray(fs, np.int64)
        ls = np.where(ls == 0, fs + rng.integers(30, 700, m), ls)
        a_row.append(rows[incl])
        a_addr.append(addr[incl])
        a_fs.append(fs[incl])
        a_ls.append(cap(ls, rows)[incl])
    a_row_, a_addr_ = np.concatenate(a_row), np.concatenate(a_addr)
    a_fs_, a_ls_ = np.concatenate(a_fs), np.concatenate(a_ls)
    a_fs_ = np.minimum(a_fs_, a_ls_ - 1)
    a_slot = _slots(a_row_, a_ls_ + rng.normal(0, 45, len(a_row_)), VENDOR_ADDRS, m)
    ad = _addr_cols(world, a_addr_, rng, [0.7, 0, 0, 0.2, 0.1], 0.0, 0.015, [0.8, 0.2, 0.0])
    a_fs_s = R.date_strings(a_fs_, "%m/%d/%Y")
    a_ls_s = R.date_strings(a_ls_, "%m/%d/%Y")

    # ---- phone candidates
    rel_phone = np.where(rel_first >= 0, P["mob"][np.maximum(rel_first, 0)], 0)
    wrong_phone = world.phones.new(world.addrs.zip_of(P["cur"][subj]))
    recent = as_of - rng.integers(2, 120, m)
    # type codes: 0 mobile, 1 landline, 2 voip
    pc = [
        (P["mob"][subj], 0.9, 0, recent),
        (P["land"][subj], 0.85, 1, as_of - rng.integers(2, 200, m)),
        (P["voip"][subj], 0.8, 2, as_of - rng.integers(2, 200, m)),
        (P["mob_old"][subj], 0.7, 0, as_of - rng.integers(250, 1500, m)),
        (
            P["land_old"][subj],
            0.75,
            1,
            np.where(mdate != NODATE, mdate, as_of - 900) + rng.integers(0, 60, m),
        ),
        (wrong_phone, 0.3, -1, as_of - rng.integers(30, 1500, m)),
        (rel_phone, 0.08, 0, as_of - rng.integers(30, 900, m)),
    ]
    p_row, p_num, p_type, p_ls = [], [], [], []
    for num, p, typ, ls in pc:
        incl = (num > 0) & (rng.random(m) < p)
        t = np.full(m, typ) if typ >= 0 else rng.integers(0, 2, m)
        p_row.append(rows[incl])
        p_num.append(num[incl])
        p_type.append(t[incl])
        p_ls.append(cap(np.asarray(ls, np.int64), rows)[incl])
    p_row_, p_num_ = np.concatenate(p_row), np.concatenate(p_num)
    p_type_, p_ls_ = np.concatenate(p_type), np.concatenate(p_ls)
    k = len(p_num_)
    p_type_ = np.where(rng.random(k) < 0.04, (p_type_ + 1) % 2, p_type_)  # vendors mislabel some
    p_slot = _slots(p_row_, p_ls_ + rng.normal(0, 60, k), VENDOR_PHONES, m)
    p_str = R.phone_strings(p_num_, R.choice(rng, k, [0.8, 0, 0, 0, 0.2, 0]))
    p_type_s = R.table_lookup(("M", "L", "V"), p_type_)
    carriers = _MOBILE_CARRIERS + _LAND_CARRIERS + _VOIP_CARRIERS
    base = np.array([0, len(_MOBILE_CARRIERS), len(_MOBILE_CARRIERS) + len(_LAND_CARRIERS)])
    size = np.array([len(_MOBILE_CARRIERS), len(_LAND_CARRIERS), len(_VOIP_CARRIERS)])
    p_car = R.table_lookup(carriers, base[p_type_] + (p_num_ // 7) % size[p_type_])
    p_pre = _flags((p_type_ == 0) & ((p_num_ // 13) % 100 < 12))
    p_ls_s = R.date_strings(p_ls_, "%m/%d/%Y")

    # ---- emails
    e_cur = _gather(emails[0], subj)
    e_old = _gather(emails[1], subj)
    e_cur = R.null_where(e_cur, rng.random(m) < 0.15)
    e_old = R.null_where(e_old, rng.random(m) < 0.3)
    swap = rng.random(m) < 0.1
    e1 = R.when_mask(swap & e_old.is_not_null().to_numpy(), e_old, e_cur)
    e2 = R.when_mask(swap & e_old.is_not_null().to_numpy(), e_cur, e_old)
    e1, e2 = R.when_mask(e1.is_null().to_numpy(), e2, e1), R.null_where(e2, e1.is_null().to_numpy())
    up = rng.random(m) < 0.15
    e1, e2 = R.when_mask(up, e1.str.to_uppercase(), e1), R.when_mask(up, e2.str.to_uppercase(), e2)

    # ---- relatives / associates (third parties)
    rl_acc = [world.spouse, world.father, world.son, world.roommate]
    labels = ["SPOUSE", "FATHER", "SON", "ASSOCIATE"]
    acc_row = np.full(n, -1, np.int64)
    acc_row[acc] = rows
    r_row, r_pid, r_label = [], [], []
    for arr, lab in zip(rl_acc, labels, strict=True):
        has = (arr[acc] >= 0) & (relation != R_UNRELATED)
        r_row.append(rows[has])
        r_pid.append(arr[acc][has])
        r_label.append(np.full(int(has.sum()), -1 - labels.index(lab)))
    in_batch = acc_row[world.relative_acct] >= 0
    r_row.append(acc_row[world.relative_acct][in_batch])
    r_pid.append(world.relatives[in_batch])
    r_label.append(P["rel_label"][world.relatives][in_batch].astype(np.int64))
    r_row_, r_pid_, r_label_ = np.concatenate(r_row), np.concatenate(r_pid), np.concatenate(r_label)
    keep = (rng.random(len(r_row_)) < 0.7) & (relation[r_row_] != R_UNRELATED)
    r_row_, r_pid_, r_label_ = r_row_[keep], r_pid_[keep], r_label_[keep]
    r_slot = _slots(r_row_, rng.random(len(r_row_)), VENDOR_RELS, m)
    rnb = names_block(
        world, r_pid_, rng, p_nick=0.1, p_typo_first=0.01, p_typo_last=0.01, p_mid_full=0,
        p_mid_init=0.2, p_suffix=0.5, p_upper=1.0, fold=True,
    )  # fmt: skip
    r_name = _concat([rnb["first"], rnb["middle"], rnb["last"], rnb["suffix"]])
    r_num = np.where(P["mob"][r_pid_] > 0, P["mob"][r_pid_], P["land"][r_pid_])
    r_phone = R.phone_strings(r_num, np.zeros(len(r_num), np.int64))
    all_labels = (*vocab.RELATIVE_LABELS, "ASSOCIATE", "SON", "FATHER", "SPOUSE")
    # negative codes index the household labels from the end: -1 SPOUSE, -2 FATHER, -3 SON, -4 ASSOCIATE
    r_lab = R.table_lookup(
        all_labels, np.where(r_label_ >= 0, r_label_, len(all_labels) + r_label_)
    )

    # ---- echo of the subject's identity
    nb = names_block(
        world, subj, rng, p_nick=0.08, p_typo_first=0.02, p_typo_last=0.02, p_mid_full=0.3,
        p_mid_init=0.5, p_suffix=0.6, p_upper=1.0, fold=True,
    )  # fmt: skip
    ssn = _typoed_ssn(P["ssn"][subj], rng, 0.06, 0.02)
    dob = _noisy_dob(P["dob"][subj], rng, 0.08, 0.02)
    cols: dict[str, pl.Series] = {
        "ACCT_NO": _gather(acct_id, acc),
        "REC_ID": _ids("AC", m, 9),
        "FNAME": nb["first"],
        "MNAME": nb["middle"],
        "LNAME": nb["last"],
        "SFX": nb["suffix"],
        "SSN": R.ssn_strings(ssn, rng.random(m) < 0.3),
        "DOB": R.date_strings(dob, "%m/%d/%Y"),
        "DOD": R.date_strings(np.where(dead & (rng.random(m) < 0.6), dod, NODATE), "%m/%d/%Y"),
    }
    for i in range(VENDOR_ADDRS):
        sl = a_slot[:, i]
        cols[f"ADDR{i + 1}_LINE"] = _gather(ad["line1"], sl)
        cols[f"ADDR{i + 1}_CITY"] = _gather(ad["city"], sl)
        cols[f"ADDR{i + 1}_STATE"] = _gather(ad["state"], sl)
        cols[f"ADDR{i + 1}_ZIP"] = _gather(ad["zip"], sl)
        cols[f"ADDR{i + 1}_FIRST_SEEN"] = _gather(a_fs_s, sl)
        cols[f"ADDR{i + 1}_LAST_SEEN"] = _gather(a_ls_s, sl)
    for i in range(VENDOR_PHONES):
        sl = p_slot[:, i]
        cols[f"PHONE{i + 1}"] = _gather(p_str, sl)
        cols[f"PHONE{i + 1}_TYPE"] = _gather(p_type_s, sl)
        cols[f"PHONE{i + 1}_CARRIER"] = _gather(p_car, sl)
        cols[f"PHONE{i + 1}_PREPAID"] = _gather(p_pre, sl)
        cols[f"PHONE{i + 1}_LAST_SEEN"] = _gather(p_ls_s, sl)
    cols["EMAIL1"], cols["EMAIL2"] = e1, e2
    for i in range(VENDOR_RELS):
        sl = r_slot[:, i]
        cols[f"REL{i + 1}_NAME"] = _gather(r_name, sl)
        cols[f"REL{i + 1}_PHONE"] = _gather(r_phone, sl)
        cols[f"REL{i + 1}_RELATION"] = _gather(r_lab, sl)
    cols["RETURN_DT"] = _const(R.date_strings(np.array([as_of - 6]), "%m/%d/%Y")[0], m)
    frame = pl.DataFrame(cols)

    own = relation == R_SELF
    sl_rows = np.repeat(rows, VENDOR_ADDRS)
    sl_idx = a_slot.reshape(-1)
    ok = (sl_idx >= 0) & own[sl_rows]
    return FileSpec(
        source="acme", file_name="vendor_acme_batch.psv", fmt="psv", frame=frame, record_col="REC_ID",
        pid=subj, debtor_acct=np.where(relation == R_SELF, acc, -1), related_acct=acc,
        relation=relation, ssn_col="SSN", date_cols={"DOB": "%m/%d/%Y", "ADDR1_LAST_SEEN": "%m/%d/%Y"},
        max_rows_per_file=200_000, own_rows=sl_rows[ok], own_pids=subj[sl_rows[ok]],
        own_addrs=a_addr_[sl_idx[ok]],
    )  # fmt: skip


# --------------------------------------------------------------------------- NCOA

NCOA_CODES: tuple[str, ...] = ("A", "02", "05", "14", "19", "01", "91", "92", "03", "00")
_WITH_NEW = {"A", "91", "92"}


def build_ncoa(world: World) -> FileSpec:
    """NCOALink-style return: COA matches (I/F/B) with return codes, plus 00 no-match rows."""
    rng = world.rngs["sources"]
    P = world.people.arrays()
    as_of = world.as_of
    d = world.debtor
    n = world.n_accounts
    acc = np.arange(n)
    a = world.addrs.arrays()
    recent = (P["move_date"][d] != NODATE) & (P["move_date"][d] >= as_of - int(4 * YEAR))
    mover = P["old"][d] >= 0
    coa = mover & recent & (rng.random(n) < 0.65)
    no_match = (~mover & (rng.random(n) < 0.25)) | (mover & ~coa & (rng.random(n) < 0.4))
    # family moves may be filed under a same-surname spouse's name
    sp = world.spouse
    sp_named = (
        coa & (P["move_type"][d] == M_F) & (sp >= 0)
        & (P["last"][np.maximum(sp, 0)] == P["last"][d]) & (P["move_type"][np.maximum(sp, 0)] == M_F)
        & (rng.random(n) < 0.35)
    )  # fmt: skip
    parts: list[dict[str, np.ndarray]] = []

    code = R.choice(rng, n, [0.80, 0.06, 0.025, 0.025, 0.02, 0.01, 0.03, 0.03])
    new_has_unit = a["unit_type"][P["cur"][d]] >= 0
    code = np.where(np.isin(code, [6, 7]) & ~new_has_unit, 0, code)
    old_box = a["pobox"][world.acct_addr] > 0
    code = np.where(old_box & (rng.random(n) < 0.5), 8, code)
    sel = coa
    parts.append(
        dict(
            pid=np.where(sp_named, sp, d)[sel], rel=np.where(sp_named, R_SPOUSE, R_SELF)[sel],
            dacct=np.where(sp_named, -1, acc)[sel], racct=acc[sel], old=world.acct_addr[sel],
            new=P["cur"][d][sel], mtype=P["move_type"][d][sel], eff=P["move_date"][d][sel].astype(np.int64),
            code=code[sel], findable_pid=d[sel],
        )
    )  # fmt: skip
    sel = no_match
    parts.append(
        dict(
            pid=d[sel], rel=np.full(int(sel.sum()), R_SELF), dacct=acc[sel], racct=acc[sel],
            old=world.acct_addr[sel], new=np.full(int(sel.sum()), -1), mtype=np.zeros(int(sel.sum())),
            eff=np.full(int(sel.sum()), NODATE), code=np.full(int(sel.sum()), 9), findable_pid=d[sel],
        )
    )  # fmt: skip
    # household members who moved out alone, namesakes and strangers who moved
    others = np.flatnonzero(
        np.isin(P["group"], [G_HOUSEHOLD, G_NAMESAKE, G_BACKGROUND])
        & (P["old"] >= 0) & (P["move_date"] >= as_of - int(4 * YEAR))
        & ~((P["group"] == G_HOUSEHOLD) & (P["move_type"] == M_F))
    )  # fmt: skip
    others = others[rng.random(len(others)) < np.where(P["group"][others] == G_HOUSEHOLD, 0.7, 0.5)]
    k = len(others)
    ocode = np.where(rng.random(k) < 0.9, 0, R.choice(rng, k, [0, 0.5, 0.2, 0.2, 0.1]))
    parts.append(
        dict(
            pid=others, rel=P["relation"][others], dacct=np.full(k, -1), racct=P["rel_acct"][others],
            old=P["old"][others], new=P["cur"][others], mtype=P["move_type"][others],
            eff=P["move_date"][others].astype(np.int64), code=ocode, findable_pid=np.full(k, -1),
        )
    )  # fmt: skip
    biz = world.businesses
    k = len(biz)
    parts.append(
        dict(
            pid=biz, rel=np.full(k, R_UNRELATED), dacct=np.full(k, -1), racct=np.full(k, -1),
            old=P["old"][biz], new=P["cur"][biz], mtype=P["move_type"][biz],
            eff=P["move_date"][biz].astype(np.int64), code=np.zeros(k), findable_pid=np.full(k, -1),
        )
    )  # fmt: skip
    t = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    order = rng.permutation(len(t["pid"]))
    t = {key: v[order] for key, v in t.items()}
    m = len(t["pid"])
    codes = R.table_lookup(NCOA_CODES, t["code"].astype(np.int64))
    has_new = np.isin(t["code"], [0, 6, 7])
    new = np.where(has_new, t["new"], -1)
    nb = names_block(
        world, t["pid"], rng, p_nick=0.03, p_typo_first=0.01, p_typo_last=0.01, p_mid_full=0.1,
        p_mid_init=0.6, p_suffix=0.7, p_upper=1.0, fold=True,
    )  # fmt: skip
    name = _concat([nb["first"], nb["middle"], nb["last"], nb["suffix"]])
    is_biz = P["group"][t["pid"]] == 5
    biz_name = (
        R.table_lookup(SURNAME_LIST, P["last"][t["pid"]]).str.to_uppercase()
        + " "
        + R.table_lookup(
            vocab.BUSINESS_WORDS, np.where(is_biz, P["rel_label"][t["pid"]], 0).astype(np.int64)
        )
    )
    name = R.when_mask(is_biz, R.fold_accents(biz_name), name)
    zeros = np.zeros(m, np.int64)
    old = R.address_strings(world, t["old"], zeros, np.zeros(m, bool), rng, 0.0, zeros)
    nw = R.address_strings(world, new, zeros, np.zeros(m, bool), rng, 0.0, np.ones(m, np.int64))
    mtype = R.table_lookup(
        ("", "I", "F", "B"), np.where(has_new | (t["code"] != 9), t["mtype"], 0).astype(np.int64)
    )
    mtype = R.null_where(mtype, t["code"] == 9)
    eff = R.date_strings(np.where(t["code"] == 9, NODATE, t["eff"]), "%Y%m")
    frame = pl.DataFrame(
        {
            "NCOA_ID": _ids("NC", m, 9),
            "FULL_NAME": name,
            "OLD_ADDR": old["line1"],
            "OLD_CITY": old["city"],
            "OLD_ST": old["state"],
            "OLD_ZIP": old["zip"],
            "NEW_ADDR": nw["line1"],
            "NEW_CITY": nw["city"],
            "NEW_ST": nw["state"],
            "NEW_ZIP": nw["zip"],
            "MOVE_TYPE": mtype,
            "MOVE_EFF": eff,
            "RETURN_CODE": codes,
        }
    )
    own = has_new & (t["findable_pid"] >= 0)
    rows = np.flatnonzero(own)
    return FileSpec(
        source="ncoa", file_name="ncoa_moves.csv", fmt="csv", frame=frame, record_col="NCOA_ID",
        pid=t["pid"], debtor_acct=t["dacct"], related_acct=t["racct"], relation=t["rel"].astype(np.int8),
        date_cols={"MOVE_EFF": "%Y%m"}, own_rows=rows, own_pids=t["findable_pid"][rows],
        own_addrs=new[rows],
    )  # fmt: skip


# --------------------------------------------------------------------------- death index

DEATH_WIDTHS: list[tuple[str, int]] = [
    ("REC_ID", 10), ("SSN", 9), ("LAST_NAME", 20), ("NAME_SUFFIX", 4), ("FIRST_NAME", 15),
    ("MIDDLE_NAME", 15), ("VERIFY", 1), ("DOD", 8), ("DOB", 8),
]  # fmt: skip


def build_death(world: World) -> FileSpec:
    """Death Master File-like fixed-width extract: deceased debtors, a JR's father, strangers."""
    rng = world.rngs["sources"]
    P = world.people.arrays()
    dead = P["dod"] != NODATE
    grp = P["group"]
    take = dead & (
        ((grp == G_DEBTOR) & (rng.random(len(grp)) < 0.93))
        | (grp == G_HOUSEHOLD) | (grp == G_NAMESAKE) | (grp == G_BACKGROUND)
    )  # fmt: skip
    pid = np.flatnonzero(take)
    pid = pid[rng.permutation(len(pid))]
    m = len(pid)
    nb = names_block(
        world, pid, rng, p_nick=0.0, p_typo_first=0.01, p_typo_last=0.01, p_mid_full=0.5,
        p_mid_init=0.3, p_suffix=0.7, p_upper=1.0, fold=True,
    )  # fmt: skip
    ssn = _typoed_ssn(P["ssn"][pid], rng, 0.0, 0.015)
    dob = _noisy_dob(P["dob"][pid], rng, 0.04, 0.01)
    frame = pl.DataFrame(
        {
            "REC_ID": _ids("DM", m, 8),
            "SSN": R.ssn_strings(ssn, np.zeros(m, bool)),
            "LAST_NAME": nb["last"],
            "NAME_SUFFIX": nb["suffix"],
            "FIRST_NAME": nb["first"],
            "MIDDLE_NAME": nb["middle"],
            "VERIFY": R.table_lookup(("V", "P"), (rng.random(m) < 0.15).astype(np.int64)),
            "DOD": R.date_strings(P["dod"][pid], "%m%d%Y"),
            "DOB": R.date_strings(dob, "%m%d%Y"),
        }
    )
    rel = P["relation"][pid]
    return FileSpec(
        source="death_index", file_name="death_index.txt", fmt="fixed_width", frame=frame,
        record_col="REC_ID", pid=pid, debtor_acct=np.where(rel == R_SELF, P["acct"][pid], -1),
        related_acct=P["rel_acct"][pid], relation=rel, ssn_col="SSN", date_cols={"DOB": "%m%d%Y"},
        widths=DEATH_WIDTHS, header=False,
    )  # fmt: skip


# --------------------------------------------------------------------------- bankruptcy


def build_bankruptcy(world: World) -> FileSpec:
    """Court-docket extract: chapter, case, district, filing and discharge/dismissal dates."""
    rng = world.rngs["sources"]
    P = world.people.arrays()
    as_of = world.as_of
    zt = world.zt
    filers = np.flatnonzero(
        P["bankrupt"] & np.isin(P["group"], [G_DEBTOR, G_NAMESAKE, G_BACKGROUND])
    )
    k = len(filers)
    is_debtor = P["group"][filers] == G_DEBTOR
    filed = np.where(
        is_debtor,
        _between(rng, as_of - int(3 * YEAR), as_of - 7, k),
        _between(rng, as_of - int(6 * YEAR), as_of - 7, k),
    )
    dod = P["dod"][filers].astype(np.int64)
    filed = np.where((dod != NODATE) & (filed >= dod), dod - rng.integers(30, 400, k), filed)
    md = P["move_date"][filers].astype(np.int64)
    at_old = (P["old"][filers] >= 0) & (filed < md)
    addr = np.where(at_old, P["old"][filers], P["cur"][filers])
    chapter = R.choice(rng, k, [0.65, 0.33, 0.02])  # 7, 13, 11
    dis = np.full(k, NODATE, np.int64)
    dsm = np.full(k, NODATE, np.int64)
    ch7 = chapter == 0
    ch13 = chapter == 1
    d7 = filed + rng.integers(90, 130, k)
    x7 = filed + rng.integers(30, 200, k)
    dismissed7 = rng.random(k) < 0.08
    dis = np.where(ch7 & ~dismissed7 & (d7 < as_of), d7, dis)
    dsm = np.where(ch7 & dismissed7 & (x7 < as_of), x7, dsm)
    d13 = filed + rng.integers(int(3 * YEAR), int(5 * YEAR), k)
    x13 = filed + rng.integers(60, 900, k)
    dismissed13 = rng.random(k) < 0.4
    dis = np.where(ch13 & ~dismissed13 & (d13 < as_of), d13, dis)
    dsm = np.where(ch13 & dismissed13 & (x13 < as_of), x13, dsm)
    x11 = filed + rng.integers(100, 600, k)
    dsm = np.where((chapter == 2) & (rng.random(k) < 0.5) & (x11 < as_of), x11, dsm)
    last_act = np.minimum(np.maximum.reduce([filed, dis, dsm]) + rng.integers(0, 30, k), as_of - 1)
    state = zt.state_idx[world.addrs.zip_of(addr)]
    dist_tables = [vocab.BK_DISTRICTS.get(s, (s + "B",)) for s in zt.states]
    flat = tuple(x for t in dist_tables for x in t)
    starts = np.cumsum([0] + [len(t) for t in dist_tables])[:-1]
    counts = np.array([len(t) for t in dist_tables])
    court_idx = starts[state] + np.floor(rng.random(k) * counts[state]).astype(np.int64)
    yy = (filed.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970) % 100
    case_no = (
        _series(rng.integers(1, 7, k), pl.Int64).cast(pl.String) + ":" + _series(yy, pl.Int64).cast(pl.String).str.zfill(2)
        + "-bk-" + _series(rng.integers(10000, 99999, k), pl.Int64).cast(pl.String)
    )  # fmt: skip
    # joint petitions: the spouse files on the same case
    d_acc = P["acct"][filers]
    sp = np.where(is_debtor, world.spouse[np.maximum(d_acc, 0)], -1)
    joint = np.flatnonzero((sp >= 0) & (rng.random(k) < 0.35))
    src = np.concatenate([np.arange(k), joint])
    pid = np.concatenate([filers, sp[joint]])
    m = len(pid)
    rel = np.where(np.arange(m) < k, P["relation"][pid], R_SPOUSE).astype(np.int8)
    racct = np.where(np.arange(m) < k, P["rel_acct"][pid], d_acc[src])
    dacct = np.where(rel == R_SELF, P["acct"][pid], -1)
    order = rng.permutation(m)
    src, pid, rel, racct, dacct = src[order], pid[order], rel[order], racct[order], dacct[order]
    nb = names_block(
        world, pid, rng, p_nick=0.02, p_typo_first=0.01, p_typo_last=0.01, p_mid_full=0.3,
        p_mid_init=0.5, p_suffix=0.8, p_upper=0.5, fold=False,
    )  # fmt: skip
    name = _full_name(nb, rng.random(m) < 0.6)
    ssn = _typoed_ssn(P["ssn"][pid], rng, 0.1, 0.01)
    ad = _addr_cols(world, addr[src], rng, [0.3, 0.3, 0, 0, 0.4], 0.0, 0.01, [1.0])
    frame = pl.DataFrame(
        {
            "BK_REC_ID": _ids("BK", m, 9),
            "CASE_NUMBER": _gather(case_no, src),
            "COURT": R.table_lookup(flat, court_idx[src]),
            "CHAPTER": R.table_lookup(("7", "13", "11"), chapter[src]),
            "DEBTOR_NAME": name,
            "SSN": R.ssn_strings(ssn, np.ones(m, bool)),
            "ADDRESS": ad["line1"],
            "CITY": ad["city"],
            "STATE": ad["state"],
            "ZIP": ad["zip"],
            "DATE_FILED": R.date_strings(filed[src], "%m/%d/%Y"),
            "DATE_DISCHARGED": R.date_strings(dis[src], "%m/%d/%Y"),
            "DATE_DISMISSED": R.date_strings(dsm[src], "%m/%d/%Y"),
            "LAST_ACTIVITY": R.date_strings(last_act[src], "%m/%d/%Y"),
        }
    )
    own = np.flatnonzero(rel == R_SELF)
    return FileSpec(
        source="bankruptcy", file_name="bankruptcy.csv", fmt="csv", frame=frame, record_col="BK_REC_ID",
        pid=pid, debtor_acct=dacct, related_acct=racct, relation=rel, ssn_col="SSN",
        date_cols={"DATE_FILED": "%m/%d/%Y"}, own_rows=own, own_pids=pid[own], own_addrs=addr[src][own],
    )  # fmt: skip


# --------------------------------------------------------------------------- credit header


def _mentions(
    rng: np.random.Generator,
    pids: np.ndarray,
    addr: np.ndarray,
    probs: list[float],
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Repeat each (person, address) 0..k times with report dates inside [lo, hi)."""
    cnt = R.choice(rng, len(pids), probs)
    cnt = np.where(addr >= 0, cnt, 0)
    idx = np.repeat(np.arange(len(pids)), cnt)
    dates = _between(rng, lo[idx], hi[idx], len(idx))
    return pids[idx], addr[idx], dates


def build_credit_header(world: World, target_rows: int) -> FileSpec:
    """Person records with no account key: every address a person had, over time, plus others."""
    rng = world.rngs["sources"]
    as_of = world.as_of
    P = world.people.arrays()
    grp = P["group"]

    def windows(p: np.ndarray) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        moved = P["old"][p] >= 0
        rs = P["res_start"][p].astype(np.int64)
        md = P["move_date"][p].astype(np.int64)
        dod = P["dod"][p].astype(np.int64)
        end = np.where(dod != NODATE, dod - 1, as_of - 7)
        cur_lo = np.maximum(np.where(moved, md, rs), as_of - int(5 * YEAR))
        return {
            "cur": (P["cur"][p], np.minimum(cur_lo, end - 30), end),
            "old": (P["old"][p], rs, np.minimum(md, end)),
            "prev": (P["prev"][p], rs - int(6 * YEAR), np.minimum(rs, end)),
        }

    chunks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []

    def add(p: np.ndarray, plan: dict[str, list[float]]) -> None:
        w = windows(p)
        for key, probs in plan.items():
            a, lo, hi = w[key]
            chunks.append(_mentions(rng, p, a, probs, lo, hi))

    debtors = world.debtor
    mv = P["old"][debtors] >= 0
    add(debtors[~mv], {"cur": [0.12, 0.38, 0.33, 0.17], "prev": [0.5, 0.5]})
    add(debtors[mv], {"cur": [0.45, 0.35, 0.2], "old": [0.2, 0.5, 0.3], "prev": [0.6, 0.4]})
    add(np.flatnonzero(grp == G_HOUSEHOLD), {"cur": [0.3, 0.5, 0.2], "old": [0.5, 0.5]})
    add(np.flatnonzero(grp == G_RELATIVE), {"cur": [0.25, 0.6, 0.15], "old": [0.6, 0.4]})
    add(
        np.flatnonzero((grp == G_NAMESAKE) & (P["dod"] == NODATE)),
        {"cur": [0.1, 0.6, 0.3], "old": [0.5, 0.5]},
    )
    structural = sum(len(c[0]) for c in chunks)
    fill = max(0, target_rows - structural)
    if fill:
        bg = world.background
        need = max(0, int(np.ceil(fill / 1.5)) - len(bg))
        if need:
            add_background(world, need)
            P = world.people.arrays()
            bg = world.background
        bg = bg[rng.permutation(len(bg))][: min(len(bg), fill)]
        extra = fill - len(bg)
        ep = bg[rng.integers(0, len(bg), extra)] if extra > 0 else np.empty(0, np.int64)
        p = np.concatenate([bg, ep])
        w = windows(p)
        use_old = (np.arange(len(p)) >= len(bg)) & (P["old"][p] >= 0)
        a = np.where(use_old, w["old"][0], w["cur"][0])
        lo = np.where(use_old, w["old"][1], w["cur"][1])
        hi = np.where(use_old, w["old"][2], w["cur"][2])
        chunks.append((p, a, _between(rng, lo, hi, len(p))))
    pid = np.concatenate([c[0] for c in chunks])
    addr = np.concatenate([c[1] for c in chunks])
    rpt = np.concatenate([c[2] for c in chunks])
    order = rng.permutation(len(pid))
    pid, addr, rpt = pid[order], addr[order], rpt[order]
    m = len(pid)
    nb = names_block(
        world, pid, rng, p_nick=0.07, p_typo_first=0.03, p_typo_last=0.03, p_mid_full=0.35,
        p_mid_init=0.45, p_suffix=0.6, p_upper=1.0, fold=True,
    )  # fmt: skip
    ssn = _typoed_ssn(P["ssn"][pid], rng, 0.12, 0.03)
    dob = _noisy_dob(P["dob"][pid], rng, 0.08, 0.03)
    ad = _addr_cols(world, addr, rng, [0.55, 0.05, 0.05, 0.15, 0.2], 0.5, 0.03, None)
    # a phone on some records: the one in use at that address at the time
    is_cur = addr == P["cur"][pid]
    cur_ph = np.where(P["mob"][pid] > 0, P["mob"][pid], P["land"][pid])
    old_ph = np.where(
        P["land_old"][pid] > 0,
        P["land_old"][pid],
        np.where(P["mob_old"][pid] > 0, P["mob_old"][pid], P["mob"][pid]),
    )
    phone = np.where(rng.random(m) < 0.25, np.where(is_cur, cur_ph, old_ph), 0)
    frame = pl.DataFrame(
        {
            "REC_ID": _ids("CH", m, 10),
            "SURNAME": nb["last"],
            "GIVEN": nb["first"],
            "MID": nb["middle"],
            "SFX": nb["suffix"],
            "SSN": R.ssn_strings(ssn, np.zeros(m, bool)),
            "BIRTH_DT": R.date_strings(dob, "%Y%m%d"),
            "STREET": R.fold_accents(ad["line1"].str.to_uppercase()),
            "UNIT": ad["line2"].str.to_uppercase(),
            "CITY": ad["city"].str.to_uppercase(),
            "ST": ad["state"],
            "ZIP5": ad["zip"],
            "PHONE": R.phone_strings(phone, np.zeros(m, np.int64)),
            "RPT_DT": R.date_strings(rpt, "%Y%m%d"),
        }
    )
    rel = P["relation"][pid]
    own = np.flatnonzero(rel == R_SELF)
    return FileSpec(
        source="credit_header", file_name="credit_header.tsv", fmt="tsv", frame=frame, record_col="REC_ID",
        pid=pid, debtor_acct=np.where(rel == R_SELF, P["acct"][pid], -1), related_acct=P["rel_acct"][pid],
        relation=rel, ssn_col="SSN", date_cols={"BIRTH_DT": "%Y%m%d", "RPT_DT": "%Y%m%d"},
        own_rows=own, own_pids=pid[own], own_addrs=addr[own],
    )  # fmt: skip


__all__ = [
    "FileSpec", "account_ids", "build_accounts", "build_bankruptcy", "build_credit_header",
    "build_death", "build_ncoa", "build_vendor", "make_emails",
]  # fmt: skip
