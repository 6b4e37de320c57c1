"""`snakemake train_polish`, shrunk to 2 + 1 simulations and 1 epoch: every stage runs and the card records
the recipe's plan (the full plan's job list is checked by the dry runs in test_profiles.py)."""

from __future__ import annotations

import json

from cli_helpers import run_shrunk_workflow
from genomeml.train.polish_recipe import polish_recipe_data


def test_train_polish_workflow_builds_a_model_and_its_card(tmp_path):
    toy = {"source": "testdata/somatic/ref.fa", "simulations": 2, "validation_simulations": 1, "epochs": 1,
           "seed": 7, "threads": 2}
    out = run_shrunk_workflow(tmp_path / "work", "train_polish", "train_polish", toy) / "train_polish"
    card = json.loads((out / "models" / "polish_hifi.json").read_text())
    assert card["task"] == "polish" and card["feature_version"].startswith("polish-window-")
    assert card["training"]["data"] == json.loads(json.dumps(polish_recipe_data(2, 1, 7)))
    assert card["training"]["windows"] > 0
    evaluation = json.loads((out / "evaluation" / "asm002.json").read_text())
    assert evaluation["draft"]["error_events"] > 0            # the validation draft had errors to fix
    markdown = (out / "models" / "polish_hifi.md").read_text()
    row = next(line for line in markdown.splitlines() if line.startswith("| asm002 |"))
    assert row.split("|")[2].strip() == str(evaluation["draft"]["error_events"])
    assert not (out / "sims").exists() or not any((out / "sims").iterdir())    # simulations were temporary
