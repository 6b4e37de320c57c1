"""somatic.call: which PASS thresholds a run uses (from the user or the model card) and which count
features a model is fed."""

from __future__ import annotations

from pathlib import Path

import pytest

from genomeml.errors import GenomemlError
from genomeml.somatic.call import call_settings, check_channels, feature_columns
from genomeml.somatic.examples import FEATURES, example_info
from genomeml.somatic.postprocess import CallSettings

CARD = {"calling": {"min_somatic_probability": 0.75, "min_somatic_probability_indel": 0.65}}


@pytest.mark.parametrize("card,snv,indel,expected", [
    (CARD, None, None, CallSettings(0.75, 0.65)),                      # the card's two thresholds
    ({"calling": {"min_somatic_probability": 0.8}}, None, None, CallSettings(0.8, 0.8)),   # an older card: one
    ({}, None, None, CallSettings(0.5, 0.5)),
    (CARD, 0.9, None, CallSettings(0.9, 0.9)),                         # one user threshold covers both types
    (CARD, None, 0.5, CallSettings(0.75, 0.5)),                        # the user's indel one, the card's SNV one
    (CARD, 0.9, 0.6, CallSettings(0.9, 0.6)),
])
def test_thresholds_from_user_or_card(card, snv, indel, expected):
    assert call_settings(card, snv, indel) == expected


def test_header_command_records_the_indel_threshold():
    from genomeml.somatic.call import CallRequest, canonical_command
    command = canonical_command(CallRequest("ref.fa", "t.bam", "out.vcf.gz", "n.bam", min_somatic_probability_indel=0.6))
    assert command.endswith("--normal n.bam --min-somatic-prob-indel 0.6")


def test_a_model_from_before_a_feature_runs_on_the_columns_it_knows():
    """Features are appended; a card listing fewer (the shipped model predates the repeat features)
    is fed exactly those, in its order, and one needing a feature this genomeml lacks is refused."""
    older = {**example_info(), "features": list(FEATURES[:-2])}
    check_channels(older, Path("old.keras"))
    assert feature_columns(older, Path("old.keras")) == list(range(len(FEATURES) - 2))
    assert feature_columns(example_info(), Path("new.keras")) == list(range(len(FEATURES)))
    with pytest.raises(GenomemlError, match="new.keras: .*future_feature"):
        check_channels({**example_info(), "features": [*FEATURES, "future_feature"]}, Path("new.keras"))
    with pytest.raises(GenomemlError, match="channel version"):
        check_channels({**example_info(), "channel_version": "somatic-pileup-v1"}, Path("new.keras"))
