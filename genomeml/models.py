"""The model registry: a short name resolves to a shipped model file and its JSON card.

Shipped models live in the repository's top-level ``models/`` directory, which the
build installs as the package ``genomeml.models_data``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from genomeml.errors import GenomemlError

SHIPPED = {
    "somatic-illumina-tn": "somatic_illumina_tn.keras",
    "somatic-illumina-to": "somatic_illumina_to.keras",
    "polish-hifi": "polish_hifi.keras",
}


@dataclass
class ModelRef:
    name: str
    path: Path
    card: dict


def card_path(model_path: Path) -> Path:
    return model_path.with_suffix(".json")


def _shipped_dir() -> Path:
    """Installed: the genomeml.models_data package; run from a source tree: the top-level models/."""
    try:
        return Path(str(resources.files("genomeml.models_data")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "models"


def resolve_model(name_or_path: str | os.PathLike) -> ModelRef:
    """A shipped model by name, or a model file (with its .json card beside it) by path."""
    text = str(name_or_path)
    path = _shipped_dir() / SHIPPED[text] if text in SHIPPED else Path(text)
    if not path.exists():
        known = ", ".join(SHIPPED)
        raise GenomemlError(f"{path}: model not found (shipped models: {known})")
    card_file = card_path(path)
    if not card_file.exists():
        raise GenomemlError(f"{path}: model card {card_file.name} not found beside the model")
    try:
        card = json.loads(card_file.read_text())
    except json.JSONDecodeError as exc:
        raise GenomemlError(f"{card_file}: not valid JSON ({exc})") from None
    return ModelRef(text if text in SHIPPED else path.stem, path, card)
