"""genomeml polish: windows where reads disagree -> Transformer -> edits -> polished FASTA + edits VCF.

Chunks of the draft are turned into windows by worker processes (``--threads``); the
model runs in this process, one chunk at a time, so memory stays flat on any genome.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence

from genomeml.errors import GenomemlError
from genomeml.io.alignments import check_contigs, open_alignments
from genomeml.io.reference import Reference
import shlex

from genomeml.io.regions import Region, describe_regions, resolve_regions, shard_regions
from genomeml.io.vcf import REGIONS_KEY
from genomeml.models import resolve_model
from genomeml.parallel import map_shards
from genomeml.polish.consensus import apply_edits, normalized_edits, write_polished
from genomeml.polish.decode import Edit, decode_windows
from genomeml.polish.features import CandidateSettings, Windows, chunk_windows, estimate_read_length, feature_info

log = logging.getLogger(__name__)

CHUNK = 500_000
DEFAULT_MODEL = "polish-hifi"
READ_SUFFIXES = (".bam", ".cram")
SEQUENCE_SUFFIXES = tuple(f"{ext}{gz}" for ext in (".fastq", ".fq", ".fasta", ".fa", ".fna") for gz in ("", ".gz"))


@dataclass
class PolishRequest:
    assembly: str
    reads: str
    output: str
    vcf: str | None = None
    regions: Sequence[str] = ()
    model: str | None = None
    threads: int = 1
    min_probability: float | None = None   # None: the model card's threshold
    chunk_size: int = CHUNK


@dataclass
class PolishInputs:
    assembly: Path
    reads: Path
    contigs: dict[str, int]
    regions: list[Region]
    read_lengths: dict[str, float] = field(default_factory=dict)   # contigs with reads only


def prepare_inputs(assembly: str | os.PathLike, reads: str | os.PathLike,
                   region_specs: Sequence[str] | None) -> PolishInputs:
    """Check everything before any work: the draft, the reads' file, index and contigs, the regions."""
    with Reference(assembly) as ref:
        contigs = dict(ref.contigs)
    regions = resolve_regions(region_specs, contigs)
    order = {name: i for i, name in enumerate(contigs)}
    regions.sort(key=lambda r: (order[r.contig], r.start))
    reads = Path(reads)
    if not reads.name.lower().endswith(READ_SUFFIXES):
        raise GenomemlError(f"{reads}: give reads aligned to the draft as BAM/CRAM, or unaligned as FASTQ/FASTA")
    with open_alignments(reads, assembly, require_index=False) as bam:
        _check_sorted(bam, reads)
    with open_alignments(reads, assembly) as bam:
        check_contigs(bam, contigs, contigs)
        read_lengths = {}
        for contig in sorted({r.contig for r in regions}, key=order.get):
            length = estimate_read_length(bam, contig)
            if length is not None:
                read_lengths[contig] = length
    return PolishInputs(Path(assembly), reads, contigs, regions, read_lengths)


def _check_sorted(bam, path: Path) -> None:
    """An index on an unsorted file gives wrong fetches; the header says how it was sorted."""
    order = bam.header.to_dict().get("HD", {}).get("SO")
    if order not in (None, "coordinate"):
        raise GenomemlError(f"{path}: reads are sorted by {order}, not by coordinate (run: samtools sort)")


_STATE: dict = {}


def _init(inputs: PolishInputs, settings: CandidateSettings) -> None:
    import pysam
    pysam.set_verbosity(0)
    _STATE["ref"] = Reference(inputs.assembly)
    _STATE["bam"] = open_alignments(inputs.reads, inputs.assembly)
    _STATE["inputs"] = inputs
    _STATE["settings"] = settings
    _STATE["draft"] = ("", "")


def _draft(contig: str) -> str:
    if _STATE["draft"][0] != contig:
        _STATE["draft"] = (contig, _STATE["ref"].fetch(contig))
    return _STATE["draft"][1]


def _run(shard: Region) -> tuple[Region, Windows]:
    inputs: PolishInputs = _STATE["inputs"]
    if shard.contig not in inputs.read_lengths:
        return shard, Windows.empty(shard.contig)
    windows = chunk_windows(_STATE["bam"], _draft(shard.contig), shard.contig, shard.start, shard.end,
                            _STATE["settings"], inputs.read_lengths[shard.contig])
    return shard, windows


def iter_windows(inputs: PolishInputs, settings: CandidateSettings, threads: int = 1,
                 chunk_size: int = CHUNK) -> Iterator[tuple[Region, Windows]]:
    """Windows per chunk, in draft order, computed by ``threads`` processes."""
    return map_shards(shard_regions(inputs.regions, chunk_size), _init, (inputs, settings), _run, threads, "polish")


