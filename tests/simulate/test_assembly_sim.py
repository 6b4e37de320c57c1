"""simulate assembly: determinism, the error VCF turns the draft into the truth, evaluate recovers the errors, CLI."""

from __future__ import annotations

import gzip
import json
import subprocess
from pathlib import Path

import numpy as np
import pysam
import pysam.bcftools  # the bcftools dispatcher is a submodule that "import pysam" does not load
import pytest

from cli_helpers import genomeml_exe
from genomeml.errors import GenomemlError
from genomeml.evaluate.assembly import evaluate_assembly
from genomeml.simulate.assembly import END_MARGIN, ERROR_SPACING, AssemblySimConfig, simulate_assembly

OUTPUTS = ["truth.fa", "truth.fa.fai", "draft.fa", "draft.fa.fai", "reads.bam", "reads.bam.bai", "reads.fastq.gz",
           "draft_errors.vcf.gz", "draft_errors.vcf.gz.tbi", "simulation.json"]
HAPLOID = dict(synthetic=30_000, depth=8, error_rate=1e-3, seed=5, threads=2)




def _simulate(out: Path, **kwargs) -> dict:
    return simulate_assembly(AssemblySimConfig(out=str(out), **kwargs))


@pytest.fixture(scope="module")
def haploid(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("assembly") / "haploid"
    _simulate(out, **HAPLOID)
    return out


@pytest.fixture(scope="module")
def diploid(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("assembly") / "diploid"
    _simulate(out, **{**HAPLOID, "diploid": True, "seed": 6})
    return out


def _fasta(path: Path) -> dict[str, str]:
    with pysam.FastaFile(str(path)) as handle:
        return {name: handle.fetch(name) for name in handle.references}


def _records(path: Path) -> list[pysam.VariantRecord]:
    with pysam.VariantFile(str(path)) as handle:
        return list(handle)


def _apply(draft: dict[str, str], records: list[pysam.VariantRecord]) -> dict[str, str]:
    """Apply REF -> ALT edits (1-based, sorted, non-overlapping) to each contig, independently of bcftools."""
    out = {}
    for name, seq in draft.items():
        pieces, cursor = [], 0
        for rec in (r for r in records if r.chrom == name):
            start = rec.pos - 1
            assert start >= cursor and seq[start:start + len(rec.ref)] == rec.ref
            pieces += [seq[cursor:start], rec.alts[0]]
            cursor = start + len(rec.ref)
        out[name] = "".join(pieces) + seq[cursor:]
    return out


def _consensus(sim: Path) -> dict[str, str]:
    text = pysam.bcftools.consensus("-f", str(sim / "draft.fa"), str(sim / "draft_errors.vcf.gz"))
    seqs: dict[str, list[str]] = {}
    for line in text.splitlines():
        if line.startswith(">"):
            name = line[1:].split()[0]
            seqs[name] = []
        elif line:
            seqs[name].append(line)
    return {name: "".join(parts) for name, parts in seqs.items()}


def test_same_seed_same_bytes_other_seed_other_outputs(tmp_path):
    small = dict(synthetic=20_000, depth=4, error_rate=1e-3)
    _simulate(tmp_path / "a", seed=1, **small)
    _simulate(tmp_path / "b", seed=1, **small)
    _simulate(tmp_path / "c", seed=2, **small)
    names = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert names == sorted(OUTPUTS) == sorted(p.name for p in (tmp_path / "b").iterdir())
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    for name in ("draft.fa", "reads.bam", "reads.fastq.gz", "draft_errors.vcf.gz"):
        assert (tmp_path / "a" / name).read_bytes() != (tmp_path / "c" / name).read_bytes(), name


@pytest.mark.parametrize("which", ["haploid", "diploid"])
def test_error_vcf_turns_draft_into_truth(request, which):
    sim = request.getfixturevalue(which)
    truth, draft = _fasta(sim / "truth.fa"), _fasta(sim / "draft.fa")
    records = _records(sim / "draft_errors.vcf.gz")
    assert len(records) >= 10
    assert draft != truth and draft.keys() == truth.keys()
    assert _consensus(sim) == truth
    assert _apply(draft, records) == truth
    if which == "diploid":
        assert sorted(truth) == ["synthetic_hap1", "synthetic_hap2"]
        assert truth["synthetic_hap1"] != truth["synthetic_hap2"]  # germline differences between haplotypes
        assert {r.chrom for r in records} == set(truth)


@pytest.mark.parametrize("which", ["haploid", "diploid"])
def test_evaluate_recovers_every_injected_error(request, which):
    sim = request.getfixturevalue(which)
    summary = json.loads((sim / "simulation.json").read_text())
    records = _records(sim / "draft_errors.vcf.gz")
    assert summary["draft_errors"] == len(records) == sum(summary["draft_errors_by_kind"].values())
    metrics = evaluate_assembly(sim / "truth.fa", sim / "draft.fa", threads=2)
    assert metrics["error_events"] == summary["draft_errors"]
    assert metrics["error_bases"] == summary["draft_error_bases"]
    assert metrics["unaligned_bases"] == 0
    substitutions = sum(len(r.ref) == len(r.alts[0]) for r in records)
    assert metrics["substitutions"] == substitutions == summary["draft_errors_by_kind"].get("substitution", 0)
    # and the truth against itself: nothing
    assert evaluate_assembly(sim / "truth.fa", sim / "truth.fa")["error_bases"] == 0


def test_error_vcf_records(haploid):
    draft = _fasta(haploid / "draft.fa")
    records = _records(haploid / "draft_errors.vcf.gz")
    with pysam.VariantFile(str(haploid / "draft_errors.vcf.gz")) as handle:
        assert {name: c.length for name, c in handle.header.contigs.items()} == {n: len(s) for n, s in draft.items()}
    kinds = {r.info["KIND"] for r in records}
    assert kinds <= {"homopolymer", "str", "substitution", "indel"} and "homopolymer" in kinds
    for rec in records:
        assert draft[rec.chrom][rec.pos - 1:rec.pos - 1 + len(rec.ref)] == rec.ref
        assert len(rec.alts) == 1 and rec.ref != rec.alts[0]
        if len(rec.ref) != len(rec.alts[0]):
            assert rec.ref[0] == rec.alts[0][0]  # anchor base
        else:
            assert len(rec.ref) == 1 and rec.info["KIND"] == "substitution"
        assert END_MARGIN - 1 <= rec.pos <= len(draft[rec.chrom]) - END_MARGIN
    positions = [r.pos for r in records]
    assert positions == sorted(positions)
    assert all(b - a >= ERROR_SPACING for a, b in zip(positions, positions[1:]))
    homopolymer = [r for r in records if r.info["KIND"] == "homopolymer"]
    for rec in homopolymer:  # a run's length changed: the edit is made of the run's base
        edit = (rec.alts[0] if len(rec.alts[0]) > len(rec.ref) else rec.ref)[1:]
        assert len(set(edit)) == 1


def test_error_vcf_is_left_normalized(tmp_path):
    keys, normalized = [], []
    for seed in range(1, 6):
        out = tmp_path / str(seed)
        _simulate(out, synthetic=20_000, depth=2, error_rate=3e-3, seed=seed)
        keys += [(seed, r.pos, r.ref, r.alts[0]) for r in _records(out / "draft_errors.vcf.gz")]
        text = pysam.bcftools.norm("-f", str(out / "draft.fa"), "-c", "e", str(out / "draft_errors.vcf.gz"))
        rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
        normalized += [(seed, int(r[1]), r[3], r[4]) for r in rows]
    assert sorted(normalized) == sorted(keys)


def test_reads_fastq_bam_and_summary_agree(haploid):
    summary = json.loads((haploid / "simulation.json").read_text())
    with gzip.open(haploid / "reads.fastq.gz", "rt") as handle:
        lines = handle.read().splitlines()
    assert len(lines) % 4 == 0 and len(lines) // 4 == summary["reads"] > 0
    names = lines[0::4]
    assert all(n.startswith("@") for n in names) and all(p == "+" for p in lines[2::4])
    assert all(len(s) == len(q) for s, q in zip(lines[1::4], lines[3::4]))
    with pysam.AlignmentFile(str(haploid / "reads.bam")) as handle:
        header = handle.header.to_dict()
        assert header["HD"]["SO"] == "coordinate" and handle.has_index()
        assert {sq["SN"]: sq["LN"] for sq in header["SQ"]} == {n: len(s) for n, s in _fasta(haploid / "draft.fa").items()}
        assert header["RG"][0]["PL"] == "PACBIO"
        reads = list(handle.fetch(until_eof=True))
    assert len(reads) == summary["records"] == summary["reads"]
    assert {a.query_name for a in reads} == {n[1:] for n in names}
    mapped = [a for a in reads if not a.is_unmapped]
    assert len(mapped) >= 0.9 * len(reads)
    covered = sum(a.reference_length for a in mapped)
    assert covered / summary["truth_contigs"]["synthetic"] == pytest.approx(8, rel=0.3)


def test_diploid_reads_split_between_haplotypes(diploid):
    with pysam.AlignmentFile(str(diploid / "reads.bam")) as handle:
        per_contig = {name: handle.count(name) for name in handle.references}
    assert set(per_contig) == {"synthetic_hap1", "synthetic_hap2"}
    assert all(n > 0 for n in per_contig.values())


def test_paired_illumina_reads(tmp_path):
    out = tmp_path / "ill"
    summary = _simulate(out, synthetic=10_000, depth=10, error_rate=1e-3, platform="illumina", seed=3)
    with gzip.open(out / "reads.fastq.gz", "rt") as handle:
        names = handle.read().splitlines()[0::4]
    assert len(names) == summary["reads"] and len(names) % 2 == 0
    with pysam.AlignmentFile(str(out / "reads.bam")) as handle:
        reads = list(handle.fetch(until_eof=True))
    assert len(reads) == summary["records"] == summary["reads"]
    assert all(a.is_paired for a in reads)
    assert sum(a.is_proper_pair for a in reads) >= 0.9 * len(reads)


def test_no_errors_means_draft_is_truth(tmp_path):
    out = tmp_path / "clean"
    summary = _simulate(out, synthetic=10_000, depth=2, error_rate=0.0, seed=4)
    assert summary["draft_errors"] == summary["draft_error_bases"] == 0
    assert _fasta(out / "draft.fa") == _fasta(out / "truth.fa")
    assert _records(out / "draft_errors.vcf.gz") == []


def test_reference_with_n_runs_gives_n_free_truth_contigs(tmp_path):
    rng = np.random.default_rng(9)
    seq = "".join(rng.choice(list("ACGT"), 30_000))
    seq = seq[:8000] + "N" * 500 + seq[8500:12000] + "N" * 100 + seq[12100:]  # 3.5 kb middle piece is too short
    ref = tmp_path / "ref.fa"
    ref.write_text(">chr7\n" + seq + "\n")
    out = tmp_path / "sim"
    _simulate(out, ref=str(ref), depth=3, error_rate=1e-3, seed=2)
    truth = _fasta(out / "truth.fa")
    assert truth == {"chr7_0_8000": seq[:8000], "chr7_12100_30000": seq[12100:]}
    assert _consensus(out) == truth
    summary = json.loads((out / "simulation.json").read_text())
    assert summary["config"]["ref"] == "ref.fa"  # no machine-specific path in the outputs


def test_regions_choose_the_truth(tmp_path):
    rng = np.random.default_rng(10)
    seq = "".join(rng.choice(list("ACGT"), 30_000))
    ref = tmp_path / "ref.fa"
    ref.write_text(">chr7\n" + seq + "\n")
    _simulate(tmp_path / "sim", ref=str(ref), regions=("chr7:10001-20000",), depth=3, seed=2)
    assert _fasta(tmp_path / "sim" / "truth.fa") == {"chr7_10000_20000": seq[10_000:20_000]}


def test_bad_parameters(tmp_path):
    with pytest.raises(GenomemlError, match="depth"):
        _simulate(tmp_path / "a", synthetic=10_000, depth=0)
    with pytest.raises(GenomemlError, match="error-rate"):
        _simulate(tmp_path / "b", synthetic=10_000, error_rate=-1)
    ref = tmp_path / "short.fa"
    ref.write_text(">c\n" + "ACGT" * 1000 + "\n")  # 4 kb: below the 5 kb minimum contig
    with pytest.raises(GenomemlError, match="5000"):
        _simulate(tmp_path / "c", ref=str(ref))
    assert not any((tmp_path / d).exists() for d in "abc")


def test_cli_end_to_end(tmp_path):
    out = tmp_path / "D"
    proc = subprocess.run([genomeml_exe(), "simulate", "assembly", "--synthetic", "20000", "--out", str(out),
                           "--seed", "3", "--depth", "4", "--diploid"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    summary = json.loads(proc.stdout)
    assert summary["config"]["diploid"] is True and len(summary["truth_contigs"]) == 2
    assert _consensus(out) == _fasta(out / "truth.fa")


def test_cli_missing_reference(tmp_path):
    out = tmp_path / "D"
    proc = subprocess.run([genomeml_exe(), "simulate", "assembly", "--ref", str(tmp_path / "missing.fa"),
                           "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("genomeml: error:") and "missing.fa" in lines[0]
    assert not out.exists()


def test_shared_errors_put_the_draft_allele_in_a_minority_of_reads():
    from genomeml.simulate.assembly import DraftError, SharedError, shared_read_errors, with_shared_errors
    truth = "ACGT" * 10 + "AAAAAAAA" + "CGTA" * 10
    error = DraftError("c", 39, "T", "TA", "homopolymer", truth_pos=39)     # the draft lost one A
    shared = shared_read_errors([error, DraftError("c", 10, "A", "C", "substitution", truth_pos=10)], 1.0,
                                np.random.default_rng(1))
    assert list(shared) == ["c"] and len(shared["c"]) == 1      # repeat-length errors only
    locus = shared["c"][0]
    assert (locus.start, locus.end, locus.draft) == (39, 41, "T") and 0.05 <= locus.fraction <= 0.45
    rng = np.random.default_rng(2)
    fixed = SharedError(39, 41, "T", 0.3)
    reads = [with_shared_errors(truth[20:70], 20, [fixed], rng) for _ in range(2000)]
    draft_like = sum(r == truth[20:40] + truth[41:70] for r in reads)
    assert all(r in (truth[20:70], truth[20:40] + truth[41:70]) for r in reads)
    assert 500 < draft_like < 700                                # ~30% of the reads, the majority right
    assert with_shared_errors(truth[40:70], 40, [fixed], rng) == truth[40:70]   # not wholly inside: untouched
    assert shared_read_errors([error], 0.0, np.random.default_rng(1)) == {}


def test_simulated_reads_share_some_draft_errors(tmp_path):
    summary = _simulate(tmp_path / "s", synthetic=40_000, depth=20, error_rate=3e-3, shared_errors=1.0, seed=9,
                        threads=2)
    assert summary["shared_draft_errors"] > 0
    assert summary["shared_draft_errors"] <= summary["draft_errors_by_kind"].get("homopolymer", 0) + \
        summary["draft_errors_by_kind"].get("str", 0)
