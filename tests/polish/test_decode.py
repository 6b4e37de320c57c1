"""From column predictions to edits, and edits to sequence."""

from __future__ import annotations

import numpy as np

from genomeml.polish.consensus import apply_edits
from genomeml.polish.decode import Edit, decode_windows
from genomeml.polish.features import COLUMNS, GAP, ROWS, Windows
from genomeml.polish.labels import SYMBOLS

DRAFT = "ACGTTGCAAAATGCCA"


def one_window(slots: dict[int, int], core=(2, 14)) -> Windows:
    """A window over the whole DRAFT with ``slots`` insertion columns after some positions."""
    pos, slot, draft_codes = [], [], []
    for p, base in enumerate(DRAFT):
        pos.append(p), slot.append(0), draft_codes.append("ACGT".index(base) + 1)
        for k in range(1, slots.get(p, 0) + 1):
            pos.append(p), slot.append(k), draft_codes.append(GAP)
    n = len(pos)
    column_pos = np.full((1, COLUMNS), -1, np.int32)
    column_pos[0, :n] = pos
    column_slot = np.zeros((1, COLUMNS), np.int8)
    column_slot[0, :n] = slot
    columns = np.zeros((1, COLUMNS, 2), np.uint8)
    columns[0, :n, 0] = draft_codes
    columns[0, :n, 1] = slot
    return Windows("c", np.array([[0, len(DRAFT)]]), np.array([core]), np.zeros((1, ROWS, COLUMNS, 4), np.uint8),
                   columns, column_pos, column_slot)


def probs_for(windows: Windows, symbols: str, p: float = 0.99) -> np.ndarray:
    """Predictions spelling ``symbols`` over the window's columns (padding predicts gaps)."""
    probs = np.full((1, COLUMNS, 5), (1 - p) / 4, np.float32)
    n = int((windows.column_pos[0] >= 0).sum())
    assert len(symbols) == n
    for c, s in enumerate(symbols + "-" * (COLUMNS - n)):
        probs[0, c, SYMBOLS.index(s)] = p
    return probs


def draft_symbols(windows: Windows) -> list[str]:
    n = int((windows.column_pos[0] >= 0).sum())
    return ["-" if windows.column_slot[0, c] else DRAFT[windows.column_pos[0, c]] for c in range(n)]


def test_no_change_no_edit():
    w = one_window({})
    assert decode_windows(w, probs_for(w, "".join(draft_symbols(w))), DRAFT, 0.5) == []


def test_substitution_deletion_and_insertion():
    w = one_window({5: 1})
    symbols = draft_symbols(w)
    symbols[3] = "C"                       # T>C at 3
    symbols[10] = "-"                      # delete one A of the AAAA run (draft 8-11; column 10 = draft 9)
    symbols[6] = "T"                       # the insertion column after draft position 5 gets a T
    edits = decode_windows(w, probs_for(w, "".join(symbols)), DRAFT, 0.5)
    assert [(e.pos, e.ref, e.alt) for e in edits] == [(3, "T", "C"), (5, "G", "GT"), (8, "AA", "A")]
    polished, used = apply_edits(DRAFT, edits)
    assert polished == "ACGCTGTCAAATGCCA" and len(used) == 3


def test_uncertain_columns_and_columns_outside_the_core_keep_the_draft():
    w = one_window({}, core=(4, 10))
    symbols = draft_symbols(w)
    symbols[1] = "A"                        # outside the core
    symbols[6] = "A"                        # inside, but unsure
    probs = probs_for(w, "".join(symbols))
    probs[0, 6] = [0.45, 0.55 - 1e-3, 0, 0, 1e-3]   # C (draft) 0.549 vs A 0.45 -> argmax is the draft
    assert decode_windows(w, probs, DRAFT, 0.5) == []
    probs[0, 6] = [0.6, 0.4, 0, 0, 0]
    assert decode_windows(w, probs, DRAFT, 0.7) == []
    assert [(e.pos, e.ref, e.alt) for e in decode_windows(w, probs, DRAFT, 0.5)] == [(6, "C", "A")]


def test_an_edit_is_taken_whole_or_not_at_all():
    w = one_window({5: 2})
    symbols = draft_symbols(w)
    symbols[6], symbols[7] = "C", "A"      # insert CA after draft position 5
    probs = probs_for(w, "".join(symbols))
    probs[0, 7] = [0.6, 0.3, 0.1, 0, 0]    # the second base is the model's choice, but only at 0.6
    edits = decode_windows(w, probs, DRAFT, 0.9)
    assert [(e.pos, e.ref, e.alt) for e in edits] == [(5, "G", "GCA")]
    assert abs(edits[0].probability - 0.99) < 1e-6
    probs[0, 6] = [0.1, 0.6, 0.3, 0, 0]    # no column of the edit is sure: the draft stays
    assert decode_windows(w, probs, DRAFT, 0.9) == []


def test_substitution_next_to_deletion_is_one_edit():
    w = one_window({})
    symbols = draft_symbols(w)
    symbols[4], symbols[5] = "A", "-"
    edits = decode_windows(w, probs_for(w, "".join(symbols)), DRAFT, 0.5)
    assert [(e.pos, e.ref, e.alt) for e in edits] == [(4, "TG", "A")]


def test_apply_edits_skips_overlaps():
    edits = [Edit("c", 3, "TT", "T", 0.9), Edit("c", 4, "T", "A", 0.9)]
    polished, used = apply_edits(DRAFT, edits)
    assert polished == "ACGTGCAAAATGCCA" and used == edits[:1]
