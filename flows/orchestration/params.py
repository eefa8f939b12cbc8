"""Typed parameters of the refresh flow and its subflows (validated by Prefect via pydantic)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from skiptrace import sql


class RefreshParams(BaseModel):
    """Everything a refresh needs. Paths, not handles: tasks open their own connections."""

    accounts: Path | None = Field(
        default=None, description="Account export from the collections system (or use inbox)"
    )
    sources: Path = Field(description="sources.yml registry of vendor / public-record extracts")
    db: Path = Field(default_factory=sql.resolve_db_path, description="DuckDB database file")
    out: Path = Field(default=Path("out"), description="Output root; a run writes out/<run_id>/")
    as_of: dt.date = Field(default_factory=dt.date.today, description="The date treated as today")
    profile: Path | None = Field(default=None, description="Account profile YAML (default layout)")
    replace: bool = Field(default=False, description="Let corrected re-deliveries supersede")
    threshold: float | None = Field(default=None, ge=0.0, le=1.0, description="Link threshold")
    block_cap: int | None = Field(
        default=None,
        ge=1,
        description="Skip blocks larger than this many pairs in the blocking passes keyed on "
        "SSN, phone, email and address (default: the matcher's; docs/performance.md)",
    )
    name_block_cap: int | None = Field(
        default=None,
        ge=1,
        description="Cap of the blocking passes keyed on names, places and dates of birth "
        "(default: the matcher's; block_cap caps the passes on SSN, phone, email and address)",
    )
    rules: Path | None = Field(default=None, description="Suppression rules YAML (defaults)")
    allow_shrink: bool = Field(
        default=False,
        description="Let this run remove more than max_shrink of the accounts or contacts of the "
        "previous completed run, or load a file whose reject rate passes its source's "
        "max_reject_rate (refused by default: an empty or broken delivery would otherwise "
        "publish a delta that deletes every contact)",
    )
    max_shrink: float = Field(
        default=0.2,
        ge=0.0,
        le=1.0,
        description="Largest share of the previous completed run's accounts, or of its contacts, "
        "a run may remove without allow_shrink",
    )
    zip_format: Literal["zip5", "zip+4"] = Field(
        default="zip5",
        description="ZIP format of every export: five digits, or ZIP+4 where all nine digits "
        "are known (the collections system's import takes one format per column)",
    )
    report: bool = Field(default=True, description="Write out/<run_id>/report.html")
    inbox: Path | None = Field(
        default=None,
        description="Inbox root: load new files from inbox/<source>/, file them under "
        "processed/ or quarantine/ (instead of --accounts and the sources' own paths)",
    )
    lock_wait: float = Field(
        default=0.0, ge=0.0, description="Seconds to wait for another run holding the database"
    )
    full_rebuild: bool = Field(
        default=False,
        description="Re-estimate the match model and compare every pair, instead of re-matching "
        "only new or changed accounts and records with the last completed run's model",
    )
    partitions: int = Field(
        default=1,
        ge=1,
        description="Compute match comparisons in this many partitions on a Dask cluster "
        "(1 = in-process; see docs/scaling.md)",
    )
    dask_address: str | None = Field(
        default=None,
        description="Dask scheduler address (tcp://host:8786) for partitions > 1; "
        "default: a local cluster",
    )
    partition_dir: Path | None = Field(
        default=None,
        description="Work folder for the partitions' Parquet files, readable and writable by "
        "every Dask worker (default: <database folder>/partitions)",
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

    @model_validator(mode="after")
    def _accounts_or_inbox(self) -> RefreshParams:
        if self.accounts is None and self.inbox is None:
            raise ValueError("give the account export (accounts) or an inbox root (inbox)")
        return self