def check_card(card: dict, model_path: Path) -> None:
    """A model refuses windows made with other features than it was trained on."""
    info = feature_info()
    mismatched = [key for key in info if card.get(key) != info[key]]
    if mismatched:
        raise GenomemlError(f"{model_path}: model expects {card.get('feature_version')} windows; this genomeml "
                            f"makes {info['feature_version']} (differs in: {', '.join(mismatched)})")
    if card.get("task") != "polish":
        raise GenomemlError(f"{model_path}: not a polishing model (task: {card.get('task')})")


def canonical_command(req: PolishRequest) -> str:
    """The command in the VCF header: only what decides the edits (not the outputs, threads or regions,
    which get their own canonical ##genomeml_regions line), so merged shards match one run byte for byte."""
    args = ["genomeml", "polish", "--assembly", str(req.assembly), "--reads", str(req.reads)]
    if req.model is not None:
        args += ["--model", str(req.model)]
    if req.min_probability is not None:
        args += ["--min-probability", repr(float(req.min_probability))]
    return " ".join(shlex.quote(a) for a in args)


def polish(req: PolishRequest) -> dict:
    """Polish the draft; writes the FASTA (and the edits VCF) and returns a summary.

    Unaligned reads (FASTQ/FASTA) are first aligned to the draft with minimap2's map-hifi
    preset into a temporary BAM.
    """
    if not Path(req.reads).name.lower().endswith(SEQUENCE_SUFFIXES):
        return _polish(req, req.reads)
    from genomeml.io.align import align_files
    with Reference(req.assembly):
        pass                                  # a bad draft is reported before any alignment
    with tempfile.TemporaryDirectory(prefix="genomeml-polish-") as tmp:
        aligned = Path(tmp) / "reads.bam"
        log.info("aligning %s to %s (minimap2 map-hifi)", req.reads, req.assembly)
        align_files(req.assembly, [req.reads], aligned, "reads", "map-hifi", threads=req.threads)
        return _polish(req, str(aligned))


def _polish(req: PolishRequest, reads: str) -> dict:
    started = time.perf_counter()
    inputs = prepare_inputs(req.assembly, reads, req.regions)
    model_ref = resolve_model(req.model or DEFAULT_MODEL)
    check_card(model_ref.card, model_ref.path)
    threshold = req.min_probability
    if threshold is None:
        threshold = float(model_ref.card.get("polishing", {}).get("min_probability", 0.5))
    from genomeml.predictor import Predictor   # TensorFlow loads only once inputs are known good
    predictor = Predictor(model_ref.path, ["genomeml.polish.model"], n_outputs=5)

    with Reference(inputs.assembly) as ref:
        edits: list[Edit] = []
        stats = {"windows": 0, "windows_s": 0.0, "inference_s": 0.0}
        clock = time.perf_counter()
        draft_cache = ("", "")
        for shard, windows in iter_windows(inputs, CandidateSettings(), req.threads, req.chunk_size):
            stats["windows_s"] += time.perf_counter() - clock
            if len(windows):
                t0 = time.perf_counter()
                probs = predictor.predict(windows.reads, windows.columns)
                stats["inference_s"] += time.perf_counter() - t0
                if draft_cache[0] != shard.contig:
                    draft_cache = (shard.contig, ref.fetch(shard.contig))
                edits += decode_windows(windows, probs, draft_cache[1], threshold)
                stats["windows"] += len(windows)
            clock = time.perf_counter()
        meta = [f"##genomeml_command={canonical_command(req)}",
                f"##{REGIONS_KEY}={describe_regions(inputs.regions, inputs.contigs)}",
                f"##genomeml_model={model_ref.name} {model_ref.card.get('model_version', '?')}",
                f"##genomeml_min_probability={threshold}",
                f"##reference=file://{Path(req.assembly).name}"]
        header, edits = normalized_edits(edits, inputs.assembly, inputs.contigs, meta)
        by_contig: dict[str, list[Edit]] = {}
        for edit in edits:
            by_contig.setdefault(edit.contig, []).append(edit)
        polished: dict[str, str] = {}
        used: list[Edit] = []
        for contig in inputs.contigs:
            seq = ref.fetch(contig)
            polished[contig], applied = apply_edits(seq, by_contig.get(contig, []))
            used += applied
    polished_contigs = sorted({r.contig for r in inputs.regions})
    uncovered = [c for c in polished_contigs if c not in inputs.read_lengths]
    if uncovered:
        shown = ", ".join(uncovered[:10]) + (" ..." if len(uncovered) > 10 else "")
        log.warning("%s: no reads on %d contig(s), left as they are: %s", req.reads, len(uncovered), shown)
    write_polished(req.output, req.vcf, header, polished, used)
    stats.update({"edits": len(used), "uncovered_contigs": uncovered,
                  "windows_s": round(stats["windows_s"], 2), "inference_s": round(stats["inference_s"], 2),
                  "seconds": round(time.perf_counter() - started, 2)})
    log.info("%d windows, %d edits; windows %.1f s, inference %.1f s", stats["windows"], len(used),
             stats["windows_s"], stats["inference_s"])
    return stats
