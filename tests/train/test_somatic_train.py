"""train.somatic on the bundled testdata (toy sizes: one epoch): two members from two seeds, their
mean as one model file with a threshold of its own, and call-somatic running that model."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pysam
import pytest

from cli_helpers import genomeml_exe
from genomeml.errors import GenomemlError
from genomeml.somatic.dataset import load_examples
from genomeml.somatic.make_examples import make_examples

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "testdata" / "somatic"
REGION = "chr20:100001-130000"


@pytest.fixture(scope="module")
def examples(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("examples") / "testdata.npz"
    counts = make_examples(str(DATA / "ref.fa"), str(DATA / "tumor.bam"), str(DATA / "normal.bam"), out,
                           regions=[REGION], truth_somatic=str(DATA / "truth.somatic.vcf.gz"),
                           truth_germline=str(DATA / "truth.germline.vcf.gz"), seed=1)
    assert counts["somatic"] > 0 and counts["germline"] > 0
    return out


@pytest.fixture(scope="module")
def members(tmp_path_factory, examples) -> list[Path]:
    from genomeml.train.somatic import train_somatic
    out = tmp_path_factory.mktemp("members")
    paths = [out / f"member.seed{seed}.keras" for seed in (1, 2)]
    for path, seed in zip(paths, (1, 2)):
        card = train_somatic([str(examples)], [str(examples)], path, epochs=1, seed=seed, threads=2)
        assert card["training"]["seed"] == seed and path.exists()
    return paths


def test_snvs_and_indels_get_the_threshold_best_for_each():
    from genomeml.somatic.examples import FEATURES
    from genomeml.train.somatic import choose_calling
    # 20 SNVs: somatic ones at P 0.9, artifacts at P 0.7 -> any cut in (0.7, 0.9] is perfect for SNVs;
    # 20 indels: somatic ones at P 0.6 -> only a cut at or below 0.6 finds them
    p_som = np.array([0.9] * 10 + [0.7] * 10 + [0.6] * 10 + [0.05] * 10)
    probs = np.stack([(1 - p_som) / 2, (1 - p_som) / 2, p_som], axis=1)
    labels = np.array([2] * 10 + [0] * 10 + [2] * 10 + [0] * 10)
    features = np.zeros((40, len(FEATURES)), dtype=np.float32)
    features[:20, FEATURES.index("is_snv")] = 1
    calling = choose_calling(labels, probs, features)
    assert 0.7 < calling["min_somatic_probability"] <= 0.9
    assert calling["min_somatic_probability_indel"] <= 0.6
    assert calling["validation_snv_f1_by_threshold"][0.8] == 1.0
    assert calling["validation_indel_f1_by_threshold"][0.8] == 0.0
    assert calling["validation_somatic_f1_by_threshold"][0.8] == pytest.approx(2 * 0.5 / 1.5, abs=1e-4)


def test_ensemble_predicts_the_mean_of_its_members(tmp_path, examples, members):
    import keras

    import genomeml.somatic.model  # noqa: F401  (registers the custom layers)
    from genomeml.train.somatic import ensemble_somatic
    output = tmp_path / "ensemble.keras"
    card = ensemble_somatic(members, [str(examples)], output)
    assert card["training"]["seeds"] == [1, 2] and [m["seed"] for m in card["members"]] == [1, 2]
    assert card["architecture"].startswith("mean of 2 ")
    on_disk = json.loads(output.with_suffix(".json").read_text())
    for key in ("min_somatic_probability", "min_somatic_probability_indel"):
        assert on_disk["calling"][key] == card["calling"][key]
    data = load_examples([examples])
    x, f = data["tensors"][:100], data["features"][:100]
    def predict(path: Path) -> np.ndarray:   # in this process: TensorFlow keeps the training threads
        return keras.models.load_model(path, compile=False).predict((x, f), verbose=0)

    first, second = predict(members[0]), predict(members[1])
    assert not np.allclose(first, second)          # two seeds, two different members
    np.testing.assert_allclose(predict(output), (first + second) / 2, rtol=1e-5, atol=1e-6)


def test_call_somatic_runs_an_ensemble_from_the_cli(tmp_path, examples, members):
    model = tmp_path / "ensemble.keras"
    args = [genomeml_exe(), "train", "somatic-ensemble", "--validation", str(examples), "--output", str(model)]
    for member in members:
        args += ["--member", str(member)]
    proc = subprocess.run(args, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    vcf = tmp_path / "calls.vcf.gz"
    proc = subprocess.run([genomeml_exe(), "call-somatic", "--ref", str(DATA / "ref.fa"), "--tumor",
                           str(DATA / "tumor.bam"), "--normal", str(DATA / "normal.bam"), "--regions", REGION,
                           "--model", str(model), "--output", str(vcf)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    with pysam.VariantFile(str(vcf)) as calls:
        assert len(list(calls)) > 0


def test_ensemble_refuses_a_member_without_card_and_no_validation(tmp_path, examples, members):
    from genomeml.train.somatic import ensemble_somatic
    lone = tmp_path / "lone.keras"
    lone.write_bytes(members[0].read_bytes())
    with pytest.raises(GenomemlError, match="lone.keras: member model or its card"):
        ensemble_somatic([members[0], lone], [str(examples)], tmp_path / "out.keras")
    with pytest.raises(GenomemlError, match="validation examples"):
        ensemble_somatic(members, [], tmp_path / "out.keras")
    assert not (tmp_path / "out.keras").exists()


def test_training_twice_from_one_seed_gives_the_same_model(tmp_path, examples, members):
    import keras

    from genomeml.train.somatic import train_somatic
    again = tmp_path / "again.keras"
    card = train_somatic([str(examples)], [str(examples)], again, epochs=1, seed=1, threads=2)
    assert card["metrics"]["train_loss"] > 0
    cards = [json.loads(p.with_suffix(".json").read_text()) for p in (members[0], again)]
    assert cards[0]["metrics"] == cards[1]["metrics"] and cards[0]["calling"] == cards[1]["calling"]
    data = load_examples([examples])
    x, f = data["tensors"][:100], data["features"][:100]
    weights = [keras.models.load_model(p, compile=False).predict((x, f), verbose=0) for p in (members[0], again)]
    np.testing.assert_array_equal(weights[0], weights[1])


def test_a_model_trained_with_sample_error_rates_is_given_them_when_calling(tmp_path):
    """The option travels examples -> card -> call-somatic: the model gets the run's rates as
    features (it would refuse examples of another width) and the VCF header records them."""
    from genomeml.pileup.error_rates import FEATURES as RATE_FEATURES
    from genomeml.train.somatic import ensemble_somatic, train_somatic
    ex = tmp_path / "rates.npz"
    make_examples(str(DATA / "ref.fa"), str(DATA / "tumor.bam"), str(DATA / "normal.bam"), ex, regions=[REGION],
                  truth_somatic=str(DATA / "truth.somatic.vcf.gz"), truth_germline=str(DATA / "truth.germline.vcf.gz"),
                  seed=1, sample_error_rates=True)
    members = [tmp_path / f"m{seed}.keras" for seed in (1, 2)]
    for path, seed in zip(members, (1, 2)):
        card = train_somatic([str(ex)], [str(ex)], path, epochs=1, seed=seed, threads=2)
        assert card["sample_error_rates"] is True and card["features"][-len(RATE_FEATURES):] == list(RATE_FEATURES)
    model = tmp_path / "ensemble.keras"
    assert ensemble_somatic(members, [str(ex)], model)["sample_error_rates"] is True
    vcf = tmp_path / "calls.vcf.gz"   # in a process of its own: TensorFlow keeps the training threads
    proc = subprocess.run([genomeml_exe(), "call-somatic", "--ref", str(DATA / "ref.fa"), "--tumor",
                           str(DATA / "tumor.bam"), "--normal", str(DATA / "normal.bam"), "--regions", REGION,
                           "--model", str(model), "--output", str(vcf)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    with pysam.VariantFile(str(vcf)) as calls:
        lines = [line for line in str(calls.header).splitlines() if line.startswith("##genomeml_error_rates=")]
        assert len(lines) == 1 and ":homopolymer_indel=" in lines[0] and ",reads=" in lines[0]
        assert len(list(calls)) > 0
    with pytest.raises(GenomemlError, match="expects"):
        from genomeml.somatic.call import check_channels
        card = json.loads(model.with_suffix(".json").read_text())
        check_channels({**card, "sample_error_rates": False}, model)
