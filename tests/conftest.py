"""Fixtures shared by every test package."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_prompts() -> Path:
    """The public prompt sets of ``../shared/data/prompts``; skips the test where absent."""
    path = SHARED_DATA / "prompts"
    if not path.is_dir():
        pytest.skip("../shared/data/prompts is not beside this checkout (public prompt sets)")
    return path
