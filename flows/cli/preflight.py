"""Checks a refresh's settings and configuration files before Prefect starts.

Starting Prefect (its ephemeral server, the flow and task runs) takes seconds; a malformed
sources.yml found inside the ingest task used to cost those seconds plus three retries, and
came back as a traceback. Everything that can be known from the command line and the
configuration files is checked here first, in well under a second, and each problem is a
`SkiptraceError` with a one-line message and its exit code.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from skiptrace.errors import (
    ConfigError,
    DatabaseBusy,
    InputFileError,
    UsageError,
    validation_summary,
)
from skiptrace.flows.cli.options import flag_for
from skiptrace.flows.orchestration.params import RefreshParams

if TYPE_CHECKING:
    from skiptrace.sources.registry import AccountProfile, Registry


def refresh_params(values: Mapping[str, Any]) -> RefreshParams:
    """RefreshParams from command-line values, a validation error naming the options."""
    try:
        return RefreshParams(**values)
    except ValidationError as exc:
        names = {name: flag_for(name) for name in RefreshParams.model_fields}
        raise UsageError(_as_options(validation_summary(exc, names))) from None


def _as_options(message: str) -> str:
    """The model-level message names fields; on the command line they are options."""
    return message.replace("(accounts)", "(--accounts FILE)").replace("(inbox)", "(--inbox DIR)")


def check_configuration(params: RefreshParams) -> tuple[Registry, AccountProfile]:
    """sources.yml, the account profile and the rules file load and validate; returns the
    registry and the profile, which the later checks read (each file parsed once)."""
    from skiptrace.sources.registry import load_profile, load_registry

    if params.sources.is_dir():
        raise ConfigError(f"{params.sources}: a folder, not a sources.yml file (--sources)")
    if not params.sources.is_file():
        raise ConfigError(f"{params.sources}: no such sources.yml file (--sources)")
    registry = load_registry(params.sources)
    profile = load_profile(params.profile)
    if params.rules is not None:
        check_rules(params.rules)
    return registry, profile


def check_rules(path: Path) -> None:
    """A suppression rules file that loads and validates (a configuration error otherwise)."""
    import yaml

    from skiptrace.matchers.suppress import load_rules

    if not path.is_file():
        raise ConfigError(f"{path}: no such rules file (--rules)")
    try:
        load_rules(path)
    except ConfigError:  # its message names the file
        raise
    except ValidationError as exc:
        raise ConfigError(f"{path}: {validation_summary(exc)}") from None
    except (yaml.YAMLError, TypeError, ValueError, OSError) as exc:
        raise ConfigError(f"{path}: {validation_summary(exc)}") from None


def check_inputs(params: RefreshParams) -> None:
    """The account export exists (a run reads it now; a served run reads it later)."""
    if params.accounts is not None and params.accounts.is_dir():
        raise InputFileError(
            f"{params.accounts}: a folder, not an account export file (--accounts; a folder of "
            "deliveries is --inbox DIR)"
        )
    if params.accounts is not None and not params.accounts.is_file():
        raise InputFileError(f"{params.accounts}: no such account export file (--accounts)")
    if params.inbox is not None and params.inbox.exists() and not params.inbox.is_dir():
        raise UsageError(f"--inbox {params.inbox}: not a folder")
    if params.partition_dir is not None and params.partition_dir.is_file():
        raise UsageError(f"--partition-dir {params.partition_dir}: not a folder")


def check_database_free(params: RefreshParams) -> None:
    """Fail at once, before Prefect starts, when another run holds the database and this one
    would not wait. A probe only: the flow takes the lock itself for the whole run."""
    if params.lock_wait > 0:
        return
    from skiptrace.flows.orchestration.lock import DatabaseBusyError, db_lock

    try:
        with db_lock(params.db, run_id="(checking)", wait_seconds=0):
            pass
    except DatabaseBusyError:
        raise
    except OSError as exc:
        raise DatabaseBusy(f"database {params.db}: cannot take its lock: {exc}") from None


def check_collections_database(params: RefreshParams) -> None:
    """With a push URL (`--push-url` or $SKIPTRACE_PUSH_URL), the collections database answers.

    The run's first step pulls collectors' outcomes from it and fails without them
    (docs/push.md); finding that out inside the flow cost Prefect's start and two retries. Here
    it is one connection: a server that does not answer is exit code 8, a refused login 3.
    """
    from skiptrace.flows.exports import pg

    url = pg.resolve_url(params.push_url)  # the option, else the environment, as the run reads it
    if url is not None:
        pg.connect(url).close()


def check_source_files(params: RefreshParams, registry: Registry) -> None:
    """Every required source has a file, inside the allowed folders (an inbox run takes its files
    from the inbox instead, and quarantines what it cannot use; collectors' outcomes it still
    reads from their own paths, so those are checked)."""
    from skiptrace.flows.orchestration.stages import check_source_files as check

    if params.inbox is not None:
        outcomes = [s for s in registry.sources if s.kind == "outcomes"]
        registry = registry.model_copy(update={"sources": outcomes})
    check(registry, warn=False)


def check_columns(params: RefreshParams, registry: Registry, profile: AccountProfile) -> None:
    """The account export and every source file have the columns their layout requires, read
    from their headers: a wrong delimiter or a renamed column is found here in about a second,
    not by the load after Prefect's start (12-14 s), one file per attempt."""
    from skiptrace.sources.outcomes import check_outcome_columns

    for source in registry.sources:  # read from their own paths, in inbox mode too
        if source.kind == "outcomes":
            check_outcome_columns(source)
    if params.inbox is not None or params.accounts is None:
        return
    from skiptrace.sources.ingest import check_account_columns, check_source_columns

    check_account_columns(params.accounts, profile)
    for source in registry.sources:
        if source.kind != "outcomes":  # collectors' dispositions: their own reader, above
            check_source_columns(source)


