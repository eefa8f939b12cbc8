"""Data files of the resolution stage: suppression rules (YAML) and the fitted confidence model
(JSON). They are data, not code, so compliance and model changes are reviewed as diffs of their
own and shipped with the package."""

from __future__ import annotations

from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent
DEFAULT_RULES = RULES_DIR / "default_rules.yml"
DEFAULT_CONFIDENCE_MODEL = RULES_DIR / "confidence_model.json"
