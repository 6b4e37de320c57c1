"""``genomeml simulate somatic``: a tumor/normal pair with known germline and somatic variants."""

from __future__ import annotations

import itertools
import json
import logging
import time
from dataclasses import dataclass, replace

import numpy as np

from genomeml import __version__
from genomeml.errors import GenomemlError
from genomeml.io.atomic import atomic_directory
from genomeml.io.regions import Region, write_bed
from genomeml.io.vcf import vcf_header, write_vcf
from genomeml.simulate.align import align_reads
from genomeml.simulate.common import config_record, draw_profile, ReadSampler, load_sequences, write_fasta
from genomeml.simulate.genome import mutate, n_free_intervals
from genomeml.simulate.haplotypes import DiploidGenome
from genomeml.simulate.reads import IlluminaProfile
from genomeml.simulate.variants import Variant, place_germline, place_somatic
from genomeml.simulate.vntr import VntrArray, splice_vntrs, vntr_alleles

log = logging.getLogger(__name__)


@dataclass
class SomaticSimConfig:
    out: str
    ref: str | None = None
    synthetic: int | None = None
    regions: tuple[str, ...] = ()
    tumor_depth: float = 60.0
    normal_depth: float = 40.0
    purity: float = 0.8
    contamination: float = 0.0
    somatic_rate: float = 1e-4
    germline_rate: float = 1e-3
    min_vaf: float = 0.02
    platform: str = "illumina"
    seed: int = 1
    threads: int = 2
    paralogs: float = 0.0   # hidden paralogous copies per 100 kb (in the sample, not in the reference)
    allelic_bias: float = 0.0   # share of het germline variants under-represented in reads (per-read dropout 0.2-0.7)
    vntrs: float = 0.0   # low-complexity VNTR arrays per 100 kb spliced into a synthetic genome, most with a
    #                      copy-number allele (see simulate.vntr)
    aligner: str = "minimap2"   # or "bwa" (bwa mem, Illumina only): each aligner has its own artifacts
    long_indels: float = 0.0   # share of indels from a flat 6-20 bp tail (see simulate.variants.place_germline)
    flank_indels: float = 0.0   # share of germline indels of one base beside a homopolymer (same place)
    # multiplies the drawn run's indel error and PCR stutter rates: below 1, runs as clean as
    # art_illumina's reads (5-35 times cleaner than the real HG002 run) and cleaner
    indel_error_scale: float = 1.0


def scale_indel_errors(profile, scale: float):
    """The run with its indel error and stutter rates times ``scale`` (Illumina profiles only)."""
    if not isinstance(profile, IlluminaProfile):
        raise GenomemlError("--indel-error-scale applies to Illumina runs only")
    return replace(profile, hp_indel_base=profile.hp_indel_base * scale,
                   random_indel_rate=profile.random_indel_rate * scale, stutter_base=profile.stutter_base * scale)


def germline_dropout(germline: list[Variant], share: float, rng: np.random.Generator) -> dict[int, float]:
    """Per-variant read dropout for a share of het germline sites: their VAF sits well below 0.5,
    independently in tumor and normal, as allele-specific mapping and capture bias make it."""
    if share <= 0:
        return {}
    return {id(v): float(rng.uniform(0.2, 0.7)) for v in germline
            if len(v.haplotypes) == 1 and rng.random() < share}


@dataclass(frozen=True)
class Paralog:
    """A diverged copy of a reference stretch that the individual carries but the reference lacks.

    Its reads map back onto the source stretch and look like low-VAF variants in tumor
    and normal alike: the mapping artifacts of real genomes (segmental duplications, CNVs).
    """
    name: str
    seq: str
    source: str
    start: int
    depth_fraction: float   # relative to the sample's depth


def make_paralogs(seqs: dict[str, str], confident: list[Region], per_100kb: float,
                  rng: np.random.Generator, lengths: tuple[int, int] = (300, 3000)) -> list[Paralog]:
    total = sum(len(r) for r in confident)
    paralogs = []
    for k in range(rng.poisson(per_100kb * total / 100_000) if per_100kb > 0 else 0):
        region = confident[int(rng.integers(len(confident)))]
        length = int(rng.integers(*lengths))
        if len(region) <= length:
            continue
        start = int(rng.integers(region.start, region.end - length))
        source = np.frombuffer(seqs[region.contig][start:start + length].encode(), dtype=np.uint8)
        copy = mutate(rng, source, float(rng.uniform(0.005, 0.03))).tobytes().decode()
        paralogs.append(Paralog(f"paralog{k}", copy, region.contig, start, float(rng.uniform(0.05, 0.3))))
    return paralogs


