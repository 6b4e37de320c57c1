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


def test_cli_options_make_a_scaled_simulation():
    plan = somatic_plan(4, 2, seed=7, sample_error_rates=True)[0][3]
    assert plan.indel_error_scale != 1.0
    args = simulation_options(plan, "source.fa") + ["--out", "sims/x"]
    params = cli.commands["simulate"].commands["somatic"].make_context("somatic", args).params
    from genomeml.simulate.somatic import SomaticSimConfig
    assert SomaticSimConfig(**params) == simulation_config(plan, "sims/x", "source.fa")


def test_sample_error_rates_scale_indel_errors_and_keep_every_other_draw():
    """With sample error rates about half the simulated runs have their indel errors scaled down to
    1/20 (art_illumina is 5-35 times cleaner than the real HG002 run) and the rest keep real-like rates,
    from streams of their own; the cards list the scale."""
    from dataclasses import replace
    plain = somatic_plan(10, 4, seed=7)
    scaled = somatic_plan(10, 4, seed=7, sample_error_rates=True)
    scales = [p.indel_error_scale for p in scaled[0] + scaled[1]]
    assert all(p.indel_error_scale == 1.0 for p in plain[0] + plain[1])
    assert all(10 ** -1.3 <= s <= 1.0 for s in scales)
    below = [s for s in scales if s < 1.0]
    assert 3 <= len(below) <= 11 and len(set(below)) == len(below)
    many = [p.indel_error_scale for p in sum(somatic_plan(128, 18, seed=2024, sample_error_rates=True), [])]
    assert 0.35 < sum(s == 1.0 for s in many) / len(many) < 0.65
    assert [[replace(p, indel_error_scale=1.0) for p in part] for part in scaled] == [list(part) for part in plain]
    data = recipe_data(10, 4, seed=7, sample_error_rates=True)
    assert [s.get("indel_error_scale", 1.0) for s in data["simulations"]] == scales[:10]
    assert all("indel_error_scale" not in s for s in recipe_data(10, 4, seed=7)["simulations"])


def test_recipe_data_lists_every_simulation():
    data = recipe_data(4, 2, seed=7)
    assert [s["name"] for s in data["simulations"]] == ["sim000", "sim001", "sim002", "sim003"]
    assert [s["name"] for s in data["validation_simulations"]] == ["sim004", "sim005"]
    assert data["recipe_seed"] == 7


def test_long_indels_change_only_the_long_indel_share():
    """Long indels come from their own random stream: every other setting of every simulation is kept,
    so a recipe with them differs from the shipped one in that alone."""
    from dataclasses import replace

    from genomeml.train.recipe import LONG_INDEL_SHARES
    plain = sum(somatic_plan(40, 8, seed=7, long_indels=False, flank_indels=False), [])
    long = sum(somatic_plan(40, 8, seed=7, long_indels=True, flank_indels=False), [])
    assert all(p.long_indels == 0.0 for p in plain)
    assert [replace(p, long_indels=0.0) for p in long] == plain
    shares = {p.long_indels for p in long}
    assert shares <= set(LONG_INDEL_SHARES) and len(shares) > 1
    data = recipe_data(4, 2, seed=7, long_indels=True, flank_indels=False)
    assert [s["long_indels"] for s in data["simulations"]] == [p.long_indels for p in long[:4]]


def test_recipe_cli_takes_long_indels():
    recipe = cli.commands["train"].commands["somatic-recipe"]
    assert recipe.make_context("somatic-recipe", ["--workdir", "w", "--source", "s.fa", "--long-indels"]
                               ).params["long_indels"] is True
    assert recipe.make_context("somatic-recipe", ["--workdir", "w", "--source", "s.fa", "--no-long-indels"]
                               ).params["long_indels"] is False


def test_recipe_defaults_are_the_shipped_models():
    """`train somatic-recipe` with no options must retrain the shipped model: its card says how its
    simulations and examples were made."""
    import json
    from pathlib import Path

    from genomeml.train.recipe import (FLANK_INDELS, LONG_INDELS, REALIGN_INDELS, SAMPLE_ERROR_RATES,
                                       SECOND_MATE_INDELS)
    card = json.loads((Path(__file__).resolve().parents[2] / "models" / "somatic_illumina_tn.json").read_text())
    assert bool(card.get("second_mate_indels")) is SECOND_MATE_INDELS
    assert bool(card.get("sample_error_rates")) is SAMPLE_ERROR_RATES
    assert bool(card.get("indel_realignment")) is REALIGN_INDELS
    sims = card["training"]["data"]["simulations"]
    assert any(s.get("long_indels", 0) > 0 for s in sims) is LONG_INDELS
    assert any(s.get("flank_indels", 0) > 0 for s in sims) is FLANK_INDELS
    assert card["training"]["data"] == recipe_data(len(sims), len(card["training"]["data"]["validation_simulations"]),
                                                   seed=card["training"]["data"]["recipe_seed"]) | {
        k: v for k, v in card["training"]["data"].items() if k == "data_seconds"}


