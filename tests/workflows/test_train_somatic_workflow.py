"""`snakemake train_somatic`, shrunk to 2 + 1 simulations, 1 epoch and 2 members: every stage runs, the
shipped-model card is the members' mean with the recipe's plan (the full plan's job list is checked by the
dry runs in test_profiles.py)."""

from __future__ import annotations

import json

from cli_helpers import run_shrunk_workflow
from genomeml.train.recipe import recipe_data


def test_train_somatic_workflow_builds_an_averaged_model_and_its_card(tmp_path):
    toy = {"source": "testdata/somatic/ref.fa", "simulations": 2, "validation_simulations": 1, "epochs": 1,
           "members": 2, "seed": 7, "threads": 2}
    out = run_shrunk_workflow(tmp_path / "work", "train_somatic", "train", toy) / "train"
    card = json.loads((out / "models" / "somatic_illumina_tn.json").read_text())
    assert card["training"]["seeds"] == [7, 8] and card["architecture"].startswith("mean of 2 ")
    assert card["training"]["data"] == json.loads(json.dumps(recipe_data(2, 1, 7)))
    assert sorted(p.name for p in (out / "members").glob("*.keras")) == ["somatic_illumina_tn.seed7.keras",
                                                                          "somatic_illumina_tn.seed8.keras"]
    evaluation = json.loads((out / "evaluation" / "sim002.json").read_text())
    assert evaluation["n_truth"] > 0
    markdown = (out / "models" / "somatic_illumina_tn.md").read_text()
    assert "mean of 2 CNNs, seeds 7, 8" in markdown and "| sim002 |" in markdown
