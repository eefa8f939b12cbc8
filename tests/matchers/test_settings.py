"""MatchSettings: one declaration of the match stage's knobs, validated where it is built."""

from __future__ import annotations

import dataclasses
import json

import pytest

from skiptrace.matchers.settings import MatchSettings

#: The keys stored with every run (match_run.settings); the incremental cache compares them
#: (a key missing from an older run's settings compares as its default: see
#: test_a_setting_added_later_does_not_force_a_rebuild).
STORED_KEYS = {
    "threshold", "review_floor", "block_cap", "name_block_cap", "em_max_iter",
    "u_sample_pairs", "seed", "reuse_params_from", "match_policy", "guards",
    "ssn_placeholder_accounts", "common_name_dob_chance", "contact_placeholder_debtors",
    "household_max_persons", "crowded_surname_chance",
}  # fmt: skip


def test_a_setting_added_later_does_not_force_a_rebuild() -> None:
    """Settings stored before match_policy existed compare equal to today's defaults."""
    from skiptrace.matchers.incremental import settings_key

    old = {k: v for k, v in dataclasses.asdict(MatchSettings()).items() if k != "match_policy"}
    assert settings_key(old) == settings_key(MatchSettings())
    assert settings_key(old) != settings_key(MatchSettings(match_policy="dedup"))


def test_stored_json_keeps_its_keys() -> None:
    from skiptrace.matchers.link import _settings_json

    stored = json.loads(_settings_json(MatchSettings(guards=("suffix_conflict",))))
    assert set(stored) == STORED_KEYS
    assert stored["guards"] == ["suffix_conflict"] and stored["threshold"] == 0.9


def test_dataclass_behaviour_is_kept() -> None:
    s = MatchSettings(threshold=0.8)
    assert dataclasses.asdict(s)["threshold"] == 0.8
    assert {f.name for f in dataclasses.fields(MatchSettings)} == STORED_KEYS
    assert dataclasses.replace(s, reuse_params_from="r1").reuse_params_from == "r1"


@pytest.mark.parametrize(
    "bad",
    [
        {"threshold": 0.0},
        {"threshold": 5},
        {"block_cap": 0},
        {"name_block_cap": -1},
        {"threshold": 0.5, "review_floor": 0.8},
        {"thresold": 0.5},  # a misspelt knob is refused, not ignored
    ],
)
def test_invalid_settings_are_refused_at_construction(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        MatchSettings(**bad)  # type: ignore[arg-type]


def test_validate_rechecks_assigned_values() -> None:
    s = MatchSettings()
    s.validate()
    s.threshold = 7
    with pytest.raises(ValueError, match="threshold"):
        s.validate()


def test_the_matcher_version_is_hashed_once_per_process(monkeypatch) -> None:
    """Hashing the matcher's files is a fixed cost of every link call (about 14 ms, twice a
    call): done once per process, the value unchanged."""
    from skiptrace.matchers import settings

    settings.matcher_version.cache_clear()
    first = settings.matcher_version()
    calls: list[str] = []

    def counted(*args: object, **kwargs: object) -> str:
        calls.append("x")
        return "other"

    monkeypatch.setattr(settings, "content_version", counted)
    assert settings.matcher_version() == first and settings.matcher_version() == first
    assert calls == []
    settings.matcher_version.cache_clear()  # the next caller hashes the real files again
