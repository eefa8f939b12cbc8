"""The simulated population behind a synthetic portfolio: people, households, addresses, phones.

Everything here is numpy arrays indexed by person id / address id / account index, so a million
debtors (and the ~1.5 million people around them) are built without per-row Python. Source
files are *views* of this world (see `skiptrace.flows.demo.synthetic.build`), which is what makes ground
truth exact: every record knows whose it is.

Sentinels: address id -1, phone 0, name index -1, date `NODATE`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from skiptrace.flows.demo.synthetic import vocab
from skiptrace.flows.demo.synthetic.geo import ZipTable

NODATE: int = -(2**31)
YEAR: float = 365.25

# household types
H_SINGLE, H_SPOUSE, H_JR, H_SR, H_ROOMMATE = range(5)
# relation of a person to the account whose debtor they are near (truth vocabulary)
RELATIONS: tuple[str, ...] = (
    "self",
    "father",
    "son",
    "spouse",
    "roommate",
    "relative",
    "unrelated",
)
R_SELF, R_FATHER, R_SON, R_SPOUSE, R_ROOMMATE, R_RELATIVE, R_UNRELATED = range(7)
# person groups
G_DEBTOR, G_HOUSEHOLD, G_RELATIVE, G_NAMESAKE, G_BACKGROUND, G_BUSINESS = range(6)
# move types
M_NONE, M_I, M_F, M_B = range(4)
SUFFIXES: tuple[str, ...] = ("", "JR", "SR", "II", "III", "IV")
SUF_JR, SUF_SR = 1, 2

FIRST_NAMES: tuple[str, ...] = vocab.MALE_FIRST + vocab.FEMALE_FIRST
N_MALE = len(vocab.MALE_FIRST)


def _surname_list() -> tuple[str, ...]:
    tail = tuple(h + t for h in vocab.SURNAME_HEADS for t in vocab.SURNAME_TAILS)
    seen = set(vocab.SURNAMES)
    return vocab.SURNAMES + tuple(s for s in tail if s not in seen)


SURNAME_LIST: tuple[str, ...] = _surname_list()


def _zipf(n: int, s: float) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** s
    return w / w.sum()


def _surname_weights() -> np.ndarray:
    """Real list gets ~78% of the mass with a Zipf head; the morpheme tail shares the rest."""
    n_real = len(vocab.SURNAMES)
    n_tail = len(SURNAME_LIST) - n_real
    return np.concatenate([_zipf(n_real, 0.75) * 0.78, np.full(n_tail, 0.22 / n_tail)])


_MALE_CDF = np.cumsum(_zipf(N_MALE, 0.9))
_FEMALE_CDF = np.cumsum(_zipf(len(vocab.FEMALE_FIRST), 0.9))
_SURNAME_CDF = np.cumsum(_surname_weights())
_STREET_CDF = np.cumsum(_zipf(len(vocab.STREETS), 0.6))
_STYPE_CDF = np.cumsum(np.array(vocab.STREET_TYPE_WEIGHTS) / sum(vocab.STREET_TYPE_WEIGHTS))
_UNIT_CDF = np.cumsum(np.array([u[2] for u in vocab.UNIT_TYPES]))


def _draw(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Inverse-CDF sampling: vectorized, and stable for a given stream of uniforms."""
    return np.minimum(np.searchsorted(cdf, u * cdf[-1], side="right"), len(cdf) - 1)


def draw_first(rng: np.random.Generator, female: np.ndarray) -> np.ndarray:
    """First-name indices into FIRST_NAMES, by sex."""
    u = rng.random(len(female))
    male_idx = _draw(_MALE_CDF, u)
    fem_idx = _draw(_FEMALE_CDF, u) + N_MALE
    return np.where(female, fem_idx, male_idx).astype(np.int32)


def draw_last(rng: np.random.Generator, n: int) -> np.ndarray:
    return _draw(_SURNAME_CDF, rng.random(n)).astype(np.int32)


