"""The refresh's run settings, declared once (validated by Prefect via pydantic).

`RefreshParams` is the single declaration of what a refresh takes: each field's default, range
and description is written here and nowhere else. The `skiptrace run` and `skiptrace serve`
options are generated from these fields (flows/cli/options.py), the refresh flow takes one
`params: RefreshParams`, `serve` passes them to its deployment, and prefect.yaml's
`parameters.params` is validated against this model by a test. The matcher settings a run may
override (threshold, block caps) take their range and description from `MatchSettings`, where
they are declared.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from skiptrace import sql
from skiptrace.matchers.settings import MatchSettings
from skiptrace.safety import MAX_SHRINK

#: RefreshParams fields that override the MatchSettings field of the same name.
MATCH_OVERRIDES: tuple[str, ...] = ("threshold", "block_cap", "name_block_cap", "match_policy")


def _match_override(name: str) -> Any:
    """A field overriding `MatchSettings.<name>`: None keeps the matcher's default; the range
    and description are MatchSettings', so the two can never drift apart."""
    info = MatchSettings.__pydantic_fields__[name]  # type: ignore[attr-defined]
    bounds = {
        attr: getattr(m, attr)
        for m in info.metadata
        for attr in ("gt", "ge", "lt", "le")
        if getattr(m, attr, None) is not None
    }
    return Field(default=None, description=info.description, **bounds)


