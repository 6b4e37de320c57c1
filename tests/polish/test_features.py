"""Polishing windows on the bundled HiFi draft: where they are, what they hold, chunk independence."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysam
import pytest

from genomeml.io.reference import Reference
from genomeml.pileup.reads import CODE_OF_ASCII, EMPTY
from genomeml.polish.features import (COLUMNS, GAP, ROWS, CandidateSettings, chunk_windows,
                                      estimate_read_length)

DATA = Path(__file__).resolve().parents[2] / "testdata" / "assembly"


@pytest.fixture(scope="module")
def draft():
    with Reference(DATA / "draft.fa") as ref:
        contig = next(iter(ref.contigs))
        return contig, ref.fetch(contig)


@pytest.fixture(scope="module")
def bam():
    with pysam.AlignmentFile(str(DATA / "reads.bam")) as handle:
        yield handle


def windows_of(bam, draft, start=0, end=None):
    contig, seq = draft
    return chunk_windows(bam, seq, contig, start, len(seq) if end is None else end,
                         CandidateSettings(), estimate_read_length(bam, contig))


def test_every_draft_error_lies_in_a_core(bam, draft):
    windows = windows_of(bam, draft)
    errors = [r.pos - 1 for r in pysam.VariantFile(str(DATA / "draft_errors.vcf.gz"))]
    assert errors
    for pos in errors:
        assert any(s <= pos + 1 and pos < e for s, e in windows.cores), pos
    # most of the draft needs no model
    assert windows.cores[:, 1].sum() - windows.cores[:, 0].sum() < 0.2 * len(draft[1])


def test_cores_are_disjoint_and_inside_spans(bam, draft):
    w = windows_of(bam, draft)
    assert (np.diff(w.cores[:, 0]) > 0).all()
    assert (w.cores[1:, 0] >= w.cores[:-1, 1]).all()
    assert ((w.spans[:, 0] <= w.cores[:, 0]) & (w.cores[:, 1] <= w.spans[:, 1])).all()
    assert w.reads.shape[1:3] == (ROWS, COLUMNS)


def test_columns_hold_the_draft_and_read_bases(bam, draft):
    contig, seq = draft
    w = windows_of(bam, draft)
    rows = []
    for i in range(len(w)):
        draft_cols = (w.column_pos[i] >= 0) & (w.column_slot[i] == 0)
        positions = w.column_pos[i][draft_cols]
        assert (np.diff(positions) == 1).all()
        expected = CODE_OF_ASCII[np.frombuffer(seq[positions[0]:positions[-1] + 1].encode(), np.uint8)]
        assert (w.columns[i][draft_cols, 0] == expected).all()
        # insertion columns say "gap" for the draft
        assert (w.columns[i][(w.column_slot[i] > 0), 0] == GAP).all()
        # most read cells agree with the draft outside errors: reads are present and mostly matching
        cells = w.reads[i][:, draft_cols, 0]
        present = cells != EMPTY
        rows.append(present.any(axis=1).sum())
        assert (cells[present] == np.broadcast_to(expected, cells.shape)[present]).mean() > 0.8
    assert np.median(rows) >= 20          # 30x: most of the 32 rows hold a read (fewer near contig ends)


def test_insertion_columns_carry_inserted_bases(bam, draft):
    w = windows_of(bam, draft)
    ins = w.column_slot > 0
    assert ins.any()
    bases = w.reads[..., 0][np.broadcast_to(ins[:, None, :], w.reads.shape[:3])]
    assert ((bases >= 1) & (bases <= 4)).any()      # some reads put real bases there
    assert (bases == GAP).any()                      # others skip them


def test_windows_do_not_depend_on_chunking(bam, draft):
    whole = windows_of(bam, draft)
    cut = len(draft[1]) // 2
    left, right = windows_of(bam, draft, 0, cut), windows_of(bam, draft, cut)
    assert len(left) + len(right) == len(whole)
    for name in ("spans", "cores", "reads", "columns", "column_pos", "column_slot"):
        joined = np.concatenate([getattr(left, name), getattr(right, name)])
        assert np.array_equal(joined, getattr(whole, name)), name
