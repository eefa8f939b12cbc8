"""What a privacy audit found leaking, through the real command: an SSN in a delivered file's
name or in sources.yml, a debtor's row taken for a missing header, a URL's password in a refused
option, a weak HMAC key. Each is refused before Prefect starts (or, for a header, named without
its values), with one line on stderr and a documented exit code, and nothing is stored.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from skiptrace import errors

SOURCES = """\
- name: acme
  kind: person_records
  path: "acme*.csv"
  reliability: 0.8
  permissible_purpose: "FCRA 604(a)(3)(A): collection of an account"
"""
#: A debtor's row, as a delivery without its header line starts.
ROW = "A1,Ann,Lee,1980-01-02,12 Main St,2175550123,ann.lee@example.com"


@pytest.fixture
def setup(tmp_path: Path) -> Path:
    (tmp_path / "sources.yml").write_text(SOURCES)
    (tmp_path / "accounts.csv").write_text("account_id,first_name,last_name\nA1,Ann,Lee\n")
    (tmp_path / "acme.csv").write_text("record_id,first_name,last_name\nR1,Ann,Lee\n")
    return tmp_path


def skiptrace(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`skiptrace ARGS` in a fresh process, in `root`, with a Prefect home of its own."""
    full = {
        **os.environ,
        "PREFECT_HOME": str(root / "prefect-home"),
        "SKIPTRACE_HMAC_KEY": "test-key-not-secret",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-m", "skiptrace", *args],
        cwd=root, env=full, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def run_args(accounts: str = "accounts.csv", *extra: str) -> list[str]:
    return ["run", "--sources", "sources.yml", "--accounts", accounts, "--db", "st.duckdb",
            "--out", "out", "--quiet", *extra]  # fmt: skip


def refused(done: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    """Exit `code`, the last stderr line the one error line, holding every needle; nothing
    stored (no database, no output, no Prefect home: refused before Prefect started)."""
    assert done.returncode == code, done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("skiptrace: error: "), done.stderr
    assert "Traceback" not in done.stderr
    for needle in needles:
        assert needle in last, (needle, last)
    return last


def nothing_stored(root: Path) -> None:
    for made in ("st.duckdb", "out", "prefect-home"):
        assert not (root / made).exists(), made


def test_an_ssn_in_the_account_files_name_is_refused_masked(setup: Path) -> None:
    (setup / "accounts.csv").rename(setup / "accounts_531770009.csv")
    last = refused(
        skiptrace(setup, *run_args("accounts_531770009.csv")),
        errors.INPUT,
        "--accounts",
        "accounts_*****0009.csv",
        "SSN-shaped",
    )
    assert "531770009" not in last
    nothing_stored(setup)


def test_an_ssn_in_a_source_files_name_is_refused_masked(setup: Path) -> None:
    (setup / "acme.csv").rename(setup / "acme_531-77-0011.csv")  # matched by the glob acme*.csv
    last = refused(
        skiptrace(setup, *run_args()), errors.INPUT, "source acme", "acme_***-**-0011.csv"
    )
    assert "531-77" not in last
    nothing_stored(setup)


def test_an_ssn_in_another_settings_path_is_a_usage_error(setup: Path) -> None:
    done = skiptrace(setup, *run_args("accounts.csv"), "--out", "out/531 77 0012")
    last = refused(done, errors.USAGE, "--out", "*** ** 0012")
    assert "531 77" not in last
    nothing_stored(setup)


def test_serve_refuses_an_ssn_in_a_path_before_the_deployment_is_made(setup: Path) -> None:
    (setup / "accounts.csv").rename(setup / "accounts_531770013.csv")
    done = skiptrace(
        setup, "serve", "--sources", "sources.yml", "--accounts", "accounts_531770013.csv",
        "--db", "st.duckdb",
    )  # fmt: skip
    last = refused(done, errors.INPUT, "accounts_*****0013.csv")
    assert "531770013" not in last


@pytest.mark.parametrize(
    ("old", "new", "number", "line"),
    [
        ("collection of an account", "collection, ref 531-77-0068", "531-77-0068", 5),
        ("reliability: 0.8", "reliability: 531-77-0075", "531-77-0075", 4),
        ("  reliability", "  # approved for 531770076 only\n  reliability", "531770076", 4),
    ],
)
def test_an_ssn_in_sources_yml_is_refused_with_its_line(
    setup: Path, old: str, new: str, number: str, line: int
) -> None:
    """A value (or a comment: the file is recorded whole) holding an SSN-shaped number: the line
    is named, the number is not shown (reliability's used to be: `got '<the number>'`)."""
    (setup / "sources.yml").write_text(SOURCES.replace(old, new))
    last = refused(
        skiptrace(setup, *run_args()), errors.CONFIG, "sources.yml", "SSN-shaped",
        f"line(s) {line}:",
    )  # fmt: skip
    assert number not in last and number[-4:] not in last
    nothing_stored(setup)


def test_an_ssn_in_the_rules_or_profile_file_is_refused(setup: Path) -> None:
    (setup / "rules.yml").write_text("# exception for 531-77-0081\nrules: []\n")
    refused(
        skiptrace(setup, *run_args("accounts.csv", "--rules", "rules.yml")),
        errors.CONFIG,
        "rules.yml",
        "line(s) 1",
    )
    (setup / "profile.yml").write_text("name: ours\n# ref 531-77-0082\n")
    refused(
        skiptrace(setup, *run_args("accounts.csv", "--profile", "profile.yml")),
        errors.CONFIG,
        "profile.yml",
        "line(s) 2",
    )
    nothing_stored(setup)


def test_a_refused_push_url_does_not_echo_its_password(setup: Path) -> None:
    done = skiptrace(
        setup, *run_args("accounts.csv", "--push-url", "postgresql://postgres:Sup3rSecretPw@/db")
    )
    last = refused(done, errors.USAGE, "--push-url", "must not carry a password")
    assert "Sup3rSecretPw" not in done.stderr and "postgres:***@" in last


def test_a_missing_header_does_not_echo_the_debtors_row(setup: Path) -> None:
    """The first line of the export is a debtor's row: the message says the line looks like
    data, with the shape of its fields, and shows none of its values."""
    (setup / "accounts.csv").write_text(ROW + "\n" + ROW.replace("A1", "A2") + "\n")
    last = refused(
        skiptrace(setup, *run_args()),
        errors.INPUT,
        "accounts.csv",
        "['account_id']",
        "is the header line missing?",
        "####-##-##",
    )
    for value in ROW.split(",")[1:]:
        assert value not in last, value
    assert "0123" not in last and "ann" not in last.lower().split("accounts.csv")[1]
    nothing_stored(setup)


@pytest.mark.parametrize("key", ["changeme", "fifteen-bytes!!"])
def test_a_weak_hmac_key_in_the_environment_is_refused(setup: Path, key: str) -> None:
    last = refused(
        skiptrace(setup, *run_args(), SKIPTRACE_HMAC_KEY=key),
        errors.CONFIG,
        "SKIPTRACE_HMAC_KEY",
        f"{len(key)} bytes",
        "at least 16",
    )
    assert key not in last
    nothing_stored(setup)


def _wide_entries(home: Path) -> list[str]:
    return [
        f"{p.relative_to(home)} {stat.S_IMODE(p.stat().st_mode):04o}"
        for p in [home, *home.rglob("*")]
        if not p.is_symlink() and stat.S_IMODE(p.stat().st_mode) & 0o077
    ]


@pytest.mark.integration
def test_prefects_files_are_private_in_a_home_others_could_read(
    setup: Path, prefect_home: Path
) -> None:
    """Prefect writes its database at 0644 whatever the umask; a PREFECT_HOME left 0755 let
    another user read each run's parameters and log lines. The run makes the home it owns
    private (0700) with what Prefect wrote there before, and the server and the command make
    new files under the private umask."""
    prefect_home.chmod(0o755)
    for path in prefect_home.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    assert _wide_entries(prefect_home)
    done = subprocess.run(
        [sys.executable, "-m", "skiptrace", *run_args()],
        cwd=setup, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PREFECT_HOME": str(prefect_home),
             "SKIPTRACE_HMAC_KEY": "test-key-not-secret"},
        preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    assert (prefect_home / "prefect.db").is_file()
    assert _wide_entries(prefect_home) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user needs root")
def test_a_prefect_home_others_can_read_and_we_cannot_change_is_refused(setup: Path) -> None:
    home = setup / "shared-prefect-home"
    home.mkdir(mode=0o755)
    home.chmod(0o755)
    os.chown(home, 65534, 65534)  # another user's, as a shared /srv/prefect would be
    last = refused(
        skiptrace(setup, *run_args(), PREFECT_HOME=str(home)),
        errors.CONFIG,
        f"PREFECT_HOME {home}",
        "mode 0755",
        "not yours",
    )
    assert "Traceback" not in last
    assert list(home.iterdir()) == []
    nothing_stored(setup)  # refused before the folders and the lock are made
