"""Deploy-time checks for prefect.yaml, run by `prefect deploy` as a build step.

prefect.yaml builds every path of the `nightly-refresh` deployment from one data folder,
$SKIPTRACE_HOME. Prefect replaces an unset variable by an empty string, so without this check
a deployment made from a shell that forgot `export SKIPTRACE_HOME=...` registers `/inbox/...`
and `/data/...` and every night's run fails on a worker far from the person who deployed it.
The build step refuses instead, and its output is the one value the deployment's parameters and
pull step are templated from, so the paths are fixed when deploying, not on the worker.
"""

from pathlib import Path

#: The step output key that prefect.yaml's parameters and pull step refer to.
HOME_KEY = "skiptrace_home"


class DeploymentConfigError(ValueError):
    """prefect.yaml cannot be deployed as configured (the message says what to set)."""


def require_data_folder(directory: str | None = None) -> dict[str, str]:
    """Check the data folder and return it as `{"skiptrace_home": "/absolute/path"}`.

    Refused: unset or empty (an unset `{{ $SKIPTRACE_HOME }}` arrives as "" or as the raw
    placeholder), relative (a worker's working directory is not the deployer's) and missing
    (a typo would otherwise surface only at 02:00).
    """
    value = (directory or "").strip()
    if not value or "{{" in value:
        raise DeploymentConfigError(
            "SKIPTRACE_HOME is not set: export SKIPTRACE_HOME=/path/to/data-folder (the "
            "folder holding inbox/, sources.yml, data/ and out/) before `prefect deploy`"
        )
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise DeploymentConfigError(
            f"SKIPTRACE_HOME must be an absolute path, got {value!r}: workers start runs "
            "in their own working directory"
        )
    if not path.is_dir():
        raise DeploymentConfigError(f"SKIPTRACE_HOME={value} is not a folder on this machine")
    return {HOME_KEY: str(path)}