class _Columns:
    """A growable struct-of-arrays (the address book and the people): rows are added in chunks,
    one array per field, and joined into one array per field when next read; an id is a
    position. Chunks, so that adding rows never copies what is there already."""

    def __init__(self, fields: Iterable[str]) -> None:
        self._chunks: dict[str, list[np.ndarray]] = {f: [] for f in fields}
        self.size = 0
        self._final: dict[str, np.ndarray] | None = None

    def _append(self, n: int, columns: Iterable[tuple[str, np.ndarray]]) -> np.ndarray:
        """`n` rows, given as (field, its `n` values) for every field; returns their ids."""
        ids = np.arange(self.size, self.size + n, dtype=np.int64)
        for f, v in columns:
            self._chunks[f].append(v)
        self.size += n
        self._final = None
        return ids

    def arrays(self) -> dict[str, np.ndarray]:
        if self._final is None:
            self._final = {f: np.concatenate(c) for f, c in self._chunks.items()}
            self._chunks = {f: [v] for f, v in self._final.items()}
        return self._final


# --------------------------------------------------------------------------- addresses


class AddressBook(_Columns):
    """Growable struct-of-arrays of addresses; ids are positions."""

    FIELDS = ("number", "predir", "street", "stype", "unit_type", "unit", "pobox", "zip", "plus4")

    def __init__(self, zt: ZipTable, rng: np.random.Generator) -> None:
        super().__init__(self.FIELDS)
        self.zt = zt
        self.rng = rng

    def random_zip(self, n: int) -> np.ndarray:
        """ZIPs weighted by state population, uniform within the state."""
        st = _draw(np.cumsum(self.zt.state_weight), self.rng.random(n))
        return self.zip_in_state(st)

    def zip_in_state(self, state_idx: np.ndarray) -> np.ndarray:
        u = self.rng.random(len(state_idx))
        start = self.zt.state_start[state_idx]
        cnt = self.zt.state_count[state_idx]
        return (start + np.floor(u * cnt).astype(np.int64)).astype(np.int64)

    def moved_zip(self, from_zip: np.ndarray, p_same_zip: float, p_same_state: float) -> np.ndarray:
        """Destination ZIPs of moves: local moves dominate, as in CPS mobility data."""
        n = len(from_zip)
        u = self.rng.random(n)
        same_state = self.zip_in_state(self.zt.state_idx[from_zip])
        anywhere = self.random_zip(n)
        return np.where(
            u < p_same_zip, from_zip, np.where(u < p_same_zip + p_same_state, same_state, anywhere)
        )

    def new(self, zip_idx: np.ndarray, p_unit: float, p_pobox: float = 0.0) -> np.ndarray:
        """Allocate len(zip_idx) new addresses in the given ZIPs."""
        r = self.rng
        n = len(zip_idx)
        band = r.random(n)
        number = np.where(
            band < 0.08,
            r.integers(1, 100, n),
            np.where(
                band < 0.42,
                r.integers(100, 1000, n),
                np.where(band < 0.9, r.integers(1000, 10000, n), r.integers(10000, 30000, n)),
            ),
        ).astype(np.int32)
        # directionals: mostly N/S/E/W, sometimes NE/NW/SE/SW
        predir = np.where(
            r.random(n) < 0.15,
            np.where(r.random(n) < 0.9, r.integers(0, 4, n), r.integers(4, 8, n)),
            -1,
        ).astype(np.int8)
        street = _draw(_STREET_CDF, r.random(n)).astype(np.int32)
        stype = _draw(_STYPE_CDF, r.random(n)).astype(np.int8)
        has_unit = r.random(n) < p_unit
        unit_type = np.where(has_unit, _draw(_UNIT_CDF, r.random(n)), -1).astype(np.int8)
        unit = np.where(r.random(n) < 0.6, r.integers(1, 40, n), r.integers(100, 460, n)).astype(
            np.int32
        )
        unit = np.where(has_unit, unit, 0).astype(np.int32)
        is_box = r.random(n) < p_pobox
        pobox = np.where(is_box, r.integers(1, 30000, n), 0).astype(np.int32)
        unit_type = np.where(is_box, -1, unit_type).astype(np.int8)
        plus4 = r.integers(1, 10000, n).astype(np.int16)
        return self._append(
            n,
            (
                ("number", np.where(is_box, 0, number).astype(np.int32)),
                ("predir", np.where(is_box, -1, predir).astype(np.int8)),
                ("street", np.where(is_box, -1, street).astype(np.int32)),
                ("stype", np.where(is_box, -1, stype).astype(np.int8)),
                ("unit_type", unit_type),
                ("unit", np.where(is_box, 0, unit).astype(np.int32)),
                ("pobox", pobox),
                ("zip", np.asarray(zip_idx, dtype=np.int64)),
                ("plus4", plus4),
            ),
        )

    def zip_of(self, ids: np.ndarray) -> np.ndarray:
        return self.arrays()["zip"][ids]


