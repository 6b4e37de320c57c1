"""``genomeml simulate assembly``: a truth genome, a draft with assembly-like errors, reads aligned to the draft."""

from __future__ import annotations

import bisect
import json
import logging
import time
from dataclasses import dataclass

import numpy as np

from genomeml import __version__
from genomeml.errors import GenomemlError
from genomeml.io.atomic import atomic_directory
from genomeml.io.vcf import vcf_header, write_vcf
from genomeml.pileup.alleles import left_align
from genomeml.simulate.align import align_reads
from genomeml.simulate.common import config_record, draw_profile, ReadSampler, load_sequences, write_fasta, write_fastq_gz
from genomeml.simulate.genome import find_tracts, n_free_intervals
from genomeml.simulate.haplotypes import DiploidGenome
from genomeml.simulate.somatic import make_paralogs
from genomeml.io.regions import Region
from genomeml.simulate.variants import _Occupancy, _snv, _tract_indel, place_germline

log = logging.getLogger(__name__)

MIN_CONTIG = 5000
END_MARGIN = 200     # no draft error this close to a contig end (aligners clip there)
ERROR_SPACING = 50   # minimum distance between two draft errors
MAX_DRAFT_INDEL = 20  # longest non-repeat draft indel (bp)
SHARED_FRACTION = (0.05, 0.45)   # share of reads carrying a shared draft error: the majority stays right


@dataclass
class AssemblySimConfig:
    out: str
    ref: str | None = None
    synthetic: int | None = None
    regions: tuple[str, ...] = ()
    platform: str = "hifi"
    depth: float = 30.0
    error_rate: float = 0.0005
    diploid: bool = False
    paralogs: float = 0.0   # diverged copies (2-8 kb) per 100 kb whose reads map onto the draft
    shared_errors: float = 0.5   # share of repeat-length draft errors that some reads share (see SharedError)
    seed: int = 1
    threads: int = 2


@dataclass(frozen=True)
class DraftError:
    """An edit that turns the draft back into the truth: REF is draft sequence, ALT truth sequence."""
    contig: str
    pos: int      # 0-based on the draft
    ref: str
    alt: str
    kind: str     # homopolymer / str / substitution / indel
    truth_pos: int = -1   # 0-based on the truth contig


@dataclass(frozen=True)
class SharedError:
    """A draft error that a share of the reads carry as well.

    Assemblers go wrong where the reads are confused: in long homopolymers and tandem
    repeats many HiFi reads share the same wrong length, and the draft took it. Reads
    drawn from the truth carry the draft's allele with probability ``fraction`` here, so
    the read majority at such an error is only narrowly right (``fraction`` < 0.5).
    """
    start: int    # truth coordinates of the truth allele
    end: int
    draft: str
    fraction: float


def shared_read_errors(errors: list[DraftError], share: float, rng: np.random.Generator) -> dict[str, list[SharedError]]:
    """Per truth contig, sorted: the repeat-length draft errors that reads share."""
    shared: dict[str, list[SharedError]] = {}
    for e in errors:
        if e.kind not in ("homopolymer", "str") or rng.random() >= share:
            continue
        fraction = float(rng.uniform(*SHARED_FRACTION))
        shared.setdefault(e.contig, []).append(SharedError(e.truth_pos, e.truth_pos + len(e.alt), e.ref, fraction))
    return {c: sorted(v, key=lambda x: x.start) for c, v in shared.items()}


def with_shared_errors(seq: str, start: int, loci: list[SharedError], rng: np.random.Generator) -> str:
    """The fragment truth[start:start+len(seq)], each shared error inside it taken with its probability."""
    end = start + len(seq)
    pieces, cursor = [], start
    for locus in loci[bisect.bisect_left([x.start for x in loci], start):]:
        if locus.end > end:
            break
        if rng.random() < locus.fraction:
            pieces += [seq[cursor - start:locus.start - start], locus.draft]
            cursor = locus.end
    if not pieces:
        return seq
    return "".join(pieces) + seq[cursor - start:]


