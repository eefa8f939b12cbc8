"""The configuration files a run read, recorded whole (`run_config_files`, migration 106).

Why: a run used to keep only the path of its suppression rules file (runs.params), as typed.
Edited after the run, the file no longer said what the run applied, and `skiptrace replay`
re-applied the edited rules as if they were the run's. The shipped default rules change between
versions in the same way. So the suppress stage records the exact text it parses and applies
(`read_rules` + `record_config`: one read, so what is recorded is what was applied), and
replay re-applies that text. Ingest records sources.yml and the account profile too: replay
does not re-read them (it reuses the loaded rows, identified by their files' sha256), but an
examiner asks what configuration the run was given.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from skiptrace import sql
from skiptrace.errors import ConfigError
from skiptrace.ssn_shapes import config_refusal

if TYPE_CHECKING:
    from skiptrace.matchers.suppress import RuleSet

#: What a run records, by kind.
KINDS = ("rules", "sources", "profile")


@dataclass(frozen=True)
class ConfigText:
    """One configuration file as read: where from, its text and its sha256."""

    kind: str
    given: str | None  # as the run was given it; None = the default (shipped rules)
    path: Path  # the file read, absolute
    shipped: bool
    text: str

    @property
    def sha256(self) -> str:
        return text_sha256(self.text)


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_rules(rules: str | Path | None) -> ConfigText:
    """The suppression rules file a run applies (None: the shipped default rules), read once."""
    from skiptrace.matchers.rules import DEFAULT_RULES

    path = Path(rules) if rules else DEFAULT_RULES
    return ConfigText("rules", str(rules) if rules else None, path.resolve(), not rules,
                      _read(path, "rules file"))  # fmt: skip


def read_profile(profile: str | Path) -> ConfigText:
    """An account profile file, or a built-in profile by name (as load_profile finds it)."""
    from skiptrace.sources.registry import PROFILES_DIR

    path, shipped = Path(profile), False
    if not path.exists() and path.suffix == "" and (PROFILES_DIR / f"{profile}.yml").exists():
        path, shipped = PROFILES_DIR / f"{profile}.yml", True
    return ConfigText("profile", str(profile), path.resolve(), shipped, _read(path, "profile"))


def read_sources(sources: str | Path) -> ConfigText:
    path = Path(sources)
    return ConfigText("sources", str(sources), path.resolve(), False, _read(path, "sources.yml"))


def _read(path: Path, what: str) -> str:
    """The file's text; a ConfigError when it cannot be read, or when it holds an SSN-shaped
    number (recorded whole, the file would keep it in run_config_files for good)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such {what}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the {what} ({exc})") from None
    if refusal := config_refusal(text, str(path)):
        raise ConfigError(refusal)
    return text


def record_config(con: duckdb.DuckDBPyConnection, run_id: str, config: ConfigText) -> None:
    """Record `config` as read by `run_id` (a retried stage replaces its row)."""
    with sql.transaction(con):
        sql.run(
            con, "audit/run_config_record.sql", run_id=run_id, kind=config.kind,
            given=config.given, path=str(config.path), shipped=config.shipped,
            sha256=config.sha256, content=config.text,
            recorded_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
        )  # fmt: skip


def recorded_config(
    con: duckdb.DuckDBPyConnection, run_id: str, kind: str
) -> dict[str, Any] | None:
    """The `kind` file `run_id` recorded, or None (a run from before migration 106)."""
    found = sql.rows(con, "audit/run_config_get.sql", run_id=run_id, kind=kind)
    return found[0] if found else None


def run_rules(con: duckdb.DuckDBPyConnection, run_id: str, rules: str | Path | None) -> RuleSet:
    """The rules `run_id` applied: the text its suppress stage recorded, else (a run from before
    migration 106, or one not suppressed yet) the file `rules` (None: the shipped rules). Emit and
    push take their confidence bands from here, so a rules file edited after the run changes
    neither the run's import files when they are written again nor what a later push calls
    callable: both follow what suppress applied."""
    from skiptrace.matchers.suppress import load_rules, parse_rules

    rec = recorded_config(con, run_id, "rules")
    return parse_rules(rec["content"]) if rec else load_rules(rules)