def _member_card(path, data, seed=5, epochs=3, train=("a.npz",), valid=("b.npz",)):
    import json
    path.write_bytes(b"model")
    card = {"tumor_only": False, "training": {"seed": seed, "epochs": epochs, "train_files": list(train),
                                              "validation_files": list(valid), "data": data}}
    path.with_suffix(".json").write_text(json.dumps(card))


def test_an_interrupted_recipe_keeps_a_member_trained_on_the_same_data(tmp_path):
    from genomeml.train.recipe import LONG_INDELS, finished_member
    data = recipe_data(4, 2, seed=7)
    path = tmp_path / "m.seed5.keras"
    assert not finished_member(path, ["x/a.npz"], ["x/b.npz"], 5, 3, False, data)   # nothing there yet
    _member_card(path, data)
    assert finished_member(path, ["x/a.npz"], ["x/b.npz"], 5, 3, False, data)
    assert not finished_member(path, ["x/a.npz"], ["x/b.npz"], 6, 3, False, data)      # other seed
    assert not finished_member(path, ["x/a.npz"], ["x/b.npz"], 5, 4, False, data)      # other epochs
    assert not finished_member(path, ["x/a.npz"], ["x/b.npz"], 5, 3, True, data)       # tumor-only
    assert not finished_member(path, ["x/c.npz"], ["x/b.npz"], 5, 3, False, data)      # other examples
    long_data = recipe_data(4, 2, seed=7, long_indels=not LONG_INDELS)
    assert not finished_member(path, ["x/a.npz"], ["x/b.npz"], 5, 3, False, long_data)  # other simulations
    path.with_suffix(".json").write_text("{not json")
    assert not finished_member(path, ["x/a.npz"], ["x/b.npz"], 5, 3, False, data)


def test_flank_indels_change_only_the_flank_share():
    from dataclasses import replace

    from genomeml.train.recipe import FLANK_INDEL_SHARES
    plain = sum(somatic_plan(40, 8, seed=7, long_indels=True, flank_indels=False), [])
    flank = sum(somatic_plan(40, 8, seed=7, long_indels=True, flank_indels=True), [])
    assert [replace(p, flank_indels=0.0) for p in flank] == plain
    shares = {p.flank_indels for p in flank}
    assert shares <= set(FLANK_INDEL_SHARES) and len(shares) > 1
    params = cli.commands["train"].commands["somatic-recipe"].make_context(
        "somatic-recipe", ["--workdir", "w", "--source", "s.fa", "--flank-indels"]).params
    assert params["flank_indels"] is True


def test_examples_are_reused_only_if_made_with_the_same_simulation_and_options(tmp_path):
    import json

    from genomeml.train.recipe import simulated_examples

    builds = []

    def build(config: dict, options: dict):
        def run(sim_dir, examples):
            builds.append(examples.name)
            sim_dir.mkdir(parents=True, exist_ok=True)
            (sim_dir / "simulation.json").write_text(json.dumps({"config": config}))
            (sim_dir / "reads.bam").write_text("scratch")
            examples.parent.mkdir(parents=True, exist_ok=True)
            examples.write_bytes(b"npz")
            examples.with_name(examples.name[:-4] + ".example_info.json").write_text(json.dumps(options))
            return {}
        return run

    config, options = {"seed": 1, "regions": ["chr20:1-10"]}, {"indel_realignment": False, "second_mate_indels": True}
    first = simulated_examples(tmp_path, "sim000", build(config, options), ["reads.bam"], config, options)
    assert "cached" not in first and not (tmp_path / "sims" / "sim000" / "reads.bam").exists()
    again = simulated_examples(tmp_path, "sim000", build(config, options), ["reads.bam"], dict(config), options)
    assert again["cached"] and builds == ["sim000.npz"]
    other_sim = {**config, "seed": 2}
    simulated_examples(tmp_path, "sim000", build(other_sim, options), ["reads.bam"], other_sim, options)
    assert len(builds) == 2
    other_options = {**options, "second_mate_indels": False}
    simulated_examples(tmp_path, "sim000", build(other_sim, other_options), ["reads.bam"], other_sim, other_options)
    assert len(builds) == 3
    assert simulated_examples(tmp_path, "sim000", build(other_sim, other_options), ["reads.bam"], other_sim,
                              other_options)["cached"]
