"""The wheel must carry every subpackage and the shipped models (pyproject lists packages by hand)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "genomeml").rglob("__init__.py")}
    assert found <= listed, f"add to pyproject.toml packages: {sorted(found - listed)}"
    assert "genomeml.models_data" in listed


def test_shipped_models_have_cards():
    from genomeml.models import SHIPPED, resolve_model
    for name, filename in SHIPPED.items():
        if (ROOT / "models" / filename).exists():
            ref = resolve_model(name)
            version_key = "feature_version" if ref.card.get("task") == "polish" else "channel_version"
            assert ref.card[version_key]
            assert ref.path.name == filename
