"""From per-column predictions to edits of the draft.

Only a window's core columns are read (cores never overlap, so no edit is decided
twice), and an edit is made only when the model's choice differs from the draft with
at least ``min_probability`` in one of its columns: an uncertain change keeps the
draft, which is what "do no harm" asks of a polisher.

The decision is per edit, not per column: the neighbouring columns where the model's
choice also differs from the draft join the edit, however sure. Otherwise a repeat unit
the model inserts with 0.97 and 0.95 in its two columns would gain one base, not two:
half an edit is still an error, and in an error-free draft a new one.

The columns are already an alignment of draft and polished sequence, so an edit is
a run of changed columns; insertion columns that stay empty don't break a run, so a
substitution next to a deletion becomes one edit rather than two overlapping ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from genomeml.polish.features import Windows
from genomeml.polish.labels import GAP_CLASS, SYMBOLS, draft_classes


@dataclass(frozen=True)
class Edit:
    """Replace draft[pos:pos+len(ref)] (0-based) by ``alt``; VCF-style, with an anchor base for indels."""
    contig: str
    pos: int
    ref: str
    alt: str
    probability: float   # the most certain changed column of the edit (the one that made it)

    @property
    def qual(self) -> float:
        return round(min(99.0, -10 * math.log10(max(1e-10, 1 - self.probability))), 1)


def _run_edit(contig: str, draft: str, run_pos: list[int], run_slot: list[int], run_pred: list[int],
              run_prob: list[float]) -> Edit:
    """One edit from a run of changed columns (draft columns have slot 0)."""
    draft_positions = [p for p, s in zip(run_pos, run_slot) if s == 0]
    alt = "".join(SYMBOLS[c] for c in run_pred if c != GAP_CLASS)
    probability = max(run_prob)
    if draft_positions:
        start, end = draft_positions[0], draft_positions[-1] + 1
        ref = draft[start:end]
    else:                                  # only insertion columns: they follow the draft base run_pos[0]
        start = end = run_pos[0] + 1
        ref = ""
    if ref and alt:
        return Edit(contig, start, ref, alt, probability)
    if start > 0:                          # pure insertion or deletion: anchor on the base before
        return Edit(contig, start - 1, draft[start - 1] + ref, draft[start - 1] + alt, probability)
    return Edit(contig, start, ref + draft[end], alt + draft[end], probability)


def decode_windows(windows: Windows, probs: np.ndarray, draft: str, min_probability: float) -> list[Edit]:
    """The edits the predictions ask for, in draft order."""
    edits: list[Edit] = []
    if not len(windows):
        return edits
    predicted = probs.argmax(axis=-1)
    confidence = probs.max(axis=-1)
    current = draft_classes(windows.columns)
    in_core = ((windows.column_pos >= windows.cores[:, :1]) & (windows.column_pos < windows.cores[:, 1:])
               & (windows.column_pos >= 0))
    changed = in_core & (predicted != current)
    sure = changed & (confidence >= min_probability)
    for w in np.flatnonzero(sure.any(axis=1)):
        # columns that matter: core columns except insertion columns left empty
        keep = np.flatnonzero(in_core[w] & ~((current[w] == GAP_CLASS) & ~changed[w]))
        run: tuple[list, list, list, list] = ([], [], [], [])
        seeded = False
        for c in list(keep) + [-1]:          # -1 closes the last run
            if c >= 0 and changed[w, c]:
                for store, value in zip(run, (int(windows.column_pos[w, c]), int(windows.column_slot[w, c]),
                                              int(predicted[w, c]), float(confidence[w, c]))):
                    store.append(value)
                seeded |= bool(sure[w, c])
            elif run[0]:
                if seeded:
                    edits.append(_run_edit(windows.contig, draft, *run))
                run, seeded = ([], [], [], []), False
    edits = [e for e in edits if e.ref != e.alt]   # a base moved to the next column is no edit
    edits.sort(key=lambda e: e.pos)
    return edits