def _draft_indel(truth: str, pos: int, rng: np.random.Generator) -> tuple[int, str, str]:
    """A non-repeat draft indel of 1 to MAX_DRAFT_INDEL bp (mostly short, some long)."""
    length = int(min(MAX_DRAFT_INDEL, rng.geometric(0.25)))
    if rng.random() < 0.5:
        return pos, truth[pos:pos + 1 + length], truth[pos]
    inserted = "".join(rng.choice(list("ACGT"), size=length))
    return pos, truth[pos], truth[pos] + inserted


def inject_errors(contig: str, truth: str, rate: float, rng: np.random.Generator) -> tuple[str, list[DraftError]]:
    """A draft of ``truth`` with errors like a good long-read assembly's: mostly repeat-length indels."""
    occupancy = _Occupancy(truth, [(0, len(truth))], margin=END_MARGIN)
    tracts = [t for t in find_tracts(truth) if t.start > END_MARGIN and t.end < len(truth) - END_MARGIN]
    homopolymers = [t for t in tracts if t.period == 1 and t.length >= 4]
    strs = [t for t in tracts if t.period > 1]
    n_target = rng.poisson(rate * len(truth))
    edits: list[tuple[int, str, str, str]] = []   # truth pos, truth allele, draft allele, kind
    for _ in range(n_target * 5):
        if len(edits) >= n_target:
            break
        kind = rng.choice(["homopolymer", "str", "substitution", "indel"], p=[0.5, 0.2, 0.15, 0.15])
        if kind in ("homopolymer", "str"):
            pool = homopolymers if kind == "homopolymer" else strs
            if not pool:
                continue
            tract = pool[rng.integers(len(pool))]
            pos, ref, alt = _tract_indel(truth, tract, rng)
            span = (pos, tract.end)
        elif kind == "substitution":
            pos = int(rng.integers(END_MARGIN, len(truth) - END_MARGIN))
            if truth[pos] not in "ACGT":
                continue
            ref, alt = _snv(truth, pos, rng)
            span = (pos, pos + 1)
        else:
            pos = int(rng.integers(END_MARGIN, len(truth) - END_MARGIN - MAX_DRAFT_INDEL - 1))
            pos, ref, alt = left_align(truth, *_draft_indel(truth, pos, rng))
            span = (pos, pos + len(ref) + len(alt))
        if "N" in ref + alt or not occupancy.take(span[0], span[1], pad=ERROR_SPACING):
            continue
        edits.append((pos, ref, alt, str(kind)))
    edits.sort()
    pieces, cursor, shift, errors = [], 0, 0, []
    for pos, truth_allele, draft_allele, kind in edits:
        pieces.append(truth[cursor:pos])
        pieces.append(draft_allele)
        cursor = pos + len(truth_allele)
        errors.append(DraftError(contig, pos + shift, draft_allele, truth_allele, kind, truth_pos=pos))
        shift += len(draft_allele) - len(truth_allele)
    pieces.append(truth[cursor:])
    return "".join(pieces), errors


def _truth_contigs(seqs: dict[str, str], regions, diploid: bool, rng: np.random.Generator) -> dict[str, str]:
    """N-free stretches of the chosen regions as truth contigs; with ``diploid``, two haplotypes each."""
    truth: dict[str, str] = {}
    for region in regions:
        piece = seqs[region.contig][region.start:region.end]
        for s, e in n_free_intervals(piece, MIN_CONTIG):
            name = region.contig if (s, e) == (0, len(seqs[region.contig])) else \
                f"{region.contig}_{region.start + s}_{region.start + e}"
            truth[name] = piece[s:e]
    if not truth:
        raise GenomemlError(f"no stretch of at least {MIN_CONTIG} bp without N in the chosen regions")
    if not diploid:
        return truth
    haplotypes: dict[str, str] = {}
    for name, seq in truth.items():
        germline, _ = place_germline(seq, name, [(0, len(seq))], 1e-3, rng)
        genome = DiploidGenome(seq, germline, [])
        for hap in (0, 1):
            haplotypes[f"{name}_hap{hap + 1}"] = genome.fragment(hap, 0, len(seq), 0.0, rng, slack=0)
    return haplotypes


