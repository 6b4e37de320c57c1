"""Training labels: a candidate is somatic if it matches the somatic truth, germline if it matches
the germline truth, otherwise reference/artifact. Truth is normalized the same way as candidates."""

from __future__ import annotations

import os

import numpy as np

from genomeml.io.vcf import read_normalized
from genomeml.pileup.alleles import Allele

REFERENCE, GERMLINE, SOMATIC = 0, 1, 2


def truth_keys(path: str | os.PathLike, reference: str | os.PathLike) -> set[tuple[str, int, str, str]]:
    """0-based (contig, pos, ref, alt) keys of a truth VCF, split and left-normalized."""
    return {(v.contig, v.pos - 1, v.ref, v.alt) for v in read_normalized(path, reference)}


def label_alleles(alleles: list[Allele], somatic: set, germline: set) -> np.ndarray:
    labels = np.full(len(alleles), REFERENCE, dtype=np.int8)
    for i, a in enumerate(alleles):
        key = (a.contig, a.pos, a.ref, a.alt)
        if key in somatic:
            labels[i] = SOMATIC
        elif key in germline:
            labels[i] = GERMLINE
    return labels
