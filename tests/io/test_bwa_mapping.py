"""bwa mem alignment of simulated reads: pairing from XA alternatives, records as minimap2's, determinism."""

from __future__ import annotations

from pathlib import Path

import pysam
import pytest

from genomeml.errors import GenomemlError
from genomeml.io.bwa_mapping import _Hit, _pair, _parse_cigar
from genomeml.simulate.somatic import SomaticSimConfig, simulate_somatic

SIM = dict(synthetic=20_000, tumor_depth=20, normal_depth=10, somatic_rate=1e-3, seed=5, threads=1)


def _hit(start: int, reverse: bool, nm: int = 0, mapq: int = 0, contig: str = "c") -> _Hit:
    return _Hit(contig, start, reverse, [(0, 100)], nm, mapq)


def test_parse_cigar() -> None:
    assert _parse_cigar("5S90M2I3M") == [(4, 5), (0, 90), (1, 2), (0, 3)]


def test_pair_prefers_the_alternatives_that_make_a_proper_pair() -> None:
    # mate 1 primary at 5000 (ambiguous, MAPQ 0) with an alternative at 1000; mate 2 sure at 1200
    mate1 = [_hit(5000, False, mapq=0), _hit(1000, False)]
    mate2 = [_hit(1200, True, mapq=60)]
    a, b = _pair(mate1, mate2)
    assert (a.start, b.start) == (1000, 1200)
    assert a.mapq == 60 and b.mapq == 60   # placed by a unique proper pair


def test_pair_keeps_primaries_and_low_mapq_when_two_copies_fit_equally() -> None:
    # a duplicated stretch longer than the fragment: both copies give a proper pair with the same edits
    mate1 = [_hit(1000, False), _hit(8000, False)]
    mate2 = [_hit(1200, True), _hit(8200, True)]
    a, b = _pair(mate1, mate2)
    assert (a.start, b.start, a.mapq, b.mapq) == (1000, 1200, 0, 0)


def test_pair_with_an_unmapped_mate() -> None:
    a, b = _pair([_hit(10, False, mapq=40)], [])
    assert a.start == 10 and a.mapq == 40 and b is None


@pytest.fixture(scope="module")
def bwa_sim(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bwa") / "sim"
    simulate_somatic(SomaticSimConfig(out=str(out), aligner="bwa", **SIM))
    return out


def test_bwa_simulation_is_paired_and_carries_the_somatic_alleles(bwa_sim: Path) -> None:
    with pysam.AlignmentFile(str(bwa_sim / "tumor.bam")) as bam:
        records = list(bam)
        assert bam.header.to_dict()["RG"][0]["SM"] == "TUMOR"
    mapped = [r for r in records if not r.is_unmapped]
    assert len(mapped) > 0.99 * len(records)
    assert sum(r.is_proper_pair for r in mapped) > 0.97 * len(mapped)
    assert all(r.has_tag("NM") and r.get_tag("RG") == "TUMOR" for r in mapped)
    with pysam.VariantFile(str(bwa_sim / "truth.somatic.vcf.gz")) as vcf:
        snvs = [v for v in vcf if len(v.ref) == 1 and len(v.alts[0]) == 1 and v.info["VAF"] >= 0.2]
    assert len(snvs) >= 3
    # pooled over the SNVs: one site at a contig end has too few reads to promise 2 alt reads
    seen = expected = 0.0
    with pysam.AlignmentFile(str(bwa_sim / "tumor.bam")) as bam:
        for v in snvs:
            columns = bam.pileup(v.contig, v.pos - 1, v.pos, truncate=True, min_base_quality=0)
            bases = [b.upper() for col in columns for b in col.get_query_sequences()]
            assert v.alts[0] in bases, f"{v.contig}:{v.pos} {v.ref}>{v.alts[0]} {bases}"
            seen += bases.count(v.alts[0])
            expected += len(bases) * v.info["VAF"]
    assert seen >= 0.6 * expected


def test_bwa_simulation_is_deterministic_across_threads(bwa_sim: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"
    simulate_somatic(SomaticSimConfig(out=str(out), aligner="bwa", **{**SIM, "threads": 2}))
    for name in ("tumor.bam", "normal.bam"):
        assert (out / name).read_bytes() == (bwa_sim / name).read_bytes()


def test_bwa_is_for_short_reads_only(tmp_path: Path) -> None:
    with pytest.raises(GenomemlError, match="Illumina reads only"):
        simulate_somatic(SomaticSimConfig(out=str(tmp_path / "x"), aligner="bwa", platform="hifi",
                                          **{**SIM, "synthetic": 5_000}))
    assert not (tmp_path / "x").exists()
