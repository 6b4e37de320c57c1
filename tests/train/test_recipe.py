"""train.recipe: the train workflow's jobs get exactly the recipe's simulations and card data."""

from __future__ import annotations

import pytest

from genomeml.cli import cli
from genomeml.train.recipe import recipe_data, simulation_config, simulation_options, somatic_plan


@pytest.mark.parametrize("index", [0, 1, 5])   # real sequence (even) and synthetic (odd) plans
def test_cli_options_make_the_recipes_simulation(index):
    plan = somatic_plan(4, 2, seed=7)[0][index] if index < 4 else somatic_plan(4, 2, seed=7)[1][index - 4]
    args = simulation_options(plan, "source.fa") + ["--out", "sims/x"]
    params = cli.commands["simulate"].commands["somatic"].make_context("somatic", args).params
    from genomeml.simulate.somatic import SomaticSimConfig
    assert SomaticSimConfig(**params) == simulation_config(plan, "sims/x", "source.fa")


def test_recipe_data_lists_every_simulation():
    data = recipe_data(4, 2, seed=7)
    assert [s["name"] for s in data["simulations"]] == ["sim000", "sim001", "sim002", "sim003"]
    assert [s["name"] for s in data["validation_simulations"]] == ["sim004", "sim005"]
    assert data["recipe_seed"] == 7
