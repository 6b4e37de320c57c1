"""A human-readable model card (Markdown) from a model's JSON card and its evaluations on
held-out simulations, so a retrained model can be compared with the shipped one at a glance."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Sequence

from genomeml.errors import GenomemlError
from genomeml.io.atomic import atomic_file
from genomeml.models import card_path


def load_json(path: str | os.PathLike, what: str) -> dict:
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise GenomemlError(f"{path}: {what} not found") from None
    except json.JSONDecodeError as exc:
        raise GenomemlError(f"{path}: not valid JSON ({exc})") from None


def _row(name: str, metrics: dict) -> str:
    cells = [name]
    for kind in ("snv", "indel"):
        m = metrics.get(kind, {})
        cells += [f"{m.get('precision', float('nan')):.3f}", f"{m.get('recall', float('nan')):.3f}",
                  f"{m.get('f1', float('nan')):.3f}"]
    return "| " + " | ".join(cells) + " |"


def _polish_row(name: str, metrics: dict) -> str:
    draft = metrics.get("draft", {})
    cells = [name, str(draft.get("error_events", "?")), str(metrics.get("error_events", "?")),
             str(draft.get("qv", "?")), str(metrics.get("qv", "?"))]
    return "| " + " | ".join(cells) + " |"


def _data_line(data: dict) -> str:
    return (f"- data: {len(data.get('simulations', []))} training + {len(data.get('validation_simulations', []))} "
            f"validation simulations ({data.get('recipe', 'unknown recipe')}, seed {data.get('recipe_seed', '?')})")


def _markdown(model: str | os.PathLike, card: dict, facts: list[str], validation_title: str, validation: dict,
              evaluation_title: str, header: list[str], rows: list[str]) -> str:
    """The layout both cards share: title, facts, validation metrics, held-out evaluations."""
    lines = [f"# {Path(model).stem}", "", f"- genomeml {card.get('model_version', '?')}; {card.get('architecture', '')}",
             *facts, "", f"## {validation_title}", "", "```json", json.dumps(validation, indent=2, sort_keys=True),
             "```", ""]
    if rows:
        lines += [f"## {evaluation_title}", "", "| " + " | ".join(header) + " |", "|" + "---|" * len(header), *rows, ""]
    return "\n".join(lines)


def polish_card_markdown(model: str | os.PathLike, card: dict, evaluations: Sequence[str | os.PathLike]) -> str:
    """The polishing model's card: windows, threshold, and draft vs polished errors per held-out set."""
    training = card.get("training", {})
    facts = [f"- {card.get('parameters', '?')} parameters; features {card.get('feature_version', '?')}, "
             f"{card.get('rows', '?')} reads x {card.get('columns', '?')} columns, platform {card.get('platform', '?')}",
             f"- trained on {training.get('windows', '?')} windows, {training.get('epochs', '?')} epochs, "
             f"seed {training.get('seed', '?')}",
             _data_line(training.get("data", {})),
             f"- an edit is made when one of its columns reaches "
             f"P >= {card.get('polishing', {}).get('min_probability', '?')} (chosen on validation windows)"]
    rows = [_polish_row(Path(e).name.split(".")[0], load_json(e, "evaluation")) for e in evaluations]
    return _markdown(model, card, facts, "Validation windows", card.get("metrics", {}).get("validation", {}),
                     "genomeml polish on held-out simulations",
                     ["set", "draft errors", "polished errors", "draft QV", "polished QV"], rows)


def _threshold_line(calling: dict) -> str:
    snv = calling.get("min_somatic_probability", "?")
    indel = calling.get("min_somatic_probability_indel", snv)
    return f"- PASS threshold P(somatic) >= {snv} for SNVs, >= {indel} for indels (chosen on validation examples)"


def model_card_markdown(model: str | os.PathLike, evaluations: Sequence[str | os.PathLike]) -> str:
    """Markdown: what the model is, what it was trained on, how it scored (per validation set)."""
    card = load_json(card_path(Path(model)), "model card")
    if card.get("task") == "polish":
        return polish_card_markdown(model, card, evaluations)
    training = card.get("training", {})
    facts = [f"- {card.get('parameters', '?')} parameters; channels {card.get('channel_version', '?')}, "
             f"tensor {card.get('shape')}; tumor-only: {card.get('tumor_only', False)}",
             f"- trained on {training.get('examples', '?')} examples {training.get('class_counts', {})}, "
             f"{training.get('epochs', '?')} epochs, " + (f"mean of {len(training['seeds'])} CNNs, seeds "
                                                           f"{', '.join(map(str, training['seeds']))}"
                                                           if "seeds" in training else f"seed {training.get('seed', '?')}"),
             _data_line(training.get("data", {})),
             _threshold_line(card.get("calling", {}))]
    rows = [_row(Path(e).name.split(".")[0], load_json(e, "evaluation")) for e in evaluations]
    return _markdown(model, card, facts, "Validation examples", card.get("metrics", {}),
                     "call-somatic on held-out simulations",
                     ["set", "SNV precision", "SNV recall", "SNV F1", "indel precision", "indel recall", "indel F1"],
                     rows)


def write_model_card(model: str | os.PathLike, evaluations: Sequence[str | os.PathLike],
                     output: str | os.PathLike) -> None:
    text = model_card_markdown(model, evaluations)
    with atomic_file(output) as tmp:
        tmp.write_text(text)
