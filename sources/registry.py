"""The source registry (`sources.yml`) and account profiles, as typed models.

A registry lists the extracts a run may load. Each source says what kind of data it is, where
its files are, how to read them, how its columns map onto skiptrace's canonical fields, how far
to trust it (`reliability`) and under which FCRA permissible purpose it was obtained: both travel
with every row into lineage, which is why they are required here and not defaulted.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from skiptrace.errors import ConfigError, validation_summary
from skiptrace.sources.errors import (
    PathOutsideRegistryError,
    ProfileError,
    RegistryError,
    UnsafeYamlError,
)
from skiptrace.ssn_shapes import config_refusal

#: Largest number of YAML nodes sources.yml may expand to through anchors and aliases. A real
#: registry has a few thousand; an alias bomb of a few KB expands to billions.
MAX_YAML_NODES = 100_000
#: Extra folders sources may read from, separated by os.pathsep (besides `allowed_roots:`).
ALLOWED_ROOTS_ENV = "SKIPTRACE_ALLOWED_ROOTS"

SourceKind = Literal[
    "person_records", "vendor_batch", "ncoa", "deceased", "bankruptcy", "military_status", "outcomes"
]  # fmt: skip
FileFormat = Literal["csv", "tsv", "psv", "parquet", "fixed_width"]
ContactType = Literal["address", "phone", "email"]

#: Canonical person fields any source may map (foundation contract).
PERSON_FIELDS: tuple[str, ...] = (
    "record_id", "account_id", "first_name", "middle_name", "last_name", "suffix", "full_name",
    "ssn", "dob", "address_line1", "address_line2", "street_number", "street_name", "unit",
    "po_box", "city", "state", "zip", "phone", "phone_type", "email", "first_seen", "last_seen",
    "date_of_death",
)  # fmt: skip

#: Kind-specific canonical fields.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "person_records": (),
    "vendor_batch": (),
    "ncoa": (
        "move_type", "move_effective_date", "ncoa_return_code", "new_address_line1",
        "new_address_line2", "new_city", "new_state", "new_zip",
    ),
    "deceased": (),
    "bankruptcy": (
        "bk_chapter", "bk_case_number", "bk_district", "bk_filing_date", "bk_discharge_date",
        "bk_dismissal_date", "co_debtor_name",
    ),
    # the DoD's SCRA service (DMDC) result per person: active duty on the status date, its
    # start / end, left active duty within 367 days before the status date, the report date
    "military_status": (
        "scra_status_date", "scra_active_duty", "scra_start_date", "scra_end_date",
        "scra_left_within_367", "scra_report_date",
    ),
    # collectors' dispositions (sources/outcomes.py), not person records
    "outcomes": ("contact", "contact_type", "outcome", "outcome_date", "agent"),
}  # fmt: skip

#: Fields a repeated contact group (vendor_batch) may map, per candidate.
GROUP_FIELDS: tuple[str, ...] = (
    "address_line1", "address_line2", "city", "state", "zip", "phone", "phone_type", "carrier",
    "prepaid", "email", "first_seen", "last_seen", "relationship", "full_name",
)  # fmt: skip

#: Account export fields (foundation contract) plus optional compliance extras.
ACCOUNT_FIELDS: tuple[str, ...] = (
    "account_id", "first_name", "middle_name", "last_name", "suffix", "full_name", "ssn", "dob",
    "address_line1", "address_line2", "city", "state", "zip", "phone", "phone_2", "phone_3",
    "phone_consent", "phone_2_consent", "phone_3_consent", "email", "balance", "placed_date",
    "cease_desist", "bankruptcy", "deceased", "attorney_represented", "attorney_name",
    "attorney_phone", "dispute", "do_not_call", "paid_in_full",
)  # fmt: skip

#: Fields every row of a kind must carry (added to a source's own `required`).
KIND_REQUIRED: dict[str, tuple[str, ...]] = {
    "person_records": (),
    "vendor_batch": ("account_id",),
    "ncoa": (),
    "deceased": (),
    "bankruptcy": (),
    # a status row without the active-duty answer says nothing
    "military_status": ("scra_active_duty",),
    "outcomes": ("account_id", "contact", "outcome", "outcome_date"),
}

#: Built-in account profiles shipped as YAML in `sources/profiles/`.
PROFILES_DIR = Path(__file__).resolve().parent / "profiles"

ACCOUNT_FLAG_FIELDS: tuple[str, ...] = (
    "cease_desist", "bankruptcy", "deceased", "attorney_represented", "dispute", "do_not_call",
    "paid_in_full", "phone_consent", "phone_2_consent", "phone_3_consent",
)  # fmt: skip


#: The clock collectors' outcomes are dated by when their source states no `time_zone`: an
#: outcome time with a UTC offset is converted to it, so that its day is the day the agency
#: recorded it (`2026-07-16T02:30:00Z` is 22:30 on 07-15 in New York). A fixed zone, not the
#: machine's: servers often run on UTC, which dated exactly those reports a day late, and a
#: run replayed on another machine must read the same days (sources.yml is recorded with the
#: run, the machine's zone is not). The zone of the shipped nightly schedule (prefect.yaml).
DEFAULT_TIME_ZONE = "America/New_York"

#: Permissible purpose recorded for an `outcomes` source that states none.
OUTCOMES_PURPOSE = "collector dispositions recorded on the account (collection of the account)"


class ContactGroup(BaseModel):
    """A repeated group of candidate columns in one row, e.g. PHONE1..PHONE5.

    Column names are templates with `{i}` standing for the candidate number 1..repeat; the
    candidate number becomes its rank.
    """

    model_config = ConfigDict(extra="forbid")

    contact_type: ContactType
    role: Literal["debtor", "third_party"] = "debtor"
    repeat: int = Field(1, ge=1, le=50)
    columns: dict[str, str]

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(v) - set(GROUP_FIELDS))
        if unknown:
            raise ValueError(f"unknown group fields {unknown}; allowed: {list(GROUP_FIELDS)}")
        return v

    def expanded(self) -> list[tuple[int, dict[str, str]]]:
        """[(rank, {field: concrete column})] for every candidate in the group."""
        return [
            (i, {f: col.replace("{i}", str(i)) for f, col in self.columns.items()})
            for i in range(1, self.repeat + 1)
        ]


class ReadOptions(BaseModel):
    """How to read a file. Defaults suit the common CSV-with-header delivery."""

    model_config = ConfigDict(extra="forbid")

    format: FileFormat = "csv"
    delimiter: str | None = None  # overrides the format's default
    encoding: str | None = None  # None = detect (utf-8, utf-8-sig, else cp1252)
    header: bool = True
    quote: str | None = '"'
    #: fixed_width: [[column_name, width], ...] in file order.
    widths: list[tuple[str, int]] | None = None
    #: strptime formats tried for date fields before the built-in list.
    date_formats: list[str] = Field(default_factory=list)
    #: Column names of a delimited file without a header line (`header: false`).
    column_names: list[str] | None = None
    #: A field longer than this sends its row to quarantine (runaway quoting, binary garbage).
    max_field_length: int = Field(1000, ge=1)
    #: A file with a larger share of rejected rows fails the run (flows/orchestration/guards.py):
    #: a layout change that rejects every row must not pass as an empty delivery.
    max_reject_rate: float = Field(0.05, ge=0.0, le=1.0)
    #: The last N non-blank lines of every file are a trailer (a record count, a control total):
    #: not data, so neither loaded nor quarantined (a one-line trailer in a 9-row file would
    #: otherwise be 11% rejects and fail the run); the file's result records them, shape-masked.
    trailer_lines: int = Field(0, ge=0, le=10)
    #: A regular expression (Python `re`) whose first group, searched in the trailer, is the
    #: number of data rows the file holds (`'TRL(\d+)'`). Another number, or none, is a
    #: transfer cut short or a missing trailer: the file is refused before anything is stored.
    trailer_count: str | None = None

    @model_validator(mode="after")
    def _widths_for_fixed(self) -> ReadOptions:
        if self.format == "fixed_width" and not self.widths:
            raise ValueError("format fixed_width needs `widths: [[column, width], ...]`")
        if self.format in ("csv", "tsv", "psv") and not self.header and not self.column_names:
            raise ValueError("a delimited file without header needs `column_names: [...]`")
        return self

    @model_validator(mode="after")
    def _trailer(self) -> ReadOptions:
        """A count without a trailer to read it from, or a pattern that cannot yield one, would
        only fail at night on the first file: refuse the configuration instead."""
        if self.format == "parquet" and self.trailer_lines:
            raise ValueError("`trailer_lines` is for text files, not parquet")
        if self.trailer_count is None:
            return self
        if not self.trailer_lines:
            raise ValueError(
                "`trailer_count` needs `trailer_lines` (how many lines the trailer is)"
            )
        try:
            groups = re.compile(self.trailer_count).groups
        except re.error as exc:
            raise ValueError(f"`trailer_count` is not a regular expression: {exc}") from None
        if not groups:
            raise ValueError("`trailer_count` needs a group around the count, e.g. 'TRL(\\d+)'")
        return self

    def required_columns(self) -> list[str]:
        """File columns that must hold a value on every row (the reader's `truncated_line`
        check for fixed-width files uses where they start); none by default."""
        return []

    def default_delimiter(self) -> str | None:
        if self.delimiter:
            return self.delimiter
        return {"csv": ",", "tsv": "\t", "psv": "|"}.get(self.format)


class Source(ReadOptions):
    """One entry of sources.yml."""

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    kind: SourceKind
    path: str  # file or glob; relative to the folder holding sources.yml
    columns: dict[str, str] = Field(default_factory=dict)
    groups: list[ContactGroup] = Field(default_factory=list)
    #: A shipped source layout in `sources/profiles/` (e.g. `dmdc_scra_csv`): its kind, read
    #: options and columns, under what the entry itself says (a column the entry maps wins).
    profile: str | None = None
    reliability: float = Field(ge=0.0, le=1.0)
    permissible_purpose: str = Field(min_length=3)
    #: A column name holding the record date, or a constant ISO date. None = file mtime.
    record_date: str | None = None
    #: Fields that must be mapped and non-empty for a row to load (kind defaults apply too).
    required: list[str] = Field(default_factory=list)
    #: A run without a file of this source completes "with warnings" instead of failing.
    optional: bool = False
    #: how a mapped `full_name` is written when first/last are not mapped (see AccountProfile).
    name_order: Literal["first_last", "last_first", "auto"] = "auto"
    #: A defective field (bad SSN, date, ZIP, ...): `null` loads the row without it and records
    #: a field issue; `reject` quarantines the row, as versions before field issues did.
    on_field_error: Literal["null", "reject"] = "null"
    base_dir: Path = Field(default=Path("."), exclude=True)
    #: `outcomes` only: the IANA time zone of the agency's day, which outcome times with a UTC
    #: offset are converted to; a time without an offset is taken as this zone's clock.
    time_zone: str = DEFAULT_TIME_ZONE
    #: Folders besides base_dir the source's files may resolve into (registry `allowed_roots`).
    allowed_roots: list[Path] = Field(default_factory=list, exclude=True)
    #: Set by load_registry: a path written in a file someone delivered is confined to the
    #: registry folder and allowed roots. A Source built in code is trusted as written.
    confined: bool = Field(default=False, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: object) -> object:
        """A shipped layout (`profile:`) fills what the entry does not say; an `outcomes`
        source is the collections system's own record of calls and letters: no vendor
        reliability to state, and its purpose is the account's collection itself."""
        if isinstance(data, dict) and data.get("profile"):
            data = _with_layout(data)
        if isinstance(data, dict) and data.get("kind") == "outcomes":
            data = {"reliability": 1.0, "permissible_purpose": OUTCOMES_PURPOSE, **data}
        return data

    @model_validator(mode="after")
    def _known_fields(self) -> Source:
        allowed = set(PERSON_FIELDS) | set(KIND_FIELDS[self.kind])
        unknown = sorted(set(self.columns) - allowed)
        if unknown:
            raise ValueError(f"source {self.name!r}: unknown canonical fields {unknown}")
        if self.groups and self.kind != "vendor_batch":
            raise ValueError(f"source {self.name!r}: `groups` is for vendor_batch sources")
        if "time_zone" in self.model_fields_set:
            if self.kind != "outcomes":
                raise ValueError(f"source {self.name!r}: `time_zone` is for outcomes sources")
            if not _known_zone(self.time_zone):
                raise ValueError(
                    f"source {self.name!r}: unknown time_zone {self.time_zone!r} (an IANA name,"
                    " e.g. America/Chicago)"
                )
        return self

    def required_fields(self) -> list[str]:
        """Fields that must be mapped and non-empty: the kind's defaults plus `required`."""
        return list(dict.fromkeys([*KIND_REQUIRED[self.kind], *self.required]))

    def required_columns(self) -> list[str]:
        """The file columns of `required_fields`."""
        return [self.columns.get(f, f) for f in self.required_fields()]

    def record_date_constant(self) -> dt.date | None:
        """The record date when `record_date` is an ISO date rather than a column."""
        if self.record_date is None:
            return None
        try:
            return dt.date.fromisoformat(self.record_date)
        except ValueError:
            return None

    def files(self) -> list[Path]:
        """Files matching `path` (sorted, so load order is deterministic).

        Every match must resolve (symlinks followed) inside the registry's folder or one of the
        allowed roots; a path like `../../etc/passwd`, an absolute path elsewhere or a symlink
        pointing out raises PathOutsideRegistryError before anything is read.
        """
        pattern = Path(self.path)
        if not pattern.is_absolute():
            pattern = self.base_dir / pattern
        names = self.name_patterns()
        if any(ch in str(pattern) for ch in "*?["):
            found = sorted({p for n in names for p in pattern.parent.glob(n) if p.is_file()})
        else:  # a file name names one file: itself, else the same name gzipped
            found = next(([c] for c in (pattern.parent / n for n in names) if c.exists()), [])
        roots = self.roots() if self.confined else []
        for path in found if self.confined else []:
            real = path.resolve()
            if not any(real.is_relative_to(root) for root in roots):
                raise PathOutsideRegistryError(self.name, path, roots)
        return found

    def name_patterns(self) -> tuple[str, ...]:
        """The file names `path` matches: its own last part, and the same with `.gz` appended
        (`credit_header_*.tsv` also finds `credit_header_1102.tsv.gz`; a plain file name,
        `ncoa_moves.csv`, finds `ncoa_moves.csv.gz` when it is absent: `files`). A text extract
        is read gzipped as it is plain, and senders switch to gzip without telling: a file the
        glob missed would sit unread. Parquet is never gzipped whole."""
        name = Path(self.path).name
        if name.endswith(".gz") or self.format == "parquet":
            return (name,)
        return (name, name + ".gz")

    def roots(self) -> list[Path]:
        """Folders this source may read: its registry's folder, `allowed_roots`, and
        $SKIPTRACE_ALLOWED_ROOTS (resolved, so a symlinked root is compared by its target)."""
        env = [Path(p) for p in os.environ.get(ALLOWED_ROOTS_ENV, "").split(os.pathsep) if p]
        return [Path(r).resolve() for r in (self.base_dir, *self.allowed_roots, *env)]