def _confident_intervals(seqs: dict[str, str], regions: list[Region]) -> list[Region]:
    """Region parts without N (the only places where truth can be known)."""
    out = []
    for region in regions:
        seq = seqs[region.contig][region.start:region.end]
        out.extend(Region(region.contig, region.start + s, region.start + e) for s, e in n_free_intervals(seq, 1))
    return out


def _somatic_vcf_lines(variants: list[Variant], contigs: dict[str, int], purity: float,
                       contamination: float) -> tuple[list[str], list[str]]:
    header = vcf_header(f"genomeml-simulate-{__version__}", contigs, [
        '##INFO=<ID=VAF,Number=1,Type=Float,Description="Expected fraction of tumor reads carrying the allele">',
        '##INFO=<ID=NVAF,Number=1,Type=Float,Description="Expected fraction of normal reads carrying the allele '
        '(tumor-in-normal contamination)">',
        '##INFO=<ID=TYPE,Number=1,Type=String,Description="SNV or INDEL">',
        '##INFO=<ID=CONTEXT,Number=1,Type=String,Description="homopolymer, str, near_germline or other">',
        '##INFO=<ID=HAP,Number=1,Type=Integer,Description="Haplotype (0 or 1) carrying the mutation">'])
    body = []
    for v in variants:
        nvaf = v.vaf * contamination / purity
        kind = "SNV" if v.is_snv else "INDEL"
        body.append(f"{v.contig}\t{v.pos + 1}\t.\t{v.ref}\t{v.alt}\t.\tPASS\t"
                    f"VAF={v.vaf:.4f};NVAF={nvaf:.4f};TYPE={kind};CONTEXT={v.context};HAP={v.haplotypes[0]}")
    return header, body


def _germline_vcf_lines(variants: list[Variant], contigs: dict[str, int]) -> tuple[list[str], list[str]]:
    header = vcf_header(f"genomeml-simulate-{__version__}", contigs, [
        '##INFO=<ID=CONTEXT,Number=1,Type=String,Description="homopolymer, str, vntr or other">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Phased genotype">'], samples=["TRUTH"])
    body = [f"{v.contig}\t{v.pos + 1}\t.\t{v.ref}\t{v.alt}\t.\tPASS\tCONTEXT={v.context}\tGT\t{v.genotype}"
            for v in variants]
    return header, body


