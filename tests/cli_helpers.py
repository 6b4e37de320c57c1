"""Helpers for tests that run the genomeml command line."""

from __future__ import annotations

import sys
from pathlib import Path


def genomeml_exe() -> str:
    """The console script of the interpreter running the tests, even when its venv is not activated."""
    candidate = Path(sys.executable).parent / "genomeml"
    return str(candidate) if candidate.exists() else "genomeml"
