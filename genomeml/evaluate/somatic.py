"""som.py-style scoring of somatic calls against a truth VCF.

Both VCFs are split into biallelic records and left-normalized against the reference
(``bcftools norm`` through :func:`genomeml.io.vcf.read_normalized`) before matching,
because the same indel can be written at several positions; after that a call
matches a truth variant only on the exact ``(contig, pos, ref, alt)``. Genotypes are
ignored: a somatic call is about the allele, not the zygosity.

Conventions (so that numbers mean the same in every report):

* Only records with FILTER ``PASS`` or ``.`` count, in the calls and in the truth
  (as hap.py does by default: a filtered truth record is not an expected call);
  the germline VCF is taken whole.
* SNV means ``len(ref) == len(alt) == 1``; everything else (indels, MNPs, complex)
  is scored as "indel".
* precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their harmonic mean. When a
  denominator is zero the value is reported as 0.0 (not NaN), so e.g. the indel row of
  an SNV-only truth scored against itself has F1 0.0; look at the counts too.
* ``--bed`` keeps truth and calls whose POS (the first REF base, after normalization)
  lies inside an interval.
* ``min_vaf`` removes truth variants whose INFO/VAF is below it; a call that matches
  such a variant is neither TP nor FP (counted as ``ignored_low_vaf``), since a caller
  should not be punished for finding a real but out-of-scope mutation. Truth variants
  without a VAF are kept and counted in ``truth_without_vaf``.
"""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass
from typing import Iterable, Mapping, Sequence

from genomeml.errors import GenomemlError
from genomeml.io.reference import Reference
from genomeml.io.regions import Region, read_bed
from genomeml.io.vcf import VcfVariant, read_normalized

Key = tuple[str, int, str, str]

#: Edges of the VAF bins of ``by_vaf``: lower edge inclusive, upper exclusive, last bin closed.
VAF_EDGES: tuple[float, ...] = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0)

_DIGITS = 6
_TYPES = ("snv", "indel")


@dataclass(frozen=True)
class _Counts:
    tp: int
    fp: int
    fn: int

    def as_dict(self) -> dict:
        precision = _ratio(self.tp, self.tp + self.fp)
        recall = _ratio(self.tp, self.tp + self.fn)
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn,
                "precision": round(precision, _DIGITS), "recall": round(recall, _DIGITS),
                "f1": round(f1, _DIGITS)}


def _ratio(numerator: int, denominator: int) -> float:
    """A ratio that is 0.0 instead of undefined when there is nothing to divide by."""
    return numerator / denominator if denominator else 0.0


def variant_type(key: Key) -> str:
    """``"snv"`` for a single-base substitution, ``"indel"`` for everything else."""
    return "snv" if len(key[2]) == 1 and len(key[3]) == 1 else "indel"


def truth_vaf(variant: VcfVariant) -> float | None:
    """INFO/VAF as a float whatever its header says (Number=1, Number=A, or undeclared String)."""
    value = variant.info.get("VAF")
    if isinstance(value, (tuple, list)):
        value = value[0] if value else None
    if value is None:
        return None
    try:
        # VCF stores Float as float32: 0.7 reads back as 0.69999999, which would fall below --min-vaf 0.7
        return round(float(value), 6)
    except (TypeError, ValueError):
        return None


class _RegionIndex:
    """Answers "is this 0-based position inside the BED?" with a bisect per lookup."""

    def __init__(self, regions: Iterable[Region]):
        self._starts: dict[str, list[int]] = {}
        self._ends: dict[str, list[int]] = {}
        for region in sorted(regions):  # read_bed merged them, so they do not overlap
            self._starts.setdefault(region.contig, []).append(region.start)
            self._ends.setdefault(region.contig, []).append(region.end)

    def contains(self, contig: str, position: int) -> bool:
        starts = self._starts.get(contig)
        if not starts:
            return False
        i = bisect.bisect_right(starts, position) - 1
        return i >= 0 and position < self._ends[contig][i]


def _load(path: str | os.PathLike, ref: str | os.PathLike, pass_only: bool,
          regions: _RegionIndex | None) -> dict[Key, VcfVariant]:
    """Normalized variants keyed for matching, restricted to the BED; duplicates collapse."""
    variants: dict[Key, VcfVariant] = {}
    for variant in read_normalized(path, ref, pass_only=pass_only):
        if regions is not None and not regions.contains(variant.contig, variant.pos - 1):
            continue
        variants.setdefault(variant.key, variant)
    return variants


def _vaf_bin(vaf: float) -> int | None:
    """Index of the ``VAF_EDGES`` bin holding ``vaf``; None outside [0, 1]."""
    if vaf < VAF_EDGES[0] or vaf > VAF_EDGES[-1]:
        return None
    return min(bisect.bisect_right(VAF_EDGES, vaf) - 1, len(VAF_EDGES) - 2)


def _by_vaf(truth: Mapping[Key, VcfVariant], tp: set[Key]) -> list[dict]:
    bins = [{"vaf_min": low, "vaf_max": high, "snv_truth": 0, "snv_tp": 0, "indel_truth": 0, "indel_tp": 0}
            for low, high in zip(VAF_EDGES, VAF_EDGES[1:])]
    for key, variant in truth.items():
        vaf = truth_vaf(variant)
        index = None if vaf is None else _vaf_bin(vaf)
        if index is None:
            continue
        kind = variant_type(key)
        bins[index][f"{kind}_truth"] += 1
        bins[index][f"{kind}_tp"] += key in tp
    for row in bins:
        for kind in _TYPES:
            truth_n = row[f"{kind}_truth"]
            row[f"{kind}_recall"] = round(row[f"{kind}_tp"] / truth_n, _DIGITS) if truth_n else None
    return bins


