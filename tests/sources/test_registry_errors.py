"""sources.yml and profile problems are configuration errors that name the file (and source)."""

from __future__ import annotations

from pathlib import Path

import pytest

from skiptrace.errors import CONFIG
from skiptrace.sources.errors import ProfileError, RegistryError
from skiptrace.sources.registry import load_profile, load_registry

ENTRY = """\
- name: {name}
  kind: {kind}
  path: x.csv
  reliability: 0.5
  permissible_purpose: "collection of an account"
"""


def _registry(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sources.yml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("text", "needles"),
    [
        ("- name: a\n  kind: [\n", ["not valid YAML", "line 3"]),
        (ENTRY.format(name="acme", kind="vendr"), ["source 'acme'", "kind", "'vendr'"]),
        (
            ENTRY.format(name="acme", kind="ncoa") + "  columns: {ssn_nr: X}\n",
            ["source 'acme'", "ssn_nr"],
        ),
        ("- just a string\n", ["entry 1 is not a mapping"]),
        ("sources: 7\n", ["expected a list"]),
        (ENTRY.format(name="a", kind="ncoa") * 2, ["duplicate source names", "'a'"]),
        ("- kind: ncoa\n  path: x.csv\n", ["entry 1", "name"]),
    ],
)
def test_registry_errors_name_file_and_source(
    tmp_path: Path, text: str, needles: list[str]
) -> None:
    path = _registry(tmp_path, text)
    with pytest.raises(RegistryError) as caught:
        load_registry(path)
    message = caught.value.one_line()
    assert message.startswith(str(path)) and "\n" not in str(caught.value)
    for needle in needles:
        assert needle in message, (needle, message)
    assert caught.value.exit_code == CONFIG


def test_missing_registry(tmp_path: Path) -> None:
    with pytest.raises(RegistryError, match=r"no such sources\.yml"):
        load_registry(tmp_path / "nope.yml")


def test_profile_errors(tmp_path: Path) -> None:
    bad = tmp_path / "p.yml"
    bad.write_text("columns: {acct_no: ACCT}\n")
    with pytest.raises(ProfileError, match=r"p\.yml.*acct_no"):
        load_profile(bad)
    bad.write_text("columns: [\n")
    with pytest.raises(ProfileError, match="not valid YAML"):
        load_profile(bad)
    with pytest.raises(ProfileError, match="legacy_fixed"):
        load_profile("no_such_profile")
    assert load_profile("legacy_fixed").name  # built-in names still resolve
