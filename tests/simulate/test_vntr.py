"""simulate.vntr: polymorphic low-complexity arrays spliced into synthetic genomes."""

from __future__ import annotations

import numpy as np
import pytest

from genomeml.errors import GenomemlError
from genomeml.simulate.genome import synthetic_genome
from genomeml.simulate.somatic import SomaticSimConfig, simulate_somatic
from genomeml.simulate.vntr import splice_vntrs, vntr_alleles, vntr_array


def test_arrays_are_long_and_at_rich():
    rng = np.random.default_rng(1)
    for _ in range(20):
        array = vntr_array(rng).tobytes().decode()
        assert 250 <= len(array) <= 1300
        assert (array.count("A") + array.count("T")) / len(array) > 0.45


def test_splice_keeps_the_sequence_around_the_arrays():
    seq = synthetic_genome(50_000, np.random.default_rng(2))
    spliced, arrays = splice_vntrs(seq, 8.0, np.random.default_rng(3))
    assert len(arrays) >= 1
    assert len(spliced) == len(seq) + sum(a.end - a.start for a in arrays)
    rebuilt, cursor = [], 0
    for a in arrays:
        rebuilt.append(spliced[cursor:a.start])
        cursor = a.end
    rebuilt.append(spliced[cursor:])
    assert "".join(rebuilt) == seq
    assert all(b.start - a.end >= 1000 for a, b in zip(arrays, arrays[1:]))
    assert splice_vntrs(seq, 0.0, np.random.default_rng(3)) == (seq, [])


def test_alleles_change_the_array_length_inside_it():
    seq = synthetic_genome(50_000, np.random.default_rng(4))
    spliced, arrays = splice_vntrs(seq, 10.0, np.random.default_rng(5))
    variants = vntr_alleles(spliced, "synthetic", arrays, np.random.default_rng(6), share=1.0)
    assert len(variants) == len(arrays)
    for v, a in zip(variants, arrays):
        assert spliced[v.pos:v.end] == v.ref and v.ref[0] == v.alt[0]
        assert 15 <= abs(len(v.ref) - len(v.alt)) <= 250
        assert a.start - 300 <= v.pos < a.end and v.context == "vntr"


def test_vntrs_need_a_synthetic_genome(tmp_path):
    with pytest.raises(GenomemlError, match="--vntrs needs --synthetic"):
        simulate_somatic(SomaticSimConfig(out=str(tmp_path / "x"), ref="ref.fa", vntrs=2.0))