def _split(keys: Iterable[Key], kind: str) -> int:
    return sum(1 for key in keys if variant_type(key) == kind)


def load_scored(ref: str | os.PathLike, bed: str | os.PathLike | None,
                *vcfs: str | os.PathLike) -> list[dict[Key, VcfVariant]]:
    """The PASS variants of each VCF (truth and calls) as a score compares them: normalized alike,
    inside ``bed``, keyed for matching."""
    with Reference(ref) as reference:  # validates the FASTA and builds the .fai bcftools needs
        regions = _RegionIndex(read_bed(bed, reference.contigs)) if bed is not None else None
    return [_load(path, ref, pass_only=True, regions=regions) for path in vcfs]


def evaluate_somatic(truth: str | os.PathLike, calls: str | os.PathLike, ref: str | os.PathLike,
                     bed: str | os.PathLike | None = None, germline: str | os.PathLike | None = None,
                     min_vaf: float | None = None) -> dict:
    """Compare ``calls`` to ``truth`` and return the metrics as a JSON-ready dict.

    Keys: ``snv``/``indel``/``all`` ({tp, fp, fn, precision, recall, f1}), ``by_vaf``
    (recall per truth-VAF bin, see ``VAF_EDGES``), ``germline_fp`` (FPs that are
    germline truth variants; None without ``germline``), ``min_vaf``, ``n_truth``
    (truth scored), ``n_truth_below_min_vaf``, ``truth_without_vaf``,
    ``n_calls_pass`` (PASS calls inside the BED), ``ignored_low_vaf``.
    """
    if min_vaf is not None and not 0.0 <= min_vaf <= 1.0:
        raise GenomemlError(f"--min-vaf must be between 0 and 1, got {min_vaf}")
    all_truth, called = load_scored(ref, bed, truth, calls)
    call_keys = set(called)

    low: set[Key] = set()
    if min_vaf is not None:
        low = {key for key, variant in all_truth.items()
               if (vaf := truth_vaf(variant)) is not None and vaf < min_vaf}
    scored = {key: variant for key, variant in all_truth.items() if key not in low}

    tp = call_keys & scored.keys()
    fp = call_keys - scored.keys() - low
    fn = scored.keys() - call_keys
    metrics: dict = {kind: _Counts(_split(tp, kind), _split(fp, kind), _split(fn, kind)).as_dict()
                     for kind in _TYPES}
    metrics["all"] = _Counts(len(tp), len(fp), len(fn)).as_dict()
    metrics["by_vaf"] = _by_vaf(scored, tp)
    metrics["germline_fp"] = None
    if germline is not None:
        germline_keys = set(_load(germline, ref, pass_only=False, regions=None))
        metrics["germline_fp"] = len(fp & germline_keys)
    metrics.update({
        "min_vaf": min_vaf,
        "n_truth": len(scored),
        "n_truth_below_min_vaf": len(low),
        "truth_without_vaf": sum(1 for variant in scored.values() if truth_vaf(variant) is None),
        "n_calls_pass": len(call_keys),
        "ignored_low_vaf": len(call_keys & low),
    })
    return metrics


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    cells = [list(map(str, header))] + [["-" if v is None else str(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return ["  ".join(cell.rjust(width) if i else cell.ljust(width) for i, (cell, width) in
                      enumerate(zip(row, widths))).rstrip() for row in cells]


def format_somatic_report(metrics: Mapping) -> str:
    """The metrics as aligned text tables for a terminal (the JSON holds the same numbers)."""
    rows = []
    for kind in (*_TYPES, "all"):
        m = metrics[kind]
        rows.append([kind.upper(), m["tp"] + m["fn"], m["tp"] + m["fp"], m["tp"], m["fp"], m["fn"],
                     f"{m['precision']:.4f}", f"{m['recall']:.4f}", f"{m['f1']:.4f}"])
    lines = _table(["type", "truth", "calls", "TP", "FP", "FN", "precision", "recall", "F1"], rows)
    vaf_rows = [[f"[{b['vaf_min']:.2f},{b['vaf_max']:.2f}{']' if b['vaf_max'] == VAF_EDGES[-1] else ')'}",
                 b["snv_truth"], b["snv_tp"], None if b["snv_recall"] is None else f"{b['snv_recall']:.4f}",
                 b["indel_truth"], b["indel_tp"],
                 None if b["indel_recall"] is None else f"{b['indel_recall']:.4f}"]
                for b in metrics["by_vaf"]]
    lines += ["", "recall by truth VAF"]
    lines += _table(["VAF", "SNV truth", "SNV TP", "SNV recall", "indel truth", "indel TP", "indel recall"],
                    vaf_rows)
    lines.append("")
    lines.append(f"PASS calls scored: {metrics['n_calls_pass']}   truth scored: {metrics['n_truth']}")
    if metrics.get("min_vaf") is not None:
        lines.append(f"min VAF {metrics['min_vaf']}: {metrics['n_truth_below_min_vaf']} truth variants below it, "
                     f"{metrics['ignored_low_vaf']} calls matching them ignored")
    if metrics.get("germline_fp") is not None:
        lines.append(f"false positives that are germline variants: {metrics['germline_fp']}")
    return "\n".join(lines)
