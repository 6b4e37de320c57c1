"""Training targets: the truth of a window placed onto its columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysam

from genomeml.io.reference import Reference
from genomeml.polish.features import CandidateSettings, chunk_windows, estimate_read_length
from genomeml.polish.labels import (GAP_CLASS, IGNORE, SYMBOLS, DraftTruth, TruthEdit, draft_classes,
                                    label_windows, place_truth)

DATA = Path(__file__).resolve().parents[2] / "testdata" / "assembly"


def test_truth_sequence_applies_edits_inside_and_refuses_crossing_ones():
    draft = "ACGTACGTAAAAACGT"
    truth = DraftTruth({"c": [TruthEdit(4, "A", "AT"), TruthEdit(8, "AA", "A")]})
    assert truth.sequence("c", draft, 0, len(draft)) == "ACGTATCGTAAAACGT"
    assert truth.sequence("c", draft, 0, 4) == "ACGT"
    assert truth.sequence("c", draft, 0, 9) is None      # the deletion crosses the end


def test_place_truth_follows_the_reads_gap_placement():
    # draft AAAT; every read shows a gap in the third A; truth has two As
    reads = np.zeros((4, 4, 4), np.uint8)
    reads[:, :, 0] = [1, 1, 6, 4]
    columns = np.zeros((4, 2), np.uint8)
    columns[:, 0] = [1, 1, 1, 4]
    labels = place_truth("AAT", reads, columns, 4)
    assert "".join(SYMBOLS[c] for c in labels) == "AA-T"
    assert place_truth("AAAAT", reads, columns, 4) is None


def test_labels_spell_the_truth_of_every_window():
    with Reference(DATA / "draft.fa") as ref, pysam.AlignmentFile(str(DATA / "reads.bam")) as bam:
        contig = next(iter(ref.contigs))
        draft = ref.fetch(contig)
        windows = chunk_windows(bam, draft, contig, 0, len(draft), CandidateSettings(),
                                estimate_read_length(bam, contig))
    truth = DraftTruth.from_vcf(str(DATA / "draft_errors.vcf.gz"))
    labels = label_windows(windows, draft, truth)
    labeled = (labels != IGNORE).any(axis=1)
    assert labeled.mean() > 0.9
    changed = 0
    for w in np.flatnonzero(labeled):
        s, e = windows.spans[w]
        spelled = "".join(SYMBOLS[c] for c in labels[w] if c not in (IGNORE, GAP_CLASS))
        assert spelled == truth.sequence(contig, draft, int(s), int(e))
        changed += int((labels[w][labels[w] != IGNORE] != draft_classes(windows.columns[w])[labels[w] != IGNORE]).any())
    assert changed == len(truth.edits[contig])