def check_key(params: RefreshParams) -> None:
    """The HMAC key is the one the database's SSN hashes were made with, read-only: the refresh
    checks it again, but only after Prefect has started (seconds)."""
    from skiptrace.flows.orchestration import guards
    from skiptrace.sources.pii import check_key_strength

    check_key_strength(params.db)  # a short key is refused even for a new database
    guards.check_key_before_run(params.db)


def check_run_setup(params: RefreshParams) -> None:
    """The file mode setting, and that the output and database folders can be written (by
    writing there: this makes the folders, so it runs after every check that creates nothing)."""
    from skiptrace.flows.orchestration import guards

    guards.preflight(params)


def check_names(params: RefreshParams, registry: Registry | None = None) -> None:
    """No setting, and (given the registry) no source file, whose path holds an SSN-shaped
    number: stored with the run and shown in its reports, it would be that SSN unmasked
    (guards.refuse_ssn_shaped_names). The settings first, before any file is read: a message
    about sources.yml names its path."""
    from skiptrace.flows.orchestration import guards

    if registry is None:
        guards.refuse_ssn_shaped_settings(params, flag_for)
    else:
        guards.refuse_ssn_shaped_files(params, registry)


def check_run(params: RefreshParams) -> None:
    """All checks of `skiptrace run`: those that create nothing first, so a refused run leaves
    no folder, lock or key behind; then the folders' and the lock's, which must write."""
    check_names(params)
    registry, profile = check_configuration(params)
    check_inputs(params)
    check_source_files(params, registry)
    check_names(params, registry)
    check_columns(params, registry, profile)
    check_key(params)
    check_collections_database(params)
    check_prefect_home()
    check_run_setup(params)
    check_database_free(params)


def check_prefect_home() -> None:
    """PREFECT_HOME is private, or is made so when it is ours; another user's home that others
    can read is refused (exit 3): Prefect keeps each run's parameters and log lines there
    (prefect_startup.private_prefect_home)."""
    import logging
    import os

    from skiptrace.atomic import FILE_MODE_ENV, check_file_mode
    from skiptrace.flows.orchestration import prefect_startup

    try:
        check_file_mode(os.environ.get(FILE_MODE_ENV))
    except ValueError:
        return  # what is private is not known: check_run_setup says so, with its exit code
    if notice := prefect_startup.private_prefect_home():
        logging.getLogger("skiptrace").info("%s", notice)


def check_serve(params: RefreshParams) -> None:
    """The checks of `skiptrace serve`: the configuration must load now; the account export
    and the database may not exist yet (they arrive before the first scheduled run).

    `--allow-shrink` is refused: stored in the deployment it would let every future night's
    shrink through (an empty account export published a delta removing every contact, exit 0).
    It is for one run: `skiptrace run --allow-shrink`, or a custom run of the deployment."""
    if params.allow_shrink:
        raise UsageError(
            "--allow-shrink is for one run, not a schedule: served, it would let every night's "
            "shrink through; run the night that needs it with `skiptrace run --allow-shrink` "
            "(or start one custom run of the deployment with allow_shrink)"
        )
    check_names(params)
    registry, _ = check_configuration(params)
    check_names(params, registry)
    from skiptrace.sources.pii import check_key_strength

    check_key_strength(params.db)