# --------------------------------------------------------------------------- phones


class PhoneBook:
    """Allocates distinct NANP numbers whose area codes serve the given ZIPs.

    Within each area code the k-th number handed out is an affine permutation of k over the
    (exchange, line) space, so numbers are distinct without a membership set and cost
    O(n log n) per batch even at millions of people.
    """

    MULT = 2_750_159  # coprime to the local space size below

    def __init__(self, zt: ZipTable, rng: np.random.Generator) -> None:
        self.zt = zt
        self.rng = rng
        self.space = len(zt.exchanges) * 10_000
        assert math.gcd(self.MULT, self.space) == 1
        self._offset = rng.integers(0, self.space, 1000)
        self._count = np.zeros(1000, dtype=np.int64)

    def new(self, zip_idx: np.ndarray) -> np.ndarray:
        zt, r = self.zt, self.rng
        z = np.asarray(zip_idx, dtype=np.int64)
        ac = zt.ac_values[
            zt.ac_start[z] + np.floor(r.random(len(z)) * zt.ac_count[z]).astype(np.int64)
        ]
        order = np.argsort(ac, kind="stable")
        sac = ac[order]
        new_group = np.ones(len(sac), dtype=bool)
        new_group[1:] = sac[1:] != sac[:-1]
        group_start = np.maximum.accumulate(np.where(new_group, np.arange(len(sac)), 0))
        rank = np.empty(len(sac), dtype=np.int64)
        rank[order] = np.arange(len(sac)) - group_start
        k = self._count[ac] + rank
        self._count += np.bincount(ac, minlength=1000)
        local = (k * self.MULT + self._offset[ac]) % self.space
        return ac * 10_000_000 + self.zt.exchanges[local // 10_000] * 10_000 + local % 10_000

    def new_masked(self, zip_idx: np.ndarray, mask: np.ndarray) -> np.ndarray:
        out = np.zeros(len(zip_idx), dtype=np.int64)
        if mask.any():
            out[mask] = self.new(np.asarray(zip_idx)[mask])
        return out


# --------------------------------------------------------------------------- SSNs


class SsnAllocator:
    """Distinct, validly shaped SSNs (area 001-899 except 666, group 01-99, serial 0001-9999).

    An affine bijection over the valid space hands out distinct values without keeping a set,
    so a million people cost nothing and no two people share an SSN by accident (shared SSNs
    in the data are always deliberate typos).
    """

    GROUPS, SERIALS = 99, 9999
    SPACE = 898 * 99 * 9999

    def __init__(self, rng: np.random.Generator) -> None:
        # a multiplier near SPACE * u scatters consecutive people across areas and groups
        mult = int(self.SPACE * rng.uniform(0.3, 0.7)) | 1
        while math.gcd(mult, self.SPACE) != 1:
            mult += 2
        self.mult = mult
        self.offset = int(rng.integers(0, self.SPACE))
        self.counter = 0

    def new(self, n: int) -> np.ndarray:
        i = np.arange(self.counter, self.counter + n, dtype=np.int64)
        self.counter += n
        k = (i * self.mult + self.offset) % self.SPACE
        area = k // (self.GROUPS * self.SERIALS) + 1
        area = np.where(area >= 666, area + 1, area)
        rem = k % (self.GROUPS * self.SERIALS)
        group = rem // self.SERIALS + 1
        serial = rem % self.SERIALS + 1
        return (area * 1_000_000 + group * 10_000 + serial).astype(np.int64)


# --------------------------------------------------------------------------- people


PERSON_FIELDS: dict[str, tuple[type, int]] = {
    "group": (np.int8, 0),
    "female": (np.bool_, 0),
    "first": (np.int32, -1),
    "middle": (np.int32, -1),
    "last": (np.int32, -1),
    "suffix": (np.int8, 0),
    "dob": (np.int32, NODATE),
    "ssn": (np.int64, 0),
    "cur": (np.int64, -1),
    "old": (np.int64, -1),
    "prev": (np.int64, -1),
    "move_date": (np.int32, NODATE),
    "res_start": (np.int32, NODATE),
    "move_type": (np.int8, M_NONE),
    "mob": (np.int64, 0),
    "mob_old": (np.int64, 0),
    "land": (np.int64, 0),
    "land_old": (np.int64, 0),
    "voip": (np.int64, 0),
    "has_email": (np.bool_, 0),
    "has_email_old": (np.bool_, 0),
    "dod": (np.int32, NODATE),
    "acct": (np.int32, -1),  # account index when this person is its debtor
    "rel_acct": (np.int32, -1),  # account this person is near (truth related_account_id)
    "relation": (np.int8, R_UNRELATED),
    "rel_label": (np.int8, -1),  # vocab.RELATIVE_LABELS (relatives) / BUSINESS_WORDS (businesses)
    "bankrupt": (np.bool_, 0),
}


class People(_Columns):
    """Growable struct-of-arrays of persons; a person id is a position."""

    def __init__(self) -> None:
        super().__init__(PERSON_FIELDS)

    def add(self, n: int, **values: np.ndarray | int | bool) -> np.ndarray:
        unknown = set(values) - set(PERSON_FIELDS)
        if unknown:
            raise KeyError(sorted(unknown))
        return self._append(
            n,
            (
                (f, np.broadcast_to(np.asarray(values.get(f, default)), (n,)).astype(dtype))
                for f, (dtype, default) in PERSON_FIELDS.items()
            ),
        )

    def __getitem__(self, name: str) -> np.ndarray:
        return self.arrays()[name]

    def set(self, name: str, ids: np.ndarray, values: np.ndarray | int) -> None:
        self.arrays()[name][ids] = values


@dataclass
class World:
    """The simulated population plus the per-account facts every file is drawn from."""

    as_of: int  # days since epoch
    n_accounts: int
    zt: ZipTable
    addrs: AddressBook
    phones: PhoneBook
    ssns: SsnAllocator
    people: People
    debtor: np.ndarray  # person id of each account's debtor
    hh_type: np.ndarray  # household type per account
    acct_addr: np.ndarray  # the address on the account (last known)
    spouse: np.ndarray  # person id or -1, per account
    father: np.ndarray
    son: np.ndarray
    roommate: np.ndarray
    namesake: np.ndarray  # same-name person in the same ZIP, or -1
    relatives: np.ndarray  # (n_rel,) person ids living elsewhere
    relative_acct: np.ndarray  # (n_rel,) account index
    background: np.ndarray  # person ids of background people
    businesses: np.ndarray  # person ids of businesses (NCOA B moves)
    rngs: dict[str, np.random.Generator] = field(default_factory=dict)


def _days_between(
    r: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, n: int
) -> np.ndarray:
    lo = np.broadcast_to(np.asarray(lo, dtype=np.int64), (n,))
    hi = np.broadcast_to(np.asarray(hi, dtype=np.int64), (n,))
    hi = np.maximum(hi, lo + 1)
    return (lo + np.floor(r.random(n) * (hi - lo))).astype(np.int32)


def _dob_from_age(r: np.random.Generator, as_of: int, age: np.ndarray) -> np.ndarray:
    return (as_of - np.floor(age * YEAR) - r.integers(0, 365, len(age))).astype(np.int32)


def _middle(r: np.random.Generator, female: np.ndarray, p: float) -> np.ndarray:
    return np.where(r.random(len(female)) < p, draw_first(r, female), -1).astype(np.int32)


def build_world(n_accounts: int, seed: int, as_of: int) -> World:
    """Simulate debtors, their households, relatives, namesakes and background people."""
    from skiptrace.flows.demo.synthetic.geo import zip_table

    zt = zip_table()
    names = ("addr", "phone", "ssn", "debtor", "household", "relative", "namesake", "background",
             "sources", "render", "malformed", "vendor")  # fmt: skip
    rngs = {
        k: np.random.default_rng(s)
        for k, s in zip(names, np.random.SeedSequence(seed).spawn(len(names)), strict=True)
    }
    addrs = AddressBook(zt, rngs["addr"])
    phones = PhoneBook(zt, rngs["phone"])
    ssns = SsnAllocator(rngs["ssn"])
    people = People()
    n = n_accounts
    r = rngs["debtor"]

    # ---- debtors ---------------------------------------------------------------------------
    hh = _draw(np.cumsum([0.55, 0.28, 0.035, 0.025, 0.11]), r.random(n)).astype(np.int8)
    female = np.where(np.isin(hh, [H_JR, H_SR]), False, r.random(n) < 0.5)
    age = np.clip(r.normal(43, 13, n), 21, 85)
    age = np.where(hh == H_JR, r.uniform(20, 48, n), age)
    age = np.where(hh == H_SR, r.uniform(46, 78, n), age)
    dob = _dob_from_age(r, as_of, age)
    first = draw_first(r, female)
    middle = _middle(r, female, 0.78)
    last = draw_last(r, n)
    suffix = np.where(hh == H_JR, SUF_JR, np.where(hh == H_SR, SUF_SR, 0)).astype(np.int8)
    rand_suf = (suffix == 0) & ~female & (r.random(n) < 0.02)
    suffix = np.where(rand_suf, r.choice([SUF_JR, 3, 4], n), suffix).astype(np.int8)

    acct_zip = addrs.random_zip(n)
    acct_addr = addrs.new(acct_zip, p_unit=0.27, p_pobox=0.02)
    mover = r.random(n) < 0.5
    move_date = np.where(mover, _days_between(r, as_of - int(5 * YEAR), as_of - 30, n), NODATE)
    res_start = np.where(
        mover,
        move_date - r.integers(365, int(10 * YEAR), n),
        as_of - r.integers(180, int(15 * YEAR), n),
    ).astype(np.int32)
    new_zip = addrs.moved_zip(acct_zip, 0.3, 0.4)
    new_addr = addrs.new(new_zip, p_unit=0.3, p_pobox=0.01)
    cur = np.where(mover, new_addr, acct_addr)
    old = np.where(mover, acct_addr, -1)
    has_prev = r.random(n) < 0.65
    prev_addr = addrs.new(addrs.moved_zip(acct_zip, 0.2, 0.4), p_unit=0.3, p_pobox=0.01)
    prev = np.where(has_prev, prev_addr, -1)
    has_members = hh != H_SINGLE
    mtype = np.where(
        mover, np.where(r.random(n) < np.where(has_members, 0.6, 0.12), M_F, M_I), M_NONE
    ).astype(np.int8)

    # phones: the mobile's area code is where it was bought (often not where they live now)
    mob_zip = np.where(r.random(n) < 0.8, acct_zip, addrs.random_zip(n))
    mob = phones.new_masked(mob_zip, r.random(n) < 0.92)
    mob_old = phones.new_masked(acct_zip, r.random(n) < 0.22)
    p_land = 0.12 + 0.006 * (age - 21)
    land_a = phones.new_masked(acct_zip, r.random(n) < p_land)
    new_land = (
        (mtype == M_F) & (land_a > 0) & (r.random(n) < 0.4)
    ) | (mover & (r.random(n) < 0.07))  # fmt: skip
    land_b = phones.new_masked(new_zip, new_land & mover)
    land = np.where(mover, land_b, land_a)
    land_old = np.where(mover, land_a, 0)
    voip = phones.new_masked(acct_zip, r.random(n) < 0.04)
    dod = np.where(r.random(n) < 0.02, _days_between(r, as_of - 730, as_of - 15, n), NODATE)
    # the dead do not move: a deceased mover died after the move
    died_first = (dod != NODATE) & mover & (dod <= move_date)
    dod = np.where(
        died_first, np.minimum(move_date + r.integers(30, 300, n), as_of - 15), dod
    ).astype(np.int32)
    debtor = people.add(
        n, group=G_DEBTOR, female=female, first=first, middle=middle, last=last, suffix=suffix,
        dob=dob, ssn=ssns.new(n), cur=cur, old=old, prev=prev, move_date=move_date,
        res_start=res_start, move_type=mtype, mob=mob, mob_old=mob_old, land=land,
        land_old=land_old, voip=voip, has_email=r.random(n) < 0.75,
        has_email_old=r.random(n) < 0.2, dod=dod, acct=np.arange(n), rel_acct=np.arange(n),
        relation=R_SELF, bankrupt=r.random(n) < 0.03,
    )  # fmt: skip

    # ---- household members -----------------------------------------------------------------
    r = rngs["household"]
    spouse = np.full(n, -1, np.int64)
    father = np.full(n, -1, np.int64)
    son = np.full(n, -1, np.int64)
    roommate = np.full(n, -1, np.int64)

    def add_members(acc: np.ndarray, relation: int, out: np.ndarray, **attrs: np.ndarray) -> None:
        m = len(acc)
        if m == 0:
            return
        d_mover = mover[acc]
        d_f = mtype[acc] == M_F
        dead = attrs.get("dod", np.full(m, NODATE)) != NODATE
        with_family = d_mover & d_f & (relation != R_ROOMMATE) & ~dead
        p_out = {R_SPOUSE: 0.08, R_SON: 0.12, R_ROOMMATE: 0.15, R_FATHER: 0.04}[relation]
        moves_out = ~d_mover & ~dead & (r.random(m) < p_out)
        a = acct_addr[acc]
        out_zip = addrs.moved_zip(addrs.zip_of(a), 0.35, 0.45)
        c = addrs.new(out_zip, p_unit=0.35)
        m_cur = np.where(with_family, cur[acc], np.where(moves_out, c, a))
        m_old = np.where(with_family | moves_out, a, -1)
        out_date = _days_between(r, as_of - int(4 * YEAR), as_of - 30, m)
        m_move = np.where(with_family, move_date[acc], np.where(moves_out, out_date, NODATE))
        m_type = np.where(with_family, M_F, np.where(moves_out, M_I, M_NONE))
        m_land = np.where(with_family, land[acc], np.where(moves_out, 0, land_a[acc]))
        m_land = np.where(
            moves_out, phones.new_masked(out_zip, moves_out & (r.random(m) < 0.1)), m_land
        )
        m_land_old = np.where(with_family | moves_out, land_a[acc], 0)
        fem = attrs.pop("female")
        pid = people.add(
            m, group=G_HOUSEHOLD, female=fem, ssn=ssns.new(m), cur=m_cur, old=m_old,
            move_date=m_move, res_start=res_start[acc], move_type=m_type,
            mob=phones.new_masked(addrs.zip_of(a), r.random(m) < 0.9),
            mob_old=phones.new_masked(addrs.zip_of(a), r.random(m) < 0.1),
            land=m_land, land_old=m_land_old, has_email=r.random(m) < 0.6,
            rel_acct=acc, relation=relation, **attrs,
        )  # fmt: skip
        out[acc] = pid

    acc = np.flatnonzero(hh == H_SPOUSE)
    m = len(acc)
    s_female = np.where(r.random(m) < 0.95, ~female[acc], female[acc])
    s_first = draw_first(r, s_female)
    s_first = np.where(s_first == first[acc], (s_first + 1) % len(FIRST_NAMES), s_first)
    s_last = np.where(r.random(m) < 0.85, last[acc], draw_last(r, m))
    s_age = np.clip(age[acc] + r.normal(0, 4, m), 19, 92)
    add_members(
        acc, R_SPOUSE, spouse, female=s_female, first=s_first, middle=_middle(r, s_female, 0.75),
        last=s_last, dob=_dob_from_age(r, as_of, s_age),
    )  # fmt: skip

    acc = np.flatnonzero(hh == H_JR)
    m = len(acc)
    f_age = np.minimum(age[acc] + r.uniform(20, 36, m), 99)
    f_dead = r.random(m) < 0.35
    f_dod = np.where(f_dead, _days_between(r, as_of - int(6 * YEAR), as_of - 30, m), NODATE)
    add_members(
        acc, R_FATHER, father, female=np.zeros(m, bool), first=first[acc],
        middle=np.where(r.random(m) < 0.8, middle[acc], _middle(r, np.zeros(m, bool), 0.8)),
        last=last[acc], suffix=np.full(m, SUF_SR, np.int8), dob=_dob_from_age(r, as_of, f_age),
        dod=f_dod,
    )  # fmt: skip

    acc = np.flatnonzero(hh == H_SR)
    m = len(acc)
    gap = 20 + r.random(m) * np.maximum(np.minimum(36, age[acc] - 18) - 20, 0)
    add_members(
        acc, R_SON, son, female=np.zeros(m, bool), first=first[acc],
        middle=np.where(r.random(m) < 0.6, middle[acc], _middle(r, np.zeros(m, bool), 0.8)),
        last=last[acc], suffix=np.full(m, SUF_JR, np.int8),
        dob=_dob_from_age(r, as_of, np.maximum(age[acc] - gap, 18.2)),
    )  # fmt: skip

    acc = np.flatnonzero(hh == H_ROOMMATE)
    m = len(acc)
    rm_female = r.random(m) < 0.5
    add_members(
        acc, R_ROOMMATE, roommate, female=rm_female, first=draw_first(r, rm_female),
        middle=_middle(r, rm_female, 0.7), last=draw_last(r, m),
        dob=_dob_from_age(r, as_of, np.clip(age[acc] + r.normal(0, 6, m), 19, 90)),
    )  # fmt: skip

    # ---- relatives living elsewhere --------------------------------------------------------
    r = rngs["relative"]
    k = _draw(np.cumsum([0.5, 0.32, 0.18]), r.random(n))
    rel_acct = np.repeat(np.arange(n), k)
    m = len(rel_acct)
    label = _draw(np.cumsum([0.15, 0.1, 0.18, 0.18, 0.08, 0.08, 0.13, 0.1]), r.random(m))
    label_female = np.isin(label, [0, 3, 5])  # MOTHER SISTER DAUGHTER
    label_any = np.isin(label, [6, 7])
    rel_female = np.where(label_any, r.random(m) < 0.5, label_female)
    d_age = age[rel_acct]
    rel_age = np.where(
        np.isin(label, [0, 1]),
        d_age + r.uniform(20, 35, m),
        np.where(np.isin(label, [4, 5]), d_age - r.uniform(20, 35, m), d_age + r.normal(0, 7, m)),
    )
    rel_age = np.clip(rel_age, 18.5, 95)
    rel_last = np.where(
        (label != 7) & (r.random(m) < np.where(rel_female, 0.55, 0.9)),
        last[rel_acct],
        draw_last(r, m),
    )
    home_state = zt.state_idx[addrs.zip_of(cur[rel_acct])]
    rel_zip = np.where(r.random(m) < 0.55, addrs.zip_in_state(home_state), addrs.random_zip(m))
    rel_cur = addrs.new(rel_zip, p_unit=0.25)
    rel_mover = r.random(m) < 0.2
    rel_old = np.where(rel_mover, addrs.new(addrs.moved_zip(rel_zip, 0.3, 0.5), 0.3), -1)
    rel_move = np.where(rel_mover, _days_between(r, as_of - int(5 * YEAR), as_of - 60, m), NODATE)
    relatives = people.add(
        m, group=G_RELATIVE, female=rel_female, first=draw_first(r, rel_female),
        middle=_middle(r, rel_female, 0.7), last=rel_last, dob=_dob_from_age(r, as_of, rel_age),
        ssn=ssns.new(m), cur=rel_cur, old=rel_old, move_date=rel_move,
        move_type=np.where(rel_mover, M_I, M_NONE),
        res_start=np.where(rel_mover, rel_move, as_of - r.integers(200, int(12 * YEAR), m)),
        mob=phones.new_masked(rel_zip, r.random(m) < 0.9),
        land=phones.new_masked(rel_zip, r.random(m) < 0.25),
        has_email=r.random(m) < 0.5, rel_acct=rel_acct, relation=R_RELATIVE, rel_label=label,
    )  # fmt: skip

    # ---- namesakes: same first+last name, same ZIP, different person -------------------------
    r = rngs["namesake"]
    acc = np.flatnonzero(r.random(n) < 0.07)
    m = len(acc)
    ns_zip = np.where(r.random(m) < 0.6, addrs.zip_of(cur[acc]), acct_zip[acc])
    ns_age = np.clip(age[acc] + np.where(r.random(m) < 0.5, -1, 1) * r.uniform(2, 25, m), 19, 90)
    ns_mover = r.random(m) < 0.25
    ns_cur = addrs.new(ns_zip, p_unit=0.3)
    ns_move = np.where(ns_mover, _days_between(r, as_of - int(4 * YEAR), as_of - 60, m), NODATE)
    ns_old = np.where(ns_mover, addrs.new(addrs.moved_zip(ns_zip, 0.4, 0.5), 0.3), -1)
    namesake = np.full(n, -1, np.int64)
    namesake[acc] = people.add(
        m, group=G_NAMESAKE, female=female[acc], first=first[acc],
        middle=_middle(r, female[acc], 0.75), last=last[acc], dob=_dob_from_age(r, as_of, ns_age),
        ssn=ssns.new(m), cur=ns_cur, old=ns_old, move_date=ns_move,
        move_type=np.where(ns_mover, M_I, M_NONE),
        res_start=np.where(ns_mover, ns_move, as_of - r.integers(200, int(12 * YEAR), m)),
        mob=phones.new_masked(ns_zip, r.random(m) < 0.85),
        land=phones.new_masked(ns_zip, r.random(m) < 0.2), has_email=r.random(m) < 0.6,
        rel_acct=acc, relation=R_UNRELATED, bankrupt=r.random(m) < 0.04,
    )  # fmt: skip
    # dead namesakes: the same name in the same state, in the death index only
    acc = np.flatnonzero(r.random(n) < 0.006)
    m = len(acc)
    dn_zip = addrs.zip_in_state(zt.state_idx[acct_zip[acc]])
    people.add(
        m, group=G_NAMESAKE, female=female[acc], first=first[acc],
        middle=_middle(r, female[acc], 0.7), last=last[acc],
        dob=_dob_from_age(r, as_of, r.uniform(45, 95, m)), ssn=ssns.new(m),
        cur=addrs.new(dn_zip, 0.2), res_start=as_of - int(20 * YEAR),
        dod=_days_between(r, as_of - int(8 * YEAR), as_of - 20, m), rel_acct=acc,
        relation=R_UNRELATED,
    )  # fmt: skip

    world = World(
        as_of=as_of, n_accounts=n, zt=zt, addrs=addrs, phones=phones, ssns=ssns, people=people,
        debtor=debtor, hh_type=hh, acct_addr=acct_addr, spouse=spouse, father=father, son=son,
        roommate=roommate, namesake=namesake, relatives=relatives, relative_acct=rel_acct,
        background=np.empty(0, np.int64), businesses=np.empty(0, np.int64), rngs=rngs,
    )  # fmt: skip
    add_background(world, round(0.1 * n) + 5)
    # reassigned numbers: a debtor's abandoned mobile is now a stranger's phone
    r = rngs["background"]
    donors = np.flatnonzero(people["mob_old"][debtor] > 0)
    donors = donors[r.random(len(donors)) < 0.3][: len(world.background)]
    takers = world.background[: len(donors)]
    people.set("mob", takers, people["mob_old"][debtor[donors]])
    return world


def add_background(world: World, m: int) -> np.ndarray:
    """Unrelated people: they fill the credit header and collide with debtors' names by chance."""
    if m <= 0:
        return np.empty(0, np.int64)
    r = world.rngs["background"]
    addrs, phones, as_of = world.addrs, world.phones, world.as_of
    fem = r.random(m) < 0.5
    z = addrs.random_zip(m)
    mover = r.random(m) < 0.35
    move = np.where(mover, _days_between(r, as_of - int(5 * YEAR), as_of - 30, m), NODATE)
    old_zip = addrs.moved_zip(z, 0.3, 0.4)
    pid = world.people.add(
        m, group=G_BACKGROUND, female=fem, first=draw_first(r, fem), middle=_middle(r, fem, 0.7),
        last=draw_last(r, m), dob=_dob_from_age(r, as_of, np.clip(r.normal(45, 16, m), 19, 95)),
        ssn=world.ssns.new(m), cur=addrs.new(z, 0.28, 0.01),
        old=np.where(mover, addrs.new(old_zip, 0.28), -1), move_date=move,
        move_type=np.where(mover, np.where(r.random(m) < 0.3, M_F, M_I), M_NONE),
        res_start=np.where(mover, move, as_of - r.integers(200, int(15 * YEAR), m)),
        mob=phones.new_masked(z, r.random(m) < 0.85), land=phones.new_masked(z, r.random(m) < 0.2),
        has_email=r.random(m) < 0.6, bankrupt=r.random(m) < 0.03,
        dod=np.where(r.random(m) < 0.02, _days_between(r, as_of - int(10 * YEAR), as_of - 20, m), NODATE),
    )  # fmt: skip
    world.background = np.concatenate([world.background, pid])
    return pid


def add_businesses(world: World, m: int) -> np.ndarray:
    """Businesses that filed a B (business) change of address: NCOA noise, never a debtor."""
    if m <= 0:
        return np.empty(0, np.int64)
    r = world.rngs["background"]
    z = world.addrs.random_zip(m)
    move = _days_between(r, world.as_of - int(3 * YEAR), world.as_of - 30, m)
    pid = world.people.add(
        m, group=G_BUSINESS, last=draw_last(r, m), cur=world.addrs.new(z, 0.5),
        old=world.addrs.new(world.addrs.moved_zip(z, 0.5, 0.4), 0.5), move_date=move,
        move_type=M_B, res_start=move - 2000,
    )  # fmt: skip
    # the business word (PLUMBING LLC, ...) is kept in rel_label
    world.people.set("rel_label", pid, r.integers(0, len(vocab.BUSINESS_WORDS), m))
    world.businesses = np.concatenate([world.businesses, pid])
    return pid
