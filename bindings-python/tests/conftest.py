"""Shared helpers: where the golden fixtures live and how to read them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings

# Builds may share a slow 2-core machine with other jobs: no per-example deadline.
settings.register_profile(
    "windeep", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=150
)
settings.load_profile("windeep")

#: The repository's golden fixtures (`fixtures/` at the workspace root).
FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"


def fixture_files() -> list[Path]:
    """Every golden case: each `*.json` below `fixtures/`, except the generator's `tools/`."""
    if not FIXTURES.is_dir():
        return []
    return sorted(
        p
        for p in FIXTURES.rglob("*.json")
        if p.is_file() and "tools" not in p.relative_to(FIXTURES).parts[:-1]
    )


def fixture_id(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as f:
        case: dict[str, Any] = json.load(f)
    return case
