"""train.polish_recipe: the train_polish workflow's jobs get exactly the recipe's simulations and card data."""

from __future__ import annotations

import json

import pytest

from genomeml.cli import cli
from genomeml.train.polish_recipe import assembly_config, assembly_options, polish_plan, polish_recipe_data


@pytest.mark.parametrize("index", [0, 1, 4])   # real sequence (every third) and synthetic plans, validation
def test_cli_options_make_the_recipes_simulation(index):
    train, valid = polish_plan(4, 2, seed=3)
    plan = (train + valid)[index]
    args = assembly_options(plan, "source.fa") + ["--out", "sims/x"]
    params = cli.commands["simulate"].commands["assembly"].make_context("assembly", args).params
    from genomeml.simulate.assembly import AssemblySimConfig
    assert AssemblySimConfig(**params) == assembly_config(plan, "sims/x", "source.fa")


def test_plan_spreads_shared_errors():
    train, valid = polish_plan(56, 8)
    shares = [p.shared_errors for p in train + valid]
    assert min(shares) >= 0.2 and max(shares) <= 0.8 and max(shares) - min(shares) > 0.3


def test_recipe_plan_command_writes_the_polish_plan(tmp_path):
    out = tmp_path / "plan.json"
    cli.main(["train", "recipe-plan", "--task", "polish", "--simulations", "4", "--validation-simulations", "2",
              "--output", str(out)], standalone_mode=False)
    data = json.loads(out.read_text())["data"]
    assert data == json.loads(json.dumps(polish_recipe_data(4, 2, 7)))
    assert [s["name"] for s in data["validation_simulations"]] == ["asm004", "asm005"]