class RefreshParams(BaseModel):
    """Everything a refresh needs. Paths, not handles: tasks open their own connections."""

    # extra="forbid": a misspelt key in prefect.yaml or a served deployment is refused, not
    # silently ignored (a dropped `threshold` would quietly run with the default).
    model_config = ConfigDict(extra="forbid")

    accounts: Path | None = Field(
        default=None,
        description="Account export file from the collections system (or --inbox DIR instead).",
    )
    sources: Path = Field(description="sources.yml registry of vendor / public-record extracts.")
    db: Path = Field(
        default_factory=sql.resolve_db_path,
        description="DuckDB database file (default: $SKIPTRACE_DB or data/skiptrace.duckdb).",
    )
    out: Path = Field(default=Path("out"), description="Output root; a run writes OUT/<run_id>/.")
    as_of: dt.date = Field(
        default_factory=dt.date.today,
        description="Date treated as today for recency, YYYY-MM-DD (default: today).",
    )
    profile: Path | None = Field(
        default=None,
        description="Account profile YAML for other export layouts, or the name of a built-in "
        "profile (e.g. legacy_fixed).",
    )
    replace: bool = Field(
        default=False,
        description="Let corrected re-deliveries supersede earlier loads: needed when the "
        "account export is one file name overwritten every night (a new checksum under a "
        "loaded name is refused otherwise).",
    )
    threshold: float | None = _match_override("threshold")
    block_cap: int | None = _match_override("block_cap")
    name_block_cap: int | None = _match_override("name_block_cap")
    match_policy: Literal["collections", "dedup"] | None = _match_override("match_policy")
    rules: Path | None = Field(
        default=None,
        description="Suppression rules YAML replacing the shipped default rules "
        "(docs/compliance.md).",
    )
    allow_shrink: bool = Field(
        default=False,
        description="Let this one run remove more than max_shrink of the accounts or contacts "
        "of the previous completed runs, or load a file whose reject rate passes its source's "
        "max_reject_rate (refused by default: an empty or broken delivery would otherwise "
        "publish a delta that deletes every contact); what it let through is a run warning "
        "(exit 7). For one run only: serve refuses it",
    )
    max_shrink: float = Field(
        default=MAX_SHRINK,
        ge=0.0,
        le=1.0,
        description="Largest share of the previous completed run's accounts, or of its contacts, "
        "a run may remove without allow_shrink; also the largest net drop from the biggest of "
        "the last shrink_window completed runs, and the largest share of the collections "
        "system's active contacts, or of its holds, a push may retire or lift",
    )
    shrink_window: int = Field(
        default=7,
        ge=1,
        description="Completed runs the shrink check looks back over: besides the previous run, "
        "the accounts and contacts may not fall by more than max_shrink below the largest of "
        "the last shrink_window completed runs (since the last run that allowed a shrink), so "
        "a portfolio that shrinks a little every night is stopped too (1: the previous run only)",
    )
    zip_format: Literal["zip5", "zip+4"] = Field(
        default="zip5",
        description="ZIP format of every export: five digits, or ZIP+4 where all nine digits "
        "are known (the collections system's import takes one format per column)",
    )
    report: bool = Field(default=True, description="Write OUT/<run_id>/report.html.")
    keep_runs: int | None = Field(
        default=None,
        ge=1,
        description="After the run completes, archive every older run but the keep_runs newest "
        "completed ones to DB.archive/ (as `skiptrace archive --keep`): bounds the database's "
        "growth, lineage stays readable (default: archive nothing)",
    )
    inbox: Path | None = Field(
        default=None,
        description="Inbox root: load new files from INBOX/inbox/accounts/ (the account export) "
        "and INBOX/inbox/<source>/, and file them under processed/ or quarantine/ (instead of "
        "the accounts file and the sources' own paths).",
    )
    lock_wait: float = Field(
        default=0.0,
        ge=0.0,
        description="Seconds to wait for another run holding the database before failing.",
    )
    full_rebuild: bool = Field(
        default=False,
        description="Rebuild from scratch instead of incrementally: every record identity, the "
        "match model and every pair (instead of re-matching only new or changed accounts and "
        "records with the last completed run's model), and every account's contact evidence.",
    )
    partitions: int = Field(
        default=1,
        ge=1,
        description="Compute the match comparisons in N partitions on a Dask cluster "
        "(1 = in-process; docs/scaling.md).",
    )
    dask_address: str | None = Field(
        default=None,
        description="Dask scheduler address (tcp://host:8786) for partitions > 1 "
        "(default: a local cluster).",
    )
    partition_dir: Path | None = Field(
        default=None,
        description="Work folder of the partitions' Parquet files, at the same path on every "
        "Dask worker (default: <database folder>/partitions).",
    )

    push_url: str | None = Field(
        default=None,
        description="PostgreSQL URL of the collections system: pull its contact outcomes "
        "before the run and push the results after emit (docs/push.md). Without a password: "
        "flow parameters are stored and shown; the password comes from SKIPTRACE_PUSH_URL, "
        "PGPASSWORD or ~/.pgpass. Default: $SKIPTRACE_PUSH_URL when set",
    )

    @field_validator("push_url")
    @classmethod
    def _no_password_in_parameters(cls, v: str | None) -> str | None:
        from skiptrace.flows.exports.pg import url_has_password

        if v and url_has_password(v):
            raise ValueError(
                "push_url must not carry a password (flow parameters are stored and shown): "
                "set SKIPTRACE_PUSH_URL, PGPASSWORD or ~/.pgpass instead"
            )
        return v

    @field_validator("as_of", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        """Only ISO dates: 11/01/2026 is November 1st to some and January 11th to others."""
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                raise ValueError("expected a date as YYYY-MM-DD, e.g. 2026-11-01") from None
        return value

    @field_validator("as_of")
    @classmethod
    def _not_ahead(cls, value: dt.date) -> dt.date:
        """No as-of date after tomorrow. Runs are published in as-of order and out/LATEST and
        the push only move forward, so a mistyped year (2031 for 2026) would complete and then
        hold every real night behind it as a backfill until that date: new cease-and-desists,
        bankruptcies and wrong numbers would never reach the collections system. Tomorrow, not
        today: the agency's calendar may be a day ahead of this machine's clock."""
        latest = dt.date.today() + dt.timedelta(days=1)
        if value > latest:
            raise ValueError(
                f"{value} is after tomorrow ({latest}): a run dated ahead would keep out/LATEST "
                "and the push on it until then; give the date the data is as of"
            )
        return value

    @model_validator(mode="after")
    def _accounts_or_inbox(self) -> RefreshParams:
        if self.accounts is None and self.inbox is None:
            raise ValueError("give the account export (accounts) or an inbox root (inbox)")
        return self

    def match_settings(self) -> MatchSettings:
        """The match stage's settings: the matcher's defaults with this run's overrides."""
        given = {name: getattr(self, name) for name in MATCH_OVERRIDES}
        return MatchSettings(**{k: v for k, v in given.items() if v is not None})
