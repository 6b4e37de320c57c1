"""train.card: the Markdown card of either model lists its facts and one row per held-out evaluation."""

from __future__ import annotations

import json

from genomeml.train.card import model_card_markdown


def _write(tmp_path, name: str, card: dict, evaluations: dict[str, dict]) -> tuple:
    model = tmp_path / f"{name}.keras"
    model.write_bytes(b"")
    (tmp_path / f"{name}.json").write_text(json.dumps(card))
    paths = []
    for set_name, metrics in evaluations.items():
        path = tmp_path / f"{set_name}.json"
        path.write_text(json.dumps(metrics))
        paths.append(path)
    return model, paths


def test_somatic_card_rows_hold_the_f1s(tmp_path):
    card = {"task": "somatic", "channel_version": "v9", "calling": {"min_somatic_probability": 0.8},
            "training": {"data": {"simulations": [{}, {}], "validation_simulations": [{}], "recipe_seed": 3},
                         "seeds": [3, 4]}}
    model, evals = _write(tmp_path, "som", card, {"sim002": {"snv": {"precision": 0.9, "recall": 0.8, "f1": 0.847},
                                                             "indel": {"precision": 1.0, "recall": 0.5, "f1": 0.667}}})
    text = model_card_markdown(model, evals)
    assert "channels v9" in text and "P(somatic) >= 0.8 for SNVs, >= 0.8 for indels" in text
    assert "2 training + 1 validation" in text
    assert "mean of 2 CNNs, seeds 3, 4" in text
    assert "| sim002 | 0.900 | 0.800 | 0.847 | 1.000 | 0.500 | 0.667 |" in text.splitlines()


def test_polish_card_rows_hold_draft_and_polished_errors(tmp_path):
    card = {"task": "polish", "feature_version": "polish-window-v2", "polishing": {"min_probability": 0.96},
            "metrics": {"validation": {"fixed": 5}}, "training": {"windows": 12}}
    model, evals = _write(tmp_path, "pol", card, {"asm009": {"error_events": 3, "qv": 41.2,
                                                             "draft": {"error_events": 40, "qv": 30.1}}})
    text = model_card_markdown(model, evals)
    assert "features polish-window-v2" in text and "P >= 0.96" in text and "trained on 12 windows" in text
    assert "| asm009 | 40 | 3 | 30.1 | 41.2 |" in text.splitlines()
    assert "held-out" not in model_card_markdown(model, [])      # no evaluations, no table