def simulate_somatic(cfg: SomaticSimConfig) -> dict:
    """Simulate, align and write everything; returns a summary (also saved as simulation.json)."""
    if cfg.tumor_depth <= 0 or cfg.normal_depth <= 0:
        raise GenomemlError("depths must be positive")
    if cfg.indel_error_scale <= 0:
        raise GenomemlError("--indel-error-scale must be positive")
    if cfg.vntrs > 0 and cfg.synthetic is None:
        raise GenomemlError("--vntrs needs --synthetic: arrays are spliced into a synthetic genome only")
    started = time.time()
    seeds = np.random.SeedSequence(cfg.seed).spawn(5)
    genome_rng, variant_rng, profile_rng, tumor_rng, normal_rng = (np.random.default_rng(s) for s in seeds)
    seqs, regions = load_sequences(cfg.ref, cfg.synthetic, cfg.regions, genome_rng)
    arrays: dict[str, list[VntrArray]] = {}
    if cfg.vntrs > 0:
        seqs["synthetic"], arrays["synthetic"] = splice_vntrs(seqs["synthetic"], cfg.vntrs,
                                                             np.random.default_rng([cfg.seed, 11]))
        regions = [Region("synthetic", 0, len(seqs["synthetic"]))]
    contigs = {name: len(seq) for name, seq in seqs.items()}
    confident = _confident_intervals(seqs, regions)
    if not confident:
        raise GenomemlError("the chosen regions hold no sequence without N")

    germline: list[Variant] = []
    somatic: list[Variant] = []
    genomes: dict[str, DiploidGenome] = {}
    for contig, seq in seqs.items():
        allowed = [(r.start, r.end) for r in confident if r.contig == contig]
        inside_arrays = [(a.start - 20, a.end + 20) for a in arrays.get(contig, [])]   # no small variants there
        g, occupancy = place_germline(seq, contig, allowed, cfg.germline_rate, variant_rng, inside_arrays,
                                      long_indels=cfg.long_indels, flank_indels=cfg.flank_indels)
        if arrays.get(contig):
            g = sorted(g + vntr_alleles(seq, contig, arrays[contig], np.random.default_rng([cfg.seed, 12])),
                       key=lambda v: v.pos)
        s = place_somatic(seq, contig, cfg.somatic_rate, variant_rng, occupancy, g, cfg.purity, cfg.min_vaf,
                          long_indels=cfg.long_indels)
        germline += g
        somatic += s
        genomes[contig] = DiploidGenome(seq, g, s, germline_dropout(g, cfg.allelic_bias, variant_rng))
    log.info("placed %d germline and %d somatic variants", len(germline), len(somatic))

    profile = draw_profile(cfg.platform, profile_rng)
    if cfg.indel_error_scale != 1.0:
        profile = scale_indel_errors(profile, cfg.indel_error_scale)
    paralogs = make_paralogs(seqs, confident, cfg.paralogs, np.random.default_rng([cfg.seed, 7]))
    for p in paralogs:
        genomes[p.name] = DiploidGenome(p.seq, [], [])
    intervals = [(r.contig, r.start, r.end) for r in confident]

    with atomic_directory(cfg.out) as tmp:
        write_fasta(tmp / "ref.fa", seqs)
        counts = {}
        for sample, depth, scale, rng in (
                ("TUMOR", cfg.tumor_depth, 2.0, tumor_rng),
                ("NORMAL", cfg.normal_depth, 2.0 * cfg.contamination / cfg.purity, normal_rng)):
            def fragment(contig, hap, start, length, frag_rng, _scale=scale):
                return genomes[contig].fragment(hap, start, length, _scale, frag_rng)
            sampler = ReadSampler(cfg.platform, profile, prefix=f"{sample[0]}")
            reads = itertools.chain(
                sampler.reads(intervals, depth, fragment, rng),
                *(ReadSampler(cfg.platform, profile, prefix=f"{sample[0]}P{i}_").reads(
                    [(p.name, 0, len(p.seq))], depth * p.depth_fraction, fragment, rng)
                  for i, p in enumerate(paralogs)))
            counts[sample] = align_reads(reads, tmp / "ref.fa", contigs, tmp / f"{sample.lower()}.bam",
                                         sample, cfg.platform, cfg.threads, cfg.aligner)
            log.info("%s: %d alignment records", sample, counts[sample])
        header, body = _somatic_vcf_lines(somatic, contigs, cfg.purity, cfg.contamination)
        write_vcf(tmp / "truth.somatic.vcf.gz", header, body)
        header, body = _germline_vcf_lines(germline, contigs)
        write_vcf(tmp / "truth.germline.vcf.gz", header, body)
        write_bed(tmp / "confident.bed", confident)
        summary = {
            "genomeml_version": __version__,
            "config": config_record(cfg),
            "read_profile": profile.as_dict(),
            "contigs": contigs,
            "confident_bases": sum(len(r) for r in confident),
            "germline_variants": len(germline),
            "somatic_variants": len(somatic),
            "somatic_snvs": sum(v.is_snv for v in somatic),
            "somatic_indels": sum(not v.is_snv for v in somatic),
            "vntr_arrays": [f"{c}:{a.start + 1}-{a.end}" for c, items in arrays.items() for a in items],
            "paralogs": [{"source": f"{p.source}:{p.start + 1}-{p.start + len(p.seq)}",
                          "depth_fraction": round(p.depth_fraction, 3)} for p in paralogs],
            "records": {k.lower(): v for k, v in counts.items()},
        }
        (tmp / "simulation.json").write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
    summary["seconds"] = round(time.time() - started, 1)
    return summary
