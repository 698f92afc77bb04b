"""Fixtures shared by the unit tests."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

# The example brands the project ships.
BRANDING = Path(__file__).resolve().parents[2] / "branding"


@pytest.fixture
def brands(tmp_path) -> Path:
    """A copy of the shipped brands, to break or edit while an app reads them."""
    target = tmp_path / "branding"
    shutil.copytree(BRANDING, target)
    return target
