"""somatic.call.call_settings: which PASS thresholds a run uses, from the user or the model card."""

from __future__ import annotations

import pytest

from genomeml.somatic.call import call_settings
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
