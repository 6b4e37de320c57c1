"""Training targets: the true base (or a gap) for every column of a window.

The truth of a window is the draft stretch with the true edits applied (from the
simulation's ``draft_errors.vcf.gz``: REF is draft sequence, ALT truth). Which
column each true base belongs to is decided by aligning the true sequence to the
columns themselves, with costs from the reads' column profiles: a true base goes
where the reads put that base, a gap where the reads have gaps. So the targets
follow the aligner's gap placement in the reads (whatever aligner made them) rather
than a left-alignment convention the model would have to learn.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np
import pysam

from genomeml.errors import GenomemlError
from genomeml.pileup.reads import CODE_OF_ASCII, EMPTY
from genomeml.polish.features import GAP, Windows

SYMBOLS = "ACGT-"          # model classes: the base codes 1-4 become 0-3, a gap is 4
GAP_CLASS = 4
IGNORE = -1                # padding columns and unlabeled windows
DRAFT_PRIOR = 0.1          # ties between equally supported placements go to the draft's


@dataclass(frozen=True)
class TruthEdit:
    pos: int      # 0-based draft position of REF
    ref: str      # draft sequence
    alt: str      # true sequence


class DraftTruth:
    """The true sequence of any draft stretch, from the draft and the edits that turn it into the truth."""

    def __init__(self, edits: dict[str, list[TruthEdit]]):
        self.edits = {contig: sorted(items, key=lambda e: e.pos) for contig, items in edits.items()}
        self._starts = {contig: [e.pos for e in items] for contig, items in self.edits.items()}

    @staticmethod
    def from_vcf(path: str) -> "DraftTruth":
        edits: dict[str, list[TruthEdit]] = {}
        try:
            with pysam.VariantFile(path) as vcf:
                for rec in vcf:
                    if not rec.alts or len(rec.alts) != 1:
                        raise GenomemlError(f"{path}: {rec.contig}:{rec.pos} needs exactly one ALT allele")
                    edits.setdefault(rec.contig, []).append(TruthEdit(rec.pos - 1, rec.ref.upper(), rec.alts[0].upper()))
        except (OSError, ValueError) as exc:
            raise GenomemlError(f"{path}: cannot read the truth edits ({exc})") from None
        return DraftTruth(edits)

    def sequence(self, contig: str, draft: str, start: int, end: int) -> str | None:
        """The truth for draft [start, end); None when an edit crosses either end."""
        items = self.edits.get(contig, [])
        starts = self._starts.get(contig, [])
        i = bisect.bisect_left(starts, start - 50)
        pieces, cursor = [], start
        for edit in items[i:]:
            if edit.pos >= end:
                break
            edit_end = edit.pos + len(edit.ref)
            if edit_end <= start:
                continue
            if edit.pos < start or edit_end > end:
                return None
            pieces.append(draft[cursor:edit.pos])
            pieces.append(edit.alt)
            cursor = edit_end
        pieces.append(draft[cursor:end])
        return "".join(pieces)


def column_profile(reads: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """(COLUMNS, 5) fraction of covering reads with A, C, G, T, gap, leaning slightly to the draft."""
    codes = reads[:, :, 0]
    onehot = np.stack([(codes == c) for c in (1, 2, 3, 4, GAP)], axis=-1).astype(np.float64)
    depth = (codes != EMPTY).sum(axis=0)[:, None]
    profile = onehot.sum(axis=0) / np.maximum(depth, 1)
    draft = columns[:, 0]
    prior = np.stack([(draft == c) for c in (1, 2, 3, 4, GAP)], axis=-1).astype(np.float64)
    return (1 - DRAFT_PRIOR) * profile + DRAFT_PRIOR * prior


def place_truth(truth: str, reads: np.ndarray, columns: np.ndarray, n_columns: int) -> np.ndarray | None:
    """Per-column classes for ``truth`` over the first ``n_columns`` columns; None when it cannot fit.

    A monotone alignment where every true base takes one column and every other
    column is a gap, minimizing sum(1 - profile) (prefix-minimum form, one numpy pass
    per true base).
    """
    codes = CODE_OF_ASCII[np.frombuffer(truth.encode(), dtype=np.uint8)]
    if len(codes) > n_columns or (codes > 4).any() or (codes == EMPTY).any():
        return None
    cost = 1.0 - column_profile(reads[:, :n_columns], columns[:n_columns])
    gap_prefix = np.concatenate([[0.0], np.cumsum(cost[:, GAP_CLASS])])     # G[j]: columns 0..j-1 all gaps
    previous = gap_prefix.copy()                                            # D[0][j]
    back = np.zeros((len(codes), n_columns + 1), np.int64)
    ks = np.arange(n_columns + 1)
    for i, code in enumerate(codes):
        a = np.full(n_columns + 1, np.inf)
        a[1:] = previous[:-1] + cost[:, code - 1] - gap_prefix[1:]
        running = np.minimum.accumulate(a)
        best_k = np.maximum.accumulate(np.where(a <= running, ks, 0))
        back[i] = best_k
        previous = gap_prefix + running
    if not np.isfinite(previous[n_columns]):
        return None
    labels = np.full(n_columns, GAP_CLASS, np.int8)
    j = n_columns
    for i in range(len(codes) - 1, -1, -1):
        k = int(back[i, j])
        labels[k - 1] = codes[i] - 1
        j = k - 1
    return labels


def label_windows(windows: Windows, draft: str, truth: DraftTruth) -> np.ndarray:
    """(n, COLUMNS) classes; a window whose truth cannot be placed is all IGNORE."""
    out = np.full(windows.column_pos.shape, IGNORE, np.int8)
    for w in range(len(windows)):
        start, end = (int(x) for x in windows.spans[w])
        seq = truth.sequence(windows.contig, draft, start, end)
        if seq is None:
            continue
        n_columns = int((windows.column_pos[w] >= 0).sum())
        labels = place_truth(seq, windows.reads[w], windows.columns[w], n_columns)
        if labels is not None:
            out[w, :n_columns] = labels
    return out


def draft_classes(columns: np.ndarray) -> np.ndarray:
    """What the draft says per column, as classes (a draft base, or a gap in insertion columns)."""
    draft = columns[..., 0].astype(np.int64)
    return np.where(draft == GAP, GAP_CLASS, np.clip(draft - 1, 0, 4)).astype(np.int8)