def _known_zone(name: str) -> bool:
    """True for an IANA time zone name the machine knows (`America/Chicago`, `UTC`)."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _with_layout(entry: dict[str, Any]) -> dict[str, Any]:
    """A sources.yml entry with its shipped layout (`profile:`) filled in under it.

    A layout is a YAML file in `sources/profiles/` with a `kind:` (what sets it apart from an
    account profile there): the kind, read options and column mapping of a delivery format every
    agency receives alike, such as the DoD's SCRA results. The entry keeps what it says itself;
    its `columns` are added to the layout's, field by field.
    """
    name = str(entry["profile"])
    layout = _source_layouts().get(name)
    if layout is None:
        shipped = ", ".join(sorted(_source_layouts())) or "none"
        raise ValueError(f"no shipped source profile {name!r} (shipped: {shipped})")
    if entry.get("kind") not in (None, layout["kind"]):
        raise ValueError(f"profile {name!r} is for kind {layout['kind']!r}, not {entry['kind']!r}")
    merged = {k: v for k, v in layout.items() if k != "name"}
    merged.update({k: v for k, v in entry.items() if k != "columns"})
    merged["columns"] = {**layout.get("columns", {}), **(entry.get("columns") or {})}
    return merged


def _shipped_yaml() -> dict[str, Any]:
    """{stem: parsed YAML} of every file in `sources/profiles/` (account profiles and source
    layouts side by side; a file that does not parse is left to load_profile to report)."""
    out: dict[str, Any] = {}
    for path in sorted(PROFILES_DIR.glob("*.yml")):
        try:
            out[path.stem] = safe_yaml(path.read_text(encoding="utf-8"), path)
        except (OSError, yaml.YAMLError):
            out[path.stem] = None
    return out


def _source_layouts() -> dict[str, dict[str, Any]]:
    """The shipped source layouts: the files of `sources/profiles/` that name a `kind`."""
    return {
        stem: data
        for stem, data in _shipped_yaml().items()
        if isinstance(data, dict) and "kind" in data
    }


class Registry(BaseModel):
    """The parsed sources.yml."""

    sources: list[Source]
    path: Path | None = None
    allowed_roots: list[Path] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_names(self) -> Registry:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"duplicate source names in registry: {dupes}")
        return self


def load_registry(path: str | Path) -> Registry:
    """Parse sources.yml. Accepts either a top-level list or `{sources: [...], allowed_roots:
    [...]}`; relative allowed roots are relative to the sources.yml folder.

    Every problem is a `RegistryError` (a configuration error, exit code 3) whose one-line
    message names the file and, when one entry is wrong, that source: an operator fixes the
    file from the message alone, and nothing about it is worth retrying.
    """
    path = Path(path)
    data = _read_yaml(path, RegistryError, "sources.yml")
    items = data.get("sources", []) if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise RegistryError(f"{path}: expected a list of sources or a `sources:` key")
    base = path.resolve().parent
    roots = (data.get("allowed_roots") or []) if isinstance(data, dict) else []
    if not isinstance(roots, list):
        raise RegistryError(f"{path}: `allowed_roots` must be a list of folders")
    allowed = [base / Path(r).expanduser() for r in roots]
    sources: list[Source] = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            raise RegistryError(f"{path}: entry {i} is not a mapping of source settings")
        label = f"source {item['name']!r}" if item.get("name") else f"entry {i}"
        try:
            sources.append(Source(**item, base_dir=base, allowed_roots=allowed, confined=True))
        except (ValidationError, TypeError) as exc:
            why = validation_summary(exc)
            prefix = "" if why.startswith(f"{label}:") else f"{label}: "
            raise RegistryError(f"{path}: {prefix}{why}") from None
    try:
        return Registry(sources=sources, path=path, allowed_roots=allowed)
    except ValidationError as exc:
        raise RegistryError(f"{path}: {validation_summary(exc)}") from None


def safe_yaml(text: str, where: Path, max_nodes: int = MAX_YAML_NODES) -> object:
    """Load YAML text, refusing a document whose anchors and aliases expand past `max_nodes`.

    The node graph is composed first (aliases are shared references there, so composing an
    alias bomb is cheap) and its expanded size counted with memoisation; only a document that
    passes is constructed into Python objects. A 4 KB bomb is refused in milliseconds instead
    of minutes and gigabytes later. yaml.YAMLError propagates to the caller.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        sizes: dict[int, int] = {}

        def expanded(n: yaml.Node, depth: int = 0) -> int:
            key = id(n)
            if key in sizes:
                return sizes[key]
            if depth > 200:
                raise UnsafeYamlError(f"{where}: YAML nested deeper than 200 levels; refused")
            sizes[key] = max_nodes + 1  # a recursive alias counts as too big
            total = 1
            if isinstance(n, yaml.SequenceNode):
                total += sum(expanded(c, depth + 1) for c in n.value)
            elif isinstance(n, yaml.MappingNode):
                total += sum(expanded(k, depth + 1) + expanded(v, depth + 1) for k, v in n.value)
            sizes[key] = total = min(total, max_nodes + 1)
            return total

        if expanded(node) > max_nodes:
            raise UnsafeYamlError(
                f"{where}: YAML anchors/aliases expand to more than {max_nodes:,} nodes; refused "
                "(write the repeated parts out, or use fewer nested aliases)"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _read_yaml(path: Path, error: type[ConfigError], what: str) -> Any:
    """The parsed YAML of a configuration file, or `error` naming the file and the line.
    Alias bombs are refused (`safe_yaml`), and so is an SSN-shaped number anywhere in the text
    (`config_refusal`: the file is recorded with every run and its values shown in reports)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such {what} file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read: {exc}") from None
    if refusal := config_refusal(text, str(path)):
        raise error(refusal)
    try:
        return safe_yaml(text, path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise error(f"{path}: not valid YAML{where}: {problem}") from None


class AccountProfile(ReadOptions):
    """How to read an account export from a given collections system.

    The default profile is the foundation layout: CSV with header, canonical column names.
    """

    name: str = "default"
    #: canonical field -> column in the file; unmapped canonical fields map to themselves.
    columns: dict[str, str] = Field(default_factory=dict)
    #: how `full_name` is written: "first_last" ("First M Last Jr") or "last_first" ("LAST, FIRST M").
    name_order: Literal["first_last", "last_first", "auto"] = "auto"
    true_values: list[str] = Field(default_factory=lambda: ["Y", "YES", "T", "TRUE", "1"])
    false_values: list[str] = Field(default_factory=lambda: ["N", "NO", "F", "FALSE", "0", ""])
    #: Fields whose column must exist in the file and be non-empty on every row.
    required: list[str] = Field(default_factory=lambda: ["account_id"])
    #: What one account file is. "increments": new and changed accounts; every account file
    #: loaded stays current, so the portfolio is all of them together (an account leaves only
    #: when its file is replaced with --replace). "snapshot": the whole portfolio; a new file
    #: supersedes every earlier one whatever its name, so an account missing from it is no longer
    #: worked, and the shrink check refuses a file that drops more than max_shrink of them.
    delivery: Literal["increments", "snapshot"] = "increments"

    @model_validator(mode="after")
    def _known_fields(self) -> AccountProfile:
        unknown = sorted(set(self.columns) - set(ACCOUNT_FIELDS))
        if unknown:
            raise ValueError(f"profile {self.name!r}: unknown account fields {unknown}")
        return self

    def column_for(self, field: str) -> str:
        return self.columns.get(field, field)

    def required_columns(self) -> list[str]:
        """The file columns of `required`."""
        return [self.column_for(f) for f in self.required]


def load_profile(path: str | Path | None) -> AccountProfile:
    """Load an account profile YAML; None gives the default layout.

    A bare name that is not an existing file (`legacy_fixed`) is looked up among the profiles
    shipped in `sources/profiles/`, so the CLI can say `--profile legacy_fixed`. Problems are
    `ProfileError`s (configuration, exit code 3) naming the file.
    """
    if path is None:
        return AccountProfile()
    candidate = Path(path)
    layouts = _source_layouts()
    if (
        not candidate.exists()
        and candidate.suffix == ""
        and (PROFILES_DIR / f"{path}.yml").exists()
    ):
        candidate = PROFILES_DIR / f"{path}.yml"
    if not candidate.exists():
        shipped = ", ".join(
            sorted(p.stem for p in PROFILES_DIR.glob("*.yml") if p.stem not in layouts)
        )
        raise ProfileError(f"{candidate}: no such profile file (built-in profiles: {shipped})")
    data = _read_yaml(candidate, ProfileError, "profile") or {}
    if not isinstance(data, dict):
        raise ProfileError(f"{candidate}: expected a mapping of profile settings")
    if "kind" in data:
        raise ProfileError(
            f"{candidate}: a layout of a {data['kind']} source, not an account profile: name it"
            f" in sources.yml (`profile: {candidate.stem}`)"
        )
    try:
        return AccountProfile(**data)
    except ValidationError as exc:
        raise ProfileError(f"{candidate}: {validation_summary(exc)}") from None