def _errors_vcf(errors: list[DraftError], contigs: dict[str, int]) -> tuple[list[str], list[str]]:
    header = vcf_header(f"genomeml-simulate-{__version__}", contigs, [
        "##reference=draft.fa",
        '##INFO=<ID=KIND,Number=1,Type=String,Description="homopolymer, str, substitution or indel">'])
    body = [f"{e.contig}\t{e.pos + 1}\t.\t{e.ref}\t{e.alt}\t.\tPASS\tKIND={e.kind}" for e in errors]
    return header, body


def simulate_assembly(cfg: AssemblySimConfig) -> dict:
    """Simulate truth, draft and reads; returns a summary (also saved as simulation.json)."""
    if cfg.depth <= 0 or cfg.error_rate < 0:
        raise GenomemlError("--depth must be positive and --error-rate not negative")
    started = time.time()
    genome_rng, error_rng, profile_rng, read_rng, hap_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(cfg.seed).spawn(5))
    seqs, regions = load_sequences(cfg.ref, cfg.synthetic, cfg.regions, genome_rng)
    truth = _truth_contigs(seqs, regions, cfg.diploid, hap_rng)
    draft: dict[str, str] = {}
    errors: list[DraftError] = []
    for name, seq in truth.items():
        draft[name], contig_errors = inject_errors(name, seq, cfg.error_rate, error_rng)
        errors += contig_errors
    profile = draw_profile(cfg.platform, profile_rng)
    draft_contigs = {name: len(seq) for name, seq in draft.items()}
    intervals = [(name, 0, len(seq)) for name, seq in truth.items()]
    depth = cfg.depth / 2 if cfg.diploid else cfg.depth   # each haplotype gets its share of the reads

    paralogs = make_paralogs(truth, [Region(name, 0, len(seq)) for name, seq in truth.items()], cfg.paralogs,
                             np.random.default_rng([cfg.seed, 7]), lengths=(2000, 8000))
    sources = {**truth, **{p.name: p.seq for p in paralogs}}
    shared = shared_read_errors(errors, cfg.shared_errors, np.random.default_rng([cfg.seed, 11]))

    def fragment(contig, hap, start, length, rng):
        seq = sources[contig][start:start + length]
        return with_shared_errors(seq, start, shared[contig], rng) if contig in shared else seq

    sampler = ReadSampler(cfg.platform, profile, prefix="read")
    with atomic_directory(cfg.out) as tmp:
        write_fasta(tmp / "truth.fa", truth)
        write_fasta(tmp / "draft.fa", draft)
        reads = list(sampler.reads(intervals, depth, fragment, read_rng, n_haps=1))
        for i, p in enumerate(paralogs):
            reads += ReadSampler(cfg.platform, profile, prefix=f"para{i}_").reads(
                [(p.name, 0, len(p.seq))], depth * p.depth_fraction, fragment, read_rng, n_haps=1)
        flat = [r for read in reads for r in ((read, read.mate) if read.mate else (read,))]
        write_fastq_gz(tmp / "reads.fastq.gz", iter(flat))
        records = align_reads(reads, tmp / "draft.fa", draft_contigs, tmp / "reads.bam", "SAMPLE",
                              cfg.platform, cfg.threads)
        header, body = _errors_vcf(errors, draft_contigs)
        write_vcf(tmp / "draft_errors.vcf.gz", header, body)
        kinds: dict[str, int] = {}
        for e in errors:
            kinds[e.kind] = kinds.get(e.kind, 0) + 1
        summary = {
            "genomeml_version": __version__,
            "config": config_record(cfg),
            "read_profile": profile.as_dict(),
            "truth_contigs": {name: len(seq) for name, seq in truth.items()},
            "draft_errors": len(errors),
            "draft_errors_by_kind": kinds,
            "shared_draft_errors": sum(len(v) for v in shared.values()),
            "draft_error_bases": sum(max(len(e.ref), len(e.alt)) - 1 if len(e.ref) != len(e.alt) else 1
                                     for e in errors),
            "reads": len(flat),
            "paralogs": [{"source": f"{p.source}:{p.start + 1}-{p.start + len(p.seq)}",
                          "depth_fraction": round(p.depth_fraction, 3)} for p in paralogs],
            "records": records,
        }
        (tmp / "simulation.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    summary["seconds"] = round(time.time() - started, 1)
    return summary
